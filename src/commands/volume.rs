//! `devctl volume rm|prune` — through the safety gate (plan, typed confirmation, devctl removes
//! the volumes one by one through the Engine API).

use clap::Subcommand;

use super::Ctx;
use crate::error::{Error, Result};
use crate::safety::{self, GateFlags};

#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// Remove volumes of the project (after a confirmed plan). VOLUME is a key of the
    /// compose file's `volumes:` or an Engine volume name.
    Rm {
        /// The volumes to remove.
        #[arg(required = true, value_name = "VOLUME")]
        volumes: Vec<String>,
        /// Confirm non-interactively by naming the project; for an external or protected
        /// volume, name that volume (repeatable).
        #[arg(long, value_name = "PROJECT")]
        confirm: Vec<String>,
        /// Snapshot the volumes first.
        #[arg(long, conflicts_with = "no_snapshot")]
        snapshot: bool,
        /// Do not snapshot the volumes first.
        #[arg(long)]
        no_snapshot: bool,
    },
    /// Remove the project's unused volumes (labelled with the project, mounted by no
    /// container; never external ones), after a confirmed plan.
    Prune {
        /// Confirm non-interactively by naming the project.
        #[arg(long, value_name = "PROJECT")]
        confirm: Vec<String>,
        /// Snapshot the volumes first.
        #[arg(long, conflicts_with = "no_snapshot")]
        snapshot: bool,
        /// Do not snapshot the volumes first.
        #[arg(long)]
        no_snapshot: bool,
    },
}

fn snapshot_flag(yes: bool, no: bool) -> Option<bool> {
    match (yes, no) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

pub fn run(ctx: &Ctx, cmd: &VolumeCommand) -> Result<u8> {
    let (argv, flags) = match cmd {
        VolumeCommand::Rm {
            volumes,
            confirm,
            snapshot,
            no_snapshot,
        } => {
            let mut argv = vec!["volume".to_string(), "rm".to_string()];
            argv.extend(volumes.iter().cloned());
            (
                argv,
                GateFlags {
                    confirm: confirm.clone(),
                    snapshot: snapshot_flag(*snapshot, *no_snapshot),
                },
            )
        }
        VolumeCommand::Prune {
            confirm,
            snapshot,
            no_snapshot,
        } => (
            vec!["volume".to_string(), "prune".to_string()],
            GateFlags {
                confirm: confirm.clone(),
                snapshot: snapshot_flag(*snapshot, *no_snapshot),
            },
        ),
    };
    let d = safety::classify(&argv)
        .ok_or_else(|| Error::general("internal: volume command not classified"))?;
    safety::guard::guard(ctx, &argv, d, &flags)
}
