//! Pure conversion of bollard's Engine types into the domain types of [`super::model`].
//!
//! Fixture-tested with JSON captured from a real Engine (`tests/fixtures/engine/`).

use std::collections::HashMap;

use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, ContainerSummary,
    ContainerSummaryStateEnum, HealthConfig, HealthStatusEnum, PortMap, RestartPolicyNameEnum,
};

use super::model::{
    Container, ContainerState, Health, HealthcheckSpec, Probe, PublishedPort, Timestamp,
};

/// Compose's labels.
pub const LABEL_PROJECT: &str = "com.docker.compose.project";
pub const LABEL_SERVICE: &str = "com.docker.compose.service";
pub const LABEL_ONEOFF: &str = "com.docker.compose.oneoff";
pub const LABEL_NUMBER: &str = "com.docker.compose.container-number";
pub const LABEL_CONFIG_FILES: &str = "com.docker.compose.project.config_files";

/// The Engine's "zero" time (`0001-01-01T00:00:00Z`) means "never".
/// The Engine's RFC 3339 text, parsed; `None` when empty, unreadable or "never" (`0001-…`).
pub fn time(s: Option<&String>) -> Option<Timestamp> {
    let t = chrono::DateTime::parse_from_rfc3339(s?).ok()?;
    (t.timestamp() > 0).then(|| t.with_timezone(&chrono::Utc))
}

/// Container state from its Engine name (`running`, `exited`, …).
pub fn state_from_str(s: &str) -> ContainerState {
    match s {
        "created" => ContainerState::Created,
        "running" => ContainerState::Running,
        "paused" => ContainerState::Paused,
        "restarting" => ContainerState::Restarting,
        "removing" => ContainerState::Removing,
        "exited" => ContainerState::Exited,
        "dead" => ContainerState::Dead,
        _ => ContainerState::Unknown,
    }
}

/// Health from the `Status` text of a container listing: `Up 3 minutes (healthy)`,
/// `Up 2 seconds (health: starting)`, `Up 1 minute (unhealthy)`.
pub fn health_from_status_text(s: &str) -> Health {
    if s.ends_with("(healthy)") {
        Health::Healthy
    } else if s.ends_with("(unhealthy)") {
        Health::Unhealthy
    } else if s.ends_with("(health: starting)") {
        Health::Starting
    } else {
        Health::None
    }
}

fn health_from_enum(h: Option<&HealthStatusEnum>) -> Health {
    match h {
        Some(HealthStatusEnum::STARTING) => Health::Starting,
        Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
        Some(HealthStatusEnum::UNHEALTHY) => Health::Unhealthy,
        _ => Health::None,
    }
}

/// The replica number: the `container-number` label, else the numeric suffix of the name
/// (`proj-svc-2` for Compose v2, `proj_svc_2` for Compose v1), else 1.
pub fn container_number(labels: &HashMap<String, String>, name: &str) -> u32 {
    if let Some(n) = labels.get(LABEL_NUMBER).and_then(|n| n.parse().ok()) {
        return n;
    }
    name.rsplit(['-', '_'])
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// The service of a container: the `service` label, else parsed from a Compose-style name
/// (`<project>-<service>-<n>` or `<project>_<service>_<n>`).
pub fn service_name(labels: &HashMap<String, String>, name: &str, project: &str) -> String {
    if let Some(s) = labels.get(LABEL_SERVICE) {
        return s.clone();
    }
    for sep in ['-', '_'] {
        if let Some(rest) = name.strip_prefix(&format!("{project}{sep}"))
            && let Some((svc, n)) = rest.rsplit_once(sep)
            && n.chars().all(|c| c.is_ascii_digit())
            && !svc.is_empty()
        {
            return svc.to_string();
        }
    }
    name.to_string()
}

/// `com.docker.compose.oneoff=True` marks `compose run` containers.
pub fn is_oneoff(labels: &HashMap<String, String>) -> bool {
    labels
        .get(LABEL_ONEOFF)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn ns_to_ms(ns: Option<i64>) -> Option<u64> {
    ns.filter(|n| *n > 0).map(|n| (n / 1_000_000) as u64)
}

/// The health check in effect; `None` without one or for `["NONE"]`.
pub fn healthcheck_spec(h: Option<&HealthConfig>) -> Option<HealthcheckSpec> {
    let h = h?;
    let test = h.test.clone().unwrap_or_default();
    if test.is_empty() || test.first().is_some_and(|t| t == "NONE") {
        return None;
    }
    Some(HealthcheckSpec {
        test,
        interval_ms: ns_to_ms(h.interval),
        timeout_ms: ns_to_ms(h.timeout),
        start_period_ms: ns_to_ms(h.start_period),
        retries: h.retries.filter(|r| *r > 0).map(|r| r as u64),
    })
}

/// Published ports from an inspect `NetworkSettings.Ports` map, sorted.
pub fn ports_from_map(map: Option<&PortMap>) -> Vec<PublishedPort> {
    let mut out = Vec::new();
    for (key, bindings) in map.into_iter().flatten() {
        let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        let Ok(container_port) = port.parse::<u16>() else {
            continue;
        };
        for b in bindings.iter().flatten() {
            out.push(PublishedPort {
                host_ip: b.host_ip.clone().filter(|s| !s.is_empty()),
                host_port: b.host_port.as_deref().and_then(|p| p.parse().ok()),
                container_port,
                protocol: proto.to_string(),
            });
        }
    }
    out.sort_by(|a, b| {
        (a.container_port, &a.protocol, a.host_port, &a.host_ip).cmp(&(
            b.container_port,
            &b.protocol,
            b.host_port,
            &b.host_ip,
        ))
    });
    out.dedup();
    out
}

fn labels_of(l: Option<&HashMap<String, String>>) -> HashMap<String, String> {
    l.cloned().unwrap_or_default()
}

/// A container from `GET /containers/{id}/json` (everything devctl shows).
pub fn container_from_inspect(i: &ContainerInspectResponse, project: &str) -> Container {
    let config = i.config.as_ref();
    let labels = labels_of(config.and_then(|c| c.labels.as_ref()));
    let name = i
        .name
        .as_deref()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_string();
    let st = i.state.as_ref();
    let state = match st.and_then(|s| s.status.as_ref()) {
        Some(ContainerStateStatusEnum::CREATED) => ContainerState::Created,
        Some(ContainerStateStatusEnum::RUNNING) => ContainerState::Running,
        Some(ContainerStateStatusEnum::PAUSED) => ContainerState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => ContainerState::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => ContainerState::Removing,
        Some(ContainerStateStatusEnum::EXITED) => ContainerState::Exited,
        Some(ContainerStateStatusEnum::DEAD) => ContainerState::Dead,
        _ => ContainerState::Unknown,
    };
    let health = st.and_then(|s| s.health.as_ref());
    let probes = health
        .and_then(|h| h.log.as_ref())
        .map(|log| {
            log.iter()
                .map(|p| Probe {
                    start: time(p.start.as_ref()),
                    end: time(p.end.as_ref()),
                    exit_code: p.exit_code.unwrap_or(-1),
                    output: crate::sanitize::sanitize_text(
                        p.output.as_deref().unwrap_or_default().as_bytes(),
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    // The exit code means something once the container has run and stopped.
    let finished_at = time(st.and_then(|s| s.finished_at.as_ref()));
    let exit_code = match state {
        ContainerState::Exited | ContainerState::Dead => st.and_then(|s| s.exit_code),
        ContainerState::Restarting if finished_at.is_some() => st.and_then(|s| s.exit_code),
        _ => None,
    };
    let restart_policy = i
        .host_config
        .as_ref()
        .and_then(|h| h.restart_policy.as_ref())
        .and_then(|r| r.name.as_ref())
        .and_then(|n| match n {
            RestartPolicyNameEnum::EMPTY | RestartPolicyNameEnum::NO => None,
            other => Some(other.to_string()),
        });
    Container {
        id: i.id.clone().unwrap_or_default(),
        service: service_name(&labels, &name, project),
        number: container_number(&labels, &name),
        state,
        health: health_from_enum(health.and_then(|h| h.status.as_ref())),
        failing_streak: health.and_then(|h| h.failing_streak).unwrap_or(0).max(0) as u64,
        probes,
        restart_count: i.restart_count.unwrap_or(0).max(0) as u64,
        exit_code,
        oom_killed: st.and_then(|s| s.oom_killed).unwrap_or(false),
        started_at: time(st.and_then(|s| s.started_at.as_ref())),
        finished_at,
        ports: ports_from_map(i.network_settings.as_ref().and_then(|n| n.ports.as_ref())),
        image: config
            .and_then(|c| c.image.clone())
            .or_else(|| i.image.clone())
            .unwrap_or_default(),
        config_files: labels.get(LABEL_CONFIG_FILES).cloned(),
        state_error: st.and_then(|s| s.error.clone()).filter(|e| !e.is_empty()),
        healthcheck: healthcheck_spec(config.and_then(|c| c.healthcheck.as_ref())),
        created_at: time(i.created.as_ref()),
        restart_policy,
        pid: st.and_then(|s| s.pid).filter(|p| *p > 0),
        name,
    }
}

/// A container from a listing (`GET /containers/json`): state, health, ports and labels only;
/// probes, restart count, exit code details and times need an inspect.
pub fn container_from_summary(s: &ContainerSummary, project: &str) -> Container {
    let labels = labels_of(s.labels.as_ref());
    let name = s
        .names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default();
    let state = match s.state.as_ref() {
        Some(ContainerSummaryStateEnum::CREATED) => ContainerState::Created,
        Some(ContainerSummaryStateEnum::RUNNING) => ContainerState::Running,
        Some(ContainerSummaryStateEnum::PAUSED) => ContainerState::Paused,
        Some(ContainerSummaryStateEnum::RESTARTING) => ContainerState::Restarting,
        Some(ContainerSummaryStateEnum::REMOVING) => ContainerState::Removing,
        Some(ContainerSummaryStateEnum::EXITED) => ContainerState::Exited,
        Some(ContainerSummaryStateEnum::DEAD) => ContainerState::Dead,
        _ => ContainerState::Unknown,
    };
    let status = s.status.as_deref().unwrap_or_default();
    let mut ports: Vec<PublishedPort> = s
        .ports
        .iter()
        .flatten()
        .filter(|p| p.public_port.is_some())
        .map(|p| PublishedPort {
            host_ip: p.ip.clone().filter(|i| !i.is_empty()),
            host_port: p.public_port,
            container_port: p.private_port,
            protocol: p
                .typ
                .as_ref()
                .map(|t| t.to_string())
                .unwrap_or_else(|| "tcp".into()),
        })
        .collect();
    ports.sort_by(|a, b| {
        (a.container_port, a.host_port, &a.host_ip).cmp(&(
            b.container_port,
            b.host_port,
            &b.host_ip,
        ))
    });
    Container {
        id: s.id.clone().unwrap_or_default(),
        service: service_name(&labels, &name, project),
        number: container_number(&labels, &name),
        state,
        health: health_from_status_text(status),
        exit_code: exit_code_from_status_text(status),
        ports,
        image: s.image.clone().unwrap_or_default(),
        config_files: labels.get(LABEL_CONFIG_FILES).cloned(),
        name,
        ..Container::default()
    }
}

/// `Exited (3) 5 seconds ago` → 3.
pub fn exit_code_from_status_text(s: &str) -> Option<i64> {
    let rest = s.strip_prefix("Exited (")?;
    rest.split_once(')')?.0.parse().ok()
}

#[cfg(test)]
#[path = "convert/tests.rs"]
mod tests;
