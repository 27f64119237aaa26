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
use super::grammar::pflag::{Effect, Flag, parse_with};

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
        .then(|| endpoint_flag(&inv.program, &inv.args))
        .flatten()
    {
        let who =
            if inv.args.iter().any(|a| a == "compose") || inv.program.ends_with("docker-compose") {
                "Compose"
            } else {
                "the docker CLI"
            };
        return Err(Error::refused(format!(
            "refused: `{flag}` would point {who} at an Engine endpoint of its own, around \
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
pub fn endpoint_flag(program: &str, args: &[String]) -> Option<String> {
    use super::grammar::cobra::subcommand_at;
    use super::grammar::pflag::{DOCKER_ROOT, leading_flags_end, root};
    let standalone = std::path::Path::new(program)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("docker-compose"));
    // Where the leading root flags of `rest` may end: pflag without interspersing (the docker
    // CLI), an unknown flag read both ways, and, for Compose, cobra's Traverse.
    let ends = |rest: &[String], sets: &[&[Flag]], traverse: bool| {
        let mut out = vec![
            leading_flags_end(rest, sets, false),
            leading_flags_end(rest, sets, true),
        ];
        if traverse {
            out.extend(subcommand_at(rest, sets));
        }
        out.dedup();
        out
    };
    // Compose's own section: its root flags and the docker CLI's (a standalone Compose reads
    // them there; the plugin is checked the same way, failing closed).
    let compose_section = |start: usize| {
        let sets: [&[Flag]; 2] = [root(), DOCKER_ROOT];
        let rest = &args[start.min(args.len())..];
        ends(rest, &sets, true)
            .into_iter()
            .find_map(|end| endpoint_in(rest, end, &sets))
    };
    if standalone {
        return compose_section(0);
    }
    let sets: [&[Flag]; 1] = [DOCKER_ROOT];
    for end in ends(args, &sets, false) {
        if let Some(flag) = endpoint_in(args, end, &sets) {
            return Some(flag);
        }
        if args.get(end).is_some_and(|a| a == "compose")
            && let Some(flag) = compose_section(end + 1)
        {
            return Some(flag);
        }
    }
    None
}

/// The first endpoint flag among `args[..end]` read with pflag's rules, an unknown flag read
/// both as a boolean and as taking a value (fail closed).
fn endpoint_in(args: &[String], end: usize, sets: &[&[Flag]]) -> Option<String> {
    [false, true].into_iter().find_map(|unknown_takes_value| {
        let parsed = parse_with(args, 0, end, sets, unknown_takes_value).ok()?;
        parsed
            .spans
            .iter()
            .find(|(e, _, _)| *e == Effect::Endpoint)
            .map(|(_, at, _)| args[*at].clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn endpoint_flags_before_the_subcommand_are_found() {
        // The docker CLI's own root flags, read as pflag reads them (found by the hostile
        // review: `-DHunix:///…` and `-DH unix:///…` went around the guard).
        for (args, want) in [
            ("-DHunix:///s volume rm x", Some("-DHunix:///s")),
            ("-DH unix:///s volume rm x", Some("-DH")),
            ("-D -H unix:///s volume rm x", Some("-H")),
            ("-lerror -Hunix:///s volume rm x", Some("-Hunix:///s")),
            (
                "--log-level error --host unix:///s volume rm x",
                Some("--host"),
            ),
            ("-l error -c prod volume rm x", Some("-c")),
            ("-Dc prod volume rm x", Some("-Dc")),
            (
                "--tlsverify --tlscacert ca.pem volume rm x",
                Some("--tlsverify"),
            ),
            ("--config /tmp/c volume rm x", None),
            ("-l -H volume rm x", None),
            ("-DHx compose -p p down -v", Some("-DHx")),
            ("compose -p p -DHx down -v", Some("-DHx")),
            ("--debug compose --host=x down", Some("--host=x")),
            ("volume rm -H x", None),
            ("run --rm img sh -c -H", None),
        ] {
            assert_eq!(
                endpoint_flag("docker", &v(args)).as_deref(),
                want,
                "docker {args}"
            );
        }
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
            assert_eq!(endpoint_flag("docker", &v(args)).as_deref(), want, "{args}");
            let standalone = args.strip_prefix("compose ").unwrap_or(args);
            assert_eq!(
                endpoint_flag("/usr/bin/docker-compose", &v(standalone)).as_deref(),
                want,
                "docker-compose {standalone}"
            );
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
