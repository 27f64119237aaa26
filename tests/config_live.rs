//! Live differential test: the real Docker Compose (`docker compose config --format json`,
//! v2.40.3 here) and `devctl config --json` run side by side on the same inputs, with the
//! same clean environment (`HOME=/home/tester PATH=/usr/bin:/bin` plus the case's `env`):
//!
//! - the seeds' stacks rebuilt as fixtures (`tests/fixtures/seeds/`), base and every layer
//!   combination the stories use (base + dev, base + prod);
//! - devctl's own fixtures (`tests/fixtures/config/*/`) for what the reference vectors and
//!   the corpus do not cover: every service key in short and long form, zero values and
//!   pointer fields, deeper `extends`/`include`/`!reset` layering, networks/IPAM, anchors…
//!   Each folder has a `cmd` file (one Compose argument line per run, `#` comments allowed)
//!   and an optional `env` file.
//!
//! When Compose fails on an input, devctl must fail too (exit code 3, "project could not be
//! loaded").
//!
//! Normalisations (the only ones): JSON objects are compared as maps (key order is not
//! significant). Nothing else: paths, names and values must be identical.
//!
//! Compose is looked up as the Docker CLI plugin (`$DOCKER_CONFIG/cli-plugins`,
//! `~/.docker/cli-plugins`, the system plugin folders) or `docker-compose` on `PATH`, and run
//! directly so that the clean `HOME` does not hide it. `scripts/provision` installs it.

mod config_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use config_support::{base_env, devctl_config, diff, report};

/// Inputs where devctl deliberately differs from Compose, with the reason. (None today.)
const DELIBERATE: &[(&str, &str)] = &[];

/// The seeds' layer combinations (from `tests/fixtures/seeds/README.md`).
const SEEDS: &[(&str, &str, &str)] = &[
    ("seed-000-nostream", ".", "-f docker-compose.yml"),
    ("seed-001-peer-node", ".", "-f docker-compose.yml"),
    (
        "seed-002-dreamscape",
        ".",
        "-f docker-compose.core-services.yml",
    ),
    (
        "seed-003-pivotal",
        "infra/docker",
        "-f docker-compose.prod.yml",
    ),
    (
        "seed-003-pivotal",
        "infra/docker",
        "-f docker-compose.prod.yml --profile production",
    ),
    ("seed-004-antone", "docker", "-f docker-compose.yml"),
    (
        "seed-004-antone",
        "docker",
        "-f docker-compose.yml -f docker-compose.dev.yml",
    ),
    (
        "seed-004-antone",
        "docker",
        "-f docker-compose.yml -f docker-compose.prod.yml",
    ),
];

fn compose_binary() -> PathBuf {
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

struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

fn compare(compose: &Path, case: &Case) -> Result<(), String> {
    let out = Command::new(compose)
        .args(&case.args)
        .args(["config", "--format", "json"])
        .current_dir(&case.dir)
        .env_clear()
        .envs(&case.env)
        .output()
        .map_err(|e| format!("cannot run Compose: {e}"))?;
    let run = devctl_config(&case.args, &case.dir, &case.env);
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return match run.code {
            3 => Ok(()),
            0 => Err(format!("Compose fails ({why}) but devctl succeeds")),
            c => Err(format!(
                "Compose fails ({why}); devctl exits {c}: {}",
                run.stderr.trim()
            )),
        };
    }
    if run.code != 0 {
        return Err(format!(
            "devctl failed ({}): {}",
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

fn own_cases(root: &Path) -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("cmd").is_file())
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    for dir in dirs {
        let mut env = base_env();
        if let Ok(text) = std::fs::read_to_string(dir.join("env")) {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    env.insert(k.to_string(), v.to_string());
                }
            }
        }
        let cmd = std::fs::read_to_string(dir.join("cmd")).expect("cmd");
        for line in cmd
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            cases.push(Case {
                name: format!("{name} [{line}]"),
                dir: dir.clone(),
                args: line.split_whitespace().map(String::from).collect(),
                env: env.clone(),
            });
        }
    }
    cases
}

#[test]
fn devctl_agrees_with_live_compose() {
    let compose = compose_binary();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases = Vec::new();
    for (seed, sub, line) in SEEDS {
        cases.push(Case {
            name: format!("{seed} [{line}]"),
            dir: fixtures.join("seeds").join(seed).join(sub),
            args: line.split_whitespace().map(String::from).collect(),
            env: base_env(),
        });
    }
    cases.extend(own_cases(&fixtures.join("config")));
    assert!(cases.len() >= SEEDS.len() + 2, "fixtures missing");
    let mut agree = Vec::new();
    let mut differ = Vec::new();
    for case in &cases {
        match compare(&compose, case) {
            Ok(()) => agree.push(case.name.clone()),
            Err(why) => differ.push((case.name.clone(), why)),
        }
    }
    report("live Compose", &agree, &differ, DELIBERATE);
}
