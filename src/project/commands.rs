//! The project's own commands, `commands:` in `devctl.yaml` (pure):
//!
//! ```yaml
//! commands:
//!   migrate: {service: backend-api, run: "npm run migrate", key: M}
//!   psql:    {service: postgres, exec: "psql -U $POSTGRES_USER", interactive: true}
//!   seed:    {run_host: "./scripts/seed.sh", confirm: true}
//! ```
//!
//! Exactly one of `run` (a one-off container of `service`: `docker compose run --rm`), `exec`
//! (in the running container of `service`) or `run_host` (on this machine, in the folder of
//! `devctl.yaml`, behind devctl's Engine guard). Optional: `interactive` (a terminal session),
//! `confirm` (ask first), `safe` (allowed in read-only/protected environments), `key` (one
//! character, the dashboard's key for it), `description`. Errors name `devctl.yaml:LINE`.

use std::path::Path;

use indexmap::IndexMap;

use crate::error::{Error, Result};
use crate::project::yaml::Value;

/// Where a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `docker compose run --rm SERVICE sh -c TEXT`.
    Run { service: String },
    /// `docker compose exec SERVICE sh -c TEXT`.
    Exec { service: String },
    /// `sh -c TEXT` on the host.
    Host,
}

/// One entry of `commands:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCommand {
    pub name: String,
    pub target: Target,
    /// The command text (a shell command line).
    pub text: String,
    pub interactive: bool,
    pub confirm: bool,
    pub safe: bool,
    pub key: Option<char>,
    pub description: Option<String>,
    /// 1-based line of the entry in devctl.yaml (0 when unknown).
    pub line: usize,
}

impl ProjectCommand {
    /// What the user trusts (`audit::trust`): the text, and for a command in a service the
    /// kind and the service (another service asks again).
    pub fn trust_text(&self) -> String {
        match &self.target {
            Target::Host => self.text.clone(),
            Target::Run { service } => format!("run in {service}: {}", self.text),
            Target::Exec { service } => format!("exec in {service}: {}", self.text),
        }
    }

    /// `run in backend-api: npm run migrate`: what it does, for lists and help.
    pub fn summary(&self) -> String {
        let place = match &self.target {
            Target::Run { service } => format!("run in {service}"),
            Target::Exec { service } => format!("exec in {service}"),
            Target::Host => "on the host".to_string(),
        };
        match &self.description {
            Some(d) => format!("{d} ({place}: {})", self.text),
            None => format!("{place}: {}", self.text),
        }
    }

    /// The service it runs in, if any.
    pub fn service(&self) -> Option<&str> {
        match &self.target {
            Target::Run { service } | Target::Exec { service } => Some(service),
            Target::Host => None,
        }
    }
}

/// The 1-based line of key `path` in YAML `text`, 0 when not found: the YAML parser's own
/// position of the key (quoted, escaped, flow or block style alike), else of its nearest
/// parent that is written.
pub fn line_of(text: &str, path: &[&str]) -> usize {
    use crate::project::load::locate::{Seg, Target, locate};
    let segs: Vec<Seg> = path.iter().map(|k| Seg::Key((*k).to_string())).collect();
    (1..=segs.len())
        .rev()
        .find_map(|n| locate(text, &segs[..n], Target::Key))
        .map_or(0, |p| p.line)
}

fn bad(path: &Path, text: &str, at: &[&str], msg: impl std::fmt::Display) -> Error {
    let line = line_of(text, at);
    let loc = if line > 0 {
        format!("{}:{line}", path.display())
    } else {
        path.display().to_string()
    };
    Error::config(format!("{loc}: {}: {msg}", at.join(".")))
        .with_hint("see the README section \"Project commands\" for the accepted keys")
}

const KEYS: [&str; 9] = [
    "service",
    "run",
    "exec",
    "run_host",
    "interactive",
    "confirm",
    "safe",
    "key",
    "description",
];

/// Parse the value of `commands:` (from devctl.yaml at `path`, whose text is `text`).
pub fn parse(v: &Value, path: &Path, text: &str) -> Result<IndexMap<String, ProjectCommand>> {
    let mut out = IndexMap::new();
    let map = match v {
        Value::Null => return Ok(out),
        Value::Mapping(m) => m,
        _ => {
            return Err(bad(
                path,
                text,
                &["commands"],
                "expected a mapping of names",
            ));
        }
    };
    for (k, entry) in map {
        let Some(name) = k.as_str() else {
            return Err(bad(path, text, &["commands"], "command names are strings"));
        };
        if name.starts_with("x-") {
            continue;
        }
        let at = ["commands", name];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad(
                path,
                text,
                &at,
                "a command name uses letters, digits, `-` and `_` only",
            ));
        }
        let Value::Mapping(m) = entry else {
            return Err(bad(
                path,
                text,
                &at,
                "expected a mapping such as `{service: api, run: \"…\"}`",
            ));
        };
        for key in m.keys() {
            let k = key.as_str().unwrap_or("");
            if !KEYS.contains(&k) && !k.starts_with("x-") {
                return Err(bad(
                    path,
                    text,
                    &["commands", name, k],
                    format!("unknown key (known: {})", KEYS.join(", ")),
                ));
            }
        }
        let string = |key: &str| -> Result<Option<String>> {
            match m.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(
                    path,
                    text,
                    &["commands", name, key],
                    "expected a string",
                )),
            }
        };
        let flag = |key: &str| -> Result<bool> {
            match m.get(key) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(bad(
                    path,
                    text,
                    &["commands", name, key],
                    "expected true or false",
                )),
            }
        };
        let service = string("service")?;
        let kinds: Vec<(&str, String)> = ["run", "exec", "run_host"]
            .iter()
            .filter_map(|k| string(k).transpose().map(|r| r.map(|s| (*k, s))))
            .collect::<Result<_>>()?;
        let (kind, cmd_text) = match kinds.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(bad(
                    path,
                    text,
                    &at,
                    "needs one of `run`, `exec` or `run_host`",
                ));
            }
            _ => {
                return Err(bad(
                    path,
                    text,
                    &at,
                    "has more than one of `run`, `exec`, `run_host`; keep one",
                ));
            }
        };
        if cmd_text.trim().is_empty() {
            return Err(bad(
                path,
                text,
                &["commands", name, kind],
                "the command is empty",
            ));
        }
        let target = match (kind, service) {
            ("run_host", None) => Target::Host,
            ("run_host", Some(_)) => {
                return Err(bad(
                    path,
                    text,
                    &["commands", name, "service"],
                    "`run_host` runs on this machine; remove `service`",
                ));
            }
            (_, None) => {
                return Err(bad(path, text, &at, format!("`{kind}` needs `service`")));
            }
            ("run", Some(service)) => Target::Run { service },
            (_, Some(service)) => Target::Exec { service },
        };
        let key = match string("key")? {
            None => None,
            Some(k) => {
                let mut chars = k.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if c.is_ascii_graphic() => Some(c),
                    _ => {
                        return Err(bad(
                            path,
                            text,
                            &["commands", name, "key"],
                            format!(
                                "expected one printable ASCII character (a letter, digit or \
                                 sign such as `M` or `?`), found {k:?}"
                            ),
                        ));
                    }
                }
            }
        };
        out.insert(
            name.to_string(),
            ProjectCommand {
                name: name.to_string(),
                target,
                text: cmd_text,
                interactive: flag("interactive")?,
                confirm: flag("confirm")?,
                safe: flag("safe")?,
                key,
                description: string("description")?,
                line: line_of(text, &at),
            },
        );
    }
    let mut keys: Vec<(char, &str)> = Vec::new();
    for c in out.values() {
        if let Some(k) = c.key {
            if let Some((_, other)) = keys.iter().find(|(x, _)| *x == k) {
                return Err(bad(
                    path,
                    text,
                    &["commands", &c.name, "key"],
                    format!("key `{k}` is already bound to `{other}`"),
                ));
            }
            keys.push((k, &c.name));
        }
    }
    Ok(out)
}

/// Pure: the Compose argv of a `run`/`exec` command.
pub fn compose_sub(cmd: &ProjectCommand, text: &str) -> Vec<String> {
    let (verb, service) = match &cmd.target {
        Target::Run { service } => ("run", service),
        Target::Exec { service } => ("exec", service),
        Target::Host => return Vec::new(),
    };
    let mut sub = vec![verb.to_string()];
    if verb == "run" {
        sub.push("--rm".into());
    }
    if !cmd.interactive {
        sub.push("-T".into());
    }
    sub.extend([service.clone(), "sh".into(), "-c".into(), text.to_string()]);
    sub
}

/// Read-only and protected environments run only commands marked `safe: true`.
pub fn refusal(read_only: bool, protected: Option<&str>, cmd: &ProjectCommand) -> Option<String> {
    if cmd.safe {
        return None;
    }
    if read_only {
        return Some(format!(
            "`{}` is refused: devctl is read-only here",
            cmd.name
        ));
    }
    protected.map(|env| {
        format!(
            "`{}` is refused: environment `{env}` is protected and the command is not marked `safe: true`",
            cmd.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "default_environment: dev\ncommands:\n  migrate: {service: backend-api, run: \"npm run migrate\", key: M}\n  psql:\n    service: postgres\n    exec: psql -U $POSTGRES_USER\n    interactive: true\n  seed: {run_host: ./scripts/seed.sh, confirm: true}\n";

    fn parse_text(text: &str) -> Result<IndexMap<String, ProjectCommand>> {
        let v: Value = crate::project::yaml::from_str(text).expect("yaml");
        parse(
            v.get("commands").unwrap_or(&Value::Null),
            Path::new("/p/devctl.yaml"),
            text,
        )
    }

    #[test]
    fn parses_the_three_kinds() {
        let c = parse_text(TEXT).expect("parses");
        assert_eq!(
            c["migrate"].target,
            Target::Run {
                service: "backend-api".into()
            }
        );
        assert_eq!(c["migrate"].key, Some('M'));
        assert_eq!(c["migrate"].line, 3);
        assert_eq!(
            c["psql"].target,
            Target::Exec {
                service: "postgres".into()
            }
        );
        assert!(c["psql"].interactive);
        assert_eq!(c["psql"].line, 4);
        assert_eq!(c["seed"].target, Target::Host);
        assert!(c["seed"].confirm && !c["seed"].safe);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let cases = [
            (
                "commands:\n  a: {service: x}\n",
                "/p/devctl.yaml:2: commands.a: needs one of",
            ),
            (
                "commands:\n  a:\n    run: x\n",
                "/p/devctl.yaml:2: commands.a: `run` needs `service`",
            ),
            (
                "commands:\n  a:\n    run_host: x\n    colour: red\n",
                "/p/devctl.yaml:4: commands.a.colour: unknown key",
            ),
            (
                "commands:\n  a: {run_host: x, key: AB}\n",
                "/p/devctl.yaml:2: commands.a.key: expected one printable",
            ),
            (
                "commands:\n  a: {run_host: x, key: \"\\e\"}\n",
                "/p/devctl.yaml:2: commands.a.key: expected one printable ASCII character",
            ),
            (
                "commands:\n  a: {run_host: x, key: M}\n  b: {run_host: y, key: M}\n",
                "/p/devctl.yaml:3: commands.b.key: key `M` is already bound to `a`",
            ),
            (
                "commands:\n  a:\n    run_host: x\n    safe: maybe\n",
                "/p/devctl.yaml:4: commands.a.safe: expected true or false",
            ),
            // A name written with YAML escapes is found where the parser read it.
            (
                "commands:\n  ok: {run_host: x}\n  \"bad\\e[31m\": {run_host: x}\n",
                "/p/devctl.yaml:3: commands.bad\u{1b}[31m: a command name uses",
            ),
            (
                "commands:\n  ok: {run_host: x}\n  'a''b':\n    run_host: x\n    nope: 1\n",
                "/p/devctl.yaml:3: commands.a'b: a command name uses",
            ),
            (
                "commands:\n  ok: {run_host: x}\n  \"x\\u0041\": {run_host: x, nope: 1}\n",
                "/p/devctl.yaml:3: commands.xA.nope: unknown key",
            ),
        ];
        for (text, want) in cases {
            let e = parse_text(text).expect_err(text).to_string();
            assert!(e.starts_with(want), "{text}\n{e}");
        }
    }
}
