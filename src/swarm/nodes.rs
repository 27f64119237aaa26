//! Each node's own Engine: the manager's endpoint for the manager devctl talks to, `nodes:`
//! of the environment for the others. A node whose Engine cannot be reached is kept, with
//! the reason, so that plans list it instead of skipping it.

use super::facts::SwarmNode;
use super::target::{Target, env_for};

/// A node and, when reachable, a client of its own Engine.
#[derive(Clone)]
pub struct NodeEngine {
    pub node: SwarmNode,
    /// The endpoint used (or that would be used).
    pub endpoint: Option<String>,
    pub docker: Option<bollard::Docker>,
    /// The resolved endpoint of `docker`.
    pub ep: Option<crate::engine::connect::Endpoint>,
    /// Why `docker` is `None`.
    pub unreachable: Option<String>,
}

/// The id of the node the manager's Engine runs on.
pub async fn own_node_id(docker: &bollard::Docker) -> Option<String> {
    docker.info().await.ok()?.swarm?.node_id
}

/// Connect to every node's Engine (concurrently; each within the connect timeout).
pub async fn connect_all(
    t: &Target,
    manager: &bollard::Docker,
    nodes: &[SwarmNode],
) -> Vec<NodeEngine> {
    let own = own_node_id(manager).await;
    let futures = nodes.iter().map(|n| {
        let own = own.clone();
        async move {
            if own.as_deref() == Some(n.id.as_str()) {
                return NodeEngine {
                    node: n.clone(),
                    endpoint: t.env.get("DOCKER_HOST").cloned().or_else(|| t.context.clone()),
                    docker: Some(manager.clone()),
                    ep: crate::engine::connect::resolve(&t.env).ok(),
                    unreachable: None,
                };
            }
            let Some(ep) = t.nodes.get(&n.hostname) else {
                return NodeEngine {
                    node: n.clone(),
                    endpoint: None,
                    docker: None,
                    ep: None,
                    unreachable: Some(format!(
                        "no endpoint for node {} (add `nodes: {{{}: ENDPOINT}}` to environment `{}` in devctl.yaml)",
                        n.hostname, n.hostname, t.environment
                    )),
                };
            };
            let env = env_for(&t.env, Some(ep));
            let resolved = crate::engine::connect::resolve(&env);
            let opened = match &resolved {
                Ok(r) => crate::engine::connect::open(r).await,
                Err(e) => Err(crate::error::Error::new(e.exit, e.message.clone())),
            };
            match opened {
                Ok(d) => match own_node_id(&d).await {
                    Some(id) if id == n.id => NodeEngine {
                        node: n.clone(),
                        endpoint: Some(ep.clone()),
                        docker: Some(d),
                        ep: resolved.ok(),
                        unreachable: None,
                    },
                    other => NodeEngine {
                        node: n.clone(),
                        endpoint: Some(ep.clone()),
                        docker: None,
                        ep: None,
                        unreachable: Some(format!(
                            "{ep} answers as node {}, not as {} ({}): check `nodes:` in devctl.yaml",
                            other.unwrap_or_else(|| "outside any Swarm".into()),
                            n.hostname,
                            n.id
                        )),
                    },
                },
                Err(e) => NodeEngine {
                    node: n.clone(),
                    endpoint: Some(ep.clone()),
                    docker: None,
                    ep: None,
                    unreachable: Some(e.message),
                },
            }
        }
    });
    futures_util::future::join_all(futures).await
}

/// Whether `image` is on each reachable node: (nodes checked, hostnames lacking it).
pub async fn image_presence(engines: &[NodeEngine], image: &str) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut missing = Vec::new();
    for e in engines {
        let Some(d) = &e.docker else { continue };
        checked += 1;
        if d.inspect_image(image).await.is_err() {
            missing.push(e.node.hostname.clone());
        }
    }
    (checked, missing)
}

/// The last health-probe outputs of a task's container, from its node's Engine (empty when
/// the node is unreachable or the container is gone).
pub async fn probe_output(engines: &[NodeEngine], node_id: &str, container: &str) -> Vec<String> {
    let Some(d) = engines
        .iter()
        .find(|e| e.node.id == node_id)
        .and_then(|e| e.docker.as_ref())
    else {
        return Vec::new();
    };
    let Ok(c) = d
        .inspect_container(
            container,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
    else {
        return Vec::new();
    };
    c.state
        .and_then(|s| s.health)
        .and_then(|h| h.log)
        .unwrap_or_default()
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|l| {
            format!(
                "exit {}: {}",
                l.exit_code.unwrap_or(-1),
                crate::sanitize::sanitize_str(l.output.as_deref().unwrap_or("").trim())
            )
        })
        .collect()
}
