//! Talking to the Engine: `ps`, `status` (`--wait`, `--watch`), `logs`, the event watcher, the Engine guard, ssh endpoints, and faults (Engine stopped, restarted, down).
//!
//! One test binary per feature (each binary links the whole crate); the modules keep the
//! suites they grew from.

#[path = "../common/mod.rs"]
mod common;

mod down;
mod fault;
mod guard;
mod logs_follow;
mod logs_output;
mod ps;
mod ssh;
mod status_fault;
mod status_wait;
mod status_watch;
mod watch;
