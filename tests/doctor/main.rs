//! `devctl doctor`: every check on fixtures and seeds, the CLI, and the checks that need the real Engine.
//!
//! One test binary per feature (each binary links the whole crate); the modules keep the
//! suites they grew from.

#[path = "../common/mod.rs"]
mod common;

mod checks;
mod cli;
mod engine;
mod seeds;
