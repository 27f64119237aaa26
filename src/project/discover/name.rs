//! The project name, decided as Compose v2.40.3 decides it (`cg:cli/options.go`
//! `withNamePrecedenceLoad`, `cg:loader/loader.go` `projectName`; vectors 33–33e, 56):
//! `-p` > `COMPOSE_PROJECT_NAME` (process environment, then `.env`) > the last non-empty
//! top-level `name:` among the files (interpolated, then normalised) > the project
//! directory's basename (normalised). Names from `-p` and `COMPOSE_PROJECT_NAME` are not
//! normalised but must already be normal.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::project::interpolate::{Env, interpolate_str};

/// Compose's `NormalizeProjectName`: lowercase, keep `[a-z0-9_-]`, strip leading `_`/`-`.
pub fn normalize(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
        .collect::<String>()
        .trim_start_matches(['_', '-'])
        .to_owned()
}

fn invalid(name: &str) -> String {
    format!(
        "invalid project name {name:?}: must consist only of lowercase alphanumeric \
         characters, hyphens, and underscores as well as start with a letter or number"
    )
}

/// Reject a `-p` value Compose would reject (usage error, vector 33e).
pub fn check_flag(name: &str) -> Result<()> {
    if normalize(name) == name {
        return Ok(());
    }
    Err(Error::usage(invalid(name)).with_hint(format!("try -p {}", suggestion(name))))
}

fn suggestion(name: &str) -> String {
    let n = normalize(name);
    if n.is_empty() { "myproject".into() } else { n }
}

/// Only the top-level `name` of a compose file: `None` when absent, `Some(Null)` for `name: ~`.
#[derive(serde::Deserialize)]
struct TopName {
    #[serde(default, deserialize_with = "present")]
    name: Option<crate::project::yaml::Value>,
}

fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<crate::project::yaml::Value>, D::Error> {
    <crate::project::yaml::Value as serde::Deserialize>::deserialize(d).map(Some)
}

/// The top-level `name:` Compose would take from `files`: the last non-empty string.
/// Like Compose, scanning stops at the first file that does not parse or whose `name` is
/// not a string (it will be reported by the loader).
pub fn name_from_files(files: &[PathBuf]) -> Option<(String, PathBuf)> {
    let mut found = None;
    for file in files {
        let Ok(text) = crate::project::read::text("compose file", file) else {
            break;
        };
        // Text nested too deep for the YAML parser to be quick is left to the loader's error.
        if crate::project::nesting::check_flow_depth(file, &text).is_err() {
            break;
        }
        // No `name` anywhere in the text: no top-level `name:` either, and nothing to parse
        // here (a file that does not parse is the loader's to report).
        if !text.contains("name") {
            continue;
        }
        // The first YAML document only, like go-yaml's Unmarshal; only its `name` is kept
        // (the rest is skipped by serde, not built into a tree).
        let Some(doc) = crate::project::yaml::Deserializer::from_str(&text).next() else {
            continue;
        };
        let Ok(top) = <TopName as serde::Deserialize>::deserialize(doc) else {
            break;
        };
        match top.name {
            None => {}
            Some(crate::project::yaml::Value::String(s)) if s.is_empty() => {}
            Some(crate::project::yaml::Value::String(s)) => found = Some((s, file.clone())),
            Some(_) => break,
        }
    }
    found
}

/// Decide the project name. `env` is the interpolation environment (OS + PWD + env files).
pub fn decide(
    flag: Option<&str>,
    env: &Env,
    files: &[PathBuf],
    project_dir: &Path,
) -> Result<String> {
    if let Some(p) = flag.filter(|p| !p.is_empty()) {
        check_flag(p)?;
        return Ok(p.to_owned());
    }
    if let Some(n) = env.get("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty()) {
        if normalize(n) != *n {
            return Err(
                Error::config(format!("COMPOSE_PROJECT_NAME: {}", invalid(n))).with_hint(format!(
                    "set COMPOSE_PROJECT_NAME={} (in the environment or .env)",
                    suggestion(n)
                )),
            );
        }
        return Ok(n.clone());
    }
    if let Some((raw, file)) = name_from_files(files) {
        let interpolated = interpolate_str(&raw, env).map_err(|e| {
            Error::config(format!("{}: name: {e}", file.display())).with_hint(e.hint())
        })?;
        let n = normalize(&interpolated);
        if !n.is_empty() {
            return Ok(n);
        }
    }
    let base = project_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = normalize(&base);
    if n.is_empty() {
        return Err(Error::config(format!(
            "project name must not be empty: the project directory {} gives no usable name",
            project_dir.display()
        ))
        .with_hint("pass -p NAME, set COMPOSE_PROJECT_NAME, or add `name:` to the compose file"));
    }
    Ok(n)
}
