//! Processes a test starts: a child whose stdout lines arrive on a channel (killed on drop,
//! also when the test fails), and signals sent by pid.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running child whose stdout lines arrive on a channel; killed on drop.
pub struct Lines {
    pub child: Child,
    pub rx: Receiver<String>,
    /// Every line received so far.
    pub seen: Vec<String>,
    /// The collected stderr, when it is captured ([`Lines::spawn_capturing`]).
    stderr: Option<JoinHandle<String>>,
}

impl Lines {
    /// Spawn `cmd`; its stderr goes to the test's stderr.
    pub fn spawn(cmd: Command) -> Lines {
        Lines::start(cmd, false)
    }

    /// Spawn `cmd` and collect its stderr (see [`Lines::interrupt`]).
    pub fn spawn_capturing(cmd: Command) -> Lines {
        Lines::start(cmd, true)
    }

    fn start(mut cmd: Command, capture: bool) -> Lines {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(if capture {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
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
        let stderr = child.stderr.take().map(|mut err| {
            std::thread::spawn(move || {
                let mut s = String::new();
                let _ = err.read_to_string(&mut s);
                s
            })
        });
        Lines {
            child,
            rx,
            seen: Vec::new(),
            stderr,
        }
    }

    /// Wait for a new line matching `pred` (a deadline for failure, not a timing assertion).
    /// On timeout the child is killed and `Err` holds every line so far.
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

    /// Collect output until a line (already seen or new) satisfies `pred`; the test fails
    /// with what was seen on timeout.
    pub fn expect_line(&mut self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout;
        if self.seen.iter().any(|l| pred(l)) {
            return;
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
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

    pub fn still_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Send SIGINT (Ctrl-C), wait up to 10 s, and return the exit code and the stderr
    /// collected (empty unless spawned with [`Lines::spawn_capturing`]).
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
        while let Ok(l) = self.rx.try_recv() {
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

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A child process killed (and reaped) on drop, also when the test fails.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Send a signal to a process we started, by pid (the test fails if `kill` does).
pub fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(st.success(), "kill -{sig} {pid}");
}

/// SIGKILL the whole process group `pgid` (a child started in its own group and everything
/// it spawned); errors are ignored (the group may be gone).
pub fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Run `cmd` in a pseudo-terminal (`TERM=xterm-256color`) until it ends (at most
/// `limit_ms`); everything it printed.
pub fn in_pty(mut cmd: Command, limit_ms: u64) -> String {
    cmd.env("TERM", "xterm-256color");
    let mut session = rexpect::session::spawn_command(cmd, Some(limit_ms)).expect("spawn in a pty");
    session
        .exp_eof()
        .unwrap_or_else(|e| panic!("devctl did not end within {limit_ms} ms: {e}"))
}
