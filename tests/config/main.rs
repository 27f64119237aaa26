//! Loading a project: `config` and the loader, checked against `docker compose config` (vectors, corpus, seeds, discovery, dotenv, interpolation), hostile and broken files.
//!
//! One test binary per feature (each binary links the whole crate); the modules keep the
//! suites they grew from.

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod corpus;
mod discovery_vs_compose;
mod dotenv_vs_compose;
mod errors;
mod fuzz;
mod hostile;
mod interpolation_vs_compose;
mod live;
mod seeds;
mod vectors;
