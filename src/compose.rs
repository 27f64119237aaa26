//! The Compose CLI edge: detect `docker compose` / `docker-compose`, build the argv for an
//! invocation (one pure function), run it with standard input at /dev/null unless interactive.
//!
//! Stable API for other layers: [`Invocation`], [`invocation`], [`run`].

use crate::commands::Ctx;
use crate::error::{Error, Result};
use crate::project::LoadedProject;

/// A fully resolved Compose command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The program (`docker` for the v2 plugin, or a standalone `docker-compose`).
    pub program: String,
    /// Every argument after the program, e.g. `compose -p x -f a -f b --project-directory d up -d`.
    pub args: Vec<String>,
    /// True for interactive commands (`exec`, `sh`, attached `up`): standard input is inherited.
    /// Otherwise Compose gets /dev/null, so none of its prompts can be answered by accident.
    pub interactive: bool,
}

impl Invocation {
    /// The command line as printed to the user (shell-quoted where needed).
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .map(quote)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Build the invocation of Compose subcommand `sub` (e.g. `["down", "--remove-orphans"]`) for
/// the loaded project: layered `-f` files, `-p`, `--project-directory`, env files, profiles.
pub fn invocation(_ctx: &Ctx, _project: &LoadedProject, _sub: &[String]) -> Result<Invocation> {
    Err(Error::general("the Compose runner is not implemented yet"))
}

/// Run an invocation, streaming Compose's output; returns Compose's exit code.
pub fn run(_inv: &Invocation) -> Result<i32> {
    Err(Error::general("the Compose runner is not implemented yet"))
}
