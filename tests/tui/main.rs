//! The dashboard in a real terminal (tmux): keys, confirmation dialogs, Engine faults and terminal restore.
//!
//! One test binary per feature (each binary links the whole crate); the modules keep the
//! suites they grew from.

#[path = "../common/mod.rs"]
mod common;

mod e2e;
mod fault;
mod terminal;
