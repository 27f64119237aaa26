//! The Docker Engine edge (bollard): connection, project listings, event/log/stat streams, volumes.
//!
//! bollard types are turned into the domain types of [`model`] by pure functions that are
//! tested with fixtures. Events are hints: after every (re)connect, resync from a full listing.
//!
//! Stable API for other layers: [`connect()`] (and [`connect::resolve`] for the endpoint),
//! [`model`], [`listing::list`] (one-shot listing of the project), [`watch::spawn_watch`]
//! (event-driven watcher with resync, reconnect and stats; see its module docs),
//! [`wait::run`] (`up --wait`, returning a report), [`stats`] (the `docker stats` arithmetic).

pub mod apiguard;
pub mod connect;
pub mod convert;
pub mod df;
pub mod events;
pub mod listeners;
pub mod listing;
pub mod logs;
pub mod model;
pub mod stats;
pub mod volumes;
pub mod wait;
pub mod watch;

use std::collections::BTreeMap;

use crate::error::Result;

/// Connect to the Engine the way the docker CLI does (`DOCKER_HOST`, else the current docker
/// context, TLS where configured) and negotiate the API version. `env` is the process
/// environment. Fails fast (≤ 2 s) with `Exit::EngineUnreachable` and a message saying what to do.
pub async fn connect(env: &BTreeMap<String, String>) -> Result<bollard::Docker> {
    let ep = connect::resolve(env)?;
    connect::open(&ep).await
}
