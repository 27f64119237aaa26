//! The dashboard: one owner of state (`Model`), `update(&mut Model, Msg) -> Vec<Cmd>`,
//! pure widgets, and a terminal edge that restores the terminal on every exit path.

use crate::commands::{Ctx, not_yet};
use crate::error::Result;

/// Open the dashboard for the discovered project.
pub fn run_dashboard(_ctx: &Ctx) -> Result<u8> {
    Err(not_yet("(dashboard)"))
}
