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

/// What `devctl config` prints for these flags.
pub fn render(loaded: &LoadedProject, args: &ConfigArgs) -> Result<String> {
    let mut out = String::new();
    if args.list_files {
        for f in &loaded.resolved.files {
            out.push_str(&format!("{}\n", f.display()));
        }
        return Ok(out);
    }
    if args.services {
        for name in loaded.project.services.keys() {
            out.push_str(&format!("{name}\n"));
        }
        return Ok(out);
    }
    if args.volumes {
        for name in loaded.project.volumes.keys() {
            out.push_str(&format!("{name}\n"));
        }
        return Ok(out);
    }
    if let Some(path) = &args.explain {
        return explain(loaded, path, args.show_secrets);
    }
    let mut json = loaded.json.clone();
    if !args.show_secrets {
        mask_secrets(&mut json);
    }
    if args.json {
        let s = serde_json::to_string_pretty(&json)
            .map_err(|e| Error::general(format!("cannot render JSON: {e}")))?;
        out.push_str(&s);
        out.push('\n');
    } else {
        out.push_str(&crate::project::yaml::to_yaml_string(&json)?);
    }
    Ok(out)
}

fn explain(loaded: &LoadedProject, path: &str, show_secrets: bool) -> Result<String> {
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
    let dir = &loaded.resolved.project_dir;
    let show = |f: &std::path::Path| relative(f, dir);
    let mask = |key: &str, v: &str| -> String {
        if show_secrets || v == "(removed)" {
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
    let mut out = String::new();
    for (key, origins) in entries {
        let Some(last) = origins.last() else { continue };
        out.push_str(&format!("{key}\n"));
        if last.value == "(removed)" {
            out.push_str(&format!("  removed by {}\n", show(&last.file)));
        } else {
            out.push_str(&format!(
                "  = {}    ({})\n",
                mask(key, &last.value),
                show(&last.file)
            ));
        }
        for o in origins[..origins.len() - 1].iter().rev() {
            if o.value == "(removed)" {
                out.push_str(&format!(
                    "    removed by {} (!reset/!override)\n",
                    show(&o.file)
                ));
                continue;
            }
            out.push_str(&format!(
                "    overrode {}    ({})\n",
                mask(key, &o.value),
                show(&o.file)
            ));
        }
    }
    Ok(out)
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
