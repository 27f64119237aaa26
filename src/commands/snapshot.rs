//! `devctl snapshot create|list|restore`.

use clap::Subcommand;

use super::{Ctx, not_yet};
use crate::error::Result;

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Archive volumes into the user data dir.
    Create {
        volumes: Vec<String>,
        #[arg(long)]
        all: bool,
    },
    /// List snapshots.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Restore a snapshot into a volume.
    Restore {
        snapshot: String,
        #[arg(long, value_name = "VOLUME")]
        into: Option<String>,
    },
}

pub fn run(_ctx: &Ctx, _cmd: &SnapshotCommand) -> Result<u8> {
    Err(not_yet("snapshot"))
}
