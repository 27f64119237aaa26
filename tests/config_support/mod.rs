//! Shared helpers of the `config_*` differential tests: run `devctl config --json` with a
//! controlled environment, compare JSON trees, print a summary.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The base environment every oracle run used (`compose-reference` and `compose-corpus`).
pub fn base_env() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("HOME".to_string(), "/home/tester".to_string()),
        ("PATH".to_string(), "/usr/bin:/bin".to_string()),
    ])
}

/// The outcome of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run `devctl ARGS config --json --show-secrets` in `cwd` with exactly `env`.
pub fn devctl_config(args: &[String], cwd: &Path, env: &BTreeMap<String, String>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_devctl"));
    cmd.args(args)
        .args(["config", "--json", "--show-secrets"])
        .current_dir(cwd)
        .env_clear()
        .envs(env);
    let out = cmd.output().expect("devctl runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
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
