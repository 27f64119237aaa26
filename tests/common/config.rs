//! The `config_*` differential tests: run `devctl config --json` and Compose's own
//! `config --format json` with a controlled environment, compare JSON trees, print a summary.

use std::collections::BTreeMap;
use std::collections::BTreeMap as Env;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub use super::devctl::Run;
use super::devctl::{Opts, devctl};

/// The base environment every oracle run used (`compose-reference` and `compose-corpus`).
pub fn base_env() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("HOME".to_string(), "/home/tester".to_string()),
        ("PATH".to_string(), "/usr/bin:/bin".to_string()),
    ])
}

/// Run `devctl ARGS config --json --show-secrets` in `cwd` with exactly `env`.
pub fn devctl_config(args: &[String], cwd: &Path, env: &BTreeMap<String, String>) -> Run {
    let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
    argv.extend(["config", "--json", "--show-secrets"]);
    devctl(&Opts::exactly(cwd, env.clone()), &argv)
}

/// Differences between `got` and `want` as `path: …` lines (empty = equal). Object key
/// order is not significant (Compose sorts some keys and not others; both are JSON objects).
pub fn diff(got: &Value, want: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(got, want, "", &mut out);
    out
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

fn walk(got: &Value, want: &Value, path: &str, out: &mut Vec<String>) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            let keys: std::collections::BTreeSet<&String> = g.keys().chain(w.keys()).collect();
            for k in keys {
                let p = format!("{path}.{k}");
                match (g.get(k), w.get(k)) {
                    (Some(a), Some(b)) => walk(a, b, &p, out),
                    (Some(a), None) => out.push(format!("{p}: extra {}", short(a))),
                    (None, Some(b)) => out.push(format!("{p}: missing, want {}", short(b))),
                    (None, None) => {}
                }
            }
        }
        (a, b) if a != b => out.push(format!("{path}: got {} want {}", short(a), short(b))),
        _ => {}
    }
}

/// Copy a directory tree (the reference folders are read-only; some cases need an empty
/// working directory that git does not keep).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dst = to.join(e.file_name());
        let ty = e.file_type().expect("file type");
        if ty.is_dir() {
            copy_tree(&e.path(), &dst);
        } else if ty.is_file() {
            std::fs::copy(e.path(), &dst).expect("copy");
            let mut perm = std::fs::metadata(&dst).expect("meta").permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&dst, perm).expect("chmod");
        }
    }
}

/// `PATH` of the test process (empty when it has none), for a controlled environment.
pub fn path_env() -> BTreeMap<String, String> {
    std::env::var("PATH")
        .map(|p| BTreeMap::from([("PATH".to_string(), p)]))
        .unwrap_or_default()
}

/// `docker compose ARGS config --format json` in `dir` with exactly `env`, plus the test
/// process's `HOME` and `DOCKER_CONFIG` (the docker CLI finds the Compose plugin through
/// them).
pub fn docker_compose_config(dir: &Path, args: &[&str], env: &BTreeMap<String, String>) -> Output {
    let mut cmd = Command::new("docker");
    cmd.arg("compose")
        .args(args)
        .args(["config", "--format", "json"])
        .current_dir(dir)
        .env_clear()
        .envs(env);
    for key in ["HOME", "DOCKER_CONFIG"] {
        if let Ok(v) = std::env::var(key) {
            cmd.env(key, v);
        }
    }
    cmd.output()
        .expect("`docker compose` must be installed (scripts/provision installs it)")
}

/// The shared reference folders.
pub fn shared() -> PathBuf {
    PathBuf::from(std::env::var("DEVCTL_SHARED").unwrap_or_else(|_| "/work/shared".into()))
}

/// Print the differential summary and fail on any case that differs without being listed
/// as deliberate.
pub fn report(
    suite: &str,
    agree: &[String],
    differ: &[(String, String)],
    deliberate: &[(&str, &str)],
) {
    println!(
        "== {suite}: {} agree / {} differ",
        agree.len(),
        differ.len()
    );
    let mut unexpected = Vec::new();
    for (name, why) in differ {
        match deliberate.iter().find(|(n, _)| n == name) {
            Some((_, reason)) => println!("  DIFFERS (deliberate) {name}: {reason}\n      {why}"),
            None => {
                println!("  DIFFERS {name}:\n      {why}");
                unexpected.push(name.clone());
            }
        }
    }
    for (name, reason) in deliberate {
        if agree.iter().any(|a| a == name) {
            println!("  note: {name} is listed as deliberate ({reason}) but now agrees");
        }
    }
    assert!(
        unexpected.is_empty(),
        "{suite}: {} case(s) differ from Compose: {unexpected:?}",
        unexpected.len()
    );
}

/// The Docker Compose binary (CLI plugin or standalone), run directly so that a clean
/// `HOME` does not hide it.
pub fn compose_binary() -> PathBuf {
    let mut candidates = Vec::new();
    if let Ok(dc) = std::env::var("DOCKER_CONFIG") {
        candidates.push(PathBuf::from(dc).join("cli-plugins/docker-compose"));
    }
    if let Ok(home) = std::env::var("HOME") {
        candidates.push(PathBuf::from(home).join(".docker/cli-plugins/docker-compose"));
    }
    for d in [
        "/usr/local/lib/docker/cli-plugins",
        "/usr/libexec/docker/cli-plugins",
        "/usr/lib/docker/cli-plugins",
        "/usr/local/libexec/docker/cli-plugins",
    ] {
        candidates.push(PathBuf::from(d).join("docker-compose"));
    }
    if let Ok(path) = std::env::var("PATH") {
        for d in std::env::split_paths(&path) {
            candidates.push(d.join("docker-compose"));
        }
    }
    candidates
        .into_iter()
        .find(|p| {
            p.is_file()
                && Command::new(p)
                    .arg("version")
                    .output()
                    .is_ok_and(|o| o.status.success())
        })
        .expect("Docker Compose not found (run scripts/provision)")
}

/// One input: Compose arguments run in `dir` with exactly `env`.
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub args: Vec<String>,
    pub env: Env<String, String>,
}

/// Run Compose and devctl on `case`; `Err` describes how they differ. When Compose fails,
/// devctl must fail with exit code 3.
pub fn compare(compose: &Path, case: &Case) -> Result<(), String> {
    compare_with(compose, case, &case.args)
}

/// Like [`compare`], with devctl given `devctl_args` instead of Compose's arguments (for
/// devctl's own layering flags such as `--dev`).
pub fn compare_with(compose: &Path, case: &Case, devctl_args: &[String]) -> Result<(), String> {
    let out = Command::new(compose)
        .args(&case.args)
        .args(["config", "--format", "json"])
        .current_dir(&case.dir)
        .env_clear()
        .envs(&case.env)
        .output()
        .map_err(|e| format!("cannot run Compose: {e}"))?;
    let run = devctl_config(devctl_args, &case.dir, &case.env);
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return match run.code {
            Some(3) => Ok(()),
            Some(0) => Err(format!("Compose fails ({why}) but devctl succeeds")),
            c => Err(format!(
                "Compose fails ({why}); devctl exits {c:?}: {}",
                run.stderr.trim()
            )),
        };
    }
    if run.code != Some(0) {
        return Err(format!(
            "devctl failed ({:?}): {}",
            run.code,
            run.stderr.trim()
        ));
    }
    let want: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("Compose JSON: {e}"))?;
    let got: serde_json::Value =
        serde_json::from_str(&run.stdout).map_err(|e| format!("devctl JSON: {e}"))?;
    let d = diff(&got, &want);
    if d.is_empty() {
        Ok(())
    } else {
        Err(d.join("\n      "))
    }
}
