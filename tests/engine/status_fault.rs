//! FAULT: a PRIVATE dockerd is stopped (SIGTERM) and restarted while `devctl status --watch`
//! runs against it. devctl reports the disconnection, reconnects, resyncs (showing what
//! changed meanwhile) and keeps reporting later changes, without exiting.
//! The shared dockerd is never touched.

use crate::common;

use std::time::Duration;

use common::dockerd::PrivateDockerd;
use common::process::Lines;
use common::stack::{IMAGE, Stack};
use serde_json::Value;

const WITHIN: Duration = Duration::from_secs(30);

fn json(l: &str) -> Value {
    serde_json::from_str(l).unwrap_or(Value::Null)
}

#[test]
fn status_watch_survives_dockerd_restart() {
    let mut pd = PrivateDockerd::start("sfault").expect("a private dockerd must start here");
    pd.load_image(IMAGE)
        .expect("image into the private dockerd");
    let stack = Stack::on(
        Some(pd.host()),
        "sfault",
        &format!(
            r#"services:
  a:
    image: {IMAGE}
    pull_policy: never
    network_mode: none
    stop_grace_period: 1s
    command: ["sleep", "100000"]
  b:
    image: {IMAGE}
    pull_policy: never
    network_mode: none
    stop_grace_period: 1s
    command: ["sleep", "100000"]
"#
        ),
    );
    stack.up(&[]);
    let mut cmd = stack.devctl();
    cmd.args(["status", "--watch", "--json"]);
    let mut w = Lines::spawn(cmd);
    for svc in ["a", "b"] {
        w.wait_for(&format!("{svc} running"), WITHIN, |l| {
            let v = json(l);
            v["service"] == svc && v["state"] == "running"
        })
        .expect("initial state");
    }

    pd.stop();
    let l = w
        .wait_for("disconnected", WITHIN, |l| {
            json(l)["type"] == "disconnected"
        })
        .expect("disconnection reported");
    assert!(json(&l)["reason"].is_string(), "{l}");
    assert!(
        w.still_running(),
        "devctl must keep going while the Engine is away"
    );

    pd.restart().expect("private dockerd back");
    w.wait_for("reconnected", WITHIN, |l| json(l)["type"] == "reconnected")
        .expect("reconnection reported");
    // The resync reports what changed while disconnected: dockerd stopped both containers.
    for svc in ["a", "b"] {
        w.wait_for(&format!("{svc} exited (resync)"), WITHIN, |l| {
            let v = json(l);
            v["service"] == svc && v["state"] == "exited"
        })
        .expect("resynced state");
    }
    let l = w
        .wait_for("resync", WITHIN, |l| json(l)["type"] == "resync")
        .expect("resync line");
    assert_eq!(json(&l)["changes"], 2, "{l}");

    // Later changes are not lost.
    let a = stack.container_id("a");
    assert!(stack.docker(&["start", &a]).status.success());
    w.wait_for("a running again", WITHIN, |l| {
        let v = json(l);
        v["service"] == "a" && v["state"] == "running" && v["cause"] == "start"
    })
    .expect("later start");
    assert!(stack.docker(&["kill", &a]).status.success());
    w.wait_for("a killed", WITHIN, |l| {
        let v = json(l);
        v["service"] == "a" && v["state"] == "exited" && v["exit_code"] == 137
    })
    .expect("later kill");
    assert!(w.still_running(), "devctl never exited");
    drop(w);
    drop(stack);
    drop(pd);
}
