//! Environments (layers): `--dev`, `--prod`, `--env NAME`, `DEVCTL_ENV`, and the optional
//! `devctl.yaml`.
//!
//! An environment layers one more file on the base compose file, named after it:
//! `docker-compose.yml` → `docker-compose.dev.yml`, `compose.yaml` → `compose.prod.yaml`
//! (when only the other YAML extension exists — `compose.prod.yml` beside `compose.yaml` —
//! that one is taken). `devctl.yaml` (or `.devctl.yaml`) at the project root — the base
//! file's folder, or its parent when that folder is called `docker` — may declare
//!
//! ```yaml
//! default_environment: dev          # used when devctl finds the files itself
//! protected_volumes: [pgdata]       # volumes the safety gate guards
//! environments:
//!   dev: {}                         # uses docker-compose.dev.yml
//!   prod:
//!     protected: true               # read-only by default
//!   ci:
//!     files: [docker/ci.yml, docker/ci-extra.yml]   # relative to devctl.yaml's folder
//! commands:                         # the project's own commands (`super::commands`)
//!   migrate: {service: api, run: "npm run migrate", key: M}
//! ```
//!
//! `files` are layered after the base file, in order (the base file is never repeated).
//! Keys starting with `x-` are ignored; any other unknown key is an error, so typos show.

use std::path::{Path, PathBuf};

use crate::project::yaml::Value;
use indexmap::IndexMap;

use crate::error::{Error, Result};

/// File names devctl reads its project configuration from, in order of preference.
pub const CONFIG_NAMES: [&str; 2] = ["devctl.yaml", ".devctl.yaml"];

/// The parsed `devctl.yaml` (all empty when there is none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevctlConfig {
    /// Where it was read from.
    pub path: Option<PathBuf>,
    /// Declared environments, in declaration order.
    pub environments: IndexMap<String, EnvironmentConfig>,
    /// `default_environment`.
    pub default_environment: Option<String>,
    /// `protected_volumes`.
    pub protected_volumes: Vec<String>,
    /// `commands:` (the project's own commands, see [`super::commands`]).
    pub commands: IndexMap<String, super::commands::ProjectCommand>,
}

/// One entry of `environments:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvironmentConfig {
    /// Files layered after the base file (absolute; empty = the file named after the base).
    pub files: Vec<PathBuf>,
    /// `protected: true`.
    pub protected: bool,
    /// `target`, `context`, `stack`, `nodes` (a Swarm environment); see [`swarm_keys`].
    pub swarm: Option<swarm_keys::SwarmEnv>,
}

/// The folder where `devctl.yaml` is looked for: the base file's folder, or its parent when
/// the base file lives in a folder named `docker`.
pub fn project_root(base: &Path) -> PathBuf {
    let dir = base.parent().unwrap_or(Path::new("/"));
    match (dir.file_name(), dir.parent()) {
        (Some(n), Some(parent)) if n == "docker" => parent.to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

/// Read `devctl.yaml`/`.devctl.yaml` from the project root of `base` (then, when the base
/// lives in `docker/`, from beside the base file). None found → an empty configuration.
pub fn read_config(base: &Path) -> Result<DevctlConfig> {
    let root = project_root(base);
    let mut dirs = vec![root.clone()];
    if let Some(dir) = base.parent().filter(|d| *d != root) {
        dirs.push(dir.to_path_buf());
    }
    for dir in dirs {
        for name in CONFIG_NAMES {
            let path = dir.join(name);
            // Anything at that path counts: a FIFO or device is refused by the bounded reader
            // (exit 3), never skipped (its `protected_volumes` would silently disappear).
            if path.exists() {
                let text = crate::project::read::text("devctl config", &path)?;
                super::nesting::check_flow_depth(&path, &text)?;
                return parse_config(&text, &path);
            }
        }
    }
    Ok(DevctlConfig::default())
}

fn bad(path: &Path, key: &str, msg: impl std::fmt::Display) -> Error {
    Error::config(format!("{}: {key}: {msg}", path.display()))
        .with_hint("see the README section \"devctl.yaml\" for the accepted keys")
}

fn describe(v: &Value) -> String {
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

fn string_list(v: &Value, path: &Path, key: &str) -> Result<Vec<String>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(bad(
                    path,
                    &format!("{key}[{i}]"),
                    format!("expected a string, found {}", describe(other)),
                )),
            })
            .collect(),
        other => Err(bad(
            path,
            key,
            format!("expected a list of strings, found {}", describe(other)),
        )),
    }
}

fn check_keys(
    map: &crate::project::yaml::Mapping,
    known: &[&str],
    path: &Path,
    at: &str,
) -> Result<()> {
    for k in map.keys() {
        let name = k.as_str().unwrap_or("");
        if !known.contains(&name) && !name.starts_with("x-") {
            let key = if at.is_empty() {
                describe_key(k)
            } else {
                format!("{at}.{}", describe_key(k))
            };
            return Err(bad(
                path,
                &key,
                format!("unknown key (known: {})", known.join(", ")),
            ));
        }
    }
    Ok(())
}

fn describe_key(k: &Value) -> String {
    k.as_str().map_or_else(|| describe(k), str::to_owned)
}

/// Parse the text of a `devctl.yaml` found at `path`.
pub fn parse_config(text: &str, path: &Path) -> Result<DevctlConfig> {
    let doc: Value = crate::project::yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        Error::config(format!("{}{at}: {e}", path.display()))
            .with_hint("devctl.yaml must be valid YAML")
    })?;
    let mut cfg = DevctlConfig {
        path: Some(path.to_path_buf()),
        ..DevctlConfig::default()
    };
    let top = match doc {
        Value::Null => return Ok(cfg),
        Value::Mapping(m) => m,
        other => {
            return Err(bad(
                path,
                "(document)",
                format!("expected a mapping, found {}", describe(&other)),
            ));
        }
    };
    let known = [
        "environments",
        "default_environment",
        "protected_volumes",
        "commands",
    ];
    check_keys(&top, &known, path, "")?;
    if let Some(v) = top.get("commands") {
        cfg.commands = super::commands::parse(v, path, text)?;
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    if let Some(v) = top.get("protected_volumes") {
        cfg.protected_volumes = string_list(v, path, "protected_volumes")?;
    }
    match top.get("default_environment") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => cfg.default_environment = Some(s.clone()),
        Some(other) => {
            return Err(bad(
                path,
                "default_environment",
                format!("expected a name, found {}", describe(other)),
            ));
        }
    }
    let envs = match top.get("environments") {
        None | Some(Value::Null) => crate::project::yaml::Mapping::new(),
        Some(Value::Mapping(m)) => m.clone(),
        Some(other) => {
            return Err(bad(
                path,
                "environments",
                format!("expected a mapping of names, found {}", describe(other)),
            ));
        }
    };
    for (k, v) in &envs {
        let Some(name) = k.as_str() else {
            return Err(bad(
                path,
                "environments",
                format!("environment names are strings, found {}", describe(k)),
            ));
        };
        if name.starts_with("x-") {
            continue;
        }
        check_name(name).map_err(|m| bad(path, &format!("environments.{name}"), m))?;
        let at = format!("environments.{name}");
        let mut env = EnvironmentConfig::default();
        match v {
            Value::Null => {}
            Value::Mapping(m) => {
                check_keys(
                    m,
                    &["files", "protected", "target", "context", "stack", "nodes"],
                    path,
                    &at,
                )?;
                env.swarm = swarm_keys::parse(m, text, path, name)?;
                if let Some(files) = m.get("files") {
                    env.files = string_list(files, path, &format!("{at}.files"))?
                        .iter()
                        .map(|f| super::discover::absolutize(dir, Path::new(f)))
                        .collect();
                }
                match m.get("protected") {
                    None | Some(Value::Null) => {}
                    Some(Value::Bool(b)) => env.protected = *b,
                    Some(other) => {
                        return Err(bad(
                            path,
                            &format!("{at}.protected"),
                            format!("expected true or false, found {}", describe(other)),
                        ));
                    }
                }
            }
            other => {
                return Err(bad(
                    path,
                    &at,
                    format!("expected a mapping, found {}", describe(other)),
                ));
            }
        }
        cfg.environments.insert(name.to_owned(), env);
    }
    if let Some(d) = &cfg.default_environment {
        check_name(d).map_err(|m| bad(path, "default_environment", m))?;
    }
    Ok(cfg)
}

/// Environment names end up in file names: letters, digits, `_`, `-`, `.` (not first).
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid environment name {name:?}: use letters, digits, `_`, `-` and `.`"
        ))
    }
}

/// Split a file name into (stem, extension): `docker-compose.yml` → (`docker-compose`, `yml`).
fn stem_ext(base: &Path) -> (String, String) {
    let name = base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_owned(), ext.to_owned()),
        _ => (name, String::new()),
    }
}

/// The override file named after `base` for environment `name`; when it does not exist but
/// the other YAML extension does, that one.
pub fn override_path(base: &Path, name: &str) -> PathBuf {
    let dir = base.parent().unwrap_or(Path::new("/"));
    let (stem, ext) = stem_ext(base);
    let same = dir.join(format!("{stem}.{name}.{ext}"));
    let other = match ext.as_str() {
        "yml" => "yaml",
        "yaml" => "yml",
        _ => return same,
    };
    let alt = dir.join(format!("{stem}.{name}.{other}"));
    if !same.is_file() && alt.is_file() {
        alt
    } else {
        same
    }
}

/// Environments whose override file exists beside `base` (`override` itself excluded).
pub fn on_disk(base: &Path) -> Vec<String> {
    let dir = base.parent().unwrap_or(Path::new("/"));
    let (stem, _) = stem_ext(base);
    let prefix = format!("{stem}.");
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let rest = file.strip_prefix(&prefix)?;
            let name = rest
                .strip_suffix(".yml")
                .or_else(|| rest.strip_suffix(".yaml"))?;
            (name != "override" && check_name(name).is_ok() && !name.contains('.'))
                .then(|| name.to_owned())
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The files environment `name` layers after `base`, and whether it is protected.
/// Unknown environment → usage error listing the known ones; a declared environment whose
/// file is missing → config error naming the expected path.
pub fn layers(name: &str, base: &Path, cfg: &DevctlConfig) -> Result<(Vec<PathBuf>, bool)> {
    check_name(name).map_err(Error::usage)?;
    let declared = cfg.environments.get(name);
    let files = match declared {
        Some(env) if !env.files.is_empty() => env.files.clone(),
        _ => vec![override_path(base, name)],
    };
    if declared.is_none() && !files.iter().all(|f| f.is_file()) {
        let mut known: Vec<String> = cfg.environments.keys().cloned().collect();
        known.extend(on_disk(base));
        known.sort();
        known.dedup();
        let expected = files.first().map(|f| f.display().to_string());
        let hint = format!(
            "create {} or declare `{name}` under `environments:` in devctl.yaml",
            expected.unwrap_or_default()
        );
        let msg = if known.is_empty() {
            format!("unknown environment {name:?}: no environments are defined for this project")
        } else {
            format!(
                "unknown environment {name:?}: known environments are {}",
                known.join(", ")
            )
        };
        return Err(Error::usage(msg).with_hint(hint));
    }
    for f in &files {
        if !f.is_file() {
            let source = cfg
                .path
                .as_ref()
                .map(|p| format!(" (environment `{name}` in {})", p.display()))
                .unwrap_or_default();
            return Err(Error::config(format!(
                "the override file for environment `{name}` is missing: {}{source}",
                f.display()
            ))
            .with_hint(format!(
                "create {} or fix the environment's `files:` list",
                f.display()
            )));
        }
    }
    Ok((files, declared.is_some_and(|e| e.protected)))
}

pub mod swarm_keys;

#[cfg(test)]
mod tests;
