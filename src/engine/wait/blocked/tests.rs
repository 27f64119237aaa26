use std::path::{Path, PathBuf};

use super::*;
use crate::engine::model::{Container, Health};
use crate::project::Origin;
use crate::project::model::{DependsOn, Service};

fn status(name: &str, state: ContainerState, health: Health, exit: Option<i64>) -> ServiceStatus {
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
            exit_code: exit,
            ..Container::default()
        }],
        ..ServiceStatus::default()
    }
}

fn service(deps: &[(&str, &str)]) -> Service {
    let mut s = Service::default();
    for (d, c) in deps {
        s.depends_on.insert(
            d.to_string(),
            DependsOn {
                condition: Some(c.to_string()),
                ..Default::default()
            },
        );
    }
    s
}

/// The seed's shape: backend-worker → backend-api → postgres + redis (all service_healthy),
/// the condition set in the base file.
fn seed() -> (Project, Provenance) {
    let mut p = Project::default();
    let h = "service_healthy";
    p.services.insert("postgres".into(), service(&[]));
    p.services.insert("redis".into(), service(&[]));
    p.services.insert(
        "backend-api".into(),
        service(&[("postgres", h), ("redis", h)]),
    );
    p.services
        .insert("backend-worker".into(), service(&[("backend-api", h)]));
    let mut prov = Provenance::default();
    let file = PathBuf::from("/proj/docker/docker-compose.yml");
    for (svc, dep) in [
        ("backend-api", "postgres"),
        ("backend-api", "redis"),
        ("backend-worker", "backend-api"),
    ] {
        let path = format!("services.{svc}.depends_on.{dep}.condition");
        prov.insert(
            path.clone(),
            vec![Origin {
                file: file.clone(),
                path,
                value: h.into(),
            }],
        );
    }
    (p, prov)
}

#[test]
fn an_unhealthy_database_blocks_the_api_and_through_it_the_worker() {
    use ContainerState as S;
    let (p, prov) = seed();
    let st = vec![
        status("postgres", S::Running, Health::Unhealthy, None),
        status("redis", S::Running, Health::Healthy, None),
        status("backend-api", S::Created, Health::None, None),
        status("backend-worker", S::Created, Health::None, None),
    ];
    let b = find(&p, &prov, &st, Path::new("/proj"));
    assert_eq!(b.len(), 2, "{b:?}");
    assert_eq!(
        b[0].text(),
        "not started: waits for postgres (`condition: service_healthy` in docker/docker-compose.yml)"
    );
    assert!(b[0].dependency_failed);
    assert_eq!(b[1].service, "backend-worker");
    assert_eq!(
        b[1].text(),
        "not started: waits for backend-api (`condition: service_healthy` in \
         docker/docker-compose.yml), which was not started either"
    );
    // Outside `base`: the full path.
    let b = find(&p, &prov, &st, Path::new("/elsewhere"));
    assert_eq!(
        b[0].declared_in.as_deref(),
        Some("/proj/docker/docker-compose.yml")
    );
}

#[test]
fn nothing_is_blocked_when_no_dependency_failed() {
    use ContainerState as S;
    let (p, prov) = seed();
    // Still starting (Compose stopped for another reason, e.g. a port): nothing to add.
    let st = vec![
        status("postgres", S::Running, Health::Starting, None),
        status("redis", S::Running, Health::Healthy, None),
        status("backend-api", S::Created, Health::None, None),
        status("backend-worker", S::Created, Health::None, None),
    ];
    assert_eq!(find(&p, &prov, &st, Path::new("/proj")), vec![]);
    // The dependant started (its own probe fails): not blocked.
    let st = vec![
        status("postgres", S::Running, Health::Healthy, None),
        status("redis", S::Running, Health::Healthy, None),
        status("backend-api", S::Running, Health::Unhealthy, None),
        status("backend-worker", S::Created, Health::None, None),
    ];
    let b = find(&p, &prov, &st, Path::new("/proj"));
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(
        (b[0].service.as_str(), b[0].waits_for.as_str()),
        ("backend-worker", "backend-api")
    );
}

#[test]
fn completed_successfully_needs_exit_0_and_started_needs_a_run() {
    use ContainerState as S;
    let mut p = Project::default();
    p.services.insert("migrate".into(), service(&[]));
    p.services.insert(
        "app".into(),
        service(&[("migrate", "service_completed_successfully")]),
    );
    let prov = Provenance::default();
    let blocked = |migrate: ServiceStatus| {
        let st = vec![migrate, status("app", S::Created, Health::None, None)];
        find(&p, &prov, &st, Path::new("/"))
    };
    let b = blocked(status("migrate", S::Exited, Health::None, Some(3)));
    assert_eq!(
        b[0].text(),
        "not started: waits for migrate (`condition: service_completed_successfully`)"
    );
    assert!(blocked(status("migrate", S::Exited, Health::None, Some(0))).is_empty());

    // `service_started`: an unhealthy dependency is started; an exited one is not.
    let unhealthy = status("db", S::Running, Health::Unhealthy, None);
    assert!(!failed_for(&unhealthy, "service_started", 1));
    assert!(failed_for(&unhealthy, "service_healthy", 1));
    let exited = status("db", S::Exited, Health::None, Some(1));
    assert!(failed_for(&exited, "service_started", 1));
}
