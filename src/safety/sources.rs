//! Where the gate's inputs come from: devctl's merged model (`project::load`), Compose's own
//! view of the same files (`docker compose … config --format json`, run through
//! `compose::invocation`), and the Engine connection (`engine::connect`).

use bollard::Docker;

use super::execute;
use crate::commands::Ctx;
use crate::error::Result;
use crate::project::LoadedProject;

/// Compose's view: `docker compose -p NAME -f … config --format json` of the files devctl
/// resolved for `loaded` (standard input at /dev/null).
pub fn compose_view(ctx: &Ctx, loaded: &LoadedProject) -> Result<serde_json::Value> {
    let inv = execute::compose_call(
        ctx,
        loaded,
        &["config".into(), "--format".into(), "json".into()],
    )?;
    execute::compose_config_json(&inv)
}

/// The merged model devctl plans from.
pub fn load_project(ctx: &Ctx) -> Result<LoadedProject> {
    ctx.load_project()
}

/// The Engine connection (DOCKER_HOST / docker context, API negotiation, fails within 2 s).
pub async fn connect(ctx: &Ctx) -> Result<Docker> {
    crate::engine::connect(&ctx.env).await
}
