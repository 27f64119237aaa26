//! The dashboard: one owner of state (`Model`), `update(&mut Model, Msg) -> Vec<Cmd>`,
//! pure widgets, and a terminal edge that restores the terminal on every exit path.

pub mod config;
pub mod devloop;
pub mod info;
pub mod keymap;
pub mod layout;
pub mod logbuf;
pub mod model;
pub mod msg;
pub mod plan_view;
pub mod rows;
pub mod text;
pub mod update;
pub mod widgets;

#[cfg(test)]
pub(crate) mod fixtures;

mod app;
pub mod swarm;
pub mod terminal;

use chrono::Utc;

use crate::context::Ctx;
use crate::error::Result;

/// How the dashboard is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardOptions {
    /// Disable every mutating key (`--read-only`, `DEVCTL_READ_ONLY`).
    pub read_only: bool,
    /// The config file (None: `DEVCTL_DASHBOARD_CONFIG`, else the user config dir).
    pub config_path: Option<std::path::PathBuf>,
}

impl DashboardOptions {
    pub fn from_ctx(ctx: &Ctx) -> Self {
        let env_ro = ctx.env.get("DEVCTL_READ_ONLY").is_some_and(|v| {
            matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
        });
        DashboardOptions {
            read_only: ctx.global.read_only || env_ro,
            config_path: config::default_path(&ctx.env),
        }
    }
}

/// Open the dashboard for the project `ctx` resolves (used by `devctl` and `devctl demo`).
/// The project and the config are loaded before the terminal is touched, so their errors
/// print normally with their exit codes.
pub fn run_dashboard_for(ctx: &Ctx, opts: &DashboardOptions) -> Result<u8> {
    let project = ctx.load_project()?;
    let config = config::load(opts.config_path.as_deref(), ctx.color())?;
    let mut model = model::Model::new(config, info::ProjectInfo::from_loaded(&project), Utc::now());
    if opts.read_only {
        model.read_only_flag = model::ReadOnly::Flag;
    }
    if let Some(base) = project.resolved.files.first() {
        let cfg = crate::project::environments::read_config(base)?;
        model.devloop.commands = cfg.commands.into_values().collect();
    }
    let rt = crate::context::runtime()?;
    let code = rt.block_on(app::run(ctx.clone(), project, model));
    // Children (Compose operations) keep running detached; do not wait for them.
    rt.shutdown_background();
    code
}
