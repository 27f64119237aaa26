//! `devctl audit`.

use clap::Args;

use super::{Ctx, not_yet};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_ctx: &Ctx, _args: &AuditArgs) -> Result<u8> {
    Err(not_yet("audit"))
}
