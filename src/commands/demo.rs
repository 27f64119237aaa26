//! `devctl demo [up|down|status|path]`: the bundled demo stack.

use clap::{Args, ValueEnum};

use super::{Ctx, not_yet};
use crate::error::Result;

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

pub fn run(_ctx: &Ctx, _args: &DemoArgs) -> Result<u8> {
    Err(not_yet("demo"))
}
