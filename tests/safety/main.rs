//! The safety gate: plans, typed confirmation and `--confirm`, snapshots, label mode, anonymous volumes, and the paths that used to bypass it.
//!
//! One test binary per feature (each binary links the whole crate); the modules keep the
//! suites they grew from.

#[path = "../common/mod.rs"]
mod common;

mod destructive;
mod e2e;
mod fixes;
mod gate_anon;
mod gate_labels;
