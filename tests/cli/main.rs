//! The command line as a whole: completions, bad input on every command, the Engine down, `--json`, `--no-color`, no panics, sanitising, and the layer rules of the source.
//!
//! One test binary per feature (each binary links the whole crate); the modules keep the
//! suites they grew from.

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod completions;
mod engine_down;
mod json;
mod layers;
mod no_color;
mod no_panic;
mod regressions;
mod sanitize_props;
