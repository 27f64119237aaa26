//! devctl: drive a Docker Compose stack safely.
//!
//! Layers (arrows point inward only):
//! `cli -> commands -> { safety, compose, tui } -> { project, engine } -> { context, format,
//! sanitize, error }`.
//!
//! - [`cli`] parses arguments into a [`context::Ctx`]; nothing below [`commands`] imports
//!   `cli` or `commands`.
//! - [`project`] and the core of [`safety`] are pure.
//! - [`engine`] (bollard, and the Engine guard [`engine::apiguard`]) and [`compose`] (every
//!   Compose/docker CLI child, started behind the guard) are the I/O edges.
//! - [`tui`] is a single-owner Model/update loop.

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
pub mod tui;

pub use error::{Error, Exit, Result};
