//! `up --wait` / `status --wait`: wait until every service is healthy (or running without a
//! health check), driven by Engine events through [`super::watch`], with live progress and,
//! on failure or timeout, a diagnosis of every service that did not make it.

pub mod blocked;
pub mod diagnose;
mod display;
pub mod ports;
pub mod progress;
mod report;

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::LogsOptions;
use futures_util::StreamExt;

use super::model::ServiceStatus;
use super::watch::{WatchMsg, spawn_watch};
use crate::error::{Error, Result};
use crate::project::LoadedProject;
use display::Progress;
use progress::{Outcome, Tracker, Verdict, expectations};
pub use report::Report;

/// Timeout when none is given: 5 minutes, or the longest `start_period` plus a minute.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// `--wait[=TIMEOUT]` for `up` and `status`: empty → `None` (the default timeout), else
/// [`progress::parse_duration`]; anything else is a usage error that names the value.
pub fn parse_timeout(s: &str) -> Result<Option<Duration>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    progress::parse_duration(s).map(Some).ok_or_else(|| {
        Error::usage(format!(
            "`--wait={s}`: not a duration between 0 and 2562047h"
        ))
        .with_hint(
            "use seconds or units, e.g. `--wait=90`, `--wait=90s`, `--wait=2m`, `--wait=1m30s`",
        )
    })
}

/// The report of a failed `up` (printed by `devctl up`), `None` when no dependency failed.
pub async fn failed_up_report(
    docker: &Docker,
    project: &LoadedProject,
    base: &std::path::Path,
    origin: Origin,
) -> Result<Option<Report>> {
    let snap = super::listing::list(docker, project).await?;
    let blocked = blocked::find(&project.project, &project.provenance, &snap.services, base);
    if blocked.is_empty() {
        return Ok(None);
    }
    let elapsed = origin.mono.elapsed();
    let mut tracker = Tracker::new(expectations(&project.project, &[]));
    for svc in &snap.services {
        tracker.observe(svc, elapsed);
    }
    // The services Compose got to (it creates every container of the run before it starts any).
    tracker
        .rows
        .retain(|r| r.status.as_ref().is_some_and(|s| !s.containers.is_empty()));
    let mut logs = Vec::new();
    for r in tracker.rows.iter().filter(|r| r.verdict == Verdict::Failed) {
        for c in r.status.iter().flat_map(|s| s.containers.iter()) {
            logs.push((c.id.clone(), last_logs(docker, &c.id).await));
        }
    }
    Ok(Some(Report {
        ok: false,
        timed_out: false,
        elapsed,
        rows: tracker.rows,
        logs,
        listeners: Vec::new(),
        warnings: Vec::new(),
        blocked,
    }))
}

/// A moment "time to ready" counts from: the wall clock (compared with the Engine's facts) and
/// the monotonic clock (for the time spent before the wait began).
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    pub wall: chrono::DateTime<chrono::Utc>,
    pub mono: Instant,
}

impl Origin {
    pub fn now() -> Self {
        Origin {
            wall: chrono::Utc::now(),
            mono: Instant::now(),
        }
    }
}

/// The event-driven wait itself.
pub async fn run(
    docker: Docker,
    project: &LoadedProject,
    services: &[String],
    timeout: Option<Duration>,
    bars: bool,
    origin: Option<Origin>,
) -> Result<Report> {
    let start = Instant::now();
    let before = origin.map_or(Duration::ZERO, |o| start.saturating_duration_since(o.mono));
    let mut tracker = Tracker::new(expectations(&project.project, services));
    if let Some(o) = origin {
        tracker = tracker.with_origin(o.wall, before);
    }
    // Plain progress lines count from the same moment as the summary (`up`'s start).
    let mut progress = Progress::new(&tracker, bars, origin.map_or(start, |o| o.mono));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = spawn_watch(docker.clone(), project.clone(), tx, false);
    let mut limit = timeout.unwrap_or(DEFAULT_TIMEOUT);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut disconnected = false;
    let mut outcome = tracker.outcome();
    let mut timed_out = false;
    while outcome == Outcome::Pending {
        let deadline = tokio::time::Instant::from_std(start + limit);
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                let el = start.elapsed();
                match msg {
                    WatchMsg::Snapshot(s) => {
                        for svc in &s.services {
                            if let Some(i) = tracker.observe(svc, el) {
                                progress.changed(&tracker, i);
                            }
                        }
                        if timeout.is_none()
                            && let Some(sp) = tracker.longest_start_period() {
                                limit = limit.max(sp + Duration::from_secs(60));
                            }
                    }
                    WatchMsg::Changed { service, .. } => {
                        if let Some(i) = tracker.observe(&service, el) {
                            progress.changed(&tracker, i);
                        }
                    }
                    WatchMsg::Disconnected { reason } => {
                        disconnected = true;
                        progress.note(&format!("Engine connection lost ({reason}); reconnecting…"));
                    }
                    WatchMsg::Connected { .. } if disconnected => {
                        disconnected = false;
                        progress.note("Engine connection back; resynced");
                    }
                    WatchMsg::Connected { .. } | WatchMsg::Usage { .. } => {}
                }
                outcome = tracker.outcome();
            }
            _ = tokio::time::sleep_until(deadline) => {
                timed_out = true;
                break;
            }
            _ = tick.tick() => progress.tick(&tracker),
        }
    }
    task.abort();
    progress.finish();
    let ok = outcome == Outcome::AllReady;
    let warnings = if ok {
        let ready: Vec<&ServiceStatus> = tracker
            .rows
            .iter()
            .filter_map(|r| r.status.as_ref())
            .collect();
        ports::warnings(&docker, project, &ready).await
    } else {
        Vec::new()
    };
    let mut logs = Vec::new();
    let mut listeners = Vec::new();
    if !ok {
        let name = &project.resolved.name;
        for r in tracker
            .rows
            .iter_mut()
            .filter(|r| r.verdict != Verdict::Ready)
        {
            for c in r.status.iter_mut().flat_map(|s| s.containers.iter_mut()) {
                // The latest probe results: probes alone trigger no event we listen to.
                if let Ok(Some(fresh)) = super::listing::inspect(&docker, &c.id, name).await {
                    *c = fresh;
                }
                logs.push((c.id.clone(), last_logs(&docker, &c.id).await));
                // Where the app really listens, to compare with the port the probe targets.
                if let Some(l) = c.pid.and_then(|pid| super::listeners::read(&c.id, pid)) {
                    listeners.push((c.id.clone(), l));
                }
            }
        }
    }
    Ok(Report {
        ok,
        timed_out,
        elapsed: before + start.elapsed(),
        rows: tracker.rows,
        logs,
        listeners,
        warnings,
        blocked: Vec::new(),
    })
}

/// The last [`diagnose::LOG_LINES`] log lines of a container, sanitised (best effort).
pub async fn last_logs(docker: &Docker, id: &str) -> Vec<String> {
    let opts = LogsOptions {
        stdout: true,
        stderr: true,
        tail: diagnose::LOG_LINES.to_string(),
        ..Default::default()
    };
    let mut stream = docker.logs(id, Some(opts));
    let mut buf = Vec::new();
    let read = async {
        while let Some(Ok(chunk)) = stream.next().await {
            buf.extend_from_slice(&chunk.into_bytes());
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), read).await;
    let lines: Vec<String> = buf
        .split(|b| *b == b'\n')
        .map(crate::sanitize::sanitize_line)
        .collect();
    let lines: Vec<String> = match lines.last() {
        Some(l) if l.is_empty() => lines[..lines.len() - 1].to_vec(),
        _ => lines,
    };
    let from = lines.len().saturating_sub(diagnose::LOG_LINES);
    lines[from..].to_vec()
}

#[cfg(test)]
#[path = "wait/tests.rs"]
mod tests;
