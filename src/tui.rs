//! The dashboard: one owner of state (`Model`), `update(&mut Model, Msg) -> Vec<Cmd>`,
//! pure widgets, and a terminal edge that restores the terminal on every exit path.

pub mod config;
pub mod info;
pub mod keymap;
pub mod layout;
pub mod logbuf;
pub mod model;
pub mod msg;
pub mod rows;
pub mod text;
pub mod update;
pub mod widgets;

#[cfg(test)]
pub(crate) mod fixtures;

use crate::commands::{Ctx, not_yet};
use crate::error::Result;

/// Open the dashboard for the discovered project.
pub fn run_dashboard(_ctx: &Ctx) -> Result<u8> {
    Err(not_yet("(dashboard)"))
}
