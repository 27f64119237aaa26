use super::*;
use crate::engine::model::{ContainerState, Health, Probe, ProjectListing};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:01.250Z")
        .expect("time")
        .with_timezone(&Utc)
}

fn c(id: &str, svc: &str, state: ContainerState, health: Health) -> Container {
    Container {
        id: id.into(),
        name: format!("p-{svc}-1"),
        service: svc.into(),
        number: 1,
        state,
        health,
        started_at: crate::engine::convert::time(Some(&"2026-11-21T11:59:00Z".to_string())),
        ..Container::default()
    }
}

fn service(name: &str, cs: Vec<Container>) -> ServiceStatus {
    ServiceStatus {
        name: name.into(),
        declared: true,
        containers: cs,
        ..ServiceStatus::default()
    }
}

fn snap(services: Vec<ServiceStatus>) -> WatchMsg {
    WatchMsg::Snapshot(ProjectListing {
        project: "p".into(),
        services,
    })
}

fn hint(action: &str) -> Option<Hint> {
    Some(Hint {
        container_id: "a".into(),
        action: action.into(),
        service: Some("api".into()),
        time_nano: 1_795_290_650_497_892_198,
        exit_code: None,
    })
}

#[test]
fn initial_snapshot_prints_every_service_once() {
    let mut p = Printer::new(false);
    let lines = p.on(
        &snap(vec![
            service(
                "api",
                vec![c("a", "api", ContainerState::Running, Health::Healthy)],
            ),
            service("db", vec![]),
        ]),
        now(),
    );
    assert_eq!(
        lines,
        vec![
            "12:00:01.250  api#1  running, healthy".to_string(),
            "12:00:01.250  db  not created".to_string(),
        ]
    );
}

#[test]
fn health_flip_and_kill_each_print_one_line() {
    let mut p = Printer::new(false);
    p.on(
        &snap(vec![service(
            "api",
            vec![c("a", "api", ContainerState::Running, Health::Healthy)],
        )]),
        now(),
    );
    let mut sick = c("a", "api", ContainerState::Running, Health::Unhealthy);
    sick.failing_streak = 2;
    sick.probes = vec![Probe {
        exit_code: 1,
        output: "probe says no\n".into(),
        ..Probe::default()
    }];
    let l = p.on(
        &WatchMsg::Changed {
            service: service("api", vec![sick.clone()]),
            cause: hint("health_status: unhealthy"),
        },
        now(),
    );
    assert_eq!(
        l,
        vec![
            "12:00:01.250  api#1  running, unhealthy (failing streak 2): exit 1 probe says no  [health_status: unhealthy]"
                .to_string()
        ]
    );
    // Issue 18: the streak advancing is a line, with the newest probe's output.
    sick.failing_streak = 3;
    sick.probes.push(Probe {
        exit_code: 1,
        output: "probe 3 says no\n".into(),
        ..Probe::default()
    });
    let l = p.on(
        &WatchMsg::Changed {
            service: service("api", vec![sick.clone()]),
            cause: hint("exec_die"),
        },
        now(),
    );
    assert_eq!(
        l,
        vec![
            "12:00:01.250  api#1  running, unhealthy (failing streak 3): exit 1 probe 3 says no  [exec_die]"
                .to_string()
        ]
    );
    // Nothing that is shown moved (the same streak): no line.
    let l = p.on(
        &WatchMsg::Changed {
            service: service("api", vec![sick.clone()]),
            cause: hint("exec_die"),
        },
        now(),
    );
    assert!(l.is_empty(), "{l:?}");
    // The `unhealthy` event comes before the inspect that has its probe: that probe's output
    // is a line too, at the same streak.
    sick.probes.push(Probe {
        start: crate::engine::convert::time(Some(&"2025-03-01T12:00:01Z".to_string())),
        exit_code: 1,
        output: "probe 3b says no".into(),
        ..Probe::default()
    });
    let l = p.on(
        &WatchMsg::Changed {
            service: service("api", vec![sick]),
            cause: hint("exec_die"),
        },
        now(),
    );
    assert_eq!(l.len(), 1, "{l:?}");
    assert!(
        l[0].contains("(failing streak 3): exit 1 probe 3b says no"),
        "{l:?}"
    );
    let mut dead = c("a", "api", ContainerState::Exited, Health::None);
    dead.exit_code = Some(137);
    let l = p.on(
        &WatchMsg::Changed {
            service: service("api", vec![dead]),
            cause: hint("die"),
        },
        now(),
    );
    assert_eq!(
        l,
        vec!["12:00:01.250  api#1  exited (137)  [die]".to_string()]
    );
}

#[test]
fn removal_and_recreation() {
    let mut p = Printer::new(false);
    p.on(
        &snap(vec![service(
            "api",
            vec![c("a", "api", ContainerState::Running, Health::None)],
        )]),
        now(),
    );
    let l = p.on(
        &WatchMsg::Changed {
            service: service(
                "api",
                vec![c("b", "api", ContainerState::Created, Health::None)],
            ),
            cause: hint("create"),
        },
        now(),
    );
    assert_eq!(
        l,
        vec![
            "12:00:01.250  api#1  created  [create]".to_string(),
            "12:00:01.250  api  p-api-1 removed".to_string(),
        ]
    );
}

#[test]
fn disconnect_then_resync_reports_what_changed_meanwhile() {
    let mut p = Printer::new(false);
    let connected = WatchMsg::Connected {
        engine_version: "20.10.24".into(),
        api_version: "1.41".into(),
    };
    assert_eq!(
        p.on(&connected, now()),
        vec!["12:00:01.250  engine  connected to Engine 20.10.24 (API 1.41)".to_string()]
    );
    p.on(
        &snap(vec![service(
            "api",
            vec![c("a", "api", ContainerState::Running, Health::None)],
        )]),
        now(),
    );
    let l = p.on(
        &WatchMsg::Disconnected {
            reason: "socket closed".into(),
        },
        now(),
    );
    assert_eq!(
        l,
        vec!["12:00:01.250  engine  disconnected: socket closed; retrying".to_string()]
    );
    let l = p.on(&connected, now());
    assert!(l[0].contains("reconnected to Engine 20.10.24"), "{l:?}");
    let mut gone = c("a", "api", ContainerState::Exited, Health::None);
    gone.exit_code = Some(0);
    let l = p.on(&snap(vec![service("api", vec![gone])]), now());
    assert_eq!(
        l,
        vec![
            "12:00:01.250  api#1  exited (0)".to_string(),
            "12:00:01.250  engine  resynced: 1 change(s) while disconnected".to_string(),
        ]
    );
}

#[test]
fn json_lines_carry_state_cause_and_event_time() {
    let mut p = Printer::new(true);
    p.on(&snap(vec![service("api", vec![])]), now());
    let mut x = c("a", "api", ContainerState::Exited, Health::None);
    x.exit_code = Some(137);
    x.oom_killed = true;
    let l = p.on(
        &WatchMsg::Changed {
            service: service("api", vec![x]),
            cause: hint("die"),
        },
        now(),
    );
    assert_eq!(l.len(), 1);
    let v: serde_json::Value = serde_json::from_str(&l[0]).expect("json line");
    assert_eq!(v["type"], "container");
    assert_eq!(v["service"], "api");
    assert_eq!(v["phase"], "exited");
    assert_eq!(v["state"], "exited");
    assert_eq!(v["exit_code"], 137);
    assert_eq!(v["oom_killed"], true);
    assert_eq!(v["cause"], "die");
    assert_eq!(v["event_time_unix_nano"], 1_795_290_650_497_892_198i64);
    assert_eq!(v["time"], "2026-11-21T12:00:01.250Z");
    let d = p.on(&WatchMsg::Disconnected { reason: "x".into() }, now());
    let v: serde_json::Value = serde_json::from_str(&d[0]).expect("json");
    assert_eq!(v["type"], "disconnected");
    assert_eq!(v["reason"], "x");
}
