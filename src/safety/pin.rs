//! The pin: what identifies a planned volume, re-checked BEFORE Compose runs.
//!
//! A volume is the same volume when its name, driver, labels and mount point are the same and
//! the same containers use it. Its content is not part of its identity: on the local driver
//! the Engine's `CreatedAt` moves when files are created or removed inside it (a database
//! removing its pid file on shutdown), so `CreatedAt` is shown in the plan but never compared.
//!
//! When anything that identifies a volume changed between the plan and the confirmation,
//! execution stops before Compose runs and before any volume is removed, naming what changed.

use std::collections::BTreeSet;

use bollard::Docker;

use super::plan::{DeletionPlan, PlannedVolume};
use crate::engine::volumes::{self, EngineFacts, VolumeFact};
use crate::error::Result;

/// Pure: what changed in the volume itself (name, driver, labels, mount point); empty when
/// it is the same volume. `now`: the volume as the Engine reports it now (`None`: gone).
pub fn volume_changes(planned: &PlannedVolume, now: Option<&VolumeFact>) -> Vec<String> {
    let Some(now) = now else {
        return vec![format!("volume `{}` no longer exists", planned.name)];
    };
    let mut out = Vec::new();
    if now.name != planned.name {
        out.push(format!("name `{}` is now `{}`", planned.name, now.name));
    }
    if !planned.driver.is_empty() && now.driver != planned.driver {
        out.push(format!(
            "driver was `{}`, is now `{}`",
            planned.driver, now.driver
        ));
    }
    if planned.mountpoint.is_some() && now.mountpoint != planned.mountpoint {
        out.push(format!(
            "mount point was {}, is now {}",
            planned.mountpoint.as_deref().unwrap_or("?"),
            now.mountpoint.as_deref().unwrap_or("none")
        ));
    }
    if now.labels != planned.labels {
        let mut diff = Vec::new();
        for (k, v) in &planned.labels {
            match now.labels.get(k) {
                None => diff.push(format!("-{k}")),
                Some(n) if n != v => diff.push(format!("{k}: `{v}` → `{n}`")),
                Some(_) => {}
            }
        }
        for k in now
            .labels
            .keys()
            .filter(|k| !planned.labels.contains_key(*k))
        {
            diff.push(format!("+{k}"));
        }
        out.push(format!("labels changed ({})", diff.join(", ")));
    }
    out.into_iter()
        .map(|c| format!("volume `{}`: {c}", planned.name))
        .collect()
}

/// Pure: what changed in a planned volume between the plan and `facts` (taken just before
/// Compose runs): [`volume_changes`] plus the containers that use it.
pub fn identity_changes(planned: &PlannedVolume, facts: &EngineFacts) -> Vec<String> {
    let mut out = volume_changes(planned, facts.volume(&planned.name));
    if out.iter().any(|c| c.ends_with("no longer exists")) {
        return out;
    }
    let then: BTreeSet<&str> = planned
        .mounted_by
        .iter()
        .map(|u| u.container.as_str())
        .collect();
    let now: BTreeSet<&str> = facts
        .mounting(&planned.name)
        .map(|c| c.name.as_str())
        .collect();
    let added: Vec<&str> = now.difference(&then).copied().collect();
    let gone: Vec<&str> = then.difference(&now).copied().collect();
    if !added.is_empty() {
        out.push(format!(
            "volume `{}`: now also used by container(s) {}",
            planned.name,
            added.join(", ")
        ));
    }
    if !gone.is_empty() {
        out.push(format!(
            "volume `{}`: no longer used by container(s) {}",
            planned.name,
            gone.join(", ")
        ));
    }
    out
}

/// Pure: every change of every volume of the plan (to delete or at risk).
pub fn plan_changes(plan: &DeletionPlan, facts: &EngineFacts) -> Vec<String> {
    plan.affected()
        .flat_map(|v| identity_changes(v, facts))
        .collect()
}

/// Re-check the plan against the Engine now. `Ok(empty)`: every volume is still the one the
/// user confirmed.
pub async fn recheck(docker: &Docker, plan: &DeletionPlan) -> Result<Vec<String>> {
    if plan.affected().next().is_none() {
        return Ok(Vec::new());
    }
    let facts = volumes::gather(docker, None).await?;
    Ok(plan_changes(plan, &facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::volumes::{ContainerFact, MountFact};
    use crate::safety::plan::{User, VolumeKind};

    fn planned() -> PlannedVolume {
        PlannedVolume {
            name: "shop_db".into(),
            key: Some("db".into()),
            kind: VolumeKind::Named,
            external: false,
            protected: false,
            created_at: Some("2026-11-21T19:52:58Z".into()),
            size_bytes: Some(10),
            labels: [("com.docker.compose.project".to_string(), "shop".to_string())].into(),
            mounted_by: vec![User {
                container: "shop-db-1".into(),
                service: Some("db".into()),
                project: Some("shop".into()),
                state: "running".into(),
                image_id: "sha256:1".into(),
            }],
            driver: "local".into(),
            mountpoint: Some("/var/lib/docker/volumes/shop_db/_data".into()),
        }
    }

    fn fact() -> VolumeFact {
        VolumeFact {
            name: "shop_db".into(),
            driver: "local".into(),
            created_at: Some("2026-11-21T19:52:58Z".into()),
            labels: [("com.docker.compose.project".to_string(), "shop".to_string())].into(),
            size_bytes: Some(10),
            ref_count: None,
            mountpoint: Some("/var/lib/docker/volumes/shop_db/_data".into()),
        }
    }

    fn container(name: &str, state: &str) -> ContainerFact {
        ContainerFact {
            id: format!("id-{name}"),
            name: name.into(),
            project: Some("shop".into()),
            service: Some("db".into()),
            state: state.into(),
            image: "busybox".into(),
            image_id: "sha256:1".into(),
            mounts: vec![MountFact {
                kind: "volume".into(),
                name: Some("shop_db".into()),
                destination: "/d".into(),
                rw: true,
            }],
        }
    }

    fn facts(v: Option<VolumeFact>, containers: Vec<ContainerFact>) -> EngineFacts {
        EngineFacts {
            volumes: v.into_iter().collect(),
            containers,
        }
    }

    #[test]
    fn content_changes_are_not_identity_changes() {
        // CreatedAt moved (files created/removed inside), size changed, container stopped.
        let mut now = fact();
        now.created_at = Some("2026-11-21T20:31:07Z".into());
        now.size_bytes = Some(99);
        let f = facts(Some(now), vec![container("shop-db-1", "exited")]);
        assert_eq!(identity_changes(&planned(), &f), Vec::<String>::new());
    }

    #[test]
    fn identity_changes_are_named() {
        type Case = (&'static str, fn(&mut VolumeFact), &'static str);
        let cases: Vec<Case> = vec![
            ("driver", |v| v.driver = "nfs".into(), "driver was `local`"),
            (
                "mount point",
                |v| v.mountpoint = Some("/elsewhere".into()),
                "mount point was /var/lib/docker/volumes/shop_db/_data",
            ),
            (
                "label value",
                |v| {
                    v.labels
                        .insert("com.docker.compose.project".into(), "other".into());
                },
                "com.docker.compose.project: `shop` → `other`",
            ),
            (
                "label added",
                |v| {
                    v.labels.insert("x".into(), "1".into());
                },
                "+x",
            ),
            ("label removed", |v| v.labels.clear(), "-com.docker"),
        ];
        for (name, change, needle) in cases {
            let mut now = fact();
            change(&mut now);
            let got = identity_changes(
                &planned(),
                &facts(Some(now), vec![container("shop-db-1", "running")]),
            );
            assert_eq!(got.len(), 1, "{name}: {got:?}");
            assert!(got[0].contains(needle), "{name}: {}", got[0]);
            assert!(got[0].starts_with("volume `shop_db`: "), "{name}");
        }
        let gone = identity_changes(&planned(), &facts(None, vec![]));
        assert_eq!(gone, vec!["volume `shop_db` no longer exists"]);
        let users = identity_changes(
            &planned(),
            &facts(Some(fact()), vec![container("tools-x-1", "running")]),
        );
        assert_eq!(
            users,
            vec![
                "volume `shop_db`: now also used by container(s) tools-x-1",
                "volume `shop_db`: no longer used by container(s) shop-db-1",
            ]
        );
    }

    #[test]
    fn after_compose_only_the_volume_itself_counts() {
        // Compose removed the containers: not a change of the volume.
        assert!(volume_changes(&planned(), Some(&fact())).is_empty());
        let mut now = fact();
        now.labels.insert("x".into(), "1".into());
        assert_eq!(volume_changes(&planned(), Some(&now)).len(), 1);
    }
}
