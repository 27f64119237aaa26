//! The bulk parts of the plan: `volume prune` (every unused volume of the project) and
//! `up -y` (the volumes Compose could recreate).

use super::{Builder, VolumeKind, declared_volumes, is_protected};
use crate::project::Project;

/// Compose's label holding the hash of a volume's configuration.
pub const LABEL_CONFIG_HASH: &str = "com.docker.compose.config-hash";

/// The volume keys mounted by `services` and the services they depend on (every service when
/// none is named), as `up SERVICE…` creates them.
pub fn used_volume_keys(project: &Project, services: &[String]) -> Vec<String> {
    let mut todo: Vec<String> = if services.is_empty() {
        project.services.keys().cloned().collect()
    } else {
        services.to_vec()
    };
    let mut seen: Vec<String> = Vec::new();
    let mut keys = Vec::new();
    while let Some(s) = todo.pop() {
        if seen.contains(&s) {
            continue;
        }
        seen.push(s.clone());
        let Some(svc) = project.services.get(&s) else {
            continue;
        };
        todo.extend(svc.depends_on.keys().cloned());
        for v in &svc.volumes {
            if let Some(src) = v.source.as_ref().filter(|_| v.kind == "volume")
                && !keys.contains(src)
            {
                keys.push(src.clone());
            }
        }
    }
    keys
}

impl Builder<'_> {
    /// `up -y` / `create -y`: Compose's "exists but doesn't match configuration … Recreate?"
    /// can only meet a named volume that the services being created mount (Compose creates
    /// no other volume), that exists, and that carries Compose's config hash (Compose never
    /// asks about a volume without it). Only those are at risk.
    pub(super) fn assume_yes(&mut self, services: &[String]) {
        let used = used_volume_keys(self.input.project, services);
        for (key, name, external) in declared_volumes(self.input.project) {
            if !used.contains(&key) {
                continue;
            }
            if external {
                self.keep(&name, Some(&key), "external (declared `external: true`)");
                continue;
            }
            let Some(fact) = self.input.facts.volume(&name) else {
                continue;
            };
            if !fact.labels.contains_key(LABEL_CONFIG_HASH) {
                continue;
            }
            let p = self.planned(fact, Some(&key), VolumeKind::Named, false);
            self.plan.at_risk.push(p);
        }
    }

    /// `volume prune`: volumes labelled with this project that no container mounts. Volumes
    /// that any layer declares external, and `protected_volumes`, are kept: a bulk prune never
    /// deletes them (`volume rm NAME` does, with the name typed).
    pub(super) fn prune(&mut self) {
        let declared = declared_volumes(self.input.project);
        let facts = self.input.facts;
        for fact in &facts.volumes {
            if fact.project() != Some(self.input.project_name) {
                continue;
            }
            let decl = declared.iter().find(|(_, n, _)| *n == fact.name);
            let key = decl
                .map(|(k, _, _)| k.as_str())
                .or_else(|| self.label_key(fact));
            if decl.is_some_and(|(_, _, e)| *e) {
                self.keep(&fact.name, key, "external (declared `external: true`)");
                continue;
            }
            if let Some(why) = self.external_elsewhere(&fact.name, key) {
                self.keep(&fact.name, key, why);
                continue;
            }
            if is_protected(self.input.protected_volumes, &fact.name, key) {
                let why = "protected (devctl.yaml `protected_volumes`): `devctl volume rm` \
                           deletes it, with its name typed";
                self.keep(&fact.name, key, why);
                continue;
            }
            if let Some(c) = facts.mounting(&fact.name).next() {
                let why = format!("in use by container `{}`", c.name);
                self.keep(&fact.name, key, why);
                continue;
            }
            let p = self.planned(fact, key, VolumeKind::Named, false);
            self.plan.remove.push(p);
        }
    }
}
