//! Shared helpers for the lifecycle/demo integration tests: run the real `devctl` binary
//! against the real Engine and Compose, with a hang guard, and clean up every project and
//! volume a test created (Drop guard), even when the test fails.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Every project name of these tests starts with this prefix.
pub const PREFIX: &str = "devctl-it-compose-";

/// The result of one devctl run.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// The `+ …` command lines devctl printed.
    pub fn plus_lines(&self) -> Vec<String> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("+ "))
            .map(String::from)
            .collect()
    }
    pub fn dump(&self) -> String {
        format!(
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// How to run devctl: working directory and environment changes.
#[derive(Clone, Default)]
pub struct Env {
    pub cwd: Option<PathBuf>,
    pub set: BTreeMap<String, String>,
    pub clear_all: bool,
}

impl Env {
    pub fn new(cwd: &Path) -> Self {
        Env {
            cwd: Some(cwd.to_path_buf()),
            ..Default::default()
        }
    }
    pub fn with(mut self, k: &str, v: &str) -> Self {
        self.set.insert(k.into(), v.into());
        self
    }
}

/// Run devctl with a hang guard (`limit`): a run that does not end in time is killed and
/// reported as a failure, so no test can hang.
pub fn devctl_limit(env: &Env, args: &[&str], limit: Duration) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_devctl"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if env.clear_all {
        cmd.env_clear();
    }
    for k in [
        "COMPOSE_FILE",
        "COMPOSE_PROJECT_NAME",
        "COMPOSE_PROFILES",
        "DEVCTL_ENV",
    ] {
        cmd.env_remove(k);
    }
    cmd.envs(&env.set);
    if let Some(d) = &env.cwd {
        cmd.current_dir(d);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn devctl");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let code = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            // Reported as exit `None`, which every caller's exit-code assertion rejects.
            return Run {
                code: None,
                stdout: t_out.join().unwrap_or_default(),
                stderr: format!(
                    "[hang guard: devctl {args:?} killed after {limit:?}]\n{}",
                    t_err.join().unwrap_or_default()
                ),
                elapsed: start.elapsed(),
            };
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code,
        elapsed: start.elapsed(),
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
    }
}

/// Run devctl with a generous hang guard.
pub fn devctl(env: &Env, args: &[&str]) -> Run {
    devctl_limit(env, args, Duration::from_secs(120))
}

/// Run a docker CLI command, returning trimmed stdout (stderr is shown on failure).
pub fn docker(args: &[&str]) -> String {
    let out: Output = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run docker");
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The container id of `service` in `project` (one replica).
pub fn container_of(project: &str, service: &str) -> String {
    docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--filter",
        &format!("label=com.docker.compose.service={service}"),
    ])
}

pub fn inspect(container: &str, format: &str) -> String {
    docker(&["inspect", "-f", format, container])
}

/// Removes the project's containers, networks and volumes, and the named extra volumes, on
/// drop (also when the test panics). Only ever things this test created: its own project name
/// and volumes it names.
pub struct Cleanup {
    pub project: String,
    pub volumes: Vec<String>,
}

impl Cleanup {
    pub fn new(project: &str) -> Self {
        assert!(project.starts_with(PREFIX), "{project}");
        let c = Cleanup {
            project: project.into(),
            volumes: vec![],
        };
        c.clean();
        c
    }
    pub fn volume(mut self, name: &str) -> Self {
        assert!(name.starts_with(PREFIX), "{name}");
        self.volumes.push(name.into());
        self.clean();
        self
    }
    fn clean(&self) {
        let _ = Command::new("docker")
            .args([
                "compose",
                "-p",
                &self.project,
                "down",
                "-v",
                "-t",
                "0",
                "--remove-orphans",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        for v in &self.volumes {
            let _ = Command::new("docker")
                .args(["volume", "rm", "-f", v])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.clean();
    }
}

/// Write `files` (relative path → text) under `dir`.
pub fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write fixture");
    }
}

/// The bundled demo, copied into `dir` (same files `devctl demo` writes).
pub fn demo_tree(dir: &Path) {
    let files: Vec<(&str, &str)> = devctl::demo::FILES.to_vec();
    write_tree(dir, &files);
}

/// Environment that points the demo at test-owned ports and volume.
pub fn demo_env(env: Env, api_port: u16, db_port: u16, volume: &str) -> Env {
    env.with("DEMO_API_PORT", &api_port.to_string())
        .with("DEMO_DB_PORT", &db_port.to_string())
        .with("DEMO_DB_VOLUME", volume)
}

/// A minimal HTTP GET to 127.0.0.1:port (the demo API), returning the body.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}
