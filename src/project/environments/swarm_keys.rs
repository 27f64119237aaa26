//! The keys of an environment that targets a Docker Swarm instead of Compose:
//!
//! ```yaml
//! environments:
//!   prod:
//!     target: swarm          # compose (default) | swarm
//!     context: prod-swarm    # a docker context, or an endpoint (unix://, tcp://, ssh://) of a manager
//!     stack: antone          # the stack name (default: the project name)
//!     nodes:                 # optional: each node's own Engine, for volume plans on every node
//!       worker-1: ssh://ops@worker-1
//! ```
//!
//! Bad values are configuration errors (exit 3) that name `devctl.yaml:LINE`, the key path and
//! the value.

use std::path::Path;

use indexmap::IndexMap;

use crate::error::{Error, Result};
use crate::project::yaml::{Mapping, Value};

/// A Swarm environment's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SwarmEnv {
    /// A docker context name or an endpoint URL of a manager; `None`: DOCKER_HOST / the current
    /// context.
    pub context: Option<String>,
    /// The stack name; `None`: the project name.
    pub stack: Option<String>,
    /// Node hostname → that node's Engine endpoint (for per-node volume plans).
    pub nodes: IndexMap<String, String>,
}

/// The 1-based line of the dotted `key` inside `environments.<env>` of `text` (the YAML
/// parser's own position), else of its nearest written parent.
pub fn line_of(text: &str, env: &str, key: &str) -> Option<usize> {
    let mut path = vec!["environments", env];
    path.extend(key.split('.'));
    let line = crate::project::commands::line_of(text, &path);
    (line > 0).then_some(line)
}

fn bad(text: &str, path: &Path, env: &str, key: &str, msg: impl std::fmt::Display) -> Error {
    let line = line_of(text, env, key)
        .map(|l| format!(":{l}"))
        .unwrap_or_default();
    Error::config(format!(
        "{}{line}: environments.{env}.{key}: {msg}",
        path.display()
    ))
    .with_hint(
        "see the README section \"Running on a Swarm\": target: compose|swarm, context: a docker \
         context or endpoint, stack: a stack name, nodes: {hostname: endpoint}",
    )
}

fn string(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// A stack name Swarm accepts (it prefixes service, network and volume names).
pub fn valid_stack_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && s.len() <= 63
}

/// Parse the Swarm keys of environment `env` (mapping `m`, from `text` at `path`).
/// `Ok(None)`: a Compose environment (no `target`, or `target: compose`).
pub fn parse(m: &Mapping, text: &str, path: &Path, env: &str) -> Result<Option<SwarmEnv>> {
    let swarm = match m.get("target") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "compose" => false,
        Some(Value::String(s)) if s == "swarm" => true,
        Some(other) => {
            return Err(bad(
                text,
                path,
                env,
                "target",
                format!("{} is not a target: use `compose` or `swarm`", show(other)),
            ));
        }
    };
    if !swarm {
        if let Some(k) = ["context", "stack", "nodes"]
            .into_iter()
            .find(|k| m.get(*k).is_some())
        {
            return Err(bad(
                text,
                path,
                env,
                k,
                "only applies to a Swarm environment: add `target: swarm`",
            ));
        }
        return Ok(None);
    }
    let mut out = SwarmEnv::default();
    if let Some(v) = m.get("context").filter(|v| !matches!(v, Value::Null)) {
        match string(v).filter(|s| !s.trim().is_empty()) {
            Some(s) => out.context = Some(s.to_owned()),
            None => {
                return Err(bad(
                    text,
                    path,
                    env,
                    "context",
                    format!(
                        "expected a docker context name or an endpoint such as \
                         unix:///var/run/docker.sock, found {}",
                        show(v)
                    ),
                ));
            }
        }
    }
    if let Some(v) = m.get("stack").filter(|v| !matches!(v, Value::Null)) {
        match string(v).filter(|s| valid_stack_name(s)) {
            Some(s) => out.stack = Some(s.to_owned()),
            None => {
                return Err(bad(
                    text,
                    path,
                    env,
                    "stack",
                    format!(
                        "{} is not a stack name: letters, digits, `_`, `-`, `.`, starting with a \
                         letter or digit",
                        show(v)
                    ),
                ));
            }
        }
    }
    match m.get("nodes") {
        None | Some(Value::Null) => {}
        Some(Value::Mapping(nodes)) => {
            for (k, v) in nodes {
                let (Some(host), Some(ep)) = (string(k), string(v)) else {
                    return Err(bad(
                        text,
                        path,
                        env,
                        "nodes",
                        format!(
                            "expected `hostname: endpoint`, found {}: {}",
                            show(k),
                            show(v)
                        ),
                    ));
                };
                if !ep.contains("://") {
                    return Err(bad(
                        text,
                        path,
                        env,
                        &format!("nodes.{host}"),
                        format!(
                            "{ep:?} is not an endpoint: use unix://…, tcp://… or ssh://user@host"
                        ),
                    ));
                }
                out.nodes.insert(host.to_owned(), ep.to_owned());
            }
        }
        Some(other) => {
            return Err(bad(
                text,
                path,
                env,
                "nodes",
                format!(
                    "expected a mapping of node hostname to endpoint, found {}",
                    show(other)
                ),
            ));
        }
    }
    Ok(Some(out))
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_config;
    use super::*;
    use crate::error::Exit;

    fn parse_text(t: &str) -> Result<crate::project::environments::DevctlConfig> {
        parse_config(t, Path::new("/p/devctl.yaml"))
    }

    #[test]
    fn swarm_environment_is_parsed() {
        let cfg = parse_text(
            "environments:\n  dev: {}\n  prod:\n    target: swarm\n    context: unix:///s.sock\n    stack: antone\n    nodes:\n      n2: unix:///n2.sock\n",
        )
        .expect("parses");
        assert_eq!(cfg.environments["dev"].swarm, None);
        let s = cfg.environments["prod"].swarm.clone().expect("swarm");
        assert_eq!(s.context.as_deref(), Some("unix:///s.sock"));
        assert_eq!(s.stack.as_deref(), Some("antone"));
        assert_eq!(s.nodes["n2"], "unix:///n2.sock");
        let c = parse_text("environments:\n  prod: {target: compose}\n").expect("compose");
        assert_eq!(c.environments["prod"].swarm, None);
    }

    #[test]
    fn bad_values_name_file_line_key_and_value() {
        let cases = [
            (
                "environments:\n  prod:\n    protected: true\n    target: kubernetes\n",
                "/p/devctl.yaml:4: environments.prod.target: \"kubernetes\" is not a target",
            ),
            (
                "environments:\n  prod:\n    target: swarm\n    stack: \"-bad name\"\n",
                "/p/devctl.yaml:4: environments.prod.stack: \"-bad name\" is not a stack name",
            ),
            (
                "environments:\n  prod:\n    stack: x\n",
                "/p/devctl.yaml:3: environments.prod.stack: only applies to a Swarm",
            ),
            (
                "environments:\n  prod: {target: swarm, context: 3}\n",
                "/p/devctl.yaml:2: environments.prod.context: expected a docker context",
            ),
            (
                "environments:\n  prod:\n    target: swarm\n    nodes:\n      n1: localhost\n",
                "/p/devctl.yaml:5: environments.prod.nodes.n1: \"localhost\" is not an endpoint",
            ),
            (
                "environments:\n  ok: {}\n  \"pro\\x64\":\n    target: kubernetes\n",
                "/p/devctl.yaml:4: environments.prod.target: \"kubernetes\" is not a target",
            ),
            (
                "environments:\n  prod:\n    target: swarm\n    nodes: [a]\n",
                "/p/devctl.yaml:4: environments.prod.nodes: expected a mapping",
            ),
        ];
        for (text, want) in cases {
            let e = parse_text(text).expect_err(text);
            assert_eq!(e.exit, Exit::Config, "{text}");
            assert!(e.message.starts_with(want), "{text}\n got: {}", e.message);
        }
    }

    #[test]
    fn stack_names() {
        for ok in ["antone", "a", "my_stack-2.x"] {
            assert!(valid_stack_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a b", "a/b", ".a"] {
            assert!(!valid_stack_name(bad), "{bad}");
        }
    }
}
