//! A stack's volumes on every node (Swarm creates them on each node a task ran on, labelled
//! with the stack, and `docker stack rm` leaves them: moby#35179), as a plan for the safety
//! gate; and their removal, node by node, exactly as planned.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::LABEL_STACK;
use super::nodes::NodeEngine;
use crate::safety::classify::Action;
use crate::safety::plan::{DeletionPlan, KeptVolume, PlannedVolume, VolumeKind};

/// One volume on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeVolume {
    pub node: String,
    pub node_id: String,
    pub name: String,
    pub size_bytes: Option<i64>,
    pub protected: bool,
}

/// The plan: what goes, what stays, which nodes could not be asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SwarmVolumePlan {
    pub stack: String,
    pub remove: Vec<NodeVolume>,
    /// (node, volume, why it stays).
    pub kept: Vec<(String, String, String)>,
    /// (node, why it could not be asked).
    pub unreachable: Vec<(String, String)>,
}

impl SwarmVolumePlan {
    /// The same plan in the safety gate's form (for its policy and the audit log).
    pub fn as_deletion_plan(&self, project: &str) -> DeletionPlan {
        DeletionPlan {
            project: project.to_string(),
            actions: vec![Action::DownVolumes],
            remove: self
                .remove
                .iter()
                .map(|v| PlannedVolume {
                    name: v.name.clone(),
                    key: None,
                    kind: VolumeKind::Named,
                    external: false,
                    protected: v.protected,
                    created_at: None,
                    size_bytes: v.size_bytes,
                    labels: BTreeMap::from([("node".to_string(), v.node.clone())]),
                    mounted_by: Vec::new(),
                    driver: String::new(),
                    mountpoint: None,
                })
                .collect(),
            at_risk: Vec::new(),
            kept: self
                .kept
                .iter()
                .map(|(node, name, reason)| KeptVolume {
                    name: name.clone(),
                    key: None,
                    reason: format!("on {node}: {reason}"),
                })
                .collect(),
            warnings: Vec::new(),
        }
    }

    /// The plan as the user reads it.
    pub fn render(&self) -> String {
        let mut out = format!(
            "Plan for the volumes of stack `{}`, on every node:\n",
            self.stack
        );
        if self.remove.is_empty() {
            out.push_str("  remove: nothing\n");
        }
        for v in &self.remove {
            out.push_str(&format!(
                "  remove  {:<24} on {:<16} {}{}\n",
                crate::sanitize::sanitize_str(&v.name),
                crate::sanitize::sanitize_str(&v.node),
                crate::safety::prompt::human_size(v.size_bytes),
                if v.protected { "  (protected)" } else { "" }
            ));
        }
        for (node, name, why) in &self.kept {
            out.push_str(&format!(
                "  keep    {:<24} on {:<16} {}\n",
                crate::sanitize::sanitize_str(name),
                crate::sanitize::sanitize_str(node),
                why
            ));
        }
        for (node, why) in &self.unreachable {
            out.push_str(&format!(
                "  UNREACHABLE node {}: {}\n",
                crate::sanitize::sanitize_str(node),
                crate::sanitize::sanitize_str(why)
            ));
        }
        out
    }
}

/// Pure: decide for the volumes found on one node.
/// `external`: Engine names of the project's external volumes; `protected`: devctl.yaml's
/// `protected_volumes` (keys or names).
pub fn decide(
    plan: &mut SwarmVolumePlan,
    node: &NodeEngine,
    found: &[(String, HashMap<String, String>, Option<i64>)],
    external: &[String],
    protected: &[String],
) {
    for (name, labels, size) in found {
        let host = node.node.hostname.clone();
        if labels.get(LABEL_STACK) != Some(&plan.stack) {
            plan.kept
                .push((host, name.clone(), "not labelled with this stack".into()));
            continue;
        }
        let key = name
            .strip_prefix(&format!("{}_", plan.stack))
            .unwrap_or(name);
        if external.iter().any(|e| e == name || e == key) {
            plan.kept.push((
                host,
                name.clone(),
                "external: never removed unless named".into(),
            ));
            continue;
        }
        plan.remove.push(NodeVolume {
            node: host,
            node_id: node.node.id.clone(),
            name: name.clone(),
            size_bytes: *size,
            protected: protected.iter().any(|p| p == name || p == key),
        });
    }
}

/// Build the plan from every node's Engine.
pub async fn plan(
    stack: &str,
    engines: &[NodeEngine],
    external: &[String],
    protected: &[String],
) -> SwarmVolumePlan {
    let mut plan = SwarmVolumePlan {
        stack: stack.to_string(),
        ..Default::default()
    };
    for e in engines {
        let Some(d) = &e.docker else {
            plan.unreachable.push((
                e.node.hostname.clone(),
                e.unreachable.clone().unwrap_or_default(),
            ));
            continue;
        };
        let label = format!("{LABEL_STACK}={stack}");
        let list = d
            .list_volumes(Some(bollard::query_parameters::ListVolumesOptions {
                filters: Some(HashMap::from([("label".to_string(), vec![label])])),
            }))
            .await;
        let vols = match list {
            Ok(l) => l.volumes.unwrap_or_default(),
            Err(err) => {
                plan.unreachable.push((
                    e.node.hostname.clone(),
                    format!(
                        "listing volumes failed: {}",
                        crate::engine::connect::describe_error(&err)
                    ),
                ));
                continue;
            }
        };
        let sizes = sizes(e).await;
        let found: Vec<_> = vols
            .into_iter()
            .map(|v| {
                let size = sizes.get(&v.name).copied();
                (v.name, v.labels, size)
            })
            .collect();
        decide(&mut plan, e, &found, external, protected);
    }
    plan
}

/// Volume sizes from the node's `system df` (empty when it cannot say).
async fn sizes(e: &NodeEngine) -> HashMap<String, i64> {
    let (Some(d), Some(ep)) = (&e.docker, &e.ep) else {
        return HashMap::new();
    };
    crate::engine::df::volume_sizes(d, ep)
        .await
        .into_iter()
        .filter(|(_, (size, _))| *size >= 0)
        .map(|(name, (size, _))| (name, size))
        .collect()
}

/// Wait (up to `limit`) until no container of the stack is left on any reachable node, so
/// that its volumes are free.
pub async fn wait_containers_gone(
    stack: &str,
    engines: &[NodeEngine],
    limit: std::time::Duration,
) -> bool {
    let start = std::time::Instant::now();
    let label = format!("{LABEL_STACK}={stack}");
    loop {
        let mut left = 0;
        for d in engines.iter().filter_map(|e| e.docker.as_ref()) {
            let list = d
                .list_containers(Some(bollard::query_parameters::ListContainersOptions {
                    all: true,
                    filters: Some(HashMap::from([("label".to_string(), vec![label.clone()])])),
                    ..Default::default()
                }))
                .await;
            left += list.map(|l| l.len()).unwrap_or(0);
        }
        if left == 0 {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

/// Move the planned volumes that a container on their node still mounts to `kept`.
pub async fn keep_in_use(plan: &mut SwarmVolumePlan, engines: &[NodeEngine]) {
    let mut remove = Vec::new();
    for v in std::mem::take(&mut plan.remove) {
        let d = engines
            .iter()
            .find(|e| e.node.id == v.node_id)
            .and_then(|e| e.docker.as_ref());
        let users = match d {
            Some(d) => d
                .list_containers(Some(bollard::query_parameters::ListContainersOptions {
                    all: true,
                    filters: Some(HashMap::from([(
                        "volume".to_string(),
                        vec![v.name.clone()],
                    )])),
                    ..Default::default()
                }))
                .await
                .map(|l| l.len())
                .unwrap_or(0),
            None => 0,
        };
        if users > 0 {
            plan.kept.push((
                v.node.clone(),
                v.name.clone(),
                format!("in use by {users} container(s)"),
            ));
        } else {
            remove.push(v);
        }
    }
    plan.remove = remove;
}

/// Remove exactly the planned volumes, node by node. Returns one line per volume.
pub async fn remove(plan: &SwarmVolumePlan, engines: &[NodeEngine]) -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let mut ok = true;
    for v in &plan.remove {
        let Some(d) = engines
            .iter()
            .find(|e| e.node.id == v.node_id)
            .and_then(|e| e.docker.as_ref())
        else {
            ok = false;
            lines.push(format!(
                "kept {} on {}: the node is no longer reachable",
                v.name, v.node
            ));
            continue;
        };
        match d
            .remove_volume(
                &v.name,
                None::<bollard::query_parameters::RemoveVolumeOptions>,
            )
            .await
        {
            Ok(()) => lines.push(format!("removed volume {} on {}", v.name, v.node)),
            Err(e) => {
                ok = false;
                lines.push(format!(
                    "could not remove volume {} on {}: {}",
                    v.name,
                    v.node,
                    crate::engine::connect::describe_error(&e)
                ));
            }
        }
    }
    (lines, ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::facts::SwarmNode;

    fn engine(host: &str) -> NodeEngine {
        NodeEngine {
            node: SwarmNode {
                id: format!("{host}-id"),
                hostname: host.into(),
                role: "worker".into(),
                state: "ready".into(),
                availability: "active".into(),
                addr: String::new(),
            },
            endpoint: None,
            docker: None,
            ep: None,
            unreachable: None,
        }
    }

    #[test]
    fn only_this_stacks_non_external_volumes_are_planned() {
        let mut p = SwarmVolumePlan {
            stack: "shop".into(),
            ..Default::default()
        };
        let lab = |s: &str| HashMap::from([(LABEL_STACK.to_string(), s.to_string())]);
        let found = vec![
            ("shop_data".to_string(), lab("shop"), Some(10)),
            ("shop_keep".to_string(), lab("shop"), None),
            ("other_data".to_string(), lab("other"), Some(1)),
            ("shop_pg".to_string(), lab("shop"), Some(5)),
        ];
        decide(
            &mut p,
            &engine("n2"),
            &found,
            &["shop_keep".into()],
            &["pg".into()],
        );
        let names: Vec<&str> = p.remove.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, vec!["shop_data", "shop_pg"]);
        assert!(p.remove[1].protected);
        assert_eq!(p.kept.len(), 2);
        let d = p.as_deletion_plan("shop");
        assert_eq!(
            crate::safety::policy::required_words(&d),
            vec!["shop_pg".to_string()]
        );
        assert!(p.render().contains("remove  shop_data"));
    }

    /// A volume some layer declares external (by key, as another environment's override file
    /// would) is kept even though the stack's label is on it (left by an earlier deploy).
    #[test]
    fn a_volume_external_by_key_in_any_layer_is_kept() {
        let mut p = SwarmVolumePlan {
            stack: "shop".into(),
            ..Default::default()
        };
        let lab = HashMap::from([(LABEL_STACK.to_string(), "shop".to_string())]);
        let found = vec![
            ("shop_baseext".to_string(), lab.clone(), Some(9)),
            ("shop_data".to_string(), lab, Some(1)),
        ];
        decide(&mut p, &engine("n2"), &found, &["baseext".into()], &[]);
        let names: Vec<&str> = p.remove.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, vec!["shop_data"]);
        assert_eq!(p.kept.len(), 1);
        assert!(p.kept[0].2.contains("external"), "{:?}", p.kept);
    }
}
