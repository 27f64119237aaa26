//! `devctl demo [up|down|status|path]`: the bundled demo stack, from anywhere.
//!
//! The files are embedded in the binary and written to the user data dir (`crate::demo`);
//! every action then runs the ordinary command with the demo directory as working directory,
//! so the environment flags (`--dev`, `--prod`), `-p` and `--dry-run` apply as usual.

use std::collections::HashMap;

use clap::{Args, ValueEnum};

use super::Ctx;
use super::lifecycle::{self, UpArgs};
use crate::demo;
use crate::error::{Error, Result};
use crate::project::LoadedProject;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DemoAction {
    Up,
    Down,
    Status,
    Path,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// What to do (default: open the dashboard on the demo stack).
    pub action: Option<DemoAction>,
}

pub fn run(ctx: &Ctx, args: &DemoArgs) -> Result<u8> {
    let dir = demo::default_dir()?;
    let written = demo::install(&dir)?;
    if !written.is_empty() && !matches!(args.action, Some(DemoAction::Path)) {
        eprintln!(
            "devctl: demo files written to {} ({})",
            dir.display(),
            written.join(", ")
        );
    }
    let dctx = demo_ctx(ctx, &dir);
    match args.action {
        Some(DemoAction::Path) => {
            println!("{}", dir.display());
            Ok(0)
        }
        Some(DemoAction::Up) => up(&dctx),
        Some(DemoAction::Down) => super::down::run(
            &dctx,
            &super::down::DownArgs {
                volumes: false,
                confirm: vec![],
                snapshot: false,
                no_snapshot: false,
                remove_orphans: false,
                extra: vec![],
            },
        ),
        Some(DemoAction::Status) => status(&dctx),
        // Bring the demo up, then open the dashboard on it (`ps` when not in a terminal).
        None => match up(&dctx)? {
            0 => super::dashboard(&dctx),
            code => Ok(code),
        },
    }
}

/// The caller's flags, but the project is the demo: its directory, its files, no `-f`, and
/// none of the caller's COMPOSE_FILE/COMPOSE_PROJECT_NAME (explicit `-p` still wins).
fn demo_ctx(ctx: &Ctx, dir: &std::path::Path) -> Ctx {
    let mut d = ctx.clone();
    d.cwd = dir.to_path_buf();
    d.global.files.clear();
    d.global.project_directory = None;
    d.global.env_files.clear();
    for k in [
        "COMPOSE_FILE",
        "COMPOSE_PATH_SEPARATOR",
        "COMPOSE_PROJECT_NAME",
    ] {
        d.env.remove(k);
    }
    d
}

fn up(dctx: &Ctx) -> Result<u8> {
    let project = dctx.load_project()?;
    // Compose first: without it nothing can start, so create nothing (exit 7, no volume).
    crate::compose::detect::detect(&dctx.env)?;
    ensure_external_volumes(dctx, &project)?;
    lifecycle::up(
        dctx,
        &UpArgs {
            services: vec![],
            build: false,
            attach: false,
            // Wait for every service, with the default timeout.
            wait: Some(String::new()),
            watch: false,
            json: false,
            extra: vec![],
        },
    )
}

/// `devctl ps` on the demo project.
fn status(dctx: &Ctx) -> Result<u8> {
    super::ps::run(
        dctx,
        &super::ps::PsArgs {
            json: false,
            stats: false,
            show_secrets: false,
        },
    )
}

/// Create the project's external volumes that do not exist yet (Compose refuses to start
/// without them, and never creates them itself). Labelled `devctl.demo=true`.
fn ensure_external_volumes(dctx: &Ctx, project: &LoadedProject) -> Result<()> {
    let names: Vec<String> = project
        .project
        .volumes
        .iter()
        .filter(|(_, v)| v.is_external())
        .map(|(key, v)| v.name.clone().unwrap_or_else(|| key.clone()))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let rt = super::runtime()?;
    rt.block_on(async {
        let docker = match crate::engine::connect(&dctx.env).await {
            Ok(d) => d,
            // Under --dry-run nothing is created; the printed plan is enough.
            Err(_) if dctx.global.dry_run => return Ok(()),
            Err(e) => return Err(e),
        };
        for name in names {
            match docker.inspect_volume(&name).await {
                Ok(_) => continue,
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => {}
                Err(e) => {
                    return Err(Error::general(format!(
                        "cannot inspect volume `{name}`: {e}"
                    )));
                }
            }
            if dctx.global.dry_run {
                eprintln!("devctl: would create the external volume `{name}` (dry run)");
                continue;
            }
            let labels: HashMap<String, String> =
                [(demo::VOLUME_LABEL.to_string(), "true".to_string())].into();
            docker
                .create_volume(bollard::models::VolumeCreateRequest {
                    name: Some(name.clone()),
                    labels: Some(labels),
                    ..Default::default()
                })
                .await
                .map_err(|e| Error::general(format!("cannot create volume `{name}`: {e}")))?;
            eprintln!(
                "devctl: created the external volume `{name}` (the demo database's data; \
                 `docker volume create {name}` does the same)"
            );
        }
        Ok(())
    })
}
