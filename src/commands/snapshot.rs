//! `devctl snapshot create|list|restore` — tar archives of volumes in the user data dir
//! (`DEVCTL_DATA_DIR` overrides it), made by a helper container that is created, never
//! started, from an image already local.

use clap::Subcommand;

use super::Ctx;
use crate::engine::volumes;
use crate::error::{Error, Result};
use crate::safety::{snapshot, sources};

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Archive volumes into the user data dir. VOLUME is a key of the compose file's
    /// `volumes:` or an Engine volume name.
    Create {
        #[arg(value_name = "VOLUME", required_unless_present = "all")]
        volumes: Vec<String>,
        /// Every volume of the project that exists (external ones included).
        #[arg(long, conflicts_with = "volumes")]
        all: bool,
    },
    /// List snapshots.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Restore a snapshot (id, or a volume name for its newest snapshot) into a NEW volume.
    Restore {
        snapshot: String,
        /// The new volume (default: the original name, when it no longer exists).
        #[arg(long, value_name = "VOLUME")]
        into: Option<String>,
    },
}

/// Pure: one line per snapshot.
pub fn render(all: &[snapshot::SnapshotMeta]) -> Vec<String> {
    all.iter()
        .map(|m| {
            format!(
                "{}  {}  {}  {}  sha256:{}",
                m.id,
                m.volume,
                m.taken_at,
                crate::safety::prompt::human_size(Some(m.size_bytes as i64)),
                m.sha256.get(..12).unwrap_or(&m.sha256)
            )
        })
        .collect()
}

pub fn run(ctx: &Ctx, cmd: &SnapshotCommand) -> Result<u8> {
    match cmd {
        SnapshotCommand::List { json } => {
            let (all, problems) = snapshot::list(&ctx.env)?;
            for p in problems {
                eprintln!(
                    "devctl: warning: skipped {}",
                    crate::sanitize::escape_text(&p)
                );
            }
            if *json {
                let text = serde_json::to_string_pretty(&all)
                    .map_err(|e| Error::general(format!("cannot print snapshots: {e}")))?;
                println!("{}", crate::sanitize::json_safe(text));
            } else if all.is_empty() {
                eprintln!(
                    "(no snapshots in {})",
                    snapshot::snapshots_dir(&ctx.env)?.display()
                );
            } else {
                for l in render(&all) {
                    println!("{}", crate::sanitize::escape_text(&l));
                }
            }
            Ok(0)
        }
        SnapshotCommand::Create {
            volumes: names,
            all,
        } => {
            let rt = super::runtime()?;
            let targets = targets(ctx, names, *all)?;
            rt.block_on(async {
                let docker = sources::connect(ctx).await?;
                let facts = volumes::gather(&docker, None).await?;
                for v in targets {
                    if *all && facts.volume(&v).is_none() {
                        eprintln!(
                            "devctl: skipped `{}`: it does not exist on the Engine",
                            crate::sanitize::escape(&v)
                        );
                        continue;
                    }
                    let images: Vec<String> =
                        facts.mounting(&v).map(|c| c.image_id.clone()).collect();
                    let m = snapshot::create(&docker, &ctx.env, &v, &images).await?;
                    println!(
                        "{}",
                        crate::sanitize::escape_text(&render(std::slice::from_ref(&m)).join(""))
                    );
                }
                Ok(0)
            })
        }
        SnapshotCommand::Restore { snapshot: id, into } => {
            let rt = super::runtime()?;
            rt.block_on(async {
                let docker = sources::connect(ctx).await?;
                let v = snapshot::restore(&docker, &ctx.env, id, into.as_deref()).await?;
                println!(
                    "restored {} into volume {}",
                    crate::sanitize::escape(id),
                    crate::sanitize::escape(&v)
                );
                Ok(0)
            })
        }
    }
}

/// Engine names of the volumes to archive: keys of the project map to their Engine names;
/// `--all` is every declared volume. The project must load: when it does not, its load error
/// (file, line, key) is the answer — a key cannot be resolved without it.
fn targets(ctx: &Ctx, names: &[String], all: bool) -> Result<Vec<String>> {
    let p = sources::load_project(ctx)?;
    Ok(resolve_targets(&p.project, names, all))
}

/// Pure: keys → Engine names; other names are taken as Engine names.
fn resolve_targets(project: &crate::project::Project, names: &[String], all: bool) -> Vec<String> {
    if all {
        return project
            .volumes
            .keys()
            .map(|k| project.volume_engine_name(k))
            .collect();
    }
    names
        .iter()
        .map(|n| {
            if project.volumes.contains_key(n) {
                project.volume_engine_name(n)
            } else {
                n.clone()
            }
        })
        .collect()
}
