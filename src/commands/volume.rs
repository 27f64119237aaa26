//! `devctl volume rm|prune` — through the safety gate.

use clap::Subcommand;

use super::{Ctx, not_yet};
use crate::error::Result;

#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// Remove volumes of the project (after a confirmed plan).
    Rm {
        volumes: Vec<String>,
        /// Confirm non-interactively by naming the project.
        #[arg(long, value_name = "PROJECT")]
        confirm: Option<String>,
    },
    /// Remove the project's unused volumes (after a confirmed plan).
    Prune {
        #[arg(long, value_name = "PROJECT")]
        confirm: Option<String>,
    },
}

pub fn run(_ctx: &Ctx, _cmd: &VolumeCommand) -> Result<u8> {
    Err(not_yet("volume"))
}
