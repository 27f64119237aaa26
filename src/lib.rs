//! devctl: drive a Docker Compose stack safely.
//!
//! Layers (arrows point inward only):
//! `cli -> commands -> { project, safety, engine, compose, tui }`.
//! `project` and `safety` are pure; `engine` and `compose` are the I/O edges.

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
pub mod tui;

pub use error::{Error, Exit, Result};
