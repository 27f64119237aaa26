//! De-duplication of sequences by their unique key (compose-go `EnforceUnicity`): walk the
//! list; an entry whose key was seen before overwrites the earlier slot (position of the
//! first occurrence, value of the last). Runs after each merge and after canonicalisation.

use crate::error::Result;
use crate::project::canonical::volume::parse_volume;
use crate::project::yaml::{Map, Node};

#[derive(Debug, Clone, Copy)]
enum Indexer {
    KeyValue,
    Port,
    Volume,
    Device,
    Mount(&'static str),
    EnvFile,
    Expose,
}

const UNIQUE: &[(&str, Indexer)] = &[
    ("networks.*.labels", Indexer::KeyValue),
    ("networks.*.ipam.options", Indexer::KeyValue),
    ("services.*.annotations", Indexer::KeyValue),
    ("services.*.build.args", Indexer::KeyValue),
    ("services.*.build.additional_contexts", Indexer::KeyValue),
    ("services.*.build.platforms", Indexer::KeyValue),
    ("services.*.build.tags", Indexer::KeyValue),
    ("services.*.build.labels", Indexer::KeyValue),
    ("services.*.cap_add", Indexer::KeyValue),
    ("services.*.cap_drop", Indexer::KeyValue),
    ("services.*.devices", Indexer::Device),
    ("services.*.configs", Indexer::Mount("")),
    ("services.*.deploy.labels", Indexer::KeyValue),
    ("services.*.dns", Indexer::KeyValue),
    ("services.*.dns_opt", Indexer::KeyValue),
    ("services.*.dns_search", Indexer::KeyValue),
    ("services.*.environment", Indexer::KeyValue),
    ("services.*.env_file", Indexer::EnvFile),
    ("services.*.expose", Indexer::Expose),
    ("services.*.labels", Indexer::KeyValue),
    ("services.*.links", Indexer::KeyValue),
    ("services.*.networks.*.aliases", Indexer::KeyValue),
    ("services.*.networks.*.link_local_ips", Indexer::KeyValue),
    ("services.*.ports", Indexer::Port),
    ("services.*.profiles", Indexer::KeyValue),
    ("services.*.secrets", Indexer::Mount("/run/secrets")),
    ("services.*.sysctls", Indexer::KeyValue),
    ("services.*.tmpfs", Indexer::KeyValue),
    ("services.*.volumes", Indexer::Volume),
];

/// Apply unicity to the whole model.
pub fn enforce_unicity(model: &mut Map) -> Result<()> {
    let mut path = Vec::new();
    for (k, v) in model.iter_mut() {
        path.push(k.clone());
        walk(v, &mut path);
        path.pop();
    }
    Ok(())
}

static UNIQUE_RULES: super::Rules<Indexer> = super::Rules::new(UNIQUE);

/// The deepest rule is `services.*.networks.*.aliases` (5 segments).
const MAX_DEPTH: usize = 5;

fn walk(n: &mut Node, path: &mut Vec<String>) {
    match n {
        Node::Map(_) if path.len() >= MAX_DEPTH => {}
        Node::Map(m) => {
            for (k, v) in m.iter_mut() {
                path.push(k.clone());
                walk(v, path);
                path.pop();
            }
        }
        Node::Seq(items) => {
            let Some(ix) = UNIQUE_RULES.find(path) else {
                return;
            };
            let mut out: Vec<Node> = Vec::with_capacity(items.len());
            let mut keys: std::collections::HashMap<String, usize> = Default::default();
            for entry in std::mem::take(items) {
                let key = index(ix, &entry);
                match keys.get(&key) {
                    Some(&j) => out[j] = entry,
                    None => {
                        keys.insert(key, out.len());
                        out.push(entry);
                    }
                }
            }
            *items = out;
        }
        _ => {}
    }
}

/// Go's `%s` of a value that may not be a string.
fn go_s(n: Option<&Node>) -> String {
    match n {
        None | Some(Node::Null) => "%!s(<nil>)".into(),
        Some(Node::Str(s)) => s.clone(),
        Some(Node::Int(i)) => format!("%!s(int={i})"),
        Some(Node::UInt(i)) => format!("%!s(uint64={i})"),
        Some(Node::Bool(b)) => format!("%!s(bool={b})"),
        Some(other) => format!("%!s({})", super::go_fmt(other)),
    }
}

fn go_d(n: Option<&Node>) -> String {
    match n {
        Some(Node::Int(i)) => i.to_string(),
        Some(Node::UInt(i)) => i.to_string(),
        None | Some(Node::Null) => "%!d(<nil>)".into(),
        Some(Node::Str(s)) => format!("%!d(string={s})"),
        Some(other) => format!("%!d({})", super::go_fmt(other)),
    }
}

fn index(ix: Indexer, entry: &Node) -> String {
    match ix {
        Indexer::KeyValue => match entry {
            Node::Str(s) => s.split_once('=').map_or(s.as_str(), |(k, _)| k).to_string(),
            other => super::go_fmt(other),
        },
        Indexer::Port => match entry {
            Node::Int(i) => i.to_string(),
            Node::Str(s) => s.clone(),
            Node::Map(m) => {
                let host = match m.get("host_ip") {
                    Some(h) => go_s(Some(h)),
                    None => "0.0.0.0".into(),
                };
                let proto = match m.get("protocol") {
                    Some(p) => go_s(Some(p)),
                    None => "tcp".into(),
                };
                format!(
                    "{host}:{}:{}/{proto}",
                    go_s(m.get("published")),
                    go_d(m.get("target"))
                )
            }
            _ => String::new(),
        },
        Indexer::Volume => match entry {
            Node::Map(m) => match m.get("target") {
                Some(Node::Str(t)) => t.clone(),
                _ => String::new(),
            },
            Node::Str(s) => parse_volume(s).map(|v| v.target).unwrap_or_default(),
            _ => String::new(),
        },
        Indexer::Device => match entry {
            Node::Map(m) => match m.get("target") {
                Some(Node::Str(t)) => t.clone(),
                _ => String::new(),
            },
            Node::Str(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                if parts.len() == 1 {
                    parts[0].to_string()
                } else {
                    parts[1].to_string()
                }
            }
            _ => String::new(),
        },
        Indexer::Mount(default) => match entry {
            Node::Str(s) => format!("{default}/{s}"),
            Node::Map(m) => match m.get("target") {
                Some(Node::Str(t)) => t.clone(),
                _ => format!("{default}/{}", go_s(m.get("source"))),
            },
            _ => String::new(),
        },
        Indexer::EnvFile => match entry {
            Node::Str(s) => s.clone(),
            Node::Map(m) => go_s(m.get("path")),
            _ => String::new(),
        },
        Indexer::Expose => match entry {
            Node::Str(s) => s.clone(),
            Node::Int(i) => i.to_string(),
            other => super::go_fmt(other),
        },
    }
}
