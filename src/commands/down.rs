//! `devctl down [-v]` — `-v` goes through the safety gate: the plan is shown, the user types the
//! project name (or passes `--confirm PROJECT` without a terminal), Compose runs `down`
//! WITHOUT `-v`, and devctl removes exactly the planned volumes itself.

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result};
use crate::safety::{self, GateFlags, sources};
use crate::sanitize::{escape, escape_text};

#[derive(Debug, Default, Args)]
pub struct DownArgs {
    /// Also remove the project's volumes (shows the plan and asks for a typed confirmation).
    #[arg(short = 'v', long = "volumes")]
    pub volumes: bool,
    /// Confirm non-interactively by naming the project (required without a terminal); for an
    /// external or protected volume in the plan, name that volume (repeatable).
    #[arg(long, value_name = "PROJECT")]
    pub confirm: Vec<String>,
    /// Snapshot the volumes before removing them (default in a terminal: ask, yes).
    #[arg(long, conflicts_with = "no_snapshot")]
    pub snapshot: bool,
    /// Do not snapshot the volumes first.
    #[arg(long)]
    pub no_snapshot: bool,
    /// Remove containers for services not defined in the compose files.
    #[arg(long)]
    pub remove_orphans: bool,
    /// Extra arguments passed to Compose after `--`.
    #[arg(last = true)]
    pub extra: Vec<String>,
}

/// The Compose-form argv of this `down`.
pub fn argv(args: &DownArgs) -> Vec<String> {
    let mut argv = vec!["down".to_string()];
    if args.volumes {
        argv.push("-v".into());
    }
    if args.remove_orphans {
        argv.push("--remove-orphans".into());
    }
    argv.extend(args.extra.iter().cloned());
    argv
}

pub fn run(ctx: &Ctx, args: &DownArgs) -> Result<u8> {
    let argv = argv(args);
    let flags = GateFlags {
        confirm: args.confirm.clone(),
        snapshot: match (args.snapshot, args.no_snapshot) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
    };
    match safety::classify(&argv) {
        Some(d) => safety::guard::guard(ctx, &argv, d, &flags),
        None => run_plain(ctx, &argv),
    }
}

/// Run a non-destructive Compose subcommand for the project (e.g. plain `down`);
/// `--dry-run` prints it and stops. Like the lifecycle commands, the Engine must answer first
/// (the shared preflight: exit 6 within 2 s when it does not), so Compose's own "cannot
/// connect" (exit 1) never reaches the user.
///
/// Label mode (`down` with a project name and no compose file, see `safety::sources`): Compose runs
/// `-p NAME down` without files when a container or network carries the project's label;
/// otherwise devctl says there is nothing to remove (exit 0) — or, when the name only came
/// from `COMPOSE_PROJECT_NAME` and nothing at all carries it, gives the loader's "no compose
/// file found" (exit 3).
fn run_plain(ctx: &Ctx, sub: &[String]) -> Result<u8> {
    if sub.first().map(String::as_str) == Some("down")
        && let Some(label) = sources::label_project(ctx)?
    {
        return run_plain_by_labels(ctx, &label, sub);
    }
    let loaded = sources::load_project(ctx)?;
    let inv = crate::compose::invocation(ctx, &loaded, sub)?;
    super::lifecycle::preflight(ctx, &loaded, sub)?;
    crate::compose::execute(ctx, &inv)
}

fn run_plain_by_labels(ctx: &Ctx, label: &sources::LabelName, sub: &[String]) -> Result<u8> {
    let name = label.name.as_str();
    let rt = crate::context::runtime()?;
    let (containers, networks, volumes) = rt.block_on(async {
        let docker = sources::connect(ctx).await?;
        let facts = crate::engine::volumes::gather(&docker, None).await?;
        let networks = crate::engine::volumes::labelled_networks(&docker, name).await?;
        let containers = facts
            .containers
            .iter()
            .filter(|c| c.project.as_deref() == Some(name))
            .count();
        let volumes: Vec<String> = facts
            .volumes
            .iter()
            .filter(|v| v.project() == Some(name))
            .map(|v| v.name.clone())
            .collect();
        Ok::<_, Error>((containers, networks.len(), volumes))
    })?;
    if containers == 0 && networks == 0 {
        if volumes.is_empty() && !label.explicit {
            return Err(sources::no_file_error(ctx, name));
        }
        if volumes.is_empty() {
            eprintln!("{}", escape_text(&safety::guard::nothing_to_remove(name)));
        } else {
            let name = escape(name);
            eprintln!(
                "nothing to remove for project {name}: no container or network carries its \
                 label; its volumes are kept ({}); `devctl -p {name} down -v` shows the plan \
                 to delete them",
                escape(&volumes.join(", "))
            );
        }
        return Ok(0);
    }
    eprintln!(
        "devctl: no compose file found; Compose works from the Engine's labels of project \
         {} ({containers} container(s), {networks} network(s)); volumes are kept",
        escape(name)
    );
    let project_directory = ctx.global.project_directory.as_deref();
    let inv = crate::safety::execute::compose_call_by_name(ctx, name, project_directory, sub)?;
    crate::compose::execute(ctx, &inv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn parse(line: &str) -> DownArgs {
        let argv = std::iter::once("devctl").chain(line.split_whitespace());
        match Cli::try_parse_from(argv).expect("parses").command {
            Some(Command::Down(a)) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn argv_and_classification() {
        let cases = [
            ("down", "down", false),
            ("down -v", "down -v", true),
            (
                "down --volumes --remove-orphans",
                "down -v --remove-orphans",
                true,
            ),
            ("down -- -t 3", "down -t 3", false),
            ("down -- --volumes=true", "down --volumes=true", true),
            (
                "down -v -- --volumes=false",
                "down -v --volumes=false",
                false,
            ),
        ];
        for (line, want, destructive) in cases {
            let a = parse(line);
            let got = argv(&a);
            assert_eq!(got.join(" "), want, "{line}");
            assert_eq!(safety::classify(&got).is_some(), destructive, "{line}");
        }
        let a = parse("down -v --confirm shop --confirm pgdata --no-snapshot");
        assert_eq!(a.confirm, vec!["shop", "pgdata"]);
        assert!(a.no_snapshot);
        let cli = Cli::try_parse_from(["devctl", "down", "--snapshot", "--no-snapshot"]);
        assert!(cli.is_err());
    }
}
