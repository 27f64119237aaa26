//! `devctl status [--watch] [--wait[=TIMEOUT]] [--json]`.
//!
//! - no flag: one line per service and whether the stack is ready;
//! - `--watch`: one line per change (JSON lines with `--json`) until Ctrl-C, across Engine
//!   disconnects (it prints the disconnection, reconnects and resyncs);
//! - `--wait`: exit 0 once every service that should run is healthy or running without a
//!   health check, else `Exit::NotHealthy` (5) with a diagnosis.

pub mod lines;

use std::io::{IsTerminal, Write as _};

use chrono::Utc;
use clap::Args;
use serde_json::json;

use super::Ctx;
use crate::engine::model::ProjectListing;
use crate::engine::wait::progress::{Verdict, assess, expectations};
use crate::engine::watch::spawn_watch;
use crate::error::{Exit, Result};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Machine-readable output (JSON; JSON lines with --watch).
    #[arg(long)]
    pub json: bool,
    /// Print one line per change until Ctrl-C (keeps going across Engine restarts).
    #[arg(long, conflicts_with = "wait")]
    pub watch: bool,
    /// Wait until every service that should run is healthy (or running without a health check); exit 5 otherwise. Optional timeout like `90`, `90s`, `2m` (default 5m).
    #[arg(long, value_name = "TIMEOUT", num_args = 0..=1, default_missing_value = "")]
    pub wait: Option<String>,
}

pub fn run(ctx: &Ctx, args: &StatusArgs) -> Result<u8> {
    let timeout = match args.wait.as_deref() {
        None => None,
        Some(t) => crate::engine::wait::parse_timeout(t)?,
    };
    let project = ctx.load_project()?;
    if args.watch {
        return watch(ctx, &project, args.json);
    }
    if args.wait.is_some() {
        if !args.json {
            return super::wait::wait_healthy(ctx, &project, &[], timeout, None);
        }
        let rt = super::runtime()?;
        let report = rt.block_on(async {
            let docker = crate::engine::connect(&ctx.env).await?;
            crate::engine::wait::run(docker, &project, &[], timeout, false, None).await
        })?;
        let v = json!({
            "project": project.resolved.name,
            "ready": report.ok,
            "timed_out": report.timed_out,
            "elapsed_seconds": report.elapsed.as_secs_f64(),
            "services": report.rows.iter().map(|r| json!({
                "name": r.service,
                "verdict": r.verdict,
                "stage": r.stage,
                "detail": crate::engine::wait::progress::describe(r, None),
                "ready_after_seconds": r.ready_after.map(|d| d.as_secs_f64()),
            })).collect::<Vec<_>>(),
        });
        println!("{}", crate::sanitize::json_safe(v.to_string()));
        return Ok(if report.ok {
            0
        } else {
            Exit::NotHealthy.code()
        });
    }
    let rt = super::runtime()?;
    let (snap, warnings) = rt.block_on(async {
        let docker = crate::engine::connect(&ctx.env).await?;
        let snap = crate::engine::listing::list(&docker, &project).await?;
        let ready = ready_services(&project, &snap);
        let warnings = crate::engine::wait::ports::warnings(&docker, &project, &ready).await;
        Ok::<_, crate::error::Error>((snap, warnings))
    })?;
    let text = if args.json {
        let mut v = summary_json(&project, &snap);
        v["warnings"] = json!(warnings);
        format!("{}\n", crate::sanitize::json_safe(v.to_string()))
    } else {
        let mut t = summary_text(&project, &snap);
        for w in &warnings {
            t.push_str(&format!("⚠ {w}\n"));
        }
        crate::sanitize::escape_text(&t).into_owned()
    };
    print!("{text}");
    Ok(0)
}

/// The services that are ready and have a container (their published ports get checked).
fn ready_services<'a>(
    project: &LoadedProject,
    snap: &'a ProjectListing,
) -> Vec<&'a crate::engine::model::ServiceStatus> {
    let expect = expectations(&project.project, &[]);
    snap.services
        .iter()
        .filter(|s| {
            expect
                .iter()
                .find(|(n, _)| *n == s.name)
                .is_some_and(|(_, e)| assess(s, *e).1 == Verdict::Ready)
        })
        .collect()
}

/// One-shot readiness per service: (name, phase, ready, detail).
fn summary(
    project: &LoadedProject,
    snap: &ProjectListing,
) -> Vec<(String, &'static str, bool, String)> {
    let expect = expectations(&project.project, &[]);
    snap.services
        .iter()
        .map(|s| {
            let e = expect.iter().find(|(n, _)| *n == s.name).map(|(_, e)| *e);
            let ready = match e {
                Some(e) => assess(s, e).1 == Verdict::Ready,
                // Disabled, `scale: 0` or not in the files: not expected to run.
                None => true,
            };
            let detail = match s.containers.as_slice() {
                [] if s.profile_disabled => "disabled by its profiles".to_string(),
                [] => "not created".to_string(),
                cs => cs
                    .iter()
                    .map(lines::describe)
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            (s.name.clone(), s.phase(), ready, detail)
        })
        .collect()
}

pub fn summary_text(project: &LoadedProject, snap: &ProjectListing) -> String {
    let rows = summary(project, snap);
    let ready = rows.iter().filter(|r| r.2).count();
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let mut s = format!(
        "{}: {ready} of {} services ready\n",
        snap.project,
        rows.len()
    );
    for (name, _, ok, detail) in rows {
        let mark = if ok { "✔" } else { "✖" };
        s.push_str(&format!("  {mark} {name:<width$}  {detail}\n"));
    }
    s
}

pub fn summary_json(project: &LoadedProject, snap: &ProjectListing) -> serde_json::Value {
    let rows = summary(project, snap);
    json!({
        "project": snap.project,
        "ready": rows.iter().all(|r| r.2),
        "services": rows.iter().map(|(name, phase, ready, detail)| json!({
            "name": name, "phase": phase, "ready": ready, "detail": detail,
        })).collect::<Vec<_>>(),
    })
}

fn watch(ctx: &Ctx, project: &LoadedProject, json: bool) -> Result<u8> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let docker = crate::engine::connect(&ctx.env).await?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let task = spawn_watch(docker, project.clone(), tx, false);
        let mut printer = lines::Printer::new(json);
        let tty = std::io::stdout().is_terminal();
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            tokio::select! {
                msg = rx.recv() => {
                    let Some(msg) = msg else { break };
                    let lines = printer.on(&msg, Utc::now());
                    if lines.is_empty() {
                        continue;
                    }
                    let mut out = std::io::stdout().lock();
                    let mut ok = true;
                    for l in lines {
                        let l = if json {
                            crate::sanitize::json_safe(l)
                        } else {
                            crate::sanitize::escape_text(&l).into_owned()
                        };
                        ok &= writeln!(out, "{l}").is_ok();
                    }
                    ok &= out.flush().is_ok();
                    if !ok {
                        break; // the reader went away (e.g. `| head`)
                    }
                }
                _ = &mut ctrl_c => {
                    if tty {
                        eprintln!();
                    }
                    break;
                }
            }
        }
        task.abort();
        Ok(0)
    })
}
