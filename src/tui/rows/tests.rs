use super::*;
use crate::engine::model::Usage;
use crate::tui::fixtures::{self, ago, container};

fn row<'a>(rows: &'a [Row], name: &str) -> &'a Row {
    rows.iter().find(|r| r.name == name).expect("row exists")
}

#[test]
fn every_state_has_its_row() {
    let m = fixtures::model();
    let rows = rows(&m);
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.state.as_str(),
                r.health.as_str(),
                r.class,
                r.check.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("web", "running", "healthy", HealthClass::Healthy, ""),
            (
                "api",
                "running",
                "unhealthy",
                HealthClass::Unhealthy,
                "failing ×4"
            ),
            (
                "db",
                "running",
                "starting",
                HealthClass::Starting,
                "grace 22s"
            ),
            ("worker", "running", "no check", HealthClass::NoCheck, ""),
            ("cache", "exited (137)", "—", HealthClass::Exited, ""),
            ("migrate", "not created", "—", HealthClass::Inactive, ""),
            (
                "debug",
                "disabled",
                "—",
                HealthClass::Inactive,
                "profile tools"
            ),
        ]
    );
    assert_eq!(row(&rows, "web").ports, "18080→80");
    assert_eq!(row(&rows, "web").uptime, "3h12m");
    assert_eq!(row(&rows, "api").restarts, 2);
    assert_eq!(row(&rows, "cache").uptime, "");
}

#[test]
fn before_the_first_snapshot_states_are_unknown() {
    let mut m = fixtures::model();
    m.snapshot = None;
    let rows = rows(&m);
    assert_eq!(row(&rows, "web").state, "unknown");
    assert_eq!(row(&rows, "debug").state, "disabled");
}

#[test]
fn orphan_containers_are_listed_after_declared_services() {
    let mut m = fixtures::model();
    if let Some(s) = m.snapshot.as_mut() {
        s.services.push(fixtures::status(
            "old",
            vec![container("old", ContainerState::Running, Health::None)],
        ));
    }
    let rows = rows(&m);
    assert_eq!(rows.last().map(|r| r.name.as_str()), Some("old"));
}

#[test]
fn starting_after_the_grace_period_shows_the_streak() {
    let mut m = fixtures::model();
    if let Some(s) = m.snapshot.as_mut() {
        let db = &mut s.services[2].containers[0];
        db.started_at = Some(ago(45));
        db.failing_streak = 2;
    }
    assert_eq!(row(&rows(&m), "db").check, "failing ×2");
}

#[test]
fn the_containers_own_start_period_is_used_when_the_files_have_none() {
    let mut m = fixtures::model();
    if let Some(i) = m.info.services.iter_mut().find(|s| s.name == "db") {
        i.healthcheck = None;
    }
    if let Some(s) = m.snapshot.as_mut() {
        s.services[2].containers[0].healthcheck = Some(crate::engine::model::HealthcheckSpec {
            start_period_ms: Some(15_000),
            ..Default::default()
        });
    }
    assert_eq!(row(&rows(&m), "db").check, "grace 7s");
}

#[test]
fn exit_zero_is_inactive_not_an_error() {
    let mut m = fixtures::model();
    if let Some(s) = m.snapshot.as_mut() {
        s.services[4].containers[0].exit_code = Some(0);
    }
    let r = rows(&m);
    assert_eq!(row(&r, "cache").state, "exited (0)");
    assert_eq!(row(&r, "cache").class, HealthClass::Inactive);
}

#[test]
fn the_worst_replica_speaks_for_the_service() {
    let mut m = fixtures::model();
    let mut second = container("web", ContainerState::Running, Health::Unhealthy);
    second.number = 2;
    second.failing_streak = 1;
    if let Some(s) = m.snapshot.as_mut() {
        s.services[0].containers.push(second);
    }
    let r = rows(&m);
    assert_eq!(row(&r, "web").health, "unhealthy");
    assert_eq!(row(&r, "web").state, "running ×2");
}

#[test]
fn sorting_and_filtering() {
    let mut m = fixtures::model();
    m.usage.insert(
        "worker".into(),
        Usage {
            cpu_percent: 50.0,
            mem_bytes: 10,
            mem_limit: 0,
        },
    );
    m.usage.insert(
        "web".into(),
        Usage {
            cpu_percent: 5.0,
            mem_bytes: 99,
            mem_limit: 0,
        },
    );
    let names = |m: &Model| rows(m).into_iter().map(|r| r.name).collect::<Vec<_>>();
    m.sort = SortKey::Health;
    assert_eq!(
        names(&m),
        ["api", "cache", "db", "web", "worker", "migrate", "debug"]
    );
    m.sort = SortKey::Cpu;
    assert_eq!(names(&m)[..2], ["worker", "web"]);
    m.sort = SortKey::Memory;
    assert_eq!(names(&m)[..2], ["web", "worker"]);
    m.sort = SortKey::Name;
    assert_eq!(names(&m)[..3], ["api", "cache", "db"]);
    m.filter = "W".into();
    assert_eq!(names(&m), ["web", "worker"]);
}

#[test]
fn timers_run_only_while_something_changes_with_time() {
    let mut m = fixtures::model();
    // db started 8 s ago and is in its start period: the next change is within a second.
    let d = next_change(&m).expect("timer");
    assert!(d <= Duration::from_secs(1), "{d:?}");
    // Only long-running containers: the next change is the next minute of uptime.
    if let Some(s) = m.snapshot.as_mut() {
        s.services.retain(|s| s.name == "web");
    }
    let d = next_change(&m).expect("timer");
    assert!(
        d > Duration::from_secs(1) && d <= Duration::from_secs(60),
        "{d:?}"
    );
    // Nothing running: no timer at all.
    m.snapshot = Some(crate::engine::model::ProjectListing {
        project: "shop".into(),
        services: vec![],
    });
    assert_eq!(next_change(&m), None);
}
