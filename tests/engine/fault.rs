//! FAULT (watcher API): a PRIVATE dockerd goes away and comes back while the watcher runs.
//! The watcher reports the disconnection once, reconnects by itself, resyncs with a full
//! snapshot (showing what changed meanwhile) and keeps delivering later changes.
//! The shared dockerd is never touched.

use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::dockerd::PrivateDockerd;
use common::stack::{IMAGE, Stack};
use devctl::engine::model::ContainerState;
use devctl::engine::watch::{WatchMsg, spawn_watch};
use tokio::sync::mpsc::UnboundedReceiver;

async fn next_matching(
    rx: &mut UnboundedReceiver<WatchMsg>,
    what: &str,
    within: Duration,
    pred: impl Fn(&WatchMsg) -> bool,
) -> Result<WatchMsg, String> {
    let end = tokio::time::Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout_at(end, rx.recv()).await {
            Ok(Some(m)) if pred(&m) => return Ok(m),
            Ok(Some(m)) => seen.push(format!("{m:?}").chars().take(160).collect::<String>()),
            Ok(None) => return Err(format!("watcher ended while waiting for {what}")),
            Err(_) => return Err(format!("no {what} within {within:?}; saw {seen:#?}")),
        }
    }
}

fn state_of(m: &WatchMsg, svc: &str) -> Option<ContainerState> {
    match m {
        WatchMsg::Changed { service, .. } if service.name == svc => {
            service.containers.first().map(|c| c.state)
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_survives_dockerd_restart() {
    let mut pd = PrivateDockerd::start("wfault").expect("a private dockerd must start here");
    pd.load_image(IMAGE)
        .expect("image into the private dockerd");
    let stack = Stack::on(
        Some(pd.host()),
        "wfault",
        &format!(
            r#"services:
  a:
    image: {IMAGE}
    pull_policy: never
    network_mode: none
    stop_grace_period: 1s
    command: ["sleep", "100000"]
"#
        ),
    );
    stack.up(&[]);
    let env: BTreeMap<String, String> = [("DOCKER_HOST".to_string(), pd.host())].into();
    let docker = devctl::engine::connect(&env).await.expect("private engine");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = spawn_watch(docker, stack.loaded(), tx, false);
    let running = |m: &WatchMsg| match m {
        WatchMsg::Snapshot(s) => {
            s.services[0].containers.first().map(|c| c.state) == Some(ContainerState::Running)
        }
        _ => false,
    };
    next_matching(&mut rx, "first snapshot", Duration::from_secs(10), running)
        .await
        .expect("snapshot");

    pd.stop();
    next_matching(&mut rx, "Disconnected", Duration::from_secs(15), |m| {
        matches!(m, WatchMsg::Disconnected { .. })
    })
    .await
    .expect("disconnected");
    pd.restart().expect("private dockerd back");
    next_matching(&mut rx, "Connected", Duration::from_secs(20), |m| {
        matches!(m, WatchMsg::Connected { .. })
    })
    .await
    .expect("reconnected");
    // The resync shows the container stopped while the Engine was away.
    let snap = rx.recv().await;
    let Some(WatchMsg::Snapshot(s)) = snap else {
        unreachable!("a Snapshot follows Connected, got {snap:?}")
    };
    assert_eq!(
        s.services[0].containers.first().map(|c| c.state),
        Some(ContainerState::Exited),
        "{s:?}"
    );
    // Later changes still arrive.
    let id = stack.container_id("a");
    assert!(stack.docker(&["start", &id]).status.success());
    next_matching(&mut rx, "a running again", Duration::from_secs(15), |m| {
        state_of(m, "a") == Some(ContainerState::Running)
    })
    .await
    .expect("running again");
    assert!(stack.docker(&["kill", &id]).status.success());
    next_matching(&mut rx, "a killed", Duration::from_secs(15), |m| {
        state_of(m, "a") == Some(ContainerState::Exited)
    })
    .await
    .expect("killed");
    task.abort();
    drop(stack);
    drop(pd);
}
