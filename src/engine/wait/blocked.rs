//! When Compose's `up` stops because a dependency failed (`dependency failed to start:
//! container … is unhealthy`, `service "x" didn't complete successfully: exit 3`), which
//! services it left unstarted and why, read from the Engine's facts and the project model
//! (pure): a service not started (its containers created, never run) whose `depends_on`
//! condition names a dependency that failed, or another service left unstarted.

use std::path::Path;

use super::progress::{Expect, Verdict, assess};
use crate::engine::model::{ContainerState, ServiceStatus};
use std::collections::BTreeMap;

use crate::project::{Origin, Project};

/// Key path → where it was set, in load order (`LoadedProject::provenance`).
pub type Provenance = BTreeMap<String, Vec<Origin>>;

/// A service Compose did not start, and the dependency it was waiting for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub service: String,
    pub waits_for: String,
    /// The `depends_on` condition (`service_healthy`, `service_completed_successfully`,
    /// `service_started`).
    pub condition: String,
    /// The compose file that set the condition (as given to [`find`]'s `base`), if known.
    pub declared_in: Option<String>,
    /// The dependency itself failed (else: it was not started either).
    pub dependency_failed: bool,
}

impl Blocked {
    /// `not started: waits for postgres (`condition: service_healthy` in docker/compose.yml)`.
    pub fn text(&self) -> String {
        let file = self
            .declared_in
            .as_deref()
            .map_or(String::new(), |f| format!(" in {f}"));
        let tail = if self.dependency_failed {
            ""
        } else {
            ", which was not started either"
        };
        format!(
            "not started: waits for {} (`condition: {}`{file}){tail}",
            self.waits_for, self.condition
        )
    }
}

/// Containers created but never started: what Compose leaves behind for the services after
/// a failed dependency (it creates every container before it starts any).
pub fn not_started(s: &ServiceStatus) -> bool {
    !s.containers.is_empty()
        && s.containers
            .iter()
            .all(|c| c.state == ContainerState::Created && c.state_error.is_none())
}

/// Did dependency `dep` fail the way `condition` needs it? `service_healthy`: it is
/// unhealthy, exited, dead or could not start; `service_completed_successfully`: it exited
/// with a code other than 0 (or could not run); `service_started`: it could not run.
pub fn failed_for(dep: &ServiceStatus, condition: &str, replicas: u32) -> bool {
    let completes_ok = condition == "service_completed_successfully";
    let (_, verdict) = assess(
        dep,
        Expect {
            replicas,
            completes_ok,
        },
    );
    if verdict != Verdict::Failed {
        return false;
    }
    if condition == "service_started" {
        // Running but unhealthy satisfies `service_started`.
        return dep
            .containers
            .iter()
            .any(|c| c.state != ContainerState::Running);
    }
    true
}

/// Pure: the services left unstarted because of a failed dependency, in the model's order.
/// Empty when no dependency failed (then Compose stopped for another reason). `base`: file
/// paths are shown relative to it when they are inside it.
pub fn find(
    project: &Project,
    provenance: &Provenance,
    statuses: &[ServiceStatus],
    base: &Path,
) -> Vec<Blocked> {
    let status = |name: &str| statuses.iter().find(|s| s.name == name);
    let mut out: Vec<Blocked> = Vec::new();
    // Each round adds the services blocked by one more link of the chain.
    loop {
        let mut added = false;
        for (name, svc) in &project.services {
            if out.iter().any(|b| b.service == *name) {
                continue;
            }
            let Some(st) = status(name) else { continue };
            if !not_started(st) {
                continue;
            }
            let found = svc.depends_on.iter().find_map(|(dep, d)| {
                let condition = d.condition.as_deref().unwrap_or("service_started");
                let replicas = project.services.get(dep).map_or(1, replicas_of);
                let failed = status(dep).is_some_and(|s| failed_for(s, condition, replicas));
                let blocked = out.iter().any(|b| b.service == *dep);
                (failed || blocked).then(|| Blocked {
                    service: name.clone(),
                    waits_for: dep.clone(),
                    condition: condition.to_string(),
                    declared_in: declared_in(provenance, name, dep, base),
                    dependency_failed: failed,
                })
            });
            if let Some(b) = found {
                out.push(b);
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    if !out.iter().any(|b| b.dependency_failed) {
        return Vec::new();
    }
    // The model's order, not the discovery order.
    let order: Vec<&String> = project.services.keys().collect();
    out.sort_by_key(|b| order.iter().position(|n| **n == b.service));
    out
}

fn replicas_of(s: &crate::project::model::Service) -> u32 {
    s.scale
        .or_else(|| {
            s.deploy
                .as_ref()
                .and_then(|d| d.get("replicas"))
                .and_then(|r| r.as_u64())
                .and_then(|r| u32::try_from(r).ok())
        })
        .unwrap_or(1)
}

/// The file whose `depends_on` set the condition in effect (`config --explain` knows it).
fn declared_in(prov: &Provenance, service: &str, dep: &str, base: &Path) -> Option<String> {
    let key = format!("services.{service}.depends_on.{dep}.condition");
    let file = &prov.get(&key)?.last()?.file;
    Some(match file.strip_prefix(base) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => file.display().to_string(),
    })
}

#[cfg(test)]
#[path = "blocked/tests.rs"]
mod tests;
