//! devctl: drive a Docker Compose stack safely.
//!
//! Layers (arrows point inward only; `tests/cli/layers.rs` checks every `crate::` path):
//!
//! ```text
//! cli, commands -> tui -> { safety, doctor } -> compose -> context -> { engine, audit }
//!   -> secrets -> { project, demo } -> { error, format, sanitize }
//! ```
//!
//! - [`cli`] parses arguments into a [`context::Ctx`]; nothing below [`commands`] imports
//!   `cli` or `commands`.
//! - [`project`] and the core of [`safety`] (`classify`, `plan`, `policy`) are pure, and so
//!   are Compose's argv grammar ([`compose::grammar`]) and the Engine guard's rules
//!   ([`engine::apiguard::rules`]).
//! - [`engine`] (bollard, and the Engine guard [`engine::apiguard`]) and [`compose`] (every
//!   Compose/docker CLI child, started behind the guard) are the I/O edges; [`audit`] appends
//!   the audit log.
//! - [`tui`] is a single-owner Model/update loop.

/// devctl's `println!`/`eprintln!`/`print!`/`eprint!` (they shadow std's, crate-wide): a closed
/// pipe (`devctl down -v 2>&1 | head -1`) must never turn into a panic, least of all between a
/// decision of the safety gate and its audit line. Write errors are ignored, like a terminal
/// that went away.
macro_rules! println {
    () => {{
        let _ = ::std::io::Write::write_all(&mut ::std::io::stdout(), b"\n");
    }};
    ($($arg:tt)*) => {{
        let _ = ::std::io::Write::write_fmt(
            &mut ::std::io::stdout(),
            ::std::format_args!("{}\n", ::std::format_args!($($arg)*)),
        );
    }};
}
macro_rules! eprintln {
    () => {{
        let _ = ::std::io::Write::write_all(&mut ::std::io::stderr(), b"\n");
    }};
    ($($arg:tt)*) => {{
        let _ = ::std::io::Write::write_fmt(
            &mut ::std::io::stderr(),
            ::std::format_args!("{}\n", ::std::format_args!($($arg)*)),
        );
    }};
}
macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = ::std::io::Write::write_fmt(&mut ::std::io::stdout(), ::std::format_args!($($arg)*));
    }};
}
pub mod audit;
pub mod cli;
pub mod commands;
pub mod compose;
pub mod context;
pub mod demo;
pub mod doctor;
pub mod engine;
pub mod error;
pub mod format;
pub mod project;
pub mod safety;
pub mod sanitize;
pub mod secrets;
pub mod swarm;
pub mod tui;

pub use error::{Error, Exit, Result};
