//! The plan in label mode: no compose file, only a project name. Pure.
//!
//! `docker compose -p NAME down -v` without files removes the project's containers (and with
//! them their anonymous volumes) and EVERY volume labelled `com.docker.compose.project=NAME`,
//! including one another compose file declares `external` that Compose itself created
//! earlier. The plan lists exactly those, with loud warnings: without the files devctl cannot
//! tell which of them the user meant to keep, and the check against Compose's own view of the
//! files cannot run.

use super::{Builder, DeletionPlan, PlanInput, VolumeKind, Warning};
use crate::engine::volumes::{EngineFacts, LABEL_VOLUME};
use crate::project::Project;
use crate::safety::classify::{Action, Destructive};

impl Builder<'_> {
    /// Every volume labelled with the project, sorted by name.
    fn labelled(&mut self) {
        let mut facts: Vec<_> = self
            .input
            .facts
            .volumes
            .iter()
            .filter(|v| v.project() == Some(self.input.project_name))
            .collect();
        facts.sort_by(|a, b| a.name.cmp(&b.name));
        for fact in facts {
            if self.contains(&fact.name) {
                continue;
            }
            let key = fact.labels.get(LABEL_VOLUME).map(String::as_str);
            let kind = if key.is_some() {
                VolumeKind::Named
            } else {
                VolumeKind::Other
            };
            let p = self.planned(fact, key, kind, false);
            self.plan.remove.push(p);
        }
    }
}

/// Build the plan of `down -v`, `rm -v`, `volume rm` or `volume prune` for project
/// `project_name` from the Engine's labels alone. `up -V` / `-y` need the compose files
/// (Compose cannot `up` without them) and are not planned here.
pub fn plan_by_labels(
    project_name: &str,
    destructive: &Destructive,
    facts: &EngineFacts,
) -> DeletionPlan {
    let project = Project {
        name: project_name.to_string(),
        ..Default::default()
    };
    let input = PlanInput {
        project: &project,
        project_name,
        protected_volumes: &[],
        protection: &Default::default(),
        destructive,
        facts,
    };
    let mut b = Builder {
        input: &input,
        plan: DeletionPlan {
            project: project_name.to_string(),
            actions: destructive.actions.clone(),
            remove: Vec::new(),
            at_risk: Vec::new(),
            kept: Vec::new(),
            warnings: vec![
                Warning::LabelMode {
                    project: project_name.to_string(),
                },
                Warning::ViewsSkipped,
            ],
        },
    };
    if destructive.has(Action::DownVolumes) {
        b.labelled();
        b.anonymous(&[], false, false);
    }
    // `rm -v` and devctl's `volume rm|prune` act on what carries the project's label too.
    if destructive.has(Action::RmVolumes) {
        b.anonymous(&destructive.positionals, !destructive.rm_stop, false);
    }
    if destructive.has(Action::VolumeRm) {
        b.named_on_command_line(&destructive.positionals);
    }
    if destructive.has(Action::VolumePrune) {
        b.prune();
    }
    b.warnings();
    b.plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::volumes::{ContainerFact, MountFact, VolumeFact};
    use crate::safety::classify::classify;

    fn vol(name: &str, labels: &[(&str, &str)]) -> VolumeFact {
        VolumeFact {
            name: name.into(),
            driver: "local".into(),
            created_at: Some("2026-11-21T19:52:58Z".into()),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            size_bytes: Some(6),
            ref_count: None,
            mountpoint: None,
        }
    }

    fn container(name: &str, project: &str, state: &str, mounts: &[&str]) -> ContainerFact {
        ContainerFact {
            id: format!("id-{name}"),
            name: name.into(),
            project: Some(project.into()),
            service: Some("app".into()),
            state: state.into(),
            image: "busybox".into(),
            image_id: "sha256:1".into(),
            mounts: mounts
                .iter()
                .map(|m| MountFact {
                    kind: "volume".into(),
                    name: Some(m.to_string()),
                    destination: "/d".into(),
                    rw: true,
                })
                .collect(),
        }
    }

    const ANON: &str = "5401ce2f7a2e7a625d3b2d1842bb9f4ed479ae0622775b96b73204d1e2d98aa6";
    const OTHER_ANON: &str = "6401ce2f7a2e7a625d3b2d1842bb9f4ed479ae0622775b96b73204d1e2d98aa6";

    fn facts() -> EngineFacts {
        let p = "com.docker.compose.project";
        EngineFacts {
            volumes: vec![
                vol(
                    "shop_data",
                    &[(p, "shop"), ("com.docker.compose.volume", "data")],
                ),
                // Created by `docker volume create --label …` or by Compose for a file that
                // another file declares external: labelled, no volume key.
                vol("pgdata", &[(p, "shop")]),
                vol(
                    "other_data",
                    &[(p, "other"), ("com.docker.compose.volume", "data")],
                ),
                vol("unlabelled", &[]),
                vol(ANON, &[]),
                vol(OTHER_ANON, &[]),
            ],
            containers: vec![
                container("shop-app-1", "shop", "running", &["shop_data", ANON]),
                container(
                    "other-app-1",
                    "other",
                    "running",
                    &["other_data", OTHER_ANON],
                ),
                // Another project's container mounting the labelled volume.
                container("tools-x-1", "tools", "exited", &["pgdata"]),
            ],
        }
    }

    fn d(argv: &str) -> Destructive {
        let args: Vec<String> = argv.split_whitespace().map(String::from).collect();
        classify(&args).expect("destructive")
    }

    #[test]
    fn down_v_plans_every_labelled_volume_and_the_anonymous_ones() {
        let plan = plan_by_labels("shop", &d("-p shop down -v"), &facts());
        let names: Vec<(&str, VolumeKind, Option<&str>)> = plan
            .remove
            .iter()
            .map(|v| (v.name.as_str(), v.kind, v.key.as_deref()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("pgdata", VolumeKind::Other, None),
                ("shop_data", VolumeKind::Named, Some("data")),
                (ANON, VolumeKind::Anonymous, None),
            ]
        );
        assert!(plan.at_risk.is_empty() && plan.kept.is_empty());
        assert_eq!(plan.remove[1].mounted_by[0].container, "shop-app-1");
        assert_eq!(plan.remove[1].size_bytes, Some(6));
        assert_eq!(
            plan.remove[0].created_at.as_deref(),
            Some("2026-11-21T19:52:58Z")
        );
        assert_eq!(
            plan.warnings[0],
            Warning::LabelMode {
                project: "shop".into()
            }
        );
        assert_eq!(plan.warnings[1], Warning::ViewsSkipped);
        assert!(plan.warnings.contains(&Warning::UsedByOtherProject {
            volume: "pgdata".into(),
            container: "tools-x-1".into(),
            project: Some("tools".into()),
        }));
        let text = plan.warnings[0].message();
        assert!(
            text.contains("cannot tell which") && text.contains("external"),
            "{text}"
        );
        assert!(plan.warnings[1].message().contains("skipped"));
        assert_eq!(crate::safety::policy::required_words(&plan), vec!["shop"]);
    }

    #[test]
    fn a_project_with_nothing_labelled_plans_nothing() {
        let plan = plan_by_labels("gone", &d("-p gone down -v"), &facts());
        assert!(plan.is_empty(), "{plan:?}");
        let plan = plan_by_labels("other", &d("down --volumes=true"), &facts());
        let names: Vec<&str> = plan.remove.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, vec!["other_data", OTHER_ANON]);
    }

    /// `rm -v` and devctl's `volume rm|prune` in label mode plan from the labels too.
    #[test]
    fn rm_v_and_volume_commands_plan_from_labels() {
        let names =
            |p: &DeletionPlan| -> Vec<String> { p.remove.iter().map(|v| v.name.clone()).collect() };
        // `rm -v` without `-s` leaves the running container (and its volume) alone.
        let plan = plan_by_labels("shop", &d("-p shop rm -fv"), &facts());
        assert!(plan.remove.is_empty(), "{plan:?}");
        let plan = plan_by_labels("shop", &d("-p shop rm -fsv"), &facts());
        assert_eq!(names(&plan), vec![ANON.to_string()]);
        let plan = plan_by_labels("shop", &d("volume rm pgdata"), &facts());
        assert_eq!(names(&plan), vec!["pgdata".to_string()]);
        // prune: labelled with the project and mounted by no container.
        let plan = plan_by_labels("shop", &d("volume prune"), &facts());
        assert!(names(&plan).is_empty(), "{plan:?}");
        let kept: Vec<&str> = plan.kept.iter().map(|k| k.name.as_str()).collect();
        assert!(
            kept.contains(&"shop_data") && kept.contains(&"pgdata"),
            "{kept:?}"
        );
    }
}
