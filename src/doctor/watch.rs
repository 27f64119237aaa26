//! `develop.watch` rules that can never fire (docker/compose#12065, #12114: Compose says
//! nothing about them): a `path` that does not exist, an `ignore` that excludes everything
//! under `path`, `rebuild` on a service without `build`, a sync `target` shadowed by a bind
//! mount of the same path, and watch rules in a layer the environment does not load.
//!
//! [`gather`] reads the filesystem (what exists under each rule's `path`, the override files
//! on disk that are not layered); [`check`] is pure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::dockerignore::Ignore;
use super::input::{DoctorInput, RawFile, yaml_get};
use super::{Finding, Severity};

/// How many files under a watched path are listed (enough to judge an `ignore`).
const LIST_CAP: usize = 5000;

/// What the filesystem says about the watch rules.
#[derive(Debug, Clone, Default)]
pub struct WatchFs {
    /// Each rule's `path`: None when it does not exist, else the files under it (relative,
    /// `/`-separated; a file path lists itself by its name).
    pub paths: BTreeMap<PathBuf, Option<Vec<String>>>,
    /// Override files beside the base file that the environment does not layer.
    pub unloaded: Vec<RawFile>,
}

fn list(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        if out.len() >= LIST_CAP {
            return;
        }
        let p = e.path();
        let rel = p
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.push(format!("{rel}/"));
            list(root, &p, out);
        } else {
            out.push(rel);
        }
    }
}

/// Read what the checks need from the filesystem.
pub fn gather(json: &Value, files: &[PathBuf]) -> WatchFs {
    let mut fs = WatchFs::default();
    for (_, _, rule) in rules(json) {
        let Some(path) = rule.get("path").and_then(Value::as_str) else {
            continue;
        };
        let p = PathBuf::from(path);
        let facts = if p.is_dir() {
            let mut out = Vec::new();
            list(&p, &p, &mut out);
            Some(out)
        } else if p.exists() {
            Some(vec![
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ])
        } else {
            None
        };
        fs.paths.insert(p, facts);
    }
    if let Some(base) = files.first() {
        let mut candidates: Vec<PathBuf> = crate::project::environments::on_disk(base)
            .iter()
            .map(|n| crate::project::environments::override_path(base, n))
            .collect();
        if let Ok(cfg) = crate::project::environments::read_config(base) {
            candidates.extend(cfg.environments.values().flat_map(|e| e.files.clone()));
        }
        candidates.sort();
        candidates.dedup();
        for c in candidates {
            if files.iter().any(|f| f == &c) || !c.is_file() {
                continue;
            }
            let yaml = crate::project::read::text_lossy_opt(&c)
                .and_then(|t| crate::project::yaml::from_str(&t).ok());
            fs.unloaded.push(RawFile { path: c, yaml });
        }
    }
    fs
}

/// Every watch rule of the merged model: (service, index, rule).
fn rules(json: &Value) -> Vec<(&str, usize, &Value)> {
    let mut out = Vec::new();
    if let Some(services) = json.get("services").and_then(Value::as_object) {
        for (name, svc) in services {
            let watch = svc
                .get("develop")
                .and_then(|d| d.get("watch"))
                .and_then(Value::as_array);
            for (i, rule) in watch.into_iter().flatten().enumerate() {
                out.push((name.as_str(), i, rule));
            }
        }
    }
    out
}

fn rel(input: &DoctorInput, p: &str) -> String {
    Path::new(p)
        .strip_prefix(&input.project_dir)
        .map(|r| format!("./{}", r.display()))
        .unwrap_or_else(|_| p.to_string())
}

/// Pure: the findings.
pub fn check(input: &DoctorInput) -> Vec<Finding> {
    let mut out = Vec::new();
    for (svc, i, rule) in rules(&input.json) {
        let file = input.locate(&["services", svc, "develop"]);
        let key = format!("services.{svc}.develop.watch[{i}]");
        let action = rule.get("action").and_then(Value::as_str).unwrap_or("");
        let path = rule.get("path").and_then(Value::as_str).unwrap_or("");
        let finding =
            |id: &str, msg: String| Finding::new(id, Severity::Warning, msg).file(file.clone());
        match input.watch.paths.get(Path::new(path)) {
            Some(None) => out.push(
                finding(
                    "WATCH-001-path-missing",
                    format!("watch rule of `{svc}` watches `{}`, which does not exist", rel(input, path)),
                )
                .key(format!("{key}.path"))
                .why("Compose watches only paths that exist when `watch` starts; this rule never fires, and Compose says nothing about it.")
                .fix("Fix the `path` (it is relative to the project directory), or create it before `devctl watch`."),
            ),
            Some(Some(entries)) => {
                let ignore: Vec<&str> = rule
                    .get("ignore")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if !ignore.is_empty() && ignores_everything(&ignore, entries) {
                    out.push(
                        finding(
                            "WATCH-001-ignore-all",
                            format!(
                                "watch rule of `{svc}`: `ignore` {ignore:?} excludes everything under `{}`",
                                rel(input, path)
                            ),
                        )
                        .key(format!("{key}.ignore"))
                        .why("`ignore` patterns are relative to the rule's `path`; when they match every file, no change ever triggers the rule.")
                        .fix("Narrow the patterns (e.g. `node_modules/` instead of `*`), or remove the rule."),
                    );
                }
            }
            None => {}
        }
        let svc_json = input.service_json(svc);
        if action == "rebuild" && svc_json.and_then(|s| s.get("build")).is_none() {
            out.push(
                finding(
                    "WATCH-001-rebuild-without-build",
                    format!("watch rule of `{svc}` rebuilds, but `{svc}` has no `build` section"),
                )
                .key(format!("{key}.action"))
                .why("Compose can only rebuild an image it builds; with `image:` alone the rule cannot do anything.")
                .fix("Add `build:` to the service, or use `sync`/`sync+restart` for this path."),
            );
        }
        if action.starts_with("sync") {
            let target = rule.get("target").and_then(Value::as_str).unwrap_or("");
            if let Some((j, mount)) = shadowing_bind(svc_json, target) {
                out.push(
                    finding(
                        "WATCH-001-sync-shadowed",
                        format!("watch rule of `{svc}` syncs to `{target}`, which the bind mount of `{mount}` covers"),
                    )
                    .key(format!("{key}.target"))
                    .why(format!(
                        "The bind mount (services.{svc}.volumes[{j}]) already shows the host's files at that path; the sync copies into the container's layer beneath it, which nobody sees."
                    ))
                    .fix("Keep one of the two: drop the bind mount for watch, or drop the sync rule."),
            );
            }
        }
    }
    for layer in &input.watch.unloaded {
        let Some(services) = layer
            .yaml
            .as_ref()
            .and_then(|y| yaml_get(y, &["services"]))
            .and_then(|s| s.as_mapping())
        else {
            continue;
        };
        for (name, svc) in services {
            let (Some(name), Some(svc)) = (name.as_str(), svc.as_mapping()) else {
                continue;
            };
            let has_watch = svc
                .get(crate::project::yaml::Value::String("develop".into()))
                .and_then(|d| d.as_mapping())
                .and_then(|d| d.get(crate::project::yaml::Value::String("watch".into())))
                .is_some();
            if has_watch {
                out.push(
                    Finding::new(
                        "WATCH-001-layer-not-loaded",
                        Severity::Warning,
                        format!(
                            "`{}` has watch rules for `{name}`, but this environment does not load that file",
                            layer.path.display()
                        ),
                    )
                    .file(Some(layer.path.display().to_string()))
                    .key(format!("services.{name}.develop.watch"))
                    .why("Only the layered files count; watch rules in another layer never run here.")
                    .fix(format!(
                        "Choose the environment that layers it (e.g. `devctl --env {} watch`), or move the rules to a layer this environment loads.",
                        env_name(&layer.path)
                    )),
                );
            }
        }
    }
    out
}

/// `docker-compose.dev.yml` → `dev`.
fn env_name(p: &Path) -> String {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        [.., env, _ext] if parts.len() >= 3 => (*env).to_string(),
        _ => "NAME".into(),
    }
}

/// True when the patterns exclude every file under the path (or match `.`/`*`/`**` when it
/// is empty).
fn ignores_everything(patterns: &[&str], entries: &[String]) -> bool {
    let ig = Ignore::parse(&patterns.join("\n"));
    let files: Vec<&String> = entries.iter().filter(|e| !e.ends_with('/')).collect();
    if files.is_empty() {
        return patterns
            .iter()
            .any(|p| matches!(p.trim().trim_start_matches("./"), "*" | "**" | "." | "**/*"));
    }
    files.iter().all(|f| ig.excludes(f))
}

/// The bind mount (its index and target) whose target is the sync target or one of its
/// parents.
fn shadowing_bind(svc: Option<&Value>, target: &str) -> Option<(usize, String)> {
    if target.is_empty() {
        return None;
    }
    let norm = |s: &str| s.trim_end_matches('/').to_string();
    let target = norm(target);
    let vols = svc?.get("volumes")?.as_array()?;
    vols.iter().enumerate().find_map(|(j, v)| {
        let bind = v.get("type").and_then(Value::as_str) == Some("bind");
        let t = norm(v.get("target").and_then(Value::as_str)?);
        let covers = t == target || (t.is_empty() || target.starts_with(&format!("{t}/")));
        (bind && covers).then_some((j, t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_everything() {
        let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(ignores_everything(
            &["*"],
            &e(&["a.js", "lib/", "lib/b.js"])
        ));
        assert!(ignores_everything(
            &["**/*.js"],
            &e(&["a.js", "lib/", "lib/b.js"])
        ));
        assert!(!ignores_everything(
            &["node_modules/"],
            &e(&["a.js", "node_modules/", "node_modules/x"])
        ));
        assert!(ignores_everything(&["*"], &e(&[])));
        assert!(!ignores_everything(&["x"], &e(&[])));
    }

    #[test]
    fn bind_shadowing() {
        let svc = serde_json::json!({"volumes": [
            {"type": "volume", "source": "data", "target": "/data"},
            {"type": "bind", "source": "/h/src", "target": "/app/src"},
        ]});
        assert_eq!(
            shadowing_bind(Some(&svc), "/app/src"),
            Some((1, "/app/src".into()))
        );
        assert_eq!(
            shadowing_bind(Some(&svc), "/app/src/lib/"),
            Some((1, "/app/src".into()))
        );
        assert_eq!(shadowing_bind(Some(&svc), "/app"), None);
        assert_eq!(shadowing_bind(Some(&svc), "/data"), None);
        assert_eq!(env_name(Path::new("/p/docker-compose.dev.yml")), "dev");
    }
}
