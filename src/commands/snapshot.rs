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
        /// The volumes to archive.
        #[arg(value_name = "VOLUME", required_unless_present = "all")]
        volumes: Vec<String>,
        /// Every volume of the project that exists (external ones included).
        #[arg(long, conflicts_with = "volumes")]
        all: bool,
    },
    /// List snapshots.
    List {
        /// Machine-readable output (a JSON array of snapshots).
        #[arg(long)]
        json: bool,
    },
    /// Restore a snapshot (id, or a volume name for its newest snapshot) into a NEW volume.
    Restore {
        /// The snapshot id, or a volume name for its newest snapshot.
        snapshot: String,
        /// The new volume (default: the original name, when it no longer exists).
        #[arg(long, value_name = "VOLUME")]
        into: Option<String>,
    },
}

/// Pure: the snapshot table, a header row then one row per snapshot (cells escaped).
pub fn render(all: &[snapshot::SnapshotMeta]) -> Vec<String> {
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|m| {
            let esc = crate::sanitize::escape_text;
            vec![
                esc(&m.id).to_string(),
                esc(&m.volume).to_string(),
                esc(&m.taken_at).to_string(),
                crate::safety::prompt::human_size(Some(m.size_bytes as i64)),
                format!("sha256:{}", m.sha256.get(..12).unwrap_or(&m.sha256)),
            ]
        })
        .collect();
    crate::format::table(&["ID", "VOLUME", "TAKEN", "SIZE", "CHECKSUM"], &rows)
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
                    println!("{l}");
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
                    println!("created {}", crate::sanitize::escape_text(&created(&m)));
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

/// Pure: what `snapshot create` prints after `created ` for one new snapshot.
fn created(m: &snapshot::SnapshotMeta) -> String {
    format!(
        "snapshot {} of volume {} ({}, sha256:{})",
        m.id,
        m.volume,
        crate::safety::prompt::human_size(Some(m.size_bytes as i64)),
        m.sha256.get(..12).unwrap_or(&m.sha256)
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_a_header_row_and_aligned_columns() {
        let m = |id: &str, volume: &str, size: u64| snapshot::SnapshotMeta {
            id: id.into(),
            volume: volume.into(),
            taken_at: "2026-12-07T17:00:00.000Z".into(),
            size_bytes: size,
            sha256: "0123456789abcdef0123".into(),
            project: None,
            volume_created_at: None,
            labels: Default::default(),
            archive: String::new(),
            image: String::new(),
        };
        let lines = render(&[m("20261207-a", "shop_db", 2048), m("b", "x\u{1b}[2J", 0)]);
        assert_eq!(
            lines,
            vec![
                "ID          VOLUME      TAKEN                     SIZE     CHECKSUM",
                "20261207-a  shop_db     2026-12-07T17:00:00.000Z  2.0 KiB  sha256:0123456789ab",
                "b           x\\u{1b}[2J  2026-12-07T17:00:00.000Z  0 B      sha256:0123456789ab",
            ]
        );
    }
}
