//! QA: with the Docker Engine unreachable or Docker Compose missing, every subcommand answers
//! with a clear message and the README's exit code (6 Engine unreachable, 7 Compose missing)
//! quickly — never a hang, never a panic — and the commands that need neither keep working.
//!
//! The answer times are printed (`--nocapture`); the test fails only on a hang (10 s): timing
//! goals belong in benchmarks, not asserts.

use crate::common;

use std::time::Duration;

use common::docker::which;
use common::qa::*;

const NAME: &str = "devctl-it-qa-down";

/// Every subcommand that needs the Engine, in a form that would otherwise run.
const NEEDS_ENGINE: &[&str] = &[
    "up",
    "up --wait=5",
    "down",
    "down -v",
    "down -v --confirm devctl-it-qa-down",
    "stop",
    "start",
    "restart",
    "build",
    "pull",
    "exec web ls",
    "sh web",
    "run web ls",
    "compose -- ps",
    "ps",
    "ps --json",
    "status",
    "status --json",
    "status --wait=2",
    "status --watch",
    "logs",
    "logs --follow web",
    "volume rm data",
    "volume prune",
    "snapshot create data",
    "snapshot restore devctl-it-qa-down_data",
    "demo status",
    "",
];

/// Subcommands that need no Engine: they must still succeed (doctor says "unreachable").
const NO_ENGINE: &[&str] = &[
    "config",
    "config --json",
    "config --files",
    "audit",
    "audit --json",
    "snapshot list",
    "demo path",
    "doctor",
    "doctor --json",
];

/// (command, DOCKER_HOST case) known to be wrong on main, reported to the layer at fault.
const KNOWN_WRONG: &[(&str, &str)] = &[];

fn unreachable_cases(s: &Scratch) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let regular = s.write("not-a-socket", "");
    vec![
        (
            "DOCKER_HOST=unix:///nonexistent.sock",
            vec![("DOCKER_HOST", "unix:///nonexistent.sock".to_string())],
        ),
        (
            "DOCKER_HOST=tcp://127.0.0.1:1",
            vec![("DOCKER_HOST", "tcp://127.0.0.1:1".to_string())],
        ),
        (
            "DOCKER_HOST=unix://<a regular file>",
            vec![("DOCKER_HOST", format!("unix://{}", regular.display()))],
        ),
        (
            "DOCKER_CONTEXT=<missing context>",
            vec![("DOCKER_CONTEXT", "devctl-qa-no-such-context".to_string())],
        ),
    ]
}

#[test]
fn engine_unreachable_exit_6_in_every_subcommand() {
    let s = Scratch::new();
    s.write("p/compose.yaml", simple_project(NAME));
    let _cleanup = qa_cleanup(NAME);
    let cases = unreachable_cases(&s);
    let mut jobs = Vec::new();
    for (ci, _) in cases.iter().enumerate() {
        for cmd in NEEDS_ENGINE.iter().chain(NO_ENGINE) {
            jobs.push((ci, *cmd));
        }
    }
    let results = par_map(&jobs, 4, |(ci, cmd)| {
        let (label, vars) = &cases[*ci];
        let mut opts = s.opts("p");
        for (k, v) in vars {
            opts = opts.with(k, v);
        }
        let run = devctl(&opts, &words(cmd));
        let mut p = run.sanity_problems();
        let known = KNOWN_WRONG.iter().any(|(c, _)| c == cmd);
        if p.is_empty() && !known {
            if NO_ENGINE.contains(cmd) {
                if run.code != Some(0) {
                    p.push(format!("exit {:?}, want 0 (needs no Engine)", run.code));
                }
                if cmd.starts_with("doctor") && !run.out().contains("unreachable") {
                    p.push("doctor does not say the Engine is unreachable".into());
                }
            } else {
                if run.code != Some(6) {
                    p.push(format!("exit {:?}, want 6", run.code));
                }
                let err = run.err();
                if !err.contains("Docker Engine") && !err.contains("docker context") {
                    p.push("message mentions neither the Docker Engine nor the context".into());
                }
                let (_, value) = &vars[0];
                if !err.contains(value.as_str()) {
                    p.push(format!("message does not name {value:?}"));
                }
                if !run.out().is_empty() {
                    p.push("printed on stdout".into());
                }
            }
        }
        let problem =
            (!p.is_empty()).then(|| format!("[{label}] {}\n{}", p.join("; "), run.dump()));
        (label.to_string(), cmd.to_string(), run.elapsed, problem)
    });
    let slowest = results
        .iter()
        .filter(|(_, c, _, _)| NEEDS_ENGINE.contains(&c.as_str()))
        .max_by_key(|(_, _, t, _)| *t);
    if let Some((label, cmd, t, _)) = slowest {
        eprintln!("slowest Engine-unreachable answer: {t:?} ({label}: devctl {cmd})");
    }
    report(
        "Engine unreachable",
        results.into_iter().filter_map(|(_, _, _, p)| p).collect(),
    );
}

/// Every subcommand that runs Compose, with Compose missing: exit 7 with an install hint.
const NEEDS_COMPOSE: &[&str] = &[
    "up",
    "up --wait=5",
    "down",
    "down -v",
    "down -v --confirm devctl-it-qa-down",
    "stop",
    "start",
    "restart",
    "build",
    "pull",
    "exec web ls",
    "sh web",
    "run web ls",
    "compose -- ps",
    "volume rm data",
    "volume prune",
];

/// Subcommands that need no Compose (facts come from the Engine API, the model from devctl's
/// own loader): they keep working.
const NO_COMPOSE: &[&str] = &[
    "config",
    "ps",
    "ps --json",
    "status",
    "status --json",
    "logs",
    "audit",
    "snapshot list",
    "demo path",
    "",
];

#[test]
fn compose_missing_exit_7_and_engine_commands_keep_working() {
    let s = Scratch::new();
    s.write("p/compose.yaml", simple_project(NAME));
    let _cleanup = qa_cleanup(NAME);
    // (a) no `docker` at all on PATH; (b) `docker` present but neither the Compose plugin (an
    // empty DOCKER_CONFIG and HOME) nor a standalone docker-compose.
    let empty_bin = s.path("empty-bin");
    std::fs::create_dir_all(&empty_bin).expect("mkdir");
    let docker_bin = s.path("docker-bin");
    std::fs::create_dir_all(&docker_bin).expect("mkdir");
    let docker_path = which("docker").expect("docker on PATH");
    std::os::unix::fs::symlink(&docker_path, docker_bin.join("docker")).expect("symlink");
    let home = s.path("home");
    std::fs::create_dir_all(home.join(".docker")).expect("mkdir");
    let cases: Vec<(&str, String)> = vec![
        ("no docker on PATH", empty_bin.display().to_string()),
        ("docker without Compose", docker_bin.display().to_string()),
    ];
    let mut jobs = Vec::new();
    for (ci, _) in cases.iter().enumerate() {
        for cmd in NEEDS_COMPOSE.iter().chain(NO_COMPOSE) {
            jobs.push((ci, *cmd));
        }
    }
    let results = par_map(&jobs, 4, |(ci, cmd)| {
        let (label, path) = &cases[*ci];
        let opts = s
            .opts("p")
            .with("PATH", path)
            .with("HOME", &home.display().to_string())
            .with("DOCKER_CONFIG", &home.join(".docker").display().to_string());
        let run = devctl(&opts, &words(cmd));
        let mut p = run.sanity_problems();
        if p.is_empty() {
            if NO_COMPOSE.contains(cmd) {
                if run.code != Some(0) {
                    p.push(format!("exit {:?}, want 0 (needs no Compose)", run.code));
                }
            } else {
                if run.code != Some(7) {
                    p.push(format!("exit {:?}, want 7", run.code));
                }
                if !run.err().contains("Compose") || !run.err().contains("install") {
                    p.push("message does not say how to install Compose".into());
                }
            }
        }
        let problem =
            (!p.is_empty()).then(|| format!("[{label}] {}\n{}", p.join("; "), run.dump()));
        (run.elapsed, problem)
    });
    let slowest = results
        .iter()
        .map(|(t, _)| *t)
        .max()
        .unwrap_or(Duration::ZERO);
    eprintln!("slowest Compose-missing answer: {slowest:?}");
    report(
        "Compose missing",
        results.into_iter().filter_map(|(_, p)| p).collect(),
    );
    // Nothing was created on the Engine by any of these.
    assert_eq!(
        docker_try(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={NAME}")
        ])
        .unwrap_or_default(),
        ""
    );
}
