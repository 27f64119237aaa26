//! Test fixtures: a project, containers in every state, a model at a fixed instant.

use chrono::{DateTime, TimeZone, Utc};

use crate::engine::model::{
    Container, ContainerState, Health, ProjectListing, PublishedPort, ServiceStatus,
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
pub(crate) fn snapshot() -> ProjectListing {
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
    ProjectListing {
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

/// A stack shaped like a user's own: several services in different health states, published
/// ports, long names, CPU/memory figures and log lines; `width`×`height`.
pub(crate) fn realistic_model(width: u16, height: u16) -> Model {
    use crate::engine::model::Usage;
    use crate::tui::msg::{LogLine, Msg};
    let names = [
        ("frontend-web", hc(10)),
        ("backend-api", hc(20)),
        ("postgres-primary-database", hc(30)),
        ("redis-cache", hc(5)),
        ("notification-worker", None),
        ("db-migrations", None),
        ("search-indexer", hc(10)),
        ("mailhog", None),
    ];
    let mut info = info();
    info.name = "acme-shop".into();
    info.services = names
        .iter()
        .map(|(n, h)| ServiceInfo {
            name: (*n).into(),
            image: Some("devctl-test/busybox:latest".into()),
            healthcheck: h.clone(),
            ..ServiceInfo::default()
        })
        .collect();
    info.services.push(ServiceInfo {
        name: "debug-tools".into(),
        profile_disabled: true,
        profiles: vec!["tools".into()],
        ..ServiceInfo::default()
    });
    let port = |ip: &str, host: u16, to: u16| PublishedPort {
        host_ip: Some(ip.into()),
        host_port: Some(host),
        container_port: to,
        protocol: "tcp".into(),
    };
    let mut web = container("frontend-web", ContainerState::Running, Health::Healthy);
    web.ports = vec![port("0.0.0.0", 3000, 3000)];
    let mut api = container("backend-api", ContainerState::Running, Health::Unhealthy);
    api.failing_streak = 12;
    api.restart_count = 2;
    api.ports = vec![port("127.0.0.1", 8080, 9090)];
    let mut db = container(
        "postgres-primary-database",
        ContainerState::Running,
        Health::Starting,
    );
    db.started_at = Some(ago(8));
    db.ports = vec![port("0.0.0.0", 5432, 5432)];
    let mut redis = container("redis-cache", ContainerState::Running, Health::Healthy);
    redis.ports = vec![port("0.0.0.0", 6379, 6379)];
    let worker = container("notification-worker", ContainerState::Running, Health::None);
    let mut migrate = container("db-migrations", ContainerState::Exited, Health::None);
    migrate.exit_code = Some(0);
    let mut search = container("search-indexer", ContainerState::Exited, Health::None);
    search.exit_code = Some(137);
    search.oom_killed = true;
    let services = vec![
        status("frontend-web", vec![web]),
        status("backend-api", vec![api]),
        status("postgres-primary-database", vec![db]),
        status("redis-cache", vec![redis]),
        status("notification-worker", vec![worker]),
        status("db-migrations", vec![migrate]),
        status("search-indexer", vec![search]),
        status("mailhog", vec![]),
        ServiceStatus {
            profile_disabled: true,
            ..status("debug-tools", vec![])
        },
    ];
    let mut m = Model::new(Config::default(), info, now());
    m.width = width;
    m.height = height;
    m.connection = crate::tui::model::Connection::Connected;
    m.versions = crate::tui::model::Versions {
        engine: Some("20.10.24".into()),
        api: Some("1.41".into()),
        compose: Some("2.40.3".into()),
        context: Some("default".into()),
    };
    m.snapshot = Some(ProjectListing {
        project: "acme-shop".into(),
        services,
    });
    for (svc, cpu, mem) in [
        ("frontend-web", 3.2, 88_400_000u64),
        ("backend-api", 41.7, 312_000_000),
        ("postgres-primary-database", 12.0, 1_250_000_000),
        ("redis-cache", 0.4, 9_800_000),
        ("notification-worker", 0.0, 21_000_000),
    ] {
        m.usage.insert(
            svc.into(),
            Usage {
                cpu_percent: cpu,
                mem_bytes: mem,
                mem_limit: 0,
            },
        );
        m.history.insert(
            svc.into(),
            [cpu / 4.0, cpu / 2.0, cpu, cpu * 1.5, cpu]
                .into_iter()
                .collect(),
        );
    }
    let lines = [
        ("backend-api", "GET /healthz 503 (db not ready)"),
        (
            "postgres-primary-database",
            "database system is starting up",
        ),
        ("frontend-web", "compiled successfully in 1.2s"),
        (
            "backend-api",
            "ERROR: connection to postgres-primary-database:5432 refused",
        ),
    ];
    for (i, (s, t)) in lines.iter().enumerate() {
        crate::tui::update::update(
            &mut m,
            Msg::Log(LogLine {
                service: (*s).into(),
                timestamp: Some(now() - chrono::Duration::seconds(10 - i as i64)),
                stderr: t.starts_with("ERROR"),
                text: (*t).into(),
            }),
        );
    }
    m
}
