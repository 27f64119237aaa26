//! Docker Swarm as a target: an environment of `devctl.yaml` with `target: swarm` deploys the
//! same layered project with `docker stack deploy` and reads its facts (services, tasks,
//! nodes, logs, volumes on every node) from the managers' and nodes' Engine APIs.
//!
//! - [`target`]: which environment targets a Swarm, its manager endpoint and stack name.
//! - [`stackfile`] (pure): the merged project → the stack file, and every key Swarm would
//!   ignore or refuse, with provenance.
//! - [`facts`]: services, tasks and nodes from the Engine (pure conversions + one gather).
//! - [`nodes`]: each node's own Engine (images, volumes, containers, probe output).
//! - [`logs`]: one service's log lines from every task, following rescheduled tasks.
//! - [`volumes`]: the stack's volumes on every node, as a plan for the safety gate.
//!
//! Layering: like `engine`, this is a lower layer: it never imports `cli`, `commands` or
//! `tui`; the docker CLI (`stack deploy`/`stack rm`) is run by `compose::stack`.

pub mod facts;
pub mod logs;
pub mod nodes;
pub mod stackfile;
pub mod target;
pub mod volumes;
pub mod wait;
pub mod watch;

/// The label Swarm puts on a stack's services, networks and volumes.
pub const LABEL_STACK: &str = "com.docker.stack.namespace";
/// The label devctl puts on a stack's services: the project that deployed it.
pub const LABEL_PROJECT: &str = "dev.devctl.project";
