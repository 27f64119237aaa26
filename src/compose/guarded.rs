//! Every Compose / docker CLI child reaches the Engine only through devctl's Engine guard
//! (`engine::apiguard`): a private socket handed to the child as `DOCKER_HOST`, which refuses
//! the Engine calls that destroy volume data (`engine::apiguard::rules`). Whatever argv, prompt,
//! `.env` setting or layer made Compose decide to delete a volume, the deletion itself is
//! refused; devctl then reports it, writes an audit line and exits 4.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use crate::engine::apiguard::rules::{self as engine_rules, Allowed, Verdict};
use crate::engine::apiguard::{ApiGuard, Policy, Refusal, Upstream};
use crate::error::{Error, Result};

use super::Invocation;

/// Variables that would make the child bypass or misread the guard's socket: the guard is
/// plain HTTP on a unix socket, and `DOCKER_HOST` must be the one that counts.
const ENDPOINT_VARS: &[&str] = &[
    "DOCKER_CONTEXT",
    "DOCKER_TLS_VERIFY",
    "DOCKER_TLS",
    "DOCKER_CERT_PATH",
];

/// The rules: refuse every volume deletion not in `allowed`.
struct Rules {
    allowed: Allowed,
}

impl Policy for Rules {
    fn check(&self, method: &str, path: &str, query: Option<&str>) -> Option<String> {
        match engine_rules::decide(
            engine_rules::classify_call(method, path, query),
            &self.allowed,
        ) {
            Verdict::Pass => None,
            Verdict::Refuse(call) => Some(engine_rules::refusal_message(&call, method, path)),
        }
    }

    fn check_removal(
        &self,
        removal: &engine_rules::Removal,
        facts: &engine_rules::RemovalFacts,
        method: &str,
        path: &str,
    ) -> Option<String> {
        engine_rules::judge_removal(removal, facts, &self.allowed, method, path)
    }
}

/// The guard's policy: refuse every volume deletion that `allowed` does not name.
pub fn rules(allowed: Allowed) -> Arc<dyn Policy> {
    Arc::new(Rules { allowed })
}

/// A child command set up to reach the Engine only through a guard of its own.
pub struct GuardedChild {
    /// Program, arguments and environment set; the caller sets stdio and the working
    /// directory, then spawns it.
    pub command: Command,
    /// Keep it until the child has ended, then call [`GuardCheck::finish`].
    pub check: GuardCheck,
}

/// The guard of one child (running until dropped), and what its refusals are reported with.
pub struct GuardCheck {
    guard: ApiGuard,
    display: String,
    env: BTreeMap<String, String>,
    project: String,
}

/// The environment a child gets: `env` when given (the dashboard passes the project's), else
/// devctl's own.
fn child_env(env: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
    match env {
        Some(e) => e.clone(),
        None => std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
    }
}

/// Set up `inv` behind a new guard. Fails (and nothing runs) when the argv names an Engine
/// endpoint of its own, the endpoint cannot be resolved, or the guard cannot start.
pub fn guarded(inv: &Invocation, env: Option<&BTreeMap<String, String>>) -> Result<GuardedChild> {
    guarded_allowing(inv, env, Allowed::default())
}

/// [`guarded`], with what the user confirmed through the gate (`allowed`) let through.
pub fn guarded_allowing(
    inv: &Invocation,
    env: Option<&BTreeMap<String, String>>,
    allowed: Allowed,
) -> Result<GuardedChild> {
    if let Some(flag) = is_docker_cli(&inv.program)
        .then(|| endpoint_flag(&inv.args))
        .flatten()
    {
        return Err(Error::refused(format!(
            "refused: `{flag}` would point Compose at an Engine endpoint of its own, around \
             devctl's safety gate; nothing was run"
        ))
        .with_hint(
            "choose the Engine with DOCKER_HOST or `docker context use` before running devctl",
        ));
    }
    let env = child_env(env);
    let upstream = crate::engine::connect::resolve(&env)
        .and_then(|ep| Upstream::for_endpoint(&ep))
        .unwrap_or_else(|e| Upstream::Unusable(e.message));
    let guard = ApiGuard::start_with(upstream, rules(allowed))?;
    let mut command = Command::new(&inv.program);
    command.args(&inv.args).env_clear().envs(&env);
    for v in ENDPOINT_VARS {
        command.env_remove(v);
    }
    command.env("DOCKER_HOST", guard.docker_host());
    Ok(GuardedChild {
        command,
        check: GuardCheck {
            guard,
            display: inv.display(),
            env,
            project: project_name(&inv.args).unwrap_or_default(),
        },
    })
}

impl GuardCheck {
    /// The calls refused so far.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.guard.refusals()
    }

    /// After the child ended: `Err` with `Exit::Refused` (4) when the guard refused anything,
    /// after writing the audit line.
    pub fn finish(&self) -> Result<()> {
        let refused = self.refusals();
        if refused.is_empty() {
            return Ok(());
        }
        let audit = audit(&self.env, &self.project, &self.display, &refused);
        let calls: Vec<String> = refused
            .iter()
            .map(|r| format!("{} {}", r.method, r.target))
            .collect();
        let mut e = Error::refused(format!(
            "devctl's safety gate refused {} Engine call(s) that `{}` made: {}; the volume data \
             they would have deleted or put at risk is intact",
            refused.len(),
            self.display,
            calls.join(", ")
        ))
        .with_hint(if refused.iter().all(|r| r.removal) {
            "a container that removes itself (`--rm`) holds volumes of the container being \
             removed: stop it first (`docker stop NAME`, named above), then run this again; \
             the volume stays"
        } else {
            "volume data is deleted only through a plan you have seen: run `devctl down -v`, \
             `devctl volume rm NAME` or `devctl volume prune` (they show the plan and ask)"
        });
        if let Err(a) = audit {
            e.message.push_str(&format!(
                " (the audit log could not be written: {})",
                a.message
            ));
        }
        Err(e)
    }
}

fn audit(
    env: &BTreeMap<String, String>,
    project: &str,
    command: &str,
    refused: &[Refusal],
) -> Result<()> {
    use crate::audit::{AuditLog, Record};
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut r = Record::new(env, &cwd, project);
    r.decision = "guard-refused".into();
    r.outcome = "refused".into();
    r.result = serde_json::json!({
        "command": command,
        "refused": refused
            .iter()
            .map(|x| serde_json::json!({"method": x.method, "target": x.target}))
            .collect::<Vec<_>>(),
    });
    AuditLog::open(env)?.append(&r)
}

/// The docker CLI or a standalone Compose (the programs whose root flags choose an endpoint).
fn is_docker_cli(program: &str) -> bool {
    std::path::Path::new(program)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "docker" || n.starts_with("docker-compose"))
}

/// The value of the first `-p`/`--project-name` among the arguments.
fn project_name(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-p" || a == "--project-name" {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix("--project-name=") {
            return Some(v.to_string());
        }
    }
    None
}

/// A docker CLI root flag that chooses the Engine endpoint (`-H`, `--host`, `--context`,
/// `-c`, `--tls*`), among the flags before the subcommand. A standalone Compose v2 honours
/// them when they lead its argv (verified with v2.40.3: `docker-compose -H unix:///x ps`
/// talks to /x whatever DOCKER_HOST says); Compose v1 anywhere among its global flags.
/// devctl never writes them, so one found there came from the user and would bypass the
/// guard: the child is not started.
pub fn endpoint_flag(args: &[String]) -> Option<String> {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a == "--" || !a.starts_with('-') {
            // `compose` (the plugin's prefix) or the subcommand: the global section ends.
            if a == "compose" && i == 0 {
                i += 1;
                continue;
            }
            return None;
        }
        let long = a
            .strip_prefix("--")
            .map(|l| l.split('=').next().unwrap_or(l));
        let bad = match long {
            Some(l) => matches!(l, "host" | "context") || l.starts_with("tls"),
            None => a.starts_with("-H") || a.starts_with("-c"),
        };
        if bad {
            return Some(a.clone());
        }
        i += if super::globals::takes_next_value(a) {
            2
        } else {
            1
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn endpoint_flags_before_the_subcommand_are_found() {
        for (args, want) in [
            ("compose -p x -f a.yml -H unix:///s down", Some("-H")),
            ("-H unix:///s -p x ps", Some("-H")),
            ("-Hunix:///s ps", Some("-Hunix:///s")),
            ("--host=unix:///s ps", Some("--host=unix:///s")),
            ("-p x --context prod down -v", Some("--context")),
            ("-p x -c prod down", Some("-c")),
            ("-p x --tlsverify ps", Some("--tlsverify")),
            ("compose -p x --profile -H down", None),
            ("compose -p x -f a.yml down -v", None),
            ("-p x exec app curl -H host", None),
            ("-p x run app sh -c true", None),
            ("-p x -- -H x", None),
        ] {
            assert_eq!(endpoint_flag(&v(args)).as_deref(), want, "{args}");
        }
    }

    #[test]
    fn the_project_comes_from_the_argv() {
        assert_eq!(
            project_name(&v("compose -p shop down")).as_deref(),
            Some("shop")
        );
        assert_eq!(
            project_name(&v("--project-name=shop down")).as_deref(),
            Some("shop")
        );
        assert_eq!(project_name(&v("down")), None);
    }
}
