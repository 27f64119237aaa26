//! Where the Engine is and how to reach it, resolved the way the docker CLI does:
//! `DOCKER_HOST` (with `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`), else the docker context
//! (`DOCKER_CONTEXT`, else `currentContext` in `$DOCKER_CONFIG/config.json`) and its
//! `contexts/meta/<sha256(name)>/meta.json`, else the default socket.
//!
//! [`resolve`] is pure apart from reading the docker config files; [`open`] connects and
//! negotiates the API version within [`CONNECT_TIMEOUT`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::Docker;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// How long connecting and negotiating the API version may take before devctl gives up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);

/// Timeout (seconds) of every later request until its response headers arrive.
/// Streams (events, logs, stats) are not cut by it once they have started.
const REQUEST_TIMEOUT_S: u64 = 30;

const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Client certificate material for a TLS endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How to talk to the Engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Unix(PathBuf),
    /// `host:port`, plain HTTP or TLS.
    Tcp {
        addr: String,
        tls: Option<Tls>,
    },
    /// `ssh://[user@]host[:port]`: `docker system dial-stdio` on the remote machine.
    Ssh(ssh::SshTarget),
}

/// Which setting chose the endpoint (named in error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    DockerHost,
    Context { name: String, meta: PathBuf },
    Default,
}

/// A resolved Engine endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// As the user wrote it, e.g. `unix:///var/run/docker.sock`, `tcp://10.0.0.2:2376`.
    pub host: String,
    pub transport: Transport,
    pub source: Source,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::DockerHost => write!(f, "from DOCKER_HOST"),
            Source::Context { name, .. } => write!(f, "from docker context `{name}`"),
            Source::Default => write!(f, "the default socket"),
        }
    }
}

impl Endpoint {
    /// What the user can do when this endpoint does not answer.
    pub fn hint(&self) -> String {
        if let Transport::Ssh(t) = &self.transport {
            let who = t.user.as_ref().map_or(String::new(), |u| format!("{u}@"));
            return format!(
                "check that `ssh {who}{} docker version` works without a prompt (keys or agent; devctl runs ssh with BatchMode=yes) and that the Engine runs there",
                t.host
            );
        }
        match &self.source {
            Source::DockerHost => format!(
                "start the Engine at {} or fix DOCKER_HOST (unset it to use the current docker context)",
                self.host
            ),
            Source::Context { name, meta } => format!(
                "start the Engine of docker context `{name}` ({}), or switch with `docker context use default` / DOCKER_CONTEXT",
                meta.display()
            ),
            Source::Default => "start Docker (e.g. `sudo systemctl start docker`, or Docker Desktop), or point DOCKER_HOST / `docker context use` at a running Engine".into(),
        }
    }
}

fn non_empty<'a>(env: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    env.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

/// `$DOCKER_CONFIG`, else `$HOME/.docker`.
pub fn docker_config_dir(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    if let Some(d) = non_empty(env, "DOCKER_CONFIG") {
        return Some(PathBuf::from(d));
    }
    non_empty(env, "HOME").map(|h| Path::new(h).join(".docker"))
}

/// Resolve the endpoint from the environment and the docker config files.
pub fn resolve(env: &BTreeMap<String, String>) -> Result<Endpoint> {
    if let Some(host) = non_empty(env, "DOCKER_HOST") {
        let tls = env_tls(env)?;
        let transport = parse_host(host, tls, "DOCKER_HOST")?;
        return Ok(Endpoint {
            host: host.to_string(),
            transport,
            source: Source::DockerHost,
        });
    }
    let config_dir = docker_config_dir(env);
    if let Some(dir) = &config_dir
        && let Some(name) = context_name(env, dir)?
    {
        return context_endpoint(dir, &name);
    }
    Ok(default_endpoint())
}

fn default_endpoint() -> Endpoint {
    Endpoint {
        host: format!("unix://{DEFAULT_SOCKET}"),
        transport: Transport::Unix(PathBuf::from(DEFAULT_SOCKET)),
        source: Source::Default,
    }
}

/// TLS material from `DOCKER_TLS_VERIFY`/`DOCKER_TLS` and `DOCKER_CERT_PATH` (default `~/.docker`).
fn env_tls(env: &BTreeMap<String, String>) -> Result<Option<Tls>> {
    let verify = non_empty(env, "DOCKER_TLS_VERIFY").is_some();
    let tls = non_empty(env, "DOCKER_TLS").is_some_and(|v| v != "0" && v != "false");
    if !verify && !tls {
        return Ok(None);
    }
    let dir = match non_empty(env, "DOCKER_CERT_PATH") {
        Some(d) => PathBuf::from(d),
        None => docker_config_dir(env).ok_or_else(|| {
            Error::engine("DOCKER_TLS_VERIFY is set but neither DOCKER_CERT_PATH nor HOME is")
                .with_hint(
                    "set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem",
                )
        })?,
    };
    tls_in(&dir, "DOCKER_CERT_PATH").map(Some)
}

fn tls_in(dir: &Path, what: &str) -> Result<Tls> {
    let t = Tls {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    for f in [&t.ca, &t.cert, &t.key] {
        if !f.is_file() {
            return Err(Error::engine(format!(
                "TLS is configured but {} does not exist",
                f.display()
            ))
            .with_hint(format!(
                "put ca.pem, cert.pem and key.pem in {} ({what}), or turn TLS off",
                dir.display()
            )));
        }
    }
    Ok(t)
}

/// Parse a docker host URL (`unix://`, `tcp://`, `http://`, `https://`).
pub fn parse_host(host: &str, tls: Option<Tls>, what: &str) -> Result<Transport> {
    let bad = |why: &str| {
        Error::engine(format!("{what}={host} is not usable: {why}"))
            .with_hint("use unix:///path/to/docker.sock or tcp://HOST:PORT")
    };
    if let Some(path) = host.strip_prefix("unix://") {
        if path.is_empty() {
            return Err(bad("the socket path is empty"));
        }
        return Ok(Transport::Unix(PathBuf::from(path)));
    }
    let (rest, default_port) = if let Some(r) = host.strip_prefix("tcp://") {
        (r, if tls.is_some() { 2376 } else { 2375 })
    } else if let Some(r) = host.strip_prefix("http://") {
        (r, 2375)
    } else if let Some(r) = host.strip_prefix("https://") {
        (r, 2376)
    } else if host.starts_with("ssh://") {
        return ssh::parse(host).map(Transport::Ssh).map_err(|why| {
            Error::engine(format!("{what}={host} is not usable: {why}"))
                .with_hint("use ssh://[USER@]HOST[:PORT]")
        });
    } else if let Some((scheme, _)) = host.split_once("://") {
        return Err(bad(&format!("the scheme `{scheme}://` is not supported")));
    } else {
        return Err(bad("it has no scheme"));
    };
    let hostport = rest.trim_end_matches('/');
    if hostport.is_empty() || hostport.contains('/') {
        return Err(bad("expected HOST:PORT after the scheme"));
    }
    let has_port = if hostport.starts_with('[') {
        hostport.contains("]:")
    } else {
        matches!(hostport.rsplit_once(':'), Some((h, p)) if !h.is_empty() && !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    let addr = if has_port {
        hostport.to_string()
    } else {
        format!("{hostport}:{default_port}")
    };
    Ok(Transport::Tcp { addr, tls })
}

/// The context name in effect (`None` = the "default" context).
fn context_name(env: &BTreeMap<String, String>, config_dir: &Path) -> Result<Option<String>> {
    let name = match non_empty(env, "DOCKER_CONTEXT") {
        Some(n) => n.to_string(),
        None => {
            let path = config_dir.join("config.json");
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => {
                    return Err(Error::engine(format!(
                        "cannot read {}: {e}",
                        path.display()
                    )));
                }
            };
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                Error::engine(format!("{} is not valid JSON: {e}", path.display()))
                    .with_hint("fix or remove that file (docker CLI config)")
            })?;
            match v.get("currentContext").and_then(|c| c.as_str()) {
                Some(n) if !n.is_empty() => n.to_string(),
                _ => return Ok(None),
            }
        }
    };
    Ok((name != "default").then_some(name))
}

/// The directory name docker uses for a context's metadata and TLS files.
pub fn context_dir_name(name: &str) -> String {
    hex::encode(Sha256::digest(name.as_bytes()))
}

fn context_endpoint(config_dir: &Path, name: &str) -> Result<Endpoint> {
    let id = context_dir_name(name);
    let meta = config_dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = std::fs::read_to_string(&meta).map_err(|e| {
        Error::engine(format!(
            "docker context `{name}` not found ({}: {e})",
            meta.display()
        ))
        .with_hint("list contexts with `docker context ls`; choose one with `docker context use NAME` or DOCKER_CONTEXT")
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::engine(format!("{} is not valid JSON: {e}", meta.display()))
            .with_hint("recreate the context with `docker context create`")
    })?;
    let docker = v.pointer("/Endpoints/docker");
    let host = docker
        .and_then(|d| d.get("Host"))
        .and_then(|h| h.as_str())
        .filter(|h| !h.is_empty());
    let Some(host) = host else {
        // A context without a docker endpoint host means the default socket.
        let mut ep = default_endpoint();
        ep.source = Source::Context {
            name: name.to_string(),
            meta,
        };
        return Ok(ep);
    };
    let tls_dir = config_dir
        .join("contexts")
        .join("tls")
        .join(&id)
        .join("docker");
    let tls = if tls_dir.join("ca.pem").is_file() || tls_dir.join("cert.pem").is_file() {
        Some(tls_in(&tls_dir, &format!("TLS files of context `{name}`"))?)
    } else {
        None
    };
    let transport = parse_host(host, tls, &format!("context `{name}` host"))?;
    Ok(Endpoint {
        host: host.to_string(),
        transport,
        source: Source::Context {
            name: name.to_string(),
            meta,
        },
    })
}

/// Build the client for an endpoint, without talking to it yet.
pub fn client(ep: &Endpoint) -> Result<Docker> {
    let version = bollard::API_DEFAULT_VERSION;
    let unreachable = |e: bollard::errors::Error| {
        Error::engine(format!(
            "cannot reach the Docker Engine at {} ({}): {e}",
            ep.host, ep.source
        ))
        .with_hint(ep.hint())
    };
    match &ep.transport {
        Transport::Unix(path) => {
            let p = path.to_string_lossy();
            Docker::connect_with_unix(&p, REQUEST_TIMEOUT_S, version).map_err(unreachable)
        }
        Transport::Tcp { addr, tls: None } => {
            Docker::connect_with_http(&format!("http://{addr}"), REQUEST_TIMEOUT_S, version)
                .map_err(unreachable)
        }
        Transport::Tcp { addr, tls: Some(t) } => {
            Docker::connect_with_ssl(addr, &t.key, &t.cert, &t.ca, REQUEST_TIMEOUT_S, version)
                .map_err(unreachable)
        }
        Transport::Ssh(t) => {
            let b = ssh::bridge(t).map_err(|e| {
                Error::engine(format!(
                    "cannot reach the Docker Engine at {} ({}): {}",
                    ep.host, ep.source, e.message
                ))
                .with_hint(ep.hint())
            })?;
            let p = b.socket.to_string_lossy();
            Docker::connect_with_unix(&p, REQUEST_TIMEOUT_S, version).map_err(unreachable)
        }
    }
}

/// How long connecting may take: [`CONNECT_TIMEOUT`], or for ssh (a handshake with a remote
/// machine first) [`SSH_CONNECT_TIMEOUT`].
pub fn connect_timeout(ep: &Endpoint) -> Duration {
    match ep.transport {
        Transport::Ssh(_) => SSH_CONNECT_TIMEOUT,
        _ => CONNECT_TIMEOUT,
    }
}

/// Connecting through ssh may take this long.
pub const SSH_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What ssh said, for an error about an ssh endpoint.
fn ssh_detail(ep: &Endpoint) -> String {
    match &ep.transport {
        Transport::Ssh(t) => ssh::last_error(t).map_or(String::new(), |e| format!(" (ssh: {e})")),
        _ => String::new(),
    }
}

/// Endpoints that did not answer within their budget in this run, and when.
static SILENT: std::sync::Mutex<Vec<(String, std::time::Instant)>> =
    std::sync::Mutex::new(Vec::new());

/// How long a silence is remembered: long enough for the command that follows a first read
/// (the containers' labels, for the environment) in the same run.
const SILENCE_REMEMBERED: Duration = Duration::from_secs(5);

/// Remember that the Engine at `ep` did not answer within `limit`: the next [`open`] of the same
/// endpoint in this run fails at once with the same answer instead of waiting again (once; a
/// retry after that waits as usual, so a dashboard still reconnects).
pub fn note_silence(ep: &Endpoint) {
    if let Ok(mut s) = SILENT.lock() {
        s.retain(|(h, _)| h != &ep.host);
        s.push((ep.host.clone(), std::time::Instant::now()));
    }
}

fn take_silence(ep: &Endpoint) -> bool {
    let Ok(mut s) = SILENT.lock() else {
        return false;
    };
    let before = s.len();
    s.retain(|(h, at)| !(h == &ep.host && at.elapsed() < SILENCE_REMEMBERED));
    s.len() != before
}

/// Connect to `ep` and negotiate the API version, failing within [`CONNECT_TIMEOUT`].
pub async fn open(ep: &Endpoint) -> Result<Docker> {
    let docker = client(ep)?;
    let limit = connect_timeout(ep);
    if take_silence(ep) {
        return Err(silent_error(ep, limit));
    }
    match tokio::time::timeout(limit, docker.negotiate_version()).await {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => Err(Error::engine(format!(
            "cannot reach the Docker Engine at {} ({}): {}{}",
            ep.host,
            ep.source,
            describe_error(&e),
            ssh_detail(ep)
        ))
        .with_hint(ep.hint())),
        Err(_) => {
            note_silence(ep);
            Err(silent_error(ep, limit))
        }
    }
}

fn silent_error(ep: &Endpoint, limit: Duration) -> Error {
    Error::engine(format!(
        "the Docker Engine at {} ({}) did not answer within {:.1} s{}",
        ep.host,
        ep.source,
        limit.as_secs_f64(),
        ssh_detail(ep)
    ))
    .with_hint(ep.hint())
}

/// A short, human description of a bollard error.
pub fn describe_error(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as B;
    match e {
        B::DockerResponseServerError {
            status_code,
            message,
        } => format!("the Engine answered {status_code}: {message}"),
        B::SocketNotFoundError(p) => format!("socket {p} does not exist"),
        B::RequestTimeoutError => "the request timed out".into(),
        other => {
            let mut s = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(inner) = src {
                let t = inner.to_string();
                if !s.contains(&t) {
                    s.push_str(": ");
                    s.push_str(&t);
                }
                src = inner.source();
            }
            s
        }
    }
}

pub mod ssh;

#[cfg(test)]
#[path = "connect/tests.rs"]
mod tests;
