//! The Engine edge of doctor: gathers facts (volumes and their labels, this project's
//! containers, local images' users/health checks and whether probe programs exist inside
//! them, host ports in use). Never starts or pulls anything: to look inside an image it
//! *creates* a container (not started, no network), reads paths through the archive API and
//! removes the container (and the anonymous volumes its creation made) right away.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptions, DownloadFromContainerOptions, ListContainersOptions,
    ListVolumesOptions, RemoveContainerOptions,
};
use futures_util::StreamExt;

/// A container of this project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerFact {
    pub name: String,
    pub service: Option<String>,
    pub state: String,
    /// `com.docker.compose.project.config_files` (comma-separated absolute paths).
    pub config_files: Option<String>,
    /// Published host ports: (protocol, port).
    pub published: Vec<(String, u16)>,
    /// Its listening TCP sockets, read from its network namespace when the Engine runs on
    /// this machine and the container is running (see [`crate::engine::listeners`]).
    pub listeners: Option<Vec<crate::engine::listeners::Listener>>,
}

/// A local image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFact {
    /// `Config.User` (`""` = root).
    pub user: String,
    /// `Config.Healthcheck.Test` unless absent or `NONE`.
    pub healthcheck: Option<Vec<String>>,
    pub healthcheck_start_period: bool,
    /// Programs looked for inside the image → found.
    pub programs: BTreeMap<String, bool>,
}

/// What the Engine said.
#[derive(Debug, Clone, Default)]
pub struct EngineFacts {
    pub version: Option<String>,
    pub api_version: Option<String>,
    /// Every volume: name → labels.
    pub volumes: BTreeMap<String, BTreeMap<String, String>>,
    /// Containers labelled with this project's name.
    pub containers: Vec<ContainerFact>,
    /// Images asked about → facts (None: not present locally).
    pub images: BTreeMap<String, Option<ImageFact>>,
    /// Host ports that could not be bound: (protocol, host ip, port).
    pub busy_ports: BTreeSet<(String, String, u16)>,
    /// True when the Engine runs on this machine (so a local bind test means something).
    pub local: bool,
}

/// What to look for inside which image.
pub type ProbeRequests = BTreeMap<String, BTreeSet<String>>;

/// Connect and negotiate through [`crate::engine::connect`] (DOCKER_HOST, the docker context,
/// TLS; fails fast). The error is the message (with its hint) shown as "unreachable: …".
pub async fn connect(env: &BTreeMap<String, String>) -> Result<Docker, String> {
    crate::engine::connect(env)
        .await
        .map_err(|e| e.to_string().replace("\n  hint: ", " — "))
}

/// True when the endpoint is on this machine (a unix socket or a loopback TCP address), so a
/// local bind test says something about the Engine's host ports.
pub fn endpoint_is_local(ep: &crate::engine::connect::Endpoint) -> bool {
    match &ep.transport {
        crate::engine::connect::Transport::Unix(_) => true,
        crate::engine::connect::Transport::Ssh(_) => false,
        crate::engine::connect::Transport::Tcp { addr, .. } => ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .any(|p| addr.starts_with(p)),
    }
}

/// Gather every fact. Errors of single calls leave that fact empty rather than failing.
pub async fn gather(
    docker: &Docker,
    project: &str,
    probes: &ProbeRequests,
    images: &BTreeSet<String>,
    published: &[(String, String, u16)],
    local: bool,
) -> EngineFacts {
    let mut f = EngineFacts {
        local,
        ..Default::default()
    };
    if let Ok(v) = docker.version().await {
        f.version = v.version;
        f.api_version = v.api_version;
    }
    if let Ok(v) = docker.list_volumes(None::<ListVolumesOptions>).await {
        for vol in v.volumes.unwrap_or_default() {
            f.volumes.insert(vol.name, vol.labels.into_iter().collect());
        }
    }
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("com.docker.compose.project={project}")],
    )]);
    let opts = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    if let Ok(list) = docker.list_containers(Some(opts)).await {
        for c in list {
            let labels = c.labels.unwrap_or_default();
            let running = c.state.as_ref().map(|s| s.to_string()).as_deref() == Some("running");
            let listeners = match (&c.id, local && running) {
                (Some(id), true) => listeners_of(docker, id).await,
                _ => None,
            };
            f.containers.push(ContainerFact {
                listeners,
                name: c
                    .names
                    .and_then(|n| n.first().cloned())
                    .unwrap_or_default()
                    .trim_start_matches('/')
                    .to_string(),
                service: labels.get("com.docker.compose.service").cloned(),
                state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                config_files: labels
                    .get("com.docker.compose.project.config_files")
                    .cloned(),
                published: c
                    .ports
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|p| {
                        let proto = p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into());
                        p.public_port.map(|pp| (proto, pp))
                    })
                    .collect(),
            });
        }
    }
    for img in images {
        let fact = image_fact(docker, img, probes.get(img)).await;
        f.images.insert(img.clone(), fact);
    }
    if local {
        f.busy_ports = busy_ports(published);
    }
    f
}

/// The listening sockets of a running container on this machine (None when unreadable).
async fn listeners_of(
    docker: &Docker,
    id: &str,
) -> Option<Vec<crate::engine::listeners::Listener>> {
    let pid = docker
        .inspect_container(
            id,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .ok()?
        .state?
        .pid?;
    crate::engine::listeners::read(id, pid)
}

async fn image_fact(
    docker: &Docker,
    image: &str,
    wanted: Option<&BTreeSet<String>>,
) -> Option<ImageFact> {
    let inspect = docker.inspect_image(image).await.ok()?;
    let cfg = inspect.config.unwrap_or_default();
    let hc = cfg.healthcheck.unwrap_or_default();
    let test = hc.test.filter(|t| !t.is_empty() && t[0] != "NONE");
    let mut fact = ImageFact {
        user: cfg.user.unwrap_or_default(),
        healthcheck_start_period: hc.start_period.unwrap_or(0) > 0,
        healthcheck: test,
        programs: BTreeMap::new(),
    };
    let mut programs: BTreeSet<String> = wanted.cloned().unwrap_or_default();
    if let Some(t) = &fact.healthcheck {
        programs.extend(super::health::programs(t));
    }
    if programs.is_empty() {
        return Some(fact);
    }
    let path_env = cfg
        .env
        .unwrap_or_default()
        .into_iter()
        .find_map(|e| e.strip_prefix("PATH=").map(str::to_string))
        .unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    let name = format!(
        "devctl-doctor-probe-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: Some(vec!["devctl-doctor-probe".into()]),
        network_disabled: Some(true),
        labels: Some(HashMap::from([(
            "devctl.doctor.probe".to_string(),
            "1".to_string(),
        )])),
        ..Default::default()
    };
    let created = docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(name.clone()),
                ..Default::default()
            }),
            body,
        )
        .await;
    if created.is_err() {
        return Some(fact);
    }
    for p in programs {
        let candidates: Vec<String> = if p.starts_with('/') {
            vec![p.clone()]
        } else {
            path_env
                .split(':')
                .filter(|d| !d.is_empty())
                .map(|d| format!("{}/{p}", d.trim_end_matches('/')))
                .collect()
        };
        let mut found = false;
        for c in candidates {
            let mut s = docker
                .download_from_container(&name, Some(DownloadFromContainerOptions { path: c }));
            if matches!(s.next().await, Some(Ok(_))) {
                found = true;
                break;
            }
        }
        fact.programs.insert(p, found);
    }
    // Remove what we created, anonymous volumes included, whatever happened above.
    let _ = docker
        .remove_container(
            &name,
            Some(RemoveContainerOptions {
                force: true,
                v: true,
                ..Default::default()
            }),
        )
        .await;
    Some(fact)
}

/// Try to bind each published host port; those that fail with "address in use" are busy.
pub fn busy_ports(published: &[(String, String, u16)]) -> BTreeSet<(String, String, u16)> {
    let mut out = BTreeSet::new();
    for (proto, ip, port) in published {
        let host = if ip.is_empty() {
            "0.0.0.0"
        } else {
            ip.as_str()
        };
        let addr = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let res = if proto == "udp" {
            std::net::UdpSocket::bind(&addr).map(drop)
        } else {
            std::net::TcpListener::bind(&addr).map(drop)
        };
        if let Err(e) = res
            && e.kind() == std::io::ErrorKind::AddrInUse
        {
            out.insert((proto.clone(), ip.clone(), *port));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_endpoints() {
        use crate::engine::connect::{Endpoint, Source, Transport};
        let ep = |t: Transport| Endpoint {
            host: String::new(),
            transport: t,
            source: Source::Default,
        };
        let tcp = |a: &str| Transport::Tcp {
            addr: a.to_string(),
            tls: None,
        };
        assert!(endpoint_is_local(&ep(Transport::Unix(
            "/var/run/docker.sock".into()
        ))));
        assert!(endpoint_is_local(&ep(tcp("127.0.0.1:2375"))));
        assert!(endpoint_is_local(&ep(tcp("localhost:2376"))));
        assert!(!endpoint_is_local(&ep(tcp("build-box:2376"))));
        assert!(!endpoint_is_local(&ep(tcp("10.0.0.2:2376"))));
    }

    #[test]
    fn a_bound_port_is_busy_and_a_free_one_is_not() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
        let port = l.local_addr().expect("addr").port();
        let busy = busy_ports(&[("tcp".into(), "127.0.0.1".into(), port)]);
        assert!(busy.contains(&("tcp".into(), "127.0.0.1".into(), port)));
        drop(l);
        let busy = busy_ports(&[("tcp".into(), "127.0.0.1".into(), port)]);
        assert!(busy.is_empty());
    }
}
