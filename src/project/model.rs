//! Typed view of the merged model. It deserialises Compose's canonical JSON
//! (`docker compose config --format json`), so it can be built from devctl's loader or
//! from Compose's own output alike. Only the fields devctl uses are typed; unknown ones
//! are ignored.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Project {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub services: IndexMap<String, Service>,
    #[serde(default)]
    pub volumes: IndexMap<String, Volume>,
    #[serde(default)]
    pub networks: IndexMap<String, Network>,
}

/// The key path (`services.api.volumes`) of the first value that does not fit the typed view,
/// found by deserialising each service's and resource's keys one at a time.
pub fn locate_type_error(json: &serde_json::Value) -> Option<String> {
    fn first_bad<T: serde::de::DeserializeOwned>(
        kind: &str,
        defs: Option<&serde_json::Value>,
    ) -> Option<String> {
        for (name, def) in defs?.as_object()? {
            let Some(obj) = def.as_object() else {
                return Some(format!("{kind}.{name}"));
            };
            for (k, v) in obj {
                let one = serde_json::Value::Object([(k.clone(), v.clone())].into_iter().collect());
                if serde_json::from_value::<T>(one).is_err() {
                    return Some(format!("{kind}.{name}.{k}"));
                }
            }
        }
        None
    }
    first_bad::<Service>("services", json.get("services"))
        .or_else(|| first_bad::<Volume>("volumes", json.get("volumes")))
        .or_else(|| first_bad::<Network>("networks", json.get("networks")))
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Service {
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub build: Option<Build>,
    #[serde(default)]
    pub container_name: Option<String>,
    #[serde(default)]
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub environment: IndexMap<String, Option<String>>,
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    #[serde(default)]
    pub ports: Vec<Port>,
    #[serde(default)]
    pub volumes: Vec<ServiceVolume>,
    #[serde(default)]
    pub depends_on: IndexMap<String, DependsOn>,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub restart: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    #[serde(default)]
    pub deploy: Option<serde_json::Value>,
    #[serde(default)]
    pub scale: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Build {
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default)]
    pub dockerfile: Option<String>,
    #[serde(default)]
    pub args: IndexMap<String, Option<String>>,
}

/// Durations are Go duration strings as Compose renders them (`30s`, `1m30s`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Healthcheck {
    #[serde(default)]
    pub test: Vec<String>,
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub retries: Option<u64>,
    #[serde(default)]
    pub start_period: Option<String>,
    #[serde(default)]
    pub start_interval: Option<String>,
    #[serde(default)]
    pub disable: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Port {
    #[serde(default)]
    pub target: u32,
    /// Host port or range as a string (`"8080"`, `"8000-8010"`), absent when not published.
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub host_ip: Option<String>,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub mode: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceVolume {
    /// `volume`, `bind`, `tmpfs`, `npipe`, `cluster`, `image`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Volume key (for `volume`), host path (for `bind`); absent for anonymous volumes.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub read_only: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DependsOn {
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub restart: Option<bool>,
}

/// A top-level volume. `name` is the Engine name Compose uses (`<project>_<key>` unless
/// `name:` or `external` says otherwise).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub external: Option<bool>,
    #[serde(default)]
    pub driver: Option<String>,
    #[serde(default)]
    pub labels: IndexMap<String, String>,
}

impl Volume {
    pub fn is_external(&self) -> bool {
        self.external.unwrap_or(false)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub external: Option<bool>,
}

impl Project {
    /// Build the typed view from Compose's canonical JSON.
    pub fn from_json(v: &serde_json::Value) -> serde_json::Result<Project> {
        serde_json::from_value(v.clone())
    }

    /// The Engine name of the volume with key `key` (as Compose resolves it).
    pub fn volume_engine_name(&self, key: &str) -> String {
        match self.volumes.get(key).and_then(|v| v.name.clone()) {
            Some(n) => n,
            None => format!("{}_{}", self.name, key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compose_canonical_json() {
        let v = serde_json::json!({
            "name": "demo",
            "services": {"db": {
                "image": "postgres:16",
                "command": null,
                "entrypoint": null,
                "healthcheck": {"test": ["CMD-SHELL", "pg_isready"], "interval": "5s", "retries": 5},
                "ports": [{"mode": "ingress", "target": 5432, "published": "5432", "protocol": "tcp"}],
                "volumes": [{"type": "volume", "source": "pgdata", "target": "/var/lib/postgresql/data", "volume": {}}],
                "networks": {"default": null}
            }},
            "volumes": {"pgdata": {"name": "pgdata", "external": true}}
        });
        let p = Project::from_json(&v).expect("parses");
        let db = &p.services["db"];
        assert_eq!(db.ports[0].published.as_deref(), Some("5432"));
        assert_eq!(db.volumes[0].source.as_deref(), Some("pgdata"));
        assert!(p.volumes["pgdata"].is_external());
        assert_eq!(p.volume_engine_name("pgdata"), "pgdata");
        assert_eq!(p.volume_engine_name("other"), "demo_other");
    }
}
