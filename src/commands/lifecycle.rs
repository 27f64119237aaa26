//! `up`, `stop`, `start`, `restart`, `build`, `pull`, `exec`, `sh`, `run`, `compose --`.
//! Each runs the real Compose CLI with the resolved layered files.

use clap::Args;

use super::{Ctx, not_yet};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Services to start (default: all).
    pub services: Vec<String>,
    /// Build images before starting.
    #[arg(long)]
    pub build: bool,
    /// Stay attached to the containers' output (default: detached).
    #[arg(long)]
    pub attach: bool,
    /// Wait until every service is healthy (or running without a health check); optional timeout like `90s`, `2m`.
    #[arg(long, value_name = "TIMEOUT", num_args = 0..=1, default_missing_value = "")]
    pub wait: Option<String>,
    /// Extra arguments passed to Compose after `--`.
    #[arg(last = true)]
    pub extra: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// Services (default: all).
    pub services: Vec<String>,
    /// Extra arguments passed to Compose after `--`.
    #[arg(last = true)]
    pub extra: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PassArgs {
    /// Arguments (for `compose`, everything after `--` goes to Compose as is).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The service.
    pub service: String,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ShArgs {
    /// The service.
    pub service: String,
}

pub fn up(_ctx: &Ctx, _a: &UpArgs) -> Result<u8> {
    Err(not_yet("up"))
}

pub fn simple(_ctx: &Ctx, name: &str, _a: &ServicesArgs) -> Result<u8> {
    Err(not_yet(name))
}

pub fn pass(_ctx: &Ctx, name: &str, _a: &PassArgs) -> Result<u8> {
    Err(not_yet(name))
}

pub fn exec(_ctx: &Ctx, name: &str, _a: &ExecArgs) -> Result<u8> {
    Err(not_yet(name))
}

pub fn sh(_ctx: &Ctx, _a: &ShArgs) -> Result<u8> {
    Err(not_yet("sh"))
}

pub fn passthrough(_ctx: &Ctx, _a: &PassArgs) -> Result<u8> {
    Err(not_yet("compose"))
}
