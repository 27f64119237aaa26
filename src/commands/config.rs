//! `devctl config`: the merged configuration, the layered files, provenance.

use std::io::Write;

use clap::Args;
use serde_json::Value as J;

use super::Ctx;
use crate::error::{Error, Result};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// JSON instead of YAML.
    #[arg(long)]
    pub json: bool,
    /// List the service names.
    #[arg(long)]
    pub services: bool,
    /// List the volume names.
    #[arg(long)]
    pub volumes: bool,
    /// List the layered files, in order.
    #[arg(long = "files")]
    pub list_files: bool,
    /// Explain where each value under KEY.PATH came from (e.g. services.api.ports).
    #[arg(long, value_name = "KEY.PATH")]
    pub explain: Option<String>,
    /// Do not mask values under secret-looking keys.
    #[arg(long)]
    pub show_secrets: bool,
}

/// Words that make a key look secret (case-insensitive substring match).
pub const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "KEY",
    "PRIVATE",
    "CREDENTIAL",
    "SALT",
];

/// The mask shown instead of a secret value.
pub const MASK: &str = "********";

/// Does this key look like it holds a secret?
pub fn is_secret_key(key: &str) -> bool {
    let up = key.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| up.contains(w))
}

/// Mask the password of credentials embedded in a URL (`scheme://user:pass@host`).
pub fn mask_url_password(s: &str) -> Option<String> {
    let start = s.find("://")? + 3;
    let rest = &s[start..];
    let at = rest.find('@')?;
    let userinfo = &rest[..at];
    if userinfo.contains('/') {
        return None;
    }
    let colon = userinfo.find(':')?;
    if colon + 1 == userinfo.len() {
        return None;
    }
    Some(format!(
        "{}{}:{MASK}{}",
        &s[..start],
        &userinfo[..colon],
        &rest[at..]
    ))
}

/// Replace scalar values under secret-looking keys (in mappings) by [`MASK`]. A `K=V` list
/// item with a secret-looking `K` is masked too, and so is the password of a URL anywhere.
pub fn mask_secrets(v: &mut J) {
    match v {
        J::String(s) => {
            if let Some(m) = mask_url_password(s) {
                *s = m;
            }
        }
        J::Object(m) => {
            for (k, child) in m.iter_mut() {
                match child {
                    J::String(s) if is_secret_key(k) && !s.is_empty() => *s = MASK.into(),
                    J::Number(_) | J::Bool(_) if is_secret_key(k) => {
                        *child = J::String(MASK.into())
                    }
                    _ => mask_secrets(child),
                }
            }
        }
        J::Array(items) => {
            for item in items {
                if let J::String(s) = item {
                    if let Some((k, val)) = s.split_once('=') {
                        if is_secret_key(k) && !val.is_empty() {
                            *s = format!("{k}={MASK}");
                            continue;
                        }
                    }
                    if let Some(m) = mask_url_password(s) {
                        *s = m;
                    }
                } else {
                    mask_secrets(item);
                }
            }
        }
        _ => {}
    }
}

pub fn run(ctx: &Ctx, args: &ConfigArgs) -> Result<u8> {
    let loaded = ctx.load_project()?;
    let mut err = std::io::stderr().lock();
    for w in &loaded.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
    let out = render(&loaded, args)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .map_err(|e| Error::general(format!("cannot write to stdout: {e}")))?;
    Ok(0)
}

/// What `devctl config` prints for these flags (`--json` turns every form into JSON: the
/// listings into arrays of strings, `--explain` into an object keyed by key path).
pub fn render(loaded: &LoadedProject, args: &ConfigArgs) -> Result<String> {
    let names = |it: &mut dyn Iterator<Item = String>| -> Result<String> {
        let items: Vec<String> = it.collect();
        if args.json {
            return pretty(&serde_json::json!(items));
        }
        Ok(items.iter().map(|i| format!("{i}\n")).collect())
    };
    if args.list_files {
        let files = &loaded.resolved.files;
        return names(&mut files.iter().map(|f| f.display().to_string()));
    }
    if args.services {
        return names(&mut loaded.project.services.keys().cloned());
    }
    if args.volumes {
        return names(&mut loaded.project.volumes.keys().cloned());
    }
    if let Some(path) = &args.explain {
        let entries = explain(loaded, path, args.show_secrets)?;
        return if args.json {
            pretty(&explain_json(&entries))
        } else {
            Ok(explain_text(&entries, &loaded.resolved.project_dir))
        };
    }
    let mut json = loaded.json.clone();
    if !args.show_secrets {
        mask_secrets(&mut json);
    }
    if args.json {
        pretty(&json)
    } else {
        crate::project::yaml::to_yaml_string(&json)
    }
}

fn pretty(v: &J) -> Result<String> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| Error::general(format!("cannot render JSON: {e}")))?;
    Ok(format!("{s}\n"))
}

/// One file's say on a key: its value (masked unless `--show-secrets`), or `None` when the
/// file removed it (`!reset`/`!override`).
struct Origin<'a> {
    value: Option<String>,
    file: &'a std::path::Path,
}

/// Every key under `path` with its origins, oldest first (the last one is in effect).
fn explain<'a>(
    loaded: &'a LoadedProject,
    path: &str,
    show_secrets: bool,
) -> Result<Vec<(&'a str, Vec<Origin<'a>>)>> {
    let path = path.trim_end_matches('.');
    let entries: Vec<_> = loaded
        .provenance
        .iter()
        .filter(|(k, _)| {
            *k == path || k.starts_with(&format!("{path}.")) || k.starts_with(&format!("{path}["))
        })
        .collect();
    if entries.is_empty() {
        return Err(Error::usage(format!("no value at {path:?} in the merged configuration"))
            .with_hint("use a dotted key path such as services.<name>.ports or services.<name>.environment"));
    }
    let mask = |key: &str, v: &str| -> String {
        if show_secrets {
            return v.to_string();
        }
        let last = key.rsplit(['.', '[']).next().unwrap_or(key);
        if is_secret_key(last) {
            match v.split_once('=') {
                Some((k, _)) => format!("{k}={MASK}"),
                None => MASK.to_string(),
            }
        } else {
            mask_url_password(v).unwrap_or_else(|| v.to_string())
        }
    };
    Ok(entries
        .into_iter()
        .filter(|(_, origins)| !origins.is_empty())
        .map(|(key, origins)| {
            let list = origins
                .iter()
                .map(|o| Origin {
                    value: (o.value != "(removed)").then(|| mask(key, &o.value)),
                    file: &o.file,
                })
                .collect();
            (key.as_str(), list)
        })
        .collect())
}

fn explain_text(entries: &[(&str, Vec<Origin<'_>>)], dir: &std::path::Path) -> String {
    let mut out = String::new();
    for (key, origins) in entries {
        let Some((last, older)) = origins.split_last() else {
            continue;
        };
        out.push_str(&format!("{key}\n"));
        match &last.value {
            None => out.push_str(&format!("  removed by {}\n", relative(last.file, dir))),
            Some(v) => out.push_str(&format!("  = {v}    ({})\n", relative(last.file, dir))),
        }
        for o in older.iter().rev() {
            match &o.value {
                None => out.push_str(&format!(
                    "    removed by {} (!reset/!override)\n",
                    relative(o.file, dir)
                )),
                Some(v) => out.push_str(&format!(
                    "    overrode {v}    ({})\n",
                    relative(o.file, dir)
                )),
            }
        }
    }
    out
}

/// `{"KEY": {"value": V|null, "file": F, "removed": bool, "overrode": [{…}, …]}}`, where
/// `overrode` lists the earlier files' values, newest first (as the text form does).
fn explain_json(entries: &[(&str, Vec<Origin<'_>>)]) -> J {
    let one = |o: &Origin<'_>| {
        serde_json::json!({
            "value": o.value,
            "file": o.file.display().to_string(),
            "removed": o.value.is_none(),
        })
    };
    let mut map = serde_json::Map::new();
    for (key, origins) in entries {
        let Some((last, older)) = origins.split_last() else {
            continue;
        };
        let mut v = one(last);
        v["overrode"] = J::Array(older.iter().rev().map(one).collect());
        map.insert(key.to_string(), v);
    }
    J::Object(map)
}

/// `path` relative to `base` (with `..` when outside it).
fn relative(path: &std::path::Path, base: &std::path::Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return path.display().to_string();
    }
    let mut out = std::path::PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    out.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for (k, want) in [
            ("POSTGRES_PASSWORD", true),
            ("api_token", true),
            ("AWS_SECRET_ACCESS_KEY", true),
            ("private_key_file", true),
            ("DB_HOST", false),
            ("image", false),
        ] {
            assert_eq!(is_secret_key(k), want, "{k}");
        }
    }

    #[test]
    fn url_passwords_are_masked() {
        for (s, want) in [
            (
                "postgres://app:pw@db:5432/app",
                Some("postgres://app:********@db:5432/app"),
            ),
            (
                "DATABASE_URL=mysql://root:x@db/x",
                Some("DATABASE_URL=mysql://root:********@db/x"),
            ),
            ("https://example.com/a@b", None),
            ("redis://cache:6379", None),
            ("http://user@host", None),
        ] {
            assert_eq!(mask_url_password(s).as_deref(), want, "{s}");
        }
    }

    #[test]
    fn masks_scalars_under_secret_keys_only() {
        let mut v = serde_json::json!({
            "services": {"db": {"environment": {"POSTGRES_PASSWORD": "pw", "POSTGRES_DB": "app"},
                                 "secrets": [{"source": "db_pw", "target": "/run/secrets/db_pw"}],
                                 "command": ["--token=x", "API_KEY=abc"]}}
        });
        mask_secrets(&mut v);
        assert_eq!(
            v["services"]["db"]["environment"]["POSTGRES_PASSWORD"],
            MASK
        );
        assert_eq!(v["services"]["db"]["environment"]["POSTGRES_DB"], "app");
        assert_eq!(v["services"]["db"]["secrets"][0]["source"], "db_pw");
        assert_eq!(v["services"]["db"]["command"][1], format!("API_KEY={MASK}"));
    }
}
