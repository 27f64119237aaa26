//! Test bed for the `devctl logs` integration tests: a Compose project of its own (name prefix
//! `devctl-it-logs-`) in a temp dir, on the real Engine with the real Compose, removed on drop
//! even when the test fails.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const IMAGE: &str = "devctl-test/busybox:latest";

pub struct Stack {
    pub name: String,
    pub dir: tempfile::TempDir,
}

impl Stack {
    /// `services`: the YAML under `services:` (indented by 2), images and pull policy included.
    pub fn new(suffix: &str, services: &str) -> Stack {
        let name = format!("devctl-it-logs-{suffix}-{}", std::process::id());
        let dir = tempfile::tempdir().expect("temp dir");
        let yaml = format!("name: {name}\nservices:\n{services}");
        std::fs::write(dir.path().join("compose.yaml"), yaml).expect("write compose.yaml");
        let stack = Stack { name, dir };
        // Leftovers of an earlier crashed run with the same pid are removed first.
        stack.compose(&["down", "-v", "-t", "0", "--remove-orphans"]);
        stack
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn compose(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .arg("compose")
            .arg("--project-directory")
            .arg(self.path())
            .arg("-p")
            .arg(&self.name)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("docker compose runs")
    }

    pub fn compose_ok(&self, args: &[&str]) {
        let out = self.compose(args);
        assert!(
            out.status.success(),
            "docker compose {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn up(&self) {
        self.compose_ok(&["up", "-d", "--quiet-pull"]);
    }

    /// `devctl ARGS` in the project directory, colour off unless a test turns it on.
    pub fn devctl(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_devctl"));
        c.args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        c
    }

    pub fn devctl_output(&self, args: &[&str]) -> Output {
        self.devctl(args).output().expect("devctl runs")
    }

    /// The container id of the (first) container of `service`.
    pub fn container_id(&self, service: &str) -> String {
        let out = self.compose(&["ps", "-q", service]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Wait until `docker logs` of `service` contains `needle` (the container got that far).
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
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .arg("compose")
            .arg("--project-directory")
            .arg(self.dir.path())
            .arg("-p")
            .arg(&self.name)
            .args(["down", "-v", "-t", "0", "--remove-orphans"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A running `devctl` whose stdout lines arrive on a channel; killed on drop.
pub struct Running {
    pub child: Child,
    pub lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("devctl starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Collect output until a line satisfies `pred`; panics with what was seen on timeout.
    #[allow(clippy::panic)] // test code: a panic is how the test fails
    pub fn wait_for(&mut self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout;
        if self.seen.iter().any(|l| pred(l)) {
            return;
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = pred(&line);
                    self.seen.push(line);
                    if hit {
                        return;
                    }
                }
                Err(_) => panic!(
                    "timed out waiting for {what}; devctl printed:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Send SIGINT (Ctrl-C) and return the exit code and stderr.
    pub fn interrupt(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        let code = loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                break st.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(l) = self.lines.try_recv() {
            self.seen.push(l);
        }
        let err = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        (code, err)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
