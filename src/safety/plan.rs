//! The deletion plan: built before anything runs, from the merged model and Engine facts. Pure.
//!
//! It names every volume the action would destroy (or put at risk), with its size, creation
//! time, labels and the containers that mount it, lists the external volumes that are kept,
//! and raises loud warnings. (`views::check_views` compares the model with Compose's view.)

use std::collections::BTreeMap;

use serde::Serialize;

use super::classify::{Action, Destructive};
use super::layers::Protection;
use crate::engine::volumes::{
    EngineFacts, LABEL_PROJECT, LABEL_VOLUME, VolumeFact, is_anonymous_name,
};
use crate::project::Project;

mod bulk;
mod labels;
mod warning;
pub use bulk::{LABEL_CONFIG_HASH, used_volume_keys};
pub use labels::plan_by_labels;
pub use warning::Warning;

/// Everything `plan` looks at.
pub struct PlanInput<'a> {
    /// The merged model of the project the action targets.
    pub project: &'a Project,
    /// The project name Compose resolves (also in `project.name`).
    pub project_name: &'a str,
    /// `devctl.yaml` `protected_volumes` (compose keys or Engine names).
    pub protected_volumes: &'a [String],
    /// The external volumes of every layer of the project (not only the active ones).
    pub protection: &'a Protection,
    pub destructive: &'a Destructive,
    pub facts: &'a EngineFacts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VolumeKind {
    /// Declared under top-level `volumes:`.
    Named,
    /// Created by the Engine for a container (no name in the compose file).
    Anonymous,
    /// Not declared by this project (named on `devctl volume rm`).
    Other,
}

/// A container that mounts a volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub container: String,
    pub service: Option<String>,
    pub project: Option<String>,
    pub state: String,
    pub image_id: String,
}

/// One volume in the plan, pinned by its identity (name, driver, labels, mount point and the
/// containers that use it; see `safety::pin`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedVolume {
    /// Engine name.
    pub name: String,
    /// Key under `volumes:` in the compose file, when declared.
    pub key: Option<String>,
    pub kind: VolumeKind,
    pub external: bool,
    pub protected: bool,
    /// `CreatedAt` as the Engine reported it when the plan was built.
    pub created_at: Option<String>,
    /// Bytes, when the Engine reports it; `None` = unknown.
    pub size_bytes: Option<i64>,
    pub labels: BTreeMap<String, String>,
    pub mounted_by: Vec<User>,
    /// Volume driver (part of the pinned identity).
    #[serde(default)]
    pub driver: String,
    /// Where the Engine keeps its data (part of the pinned identity).
    #[serde(default)]
    pub mountpoint: Option<String>,
}

/// A volume the action leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptVolume {
    pub name: String,
    pub key: Option<String>,
    pub reason: String,
}

/// The plan the user sees and confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletionPlan {
    pub project: String,
    pub actions: Vec<Action>,
    /// Volumes devctl will remove itself, one by one, after Compose ran without `-v`.
    pub remove: Vec<PlannedVolume>,
    /// Volumes Compose itself puts at risk (`up -V` orphans them, `-y` may recreate them).
    pub at_risk: Vec<PlannedVolume>,
    /// External volumes and others left alone.
    pub kept: Vec<KeptVolume>,
    pub warnings: Vec<Warning>,
}

impl DeletionPlan {
    /// True when nothing would be destroyed or put at risk.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.at_risk.is_empty()
    }

    /// Every volume that needs the user's confirmation.
    pub fn affected(&self) -> impl Iterator<Item = &PlannedVolume> {
        self.remove.iter().chain(self.at_risk.iter())
    }
}

fn is_protected(protected: &[String], name: &str, key: Option<&str>) -> bool {
    protected
        .iter()
        .any(|p| p == name || Some(p.as_str()) == key)
}

/// The declared volumes of the model: (key, Engine name, external).
pub fn declared_volumes(project: &Project) -> Vec<(String, String, bool)> {
    project
        .volumes
        .iter()
        .map(|(k, v)| (k.clone(), project.volume_engine_name(k), v.is_external()))
        .collect()
}

/// `volume rm NAME…`: the names that are neither a volume of the project (its key or its
/// Engine name) nor a volume on the Engine — nothing could be planned for them.
pub fn unknown_names<'n>(
    project: &Project,
    names: &'n [String],
    facts: &EngineFacts,
) -> Vec<&'n str> {
    let declared = declared_volumes(project);
    names
        .iter()
        .filter(|n| {
            !declared.iter().any(|(k, e, _)| k == *n || e == *n) && facts.volume(n).is_none()
        })
        .map(String::as_str)
        .collect()
}

struct Builder<'a> {
    input: &'a PlanInput<'a>,
    plan: DeletionPlan,
}

impl<'a> Builder<'a> {
    fn planned(
        &self,
        fact: &VolumeFact,
        key: Option<&str>,
        kind: VolumeKind,
        external: bool,
    ) -> PlannedVolume {
        let mounted_by = self
            .input
            .facts
            .mounting(&fact.name)
            .map(|c| User {
                container: c.name.clone(),
                service: c.service.clone(),
                project: c.project.clone(),
                state: c.state.clone(),
                image_id: c.image_id.clone(),
            })
            .collect();
        let key_or_label = key.or_else(|| self.label_key(fact));
        let external = external
            || self
                .input
                .protection
                .external_reason(&fact.name, key_or_label)
                .is_some();
        PlannedVolume {
            name: fact.name.clone(),
            key: key.map(String::from),
            kind,
            external,
            protected: is_protected(self.input.protected_volumes, &fact.name, key_or_label),
            created_at: fact.created_at.clone(),
            size_bytes: fact.size_bytes,
            labels: fact.labels.clone(),
            mounted_by,
            driver: fact.driver.clone(),
            mountpoint: fact.mountpoint.clone(),
        }
    }

    /// The compose key of a volume of THIS project, from its `com.docker.compose.volume` label.
    fn label_key<'f>(&self, fact: &'f VolumeFact) -> Option<&'f str> {
        if fact.project() != Some(self.input.project_name) {
            return None;
        }
        fact.labels.get(LABEL_VOLUME).map(String::as_str)
    }

    /// Why a volume must be kept out of a bulk plan (`down -v` of another layer's volume,
    /// `volume prune`): declared external in some layer.
    fn external_elsewhere(&self, name: &str, key: Option<&str>) -> Option<String> {
        self.input.protection.external_reason(name, key)
    }

    fn contains(&self, name: &str) -> bool {
        self.plan.affected().any(|v| v.name == name)
    }

    fn keep(&mut self, name: &str, key: Option<&str>, reason: impl Into<String>) {
        if !self.plan.kept.iter().any(|k| k.name == name) {
            self.plan.kept.push(KeptVolume {
                name: name.to_string(),
                key: key.map(String::from),
                reason: reason.into(),
            });
        }
    }

    /// The project's containers, optionally only those of `services`.
    fn project_containers(
        &self,
        services: &[String],
    ) -> Vec<&'a crate::engine::volumes::ContainerFact> {
        self.input
            .facts
            .containers
            .iter()
            .filter(|c| c.project.as_deref() == Some(self.input.project_name))
            .filter(|c| {
                services.is_empty() || c.service.as_ref().is_some_and(|s| services.contains(s))
            })
            .collect()
    }

    /// Named, non-external volumes of the model that exist; externals are kept.
    fn named(&mut self, at_risk: bool) {
        for (key, name, external) in declared_volumes(self.input.project) {
            if external {
                self.keep(&name, Some(&key), "external (declared `external: true`)");
                continue;
            }
            // Deleting (`down -v`) keeps it; Compose's `-y` (at risk) may still recreate it in
            // this layer, so it stays in that list, marked external (its name confirms it).
            if let Some(why) = self
                .external_elsewhere(&name, Some(&key))
                .filter(|_| !at_risk)
            {
                self.keep(&name, Some(&key), why);
                continue;
            }
            match self.input.facts.volume(&name) {
                Some(fact) => {
                    let p = self.planned(fact, Some(&key), VolumeKind::Named, false);
                    if at_risk {
                        self.plan.at_risk.push(p);
                    } else {
                        self.plan.remove.push(p);
                    }
                }
                None => self.keep(&name, Some(&key), "does not exist on the Engine"),
            }
        }
    }

    /// Anonymous volumes mounted by the given containers.
    fn anonymous(&mut self, services: &[String], only_stopped: bool, at_risk: bool) {
        let declared: Vec<String> = declared_volumes(self.input.project)
            .into_iter()
            .map(|(_, n, _)| n)
            .collect();
        for c in self.project_containers(services) {
            if only_stopped && c.is_active() {
                continue;
            }
            for m in &c.mounts {
                let Some(name) = m.name.as_deref() else {
                    continue;
                };
                if m.kind != "volume" || declared.iter().any(|d| d == name) {
                    continue;
                }
                if !is_anonymous_name(name) || self.contains(name) {
                    continue;
                }
                if let Some(fact) = self.input.facts.volume(name) {
                    let p = self.planned(fact, None, VolumeKind::Anonymous, false);
                    if at_risk {
                        self.plan.at_risk.push(p);
                    } else {
                        self.plan.remove.push(p);
                    }
                }
            }
        }
    }

    /// `volume rm NAME…`: a compose key or an Engine name each.
    fn named_on_command_line(&mut self, names: &[String]) {
        let declared = declared_volumes(self.input.project);
        for given in names {
            let hit = declared.iter().find(|(k, n, _)| k == given || n == given);
            let (key, name, external) = match hit {
                Some((k, n, e)) => (Some(k.clone()), n.clone(), *e),
                None => (None, given.clone(), false),
            };
            if self.contains(&name) {
                continue;
            }
            let Some(fact) = self.input.facts.volume(&name) else {
                self.keep(&name, key.as_deref(), "does not exist on the Engine");
                continue;
            };
            let ours = key.is_some() || fact.project() == Some(self.input.project_name);
            let kind = if key.is_some() {
                VolumeKind::Named
            } else if is_anonymous_name(&name) {
                VolumeKind::Anonymous
            } else {
                VolumeKind::Other
            };
            if !ours {
                self.plan.warnings.push(Warning::NotInProject {
                    volume: name.clone(),
                });
            }
            let p = self.planned(fact, key.as_deref(), kind, external);
            self.plan.remove.push(p);
        }
    }

    fn warnings(&mut self) {
        let name = self.input.project_name;
        for (_, vname, external) in declared_volumes(self.input.project) {
            if !external {
                continue;
            }
            if let Some(fact) = self.input.facts.volume(&vname)
                && fact.labels.get(LABEL_PROJECT).map(String::as_str) == Some(name)
            {
                self.plan.warnings.push(Warning::ExternalWithProjectLabels {
                    volume: vname.clone(),
                });
            }
        }
        let mut extra = Vec::new();
        for v in self.plan.affected() {
            if v.protected {
                extra.push(Warning::Protected {
                    volume: v.name.clone(),
                });
            }
            if let Some(p) = v.labels.get(LABEL_PROJECT).filter(|p| p.as_str() != name) {
                extra.push(Warning::LabelledByOtherProject {
                    volume: v.name.clone(),
                    project: p.clone(),
                });
            }
            for u in &v.mounted_by {
                if u.project.as_deref() != Some(name) {
                    extra.push(Warning::UsedByOtherProject {
                        volume: v.name.clone(),
                        container: u.container.clone(),
                        project: u.project.clone(),
                    });
                }
            }
        }
        self.plan.warnings.extend(extra);
    }
}

/// Build the plan. Pure: the same inputs give the same plan.
pub fn plan(input: &PlanInput<'_>) -> DeletionPlan {
    let d = input.destructive;
    let mut b = Builder {
        input,
        plan: DeletionPlan {
            project: input.project_name.to_string(),
            actions: d.actions.clone(),
            remove: Vec::new(),
            at_risk: Vec::new(),
            kept: Vec::new(),
            warnings: Vec::new(),
        },
    };
    for action in &d.actions {
        match action {
            // Compose 2.40.3 removes every project volume even when services are named.
            Action::DownVolumes => {
                b.named(false);
                b.anonymous(&[], false, false);
            }
            Action::RmVolumes => b.anonymous(&d.positionals, !d.rm_stop, false),
            Action::RenewAnonVolumes => b.anonymous(&d.positionals, false, true),
            Action::AssumeYes => b.assume_yes(&d.positionals),
            Action::VolumeRm => b.named_on_command_line(&d.positionals),
            Action::VolumePrune => b.prune(),
        }
    }
    b.warnings();
    b.plan
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
