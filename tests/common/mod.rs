//! The one test-support module of the integration test binaries (`mod common;` in each `main.rs`).
//!
//! General pieces, one version each:
//! - [`docker`]: run the docker CLI (`docker`, `docker_ok`, `docker_try`, `volume_exists`…).
//! - [`cleanup`]: the Drop guard that removes a test's Compose project and volumes.
//! - [`devctl`]: run the real `devctl` binary with a controlled environment and a hang guard.
//! - [`process`]: a child whose stdout lines arrive on a channel (killed on drop), signals.
//! - [`scratch`]: temp dirs holding one test's files.
//! - [`stack`]: a throw-away Compose project in a temp dir, removed on drop.
//! - [`audit`]: the safety gate's audit log, and a command's exit code and text.
//!
//! Specialised pieces: [`dockerd`] (a private Engine for fault tests), [`proxy`] (a socket
//! proxy in front of the shared Engine), [`tmux`] (a real terminal), [`config`] (differential
//! tests against `docker compose config`), [`doctor`], [`lifecycle`] and [`qa`] (the test beds
//! of those suites).
//!
//! A suite uses only some of it; the rest would warn as dead code in that test binary.
#![allow(dead_code, unreachable_pub, clippy::panic)]

pub mod audit;
pub mod cleanup;
pub mod config;
pub mod devctl;
pub mod docker;
pub mod dockerd;
pub mod doctor;
pub mod lifecycle;
pub mod process;
pub mod proxy;
pub mod qa;
pub mod scratch;
pub mod stack;
pub mod tmux;

/// The busybox image the test bed imports (no registry is reachable).
pub const IMAGE: &str = "devctl-test/busybox:latest";
