//! Finding Docker Compose: the v2 CLI plugin (`docker compose`), else a standalone
//! `docker-compose` (v2, or the old Python v1 whose container names use `_`).
//!
//! `<program> version` does not need the Engine, so detection answers even when the Engine is
//! down; every probe runs under one deadline (well under 2 s) and is killed if it hangs.
//! The answer is cached per process (keyed by the variables that change where Compose is found).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use crate::error::{Error, Result};

/// Which kind of Compose was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `docker compose` (the v2 CLI plugin).
    Plugin,
    /// A standalone `docker-compose` binary of v2 (same behaviour and naming as the plugin).
    StandaloneV2,
    /// The Python `docker-compose` v1: containers are named `project_service_1`.
    StandaloneV1,
}

/// The Compose that devctl drives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub flavor: Flavor,
    /// What to spawn: `docker` or `docker-compose` (looked up on PATH, as a shell would).
    pub program: String,
    /// The version Compose reported, e.g. `2.40.3`.
    pub version: String,
}

impl Detected {
    /// Arguments between the program and Compose's own flags (`compose` for the plugin).
    pub fn prefix(&self) -> &'static [&'static str] {
        match self.flavor {
            Flavor::Plugin => &["compose"],
            Flavor::StandaloneV2 | Flavor::StandaloneV1 => &[],
        }
    }

    /// The separator in container names: `project-service-1` (v2) or `project_service_1` (v1).
    /// The engine layer needs it when it names containers the way Compose does.
    pub fn container_separator(&self) -> char {
        match self.flavor {
            Flavor::StandaloneV1 => '_',
            Flavor::Plugin | Flavor::StandaloneV2 => '-',
        }
    }
}

/// How long all probes together may take.
const DEADLINE: Duration = Duration::from_millis(1800);

/// Detect Compose for this environment (cached per process).
pub fn detect(env: &BTreeMap<String, String>) -> Result<Detected> {
    static CACHE: OnceLock<Mutex<HashMap<String, Detected>>> = OnceLock::new();
    let key = ["PATH", "HOME", "DOCKER_CONFIG"]
        .iter()
        .map(|k| env.get(*k).map(String::as_str).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\u{0}");
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(d) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(d);
    }
    let start = Instant::now();
    let plugin = probe("docker", &["compose", "version"], env, start + DEADLINE);
    let standalone = match &plugin {
        Some(out) if parse_version(out).is_some() => None,
        _ => probe("docker-compose", &["version"], env, start + DEADLINE),
    };
    let found = classify(plugin.as_deref(), standalone.as_deref())?;
    if let Ok(mut c) = cache.lock() {
        c.insert(key, found.clone());
    }
    Ok(found)
}

/// Pure: decide from the probes' outputs (None = the program is missing or failed).
pub fn classify(plugin: Option<&str>, standalone: Option<&str>) -> Result<Detected> {
    if let Some(version) = plugin.and_then(parse_version) {
        return Ok(Detected {
            flavor: Flavor::Plugin,
            program: "docker".into(),
            version,
        });
    }
    if let Some(version) = standalone.and_then(parse_version) {
        let flavor = if version.starts_with("1.") {
            Flavor::StandaloneV1
        } else {
            Flavor::StandaloneV2
        };
        return Ok(Detected {
            flavor,
            program: "docker-compose".into(),
            version,
        });
    }
    Err(missing())
}

/// The error when neither `docker compose` nor `docker-compose` answers.
pub fn missing() -> Error {
    Error::compose_missing(
        "Docker Compose was not found: `docker compose version` and `docker-compose version` both failed",
    )
    .with_hint(
        "install the Docker Compose v2 plugin (Debian/Ubuntu with Docker's apt repository: \
         `apt-get install docker-compose-plugin`; or put the `docker-compose` v2 binary in \
         ~/.docker/cli-plugins/ or on PATH; see https://docs.docker.com/compose/install/), \
         then check with `docker compose version`.",
    )
}

/// Pure: the version in `Docker Compose version v2.40.3`, `docker-compose version 1.29.2,
/// build 5becea4c`, `v2.27.1-desktop.1`, or a bare `2.40.3` (`--short`).
pub fn parse_version(out: &str) -> Option<String> {
    static RE: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let re = RE
        .get_or_init(|| {
            regex::Regex::new(
                r"(?mi)^(?:docker[ -]compose version\s+)?v?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)",
            )
            .ok()
        })
        .as_ref()?;
    re.captures(out.trim_start())
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim_end_matches(',').to_string())
}

/// Run `program args…` with stdin/stdout/stderr detached from the user, killed at `deadline`.
/// Returns stdout+stderr when it exited 0 in time.
fn probe(
    program: &str,
    args: &[&str],
    env: &BTreeMap<String, String>,
    deadline: Instant,
) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let left = deadline.saturating_duration_since(Instant::now());
    let status = match child.wait_timeout(left) {
        Ok(Some(s)) => s,
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
    };
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    status.success().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        let cases = [
            ("Docker Compose version v2.40.3\n", Some("2.40.3")),
            ("Docker Compose version 2.40.3", Some("2.40.3")),
            (
                "docker-compose version 1.29.2, build 5becea4c\ndocker-py version: 5.0.0\n",
                Some("1.29.2"),
            ),
            (
                "Docker Compose version v2.27.1-desktop.1",
                Some("2.27.1-desktop.1"),
            ),
            ("2.40.3\n", Some("2.40.3")),
            ("v2.0.0-rc.3", Some("2.0.0-rc.3")),
            ("docker: 'compose' is not a docker command.", None),
            ("", None),
            ("Usage: docker [OPTIONS] COMMAND", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_version(input).as_deref(), want, "{input:?}");
        }
    }

    #[test]
    fn classifies() {
        let p = classify(Some("Docker Compose version v2.40.3"), None).expect("plugin");
        assert_eq!((p.flavor, p.program.as_str()), (Flavor::Plugin, "docker"));
        assert_eq!(p.prefix(), &["compose"]);
        assert_eq!(p.container_separator(), '-');

        let s = classify(None, Some("Docker Compose version v2.20.0")).expect("standalone v2");
        assert_eq!(
            (s.flavor, s.program.as_str()),
            (Flavor::StandaloneV2, "docker-compose")
        );
        assert!(s.prefix().is_empty());

        let v1 = classify(
            Some("docker: 'compose' is not a docker command."),
            Some("docker-compose version 1.29.2, build x"),
        )
        .expect("v1");
        assert_eq!(v1.flavor, Flavor::StandaloneV1);
        assert_eq!(v1.container_separator(), '_');

        let e = classify(None, None).expect_err("missing");
        assert_eq!(e.exit, crate::error::Exit::ComposeMissing);
        assert!(e.to_string().contains("install"), "{e}");
    }

    #[test]
    fn missing_programs_fail_fast() {
        let env: BTreeMap<String, String> =
            [("PATH".to_string(), "/nonexistent-devctl-path".to_string())].into();
        let e = detect(&env).expect_err("nothing on PATH");
        assert_eq!(e.exit, crate::error::Exit::ComposeMissing);
    }
}
