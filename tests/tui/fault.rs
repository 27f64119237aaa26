//! The Engine goes away while the dashboard runs: it shows "disconnected", keeps running,
//! and recovers by itself when the Engine returns, with the changes made meanwhile.
//! The Engine is reached through a socket proxy this test takes down and brings back; the
//! shared Engine itself is never stopped.

use crate::common;

use std::time::Duration;

use common::cleanup::Cleanup;
use common::docker::docker_ok;
use common::proxy::EngineProxy;
use common::tmux::{Timeout, Tmux, row};

const NAME: &str = "devctl-it-tui-fault";

#[test]
fn engine_outage_shows_disconnected_and_recovers() {
    let _cleanup = Cleanup::new(NAME).keep_volumes().timeout(1);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  app:\n    image: busybox:stable\n    init: true\n    network_mode: none\n    command: [sh, -c, 'while true; do echo tick; sleep 1; done']\n",
    )
    .expect("compose file");
    let out = std::process::Command::new("docker")
        .args(["compose", "-p", NAME, "up", "-d"])
        .current_dir(dir.path())
        .output()
        .expect("compose up");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let proxy = EngineProxy::new(dir.path());
    let t = Tmux::new("fault", 120, 30, dir.path());
    t.line(&format!(
        "DOCKER_HOST={} {} -p {NAME}; echo DEVCTL-EXIT=$?",
        proxy.docker_host(),
        env!("CARGO_BIN_EXE_devctl")
    ));
    let wait = |what: &str, pred: &dyn Fn(&str) -> bool| {
        t.wait_for(what, Duration::from_secs(30), pred)
            .map_err(Timeout)
            .expect(what)
    };
    wait("connected and running", &|s| {
        s.contains("● connected") && row(s, "app").contains("running")
    });
    wait("logs", &|s| s.contains("app | tick"));

    // The Engine goes away.
    proxy.stop();
    let s = wait("disconnected", &|s| s.contains("DISCONNECTED"));
    assert!(s.contains("STALE: last known state"), "{s}");
    // Meanwhile the container stops (through the real Engine).
    docker_ok(&["stop", "-t", "1", &format!("{NAME}-app-1")]);
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        t.screen().contains("DISCONNECTED"),
        "still down while the proxy is down"
    );

    // It comes back: the dashboard resyncs by itself and shows what changed.
    proxy.start();
    let s = wait("reconnected with the new state", &|s| {
        s.contains("● connected") && row(s, "app").contains("exited")
    });
    assert!(!s.contains("DISCONNECTED"), "{s}");
    // And it keeps following: a later change shows too.
    docker_ok(&["start", &format!("{NAME}-app-1")]);
    wait("running again", &|s| row(s, "app").contains("running"));
    t.keys(&["q"]);
    let s = wait("exit", &|s| {
        s.lines().any(|l| l.starts_with("DEVCTL-EXIT="))
    });
    assert!(s.lines().any(|l| l == "DEVCTL-EXIT=0"), "{s}");
}
