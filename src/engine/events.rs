//! Engine events as hints (pure): which container to re-inspect, and why.
//!
//! Events are never trusted as state: every hint triggers a re-inspect of the container,
//! and every (re)connect a full resync.
//!
//! Health checks: the Engine (20.10 and later) emits `health_status: …` only when the status
//! changes, but every probe run is an exec of the container, and emits `exec_create`,
//! `exec_start` and `exec_die` (with `exitCode`). `exec_die` is the hint that a probe ran;
//! [`wants_probe_refresh`] decides, without asking the Engine, whether it can have changed
//! anything devctl shows (so a healthy stack costs nothing).

use std::collections::HashMap;

use bollard::models::{EventMessage, EventMessageTypeEnum};
use serde::Serialize;

use super::convert::{LABEL_PROJECT, LABEL_SERVICE, is_oneoff};
use super::listing::project_filters;
use super::model::{Container, ContainerState, Health};

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
    // The end of an exec: every health-check probe is one (see the module documentation).
    "exec_die",
];

/// Docker's default `retries` of a health check.
const DEFAULT_RETRIES: u64 = 3;

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
/// action that can change its state (one-offs, `exec_create` and `exec_start` are ignored;
/// `exec_die` is kept: it ends every health-check probe).
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
                // The Engine starts every run's health from scratch (it keeps the log).
                c.failing_streak = 0;
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
            match status {
                "healthy" => {
                    c.health = Health::Healthy;
                    c.failing_streak = 0;
                }
                // The Engine turns a container unhealthy when its failing streak reaches
                // `retries`: that much the event states, before the re-inspect says more.
                "unhealthy" => {
                    if c.health != Health::Unhealthy {
                        let retries = c
                            .healthcheck
                            .as_ref()
                            .and_then(|h| h.retries)
                            .unwrap_or(DEFAULT_RETRIES);
                        c.failing_streak = c.failing_streak.max(retries);
                    }
                    c.health = Health::Unhealthy;
                }
                "starting" => c.health = Health::Starting,
                _ => {}
            }
        }
        _ => {}
    }
    *c != before
}

/// Whether an `exec_die` can have changed what devctl shows about `c`: true when its health
/// is `starting` or `unhealthy`, when its failing streak is not 0 (a pass resets it), or when
/// the exec failed (a healthy container's probe starting to fail). False for every other
/// action, and for the passing probes of a healthy container: those cost nothing.
pub fn wants_probe_refresh(c: &Container, h: &Hint) -> bool {
    if h.action != "exec_die" || c.state != ContainerState::Running {
        return false;
    }
    matches!(c.health, Health::Starting | Health::Unhealthy)
        || c.failing_streak > 0
        || h.exit_code.is_some_and(|e| e != 0)
}

/// How far before its `exec_die` a probe's recorded end may lie (a probe that times out
/// is recorded a few milliseconds before the Engine kills its exec).
const PROBE_END_SLACK_NANOS: i64 = 500_000_000;

/// Whether `c`'s health log already holds the probe whose exec ended with `h` (the Engine
/// records the result just after the exec's `exec_die`, so an inspect can come too early).
/// True when unknown (no event time), so a caller never retries forever.
pub fn probe_landed(c: &Container, h: &Hint) -> bool {
    if h.time_nano <= 0 {
        return true;
    }
    let end = c
        .last_probe()
        .and_then(|p| p.end)
        .and_then(|t| t.timestamp_nanos_opt());
    end.is_some_and(|e| e >= h.time_nano - PROBE_END_SLACK_NANOS)
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
        // Of the exec events only `exec_die` (the end of a probe or of `docker exec`).
        assert!(
            hints
                .iter()
                .all(|(a, _)| !a.starts_with("exec_create") && !a.starts_with("exec_start"))
        );
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

    /// The shape Engine 20.10 sends at the end of a health-check probe (captured).
    fn exec_die(exit: &str) -> EventMessage {
        serde_json::from_value(serde_json::json!({
            "Type": "container",
            "Action": "exec_die",
            "Actor": {
                "ID": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "Attributes": {
                    "com.docker.compose.project": "p",
                    "com.docker.compose.oneoff": "False",
                    "com.docker.compose.service": "sick",
                    "execID": "66fd5ec1b2802c55bbc6a611a7242e43e4ff423ca39249c3c47adb3554aa0bec",
                    "exitCode": exit,
                    "image": "devctl-test/busybox:latest",
                    "name": "p-sick-1"
                }
            },
            "scope": "local",
            "time": 1_796_662_572,
            "timeNano": 1_796_662_572_124_497_656_i64
        }))
        .expect("event json")
    }

    #[test]
    fn exec_die_is_a_hint_with_its_exit_code() {
        let h = hint_from_event(&exec_die("1"), "p").expect("hint");
        assert_eq!(h.action, "exec_die");
        assert_eq!(h.exit_code, Some(1));
        assert_eq!(h.service.as_deref(), Some("sick"));
        assert_eq!(h.time_nano, 1_796_662_572_124_497_656);
        // It states nothing by itself.
        let mut c = Container {
            state: ContainerState::Running,
            health: Health::Unhealthy,
            failing_streak: 4,
            ..Container::default()
        };
        assert!(!apply_fact(&mut c, &h));
    }

    #[test]
    fn probe_refresh_only_where_health_can_move() {
        let c = |health, streak| Container {
            state: ContainerState::Running,
            health,
            failing_streak: streak,
            healthcheck: Some(Default::default()),
            ..Container::default()
        };
        let pass = hint_from_event(&exec_die("0"), "p").expect("hint");
        let fail = hint_from_event(&exec_die("1"), "p").expect("hint");
        let cases = [
            (c(Health::Healthy, 0), &pass, false),
            (c(Health::Healthy, 0), &fail, true),
            (c(Health::Healthy, 2), &pass, true),
            (c(Health::Starting, 0), &pass, true),
            (c(Health::Unhealthy, 7), &fail, true),
            (c(Health::None, 0), &pass, false),
        ];
        for (x, h, want) in cases {
            assert_eq!(wants_probe_refresh(&x, h), want, "{x:?} {h:?}");
        }
        let mut stopped = c(Health::Unhealthy, 3);
        stopped.state = ContainerState::Exited;
        assert!(!wants_probe_refresh(&stopped, &fail));
        // Only `exec_die`.
        assert!(!wants_probe_refresh(
            &c(Health::Unhealthy, 3),
            &hint("die", Some(1))
        ));
    }

    #[test]
    fn probe_landed_compares_the_newest_end_with_the_event() {
        let h = hint_from_event(&exec_die("1"), "p").expect("hint");
        let at = |nanos: i64| chrono::DateTime::from_timestamp_nanos(h.time_nano + nanos);
        let with_end = |end: Option<crate::engine::model::Timestamp>| Container {
            probes: vec![crate::engine::model::Probe {
                end,
                ..Default::default()
            }],
            ..Container::default()
        };
        assert!(
            probe_landed(&with_end(Some(at(2_000_000))), &h),
            "ended after"
        );
        assert!(
            probe_landed(&with_end(Some(at(-6_000_000))), &h),
            "timed out"
        );
        assert!(
            !probe_landed(&with_end(Some(at(-1_100_000_000))), &h),
            "older"
        );
        assert!(!probe_landed(&Container::default(), &h), "no probe yet");
        let mut untimed = h.clone();
        untimed.time_nano = 0;
        assert!(probe_landed(&Container::default(), &untimed));
    }

    /// After a restart the cached streak is 0 (the Engine resets it); the `unhealthy` event
    /// itself says the streak reached `retries`.
    #[test]
    fn health_events_state_the_streak() {
        let mut c = Container {
            state: ContainerState::Running,
            health: Health::Starting,
            healthcheck: Some(crate::engine::model::HealthcheckSpec {
                retries: Some(2),
                ..Default::default()
            }),
            ..Container::default()
        };
        assert!(apply_fact(&mut c, &hint("health_status: unhealthy", None)));
        assert_eq!((c.health, c.failing_streak), (Health::Unhealthy, 2));
        c.failing_streak = 9; // a newer inspect knows better: kept
        apply_fact(&mut c, &hint("health_status: unhealthy", None));
        assert_eq!(c.failing_streak, 9);
        assert!(apply_fact(&mut c, &hint("start", None)));
        assert_eq!((c.health, c.failing_streak), (Health::Starting, 0));
        c.healthcheck = Some(Default::default()); // no retries: Docker's default 3
        apply_fact(&mut c, &hint("health_status: unhealthy", None));
        assert_eq!(c.failing_streak, 3);
        apply_fact(&mut c, &hint("health_status: healthy", None));
        assert_eq!((c.health, c.failing_streak), (Health::Healthy, 0));
    }

    #[test]
    fn filters_cover_type_project_and_actions() {
        let f = event_filters("p");
        assert_eq!(f["type"], vec!["container".to_string()]);
        assert!(f["label"].contains(&"com.docker.compose.project=p".to_string()));
        assert!(f["event"].contains(&"health_status".to_string()));
        assert!(f["event"].contains(&"die".to_string()));
        assert!(f["event"].contains(&"exec_die".to_string()));
    }
}
