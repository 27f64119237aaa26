//! The Compose CLI edge: detect `docker compose` / `docker-compose`, build the argv for an
//! invocation (one pure function), run it with standard input at /dev/null unless interactive.
//!
//! Stable API for other layers: [`Invocation`], [`invocation`], [`run`].

pub mod argv;
pub mod detect;
pub mod drift;
pub mod globals;
pub mod grammar;
pub mod guarded;
pub mod run;
pub mod stack;
pub mod watch;

use crate::context::Ctx;
use crate::error::Result;
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
    // A control or bidi character (a hostile file or service name) must not reach the
    // terminal: bash's `$'…'` quoting shows it as an escape and still types back the same.
    if s.chars()
        .any(|c| crate::sanitize::is_unsafe(c) || c == '\t' || c == '\n')
    {
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                c if crate::sanitize::is_unsafe(c) || c == '\t' || c == '\n' => {
                    let n = c as u32;
                    if n < 0x80 {
                        out.push_str(&format!("\\x{n:02x}"));
                    } else {
                        out.push_str(&format!("\\u{n:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
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
/// the loaded project: layered `-f` files, `-p`, `--project-directory`, env files, profiles,
/// and `--ansi never` when colour is off (`--no-color`, `NO_COLOR`).
/// Detects Compose (cached per process; `Exit::ComposeMissing` when there is none).
pub fn invocation(ctx: &Ctx, project: &LoadedProject, sub: &[String]) -> Result<Invocation> {
    let compose = detect::detect(&ctx.env)?;
    Ok(argv::build(&compose, &project.resolved, ctx.color(), sub))
}

/// Run an invocation, streaming Compose's output; returns Compose's exit code.
/// Prints the command line (`+ docker compose …`) to stderr first. Standard input is /dev/null
/// unless `inv.interactive`.
pub fn run(inv: &Invocation) -> Result<i32> {
    run::run(inv)
}

/// `--dry-run` aware: print the command line and stop (exit 0) under `--dry-run`, otherwise
/// [`run`] it and pass Compose's exit code on (clamped to 0–255).
pub fn execute(ctx: &Ctx, inv: &Invocation) -> Result<u8> {
    if ctx.global.dry_run {
        run::announce(inv);
        return Ok(0);
    }
    run(inv).map(run::to_u8)
}
