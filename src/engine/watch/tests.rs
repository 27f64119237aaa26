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

fn snap() -> ProjectListing {
    ProjectListing {
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

/// A `die` is forwarded from the event's own facts before anything about that container is
/// awaited: here the "Engine" accepts connections and never answers, so the container's
/// re-inspect and its stats stream hang for ever, and the `Changed` must be on the channel
/// already when `hint` returns.
#[tokio::test(flavor = "current_thread")]
async fn die_is_forwarded_while_inspect_and_stats_are_stalled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("stalled.sock");
    let listener = tokio::net::UnixListener::bind(&sock).expect("bind");
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn); // never read, never answered
        }
    });
    let docker = Docker::connect_with_unix(
        &sock.display().to_string(),
        3600,
        bollard::API_DEFAULT_VERSION,
    )
    .expect("client");
    let project = LoadedProject {
        resolved: crate::project::Resolved {
            name: "p".into(),
            ..Default::default()
        },
        json: serde_json::Value::Null,
        project: Default::default(),
        disabled_services: Default::default(),
        provenance: Default::default(),
        warnings: Vec::new(),
    };
    let (tx, mut rx) = unbounded_channel();
    let mut w = Watcher::new(docker, project, tx, true);
    w.snap = Some(snap());
    w.sync_stats();
    for _ in 0..20 {
        tokio::task::yield_now().await; // let the stats stream send its (unanswered) request
    }
    assert!(
        w.stats.contains_key("a1"),
        "a stats stream for the running container"
    );

    let die = Hint {
        container_id: "a1".into(),
        action: "die".into(),
        service: Some("api".into()),
        time_nano: 1,
        exit_code: Some(137),
    };
    assert!(w.hint(die.clone()).is_ok());

    match rx.try_recv() {
        Ok(WatchMsg::Changed { service, cause }) => {
            assert_eq!(service.name, "api");
            assert_eq!(service.containers[0].state, ContainerState::Exited);
            assert_eq!(service.containers[0].exit_code, Some(137));
            assert_eq!(cause, Some(die));
        }
        other => unreachable!("the die's facts were not forwarded at once: {other:?}"),
    }
    assert!(
        !w.stats.contains_key("a1"),
        "the dead container's stats stream is dropped, not awaited"
    );
    // The re-inspect is still under way (the stalled Engine never answers).
    assert_eq!(w.inspects.get("a1"), Some(&1));
    assert!(w.irx.try_recv().is_err());
    holder.abort();
}
