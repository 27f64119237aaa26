//! One file per subcommand, each a short script over the layers.

pub mod audit;
pub mod config;
pub mod demo;
pub mod deploy;
pub mod doctor;
pub mod down;
pub mod guard;
pub mod lifecycle;
pub mod logs;
pub mod project_cmd;
pub mod ps;
pub mod snapshot;
pub mod status;
pub mod swarm;
pub mod swarm_volumes;
pub mod volume;
pub mod wait;
pub mod watch;

use crate::cli::{Cli, Command};
pub use crate::context::{Ctx, runtime};
use crate::error::Result;

/// `-f -` (Compose reads the file from standard input) is refused with a usage error: devctl
/// reads the files several times (to load and plan, to run Compose, to compare with the
/// containers' labels), and the dashboard reads its keys from the terminal.
pub fn refuse_stdin_file(files: &[std::path::PathBuf], compose_file: Option<&str>) -> Result<()> {
    let from_env =
        files.is_empty() && compose_file.is_some_and(|v| v.split(':').any(|f| f.trim() == "-"));
    if !files.iter().any(|f| f.as_os_str() == "-") && !from_env {
        return Ok(());
    }
    let what = if from_env { "COMPOSE_FILE=-" } else { "-f -" };
    Err(crate::error::Error::usage(format!(
        "`{what}` (the compose file from standard input) is not supported: devctl reads the \
         compose files more than once (to plan, to run Compose, to compare with the containers)"
    ))
    .with_hint(
        "save it to a file and pass that: `cat > compose.stdin.yaml` then `devctl -f compose.stdin.yaml …`, \
         or run `docker compose -f - …` yourself",
    ))
}

pub fn dispatch(cli: Cli) -> Result<u8> {
    refuse_stdin_file(
        &cli.global.files,
        std::env::var("COMPOSE_FILE").ok().as_deref(),
    )?;
    let ctx = Ctx::from_process(cli.global.into())?;
    match cli.command {
        None => dashboard(&ctx),
        Some(cmd) if swarm_command(&cmd) && crate::swarm::target::of(&ctx)?.is_some() => {
            on_swarm(&ctx, cmd)
        }
        Some(cmd) => match cmd {
            Command::Config(a) => config::run(&ctx, &a),
            Command::Up(a) => lifecycle::up(&ctx, &a),
            Command::Down(a) => down::run(&ctx, &a),
            Command::Stop(a) => lifecycle::simple(&ctx, "stop", &a),
            Command::Start(a) => lifecycle::simple(&ctx, "start", &a),
            Command::Restart(a) => lifecycle::simple(&ctx, "restart", &a),
            Command::Build(a) => lifecycle::pass(&ctx, "build", &a),
            Command::Pull(a) => lifecycle::pass(&ctx, "pull", &a),
            Command::Exec(a) => lifecycle::exec(&ctx, "exec", &a),
            Command::Sh(a) => lifecycle::sh(&ctx, &a),
            Command::Run(a) => lifecycle::exec(&ctx, "run", &a),
            Command::Compose(a) => lifecycle::passthrough(&ctx, &a),
            Command::Ps(a) => ps::run(&ctx, &a),
            Command::Status(a) => status::run(&ctx, &a),
            Command::Logs(a) => logs::run(&ctx, &a),
            Command::Volume(a) => volume::run(&ctx, &a),
            Command::Snapshot(a) => snapshot::run(&ctx, &a),
            Command::Audit(a) => audit::run(&ctx, &a),
            Command::Doctor(a) => doctor::run(&ctx, &a),
            Command::Demo(a) => demo::run(&ctx, &a),
            Command::Guard(a) => guard::run(&ctx, &a),
            Command::Watch(a) => watch::run(&ctx, &a),
            Command::Do(a) => project_cmd::run(&ctx, &a),
            Command::Deploy(a) => deploy::run(&ctx, &a),
            // Printed by `cli::main` from the CLI definition alone.
            Command::Completions(_) | Command::Man => Ok(0),
        },
    }
}

/// Commands that act differently on an environment with `target: swarm`.
fn swarm_command(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Ps(_)
            | Command::Status(_)
            | Command::Logs(_)
            | Command::Down(_)
            | Command::Volume(_)
            | Command::Up(_)
            | Command::Stop(_)
            | Command::Start(_)
            | Command::Restart(_)
            | Command::Compose(_)
            | Command::Exec(_)
            | Command::Sh(_)
            | Command::Run(_)
            | Command::Watch(_)
    )
}

/// The subcommand's name, for messages.
fn command_name(cmd: &Command) -> &'static str {
    match cmd {
        Command::Up(_) => "up",
        Command::Stop(_) => "stop",
        Command::Start(_) => "start",
        Command::Restart(_) => "restart",
        Command::Compose(_) => "compose",
        Command::Exec(_) => "exec",
        Command::Sh(_) => "sh",
        Command::Run(_) => "run",
        Command::Watch(_) => "watch",
        _ => "this command",
    }
}

/// `ps`/`status`/`logs`/`down` on a Swarm environment; the Compose lifecycle commands there
/// are usage errors that name `deploy`.
fn on_swarm(ctx: &Ctx, cmd: Command) -> Result<u8> {
    let Some(t) = crate::swarm::target::of(ctx)? else {
        return Ok(0);
    };
    match cmd {
        Command::Ps(a) => swarm::ps(&t, a.json),
        Command::Status(a) => swarm::status(&t, &a),
        Command::Logs(a) => swarm::logs(&t, &a),
        Command::Down(a) => swarm::down(ctx, &t, &a),
        Command::Volume(volume::VolumeCommand::Rm {
            volumes, confirm, ..
        }) => swarm_volumes::run(ctx, &t, swarm_volumes::Which::Rm(volumes), &confirm),
        Command::Volume(volume::VolumeCommand::Prune { confirm, .. }) => {
            swarm_volumes::run(ctx, &t, swarm_volumes::Which::Prune, &confirm)
        }
        other => Err(crate::error::Error::usage(format!(
            "environment `{}` targets a Swarm (stack `{}`): `devctl {}` drives Compose on one \
             Engine and does not apply to the stack; nothing was run",
            t.environment,
            t.stack,
            command_name(&other)
        ))
        .with_hint(format!(
            "use `devctl --{0} deploy` to create or update the stack, `devctl --{0} logs`/`ps` \
             to see it, `devctl --{0} down` to remove it",
            t.environment
        ))),
    }
}

/// `devctl` without a subcommand: the dashboard in a terminal, else `ps`.
pub fn dashboard(ctx: &Ctx) -> Result<u8> {
    use std::io::IsTerminal;
    if let Some(t) = crate::swarm::target::of(ctx)? {
        if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
            return swarm::ps(&t, false);
        }
        return crate::tui::swarm::run(&t);
    }
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return ps::run(
            ctx,
            &ps::PsArgs {
                json: false,
                stats: false,
                show_secrets: false,
            },
        );
    }
    crate::tui::run_dashboard_for(ctx, &crate::tui::DashboardOptions::from_ctx(ctx))
}

/// Label mode for the reading commands (`ps`, `logs`): no compose file, a project name. The
/// name alone when `-p` gave it or the Engine has something labelled with it; when it came only
/// from the environment (`COMPOSE_PROJECT_NAME`, an env file) and nothing carries it, the
/// loader's "no compose file found" (exit 3): more likely the wrong directory than a project
/// whose files are gone. `None`: the project loads from its files.
pub fn label_name_for_reading(ctx: &Ctx) -> Result<Option<String>> {
    let Some(label) = crate::safety::sources::label_project(ctx)? else {
        return Ok(None);
    };
    if label.explicit {
        return Ok(Some(label.name));
    }
    let rt = runtime()?;
    let labelled = rt.block_on(async {
        let docker = crate::engine::connect(&ctx.env).await?;
        let facts = crate::engine::volumes::gather(&docker, None).await?;
        let networks = crate::engine::volumes::labelled_networks(&docker, &label.name).await?;
        Ok::<_, crate::error::Error>(
            !networks.is_empty()
                || facts
                    .containers
                    .iter()
                    .any(|c| c.project.as_deref() == Some(label.name.as_str()))
                || facts
                    .volumes
                    .iter()
                    .any(|v| v.project() == Some(label.name.as_str())),
        )
    })?;
    if labelled {
        Ok(Some(label.name))
    } else {
        Err(crate::safety::sources::no_file_error(ctx, &label.name))
    }
}

#[cfg(test)]
mod stdin_file_tests {
    use super::refuse_stdin_file;
    use std::path::PathBuf;

    #[test]
    fn compose_file_from_stdin_is_a_usage_error() {
        let f = |v: &[&str]| v.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert!(refuse_stdin_file(&f(&["a.yml"]), None).is_ok());
        assert!(refuse_stdin_file(&[], Some("a.yml:b.yml")).is_ok());
        // `-f` wins over COMPOSE_FILE, as in Compose.
        assert!(refuse_stdin_file(&f(&["a.yml"]), Some("-")).is_ok());
        let e = refuse_stdin_file(&f(&["a.yml", "-"]), None).expect_err("-f -");
        assert_eq!(e.exit, crate::error::Exit::Usage);
        assert!(e.to_string().contains("`-f -`"), "{e}");
        let e = refuse_stdin_file(&[], Some("a.yml:-")).expect_err("COMPOSE_FILE");
        assert!(e.to_string().contains("`COMPOSE_FILE=-`"), "{e}");
    }
}

/// The secret policy on every surface at once (commands, the dashboard, the audit log).
#[cfg(test)]
mod secrets_surfaces;
