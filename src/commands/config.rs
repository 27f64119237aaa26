//! `devctl config`: the merged configuration, the layered files, provenance.

use clap::Args;

use super::{Ctx, not_yet};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// JSON instead of YAML.
    #[arg(long)]
    pub json: bool,
    /// List the service names.
    #[arg(long)]
    pub services: bool,
    /// List the volume names.
    #[arg(long)]
    pub volumes: bool,
    /// List the layered files, in order.
    #[arg(long = "files")]
    pub list_files: bool,
    /// Explain where each value under KEY.PATH came from (e.g. services.api.ports).
    #[arg(long, value_name = "KEY.PATH")]
    pub explain: Option<String>,
    /// Do not mask values under secret-looking keys.
    #[arg(long)]
    pub show_secrets: bool,
}

pub fn run(_ctx: &Ctx, _args: &ConfigArgs) -> Result<u8> {
    Err(not_yet("config"))
}
