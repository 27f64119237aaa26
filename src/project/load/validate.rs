//! The part of Compose's JSON-schema validation that protects the rest of the pipeline,
//! with Compose's wording (`validating <file>: <path> must be a <type>`), plus compose-go's
//! `validation.Validate` rule for external resources.

use std::path::Path;

use crate::error::{Error, Result};
use crate::project::yaml::{Map, Node};

#[derive(Clone, Copy, PartialEq)]
enum T {
    Null,
    Str,
    Seq,
    Map,
    Scalar,
}

fn is(n: &Node, t: T) -> bool {
    match t {
        T::Null => matches!(n, Node::Null),
        T::Str => matches!(n, Node::Str(_)),
        T::Seq => matches!(n, Node::Seq(_)),
        T::Map => matches!(n, Node::Map(_)),
        T::Scalar => !matches!(n, Node::Seq(_) | Node::Map(_)),
    }
}

/// Service keys: the forms the schema allows, and the type Compose names when none fits.
const SERVICE_KEYS: &[(&str, &[T], &str)] = &[
    ("ports", &[T::Seq], "array"),
    ("volumes", &[T::Seq], "array"),
    ("depends_on", &[T::Seq, T::Map], "array"),
    ("networks", &[T::Seq, T::Map], "array"),
    ("profiles", &[T::Seq], "array"),
    ("cap_add", &[T::Seq], "array"),
    ("cap_drop", &[T::Seq], "array"),
    ("devices", &[T::Seq], "array"),
    ("expose", &[T::Seq], "array"),
    ("links", &[T::Seq], "array"),
    ("secrets", &[T::Seq], "array"),
    ("configs", &[T::Seq], "array"),
    ("security_opt", &[T::Seq], "array"),
    ("group_add", &[T::Seq], "array"),
    ("volumes_from", &[T::Seq], "array"),
    ("external_links", &[T::Seq], "array"),
    ("dns_opt", &[T::Seq], "array"),
    ("environment", &[T::Map, T::Seq], "mapping"),
    ("labels", &[T::Map, T::Seq], "mapping"),
    ("annotations", &[T::Map, T::Seq], "mapping"),
    ("extra_hosts", &[T::Map, T::Seq], "mapping"),
    ("sysctls", &[T::Map, T::Seq], "mapping"),
    ("healthcheck", &[T::Map], "mapping"),
    ("logging", &[T::Map], "mapping"),
    ("ulimits", &[T::Map], "mapping"),
    ("develop", &[T::Map], "mapping"),
    ("deploy", &[T::Map, T::Null], "mapping"),
    ("build", &[T::Str, T::Map], "string"),
    ("env_file", &[T::Str, T::Seq], "string"),
    ("dns", &[T::Str, T::Seq], "string"),
    ("dns_search", &[T::Str, T::Seq], "string"),
    ("tmpfs", &[T::Str, T::Seq], "string"),
    ("extends", &[T::Str, T::Map], "string"),
    ("command", &[T::Null, T::Str, T::Seq], "null"),
    ("entrypoint", &[T::Null, T::Str, T::Seq], "null"),
    ("image", &[T::Str], "string"),
    ("restart", &[T::Str], "string"),
    ("container_name", &[T::Str], "string"),
    ("user", &[T::Str], "string"),
    ("working_dir", &[T::Str], "string"),
    ("hostname", &[T::Str], "string"),
    ("pull_policy", &[T::Str], "string"),
    ("network_mode", &[T::Str], "string"),
    ("platform", &[T::Str], "string"),
    ("stop_grace_period", &[T::Str], "string"),
];

const DURATIONS: &[&str] = &["interval", "timeout", "start_period", "start_interval"];

/// Every service attribute of the Compose Specification (`x-*` are allowed besides).
const SERVICE_ATTRIBUTES: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

const TOP_LEVEL: &[&str] = &[
    "version", "name", "include", "services", "models", "networks", "volumes", "secrets", "configs",
];

const HEALTHCHECK: &[&str] = &[
    "test",
    "interval",
    "timeout",
    "retries",
    "start_period",
    "start_interval",
    "disable",
];

/// The known key closest to `key` (a likely typo), if any is close.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let cost = usize::from(ca != *cb);
                cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

/// The error for an unknown key: Compose's words, the line and column of the key in `file`
/// with that line shown, "did you mean", and what to do.
pub(crate) fn unknown_key_error(file: &Path, u: &super::keys::Unknown) -> Error {
    let text = crate::project::read::text_lossy_opt(file);
    let pos = text
        .as_deref()
        .and_then(|t| super::locate::locate(t, &u.path, super::locate::Target::Key));
    let (place, excerpt) = super::locate::describe(file, text.as_deref(), pos);
    let prefix = if u.at.is_empty() {
        String::new()
    } else {
        format!("{} ", u.at)
    };
    let guess = closest(&u.key, u.known);
    let message = format!(
        "validating {place}: {prefix}additional properties '{}' not allowed{}{excerpt}",
        super::schema::quote_name(&u.key),
        guess
            .map(|k| format!(" (did you mean '{k}'?)"))
            .unwrap_or_default()
    );
    let under = if u.at.is_empty() {
        "at the top level".to_string()
    } else {
        format!("under `{}`", u.at)
    };
    let x = if u.x_allowed {
        " (keys starting with `x-` are free for your own use)"
    } else {
        ""
    };
    let hint = match guess {
        Some(k) => format!(
            "rename `{}` to `{k}`, or remove it",
            super::schema::quote_name(&u.key)
        ),
        None => format!(
            "remove it, or use one of the keys Compose allows {under}: {}{x}",
            u.known.join(", ")
        ),
    };
    Error::config(message).with_hint(hint)
}

fn unknown(at: &[&str], key: &str, known: &'static [&'static str]) -> super::keys::Unknown {
    use super::locate::Seg;
    let mut path: Vec<Seg> = at.iter().map(|k| Seg::Key((*k).to_string())).collect();
    path.push(Seg::Key(key.to_string()));
    super::keys::Unknown {
        at: at.join("."),
        key: key.to_string(),
        path,
        known,
        x_allowed: true,
    }
}

/// Validate the accumulated model after `file` was merged into it.
pub(crate) fn validate(model: &Map, file: &Path) -> Result<()> {
    let fail = |what: String| {
        Error::config(format!("validating {}: {what}", file.display()))
            .with_hint("see the Compose file reference for the forms this key accepts")
    };

    if let Some(k) = model
        .keys()
        .find(|k| !k.starts_with("x-") && !TOP_LEVEL.contains(&k.as_str()))
    {
        return Err(unknown_key_error(file, &unknown(&[], k, TOP_LEVEL)));
    }
    for top in ["services", "volumes", "networks", "secrets", "configs"] {
        match model.get(top) {
            None | Some(Node::Map(_)) => {}
            Some(Node::Null) if top != "services" => {}
            Some(_) => return Err(fail(format!("{top} must be a mapping"))),
        }
    }
    super::schema::check(model).map_err(&fail)?;
    let Some(Node::Map(svcs)) = model.get("services") else {
        return Ok(());
    };
    for (name, svc) in svcs {
        let Node::Map(svc) = svc else {
            return Err(fail(format!("services.{name} must be a mapping")));
        };
        if let Some(k) = svc
            .keys()
            .find(|k| !k.starts_with("x-") && !SERVICE_ATTRIBUTES.contains(&k.as_str()))
        {
            return Err(unknown_key_error(
                file,
                &unknown(&["services", name], k, SERVICE_ATTRIBUTES),
            ));
        }
        for (key, allowed, word) in SERVICE_KEYS {
            if let Some(v) = svc.get(*key)
                && !allowed.iter().any(|t| is(v, *t))
            {
                return Err(fail(format!("services.{name}.{key} must be a {word}")));
            }
        }
        for key in [
            "security_opt",
            "group_add",
            "volumes_from",
            "external_links",
            "device_cgroup_rules",
        ] {
            if let Some(Node::Seq(items)) = svc.get(key) {
                for i in 0..items.len() {
                    for j in (i + 1)..items.len() {
                        if items[i] == items[j] {
                            return Err(fail(format!(
                                "services.{name}.{key} items at {i} and {j} are equal"
                            )));
                        }
                    }
                }
            }
        }
        if let Some(Node::Map(hc)) = svc.get("healthcheck") {
            if let Some(k) = hc
                .keys()
                .find(|k| !k.starts_with("x-") && !HEALTHCHECK.contains(&k.as_str()))
            {
                return Err(unknown_key_error(
                    file,
                    &unknown(&["services", name, "healthcheck"], k, HEALTHCHECK),
                ));
            }
            for k in DURATIONS {
                if let Some(v) = hc.get(*k)
                    && !is(v, T::Str)
                {
                    return Err(fail(format!(
                        "services.{name}.healthcheck.{k} must be a string"
                    )));
                }
            }
        }
        for key in ["environment", "labels", "annotations", "sysctls"] {
            if let Some(Node::Map(m)) = svc.get(key) {
                for (k, v) in m {
                    if !is(v, T::Scalar) {
                        return Err(fail(format!(
                            "services.{name}.{key}.{k} must be a string, number, boolean or null"
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

/// compose-go `validation.Validate`: an `external` resource may only have `name` (and
/// `x-*`) besides `external`.
pub(crate) fn validate_external(model: &Map) -> Result<()> {
    for kind in ["volumes", "networks", "secrets", "configs"] {
        let Some(Node::Map(defs)) = model.get(kind) else {
            continue;
        };
        for (name, def) in defs {
            let Node::Map(d) = def else { continue };
            if !matches!(d.get("external"), Some(Node::Bool(true))) {
                continue;
            }
            if let Some(k) = d
                .keys()
                .find(|k| !matches!(k.as_str(), "name" | "external") && !k.starts_with("x-"))
            {
                return Err(Error::config(format!(
                    "{kind}.{name}: conflicting parameters \"external\" and {k:?} specified"
                ))
                .with_hint("an external resource is created outside Compose: remove the other keys, or drop `external`"));
            }
        }
    }
    Ok(())
}
