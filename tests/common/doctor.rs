//! Shared by the doctor tests: build the project model from the real
//! `docker compose config --format json` (so the checks see exactly what Compose sees),
//! and small assertions over findings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use devctl::doctor::{self, DoctorInput, EngineState, Finding};
use devctl::project::{self, LoadedProject, Project, ProjectOptions};

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

/// Load the project with devctl's loader (`project::load`), as `devctl doctor` does.
pub fn load(
    dir: &Path,
    files: &[&str],
    profiles: &[&str],
    environment: Option<&str>,
) -> LoadedProject {
    let opts = ProjectOptions {
        files: files.iter().map(PathBuf::from).collect(),
        profiles: profiles.iter().map(|s| s.to_string()).collect(),
        environment: environment.map(str::to_string),
        cwd: dir.to_path_buf(),
        env: env_for(dir),
        ..Default::default()
    };
    project::load(&opts)
        .unwrap_or_else(|e| panic!("devctl's loader failed in {}: {e}", dir.display()))
}

/// Load the project from the real `docker compose config --format json` instead (used to
/// check that doctor finds the same things whichever model it is given).
pub fn load_with_compose(
    dir: &Path,
    files: &[&str],
    profiles: &[&str],
    environment: Option<&str>,
) -> LoadedProject {
    let mut lp = load(dir, files, profiles, environment);
    let env = env_for(dir);
    let mut cmd = Command::new("docker");
    cmd.arg("compose").current_dir(dir).env_clear().envs(&env);
    for f in &lp.resolved.files {
        cmd.arg("-f").arg(f);
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
    lp.json = serde_json::from_slice(&out.stdout).expect("compose prints JSON");
    lp.project = Project::from_json(&lp.json).expect("typed model");
    lp
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
