use super::*;

const PROJECT: &str = "devctl-it-engine-fixture";

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/engine")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| format!("missing fixture {}: {e}", p.display()))
}

fn inspect(name: &str) -> Container {
    let i: ContainerInspectResponse =
        serde_json::from_str(&fixture(&format!("inspect_{name}.json"))).expect("inspect fixture");
    container_from_inspect(&i, PROJECT)
}

#[test]
fn healthy_web_from_inspect() {
    let c = inspect("web");
    assert_eq!(c.name, "devctl-it-engine-fixture-web-1");
    assert_eq!(c.service, "web");
    assert_eq!(c.number, 1);
    assert_eq!(c.state, ContainerState::Running);
    assert_eq!(c.health, Health::Healthy);
    assert_eq!(c.failing_streak, 0);
    assert!(!c.probes.is_empty());
    assert!(c.probes.iter().all(|p| p.exit_code == 0));
    assert_eq!(c.exit_code, None);
    assert!(!c.oom_killed);
    assert!(c.started_at.is_some());
    assert_eq!(c.finished_at, None);
    assert_eq!(c.image, "devctl-test/busybox:latest");
    assert_eq!(
        c.ports,
        vec![PublishedPort {
            host_ip: Some("127.0.0.1".into()),
            host_port: Some(18101),
            container_port: 8080,
            protocol: "tcp".into()
        }]
    );
    assert_eq!(c.config_files.as_deref(), Some("/tmp/engfix/compose.yaml"));
    let hc = c.healthcheck.expect("has a health check");
    assert_eq!(hc.test[0], "CMD");
    assert_eq!(hc.interval_ms, Some(1000));
    assert_eq!(hc.timeout_ms, Some(2000));
    assert_eq!(hc.retries, Some(3));
    assert_eq!(hc.start_period_ms, None);
    assert_eq!(c.state_error, None);
    assert_eq!(c.restart_policy, None);
}

#[test]
fn unhealthy_sick_keeps_streak_and_probe_output() {
    let c = inspect("sick");
    assert_eq!(c.state, ContainerState::Running);
    assert_eq!(c.health, Health::Unhealthy);
    assert_eq!(c.failing_streak, 14);
    assert_eq!(c.probes.len(), 5);
    let last = c.probes.last().expect("probe");
    assert_eq!(last.exit_code, 1);
    assert_eq!(last.output, "probe says no\n");
    assert!(
        last.start
            .is_some_and(|t| t.format("%Y").to_string().starts_with("20"))
    );
}

#[test]
fn exited_done_has_exit_code_and_times() {
    let c = inspect("done");
    assert_eq!(c.state, ContainerState::Exited);
    assert_eq!(c.exit_code, Some(3));
    assert_eq!(c.health, Health::None);
    assert!(c.healthcheck.is_none());
    assert!(c.finished_at.is_some());
    assert!(!c.oom_killed);
}

#[test]
fn oom_killed_container() {
    let c = inspect("oom");
    assert_eq!(c.state, ContainerState::Exited);
    assert_eq!(c.exit_code, Some(137));
    assert!(c.oom_killed);
}

#[test]
fn port_clash_shows_state_error_and_no_exit_code() {
    let c = inspect("clash");
    assert_eq!(c.state, ContainerState::Created);
    assert_eq!(
        c.exit_code, None,
        "128 of a never-started container is noise"
    );
    assert_eq!(c.started_at, None, "0001-01-01 means never");
    let e = c.state_error.expect("error");
    assert!(e.contains("port is already allocated"), "{e}");
    let h = inspect("hostclash");
    assert!(
        h.state_error
            .as_deref()
            .is_some_and(|e| e.contains("address already in use")),
        "{:?}",
        h.state_error
    );
}

#[test]
fn starting_health_with_start_period() {
    let c = inspect("slow");
    assert_eq!(c.health, Health::Starting);
    let hc = c.healthcheck.expect("hc");
    assert_eq!(hc.start_period_ms, Some(300_000));
    assert_eq!(hc.test, vec!["CMD".to_string(), "false".to_string()]);
}

#[test]
fn replica_number_from_label() {
    let c = inspect("scaled_2");
    assert_eq!(c.service, "scaled");
    assert_eq!(c.number, 2);
}

#[test]
fn compose_v1_container() {
    let c = inspect("v1_legacy");
    assert_eq!(c.name, "devctl-it-engine-fixture_legacy_1");
    assert_eq!(c.service, "legacy");
    assert_eq!(c.number, 1);
}

#[test]
fn listing_fixture_converts_every_container() {
    let list: Vec<ContainerSummary> =
        serde_json::from_str(&fixture("list.json")).expect("list fixture");
    let mut got: Vec<(String, u32, ContainerState, Health, Option<i64>)> = list
        .iter()
        .map(|s| container_from_summary(s, PROJECT))
        .map(|c| (c.service, c.number, c.state, c.health, c.exit_code))
        .collect();
    got.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    use ContainerState as S;
    use Health as H;
    let want = vec![
        ("clash".to_string(), 1, S::Created, H::None, None),
        ("done".into(), 1, S::Exited, H::None, Some(3)),
        ("oom".into(), 1, S::Exited, H::None, Some(137)),
        ("scaled".into(), 1, S::Running, H::None, None),
        ("scaled".into(), 2, S::Running, H::None, None),
        ("sick".into(), 1, S::Running, H::Unhealthy, None),
        ("slow".into(), 1, S::Running, H::Starting, None),
        ("web".into(), 1, S::Running, H::Healthy, None),
    ];
    assert_eq!(got, want);
    let web = list
        .iter()
        .map(|s| container_from_summary(s, PROJECT))
        .find(|c| c.service == "web")
        .expect("web");
    assert_eq!(web.ports.len(), 1);
    assert_eq!(web.ports[0].host_port, Some(18101));
}

#[test]
fn names_and_numbers_table() {
    let none = HashMap::new();
    let cases = [
        ("proj-api-1", "api", 1),
        ("proj-api-server-12", "api-server", 12),
        ("proj_api_3", "api", 3),
        ("proj_api_server_2", "api_server", 2),
        ("custom-name", "custom-name", 1),
    ];
    for (name, svc, n) in cases {
        assert_eq!(service_name(&none, name, "proj"), svc, "{name}");
        assert_eq!(container_number(&none, name), n, "{name}");
    }
    let labels: HashMap<String, String> = [
        (LABEL_SERVICE.to_string(), "db".to_string()),
        (LABEL_NUMBER.to_string(), "4".to_string()),
    ]
    .into();
    assert_eq!(service_name(&labels, "whatever", "proj"), "db");
    assert_eq!(container_number(&labels, "whatever-1"), 4);
}

#[test]
fn oneoff_label() {
    for (v, want) in [
        ("False", false),
        ("True", true),
        ("true", true),
        ("", false),
    ] {
        let l: HashMap<String, String> = [(LABEL_ONEOFF.to_string(), v.to_string())].into();
        assert_eq!(is_oneoff(&l), want, "{v}");
    }
    assert!(!is_oneoff(&HashMap::new()));
}

#[test]
fn status_text_table() {
    let cases = [
        ("Up 3 minutes (healthy)", Health::Healthy, None),
        ("Up 1 second (health: starting)", Health::Starting, None),
        ("Up 2 hours (unhealthy)", Health::Unhealthy, None),
        ("Up 5 seconds", Health::None, None),
        ("Exited (3) 6 seconds ago", Health::None, Some(3)),
        ("Exited (137) 1 minute ago", Health::None, Some(137)),
        ("Created", Health::None, None),
    ];
    for (s, h, code) in cases {
        assert_eq!(health_from_status_text(s), h, "{s}");
        assert_eq!(exit_code_from_status_text(s), code, "{s}");
    }
}

#[test]
fn state_names() {
    for (s, want) in [
        ("running", ContainerState::Running),
        ("exited", ContainerState::Exited),
        ("restarting", ContainerState::Restarting),
        ("created", ContainerState::Created),
        ("paused", ContainerState::Paused),
        ("dead", ContainerState::Dead),
        ("removing", ContainerState::Removing),
        ("weird", ContainerState::Unknown),
    ] {
        assert_eq!(state_from_str(s), want, "{s}");
    }
}

#[test]
fn healthcheck_none_and_disabled() {
    let none = HealthConfig {
        test: Some(vec!["NONE".into()]),
        ..Default::default()
    };
    assert_eq!(healthcheck_spec(Some(&none)), None);
    assert_eq!(healthcheck_spec(Some(&HealthConfig::default())), None);
    assert_eq!(healthcheck_spec(None), None);
}

#[test]
fn probe_output_is_sanitised() {
    let mut i: ContainerInspectResponse =
        serde_json::from_str(&fixture("inspect_sick.json")).expect("inspect fixture");
    if let Some(log) = i
        .state
        .as_mut()
        .and_then(|s| s.health.as_mut())
        .and_then(|h| h.log.as_mut())
    {
        log[0].output =
            Some("\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[2Jbad\u{1b}]0;title\u{7}\nline2\n".into());
    }
    let c = container_from_inspect(&i, PROJECT);
    assert_eq!(c.probes[0].output, "bad\nline2\n");
}
