//! `devctl doctor` as users run it: the real binary, `--json` (schema `devctl.doctor/v1`),
//! exit codes, `--offline`, and an unreachable Engine (DOCKER_HOST=unix:///nonexistent.sock).

#![allow(clippy::panic)]

use crate::common;

use std::path::Path;
use std::process::Output;

use common::devctl::Opts;
use common::doctor::*;

fn devctl(dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    Opts::exactly(dir, env_for(dir))
        .with("NO_COLOR", "1")
        .with_all(extra_env)
        .command(args)
        .output()
        .expect("devctl runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}):\n{}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn json_report_on_a_seed_stack_and_exit_code_1_with_errors() {
    let dir = seeds().join("seed-004-antone");
    let out = devctl(&dir, &["doctor", "--offline", "--json"], &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "errors → exit 1; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["schema"], "devctl.doctor/v1");
    assert_eq!(v["project"]["name"], "docker");
    assert_eq!(v["environment"]["engine"]["status"], "offline");
    assert_eq!(v["environment"]["compose"]["status"], "ok");
    assert_eq!(
        v["skipped"].as_array().map(Vec::len),
        Some(devctl::doctor::ENGINE_CHECKS.len())
    );
    assert_eq!(v["skipped"][0]["reason"], "--offline");
    let ids = ids(&v);
    assert!(
        ids.contains(&"DATA-001-db-volume-not-external".to_string()),
        "{ids:?}"
    );
    // Found from the repository root, devctl reads ./.env and passes it to Compose; plain
    // `docker compose -f docker/docker-compose.yml` would not: a warning.
    let f = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["id"] == "CONFIG-001-env-not-read"))
        .cloned()
        .expect("env-not-read finding");
    assert_eq!(f["severity"], "warning");
    for k in [
        "id", "severity", "file", "key_path", "message", "why", "fix",
    ] {
        assert!(f.get(k).is_some(), "finding field {k}");
    }
    let s = &v["summary"];
    let n = v["findings"].as_array().map(Vec::len).unwrap_or(0) as u64;
    assert_eq!(
        s["error"].as_u64().unwrap_or(0)
            + s["warning"].as_u64().unwrap_or(0)
            + s["info"].as_u64().unwrap_or(0),
        n
    );
}

#[test]
fn env_layers_are_honoured() {
    let dir = seeds().join("seed-004-antone");
    let v = json(&devctl(
        &dir,
        &["doctor", "--offline", "--json", "--dev"],
        &[],
    ));
    assert_eq!(v["project"]["environment"], "dev");
    assert!(
        ids(&v).contains(&"TECH-001-build-target-missing".to_string()),
        "{:?}",
        ids(&v)
    );
    let v = json(&devctl(
        &dir,
        &["--prod", "doctor", "--offline", "--json"],
        &[],
    ));
    assert_eq!(v["project"]["environment"], "prod");
    assert!(
        ids(&v).contains(&"PROD-001-image-latest".to_string()),
        "{:?}",
        ids(&v)
    );
    // With `-f` the project directory is docker/, whose .env does not exist: an error.
    let v = json(&devctl(
        &dir,
        &[
            "doctor",
            "--offline",
            "--json",
            "-f",
            "docker/docker-compose.yml",
        ],
        &[],
    ));
    let f = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["id"] == "CONFIG-001-env-not-read"))
        .cloned();
    assert_eq!(
        f.map(|f| f["severity"].clone()),
        Some(serde_json::json!("error"))
    );
}

#[test]
fn engine_unreachable_skips_engine_checks_instead_of_failing() {
    let dir = fixtures().join("engine-clean");
    let out = devctl(
        &dir,
        &["doctor"],
        &[("DOCKER_HOST", "unix:///nonexistent.sock")],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "no error finding → 0:\n{text}");
    assert!(text.contains("skipped: Engine unreachable"), "{text}");
    assert!(text.contains("ENV-001-engine-unreachable"), "{text}");
    let out = devctl(
        &dir,
        &["doctor", "--json"],
        &[("DOCKER_HOST", "unix:///nonexistent.sock")],
    );
    let v = json(&out);
    assert_eq!(v["environment"]["engine"]["status"], "unreachable");
    assert!(
        v["environment"]["engine"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("/nonexistent.sock"))
    );
    assert_eq!(v["skipped"][0]["reason"], "Engine unreachable");
    assert_eq!(
        v["skipped"].as_array().map(Vec::len),
        Some(devctl::doctor::ENGINE_CHECKS.len())
    );
}

#[test]
fn exit_code_0_without_errors_and_1_with() {
    let ok = devctl(
        &fixtures().join("start-period/pass"),
        &["doctor", "--offline"],
        &[],
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let bad = devctl(
        &fixtures().join("db-volume/trip"),
        &["doctor", "--offline"],
        &[],
    );
    assert_eq!(
        bad.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains("error   DATA-001-db-volume-not-external"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "NO_COLOR honoured");
}

#[test]
fn a_project_that_does_not_load_is_an_error_finding() {
    // Compose rejects seed 003 without its `production` profile; so does devctl's loader.
    let dir = seeds().join("seed-003-pivotal");
    let out = devctl(
        &dir,
        &[
            "doctor",
            "--offline",
            "--json",
            "-f",
            "infra/docker/docker-compose.prod.yml",
        ],
        &[],
    );
    // The loader's exit code, as every other command gives: 3, a configuration error.
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out);
    assert_eq!(v["project"], serde_json::Value::Null);
    let f = &v["findings"][0];
    assert_eq!(f["id"], "CONFIG-002-project-invalid");
    assert!(
        f["message"].as_str().is_some_and(|m| m.contains("migrate")),
        "{f}"
    );
    // With the profile it loads.
    let out = devctl(
        &dir,
        &[
            "doctor",
            "--offline",
            "--json",
            "-f",
            "infra/docker/docker-compose.prod.yml",
            "--profile",
            "production",
        ],
        &[],
    );
    assert!(json(&out)["project"].is_object());
}

#[test]
fn an_unknown_environment_is_a_usage_error_with_the_report() {
    let dir = seeds().join("seed-004-antone");
    let out = devctl(
        &dir,
        &["doctor", "--offline", "--json", "--env", "staging"],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let f = &v["findings"][0];
    assert_eq!(f["id"], "CONFIG-002-project-invalid");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("staging"), "{f}");
}

/// The usual reason a project does not load is a `.env.example` that was never copied to
/// `.env`: doctor still checks the files as written and says so beside the load error.
#[test]
fn a_project_that_does_not_load_still_gets_its_file_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("docker")).expect("mkdir");
    std::fs::write(
        root.join("docker/compose.yml"),
        "name: devctl-it-h18ans-doctor\nservices:\n  api:\n    image: alpine\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:?}\n      API_TOKEN: hunter2-real-token\n",
    )
    .expect("write");
    std::fs::write(root.join(".env.example"), "DB_PASSWORD=\n").expect("write");
    let out = devctl(root, &["doctor", "--offline", "--json"], &[]);
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out);
    let found = ids(&v);
    for id in [
        "CONFIG-002-project-invalid",
        "CONFIG-001-env-missing",
        "SEC-001-literal-secret",
    ] {
        assert!(found.contains(&id.to_string()), "{id} missing: {v}");
    }
    let load = &v["findings"][0];
    assert_eq!(load["id"], "CONFIG-002-project-invalid");
    let fix = load["fix"].as_str().unwrap_or_default();
    let env = root.join("docker/.env").display().to_string();
    assert!(
        fix.contains(&format!("add `DB_PASSWORD=…` to {env}")),
        "{fix}"
    );
    let skipped = v["skipped"].as_array().cloned().unwrap_or_default();
    assert!(
        skipped
            .iter()
            .any(|s| s["check"] == "volumes and their data"
                && s["reason"] == "the project does not load"),
        "{v}"
    );
    // The text report shows both, and what was skipped and why.
    let out = devctl(root, &["doctor", "--offline"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CONFIG-001-env-missing"), "{text}");
    assert!(text.contains("cp .env.example docker/.env"), "{text}");
    assert!(
        text.contains("skipped: the project does not load — volumes and their data"),
        "{text}"
    );
}
