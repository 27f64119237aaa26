//! The Docker Engine edge (bollard): connection, snapshots, event/log/stat streams, volumes.
//!
//! bollard types are turned into the domain types of [`model`] by pure functions that are
//! tested with fixtures. Events are hints: after every (re)connect, resync from a full listing.
//!
//! Stable API for other layers: [`connect`], [`model`].

pub mod model;
pub mod volumes;

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Connect to the Engine the way the docker CLI does (`DOCKER_HOST`, else the current docker
/// context, TLS where configured) and negotiate the API version. `env` is the process
/// environment. Fails fast (≤ 2 s) with `Exit::EngineUnreachable` and a message saying what to do.
pub async fn connect(_env: &BTreeMap<String, String>) -> Result<bollard::Docker> {
    Err(Error::engine(
        "the Engine connection is not implemented yet",
    ))
}
