//! Test fixtures: a project, containers in every state, a model at a fixed instant.

use chrono::{DateTime, TimeZone, Utc};

use crate::engine::model::{
    Container, ContainerState, Health, ProjectSnapshot, PublishedPort, ServiceStatus,
};
use crate::tui::config::Config;
use crate::tui::info::{HealthSpec, MountInfo, ProjectInfo, ServiceInfo};
use crate::tui::model::Model;
use crate::tui::msg::{PlanView, PlanVolume};

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
        .single()
        .expect("valid date")
}

/// RFC 3339 time `secs` seconds before [`now`].
pub(crate) fn ago(secs: i64) -> chrono::DateTime<chrono::Utc> {
    now() - chrono::Duration::seconds(secs)
}

pub(crate) fn hc(start_period: u64) -> Option<HealthSpec> {
    Some(HealthSpec {
        test: "wget -qO- http://localhost/health".into(),
        interval: Some(std::time::Duration::from_secs(5)),
        timeout: Some(std::time::Duration::from_secs(3)),
        retries: Some(3),
        start_period: Some(std::time::Duration::from_secs(start_period)),
    })
}

pub(crate) fn info() -> ProjectInfo {
    let svc = |name: &str, healthcheck| ServiceInfo {
        name: name.into(),
        image: Some("devctl-test/busybox:latest".into()),
        healthcheck,
        ..ServiceInfo::default()
    };
    let mut db = svc("db", hc(30));
    db.mounts = vec![
        MountInfo {
            kind: "volume".into(),
            source: Some("pgdata".into()),
            target: "/var/lib/postgresql/data".into(),
            volume_name: Some("shop_pgdata".into()),
            protected: true,
            ..MountInfo::default()
        },
        MountInfo {
            kind: "volume".into(),
            source: Some("backups".into()),
            target: "/backups".into(),
            read_only: true,
            volume_name: Some("company-backups".into()),
            external: true,
            ..MountInfo::default()
        },
    ];
    db.environment = vec![
        ("POSTGRES_DB".into(), Some("shop".into())),
        ("POSTGRES_PASSWORD".into(), Some("hunter2".into())),
    ];
    db.defined_in = vec![
        (
            "/p/compose.yaml".into(),
            vec!["image".into(), "healthcheck".into()],
        ),
        (
            "/p/compose.dev.yaml".into(),
            vec!["environment.POSTGRES_PASSWORD".into()],
        ),
    ];
    ProjectInfo {
        name: "shop".into(),
        environment: Some("dev".into()),
        protected: false,
        files: vec!["/p/compose.yaml".into(), "/p/compose.dev.yaml".into()],
        project_dir: "/p".into(),
        services: vec![
            svc("web", hc(10)),
            svc("api", hc(20)),
            db,
            svc("worker", None),
            svc("cache", hc(10)),
            svc("migrate", None),
            ServiceInfo {
                name: "debug".into(),
                profile_disabled: true,
                profiles: vec!["tools".into()],
                ..ServiceInfo::default()
            },
        ],
    }
}

pub(crate) fn container(service: &str, state: ContainerState, health: Health) -> Container {
    Container {
        id: format!("{service}0123456789abcdef"),
        name: format!("shop-{service}-1"),
        service: service.into(),
        number: 1,
        state,
        health,
        failing_streak: 0,
        probes: vec![],
        restart_count: 0,
        exit_code: None,
        oom_killed: false,
        started_at: Some(ago(3 * 3600 + 12 * 60)),
        finished_at: None,
        ports: vec![],
        image: "devctl-test/busybox:latest".into(),
        ..Container::default()
    }
}

pub(crate) fn status(name: &str, containers: Vec<Container>) -> ServiceStatus {
    ServiceStatus {
        name: name.into(),
        declared: true,
        profile_disabled: false,
        has_healthcheck: true,
        containers,
        usage: None,
    }
}

/// One service in each interesting state.
pub(crate) fn snapshot() -> ProjectSnapshot {
    let mut web = container("web", ContainerState::Running, Health::Healthy);
    web.ports = vec![PublishedPort {
        host_ip: Some("0.0.0.0".into()),
        host_port: Some(18080),
        container_port: 80,
        protocol: "tcp".into(),
    }];
    let mut api = container("api", ContainerState::Running, Health::Unhealthy);
    api.failing_streak = 4;
    api.restart_count = 2;
    let mut db = container("db", ContainerState::Running, Health::Starting);
    db.started_at = Some(ago(8));
    let mut cache = container("cache", ContainerState::Exited, Health::None);
    cache.exit_code = Some(137);
    cache.started_at = Some(ago(600));
    ProjectSnapshot {
        project: "shop".into(),
        services: vec![
            status("web", vec![web]),
            status("api", vec![api]),
            status("db", vec![db]),
            status(
                "worker",
                vec![container("worker", ContainerState::Running, Health::None)],
            ),
            status("cache", vec![cache]),
            status("migrate", vec![]),
            ServiceStatus {
                profile_disabled: true,
                ..status("debug", vec![])
            },
        ],
    }
}

/// A model with the fixture project, connected, at [`now`], 100×30.
pub(crate) fn model() -> Model {
    let mut m = Model::new(Config::default(), info(), now());
    m.width = 100;
    m.height = 30;
    m.connection = crate::tui::model::Connection::Connected;
    m.versions = crate::tui::model::Versions {
        engine: Some("20.10.24".into()),
        api: Some("1.41".into()),
        compose: Some("2.40.3".into()),
        context: Some("default".into()),
    };
    m.snapshot = Some(snapshot());
    m
}

pub(crate) fn plan() -> PlanView {
    PlanView {
        project: "shop".into(),
        steps: vec![
            "docker compose -p shop -f /p/compose.yaml down".into(),
            "remove volume shop_pgdata".into(),
            "remove volume shop_cache".into(),
        ],
        volumes: vec![
            PlanVolume {
                name: "shop_pgdata".into(),
                size: Some(48_234_496),
                used_by: vec!["db".into()],
                created: Some("2025-02-27T09:14:00Z".into()),
                marks: vec![],
            },
            PlanVolume {
                name: "shop_cache".into(),
                size: None,
                used_by: vec!["cache".into()],
                created: None,
                marks: vec![],
            },
        ],
        kept: vec![("company-backups".into(), "external".into())],
        warnings: vec![],
        confirm_words: vec!["shop".into()],
        blocked: None,
        token: None,
    }
}
