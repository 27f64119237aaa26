//! `deploy --wait`: progress per service until every current task runs (and passed its health
//! check: Swarm keeps a task `starting` until then), or why not: each failing task's error and
//! the probe's own output from the node that ran it.

use std::time::{Duration, Instant};

use super::facts::{StackFacts, SwarmService, SwarmTask};
use super::nodes::NodeEngine;
use crate::error::Result;

/// Failed tasks of one service (since the wait began) after which waiting longer is pointless.
pub const GIVE_UP_AFTER_FAILURES: usize = 3;

/// How the wait ended.
#[derive(Debug, Clone)]
pub struct WaitOutcome {
    pub converged: bool,
    pub facts: StackFacts,
    /// Why not, one line each (empty when converged).
    pub problems: Vec<String>,
}

/// Pure: one progress line for a service.
pub fn progress_line(s: &SwarmService) -> String {
    let current: Vec<&SwarmTask> = s
        .tasks
        .iter()
        .filter(|t| t.desired_state == "running")
        .collect();
    let mut states: Vec<(String, usize)> = Vec::new();
    for t in &current {
        let st = if t.state == "running" && s.healthcheck {
            "running, healthy".to_string()
        } else {
            t.state.clone()
        };
        match states.iter_mut().find(|(k, _)| *k == st) {
            Some((_, n)) => *n += 1,
            None => states.push((st, 1)),
        }
    }
    let detail: Vec<String> = states.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let nodes: std::collections::BTreeSet<&str> = current
        .iter()
        .filter(|t| t.state == "running")
        .map(|t| t.node.as_str())
        .collect();
    format!(
        "{}: {}/{} running{}{}",
        s.service,
        s.running,
        s.desired,
        if detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", detail.join(", "))
        },
        if nodes.is_empty() {
            String::new()
        } else {
            format!(" on {}", nodes.into_iter().collect::<Vec<_>>().join(", "))
        }
    )
}

fn after(t: &SwarmTask, start: &chrono::DateTime<chrono::Utc>) -> bool {
    chrono::DateTime::parse_from_rfc3339(&t.since).is_ok_and(|d| d >= *start)
}

/// Pure: tasks of `s` that failed since `start` (newest first).
pub fn failures_since<'a>(
    s: &'a SwarmService,
    start: &chrono::DateTime<chrono::Utc>,
) -> Vec<&'a SwarmTask> {
    s.tasks
        .iter()
        .filter(|t| {
            matches!(t.state.as_str(), "failed" | "rejected")
                || (t.state == "shutdown" && t.error.is_some())
        })
        .filter(|t| after(t, start))
        .collect()
}

/// Wait for `stack` until it converges, a service keeps failing, or `timeout` passes.
/// `progress` gets a line whenever a service's progress changes.
pub async fn wait(
    m: &super::target::Manager,
    stack: &str,
    engines: &[NodeEngine],
    timeout: Duration,
    start: chrono::DateTime<chrono::Utc>,
    progress: &mut dyn FnMut(String),
) -> Result<WaitOutcome> {
    let began = Instant::now();
    let mut last: std::collections::HashMap<String, String> = Default::default();
    loop {
        let facts = super::facts::gather(m, stack).await?;
        for s in &facts.services {
            let line = progress_line(s);
            if last.get(&s.name) != Some(&line) {
                progress(line.clone());
                last.insert(s.name.clone(), line);
            }
        }
        let converged = !facts.services.is_empty() && facts.converged();
        let failing = facts
            .services
            .iter()
            .any(|s| failures_since(s, &start).len() >= GIVE_UP_AFTER_FAILURES);
        if converged {
            return Ok(WaitOutcome {
                converged,
                facts,
                problems: Vec::new(),
            });
        }
        if failing || began.elapsed() >= timeout {
            let problems = explain(&facts, engines, &start, began.elapsed()).await;
            return Ok(WaitOutcome {
                converged: false,
                facts,
                problems,
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Why each service is not there yet: task errors and the probe's output.
async fn explain(
    facts: &StackFacts,
    engines: &[NodeEngine],
    start: &chrono::DateTime<chrono::Utc>,
    waited: Duration,
) -> Vec<String> {
    let mut out = Vec::new();
    for s in &facts.services {
        let current_ok = s.running >= s.desired
            && s.tasks
                .iter()
                .filter(|t| t.desired_state == "running")
                .all(|t| t.state == "running");
        if current_ok {
            continue;
        }
        let failed = failures_since(s, start);
        out.push(format!(
            "{}: {}/{} running after {:.0} s; {} task(s) failed since the deploy",
            s.service,
            s.running,
            s.desired,
            waited.as_secs_f64(),
            failed.len()
        ));
        let pending = s
            .tasks
            .iter()
            .filter(|t| t.desired_state == "running" && t.state != "running");
        for t in failed.iter().copied().take(3).chain(pending.take(2)) {
            let why = t.error.clone().unwrap_or_else(|| t.message.clone());
            out.push(format!(
                "  task {} on {}: {}{}",
                t.name,
                if t.node.is_empty() {
                    "(no node)"
                } else {
                    &t.node
                },
                t.state,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", crate::sanitize::sanitize_str(&why))
                }
            ));
            if s.healthcheck
                && let Some(c) = &t.container_id
            {
                for line in super::nodes::probe_output(engines, &t.node_id, c).await {
                    out.push(format!("    probe {line}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(state: &str, desired: &str, node: &str, since: &str, err: Option<&str>) -> SwarmTask {
        SwarmTask {
            id: "t".into(),
            name: "api.1".into(),
            slot: Some(1),
            node_id: node.into(),
            node: node.into(),
            state: state.into(),
            desired_state: desired.into(),
            health: None,
            message: String::new(),
            error: err.map(String::from),
            exit_code: None,
            container_id: None,
            since: since.into(),
        }
    }

    #[test]
    fn progress_and_failures() {
        let s = SwarmService {
            id: "s".into(),
            name: "shop_api".into(),
            service: "api".into(),
            image: "i".into(),
            mode: "replicated".into(),
            desired: 3,
            running: 2,
            healthcheck: true,
            project: None,
            tasks: vec![
                task("running", "running", "n1", "2026-01-01T00:00:05Z", None),
                task("running", "running", "n2", "2026-01-01T00:00:05Z", None),
                task("starting", "running", "n3", "2026-01-01T00:00:05Z", None),
                task(
                    "failed",
                    "shutdown",
                    "n3",
                    "2026-01-01T00:00:04Z",
                    Some("unhealthy container"),
                ),
                task(
                    "failed",
                    "shutdown",
                    "n3",
                    "2025-12-31T00:00:00Z",
                    Some("old"),
                ),
            ],
            anonymous_volumes: vec![],
        };
        assert_eq!(
            progress_line(&s),
            "api: 2/3 running (2 running, healthy, 1 starting) on n1, n2"
        );
        let start = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let f = failures_since(&s, &start);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].error.as_deref(), Some("unhealthy container"));
    }
}
