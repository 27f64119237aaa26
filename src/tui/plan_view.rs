//! The safety gate's deletion plan as the `D` modal shows it (pure conversion), and the
//! operation's result as lines for the operations pane.

use std::collections::BTreeSet;

use crate::safety::execute::Outcome;
use crate::safety::plan::{DeletionPlan, PlannedVolume};
use crate::tui::msg::{PlanView, PlanVolume};

fn volume(v: &PlannedVolume, extra_mark: Option<&str>) -> PlanVolume {
    let used_by: BTreeSet<String> = v
        .mounted_by
        .iter()
        .map(|u| u.service.clone().unwrap_or_else(|| u.container.clone()))
        .collect();
    let mut marks = Vec::new();
    if v.external {
        marks.push("external".to_string());
    }
    if v.protected {
        marks.push("protected".to_string());
    }
    if let Some(m) = extra_mark {
        marks.push(m.to_string());
    }
    PlanVolume {
        name: v.name.clone(),
        size: v.size_bytes.and_then(|s| u64::try_from(s).ok()),
        used_by: used_by.into_iter().collect(),
        created: v.created_at.clone(),
        marks,
    }
}

/// Build the modal's view. `compose` is the Compose command the gate will run (never with
/// `-v`), `words` what the user must type, `blocked` why execution would be refused.
pub fn plan_view(
    plan: &DeletionPlan,
    compose: Option<String>,
    words: Vec<String>,
    blocked: Option<String>,
) -> PlanView {
    let mut steps: Vec<String> = compose.into_iter().collect();
    steps.extend(
        plan.remove
            .iter()
            .map(|v| format!("remove volume {} (Engine API)", v.name)),
    );
    let mut volumes: Vec<PlanVolume> = plan.remove.iter().map(|v| volume(v, None)).collect();
    volumes.extend(plan.at_risk.iter().map(|v| volume(v, Some("at risk"))));
    PlanView {
        project: plan.project.clone(),
        steps,
        volumes,
        kept: plan
            .kept
            .iter()
            .map(|k| (k.name.clone(), k.reason.clone()))
            .collect(),
        warnings: plan.warnings.iter().map(|w| w.message()).collect(),
        confirm_words: words,
        blocked,
        token: None,
    }
}

/// The result of an executed plan, line by line.
pub fn outcome_lines(o: &Outcome) -> Vec<String> {
    let mut out = Vec::new();
    for s in &o.snapshots {
        out.push(format!("snapshot {s} taken"));
    }
    if let Some((cmd, code)) = &o.compose {
        out.push(format!("$ {cmd}  (exit {code})"));
    }
    out.extend(o.compose_output.lines().map(str::to_string));
    for r in &o.removed {
        out.push(format!("removed volume {r}"));
    }
    for k in &o.kept {
        out.push(format!("{} volume {}: {}", k.status, k.name, k.reason));
    }
    if let Some(s) = &o.stopped {
        out.push(format!("STOPPED: {s}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::plan::{KeptVolume, User, VolumeKind, Warning};

    fn planned(name: &str, external: bool, protected: bool) -> PlannedVolume {
        PlannedVolume {
            name: name.into(),
            key: Some(name.into()),
            kind: VolumeKind::Named,
            external,
            protected,
            created_at: Some("2025-02-27T09:14:00Z".into()),
            size_bytes: Some(4096),
            labels: Default::default(),
            mounted_by: vec![
                User {
                    container: "shop-db-1".into(),
                    service: Some("db".into()),
                    project: Some("shop".into()),
                    state: "running".into(),
                    image_id: "sha256:x".into(),
                },
                User {
                    container: "shop-db-2".into(),
                    service: Some("db".into()),
                    project: Some("shop".into()),
                    state: "running".into(),
                    image_id: "sha256:x".into(),
                },
            ],
            driver: "local".into(),
            mountpoint: None,
        }
    }

    #[test]
    fn converts_the_plan() {
        let mut unknown = planned("shop_cache", false, false);
        unknown.size_bytes = Some(-1);
        let plan = DeletionPlan {
            project: "shop".into(),
            actions: vec![],
            remove: vec![planned("shop_pgdata", false, true), unknown],
            at_risk: vec![],
            kept: vec![KeptVolume {
                name: "backups".into(),
                key: None,
                reason: "external".into(),
            }],
            warnings: vec![Warning::Protected {
                volume: "shop_pgdata".into(),
            }],
        };
        let v = plan_view(
            &plan,
            Some("docker compose -p shop down".into()),
            vec!["shop_pgdata".into()],
            None,
        );
        assert_eq!(
            v.steps,
            [
                "docker compose -p shop down",
                "remove volume shop_pgdata (Engine API)",
                "remove volume shop_cache (Engine API)"
            ]
        );
        assert_eq!(v.volumes[0].used_by, ["db"]);
        assert_eq!(v.volumes[0].marks, ["protected"]);
        assert_eq!(v.volumes[0].size, Some(4096));
        assert_eq!(v.volumes[1].size, None, "a negative size is unknown");
        assert_eq!(v.kept, [("backups".to_string(), "external".to_string())]);
        assert!(v.warnings[0].contains("protected"));
        assert_eq!(v.confirm_words, ["shop_pgdata"]);
    }
}
