//! Pure: the merged, interpolated project (the model `devctl config --json` prints) → the stack
//! file `docker stack deploy` gets, and a finding for every key Swarm would ignore or refuse,
//! with the file that set it (provenance).
//!
//! Keys with a faithful Swarm form are translated (`restart` → `deploy.restart_policy`,
//! `mem_limit`/`cpus` → `deploy.resources`, `scale` → `deploy.replicas`); keys Swarm silently
//! ignores are dropped and reported; keys that would change behaviour without a word
//! (a `depends_on` condition, `build` of an image some node lacks, host privileges) are
//! refused unless the user names them with `--accept KEY`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use crate::project::Origin;

/// What Swarm does with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Rewritten into its Swarm form; same behaviour.
    Translated,
    /// Dropped: Swarm would ignore it.
    Ignored,
    /// Behaviour changes silently on a cluster: deploy refused unless accepted.
    Refused,
}

/// One key Swarm would not honour as Compose does.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Key path in the merged model, e.g. `services.api.depends_on.db.condition`.
    pub key: String,
    /// The file that set it (the last origin), when known.
    pub file: Option<PathBuf>,
    pub severity: Severity,
    /// What it means on a cluster.
    pub meaning: String,
    /// For refusals: the `--accept` value that lets the deploy go on.
    pub accept: Option<String>,
}

/// Whether a service's image is on the nodes (gathered from every reachable node's Engine).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFact {
    /// Nodes checked that lack the image.
    pub missing_on: Vec<String>,
    /// Nodes whose Engine could be asked.
    pub checked: usize,
}

/// The stack file and the findings.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub stack: Value,
    pub findings: Vec<Finding>,
}

/// Service keys Swarm honours as written.
const PASS: &[&str] = &[
    "image",
    "command",
    "entrypoint",
    "environment",
    "healthcheck",
    "deploy",
    "ports",
    "volumes",
    "networks",
    "labels",
    "configs",
    "secrets",
    "user",
    "working_dir",
    "hostname",
    "stop_grace_period",
    "stop_signal",
    "tty",
    "stdin_open",
    "read_only",
    "tmpfs",
    "init",
    "cap_add",
    "cap_drop",
    "sysctls",
    "ulimits",
    "extra_hosts",
    "dns",
    "dns_search",
    "logging",
];

/// Keys that grant host access Swarm services do not get: refused (behaviour changes).
const HOST_ACCESS: &[(&str, &str)] = &[
    ("privileged", "Swarm services never run privileged"),
    ("devices", "Swarm services get no host devices"),
    (
        "network_mode",
        "Swarm ignores network_mode: the service joins the stack's overlay networks instead",
    ),
    (
        "pid",
        "Swarm ignores pid: the service gets its own PID namespace",
    ),
    (
        "ipc",
        "Swarm ignores ipc: the service gets its own IPC namespace",
    ),
];

/// The file that set `key` (or the first key below it): the last origin.
pub fn origin_of(provenance: &BTreeMap<String, Vec<Origin>>, key: &str) -> Option<PathBuf> {
    let below = |k: &str| {
        k == key
            || k.strip_prefix(key)
                .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
    };
    provenance
        .range(key.to_string()..)
        .take_while(|(k, _)| k.starts_with(key))
        .find(|(k, _)| below(k))
        .and_then(|(_, o)| o.last())
        .map(|o| o.file.clone())
}

struct Ctx<'a> {
    provenance: &'a BTreeMap<String, Vec<Origin>>,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    fn add(&mut self, key: String, severity: Severity, meaning: impl Into<String>) {
        self.push(key, severity, meaning, None);
    }
    fn refuse(&mut self, key: String, accept: &str, meaning: impl Into<String>) {
        self.push(key, Severity::Refused, meaning, Some(accept.to_string()));
    }
    fn push(
        &mut self,
        key: String,
        severity: Severity,
        meaning: impl Into<String>,
        accept: Option<String>,
    ) {
        let file = origin_of(self.provenance, &key);
        self.findings.push(Finding {
            key,
            file,
            severity,
            meaning: meaning.into(),
            accept,
        });
    }
}

/// Render the stack file for `model` (project `project`). `images(service, image)` tells
/// where a `build` service's image is; `env_files` are the `.env` files interpolation read.
pub fn render(
    model: &Value,
    provenance: &BTreeMap<String, Vec<Origin>>,
    project: &str,
    env_files: &[PathBuf],
    images: &dyn Fn(&str) -> ImageFact,
) -> Rendered {
    let mut cx = Ctx {
        provenance,
        findings: Vec::new(),
    };
    let mut out = Map::new();
    out.insert("version".into(), json!("3.8"));
    if !env_files.is_empty() {
        let files: Vec<String> = env_files.iter().map(|f| f.display().to_string()).collect();
        cx.findings.push(Finding {
            key: "(interpolation)".into(),
            file: env_files.first().cloned(),
            severity: Severity::Translated,
            meaning: format!(
                "values from {} are written into the stack file: `docker stack deploy` does not \
                 read .env (moby#29133)",
                files.join(", ")
            ),
            accept: None,
        });
    }
    let mut services = Map::new();
    if let Some(svcs) = model.get("services").and_then(Value::as_object) {
        for (name, svc) in svcs {
            if let Some(s) = svc.as_object() {
                services.insert(
                    name.clone(),
                    Value::Object(service(&mut cx, project, name, s, images)),
                );
            }
        }
    }
    out.insert("services".into(), Value::Object(services));
    for (top, kind) in [("volumes", "volume"), ("networks", "network")] {
        if let Some(items) = model.get(top).and_then(Value::as_object) {
            let mut m = Map::new();
            for (name, v) in items {
                m.insert(name.clone(), resource(&mut cx, top, kind, project, name, v));
            }
            out.insert(top.into(), Value::Object(m));
        }
    }
    for top in ["secrets", "configs"] {
        if let Some(v) = model.get(top) {
            out.insert(top.into(), v.clone());
        }
    }
    Rendered {
        stack: Value::Object(out),
        findings: cx.findings,
    }
}

/// A top-level volume or network: the name Compose derived (`<project>_<key>`) is dropped so
/// that Swarm names it `<stack>_<key>` and labels it with the stack; names the user set stay.
fn resource(
    cx: &mut Ctx<'_>,
    top: &str,
    kind: &str,
    project: &str,
    name: &str,
    v: &Value,
) -> Value {
    let Some(src) = v.as_object() else {
        return Value::Null;
    };
    let mut m = Map::new();
    let external = src
        .get("external")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    for (k, val) in src {
        match k.as_str() {
            "name" if !external && val.as_str() == Some(&format!("{project}_{name}")) => {}
            "name" | "driver" | "driver_opts" | "external" | "labels" | "attachable"
            | "internal" => {
                m.insert(k.clone(), val.clone());
            }
            "ipam" => {
                if val.as_object().is_some_and(|o| !o.is_empty()) {
                    m.insert(k.clone(), val.clone());
                }
            }
            _ => cx.add(
                format!("{top}.{name}.{k}"),
                Severity::Ignored,
                format!("not part of a Swarm {kind} definition; dropped"),
            ),
        }
    }
    if kind == "volume"
        && !external
        && let Some(d) = src
            .get("driver")
            .and_then(Value::as_str)
            .filter(|d| *d != "local")
    {
        cx.add(
            format!("{top}.{name}.driver"),
            Severity::Translated,
            format!("driver {d} must be installed on every node that runs a task using it"),
        );
    }
    Value::Object(m)
}

fn service(
    cx: &mut Ctx<'_>,
    project: &str,
    name: &str,
    s: &Map<String, Value>,
    images: &dyn Fn(&str) -> ImageFact,
) -> Map<String, Value> {
    let at = |k: &str| format!("services.{name}.{k}");
    let mut out = Map::new();
    let mut deploy = s
        .get("deploy")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in s {
        if v.is_null() {
            continue;
        }
        match k.as_str() {
            "ports" => {
                out.insert(k.clone(), ports(v));
            }
            "volumes" => {
                out.insert(k.clone(), mounts(cx, name, v));
            }
            "healthcheck" => {
                let mut h = v.as_object().cloned().unwrap_or_default();
                if h.remove("start_interval").is_some() {
                    cx.add(at("healthcheck.start_interval"), Severity::Ignored, "Swarm's stack format has no start_interval; dropped");
                }
                out.insert(k.clone(), Value::Object(h));
            }
            "deploy" => {}
            k2 if PASS.contains(&k2) => {
                out.insert(k.clone(), v.clone());
            }
            "restart" => restart(cx, name, v, &mut deploy),
            "mem_limit" | "mem_reservation" | "cpus" => {
                let (section, field) = match k.as_str() {
                    "mem_limit" => ("limits", "memory"),
                    "mem_reservation" => ("reservations", "memory"),
                    _ => ("limits", "cpus"),
                };
                let res = deploy.entry("resources").or_insert_with(|| json!({}));
                if let Some(res) = res.as_object_mut() {
                    let sec = res.entry(section).or_insert_with(|| json!({}));
                    if let Some(sec) = sec.as_object_mut() {
                        sec.entry(field).or_insert_with(|| Value::String(scalar(v)));
                    }
                }
                cx.add(at(k), Severity::Translated, format!("written as deploy.resources.{section}.{field}"));
            }
            "scale" => {
                deploy.entry("replicas").or_insert_with(|| v.clone());
                cx.add(at(k), Severity::Translated, "written as deploy.replicas");
            }
            "depends_on" => depends_on(cx, name, v),
            "build" => build(cx, name, s, images),
            "container_name" => cx.add(at(k), Severity::Ignored, "Swarm names every task itself (<stack>_<service>.<slot>.<id>); other services reach it by its service name"),
            "env_file" => cx.add(at(k), Severity::Translated, "its values are already in `environment` (the stack file carries them; nodes need no copy of the file)"),
            "pull_policy" => cx.add(at(k), Severity::Ignored, "the image is never pulled (deployed with --resolve-image never): every node needs it locally"),
            "profiles" => {}
            other => {
                if let Some((_, why)) = HOST_ACCESS.iter().find(|(h, _)| *h == other) {
                    cx.refuse(at(k), other, *why);
                } else {
                    cx.add(at(k), Severity::Ignored, "Swarm ignores this key for services");
                }
            }
        }
    }
    if let Some(labels) = deploy
        .entry("labels")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    {
        labels.insert(super::LABEL_PROJECT.into(), json!(project));
    }
    out.insert("deploy".into(), Value::Object(deploy));
    out
}

/// Refused findings not accepted by `accept` (`--accept KEY`, `all` accepts every one).
pub fn unaccepted<'a>(findings: &'a [Finding], accept: &[String]) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Refused)
        .filter(|f| {
            !accept
                .iter()
                .any(|a| a == "all" || Some(a.as_str()) == f.accept.as_deref())
        })
        .collect()
}

mod translate;
use translate::{build, depends_on, mounts, ports, restart, scalar};

#[cfg(test)]
#[path = "stackfile_tests.rs"]
mod tests;
