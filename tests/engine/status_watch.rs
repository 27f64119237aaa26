//! `devctl status --watch` on the real Engine: a health flip and a killed container each
//! appear as a line (text and JSON lines); a failing probe's streak advances line by line,
//! also after a restart.

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

/// The failing streak of an unhealthy text line (`… (failing streak N): …`).
fn streak(l: &str) -> Option<u64> {
    let rest = l.split("(failing streak ").nth(1)?;
    rest.split(')').next()?.parse().ok()
}

/// Issue 18: the Engine emits `health_status` only when the status changes; the watch
/// follows every probe run (its `exec_die`) and shows the streak advancing, with the newest
/// probe's output; after a restart no line says `failing streak 0`.
#[test]
fn failing_streak_advances_with_every_probe_and_after_a_restart() {
    let name = format!("devctl-it-h18tui-watch-{}", std::process::id());
    let stack = Stack::named(
        name,
        None,
        &format!(
            r#"services:
  sick:
    image: {IMAGE}
    pull_policy: never
    init: true
    command: ["sh", "-c", "echo 0 > /tmp/n; exec sleep 100000"]
    healthcheck:
      test: ["CMD-SHELL", "n=$$(($$(cat /tmp/n)+1)); echo $$n > /tmp/n; echo probe-$$n; exit 1"]
      interval: 1s
      timeout: 2s
      retries: 2
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

    // The JSON lines: the streak climbs one probe at a time past 6, each line carrying the
    // output of the probe that made it (the probe prints its own run number; the Engine's
    // log starts a probe's run with the streak's count from the container's start).
    let mut streaks = Vec::new();
    js.wait_for("failing streak 6", Duration::from_secs(60), |l| {
        let v = json(l);
        v["service"] == "sick" && v["failing_streak"].as_u64().is_some_and(|n| n >= 6)
    })
    .expect("the streak reaches 6");
    for l in &js.seen {
        let v = json(l);
        if v["service"] != "sick" || v["health"] != "unhealthy" {
            continue;
        }
        let n = v["failing_streak"].as_u64().unwrap_or(0);
        streaks.push(n);
        let out = v["last_probe_output"].as_str().unwrap_or_default();
        assert!(out.starts_with("probe-"), "{l}");
    }
    streaks.dedup();
    assert!(
        streaks.windows(2).all(|w| w[1] > w[0]) && streaks.len() >= 4,
        "the streak advances, probe after probe: {streaks:?}\n{:#?}",
        js.seen
    );
    // The newest line's output is the newest probe: its number equals the streak.
    let last = json(js.seen.last().map(String::as_str).unwrap_or(""));
    assert_eq!(
        last["last_probe_output"].as_str().map(str::trim),
        Some(format!("probe-{}", last["failing_streak"]).as_str()),
        "{last}"
    );
    text.wait_for("text: streak 6", Duration::from_secs(30), |l| {
        l.contains("sick#1  running, unhealthy (failing streak 6): exit 1 probe-6")
    })
    .expect("the text line of streak 6, with its probe's output");

    // Restart: the streak starts again from the Engine's own count, never `failing streak 0`.
    assert!(
        stack
            .compose(&["restart", "-t", "0", "sick"])
            .status
            .success()
    );
    text.wait_for("text: restarted", WITHIN, |l| {
        l.contains("sick#1  running, health: starting")
    })
    .expect("the restart's start line");
    text.wait_for(
        "text: unhealthy again, streak 4",
        Duration::from_secs(60),
        |l| streak(l).is_some_and(|n| n >= 4) && l.contains("running, unhealthy"),
    )
    .expect("the streak advancing after the restart");
    let after: Vec<&String> = text
        .seen
        .iter()
        .skip_while(|l| !l.contains("health: starting"))
        .collect();
    for l in &after {
        if l.contains("running, unhealthy") {
            assert!(
                streak(l).is_some_and(|n| n >= 2),
                "an unhealthy line below the check's retries (2): {l}\n{after:#?}"
            );
        }
    }
    assert!(
        after
            .iter()
            .filter(|l| l.contains("running, unhealthy"))
            .count()
            >= 3,
        "{after:#?}"
    );
    assert!(js.still_running() && text.still_running());
}
