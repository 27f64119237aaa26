//! Shared by the doctor tests: build the project model from the real
//! `docker compose config --format json` (so the checks see exactly what Compose sees),
//! and small assertions over findings.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use devctl::doctor::{self, DoctorInput, EngineState, Finding};
use devctl::project::{LoadedProject, Project, Resolved};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn seeds() -> PathBuf {
    root().join("tests/fixtures/seeds")
}

pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures/doctor")
}

/// A controlled environment: PATH and HOME from the test process, PWD = `dir`.
pub fn env_for(dir: &Path) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for k in ["PATH", "HOME"] {
        if let Ok(v) = std::env::var(k) {
            env.insert(k.to_string(), v);
        }
    }
    env.insert("PWD".into(), dir.display().to_string());
    env
}

/// Load the project the way Compose does, from `dir` with `-f files…` and `--profile`s.
pub fn load(
    dir: &Path,
    files: &[&str],
    profiles: &[&str],
    environment: Option<&str>,
) -> LoadedProject {
    let env = env_for(dir);
    let mut cmd = Command::new("docker");
    cmd.arg("compose").current_dir(dir).env_clear().envs(&env);
    for f in files {
        cmd.args(["-f", f]);
    }
    for p in profiles {
        cmd.args(["--profile", p]);
    }
    cmd.args(["config", "--format", "json"]);
    let out = cmd.output().expect("docker compose runs");
    assert!(
        out.status.success(),
        "compose config failed in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("compose prints JSON");
    let project = Project::from_json(&json).expect("typed model");
    let abs: Vec<PathBuf> = files.iter().map(|f| dir.join(f)).collect();
    let project_dir = abs[0].parent().expect("file has a parent").to_path_buf();
    let env_name = environment.map(str::to_string);
    LoadedProject {
        resolved: Resolved {
            files: abs,
            project_dir,
            name: project.name.clone(),
            protected: matches!(environment, Some("prod")),
            environment: env_name,
            env_files: Vec::new(),
            profiles: profiles.iter().map(|s| s.to_string()).collect(),
            protected_volumes: Vec::new(),
            ..Default::default()
        },
        json,
        project,
        disabled_services: BTreeMap::new(),
        provenance: BTreeMap::new(),
        warnings: Vec::new(),
    }
}

/// Doctor's input for that project, with the given Engine state.
pub fn input(
    dir: &Path,
    files: &[&str],
    profiles: &[&str],
    environment: Option<&str>,
    engine: EngineState,
) -> DoctorInput {
    let lp = load(dir, files, profiles, environment);
    let mut i = DoctorInput::gather(&lp, dir, &env_for(dir));
    i.engine = engine;
    i
}

pub fn run(i: &DoctorInput) -> Vec<Finding> {
    doctor::run_checks(i)
}

/// True when a finding with `id` mentions every needle (in message, key path or file).
pub fn has(fs: &[Finding], id: &str, needles: &[&str]) -> bool {
    fs.iter().any(|f| {
        f.id == id && {
            let hay = format!(
                "{} | {} | {}",
                f.message,
                f.key_path.as_deref().unwrap_or(""),
                f.file.as_deref().unwrap_or("")
            );
            needles.iter().all(|n| hay.contains(n))
        }
    })
}

pub fn count(fs: &[Finding], id: &str) -> usize {
    fs.iter().filter(|f| f.id == id).count()
}

pub fn dump(fs: &[Finding]) -> String {
    fs.iter()
        .map(|f| {
            format!(
                "{} {} [{}] {}",
                f.severity.as_str(),
                f.id,
                f.key_path.as_deref().unwrap_or("-"),
                f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
