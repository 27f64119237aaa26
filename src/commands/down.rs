//! `devctl down [-v]` — `-v` goes through the safety gate.

use clap::Args;

use super::{Ctx, not_yet};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Also remove the project's volumes (shows the plan and asks for a typed confirmation).
    #[arg(short = 'v', long = "volumes")]
    pub volumes: bool,
    /// Confirm non-interactively by naming the project (required without a terminal).
    #[arg(long, value_name = "PROJECT")]
    pub confirm: Option<String>,
    /// Remove containers for services not defined in the compose files.
    #[arg(long)]
    pub remove_orphans: bool,
    /// Extra arguments passed to Compose after `--`.
    #[arg(last = true)]
    pub extra: Vec<String>,
}

pub fn run(_ctx: &Ctx, _args: &DownArgs) -> Result<u8> {
    Err(not_yet("down"))
}
