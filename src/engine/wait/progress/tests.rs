use super::*;
use crate::engine::model::HealthcheckSpec;

fn c(state: ContainerState, health: Health) -> Container {
    Container {
        id: "x".into(),
        name: "p-svc-1".into(),
        service: "svc".into(),
        number: 1,
        state,
        health,
        ..Container::default()
    }
}

fn svc(has_hc: bool, cs: Vec<Container>) -> ServiceStatus {
    ServiceStatus {
        name: "svc".into(),
        declared: true,
        has_healthcheck: has_hc,
        containers: cs,
        ..ServiceStatus::default()
    }
}

const ONE: Expect = Expect {
    replicas: 1,
    completes_ok: false,
};

#[test]
fn assess_table() {
    use ContainerState as S;
    use Health as H;
    let exited = |code: i64, policy: Option<&str>| {
        let mut x = c(S::Exited, H::None);
        x.exit_code = Some(code);
        x.restart_policy = policy.map(str::to_string);
        x
    };
    let port_err = {
        let mut x = c(S::Created, H::None);
        x.state_error = Some("Bind for 0.0.0.0:80 failed: port is already allocated".into());
        x
    };
    let cases: Vec<(&str, ServiceStatus, Expect, Stage, Verdict)> = vec![
        (
            "nothing",
            svc(true, vec![]),
            ONE,
            Stage::NotCreated,
            Verdict::Pending,
        ),
        (
            "healthy",
            svc(true, vec![c(S::Running, H::Healthy)]),
            ONE,
            Stage::Healthy,
            Verdict::Ready,
        ),
        (
            "starting",
            svc(true, vec![c(S::Running, H::Starting)]),
            ONE,
            Stage::Starting,
            Verdict::Pending,
        ),
        (
            "unhealthy",
            svc(true, vec![c(S::Running, H::Unhealthy)]),
            ONE,
            Stage::Unhealthy,
            Verdict::Failed,
        ),
        (
            "no hc running",
            svc(false, vec![c(S::Running, H::None)]),
            ONE,
            Stage::Running,
            Verdict::Ready,
        ),
        (
            "hc not reported yet",
            svc(true, vec![c(S::Running, H::None)]),
            ONE,
            Stage::Starting,
            Verdict::Pending,
        ),
        (
            "created",
            svc(false, vec![c(S::Created, H::None)]),
            ONE,
            Stage::Created,
            Verdict::Pending,
        ),
        (
            "port taken",
            svc(false, vec![port_err.clone()]),
            ONE,
            Stage::CannotStart("Bind for 0.0.0.0:80 failed: port is already allocated".into()),
            Verdict::Failed,
        ),
        (
            "exited 3",
            svc(false, vec![exited(3, None)]),
            ONE,
            Stage::Exited(Some(3)),
            Verdict::Failed,
        ),
        (
            "exited 0 not a completion dep",
            svc(false, vec![exited(0, None)]),
            ONE,
            Stage::Exited(Some(0)),
            Verdict::Failed,
        ),
        (
            "exited 0 completion dep",
            svc(false, vec![exited(0, None)]),
            Expect {
                replicas: 1,
                completes_ok: true,
            },
            Stage::Completed,
            Verdict::Ready,
        ),
        (
            "exited, will restart",
            svc(false, vec![exited(1, Some("always"))]),
            ONE,
            Stage::Restarting,
            Verdict::Pending,
        ),
        (
            "on-failure exit 0 stays",
            svc(false, vec![exited(0, Some("on-failure"))]),
            ONE,
            Stage::Exited(Some(0)),
            Verdict::Failed,
        ),
        (
            "restarting",
            svc(false, vec![c(S::Restarting, H::None)]),
            ONE,
            Stage::Restarting,
            Verdict::Pending,
        ),
        (
            "dead",
            svc(false, vec![c(S::Dead, H::None)]),
            ONE,
            Stage::Dead,
            Verdict::Failed,
        ),
        (
            "one of two replicas",
            svc(false, vec![c(S::Running, H::None)]),
            Expect {
                replicas: 2,
                completes_ok: false,
            },
            Stage::NotCreated,
            Verdict::Pending,
        ),
        (
            "worst replica decides",
            svc(
                true,
                vec![c(S::Running, H::Healthy), c(S::Running, H::Unhealthy)],
            ),
            Expect {
                replicas: 2,
                completes_ok: false,
            },
            Stage::Unhealthy,
            Verdict::Failed,
        ),
    ];
    for (what, s, e, stage, verdict) in cases {
        assert_eq!(assess(&s, e), (stage, verdict), "{what}");
    }
}

#[test]
fn image_healthcheck_makes_running_pending() {
    let mut x = c(ContainerState::Running, Health::None);
    x.healthcheck = Some(HealthcheckSpec {
        test: vec!["CMD".into(), "true".into()],
        ..Default::default()
    });
    assert_eq!(
        assess(&svc(false, vec![x]), ONE),
        (Stage::Starting, Verdict::Pending)
    );
}

#[test]
fn parse_duration_table() {
    let cases = [
        ("30s", Some(30_000)),
        ("1m30s", Some(90_000)),
        ("500ms", Some(500)),
        ("1h", Some(3_600_000)),
        ("2.5s", Some(2_500)),
        ("90", Some(90_000)),
        ("0s", Some(0)),
        ("", None),
        ("abc", None),
        ("10x", None),
        ("-5", None),
        ("-5s", None),
        ("0.5", Some(500)),
        ("1.5h", Some(5_400_000)),
        ("2562047h", Some(9_223_369_200_000)),
        ("2562048h", None),
        ("1e300", None),
        ("inf", None),
        ("NaN", None),
        ("99999999999999999999", None),
        ("99999999999999999999s", None),
        ("9999999999999999999h", None),
        ("9999999999999999h", None),
        ("18446744073709551615s1s", None),
        ("10s5", None),
        ("1..5s", None),
        (".", None),
    ];
    for (s, want) in cases {
        assert_eq!(
            parse_duration(s).map(|d| d.as_millis() as u64),
            want,
            "{s:?}"
        );
    }
}

#[test]
fn go_duration_table() {
    let cases = [
        ("30s", Some(30_000)),
        ("1.5s", Some(1_500)),
        ("0", Some(0)),
        ("0s", Some(0)),
        ("10", None),
        ("", None),
        ("s", None),
        ("5x", None),
        ("-1s", None),
        ("99999999999999999999h", None),
    ];
    for (s, want) in cases {
        assert_eq!(
            parse_go_duration(s).map(|d| d.as_millis() as u64),
            want,
            "{s:?}"
        );
    }
}

#[test]
fn tracker_records_time_to_ready_and_outcome() {
    let mut t = Tracker::new(vec![("svc".into(), ONE), ("other".into(), ONE)]);
    assert_eq!(t.outcome(), Outcome::Pending);
    let starting = svc(true, vec![c(ContainerState::Running, Health::Starting)]);
    assert_eq!(t.observe(&starting, Duration::from_secs(1)), Some(0));
    assert_eq!(
        t.observe(&starting, Duration::from_secs(2)),
        None,
        "no change"
    );
    let healthy = svc(true, vec![c(ContainerState::Running, Health::Healthy)]);
    assert_eq!(t.observe(&healthy, Duration::from_secs(3)), Some(0));
    assert_eq!(t.rows[0].ready_after, Some(Duration::from_secs(3)));
    assert_eq!(t.outcome(), Outcome::Pending);
    let mut other = svc(false, vec![c(ContainerState::Running, Health::None)]);
    other.name = "other".into();
    t.observe(&other, Duration::from_secs(4));
    assert_eq!(t.outcome(), Outcome::AllReady);
    let unhealthy = svc(true, vec![c(ContainerState::Running, Health::Unhealthy)]);
    t.observe(&unhealthy, Duration::from_secs(5));
    assert_eq!(t.outcome(), Outcome::Failed);
    assert_eq!(t.rows[0].ready_after, None);
    // Services not waited for are ignored.
    let mut stranger = healthy.clone();
    stranger.name = "stranger".into();
    assert_eq!(t.observe(&stranger, Duration::from_secs(6)), None);
}

#[test]
fn expectations_from_model() {
    let v = serde_json::json!({
        "name": "p",
        "services": {
            "api": {"image": "x", "depends_on": {
                "migrate": {"condition": "service_completed_successfully"},
                "db": {"condition": "service_healthy"}
            }},
            "db": {"image": "x", "deploy": {"replicas": 2}},
            "migrate": {"image": "x"},
            "off": {"image": "x", "scale": 0}
        }
    });
    let p = Project::from_json(&v).expect("project");
    let all = expectations(&p, &[]);
    assert_eq!(
        all,
        vec![
            ("api".to_string(), ONE),
            (
                "db".to_string(),
                Expect {
                    replicas: 2,
                    completes_ok: false
                }
            ),
            (
                "migrate".to_string(),
                Expect {
                    replicas: 1,
                    completes_ok: true
                }
            ),
        ]
    );
    let some = expectations(&p, &["db".to_string()]);
    assert_eq!(some.len(), 1);
}

#[test]
fn describe_starting_counts_down_start_period() {
    let mut x = c(ContainerState::Running, Health::Starting);
    x.healthcheck = Some(HealthcheckSpec {
        test: vec!["CMD".into(), "true".into()],
        start_period_ms: Some(30_000),
        ..Default::default()
    });
    let mut t = Tracker::new(vec![("svc".into(), ONE)]);
    t.observe(&svc(true, vec![x]), Duration::ZERO);
    let row = &t.rows[0];
    assert_eq!(
        describe(row, Some(Duration::from_millis(4_500))),
        "running, health: starting (26s of start period left)"
    );
    assert_eq!(
        describe(row, Some(Duration::from_secs(40))),
        "running, health: starting (start period over)"
    );
    assert_eq!(describe(row, None), "running, health: starting");
}

#[test]
fn describe_failures() {
    let mut x = c(ContainerState::Exited, Health::None);
    x.exit_code = Some(137);
    x.oom_killed = true;
    let mut t = Tracker::new(vec![("svc".into(), ONE)]);
    t.observe(&svc(false, vec![x]), Duration::ZERO);
    assert_eq!(describe(&t.rows[0], None), "exited (code 137, OOM-killed)");
    let mut u = c(ContainerState::Running, Health::Unhealthy);
    u.failing_streak = 4;
    t.observe(&svc(true, vec![u]), Duration::ZERO);
    assert_eq!(describe(&t.rows[0], None), "unhealthy (failing streak 4)");
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&chrono::Utc)
}

fn probe(end: &str, exit_code: i64) -> crate::engine::model::Probe {
    crate::engine::model::Probe {
        start: None,
        end: ts(end),
        exit_code,
        output: String::new(),
    }
}

#[test]
fn time_to_ready_comes_from_the_engine_facts_relative_to_the_origin() {
    let origin = at("2026-11-21T10:00:00Z");
    // `up` spent 8 s in Compose (which waited for this service's health), then the wait saw
    // it healthy 0.1 s in: the first passing probe of the healthy run ended 5.5 s after the
    // origin, so that is its time to ready (not 0.1 s, not 8.1 s).
    let mut healthy = c(ContainerState::Running, Health::Healthy);
    healthy.probes = vec![
        probe("2026-11-21T10:00:02Z", 1),
        probe("2026-11-21T10:00:04Z", 1),
        probe("2026-11-21T10:00:05.5Z", 0),
        probe("2026-11-21T10:00:07Z", 0),
    ];
    let s = svc(true, vec![healthy.clone()]);
    let o = Some((origin, Duration::from_secs(8)));
    let seen = Duration::from_millis(100);
    assert_eq!(
        time_to_ready(o, seen, &s),
        (Duration::from_millis(5500), false)
    );
    // Without an origin: the time the wait saw it, as before.
    assert_eq!(time_to_ready(None, seen, &s), (seen, false));

    // Running without a health check: its start.
    let mut plain = c(ContainerState::Running, Health::None);
    plain.started_at = ts("2026-11-21T10:00:01.25Z");
    assert_eq!(
        time_to_ready(o, seen, &svc(false, vec![plain.clone()])),
        (Duration::from_millis(1250), false)
    );
    // Completed successfully: its finish.
    let mut done = c(ContainerState::Exited, Health::None);
    done.finished_at = ts("2026-11-21T10:00:03Z");
    assert_eq!(
        time_to_ready(o, seen, &svc(false, vec![done])),
        (Duration::from_secs(3), false)
    );
    // Two replicas: the later one counts.
    let mut late = plain.clone();
    late.started_at = ts("2026-11-21T10:00:06Z");
    assert_eq!(
        time_to_ready(o, seen, &svc(false, vec![plain.clone(), late])),
        (Duration::from_secs(6), false)
    );
    // Healthy before the origin: already up.
    let mut old = healthy.clone();
    old.probes = vec![probe("2026-11-21T09:59:00Z", 0)];
    assert_eq!(
        time_to_ready(o, seen, &svc(true, vec![old])),
        (Duration::ZERO, true)
    );
    // An Engine clock ahead of ours never gives more than the time actually seen.
    let mut skewed = plain.clone();
    skewed.started_at = ts("2026-11-21T10:05:00Z");
    assert_eq!(
        time_to_ready(o, seen, &svc(false, vec![skewed])),
        (Duration::from_millis(8100), false)
    );
    // No facts (no probe end recorded): the time seen, counted from the origin.
    let mut bare = healthy;
    bare.probes.clear();
    assert_eq!(
        time_to_ready(o, seen, &svc(true, vec![bare])),
        (Duration::from_millis(8100), false)
    );
}

#[test]
fn tracker_with_origin_marks_services_that_were_already_ready() {
    let origin = at("2026-11-21T10:00:00Z");
    let mut t = Tracker::new(vec![("svc".into(), ONE)]).with_origin(origin, Duration::from_secs(2));
    let mut old = c(ContainerState::Running, Health::None);
    old.started_at = ts("2026-11-20T10:00:00Z");
    t.observe(&svc(false, vec![old]), Duration::from_millis(50));
    assert_eq!(t.rows[0].ready_after, Some(Duration::ZERO));
    assert!(t.rows[0].ready_before);
}

/// `stop` then `up --wait`: the Engine keeps the health log of the earlier run, whose passing
/// probes ended before the origin. Only probes since the container's current start count.
#[test]
fn probes_of_an_earlier_run_do_not_make_a_restarted_service_ready_already() {
    let origin = at("2026-11-21T10:00:00Z");
    let o = Some((origin, Duration::from_millis(300)));
    let p = |start: &str, end: &str, exit_code| crate::engine::model::Probe {
        start: ts(start),
        end: ts(end),
        exit_code,
        output: String::new(),
    };
    let mut restarted = c(ContainerState::Running, Health::Healthy);
    restarted.started_at = ts("2026-11-21T10:00:00.2Z");
    restarted.probes = vec![
        p("2026-11-21T09:58:00Z", "2026-11-21T09:58:00.1Z", 0),
        p("2026-11-21T09:59:00Z", "2026-11-21T09:59:00.1Z", 0),
        p("2026-11-21T10:00:01.4Z", "2026-11-21T10:00:01.5Z", 0),
    ];
    let seen = Duration::from_secs(2);
    assert_eq!(
        time_to_ready(o, seen, &svc(true, vec![restarted.clone()])),
        (Duration::from_millis(1500), false)
    );
    // Still running since before the origin: ready "already", as before.
    let mut kept = restarted;
    kept.started_at = ts("2026-11-21T09:57:00Z");
    assert_eq!(
        time_to_ready(o, seen, &svc(true, vec![kept])),
        (Duration::ZERO, true)
    );
}

fn ts(s: &str) -> Option<crate::engine::model::Timestamp> {
    crate::engine::convert::time(Some(&s.to_string()))
}
