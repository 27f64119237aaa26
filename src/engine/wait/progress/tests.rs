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
