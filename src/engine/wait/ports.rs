//! After a service is ready: are its published ports served? Read from the container's own
//! network namespace ([`crate::engine::listeners`]) — a published port nothing listens on,
//! or one served on loopback only, is "healthy but unreachable" (the probe runs inside).
//! Where the Engine is not on this machine the check is skipped, and said so.

use std::time::Duration;

use bollard::Docker;

use crate::engine::listeners::{
    Binding, binding, listening_ports, loopback_message, not_listening_message, read,
};
use crate::engine::model::{Container, ContainerState, ServiceStatus};
use crate::project::LoadedProject;

/// How long a port may take to be bound after the service is ready (an app may open its
/// port a moment after its process started or its probe passed).
const GRACE: Duration = Duration::from_secs(2);

/// One warning line per port problem, plus one line naming the services whose ports could
/// not be checked. `ready`: the services to check (ready ones only).
pub async fn warnings(
    docker: &Docker,
    project: &LoadedProject,
    ready: &[&ServiceStatus],
) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + GRACE;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for s in ready {
        let Some(svc) = project.project.services.get(&s.name) else {
            continue;
        };
        let ports: Vec<u16> = svc
            .ports
            .iter()
            .filter(|p| p.protocol.as_deref().is_none_or(|x| x == "tcp"))
            .filter_map(|p| u16::try_from(p.target).ok())
            .collect();
        if ports.is_empty() {
            continue;
        }
        let Some(c) = s
            .containers
            .iter()
            .find(|c| c.state == ContainerState::Running)
        else {
            continue;
        };
        let Some(pid) = pid_of(docker, c).await else {
            skipped.push(s.name.clone());
            continue;
        };
        let Some(mut listeners) = read(&c.id, pid) else {
            skipped.push(s.name.clone());
            continue;
        };
        for port in ports {
            // Not bound yet: look again until the grace period is over.
            while binding(&listeners, port) == Binding::NotListening
                && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
                match read(&c.id, pid) {
                    Some(l) => listeners = l,
                    None => break,
                }
            }
            match binding(&listeners, port) {
                Binding::Reachable => {}
                Binding::LoopbackOnly(ips) => out.push(format!(
                    "{}; make it listen on 0.0.0.0 (e.g. HOST=0.0.0.0)",
                    loopback_message(&s.name, port, &ips)
                )),
                Binding::NotListening => out.push(not_listening_message(
                    &s.name,
                    port,
                    published(c, port).as_deref(),
                    &listening_ports(&listeners),
                )),
            }
        }
    }
    if !skipped.is_empty() {
        out.push(format!(
            "port check skipped for {}: the Engine does not run on this machine (devctl reads \
             the listening ports from /proc/PID/net/tcp of the container's process)",
            skipped.join(", ")
        ));
    }
    out
}

async fn pid_of(docker: &Docker, c: &Container) -> Option<i64> {
    match c.pid {
        Some(p) => Some(p),
        None => docker
            .inspect_container(
                &c.id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
            .ok()
            .and_then(|i| i.state?.pid),
    }
}

/// `127.0.0.1:18380`: where the Engine published container port `port`, if it did.
fn published(c: &Container, port: u16) -> Option<String> {
    let p = c
        .ports
        .iter()
        .find(|p| p.container_port == port && p.host_port.is_some())?;
    let ip = p.host_ip.as_deref().unwrap_or("0.0.0.0");
    Some(format!("{ip}:{}", p.host_port?))
}
