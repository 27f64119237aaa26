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

pub mod complete;
pub mod man;

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

/// The `--help` heading of the global options.
pub const GLOBAL_HEADING: &str = "Global options";

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

/// Flags that locate the project and choose its layered files. Accepted anywhere on the line,
/// and listed under their own heading in every `--help`, after the subcommand's own options.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = GLOBAL_HEADING)]
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
    ///
    /// Without --dev, --prod, --env or DEVCTL_ENV, devctl keeps the environment the project's
    /// containers were created with (from their labels) and says so on stderr.
    #[arg(long, global = true, conflicts_with_all = ["prod", "env"])]
    pub dev: bool,
    /// Layer the `prod` override file (e.g. docker-compose.prod.yml).
    ///
    /// Without --dev, --prod, --env or DEVCTL_ENV, devctl keeps the environment the project's
    /// containers were created with (from their labels) and says so on stderr.
    #[arg(long, global = true, conflicts_with_all = ["dev", "env"])]
    pub prod: bool,
    /// Layer the override file of environment NAME (also DEVCTL_ENV).
    ///
    /// Without --dev, --prod, --env or DEVCTL_ENV, devctl keeps the environment the project's
    /// containers were created with (from their labels, when devctl found the files itself)
    /// and says so on stderr; a flag always wins.
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
    /// Check the project before you start it: data that could be lost, health checks that
    /// cannot pass, secrets in the files, settings Compose would ignore.
    Doctor(crate::commands::doctor::DoctorArgs),
    /// Run the bundled demo stack: `devctl demo [up|down|status|path]`.
    Demo(crate::commands::demo::DemoArgs),
    /// Run a command (your own script, `docker compose …`) behind devctl's Engine guard: it
    /// cannot delete volume data.
    Guard(crate::commands::guard::GuardArgs),
    /// Run `docker compose watch` and show each sync, restart and rebuild as an event line.
    Watch(crate::commands::watch::WatchArgs),
    /// Run one of the project's own commands (`commands:` in devctl.yaml); without NAME, list them.
    Do(crate::commands::project_cmd::DoArgs),
    /// Deploy the layered project to a Swarm (an environment with `target: swarm`) with
    /// `docker stack deploy`, after reporting the keys Swarm ignores or refuses.
    Deploy(crate::commands::deploy::DeployArgs),
    /// Set up shell completion (subcommands, flags, service and environment names):
    /// `source <(devctl completions bash)`; also zsh, fish, elvish, powershell.
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `devctl man | man -l -`.
    Man,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
    /// Print the whole script instead (subcommands and flags only, no service or environment
    /// names; nothing runs at TAB time).
    #[arg(long = "static")]
    pub static_script: bool,
}

/// The CLI definition with its dynamic completers (service names, environments): what is
/// parsed, completed and documented (`devctl man`).
pub fn command() -> clap::Command {
    complete::with_completers(Cli::command())
}

/// What `devctl completions SHELL [--static]` prints.
pub fn completions(a: &CompletionsArgs) -> Vec<u8> {
    if a.static_script {
        return complete::static_script(a.shell);
    }
    let argv0 = std::env::args_os()
        .next()
        .unwrap_or_else(|| "devctl".into());
    let cwd = std::env::current_dir().unwrap_or_default();
    complete::registration(a.shell, &argv0, &cwd)
}

/// `devctl completions` and `devctl man` print text from the CLI definition alone: no
/// project, no Engine. A closed pipe (`| head`) is not an error worth a message.
fn print_from_definition(command: &Command) -> bool {
    let text = match command {
        Command::Completions(a) => completions(a),
        Command::Man => man::page(),
        _ => return false,
    };
    let _ = std::io::stdout().lock().write_all(&text);
    true
}

/// Parse, run, print errors, map to exit codes. Never panics on input.
pub fn main() -> ExitCode {
    if let Some(code) = complete::answer_if_requested() {
        return ExitCode::from(code);
    }
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
    if cli.command.as_ref().is_some_and(print_from_definition) {
        return ExitCode::SUCCESS;
    }
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
    let mut cmd = command();
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
    /// Messages and help use the words a user knows, not the project's internal ones.
    #[test]
    fn user_facing_words_only() {
        use clap::CommandFactory;
        let mut cmd = crate::cli::Cli::command();
        let mut texts = vec![cmd.render_long_help().to_string()];
        if let Some(d) = cmd.find_subcommand_mut("doctor") {
            texts.push(d.render_long_help().to_string());
        }
        let missing = crate::compose::detect::missing();
        texts.push(format!(
            "{} {}",
            missing.message,
            missing.hint.unwrap_or_default()
        ));
        for t in &texts {
            for word in [
                "risk register",
                "test machines",
                "scripts/provision",
                "seeds",
            ] {
                assert!(!t.contains(word), "{word:?} in:\n{t}");
            }
        }
        assert!(
            texts[0].contains("Check the project before you start it"),
            "{}",
            texts[0]
        );
    }

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

    /// Every subcommand, nested ones too, as `--help` sees it (globals propagated), without
    /// clap's `help`.
    fn every_subcommand() -> Vec<clap::Command> {
        fn walk(cmd: &clap::Command, out: &mut Vec<clap::Command>) {
            for s in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                out.push(s.clone());
                walk(s, out);
            }
        }
        let mut cmd = command();
        cmd.build();
        let mut out = vec![cmd.clone()];
        walk(&cmd, &mut out);
        out
    }

    #[test]
    fn every_help_lists_global_options_under_their_own_heading_after_its_own() {
        let globals: Vec<String> = Cli::command()
            .get_arguments()
            .filter(|a| a.is_global_set())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        assert_eq!(globals.len(), 11, "{globals:?}");
        let heading = format!("\n{GLOBAL_HEADING}:\n");
        let subs = every_subcommand();
        assert!(subs.len() >= 25, "{}", subs.len());
        for mut sub in subs {
            let name = sub.get_bin_name().unwrap_or_default().to_string();
            let help = sub.render_help().to_string();
            assert_eq!(help.matches(&heading).count(), 1, "{name}:\n{help}");
            let (own, global) = help.split_once(&heading).unwrap_or_default();
            // The long flag each option line of a section defines (`  -f, --file <FILE>  …`).
            let flags = |section: &str| -> Vec<String> {
                section
                    .lines()
                    .map(str::trim_start)
                    .filter(|l| l.starts_with('-'))
                    .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
                    .map(|w| w.trim_end_matches(',').to_string())
                    .collect()
            };
            let (own, global) = (flags(own), flags(global));
            assert_eq!(
                global, globals,
                "{name}: the global options section:\n{help}"
            );
            for f in &own {
                assert!(
                    !globals.contains(f),
                    "{name}: {f} among its own options:\n{help}"
                );
            }
            assert!(own.iter().any(|f| f == "--help"), "{name}:\n{help}");
        }
    }

    #[test]
    fn every_visible_argument_says_what_it_does() {
        for sub in every_subcommand() {
            for a in sub.get_arguments().filter(|a| !a.is_hide_set()) {
                assert!(
                    a.get_help().is_some(),
                    "`{}` has no help for {}",
                    sub.get_bin_name().unwrap_or_default(),
                    a.get_id()
                );
            }
        }
    }

    #[test]
    fn dev_and_prod_conflict() {
        assert!(Cli::try_parse_from(["devctl", "--dev", "--prod", "config"]).is_err());
    }
}
