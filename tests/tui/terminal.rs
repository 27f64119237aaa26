//! The dashboard in a real terminal (tmux): the terminal is restored on every exit path
//! (quit, SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1), tiny terminals and resizes are handled, a broken config
//! is reported before the terminal is touched, read-only mode disables mutating keys.
//! No containers are created: the project is never started.

use crate::common;

use std::time::Duration;

use common::process::signal;
use common::tmux::{self, Tmux};

const WAIT: Duration = Duration::from_secs(15);

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: busybox:stable\n    command: [sleep, '60']\n  db:\n    image: busybox:stable\n    command: [sleep, '60']\n",
    )
    .expect("write compose file");
    dir
}

fn devctl() -> &'static str {
    env!("CARGO_BIN_EXE_devctl")
}

/// Launch the dashboard after a marker line, and echo its exit code when it ends.
fn launch(t: &Tmux, extra: &str) {
    t.line(&format!(
        "echo BEFORE-DASHBOARD; {extra} {} -p devctl-it-tui-term; echo DEVCTL-EXIT=$?",
        devctl()
    ));
}

/// Wait until the shell printed devctl's exit code (the line itself, not the command line).
fn exited(t: &Tmux) -> String {
    t.wait_for("devctl to exit", WAIT, |s| {
        s.lines().any(|l| l.starts_with("DEVCTL-EXIT="))
    })
    .map_err(tmux::Timeout)
    .expect("devctl exits")
}

fn assert_restored(t: &Tmux, code: &str) {
    let s = exited(t);
    assert!(
        s.lines().any(|l| l == format!("DEVCTL-EXIT={code}")),
        "exit code {code} expected:\n{s}"
    );
    assert!(!t.alternate_on(), "back on the main screen");
    assert!(
        s.contains("BEFORE-DASHBOARD"),
        "the main screen's content is back:\n{s}"
    );
    t.line("echo \"STTY:$(stty -a | tr ' ;' '\\n\\n' | grep -x -e -icanon -e icanon -e -echo -e echo | tr '\\n' ' ')\"");
    let s = t
        .wait_for("stty output", WAIT, |s| {
            s.lines().any(|l| l.starts_with("STTY:"))
        })
        .unwrap_or_else(|e| e);
    let l = s
        .lines()
        .find(|l| l.starts_with("STTY:"))
        .unwrap_or_default()
        .to_string();
    let words: Vec<&str> = l.trim_start_matches("STTY:").split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "cooked mode with echo: {l}"
    );
    t.line("clear");
}

#[test]
fn terminal_is_restored_on_quit_and_on_signals() {
    let dir = project();
    let t = Tmux::new("restore", 120, 36, dir.path());
    for (how, code) in [
        ("q", "0"),
        ("TERM", "143"),
        ("HUP", "129"),
        ("INT", "130"),
        // SIGQUIT's default action (core dump) used to leave the alternate screen on and
        // echo off; it and the other catchable fatal signals now restore the terminal too.
        ("QUIT", "131"),
        ("USR1", "138"),
    ] {
        launch(&t, "");
        t.wait_text("? help", WAIT);
        assert!(
            t.alternate_on(),
            "{how}: the dashboard uses the alternate screen"
        );
        let s = t.screen();
        assert!(
            s.contains("devctl-it-tui-term") && s.contains("web") && s.contains("db"),
            "{s}"
        );
        if how == "q" {
            t.keys(&["q"]);
        } else {
            let pid = t.foreground_pid().expect("devctl runs in the foreground");
            signal(pid, how);
        }
        assert_restored(&t, code);
    }
}

#[test]
fn tiny_terminal_shows_a_notice_and_resizes_back() {
    let dir = project();
    let t = Tmux::new("resize", 120, 36, dir.path());
    launch(&t, "");
    t.wait_text("? help", WAIT);
    t.resize(40, 10);
    t.wait_text("Terminal too small (40×10)", WAIT);
    t.resize(30, 3);
    t.wait_text("Terminal too", WAIT);
    t.resize(120, 36);
    let s = t.wait_text("? help", WAIT);
    assert!(s.contains("Services"), "{s}");
    t.keys(&["q"]);
    assert_restored(&t, "0");
}

#[test]
fn broken_config_is_reported_before_the_terminal_is_touched() {
    let cases = [
        (
            "colors:\n  healthy: blurple\n",
            "dashboard.yaml: colors.healthy: `blurple`",
        ),
        // A duration too large to represent: an error naming key and value, never a panic.
        (
            "stats_refresh: 99999999999999999999h\n",
            "dashboard.yaml: stats_refresh: `99999999999999999999h`",
        ),
    ];
    for (i, (text, says)) in cases.into_iter().enumerate() {
        let dir = project();
        let cfg = dir.path().join("dashboard.yaml");
        std::fs::write(&cfg, text).expect("write config");
        let t = Tmux::new(&format!("config{i}"), 120, 36, dir.path());
        launch(&t, &format!("DEVCTL_DASHBOARD_CONFIG={}", cfg.display()));
        let s = exited(&t);
        assert!(s.lines().any(|l| l == "DEVCTL-EXIT=3"), "{text}: {s}");
        assert!(s.contains(says), "{text}: {s}");
        assert!(!s.contains("panicked"), "{text}: {s}");
        assert!(!t.alternate_on());
    }
}

#[test]
fn read_only_disables_mutating_keys_visibly() {
    let dir = project();
    let t = Tmux::new("readonly", 120, 36, dir.path());
    launch(&t, "DEVCTL_READ_ONLY=1");
    let s = t.wait_text("? help", WAIT);
    assert!(s.contains("READ-ONLY"), "{s}");
    for k in ["u", "D", "r"] {
        t.keys(&[k]);
        let s = t.wait_text(&format!("READ-ONLY: `{k}`"), WAIT);
        assert!(
            s.contains(&format!("READ-ONLY: `{k}`")) && s.contains("read-only mode"),
            "{k}: {s}"
        );
        assert!(!s.contains("DELETE VOLUME DATA"), "{s}");
    }
    t.keys(&["q"]);
    assert_restored(&t, "0");
    launch(&t, "");
    t.wait_text("? help", WAIT);
    t.keys(&["q"]);
    assert_restored(&t, "0");
}

#[test]
fn without_a_terminal_devctl_prints_ps() {
    let dir = project();
    let out = std::process::Command::new(devctl())
        .args(["-p", "devctl-it-tui-term"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("devctl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains('\u{1b}'),
        "no terminal control sequences: {text:?}"
    );
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("SERVICE") && first.contains("STATUS"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("db ") && l.contains("not created")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("web ") && l.contains("not created")),
        "{text}"
    );
}
