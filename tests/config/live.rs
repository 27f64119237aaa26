//! Live differential test: the real Docker Compose (`docker compose config --format json`,
//! v2.40.3 here) and `devctl config --json` run side by side on the same inputs, with the
//! same clean environment (`HOME=/home/tester PATH=/usr/bin:/bin` plus the case's `env`),
//! on devctl's own inputs (the seeds' stacks are in `config_seeds.rs`):
//!
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

use crate::common;

use std::path::{Path, PathBuf};

use common::config::{Case, base_env, compare, compose_binary, report};

/// Inputs where devctl deliberately differs from Compose, with the reason. (None today.)
const DELIBERATE: &[(&str, &str)] = &[];

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
    cases.extend(own_cases(&fixtures.join("config")));
    assert!(cases.len() >= 5, "fixtures missing");
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
