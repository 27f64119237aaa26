//! The main screen and a dialog at the sizes people use (80×24, 120×40, 200×60), on a stack
//! shaped like a user's own: what degrades first when space runs out, and what never does.

use super::{buffer_text, render_model};
use crate::tui::fixtures;

#[test]
fn main_screen_80x24() {
    let m = fixtures::realistic_model(80, 24);
    insta::assert_snapshot!("main_80x24", buffer_text(&render_model(&m)));
}

#[test]
fn main_screen_120x40() {
    let m = fixtures::realistic_model(120, 40);
    insta::assert_snapshot!("main_120x40", buffer_text(&render_model(&m)));
}

#[test]
fn main_screen_200x60() {
    let m = fixtures::realistic_model(200, 60);
    insta::assert_snapshot!("main_200x60", buffer_text(&render_model(&m)));
}

/// A dialog whose command is longer than the screen is wide: it wraps, and every wrapped
/// piece keeps the command's indent.
#[test]
fn env_switch_dialog_wraps_its_command_80x24() {
    use crate::tui::update::update;
    let mut m = fixtures::realistic_model(80, 24);
    update(
        &mut m,
        crate::tui::msg::Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('e'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    update(
        &mut m,
        crate::tui::msg::Msg::EnvPreview(Ok(crate::tui::msg::EnvPreview {
            environment: "prod".into(),
            files: vec![
                "/p/docker/compose.yaml".into(),
                "/p/docker/compose.prod.yaml".into(),
            ],
            protected: false,
            up_command: "docker compose -p acme-shop --project-directory /p \
                         -f /p/docker/compose.yaml -f /p/docker/compose.prod.yaml up -d"
                .into(),
        })),
    );
    insta::assert_snapshot!("env_switch_80x24", buffer_text(&render_model(&m)));
}

/// `1 starting` used to be cut to `1 startin` (a fixed 9-column health column).
#[test]
fn the_all_services_row_is_never_cut() {
    use crate::engine::model::Health;
    let mut m = fixtures::realistic_model(80, 24);
    for s in m.snapshot.iter_mut().flat_map(|s| s.services.iter_mut()) {
        for c in &mut s.containers {
            c.exit_code = Some(0);
            c.oom_killed = false;
            if c.health == Health::Unhealthy {
                c.health = Health::Healthy;
            }
        }
    }
    let text = buffer_text(&render_model(&m));
    assert!(text.contains("1 starting "), "{text}");
}

/// A long disconnection reason gives way, `(retrying)` stays; a long flash ends with `…`.
#[test]
fn long_reasons_and_messages_end_with_an_ellipsis() {
    let mut m = fixtures::realistic_model(80, 24);
    m.connection = crate::tui::model::Connection::Disconnected {
        reason: "error trying to connect: No such file or directory (os error 2) at \
                 /var/run/docker.sock"
            .into(),
    };
    m.flash = Some(crate::tui::model::Flash {
        text: "READ-ONLY: `u` (up) is disabled because the environment prod is protected \
               in devctl.yaml"
            .into(),
        level: crate::tui::model::Level::Warn,
    });
    let text = buffer_text(&render_model(&m));
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].ends_with("… (retrying)"), "{}", lines[0]);
    assert!(lines[23].ends_with('…'), "{}", lines[23]);
}
