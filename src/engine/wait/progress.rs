//! Pure progress tracking for `up --wait` / `status --wait`: what stage each service is in,
//! whether it is ready, pending or failed, and how that reads to a human.

use std::time::Duration;

use serde::Serialize;

use crate::engine::model::{Container, ContainerState, Health, ServiceStatus};
use crate::project::Project;

/// What a service needs to count as ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expect {
    /// Containers expected (`scale`/`deploy.replicas`, default 1).
    pub replicas: u32,
    /// Another service depends on it with `condition: service_completed_successfully`,
    /// so exiting with 0 is success.
    pub completes_ok: bool,
}

/// Where a service stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "stage", content = "detail")]
pub enum Stage {
    NotCreated,
    Created,
    /// Running, health check not passed yet.
    Starting,
    /// Running without a health check.
    Running,
    Healthy,
    Unhealthy,
    Restarting,
    Exited(Option<i64>),
    /// Exited 0 and that is what its dependents wait for.
    Completed,
    Paused,
    Dead,
    /// The Engine could not start it (`State.Error`, e.g. a host port already taken).
    CannotStart(String),
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ready,
    Pending,
    Failed,
}

fn container_stage(c: &Container, has_hc: bool, completes_ok: bool) -> (Stage, Verdict) {
    use Verdict::*;
    match c.state {
        ContainerState::Running => match c.health {
            Health::Healthy => (Stage::Healthy, Ready),
            Health::Starting => (Stage::Starting, Pending),
            Health::Unhealthy => (Stage::Unhealthy, Failed),
            Health::None if has_hc => (Stage::Starting, Pending),
            Health::None => (Stage::Running, Ready),
        },
        ContainerState::Created => match &c.state_error {
            Some(e) => (Stage::CannotStart(e.clone()), Failed),
            None => (Stage::Created, Pending),
        },
        ContainerState::Restarting => (Stage::Restarting, Pending),
        ContainerState::Exited => {
            let code = c.exit_code;
            let restarts = match c.restart_policy.as_deref() {
                Some("always") | Some("unless-stopped") => true,
                Some("on-failure") => code != Some(0),
                _ => false,
            };
            if code == Some(0) && completes_ok {
                (Stage::Completed, Ready)
            } else if restarts {
                (Stage::Restarting, Pending)
            } else {
                (Stage::Exited(code), Failed)
            }
        }
        ContainerState::Paused => (Stage::Paused, Failed),
        ContainerState::Dead => (Stage::Dead, Failed),
        ContainerState::Removing | ContainerState::Unknown => (Stage::Unknown, Pending),
    }
}

/// The stage and verdict of a service: its worst container decides.
pub fn assess(svc: &ServiceStatus, expect: Expect) -> (Stage, Verdict) {
    let mut worst: Option<(Stage, Verdict)> = None;
    let mut ready = 0;
    for c in &svc.containers {
        let has_hc = svc.has_healthcheck || c.healthcheck.is_some();
        let (stage, verdict) = container_stage(c, has_hc, expect.completes_ok);
        if verdict == Verdict::Ready {
            ready += 1;
        }
        if worst.as_ref().is_none_or(|(_, w)| verdict > *w) {
            worst = Some((stage, verdict));
        }
    }
    match worst {
        None => (Stage::NotCreated, Verdict::Pending),
        // Some replicas are up, the others not created yet.
        Some((_, Verdict::Ready)) if ready < expect.replicas.max(1) => {
            (Stage::NotCreated, Verdict::Pending)
        }
        Some(w) => w,
    }
}

/// The longest duration devctl accepts anywhere: Go's `time.Duration` limit (an `int64` of
/// nanoseconds, about 2562047h), so every parsed value also fits an `Instant` deadline.
pub const MAX_DURATION: Duration = Duration::from_nanos(i64::MAX as u64);

/// The one duration parser for user input (`--wait=…`, dashboard settings): a Go duration
/// (`30s`, `1m30s`, `500ms`, `1h`, `2.5s`) or a bare number of seconds (`90`, `0.5`).
/// `None` when it is not one, is negative, or is longer than [`MAX_DURATION`]; never panics.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let bare = !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.');
    if !bare {
        return parse_go_duration(s);
    }
    let secs: f64 = s.parse().ok()?;
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| *d <= MAX_DURATION)
}

/// A Go duration exactly as `time.ParseDuration` reads it (no bare numbers except `0`),
/// non-negative. Shares the project layer's integer parser, so it cannot overflow.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let ns = crate::project::canonical::units::parse_duration(s.trim()).ok()?;
    u64::try_from(ns).ok().map(Duration::from_nanos)
}

/// What each named service of the model needs to be ready (`scale: 0` services are skipped).
pub fn expectations(project: &Project, services: &[String]) -> Vec<(String, Expect)> {
    let completes: Vec<&String> = project
        .services
        .values()
        .flat_map(|s| s.depends_on.iter())
        .filter(|(_, d)| d.condition.as_deref() == Some("service_completed_successfully"))
        .map(|(name, _)| name)
        .collect();
    project
        .services
        .iter()
        .filter(|(name, _)| services.is_empty() || services.contains(name))
        .filter_map(|(name, s)| {
            let replicas = s.scale.or_else(|| {
                s.deploy
                    .as_ref()
                    .and_then(|d| d.get("replicas"))
                    .and_then(|r| r.as_u64())
                    .map(|r| r as u32)
            });
            let replicas = replicas.unwrap_or(1);
            (replicas > 0).then(|| {
                (
                    name.clone(),
                    Expect {
                        replicas,
                        completes_ok: completes.contains(&name),
                    },
                )
            })
        })
        .collect()
}

/// One service being waited for.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub service: String,
    pub expect: Expect,
    pub stage: Stage,
    pub verdict: Verdict,
    /// Time from the origin (the moment `devctl up` started Compose, else the start of the
    /// wait) to the moment the service became ready, taken from the Engine's own facts (the
    /// first passing probe of the current healthy run, the start or the clean exit) when it
    /// has them.
    pub ready_after: Option<Duration>,
    /// It was ready before the origin (e.g. `up` found it already running and healthy).
    pub ready_before: bool,
    /// The latest status seen.
    pub status: Option<ServiceStatus>,
}

/// The whole wait.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracker {
    pub rows: Vec<Row>,
    /// Where "time to ready" counts from: a wall-clock moment and how long before the start
    /// of the wait it was. `None`: from the start of the wait, by the wait's own clock.
    pub origin: Option<(chrono::DateTime<chrono::Utc>, Duration)>,
}

/// How the wait stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    AllReady,
    Pending,
    /// At least one service failed for good.
    Failed,
}

impl Tracker {
    pub fn new(targets: Vec<(String, Expect)>) -> Self {
        Tracker {
            rows: targets
                .into_iter()
                .map(|(service, expect)| Row {
                    service,
                    expect,
                    stage: Stage::NotCreated,
                    verdict: Verdict::Pending,
                    ready_after: None,
                    ready_before: false,
                    status: None,
                })
                .collect(),
            origin: None,
        }
    }

    /// Count "time to ready" from `origin` (wall clock), which was `before` the wait began.
    pub fn with_origin(mut self, origin: chrono::DateTime<chrono::Utc>, before: Duration) -> Self {
        self.origin = Some((origin, before));
        self
    }

    /// Take in a service's new status. Returns the row index when its stage changed.
    pub fn observe(&mut self, svc: &ServiceStatus, elapsed: Duration) -> Option<usize> {
        let idx = self.rows.iter().position(|r| r.service == svc.name)?;
        let row = &mut self.rows[idx];
        let (stage, verdict) = assess(svc, row.expect);
        row.status = Some(svc.clone());
        if stage == row.stage && verdict == row.verdict {
            return None;
        }
        if verdict == Verdict::Ready && row.ready_after.is_none() {
            let (after, before) = time_to_ready(self.origin, elapsed, svc);
            row.ready_after = Some(after);
            row.ready_before = before;
        }
        if verdict != Verdict::Ready {
            row.ready_after = None;
            row.ready_before = false;
        }
        row.stage = stage;
        row.verdict = verdict;
        Some(idx)
    }

    pub fn outcome(&self) -> Outcome {
        if self.rows.iter().any(|r| r.verdict == Verdict::Failed) {
            Outcome::Failed
        } else if self.rows.iter().all(|r| r.verdict == Verdict::Ready) {
            Outcome::AllReady
        } else {
            Outcome::Pending
        }
    }

    /// The longest `start_period` among the tracked containers.
    pub fn longest_start_period(&self) -> Option<Duration> {
        self.rows
            .iter()
            .filter_map(|r| r.status.as_ref())
            .flat_map(|s| s.containers.iter())
            .filter_map(|c| c.healthcheck.as_ref()?.start_period_ms)
            .max()
            .map(Duration::from_millis)
    }
}

/// When a ready service became ready, by the Engine's clock: the latest of its containers'
/// moments — the end of the first passing probe of the trailing run of passing probes since
/// the container's current start (healthy), the start (running without a health check), the
/// finish (completed). The Engine keeps the health log across `stop`/`start`: probes of an
/// earlier run are not counted, or a restarted service would read as ready "already".
pub fn ready_since(svc: &ServiceStatus) -> Option<chrono::DateTime<chrono::Utc>> {
    let parse = |t: &Option<crate::engine::model::Timestamp>| *t;
    let mut latest = None;
    for c in &svc.containers {
        let at = match (c.state, c.health) {
            (ContainerState::Running, Health::Healthy) => {
                let started = parse(&c.started_at);
                let passing = c
                    .probes
                    .iter()
                    .rev()
                    .take_while(|p| p.exit_code == 0)
                    .take_while(|p| match (started, parse(&p.start)) {
                        (Some(s), Some(t)) => t >= s,
                        _ => true,
                    })
                    .last();
                // Healthy with no probe of this run on record: since the start.
                passing.and_then(|p| parse(&p.end)).or(started)
            }
            (ContainerState::Running, _) => parse(&c.started_at),
            (ContainerState::Exited, _) => parse(&c.finished_at),
            _ => None,
        };
        let at = at?;
        latest = Some(latest.map_or(at, |l: chrono::DateTime<chrono::Utc>| l.max(at)));
    }
    latest
}

/// Pure: (time to ready, ready before the origin) for a service seen ready `elapsed` into the
/// wait. With an origin and the Engine's facts, the facts win, kept between 0 and the time seen
/// (clocks of a remote Engine may differ); otherwise the time it was seen.
pub fn time_to_ready(
    origin: Option<(chrono::DateTime<chrono::Utc>, Duration)>,
    elapsed: Duration,
    svc: &ServiceStatus,
) -> (Duration, bool) {
    let Some((origin, before)) = origin else {
        return (elapsed, false);
    };
    let seen = before + elapsed;
    let Some(at) = ready_since(svc) else {
        return (seen, false);
    };
    match (at - origin).to_std() {
        Ok(d) => (d.min(seen), false),
        // Ready before the origin: it was already up.
        Err(_) => (Duration::ZERO, true),
    }
}

/// Seconds of `start_period` left for a container that started `running_for` ago.
pub fn start_period_left(c: &Container, running_for: Duration) -> Option<Duration> {
    let sp = Duration::from_millis(c.healthcheck.as_ref()?.start_period_ms?);
    Some(sp.saturating_sub(running_for))
}

/// How a row reads (no colour, no timing prefix). `running_for` is how long its first
/// container has been running (for the start-period countdown), when known.
pub fn describe(row: &Row, running_for: Option<Duration>) -> String {
    let first = row.status.as_ref().and_then(|s| s.containers.first());
    match &row.stage {
        Stage::NotCreated => match row.status.as_ref().map_or(0, |s| s.containers.len()) {
            0 => "waiting to be created".into(),
            n => format!("{n} of {} replicas created", row.expect.replicas),
        },
        Stage::Created => "created".into(),
        Stage::Starting => {
            let left = first
                .zip(running_for)
                .and_then(|(c, r)| start_period_left(c, r));
            match left {
                Some(d) if !d.is_zero() => format!(
                    "running, health: starting ({}s of start period left)",
                    d.as_secs_f64().ceil() as u64
                ),
                Some(_) => "running, health: starting (start period over)".into(),
                None => "running, health: starting".into(),
            }
        }
        Stage::Running => "running (no health check)".into(),
        Stage::Healthy => "healthy".into(),
        Stage::Unhealthy => match first.map_or(0, |c| c.failing_streak) {
            0 => "unhealthy".into(),
            n => format!("unhealthy (failing streak {n})"),
        },
        Stage::Restarting => {
            let n = first.map_or(0, |c| c.restart_count);
            format!("restarting (restarts so far: {n})")
        }
        Stage::Exited(code) => {
            let oom = first.is_some_and(|c| c.oom_killed);
            let code = code.map_or("?".to_string(), |c| c.to_string());
            if oom {
                format!("exited (code {code}, OOM-killed)")
            } else {
                format!("exited (code {code})")
            }
        }
        Stage::Completed => "completed (exit 0)".into(),
        Stage::Paused => "paused".into(),
        Stage::Dead => "dead".into(),
        Stage::CannotStart(e) => format!("could not start: {e}"),
        Stage::Unknown => "state unknown".into(),
    }
}

#[cfg(test)]
#[path = "progress/tests.rs"]
mod tests;
