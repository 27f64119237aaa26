//! A throw-away Compose project for integration tests on the real Engine: its own name
//! (`devctl-it-engine-*`), its own temp dir, removed on drop even when the test fails.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use devctl::project::{LoadedProject, ProjectOptions};

pub const IMAGE: &str = "devctl-test/busybox:latest";

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
        let name = format!("devctl-it-engine-{suffix}");
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

    pub fn compose(&self, args: &[&str]) -> Output {
        self.compose_cmd(args).output().expect("run docker compose")
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
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.down();
    }
}

/// A running child whose stdout lines arrive on a channel; killed on drop.
pub struct Lines {
    pub child: Child,
    pub rx: Receiver<String>,
    pub seen: Vec<String>,
}

impl Lines {
    pub fn spawn(mut cmd: Command) -> Lines {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn devctl");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Lines {
            child,
            rx,
            seen: Vec::new(),
        }
    }

    /// Wait for a line matching `pred` (a deadline for failure, not a timing assertion).
    pub fn wait_for(
        &mut self,
        what: &str,
        within: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let end = Instant::now() + within;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if pred(&l) {
                        return Ok(l);
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let status = self.child.try_wait().ok().flatten();
                    return Err(format!(
                        "no line for `{what}` within {within:?}; exit status {status:?}; lines so far:\n{}",
                        self.seen.join("\n")
                    ));
                }
            }
        }
    }

    pub fn still_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
