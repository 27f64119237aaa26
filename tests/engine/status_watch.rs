//! `devctl status --watch` on the real Engine: a health flip and a killed container each
//! appear as a line (text and JSON lines).

use crate::common;

use std::time::Duration;

use common::process::Lines;
use common::stack::{IMAGE, Stack};
use serde_json::Value;

const WITHIN: Duration = Duration::from_secs(30);

fn json(l: &str) -> Value {
    serde_json::from_str(l).unwrap_or(Value::Null)
}

#[test]
fn health_flip_and_kill_each_print_a_line() {
    let stack = Stack::new(
        "watch",
        &format!(
            r#"services:
  flappy:
    image: {IMAGE}
    pull_policy: never
    command: ["sh", "-c", "touch /tmp/ok; exec sleep 100000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ok"]
      interval: 1s
      retries: 1
  victim:
    image: {IMAGE}
    pull_policy: never
    command: ["sleep", "100000"]
"#
        ),
    );
    stack.up(&[]);
    let mut cmd = stack.devctl();
    cmd.args(["status", "--watch", "--json"]);
    let mut js = Lines::spawn(cmd);
    let mut cmd = stack.devctl();
    cmd.args(["status", "--watch"]);
    let mut text = Lines::spawn(cmd);

    js.wait_for("connected", WITHIN, |l| json(l)["type"] == "connected")
        .expect("connected line");
    js.wait_for("flappy healthy", WITHIN, |l| {
        let v = json(l);
        v["service"] == "flappy" && v["health"] == "healthy"
    })
    .expect("flappy healthy");
    text.wait_for("text: flappy healthy", WITHIN, |l| {
        l.contains("flappy#1  running, healthy")
    })
    .expect("text healthy line");

    // Health flip.
    let o = stack.compose(&["exec", "-T", "flappy", "rm", "/tmp/ok"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let l = js
        .wait_for("flappy unhealthy", WITHIN, |l| {
            let v = json(l);
            v["service"] == "flappy" && v["health"] == "unhealthy"
        })
        .expect("unhealthy line");
    let v = json(&l);
    assert_eq!(v["cause"], "health_status: unhealthy", "{l}");
    assert_eq!(v["state"], "running");
    assert!(
        v["event_time_unix_nano"].as_i64().is_some_and(|t| t > 0),
        "{l}"
    );
    let l = text
        .wait_for("text: flappy unhealthy", WITHIN, |l| {
            l.contains("flappy#1  running, unhealthy")
        })
        .expect("text unhealthy line");
    assert!(l.contains("[health_status: unhealthy]"), "{l}");

    // Killed container.
    let id = stack.container_id("victim");
    assert!(stack.docker(&["kill", &id]).status.success());
    let l = js
        .wait_for("victim exited", WITHIN, |l| {
            let v = json(l);
            v["service"] == "victim" && v["state"] == "exited"
        })
        .expect("killed line");
    let v = json(&l);
    assert_eq!(v["exit_code"], 137, "{l}");
    assert!(
        v["cause"] == "die" || v["cause"] == "kill",
        "the kill/die event caused it: {l}"
    );
    text.wait_for("text: victim exited", WITHIN, |l| {
        l.contains("victim#1  exited (137)")
    })
    .expect("text killed line");

    // Every JSON line parses; the watcher is still running.
    assert!(
        js.seen.iter().all(|l| json(l) != Value::Null),
        "{:#?}",
        js.seen
    );
    assert!(js.still_running() && text.still_running());
}
