use super::*;
use crate::engine::model::Health;

fn c(id: &str, service: &str, number: u32, state: ContainerState) -> Container {
    Container {
        id: id.into(),
        name: format!("p-{service}-{number}"),
        service: service.into(),
        number,
        state,
        ..Container::default()
    }
}

fn snap() -> ProjectSnapshot {
    ProjectSnapshot {
        project: "p".into(),
        services: vec![
            ServiceStatus {
                name: "api".into(),
                declared: true,
                containers: vec![c("a1", "api", 1, ContainerState::Running)],
                ..ServiceStatus::default()
            },
            ServiceStatus {
                name: "db".into(),
                declared: true,
                ..ServiceStatus::default()
            },
        ],
    }
}

#[test]
fn unchanged_container_is_not_a_change() {
    let mut s = snap();
    let same = c("a1", "api", 1, ContainerState::Running);
    assert_eq!(upsert(&mut s, "a1", Some(same)), None);
    assert_eq!(s, snap());
}

#[test]
fn state_or_health_change_updates_in_place() {
    let mut s = snap();
    let mut x = c("a1", "api", 1, ContainerState::Running);
    x.health = Health::Unhealthy;
    assert_eq!(upsert(&mut s, "a1", Some(x.clone())), Some(0));
    assert_eq!(s.services[0].containers, vec![x]);
}

#[test]
fn new_container_joins_its_service_sorted() {
    let mut s = snap();
    assert_eq!(
        upsert(
            &mut s,
            "a0",
            Some(c("a0", "api", 0, ContainerState::Created))
        ),
        Some(0)
    );
    let ids: Vec<&str> = s.services[0]
        .containers
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["a0", "a1"]);
    assert_eq!(
        upsert(
            &mut s,
            "d1",
            Some(c("d1", "db", 1, ContainerState::Running))
        ),
        Some(1)
    );
    assert_eq!(s.services[1].containers.len(), 1);
}

#[test]
fn gone_container_is_removed_and_unknown_gone_is_no_change() {
    let mut s = snap();
    assert_eq!(upsert(&mut s, "a1", None), Some(0));
    assert!(s.services[0].containers.is_empty());
    assert_eq!(upsert(&mut s, "zz", None), None);
}

#[test]
fn container_of_an_unknown_service_adds_an_undeclared_service() {
    let mut s = snap();
    let mut x = c("w1", "worker", 1, ContainerState::Running);
    x.healthcheck = Some(Default::default());
    assert_eq!(upsert(&mut s, "w1", Some(x)), Some(2));
    assert_eq!(s.services[2].name, "worker");
    assert!(!s.services[2].declared);
    assert!(s.services[2].has_healthcheck);
}

#[test]
fn since_arg_is_seconds_dot_nanos_in_the_past() {
    let a = since_arg(Duration::from_secs(2));
    let (secs, nanos) = a.split_once('.').expect("dot");
    assert_eq!(nanos.len(), 9);
    let secs: u64 = secs.parse().expect("number");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(secs < now && secs >= now - 4, "{secs} vs {now}");
}
