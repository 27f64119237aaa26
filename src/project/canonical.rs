//! Canonical form of the model: short → long syntax (compose-go `transform/canonical.go`),
//! type casts of interpolated values, defaults, relative paths, normalisation, and the final
//! rendering exactly as `docker compose config --format json` prints it.

pub mod casts;
pub mod normalize;
pub mod paths;
pub mod ports;
pub mod render;
pub mod shellwords;
pub mod units;
pub mod volume;

use crate::error::{Error, Result};
use crate::project::merge::matches;
use crate::project::yaml::{Map, Node};

fn err(path: &[String], msg: impl std::fmt::Display) -> Error {
    Error::config(format!("{}: {msg}", path.join(".")))
}

fn s(v: &str) -> Node {
    Node::Str(v.to_string())
}

/// Short → long syntax for the whole model (run after every merge, then unicity again).
pub fn transform(model: &mut Map) -> Result<()> {
    let mut path = Vec::new();
    for (k, v) in model.iter_mut() {
        path.push(k.clone());
        transform_at(v, &mut path)?;
        path.pop();
    }
    Ok(())
}

fn recurse(n: &mut Node, path: &mut Vec<String>) -> Result<()> {
    if let Node::Map(m) = n {
        for (k, v) in m.iter_mut() {
            path.push(k.clone());
            transform_at(v, path)?;
            path.pop();
        }
    }
    Ok(())
}

fn transform_at(n: &mut Node, path: &mut Vec<String>) -> Result<()> {
    let p = path.as_slice();
    if matches(p, "services.*.ports") {
        return transform_ports(n, path);
    }
    if matches(p, "services.*.volumes") {
        if let Node::Seq(items) = n {
            for item in items.iter_mut() {
                if let Node::Str(spec) = item {
                    *item = volume::to_long(spec).map_err(|e| err(path, e))?;
                }
            }
        }
        return Ok(());
    }
    if matches(p, "services.*.secrets")
        || matches(p, "services.*.configs")
        || matches(p, "services.*.build.secrets")
    {
        if let Node::Seq(items) = n {
            for item in items.iter_mut() {
                if let Node::Str(src) = item {
                    *item = Node::Map(Map::from([("source".to_string(), s(src))]));
                }
            }
        }
        return Ok(());
    }
    if matches(p, "services.*.depends_on") {
        return transform_depends_on(n, path);
    }
    if matches(p, "services.*.env_file") {
        match n {
            Node::Str(f) => {
                *n = Node::Seq(vec![env_file_entry(f)]);
            }
            Node::Seq(items) => {
                for item in items.iter_mut() {
                    match item {
                        Node::Str(f) => *item = env_file_entry(f),
                        Node::Map(m) => {
                            m.entry("required".into()).or_insert(Node::Bool(true));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        return Ok(());
    }
    if matches(p, "services.*.label_file") || matches(p, "services.*.dns") {
        if let Node::Str(v) = n {
            *n = Node::Seq(vec![s(v)]);
        }
        return Ok(());
    }
    if matches(p, "services.*.extends") {
        if let Node::Str(v) = n {
            *n = Node::Map(Map::from([("service".to_string(), s(v))]));
        }
        return Ok(());
    }
    if matches(p, "services.*.networks") || matches(p, "services.*.models") {
        if let Node::Seq(items) = n {
            let m: Map = items
                .iter()
                .map(|i| (crate::project::merge::scalar_string(i), Node::Null))
                .collect();
            *n = Node::Map(m);
        }
        return Ok(());
    }
    if matches(p, "services.*.devices") {
        if let Node::Seq(items) = n {
            for item in items.iter_mut() {
                if let Node::Str(spec) = item {
                    *item = device(spec);
                }
            }
        }
        return Ok(());
    }
    if matches(p, "services.*.build") {
        if let Node::Str(ctx) = n {
            *n = Node::Map(Map::from([("context".to_string(), s(ctx))]));
            return Ok(());
        }
        return recurse(n, path);
    }
    if matches(p, "services.*.build.ssh") {
        if let Node::Seq(items) = n {
            let mut m = Map::new();
            for i in items.iter() {
                let t = crate::project::merge::scalar_string(i);
                match t.split_once('=') {
                    Some((k, v)) => m.insert(k.to_string(), s(v)),
                    None => m.insert(t, s("")),
                };
            }
            *n = Node::Map(m);
        }
        return Ok(());
    }
    if matches(p, "services.*.build.additional_contexts") {
        if let Node::Seq(items) = n {
            let mut m = Map::new();
            for i in items.iter() {
                let t = crate::project::merge::scalar_string(i);
                match t.split_once('=') {
                    Some((k, v)) => m.insert(k.to_string(), s(v)),
                    None => m.insert(t, Node::Null),
                };
            }
            *n = Node::Map(m);
        }
        return Ok(());
    }
    if matches(p, "services.*.ulimits.*") || matches(p, "services.*.build.ulimits.*") {
        if let Node::Int(_) | Node::Str(_) = n {
            let v = n.clone();
            *n = Node::Map(Map::from([
                ("soft".to_string(), v.clone()),
                ("hard".to_string(), v),
            ]));
        }
        return Ok(());
    }
    if matches(p, "volumes.*")
        || matches(p, "networks.*")
        || matches(p, "secrets.*")
        || matches(p, "configs.*")
    {
        return transform_maybe_external(n, path);
    }
    if matches(p, "include") {
        if let Node::Seq(items) = n {
            for item in items.iter_mut() {
                match item {
                    Node::Str(f) => {
                        *item = Node::Map(Map::from([("path".to_string(), Node::Seq(vec![s(f)]))]))
                    }
                    Node::Map(m) => {
                        if let Some(Node::Str(f)) = m.get("path").cloned() {
                            m.insert("path".into(), Node::Seq(vec![s(&f)]));
                        }
                        if let Some(Node::Str(f)) = m.get("env_file").cloned() {
                            m.insert("env_file".into(), Node::Seq(vec![s(&f)]));
                        }
                    }
                    _ => {}
                }
            }
        }
        return Ok(());
    }
    if matches(p, "services")
        || matches(p, "services.*")
        || matches(p, "services.*.deploy")
        || matches(p, "volumes")
        || matches(p, "networks")
        || matches(p, "secrets")
        || matches(p, "configs")
    {
        return recurse(n, path);
    }
    Ok(())
}

fn env_file_entry(f: &str) -> Node {
    Node::Map(Map::from([
        ("path".to_string(), s(f)),
        ("required".to_string(), Node::Bool(true)),
    ]))
}

fn device(spec: &str) -> Node {
    let parts: Vec<&str> = spec.split(':').collect();
    let mut m = Map::new();
    let (src, dst, perm) = match parts.len() {
        1 => (parts[0], parts[0], "rwm"),
        2 => (parts[0], parts[1], "rwm"),
        _ => (parts[0], parts[1], parts[2]),
    };
    m.insert("source".into(), s(src));
    m.insert("target".into(), s(dst));
    m.insert("permissions".into(), s(perm));
    Node::Map(m)
}

fn transform_ports(n: &mut Node, path: &[String]) -> Result<()> {
    let Node::Seq(items) = n else {
        return Err(err(path, "invalid type for port"));
    };
    let mut out = Vec::new();
    for item in std::mem::take(items) {
        match item {
            Node::Int(i) => {
                for p in ports::parse_port(&i.to_string()).map_err(|e| err(path, e))? {
                    out.push(p.to_node());
                }
            }
            Node::Str(spec) => {
                for p in ports::parse_port(&spec).map_err(|e| err(path, e))? {
                    out.push(p.to_node());
                }
            }
            Node::Map(m) => out.push(Node::Map(m)),
            other => {
                return Err(err(
                    path,
                    format!(
                        "invalid type {} for port",
                        crate::project::merge::go_fmt(&other)
                    ),
                ));
            }
        }
    }
    *items = out;
    Ok(())
}

fn transform_depends_on(n: &mut Node, path: &[String]) -> Result<()> {
    match n {
        Node::Map(m) => {
            for (k, v) in m.iter_mut() {
                let Node::Map(d) = v else {
                    return Err(err(path, format!("{k}: unsupported value")));
                };
                d.entry("condition".into()).or_insert(s("service_started"));
                d.entry("required".into()).or_insert(Node::Bool(true));
            }
        }
        Node::Seq(items) => {
            let m: Map = items
                .iter()
                .map(|i| {
                    (
                        crate::project::merge::scalar_string(i),
                        Node::Map(Map::from([
                            ("condition".to_string(), s("service_started")),
                            ("required".to_string(), Node::Bool(true)),
                        ])),
                    )
                })
                .collect();
            *n = Node::Map(m);
        }
        _ => {}
    }
    Ok(())
}

fn transform_maybe_external(n: &mut Node, path: &mut [String]) -> Result<()> {
    let Node::Map(m) = n else {
        return Ok(());
    };
    if let Some(Node::Map(ext)) = m.get("external") {
        let name = ext.get("name").cloned();
        m.insert("external".into(), Node::Bool(true));
        if let Some(name) = name {
            m.insert("name".into(), name);
        }
    }
    let _ = path;
    Ok(())
}

/// The warning Compose prints for the legacy `external: {name: x}` form, if `n` uses it.
pub fn legacy_external_warning(path: &str, n: &Node) -> Option<String> {
    match n {
        Node::Map(m) => match m.get("external") {
            Some(Node::Map(e)) if e.contains_key("name") => Some(format!(
                "{path}: external.name is deprecated. Please set name and external: true"
            )),
            _ => None,
        },
        _ => None,
    }
}
