//! Snapshot tests of the whole screen in every state, with explicit colour assertions.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::{buffer_text, find_text, render_model};
use crate::engine::model::{ContainerState, Health, Probe, Usage};
use crate::tui::config::Theme;
use crate::tui::fixtures;
use crate::tui::model::{Connection, Model, ReadOnly};
use crate::tui::msg::{EngineEvent, LogLine, Msg, OpEvent};
use crate::tui::update::update;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// The style of the first cell of `needle` on the row that contains `row_marker`.
fn style_at(buf: &Buffer, row_marker: &str, needle: &str) -> (Color, Modifier) {
    let (_, y) = find_text(buf, row_marker).expect("row on screen");
    let area = buf.area;
    let line: Vec<&str> = (area.left()..area.right())
        .map(|x| buf[(x, y)].symbol())
        .collect();
    let text: String = line.concat();
    let byte = text.find(needle).expect("text on the row");
    let mut acc = 0;
    let mut col = 0;
    for (i, s) in line.iter().enumerate() {
        if acc == byte {
            col = i;
            break;
        }
        acc += s.len();
    }
    let cell = &buf[(area.left() + col as u16, y)];
    (cell.fg, cell.modifier)
}

fn with_logs(m: &mut Model) {
    let lines = [
        ("web", "GET /health 200"),
        ("api", "connecting to db:5432"),
        ("db", "database system is ready to accept connections"),
        ("api", "ERROR: connection refused"),
        ("web", "GET / 200"),
        ("api", "retrying in 2s"),
    ];
    for (i, (s, t)) in lines.iter().enumerate() {
        update(
            m,
            Msg::Log(LogLine {
                service: (*s).into(),
                timestamp: Some(
                    fixtures::now() - chrono::Duration::milliseconds(9_877 - 1000 * i as i64),
                ),
                stderr: t.starts_with("ERROR"),
                text: (*t).into(),
            }),
        );
    }
}

#[test]
fn every_service_state() {
    let mut m = fixtures::model();
    m.usage.insert(
        "web".into(),
        Usage {
            cpu_percent: 12.5,
            mem_bytes: 47_290_000,
            mem_limit: 0,
        },
    );
    m.history.insert(
        "web".into(),
        [1.0, 5.0, 20.0, 60.0, 12.5].into_iter().collect(),
    );
    with_logs(&mut m);
    let buf = render_model(&m);
    insta::assert_snapshot!("every_state", buffer_text(&buf));
    // Health cells carry their colour, not just their word.
    let t = Theme::default();
    assert_eq!(style_at(&buf, "web ", "healthy").0, t.healthy);
    let (fg, md) = style_at(&buf, "api ", "unhealthy");
    assert_eq!(fg, t.unhealthy);
    assert!(md.contains(Modifier::BOLD));
    assert_eq!(style_at(&buf, "api ", "failing ×4").0, t.unhealthy);
    assert_eq!(style_at(&buf, "db ", "starting").0, t.starting);
    assert_eq!(style_at(&buf, "db ", "grace 22s").0, t.starting);
    assert_eq!(style_at(&buf, "worker ", "no check").0, t.running);
    assert_eq!(style_at(&buf, "cache ", "exited (137)").0, t.exited);
    assert_eq!(style_at(&buf, "migrate ", "not created").0, t.inactive);
    assert_eq!(style_at(&buf, "debug ", "disabled").0, t.inactive);
    assert_eq!(style_at(&buf, "all services", "2 failing").0, t.unhealthy);
}

#[test]
fn all_healthy_stack() {
    let mut m = fixtures::model();
    if let Some(s) = m.snapshot.as_mut() {
        for svc in &mut s.services {
            for c in &mut svc.containers {
                c.state = ContainerState::Running;
                c.health = Health::Healthy;
                c.exit_code = None;
                c.failing_streak = 0;
            }
        }
    }
    let buf = render_model(&m);
    assert_eq!(
        style_at(&buf, "all services", "all ok").0,
        Theme::default().healthy
    );
    for svc in ["web ", "api ", "db ", "worker ", "cache "] {
        assert_eq!(
            style_at(&buf, svc, "healthy").0,
            Theme::default().healthy,
            "{svc}"
        );
    }
}

#[test]
fn disconnected() {
    let mut m = fixtures::model();
    update(
        &mut m,
        Msg::Engine(EngineEvent::Disconnected {
            reason: "Cannot connect to the Docker daemon".into(),
        }),
    );
    let buf = render_model(&m);
    insta::assert_snapshot!("disconnected", buffer_text(&buf));
    let (fg, _) = style_at(&buf, "DISCONNECTED", "DISCONNECTED");
    assert_eq!(fg, Theme::default().unhealthy);
    assert!(find_text(&buf, "STALE: last known state").is_some());
    // Recovery: the next snapshot clears it.
    update(
        &mut m,
        Msg::Engine(EngineEvent::Snapshot(fixtures::snapshot())),
    );
    let buf = render_model(&m);
    assert!(find_text(&buf, "DISCONNECTED").is_none());
    assert!(find_text(&buf, "● connected").is_some());
}

#[test]
fn connecting_before_the_first_snapshot() {
    let mut m = fixtures::model();
    m.connection = Connection::Connecting;
    m.snapshot = None;
    let buf = render_model(&m);
    insta::assert_snapshot!("connecting", buffer_text(&buf));
}

#[test]
fn read_only_flag() {
    let mut m = fixtures::model();
    m.read_only_flag = ReadOnly::Flag;
    let buf = render_model(&m);
    insta::assert_snapshot!("read_only", buffer_text(&buf));
    assert_eq!(style_at(&buf, "READ-ONLY", "READ-ONLY").0, Color::White);
    assert!(
        buffer_text(&buf)
            .lines()
            .last()
            .is_some_and(|l| !l.contains("down -v"))
    );
    update(&mut m, key('u'));
    let buf = render_model(&m);
    let last = buffer_text(&buf)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        last.starts_with("READ-ONLY: `u` (up) is disabled"),
        "{last}"
    );
}

#[test]
fn protected_environment() {
    let mut m = fixtures::model();
    m.info.environment = Some("prod".into());
    m.info.protected = true;
    m.info.files = vec!["/p/compose.yaml".into(), "/p/compose.prod.yaml".into()];
    let buf = render_model(&m);
    insta::assert_snapshot!("protected", buffer_text(&buf));
    let (_, y) = find_text(&buf, "⚠ PROTECTED: PROD").expect("marker");
    let (x, _) = find_text(&buf, "⚠ PROTECTED: PROD").expect("marker");
    assert_eq!(buf[(x, y)].bg, Theme::default().protected);
}

#[test]
fn no_color_keeps_meaning_in_text_and_modifiers() {
    let mut m = fixtures::model();
    m.config.theme = Theme::monochrome();
    let buf = render_model(&m);
    let (fg, md) = style_at(&buf, "api ", "unhealthy");
    assert_eq!(fg, Color::Reset);
    assert!(md.contains(Modifier::REVERSED));
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let c = &buf[(x, y)];
            assert!(
                matches!(c.fg, Color::Reset) && matches!(c.bg, Color::Reset),
                "colour at {x},{y}"
            );
        }
    }
}

#[test]
fn log_pane_views() {
    let mut m = fixtures::model();
    with_logs(&mut m);
    // One service, timestamps and wrap on, scrolled up, searching.
    update(&mut m, key('j'));
    update(&mut m, key('j'));
    assert_eq!(m.selected.as_deref(), Some("api"));
    update(&mut m, key('T'));
    update(&mut m, code(KeyCode::Tab));
    update(&mut m, key('/'));
    for c in "error".chars() {
        update(&mut m, key(c));
    }
    update(&mut m, code(KeyCode::Enter));
    let buf = render_model(&m);
    insta::assert_snapshot!("logs_search", buffer_text(&buf));
    let (fg, md) = style_at(&buf, "connection refused", "ERROR");
    assert_eq!(fg, Color::Black);
    assert!(md.contains(Modifier::BOLD), "the current hit is emphasised");
    assert!(find_text(&buf, "PAUSED, 1 newer").is_some());
}

#[test]
fn merged_logs_have_coloured_prefixes() {
    let mut m = fixtures::model();
    with_logs(&mut m);
    let buf = render_model(&m);
    let t = Theme::default();
    // web is service 0, api 1, db 2 (declaration order).
    assert_eq!(style_at(&buf, "GET /health", "web").0, t.service_color(0));
    assert_eq!(
        style_at(&buf, "connecting to db", "api").0,
        t.service_color(1)
    );
    assert_eq!(
        style_at(&buf, "ready to accept", "db").0,
        t.service_color(2)
    );
}

#[test]
fn control_sequences_never_reach_the_buffer() {
    let mut m = fixtures::model();
    update(
        &mut m,
        Msg::Log(LogLine {
            service: "web".into(),
            timestamp: None,
            stderr: false,
            text: "evil \u{1b}]52;c;aGVsbG8=\u{7} \u{1b}[2J done".into(),
        }),
    );
    let buf = render_model(&m);
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            assert!(
                !buf[(x, y)].symbol().chars().any(char::is_control),
                "control char at {x},{y}"
            );
        }
    }
    assert!(find_text(&buf, "evil ␛]52;c;aGVsbG8=").is_some());
}

#[test]
fn delete_modal_states() {
    let mut m = fixtures::model();
    update(&mut m, key('D'));
    let buf = render_model(&m);
    assert!(find_text(&buf, "Building the deletion plan").is_some());
    let mut plan = fixtures::plan();
    plan.warnings = vec!["volume shop_pgdata is protected in devctl.yaml".into()];
    plan.volumes[0].marks = vec!["protected".into()];
    update(&mut m, Msg::Plan(Ok(plan)));
    let buf = render_model(&m);
    insta::assert_snapshot!("confirm_initial", buffer_text(&buf));
    // Focus on Cancel (reversed), Delete disabled (dim).
    let (_, md) = style_at(&buf, "[ Cancel ]", "[ Cancel ]");
    assert!(md.contains(Modifier::REVERSED));
    let (fg, md) = style_at(&buf, "[ Delete ]", "[ Delete ]");
    assert_eq!(fg, Theme::default().inactive);
    assert!(md.contains(Modifier::DIM));
    for c in "shoq".chars() {
        update(&mut m, key(c));
    }
    update(&mut m, code(KeyCode::Enter));
    let buf = render_model(&m);
    insta::assert_snapshot!("confirm_wrong", buffer_text(&buf));
    update(&mut m, code(KeyCode::Backspace));
    update(&mut m, key('p'));
    let buf = render_model(&m);
    let (fg, md) = style_at(&buf, "[ Delete ]", "[ Delete ]");
    assert_eq!(
        fg,
        Theme::default().unhealthy,
        "enabled once the name matches"
    );
    assert!(!md.contains(Modifier::DIM));
}

#[test]
fn details_popup() {
    let mut m = fixtures::model();
    if let Some(s) = m.snapshot.as_mut() {
        s.services[2].containers[0].probes = vec![
            Probe {
                start: Some(fixtures::ago(10)),
                end: None,
                exit_code: 1,
                output: "pg_isready: no response\nretry".into(),
            },
            Probe {
                start: Some(fixtures::ago(5)),
                end: None,
                exit_code: 0,
                output: "accepting connections".into(),
            },
        ];
    }
    m.selected = Some("db".into());
    update(&mut m, code(KeyCode::Enter));
    let buf = render_model(&m);
    insta::assert_snapshot!("details_db", buffer_text(&buf));
    let text = buffer_text(&buf);
    assert!(text.contains("POSTGRES_PASSWORD=********") && !text.contains("hunter2"));
}

#[test]
fn help_and_env_switch_and_ops() {
    let mut m = fixtures::model();
    update(&mut m, key('?'));
    insta::assert_snapshot!("help", buffer_text(&render_model(&m)));
    update(&mut m, code(KeyCode::Esc));
    update(&mut m, key('r'));
    update(
        &mut m,
        Msg::Op(OpEvent::Started {
            op: 1,
            command: "docker compose -p shop -f /p/compose.yaml restart".into(),
        }),
    );
    update(
        &mut m,
        Msg::Op(OpEvent::Output {
            op: 1,
            line: " Container shop-web-1  Restarting".into(),
        }),
    );
    update(
        &mut m,
        Msg::Op(OpEvent::Output {
            op: 1,
            line: " Container shop-web-1  Started".into(),
        }),
    );
    update(
        &mut m,
        Msg::Op(OpEvent::Finished {
            op: 1,
            result: Ok(0),
        }),
    );
    update(&mut m, key('e'));
    update(
        &mut m,
        Msg::EnvPreview(Ok(crate::tui::msg::EnvPreview {
            environment: "prod".into(),
            files: vec!["/p/compose.yaml".into(), "/p/compose.prod.yaml".into()],
            protected: true,
            up_command: "docker compose -p shop -f /p/compose.yaml -f /p/compose.prod.yaml up -d"
                .into(),
        })),
    );
    insta::assert_snapshot!("env_switch_and_ops", buffer_text(&render_model(&m)));
}

#[test]
fn tiny_terminals_show_a_notice_and_never_panic() {
    let mut m = fixtures::model();
    with_logs(&mut m);
    for (w, h) in [(0, 0), (1, 1), (10, 3), (59, 20), (80, 13), (60, 14)] {
        m.width = w;
        m.height = h;
        let buf = render_model(&m);
        let text = buffer_text(&buf);
        if crate::tui::layout::is_tiny(w, h) && w > 20 && h > 2 {
            assert!(text.contains("Terminal too small"), "{w}x{h}");
        }
    }
    m.width = 40;
    m.height = 6;
    insta::assert_snapshot!("tiny", buffer_text(&render_model(&m)));
}

#[test]
fn wide_and_narrow_layouts() {
    let mut m = fixtures::model();
    with_logs(&mut m);
    m.width = 160;
    m.height = 24;
    insta::assert_snapshot!("wide", buffer_text(&render_model(&m)));
    m.width = 60;
    m.height = 16;
    insta::assert_snapshot!("narrow", buffer_text(&render_model(&m)));
}
