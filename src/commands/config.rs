//! `devctl config`: the merged configuration, the layered files, provenance.

use std::io::Write;

use clap::Args;
use serde_json::Value as J;

use super::Ctx;
use crate::error::{Error, Result};
use crate::project::LoadedProject;
use crate::project::interpolate::Env;

mod written;
use written::{Used, Written};

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
    /// Show secrets: values under secret-looking keys, credentials in URLs and tokens, and
    /// values from `env_file`s are masked otherwise (README "Robustness").
    #[arg(long)]
    pub show_secrets: bool,
}

pub use crate::secrets::{MASK, is_secret_key, mask_json as mask_secrets};

pub fn run(ctx: &Ctx, args: &ConfigArgs) -> Result<u8> {
    let loaded = ctx.load_project()?;
    let mut err = std::io::stderr().lock();
    for w in &loaded.warnings {
        let _ = writeln!(err, "warning: {}", crate::sanitize::escape_text(w));
    }
    let out = render_with(&loaded, args, Some(&ctx.env))?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .map_err(|e| Error::general(format!("cannot write to stdout: {e}")))?;
    Ok(0)
}

/// What `devctl config` prints for these flags (`--json` turns every form into JSON: the
/// listings into arrays of strings, `--explain` into an object keyed by key path).
pub fn render(loaded: &LoadedProject, args: &ConfigArgs) -> Result<String> {
    render_with(loaded, args, None)
}

/// [`render`], knowing the environment devctl runs in (`--explain` says which variables came
/// from it).
pub fn render_with(
    loaded: &LoadedProject,
    args: &ConfigArgs,
    process: Option<&Env>,
) -> Result<String> {
    let names = |it: &mut dyn Iterator<Item = String>| -> Result<String> {
        let items: Vec<String> = it.collect();
        if args.json {
            return pretty(&serde_json::json!(items));
        }
        Ok(items.iter().map(|i| format!("{i}\n")).collect())
    };
    // Text lists show names escaped (one per line, no control or bidi character); JSON is
    // made terminal-safe by `pretty`.
    let text = !args.json;
    let shown = |s: String| -> String {
        if text {
            crate::sanitize::escape(&s).into_owned()
        } else {
            s
        }
    };
    if args.list_files {
        let files = &loaded.resolved.files;
        return names(&mut files.iter().map(|f| shown(f.display().to_string())));
    }
    if args.services {
        return names(&mut loaded.project.services.keys().cloned().map(shown));
    }
    if args.volumes {
        return names(&mut loaded.project.volumes.keys().cloned().map(shown));
    }
    if let Some(path) = &args.explain {
        let entries = explain(loaded, path, args.show_secrets, process)?;
        return if args.json {
            pretty(&explain_json(&entries))
        } else {
            Ok(explain_text(&entries, &loaded.resolved.project_dir))
        };
    }
    let mut json = loaded.json.clone();
    if !args.show_secrets {
        crate::secrets::mask_json(&mut json);
        crate::secrets::mask_env_file_values(&mut json, loaded);
    }
    if args.json {
        pretty(&json)
    } else {
        // The YAML emitter escapes C0/C1 controls itself but writes bidi controls raw: they
        // are written as `\uXXXX` (valid inside double quotes, visible text elsewhere).
        crate::project::yaml::to_yaml_string(&json).map(crate::sanitize::json_safe)
    }
}

fn pretty(v: &J) -> Result<String> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| Error::general(format!("cannot render JSON: {e}")))?;
    Ok(format!("{}\n", crate::sanitize::json_safe(s)))
}

/// One file's say on a key: its value (masked unless `--show-secrets`), or `None` when the
/// file removed it (`!reset`/`!override`).
struct Origin<'a> {
    value: Option<String>,
    file: &'a std::path::Path,
    /// The value as written, when it had variables (`${API_PORT:-3001}:3000`).
    written: Option<Written>,
}

/// Every key under `path` with its origins, oldest first (the last one is in effect).
fn explain<'a>(
    loaded: &'a LoadedProject,
    path: &str,
    show_secrets: bool,
    process: Option<&Env>,
) -> Result<Vec<(&'a str, Vec<Origin<'a>>)>> {
    let mut finder = written::Finder::new(loaded, process);
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
        match v.split_once('=') {
            Some((k, val)) if k == last => format!("{k}={}", crate::secrets::mask_value(k, val)),
            _ => crate::secrets::mask_value(last, v),
        }
    };
    let secret_key = |key: &str| {
        let last = key.rsplit(['.', '[']).next().unwrap_or(key);
        crate::secrets::is_secret_key(last.trim_end_matches(']'))
    };
    Ok(entries
        .into_iter()
        .filter(|(_, origins)| !origins.is_empty())
        .map(|(key, origins)| {
            let list = origins
                .iter()
                .map(|o| {
                    let removed = o.value == "(removed)";
                    let written = (!removed)
                        .then(|| finder.written(key, &o.file, &o.value))
                        .flatten()
                        .map(|mut w| {
                            if !show_secrets {
                                if secret_key(key) {
                                    w.text = written::mask_operands(&w.text);
                                }
                                for v in &mut w.vars {
                                    let secret =
                                        secret_key(key) || crate::secrets::is_secret_key(&v.name);
                                    if secret {
                                        v.value = v
                                            .value
                                            .as_ref()
                                            .map(|x| crate::secrets::mask_value("password", x));
                                        if let Used::Default(d) | Used::Alternative(d) = &mut v.used
                                        {
                                            *d = crate::secrets::mask_value("password", d);
                                        }
                                    }
                                }
                            }
                            w
                        });
                    Origin {
                        value: (!removed).then(|| mask(key, &o.value)),
                        file: &o.file,
                        written,
                    }
                })
                .collect();
            (key.as_str(), list)
        })
        .collect())
}

/// `    written  ${API_PORT:-3001}:3000    (compose.yml:8)` and one line per variable.
fn written_text(out: &mut String, w: &Written, file: &std::path::Path, dir: &std::path::Path) {
    use crate::sanitize::escape;
    let at = match w.line {
        Some(l) => format!("{}:{l}", relative(file, dir)),
        None => relative(file, dir),
    };
    out.push_str(&format!("    written  {}    ({at})\n", escape(&w.text)));
    for v in &w.vars {
        let line = match (&v.used, &v.value) {
            (Used::Default(d), None) => {
                format!(
                    "{} is not set: the default in the expression, {:?}",
                    v.name, d
                )
            }
            (Used::Default(d), Some(_)) => format!(
                "{} is empty (from {}): the default in the expression, {:?}",
                v.name,
                v.source.describe(),
                d
            ),
            (Used::Alternative(a), _) => format!(
                "{} is set (from {}): the alternative in the expression, {:?}",
                v.name,
                v.source.describe(),
                a
            ),
            (_, None) => format!("{} is not set: an empty string", v.name),
            (_, Some(x)) => format!("{} = {:?}    from {}", v.name, x, v.source.describe()),
        };
        out.push_str(&format!("    {}\n", escape(&line)));
    }
}

fn explain_text(entries: &[(&str, Vec<Origin<'_>>)], dir: &std::path::Path) -> String {
    let mut out = String::new();
    for (key, origins) in entries {
        let Some((last, older)) = origins.split_last() else {
            continue;
        };
        let key = crate::sanitize::escape(key);
        out.push_str(&format!("{key}\n"));
        match &last.value {
            None => out.push_str(&format!("  removed by {}\n", relative(last.file, dir))),
            Some(v) => out.push_str(&format!(
                "  = {}    ({})\n",
                crate::sanitize::escape(v),
                relative(last.file, dir)
            )),
        }
        if let Some(w) = &last.written {
            written_text(&mut out, w, last.file, dir);
        }
        for o in older.iter().rev() {
            match &o.value {
                None => out.push_str(&format!(
                    "    removed by {} (!reset/!override)\n",
                    relative(o.file, dir)
                )),
                Some(v) => out.push_str(&format!(
                    "    overrode {}    ({})\n",
                    crate::sanitize::escape(v),
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
        let mut v = serde_json::json!({
            "value": o.value,
            "file": o.file.display().to_string(),
            "removed": o.value.is_none(),
        });
        if let Some(w) = &o.written {
            v["written"] = serde_json::json!({
                "text": w.text,
                "line": w.line,
                "variables": w.vars.iter().map(|x| {
                    let (used, text) = match &x.used {
                        Used::Value => ("value", None),
                        Used::Default(d) => ("default", Some(d.clone())),
                        Used::Alternative(a) => ("alternative", Some(a.clone())),
                        Used::Empty => ("empty", None),
                    };
                    let (file, line, via) = match &x.source {
                        crate::project::interpolate::Source::File { path, line, via } => (
                            Some(path.display().to_string()),
                            *line,
                            Some(via.as_str()),
                        ),
                        _ => (None, None, None),
                    };
                    serde_json::json!({
                        "name": x.name,
                        "value": x.value,
                        "from": x.source.describe(),
                        "file": file,
                        "line": line,
                        "via": via,
                        "used": used,
                        "expression_text": text,
                    })
                }).collect::<Vec<_>>(),
            });
        }
        v
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
        return crate::sanitize::escape(&path.display().to_string()).into_owned();
    }
    let mut out = std::path::PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    crate::sanitize::escape(&out.display().to_string()).into_owned()
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
            ("private_key", true),
            ("private_key_file", false),
            ("DB_HOST", false),
            ("image", false),
        ] {
            assert_eq!(is_secret_key(k), want, "{k}");
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
