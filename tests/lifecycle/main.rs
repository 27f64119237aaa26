//! Driving Compose: `up`/`down`/`stop`/`restart` argv, `up --wait`, failures, signals, the demo stack, a standalone `docker-compose`, and the dev loop (`watch`, project commands).
//!
//! One test binary per feature (each binary links the whole crate); the modules keep the
//! suites they grew from.

#[path = "../common/mod.rs"]
mod common;

mod argv_golden;
mod compose_standalone;
mod demo;
mod devloop;
mod failures;
mod signals;
mod up;
mod wait;
