//! The rest of Compose v2.40.3's schema that devctl enforces after each file is merged:
//! the types of leaf values at every level of a service and of the top-level resources, and
//! the name rule for services, volumes, secrets and configs (`^[a-zA-Z0-9._-]+$`; networks
//! have none). Wording as Compose's (`services.a.command.0 must be a string`,
//! `services additional properties 'a\x1b[2J' not allowed`) so that users can search for it.
//! Also compose-go's dependency-cycle check over `depends_on` (which by then includes the
//! dependencies `volumes_from` and `network_mode: service:` imply).

use std::collections::{BTreeMap, BTreeSet};

use crate::project::merge::matches;
use crate::project::yaml::{Map, Node};

#[derive(Clone, Copy, PartialEq)]
enum T {
    Str,
    Bool,
    Num,
    Null,
    Map,
}

fn is(n: &Node, t: T) -> bool {
    match t {
        T::Str => matches!(n, Node::Str(_)),
        T::Bool => matches!(n, Node::Bool(_)),
        T::Num => matches!(n, Node::Int(_) | Node::UInt(_) | Node::Float(_)),
        T::Null => matches!(n, Node::Null),
        T::Map => matches!(n, Node::Map(_)),
    }
}

use T::{Bool, Map as M, Null, Num, Str};

const STR: &[T] = &[Str];
const BOOL_STR: &[T] = &[Bool, Str];
const NUM_STR: &[T] = &[Num, Str];
const SCALAR: &[T] = &[Bool, Null, Num, Str];
const STR_MAP: &[T] = &[Str, M];

/// Rules for paths below `services.<name>`: `[]` is a list item, `*` any key (or item).
/// First match wins; a path with no rule is not checked here.
const SERVICE: &[(&str, &[T])] = &[
    ("command.[]", STR),
    ("entrypoint.[]", STR),
    ("healthcheck.test.[]", STR),
    ("healthcheck.retries", NUM_STR),
    ("healthcheck.disable", BOOL_STR),
    ("cap_add.[]", STR),
    ("cap_drop.[]", STR),
    ("security_opt.[]", STR),
    ("volumes_from.[]", STR),
    ("external_links.[]", STR),
    ("links.[]", STR),
    ("profiles.[]", STR),
    ("dns.[]", STR),
    ("dns_search.[]", STR),
    ("dns_opt.[]", STR),
    ("tmpfs.[]", STR),
    ("device_cgroup_rules.[]", STR),
    ("devices.[]", STR_MAP),
    ("env_file.[]", STR_MAP),
    ("label_file.[]", STR),
    ("group_add.[]", NUM_STR),
    ("expose.[]", NUM_STR),
    ("volumes.[]", STR_MAP),
    ("secrets.[]", STR_MAP),
    ("configs.[]", STR_MAP),
    ("environment.[]", STR),
    ("labels.[]", STR),
    ("annotations.[]", STR),
    ("sysctls.[]", STR),
    ("extra_hosts.[]", STR),
    ("environment.*", SCALAR),
    ("labels.*", SCALAR),
    ("annotations.*", SCALAR),
    ("sysctls.*", &[Num, Str]),
    ("build.args.[]", STR),
    ("build.args.*", SCALAR),
    ("build.labels.[]", STR),
    ("build.labels.*", SCALAR),
    ("build.context", STR),
    ("build.dockerfile", STR),
    ("build.dockerfile_inline", STR),
    ("build.target", STR),
    ("build.network", STR),
    ("build.cache_from.[]", STR),
    ("build.cache_to.[]", STR),
    ("build.platforms.[]", STR),
    ("build.tags.[]", STR),
    ("logging.driver", STR),
    ("logging.options.*", &[Null, Num, Str]),
    ("networks.*.aliases.[]", STR),
    ("networks.*.ipv4_address", STR),
    ("networks.*.ipv6_address", STR),
    ("deploy.replicas", NUM_STR),
    ("deploy.mode", STR),
    ("image", STR),
    ("container_name", STR),
    ("hostname", STR),
    ("domainname", STR),
    ("ipc", STR),
    ("isolation", STR),
    ("mac_address", STR),
    ("platform", STR),
    ("pull_policy", STR),
    ("restart", STR),
    ("runtime", STR),
    ("stop_signal", STR),
    ("stop_grace_period", STR),
    ("user", STR),
    ("userns_mode", STR),
    ("uts", STR),
    ("working_dir", STR),
    ("cgroup", STR),
    ("cgroup_parent", STR),
    ("cpuset", STR),
    ("network_mode", STR),
    ("pid", &[Str, Null]),
    ("init", BOOL_STR),
    ("oom_kill_disable", BOOL_STR),
    ("privileged", BOOL_STR),
    ("read_only", BOOL_STR),
    ("stdin_open", BOOL_STR),
    ("tty", BOOL_STR),
    ("attach", BOOL_STR),
    ("use_api_socket", BOOL_STR),
    ("cpus", NUM_STR),
    ("cpu_count", NUM_STR),
    ("cpu_percent", NUM_STR),
    ("cpu_shares", NUM_STR),
    ("cpu_quota", NUM_STR),
    ("cpu_period", NUM_STR),
    ("cpu_rt_period", NUM_STR),
    ("cpu_rt_runtime", NUM_STR),
    ("mem_limit", NUM_STR),
    ("mem_reservation", NUM_STR),
    ("memswap_limit", NUM_STR),
    ("mem_swappiness", NUM_STR),
    ("shm_size", NUM_STR),
    ("pids_limit", NUM_STR),
    ("oom_score_adj", NUM_STR),
    ("scale", NUM_STR),
];

/// Rules below a top-level `volumes.<name>`, `networks.<name>`, `secrets.<name>` or
/// `configs.<name>`.
const RESOURCE: &[(&str, &[T])] = &[
    ("name", STR),
    ("driver", STR),
    ("file", STR),
    ("environment", STR),
    ("content", STR),
    ("driver_opts.*", NUM_STR),
    ("labels.[]", STR),
    ("labels.*", SCALAR),
];

/// Compose's words for a set of allowed types ("a boolean, null, number or string").
fn words(allowed: &[T]) -> String {
    // A list item that may also be a mapping (`volumes`, `ports`…): Compose names only the
    // scalar form ("must be a string").
    let mut names: Vec<&str> = allowed
        .iter()
        .filter(|t| **t != T::Map)
        .map(|t| match t {
            T::Str => "string",
            T::Bool => "boolean",
            T::Num => "number",
            T::Null => "null",
            T::Map => "object",
        })
        .collect();
    names.sort_unstable();
    match names.split_last() {
        Some((last, [])) => format!("a {last}"),
        Some((last, rest)) => format!("a {} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Go's `%q`-style rendering of a name for a message: control and bidi characters escaped
/// (`\x1b`, `\u202e`), so that the message itself carries no raw control character.
pub fn quote_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() || is_format(c) => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// A loader message with the control and bidi characters it quotes from the files escaped
/// as [`quote_name`] does (line breaks and tabs kept): a compose file's `${VAR:?\e]0;…}` or
/// key cannot retitle or clear the terminal through an error message.
pub fn escape_controls(s: &str) -> String {
    if !s
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || is_format(c))
    {
        return s.to_string();
    }
    s.split('\n')
        .map(|line| {
            line.split('\t')
                .map(|part| quote_name(part).replace("\\\\", "\\"))
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Unicode format characters that reorder or hide text (bidi controls, zero-width).
fn is_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Check names and leaf types of `model`; the message is Compose's (without the file).
pub(crate) fn check(model: &Map) -> Result<(), String> {
    for kind in ["services", "volumes", "secrets", "configs"] {
        if let Some(Node::Map(defs)) = model.get(kind)
            && let Some(bad) = defs.keys().find(|k| !valid_name(k))
        {
            return Err(format!(
                "{kind} additional properties '{}' not allowed",
                quote_name(bad)
            ));
        }
    }
    let mut path = Vec::new();
    if let Some(Node::Map(svcs)) = model.get("services") {
        for (name, svc) in svcs {
            walk(
                svc,
                &mut path,
                SERVICE,
                &format!("services.{}", quote_name(name)),
            )?;
        }
    }
    for kind in ["volumes", "networks", "secrets", "configs"] {
        if let Some(Node::Map(defs)) = model.get(kind) {
            for (name, def) in defs {
                walk(
                    def,
                    &mut path,
                    RESOURCE,
                    &format!("{kind}.{}", quote_name(name)),
                )?;
            }
        }
    }
    Ok(())
}

/// `path`: (the segment rules match, `[]` for a list item; the segment shown, its index).
fn walk(
    n: &Node,
    path: &mut Vec<(String, String)>,
    rules: &[(&str, &[T])],
    at: &str,
) -> Result<(), String> {
    if !path.is_empty() {
        let keys: Vec<&str> = path.iter().map(|(k, _)| k.as_str()).collect();
        if let Some((_, allowed)) = rules.iter().find(|(p, _)| matches(&keys, p))
            && !allowed.iter().any(|t| is(n, *t))
        {
            return Err(format!("{} must be {}", shown(at, path), words(allowed)));
        }
    }
    match n {
        Node::Map(m) => {
            for (k, v) in m {
                path.push((k.clone(), k.clone()));
                walk(v, path, rules, at)?;
                path.pop();
            }
        }
        Node::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(("[]".into(), i.to_string()));
                walk(v, path, rules, at)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

/// The dotted path of a value for a message (list items get their index later).
fn shown(at: &str, path: &[(String, String)]) -> String {
    let mut s = at.to_string();
    for (_, p) in path {
        s.push('.');
        s.push_str(&quote_name(p));
    }
    s
}

/// compose-go's dependency-cycle check: services in name order, each one's dependencies
/// in name order, the first cycle found reported as `a -> b -> a`. Services already fully
/// explored are not explored again (Compose re-explores them; the first cycle found is the
/// same, the cost is linear instead of exponential).
pub(crate) fn check_cycles(model: &Map) -> Result<(), String> {
    let Some(Node::Map(svcs)) = model.get("services") else {
        return Ok(());
    };
    let deps: BTreeMap<&str, BTreeSet<&str>> = svcs
        .iter()
        .map(|(name, svc)| {
            let d = match svc.get("depends_on") {
                Some(Node::Map(m)) => m
                    .keys()
                    .filter(|k| svcs.contains_key(*k))
                    .map(String::as_str)
                    .collect(),
                _ => BTreeSet::new(),
            };
            (name.as_str(), d)
        })
        .collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in deps.keys() {
        if done.contains(start) {
            continue;
        }
        // Iterative DFS: (vertex, its dependencies still to visit).
        let mut path: Vec<&str> = vec![start];
        let mut stack = vec![deps[start].iter()];
        while let Some(it) = stack.last_mut() {
            match it.next() {
                Some(&next) => {
                    if let Some(i) = path.iter().position(|p| *p == next) {
                        let cycle = path[i..]
                            .iter()
                            .map(|s| quote_name(s))
                            .collect::<Vec<_>>()
                            .join(" -> ");
                        return Err(format!(
                            "dependency cycle detected: {cycle} -> {}",
                            quote_name(next)
                        ));
                    }
                    if done.contains(next) {
                        continue;
                    }
                    path.push(next);
                    stack.push(deps[next].iter());
                }
                None => {
                    stack.pop();
                    if let Some(v) = path.pop() {
                        done.insert(v);
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::yaml::parse_plain;
    use std::path::Path;

    fn model(text: &str) -> Map {
        match parse_plain(Path::new("c.yml"), text).expect("yaml") {
            Node::Map(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn types_at_every_level_with_composes_words() {
        for (text, want) in [
            (
                "services: {a: {command: [-1.5, x]}}",
                "services.a.command.0 must be a string",
            ),
            (
                "services: {a: {entrypoint: [x, true]}}",
                "services.a.entrypoint.1 must be a string",
            ),
            (
                "services: {a: {healthcheck: {test: [CMD, 1]}}}",
                "services.a.healthcheck.test.1 must be a string",
            ),
            (
                "services: {a: {cpus: [1]}}",
                "services.a.cpus must be a number or string",
            ),
            (
                "services: {a: {tty: 1}}",
                "services.a.tty must be a boolean or string",
            ),
            (
                "services: {a: {labels: {x: [1]}}}",
                "services.a.labels.x must be a boolean, null, number or string",
            ),
            (
                "services: {a: {logging: {driver: 1}}}",
                "services.a.logging.driver must be a string",
            ),
            (
                "volumes: {v: {driver: 1}}",
                "volumes.v.driver must be a string",
            ),
            (
                "services: {\"a\\e[2J\": {image: x}}",
                "services additional properties 'a\\x1b[2J' not allowed",
            ),
            (
                "services: {\"a\\u202eb\": {image: x}}",
                "services additional properties 'a\\u202eb' not allowed",
            ),
        ] {
            assert_eq!(check(&model(text)).err().as_deref(), Some(want), "{text}");
        }
        assert!(
            check(&model(
                "networks: {\"n x\": {}}\nservices: {a: {tty: \"true\", command: [a, b]}}"
            ))
            .is_ok()
        );
    }

    #[test]
    fn cycles_reported_as_compose_does() {
        for (text, want) in [
            (
                "services: {z: {depends_on: {y: {}}}, y: {depends_on: {x: {}}}, x: {depends_on: {z: {}}}}",
                "x -> z -> y -> x",
            ),
            ("services: {a: {depends_on: {a: {}}}}", "a -> a"),
            (
                "services: {m: {depends_on: {b: {}}}, b: {depends_on: {c: {}}}, c: {depends_on: {b: {}}}}",
                "b -> c -> b",
            ),
        ] {
            let e = check_cycles(&model(text)).expect_err(text);
            assert_eq!(e, format!("dependency cycle detected: {want}"));
        }
        // A long chain is not a cycle, and is checked in linear time.
        let mut text = String::from("services:\n");
        for i in 0..5000 {
            text.push_str(&format!("  s{i}: {{depends_on: {{s{}: {{}}}}}}\n", i + 1));
        }
        assert!(check_cycles(&model(&text)).is_ok());
    }
}
