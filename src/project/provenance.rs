//! Provenance: for every key path of the merged model, which file (and key path in it) set
//! it, and the values it overrode.
//!
//! Recorded per file as the loader merges them (after that file's interpolation, `extends`
//! and `include`), in Compose's canonical long form so that a short `"8080:80"` in one file
//! and a long port mapping in another land on the same key. Key paths use the merged
//! model's identity of each entry:
//! - mappings: `services.api.image`, `services.api.healthcheck.interval`;
//! - `environment`, `labels`, `build.args`, … (merged by key): `services.api.environment.FOO`;
//! - lists merged by a unique key: `services.api.ports[0.0.0.0:8080:80/tcp]`,
//!   `services.api.volumes[/data]`;
//! - lists that replace (`command`, `entrypoint`, `healthcheck.test`) or append: the whole
//!   list at its own path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Result;
use crate::project::canonical;
use crate::project::merge::{go_fmt, matches};
use crate::project::yaml::{Map, Node};

/// One event on a key path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub file: PathBuf,
    /// Key path inside that file.
    pub path: String,
    /// The value as written there (after interpolation), or `None` when the file removed it
    /// (`!reset` / `!override`).
    pub value: Option<String>,
}

/// Key path → events in load order (the last `Some` is in effect).
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub entries: BTreeMap<String, Vec<Event>>,
}

/// Lists merged as `k=v` by key (their items become `path.KEY`).
const KEYED_LISTS: &[&str] = &[
    "services.*.environment",
    "services.*.labels",
    "services.*.annotations",
    "services.*.sysctls",
    "services.*.build.args",
    "services.*.build.labels",
    "services.*.deploy.labels",
    "volumes.*.labels",
    "networks.*.labels",
];

/// Lists kept whole (replaced by a later file).
const WHOLE: &[&str] = &[
    "services.*.command",
    "services.*.entrypoint",
    "services.*.healthcheck.test",
];

/// Lists merged by a unique key.
const UNIQUE: &[(&str, &str)] = &[
    ("services.*.ports", "port"),
    ("services.*.volumes", "target"),
    ("services.*.secrets", "target"),
    ("services.*.configs", "target"),
    ("services.*.devices", "target"),
    ("services.*.env_file", "path"),
];

impl Provenance {
    /// Record what `file` sets (its model after interpolation, `extends` and `include`).
    pub fn record_file(&mut self, file: &Path, cfg: &Map) -> Result<()> {
        let mut copy = cfg.clone();
        // Long syntax so entries line up with the merged model; failures are reported by
        // the loader itself, so a model that does not canonicalise is recorded as written.
        if canonical::transform(&mut copy).is_err() {
            copy = cfg.clone();
        }
        let mut path = Vec::new();
        for (k, v) in &copy {
            path.push(k.clone());
            self.walk(file, v, &mut path, cfg);
            path.pop();
        }
        Ok(())
    }

    /// Record that `file` removed the given paths (`!reset`/`!override`) from `model`.
    pub fn record_resets(&mut self, model: &Map, file: &Path, paths: &[String]) {
        for p in paths {
            let exists = lookup(model, p).is_some();
            if !exists {
                continue;
            }
            let prefix = p.clone();
            let keys: Vec<String> = self
                .entries
                .keys()
                .filter(|k| {
                    **k == prefix
                        || k.starts_with(&format!("{prefix}."))
                        || k.starts_with(&format!("{prefix}["))
                })
                .cloned()
                .collect();
            for k in keys {
                if let Some(ev) = self.entries.get_mut(&k) {
                    ev.push(Event {
                        file: file.to_path_buf(),
                        path: p.clone(),
                        value: None,
                    });
                }
            }
        }
    }

    /// Key paths and values are for display (`config --explain`, the dashboard's details):
    /// control characters from the file (an ESC written as `"\e]52;…"`, a newline) are
    /// neutralised here so that they never reach a terminal.
    fn push(&mut self, key: String, file: &Path, value: String) {
        let key = displayable(key);
        let value = displayable(value);
        self.entries.entry(key.clone()).or_default().push(Event {
            file: file.to_path_buf(),
            path: key,
            value: Some(value),
        });
    }

    fn walk(&mut self, file: &Path, n: &Node, path: &mut Vec<String>, raw: &Map) {
        let key = path.join(".");
        if WHOLE.iter().any(|p| matches(path, p)) {
            self.push(key, file, render(n));
            return;
        }
        if KEYED_LISTS.iter().any(|p| matches(path, p)) {
            match n {
                Node::Map(m) => {
                    for (k, v) in m {
                        let v = match v {
                            Node::Null => String::new(),
                            other => go_fmt(other),
                        };
                        self.push(format!("{key}.{k}"), file, format!("{k}={v}"));
                    }
                }
                Node::Seq(items) => {
                    for i in items {
                        let t = go_fmt(i);
                        let k = t.split_once('=').map_or(t.as_str(), |(k, _)| k).to_string();
                        self.push(format!("{key}.{k}"), file, t);
                    }
                }
                other => self.push(key, file, render(other)),
            }
            return;
        }
        if let Some((_, how)) = UNIQUE.iter().find(|(p, _)| matches(path, p)) {
            // Identity from the long form, value as written (`"8080:80"`).
            let written = lookup(raw, &key);
            if let Some(Node::Seq(items)) = written {
                for item in items {
                    for long in canonical_items(path, item) {
                        let id = identity(how, &long);
                        self.push(format!("{key}[{id}]"), file, render(item));
                    }
                }
                return;
            }
            if let Node::Seq(items) = n {
                for i in items {
                    let id = identity(how, i);
                    self.push(format!("{key}[{id}]"), file, render(i));
                }
                return;
            }
        }
        match n {
            Node::Map(m) if !m.is_empty() => {
                for (k, v) in m {
                    path.push(k.clone());
                    self.walk(file, v, path, raw);
                    path.pop();
                }
            }
            other => self.push(key, file, render(other)),
        }
    }

    /// The events for `prefix` and everything below it, by key path.
    pub fn explain(&self, prefix: &str) -> Vec<(&String, &Vec<Event>)> {
        self.entries
            .iter()
            .filter(|(k, _)| {
                *k == prefix
                    || k.starts_with(&format!("{prefix}."))
                    || k.starts_with(&format!("{prefix}["))
            })
            .collect()
    }

    /// Flatten into the public `LoadedProject::provenance` shape.
    pub fn to_origins(&self) -> BTreeMap<String, Vec<crate::project::Origin>> {
        self.entries
            .iter()
            .map(|(k, evs)| {
                (
                    k.clone(),
                    evs.iter()
                        .map(|e| crate::project::Origin {
                            file: e.file.clone(),
                            path: e.path.clone(),
                            value: e.value.clone().unwrap_or_else(|| "(removed)".into()),
                        })
                        .collect(),
                )
            })
            .collect()
    }
}

/// The long-syntax entries one written list item stands for (a port range gives several).
fn canonical_items(path: &[String], item: &Node) -> Vec<Node> {
    let (Some(svc), Some(key)) = (path.get(1), path.get(2)) else {
        return vec![item.clone()];
    };
    let mut model = Map::from([(
        "services".to_string(),
        Node::Map(Map::from([(
            svc.clone(),
            Node::Map(Map::from([(key.clone(), Node::Seq(vec![item.clone()]))])),
        )])),
    )]);
    if canonical::transform(&mut model).is_err() {
        return vec![item.clone()];
    }
    match Node::Map(model).at(&format!("services.{svc}.{key}")) {
        Some(Node::Seq(items)) => items.clone(),
        _ => vec![item.clone()],
    }
}

/// Follow a dotted path whose keys may themselves contain dots (`labels.com.example.x`).
fn lookup<'a>(model: &'a Map, path: &str) -> Option<&'a Node> {
    if let Some(n) = model.get(path) {
        return Some(n);
    }
    for (k, v) in model {
        if let Some(rest) = path
            .strip_prefix(k.as_str())
            .and_then(|r| r.strip_prefix('.'))
        {
            if let Node::Map(m) = v {
                if let Some(found) = lookup(m, rest) {
                    return Some(found);
                }
            }
        }
    }
    None
}

fn identity(how: &str, n: &Node) -> String {
    let Node::Map(m) = n else {
        return go_fmt(n);
    };
    let get = |k: &str| m.get(k).map(go_fmt).unwrap_or_default();
    match how {
        "port" => {
            let host = m
                .get("host_ip")
                .map(go_fmt)
                .unwrap_or_else(|| "0.0.0.0".into());
            let proto = m
                .get("protocol")
                .map(go_fmt)
                .unwrap_or_else(|| "tcp".into());
            format!("{host}:{}:{}/{proto}", get("published"), get("target"))
        }
        "target" => match m.get("target") {
            Some(t) => go_fmt(t),
            None => get("source"),
        },
        other => get(other),
    }
}

fn displayable(s: String) -> String {
    if s.chars().any(|c| c.is_control() && c != '\t') {
        crate::sanitize::sanitize_str(&s)
    } else {
        s
    }
}

/// A compact one-line rendering of a value (flow-style).
pub fn render(n: &Node) -> String {
    match n {
        Node::Str(s) => s.clone(),
        Node::Seq(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Node::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}: {}", render(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Node::Null => "null".into(),
        other => go_fmt(other),
    }
}
