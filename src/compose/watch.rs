//! `docker compose watch`: what its output says about each sync, restart and rebuild (pure),
//! and the child that runs it with its output delivered line by line (sanitised).
//!
//! devctl runs `docker compose --verbose … watch`: with `--verbose`, Compose names the changed
//! files (`flush: N events map[/a:{} /b:{}]`, `Syncing service "api" after changes were
//! detected: /a, /b`) and times each batch (`batch complete: duration[961ms]`). Those lines,
//! and the plain ones (`service(s) ["api"] restarted`, `Rebuilding service(s) ["api"] …`,
//! `service(s) ["api"] successfully built`, `Build failed. Error: …`), are folded by
//! [`Tracker`] into one [`WatchEvent`] per service and batch. Compose's other debug lines are
//! dropped; build output is kept in a ring and shown only when a build fails.

mod spawn;

pub use spawn::{WatchChild, spawn};

use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

/// How many build lines a failed rebuild shows.
pub const BUILD_TAIL: usize = 12;

/// What one line of Compose's watch output means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// `Watch enabled`.
    Enabled,
    /// `flush: N events map[…]`: a batch of changed files (absolute paths) starts.
    Flush(Vec<String>),
    /// `Syncing service "S" after changes were detected[: files]`.
    Syncing { service: String, files: Vec<String> },
    /// `service(s) ["S", …] restarted`.
    Restarted(Vec<String>),
    /// `Rebuilding service(s) ["S", …] after changes were detected...`.
    Rebuilding(Vec<String>),
    /// `service(s) ["S", …] successfully built`.
    Built(Vec<String>),
    /// `Build failed. Error: …` or `Error handling changed files: …`.
    Failed(String),
    /// `batch complete: duration[…]`.
    Complete(Duration),
    /// Compose's own debug chatter, and the Bake warning: not shown.
    Noise,
    /// Anything else (build output, warnings, errors).
    Other(String),
}

/// One watch action as devctl reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchEvent {
    /// `sync`, `sync+restart`, `rebuild`.
    pub action: &'static str,
    pub service: String,
    /// Changed files, relative to the project directory where they lie under it.
    pub files: Vec<String>,
    /// How long the batch took (Compose's own timing, else measured by devctl).
    pub duration_ms: u64,
    pub ok: bool,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The build's last lines, for a failed rebuild.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
}

impl WatchEvent {
    /// One line of text: `api: sync app/index.txt (157 ms)`.
    pub fn text(&self) -> String {
        let files = match self.files.len() {
            0 => String::new(),
            1..=3 => format!(" {}", self.files.join(", ")),
            n => format!(" {} and {} more", self.files[..2].join(", "), n - 2),
        };
        let failed = if self.ok { "" } else { " FAILED" };
        format!(
            "{}: {}{failed}{files} ({})",
            self.service,
            self.action,
            took(self.duration_ms)
        )
    }
}

/// `157 ms`, `1.5s`.
fn took(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

/// The value of `msg="…"` in a logrus line (`time=… level=… msg="…"`), unescaped.
fn logrus_msg(line: &str) -> Option<(&str, String)> {
    let level = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("level="))?;
    let start = line.find("msg=\"")? + 5;
    let mut out = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '"' => break,
            c => out.push(c),
        }
    }
    Some((level, out))
}

/// The names in `["a", "b"]` (Go's `%q` of a string slice).
fn quoted_list(s: &str) -> Vec<String> {
    s.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Go's `time.Duration` text: `961.444449ms`, `2.4s`, `1m2.5s`, `450µs`.
pub fn go_duration(s: &str) -> Option<Duration> {
    let mut total = 0.0_f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" | "μs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    Some(Duration::from_secs_f64(total))
}

/// Pure: what a line of `docker compose --verbose watch` output means.
pub fn parse(line: &str) -> Line {
    let line = line.trim_end();
    if let Some((level, msg)) = logrus_msg(line) {
        if let Some(inner) = msg.strip_prefix("flush: ") {
            let files = inner
                .find("map[")
                .map(|i| &inner[i + 4..inner.len().saturating_sub(1)])
                .unwrap_or("");
            return Line::Flush(
                files
                    .split(":{}")
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_string)
                    .collect(),
            );
        }
        if let Some(d) = msg
            .strip_prefix("batch complete: duration[")
            .and_then(|r| r.split(']').next())
        {
            return go_duration(d).map_or(Line::Noise, Line::Complete);
        }
        if let Some(e) = msg.strip_prefix("Error handling changed files: ") {
            return Line::Failed(e.to_string());
        }
        if level == "debug" || msg.contains("configured to build using Bake") {
            return Line::Noise;
        }
        return Line::Other(format!("{level}: {msg}"));
    }
    if line == "Watch enabled" {
        return Line::Enabled;
    }
    if let Some(rest) = line.strip_prefix("Syncing service \"") {
        let (service, tail) = rest.split_once('"').unwrap_or((rest, ""));
        let files = tail
            .split_once("detected: ")
            .map(|(_, f)| f.split(", ").map(str::to_string).collect())
            .unwrap_or_default();
        return Line::Syncing {
            service: service.to_string(),
            files,
        };
    }
    if let Some(rest) = line.strip_prefix("Rebuilding service(s) ") {
        return Line::Rebuilding(quoted_list(rest.split(']').next().unwrap_or("")));
    }
    if let Some(rest) = line.strip_prefix("service(s) ") {
        let names = quoted_list(rest.split(']').next().unwrap_or(""));
        if rest.ends_with("] restarted") {
            return Line::Restarted(names);
        }
        if rest.ends_with("] successfully built") {
            return Line::Built(names);
        }
    }
    if let Some(e) = line.strip_prefix("Build failed. Error: ") {
        return Line::Failed(e.to_string());
    }
    Line::Other(line.to_string())
}

/// Folds parsed lines into [`WatchEvent`]s, one per service and batch.
#[derive(Debug)]
pub struct Tracker {
    project_dir: std::path::PathBuf,
    started: Option<Instant>,
    files: Vec<String>,
    /// Services synced, with their files.
    synced: Vec<(String, Vec<String>)>,
    restarted: Vec<String>,
    rebuilding: Vec<String>,
    error: Option<String>,
    build: VecDeque<String>,
}

impl Tracker {
    pub fn new(project_dir: &Path) -> Tracker {
        Tracker {
            project_dir: project_dir.to_path_buf(),
            started: None,
            files: Vec::new(),
            synced: Vec::new(),
            restarted: Vec::new(),
            rebuilding: Vec::new(),
            error: None,
            build: VecDeque::new(),
        }
    }

    fn relative(&self, f: &str) -> String {
        Path::new(f)
            .strip_prefix(&self.project_dir)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| f.to_string())
    }

    /// True while a rebuild runs (its build output is held back).
    pub fn in_build(&self) -> bool {
        !self.rebuilding.is_empty()
    }

    /// Feed one parsed line seen at `now`; returns the events it completes.
    pub fn feed(&mut self, line: &Line, now: Instant) -> Vec<WatchEvent> {
        match line {
            Line::Flush(files) => {
                let out = self.finish(None, now);
                self.started = Some(now);
                self.files = files.iter().map(|f| self.relative(f)).collect();
                return out;
            }
            Line::Syncing { service, files } => {
                self.started.get_or_insert(now);
                let files = files.iter().map(|f| self.relative(f)).collect();
                self.synced.push((service.clone(), files));
            }
            Line::Restarted(s) => self.restarted.extend(s.iter().cloned()),
            Line::Rebuilding(s) => {
                self.started.get_or_insert(now);
                self.rebuilding.extend(s.iter().cloned());
                self.build.clear();
            }
            Line::Built(_) | Line::Enabled | Line::Noise => {}
            Line::Failed(e) => {
                // `Build failed. Error: X` then `Error handling changed files: X`: the first
                // names it; the second ends the batch.
                let ends = self.error.is_some();
                self.error.get_or_insert_with(|| e.clone());
                if ends || self.rebuilding.is_empty() {
                    return self.finish(None, now);
                }
            }
            Line::Complete(d) => return self.finish(Some(*d), now),
            Line::Other(text) => {
                if !self.rebuilding.is_empty() && !text.trim().is_empty() {
                    if self.build.len() == BUILD_TAIL {
                        self.build.pop_front();
                    }
                    self.build.push_back(text.clone());
                }
            }
        }
        Vec::new()
    }

    /// End the current batch (if any): one event per service it touched.
    pub fn finish(&mut self, took: Option<Duration>, now: Instant) -> Vec<WatchEvent> {
        let Some(started) = self.started.take() else {
            return Vec::new();
        };
        let duration = took.unwrap_or_else(|| now.saturating_duration_since(started));
        let duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        let error = self.error.take();
        let lines: Vec<String> = self.build.drain(..).collect();
        let files = std::mem::take(&mut self.files);
        let mut out = Vec::new();
        let rebuilding = std::mem::take(&mut self.rebuilding);
        let restarted = std::mem::take(&mut self.restarted);
        for service in &rebuilding {
            out.push(WatchEvent {
                action: "rebuild",
                service: service.clone(),
                files: files.clone(),
                duration_ms,
                ok: error.is_none(),
                error: error.clone(),
                lines: if error.is_some() {
                    lines.clone()
                } else {
                    Vec::new()
                },
            });
        }
        for (service, own) in std::mem::take(&mut self.synced) {
            if rebuilding.contains(&service) {
                continue;
            }
            let action = if restarted.contains(&service) {
                "sync+restart"
            } else {
                "sync"
            };
            out.push(WatchEvent {
                action,
                files: if own.is_empty() { files.clone() } else { own },
                service,
                duration_ms,
                ok: error.is_none(),
                error: error.clone(),
                lines: Vec::new(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNC: &str = r#"time="2026-12-07T16:57:27Z" level=debug msg="flush: 2 events map[/p/app/a.txt:{} /p/app/b c.txt:{}]""#;

    #[test]
    fn parses_compose_lines() {
        assert_eq!(
            parse(SYNC),
            Line::Flush(vec!["/p/app/a.txt".into(), "/p/app/b c.txt".into()])
        );
        assert_eq!(
            parse(r#"time="x" level=debug msg="batch complete: duration[961.444449ms] count[1]""#),
            Line::Complete(Duration::from_nanos(961_444_449))
        );
        assert_eq!(
            parse("Syncing service \"api\" after changes were detected: /p/a, /p/b"),
            Line::Syncing {
                service: "api".into(),
                files: vec!["/p/a".into(), "/p/b".into()]
            }
        );
        assert_eq!(
            parse("service(s) [\"api\" \"web\"] restarted"),
            Line::Restarted(vec!["api".into(), "web".into()])
        );
        assert_eq!(
            parse("Rebuilding service(s) [\"api\"] after changes were detected..."),
            Line::Rebuilding(vec!["api".into()])
        );
        assert_eq!(
            parse("service(s) [\"api\"] successfully built"),
            Line::Built(vec!["api".into()])
        );
        assert_eq!(
            parse("Build failed. Error: failed to solve: exit code: 1"),
            Line::Failed("failed to solve: exit code: 1".into())
        );
        assert_eq!(
            parse(
                r#"time="x" level=warning msg="Docker Compose is configured to build using Bake, but buildx isn't installed""#
            ),
            Line::Noise
        );
        assert_eq!(parse("#6 DONE 0.1s"), Line::Other("#6 DONE 0.1s".into()));
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration("2.5s"), Some(Duration::from_millis(2500)));
        assert_eq!(go_duration("1m2s"), Some(Duration::from_secs(62)));
        assert_eq!(go_duration("450µs"), Some(Duration::from_micros(450)));
        assert_eq!(go_duration("fast"), None);
    }

    fn run(lines: &[&str]) -> Vec<WatchEvent> {
        let mut t = Tracker::new(Path::new("/p"));
        let now = Instant::now();
        let mut out = Vec::new();
        for l in lines {
            out.extend(t.feed(&parse(l), now));
        }
        out
    }

    #[test]
    fn sync_restart_and_rebuild_events() {
        let ev = run(&[
            SYNC,
            "Syncing service \"api\" after changes were detected: /p/app/a.txt",
            "service(s) [\"api\"] restarted",
            r#"time="x" level=debug msg="batch complete: duration[1.5s] count[2]""#,
        ]);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].action, "sync+restart");
        assert_eq!(ev[0].files, vec!["app/a.txt".to_string()]);
        assert_eq!(ev[0].duration_ms, 1500);
        assert_eq!(ev[0].text(), "api: sync+restart app/a.txt (1.5s)");

        let ev = run(&[
            r#"time="x" level=debug msg="flush: 1 events map[/p/Dockerfile:{}]""#,
            "Rebuilding service(s) [\"api\"] after changes were detected...",
            "#7 [api 3/3] RUN false",
            "#7 ERROR: executor failed running [/bin/sh -c false]: exit code: 1",
            "Build failed. Error: failed to solve: exit code: 1",
            r#"time="x" level=warning msg="Error handling changed files: failed to solve: exit code: 1""#,
        ]);
        assert_eq!(ev.len(), 1);
        assert!(!ev[0].ok);
        assert_eq!(ev[0].action, "rebuild");
        assert_eq!(ev[0].files, vec!["Dockerfile".to_string()]);
        assert_eq!(ev[0].lines.len(), 2);
        assert!(ev[0].text().starts_with("api: rebuild FAILED Dockerfile ("));
    }
}
