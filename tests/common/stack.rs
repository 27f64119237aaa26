//! A throw-away Compose project for integration tests on the real Engine: its own name
//! (`devctl-it-engine-*-PID`, `devctl-it-logs-*-PID`: unique per run, so two runs of the
//! suites on one Engine cannot collide), its own temp dir, removed on drop even when the test
//! fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use devctl::project::{LoadedProject, ProjectOptions};

#[allow(unused_imports)]
pub use super::IMAGE;

pub struct Stack {
    pub name: String,
    pub dir: tempfile::TempDir,
    pub file: PathBuf,
    /// `DOCKER_HOST` for Compose, docker and devctl (None: the shared Engine).
    pub docker_host: Option<String>,
}

impl Stack {
    /// `yaml` is the compose file without its `name:` line (added here).
    pub fn new(suffix: &str, yaml: &str) -> Stack {
        Stack::on(None, suffix, yaml)
    }

    /// A stack on the Engine at `docker_host`.
    pub fn on(docker_host: Option<String>, suffix: &str, yaml: &str) -> Stack {
        let name = format!("devctl-it-engine-{suffix}-{}", std::process::id());
        Stack::named(name, docker_host, yaml)
    }

    /// A `devctl logs` test bed: project `devctl-it-logs-SUFFIX-PID`; `services` is the YAML
    /// under `services:` (indented by 2), images and pull policy included.
    pub fn logs(suffix: &str, services: &str) -> Stack {
        let name = format!("devctl-it-logs-{suffix}-{}", std::process::id());
        Stack::named(name, None, &format!("services:\n{services}"))
    }

    /// A stack named `name`; `yaml` is the compose file without its `name:` line.
    pub fn named(name: String, docker_host: Option<String>, yaml: &str) -> Stack {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir()
            .expect("tempdir");
        let file = dir.path().join("compose.yaml");
        std::fs::write(&file, format!("name: {name}\n{yaml}")).expect("write compose file");
        let s = Stack {
            name,
            dir,
            file,
            docker_host,
        };
        s.down(); // leftovers of an earlier, killed run
        s
    }

    pub fn compose_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("docker");
        c.arg("compose")
            .arg("-p")
            .arg(&self.name)
            .arg("-f")
            .arg(&self.file)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        self.point(&mut c);
        c
    }

    fn point(&self, c: &mut Command) {
        if let Some(h) = &self.docker_host {
            c.env("DOCKER_HOST", h);
        }
    }

    /// `docker ARGS` against this stack's Engine.
    pub fn docker(&self, args: &[&str]) -> Output {
        let mut c = Command::new("docker");
        c.args(args).stdin(Stdio::null());
        self.point(&mut c);
        c.output().expect("run docker")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn compose(&self, args: &[&str]) -> Output {
        self.compose_cmd(args).output().expect("run docker compose")
    }

    /// `docker compose ARGS`, asserting success.
    pub fn compose_ok(&self, args: &[&str]) {
        let out = self.compose(args);
        assert!(
            out.status.success(),
            "docker compose {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `docker compose up -d --quiet-pull` (every service), asserting success.
    pub fn up_quiet(&self) {
        self.compose_ok(&["up", "-d", "--quiet-pull"]);
    }

    /// `docker compose up -d [services]`, asserting success.
    pub fn up(&self, services: &[&str]) {
        let mut args = vec!["up", "-d"];
        args.extend(services);
        let o = self.compose(&args);
        assert!(
            o.status.success(),
            "compose up failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    pub fn down(&self) {
        let _ = self
            .compose_cmd(&["down", "-v", "-t", "0", "--remove-orphans"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// The container id of `service` replica 1.
    pub fn container_id(&self, service: &str) -> String {
        let o = self.compose(&["ps", "-a", "-q", service]);
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// The container id of the (first) running container of `service`.
    pub fn running_id(&self, service: &str) -> String {
        let out = self.compose(&["ps", "-q", service]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Wait until the logs of `service` contain `needle` (the container got that far).
    pub fn wait_for_log(&self, service: &str, needle: &str, timeout: Duration) {
        let start = Instant::now();
        loop {
            let out = self.compose(&["logs", "--no-color", service]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if text.contains(needle) {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "`{needle}` did not appear in the logs of {service}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The project as devctl's loader sees it (from the stack's directory).
    pub fn loaded(&self) -> LoadedProject {
        let mut env: BTreeMap<String, String> = std::env::vars().collect();
        for k in ["COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES"] {
            env.remove(k);
        }
        let opts = ProjectOptions {
            cwd: self.dir.path().to_path_buf(),
            env,
            ..ProjectOptions::default()
        };
        devctl::project::load(&opts).expect("devctl loads the test stack")
    }

    /// The devctl binary, run in the project directory.
    pub fn devctl(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_devctl"));
        c.current_dir(self.dir.path())
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        self.point(&mut c);
        c
    }

    /// `devctl ARGS` in the project directory, not started yet.
    pub fn devctl_with(&self, args: &[&str]) -> Command {
        let mut c = self.devctl();
        c.args(args);
        c
    }

    /// `devctl ARGS` in the project directory, run to the end.
    pub fn devctl_output(&self, args: &[&str]) -> Output {
        self.devctl_with(args).output().expect("devctl runs")
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.down();
    }
}
