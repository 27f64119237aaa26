use super::*;
use crate::engine::model::{Container, ContainerState, Health, Probe, ServiceStatus};
use crate::error::Exit;
use progress::{Expect, Tracker};

fn svc(name: &str, state: ContainerState, health: Health) -> ServiceStatus {
    ServiceStatus {
        name: name.into(),
        declared: true,
        has_healthcheck: health != Health::None,
        containers: vec![Container {
            id: format!("id-{name}"),
            name: format!("p-{name}-1"),
            service: name.into(),
            number: 1,
            state,
            health,
            ..Container::default()
        }],
        ..ServiceStatus::default()
    }
}

fn tracker(states: &[(&str, ContainerState, Health, u64)]) -> Tracker {
    let one = Expect {
        replicas: 1,
        completes_ok: false,
    };
    let mut t = Tracker::new(states.iter().map(|(n, ..)| (n.to_string(), one)).collect());
    for (n, st, h, secs) in states {
        t.observe(&svc(n, *st, *h), Duration::from_millis(secs * 100));
    }
    t
}

#[test]
fn success_summary_lists_time_to_healthy() {
    let t = tracker(&[
        ("db", ContainerState::Running, Health::Healthy, 23),
        ("worker", ContainerState::Running, Health::None, 5),
    ]);
    let r = Report {
        ok: true,
        timed_out: false,
        elapsed: Duration::from_millis(2400),
        rows: t.rows,
        logs: vec![],
        listeners: Vec::new(),
        warnings: vec![],
        blocked: vec![],
    };
    let text = r.render(false);
    assert!(text.starts_with("✔ 2 services ready in 2.4s\n"), "{text}");
    assert!(text.contains("db      healthy"), "{text}");
    assert!(text.contains("2.3s"), "{text}");
    assert!(text.contains("worker  running (no health check)"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when off");
    assert!(r.render(true).contains("\u{1b}[32m✔\u{1b}[0m"));
}

#[test]
fn success_summary_marks_already_ready_services_and_prints_warnings() {
    let mut t = tracker(&[("db", ContainerState::Running, Health::Healthy, 23)]);
    t.rows[0].ready_before = true;
    let r = Report {
        ok: true,
        timed_out: false,
        elapsed: Duration::from_millis(900),
        rows: t.rows,
        logs: vec![],
        listeners: Vec::new(),
        warnings: vec!["api listens on 127.0.0.1:3001 only".into()],
        blocked: vec![],
    };
    let text = r.render(false);
    assert!(text.contains("already"), "{text}");
    assert!(!text.contains("2.3s"), "{text}");
    assert!(
        text.ends_with("⚠ api listens on 127.0.0.1:3001 only\n"),
        "{text}"
    );
}

#[test]
fn failure_report_diagnoses_each_failing_service() {
    let mut t = tracker(&[
        ("db", ContainerState::Running, Health::Healthy, 10),
        ("api", ContainerState::Running, Health::Starting, 10),
    ]);
    let mut api = svc("api", ContainerState::Running, Health::Unhealthy);
    api.containers[0].failing_streak = 3;
    api.containers[0].probes = vec![Probe {
        exit_code: 127,
        output: "/bin/sh: wget: not found\n".into(),
        ..Probe::default()
    }];
    t.observe(&api, Duration::from_secs(4));
    let r = Report {
        ok: false,
        timed_out: false,
        elapsed: Duration::from_secs(4),
        rows: t.rows,
        logs: vec![("id-api".into(), vec!["starting api".into()])],
        listeners: Vec::new(),
        warnings: vec![],
        blocked: vec![],
    };
    let text = r.render(false);
    assert!(
        text.starts_with("✖ wait failed after 4.0s: 1 of 2 services not healthy"),
        "{text}"
    );
    assert!(
        text.contains("● api: unhealthy (failing streak 3)"),
        "{text}"
    );
    assert!(text.contains("/bin/sh: wget: not found"), "{text}");
    assert!(text.contains("| starting api"), "{text}");
    assert!(text.contains("hint:"), "{text}");
    assert!(!text.contains("● db"), "{text}");
}

#[test]
fn timeout_report_names_services_never_created() {
    let t = Tracker::new(vec![(
        "ghost".into(),
        Expect {
            replicas: 1,
            completes_ok: false,
        },
    )]);
    let r = Report {
        ok: false,
        timed_out: true,
        elapsed: Duration::from_secs(3),
        rows: t.rows,
        logs: vec![],
        listeners: Vec::new(),
        warnings: vec![],
        blocked: vec![],
    };
    let text = r.render(false);
    assert!(text.contains("wait timed out after 3.0s"), "{text}");
    assert!(text.contains("ghost: waiting to be created"), "{text}");
    assert!(text.contains("no container exists"), "{text}");
}

#[test]
fn wait_timeouts() {
    let ok = [
        ("", None),
        ("90", Some(90)),
        ("90s", Some(90)),
        ("2m", Some(120)),
        ("1m30s", Some(90)),
        ("1h", Some(3600)),
        (" 5s ", Some(5)),
        ("1.5s", Some(1)),
        ("2562047h", Some(2_562_047 * 3600)),
    ];
    for (s, want) in ok {
        let got = parse_timeout(s).expect(s).map(|d| d.as_secs());
        assert_eq!(got, want, "{s:?}");
    }
    for bad in [
        "abc",
        "5x",
        "m",
        "-3",
        "10s5",
        "1e300",
        "9999999999999999h",
        "9999999999999999999h",
        "99999999999999999999s",
        "99999999999999999999",
        "307445734561825861m",
        "18446744073709551615s1s",
    ] {
        let e = parse_timeout(bad).expect_err(bad);
        assert_eq!(e.exit, Exit::Usage, "{bad}");
        assert!(e.to_string().contains(bad), "{bad}: {e}");
    }
}

/// Compose stopped on a failed dependency: the header names it, each unstarted service says
/// what it waits for (condition, file), and only the failed dependency gets a diagnosis.
#[test]
fn failed_dependency_report_names_the_unstarted_services() {
    let t = tracker(&[
        ("api", ContainerState::Created, Health::None, 1),
        ("db", ContainerState::Running, Health::Unhealthy, 40),
    ]);
    let blocked = vec![blocked::Blocked {
        service: "api".into(),
        waits_for: "db".into(),
        condition: "service_healthy".into(),
        declared_in: Some("docker/compose.yml".into()),
        dependency_failed: true,
    }];
    let r = Report {
        ok: false,
        timed_out: false,
        elapsed: Duration::from_secs(9),
        rows: t.rows,
        logs: vec![("id-db".into(), vec!["FATAL: no disk".into()])],
        listeners: Vec::new(),
        warnings: vec![],
        blocked,
    };
    let text = r.render(false);
    assert!(
        text.starts_with(
            "✖ Compose stopped after 9.0s: 1 service was not started because db is unhealthy\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  … api  not started: waits for db (`condition: service_healthy` in docker/compose.yml)\n"
        ),
        "{text}"
    );
    assert!(text.contains("\n● db: unhealthy\n"), "{text}");
    assert!(text.contains("| FATAL: no disk"), "{text}");
    assert!(
        !text.contains("● api"),
        "an unstarted service has nothing to diagnose: {text}"
    );
}
