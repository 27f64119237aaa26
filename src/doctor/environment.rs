//! Environment facts: the Engine (version, where), Compose (v2 present, version), the current
//! docker context — and the findings they imply.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::{Finding, Severity};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EngineInfo {
    /// `ok`, `unreachable` or `offline`.
    pub status: String,
    pub version: Option<String>,
    pub api_version: Option<String>,
    pub host: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ComposeInfo {
    /// `ok` (v2), `v1` (a standalone docker-compose 1.x) or `missing`.
    pub status: String,
    pub version: Option<String>,
    pub command: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvReport {
    pub engine: EngineInfo,
    pub compose: ComposeInfo,
    pub context: Option<String>,
}

fn run(program: &str, args: &[&str], env: &BTreeMap<String, String>) -> Option<String> {
    let inv = crate::compose::Invocation {
        program: program.to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        interactive: false,
    };
    let (code, out) = crate::compose::run::capture_stdout(&inv, env).ok()?;
    (code == 0)
        .then(|| String::from_utf8_lossy(&out).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Which Compose is installed, and its version (`docker compose`, else `docker-compose`).
pub fn compose_info(env: &BTreeMap<String, String>) -> ComposeInfo {
    if let Some(v) = run("docker", &["compose", "version", "--short"], env) {
        return ComposeInfo {
            status: "ok".into(),
            version: Some(v),
            command: Some("docker compose".into()),
        };
    }
    if let Some(v) = run("docker-compose", &["version", "--short"], env) {
        let status = if v.trim_start_matches('v').starts_with("1.") {
            "v1"
        } else {
            "ok"
        };
        return ComposeInfo {
            status: status.into(),
            version: Some(v),
            command: Some("docker-compose".into()),
        };
    }
    ComposeInfo {
        status: "missing".into(),
        version: None,
        command: None,
    }
}

/// The docker context in effect: DOCKER_HOST wins, then DOCKER_CONTEXT, then the CLI config's
/// `currentContext`, else `default`.
pub fn docker_context(env: &BTreeMap<String, String>) -> String {
    if let Some(h) = env.get("DOCKER_HOST").filter(|h| !h.is_empty()) {
        return format!("(DOCKER_HOST={h})");
    }
    if let Some(c) = env.get("DOCKER_CONTEXT").filter(|c| !c.is_empty()) {
        return c.clone();
    }
    let dir = env
        .get("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env.get("HOME").map(|h| PathBuf::from(h).join(".docker")));
    dir.and_then(|d| crate::project::read::text_lossy_opt(&d.join("config.json")))
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            v.get("currentContext")
                .and_then(|c| c.as_str())
                .map(str::to_string)
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "default".to_string())
}

/// Findings about the environment itself.
pub fn findings(r: &EnvReport) -> Vec<Finding> {
    let mut out = Vec::new();
    match r.compose.status.as_str() {
        "missing" => out.push(
            Finding::new("ENV-002-compose-missing", Severity::Error, "neither `docker compose` (v2) nor `docker-compose` answers")
                .why("devctl runs every action through the Compose CLI.")
                .fix("Install the Compose v2 plugin (Debian: `apt-get install docker-compose-plugin`, or the `docker-compose` binary as a CLI plugin in ~/.docker/cli-plugins/)."),
        ),
        "v1" => out.push(
            Finding::new(
                "ENV-003-compose-v1",
                Severity::Warning,
                format!("only Compose v1 (`docker-compose` {}) is installed", r.compose.version.as_deref().unwrap_or("?")),
            )
            .why("Compose v1 is end-of-life and merges, interpolates and names things differently from v2, which devctl models.")
            .fix("Install the Compose v2 plugin."),
        ),
        _ => {}
    }
    if r.engine.status == "unreachable" {
        out.push(
            Finding::new(
                "ENV-001-engine-unreachable",
                Severity::Warning,
                format!(
                    "the Docker Engine is unreachable: {}",
                    r.engine.error.as_deref().unwrap_or("no answer")
                ),
            )
            .why("The checks that need the Engine were skipped (external volumes, probes inside local images, ports in use, drift).")
            .fix("Start Docker (`systemctl start docker`), or point DOCKER_HOST / the docker context at a running Engine; `--offline` skips these checks on purpose."),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_resolution() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"remote"}"#,
        )
        .expect("write");
        let cfg = dir.path().display().to_string();
        let mk = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(docker_context(&mk(&[("DOCKER_CONFIG", &cfg)])), "remote");
        assert_eq!(
            docker_context(&mk(&[("DOCKER_CONFIG", &cfg), ("DOCKER_CONTEXT", "ci")])),
            "ci"
        );
        assert_eq!(
            docker_context(&mk(&[("DOCKER_HOST", "unix:///x.sock")])),
            "(DOCKER_HOST=unix:///x.sock)"
        );
        assert_eq!(
            docker_context(&mk(&[("DOCKER_CONFIG", "/nonexistent")])),
            "default"
        );
    }

    #[test]
    fn environment_findings() {
        let mut r = EnvReport::default();
        r.compose.status = "ok".into();
        r.engine.status = "ok".into();
        assert!(findings(&r).is_empty());
        r.compose.status = "missing".into();
        r.engine.status = "unreachable".into();
        let ids: Vec<String> = findings(&r).into_iter().map(|f| f.id).collect();
        assert_eq!(
            ids,
            vec!["ENV-002-compose-missing", "ENV-001-engine-unreachable"]
        );
        r.compose.status = "v1".into();
        r.engine.status = "offline".into();
        let ids: Vec<String> = findings(&r).into_iter().map(|f| f.id).collect();
        assert_eq!(ids, vec!["ENV-003-compose-v1"]);
    }
}
