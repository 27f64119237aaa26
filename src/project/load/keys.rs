//! Unknown keys below the service level, as Compose v2.40.3's schema rejects them
//! (`services.api.build additional properties 'contxt' not allowed`): every object the schema
//! closes (`additionalProperties: false`), with the keys it allows and whether `x-*`
//! extension keys are allowed there. Checked on each file as written (after interpolation,
//! before merging), as Compose validates each file, so that list indices are the file's own.
//! The top level, the service level and `healthcheck` are checked in [`super::validate`].

use super::locate::Seg;
use crate::project::yaml::{Map, Node};

/// One closed object: its path (`*` any key, `[]` any list item), its keys.
struct Rule {
    at: &'static str,
    /// `x-*` keys are allowed.
    x: bool,
    keys: &'static [&'static str],
}

/// An unknown key: where (Compose's dotted path, list items by index), which, and the keys
/// allowed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unknown {
    pub at: String,
    /// The path of the unknown key itself, to find it in the file.
    pub path: Vec<Seg>,
    pub key: String,
    pub known: &'static [&'static str],
    pub x_allowed: bool,
}

const RULES: &[Rule] = &[
    Rule {
        at: "include.[]",
        x: false,
        keys: &["env_file", "path", "project_directory"],
    },
    Rule {
        at: "services.*.develop",
        x: true,
        keys: &["watch"],
    },
    Rule {
        at: "services.*.develop.watch.[]",
        x: true,
        keys: &[
            "action",
            "exec",
            "ignore",
            "include",
            "initial_sync",
            "path",
            "target",
        ],
    },
    Rule {
        at: "services.*.develop.watch.[].exec",
        x: true,
        keys: &[
            "command",
            "environment",
            "privileged",
            "user",
            "working_dir",
        ],
    },
    Rule {
        at: "services.*.deploy",
        x: true,
        keys: &[
            "endpoint_mode",
            "labels",
            "mode",
            "placement",
            "replicas",
            "resources",
            "restart_policy",
            "rollback_config",
            "update_config",
        ],
    },
    Rule {
        at: "services.*.deploy.rollback_config",
        x: true,
        keys: &[
            "delay",
            "failure_action",
            "max_failure_ratio",
            "monitor",
            "order",
            "parallelism",
        ],
    },
    Rule {
        at: "services.*.deploy.update_config",
        x: true,
        keys: &[
            "delay",
            "failure_action",
            "max_failure_ratio",
            "monitor",
            "order",
            "parallelism",
        ],
    },
    Rule {
        at: "services.*.deploy.resources",
        x: true,
        keys: &["limits", "reservations"],
    },
    Rule {
        at: "services.*.deploy.resources.limits",
        x: true,
        keys: &["cpus", "memory", "pids"],
    },
    Rule {
        at: "services.*.deploy.resources.reservations",
        x: true,
        keys: &["cpus", "devices", "generic_resources", "memory"],
    },
    Rule {
        at: "services.*.deploy.resources.reservations.generic_resources.[]",
        x: true,
        keys: &["discrete_resource_spec"],
    },
    Rule {
        at: "services.*.deploy.resources.reservations.generic_resources.[].discrete_resource_spec",
        x: true,
        keys: &["kind", "value"],
    },
    Rule {
        at: "services.*.deploy.resources.reservations.devices.[]",
        x: true,
        keys: &["capabilities", "count", "device_ids", "driver", "options"],
    },
    Rule {
        at: "services.*.deploy.restart_policy",
        x: true,
        keys: &["condition", "delay", "max_attempts", "window"],
    },
    Rule {
        at: "services.*.deploy.placement",
        x: true,
        keys: &["constraints", "max_replicas_per_node", "preferences"],
    },
    Rule {
        at: "services.*.deploy.placement.preferences.[]",
        x: true,
        keys: &["spread"],
    },
    Rule {
        at: "services.*.build",
        x: true,
        keys: &[
            "additional_contexts",
            "args",
            "cache_from",
            "cache_to",
            "context",
            "dockerfile",
            "dockerfile_inline",
            "entitlements",
            "extra_hosts",
            "isolation",
            "labels",
            "network",
            "no_cache",
            "platforms",
            "privileged",
            "provenance",
            "pull",
            "sbom",
            "secrets",
            "shm_size",
            "ssh",
            "tags",
            "target",
            "ulimits",
        ],
    },
    Rule {
        at: "services.*.build.secrets.[]",
        x: true,
        keys: &["gid", "mode", "source", "target", "uid"],
    },
    Rule {
        at: "services.*.build.ulimits.*",
        x: true,
        keys: &["hard", "soft"],
    },
    Rule {
        at: "services.*.blkio_config",
        x: false,
        keys: &[
            "device_read_bps",
            "device_read_iops",
            "device_write_bps",
            "device_write_iops",
            "weight",
            "weight_device",
        ],
    },
    Rule {
        at: "services.*.blkio_config.device_read_bps.[]",
        x: false,
        keys: &["path", "rate"],
    },
    Rule {
        at: "services.*.blkio_config.device_read_iops.[]",
        x: false,
        keys: &["path", "rate"],
    },
    Rule {
        at: "services.*.blkio_config.device_write_bps.[]",
        x: false,
        keys: &["path", "rate"],
    },
    Rule {
        at: "services.*.blkio_config.device_write_iops.[]",
        x: false,
        keys: &["path", "rate"],
    },
    Rule {
        at: "services.*.blkio_config.weight_device.[]",
        x: false,
        keys: &["path", "weight"],
    },
    Rule {
        at: "services.*.configs.[]",
        x: true,
        keys: &["gid", "mode", "source", "target", "uid"],
    },
    Rule {
        at: "services.*.credential_spec",
        x: true,
        keys: &["config", "file", "registry"],
    },
    Rule {
        at: "services.*.depends_on.*",
        x: true,
        keys: &["condition", "required", "restart"],
    },
    Rule {
        at: "services.*.devices.[]",
        x: true,
        keys: &["permissions", "source", "target"],
    },
    Rule {
        at: "services.*.env_file.[]",
        x: false,
        keys: &["format", "path", "required"],
    },
    Rule {
        at: "services.*.extends",
        x: false,
        keys: &["file", "service"],
    },
    Rule {
        at: "services.*.provider",
        x: true,
        keys: &["options", "type"],
    },
    Rule {
        at: "services.*.logging",
        x: true,
        keys: &["driver", "options"],
    },
    Rule {
        at: "services.*.models.*",
        x: true,
        keys: &["endpoint_var", "model_var"],
    },
    Rule {
        at: "services.*.networks.*",
        x: true,
        keys: &[
            "aliases",
            "driver_opts",
            "gw_priority",
            "interface_name",
            "ipv4_address",
            "ipv6_address",
            "link_local_ips",
            "mac_address",
            "priority",
        ],
    },
    Rule {
        at: "services.*.ports.[]",
        x: true,
        keys: &[
            "app_protocol",
            "host_ip",
            "mode",
            "name",
            "protocol",
            "published",
            "target",
        ],
    },
    Rule {
        at: "services.*.post_start.[]",
        x: true,
        keys: &[
            "command",
            "environment",
            "privileged",
            "user",
            "working_dir",
        ],
    },
    Rule {
        at: "services.*.pre_stop.[]",
        x: true,
        keys: &[
            "command",
            "environment",
            "privileged",
            "user",
            "working_dir",
        ],
    },
    Rule {
        at: "services.*.secrets.[]",
        x: true,
        keys: &["gid", "mode", "source", "target", "uid"],
    },
    Rule {
        at: "services.*.ulimits.*",
        x: true,
        keys: &["hard", "soft"],
    },
    Rule {
        at: "services.*.volumes.[]",
        x: true,
        keys: &[
            "bind",
            "consistency",
            "image",
            "read_only",
            "source",
            "target",
            "tmpfs",
            "type",
            "volume",
        ],
    },
    Rule {
        at: "services.*.volumes.[].bind",
        x: true,
        keys: &["create_host_path", "propagation", "recursive", "selinux"],
    },
    Rule {
        at: "services.*.volumes.[].volume",
        x: true,
        keys: &["labels", "nocopy", "subpath"],
    },
    Rule {
        at: "services.*.volumes.[].tmpfs",
        x: true,
        keys: &["mode", "size"],
    },
    Rule {
        at: "services.*.volumes.[].image",
        x: true,
        keys: &["subpath"],
    },
    Rule {
        at: "models.*",
        x: true,
        keys: &["context_size", "model", "name", "runtime_flags"],
    },
    Rule {
        at: "networks.*",
        x: true,
        keys: &[
            "attachable",
            "driver",
            "driver_opts",
            "enable_ipv4",
            "enable_ipv6",
            "external",
            "internal",
            "ipam",
            "labels",
            "name",
        ],
    },
    Rule {
        at: "networks.*.ipam",
        x: true,
        keys: &["config", "driver", "options"],
    },
    Rule {
        at: "networks.*.ipam.config.[]",
        x: true,
        keys: &["aux_addresses", "gateway", "ip_range", "subnet"],
    },
    Rule {
        at: "networks.*.external",
        x: true,
        keys: &["name"],
    },
    Rule {
        at: "volumes.*",
        x: true,
        keys: &["driver", "driver_opts", "external", "labels", "name"],
    },
    Rule {
        at: "volumes.*.external",
        x: true,
        keys: &["name"],
    },
    Rule {
        at: "secrets.*",
        x: true,
        keys: &[
            "driver",
            "driver_opts",
            "environment",
            "external",
            "file",
            "labels",
            "name",
            "template_driver",
        ],
    },
    Rule {
        at: "configs.*",
        x: true,
        keys: &[
            "content",
            "environment",
            "external",
            "file",
            "labels",
            "name",
            "template_driver",
        ],
    },
];

/// The first unknown key in `model`, in document order.
pub(crate) fn first_unknown(model: &Map) -> Option<Unknown> {
    let mut pattern = Vec::new();
    let mut shown = Vec::new();
    for (k, v) in model {
        if !RULES
            .iter()
            .any(|r| r.at.split('.').next() == Some(k.as_str()))
        {
            continue;
        }
        pattern.push(k.clone());
        shown.push(Seg::Key(k.clone()));
        let found = walk(v, &mut pattern, &mut shown);
        pattern.pop();
        shown.pop();
        if found.is_some() {
            return found;
        }
    }
    None
}

fn matches(pattern: &[String], rule: &str) -> bool {
    let mut parts = rule.split('.');
    for p in pattern {
        match parts.next() {
            Some("*") if p != "[]" => {}
            Some(r) if r == p => {}
            _ => return false,
        }
    }
    parts.next().is_none()
}

/// Could a rule apply at or below `pattern`?
fn may_apply(pattern: &[String]) -> bool {
    RULES.iter().any(|r| {
        let parts: Vec<&str> = r.at.split('.').collect();
        parts.len() >= pattern.len()
            && pattern
                .iter()
                .zip(&parts)
                .all(|(p, r)| *r == p || (*r == "*" && p != "[]"))
    })
}

fn walk(n: &Node, pattern: &mut Vec<String>, shown: &mut Vec<Seg>) -> Option<Unknown> {
    if !may_apply(pattern) {
        return None;
    }
    match n {
        Node::Map(m) => {
            if let Some(rule) = RULES.iter().find(|r| matches(pattern, r.at)) {
                let bad = m.keys().find(|k| {
                    !(rule.keys.contains(&k.as_str()) || (rule.x && k.starts_with("x-")))
                });
                if let Some(k) = bad {
                    let mut path = shown.clone();
                    path.push(Seg::Key(k.clone()));
                    return Some(Unknown {
                        at: dotted(shown),
                        path,
                        key: k.clone(),
                        known: rule.keys,
                        x_allowed: rule.x,
                    });
                }
            }
            for (k, v) in m {
                pattern.push(k.clone());
                shown.push(Seg::Key(k.clone()));
                let found = walk(v, pattern, shown);
                pattern.pop();
                shown.pop();
                if found.is_some() {
                    return found;
                }
            }
        }
        Node::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                pattern.push("[]".into());
                shown.push(Seg::Index(i));
                let found = walk(v, pattern, shown);
                pattern.pop();
                shown.pop();
                if found.is_some() {
                    return found;
                }
            }
        }
        _ => {}
    }
    None
}

/// Compose's form of a path: `services.api.ports.0`.
pub(crate) fn dotted(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::yaml::parse_plain;
    use std::path::Path;

    fn unknown(text: &str) -> Option<(String, String)> {
        let Node::Map(m) = parse_plain(Path::new("c.yml"), text).expect("yaml") else {
            return None;
        };
        first_unknown(&m).map(|u| (u.at, u.key))
    }

    #[test]
    fn nested_unknown_keys_with_composes_paths() {
        for (text, at, key) in [
            (
                "services: {a: {build: {contxt: .}}}",
                "services.a.build",
                "contxt",
            ),
            (
                "services: {a: {deploy: {resources: {limit: {cpus: '1'}}}}}",
                "services.a.deploy.resources",
                "limit",
            ),
            (
                "services: {a: {logging: {drivr: x}}}",
                "services.a.logging",
                "drivr",
            ),
            (
                "services: {a: {depends_on: {db: {condtion: x}}}}",
                "services.a.depends_on.db",
                "condtion",
            ),
            (
                "services: {a: {ports: [\"80:80\", {target: 80, publised: 8080}]}}",
                "services.a.ports.1",
                "publised",
            ),
            (
                "services: {a: {volumes: [{type: volume, target: /d, red_only: true}]}}",
                "services.a.volumes.0",
                "red_only",
            ),
            (
                "services: {a: {networks: {default: {alias: [x]}}}}",
                "services.a.networks.default",
                "alias",
            ),
            (
                "services: {a: {ulimits: {nofile: {sof: 1, hard: 2}}}}",
                "services.a.ulimits.nofile",
                "sof",
            ),
            ("volumes: {v: {drver: local}}", "volumes.v", "drver"),
            (
                "networks: {n: {ipam: {confg: []}}}",
                "networks.n.ipam",
                "confg",
            ),
            (
                "services: {a: {extends: {service: b, x-y: 1}}}",
                "services.a.extends",
                "x-y",
            ),
        ] {
            assert_eq!(
                unknown(text),
                Some((at.to_string(), key.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn valid_files_have_none() {
        for text in [
            "services: {a: {build: {context: ., x-note: 1}, ports: [\"80:80\", {target: 80, published: 8080}], depends_on: [db], networks: [n], ulimits: {nproc: 65535}}}",
            "services: {a: {deploy: {resources: {limits: {cpus: '1', memory: 1g}}}, networks: {n: null}}}",
            "volumes: {v: {external: true}, w: null}\nnetworks: {n: {external: {name: x}}}\nx-top: {anything: 1}",
        ] {
            assert_eq!(unknown(text), None, "{text}");
        }
    }
}
