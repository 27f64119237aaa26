//! The steps after merging: validation of the accumulated model, profiles, `env_file`
//! folded into `environment`, consistency checks, and dropping unused top-level resources
//! (what `docker compose config` prints).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::dotenv;
use crate::error::{Error, Result};
use crate::project::interpolate::Env;
use crate::project::merge::go_fmt;
use crate::project::yaml::{Map, Node};

fn services(model: &Map) -> Option<&Map> {
    match model.get("services") {
        Some(Node::Map(s)) => Some(s),
        _ => None,
    }
}

/// Move services not enabled by `profiles` out of the model; returns them with their
/// profiles.
pub(crate) fn apply_profiles(
    model: &mut Map,
    profiles: &[String],
) -> BTreeMap<String, Vec<String>> {
    let mut disabled = BTreeMap::new();
    let Some(Node::Map(svcs)) = model.get_mut("services") else {
        return disabled;
    };
    let names: Vec<String> = svcs.keys().cloned().collect();
    for name in names {
        let own: Vec<String> = match svcs.get(&name) {
            Some(Node::Map(s)) => match s.get("profiles") {
                Some(Node::Seq(p)) => p.iter().map(go_fmt).collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let enabled = own.is_empty() || profiles.iter().any(|p| p == "*" || own.contains(p));
        if !enabled {
            svcs.shift_remove(&name);
            disabled.insert(name, own);
        }
    }
    disabled
}

/// `WithServicesEnvironmentResolved`: read each service's env files in order (later wins),
/// then let `environment` win over them; drop `env_file`.
pub(crate) fn resolve_env_files(model: &mut Map, project_env: &Env) -> Result<()> {
    let Some(Node::Map(svcs)) = model.get_mut("services") else {
        return Ok(());
    };
    for (name, svc) in svcs.iter_mut() {
        let Node::Map(svc) = svc else { continue };
        let Some(Node::Seq(files)) = svc.shift_remove("env_file") else {
            continue;
        };
        let mut env: indexmap::IndexMap<String, Option<String>> = indexmap::IndexMap::new();
        for f in files {
            let Node::Map(f) = f else { continue };
            let path = match f.get("path") {
                Some(Node::Str(p)) => p.clone(),
                _ => continue,
            };
            let required = !matches!(f.get("required"), Some(Node::Bool(false)));
            let p = Path::new(&path);
            if !p.exists() {
                if required {
                    return Err(Error::config(format!(
                        "services.{name}.env_file: env file {path} not found: stat {path}: no such file or directory"
                    ))
                    .with_hint(
                        "create the file, fix the path in `env_file`, or mark it `required: false`",
                    ));
                }
                continue;
            }
            let mut lookup = project_env.clone();
            for (k, v) in &env {
                if let Some(v) = v {
                    lookup.insert(k.clone(), v.clone());
                }
            }
            let pairs = dotenv::read(p, &lookup).map_err(|e| Error {
                message: format!("services.{name}.env_file: {}", e.message),
                ..e
            })?;
            for (k, v) in pairs {
                set(&mut env, k, Some(v));
            }
        }
        match svc.get("environment") {
            Some(Node::Map(m)) => {
                for (k, v) in m {
                    let v = match v {
                        Node::Null => None,
                        other => Some(go_fmt(other)),
                    };
                    set(&mut env, k.clone(), v);
                }
            }
            Some(Node::Seq(items)) => {
                for i in items {
                    let t = go_fmt(i);
                    match t.split_once('=') {
                        Some((k, v)) => set(&mut env, k.to_string(), Some(v.to_string())),
                        None => set(&mut env, t, None),
                    }
                }
            }
            _ => {}
        }
        let m: Map = env
            .into_iter()
            .map(|(k, v)| (k, v.map_or(Node::Null, Node::Str)))
            .collect();
        svc.insert("environment".into(), Node::Map(m));
    }
    Ok(())
}

/// Set `k` (a later value replaces an earlier one in place: first-seen order is kept).
fn set(env: &mut indexmap::IndexMap<String, Option<String>>, k: String, v: Option<String>) {
    env.insert(k, v);
}

fn names(n: Option<&Node>) -> BTreeSet<String> {
    match n {
        Some(Node::Map(m)) => m.keys().cloned().collect(),
        _ => BTreeSet::new(),
    }
}

fn sources(n: Option<&Node>) -> Vec<String> {
    match n {
        Some(Node::Seq(items)) => items
            .iter()
            .filter_map(|i| match i {
                Node::Map(m) => m.get("source").map(go_fmt),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn named_volume_sources(n: Option<&Node>) -> Vec<String> {
    match n {
        Some(Node::Seq(items)) => items
            .iter()
            .filter_map(|i| match i {
                Node::Map(m) if matches!(m.get("type"), Some(Node::Str(t)) if t == "volume") => {
                    match m.get("source") {
                        Some(Node::Str(s)) if !s.is_empty() => Some(s.clone()),
                        _ => None,
                    }
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// compose-go `checkConsistency` (after profiles).
pub(crate) fn check_consistency(
    model: &Map,
    disabled: &BTreeMap<String, Vec<String>>,
) -> Result<()> {
    let Some(svcs) = services(model) else {
        return Ok(());
    };
    let invalid = |m: String| Error::config(format!("{m}: invalid compose project"));
    let networks = names(model.get("networks"));
    let volumes = names(model.get("volumes"));
    let secrets = names(model.get("secrets"));
    let configs = names(model.get("configs"));
    for (name, svc) in svcs {
        let Node::Map(s) = svc else { continue };
        if !s.contains_key("image") && !s.contains_key("build") && !s.contains_key("provider") {
            return Err(invalid(format!(
                "service {name:?} has neither an image nor a build context specified"
            )));
        }
        check_resource_pairs(name, s)?;
        if let Some(Node::Map(hc)) = s.get("healthcheck")
            && let Some(Node::Seq(t)) = hc.get("test")
            && let Some(first) = t.first()
        {
            let f = go_fmt(first);
            if !matches!(f.as_str(), "CMD" | "CMD-SHELL" | "NONE") {
                return Err(Error::config(format!(
                    "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\" (service {name:?} has {f:?})"
                )));
            }
        }
        for n in names(s.get("networks")) {
            if !networks.contains(&n) {
                return Err(invalid(format!(
                    "service {name:?} refers to undefined network {n}"
                )));
            }
        }
        for v in named_volume_sources(s.get("volumes")) {
            if !volumes.contains(&v) {
                return Err(invalid(format!(
                    "service {name:?} refers to undefined volume {v}"
                )));
            }
        }
        for c in sources(s.get("configs")) {
            if !configs.contains(&c) {
                return Err(invalid(format!(
                    "service {name:?} refers to undefined config {c}"
                )));
            }
        }
        for c in sources(s.get("secrets")) {
            if !secrets.contains(&c) {
                return Err(invalid(format!(
                    "service {name:?} refers to undefined secret {c}"
                )));
            }
        }
        if let Some(Node::Map(deps)) = s.get("depends_on") {
            for (dep, cfg) in deps {
                if svcs.contains_key(dep) {
                    continue;
                }
                let required =
                    !matches!(cfg, Node::Map(c) if c.get("required") == Some(&Node::Bool(false)));
                if disabled.contains_key(dep) && !required {
                    continue;
                }
                return Err(invalid(format!(
                    "service {name:?} depends on undefined service {dep:?}"
                )));
            }
        }
    }
    Ok(())
}

/// (service key, its value, deploy key, its value, how to compare the two values).
type Pair<'a> = (
    &'static str,
    Option<&'a Node>,
    &'static str,
    Option<&'a Node>,
    &'a dyn Fn(&Node) -> Option<f64>,
);

/// A service-level limit and its `deploy.resources` twin must agree when both are set.
fn check_resource_pairs(name: &str, s: &Map) -> Result<()> {
    use crate::project::canonical::units::ram_in_bytes;
    let limits = s
        .get("deploy")
        .and_then(|d| d.get("resources"))
        .and_then(|r| r.get("limits"));
    let reservations = s
        .get("deploy")
        .and_then(|d| d.get("resources"))
        .and_then(|r| r.get("reservations"));
    let num = |n: &Node| -> Option<f64> {
        match n {
            Node::Int(i) => Some(*i as f64),
            Node::Float(f) => Some(*f),
            Node::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let bytes = |n: &Node| -> Option<f64> {
        match n {
            Node::Int(i) => Some(*i as f64),
            Node::Str(s) => ram_in_bytes(s).ok().map(|b| b as f64),
            _ => None,
        }
    };
    let pairs: [Pair<'_>; 4] = [
        (
            "cpus",
            s.get("cpus"),
            "deploy.resources.limits.cpus",
            limits.and_then(|l| l.get("cpus")),
            &num,
        ),
        (
            "mem_limit",
            s.get("mem_limit"),
            "deploy.resources.limits.memory",
            limits.and_then(|l| l.get("memory")),
            &bytes,
        ),
        (
            "pids_limit",
            s.get("pids_limit"),
            "deploy.resources.limits.pids",
            limits.and_then(|l| l.get("pids")),
            &num,
        ),
        (
            "mem_reservation",
            s.get("mem_reservation"),
            "deploy.resources.reservations.memory",
            reservations.and_then(|l| l.get("memory")),
            &bytes,
        ),
    ];
    for (a, av, b, bv, conv) in pairs {
        if let (Some(x), Some(y)) = (av, bv) {
            let (x, y) = (conv(x), conv(y));
            if x.is_some() && y.is_some() && x != y {
                return Err(Error::config(format!(
                    "services.{name}: can't set distinct values on '{a}' and '{b}': invalid compose project"
                ))
                .with_hint(format!("set only one of `{a}` and `{b}`, or give them the same value")));
            }
        }
    }
    Ok(())
}

/// `WithoutUnnecessaryResources`: keep only networks/volumes/secrets/configs used by an
/// enabled service.
pub(crate) fn drop_unused_resources(model: &mut Map) {
    let mut used: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    if let Some(svcs) = services(model) {
        for (_, s) in svcs {
            let Node::Map(s) = s else { continue };
            used.entry("networks")
                .or_default()
                .extend(names(s.get("networks")));
            used.entry("volumes")
                .or_default()
                .extend(named_volume_sources(s.get("volumes")));
            used.entry("secrets")
                .or_default()
                .extend(sources(s.get("secrets")));
            if let Some(Node::Map(b)) = s.get("build") {
                used.entry("secrets")
                    .or_default()
                    .extend(sources(b.get("secrets")));
            }
            used.entry("configs")
                .or_default()
                .extend(sources(s.get("configs")));
            used.entry("models")
                .or_default()
                .extend(names(s.get("models")));
        }
    }
    for kind in ["networks", "volumes", "secrets", "configs", "models"] {
        let keep = used.remove(kind).unwrap_or_default();
        match model.get_mut(kind) {
            Some(Node::Map(defs)) => {
                defs.retain(|k, _| keep.contains(k));
                if defs.is_empty() {
                    model.shift_remove(kind);
                }
            }
            Some(_) => {
                model.shift_remove(kind);
            }
            None => {}
        }
    }
}
