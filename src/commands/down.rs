//! `devctl down [-v]` — `-v` goes through the safety gate: the plan is shown, the user types the
//! project name (or passes `--confirm PROJECT` without a terminal), Compose runs `down`
//! WITHOUT `-v`, and devctl removes exactly the planned volumes itself.

use clap::Args;

use super::Ctx;
use crate::error::Result;
use crate::safety::{self, GateFlags};

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
        None => safety::guard::run_plain(ctx, &argv),
    }
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
