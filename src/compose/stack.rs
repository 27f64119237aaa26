//! The docker CLI's `stack` commands for a Swarm environment: `docker stack deploy` and
//! `docker stack rm`, run like every child, behind the Engine guard (which refuses volume
//! deletions: devctl removes a stack's volumes itself, as planned). The manager's endpoint
//! comes from the environment map given (`DOCKER_HOST`/`DOCKER_CONTEXT`), never from a flag.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use super::Invocation;
use super::run::{ChildSignals, announce, exit_code, spawn_error};
use crate::engine::apiguard::rules::Allowed;
use crate::error::{Error, Result};

/// `docker stack deploy --resolve-image never -c FILE STACK`: there may be no registry to
/// resolve against, and the nodes are expected to hold the images.
pub fn deploy(file: &Path, stack: &str) -> Invocation {
    Invocation {
        program: "docker".into(),
        args: vec![
            "stack".into(),
            "deploy".into(),
            "--resolve-image".into(),
            "never".into(),
            "-c".into(),
            file.display().to_string(),
            stack.into(),
        ],
        interactive: false,
    }
}

/// `docker stack rm STACK`.
pub fn rm(stack: &str) -> Invocation {
    Invocation {
        program: "docker".into(),
        args: vec!["stack".into(), "rm".into(), stack.into()],
        interactive: false,
    }
}

/// Print the command line, run it behind the guard with environment `env`, output straight
/// through; returns its exit code.
pub fn run_in(inv: &Invocation, env: &BTreeMap<String, String>) -> Result<i32> {
    run_in_allowing(inv, env, Allowed::default())
}

/// [`run_in`], the guard letting through what the user confirmed (`allowed`: e.g. that
/// `docker stack rm` deletes the tasks' anonymous volumes).
pub fn run_in_allowing(
    inv: &Invocation,
    env: &BTreeMap<String, String>,
    allowed: Allowed,
) -> Result<i32> {
    announce(inv);
    let super::guarded::GuardedChild { mut command, check } =
        super::guarded::guarded_allowing(inv, Some(env), allowed)?;
    let signals = ChildSignals::arm();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| spawn_error(inv, &e))?;
    signals.attach(child.id());
    let status = child
        .wait()
        .map_err(|e| Error::general(format!("waiting for `{}` failed: {e}", inv.program)));
    drop(signals);
    check.finish()?;
    Ok(exit_code(status?))
}
