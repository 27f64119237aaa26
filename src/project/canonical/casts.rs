//! Type casts after interpolation (compose-go `interpolateTypeCastMapping`): strings at typed
//! paths become ints, floats or booleans, per file, before merging.

use crate::error::{Error, Result};
use crate::project::yaml::{Map, Node};

#[derive(Debug, Clone, Copy)]
enum Cast {
    Int,
    Float,
    Bool,
}

const CASTS: &[(&str, Cast)] = &[
    ("services.*.configs.[].mode", Cast::Int),
    ("services.*.cpu_count", Cast::Int),
    ("services.*.cpu_percent", Cast::Float),
    ("services.*.cpu_period", Cast::Int),
    ("services.*.cpu_quota", Cast::Int),
    ("services.*.cpu_rt_period", Cast::Int),
    ("services.*.cpu_rt_runtime", Cast::Int),
    ("services.*.cpus", Cast::Float),
    ("services.*.cpu_shares", Cast::Int),
    ("services.*.init", Cast::Bool),
    ("services.*.deploy.replicas", Cast::Int),
    ("services.*.deploy.update_config.parallelism", Cast::Int),
    (
        "services.*.deploy.update_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.rollback_config.parallelism", Cast::Int),
    (
        "services.*.deploy.rollback_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
    (
        "services.*.deploy.placement.max_replicas_per_node",
        Cast::Int,
    ),
    ("services.*.healthcheck.retries", Cast::Int),
    ("services.*.healthcheck.disable", Cast::Bool),
    ("services.*.oom_kill_disable", Cast::Bool),
    ("services.*.oom_score_adj", Cast::Int),
    ("services.*.pids_limit", Cast::Int),
    ("services.*.ports.[].target", Cast::Int),
    ("services.*.privileged", Cast::Bool),
    ("services.*.read_only", Cast::Bool),
    ("services.*.scale", Cast::Int),
    ("services.*.secrets.[].mode", Cast::Int),
    ("services.*.stdin_open", Cast::Bool),
    ("services.*.tty", Cast::Bool),
    ("services.*.ulimits.*", Cast::Int),
    ("services.*.ulimits.*.hard", Cast::Int),
    ("services.*.ulimits.*.soft", Cast::Int),
    ("services.*.volumes.[].read_only", Cast::Bool),
    ("services.*.volumes.[].volume.nocopy", Cast::Bool),
    ("networks.*.external", Cast::Bool),
    ("networks.*.internal", Cast::Bool),
    ("networks.*.attachable", Cast::Bool),
    ("networks.*.enable_ipv4", Cast::Bool),
    ("networks.*.enable_ipv6", Cast::Bool),
    ("volumes.*.external", Cast::Bool),
    ("secrets.*.external", Cast::Bool),
    ("configs.*.external", Cast::Bool),
];

static CAST_RULES: crate::project::merge::Rules<Cast> = crate::project::merge::Rules::new(CASTS);

/// Apply the casts to one file's interpolated model; returns warnings (yes/no booleans).
pub fn apply(model: &mut Map) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let mut path = Vec::new();
    for (k, v) in model.iter_mut() {
        path.push(k.clone());
        walk(v, &mut path, &mut warnings)?;
        path.pop();
    }
    Ok(warnings)
}

fn walk(n: &mut Node, path: &mut Vec<String>, warnings: &mut Vec<String>) -> Result<()> {
    match n {
        Node::Map(m) => {
            for (k, v) in m.iter_mut() {
                path.push(k.clone());
                walk(v, path, warnings)?;
                path.pop();
            }
        }
        Node::Seq(items) => {
            path.push("[]".into());
            for item in items.iter_mut() {
                walk(item, path, warnings)?;
            }
            path.pop();
        }
        Node::Str(text) => {
            let Some(cast) = CAST_RULES.find(path) else {
                return Ok(());
            };
            let fail = |what: &str| {
                Error::config(format!(
                    "failed to cast to expected type: invalid {what} syntax for {}: {text:?}",
                    path.join(".").replace(".[]", "[]")
                ))
            };
            *n = match cast {
                Cast::Int => Node::Int(text.parse::<i64>().map_err(|_| fail("integer"))?),
                Cast::Float => Node::Float(text.trim().parse::<f64>().map_err(|_| fail("float"))?),
                Cast::Bool => {
                    match text.to_lowercase().as_str() {
                        "true" => Node::Bool(true),
                        "false" => Node::Bool(false),
                        "y" | "yes" | "on" => {
                            warnings.push(format!("{text:?} for boolean is not supported by YAML 1.2, please use `true`"));
                            Node::Bool(true)
                        }
                        "n" | "no" | "off" => {
                            warnings.push(format!("{text:?} for boolean is not supported by YAML 1.2, please use `false`"));
                            Node::Bool(false)
                        }
                        _ => return Err(fail("boolean")),
                    }
                }
            };
        }
        _ => {}
    }
    Ok(())
}

/// Go `strconv.ParseInt(s, 0, 64)`: `0x`, `0o`, `0b`, leading-0 octal, `_` separators.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let digits = digits.replace('_', "");
    let v = i64::from_str_radix(&digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_int_table() {
        for (s, want) in [
            ("10", Some(10)),
            ("010", Some(8)),
            ("0x1F", Some(31)),
            ("0o17", Some(15)),
            ("0b101", Some(5)),
            ("1_000", Some(1000)),
            ("+12", Some(12)),
            ("-3", Some(-3)),
            ("x", None),
            ("", None),
        ] {
            assert_eq!(parse_go_int(s), want, "{s}");
        }
    }
}
