//! Which environment targets a Swarm, and where its manager is.

use std::collections::BTreeMap;
use std::path::PathBuf;

use indexmap::IndexMap;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::project::environments;

/// A Swarm environment, resolved.
#[derive(Debug, Clone)]
pub struct Target {
    /// The environment's name (`prod`).
    pub environment: String,
    /// The project name (Compose's rules).
    pub project: String,
    /// The stack name (`stack:`, else the project name).
    pub stack: String,
    /// The process environment with the manager's endpoint set (`DOCKER_HOST` or
    /// `DOCKER_CONTEXT` from `context:`); what bollard and the docker CLI child get.
    pub env: BTreeMap<String, String>,
    /// `context:` as written, if any.
    pub context: Option<String>,
    /// `nodes:` hostname → endpoint.
    pub nodes: IndexMap<String, String>,
    /// The `devctl.yaml` that declared it.
    pub config: Option<PathBuf>,
}

/// The process environment `env` pointed at `context` (a context name, or an endpoint URL).
pub fn env_for(env: &BTreeMap<String, String>, context: Option<&str>) -> BTreeMap<String, String> {
    let mut out = env.clone();
    match context {
        Some(c) if c.contains("://") => {
            out.insert("DOCKER_HOST".into(), c.to_string());
            out.remove("DOCKER_CONTEXT");
        }
        Some(c) => {
            out.insert("DOCKER_CONTEXT".into(), c.to_string());
            out.remove("DOCKER_HOST");
        }
        None => {}
    }
    out
}

/// The Swarm target of `ctx`'s environment, or `None` when the environment (if any) is a
/// Compose one. A project that cannot be found is `None` too: the Compose path reports it.
/// A broken `devctl.yaml` is an error (exit 3).
pub fn of(ctx: &Ctx) -> Result<Option<Target>> {
    let Ok(resolved) = crate::project::resolve(&ctx.project_options()) else {
        return Ok(None);
    };
    let Some(environment) = resolved.environment.clone() else {
        return Ok(None);
    };
    let Some(base) = resolved.files.first() else {
        return Ok(None);
    };
    let cfg = environments::read_config(base)?;
    let Some(swarm) = cfg
        .environments
        .get(&environment)
        .and_then(|e| e.swarm.clone())
    else {
        return Ok(None);
    };
    let stack = swarm.stack.clone().unwrap_or_else(|| resolved.name.clone());
    if !environments::swarm_keys::valid_stack_name(&stack) {
        return Err(Error::config(format!(
            "the project name {stack:?} is not a valid stack name for environment `{environment}`"
        ))
        .with_hint("set `stack:` under the environment in devctl.yaml"));
    }
    Ok(Some(Target {
        environment,
        project: resolved.name.clone(),
        stack,
        env: env_for(&ctx.env, swarm.context.as_deref()),
        context: swarm.context,
        nodes: swarm.nodes,
        config: cfg.path,
    }))
}

/// A connected Swarm manager.
#[derive(Clone)]
pub struct Manager {
    pub docker: bollard::Docker,
    pub ep: crate::engine::connect::Endpoint,
}

/// Connect to the manager and check that it is one (exit 3 when the endpoint is not a Swarm
/// manager, 6 when it does not answer).
pub async fn manager(t: &Target) -> Result<Manager> {
    let ep = crate::engine::connect::resolve(&t.env)?;
    let docker = crate::engine::connect::open(&ep).await.map_err(|e| match &t.context {
        Some(c) => Error::new(
            e.exit,
            format!(
                "{} (the manager of environment `{}`: `context: {c}` in {})",
                e.message,
                t.environment,
                t.config.as_ref().map_or("devctl.yaml".into(), |p| p.display().to_string())
            ),
        )
        .with_hint("start that manager's Engine, or fix `context:` (a docker context name or unix://, tcp://, ssh:// endpoint)"),
        None => e,
    })?;
    let info = docker.info().await.map_err(|e| {
        Error::engine(format!(
            "the Engine at {} did not describe itself: {}",
            ep.host,
            crate::engine::connect::describe_error(&e)
        ))
    })?;
    let swarm = info.swarm.unwrap_or_default();
    let state = swarm
        .local_node_state
        .map(|s| s.to_string())
        .unwrap_or_else(|| "inactive".into());
    if swarm.control_available != Some(true) {
        let what = if state == "active" {
            "a Swarm worker, not a manager".to_string()
        } else {
            format!("not part of a Swarm (swarm: {state})")
        };
        return Err(Error::config(format!(
            "environment `{}` targets a Swarm, but the Engine at {} ({}) is {what}; nothing was done",
            t.environment, ep.host, ep.source
        ))
        .with_hint(format!(
            "point `context:` of environment `{}` in {} at a manager (`docker node ls` works \
             there), or create one with `docker swarm init`",
            t.environment,
            t.config
                .as_ref()
                .map_or("devctl.yaml".into(), |p| p.display().to_string())
        )));
    }
    Ok(Manager { docker, ep })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_sets_the_endpoint() {
        let mut env = BTreeMap::new();
        env.insert("DOCKER_HOST".to_string(), "unix:///a".to_string());
        env.insert("DOCKER_CONTEXT".to_string(), "c".to_string());
        let e = env_for(&env, Some("unix:///m.sock"));
        assert_eq!(e["DOCKER_HOST"], "unix:///m.sock");
        assert!(!e.contains_key("DOCKER_CONTEXT"));
        let e = env_for(&env, Some("prod-swarm"));
        assert_eq!(e["DOCKER_CONTEXT"], "prod-swarm");
        assert!(!e.contains_key("DOCKER_HOST"));
        assert_eq!(env_for(&env, None), env);
    }
}
