//! `devctl status`.

use clap::Args;

use super::{Ctx, not_yet};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_ctx: &Ctx, _args: &StatusArgs) -> Result<u8> {
    Err(not_yet("status"))
}
