//! `devctl ps [--json] [--stats]`: a one-shot table of every service of the merged model
//! (including services not created yet and profile-disabled ones) with its containers, from the
//! Engine; `--stats` adds CPU and memory of the running containers (one sample each).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::engine::model::{Container, ProjectListing, PublishedPort, ServiceStatus, Usage};
use crate::error::Result;
use crate::sanitize::escape;

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Add CPU and memory of the running containers (one sample each, taken in parallel, like
    /// `docker stats --no-stream`: about a second).
    #[arg(long)]
    pub stats: bool,
    /// Do not mask credentials in health-check outputs and errors (README "Robustness").
    #[arg(long)]
    pub show_secrets: bool,
}

/// CPU and memory per container id (`ps --stats`).
pub type UsageById = std::collections::HashMap<String, Usage>;

pub fn run(ctx: &Ctx, args: &PsArgs) -> Result<u8> {
    // Label mode (no compose file, a project name: `devctl -p NAME ps`): the services are
    // those of the containers carrying the project's label, as `docker compose -p NAME ps`.
    let project = match super::label_name_for_reading(ctx)? {
        Some(name) => Err(name),
        None => Ok(ctx.load_project()?),
    };
    let rt = super::runtime()?;
    let (snap, usage) = rt.block_on(async {
        let docker = crate::engine::connect(&ctx.env).await?;
        let snap = match &project {
            Ok(p) => crate::engine::listing::list(&docker, p).await?,
            Err(name) => {
                let cs = crate::engine::listing::containers(&docker, name).await?;
                let empty = crate::project::Project::default();
                crate::engine::listing::join(name, &empty, &Default::default(), cs)
            }
        };
        let usage = if args.stats {
            Some(sample(&docker, &snap).await)
        } else {
            None
        };
        Ok::<_, crate::error::Error>((snap, usage))
    })?;
    let now = Utc::now();
    let text = if args.json {
        render_json(&snap, now, usage.as_ref(), args.show_secrets)?
    } else {
        table(
            &snap,
            now,
            ctx.color() && std::io::stdout().is_terminal(),
            usage.as_ref(),
        )
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(0)
}

/// One usage sample of every running container of the snapshot, all at once.
async fn sample(docker: &bollard::Docker, snap: &ProjectListing) -> UsageById {
    let running: Vec<&Container> = snap
        .services
        .iter()
        .flat_map(|s| s.containers.iter())
        .filter(|c| c.state == crate::engine::model::ContainerState::Running)
        .collect();
    let samples = futures_util::future::join_all(
        running
            .iter()
            .map(|c| crate::engine::stats::usage_once(docker, &c.id)),
    )
    .await;
    running
        .iter()
        .zip(samples)
        .filter_map(|(c, u)| Some((c.id.clone(), u?)))
        .collect()
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
    #[serde(serialize_with = "crate::format::rfc3339_opt")]
    pub started_at: Option<crate::engine::model::Timestamp>,
    #[serde(serialize_with = "crate::format::rfc3339_opt")]
    pub finished_at: Option<crate::engine::model::Timestamp>,
    /// Seconds since it started, while it runs.
    pub uptime_seconds: Option<i64>,
    pub ports: &'a [PublishedPort],
    pub image: &'a str,
    pub config_files: Option<&'a str>,
    /// Why the Engine could not start it (e.g. a host port already taken).
    pub error: Option<&'a str>,
    /// `--stats` only: percent of one core (100.0 = one full core), as `docker stats` shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_percent: Option<f64>,
    /// `--stats` only: memory used, as `docker stats` counts it (without the page cache).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mem_bytes: Option<u64>,
    /// `--stats` only: the memory limit (the host's memory when none is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mem_limit: Option<u64>,
}

/// Seconds a running container has been up.
pub fn uptime(c: &Container, now: DateTime<Utc>) -> Option<i64> {
    use crate::engine::model::ContainerState as S;
    if !matches!(c.state, S::Running | S::Paused) {
        return None;
    }
    let started = c.started_at?;
    Some((now - started).num_seconds().max(0))
}

pub fn json_view<'a>(
    snap: &'a ProjectListing,
    now: DateTime<Utc>,
    usage: Option<&UsageById>,
) -> PsJson<'a> {
    let u = |c: &Container| usage.and_then(|m| m.get(&c.id)).copied();
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
                        started_at: c.started_at,
                        finished_at: c.finished_at,
                        uptime_seconds: uptime(c, now),
                        ports: &c.ports,
                        image: &c.image,
                        config_files: c.config_files.as_deref(),
                        error: c.state_error.as_deref(),
                        cpu_percent: u(c).map(|u| (u.cpu_percent * 100.0).round() / 100.0),
                        mem_bytes: u(c).map(|u| u.mem_bytes),
                        mem_limit: u(c).map(|u| u.mem_limit),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `ps --json` as printed: credentials in probe outputs and errors masked (unless
/// `show_secrets`), control and bidi characters in every string written as `\uXXXX`.
pub fn render_json(
    snap: &ProjectListing,
    now: DateTime<Utc>,
    usage: Option<&UsageById>,
    show_secrets: bool,
) -> Result<String> {
    let mut v = serde_json::to_value(json_view(snap, now, usage))
        .map_err(|e| crate::error::Error::general(format!("cannot render JSON: {e}")))?;
    if !show_secrets {
        for svc in v["services"].as_array_mut().into_iter().flatten() {
            for c in svc["containers"].as_array_mut().into_iter().flatten() {
                for field in ["last_probe_output", "error"] {
                    if let Some(serde_json::Value::String(s)) = c.get_mut(field) {
                        *s = crate::secrets::mask_text(s).into_owned();
                    }
                }
            }
        }
    }
    let s = serde_json::to_string_pretty(&v)
        .map_err(|e| crate::error::Error::general(format!("cannot render JSON: {e}")))?;
    Ok(format!("{}\n", crate::sanitize::json_safe(s)))
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

/// One table row: its cells and the phase that colours the STATUS cell.
struct Row {
    cells: Vec<String>,
    phase: Option<String>,
}

fn rows(s: &ServiceStatus, now: DateTime<Utc>, usage: Option<&UsageById>) -> Vec<Row> {
    let extra = usize::from(usage.is_some()) * 2;
    if s.containers.is_empty() {
        let what = if s.profile_disabled {
            "disabled (profile)"
        } else {
            "not created"
        };
        let mut cells = vec![escape(&s.name).into_owned(), "-".into(), what.into()];
        cells.resize(7 + extra, String::new());
        return vec![Row { cells, phase: None }];
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
            let mut cells = vec![
                if s.declared {
                    escape(&s.name).into_owned()
                } else {
                    format!("{} (not in files)", escape(&s.name))
                },
                c.number.to_string(),
                status,
                c.restart_count.to_string(),
                uptime(c, now).map(human_duration).unwrap_or_default(),
                ports_text(&c.ports),
            ];
            if let Some(m) = usage {
                match m.get(&c.id) {
                    Some(u) => {
                        cells.push(format!("{:.1}%", u.cpu_percent));
                        cells.push(crate::format::bytes(u.mem_bytes));
                    }
                    None => cells.extend([String::new(), String::new()]),
                }
            }
            cells.push(escape(&c.image).into_owned());
            Row {
                cells,
                phase: Some(c.phase().to_string()),
            }
        })
        .collect()
}

/// The `ps` table (pure). With `usage` (`--stats`), CPU and MEM columns before IMAGE.
pub fn table(
    snap: &ProjectListing,
    now: DateTime<Utc>,
    color: bool,
    usage: Option<&UsageById>,
) -> String {
    let mut header = vec!["SERVICE", "#", "STATUS", "RESTARTS", "UP", "PORTS"];
    if usage.is_some() {
        header.extend(["CPU", "MEM"]);
    }
    header.push("IMAGE");
    let all: Vec<Row> = snap
        .services
        .iter()
        .flat_map(|s| rows(s, now, usage))
        .collect();
    let mut w: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &all {
        for (i, cell) in r.cells.iter().enumerate() {
            if let Some(wi) = w.get_mut(i) {
                *wi = (*wi).max(cell.chars().count());
            }
        }
    }
    let status_col = 2;
    let line = |cells: &[String], phase: Option<&str>, out: &mut String| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = w
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(cell.chars().count());
            let painted = match (i == status_col, phase, color) {
                (true, Some(p), true) => format!("\u{1b}[{}m{cell}\u{1b}[0m", health_color(p)),
                _ => cell.clone(),
            };
            l.push_str(&painted);
            if i + 1 < cells.len() {
                l.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    let mut out = String::new();
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    line(&head, None, &mut out);
    for r in &all {
        line(&r.cells, r.phase.as_deref(), &mut out);
    }
    out
}

#[cfg(test)]
#[path = "ps/tests.rs"]
mod tests;
