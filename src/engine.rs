//! The Docker Engine edge (bollard): connection, snapshots, event/log/stat streams, volumes.
//!
//! bollard types are turned into the domain types of [`model`] by pure functions that are
//! tested with fixtures. Events are hints: after every (re)connect, resync from a full listing.

pub mod model;
