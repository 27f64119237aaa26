//! What the dashboard knows about the project from its files (not from the Engine): the
//! layered files, the environment, and per service its health-check definition, mounts
//! (with external/protected marks), environment (secrets masked at render, by
//! [`crate::secrets`]) and the files
//! that defined it. Built by one pure function from [`LoadedProject`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::project::LoadedProject;
use crate::tui::text::parse_go_duration;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectInfo {
    pub name: String,
    pub environment: Option<String>,
    /// The environment is marked `protected: true` in devctl.yaml.
    pub protected: bool,
    /// Absolute layered files, base first.
    pub files: Vec<PathBuf>,
    pub project_dir: PathBuf,
    /// Declared services in file order, then the profile-disabled ones.
    pub services: Vec<ServiceInfo>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceInfo {
    pub name: String,
    pub profile_disabled: bool,
    pub profiles: Vec<String>,
    pub image: Option<String>,
    pub healthcheck: Option<HealthSpec>,
    pub mounts: Vec<MountInfo>,
    pub environment: Vec<(String, Option<String>)>,
    /// The keys of `environment` whose value came from an `env_file` (masked).
    pub env_file_keys: std::collections::BTreeSet<String>,
    /// Files that set something of this service, in layering order, with the keys they set.
    pub defined_in: Vec<(PathBuf, Vec<String>)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthSpec {
    pub test: String,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retries: Option<u64>,
    pub start_period: Option<Duration>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MountInfo {
    pub kind: String,
    /// Volume key, host path, or None for an anonymous volume.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    /// The Engine volume name (named volumes only).
    pub volume_name: Option<String>,
    pub external: bool,
    pub protected: bool,
}

impl ProjectInfo {
    pub fn service(&self, name: &str) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.name == name)
    }

    /// Build the dashboard's view of a loaded project.
    pub fn from_loaded(lp: &LoadedProject) -> ProjectInfo {
        let r = &lp.resolved;
        let p = &lp.project;
        let mut services: Vec<ServiceInfo> = p
            .services
            .iter()
            .map(|(name, svc)| {
                let healthcheck = svc
                    .healthcheck
                    .as_ref()
                    .filter(|h| !h.disable.unwrap_or(false) && !is_none_test(&h.test))
                    .map(|h| HealthSpec {
                        test: render_test(&h.test),
                        interval: h.interval.as_deref().and_then(parse_go_duration),
                        timeout: h.timeout.as_deref().and_then(parse_go_duration),
                        retries: h.retries,
                        start_period: h.start_period.as_deref().and_then(parse_go_duration),
                    });
                let mounts = svc
                    .volumes
                    .iter()
                    .map(|v| {
                        let named = v.kind == "volume" && v.source.is_some();
                        let key = v.source.clone().unwrap_or_default();
                        let volume_name = named.then(|| p.volume_engine_name(&key));
                        let external =
                            named && p.volumes.get(&key).is_some_and(|d| d.is_external());
                        let protected = named
                            && r.protected_volumes
                                .iter()
                                .any(|pv| pv == &key || Some(pv) == volume_name.as_ref());
                        MountInfo {
                            kind: v.kind.clone(),
                            source: v.source.clone(),
                            target: v.target.clone(),
                            read_only: v.read_only.unwrap_or(false),
                            volume_name,
                            external,
                            protected,
                        }
                    })
                    .collect();
                ServiceInfo {
                    name: name.clone(),
                    profile_disabled: false,
                    profiles: svc.profiles.clone(),
                    image: svc.image.clone(),
                    healthcheck,
                    mounts,
                    environment: svc
                        .environment
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    env_file_keys: crate::secrets::env_file_keys(lp, name),
                    defined_in: defined_in(lp, name),
                }
            })
            .collect();
        for (name, profiles) in &lp.disabled_services {
            if services.iter().all(|s| &s.name != name) {
                services.push(ServiceInfo {
                    name: name.clone(),
                    profile_disabled: true,
                    profiles: profiles.clone(),
                    defined_in: defined_in(lp, name),
                    ..ServiceInfo::default()
                });
            }
        }
        ProjectInfo {
            name: r.name.clone(),
            environment: r.environment.clone(),
            protected: r.protected,
            files: r.files.clone(),
            project_dir: r.project_dir.clone(),
            services,
        }
    }
}

fn is_none_test(test: &[String]) -> bool {
    test.first().is_some_and(|t| t == "NONE")
}

fn render_test(test: &[String]) -> String {
    match test.split_first() {
        Some((kind, rest)) if kind == "CMD-SHELL" => rest.join(" "),
        Some((kind, rest)) if kind == "CMD" => rest.join(" "),
        _ => test.join(" "),
    }
}

/// The files that set keys under `services.NAME`, in order of first appearance, with the
/// keys (relative to the service) each one set.
fn defined_in(lp: &LoadedProject, service: &str) -> Vec<(PathBuf, Vec<String>)> {
    let prefix = format!("services.{service}");
    let mut order: Vec<PathBuf> = Vec::new();
    let mut keys: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for (path, origins) in &lp.provenance {
        let rel = match path.strip_prefix(&prefix) {
            Some("") => "(service)".to_string(),
            Some(r) if r.starts_with('.') => r[1..].to_string(),
            _ => continue,
        };
        for o in origins {
            if !order.contains(&o.file) {
                order.push(o.file.clone());
            }
            let k = keys.entry(o.file.clone()).or_default();
            if !k.contains(&rel) {
                k.push(rel.clone());
            }
        }
    }
    // Show files in layering order when they are layered files.
    let pos = |f: &PathBuf| {
        lp.resolved
            .files
            .iter()
            .position(|x| x == f)
            .unwrap_or(usize::MAX)
    };
    order.sort_by_key(pos);
    order
        .into_iter()
        .map(|f| {
            let k = keys.remove(&f).unwrap_or_default();
            (f, k)
        })
        .collect()
}

/// The value as the details pane shows it, by the one secret policy
/// ([`crate::secrets`]): masked for secret keys and for values from an `env_file`, with
/// credentials (URL passwords, tokens, JWTs) masked in any other value.
pub fn masked_value(key: &str, value: Option<&str>, from_env_file: bool) -> String {
    let Some(v) = value else {
        return "(unset: taken from the environment)".to_string();
    };
    if from_env_file && !v.is_empty() {
        return crate::secrets::MASK.to_string();
    }
    crate::secrets::mask_value(key, v)
}

#[cfg(test)]
mod tests;
