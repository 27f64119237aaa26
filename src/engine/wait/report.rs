//! The outcome of a wait as text: a summary with each service's time to healthy, or a
//! diagnosis of every service that did not make it (pure).

use crate::sanitize::{escape, escape_text};
use std::fmt::Write as _;
use std::time::Duration;

use super::blocked::Blocked;
use super::diagnose;
use super::progress::{Row, Verdict, describe};
use crate::engine::model::Container;

/// The result of a wait, ready to print.
#[derive(Debug, Clone)]
pub struct Report {
    pub ok: bool,
    pub timed_out: bool,
    pub elapsed: Duration,
    pub rows: Vec<Row>,
    /// Last log lines per container id (failing services only).
    pub logs: Vec<(String, Vec<String>)>,
    /// Listening TCP sockets per container id (failing services only, when readable here:
    /// see [`crate::engine::listeners`]).
    pub listeners: Vec<(String, Vec<crate::engine::listeners::Listener>)>,
    /// Problems found although every service is ready (e.g. an app on loopback only).
    pub warnings: Vec<String>,
    /// Services Compose left unstarted because a dependency failed (its `up` stopped).
    pub blocked: Vec<Blocked>,
}

impl Report {
    /// The summary (success) or the diagnosis (failure).
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, s: &str| {
            if color {
                format!("\u{1b}[{code}m{s}\u{1b}[0m")
            } else {
                s.to_string()
            }
        };
        let width = self
            .rows
            .iter()
            .map(|r| escape(&r.service).chars().count())
            .max()
            .unwrap_or(0);
        let mut s = String::new();
        if self.ok {
            let _ = writeln!(
                s,
                "{} {} ready in {:.1}s",
                paint("32", "✔"),
                plural(self.rows.len(), "service"),
                self.elapsed.as_secs_f64()
            );
            for r in &self.rows {
                let t = match r.ready_after {
                    _ if r.ready_before => "already".to_string(),
                    Some(d) => format!("{:.1}s", d.as_secs_f64()),
                    None => "-".into(),
                };
                let _ = writeln!(
                    s,
                    "  {:<width$}  {:<26} {t:>7}",
                    escape(&r.service),
                    describe(r, None)
                );
            }
            for w in &self.warnings {
                let _ = writeln!(s, "{} {}", paint("33", "⚠"), escape_text(w));
            }
            return s;
        }
        let bad: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.verdict != Verdict::Ready)
            .collect();
        let blocked = |r: &Row| self.blocked.iter().find(|b| b.service == r.service);
        if self.blocked.is_empty() {
            let why = if self.timed_out {
                "timed out"
            } else {
                "failed"
            };
            let _ = writeln!(
                s,
                "{} wait {why} after {:.1}s: {} of {} not healthy",
                paint("31", "✖"),
                self.elapsed.as_secs_f64(),
                bad.len(),
                plural(self.rows.len(), "service")
            );
        } else {
            let mut failed: Vec<&str> = self
                .blocked
                .iter()
                .filter(|b| b.dependency_failed)
                .map(|b| b.waits_for.as_str())
                .collect();
            failed.sort_unstable();
            failed.dedup();
            let failed: Vec<String> = failed
                .iter()
                .map(|name| match self.rows.iter().find(|r| r.service == *name) {
                    Some(r) => format!("{name} is {}", describe(r, None)),
                    None => format!("{name} failed"),
                })
                .collect();
            let _ = writeln!(
                s,
                "{} Compose stopped after {:.1}s: {} not started because {}",
                paint("31", "✖"),
                self.elapsed.as_secs_f64(),
                match self.blocked.len() {
                    1 => "1 service was".to_string(),
                    n => format!("{n} services were"),
                },
                failed.join(" and ")
            );
        }
        for r in &self.rows {
            let mark = match r.verdict {
                Verdict::Ready => paint("32", "✔"),
                Verdict::Pending => paint("33", "…"),
                Verdict::Failed => paint("31", "✖"),
            };
            let text = blocked(r).map_or_else(|| describe(r, None), Blocked::text);
            let _ = writeln!(s, "  {mark} {:<width$}  {text}", escape(&r.service));
        }
        // A service left unstarted has nothing to diagnose: its dependency does.
        for r in bad.into_iter().filter(|r| blocked(r).is_none()) {
            let _ = writeln!(
                s,
                "\n{} {}: {}",
                paint("31", "●"),
                escape(&r.service),
                describe(r, None)
            );
            let containers: &[Container] = r.status.as_ref().map_or(&[], |st| &st.containers);
            if containers.is_empty() {
                let _ = writeln!(
                    s,
                    "  no container exists: was it started (`devctl up {}`)?",
                    escape(&r.service)
                );
            }
            for c in containers {
                let logs = self
                    .logs
                    .iter()
                    .find(|(id, _)| *id == c.id)
                    .map_or(&[][..], |(_, l)| l.as_slice());
                let listeners = self
                    .listeners
                    .iter()
                    .find(|(id, _)| *id == c.id)
                    .map(|(_, l)| l.as_slice());
                s.push_str(&diagnose::render_container(c, logs, listeners, "  "));
            }
        }
        s
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
