//! Shared helpers for the QA integration tests (`tests/qa_*.rs`): run the real `devctl`
//! binary as a user would, in temp dirs, with a hang guard that kills the whole process group
//! (Compose children included), and clean up every project and volume a test created.
//!
//! Everything a QA test creates on the shared Engine is named `devctl-it-qa-…` and every volume
//! carries the label `devctl.test=qa`; host ports come from 18700–18799 only.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every project name of the QA tests starts with this.
pub const PREFIX: &str = "devctl-it-qa-";

/// The busybox image the test bed imports (no registry is reachable).
pub const IMAGE: &str = "devctl-test/busybox:latest";

/// A run that takes longer than this is a hang: killed and reported as a failure.
pub const HANG: Duration = Duration::from_secs(10);

/// The exit codes the README documents.
pub const DOCUMENTED: [i32; 8] = [0, 1, 2, 3, 4, 5, 6, 7];

/// The result of one devctl run.
#[derive(Debug, Clone)]
pub struct Run {
    pub argv: Vec<String>,
    /// `None` when the process was killed by the hang guard or a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
    pub hung: bool,
}

impl Run {
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    pub fn dump(&self) -> String {
        format!(
            "devctl {:?}: exit {:?} after {:?}{}\n--- stdout\n{}\n--- stderr\n{}",
            self.argv,
            self.code,
            self.elapsed,
            if self.hung { " (HUNG, killed)" } else { "" },
            truncate(&self.out(), 3000),
            truncate(&self.err(), 3000)
        )
    }
    /// The problems every run must be free of: a hang, a panic, a signal, an undocumented code.
    pub fn sanity_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.hung {
            p.push(format!("hung (killed after {HANG:?})"));
        }
        let text = format!("{}{}", self.out(), self.err());
        if text.contains("panicked") || text.contains("RUST_BACKTRACE") {
            p.push("panicked".into());
        }
        if text.contains("stack overflow") {
            p.push("stack overflow".into());
        }
        match self.code {
            None if !self.hung => p.push("killed by a signal".into()),
            Some(c) if !DOCUMENTED.contains(&c) => p.push(format!("undocumented exit code {c}")),
            _ => {}
        }
        p
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} more bytes]", &s[..end], s.len() - end)
}

/// How to run devctl.
#[derive(Debug, Clone)]
pub struct Opts {
    pub cwd: PathBuf,
    /// Variables set for the run (on top of the test process's environment unless `clear`).
    pub set: BTreeMap<String, String>,
    pub unset: Vec<String>,
    /// Start from an empty environment.
    pub clear: bool,
    pub stdin: Option<Vec<u8>>,
    pub limit: Duration,
}

impl Opts {
    /// Run in `cwd` with the user's dirs (audit log, snapshots, dashboard config) under
    /// `state`, so nothing is written to the real user's directories.
    pub fn new(cwd: &Path, state: &Path) -> Self {
        let mut set = BTreeMap::new();
        for (k, sub) in [
            ("XDG_STATE_HOME", "state"),
            ("XDG_DATA_HOME", "data"),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_CACHE_HOME", "cache"),
        ] {
            set.insert(k.to_string(), state.join(sub).display().to_string());
        }
        Opts {
            cwd: cwd.to_path_buf(),
            set,
            // Variables of the developer's shell that would change what devctl resolves.
            unset: [
                "COMPOSE_FILE",
                "COMPOSE_PROJECT_NAME",
                "COMPOSE_PROFILES",
                "COMPOSE_PATH_SEPARATOR",
                "DEVCTL_ENV",
                "DEVCTL_STATE_DIR",
                "DEVCTL_DASHBOARD_CONFIG",
                "DEVCTL_READ_ONLY",
                "NO_COLOR",
                "DOCKER_HOST",
                "DOCKER_CONTEXT",
                "RUST_BACKTRACE",
            ]
            .map(String::from)
            .to_vec(),
            clear: false,
            stdin: None,
            limit: HANG,
        }
    }
    pub fn with(mut self, k: &str, v: &str) -> Self {
        self.set.insert(k.into(), v.into());
        self.unset.retain(|u| u != k);
        self
    }
    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }
}

/// Run devctl with `args`. Standard input is /dev/null unless `opts.stdin` is set (a pipe);
/// standard output and error are pipes (not a terminal).
pub fn devctl(opts: &Opts, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_devctl"));
    cmd.args(args)
        .current_dir(&opts.cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so the hang guard can kill Compose children too.
        .process_group(0);
    if opts.clear {
        cmd.env_clear();
    }
    for k in &opts.unset {
        cmd.env_remove(k);
    }
    cmd.envs(&opts.set);
    cmd.stdin(if opts.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn devctl");
    if let (Some(bytes), Some(mut sink)) = (opts.stdin.clone(), child.stdin.take()) {
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = sink.write_all(&bytes);
        });
    }
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut hung = false;
    let code = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code();
        }
        if start.elapsed() > opts.limit {
            hung = true;
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    // The group may still hold children that inherited the pipes.
    kill_group(child.id());
    Run {
        argv: args.iter().map(|s| s.to_string()).collect(),
        code,
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
        elapsed,
        hung,
    }
}

fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Run `f` over `items` on a few threads (the calls mostly wait on processes), keeping order.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread"))
            .collect()
    })
}

/// Split a command line on spaces (the tables hold no quoted arguments).
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// A temp dir holding one test's files; `path(..)` joins, `write(..)` creates parents.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            dir: tempfile::Builder::new()
                .prefix("devctl-qa-")
                .tempdir()
                .expect("temp dir"),
        }
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, content).expect("write");
        p
    }
    /// The per-test directory for devctl's user dirs (audit log, snapshots).
    pub fn state(&self) -> PathBuf {
        self.path(".state")
    }
    pub fn opts(&self, cwd_rel: &str) -> Opts {
        Opts::new(&self.path(cwd_rel), &self.state())
    }
}

/// A small valid project `name` with one long-running service `web` and the named volume
/// `data` (labelled `devctl.test=qa`).
pub fn simple_project(name: &str) -> String {
    assert!(name.starts_with(PREFIX), "{name}");
    format!(
        "name: {name}\nservices:\n  web:\n    image: {IMAGE}\n    pull_policy: never\n    \
         command: [\"sleep\", \"3600\"]\n    stop_grace_period: 1s\n    volumes:\n      - data:/data\n\
         volumes:\n  data:\n    labels:\n      devctl.test: qa\n"
    )
}

/// Run a docker CLI command; `Some(stdout)` on success.
pub fn docker(args: &[&str]) -> Option<String> {
    let out = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Like [`docker`], but the test fails when the command does.
pub fn docker_ok(args: &[&str]) -> String {
    let out = Command::new("docker")
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

/// Removes the project's containers and networks, and every volume labelled `devctl.test=qa`
/// whose name starts with the project name, when dropped (also when the test panics). Only
/// ever what this test created: its own `devctl-it-qa-…` names.
pub struct Cleanup {
    pub project: String,
}

impl Cleanup {
    pub fn new(project: &str) -> Self {
        assert!(project.starts_with(PREFIX), "{project}");
        let c = Cleanup {
            project: project.into(),
        };
        c.clean();
        c
    }
    fn clean(&self) {
        let _ = Command::new("docker")
            .args([
                "compose",
                "-p",
                &self.project,
                "down",
                "-t",
                "0",
                "--remove-orphans",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let listed =
            docker(&["volume", "ls", "-q", "--filter", "label=devctl.test=qa"]).unwrap_or_default();
        for v in listed.lines() {
            if v == self.project || v.starts_with(&format!("{}_", self.project)) {
                let _ = docker(&["volume", "rm", "-f", v]);
            }
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.clean();
    }
}

/// Fail with every collected problem at once (tables report all their failing rows).
pub fn report(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s)\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

/// A project whose service `noisy` is healthy within seconds, publishes `port` on 127.0.0.1
/// and logs lines full of terminal control sequences (SGR colour, OSC 52 clipboard write,
/// OSC 0 title, clear screen); its compose file also carries an ESC in a label.
pub fn noisy_project(name: &str, port: u16) -> String {
    assert!(name.starts_with(PREFIX), "{name}");
    assert!((18700..18800).contains(&port), "QA ports are 18700-18799");
    format!(
        r#"name: {name}
services:
  noisy:
    image: {IMAGE}
    pull_policy: never
    stop_grace_period: 1s
    command:
      - sh
      - -c
      - |
        trap 'exit 0' TERM
        while true; do
          printf 'plain line\n\033[31mred\033[0m \033]52;c;SGVsbG8=\007clip \033]0;title\007 \033[2J cleared\n'
          sleep 0.3
        done
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      start_period: 1s
    ports:
      - "127.0.0.1:{port}:80"
    labels:
      qa.escape: "\e]52;c;SGVsbG8=\a\e[2J"
    volumes:
      - data:/data
volumes:
  data:
    labels:
      devctl.test: qa
"#
    )
}

/// `docker compose up -d` the file, then wait (at most 60 s) until every container of the
/// project is healthy and has logged something.
pub fn up_healthy(compose_file: &Path, project: &str) {
    docker_ok(&[
        "compose",
        "-f",
        &compose_file.display().to_string(),
        "up",
        "-d",
    ]);
    let start = Instant::now();
    loop {
        let ids = docker(&[
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.compose.project={project}"),
        ])
        .unwrap_or_default();
        let healthy = !ids.is_empty()
            && ids.lines().all(|id| {
                docker(&["inspect", "-f", "{{.State.Health.Status}}", id]).as_deref()
                    == Some("healthy")
                    && docker(&["logs", "--tail", "1", id]).is_some_and(|l| !l.is_empty())
            });
        if healthy {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{project} did not get healthy"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}
