//! What every layer below the CLI gets: the resolved options (no clap types), the working
//! directory and the process environment, captured once so that tests can run any layer with
//! a controlled environment. `cli` builds it from the parsed arguments; `commands`, `safety`,
//! `compose`, `engine` and `tui` read it and never import `cli` or `commands`.
//!
//! It is also the one place where every command's project is resolved ([`Ctx::load_project`]),
//! so the rule "the environment sticks" ([`sticky`]) holds for all of them alike.

pub mod sticky;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::project::{self, LoadedProject, ProjectOptions};

/// The options that locate the project, choose its layers and shape the output — what the
/// global flags said, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Compose files in order (`-f`).
    pub files: Vec<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `--profile` (repeatable).
    pub profiles: Vec<String>,
    /// `--env-file` (repeatable).
    pub env_files: Vec<PathBuf>,
    /// `--dev`.
    pub dev: bool,
    /// `--prod`.
    pub prod: bool,
    /// `--env NAME`.
    pub env: Option<String>,
    /// Print the Compose command line and run nothing.
    pub dry_run: bool,
    /// No colours (`--no-color`; `NO_COLOR` is read from the environment).
    pub no_color: bool,
    /// Dashboard: no mutating key.
    pub read_only: bool,
}

impl Options {
    /// The environment asked for on the command line (`--dev`, `--prod`, `--env`).
    pub fn environment_flag(&self) -> Option<String> {
        if self.dev {
            Some("dev".into())
        } else if self.prod {
            Some("prod".into())
        } else {
            self.env.clone()
        }
    }
}

/// The options, the working directory and the environment.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub global: Options,
    pub cwd: PathBuf,
    pub env: BTreeMap<String, String>,
}

impl Ctx {
    /// The context of this process: its working directory and environment.
    pub fn from_process(global: Options) -> Result<Self> {
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

    /// Resolve and load the project as Compose would see it. With no environment named
    /// (`--dev`/`--prod`/`--env`, `DEVCTL_ENV`) and files devctl found itself, a project whose
    /// containers were created from one environment's files keeps that environment, and
    /// devctl says so once on stderr ([`sticky::keep`]).
    pub fn load_project(&self) -> Result<LoadedProject> {
        let opts = self.project_options();
        let (resolved, choice) = project::resolve_with_choice(&opts)?;
        let resolved = match choice {
            project::discover::EnvChoice::Open => sticky::keep(self, &opts, resolved)?,
            _ => resolved,
        };
        let env = resolved.env.clone();
        project::load_resolved(resolved, &env)
    }

    /// True when colour output is allowed (`--no-color`, `NO_COLOR`).
    pub fn color(&self) -> bool {
        !self.global.no_color && self.env.get("NO_COLOR").is_none_or(|v| v.is_empty())
    }
}

/// A tokio runtime for the synchronous callers that talk to the Engine.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::general(format!("cannot start the async runtime: {e}")))
}
