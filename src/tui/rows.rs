//! The services table as data: one row per service (declared, profile-disabled, or left over
//! from the Engine), derived purely from the model at `model.now`, sorted and filtered.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::engine::model::{Container, ContainerState, Health, ServiceStatus};
use crate::tui::model::{Model, OpStatus, SortKey};
use crate::tui::text::{bytes, short_duration, sparkline, until_next_change};

/// How a health cell is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HealthClass {
    Unhealthy,
    Exited,
    Restarting,
    Starting,
    Healthy,
    /// Running without a health check.
    NoCheck,
    /// Not created, profile-disabled, or unknown.
    Inactive,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub state: String,
    pub health: String,
    pub class: HealthClass,
    /// Failing streak, or start-period countdown.
    pub check: String,
    pub restarts: u64,
    pub uptime: String,
    pub ports: String,
    pub cpu: Option<f64>,
    pub mem: Option<u64>,
    pub spark: String,
    pub declared_index: usize,
}

impl Row {
    pub fn cpu_text(&self) -> String {
        self.cpu.map_or_else(String::new, |c| format!("{c:.1}%"))
    }
    pub fn mem_text(&self) -> String {
        self.mem.map_or_else(String::new, bytes)
    }
}

fn since(now: DateTime<Utc>, t: DateTime<Utc>) -> Duration {
    (now - t).to_std().unwrap_or(Duration::ZERO)
}

/// The container that speaks for the service: the worst one (so a failing replica shows).
fn primary(containers: &[Container]) -> Option<&Container> {
    containers
        .iter()
        .min_by_key(|c| (container_class(c), c.number))
}

fn container_class(c: &Container) -> HealthClass {
    match c.state {
        ContainerState::Running => match c.health {
            Health::Healthy => HealthClass::Healthy,
            Health::Unhealthy => HealthClass::Unhealthy,
            Health::Starting => HealthClass::Starting,
            Health::None => HealthClass::NoCheck,
        },
        ContainerState::Restarting => HealthClass::Restarting,
        ContainerState::Paused => HealthClass::Starting,
        ContainerState::Created => HealthClass::Inactive,
        ContainerState::Exited | ContainerState::Dead | ContainerState::Removing => {
            if c.exit_code.unwrap_or(0) == 0 && !c.oom_killed {
                HealthClass::Inactive
            } else {
                HealthClass::Exited
            }
        }
        ContainerState::Unknown => HealthClass::Inactive,
    }
}

fn state_text(c: &Container, n: usize) -> String {
    let base = match c.state {
        ContainerState::Created => "created".to_string(),
        ContainerState::Running => "running".to_string(),
        ContainerState::Paused => "paused".to_string(),
        ContainerState::Restarting => "restarting".to_string(),
        ContainerState::Removing => "removing".to_string(),
        ContainerState::Exited | ContainerState::Dead => {
            let word = if c.state == ContainerState::Dead {
                "dead"
            } else {
                "exited"
            };
            match (c.oom_killed, c.exit_code) {
                (true, _) => format!("{word} (OOM)"),
                (false, Some(code)) => format!("{word} ({code})"),
                (false, None) => word.to_string(),
            }
        }
        ContainerState::Unknown => "unknown".to_string(),
    };
    if n > 1 { format!("{base} ×{n}") } else { base }
}

fn ports_text(c: &Container) -> String {
    let mut v: Vec<String> = c
        .ports
        .iter()
        .filter_map(|p| {
            let host = p.host_port?;
            let ip = match p.host_ip.as_deref() {
                None | Some("" | "0.0.0.0" | "::") => String::new(),
                Some(ip) => format!("{ip}:"),
            };
            let proto = if p.protocol == "tcp" {
                String::new()
            } else {
                format!("/{}", p.protocol)
            };
            Some(format!("{ip}{host}→{}{proto}", p.container_port))
        })
        .collect();
    v.dedup();
    v.join(",")
}

/// Build the row of one service.
pub fn service_row(m: &Model, status: Option<&ServiceStatus>, name: &str, idx: usize) -> Row {
    let info = m.info.service(name);
    let disabled =
        info.is_some_and(|i| i.profile_disabled) || status.is_some_and(|s| s.profile_disabled);
    let containers = status.map(|s| s.containers.as_slice()).unwrap_or(&[]);
    let mut row = Row {
        name: name.to_string(),
        state: String::new(),
        health: String::new(),
        class: HealthClass::Inactive,
        check: String::new(),
        restarts: containers.iter().map(|c| c.restart_count).sum(),
        uptime: String::new(),
        ports: String::new(),
        cpu: None,
        mem: None,
        spark: String::new(),
        declared_index: idx,
    };
    let Some(c) = primary(containers) else {
        if disabled {
            let profiles = info.map(|i| i.profiles.join(",")).unwrap_or_default();
            row.state = "disabled".into();
            row.check = if profiles.is_empty() {
                "by profile".into()
            } else {
                format!("profile {profiles}")
            };
        } else if m.snapshot.is_none() {
            row.state = "unknown".into();
        } else {
            row.state = "not created".into();
        }
        row.health = "—".into();
        return row;
    };
    row.class = container_class(c);
    row.state = state_text(c, containers.len());
    row.health = match (c.state, c.health) {
        (ContainerState::Running, Health::Healthy) => "healthy".into(),
        (ContainerState::Running, Health::Unhealthy) => "unhealthy".into(),
        (ContainerState::Running, Health::Starting) => "starting".into(),
        (ContainerState::Running, Health::None) => "no check".into(),
        _ => "—".into(),
    };
    let started = c.started_at;
    if c.state == ContainerState::Running {
        if let Some(t) = started {
            row.uptime = short_duration(since(m.now, t));
        }
        row.ports = ports_text(c);
        if let Some(u) = m.usage.get(name) {
            row.cpu = Some(u.cpu_percent);
            row.mem = Some(u.mem_bytes);
        }
        if let Some(h) = m.history.get(name) {
            row.spark = sparkline(h.iter().copied(), Some(100.0));
        }
    }
    row.check = match c.health {
        Health::Unhealthy => format!("failing ×{}", c.failing_streak),
        Health::Starting => match start_period_left(m, name, c) {
            Some(left) => format!("grace {}", short_duration(left)),
            None if c.failing_streak > 0 => format!("failing ×{}", c.failing_streak),
            None => "probing".into(),
        },
        Health::Healthy if c.failing_streak > 0 => format!("failed ×{}", c.failing_streak),
        _ => String::new(),
    };
    row
}

/// Time left in the start period of a starting container (None when over or unknown).
fn start_period_left(m: &Model, name: &str, c: &Container) -> Option<Duration> {
    let declared = m
        .info
        .service(name)
        .and_then(|s| s.healthcheck.as_ref())
        .and_then(|h| h.start_period);
    // Else the check the container was created with (e.g. the image's own HEALTHCHECK).
    let period = declared.or_else(|| {
        c.healthcheck
            .as_ref()
            .and_then(|h| h.start_period_ms)
            .map(Duration::from_millis)
    })?;
    let started = c.started_at?;
    let elapsed = since(m.now, started);
    (elapsed < period)
        .then(|| period - elapsed + Duration::from_millis(999))
        .map(|d| Duration::from_secs(d.as_secs()))
        .filter(|d| !d.is_zero())
}

/// All rows, sorted by `m.sort` and filtered by `m.filter` (case-insensitive substring).
pub fn rows(m: &Model) -> Vec<Row> {
    let mut names: Vec<String> = m.info.services.iter().map(|s| s.name.clone()).collect();
    if let Some(snap) = &m.snapshot {
        for s in &snap.services {
            if !names.contains(&s.name) {
                names.push(s.name.clone());
            }
        }
    }
    let filter = m.filter.to_lowercase();
    let mut out: Vec<Row> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| filter.is_empty() || n.to_lowercase().contains(&filter))
        .map(|(i, n)| {
            let status = m
                .snapshot
                .as_ref()
                .and_then(|s| s.services.iter().find(|x| &x.name == n));
            service_row(m, status, n, i)
        })
        .collect();
    match m.sort {
        SortKey::Declared => {}
        SortKey::Name => out.sort_by(|a, b| a.name.cmp(&b.name)),
        SortKey::Health => out.sort_by_key(|r| (r.class, r.declared_index)),
        SortKey::Cpu => out.sort_by(|a, b| b.cpu.unwrap_or(-1.0).total_cmp(&a.cpu.unwrap_or(-1.0))),
        SortKey::Memory => out.sort_by_key(|r| std::cmp::Reverse(r.mem.unwrap_or(0))),
        SortKey::Restarts => out.sort_by_key(|r| std::cmp::Reverse(r.restarts)),
    }
    out
}

/// When the screen would next change by the passage of time alone (uptimes, start-period
/// countdowns, running operations' elapsed time). None: nothing animates, so no timer runs.
pub fn next_change(m: &Model) -> Option<Duration> {
    let mut best: Option<Duration> = None;
    let mut consider = |d: Duration| {
        let d = d.max(Duration::from_millis(50));
        best = Some(best.map_or(d, |b| b.min(d)));
    };
    if m.ops.iter().any(|o| o.status == OpStatus::Running) {
        consider(Duration::from_secs(1));
    }
    if let Some(snap) = &m.snapshot {
        for s in &snap.services {
            for c in &s.containers {
                if c.state != ContainerState::Running {
                    continue;
                }
                if let Some(t) = c.started_at {
                    let up = since(m.now, t);
                    consider(until_next_change(up));
                    if c.health == Health::Starting && start_period_left(m, &s.name, c).is_some() {
                        consider(until_next_change(up).min(Duration::from_secs(1)));
                    }
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests;
