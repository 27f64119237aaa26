//! `devctl guard -- COMMAND…`: run any program (your own scripts, `docker compose`, `docker`)
//! with `DOCKER_HOST` pointing at devctl's Engine guard, so that nothing it starts can delete
//! volume data; the same guard every Compose child of devctl runs behind.

use super::Ctx;
use crate::compose::{self, Invocation};
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct GuardArgs {
    /// The program and its arguments (after `--`), e.g. `-- ./scripts/dev-ctl.sh reset`.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

pub fn run(ctx: &Ctx, a: &GuardArgs) -> Result<u8> {
    let Some((program, args)) = a.command.split_first() else {
        return Err(Error::usage("devctl guard needs a command")
            .with_hint("devctl guard -- docker compose ps"));
    };
    let inv = Invocation {
        program: program.clone(),
        args: args.to_vec(),
        interactive: true,
    };
    // A command line that chooses its own Engine endpoint (`env docker -H …`, `sh -c
    // 'DOCKER_HOST=… docker …'`, `env -i docker …`) would go around the guard it asked for.
    let line = shlex::try_join(a.command.iter().map(String::as_str))
        .unwrap_or_else(|_| a.command.join(" "));
    if let crate::safety::text::TextVerdict::OwnEndpoint(what) = crate::safety::text::scan(&line) {
        return Err(Error::refused(format!(
            "refused: `{}` chooses its own Docker Engine endpoint (`{what}`), around devctl's \
             guard; nothing was run",
            inv.display()
        ))
        .with_hint(
            "choose the Engine with DOCKER_HOST or `docker context use` before running devctl",
        ));
    }
    if ctx.global.dry_run {
        compose::run::announce(&inv);
        return Ok(0);
    }
    // On a Swarm environment the child's Engine is that environment's manager (`context:`).
    let swarm = crate::swarm::target::of(ctx)?;
    compose::run::run_raw_in(&inv, swarm.as_ref().map(|t| &t.env)).map(compose::run::to_u8)
}
