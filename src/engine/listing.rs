//! A project listing: every service of the merged model (including services not created
//! yet and profile-disabled ones) joined with its containers from the Engine.

use std::collections::{BTreeMap, HashMap};

use bollard::Docker;
use bollard::query_parameters::ListContainersOptions;
use futures_util::future::join_all;

use super::connect::describe_error;
use super::convert::{LABEL_ONEOFF, LABEL_PROJECT, container_from_inspect};
use super::model::{Container, ProjectListing, ServiceStatus};
use crate::error::{Error, Result};
use crate::project::{LoadedProject, Project, model::Service};

/// Engine filters selecting a project's service containers (not `compose run` one-offs).
pub fn project_filters(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![
            format!("{LABEL_PROJECT}={project}"),
            format!("{LABEL_ONEOFF}=False"),
        ],
    )])
}

/// True when the service declares a health check that is not disabled.
pub fn declares_healthcheck(s: &Service) -> bool {
    s.healthcheck.as_ref().is_some_and(|h| {
        !h.disable.unwrap_or(false)
            && !h.test.is_empty()
            && h.test.first().is_none_or(|t| t != "NONE")
    })
}

fn status_for(name: &str, declared: bool, disabled: bool, hc: bool) -> ServiceStatus {
    ServiceStatus {
        name: name.to_string(),
        declared,
        profile_disabled: disabled,
        has_healthcheck: hc,
        containers: Vec::new(),
        usage: None,
    }
}

/// Join the merged model with the project's containers (pure).
///
/// Order: declared services in model order, then profile-disabled ones, then services that
/// only exist as containers (removed from the files since). Containers sort by replica number.
pub fn join(
    project_name: &str,
    project: &Project,
    disabled: &BTreeMap<String, Vec<String>>,
    containers: Vec<Container>,
) -> ProjectListing {
    let mut services: Vec<ServiceStatus> = project
        .services
        .iter()
        .map(|(name, s)| status_for(name, true, false, declares_healthcheck(s)))
        .collect();
    for name in disabled.keys() {
        if !project.services.contains_key(name) {
            services.push(status_for(name, true, true, false));
        }
    }
    for c in containers {
        let idx = match services.iter().position(|s| s.name == c.service) {
            Some(i) => i,
            None => {
                services.push(status_for(&c.service, false, false, false));
                services.len() - 1
            }
        };
        let svc = &mut services[idx];
        svc.has_healthcheck |= c.healthcheck.is_some();
        svc.containers.push(c);
    }
    for s in &mut services {
        s.containers
            .sort_by(|a, b| (a.number, &a.name).cmp(&(b.number, &b.name)));
    }
    ProjectListing {
        project: project_name.to_string(),
        services,
    }
}

/// Inspect one container. `Ok(None)` when it is gone (404) or not a service container of
/// the project.
pub async fn inspect(docker: &Docker, id: &str, project: &str) -> Result<Option<Container>> {
    match docker
        .inspect_container(
            id,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
    {
        Ok(i) => {
            let labels = i.config.as_ref().and_then(|c| c.labels.as_ref());
            let ours = labels.is_some_and(|l| {
                l.get(LABEL_PROJECT).is_some_and(|p| p == project) && !super::convert::is_oneoff(l)
            });
            Ok(ours.then(|| container_from_inspect(&i, project)))
        }
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(None),
        Err(e) => Err(engine_error("inspect a container", &e)),
    }
}

pub(crate) fn engine_error(what: &str, e: &bollard::errors::Error) -> Error {
    let mut err = Error::general(format!("cannot {what}: {}", describe_error(e)));
    if matches!(
        e,
        bollard::errors::Error::HyperResponseError { .. }
            | bollard::errors::Error::IOError { .. }
            | bollard::errors::Error::HyperLegacyError { .. }
            | bollard::errors::Error::RequestTimeoutError
            | bollard::errors::Error::SocketNotFoundError(_)
    ) {
        err.exit = crate::error::Exit::EngineUnreachable;
        err = err.with_hint("is the Docker Engine still running? (`docker info`)");
    }
    err
}

/// Every service container of the project, fully inspected.
pub async fn containers(docker: &Docker, project: &str) -> Result<Vec<Container>> {
    let opts = ListContainersOptions {
        all: true,
        filters: Some(project_filters(project)),
        ..Default::default()
    };
    let list = docker
        .list_containers(Some(opts))
        .await
        .map_err(|e| engine_error("list containers", &e))?;
    let ids: Vec<String> = list.into_iter().filter_map(|s| s.id).collect();
    let inspected = join_all(ids.iter().map(|id| inspect(docker, id, project))).await;
    let mut out = Vec::with_capacity(ids.len());
    for r in inspected {
        if let Some(c) = r? {
            out.push(c);
        }
    }
    Ok(out)
}

/// A full listing of the loaded project: every service with its containers.
pub async fn list(docker: &Docker, project: &LoadedProject) -> Result<ProjectListing> {
    let name = &project.resolved.name;
    let cs = containers(docker, name).await?;
    Ok(join(name, &project.project, &project.disabled_services, cs))
}

#[cfg(test)]
#[path = "listing/tests.rs"]
mod tests;
