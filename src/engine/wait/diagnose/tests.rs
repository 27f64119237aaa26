use super::*;
use crate::engine::model::{ContainerState, HealthcheckSpec, Probe};

fn probe(code: i64, out: &str) -> Probe {
    Probe {
        start: crate::engine::convert::time(Some(&"2026-11-21T19:50:55.181043587Z".to_string())),
        end: crate::engine::convert::time(Some(&"2026-11-21T19:50:55.232961233Z".to_string())),
        exit_code: code,
        output: out.into(),
    }
}

fn with(test: &[&str], probes: Vec<Probe>) -> Container {
    Container {
        name: "p-api-1".into(),
        service: "api".into(),
        state: ContainerState::Running,
        probes,
        healthcheck: Some(HealthcheckSpec {
            test: test.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }),
        ..Container::default()
    }
}

fn has(h: &[String], needle: &str) -> bool {
    h.iter().any(|x| x.contains(needle))
}

// Probe outputs below are verbatim from Engine 20.10 (`docker inspect … .State.Health.Log`).
#[test]
fn missing_probe_program_shell_form() {
    let c = with(
        &["CMD-SHELL", "wget -q --spider http://localhost:8080/health"],
        vec![probe(127, "/bin/sh: wget: not found\n")],
    );
    let h = hints(&c, &[], None);
    assert!(has(&h, "`wget` is not in the image"), "{h:?}");
    assert!(!has(&h, "nothing answered"), "{h:?}");
}

#[test]
fn missing_probe_program_exec_form() {
    let c = with(
        &["CMD", "curl", "-f", "http://localhost/"],
        vec![probe(
            -1,
            "OCI runtime exec failed: exec failed: unable to start container process: exec: \"curl\": executable file not found in $PATH: unknown",
        )],
    );
    assert!(has(&hints(&c, &[], None), "`curl` is not in the image"));
}

#[test]
fn http_404_is_not_a_missing_program() {
    let c = with(
        &["CMD", "wget", "-q", "http://localhost/health"],
        vec![probe(
            1,
            "wget: server returned error: HTTP/1.1 404 Not Found\n",
        )],
    );
    assert!(!has(&hints(&c, &[], None), "not in the image"));
}

#[test]
fn dollar_var_in_exec_form() {
    let c = with(
        &[
            "CMD",
            "node",
            "-e",
            "fetch('http://localhost:${RELAY_PORT}/health')",
        ],
        vec![probe(1, "TypeError: fetch failed\n")],
    );
    let h = hints(&c, &[], None);
    assert!(has(&h, "no shell expands"), "{h:?}");
    assert!(has(&h, "${RELAY_PORT}"), "{h:?}");
    let shell = with(&["CMD-SHELL", "pg_isready -U $POSTGRES_USER"], vec![]);
    assert!(!has(&hints(&shell, &[], None), "no shell expands"));
}

#[test]
fn connection_refused_suggests_bind_address() {
    let c = with(
        &["CMD", "wget", "-q", "-O-", "http://localhost:3001/"],
        vec![probe(
            1,
            "wget: can't connect to remote host (127.0.0.1): Connection refused\n",
        )],
    );
    let h = hints(&c, &[], None);
    assert!(has(&h, "0.0.0.0"), "{h:?}");
    // Log line saying so, even without refusal text.
    let quiet = with(&["CMD", "true"], vec![probe(1, "")]);
    assert!(has(
        &hints(
            &quiet,
            &["Server listening on http://127.0.0.1:3001".into()],
            None
        ),
        "0.0.0.0"
    ));
}

/// With the container's listeners known, the hint compares the probe's port with the ports
/// the app really listens on, instead of only suggesting 0.0.0.0.
#[test]
fn refused_probe_names_the_port_the_app_listens_on() {
    use crate::engine::listeners::Listener;
    let c = with(
        &[
            "CMD-SHELL",
            "wget -q --spider http://localhost:8080/health || exit 1",
        ],
        vec![probe(
            1,
            "wget: can't connect to remote host (127.0.0.1): Connection refused\n",
        )],
    );
    let app = [Listener {
        ip: "0.0.0.0".parse().expect("ip"),
        port: 9090,
    }];
    let h = hints(&c, &[], Some(&app));
    assert!(
        has(
            &h,
            "the probe targets :8080, but the app listens on :9090 (0.0.0.0): point the probe at port 9090 (`healthcheck.test`), or make the app listen on 8080"
        ),
        "{h:?}"
    );
    assert!(!has(&h, "check that the app listens on 0.0.0.0"), "{h:?}");
    // Listening on the probe's port: the port is not the problem; the old hint stays.
    let on_port = [Listener {
        ip: "127.0.0.1".parse().expect("ip"),
        port: 8080,
    }];
    let h = hints(&c, &[], Some(&on_port));
    assert!(has(&h, "check that the app listens on 0.0.0.0"), "{h:?}");
    assert!(!has(&h, "the probe targets"), "{h:?}");
    let text = render_container(&c, &[], Some(&app), "  ");
    assert!(
        text.contains("hint: the probe targets :8080, but the app listens on :9090"),
        "{text}"
    );
}

#[test]
fn port_taken_names_the_port() {
    for (err, port) in [
        (
            "driver failed programming external connectivity on endpoint p-web-1 (2d86): Bind for 127.0.0.1:18101 failed: port is already allocated",
            "127.0.0.1:18101",
        ),
        (
            "driver failed programming external connectivity on endpoint x (2c54): Error starting userland proxy: listen tcp4 127.0.0.1:18102: bind: address already in use",
            "127.0.0.1:18102",
        ),
    ] {
        let c = Container {
            state: ContainerState::Created,
            state_error: Some(err.into()),
            ..Container::default()
        };
        let h = hints(&c, &[], None);
        assert!(
            has(&h, &format!("host port {port} is already taken")),
            "{h:?}"
        );
    }
}

#[test]
fn oom_and_exit_codes() {
    let oom = Container {
        state: ContainerState::Exited,
        exit_code: Some(137),
        oom_killed: true,
        ..Container::default()
    };
    assert!(has(&hints(&oom, &[], None), "OOM killer"));
    let e127 = Container {
        state: ContainerState::Exited,
        exit_code: Some(127),
        ..Container::default()
    };
    assert!(has(&hints(&e127, &[], None), "exit 127"));
    let fine = Container::default();
    assert!(hints(&fine, &[], None).is_empty());
}

#[test]
fn render_shows_probes_exit_logs_and_hints() {
    let mut c = with(
        &["CMD-SHELL", "echo probe says no; exit 1"],
        (0..5)
            .map(|i| probe(1, &format!("probe says no {i}\n")))
            .collect(),
    );
    c.failing_streak = 5;
    let text = render_container(&c, &["booting".into(), "ready?".into()], None, "  ");
    assert!(text.contains("container p-api-1 (running)"), "{text}");
    assert!(
        !text.contains("probe says no 1"),
        "only the last {PROBES_SHOWN}: {text}"
    );
    assert!(text.contains("[19:50:55 exit 1] probe says no 4"), "{text}");
    assert!(text.contains("exit code: -   OOM-killed: no"), "{text}");
    assert!(text.contains("last 2 log lines:"), "{text}");
    assert!(text.contains("    | booting"), "{text}");
}
