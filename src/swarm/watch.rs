//! A stack's facts, pushed whenever they change: the manager's service and node events and
//! every reachable node's container events of the stack trigger a re-listing at once (and once
//! more 700 ms later: the agent reports a task's end to the manager shortly after the
//! container event); a re-listing every 2 s catches what no event reports (task scheduling).

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;

use super::LABEL_STACK;
use super::facts::{StackFacts, gather};
use super::nodes::NodeEngine;
use super::target::Manager;

/// Run until `tx` is closed, sending the facts each time they differ from the last sent.
pub async fn run(
    m: Manager,
    engines: Vec<NodeEngine>,
    stack: String,
    tx: tokio::sync::mpsc::UnboundedSender<StackFacts>,
) {
    let (hint_tx, mut hints) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut sources: Vec<(bollard::Docker, HashMap<String, Vec<String>>)> = vec![(
        m.docker.clone(),
        HashMap::from([(
            "type".to_string(),
            vec!["service".to_string(), "node".to_string()],
        )]),
    )];
    for e in &engines {
        if let Some(d) = &e.docker {
            sources.push((
                d.clone(),
                HashMap::from([
                    ("type".to_string(), vec!["container".to_string()]),
                    ("label".to_string(), vec![format!("{LABEL_STACK}={stack}")]),
                ]),
            ));
        }
    }
    for (d, filters) in sources {
        let hint_tx = hint_tx.clone();
        tokio::spawn(async move {
            let mut s = d.events(Some(bollard::query_parameters::EventsOptions {
                filters: Some(filters),
                ..Default::default()
            }));
            while let Some(Ok(_)) = s.next().await {
                if hint_tx.send(()).is_err() {
                    return;
                }
            }
        });
    }
    let mut last: Option<StackFacts> = None;
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        let evented = tokio::select! {
            _ = hints.recv() => true,
            _ = tick.tick() => false,
        };
        for pass in 0..if evented { 2 } else { 1 } {
            if pass == 1 {
                tokio::time::sleep(Duration::from_millis(700)).await;
            }
            while hints.try_recv().is_ok() {}
            let Ok(now) = gather(&m, &stack).await else {
                continue;
            };
            if last.as_ref() != Some(&now) {
                if tx.send(now.clone()).is_err() {
                    return;
                }
                last = Some(now);
            }
        }
    }
}
