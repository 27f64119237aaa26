//! Which containers to read logs from: the project's service containers (labels
//! `com.docker.compose.project`, `.service`, `.oneoff=False`), one-off `run` containers excluded.

use std::collections::HashMap;
use std::sync::Arc;

use bollard::Docker;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptions};
use chrono::{DateTime, Datelike, Utc};

use super::{engine_error, is_not_found};
use crate::error::Result;

pub(crate) const LABEL_PROJECT: &str = "com.docker.compose.project";
pub(crate) const LABEL_SERVICE: &str = "com.docker.compose.service";
pub(crate) const LABEL_ONEOFF: &str = "com.docker.compose.oneoff";
pub(crate) const LABEL_NUMBER: &str = "com.docker.compose.container-number";

/// One container whose logs can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: Arc<str>,
    /// As Compose prints it in log prefixes: `api-1`, or the `container_name` when set.
    pub name: Arc<str>,
    pub service: Arc<str>,
    /// `com.docker.compose.container-number` (0 when missing).
    pub number: u32,
    /// `Config.Tty`: the log is a raw stream (stdout only) instead of a multiplexed one.
    pub tty: bool,
    pub running: bool,
    /// `State.StartedAt` / `State.FinishedAt` (None when never started / never finished).
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The name Compose v2 shows for a container: its name without the `project-` prefix when
/// it has the default form `project-service-N`, else the name as is (custom `container_name`,
/// Compose v1's `project_service_N`).
pub(super) fn display_name(project: &str, service: &str, number: u32, name: &str) -> String {
    let name = name.trim_start_matches('/');
    let default = format!("{project}-{service}-{number}");
    if name == default {
        name[project.len() + 1..].to_string()
    } else {
        name.to_string()
    }
}

/// Pure conversion of an inspect answer; `None` when it is not a service container of `project`.
pub(super) fn target_from_inspect(project: &str, c: &ContainerInspectResponse) -> Option<Target> {
    let config = c.config.as_ref()?;
    let labels = config.labels.as_ref()?;
    if labels.get(LABEL_PROJECT).map(String::as_str) != Some(project) {
        return None;
    }
    if labels
        .get(LABEL_ONEOFF)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let service = labels.get(LABEL_SERVICE)?;
    let number = labels
        .get(LABEL_NUMBER)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let id = c.id.as_deref()?;
    let name = display_name(project, service, number, c.name.as_deref().unwrap_or(id));
    let state = c.state.as_ref();
    // The Engine reports "0001-01-01T00:00:00Z" for "never".
    let when = |s: Option<&String>| {
        s.and_then(|s| super::decode::parse_timestamp(s.as_bytes()))
            .filter(|t| t.year() > 1970)
    };
    Some(Target {
        id: id.into(),
        name: name.into(),
        service: service.as_str().into(),
        number,
        tty: config.tty.unwrap_or(false),
        running: state.and_then(|s| s.running).unwrap_or(false),
        started_at: when(state.and_then(|s| s.started_at.as_ref())),
        finished_at: when(state.and_then(|s| s.finished_at.as_ref())),
    })
}

/// Inspect one container; `Ok(None)` when it is gone or not a service container of `project`.
pub(super) async fn inspect_target(
    docker: &Docker,
    project: &str,
    id: &str,
) -> Result<Option<Target>> {
    match docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
    {
        Ok(c) => Ok(target_from_inspect(project, &c)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(engine_error(&format!("cannot inspect container {id}"), e)),
    }
}

/// The containers (running or not) of `services` of `project` (all services when empty),
/// ordered by the position of their service in `services` (else by service name), then number.
pub async fn targets(docker: &Docker, project: &str, services: &[String]) -> Result<Vec<Target>> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![
            format!("{LABEL_PROJECT}={project}"),
            format!("{LABEL_ONEOFF}=False"),
        ],
    )]);
    let list = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .map_err(|e| engine_error("cannot list containers", e))?;
    let mut out = Vec::new();
    for c in list {
        let wanted = c
            .labels
            .as_ref()
            .and_then(|l| l.get(LABEL_SERVICE))
            .is_some_and(|s| services.is_empty() || services.contains(s));
        let Some(id) = c.id.as_deref() else { continue };
        if !wanted {
            continue;
        }
        if let Some(t) = inspect_target(docker, project, id).await? {
            out.push(t);
        }
    }
    sort_targets(&mut out, services);
    Ok(out)
}

/// Order: the user's service order (else service name), then container number.
pub(super) fn sort_targets(targets: &mut [Target], services: &[String]) {
    let rank = |s: &str| services.iter().position(|x| x == s).unwrap_or(usize::MAX);
    targets.sort_by(|a, b| {
        (rank(&a.service), &a.service, a.number, &a.name).cmp(&(
            rank(&b.service),
            &b.service,
            b.number,
            &b.name,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::super::decode;
    use super::*;

    #[test]
    fn display_names_like_compose_v2() {
        let cases = [
            ("shop", "api", 1, "/shop-api-1", "api-1"),
            ("shop", "api", 2, "shop-api-2", "api-2"),
            ("my-app", "db", 1, "/my-app-db-1", "db-1"),
            // custom container_name
            ("shop", "api", 1, "/the-api", "the-api"),
            // Compose v1 naming is shown as is, as Compose v2 does
            ("shop", "api", 1, "/shop_api_1", "shop_api_1"),
            // number label disagrees with the name
            ("shop", "api", 3, "/shop-api-1", "shop-api-1"),
        ];
        for (project, service, n, name, want) in cases {
            assert_eq!(display_name(project, service, n, name), want, "{name}");
        }
    }

    fn fixture(labels: &[(&str, &str)], tty: bool, running: bool) -> ContainerInspectResponse {
        let labels: serde_json::Map<String, serde_json::Value> = labels
            .iter()
            .map(|(k, v)| ((*k).to_string(), serde_json::Value::from(*v)))
            .collect();
        serde_json::from_value(serde_json::json!({
            "Id": "abc123",
            "Name": "/shop-api-1",
            "State": {
                "Running": running,
                "Status": if running {"running"} else {"exited"},
                "StartedAt": "2024-05-01T10:00:00.5Z",
                "FinishedAt": "0001-01-01T00:00:00Z"
            },
            "Config": {"Tty": tty, "Labels": labels}
        }))
        .expect("fixture is a valid inspect answer")
    }

    #[test]
    fn target_from_inspect_fixtures() {
        let base = [
            (LABEL_PROJECT, "shop"),
            (LABEL_SERVICE, "api"),
            (LABEL_NUMBER, "1"),
            (LABEL_ONEOFF, "False"),
        ];
        let t = target_from_inspect("shop", &fixture(&base, true, true)).expect("a target");
        assert_eq!(
            t,
            Target {
                id: "abc123".into(),
                name: "api-1".into(),
                service: "api".into(),
                number: 1,
                tty: true,
                running: true,
                started_at: decode::parse_timestamp(b"2024-05-01T10:00:00.500Z"),
                finished_at: None,
            }
        );
        // other project
        assert!(target_from_inspect("other", &fixture(&base, false, true)).is_none());
        // one-off `run` container
        let mut oneoff = base;
        oneoff[3] = (LABEL_ONEOFF, "True");
        assert!(target_from_inspect("shop", &fixture(&oneoff, false, true)).is_none());
        // no service label
        assert!(target_from_inspect("shop", &fixture(&base[..1], false, true)).is_none());
        // stopped, no number label
        let t = target_from_inspect("shop", &fixture(&[base[0], base[1]], false, false))
            .expect("a target");
        assert_eq!((t.number, t.running, &*t.name), (0, false, "shop-api-1"));
    }

    #[test]
    fn sorting_follows_requested_services() {
        let mk = |s: &str, n: u32| Target {
            id: format!("{s}{n}").into(),
            name: format!("{s}-{n}").into(),
            service: s.into(),
            number: n,
            tty: false,
            running: true,
            started_at: None,
            finished_at: None,
        };
        let mut ts = vec![mk("db", 1), mk("api", 2), mk("web", 1), mk("api", 1)];
        sort_targets(&mut ts, &["web".to_string(), "api".to_string()]);
        let names: Vec<&str> = ts.iter().map(|t| &*t.name).collect();
        assert_eq!(names, ["web-1", "api-1", "api-2", "db-1"]);
    }
}
