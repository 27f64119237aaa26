//! Drive a program in a real terminal: a private tmux server (its own socket), keys in,
//! screen text out. The server is killed on drop, whatever happened.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

fn tmux(socket: &str, args: &[&str]) -> Output {
    Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .args(args)
        .output()
        .expect("tmux runs (scripts/provision installs it)")
}

impl Tmux {
    /// A new server with one `sh` window of `width`×`height`, started in `dir`.
    pub fn new(tag: &str, width: u16, height: u16, dir: &Path) -> Tmux {
        let socket = format!("devctl-it-tui-{tag}-{}", std::process::id());
        let _ = tmux(&socket, &["kill-server"]);
        let (w, h) = (width.to_string(), height.to_string());
        let dir = dir.display().to_string();
        let out = tmux(
            &socket,
            &[
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "main",
                "-x",
                &w,
                "-y",
                &h,
                "-c",
                &dir,
                "sh",
            ],
        );
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let t = Tmux { socket };
        t.line("PS1='$ '; export TERM=xterm-256color; clear");
        t
    }

    /// Type a command line and press Enter.
    pub fn line(&self, text: &str) {
        self.text(text);
        self.keys(&["Enter"]);
    }

    /// Type literal text.
    pub fn text(&self, text: &str) {
        let out = tmux(&self.socket, &["send-keys", "-t", "main", "-l", text]);
        assert!(out.status.success());
    }

    /// Press keys by tmux name (`Enter`, `Escape`, `Down`, `C-u`, `j`…), one at a time with a
    /// pause, so a terminal never sees `Escape j` as one Alt-j.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let out = tmux(&self.socket, &["send-keys", "-t", "main", k]);
            assert!(out.status.success(), "send-keys {k}");
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn screen(&self) -> String {
        let out = tmux(&self.socket, &["capture-pane", "-p", "-t", "main"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen with colours, as SGR escape sequences.
    pub fn screen_ansi(&self) -> String {
        let out = tmux(&self.socket, &["capture-pane", "-p", "-e", "-t", "main"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        let out = tmux(
            &self.socket,
            &["resize-window", "-t", "main", "-x", &w, "-y", &h],
        );
        assert!(
            out.status.success(),
            "resize: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Whether the pane shows the alternate screen.
    pub fn alternate_on(&self) -> bool {
        let out = tmux(
            &self.socket,
            &["display", "-p", "-t", "main", "#{alternate_on}"],
        );
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// The pid of the program the shell runs in the foreground (its only child).
    pub fn foreground_pid(&self) -> Option<u32> {
        let out = tmux(
            &self.socket,
            &["display", "-p", "-t", "main", "#{pane_pid}"],
        );
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let children =
            std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).ok()?;
        children.split_whitespace().next()?.parse().ok()
    }

    /// Poll the screen until `pred` holds; Err carries the last screen.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return Ok(s);
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "timed out after {timeout:?} waiting for {what}; screen:\n{s}"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Press `key` until `needle` shows (a key pressed while the dashboard is still setting its
    /// input up may be lost), at most `tries` times, waiting `each` after each press; fails the
    /// test with the screen when it never shows.
    pub fn press_until(&self, key: &str, needle: &str, each: Duration, tries: u32) {
        for _ in 0..tries {
            self.keys(&[key]);
            if self.wait_for(needle, each, |s| s.contains(needle)).is_ok() {
                return;
            }
        }
        panic!("`{key}` never brought up `{needle}`:\n{}", self.screen());
    }

    /// Wait for `needle` on screen (fails the test with the last screen on timeout).
    pub fn wait_text(&self, needle: &str, timeout: Duration) -> String {
        self.wait_for(needle, timeout, |s| s.contains(needle))
            .map_err(Timeout)
            .expect("the screen to show it")
    }
}

/// A timeout whose Debug form prints the screen as it looked (readable in test output).
pub struct Timeout(pub String);

impl std::fmt::Debug for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = tmux(&self.socket, &["kill-server"]);
    }
}

/// The dashboard's row of `service` (empty when it is not on screen).
pub fn row<'a>(screen: &'a str, service: &str) -> &'a str {
    screen
        .lines()
        .find(|l| {
            let t = l.trim_start_matches(['┃', '│', ' ', '▶']);
            t.starts_with(&format!("{service} "))
        })
        .unwrap_or("")
}

/// The line of the screen that contains `needle`.
pub fn line_with<'a>(screen: &'a str, needle: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(needle))
}
