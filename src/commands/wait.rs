//! Waiting as a command: `up --wait` and `status --wait` run the Engine-side wait
//! (`engine::wait`, which returns a report), print the report and pick the exit code; a failed
//! `up` prints the diagnosis of the dependency that failed.

use std::io::{IsTerminal, Write as _};
use std::time::Duration;

use super::Ctx;
use crate::engine::wait::{self, Origin};
use crate::error::{Error, Exit, Result};
use crate::project::LoadedProject;

/// Wait until `services` (all services that should run when empty) are healthy, or running
/// when they have no health check. Prints live progress on stderr (bars on a terminal, plain
/// lines otherwise) and a summary, or a diagnosis per failing service, on stdout.
/// Returns 0, or `Exit::NotHealthy`'s code when a service failed or `timeout` passed.
///
/// `origin`: where "time to ready" counts from (for `up --wait`, the moment Compose was
/// started); `None` counts from the start of the wait.
pub fn wait_healthy(
    ctx: &Ctx,
    project: &LoadedProject,
    services: &[String],
    timeout: Option<Duration>,
    origin: Option<Origin>,
) -> Result<u8> {
    let rt = crate::context::runtime()?;
    let color = ctx.color() && std::io::stdout().is_terminal();
    let bars = std::io::stderr().is_terminal();
    rt.block_on(async {
        let docker = crate::engine::connect(&ctx.env).await?;
        let report = wait::run(docker, project, services, timeout, bars, origin).await?;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(report.render(color).as_bytes());
        let _ = out.flush();
        Ok(if report.ok {
            Exit::Ok.code()
        } else {
            Exit::NotHealthy.code()
        })
    })
}

/// After Compose's `up` failed: when the Engine shows a dependency that failed (unhealthy,
/// exited, exited non-zero for `service_completed_successfully`) and services Compose left
/// unstarted because of it, print the diagnosis (the dependency's probes, state and last log
/// lines; each unstarted service with the `depends_on` condition and the file that set it)
/// on stdout and answer `true`. `false`: nothing of the kind (Compose's own message stands).
pub fn explain_failed_up(ctx: &Ctx, project: &LoadedProject, origin: Origin) -> Result<bool> {
    let rt = crate::context::runtime()?;
    let color = ctx.color() && std::io::stdout().is_terminal();
    rt.block_on(async {
        let docker = crate::engine::connect(&ctx.env).await?;
        let report = tokio::time::timeout(
            Duration::from_secs(10),
            wait::failed_up_report(&docker, project, &ctx.cwd, origin),
        )
        .await
        .map_err(|_| Error::engine("the Engine did not answer within 10 seconds"))??;
        let Some(report) = report else {
            return Ok(false);
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(report.render(color).as_bytes());
        let _ = out.flush();
        Ok(true)
    })
}
