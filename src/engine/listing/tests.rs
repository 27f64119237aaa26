use super::*;
use crate::engine::model::{ContainerState, Health};

const PROJECT: &str = "devctl-it-engine-fixture";

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/engine")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| format!("missing fixture {}: {e}", p.display()))
}

fn project() -> Project {
    let v: serde_json::Value = serde_json::from_str(&fixture("compose_config.json")).expect("json");
    Project::from_json(&v).expect("project")
}

fn inspected(name: &str) -> Container {
    let i: bollard::models::ContainerInspectResponse =
        serde_json::from_str(&fixture(&format!("inspect_{name}.json"))).expect("inspect");
    container_from_inspect(&i, PROJECT)
}

#[test]
fn join_marks_not_created_disabled_and_undeclared() {
    let disabled = BTreeMap::from([("lazy".to_string(), vec!["extra".to_string()])]);
    let cs = vec![
        inspected("scaled_2"),
        inspected("web"),
        inspected("sick"),
        inspected("v1_legacy"),
    ];
    let snap = join(PROJECT, &project(), &disabled, cs);
    assert_eq!(snap.project, PROJECT);
    let names: Vec<&str> = snap.services.iter().map(|s| s.name.as_str()).collect();
    // Compose's canonical JSON lists services alphabetically; disabled then undeclared follow.
    assert_eq!(
        names,
        [
            "clash", "done", "oom", "scaled", "sick", "slow", "web", "lazy", "legacy"
        ]
    );
    let get = |n: &str| snap.services.iter().find(|s| s.name == n).expect(n);
    let web = get("web");
    assert!(web.declared && !web.profile_disabled && web.has_healthcheck);
    assert_eq!(web.containers[0].health, Health::Healthy);
    let done = get("done");
    assert!(done.containers.is_empty(), "not created yet");
    assert!(!done.has_healthcheck);
    let lazy = get("lazy");
    assert!(lazy.declared && lazy.profile_disabled && lazy.containers.is_empty());
    let legacy = get("legacy");
    assert!(!legacy.declared);
    assert_eq!(legacy.containers[0].state, ContainerState::Running);
    let scaled = get("scaled");
    assert_eq!(scaled.containers.len(), 1);
    assert_eq!(scaled.containers[0].number, 2);
    assert!(get("slow").has_healthcheck);
}

#[test]
fn containers_sort_by_replica_number() {
    let mut a = inspected("scaled_2");
    a.number = 3;
    let mut b = inspected("scaled_2");
    b.number = 1;
    let snap = join(PROJECT, &project(), &BTreeMap::new(), vec![a, b]);
    let scaled = snap
        .services
        .iter()
        .find(|s| s.name == "scaled")
        .expect("scaled");
    let nums: Vec<u32> = scaled.containers.iter().map(|c| c.number).collect();
    assert_eq!(nums, [1, 3]);
}

#[test]
fn image_healthcheck_counts_even_without_one_in_the_file() {
    let mut c = inspected("web");
    c.service = "done".into();
    let snap = join(PROJECT, &project(), &BTreeMap::new(), vec![c]);
    let done = snap
        .services
        .iter()
        .find(|s| s.name == "done")
        .expect("done");
    assert!(done.has_healthcheck);
}

#[test]
fn declared_healthcheck_table() {
    use crate::project::model::Healthcheck;
    let hc = |test: &[&str], disable: Option<bool>| Service {
        healthcheck: Some(Healthcheck {
            test: test.iter().map(|s| s.to_string()).collect(),
            disable,
            ..Default::default()
        }),
        ..Default::default()
    };
    assert!(declares_healthcheck(&hc(&["CMD", "true"], None)));
    assert!(declares_healthcheck(&hc(
        &["CMD-SHELL", "true"],
        Some(false)
    )));
    assert!(!declares_healthcheck(&hc(&["CMD", "true"], Some(true))));
    assert!(!declares_healthcheck(&hc(&["NONE"], None)));
    assert!(!declares_healthcheck(&hc(&[], None)));
    assert!(!declares_healthcheck(&Service::default()));
}

#[test]
fn filters_select_project_service_containers() {
    let f = project_filters("p");
    assert_eq!(
        f["label"],
        vec![
            "com.docker.compose.project=p".to_string(),
            "com.docker.compose.oneoff=False".to_string()
        ]
    );
}
