//! One file per subcommand, each a short script over the layers.

pub mod audit;
pub mod config;
pub mod demo;
pub mod doctor;
pub mod down;
pub mod lifecycle;
pub mod logs;
pub mod ps;
pub mod snapshot;
pub mod status;
pub mod volume;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::{Error, Result};
use crate::project::{self, LoadedProject, ProjectOptions};

/// What every command gets: the global flags, the working directory and the process
/// environment (captured once, so tests can run commands with a controlled environment).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub global: GlobalArgs,
    pub cwd: PathBuf,
    pub env: BTreeMap<String, String>,
}

impl Ctx {
    pub fn from_process(global: GlobalArgs) -> Result<Self> {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::general(format!("cannot read the current directory: {e}")))?;
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Ok(Ctx { global, cwd, env })
    }

    /// The options that locate and layer the project, from flags and environment.
    pub fn project_options(&self) -> ProjectOptions {
        ProjectOptions {
            files: self.global.files.clone(),
            project_name: self.global.project_name.clone(),
            project_directory: self.global.project_directory.clone(),
            profiles: self.global.profiles.clone(),
            env_files: self.global.env_files.clone(),
            environment: self.global.environment_flag(),
            cwd: self.cwd.clone(),
            env: self.env.clone(),
        }
    }

    /// Resolve and load the project as Compose would see it.
    pub fn load_project(&self) -> Result<LoadedProject> {
        project::load(&self.project_options())
    }

    /// True when colour output is allowed (`--no-color`, `NO_COLOR`).
    pub fn color(&self) -> bool {
        !self.global.no_color && self.env.get("NO_COLOR").is_none_or(|v| v.is_empty())
    }
}

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
    if let Some(Command::Completions(a)) = &cli.command {
        // Needs no project, no Engine, no environment.
        let script = crate::cli::completions(a.shell);
        // A closed pipe (`| head`) is not an error worth a message.
        let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), &script);
        return Ok(0);
    }
    refuse_stdin_file(
        &cli.global.files,
        std::env::var("COMPOSE_FILE").ok().as_deref(),
    )?;
    let ctx = Ctx::from_process(cli.global)?;
    match cli.command {
        None => crate::tui::run_dashboard(&ctx),
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
            Command::Completions(_) => Ok(0),
        },
    }
}

/// A tokio runtime for commands that talk to the Engine (commands are sync at the top).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::general(format!("cannot start the async runtime: {e}")))
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
