//! Engine events as hints (pure): which container to re-inspect, and why.
//!
//! Events are never trusted as state: every hint triggers a re-inspect of the container,
//! and every (re)connect a full resync.

use std::collections::HashMap;

use bollard::models::{EventMessage, EventMessageTypeEnum};
use serde::Serialize;

use super::convert::{LABEL_PROJECT, LABEL_SERVICE, is_oneoff};
use super::model::{Container, ContainerState, Health};
use super::snapshot::project_filters;

/// The container actions that can change what devctl shows.
pub const WATCHED_ACTIONS: &[&str] = &[
    "create",
    "start",
    "restart",
    "die",
    "stop",
    "kill",
    "oom",
    "destroy",
    "pause",
    "unpause",
    "rename",
    // Prefix match on the Engine side: `health_status: healthy`, `…: unhealthy`, `…: starting`.
    "health_status",
];

/// Engine-side filters for the project's container events.
pub fn event_filters(project: &str) -> HashMap<String, Vec<String>> {
    let mut f = project_filters(project);
    f.insert("type".into(), vec!["container".into()]);
    f.insert(
        "event".into(),
        WATCHED_ACTIONS.iter().map(|s| s.to_string()).collect(),
    );
    f
}

/// Why a container is being re-inspected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hint {
    pub container_id: String,
    /// The Engine's action, e.g. `die`, `health_status: unhealthy`.
    pub action: String,
    /// `com.docker.compose.service` of the container, when the event carried it.
    pub service: Option<String>,
    /// The Engine's event time (nanoseconds since the Unix epoch), 0 when unknown.
    pub time_nano: i64,
    /// `exitCode` of a `die` event.
    pub exit_code: Option<i64>,
}

/// Turn an event into a hint when it concerns a service container of `project` and an
/// action that can change its state (exec events and one-offs are ignored).
pub fn hint_from_event(ev: &EventMessage, project: &str) -> Option<Hint> {
    if ev
        .typ
        .as_ref()
        .is_some_and(|t| *t != EventMessageTypeEnum::CONTAINER)
    {
        return None;
    }
    let action = ev.action.as_deref()?;
    let base = action.split(':').next().unwrap_or(action).trim();
    if !WATCHED_ACTIONS.contains(&base) {
        return None;
    }
    let actor = ev.actor.as_ref()?;
    let id = actor.id.as_deref().filter(|i| !i.is_empty())?;
    let attrs = actor.attributes.clone().unwrap_or_default();
    if attrs.get(LABEL_PROJECT).is_none_or(|p| p != project) || is_oneoff(&attrs) {
        return None;
    }
    Some(Hint {
        container_id: id.to_string(),
        action: action.to_string(),
        service: attrs.get(LABEL_SERVICE).cloned(),
        time_nano: ev
            .time_nano
            .or_else(|| ev.time.map(|t| t * 1_000_000_000))
            .unwrap_or(0),
        exit_code: attrs.get("exitCode").and_then(|c| c.parse().ok()),
    })
}

/// Apply what an event itself states about a container (pure), before the re-inspect that
/// confirms it: `start` → running, `die` → exited with its `exitCode`, `oom`, `health_status`,
/// `pause`/`unpause`. The Engine holds a container's lock while it tears it down, so an
/// inspect right after `die` can take a few hundred milliseconds; the event is immediate.
/// Returns true when `c` changed. (`destroy` is handled by the caller: it removes `c`.)
///
/// An event older than the container's current start (replayed by the watch's look-back,
/// e.g. the `die` of a `stop` just before `up`) states nothing about this run: ignored.
pub fn apply_fact(c: &mut Container, h: &Hint) -> bool {
    let started = c.started_at.and_then(|t| t.timestamp_nanos_opt());
    if started.is_some_and(|s| h.time_nano > 0 && h.time_nano < s) {
        return false;
    }
    let before = c.clone();
    let base = h.action.split(':').next().unwrap_or_default().trim();
    match base {
        "start" | "unpause" => {
            c.state = ContainerState::Running;
            if base == "start" {
                c.exit_code = None;
                c.state_error = None;
                c.health = if c.healthcheck.is_some() {
                    Health::Starting
                } else {
                    Health::None
                };
            }
        }
        "die" => {
            c.state = ContainerState::Exited;
            c.exit_code = h.exit_code.or(c.exit_code);
        }
        "oom" => c.oom_killed = true,
        "pause" => c.state = ContainerState::Paused,
        "health_status" => {
            let status = h.action.split_once(':').map_or("", |(_, s)| s.trim());
            c.health = match status {
                "healthy" => Health::Healthy,
                "unhealthy" => Health::Unhealthy,
                "starting" => Health::Starting,
                _ => c.health,
            };
        }
        _ => {}
    }
    *c != before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events() -> Vec<EventMessage> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/engine/events.jsonl");
        let text = std::fs::read_to_string(p).expect("fixture");
        text.lines()
            .map(|l| serde_json::from_str(l).expect("event json"))
            .collect()
    }

    #[test]
    fn captured_stream_yields_hints_for_state_changes_only() {
        let hints: Vec<(String, Option<String>)> = events()
            .iter()
            .filter_map(|e| hint_from_event(e, "devctl-it-engine-fixture"))
            .map(|h| (h.action, h.service))
            .collect();
        let count = |a: &str| hints.iter().filter(|(x, _)| x == a).count();
        assert_eq!(count("create"), 9, "{hints:?}");
        assert_eq!(count("oom"), 1);
        assert_eq!(count("kill"), 1);
        assert!(hints.contains(&("health_status: unhealthy".into(), Some("sick".into()))));
        assert!(hints.contains(&("health_status: healthy".into(), Some("web".into()))));
        assert!(hints.iter().all(|(a, _)| !a.starts_with("exec_")));
        // The container created by `docker run` with only the project label has no service.
        assert!(hints.contains(&("destroy".into(), None)));
    }

    #[test]
    fn other_projects_and_types_are_ignored() {
        let evs = events();
        assert!(evs.iter().all(|e| hint_from_event(e, "other").is_none()));
        let mut net = evs[0].clone();
        net.typ = Some(EventMessageTypeEnum::NETWORK);
        assert!(hint_from_event(&net, "devctl-it-engine-fixture").is_none());
    }

    #[test]
    fn oneoff_containers_are_ignored() {
        let mut e = events()[0].clone();
        if let Some(a) = e.actor.as_mut().and_then(|a| a.attributes.as_mut()) {
            a.insert("com.docker.compose.oneoff".into(), "True".into());
        }
        assert!(hint_from_event(&e, "devctl-it-engine-fixture").is_none());
    }

    #[test]
    fn hint_carries_time_and_id() {
        let e = &events()[0];
        let h = hint_from_event(e, "devctl-it-engine-fixture").expect("hint");
        assert_eq!(h.container_id.len(), 64);
        assert!(h.time_nano > 1_600_000_000_000_000_000);
    }

    #[test]
    fn die_carries_its_exit_code() {
        let h = events()
            .iter()
            .filter_map(|e| hint_from_event(e, "devctl-it-engine-fixture"))
            .find(|h| h.action == "die" && h.service.as_deref() == Some("done"))
            .expect("die of done");
        assert_eq!(h.exit_code, Some(3));
    }

    fn hint(action: &str, exit_code: Option<i64>) -> Hint {
        Hint {
            container_id: "x".into(),
            action: action.into(),
            service: None,
            time_nano: 1,
            exit_code,
        }
    }

    #[test]
    fn apply_fact_table() {
        let running = Container {
            state: ContainerState::Running,
            health: Health::Healthy,
            healthcheck: Some(Default::default()),
            ..Container::default()
        };
        type Check = Box<dyn Fn(&Container) -> bool>;
        let cases: Vec<(Hint, Check, bool)> = vec![
            (
                hint("die", Some(137)),
                Box::new(|c| c.state == ContainerState::Exited && c.exit_code == Some(137)),
                true,
            ),
            (hint("oom", None), Box::new(|c| c.oom_killed), true),
            (
                hint("health_status: unhealthy", None),
                Box::new(|c| c.health == Health::Unhealthy),
                true,
            ),
            (
                hint("health_status: healthy", None),
                Box::new(|c| c.health == Health::Healthy),
                false,
            ),
            (
                hint("pause", None),
                Box::new(|c| c.state == ContainerState::Paused),
                true,
            ),
            (
                hint("kill", None),
                Box::new(|c| c.state == ContainerState::Running),
                false,
            ),
            (
                hint("create", None),
                Box::new(|c| c.state == ContainerState::Running),
                false,
            ),
        ];
        for (h, check, changed) in cases {
            let mut c = running.clone();
            assert_eq!(apply_fact(&mut c, &h), changed, "{}", h.action);
            assert!(check(&c), "{}: {c:?}", h.action);
        }
        let mut dead = Container {
            state: ContainerState::Exited,
            exit_code: Some(1),
            healthcheck: Some(Default::default()),
            ..Container::default()
        };
        assert!(apply_fact(&mut dead, &hint("start", None)));
        assert_eq!(dead.state, ContainerState::Running);
        assert_eq!(dead.exit_code, None);
        assert_eq!(dead.health, Health::Starting);
    }

    /// The watch subscribes with a look-back: the `die` of a `stop` just before `up` is
    /// replayed after the snapshot that already shows the new run.
    #[test]
    fn events_older_than_the_current_start_are_ignored() {
        let mut c = Container {
            state: ContainerState::Running,
            started_at: crate::engine::convert::time(Some(&"2026-11-21T10:00:05Z".into())),
            ..Container::default()
        };
        let at = |secs: i64| (1_795_255_200 + secs) * 1_000_000_000; // 10:00:00 + secs
        let mut die = hint("die", Some(143));
        die.time_nano = at(3);
        assert!(!apply_fact(&mut c, &die));
        assert_eq!(c.state, ContainerState::Running);
        die.time_nano = at(7);
        assert!(apply_fact(&mut c, &die));
        assert_eq!((c.state, c.exit_code), (ContainerState::Exited, Some(143)));
    }

    #[test]
    fn filters_cover_type_project_and_actions() {
        let f = event_filters("p");
        assert_eq!(f["type"], vec!["container".to_string()]);
        assert!(f["label"].contains(&"com.docker.compose.project=p".to_string()));
        assert!(f["event"].contains(&"health_status".to_string()));
        assert!(f["event"].contains(&"die".to_string()));
    }
}
