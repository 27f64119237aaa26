//! Plan tests over real Engine and Compose JSON captured from project `devctl-it-safety-fx`
//! (service `db` mounting named volume `data`, external `devctl-it-safety-fx-ext`, an
//! anonymous volume at `/anon` and a bind mount).

use std::collections::HashMap;

use super::*;
use crate::engine::df::usage_from_df;
use crate::engine::volumes::{ContainerFact, MountFact, container_fact, volume_fact};
use crate::safety::classify::classify;
use crate::safety::layers::Protection;
use crate::safety::views::check_views;

const P: &str = "devctl-it-safety-fx";
const DATA: &str = "devctl-it-safety-fx_data";
const EXT: &str = "devctl-it-safety-fx-ext";
const ANON: &str = "5401ce2f7a2e7a625d3b2d1842bb9f4ed479ae0622775b96b73204d1e2d98aa6";

fn fixture(name: &str) -> String {
    let p = format!(
        "{}/tests/fixtures/safety/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).expect("fixture file")
}

fn project() -> Project {
    let v: serde_json::Value = serde_json::from_str(&fixture("compose-config.json")).expect("json");
    Project::from_json(&v).expect("project")
}

fn facts() -> EngineFacts {
    let list: bollard::models::VolumeListResponse =
        serde_json::from_str(&fixture("engine-volumes.json")).expect("volumes");
    let usage: HashMap<String, (i64, i64)> = usage_from_df(fixture("engine-df.json").as_bytes());
    let containers: Vec<bollard::models::ContainerSummary> =
        serde_json::from_str(&fixture("engine-containers.json")).expect("containers");
    EngineFacts {
        volumes: list
            .volumes
            .unwrap_or_default()
            .iter()
            .map(|v| volume_fact(v, &usage))
            .collect(),
        containers: containers.iter().map(container_fact).collect(),
    }
}

fn run(argv: &str, facts: &EngineFacts, protected: &[String]) -> DeletionPlan {
    let args: Vec<String> = argv.split_whitespace().map(String::from).collect();
    let d = classify(&args).expect("destructive");
    let p = project();
    plan(&PlanInput {
        project: &p,
        project_name: P,
        protected_volumes: protected,
        protection: &Default::default(),
        destructive: &d,
        facts,
    })
}

fn names(v: &[PlannedVolume]) -> Vec<&str> {
    v.iter().map(|v| v.name.as_str()).collect()
}

#[test]
fn down_v_removes_named_and_anonymous_keeps_external() {
    let plan = run("down -v", &facts(), &[]);
    assert_eq!(names(&plan.remove), vec![DATA, ANON]);
    assert!(plan.at_risk.is_empty());
    assert_eq!(plan.kept.len(), 1);
    assert_eq!(plan.kept[0].name, EXT);
    assert!(plan.kept[0].reason.contains("external"));
    let data = &plan.remove[0];
    assert_eq!(data.key.as_deref(), Some("data"));
    assert_eq!(data.kind, VolumeKind::Named);
    assert_eq!(data.size_bytes, Some(12));
    assert_eq!(data.created_at.as_deref(), Some("2026-11-21T19:52:58Z"));
    assert_eq!(
        data.labels.get("devctl.test").map(String::as_str),
        Some("safety")
    );
    assert_eq!(data.mounted_by.len(), 1);
    assert_eq!(data.mounted_by[0].container, "devctl-it-safety-fx-db-1");
    assert_eq!(data.mounted_by[0].service.as_deref(), Some("db"));
    assert_eq!(plan.remove[1].kind, VolumeKind::Anonymous);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    // Same plan with services named: Compose removes every project volume anyway.
    assert_eq!(
        names(&run("down db -v", &facts(), &[]).remove),
        vec![DATA, ANON]
    );
}

#[test]
fn sizes_unknown_without_df() {
    let mut f = facts();
    for v in &mut f.volumes {
        v.size_bytes = None;
    }
    let plan = run("down -v", &f, &[]);
    assert!(plan.remove.iter().all(|v| v.size_bytes.is_none()));
}

#[test]
fn missing_named_volume_is_not_planned() {
    let mut f = facts();
    f.volumes.retain(|v| v.name != DATA);
    let plan = run("down -v", &f, &[]);
    assert_eq!(names(&plan.remove), vec![ANON]);
    assert!(
        plan.kept
            .iter()
            .any(|k| k.name == DATA && k.reason.contains("does not exist"))
    );
}

#[test]
fn warns_on_external_volume_with_project_labels() {
    let mut f = facts();
    for v in &mut f.volumes {
        if v.name == EXT {
            v.labels.insert(LABEL_PROJECT.into(), P.into());
        }
    }
    let plan = run("down -v", &f, &[]);
    assert!(
        !names(&plan.remove).contains(&EXT),
        "external never planned"
    );
    assert_eq!(
        plan.warnings,
        vec![Warning::ExternalWithProjectLabels { volume: EXT.into() }]
    );
    assert!(plan.warnings[0].message().contains("down -v"));
}

#[test]
fn warns_on_protected_volume_by_key_or_name() {
    for p in ["data", DATA] {
        let plan = run("down -v", &facts(), &[p.to_string()]);
        assert!(plan.remove[0].protected);
        assert_eq!(
            plan.warnings,
            vec![Warning::Protected {
                volume: DATA.into()
            }]
        );
    }
}

#[test]
fn warns_on_volume_used_by_another_project() {
    let mut f = facts();
    f.containers.push(ContainerFact {
        id: "x".into(),
        name: "other-app-1".into(),
        project: Some("other".into()),
        service: Some("app".into()),
        state: "running".into(),
        image: "busybox:stable".into(),
        image_id: "sha256:1".into(),
        mounts: vec![MountFact {
            kind: "volume".into(),
            name: Some(DATA.into()),
            destination: "/d".into(),
            rw: true,
        }],
    });
    let plan = run("down -v", &f, &[]);
    assert_eq!(
        plan.warnings,
        vec![Warning::UsedByOtherProject {
            volume: DATA.into(),
            container: "other-app-1".into(),
            project: Some("other".into()),
        }]
    );
}

#[test]
fn rm_v_only_touches_stopped_containers_unless_s() {
    // db is running: `rm -fv` leaves it (and its anonymous volume) alone.
    assert!(run("rm -fv", &facts(), &[]).is_empty());
    assert_eq!(names(&run("rm -fsv", &facts(), &[]).remove), vec![ANON]);
    assert_eq!(names(&run("rm -fsv db", &facts(), &[]).remove), vec![ANON]);
    assert!(run("rm -fsv other", &facts(), &[]).is_empty());
    let mut f = facts();
    f.containers[0].state = "exited".into();
    assert_eq!(names(&run("rm -v", &f, &[]).remove), vec![ANON]);
}

#[test]
fn up_renew_and_yes_put_volumes_at_risk() {
    let p = run("up -d -V", &facts(), &[]);
    assert!(p.remove.is_empty());
    assert_eq!(names(&p.at_risk), vec![ANON]);
    let p = run("up -y", &facts(), &[]);
    assert_eq!(names(&p.at_risk), vec![DATA]);
    assert_eq!(p.kept[0].name, EXT);
}

#[test]
fn up_y_lists_only_the_volumes_compose_could_recreate() {
    // Only volumes of the services named (and their dependencies) are at risk.
    let mut f = facts();
    let p = run("up -y db", &f, &[]);
    assert_eq!(names(&p.at_risk), vec![DATA]);
    let p = run("up -y nosuch", &f, &[]);
    assert!(p.at_risk.is_empty(), "{:?}", p.at_risk);
    // Without Compose's config hash, Compose never asks to recreate it.
    for v in &mut f.volumes {
        v.labels.remove(LABEL_CONFIG_HASH);
    }
    assert!(run("up -y", &f, &[]).at_risk.is_empty());
    // A declared volume that no service mounts is never created by `up`.
    let mut proj = project();
    proj.volumes.insert("spare".into(), Default::default());
    let mut used = used_volume_keys(&proj, &[]);
    used.sort();
    assert_eq!(used, vec!["data", "ext"]);
}

#[test]
fn volume_rm_by_key_engine_name_external_and_foreign() {
    let p = run("volume rm data", &facts(), &[]);
    assert_eq!(names(&p.remove), vec![DATA]);
    let p = run(&format!("volume rm {DATA} ext"), &facts(), &[]);
    assert_eq!(names(&p.remove), vec![DATA, EXT]);
    assert!(p.remove[1].external);
    let mut f = facts();
    f.volumes.push(crate::engine::volumes::VolumeFact {
        name: "someone-else".into(),
        driver: "local".into(),
        created_at: None,
        labels: Default::default(),
        size_bytes: None,
        ref_count: None,
        mountpoint: None,
    });
    let p = run("volume rm someone-else nothing-here", &f, &[]);
    assert_eq!(names(&p.remove), vec!["someone-else"]);
    assert_eq!(p.remove[0].kind, VolumeKind::Other);
    assert_eq!(
        p.warnings,
        vec![Warning::NotInProject {
            volume: "someone-else".into()
        }]
    );
    assert!(p.kept.iter().any(|k| k.name == "nothing-here"));
}

#[test]
fn prune_keeps_volumes_in_use() {
    let p = run("volume prune", &facts(), &[]);
    assert!(p.remove.is_empty());
    assert!(
        p.kept
            .iter()
            .any(|k| k.name == DATA && k.reason.contains("in use"))
    );
    let mut f = facts();
    f.containers.clear();
    let p = run("volume prune", &f, &[]);
    assert_eq!(names(&p.remove), vec![DATA]);
}

#[test]
fn views_agree_and_disagree() {
    let ours = project();
    assert_eq!(check_views(&ours, &project()), Ok(()));
    let mut compose = project();
    if let Some(v) = compose.volumes.get_mut("ext") {
        v.external = Some(false);
    }
    compose.volumes.insert("extra".into(), Default::default());
    let d = check_views(&ours, &compose).expect_err("disagree");
    assert_eq!(d.differences.len(), 2, "{:?}", d.differences);
    assert!(d.differences[0].contains("external devctl true, Compose false"));
    assert!(d.differences[1].contains("only Compose"));
    let mut renamed = project();
    if let Some(v) = renamed.volumes.get_mut("data") {
        v.name = Some("other_data".into());
    }
    let d = check_views(&ours, &renamed).expect_err("disagree");
    assert!(d.differences[0].contains("other_data"));
}

#[test]
fn volume_rm_unknown_names() {
    let names: Vec<String> = [
        "data",
        DATA,
        EXT,
        ANON,
        "nosuch",
        "devctl-it-safety-fx_nosuch",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(
        unknown_names(&project(), &names, &facts()),
        ["nosuch", "devctl-it-safety-fx_nosuch"]
    );
    assert!(unknown_names(&project(), &[], &facts()).is_empty());
}

fn run_with(
    argv: &str,
    facts: &EngineFacts,
    protected: &[String],
    protection: &Protection,
) -> DeletionPlan {
    let args: Vec<String> = argv.split_whitespace().map(String::from).collect();
    let d = classify(&args).expect("destructive");
    let p = project();
    plan(&PlanInput {
        project: &p,
        project_name: P,
        protected_volumes: protected,
        protection,
        destructive: &d,
        facts,
    })
}

/// Another layer (`compose.prod.yaml`) declares `text` in its `volumes:`.
fn other_layer(text: &str) -> Protection {
    Protection {
        externals: crate::safety::layers::parse_layer(
            text,
            std::path::Path::new("/p/compose.prod.yaml"),
            &Default::default(),
        ),
    }
}

/// A volume of this project that the active layer does not declare (Compose created it for
/// another environment): labels name the project and the key `db`; no container mounts it.
fn facts_with_prod_db() -> EngineFacts {
    let mut f = facts();
    f.volumes.push(crate::engine::volumes::VolumeFact {
        name: format!("{P}_db"),
        driver: "local".into(),
        created_at: None,
        labels: [
            (LABEL_PROJECT.to_string(), P.to_string()),
            (LABEL_VOLUME.to_string(), "db".to_string()),
        ]
        .into(),
        size_bytes: None,
        ref_count: None,
        mountpoint: None,
    });
    f
}

#[test]
fn prune_keeps_what_another_layer_declares_external_or_protected() {
    let db = format!("{P}_db");
    // Without knowing the other layers, prune would delete it (the bug of class 6).
    let bare = run("volume prune", &facts_with_prod_db(), &[]);
    assert_eq!(names(&bare.remove), vec![db.as_str()]);
    for (why, protection, protected) in [
        (
            "external by name",
            other_layer(&format!("volumes:\n  db: {{external: true, name: {db}}}\n")),
            vec![],
        ),
        (
            "external by key (name not resolvable here)",
            other_layer("volumes:\n  db: {external: true, name: \"${PROD_DB}\"}\n"),
            vec![],
        ),
        (
            "legacy external spelling",
            other_layer(&format!(
                "volumes:\n  db:\n    external:\n      name: {db}\n"
            )),
            vec![],
        ),
        (
            "protected by key via its label",
            Protection::default(),
            vec!["db".to_string()],
        ),
        ("protected by name", Protection::default(), vec![db.clone()]),
    ] {
        let p = run_with(
            "volume prune",
            &facts_with_prod_db(),
            &protected,
            &protection,
        );
        assert!(p.remove.is_empty(), "{why}: {:?}", p.remove);
        let kept = p.kept.iter().find(|k| k.name == db).expect(why);
        assert!(
            kept.reason.contains("external") || kept.reason.contains("protected"),
            "{why}: {}",
            kept.reason
        );
        assert_eq!(kept.key.as_deref(), Some("db"), "{why}");
    }
}

#[test]
fn down_v_keeps_a_volume_another_layer_declares_external_unless_named() {
    let prot = other_layer(&format!(
        "volumes:\n  data: {{external: true, name: {DATA}}}\n"
    ));
    let p = run_with("down -v", &facts(), &[], &prot);
    assert_eq!(names(&p.remove), vec![ANON]);
    let kept = p.kept.iter().find(|k| k.name == DATA).expect("kept");
    assert!(kept.reason.contains("compose.prod.yaml"), "{}", kept.reason);
    // Named on the command line: planned, and only its own name confirms it.
    let p = run_with("volume rm data", &facts(), &[], &prot);
    assert_eq!(names(&p.remove), vec![DATA]);
    assert!(p.remove[0].external);
    assert_eq!(crate::safety::policy::required_words(&p), vec![DATA]);
    // `up -y` still shows it at risk (Compose may recreate it), with its name required.
    let p = run_with("up -y", &facts(), &[], &prot);
    assert_eq!(names(&p.at_risk), vec![DATA]);
    assert!(p.at_risk[0].external);
    assert_eq!(crate::safety::policy::required_words(&p), vec![DATA]);
}

#[test]
fn a_volume_labelled_by_another_project_is_flagged_with_its_name() {
    let mut f = facts();
    for v in &mut f.volumes {
        if v.name == DATA {
            v.labels.insert(LABEL_PROJECT.into(), "billing".into());
        }
    }
    let p = run("down -v", &f, &[]);
    assert!(p.warnings.contains(&Warning::LabelledByOtherProject {
        volume: DATA.into(),
        project: "billing".into()
    }));
    let text = p.warnings[0].message();
    assert!(text.contains("`billing`"), "{text}");
}
