//! Domain types for what the Engine reports about a project. Owned, cloneable snapshots:
//! background tasks send them over channels; nothing shares a mutex with a render loop.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// The container has no health check.
    #[default]
    None,
    Starting,
    Healthy,
    Unhealthy,
}

/// A time the Engine reported, parsed once in the bollard → model conversion.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// One health-check run (`State.Health.Log[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Probe {
    #[serde(serialize_with = "crate::format::rfc3339_opt")]
    pub start: Option<Timestamp>,
    #[serde(serialize_with = "crate::format::rfc3339_opt")]
    pub end: Option<Timestamp>,
    pub exit_code: i64,
    /// Already sanitised (no terminal control sequences).
    pub output: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PublishedPort {
    pub host_ip: Option<String>,
    pub host_port: Option<u16>,
    pub container_port: u16,
    pub protocol: String,
}

/// The health check a container was created with (`Config.Healthcheck`, durations in ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct HealthcheckSpec {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`.
    pub test: Vec<String>,
    pub interval_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub start_period_ms: Option<u64>,
    pub retries: Option<u64>,
}

/// One container of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub service: String,
    /// `com.docker.compose.container-number`.
    pub number: u32,
    pub state: ContainerState,
    pub health: Health,
    pub failing_streak: u64,
    /// Most recent last.
    pub probes: Vec<Probe>,
    pub restart_count: u64,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    /// Parsed once, from the Engine's RFC 3339 text; `None` for "never" (`0001-01-01`).
    #[serde(serialize_with = "crate::format::rfc3339_opt")]
    pub started_at: Option<Timestamp>,
    #[serde(serialize_with = "crate::format::rfc3339_opt")]
    pub finished_at: Option<Timestamp>,
    pub ports: Vec<PublishedPort>,
    pub image: String,
    /// `com.docker.compose.project.config_files` (comma-separated absolute paths).
    pub config_files: Option<String>,
    /// `State.Error`: why the Engine could not start it (e.g. a host port already taken).
    pub state_error: Option<String>,
    /// The health check in effect (from the compose file or the image), if any.
    pub healthcheck: Option<HealthcheckSpec>,
    /// Creation time.
    #[serde(serialize_with = "crate::format::rfc3339_opt")]
    pub created_at: Option<Timestamp>,
    /// `always`, `unless-stopped`, `on-failure`; `None` for `no`.
    pub restart_policy: Option<String>,
    /// `State.Pid`: the main process on the Engine's machine (running containers only).
    #[serde(skip)]
    pub pid: Option<i64>,
}

/// CPU and memory of one running container.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Usage {
    /// Percent of one core (100.0 = one full core), as `docker stats` shows it.
    pub cpu_percent: f64,
    pub mem_bytes: u64,
    pub mem_limit: u64,
}

/// A service of the merged model joined with its containers.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ServiceStatus {
    pub name: String,
    /// Declared in the compose files (false: containers carry the label but the service is gone).
    pub declared: bool,
    /// Declared but disabled by profiles.
    pub profile_disabled: bool,
    pub has_healthcheck: bool,
    pub containers: Vec<Container>,
    pub usage: Option<Usage>,
}

/// Everything devctl knows about a project at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ProjectListing {
    pub project: String,
    pub services: Vec<ServiceStatus>,
}

impl Container {
    /// One word for what the container is doing: `healthy`, `unhealthy`, `starting`
    /// (health check not passed yet), `running` (no health check), `created`,
    /// `cannot_start` (the Engine refused to start it, e.g. a port clash), `restarting`,
    /// `paused`, `exited`, `dead`, `removing`, `unknown`.
    pub fn phase(&self) -> &'static str {
        match self.state {
            ContainerState::Running => match self.health {
                Health::Healthy => "healthy",
                Health::Unhealthy => "unhealthy",
                Health::Starting => "starting",
                Health::None => "running",
            },
            ContainerState::Created if self.state_error.is_some() => "cannot_start",
            ContainerState::Created => "created",
            ContainerState::Restarting => "restarting",
            ContainerState::Paused => "paused",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
            ContainerState::Removing => "removing",
            ContainerState::Unknown => "unknown",
        }
    }

    /// The most recent health-check run.
    pub fn last_probe(&self) -> Option<&Probe> {
        self.probes.last()
    }
}

fn phase_rank(p: &str) -> u8 {
    match p {
        "cannot_start" | "dead" | "unhealthy" | "exited" => 5,
        "restarting" => 4,
        "created" | "starting" | "removing" | "unknown" => 3,
        "paused" => 2,
        _ => 1,
    }
}

impl ServiceStatus {
    /// One word for the service: `disabled` (profile), `not_created`, or the phase of its
    /// worst container (see [`Container::phase`]).
    pub fn phase(&self) -> &'static str {
        if self.containers.is_empty() {
            return if self.profile_disabled {
                "disabled"
            } else {
                "not_created"
            };
        }
        self.containers
            .iter()
            .map(Container::phase)
            .max_by_key(|p| phase_rank(p))
            .unwrap_or("unknown")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(state: ContainerState, health: Health) -> Container {
        Container {
            state,
            health,
            ..Container::default()
        }
    }

    #[test]
    fn container_phase_table() {
        use ContainerState as S;
        use Health as H;
        let mut clash = c(S::Created, H::None);
        clash.state_error = Some("port is already allocated".into());
        let cases = [
            (c(S::Running, H::Healthy), "healthy"),
            (c(S::Running, H::Unhealthy), "unhealthy"),
            (c(S::Running, H::Starting), "starting"),
            (c(S::Running, H::None), "running"),
            (c(S::Created, H::None), "created"),
            (clash, "cannot_start"),
            (c(S::Exited, H::None), "exited"),
            (c(S::Restarting, H::None), "restarting"),
            (c(S::Dead, H::None), "dead"),
        ];
        for (x, want) in cases {
            assert_eq!(x.phase(), want, "{x:?}");
        }
    }

    #[test]
    fn service_phase_is_the_worst_container() {
        let mut s = ServiceStatus::default();
        assert_eq!(s.phase(), "not_created");
        s.profile_disabled = true;
        assert_eq!(s.phase(), "disabled");
        s.containers = vec![
            c(ContainerState::Running, Health::Healthy),
            c(ContainerState::Exited, Health::None),
        ];
        assert_eq!(s.phase(), "exited");
        s.containers.pop();
        assert_eq!(s.phase(), "healthy");
    }
}
