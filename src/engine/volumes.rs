//! Volumes and the containers that mount them, as facts for the safety gate: listing, sizes
//! (from `GET /system/df` when the Engine reports them), inspection, creation and removal.
//!
//! bollard types become the plain types below in pure functions tested with fixtures captured
//! from a real Engine (`tests/fixtures/safety/`).

use std::collections::{BTreeMap, HashMap};

use bollard::Docker;
use bollard::models::{ContainerSummary, Volume, VolumeCreateRequest};
use bollard::query_parameters::{ListContainersOptions, ListVolumesOptions, RemoveVolumeOptions};
use serde::{Deserialize, Serialize};

use crate::engine::connect::Endpoint;
use crate::error::{Error, Result};

/// Compose's label naming a resource's project.
pub const LABEL_PROJECT: &str = "com.docker.compose.project";
/// Compose's label naming a container's service.
pub const LABEL_SERVICE: &str = "com.docker.compose.service";
/// Compose's label naming a volume's key in the compose file.
pub const LABEL_VOLUME: &str = "com.docker.compose.volume";

/// One volume as the Engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeFact {
    pub name: String,
    pub driver: String,
    /// `CreatedAt` exactly as the Engine reports it (RFC 3339); part of the pinned identity.
    pub created_at: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// Bytes used, when the Engine computed it (`system df`); `None` = unknown.
    pub size_bytes: Option<i64>,
    /// Containers referencing it, when the Engine computed it.
    pub ref_count: Option<i64>,
    /// Where the Engine keeps its data (`Mountpoint`); part of its identity.
    #[serde(default)]
    pub mountpoint: Option<String>,
}

impl VolumeFact {
    /// The Compose project named by its labels.
    pub fn project(&self) -> Option<&str> {
        self.labels.get(LABEL_PROJECT).map(String::as_str)
    }
}

/// One mount of a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountFact {
    /// `volume`, `bind`, `tmpfs`, …
    pub kind: String,
    /// Volume name (for `volume` mounts).
    pub name: Option<String>,
    pub destination: String,
    pub rw: bool,
}

/// One container and its mounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerFact {
    pub id: String,
    pub name: String,
    pub project: Option<String>,
    pub service: Option<String>,
    /// `running`, `exited`, `created`, …
    pub state: String,
    pub image: String,
    pub image_id: String,
    pub mounts: Vec<MountFact>,
}

impl ContainerFact {
    pub fn mounts_volume(&self, volume: &str) -> bool {
        self.mounts
            .iter()
            .any(|m| m.kind == "volume" && m.name.as_deref() == Some(volume))
    }

    /// True while the Engine considers the container active (a volume it mounts is in use).
    pub fn is_active(&self) -> bool {
        matches!(self.state.as_str(), "running" | "paused" | "restarting")
    }
}

/// Everything the gate needs from the Engine, taken at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineFacts {
    pub volumes: Vec<VolumeFact>,
    pub containers: Vec<ContainerFact>,
}

impl EngineFacts {
    pub fn volume(&self, name: &str) -> Option<&VolumeFact> {
        self.volumes.iter().find(|v| v.name == name)
    }
    pub fn mounting(&self, volume: &str) -> impl Iterator<Item = &ContainerFact> {
        self.containers
            .iter()
            .filter(move |c| c.mounts_volume(volume))
    }
}

/// A name the Engine gives an anonymous volume: 64 lowercase hex digits.
pub fn is_anonymous_name(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Pure: bollard volume (+ size from `system df`, keyed by name) → [`VolumeFact`].
pub fn volume_fact(v: &Volume, usage: &HashMap<String, (i64, i64)>) -> VolumeFact {
    let (size, refs) = match (usage.get(&v.name), &v.usage_data) {
        (Some((s, r)), _) => (Some(*s), Some(*r)),
        (None, Some(u)) => (Some(u.size), Some(u.ref_count)),
        (None, None) => (None, None),
    };
    VolumeFact {
        name: v.name.clone(),
        driver: v.driver.clone(),
        created_at: v.created_at.clone(),
        labels: v
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        // The Engine reports -1 when it did not compute the size.
        size_bytes: size.filter(|s| *s >= 0),
        ref_count: refs.filter(|r| *r >= 0),
        mountpoint: Some(v.mountpoint.clone()).filter(|m| !m.is_empty()),
    }
}

/// Pure: bollard container summary → [`ContainerFact`].
pub fn container_fact(c: &ContainerSummary) -> ContainerFact {
    let labels = c.labels.clone().unwrap_or_default();
    let name = c
        .names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default();
    let mounts = c
        .mounts
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|m| MountFact {
            kind: m.typ.as_ref().map(|t| t.to_string()).unwrap_or_default(),
            name: m.name.clone().filter(|n| !n.is_empty()),
            destination: m.destination.clone().unwrap_or_default(),
            rw: m.rw.unwrap_or(true),
        })
        .collect();
    ContainerFact {
        id: c.id.clone().unwrap_or_default(),
        name,
        project: labels.get(LABEL_PROJECT).cloned(),
        service: labels.get(LABEL_SERVICE).cloned(),
        state: c.state.map(|s| s.to_string()).unwrap_or_default(),
        image: c.image.clone().unwrap_or_default(),
        image_id: c.image_id.clone().unwrap_or_default(),
        mounts,
    }
}

fn engine_err(what: &str, e: bollard::errors::Error) -> Error {
    Error::general(format!("{what}: {e}"))
}

fn status_of(e: &bollard::errors::Error) -> Option<u16> {
    match e {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// Names of the networks labelled with project `name`.
pub async fn labelled_networks(docker: &Docker, name: &str) -> Result<Vec<String>> {
    let filters = HashMap::from([("label".to_string(), vec![format!("{LABEL_PROJECT}={name}")])]);
    let list = docker
        .list_networks(Some(bollard::query_parameters::ListNetworksOptions {
            filters: Some(filters),
        }))
        .await
        .map_err(|e| Error::general(format!("cannot list networks: {e}")))?;
    let mut names: Vec<String> = list.into_iter().filter_map(|n| n.name).collect();
    names.sort();
    Ok(names)
}

/// List every volume and container (all states) with their mounts; sizes when `sizes` names the
/// Engine's endpoint and it computes them (`system df` can be slow on big hosts; failures leave sizes unknown).
pub async fn gather(docker: &Docker, sizes: Option<&Endpoint>) -> Result<EngineFacts> {
    let list = docker
        .list_volumes(None::<ListVolumesOptions>)
        .await
        .map_err(|e| engine_err("cannot list volumes", e))?;
    let containers = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await
        .map_err(|e| engine_err("cannot list containers", e))?;
    let usage = match sizes {
        Some(ep) => crate::engine::df::volume_sizes(docker, ep).await,
        None => HashMap::new(),
    };
    Ok(EngineFacts {
        volumes: list
            .volumes
            .unwrap_or_default()
            .iter()
            .map(|v| volume_fact(v, &usage))
            .collect(),
        containers: containers.iter().map(container_fact).collect(),
    })
}

/// Inspect one volume; `None` when it does not exist.
pub async fn inspect(docker: &Docker, name: &str) -> Result<Option<VolumeFact>> {
    match docker.inspect_volume(name).await {
        Ok(v) => Ok(Some(volume_fact(&v, &HashMap::new()))),
        Err(e) if status_of(&e) == Some(404) => Ok(None),
        Err(e) => Err(engine_err(&format!("cannot inspect volume `{name}`"), e)),
    }
}

/// Create a volume with labels (local driver).
pub async fn create(
    docker: &Docker,
    name: &str,
    labels: &BTreeMap<String, String>,
) -> Result<VolumeFact> {
    let v = docker
        .create_volume(VolumeCreateRequest {
            name: Some(name.to_string()),
            labels: Some(labels.clone().into_iter().collect()),
            ..Default::default()
        })
        .await
        .map_err(|e| engine_err(&format!("cannot create volume `{name}`"), e))?;
    Ok(volume_fact(&v, &HashMap::new()))
}

/// What happened to one removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "kebab-case")]
pub enum Removal {
    Removed,
    /// The Engine refused: a container still uses it (its message names them).
    InUse(String),
    NotFound,
    Failed(String),
}

/// Remove one volume (never forced).
pub async fn remove(docker: &Docker, name: &str) -> Removal {
    match docker
        .remove_volume(name, Some(RemoveVolumeOptions { force: false }))
        .await
    {
        Ok(()) => Removal::Removed,
        Err(e) => match (status_of(&e), &e) {
            (Some(404), _) => Removal::NotFound,
            (Some(409), bollard::errors::Error::DockerResponseServerError { message, .. }) => {
                Removal::InUse(message.clone())
            }
            _ => Removal::Failed(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::df::usage_from_df;

    fn fixture(name: &str) -> String {
        let p = format!(
            "{}/tests/fixtures/safety/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&p).expect("fixture file")
    }

    fn raw_volumes() -> Vec<Volume> {
        let list: bollard::models::VolumeListResponse =
            serde_json::from_str(&fixture("engine-volumes.json")).expect("volume list");
        list.volumes.unwrap_or_default()
    }

    fn raw_volume() -> Volume {
        raw_volumes()
            .into_iter()
            .find(|v| v.name == "devctl-it-safety-fx_data")
            .expect("named volume")
    }

    fn list_without_df() -> Vec<VolumeFact> {
        raw_volumes()
            .iter()
            .map(|v| volume_fact(v, &HashMap::new()))
            .collect()
    }

    #[test]
    fn volumes_and_sizes_from_engine_json() {
        let list: bollard::models::VolumeListResponse =
            serde_json::from_str(&fixture("engine-volumes.json")).expect("volume list");
        let usage = usage_from_df(fixture("engine-df.json").as_bytes());
        let facts: Vec<VolumeFact> = list
            .volumes
            .unwrap_or_default()
            .iter()
            .map(|v| volume_fact(v, &usage))
            .collect();
        let named = facts
            .iter()
            .find(|v| v.name == "devctl-it-safety-fx_data")
            .expect("named volume");
        assert_eq!(named.project(), Some("devctl-it-safety-fx"));
        assert_eq!(
            named.labels.get(LABEL_VOLUME).map(String::as_str),
            Some("data")
        );
        assert_eq!(named.created_at.as_deref(), Some("2026-11-21T19:52:58Z"));
        assert_eq!(named.size_bytes, Some(12));
        let ext = facts
            .iter()
            .find(|v| v.name == "devctl-it-safety-fx-ext")
            .expect("external");
        assert_eq!(ext.project(), None);
        let anon = facts
            .iter()
            .find(|v| is_anonymous_name(&v.name))
            .expect("anon");
        assert_eq!(anon.size_bytes, Some(0));
        // Without `system df` the size is unknown (the volume list does not compute it).
        let v = list_without_df();
        assert!(v.iter().all(|v| v.size_bytes.is_none()), "{v:?}");
        // -1 from the Engine means "not computed".
        let mut usage = HashMap::new();
        usage.insert("devctl-it-safety-fx_data".to_string(), (-1, -1));
        assert_eq!(volume_fact(&raw_volume(), &usage).size_bytes, None);
    }

    #[test]
    fn containers_and_mounts_from_engine_json() {
        let list: Vec<ContainerSummary> =
            serde_json::from_str(&fixture("engine-containers.json")).expect("containers");
        let facts: Vec<ContainerFact> = list.iter().map(container_fact).collect();
        let c = &facts[0];
        assert_eq!(c.name, "devctl-it-safety-fx-db-1");
        assert_eq!(c.project.as_deref(), Some("devctl-it-safety-fx"));
        assert_eq!(c.service.as_deref(), Some("db"));
        assert_eq!(c.state, "running");
        assert!(c.is_active());
        assert!(c.mounts_volume("devctl-it-safety-fx_data"));
        assert!(
            c.mounts
                .iter()
                .any(|m| m.kind == "bind" && m.name.is_none())
        );
        let facts = EngineFacts {
            volumes: vec![],
            containers: facts,
        };
        assert_eq!(facts.mounting("devctl-it-safety-fx-ext").count(), 1);
    }

    #[test]
    fn anonymous_names() {
        assert!(is_anonymous_name(&"a".repeat(64)));
        assert!(!is_anonymous_name(&"A".repeat(64)));
        assert!(!is_anonymous_name("data"));
        assert!(!is_anonymous_name(&"a".repeat(63)));
    }
}
