use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::*;
use crate::engine::model::Usage;
use crate::tui::fixtures;
use crate::tui::model::{ConfirmFocus, Focus, InputKind, Modal, ReadOnly};
use crate::tui::msg::{EnvPreview, Signal};

fn key(c: char) -> Msg {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn typed(m: &mut Model, s: &str) -> Vec<Cmd> {
    s.chars().flat_map(|c| update(m, key(c))).collect()
}

fn log(service: &str, text: &str) -> Msg {
    Msg::Log(LogLine {
        service: service.into(),
        timestamp: None,
        stderr: false,
        text: text.into(),
    })
}

fn confirm(m: &Model) -> Option<&crate::tui::model::Confirm> {
    match &m.modal {
        Some(Modal::Confirm(c)) => Some(c),
        _ => None,
    }
}

fn flash_text(m: &Model) -> String {
    m.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

#[test]
fn quit_keys() {
    for msg in [key('q'), ctrl('c')] {
        let mut m = fixtures::model();
        assert_eq!(update(&mut m, msg), vec![Cmd::Quit(0)]);
        assert_eq!(m.quit, Some(0));
    }
}

#[test]
fn key_releases_are_ignored() {
    let mut m = fixtures::model();
    let mut ev = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    ev.kind = KeyEventKind::Release;
    assert!(update(&mut m, Msg::Key(ev)).is_empty());
    assert_eq!(m.quit, None);
}

#[test]
fn selection_moves_over_all_and_services() {
    let mut m = fixtures::model();
    assert_eq!(m.selected, None);
    update(&mut m, key('j'));
    assert_eq!(m.selected.as_deref(), Some("web"));
    update(&mut m, code(KeyCode::Down));
    assert_eq!(m.selected.as_deref(), Some("api"));
    update(&mut m, key('G'));
    assert_eq!(m.selected.as_deref(), Some("debug"));
    update(&mut m, key('j'));
    assert_eq!(
        m.selected.as_deref(),
        Some("debug"),
        "stays on the last row"
    );
    update(&mut m, key('a'));
    assert_eq!(m.selected, None);
    update(&mut m, key('k'));
    assert_eq!(m.selected, None, "stays on the first row");
}

#[test]
fn actions_target_the_selection_or_the_stack() {
    let mut m = fixtures::model();
    let cmds = update(&mut m, key('u'));
    assert_eq!(
        cmds,
        vec![Cmd::Compose {
            op: 1,
            args: vec!["up".into(), "-d".into()]
        }]
    );
    assert_eq!(m.ops[0].title, "up all services");
    update(
        &mut m,
        Msg::Op(OpEvent::Finished {
            op: 1,
            result: Ok(0),
        }),
    );
    update(&mut m, key('j'));
    let table = [
        ('r', vec!["restart", "web"]),
        ('s', vec!["stop", "web"]),
        ('t', vec!["start", "web"]),
        ('b', vec!["build", "web"]),
        ('p', vec!["pull", "web"]),
        ('d', vec!["down", "web"]),
    ];
    for (k, want) in table {
        let cmds = update(&mut m, key(k));
        let op = m.next_op - 1;
        let args: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(cmds, vec![Cmd::Compose { op, args }], "{k}");
        update(&mut m, Msg::Op(OpEvent::Finished { op, result: Ok(0) }));
    }
}

#[test]
fn one_operation_at_a_time() {
    let mut m = fixtures::model();
    assert_eq!(update(&mut m, key('u')).len(), 1);
    assert!(update(&mut m, key('r')).is_empty());
    assert!(
        flash_text(&m).contains("still running"),
        "{}",
        flash_text(&m)
    );
}

#[test]
fn read_only_disables_every_mutating_key_with_a_message() {
    for protected in [false, true] {
        let mut m = fixtures::model();
        if protected {
            m.info.environment = Some("prod".into());
            m.info.protected = true;
        } else {
            m.read_only_flag = ReadOnly::Flag;
        }
        update(&mut m, key('j'));
        for k in ['u', 'd', 'r', 's', 't', 'b', 'p', 'x', 'S', 'D'] {
            let cmds = update(&mut m, key(k));
            assert!(
                cmds.is_empty(),
                "{k} must do nothing in read-only mode: {cmds:?}"
            );
            assert!(m.modal.is_none() && !m.suspended);
            let f = flash_text(&m);
            assert!(f.starts_with("READ-ONLY"), "{k}: {f}");
            if protected {
                assert!(f.contains("`prod` is a protected environment"), "{f}");
            } else {
                assert!(f.contains("--read-only"), "{f}");
            }
        }
        // Looking around still works.
        update(&mut m, key('j'));
        assert_eq!(m.selected.as_deref(), Some("api"));
    }
}

#[test]
fn down_volumes_opens_the_plan_with_focus_on_cancel() {
    let mut m = fixtures::model();
    assert_eq!(update(&mut m, key('D')), vec![Cmd::BuildDeletionPlan]);
    assert_eq!(m.modal, Some(Modal::PlanLoading));
    update(&mut m, Msg::Plan(Ok(fixtures::plan())));
    let c = confirm(&m).expect("confirm modal expected");
    assert_eq!(c.focus, ConfirmFocus::Cancel);
    assert!(c.snapshot_first);
    // Enter on the initial focus cancels.
    assert!(update(&mut m, code(KeyCode::Enter)).is_empty());
    assert_eq!(m.modal, None);
    assert!(flash_text(&m).contains("nothing was deleted"));
}

/// `D` whose plan deletes nothing asks nothing (as `down -v` on the command line): `down`
/// runs without volumes and the flash says so, naming what is kept.
#[test]
fn an_empty_plan_runs_down_without_asking() {
    let mut m = fixtures::model();
    assert_eq!(update(&mut m, key('D')), vec![Cmd::BuildDeletionPlan]);
    let mut plan = fixtures::plan();
    plan.volumes.clear();
    plan.kept = vec![("shop_pgdata".into(), "external".into())];
    let cmds = update(&mut m, Msg::Plan(Ok(plan.clone())));
    assert_eq!(
        cmds,
        vec![Cmd::Compose {
            op: 1,
            args: vec!["down".into()]
        }]
    );
    assert_eq!(m.modal, None);
    let f = flash_text(&m);
    assert!(
        f.contains("nothing to delete") && f.contains("shop_pgdata"),
        "{f}"
    );
    // A blocked plan still opens the modal, which says why.
    let mut m = fixtures::model();
    update(&mut m, key('D'));
    plan.blocked = Some("the views disagree".into());
    assert!(update(&mut m, Msg::Plan(Ok(plan))).is_empty());
    assert!(confirm(&m).is_some());
    // A plan that deletes something asks, as before.
    let mut m = fixtures::model();
    update(&mut m, key('D'));
    assert!(update(&mut m, Msg::Plan(Ok(fixtures::plan()))).is_empty());
    assert!(confirm(&m).is_some());
}

#[test]
fn only_the_exact_name_confirms() {
    let mut m = fixtures::model();
    update(&mut m, key('D'));
    update(&mut m, Msg::Plan(Ok(fixtures::plan())));
    // Keys that would be actions elsewhere are text here: nothing runs.
    assert!(typed(&mut m, "shoq").is_empty());
    assert!(update(&mut m, code(KeyCode::Enter)).is_empty());
    let c = confirm(&m).expect("still open");
    assert!(c.note.as_deref().unwrap_or("").contains("does not match"));
    for wrong in ["Shop", "shop ", " shop", "sho"] {
        update(&mut m, ctrl('u'));
        typed(&mut m, wrong);
        assert!(update(&mut m, code(KeyCode::Enter)).is_empty(), "{wrong:?}");
    }
    update(&mut m, ctrl('u'));
    typed(&mut m, "shop");
    // Tab to the snapshot checkbox, turn it off, on to Confirm.
    update(&mut m, code(KeyCode::Tab));
    update(&mut m, key(' '));
    update(&mut m, code(KeyCode::Tab));
    let cmds = update(&mut m, code(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Cmd::ExecutePlan {
            op: 1,
            words: vec!["shop".into()],
            snapshot_first: false,
            token: None
        }]
    );
    assert_eq!(m.modal, None);
    assert_eq!(m.ops[0].title, "down + delete volumes");
}

#[test]
fn several_words_are_typed_one_after_the_other() {
    let mut m = fixtures::model();
    update(&mut m, key('D'));
    let mut plan = fixtures::plan();
    plan.confirm_words = vec!["shop_pgdata".into(), "company-backups".into()];
    update(&mut m, Msg::Plan(Ok(plan)));
    typed(&mut m, "shop_pgdata");
    assert!(
        update(&mut m, code(KeyCode::Enter)).is_empty(),
        "one word is not enough"
    );
    let c = confirm(&m).expect("open");
    assert_eq!(c.done, ["shop_pgdata"]);
    assert!(c.note.as_deref().unwrap_or("").contains("company-backups"));
    typed(&mut m, "shop");
    assert!(update(&mut m, code(KeyCode::Enter)).is_empty());
    update(&mut m, ctrl('u'));
    assert!(
        confirm(&m).expect("open").done.is_empty(),
        "ctrl-u starts over"
    );
    typed(&mut m, "shop_pgdata");
    update(&mut m, code(KeyCode::Enter));
    typed(&mut m, "company-backups");
    let cmds = update(&mut m, code(KeyCode::Enter));
    assert!(
        matches!(&cmds[..], [Cmd::ExecutePlan { words, .. }] if words == &["shop_pgdata", "company-backups"]),
        "{cmds:?}"
    );
}

#[test]
fn a_blocked_plan_never_executes() {
    let mut m = fixtures::model();
    update(&mut m, key('D'));
    let mut plan = fixtures::plan();
    plan.blocked = Some("devctl's model and Compose's view disagree".into());
    update(&mut m, Msg::Plan(Ok(plan)));
    typed(&mut m, "shop");
    assert!(update(&mut m, code(KeyCode::Enter)).is_empty());
    assert!(
        confirm(&m)
            .expect("open")
            .note
            .as_deref()
            .unwrap_or("")
            .contains("refused")
    );
}

#[test]
fn escape_and_ctrl_c_cancel_the_confirmation() {
    for cancel in [code(KeyCode::Esc), ctrl('c')] {
        let mut m = fixtures::model();
        update(&mut m, key('D'));
        update(&mut m, Msg::Plan(Ok(fixtures::plan())));
        typed(&mut m, "shop");
        assert!(update(&mut m, cancel).is_empty());
        assert_eq!(m.modal, None);
        assert_eq!(
            m.quit, None,
            "ctrl-c in the modal cancels, it does not quit"
        );
    }
}

#[test]
fn a_plan_arriving_after_cancel_is_dropped() {
    let mut m = fixtures::model();
    update(&mut m, key('D'));
    update(&mut m, code(KeyCode::Esc));
    update(&mut m, Msg::Plan(Ok(fixtures::plan())));
    assert_eq!(m.modal, None);
    update(&mut m, key('D'));
    update(&mut m, Msg::Plan(Err("the Engine is unreachable".into())));
    assert_eq!(m.modal, None);
    assert!(flash_text(&m).contains("the Engine is unreachable"));
}

#[test]
fn modals_get_keys_first() {
    let mut m = fixtures::model();
    update(&mut m, key('?'));
    assert!(matches!(m.modal, Some(Modal::Help { .. })));
    assert!(update(&mut m, key('u')).is_empty());
    assert!(
        update(&mut m, key('q')).is_empty(),
        "q closes help, it does not quit"
    );
    assert_eq!(m.modal, None);
    assert_eq!(m.quit, None);
    // Details need a service.
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.modal, None);
    update(&mut m, key('j'));
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(
        m.modal,
        Some(Modal::Details {
            service: "web".into(),
            scroll: 0
        })
    );
    update(&mut m, key('j'));
    assert_eq!(
        m.modal,
        Some(Modal::Details {
            service: "web".into(),
            scroll: 1
        })
    );
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.modal, None);
}

#[test]
fn logs_follow_stop_when_scrolled_and_resume_with_end() {
    let mut m = fixtures::model();
    for i in 0..100 {
        update(
            &mut m,
            log(if i % 2 == 0 { "web" } else { "api" }, &format!("line {i}")),
        );
    }
    assert!(m.log_view.follow);
    update(&mut m, code(KeyCode::Tab));
    assert_eq!(m.focus, Focus::Logs);
    update(&mut m, key('k'));
    assert!(!m.log_view.follow);
    assert_eq!(bottom_seq(&m), Some(98));
    // New lines do not move the view.
    update(&mut m, log("web", "line 100"));
    assert_eq!(bottom_seq(&m), Some(98));
    update(&mut m, code(KeyCode::PageUp));
    let page = visible_log_height(&m) as u64 - 1;
    assert_eq!(bottom_seq(&m), Some(98 - page));
    update(&mut m, key('g'));
    assert_eq!(
        bottom_seq(&m),
        Some(visible_log_height(&m) as u64 - 1),
        "top shows a full page"
    );
    update(&mut m, code(KeyCode::End));
    assert!(m.log_view.follow);
    assert_eq!(bottom_seq(&m), Some(100));
    update(&mut m, key('k'));
    update(&mut m, key('j'));
    assert!(
        m.log_view.follow,
        "scrolling back to the newest line resumes following"
    );
    update(&mut m, key('k'));
    update(&mut m, key('G'));
    assert!(m.log_view.follow);
}

#[test]
fn selecting_a_service_shows_its_lines_only() {
    let mut m = fixtures::model();
    update(&mut m, log("web", "w1"));
    update(&mut m, log("api", "a1"));
    update(&mut m, log("web", "w2"));
    update(&mut m, key('j'));
    assert_eq!(m.selected.as_deref(), Some("web"));
    let src = m.log_source();
    let texts: Vec<_> = m
        .logs
        .iter_back(src, None)
        .map(|r| r.text.to_string())
        .collect();
    assert_eq!(texts, ["w2", "w1"]);
}

#[test]
fn search_with_n_and_shift_n() {
    let mut m = fixtures::model();
    for i in 0..50 {
        let text = if i % 10 == 3 {
            format!("ERROR {i}")
        } else {
            format!("ok {i}")
        };
        update(&mut m, log("web", &text));
    }
    update(&mut m, code(KeyCode::Tab));
    update(&mut m, key('/'));
    assert_eq!(m.input.as_ref().map(|i| i.kind), Some(InputKind::Search));
    typed(&mut m, "error");
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.log_view.hit, Some(43));
    assert!(!m.log_view.follow);
    update(&mut m, key('n'));
    assert_eq!(m.log_view.hit, Some(33));
    update(&mut m, key('n'));
    assert_eq!(m.log_view.hit, Some(23));
    update(&mut m, key('N'));
    assert_eq!(m.log_view.hit, Some(33));
    for _ in 0..5 {
        update(&mut m, key('n'));
    }
    assert_eq!(m.log_view.hit, Some(3));
    assert!(
        flash_text(&m).contains("no older line"),
        "{}",
        flash_text(&m)
    );
    update(&mut m, key('/'));
    update(&mut m, ctrl('u'));
    typed(&mut m, "nothing like this");
    update(&mut m, code(KeyCode::Enter));
    assert!(flash_text(&m).contains("no line matches"));
}

#[test]
fn filter_is_live_and_escape_clears_it() {
    let mut m = fixtures::model();
    update(&mut m, key('j'));
    assert_eq!(m.selected.as_deref(), Some("web"));
    update(&mut m, key('/'));
    typed(&mut m, "wo");
    assert_eq!(m.filter, "wo");
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.input, None);
    assert_eq!(m.selected.as_deref(), Some("worker"));
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.filter, "");
}

#[test]
fn toggles_and_sort() {
    let mut m = fixtures::model();
    update(&mut m, key('w'));
    update(&mut m, key('T'));
    assert!(m.log_view.wrap && m.log_view.timestamps);
    update(&mut m, key('o'));
    assert_eq!(m.sort, crate::tui::model::SortKey::Name);
    assert_eq!(flash_text(&m), "sorted by name");
}

#[test]
fn engine_messages() {
    let mut m = fixtures::model();
    update(
        &mut m,
        Msg::Engine(EngineEvent::Disconnected {
            reason: "socket closed".into(),
        }),
    );
    assert_eq!(
        m.connection,
        Connection::Disconnected {
            reason: "socket closed".into()
        }
    );
    let mut snap = fixtures::snapshot();
    snap.services[1].containers[0].health = crate::engine::model::Health::Healthy;
    update(&mut m, Msg::Engine(EngineEvent::Snapshot(snap.clone())));
    assert_eq!(m.connection, Connection::Connected);
    assert_eq!(m.snapshot.as_ref(), Some(&snap));
    m.dirty = false;
    update(&mut m, Msg::Engine(EngineEvent::Snapshot(snap)));
    assert!(!m.dirty, "an unchanged snapshot does not redraw");
}

#[test]
fn a_changed_service_replaces_only_itself() {
    let mut m = fixtures::model();
    let mut api = m.snapshot.as_ref().expect("snapshot").services[1].clone();
    api.containers[0].health = crate::engine::model::Health::Healthy;
    update(
        &mut m,
        Msg::Engine(EngineEvent::ServiceChanged(api.clone())),
    );
    let snap = m.snapshot.as_ref().expect("snapshot");
    assert_eq!(snap.services[1], api);
    assert_eq!(snap.services[0], fixtures::snapshot().services[0]);
    m.dirty = false;
    update(&mut m, Msg::Engine(EngineEvent::ServiceChanged(api)));
    assert!(!m.dirty, "no change, no redraw");
    // A service the snapshot did not have yet is added.
    update(
        &mut m,
        Msg::Engine(EngineEvent::ServiceChanged(fixtures::status("new", vec![]))),
    );
    assert!(
        m.snapshot
            .as_ref()
            .is_some_and(|s| s.services.iter().any(|x| x.name == "new"))
    );
}

#[test]
fn usage_is_kept_and_shown_at_the_configured_pace() {
    let mut m = fixtures::model();
    let u = |cpu| {
        Msg::Engine(EngineEvent::Usage {
            service: "web".into(),
            usage: Usage {
                cpu_percent: cpu,
                mem_bytes: 1 << 20,
                mem_limit: 0,
            },
        })
    };
    update(&mut m, u(10.0));
    assert!(m.dirty);
    m.dirty = false;
    update(&mut m, u(20.0));
    assert!(!m.dirty, "within the refresh interval");
    update(
        &mut m,
        Msg::Tick(fixtures::now() + chrono::Duration::seconds(3)),
    );
    m.dirty = false;
    update(&mut m, u(30.0));
    assert!(m.dirty);
    assert_eq!(
        m.history["web"].iter().copied().collect::<Vec<_>>(),
        [10.0, 20.0, 30.0]
    );
    for i in 0..100 {
        update(&mut m, u(f64::from(i)));
    }
    assert_eq!(m.history["web"].len(), HISTORY);
}

#[test]
fn operations_stream_into_the_pane() {
    let mut m = fixtures::model();
    update(&mut m, key('u'));
    update(
        &mut m,
        Msg::Op(OpEvent::Started {
            op: 1,
            command: "docker compose up -d".into(),
        }),
    );
    update(
        &mut m,
        Msg::Op(OpEvent::Output {
            op: 1,
            line: "Container shop-web-1 Started".into(),
        }),
    );
    update(
        &mut m,
        Msg::Op(OpEvent::Finished {
            op: 1,
            result: Ok(1),
        }),
    );
    let op = m.op(1).expect("op");
    assert_eq!(op.command.as_deref(), Some("docker compose up -d"));
    assert_eq!(op.output.len(), 1);
    assert_eq!(op.status, OpStatus::Finished(1));
    assert!(flash_text(&m).contains("exit code 1"));
    // Output for an unknown op is ignored.
    update(
        &mut m,
        Msg::Op(OpEvent::Output {
            op: 99,
            line: "x".into(),
        }),
    );
}

#[test]
fn the_operations_pane_scrolls_within_its_lines() {
    let mut m = fixtures::model();
    update(&mut m, key('u'));
    for i in 0..30 {
        update(
            &mut m,
            Msg::Op(OpEvent::Output {
                op: 1,
                line: format!("line {i}"),
            }),
        );
    }
    update(&mut m, code(KeyCode::Tab));
    update(&mut m, code(KeyCode::Tab));
    assert_eq!(m.focus, crate::tui::model::Focus::Ops);
    update(&mut m, key('g'));
    let page = crate::tui::layout::areas(&m, crate::tui::layout::screen(&m), 7)
        .map(|a| crate::tui::layout::inner_height(a.ops))
        .expect("areas");
    assert_eq!(
        m.ops_scroll,
        31 - page,
        "top shows the first line, not beyond"
    );
    update(&mut m, key('k'));
    assert_eq!(m.ops_scroll, 31 - page);
    update(&mut m, key('G'));
    assert_eq!(m.ops_scroll, 0);
}

#[test]
fn shell_suspends_until_it_returns() {
    let mut m = fixtures::model();
    update(&mut m, key('x'));
    assert!(!m.suspended, "no service selected");
    update(&mut m, key('j'));
    assert_eq!(
        update(&mut m, key('x')),
        vec![Cmd::Shell {
            service: "web".into()
        }]
    );
    assert!(m.suspended);
    assert!(
        update(&mut m, key('q')).is_empty(),
        "no input while suspended"
    );
    update(
        &mut m,
        Msg::ShellDone {
            service: "web".into(),
            result: Ok(0),
        },
    );
    assert!(!m.suspended);
}

#[test]
fn switching_environment_shows_the_files_first() {
    let mut m = fixtures::model();
    assert_eq!(
        update(&mut m, key('e')),
        vec![Cmd::PreviewEnv {
            environment: "prod".into()
        }]
    );
    let preview = EnvPreview {
        environment: "prod".into(),
        files: vec!["/p/compose.yaml".into(), "/p/compose.prod.yaml".into()],
        protected: true,
        up_command: "docker compose -f … up -d".into(),
    };
    update(&mut m, Msg::EnvPreview(Ok(preview.clone())));
    assert_eq!(m.modal, Some(Modal::EnvSwitch(preview)));
    assert!(update(&mut m, key('u')).is_empty(), "protected: no up");
    assert!(flash_text(&m).contains("READ-ONLY"));
    assert_eq!(
        update(&mut m, code(KeyCode::Enter)),
        vec![Cmd::SwitchEnv {
            environment: "prod".into(),
            up: None
        }]
    );
    let mut info = fixtures::info();
    info.environment = Some("prod".into());
    info.protected = true;
    update(&mut m, Msg::ProjectSwitched(Box::new(info)));
    assert!(m.read_only_reason().is_some());
    assert_eq!(
        update(&mut m, key('e')),
        vec![Cmd::PreviewEnv {
            environment: "dev".into()
        }]
    );
}

#[test]
fn switching_to_an_unprotected_environment_can_run_up() {
    let mut m = fixtures::model();
    update(&mut m, key('e'));
    update(
        &mut m,
        Msg::EnvPreview(Ok(EnvPreview {
            environment: "prod".into(),
            files: vec![],
            protected: false,
            up_command: String::new(),
        })),
    );
    assert_eq!(
        update(&mut m, key('u')),
        vec![Cmd::SwitchEnv {
            environment: "prod".into(),
            up: Some(1)
        }]
    );
}

#[test]
fn signals_quit_with_their_code() {
    let mut m = fixtures::model();
    assert_eq!(
        update(&mut m, Msg::Signal(Signal::Term)),
        vec![Cmd::Quit(143)]
    );
    assert_eq!(
        update(&mut m, Msg::Signal(Signal::Hup)),
        vec![Cmd::Quit(129)]
    );
    assert_eq!(
        update(&mut m, Msg::Signal(Signal::Quit)),
        vec![Cmd::Quit(131)]
    );
    assert_eq!(
        update(&mut m, Msg::Signal(Signal::Other(10))),
        vec![Cmd::Quit(138)]
    );
}

#[test]
fn resize_and_tick() {
    let mut m = fixtures::model();
    update(
        &mut m,
        Msg::Resize {
            width: 10,
            height: 3,
        },
    );
    assert_eq!((m.width, m.height), (10, 3));
    // Tiny terminal: scrolling must not panic.
    update(&mut m, code(KeyCode::Tab));
    update(&mut m, code(KeyCode::PageUp));
    let t = fixtures::now() + chrono::Duration::seconds(1);
    update(&mut m, Msg::Tick(t));
    assert_eq!(m.now, t);
}
