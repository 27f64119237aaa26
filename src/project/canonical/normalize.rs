//! Defaults and normalisation after all files are merged (compose-go `transform/defaults.go`
//! and `loader/normalize.go`): port/secret/build defaults, bare environment entries resolved
//! from the project environment, implicit `depends_on` from links/`service:` namespaces/
//! `volumes_from`, the implicit `default` network, and resource names.

use std::collections::BTreeMap;

use crate::project::yaml::{Map, Node};

fn s(v: &str) -> Node {
    Node::Str(v.to_string())
}

/// `SetDefaultValues`.
pub fn set_defaults(model: &mut Map) {
    let Some(Node::Map(services)) = model.get_mut("services") else {
        return;
    };
    for (_, svc) in services.iter_mut() {
        let Node::Map(svc) = svc else { continue };
        if let Some(Node::Map(build)) = svc.get_mut("build") {
            build.entry("context".into()).or_insert(s("."));
        }
        if let Some(Node::Seq(secrets)) = svc.get_mut("secrets") {
            for sec in secrets.iter_mut() {
                if let Node::Map(m) = sec
                    && !m.contains_key("target")
                {
                    let src = m
                        .get("source")
                        .map(crate::project::merge::go_fmt)
                        .unwrap_or_default();
                    m.insert("target".into(), s(&format!("/run/secrets/{src}")));
                }
            }
        }
        if let Some(Node::Seq(ports)) = svc.get_mut("ports") {
            for p in ports.iter_mut() {
                if let Node::Map(m) = p {
                    m.entry("protocol".into()).or_insert(s("tcp"));
                    m.entry("mode".into()).or_insert(s("ingress"));
                }
            }
        }
        let device_defaults = |devs: Option<&mut Node>| {
            if let Some(Node::Seq(devs)) = devs {
                for d in devs.iter_mut() {
                    if let Node::Map(m) = d
                        && !m.contains_key("count")
                        && !m.contains_key("device_ids")
                    {
                        m.insert("count".into(), s("all"));
                    }
                }
            }
        };
        device_defaults(svc.get_mut("gpus"));
        if let Some(Node::Map(deploy)) = svc.get_mut("deploy")
            && let Some(Node::Map(res)) = deploy.get_mut("resources")
            && let Some(Node::Map(r)) = res.get_mut("reservations")
        {
            device_defaults(r.get_mut("devices"));
        }
    }
}

fn resolve_env(n: &mut Node, env: &BTreeMap<String, String>, keep_empty: bool) {
    match n {
        Node::Seq(items) => {
            let mut out = Vec::new();
            for item in std::mem::take(items) {
                match item {
                    Node::Str(v) if !v.contains('=') => match env.get(&v) {
                        Some(val) => out.push(Node::Str(format!("{v}={val}"))),
                        None if keep_empty => out.push(Node::Str(v)),
                        None => {}
                    },
                    Node::Str(v) => out.push(Node::Str(v)),
                    _ => {}
                }
            }
            *items = out;
        }
        Node::Map(m) => {
            let mut out = Map::new();
            for (k, v) in std::mem::take(m) {
                if v != Node::Null {
                    out.insert(k, v);
                } else if let Some(val) = env.get(&k) {
                    out.insert(k, Node::Str(val.clone()));
                } else if keep_empty {
                    out.insert(k, Node::Null);
                }
            }
            *m = out;
        }
        _ => {}
    }
}

fn started(restart: bool) -> Node {
    Node::Map(Map::from([
        ("condition".to_string(), s("service_started")),
        ("restart".to_string(), Node::Bool(restart)),
        ("required".to_string(), Node::Bool(true)),
    ]))
}

/// `Normalize`.
pub fn normalize(model: &mut Map, env: &BTreeMap<String, String>) {
    normalize_networks(model);
    if let Some(Node::Map(services)) = model.get_mut("services") {
        for (_, svc) in services.iter_mut() {
            let Node::Map(svc) = svc else { continue };
            if matches!(svc.get("pull_policy"), Some(Node::Str(p)) if p == "if_not_present") {
                svc.insert("pull_policy".into(), s("missing"));
            }
            if let Some(Node::Map(build)) = svc.get_mut("build") {
                if matches!(build.get("context"), None | Some(Node::Null)) {
                    build.insert("context".into(), s("."));
                }
                let no_df = matches!(build.get("dockerfile"), None | Some(Node::Null));
                let no_inline = matches!(build.get("dockerfile_inline"), None | Some(Node::Null));
                if no_df && no_inline {
                    build.insert("dockerfile".into(), s("Dockerfile"));
                }
                if let Some(args) = build.get_mut("args") {
                    resolve_env(args, env, false);
                }
            }
            if let Some(e) = svc.get_mut("environment") {
                resolve_env(e, env, true);
            }
            let mut deps = match svc.get("depends_on") {
                Some(Node::Map(d)) => d.clone(),
                _ => Map::new(),
            };
            if let Some(Node::Seq(links)) = svc.get("links") {
                for l in links {
                    let l = crate::project::merge::go_fmt(l);
                    let parts: Vec<&str> = l.split(':').collect();
                    let name = if parts.len() == 2 {
                        parts[0]
                    } else {
                        l.as_str()
                    };
                    deps.entry(name.to_string())
                        .or_insert_with(|| started(true));
                }
            }
            for ns in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
                if let Some(Node::Str(r)) = svc.get(ns)
                    && let Some(shared) = r.strip_prefix("service:")
                {
                    deps.entry(shared.to_string())
                        .or_insert_with(|| started(true));
                }
            }
            if let Some(Node::Seq(vf)) = svc.get("volumes_from") {
                for v in vf {
                    let v = crate::project::merge::go_fmt(v);
                    if !v.starts_with("container:") {
                        let name = v.split(':').next().unwrap_or("").to_string();
                        deps.entry(name).or_insert_with(|| started(false));
                    }
                }
            }
            if !deps.is_empty() {
                svc.insert("depends_on".into(), Node::Map(deps));
            }
        }
    }
    set_names(model);
}

fn normalize_networks(model: &mut Map) {
    let mut uses_default = false;
    if let Some(Node::Map(services)) = model.get_mut("services") {
        for (_, svc) in services.iter_mut() {
            let Node::Map(svc) = svc else { continue };
            if svc.contains_key("provider") || svc.contains_key("network_mode") {
                continue;
            }
            match svc.get("networks") {
                Some(Node::Map(n)) if !n.is_empty() => {
                    if n.contains_key("default") {
                        uses_default = true;
                    }
                }
                _ => {
                    svc.insert(
                        "networks".into(),
                        Node::Map(Map::from([("default".to_string(), Node::Null)])),
                    );
                    uses_default = true;
                }
            }
        }
    }
    let mut networks = match model.get("networks") {
        Some(Node::Map(n)) => n.clone(),
        _ => Map::new(),
    };
    if !networks.contains_key("default") && uses_default {
        networks.insert("default".into(), Node::Null);
    }
    if !networks.is_empty() {
        model.insert("networks".into(), Node::Map(networks));
    }
}

fn is_true(n: Option<&Node>) -> bool {
    match n {
        Some(Node::Bool(b)) => *b,
        Some(Node::Str(s)) => s == "true",
        _ => false,
    }
}

fn set_names(model: &mut Map) {
    let project = match model.get("name") {
        Some(n) => crate::project::merge::go_fmt(n),
        None => String::new(),
    };
    for kind in ["networks", "volumes", "configs", "secrets"] {
        let Some(Node::Map(defs)) = model.get_mut(kind) else {
            continue;
        };
        for (key, r) in defs.iter_mut() {
            let mut res = match std::mem::replace(r, Node::Null) {
                Node::Map(m) => m,
                _ => Map::new(),
            };
            if matches!(res.get("name"), None | Some(Node::Null)) {
                let name = if is_true(res.get("external")) {
                    key.clone()
                } else {
                    format!("{project}_{key}")
                };
                res.insert("name".into(), Node::Str(name));
            }
            *r = Node::Map(res);
        }
    }
}
