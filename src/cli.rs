//! Command-line definition (clap) and the process entry point.
//!
//! Compose's global flags (`-f`, `-p`, `--project-directory`, `--profile`, `--env-file`)
//! and devctl's environment flags (`--dev`, `--prod`, `--env NAME`) are `global`, so they
//! are accepted before or after the subcommand, as users type them.

use std::any::Any;
use std::ffi::OsString;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ColorChoice, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::{Error, Exit};

#[derive(Debug, Parser)]
#[command(
    name = "devctl",
    version,
    about = "Drive a Docker Compose stack safely: layered dev/prod files, live health, logs, and a safety gate for volume data",
    long_about = None,
    after_help = "Without a subcommand, devctl opens the dashboard (or prints `ps` when not in a terminal).\nExit codes: 0 ok, 1 error, 2 usage, 3 project/config, 4 refused by the safety gate, 5 not healthy, 6 Engine unreachable, 7 Compose missing."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// devctl's global flags that take a value. clap accepts them anywhere on the line, so the
/// argv rewrites that run before clap (`logs -f`, `exec`/`run` pass-through) must skip their
/// values; they all read this one list.
pub(crate) const GLOBAL_VALUE_FLAGS: [&str; 8] = [
    "-f",
    "--file",
    "-p",
    "--project-name",
    "--project-directory",
    "--profile",
    "--env-file",
    "--env",
];

/// Flags that locate the project and choose its layered files. Accepted anywhere on the line.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Compose configuration file(s), in order (repeatable; like `docker compose -f`).
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Project name (like `docker compose -p`; else COMPOSE_PROJECT_NAME, `name:`, the directory).
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    pub project_name: Option<String>,
    /// Project directory (default: the directory of the first compose file).
    #[arg(long, global = true, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Enable a Compose profile (repeatable; also COMPOSE_PROFILES).
    #[arg(long = "profile", global = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Alternate environment file(s) for interpolation (repeatable).
    #[arg(long = "env-file", global = true, value_name = "PATH")]
    pub env_files: Vec<PathBuf>,
    /// Layer the `dev` override file (e.g. docker-compose.dev.yml).
    #[arg(long, global = true, conflicts_with_all = ["prod", "env"])]
    pub dev: bool,
    /// Layer the `prod` override file (e.g. docker-compose.prod.yml).
    #[arg(long, global = true, conflicts_with_all = ["dev", "env"])]
    pub prod: bool,
    /// Layer the override file of environment NAME (also DEVCTL_ENV).
    #[arg(long = "env", global = true, value_name = "NAME")]
    pub env: Option<String>,
    /// Print the exact Compose command line and run nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Disable colours (also NO_COLOR).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Dashboard: disable every mutating key (also DEVCTL_READ_ONLY=1).
    #[arg(long, global = true)]
    pub read_only: bool,
}

impl From<GlobalArgs> for crate::context::Options {
    fn from(g: GlobalArgs) -> Self {
        crate::context::Options {
            files: g.files,
            project_name: g.project_name,
            project_directory: g.project_directory,
            profiles: g.profiles,
            env_files: g.env_files,
            dev: g.dev,
            prod: g.prod,
            env: g.env,
            dry_run: g.dry_run,
            no_color: g.no_color,
            read_only: g.read_only,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the merged configuration, the layered files, or where a value came from.
    Config(crate::commands::config::ConfigArgs),
    /// Create and start the stack (detached by default).
    Up(crate::commands::lifecycle::UpArgs),
    /// Stop and remove containers and networks; `-v` goes through the safety gate.
    Down(crate::commands::down::DownArgs),
    /// Stop services.
    Stop(crate::commands::lifecycle::ServicesArgs),
    /// Start existing services.
    Start(crate::commands::lifecycle::ServicesArgs),
    /// Restart services.
    Restart(crate::commands::lifecycle::ServicesArgs),
    /// Build images.
    Build(crate::commands::lifecycle::PassArgs),
    /// Pull images.
    Pull(crate::commands::lifecycle::PassArgs),
    /// Run a command in a running service container.
    Exec(crate::commands::lifecycle::ExecArgs),
    /// Open an interactive shell (bash, else sh) in a service.
    Sh(crate::commands::lifecycle::ShArgs),
    /// Run a one-off command for a service.
    Run(crate::commands::lifecycle::ExecArgs),
    /// Pass anything else to Compose with the resolved files: `devctl compose -- ARGS…`.
    Compose(crate::commands::lifecycle::PassArgs),
    /// One-shot table of every service and its containers.
    Ps(crate::commands::ps::PsArgs),
    /// Watch or wait for the stack's state and health.
    Status(crate::commands::status::StatusArgs),
    /// Show and follow service logs (sanitised, across restarts).
    Logs(crate::commands::logs::LogsArgs),
    /// Volume operations that go through the safety gate.
    #[command(subcommand)]
    Volume(crate::commands::volume::VolumeCommand),
    /// Snapshots of volumes (tar archives in the user data dir).
    #[command(subcommand)]
    Snapshot(crate::commands::snapshot::SnapshotCommand),
    /// Print the audit log of destructive actions.
    Audit(crate::commands::audit::AuditArgs),
    /// Pre-flight checks for the failures the risk register names.
    Doctor(crate::commands::doctor::DoctorArgs),
    /// Run the bundled demo stack: `devctl demo [up|down|status|path]`.
    Demo(crate::commands::demo::DemoArgs),
    /// Run a command (your own script, `docker compose …`) behind devctl's Engine guard: it
    /// cannot delete volume data.
    Guard(crate::commands::guard::GuardArgs),
    /// Deploy the layered project to a Swarm (an environment with `target: swarm`) with
    /// `docker stack deploy`, after reporting the keys Swarm ignores or refuses.
    Deploy(crate::commands::deploy::DeployArgs),
    /// Print a shell completion script: `devctl completions bash|zsh|fish|elvish|powershell`.
    Completions(CompletionsArgs),
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell, e.g. `bash` (`source <(devctl completions bash)`), `zsh`, `fish`.
    pub shell: clap_complete::Shell,
}

/// The completion script for `shell` (the whole CLI: subcommands, flags, values).
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    // Into memory first: clap_complete panics when its writer fails (e.g. `| head`).
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "devctl", &mut buf);
    buf
}

/// Parse, run, print errors, map to exit codes. Never panics on input.
pub fn main() -> ExitCode {
    let argv = crate::commands::logs::follow_short_flag(std::env::args_os().collect());
    let argv = crate::commands::lifecycle::end_globals_after_exec_run(argv);
    let cli = match parse(argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(Exit::Usage.code()),
            };
        }
    };
    // `print!` panics when standard output is a pipe whose reader went away
    // (`devctl status | head -1`). That is no bug of the command: end with exit 1 and one
    // line, as `config` reports a failed write, instead of a panic message and exit 101.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let main_thread = std::thread::current().name() == Some("main");
        if !(main_thread && is_broken_pipe(info.payload())) {
            previous(info);
        }
    }));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| crate::commands::dispatch(cli)));
    // ssh bridges' private sockets (DOCKER_HOST=ssh://…) go with the process.
    crate::engine::connect::ssh::cleanup();
    match outcome {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            report(&e);
            ExitCode::from(e.exit.code())
        }
        Err(payload) if is_broken_pipe(&*payload) => {
            let _ = writeln!(
                std::io::stderr(),
                "devctl: error: cannot write to stdout: Broken pipe"
            );
            ExitCode::from(Exit::Error.code())
        }
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// The panic of `print!`/`println!` on a closed standard output.
fn is_broken_pipe(payload: &(dyn Any + Send)) -> bool {
    let msg = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe")
}

/// Parse argv. `logs -f` must already be rewritten to `--follow`
/// ([`crate::commands::logs::follow_short_flag`]). `--no-color` anywhere on the line also
/// turns off the colours of clap's own usage errors (NO_COLOR is honoured by clap itself).
pub fn parse(argv: Vec<OsString>) -> Result<Cli, clap::Error> {
    let mut cmd = Cli::command();
    if argv.iter().any(|a| a == "--no-color") {
        cmd = cmd.color(ColorChoice::Never);
    }
    let matches = cmd.try_get_matches_from(argv)?;
    Cli::from_arg_matches(&matches)
}

/// Print an error. Messages quote compose-file text (keys, service names, values,
/// `${VAR:?message}` texts), so every control or bidi character in them is shown as a
/// visible escape here, on the one path every error takes to the terminal.
fn report(e: &Error) {
    eprintln!("{}", error_text(e));
}

/// Pure: what [`report`] prints for `e` (no control or bidi character except `\n`/`\t`).
pub fn error_text(e: &Error) -> String {
    format!(
        "devctl: error: {}",
        crate::sanitize::escape_text(&e.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_after_subcommand() {
        let c = Cli::try_parse_from(["devctl", "config", "--dev", "-f", "a.yml", "-p", "x"])
            .expect("parses");
        assert!(c.global.dev);
        assert_eq!(c.global.files, vec![PathBuf::from("a.yml")]);
        assert_eq!(c.global.project_name.as_deref(), Some("x"));
    }

    #[test]
    fn logs_dash_f_means_follow() {
        let argv =
            |s: &str| -> Vec<OsString> { s.split_whitespace().map(OsString::from).collect() };
        let c = parse(crate::commands::logs::follow_short_flag(argv(
            "devctl logs -f api",
        )))
        .expect("parses");
        match c.command {
            Some(Command::Logs(a)) => {
                assert!(a.follow);
                assert_eq!(a.services, vec!["api".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        assert!(c.global.files.is_empty());
        // `-f FILE` before the subcommand stays the global --file.
        let c = parse(crate::commands::logs::follow_short_flag(argv(
            "devctl -f x.yml logs api",
        )))
        .expect("parses");
        assert_eq!(c.global.files, vec![PathBuf::from("x.yml")]);
    }

    #[test]
    fn errors_show_compose_file_text_escaped() {
        let e = Error::config(
            "services.web.image: required variable X is missing a value: \u{1b}]0;pwned\u{7}\u{202e}",
        )
        .with_hint("set X\u{1b}[2J");
        let text = error_text(&e);
        assert_eq!(
            text,
            "devctl: error: services.web.image: required variable X is missing a value: \\u{1b}]0;pwned\\u{7}\\u{202e}\n  hint: set X\\u{1b}[2J"
        );
        assert!(!text.chars().any(crate::sanitize::is_unsafe));
    }

    #[test]
    fn dev_and_prod_conflict() {
        assert!(Cli::try_parse_from(["devctl", "--dev", "--prod", "config"]).is_err());
    }
}
