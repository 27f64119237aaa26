//! The watcher API (`engine::watch::spawn_watch`) on the real Engine: a resync first, then a
//! `Changed` for a health flip and for a killed container, and usage from stats streams.

use crate::common;

use std::time::Duration;

use common::stack::{IMAGE, Stack};
use devctl::engine::model::{ContainerState, Health, ServiceStatus};
use devctl::engine::watch::{WatchMsg, spawn_watch};
use tokio::sync::mpsc::UnboundedReceiver;

/// Next `Changed` of `service` satisfying `pred`, within `within`.
async fn changed(
    rx: &mut UnboundedReceiver<WatchMsg>,
    service: &str,
    within: Duration,
    pred: impl Fn(&ServiceStatus) -> bool,
) -> Result<ServiceStatus, String> {
    let end = tokio::time::Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout_at(end, rx.recv()).await {
            Ok(Some(WatchMsg::Changed { service: s, .. })) if s.name == service => {
                if pred(&s) {
                    return Ok(s);
                }
                seen.push(format!(
                    "{:?}",
                    s.containers.first().map(|c| (c.state, c.health))
                ));
            }
            Ok(Some(other)) => seen.push(format!("{other:?}").chars().take(120).collect()),
            Ok(None) => return Err("watcher ended".into()),
            Err(_) => return Err(format!("no matching change of {service}; saw {seen:#?}")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_resyncs_then_reports_health_flip_kill_and_usage() {
    let stack = Stack::new(
        "watchapi",
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
    command: ["sh", "-c", "while true; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.1; done"]
  later:
    image: {IMAGE}
    pull_policy: never
    command: ["sleep", "100000"]
"#
        ),
    );
    stack.up(&["flappy", "victim"]);
    let docker = devctl::engine::connect(&std::env::vars().collect())
        .await
        .expect("engine");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = spawn_watch(docker, stack.loaded(), tx, true);

    // 1. Connected, then a full snapshot with every declared service.
    let first = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a message");
    assert!(
        matches!(&first, Some(WatchMsg::Connected { api_version, .. }) if api_version.starts_with("1.")),
        "{first:?}"
    );
    let Some(WatchMsg::Snapshot(snap)) = rx.recv().await else {
        unreachable!("a snapshot follows Connected")
    };
    let names: Vec<&str> = snap.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["flappy", "later", "victim"]);
    let later = &snap.services[1];
    assert!(later.containers.is_empty(), "`later` is not created yet");

    // 2. flappy turns healthy, then unhealthy when its file goes away.
    if snap.services[0].containers[0].health != Health::Healthy {
        changed(&mut rx, "flappy", Duration::from_secs(20), |s| {
            s.containers[0].health == Health::Healthy
        })
        .await
        .expect("healthy");
    }
    let o = stack.compose(&["exec", "-T", "flappy", "rm", "/tmp/ok"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // First what the event states, then the re-inspect with the probe log.
    changed(&mut rx, "flappy", Duration::from_secs(20), |s| {
        s.containers[0].health == Health::Unhealthy
    })
    .await
    .expect("unhealthy");
    let s = changed(&mut rx, "flappy", Duration::from_secs(20), |s| {
        s.containers[0].health == Health::Unhealthy && s.containers[0].failing_streak >= 1
    })
    .await
    .expect("unhealthy, confirmed by a re-inspect");
    assert!(
        s.containers[0].probes.iter().any(|p| p.exit_code == 1),
        "{s:?}"
    );

    // 3. Stats stream for the busy container.
    let end = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(end, rx.recv()).await {
            Ok(Some(WatchMsg::Usage { service, usage })) if service == "victim" => {
                assert!(usage.mem_bytes > 0, "{usage:?}");
                assert!(usage.mem_limit > 0, "{usage:?}");
                break;
            }
            Ok(Some(_)) => continue,
            other => unreachable!("no usage for victim: {other:?}"),
        }
    }

    // 4. A killed container.
    let id = stack.container_id("victim");
    let o = std::process::Command::new("docker")
        .args(["kill", &id])
        .output()
        .expect("docker kill");
    assert!(o.status.success());
    // With stats streaming, the first news of the exit is what the `die` event states
    // (forwarded at once, not after the stats stream or a re-inspect ends); the re-inspect
    // follows with the times the event does not carry.
    let end = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut first_exit = None;
    let mut confirmed = None;
    while confirmed.is_none() {
        match tokio::time::timeout_at(end, rx.recv()).await {
            Ok(Some(WatchMsg::Changed { service, cause }))
                if service.name == "victim"
                    && service.containers[0].state == ContainerState::Exited =>
            {
                let action = cause.map(|h| h.action).unwrap_or_default();
                if first_exit.is_none() {
                    first_exit = Some((service, action));
                } else if service.containers[0].finished_at.is_some() {
                    confirmed = Some(service);
                }
            }
            Ok(Some(_)) => continue,
            other => unreachable!("no exit of victim (first: {first_exit:?}): {other:?}"),
        }
    }
    let (s, action) = first_exit.expect("an exit");
    assert_eq!(action, "die", "{s:?}");
    assert_eq!(s.containers[0].exit_code, Some(137));
    assert_eq!(s.usage, None, "no usage once nothing runs");
    let s = confirmed.expect("the re-inspect");
    assert_eq!(s.containers[0].exit_code, Some(137));

    // 5. A service created later appears.
    stack.up(&["later"]);
    changed(&mut rx, "later", Duration::from_secs(20), |s| {
        s.containers
            .first()
            .is_some_and(|c| c.state == ContainerState::Running)
    })
    .await
    .expect("later runs");
    task.abort();
}
