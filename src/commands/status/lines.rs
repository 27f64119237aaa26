//! `status --watch` output (pure): one line per change, text or JSON lines.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use crate::engine::events::Hint;
use crate::engine::model::{Container, ServiceStatus};
use crate::engine::watch::WatchMsg;

/// What is compared to decide that a container "changed": its phase, exit, restarts and
/// the health check's failing streak and newest failed probe (so a failing service prints a
/// line per failed probe, with the newest output, and one when a pass resets it); not the
/// probe log of a passing check, nor times (a restart shows as `exited` then `running`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    phase: &'static str,
    exit_code: Option<i64>,
    oom: bool,
    restarts: u64,
    error: Option<String>,
    failing_streak: u64,
    /// While the check fails: when the newest probe started (its output is on the line).
    failing_probe: Option<crate::engine::model::Timestamp>,
}

fn key(c: &Container) -> Key {
    Key {
        phase: c.phase(),
        exit_code: c.exit_code,
        oom: c.oom_killed,
        restarts: c.restart_count,
        error: c.state_error.clone(),
        failing_streak: c.failing_streak,
        failing_probe: (c.failing_streak > 0)
            .then(|| c.last_probe().and_then(|p| p.start))
            .flatten(),
    }
}

/// Turns watcher messages into output lines, remembering what was printed.
#[derive(Debug, Default)]
pub struct Printer {
    pub json: bool,
    /// Container id → (service, name, key) as last printed.
    seen: BTreeMap<String, (String, String, Key)>,
    /// Service → phase when it has no container (`not_created`/`disabled`).
    empty: BTreeMap<String, &'static str>,
    connected_once: bool,
    snapshots: u32,
}

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

/// `: exit 1 <first line of its output>` of the newest probe, or nothing.
fn last_probe_text(c: &Container) -> String {
    c.last_probe()
        .map(|p| {
            let out = crate::secrets::mask_text(&p.output);
            format!(": exit {} {}", p.exit_code, first_line(&out))
                .trim_end()
                .to_string()
        })
        .unwrap_or_default()
}

/// Human text for a container's state.
pub fn describe(c: &Container) -> String {
    let n = c.failing_streak;
    let mut s = match c.phase() {
        "healthy" if n > 0 => format!(
            "running, healthy (last {n} probe{} failed){}",
            if n == 1 { "" } else { "s" },
            last_probe_text(c)
        ),
        "healthy" => "running, healthy".to_string(),
        "unhealthy" => format!(
            "running, unhealthy (failing streak {n}){}",
            last_probe_text(c)
        ),
        "starting" if n > 0 => format!(
            "running, health: starting (failing streak {n}){}",
            last_probe_text(c)
        ),
        "starting" => "running, health: starting".into(),
        "running" => "running".into(),
        "exited" => format!(
            "exited ({})",
            c.exit_code.map_or("?".into(), |e| e.to_string())
        ),
        "cannot_start" => format!(
            "created, cannot start: {}",
            c.state_error.as_deref().unwrap_or("")
        ),
        "restarting" => format!("restarting (restarts: {})", c.restart_count),
        other => other.to_string(),
    };
    if c.oom_killed {
        s.push_str(", OOM-killed");
    }
    s
}

impl Printer {
    pub fn new(json: bool) -> Self {
        Printer {
            json,
            ..Printer::default()
        }
    }

    fn ts(now: DateTime<Utc>) -> String {
        now.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    fn container_line(&self, c: &Container, cause: Option<&Hint>, now: DateTime<Utc>) -> String {
        if self.json {
            let probe = c.last_probe();
            json!({
                "time": Self::ts(now),
                "type": "container",
                "service": c.service,
                "container": c.name,
                "number": c.number,
                "phase": c.phase(),
                "state": c.state,
                "health": c.health,
                "exit_code": c.exit_code,
                "oom_killed": c.oom_killed,
                "restart_count": c.restart_count,
                "failing_streak": c.failing_streak,
                "last_probe_output": probe.map(|p| crate::secrets::mask_text(&p.output)),
                "last_probe_exit_code": probe.map(|p| p.exit_code),
                "error": c.state_error,
                "cause": cause.map(|h| h.action.as_str()),
                "event_time_unix_nano": cause.map(|h| h.time_nano),
            })
            .to_string()
        } else {
            let cause = cause.map_or(String::new(), |h| format!("  [{}]", h.action));
            format!(
                "{}  {}#{}  {}{cause}",
                now.format("%H:%M:%S%.3f"),
                c.service,
                c.number,
                describe(c)
            )
        }
    }

    fn removed_line(
        &self,
        service: &str,
        name: &str,
        cause: Option<&Hint>,
        now: DateTime<Utc>,
    ) -> String {
        if self.json {
            json!({"time": Self::ts(now), "type": "container", "service": service,
                   "container": name, "phase": "removed",
                   "cause": cause.map(|h| h.action.as_str()),
                   "event_time_unix_nano": cause.map(|h| h.time_nano)})
            .to_string()
        } else {
            format!("{}  {service}  {name} removed", now.format("%H:%M:%S%.3f"))
        }
    }

    fn service_line(&self, s: &ServiceStatus, now: DateTime<Utc>) -> String {
        let phase = s.phase();
        if self.json {
            json!({"time": Self::ts(now), "type": "service", "service": s.name, "phase": phase})
                .to_string()
        } else {
            let text = if phase == "disabled" {
                "disabled by its profiles"
            } else {
                "not created"
            };
            format!("{}  {}  {text}", now.format("%H:%M:%S%.3f"), s.name)
        }
    }

    fn note(&self, kind: &str, text: &str, extra: serde_json::Value, now: DateTime<Utc>) -> String {
        if self.json {
            let mut v = json!({"time": Self::ts(now), "type": kind});
            if let (Some(o), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
                o.extend(e);
            }
            v.to_string()
        } else {
            format!("{}  engine  {text}", now.format("%H:%M:%S%.3f"))
        }
    }

    /// Diff one service against what was printed; lines for what changed.
    fn diff_service(
        &mut self,
        s: &ServiceStatus,
        cause: Option<&Hint>,
        now: DateTime<Utc>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for c in &s.containers {
            let k = key(c);
            let same = self.seen.get(&c.id).is_some_and(|(_, _, old)| *old == k);
            if !same {
                out.push(self.container_line(c, cause, now));
                self.seen
                    .insert(c.id.clone(), (c.service.clone(), c.name.clone(), k));
            }
        }
        let gone: Vec<String> = self
            .seen
            .iter()
            .filter(|(id, (svc, _, _))| {
                *svc == s.name && !s.containers.iter().any(|c| &c.id == *id)
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            if let Some((svc, name, _)) = self.seen.remove(&id) {
                out.push(self.removed_line(&svc, &name, cause, now));
            }
        }
        if s.containers.is_empty() {
            let phase = s.phase();
            if self.empty.get(&s.name) != Some(&phase) {
                self.empty.insert(s.name.clone(), phase);
                out.push(self.service_line(s, now));
            }
        } else {
            self.empty.remove(&s.name);
        }
        out
    }

    /// The lines one watcher message produces.
    pub fn on(&mut self, msg: &WatchMsg, now: DateTime<Utc>) -> Vec<String> {
        match msg {
            WatchMsg::Connected {
                engine_version,
                api_version,
            } => {
                let again = self.connected_once;
                self.connected_once = true;
                let text = if again {
                    format!("reconnected to Engine {engine_version} (API {api_version}); resyncing")
                } else {
                    format!("connected to Engine {engine_version} (API {api_version})")
                };
                let kind = if again { "reconnected" } else { "connected" };
                vec![self.note(
                    kind,
                    &text,
                    json!({"engine_version": engine_version, "api_version": api_version}),
                    now,
                )]
            }
            WatchMsg::Snapshot(snap) => {
                let first = self.snapshots == 0;
                self.snapshots += 1;
                let mut out = Vec::new();
                for s in &snap.services {
                    out.extend(self.diff_service(s, None, now));
                }
                // Containers of services that vanished from the snapshot altogether.
                let known: Vec<&str> = snap.services.iter().map(|s| s.name.as_str()).collect();
                let orphans: Vec<String> = self
                    .seen
                    .iter()
                    .filter(|(_, (svc, _, _))| !known.contains(&svc.as_str()))
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in orphans {
                    if let Some((svc, name, _)) = self.seen.remove(&id) {
                        out.push(self.removed_line(&svc, &name, None, now));
                    }
                }
                if !first {
                    let n = out.len();
                    out.push(self.note(
                        "resync",
                        &format!("resynced: {n} change(s) while disconnected"),
                        json!({"changes": n}),
                        now,
                    ));
                }
                out
            }
            WatchMsg::Changed { service, cause } => self.diff_service(service, cause.as_ref(), now),
            WatchMsg::Usage { .. } => Vec::new(),
            WatchMsg::Disconnected { reason } => {
                vec![self.note(
                    "disconnected",
                    &format!("disconnected: {reason}; retrying"),
                    json!({"reason": reason}),
                    now,
                )]
            }
        }
    }
}

#[cfg(test)]
#[path = "lines/tests.rs"]
mod tests;
