//! Run the real `devctl` binary as a user would, with a controlled environment and a hang
//! guard: a run that does not end in time is killed and reported (`code: None`, `hung`), so
//! no test can hang.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::process::kill_group;

/// The result of one devctl run.
#[derive(Debug, Clone)]
pub struct Run {
    pub argv: Vec<String>,
    /// `None` when the process was killed by the hang guard or a signal.
    pub code: Option<i32>,
    /// Standard output and error as text (invalid UTF-8 replaced) …
    pub stdout: String,
    pub stderr: String,
    /// … and as the bytes devctl wrote.
    pub stdout_bytes: Vec<u8>,
    pub stderr_bytes: Vec<u8>,
    pub elapsed: Duration,
    pub hung: bool,
}

impl Run {
    pub fn out(&self) -> String {
        self.stdout.clone()
    }
    pub fn err(&self) -> String {
        self.stderr.clone()
    }
    /// The `+ …` command lines devctl printed.
    pub fn plus_lines(&self) -> Vec<String> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("+ "))
            .map(String::from)
            .collect()
    }
    /// Everything about the run, for a failure message.
    pub fn dump(&self) -> String {
        format!(
            "devctl {:?}: exit {:?} after {:?}{}\n--- stdout\n{}\n--- stderr\n{}",
            self.argv,
            self.code,
            self.elapsed,
            if self.hung { " (HUNG, killed)" } else { "" },
            truncate(&self.stdout, 3000),
            truncate(&self.stderr, 3000)
        )
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
    /// Working directory (`None`: the test's own).
    pub cwd: Option<PathBuf>,
    /// Variables set for the run (on top of the test process's environment unless `clear`).
    pub set: BTreeMap<String, String>,
    /// Variables removed from the inherited environment.
    pub unset: Vec<String>,
    /// Start from an empty environment.
    pub clear: bool,
    /// Bytes on standard input (a pipe); `None`: /dev/null.
    pub stdin: Option<Vec<u8>>,
    /// The hang guard.
    pub limit: Duration,
    /// Run devctl in its own process group, and kill the whole group when it ends or hangs
    /// (Compose children included).
    pub own_group: bool,
}

impl Opts {
    /// Run in `cwd` without the developer's Compose/devctl project settings
    /// (`COMPOSE_FILE`, `COMPOSE_PROJECT_NAME`, `COMPOSE_PROFILES`, `DEVCTL_ENV`), with a
    /// generous hang guard (120 s).
    pub fn new(cwd: &Path) -> Self {
        Opts {
            cwd: Some(cwd.to_path_buf()),
            set: BTreeMap::new(),
            unset: [
                "COMPOSE_FILE",
                "COMPOSE_PROJECT_NAME",
                "COMPOSE_PROFILES",
                "DEVCTL_ENV",
            ]
            .map(String::from)
            .to_vec(),
            clear: false,
            stdin: None,
            limit: Duration::from_secs(120),
            own_group: false,
        }
    }
    /// Run in `cwd` with exactly `env`: nothing inherited from the test process.
    pub fn exactly<K: Into<String>, V: Into<String>>(
        cwd: &Path,
        env: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Opts {
            cwd: Some(cwd.to_path_buf()),
            set: env.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            unset: Vec::new(),
            clear: true,
            stdin: None,
            limit: Duration::from_secs(120),
            own_group: false,
        }
    }
    /// Also set each of `vars`.
    pub fn with_all(self, vars: &[(&str, &str)]) -> Self {
        vars.iter().fold(self, |o, (k, v)| o.with(k, v))
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
    pub fn limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }
    /// `devctl ARGS` with this working directory and environment (standard streams, process
    /// group and hang guard are the caller's).
    pub fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_devctl"));
        cmd.args(args);
        if let Some(d) = &self.cwd {
            cmd.current_dir(d);
        }
        if self.clear {
            cmd.env_clear();
        }
        for k in &self.unset {
            cmd.env_remove(k);
        }
        cmd.envs(&self.set);
        cmd
    }
}

/// Run devctl with `args`. Standard input is /dev/null unless `opts.stdin` is set (a pipe);
/// standard output and error are pipes (not a terminal).
pub fn devctl(opts: &Opts, args: &[&str]) -> Run {
    let mut cmd = opts.command(args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if opts.own_group {
        cmd.process_group(0);
    }
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
            if opts.own_group {
                kill_group(child.id());
            }
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    if opts.own_group {
        // The group may still hold children that inherited the pipes.
        kill_group(child.id());
    }
    let stdout_bytes = t_out.join().unwrap_or_default();
    let mut stderr_bytes = t_err.join().unwrap_or_default();
    if hung {
        let note = format!(
            "[hang guard: devctl {args:?} killed after {:?}]\n",
            opts.limit
        );
        stderr_bytes.splice(0..0, note.into_bytes());
    }
    Run {
        argv: args.iter().map(|s| s.to_string()).collect(),
        code,
        stdout: String::from_utf8_lossy(&stdout_bytes).into_owned(),
        stderr: String::from_utf8_lossy(&stderr_bytes).into_owned(),
        stdout_bytes,
        stderr_bytes,
        elapsed,
        hung,
    }
}

/// [`devctl`] with the hang guard set to `limit`.
pub fn devctl_limit(opts: &Opts, args: &[&str], limit: Duration) -> Run {
    devctl(&opts.clone().limit(limit), args)
}
