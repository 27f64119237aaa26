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
use std::path::Path;
use std::sync::Arc;

use crate::error::Result;
use crate::project::canonical;
use crate::project::merge::{go_fmt, matches};
use crate::project::yaml::{Map, Node};

/// One event on a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub file: Arc<Path>,
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
    ("services.*.volumes", "volume"),
    ("services.*.secrets", "mount"),
    ("services.*.configs", "mount"),
    ("services.*.devices", "device"),
    ("services.*.env_file", "path"),
];

impl Provenance {
    /// Record what `file` sets (its model after interpolation, `extends` and `include`).
    /// The model is walked as written; the few short forms whose long form has other key
    /// paths (`build: ./x`, `networks: [a]`, `depends_on: [a]`, list items of unique-keyed
    /// lists) are mapped onto the long form's paths.
    ///
    /// `layers`: for each service that `extends` another, what each file of the chain wrote
    /// itself, base first; those services are recorded layer by layer, so an inherited value
    /// is attributed to the file that wrote it and the extending file's own value shows as
    /// overriding it.
    pub fn record_file(
        &mut self,
        file: &Path,
        cfg: &Map,
        layers: &BTreeMap<String, Vec<Arc<(std::path::PathBuf, Map)>>>,
    ) -> Result<()> {
        let file: Arc<Path> = Arc::from(file);
        let mut path = Vec::new();
        for (k, v) in cfg {
            path.push(k.clone());
            match v {
                Node::Map(services) if k == "services" && !layers.is_empty() => {
                    for (name, svc) in services {
                        path.push(name.clone());
                        match layers.get(name) {
                            Some(chain) => {
                                for layer in capped(chain) {
                                    let (f, own) = &**layer;
                                    let f: Arc<Path> = Arc::from(f.as_path());
                                    for (key, val) in own {
                                        path.push(key.clone());
                                        self.walk(&f, val, &mut path);
                                        path.pop();
                                    }
                                }
                            }
                            None => self.walk(&file, svc, &mut path),
                        }
                        path.pop();
                    }
                }
                _ => self.walk(&file, v, &mut path),
            }
            path.pop();
        }
        Ok(())
    }

    /// The keys of `entries` equal to `prefix` or below it (`prefix.…`, `prefix[…]`): a
    /// range of the sorted map, not a scan of all of it.
    fn under(&self, prefix: &str) -> Vec<(&String, &Vec<Event>)> {
        use std::ops::Bound;
        self.entries
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(k, _)| {
                matches!(
                    k.as_bytes().get(prefix.len()),
                    None | Some(b'.') | Some(b'[')
                )
            })
            .collect()
    }

    /// The file that last set `path` or anything below it.
    pub fn file_of(&self, path: &str) -> Option<&Path> {
        self.under(path)
            .into_iter()
            .filter_map(|(_, evs)| evs.last())
            .map(|e| &*e.file)
            .next_back()
    }

    /// Record that `file` removed the given paths (`!reset`/`!override`) from `model`.
    pub fn record_resets(&mut self, model: &Map, file: &Path, paths: &[String]) {
        for p in paths {
            let exists = lookup(model, p).is_some();
            if !exists {
                continue;
            }
            let keys: Vec<String> = self.under(p).into_iter().map(|(k, _)| k.clone()).collect();
            for k in keys {
                if let Some(ev) = self.entries.get_mut(&k) {
                    ev.push(Event {
                        file: Arc::from(file),
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
    fn push(&mut self, key: String, file: &Arc<Path>, value: String) {
        let key = displayable(key);
        let value = displayable(value);
        self.entries.entry(key.clone()).or_default().push(Event {
            file: Arc::clone(file),
            path: key,
            value: Some(value),
        });
    }

    fn walk(&mut self, file: &Arc<Path>, n: &Node, path: &mut Vec<String>) {
        let key = path.join(".");
        match n {
            Node::Str(ctx) if matches(path, "services.*.build") => {
                self.push(format!("{key}.context"), file, ctx.clone());
                return;
            }
            Node::Seq(items)
                if matches(path, "services.*.networks") || matches(path, "services.*.models") =>
            {
                for i in items {
                    self.push(format!("{key}.{}", go_fmt(i)), file, "null".into());
                }
                return;
            }
            Node::Seq(items) if matches(path, "services.*.depends_on") => {
                for i in items {
                    let dep = go_fmt(i);
                    self.push(
                        format!("{key}.{dep}.condition"),
                        file,
                        "service_started".into(),
                    );
                    self.push(format!("{key}.{dep}.required"), file, "true".into());
                }
                return;
            }
            _ => {}
        }
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
            if let Node::Seq(items) = n {
                for item in items {
                    match item {
                        Node::Map(_) => {
                            let id = identity(how, item);
                            self.push(format!("{key}[{id}]"), file, render(item));
                        }
                        _ => {
                            for id in short_ids(how, item) {
                                self.push(format!("{key}[{id}]"), file, render(item));
                            }
                        }
                    }
                }
                return;
            }
        }
        match n {
            Node::Map(m) if !m.is_empty() => {
                for (k, v) in m {
                    path.push(k.clone());
                    self.walk(file, v, path);
                    path.pop();
                }
            }
            other => self.push(key, file, render(other)),
        }
    }

    /// The events for `prefix` and everything below it, by key path.
    pub fn explain(&self, prefix: &str) -> Vec<(&String, &Vec<Event>)> {
        self.under(prefix)
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
                            file: e.file.to_path_buf(),
                            path: e.path.clone(),
                            value: e.value.clone().unwrap_or_else(|| "(removed)".into()),
                        })
                        .collect(),
                )
            })
            .collect()
    }
}

/// At most this many layers of one service's `extends` chain are recorded: the base-most
/// layer and the nearest ones. Real chains are a few layers deep; without a cap a chain of
/// N services records N²/2 layers (a 2,000-service chain: two million).
pub const MAX_LAYERS: usize = 32;

/// The layers of `chain` that are recorded (see [`MAX_LAYERS`]), base first.
fn capped<T>(chain: &[T]) -> impl Iterator<Item = &T> {
    let skip = chain.len().saturating_sub(MAX_LAYERS);
    let (first, rest) = match chain.split_first() {
        Some((f, r)) if skip > 0 => (Some(f), &r[skip..]),
        _ => (None, chain),
    };
    first.into_iter().chain(rest)
}

/// The identities of the long-syntax entries one written short item stands for (a port
/// range gives several), matching [`identity`] of the long form.
fn short_ids(how: &str, item: &Node) -> Vec<String> {
    let text = go_fmt(item);
    match how {
        "port" => match canonical::ports::parse_port(&text) {
            Ok(ports) => ports
                .iter()
                .map(|p| {
                    let host = if p.host_ip.is_empty() {
                        "0.0.0.0"
                    } else {
                        &p.host_ip
                    };
                    format!("{host}:{}:{}/{}", p.published, p.target, p.protocol)
                })
                .collect(),
            Err(_) => vec![text],
        },
        "volume" => match canonical::volume::parse_volume(&text) {
            Ok(v) => vec![canonical::volume::clean_path(&v.target)],
            Err(_) => vec![text],
        },
        "device" => {
            let parts: Vec<&str> = text.split(':').collect();
            vec![parts.get(1).unwrap_or(&parts[0]).to_string()]
        }
        _ => vec![text],
    }
}

/// Follow a dotted path whose keys may themselves contain dots (`labels.com.example.x`).
fn lookup<'a>(model: &'a Map, path: &str) -> Option<&'a Node> {
    if let Some(n) = model.get(path) {
        return Some(n);
    }
    // Fast path: the next key has no dot.
    if let Some((head, rest)) = path.split_once('.')
        && let Some(Node::Map(m)) = model.get(head)
        && let Some(found) = lookup(m, rest)
    {
        return Some(found);
    }
    for (k, v) in model {
        if let Some(rest) = path
            .strip_prefix(k.as_str())
            .and_then(|r| r.strip_prefix('.'))
            && let Node::Map(m) = v
            && let Some(found) = lookup(m, rest)
        {
            return Some(found);
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
        "volume" | "device" | "mount" => match m.get("target") {
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
