//! A stack's services, tasks and nodes from a manager's Engine API: pure conversions from
//! bollard's types, and one gather.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{Node, Service, Task};
use serde::Serialize;
use serde_json::json;

use super::LABEL_STACK;
use crate::error::{Error, Result};

/// A Swarm node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmNode {
    pub id: String,
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    /// `ready`, `down`, `unknown`…
    pub state: String,
    /// `active`, `pause`, `drain`.
    pub availability: String,
    pub addr: String,
}

/// One task of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmTask {
    pub id: String,
    /// `<service>.<slot>` (or `<service>.<node id>` for global services), as `docker stack ps`.
    pub name: String,
    pub slot: Option<i64>,
    pub node_id: String,
    /// The node's hostname (the id when the node is gone).
    pub node: String,
    /// `new` … `running`, `complete`, `failed`, `shutdown`, `rejected`…
    pub state: String,
    /// What the orchestrator wants: `running` or `shutdown`.
    pub desired_state: String,
    /// `starting` (health check not yet passed), `healthy` (running with a health check),
    /// `unhealthy` (shut down by its probe); `None`: no health check.
    pub health: Option<String>,
    pub message: String,
    /// The task's error (`task: non-zero exit (137)`, `no suitable node …`).
    pub error: Option<String>,
    pub exit_code: Option<i64>,
    pub container_id: Option<String>,
    /// RFC 3339 time of the last status change.
    pub since: String,
}

/// One service of the stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmService {
    pub id: String,
    /// The full name (`<stack>_<service>`).
    pub name: String,
    /// The compose service name (`<service>`).
    pub service: String,
    pub image: String,
    /// `replicated` or `global`.
    pub mode: String,
    pub desired: u64,
    pub running: u64,
    pub healthcheck: bool,
    /// The project label devctl wrote at deploy (`None`: not deployed by devctl).
    pub project: Option<String>,
    /// Current tasks first (desired running), then history; newest first within each.
    pub tasks: Vec<SwarmTask>,
    /// Targets of the anonymous volumes its tasks mount (`volumes: [/path]`): Swarm removes
    /// them with the task containers, so `docker stack rm` deletes their data.
    pub anonymous_volumes: Vec<String>,
}

/// A stack as the manager sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackFacts {
    pub stack: String,
    pub services: Vec<SwarmService>,
    pub nodes: Vec<SwarmNode>,
}

impl StackFacts {
    /// Services whose running replicas are all there and whose current tasks are all running
    /// (and healthy where there is a health check).
    pub fn converged(&self) -> bool {
        self.services.iter().all(|s| {
            s.running >= s.desired
                && s.tasks
                    .iter()
                    .filter(|t| t.desired_state == "running")
                    .all(|t| t.state == "running")
        })
    }
}

fn s(v: Option<impl ToString>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Pure: a bollard node.
pub fn node(n: &Node) -> SwarmNode {
    let spec = n.spec.clone().unwrap_or_default();
    let status = n.status.clone().unwrap_or_default();
    SwarmNode {
        id: s(n.id.as_ref()),
        hostname: s(n.description.as_ref().and_then(|d| d.hostname.as_ref())),
        role: s(spec.role),
        state: s(status.state),
        availability: s(spec.availability),
        addr: s(status.addr),
    }
}

/// Pure: a task's health from its state and error (Swarm keeps a task with a health check
/// `starting` until the probe passed, and ends it with "unhealthy container" when it fails).
pub fn health_of(state: &str, error: Option<&str>) -> String {
    let unhealthy = error.is_some_and(|e| e.contains("unhealthy"));
    match state {
        _ if unhealthy => "unhealthy",
        "running" => "healthy",
        "starting" => "starting",
        _ => "none",
    }
    .to_string()
}

/// The ids of the stack's services that have a health check. Read from the raw answer: the
/// Engine names the field `Healthcheck` in a service's container spec, which bollard's typed
/// model (`HealthCheck`) does not read.
async fn healthchecked(
    m: &super::target::Manager,
    stack: &str,
) -> std::collections::HashSet<String> {
    use http_body_util::BodyExt;
    let filters = serde_json::json!({"label": [format!("{LABEL_STACK}={stack}")]}).to_string();
    let uri = format!(
        "/v{}/services?filters={}",
        m.docker.client_version(),
        percent(&filters)
    );
    let fetch = async {
        let upstream = crate::engine::apiguard::Upstream::for_endpoint(&m.ep).ok()?;
        let mut sender = upstream
            .connect_with::<http_body_util::Empty<bytes::Bytes>>(false)
            .await
            .ok()?;
        let req = hyper::Request::get(uri)
            .header(hyper::header::HOST, "docker")
            .body(http_body_util::Empty::new())
            .ok()?;
        let resp = sender.send_request(req).await.ok()?;
        let body = http_body_util::Limited::new(resp.into_body(), 16 * 1024 * 1024)
            .collect()
            .await
            .ok()?;
        serde_json::from_slice::<serde_json::Value>(&body.to_bytes()).ok()
    };
    let Ok(Some(v)) = tokio::time::timeout(std::time::Duration::from_secs(10), fetch).await else {
        return Default::default();
    };
    v.as_array()
        .into_iter()
        .flatten()
        .filter(|s| {
            let spec = &s["Spec"]["TaskTemplate"]["ContainerSpec"];
            let h = if spec["Healthcheck"].is_null() {
                &spec["HealthCheck"]
            } else {
                &spec["Healthcheck"]
            };
            h["Test"]
                .as_array()
                .and_then(|t| t.first())
                .and_then(|x| x.as_str())
                .is_some_and(|x| x != "NONE")
        })
        .filter_map(|s| s["ID"].as_str().map(String::from))
        .collect()
}

/// Percent-encode a query value.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Pure: a bollard task, with node names and whether its service has a health check.
pub fn task(
    t: &Task,
    service: &str,
    nodes: &HashMap<String, String>,
    healthcheck: bool,
) -> SwarmTask {
    let status = t.status.clone().unwrap_or_default();
    let node_id = s(t.node_id.as_ref());
    let state = s(status.state);
    let error = status.err.clone().filter(|e| !e.is_empty());
    let health = healthcheck.then(|| health_of(&state, error.as_deref()));
    let suffix = match t.slot {
        Some(slot) if slot > 0 => slot.to_string(),
        _ => node_id.clone(),
    };
    SwarmTask {
        id: s(t.id.as_ref()),
        name: format!("{service}.{suffix}"),
        slot: t.slot,
        node: nodes
            .get(&node_id)
            .cloned()
            .unwrap_or_else(|| node_id.clone()),
        node_id,
        state,
        desired_state: s(t.desired_state),
        health,
        message: status.message.unwrap_or_default(),
        error,
        exit_code: status.container_status.as_ref().and_then(|c| c.exit_code),
        container_id: status
            .container_status
            .and_then(|c| c.container_id)
            .filter(|c| !c.is_empty()),
        since: s(status.timestamp.as_ref()),
    }
}

/// Pure: a bollard service and its tasks.
pub fn service(
    sv: &Service,
    stack: &str,
    tasks: &[&Task],
    nodes: &HashMap<String, String>,
) -> SwarmService {
    let spec = sv.spec.clone().unwrap_or_default();
    let name = s(spec.name.as_ref());
    let labels = spec.labels.clone().unwrap_or_default();
    let container = spec
        .task_template
        .as_ref()
        .and_then(|t| t.container_spec.clone())
        .unwrap_or_default();
    let healthcheck = container
        .health_check
        .as_ref()
        .and_then(|h| h.test.as_ref())
        .is_some_and(|t| t.first().is_some_and(|x| x != "NONE"));
    let image = s(container.image.as_ref());
    let image = image.split('@').next().unwrap_or("").to_string();
    let anonymous_volumes = container
        .mounts
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|m| {
            m.typ == Some(bollard::models::MountType::VOLUME)
                && m.source.as_deref().is_none_or(str::is_empty)
        })
        .map(|m| s(m.target.as_ref()))
        .collect();
    let mode = spec.mode.unwrap_or_default();
    let global = mode.global.is_some();
    let status = sv.service_status.clone().unwrap_or_default();
    let mut tasks: Vec<SwarmTask> = tasks
        .iter()
        .map(|t| task(t, &name, nodes, healthcheck))
        .collect();
    tasks.sort_by(|a, b| {
        (b.desired_state == "running")
            .cmp(&(a.desired_state == "running"))
            .then(a.slot.cmp(&b.slot))
            .then(b.since.cmp(&a.since))
    });
    let desired = match (global, mode.replicated.and_then(|r| r.replicas)) {
        (false, Some(r)) => u64::try_from(r).unwrap_or(0),
        _ => status.desired_tasks.unwrap_or(0),
    };
    SwarmService {
        id: s(sv.id.as_ref()),
        service: name
            .strip_prefix(&format!("{stack}_"))
            .unwrap_or(&name)
            .to_string(),
        name,
        image,
        mode: if global { "global" } else { "replicated" }.into(),
        desired,
        running: tasks.iter().filter(|t| t.state == "running").count() as u64,
        healthcheck,
        project: labels.get(super::LABEL_PROJECT).cloned(),
        tasks,
        anonymous_volumes,
    }
}

fn filter(key: &str, value: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(key.to_string(), vec![value.to_string()])])
}

fn api(what: &str, e: &bollard::errors::Error) -> Error {
    Error::engine(format!(
        "the Swarm manager did not list {what}: {}",
        crate::engine::connect::describe_error(e)
    ))
}

/// Every node of the Swarm.
pub async fn nodes(docker: &bollard::Docker) -> Result<Vec<SwarmNode>> {
    let list = docker
        .list_nodes(None::<bollard::query_parameters::ListNodesOptions>)
        .await
        .map_err(|e| api("its nodes", &e))?;
    let mut out: Vec<SwarmNode> = list.iter().map(node).collect();
    out.sort_by(|a, b| a.hostname.cmp(&b.hostname));
    Ok(out)
}

/// The stack's services (with their tasks) and the Swarm's nodes, from the manager.
pub async fn gather(m: &super::target::Manager, stack: &str) -> Result<StackFacts> {
    let docker = &m.docker;
    let label = format!("{LABEL_STACK}={stack}");
    let services = docker
        .list_services(Some(bollard::query_parameters::ListServicesOptions {
            filters: Some(filter("label", &label)),
            status: Some(true),
        }))
        .await
        .map_err(|e| api("the stack's services", &e))?;
    let tasks = docker
        .list_tasks(Some(bollard::query_parameters::ListTasksOptions {
            filters: Some(filter("label", &label)),
        }))
        .await
        .map_err(|e| api("the stack's tasks", &e))?;
    let nodes = nodes(docker).await?;
    let names: HashMap<String, String> = nodes
        .iter()
        .map(|n| (n.id.clone(), n.hostname.clone()))
        .collect();
    let mut by_service: BTreeMap<String, Vec<&Task>> = BTreeMap::new();
    for t in &tasks {
        by_service
            .entry(s(t.service_id.as_ref()))
            .or_default()
            .push(t);
    }
    let mut out: Vec<SwarmService> = services
        .iter()
        .map(|sv| {
            let id = s(sv.id.as_ref());
            let ts = by_service.get(&id).map(Vec::as_slice).unwrap_or(&[]);
            service(sv, stack, ts, &names)
        })
        .collect();
    let checked = healthchecked(m, stack).await;
    for s in &mut out {
        if checked.contains(&s.id) && !s.healthcheck {
            s.healthcheck = true;
            for t in &mut s.tasks {
                *t = SwarmTask {
                    health: Some(health_of(&t.state, t.error.as_deref())),
                    ..t.clone()
                };
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(StackFacts {
        stack: stack.to_string(),
        services: out,
        nodes,
    })
}

/// Pure: the task changes between two snapshots, one line each.
pub fn changes(before: &StackFacts, after: &StackFacts) -> Vec<(String, serde_json::Value)> {
    let old: HashMap<&str, &SwarmTask> = before
        .services
        .iter()
        .flat_map(|s| s.tasks.iter())
        .map(|t| (t.id.as_str(), t))
        .collect();
    let mut out = Vec::new();
    for s in &after.services {
        for t in &s.tasks {
            let short: String = t.id.chars().take(12).collect();
            let node = if t.node.is_empty() {
                "(no node)"
            } else {
                &t.node
            };
            let err = t
                .error
                .as_ref()
                .map(|e| format!(": {}", crate::sanitize::sanitize_str(e)))
                .unwrap_or_default();
            let line = match old.get(t.id.as_str()) {
                None => format!("{} ({short}) on {node}: new task, {}{err}", t.name, t.state),
                Some(o) if o.state != t.state || o.health != t.health => format!(
                    "{} ({short}) on {node}: {} -> {}{}{err}",
                    t.name,
                    o.state,
                    t.state,
                    t.health
                        .as_ref()
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default()
                ),
                Some(_) => continue,
            };
            out.push((
                line,
                json!({"service": s.service, "task": t.name, "id": t.id, "node": t.node,
                       "from": old.get(t.id.as_str()).map(|o| o.state.clone()),
                       "state": t.state, "health": t.health, "error": t.error}),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_task(json: serde_json::Value) -> Task {
        serde_json::from_value(json).expect("task fixture")
    }

    #[test]
    fn tasks_carry_node_state_health_and_error() {
        let nodes = HashMap::from([("n2id".to_string(), "node-2".to_string())]);
        let t = fixture_task(serde_json::json!({
            "ID": "t1", "ServiceID": "s1", "Slot": 2, "NodeID": "n2id",
            "Status": {"Timestamp": "2026-12-07T17:00:00Z", "State": "failed", "Message": "started",
                       "Err": "task: non-zero exit (137)",
                       "ContainerStatus": {"ContainerID": "c1", "ExitCode": 137}},
            "DesiredState": "shutdown"
        }));
        let got = task(&t, "shop_api", &nodes, true);
        assert_eq!(got.name, "shop_api.2");
        assert_eq!(got.node, "node-2");
        assert_eq!(got.state, "failed");
        assert_eq!(got.desired_state, "shutdown");
        assert_eq!(got.error.as_deref(), Some("task: non-zero exit (137)"));
        assert_eq!(got.exit_code, Some(137));
        assert_eq!(got.container_id.as_deref(), Some("c1"));
        assert_eq!(got.health.as_deref(), Some("none"));
        let t = fixture_task(serde_json::json!({
            "ID": "t2", "Slot": 1, "NodeID": "gone",
            "Status": {"State": "shutdown", "Err": "task: non-zero exit (1): dockerexec: unhealthy container"},
            "DesiredState": "shutdown"
        }));
        let got = task(&t, "shop_api", &nodes, true);
        assert_eq!(got.health.as_deref(), Some("unhealthy"));
        assert_eq!(got.node, "gone");
        let t = fixture_task(
            serde_json::json!({"ID": "t3", "Slot": 1, "Status": {"State": "starting"}}),
        );
        assert_eq!(
            task(&t, "x", &nodes, true).health.as_deref(),
            Some("starting")
        );
        assert_eq!(task(&t, "x", &nodes, false).health, None);
    }

    #[test]
    fn services_count_running_tasks_and_strip_the_stack() {
        let sv: Service = serde_json::from_value(serde_json::json!({
            "ID": "s1",
            "Spec": {"Name": "shop_api", "Labels": {"dev.devctl.project": "shop"},
                     "Mode": {"Replicated": {"Replicas": 3}},
                     "TaskTemplate": {"ContainerSpec": {"Image": "img:1@sha256:abc",
                        "HealthCheck": {"Test": ["CMD", "true"]}}}}
        }))
        .expect("service fixture");
        let run = |id: &str, slot: i64, state: &str| {
            fixture_task(
                serde_json::json!({"ID": id, "Slot": slot, "Status": {"State": state}, "DesiredState": "running"}),
            )
        };
        let ts = [
            run("a", 1, "running"),
            run("b", 2, "running"),
            run("c", 3, "starting"),
        ];
        let refs: Vec<&Task> = ts.iter().collect();
        let got = service(&sv, "shop", &refs, &HashMap::new());
        assert_eq!(got.service, "api");
        assert_eq!(got.image, "img:1");
        assert_eq!((got.desired, got.running), (3, 2));
        assert_eq!(got.project.as_deref(), Some("shop"));
        assert!(got.healthcheck);
        let facts = StackFacts {
            stack: "shop".into(),
            services: vec![got],
            nodes: vec![],
        };
        assert!(!facts.converged());
    }
}
