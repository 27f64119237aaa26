//! `up --wait` / `status --wait`: wait until every service is healthy (or running without a
//! health check), driven by Engine events through [`super::watch`], with live progress and,
//! on failure or timeout, a diagnosis of every service that did not make it.

pub mod diagnose;
pub mod progress;

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::LogsOptions;
use futures_util::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::model::{Container, ContainerState};
use super::watch::{WatchMsg, spawn_watch};
use crate::commands::Ctx;
use crate::error::{Error, Exit, Result};
use crate::project::LoadedProject;
use progress::{Outcome, Row, Tracker, Verdict, describe, expectations};

/// Timeout when none is given: 5 minutes, or the longest `start_period` plus a minute.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Wait until `services` (all services that should run when empty) are healthy, or running
/// when they have no health check. Prints live progress on stderr (bars on a terminal, plain
/// lines otherwise) and a summary, or a diagnosis per failing service, on stdout.
/// Returns 0, or `Exit::NotHealthy`'s code when a service failed or `timeout` passed.
pub fn wait_healthy(
    ctx: &Ctx,
    project: &LoadedProject,
    services: &[String],
    timeout: Option<Duration>,
) -> Result<u8> {
    check_services(project, services)?;
    let rt = crate::commands::runtime()?;
    let color = ctx.color() && std::io::stdout().is_terminal();
    let bars = std::io::stderr().is_terminal();
    rt.block_on(async {
        let docker = super::connect(&ctx.env).await?;
        let report = run(docker, project, services, timeout, bars).await?;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(report.render(color).as_bytes());
        let _ = out.flush();
        Ok(if report.ok {
            Exit::Ok.code()
        } else {
            Exit::NotHealthy.code()
        })
    })
}

/// Unknown or profile-disabled service names are usage errors.
pub fn check_services(project: &LoadedProject, services: &[String]) -> Result<()> {
    for s in services {
        if project.project.services.contains_key(s) {
            continue;
        }
        if let Some(p) = project.disabled_services.get(s) {
            return Err(Error::usage(format!(
                "service `{s}` is disabled by its profiles ({})",
                p.join(", ")
            ))
            .with_hint(format!(
                "enable it with `--profile {}`",
                p.join(" --profile ")
            )));
        }
        let known: Vec<&str> = project
            .project
            .services
            .keys()
            .map(String::as_str)
            .collect();
        return Err(Error::usage(format!("no such service: `{s}`"))
            .with_hint(format!("services: {}", known.join(", "))));
    }
    Ok(())
}

/// The result of a wait, ready to print.
#[derive(Debug, Clone)]
pub struct Report {
    pub ok: bool,
    pub timed_out: bool,
    pub elapsed: Duration,
    pub rows: Vec<Row>,
    /// Last log lines per container id (failing services only).
    pub logs: Vec<(String, Vec<String>)>,
}

impl Report {
    /// The summary (success) or the diagnosis (failure).
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, s: &str| {
            if color {
                format!("\u{1b}[{code}m{s}\u{1b}[0m")
            } else {
                s.to_string()
            }
        };
        let width = self.rows.iter().map(|r| r.service.len()).max().unwrap_or(0);
        let mut s = String::new();
        if self.ok {
            let _ = writeln!(
                s,
                "{} {} ready in {:.1}s",
                paint("32", "✔"),
                plural(self.rows.len(), "service"),
                self.elapsed.as_secs_f64()
            );
            for r in &self.rows {
                let t = r
                    .ready_after
                    .map_or("-".into(), |d| format!("{:.1}s", d.as_secs_f64()));
                let _ = writeln!(
                    s,
                    "  {:<width$}  {:<26} {t:>7}",
                    r.service,
                    describe(r, None)
                );
            }
            return s;
        }
        let bad: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.verdict != Verdict::Ready)
            .collect();
        let why = if self.timed_out {
            "timed out"
        } else {
            "failed"
        };
        let _ = writeln!(
            s,
            "{} wait {why} after {:.1}s: {} of {} not healthy",
            paint("31", "✖"),
            self.elapsed.as_secs_f64(),
            bad.len(),
            plural(self.rows.len(), "service")
        );
        for r in &self.rows {
            let mark = match r.verdict {
                Verdict::Ready => paint("32", "✔"),
                Verdict::Pending => paint("33", "…"),
                Verdict::Failed => paint("31", "✖"),
            };
            let _ = writeln!(s, "  {mark} {:<width$}  {}", r.service, describe(r, None));
        }
        for r in bad {
            let _ = writeln!(
                s,
                "\n{} {}: {}",
                paint("31", "●"),
                r.service,
                describe(r, None)
            );
            let containers: &[Container] = r.status.as_ref().map_or(&[], |st| &st.containers);
            if containers.is_empty() {
                let _ = writeln!(
                    s,
                    "  no container exists: was it started (`devctl up {}`)?",
                    r.service
                );
            }
            for c in containers {
                let logs = self
                    .logs
                    .iter()
                    .find(|(id, _)| *id == c.id)
                    .map_or(&[][..], |(_, l)| l.as_slice());
                s.push_str(&diagnose::render_container(c, logs, "  "));
            }
        }
        s
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Seconds a container has been running, from the Engine's `StartedAt`.
fn running_for(c: &Container) -> Option<Duration> {
    let started = chrono::DateTime::parse_from_rfc3339(c.started_at.as_deref()?).ok()?;
    let now = chrono::Utc::now();
    (now - started.with_timezone(&chrono::Utc)).to_std().ok()
}

fn row_text(r: &Row) -> String {
    let first = r.status.as_ref().and_then(|s| s.containers.first());
    let rf = first
        .filter(|c| c.state == ContainerState::Running)
        .and_then(running_for);
    describe(r, rf)
}

/// Live progress: indicatif bars on a terminal, plain lines otherwise (both on stderr).
enum Progress {
    Bars {
        _multi: MultiProgress,
        bars: Vec<ProgressBar>,
    },
    Plain {
        start: Instant,
    },
}

impl Progress {
    fn new(t: &Tracker, bars: bool, start: Instant) -> Self {
        if !bars {
            return Progress::Plain { start };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let width = t.rows.iter().map(|r| r.service.len()).max().unwrap_or(0);
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} {{prefix:<{width}}}  {{msg}} {{elapsed:>4}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bars = t
            .rows
            .iter()
            .map(|r| {
                let b = multi.add(ProgressBar::new_spinner());
                b.set_style(style.clone());
                b.set_prefix(r.service.clone());
                b.set_message(row_text(r));
                b.enable_steady_tick(Duration::from_millis(120));
                b
            })
            .collect();
        Progress::Bars {
            _multi: multi,
            bars,
        }
    }

    fn changed(&mut self, t: &Tracker, idx: usize) {
        let r = &t.rows[idx];
        match self {
            Progress::Bars { bars, .. } => {
                if let Some(b) = bars.get(idx) {
                    b.set_message(row_text(r));
                    match r.verdict {
                        Verdict::Ready => b.finish_with_message(format!("✔ {}", row_text(r))),
                        Verdict::Failed => b.abandon_with_message(format!("✖ {}", row_text(r))),
                        Verdict::Pending => {}
                    }
                }
            }
            Progress::Plain { start } => {
                eprintln!(
                    "[{:>6.1}s] {}: {}",
                    start.elapsed().as_secs_f64(),
                    r.service,
                    row_text(r)
                );
            }
        }
    }

    /// Redraw the countdowns (bars only; plain output prints changes only).
    fn tick(&mut self, t: &Tracker) {
        if let Progress::Bars { bars, .. } = self {
            for (r, b) in t.rows.iter().zip(bars.iter()) {
                if !b.is_finished() {
                    b.set_message(row_text(r));
                }
            }
        }
    }

    fn note(&mut self, msg: &str) {
        match self {
            Progress::Bars { _multi, .. } => {
                let _ = _multi.println(msg);
            }
            Progress::Plain { start } => {
                eprintln!("[{:>6.1}s] {msg}", start.elapsed().as_secs_f64());
            }
        }
    }

    fn finish(&mut self) {
        if let Progress::Bars { bars, .. } = self {
            for b in bars.iter() {
                if !b.is_finished() {
                    b.abandon();
                }
            }
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
) -> Result<Report> {
    let start = Instant::now();
    let mut tracker = Tracker::new(expectations(&project.project, services));
    let mut progress = Progress::new(&tracker, bars, start);
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
                        if timeout.is_none() {
                            if let Some(sp) = tracker.longest_start_period() {
                                limit = limit.max(sp + Duration::from_secs(60));
                            }
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
    let mut logs = Vec::new();
    if !ok {
        for r in tracker.rows.iter().filter(|r| r.verdict != Verdict::Ready) {
            for c in r.status.iter().flat_map(|s| s.containers.iter()) {
                logs.push((c.id.clone(), last_logs(&docker, &c.id).await));
            }
        }
    }
    Ok(Report {
        ok,
        timed_out,
        elapsed: start.elapsed(),
        rows: tracker.rows,
        logs,
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
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<String> = text.lines().map(super::convert::strip_controls).collect();
    let from = lines.len().saturating_sub(diagnose::LOG_LINES);
    lines[from..].to_vec()
}

#[cfg(test)]
#[path = "wait/tests.rs"]
mod tests;
