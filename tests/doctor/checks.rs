//! One fixture that trips each check and one that passes it (tests/fixtures/doctor/<case>/
//! {trip,pass}). The project model comes from the real `docker compose config --format json`;
//! the checks run offline (Engine-backed checks get hand-made Engine facts here and the real
//! Engine in tests/doctor/engine.rs).

use crate::common;

use std::collections::BTreeMap;

use common::doctor::*;
use devctl::doctor::engine_facts::{ContainerFact, EngineFacts, ImageFact};
use devctl::doctor::{DoctorInput, EngineState, Severity};

struct Case {
    id: &'static str,
    dir: &'static str,
    files: &'static [&'static str],
    env: Option<&'static str>,
    severity: Severity,
    /// Text the tripping finding must mention.
    needles: &'static [&'static str],
}

const DC: &[&str] = &["docker-compose.yml"];
const DOCKER_DC: &[&str] = &["docker/docker-compose.yml"];

const CASES: &[Case] = &[
    Case {
        id: "CONFIG-001-env-missing",
        dir: "env-missing",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &[".env.example"],
    },
    Case {
        id: "CONFIG-001-env-not-read",
        dir: "env-not-read",
        files: DOCKER_DC,
        env: None,
        severity: Severity::Error,
        needles: &["docker/.env"],
    },
    Case {
        id: "CONFIG-001-env-key-missing",
        dir: "env-keys",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &["B"],
    },
    Case {
        id: "CONFIG-001-env-key-empty",
        dir: "env-keys",
        files: DC,
        env: None,
        severity: Severity::Info,
        needles: &["A"],
    },
    Case {
        id: "CONFIG-001-variable-unset",
        dir: "variable-unset",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &["DOCTOR_IT_UNSET_DB", "services.app.environment.DSN"],
    },
    Case {
        id: "CONFIG-001-generic-project-name",
        dir: "generic-name",
        files: DOCKER_DC,
        env: None,
        severity: Severity::Warning,
        needles: &["docker"],
    },
    Case {
        id: "TECH-001-build-target-missing",
        dir: "build-target",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &["development", "base, production"],
    },
    Case {
        id: "DATA-001-db-volume-not-external",
        dir: "db-volume",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &["pgdata", "PostgreSQL"],
    },
    Case {
        id: "DATA-001-db-anonymous-volume",
        dir: "db-anonymous",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &["MySQL/MariaDB", "/var/lib/mysql"],
    },
    Case {
        id: "OPS-001-no-healthcheck",
        dir: "no-healthcheck",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &["web"],
    },
    Case {
        id: "OPS-001-healthcheck-no-start-period",
        dir: "start-period",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &["web"],
    },
    Case {
        id: "OPS-001-cmd-probe-env-var",
        dir: "cmd-probe-var",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &["$POSTGRES_USER"],
    },
    Case {
        id: "OPS-001-probe-missing",
        dir: "probe-missing",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &["curl", "node:22-alpine"],
    },
    Case {
        id: "OPS-001-depends-on-not-healthy",
        dir: "depends-not-healthy",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &["web", "api"],
    },
    Case {
        id: "OPS-001-depends-on-no-healthcheck",
        dir: "depends-no-healthcheck",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &["cache"],
    },
    Case {
        id: "PORT-001-duplicate-host-port",
        dir: "duplicate-port",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &["18601/tcp"],
    },
    Case {
        id: "PORT-003-db-port-public",
        dir: "db-port",
        files: DC,
        env: None,
        severity: Severity::Info,
        needles: &["5432"],
    },
    Case {
        id: "SEC-001-literal-secret",
        dir: "literal-secret",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &["ADMIN_PASSWORD"],
    },
    Case {
        id: "SEC-001-literal-secret",
        dir: "literal-secret-anchor",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &["API_TOKEN", "services.app.environment.API_TOKEN"],
    },
    Case {
        id: "SEC-001-secret-default",
        dir: "secret-default",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &["REDIS_PASSWORD"],
    },
    Case {
        id: "SEC-001-build-arg-secret",
        dir: "build-arg-secret",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &["NPM_TOKEN"],
    },
    Case {
        id: "SEC-001-no-dockerignore",
        dir: "no-dockerignore",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &["app"],
    },
    Case {
        id: "SEC-001-dockerignore-keeps-env",
        dir: "dockerignore-env",
        files: DC,
        env: None,
        severity: Severity::Error,
        needles: &[".env"],
    },
    Case {
        id: "PROD-001-image-latest",
        dir: "prod",
        files: &["docker-compose.yml", "docker-compose.prod.yml"],
        env: Some("prod"),
        severity: Severity::Warning,
        needles: &["busybox:latest"],
    },
    Case {
        id: "PROD-001-no-restart-policy",
        dir: "prod",
        files: &["docker-compose.yml", "docker-compose.prod.yml"],
        env: Some("prod"),
        severity: Severity::Warning,
        needles: &["worker"],
    },
    Case {
        id: "PROD-001-no-resource-limits",
        dir: "prod",
        files: &["docker-compose.yml", "docker-compose.prod.yml"],
        env: Some("prod"),
        severity: Severity::Warning,
        needles: &["web"],
    },
    Case {
        id: "PROD-001-runs-as-root",
        dir: "prod",
        files: &["docker-compose.yml", "docker-compose.prod.yml"],
        env: Some("prod"),
        severity: Severity::Warning,
        needles: &["web"],
    },
    // develop.watch rules that can never fire: at the file and key that hold them.
    Case {
        id: "WATCH-001-path-missing",
        dir: "watch-path-missing",
        files: &["docker-compose.yml", "docker-compose.dev.yml"],
        env: None,
        severity: Severity::Warning,
        needles: &[
            "services.api.develop.watch[1].path",
            "/docker-compose.dev.yml",
            "./nope",
        ],
    },
    Case {
        id: "WATCH-001-ignore-all",
        dir: "watch-ignore-all",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &[
            "services.api.develop.watch[0].ignore",
            "/docker-compose.yml",
        ],
    },
    Case {
        id: "WATCH-001-rebuild-without-build",
        dir: "watch-rebuild-no-build",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &[
            "services.api.develop.watch[0].action",
            "/docker-compose.yml",
        ],
    },
    Case {
        id: "WATCH-001-sync-shadowed",
        dir: "watch-sync-shadowed",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &[
            "services.api.develop.watch[0].target",
            "/docker-compose.yml",
            "/app/src",
        ],
    },
    Case {
        id: "WATCH-001-layer-not-loaded",
        dir: "watch-layer-not-loaded",
        files: DC,
        env: None,
        severity: Severity::Warning,
        needles: &["services.api.develop.watch", "/docker-compose.dev.yml"],
    },
];

fn case_input(c: &Case, variant: &str) -> DoctorInput {
    input(
        &fixtures().join(c.dir).join(variant),
        c.files,
        &[],
        c.env,
        EngineState::Offline,
    )
}

#[test]
fn every_check_trips_on_its_fixture_and_passes_the_other() {
    for c in CASES {
        let trip = run(&case_input(c, "trip"));
        let f = trip.iter().find(|f| f.id == c.id);
        assert!(
            f.is_some(),
            "{}: trip fixture does not trip it\n{}",
            c.id,
            dump(&trip)
        );
        let f = f.expect("checked above");
        assert_eq!(f.severity, c.severity, "{}: severity", c.id);
        assert!(
            has(&trip, c.id, c.needles),
            "{}: finding mentions {:?}\n{}",
            c.id,
            c.needles,
            dump(&trip)
        );
        assert!(
            !f.why.is_empty() && !f.fix.is_empty(),
            "{}: why and fix are filled",
            c.id
        );
        let pass = run(&case_input(c, "pass"));
        assert_eq!(
            count(&pass, c.id),
            0,
            "{}: pass fixture trips it\n{}",
            c.id,
            dump(&pass)
        );
    }
}

#[test]
fn production_checks_only_for_protected_environments() {
    let i = input(
        &fixtures().join("prod/trip"),
        &["docker-compose.yml"],
        &[],
        None,
        EngineState::Offline,
    );
    let fs = run(&i);
    assert!(
        fs.iter().all(|f| !f.id.starts_with("PROD-")),
        "{}",
        dump(&fs)
    );
}

#[test]
fn protected_volume_not_external() {
    for (variant, want) in [("trip", 1), ("pass", 0)] {
        let mut i = input(
            &fixtures().join("protected-volume").join(variant),
            DC,
            &[],
            None,
            EngineState::Offline,
        );
        i.protected_volumes = vec!["uploads".into()];
        let fs = run(&i);
        assert_eq!(
            count(&fs, "DATA-001-protected-volume-not-external"),
            want,
            "{variant}\n{}",
            dump(&fs)
        );
    }
}

#[test]
fn missing_layer_file() {
    let mut i = input(
        &fixtures().join("no-healthcheck/pass"),
        DC,
        &[],
        None,
        EngineState::Offline,
    );
    assert_eq!(count(&run(&i), "CONFIG-001-layer-file-missing"), 0);
    i.files
        .push(fixtures().join("no-healthcheck/pass/docker-compose.dev.yml"));
    assert!(has(
        &run(&i),
        "CONFIG-001-layer-file-missing",
        &["docker-compose.dev.yml"]
    ));
}

fn facts() -> EngineFacts {
    EngineFacts {
        version: Some("20.10.24".into()),
        api_version: Some("1.41".into()),
        local: true,
        ..Default::default()
    }
}

#[test]
fn external_volume_missing_or_labelled() {
    let dir = fixtures().join("db-volume/pass");
    // Missing on the Engine.
    let i = input(&dir, DC, &[], None, EngineState::Facts(facts()));
    assert!(
        has(
            &run(&i),
            "DATA-001-external-volume-missing",
            &["shop_pgdata"]
        ),
        "{}",
        dump(&run(&i))
    );
    // Present, created by Compose as a project volume: labelled.
    let mut f = facts();
    f.volumes.insert(
        "shop_pgdata".into(),
        BTreeMap::from([("com.docker.compose.project".to_string(), "shop".to_string())]),
    );
    let i = input(&dir, DC, &[], None, EngineState::Facts(f));
    let fs = run(&i);
    assert!(
        has(
            &fs,
            "DATA-001-external-volume-compose-labels",
            &["shop_pgdata", "shop"]
        ),
        "{}",
        dump(&fs)
    );
    assert_eq!(count(&fs, "DATA-001-external-volume-missing"), 0);
    // Present and clean: nothing.
    let mut f = facts();
    f.volumes.insert("shop_pgdata".into(), BTreeMap::new());
    let fs = run(&input(&dir, DC, &[], None, EngineState::Facts(f)));
    assert!(
        fs.iter().all(|f| !f.id.starts_with("DATA-001-external")),
        "{}",
        dump(&fs)
    );
    // Offline: not checked (reported as skipped by the command).
    let fs = run(&input(&dir, DC, &[], None, EngineState::Offline));
    assert_eq!(count(&fs, "DATA-001-external-volume-missing"), 0);
}

#[test]
fn host_port_in_use_unless_held_by_this_project() {
    let dir = fixtures().join("duplicate-port/pass");
    let mut f = facts();
    f.busy_ports.insert(("tcp".into(), String::new(), 18601));
    let fs = run(&input(&dir, DC, &[], None, EngineState::Facts(f.clone())));
    assert!(
        has(&fs, "PORT-002-host-port-in-use", &["18601/tcp", "`a`"]),
        "{}",
        dump(&fs)
    );
    // Held by this project's own running container: not a problem.
    f.containers.push(ContainerFact {
        name: "pass-a-1".into(),
        service: Some("a".into()),
        state: "running".into(),
        config_files: None,
        published: vec![("tcp".into(), 18601)],
        listeners: None,
    });
    let fs = run(&input(&dir, DC, &[], None, EngineState::Facts(f.clone())));
    assert_eq!(count(&fs, "PORT-002-host-port-in-use"), 0, "{}", dump(&fs));
    // A remote Engine: a local bind test means nothing.
    f.containers.clear();
    f.local = false;
    let fs = run(&input(&dir, DC, &[], None, EngineState::Facts(f)));
    assert_eq!(count(&fs, "PORT-002-host-port-in-use"), 0);
}

#[test]
fn drift_from_another_file_set() {
    let dir = fixtures().join("prod/pass");
    let files = ["docker-compose.yml", "docker-compose.prod.yml"];
    let want = files
        .iter()
        .map(|f| dir.join(f).display().to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut f = facts();
    f.containers.push(ContainerFact {
        name: "prodcheck-web-1".into(),
        service: Some("web".into()),
        state: "running".into(),
        config_files: Some(dir.join("docker-compose.yml").display().to_string()),
        published: vec![],
        listeners: None,
    });
    let fs = run(&input(
        &dir,
        &files,
        &[],
        Some("prod"),
        EngineState::Facts(f.clone()),
    ));
    assert!(
        has(&fs, "DRIFT-001-config-files", &["`web`"]),
        "{}",
        dump(&fs)
    );
    f.containers[0].config_files = Some(want);
    let fs = run(&input(
        &dir,
        &files,
        &[],
        Some("prod"),
        EngineState::Facts(f),
    ));
    assert_eq!(count(&fs, "DRIFT-001-config-files"), 0, "{}", dump(&fs));
}

#[test]
fn local_image_facts_win_over_static_knowledge() {
    // probe-missing/trip probes curl in a node:22-alpine build: statically an error. If the
    // built image exists locally and has curl, the Engine's answer wins (and vice versa).
    let dir = fixtures().join("probe-missing/trip");
    let i = input(&dir, DC, &[], None, EngineState::Offline);
    let img = i.service_image("api").expect("image name");
    let mut f = facts();
    f.images.insert(
        img.clone(),
        Some(ImageFact {
            user: "node".into(),
            programs: BTreeMap::from([("curl".to_string(), true)]),
            ..Default::default()
        }),
    );
    let fs = run(&input(&dir, DC, &[], None, EngineState::Facts(f)));
    assert_eq!(count(&fs, "OPS-001-probe-missing"), 0, "{}", dump(&fs));
    let pass = fixtures().join("probe-missing/pass");
    let img = input(&pass, DC, &[], None, EngineState::Offline)
        .service_image("api")
        .expect("image name");
    assert_eq!(
        img, "pass-api",
        "Compose names a built image <project>-<service>"
    );
    let mut f = facts();
    f.images.insert(
        img,
        Some(ImageFact {
            programs: BTreeMap::from([("curl".to_string(), false)]),
            ..Default::default()
        }),
    );
    let fs = run(&input(&pass, DC, &[], None, EngineState::Facts(f)));
    assert!(
        has(&fs, "OPS-001-probe-missing", &["curl", "local image"]),
        "{}",
        dump(&fs)
    );
}

#[test]
fn app_listening_on_loopback_only_inside_its_container() {
    use devctl::engine::listeners::Listener;
    let dir = fixtures().join("duplicate-port/pass");
    let l = |ip: &str, port: u16| Listener {
        ip: ip.parse().expect("ip"),
        port,
    };
    let container = |listeners: Vec<Listener>| ContainerFact {
        name: "pass-a-1".into(),
        service: Some("a".into()),
        state: "running".into(),
        config_files: None,
        published: vec![("tcp".into(), 18601)],
        listeners: Some(listeners),
    };
    // Trips: `a` publishes container port 80, and only 127.0.0.1:80 / [::1]:80 listen.
    let mut f = facts();
    f.containers.push(container(vec![
        l("127.0.0.1", 80),
        l("::1", 80),
        l("127.0.0.11", 40901),
    ]));
    let fs = run(&input(&dir, DC, &[], None, EngineState::Facts(f)));
    assert!(
        has(
            &fs,
            "OPS-001-listens-on-loopback",
            &["a listens on 127.0.0.1:80, [::1]:80 only", "pass-a-1"]
        ),
        "{}",
        dump(&fs)
    );
    let hit = fs
        .iter()
        .find(|x| x.id == "OPS-001-listens-on-loopback")
        .expect("finding");
    assert_eq!(hit.key_path.as_deref(), Some("services.a.ports[0]"));
    assert!(hit.fix.contains("0.0.0.0"), "{}", hit.fix);
    // Passes: the app listens on every interface (or also on one).
    for good in [
        vec![l("0.0.0.0", 80)],
        vec![l("::", 80)],
        vec![l("127.0.0.1", 80), l("172.18.0.2", 80)],
        // Nothing listens on 80 at all: not this check's business.
        vec![l("127.0.0.1", 8080)],
    ] {
        let mut f = facts();
        f.containers.push(container(good.clone()));
        let fs = run(&input(&dir, DC, &[], None, EngineState::Facts(f)));
        assert_eq!(
            count(&fs, "OPS-001-listens-on-loopback"),
            0,
            "{good:?}: {}",
            dump(&fs)
        );
    }
    // Unreadable listeners (remote Engine): no finding.
    let mut f = facts();
    let mut c = container(vec![]);
    c.listeners = None;
    f.containers.push(c);
    let fs = run(&input(&dir, DC, &[], None, EngineState::Facts(f)));
    assert_eq!(count(&fs, "OPS-001-listens-on-loopback"), 0);
}

/// The probe targets one port, the app listens on another: doctor says which, from the
/// container's listeners, instead of the generic "listen on 0.0.0.0".
#[test]
fn probe_aimed_at_a_port_the_app_does_not_listen_on() {
    use devctl::engine::listeners::Listener;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(
        dir.join("docker-compose.yml"),
        "name: devctl-it-h18ans-probe\nservices:\n  api:\n    image: alpine\n    healthcheck:\n      test: [\"CMD-SHELL\", \"wget -q --spider http://localhost:8080/health || exit 1\"]\n",
    )
    .expect("write");
    let l = |ip: &str, port: u16| Listener {
        ip: ip.parse().expect("ip"),
        port,
    };
    let container = |listeners: Option<Vec<Listener>>| ContainerFact {
        name: "devctl-it-h18ans-probe-api-1".into(),
        service: Some("api".into()),
        state: "running".into(),
        config_files: None,
        published: vec![],
        listeners,
    };
    let mut f = facts();
    f.containers.push(container(Some(vec![
        l("0.0.0.0", 9090),
        l("127.0.0.11", 40901),
    ])));
    let fs = run(&input(dir, DC, &[], None, EngineState::Facts(f)));
    assert!(
        has(
            &fs,
            "OPS-001-probe-port-not-listening",
            &["the probe targets :8080, but the app listens on :9090 (0.0.0.0)"]
        ),
        "{}",
        dump(&fs)
    );
    let hit = fs
        .iter()
        .find(|x| x.id == "OPS-001-probe-port-not-listening")
        .expect("finding");
    assert_eq!(hit.severity, devctl::doctor::Severity::Error);
    assert_eq!(
        hit.key_path.as_deref(),
        Some("services.api.healthcheck.test")
    );
    assert_eq!(
        hit.fix,
        "Point the probe at port 9090 (`healthcheck.test`), or make the app listen on 8080."
    );
    // The app listens on the probe's port, nothing listens yet, or the listeners cannot be
    // read: no finding.
    for listeners in [Some(vec![l("0.0.0.0", 8080)]), Some(vec![]), None] {
        let mut f = facts();
        f.containers.push(container(listeners.clone()));
        let fs = run(&input(dir, DC, &[], None, EngineState::Facts(f)));
        assert_eq!(
            count(&fs, "OPS-001-probe-port-not-listening"),
            0,
            "{listeners:?}: {}",
            dump(&fs)
        );
    }
}
