//! The keys with a Swarm form of their own, or a finding of their own: `restart`,
//! `depends_on`, `build`, `ports`, service mounts.

use serde_json::{Map, Value, json};

use super::{Ctx, ImageFact, Severity};

pub(super) fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) fn restart(cx: &mut Ctx<'_>, name: &str, v: &Value, deploy: &mut Map<String, Value>) {
    let key = format!("services.{name}.restart");
    let policy = v.as_str().unwrap_or("");
    let (condition, note) = match policy.split(':').next().unwrap_or("") {
        "always" => ("any", ""),
        "unless-stopped" => (
            "any",
            " (Swarm has no `unless-stopped`: a stopped task is replaced)",
        ),
        "on-failure" => ("on-failure", ""),
        _ => ("none", ""),
    };
    if deploy.contains_key("restart_policy") {
        cx.add(
            key,
            Severity::Ignored,
            "deploy.restart_policy is set and wins; restart is dropped",
        );
        return;
    }
    let mut rp = Map::new();
    rp.insert("condition".into(), json!(condition));
    if let Some(n) = policy
        .strip_prefix("on-failure:")
        .and_then(|n| n.parse::<u64>().ok())
    {
        rp.insert("max_attempts".into(), json!(n));
    }
    deploy.insert("restart_policy".into(), Value::Object(rp));
    cx.add(
        key,
        Severity::Translated,
        format!("written as deploy.restart_policy.condition: {condition}{note}"),
    );
}

pub(super) fn depends_on(cx: &mut Ctx<'_>, name: &str, v: &Value) {
    let Some(deps) = v.as_object() else {
        return;
    };
    for (dep, spec) in deps {
        let condition = spec
            .get("condition")
            .and_then(Value::as_str)
            .unwrap_or("service_started");
        if condition == "service_started" {
            cx.add(
                format!("services.{name}.depends_on.{dep}"),
                Severity::Ignored,
                format!("Swarm starts services in any order: {name} may start before {dep}"),
            );
        } else {
            cx.refuse(
                format!("services.{name}.depends_on.{dep}.condition"),
                "depends_on",
                format!(
                    "Swarm has no start conditions: {name} starts without waiting for {dep} to be \
                     {} and must retry on its own",
                    condition.trim_start_matches("service_").replace('_', " ")
                ),
            );
        }
    }
}

pub(super) fn build(
    cx: &mut Ctx<'_>,
    name: &str,
    s: &Map<String, Value>,
    images: &dyn Fn(&str) -> ImageFact,
) {
    let key = format!("services.{name}.build");
    let Some(image) = s.get("image").and_then(Value::as_str) else {
        cx.refuse(
            key,
            "build",
            format!(
                "Swarm never builds, and {name} names no image: set `image:` to one every node has"
            ),
        );
        return;
    };
    let fact = images(image);
    if fact.checked == 0 {
        cx.refuse(
            key,
            "build",
            format!("Swarm never builds: no node's Engine could be asked whether it has {image}"),
        );
    } else if !fact.missing_on.is_empty() {
        cx.refuse(
            key,
            "build",
            format!(
                "Swarm never builds, and {image} is missing on node(s) {}: tasks placed there fail \
                 (\"No such image\")",
                fact.missing_on.join(", ")
            ),
        );
    } else {
        cx.add(
            key,
            Severity::Ignored,
            format!(
                "Swarm never builds; {image} is present on every node checked ({})",
                fact.checked
            ),
        );
    }
}

/// Ports in the stack format: `published` as a number, Compose-only fields dropped.
pub(super) fn ports(v: &Value) -> Value {
    let Some(list) = v.as_array() else {
        return v.clone();
    };
    Value::Array(
        list.iter()
            .map(|p| {
                let Some(o) = p.as_object() else {
                    return p.clone();
                };
                let mut m = Map::new();
                for (k, val) in o {
                    match k.as_str() {
                        "published" => {
                            let n = scalar(val);
                            match n.parse::<u64>() {
                                Ok(n) => m.insert(k.clone(), json!(n)),
                                Err(_) => m.insert(k.clone(), val.clone()),
                            };
                        }
                        "target" | "protocol" | "mode" => {
                            m.insert(k.clone(), val.clone());
                        }
                        _ => {}
                    }
                }
                Value::Object(m)
            })
            .collect(),
    )
}

/// Service mounts: bind mounts are kept with a note (the path must exist on every node).
pub(super) fn mounts(cx: &mut Ctx<'_>, name: &str, v: &Value) -> Value {
    let Some(list) = v.as_array() else {
        return v.clone();
    };
    let mut out = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let Some(o) = m.as_object() else {
            out.push(m.clone());
            continue;
        };
        let mut keep = Map::new();
        for (k, val) in o {
            match k.as_str() {
                "type" | "source" | "target" | "read_only" | "consistency" | "tmpfs" => {
                    keep.insert(k.clone(), val.clone());
                }
                "volume" => {
                    let mut vo = val.as_object().cloned().unwrap_or_default();
                    vo.remove("subpath");
                    keep.insert(k.clone(), Value::Object(vo));
                }
                "bind" => {
                    let mut b = val.as_object().cloned().unwrap_or_default();
                    b.remove("create_host_path");
                    b.remove("selinux");
                    if !b.is_empty() {
                        keep.insert(k.clone(), Value::Object(b));
                    }
                }
                _ => {}
            }
        }
        if o.get("type").and_then(Value::as_str) == Some("bind") {
            let src = o.get("source").and_then(Value::as_str).unwrap_or("");
            cx.add(
                format!("services.{name}.volumes[{i}]"),
                Severity::Ignored,
                format!("bind mount {src}: the path must exist on every node a task can run on; devctl copies nothing"),
            );
        }
        out.push(Value::Object(keep));
    }
    Value::Array(out)
}
