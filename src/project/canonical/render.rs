//! Rendering the final model as `docker compose config --format json` prints it: values
//! decoded into Compose's Go types and marshalled again (environment/labels lists become
//! maps, shell strings are split, durations and byte sizes normalised, nested `x-*` fields
//! dropped, struct fields that are always present filled in). `$` is doubled.

use serde_json::{Map as JMap, Value as J};

use crate::error::{Error, Result};
use crate::project::merge::{go_fmt, matches};
use crate::project::yaml::{Map, Node};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `MappingWithEquals`: `K=V` list or map → map of string|null.
    MappingEquals,
    /// `Labels`/`Mapping`: map of strings, null → "".
    Labels,
    Shell,
    HealthTest,
    Duration,
    Bytes,
    StringList,
    /// Numbers rendered as strings (`expose`, ports `published`).
    Stringify,
    Hosts,
    Float,
    /// File modes print as octal strings (`"0440"`).
    FileMode,
    /// `all` → -1.
    DeviceCount,
    /// A `{id: value}` map printed as `id` / `id=value` strings (build `ssh`).
    KeyList,
    /// `gpus: all` → `[{count: -1}]`.
    Gpus,
    Drop,
}

const KINDS: &[(&str, Kind)] = &[
    ("services.*.environment", Kind::MappingEquals),
    ("services.*.build.args", Kind::MappingEquals),
    ("services.*.labels", Kind::Labels),
    ("services.*.annotations", Kind::Labels),
    ("services.*.build.labels", Kind::Labels),
    ("services.*.deploy.labels", Kind::Labels),
    ("services.*.sysctls", Kind::Labels),
    ("services.*.logging.options", Kind::Labels),
    ("services.*.volumes.*.volume.labels", Kind::Labels),
    ("services.*.build.additional_contexts", Kind::Labels),
    ("services.*.storage_opt", Kind::Labels),
    ("volumes.*.labels", Kind::Labels),
    ("networks.*.labels", Kind::Labels),
    ("secrets.*.labels", Kind::Labels),
    ("configs.*.labels", Kind::Labels),
    ("volumes.*.driver_opts", Kind::Labels),
    ("networks.*.driver_opts", Kind::Labels),
    ("networks.*.ipam.options", Kind::Labels),
    ("services.*.command", Kind::Shell),
    ("services.*.post_start.*.command", Kind::Shell),
    ("services.*.pre_stop.*.command", Kind::Shell),
    ("services.*.build.ssh", Kind::KeyList),
    ("services.*.gpus", Kind::Gpus),
    ("services.*.entrypoint", Kind::Shell),
    ("services.*.healthcheck.test", Kind::HealthTest),
    ("services.*.healthcheck.interval", Kind::Duration),
    ("services.*.healthcheck.timeout", Kind::Duration),
    ("services.*.healthcheck.start_period", Kind::Duration),
    ("services.*.healthcheck.start_interval", Kind::Duration),
    ("services.*.stop_grace_period", Kind::Duration),
    ("services.*.deploy.restart_policy.delay", Kind::Duration),
    ("services.*.deploy.restart_policy.window", Kind::Duration),
    ("services.*.deploy.update_config.delay", Kind::Duration),
    ("services.*.deploy.update_config.monitor", Kind::Duration),
    ("services.*.deploy.rollback_config.delay", Kind::Duration),
    ("services.*.deploy.rollback_config.monitor", Kind::Duration),
    ("services.*.mem_limit", Kind::Bytes),
    ("services.*.mem_reservation", Kind::Bytes),
    ("services.*.memswap_limit", Kind::Bytes),
    ("services.*.shm_size", Kind::Bytes),
    ("services.*.build.shm_size", Kind::Bytes),
    ("services.*.deploy.resources.limits.memory", Kind::Bytes),
    (
        "services.*.deploy.resources.reservations.memory",
        Kind::Bytes,
    ),
    ("services.*.volumes.*.tmpfs.size", Kind::Bytes),
    ("services.*.deploy.resources.limits.cpus", Kind::Float),
    ("services.*.deploy.resources.reservations.cpus", Kind::Float),
    ("services.*.cpus", Kind::Float),
    ("services.*.tmpfs", Kind::StringList),
    ("services.*.dns", Kind::StringList),
    ("services.*.dns_search", Kind::StringList),
    ("services.*.expose", Kind::Stringify),
    ("services.*.ports.*.published", Kind::Stringify),
    ("services.*.extra_hosts", Kind::Hosts),
    ("services.*.secrets.*.mode", Kind::FileMode),
    (
        "services.*.deploy.resources.reservations.devices.*.count",
        Kind::DeviceCount,
    ),
    ("services.*.gpus.*.count", Kind::DeviceCount),
    ("services.*.configs.*.mode", Kind::FileMode),
    ("services.*.build.extra_hosts", Kind::Hosts),
    ("services.*.env_file", Kind::Drop),
    ("services.*.label_file", Kind::Drop),
    ("services.*.extends", Kind::Drop),
    ("include", Kind::Drop),
    ("version", Kind::Drop),
];

/// Boolean fields that are pointers in compose-go (a `false` is printed).
const KEEP_FALSE: &[&str] = &[
    "services.*.depends_on.*.required",
    "services.*.attach",
    "services.*.init",
    "networks.*.enable_ipv4",
    "networks.*.enable_ipv6",
];

/// Integer fields with `omitempty` (a `0` is not printed).
const DROP_ZERO: &[&str] = &[
    "services.*.cpu_shares",
    "services.*.cpu_count",
    "services.*.cpu_percent",
    "services.*.cpu_period",
    "services.*.cpu_quota",
    "services.*.cpu_rt_period",
    "services.*.cpu_rt_runtime",
    "services.*.oom_score_adj",
    "services.*.mem_swappiness",
    "services.*.pids_limit",
];

static KIND_RULES: crate::project::merge::Rules<Kind> = crate::project::merge::Rules::new(KINDS);

fn kind(path: &[&str]) -> Option<Kind> {
    KIND_RULES.find(path)
}

/// Render the final model as Compose's canonical JSON (with `$` doubled).
pub fn render(model: &Map) -> Result<J> {
    let mut path: Vec<&str> = Vec::new();
    let mut out = JMap::new();
    let mut keys: Vec<&String> = model.keys().collect();
    keys.sort();
    for k in keys {
        path.push(k.as_str());
        if let Some(v) = render_at(&model[k], &mut path)? {
            out.insert(k.clone(), v);
        }
        path.pop();
    }
    if let Some(J::Object(services)) = out.get_mut("services") {
        for (_, svc) in services.iter_mut() {
            if let J::Object(svc) = svc {
                svc.entry("command").or_insert(J::Null);
                svc.entry("entrypoint").or_insert(J::Null);
                if let Some(J::Array(watch)) =
                    svc.get_mut("develop").and_then(|d| d.get_mut("watch"))
                {
                    for w in watch.iter_mut() {
                        if let J::Object(w) = w {
                            w.entry("exec")
                                .or_insert(serde_json::json!({"command": null}));
                        }
                    }
                }
                if let Some(J::Object(d)) = svc.get_mut("deploy") {
                    d.entry("placement").or_insert(J::Object(JMap::new()));
                    d.entry("resources").or_insert(J::Object(JMap::new()));
                }
            }
        }
    }
    if let Some(J::Object(nets)) = out.get_mut("networks") {
        for (_, n) in nets.iter_mut() {
            if let J::Object(n) = n {
                n.entry("ipam").or_insert(J::Object(JMap::new()));
            }
        }
    }
    Ok(escape_dollars(J::Object(out)))
}

fn render_at<'a>(n: &'a Node, path: &mut Vec<&'a str>) -> Result<Option<J>> {
    // Extensions below the top level are not part of Compose's JSON.
    if path.len() > 1 && path.last().is_some_and(|k| k.starts_with("x-")) {
        return Ok(None);
    }
    // Top-level extensions are printed as written.
    if path.first().is_some_and(|k| k.starts_with("x-")) {
        return Ok(Some(raw(n)));
    }
    if let Some(k) = kind(path) {
        return render_kind(k, n, path);
    }
    if is_empty_dropped(n, path) {
        return Ok(None);
    }
    Ok(Some(match n {
        Node::Map(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = JMap::new();
            for k in keys {
                path.push(k.as_str());
                if let Some(v) = render_at(&m[k], path)? {
                    out.insert(k.clone(), v);
                }
                path.pop();
            }
            J::Object(out)
        }
        Node::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            path.push("*");
            for item in items {
                if let Some(v) = render_at(item, path)? {
                    out.push(v);
                }
            }
            path.pop();
            J::Array(out)
        }
        // `omitempty` on string fields (maps of strings are rendered by their kind).
        Node::Str(v) if v.is_empty() && path.len() > 2 => return Ok(None),
        // Go's `omitempty` drops false booleans; pointer fields keep them.
        Node::Bool(false) if !KEEP_FALSE.iter().any(|p| matches(path, p)) => return Ok(None),
        // `omitempty` integers of the service.
        Node::Int(0) if DROP_ZERO.iter().any(|p| matches(path, p)) => return Ok(None),
        scalar => scalar_json(scalar),
    }))
}

/// Go's `omitempty` on slices and maps: empty lists are dropped (except `command` and
/// `entrypoint`, which are always printed); empty mappings are dropped for map-typed keys,
/// while struct-typed ones (`ipam`, `placement`, `resources`, `volume`, `healthcheck`, …)
/// are kept.
fn is_empty_dropped(n: &Node, path: &[&str]) -> bool {
    const MAP_TYPED: &[&str] = &[
        "environment",
        "labels",
        "annotations",
        "sysctls",
        "driver_opts",
        "options",
        "args",
        "extra_hosts",
        "depends_on",
        "ulimits",
        "storage_opt",
        "additional_contexts",
        "ssh",
        "networks",
        "volumes",
        "secrets",
        "configs",
        "models",
        "aliases",
    ];
    match n {
        Node::Seq(s) if s.is_empty() => {
            !(matches(path, "services.*.command") || matches(path, "services.*.entrypoint"))
        }
        Node::Map(m) if m.is_empty() => {
            path.len() > 1 && path.last().is_some_and(|k| MAP_TYPED.contains(k))
        }
        _ => false,
    }
}

fn raw(n: &Node) -> J {
    match n {
        Node::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), raw(v))).collect()),
        Node::Seq(items) => J::Array(items.iter().map(raw).collect()),
        scalar => scalar_json(scalar),
    }
}

/// Go's JSON encoding of a float: integral values print without a fraction (`1`, not `1.0`).
fn float_json(f: f64) -> J {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return J::from(f as i64);
    }
    serde_json::Number::from_f64(f).map_or(J::Null, J::Number)
}

fn scalar_json(n: &Node) -> J {
    match n {
        Node::Null => J::Null,
        Node::Bool(b) => J::Bool(*b),
        Node::Int(i) => J::from(*i),
        Node::UInt(u) => J::from(*u),
        Node::Float(f) => float_json(*f),
        Node::Str(s) => J::String(s.clone()),
        Node::Seq(_) | Node::Map(_) => J::Null,
    }
}

fn err(path: &[&str], msg: impl std::fmt::Display) -> Error {
    Error::config(format!("{}: {msg}", path.join(".")))
}

fn render_kind(k: Kind, n: &Node, path: &[&str]) -> Result<Option<J>> {
    Ok(Some(match k {
        Kind::Drop => return Ok(None),
        Kind::MappingEquals | Kind::Labels => {
            let null_as_empty = k == Kind::Labels;
            // Keyed: a later entry replaces an earlier one in place (linear, not a scan).
            let mut out: indexmap::IndexMap<String, J> = indexmap::IndexMap::new();
            let mut put = |key: String, v: J| {
                out.insert(key, v);
            };
            match n {
                Node::Map(m) => {
                    for (key, v) in m {
                        let v = match v {
                            Node::Null if null_as_empty => J::String(String::new()),
                            Node::Null => J::Null,
                            other => J::String(go_fmt(other)),
                        };
                        put(key.clone(), v);
                    }
                }
                Node::Seq(items) => {
                    for item in items {
                        let text = go_fmt(item);
                        match text.split_once('=') {
                            Some((key, v)) => put(key.to_string(), J::String(v.to_string())),
                            None if null_as_empty => put(text, J::String(String::new())),
                            None => put(text, J::Null),
                        }
                    }
                }
                Node::Null => return Ok(None),
                other => return Err(err(path, format!("unexpected value {}", go_fmt(other)))),
            }
            if out.is_empty() {
                return Ok(None);
            }
            out.sort_keys();
            J::Object(out.into_iter().collect())
        }
        Kind::Shell => match n {
            Node::Null => J::Null,
            Node::Str(s) => J::Array(
                shell_split(s)
                    .map_err(|e| err(path, e))?
                    .into_iter()
                    .map(J::String)
                    .collect(),
            ),
            Node::Seq(items) => J::Array(items.iter().map(|i| J::String(go_fmt(i))).collect()),
            other => J::String(go_fmt(other)),
        },
        Kind::HealthTest => match n {
            Node::Str(s) => J::Array(vec![J::String("CMD-SHELL".into()), J::String(s.clone())]),
            Node::Seq(items) => J::Array(items.iter().map(|i| J::String(go_fmt(i))).collect()),
            Node::Null => return Ok(None),
            other => J::String(go_fmt(other)),
        },
        Kind::Duration => match n {
            Node::Str(s) => J::String(super::units::format_duration(
                super::units::parse_duration(s).map_err(|e| err(path, e))?,
            )),
            Node::Int(i) => J::String(super::units::format_duration(i128::from(*i))),
            Node::Null => return Ok(None),
            other => scalar_json(other),
        },
        Kind::Bytes => match n {
            Node::Str(s) if s.is_empty() => return Ok(None),
            Node::Str(s) => match super::units::ram_in_bytes(s).map_err(|e| err(path, e))? {
                0 => return Ok(None),
                b => J::String(b.to_string()),
            },
            Node::Int(0) => return Ok(None),
            Node::Int(i) => J::String(i.to_string()),
            Node::UInt(i) => J::String(i.to_string()),
            Node::Float(f) => J::String((*f as i64).to_string()),
            Node::Null => return Ok(None),
            other => scalar_json(other),
        },
        Kind::Float => match n {
            Node::Str(s) if s.is_empty() => return Ok(None),
            Node::Str(s) => {
                let f: f64 = s
                    .trim()
                    .parse()
                    .map_err(|_| err(path, format!("invalid number {s:?}")))?;
                if f == 0.0 {
                    return Ok(None);
                }
                float_json(f)
            }
            Node::Int(0) => return Ok(None),
            Node::Float(f) if *f == 0.0 => return Ok(None),
            Node::Int(i) => J::from(*i),
            other => scalar_json(other),
        },
        Kind::StringList => match n {
            Node::Str(s) => J::Array(vec![J::String(s.clone())]),
            Node::Seq(items) => J::Array(items.iter().map(|i| J::String(go_fmt(i))).collect()),
            Node::Null => return Ok(None),
            other => J::Array(vec![J::String(go_fmt(other))]),
        },
        Kind::Stringify => match n {
            Node::Seq(items) => J::Array(items.iter().map(|i| J::String(go_fmt(i))).collect()),
            Node::Null => return Ok(None),
            other => J::String(go_fmt(other)),
        },
        Kind::KeyList => match n {
            Node::Map(m) => J::Array(
                m.iter()
                    .map(|(k, v)| match v {
                        Node::Null => J::String(k.clone()),
                        Node::Str(s) if s.is_empty() => J::String(k.clone()),
                        other => J::String(format!("{k}={}", go_fmt(other))),
                    })
                    .collect(),
            ),
            Node::Seq(items) => J::Array(items.iter().map(|i| J::String(go_fmt(i))).collect()),
            Node::Null => return Ok(None),
            other => J::Array(vec![J::String(go_fmt(other))]),
        },
        Kind::Gpus => match n {
            Node::Str(s) if s == "all" => serde_json::json!([{"count": -1}]),
            Node::Seq(items) => {
                let mut out = Vec::new();
                let mut p = path.to_vec();
                p.push("*");
                for i in items {
                    if let Some(v) = render_at(i, &mut p)? {
                        out.push(v);
                    }
                }
                J::Array(out)
            }
            Node::Null => return Ok(None),
            other => return Err(err(path, format!("invalid gpus value {}", go_fmt(other)))),
        },
        Kind::DeviceCount => match n {
            Node::Str(s) if s == "all" => J::from(-1),
            Node::Str(s) => J::from(
                s.parse::<i64>()
                    .map_err(|_| err(path, format!("invalid count {s:?}")))?,
            ),
            other => scalar_json(other),
        },
        Kind::FileMode => {
            let m = match n {
                Node::Int(i) => *i,
                Node::Str(s) => crate::project::canonical::casts::parse_go_int(s)
                    .ok_or_else(|| err(path, format!("invalid file mode {s:?}")))?,
                Node::Null => return Ok(None),
                other => return Err(err(path, format!("invalid file mode {}", go_fmt(other)))),
            };
            J::String(format!("0{m:o}"))
        }
        Kind::Hosts => {
            let mut out = Vec::new();
            let items: Vec<String> = match n {
                Node::Seq(items) => items.iter().map(go_fmt).collect(),
                Node::Map(m) => m
                    .iter()
                    .flat_map(|(k, v)| match v {
                        Node::Seq(ips) => {
                            ips.iter().map(|ip| format!("{k}={}", go_fmt(ip))).collect()
                        }
                        other => vec![format!("{k}={}", go_fmt(other))],
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for h in items {
                // `host:ip` and `host=ip` both mean host → ip; Compose prints `host=ip`.
                let (host, ip) = match h.split_once('=') {
                    Some((a, b)) => (a.to_string(), b.to_string()),
                    None => match h.split_once(':') {
                        Some((a, b)) => (a.to_string(), b.to_string()),
                        None => (h.clone(), String::new()),
                    },
                };
                out.push(J::String(format!("{host}={ip}")));
            }
            // HostsList is a map: hosts sorted, each host's addresses in order.
            out.sort_by(|a, b| {
                let host = |v: &J| {
                    v.as_str()
                        .and_then(|s| s.split_once('='))
                        .map(|(h, _)| h.to_string())
                };
                host(a).cmp(&host(b))
            });
            J::Array(out)
        }
    }))
}

/// Split a string `command`/`entrypoint` as Compose does ([`super::shellwords`]).
pub fn shell_split(s: &str) -> std::result::Result<Vec<String>, String> {
    super::shellwords::split(s).map_err(|e| {
        format!("{e} {s:?} (Compose stops at the first unquoted ;, &, |, < or > and accepts ( only in $(…); quote it, or write the command as a list)")
    })
}

/// Compose doubles every `$` in the rendered text (so the output can be fed back).
fn escape_dollars(mut v: J) -> J {
    escape_in_place(&mut v);
    v
}

fn escape_in_place(v: &mut J) {
    match v {
        J::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        J::Array(a) => a.iter_mut().for_each(escape_in_place),
        J::Object(o) => {
            if o.keys().any(|k| k.contains('$')) {
                let old = std::mem::take(o);
                *o = old
                    .into_iter()
                    .map(|(k, v)| (k.replace('$', "$$"), v))
                    .collect();
            }
            o.values_mut().for_each(escape_in_place);
        }
        _ => {}
    }
}
