//! `devctl ps [--json]`: a one-shot table of every service of the merged model (including
//! services not created yet and profile-disabled ones) with its containers, from the Engine.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::engine::model::{Container, ProjectSnapshot, PublishedPort, ServiceStatus};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: &PsArgs) -> Result<u8> {
    let project = ctx.load_project()?;
    let rt = super::runtime()?;
    let snap = rt.block_on(async {
        let docker = crate::engine::connect(&ctx.env).await?;
        crate::engine::snapshot::snapshot(&docker, &project).await
    })?;
    let now = Utc::now();
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&json_view(&snap, now))
            .map_err(|e| crate::error::Error::general(format!("cannot render JSON: {e}")))?;
        s.push('\n');
        s
    } else {
        table(&snap, now, ctx.color() && std::io::stdout().is_terminal())
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(0)
}

/// `ps --json`: the project and every service with its containers.
#[derive(Debug, Serialize)]
pub struct PsJson<'a> {
    pub project: &'a str,
    pub services: Vec<ServiceJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ServiceJson<'a> {
    pub name: &'a str,
    /// `not_created`, `disabled`, or the phase of its worst container.
    pub status: &'static str,
    pub declared: bool,
    pub profile_disabled: bool,
    pub has_healthcheck: bool,
    pub containers: Vec<ContainerJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ContainerJson<'a> {
    pub name: &'a str,
    pub id: &'a str,
    /// Replica number (`com.docker.compose.container-number`).
    pub number: u32,
    /// `running`, `exited`, `created`, …
    pub state: crate::engine::model::ContainerState,
    /// `none`, `starting`, `healthy`, `unhealthy`.
    pub health: crate::engine::model::Health,
    pub phase: &'static str,
    pub failing_streak: u64,
    pub last_probe_output: Option<&'a str>,
    pub last_probe_exit_code: Option<i64>,
    pub restart_count: u64,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub started_at: Option<&'a str>,
    pub finished_at: Option<&'a str>,
    /// Seconds since it started, while it runs.
    pub uptime_seconds: Option<i64>,
    pub ports: &'a [PublishedPort],
    pub image: &'a str,
    pub config_files: Option<&'a str>,
    /// Why the Engine could not start it (e.g. a host port already taken).
    pub error: Option<&'a str>,
}

fn parse_time(s: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Seconds a running container has been up.
pub fn uptime(c: &Container, now: DateTime<Utc>) -> Option<i64> {
    use crate::engine::model::ContainerState as S;
    if !matches!(c.state, S::Running | S::Paused) {
        return None;
    }
    let started = parse_time(c.started_at.as_deref())?;
    Some((now - started).num_seconds().max(0))
}

pub fn json_view(snap: &ProjectSnapshot, now: DateTime<Utc>) -> PsJson<'_> {
    PsJson {
        project: &snap.project,
        services: snap
            .services
            .iter()
            .map(|s| ServiceJson {
                name: &s.name,
                status: s.phase(),
                declared: s.declared,
                profile_disabled: s.profile_disabled,
                has_healthcheck: s.has_healthcheck,
                containers: s
                    .containers
                    .iter()
                    .map(|c| ContainerJson {
                        name: &c.name,
                        id: &c.id,
                        number: c.number,
                        state: c.state,
                        health: c.health,
                        phase: c.phase(),
                        failing_streak: c.failing_streak,
                        last_probe_output: c.last_probe().map(|p| p.output.as_str()),
                        last_probe_exit_code: c.last_probe().map(|p| p.exit_code),
                        restart_count: c.restart_count,
                        exit_code: c.exit_code,
                        oom_killed: c.oom_killed,
                        started_at: c.started_at.as_deref(),
                        finished_at: c.finished_at.as_deref(),
                        uptime_seconds: uptime(c, now),
                        ports: &c.ports,
                        image: &c.image,
                        config_files: c.config_files.as_deref(),
                        error: c.state_error.as_deref(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `5s`, `3m12s`, `2h05m`, `3d04h`.
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86400, (s % 86400) / 3600),
    }
}

pub fn ports_text(ports: &[PublishedPort]) -> String {
    ports
        .iter()
        .map(|p| {
            let host = match (&p.host_ip, p.host_port) {
                (Some(ip), Some(port)) => format!("{ip}:{port}->"),
                (None, Some(port)) => format!("{port}->"),
                _ => String::new(),
            };
            format!("{host}{}/{}", p.container_port, p.protocol)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn health_color(phase: &str) -> &'static str {
    match phase {
        "healthy" | "running" => "32",
        "starting" | "created" | "restarting" | "paused" => "33",
        "unhealthy" | "exited" | "dead" | "cannot_start" => "31",
        _ => "2",
    }
}

fn rows(s: &ServiceStatus, now: DateTime<Utc>) -> Vec<[String; 8]> {
    if s.containers.is_empty() {
        let what = if s.profile_disabled {
            "disabled (profile)"
        } else {
            "not created"
        };
        return vec![[
            s.name.clone(),
            "-".into(),
            what.into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]];
    }
    s.containers
        .iter()
        .map(|c| {
            let mut status = c.phase().replace('_', " ");
            if let Some(code) = c.exit_code {
                let _ = write!(status, " ({code})");
            }
            if c.oom_killed {
                status.push_str(" OOM");
            }
            if c.health == crate::engine::model::Health::Unhealthy && c.failing_streak > 0 {
                let _ = write!(status, " x{}", c.failing_streak);
            }
            [
                if s.declared {
                    s.name.clone()
                } else {
                    format!("{} (not in files)", s.name)
                },
                c.number.to_string(),
                status,
                c.restart_count.to_string(),
                uptime(c, now).map(human_duration).unwrap_or_default(),
                ports_text(&c.ports),
                c.image.clone(),
                c.phase().to_string(),
            ]
        })
        .collect()
}

/// The `ps` table (pure).
pub fn table(snap: &ProjectSnapshot, now: DateTime<Utc>, color: bool) -> String {
    let header = ["SERVICE", "#", "STATUS", "RESTARTS", "UP", "PORTS", "IMAGE"];
    let all: Vec<[String; 8]> = snap.services.iter().flat_map(|s| rows(s, now)).collect();
    let mut w = header.map(str::len);
    for r in &all {
        for (i, cell) in r.iter().take(7).enumerate() {
            w[i] = w[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: [&str; 7], phase: Option<&str>, out: &mut String| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = w[i].saturating_sub(cell.chars().count());
            let painted = match (i, phase, color) {
                (2, Some(p), true) => format!("\u{1b}[{}m{cell}\u{1b}[0m", health_color(p)),
                _ => cell.to_string(),
            };
            l.push_str(&painted);
            if i + 1 < cells.len() {
                l.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header, None, &mut out);
    for r in &all {
        let cells = [
            r[0].as_str(),
            r[1].as_str(),
            r[2].as_str(),
            r[3].as_str(),
            r[4].as_str(),
            r[5].as_str(),
            r[6].as_str(),
        ];
        let phase = (!r[7].is_empty()).then_some(r[7].as_str());
        line(cells, phase, &mut out);
    }
    out
}

#[cfg(test)]
#[path = "ps/tests.rs"]
mod tests;
