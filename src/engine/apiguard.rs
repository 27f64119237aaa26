//! The Engine guard: a private unix socket that devctl owns for the life of one child process
//! (Compose, the docker CLI). The child gets it as `DOCKER_HOST`; every request is read, asked
//! of a [`Policy`], and either forwarded to the real Engine endpoint (unix, tcp, tcp+TLS, ssh)
//! or answered with an Engine-style error (HTTP 403 and `{"message": …}`) that names devctl.
//!
//! The guard speaks HTTP/1.1 on both sides (hyper): one upstream connection per child
//! connection, so keep-alive and streaming responses (logs, events, stats) pass as they are;
//! upgraded connections (`exec`/`attach` hijacks with `Upgrade: tcp`, BuildKit's `/session`
//! and `/grpc` with `Upgrade: h2c`) get a dedicated upstream connection and are spliced byte
//! for byte once both sides have switched protocols. Anything it cannot parse as HTTP/1.1 is
//! dropped, never forwarded: the guard fails closed.
//!
//! It runs on a thread of its own (a current-thread tokio runtime), so it serves blocking and
//! async callers alike; dropping the [`ApiGuard`] stops it and removes its socket directory.

mod facts;
mod judge;
pub mod rules;
mod upstream;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::UnixListener;

use super::connect::Endpoint;
use crate::error::{Error, Result};
pub use upstream::Upstream;

/// Decides about one request; `Some(message)` refuses it with that message.
pub trait Policy: Send + Sync + 'static {
    fn check(&self, method: &str, path: &str, query: Option<&str>) -> Option<String>;

    /// Decides about a request that removes containers or services ([`rules::Removal`]),
    /// given the Engine's facts read just before it would be forwarded.
    fn check_removal(
        &self,
        removal: &rules::Removal,
        facts: &rules::RemovalFacts,
        method: &str,
        path: &str,
    ) -> Option<String>;
}

/// One request the guard refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    pub message: String,
    /// A container removal refused for the volumes it would leave to self-removing
    /// containers (else: a call that deletes volume data itself).
    pub removal: bool,
}

/// A running guard. Drop stops it.
pub struct ApiGuard {
    dir: tempfile::TempDir,
    socket: PathBuf,
    refusals: Arc<Mutex<Vec<Refusal>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

type Body = BoxBody<Bytes, hyper::Error>;

impl ApiGuard {
    /// Start a guard in front of `endpoint`.
    pub fn start(endpoint: &Endpoint, policy: Arc<dyn Policy>) -> Result<ApiGuard> {
        let upstream = Upstream::for_endpoint(endpoint)?;
        Self::start_with(upstream, policy)
    }

    /// Start a guard in front of an upstream.
    pub fn start_with(upstream: Upstream, policy: Arc<dyn Policy>) -> Result<ApiGuard> {
        let io = |what: &str, e: std::io::Error| {
            Error::general(format!("cannot start devctl's Engine guard ({what}): {e}"))
        };
        let dir = tempfile::Builder::new()
            .prefix("devctl-guard-")
            .tempdir()
            .map_err(|e| io("a private directory", e))?;
        let socket = dir.path().join("engine.sock");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| io("a runtime", e))?;
        let listener = {
            let _enter = rt.enter();
            UnixListener::bind(&socket).map_err(|e| io("a unix socket", e))?
        };
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = Arc::new(Shared {
            upstream,
            policy,
            refusals: Arc::clone(&refusals),
            serial: Arc::new(tokio::sync::Mutex::new(())),
        });
        let thread = std::thread::Builder::new()
            .name("devctl-engine-guard".into())
            .spawn(move || rt.block_on(accept_loop(listener, shared, stopped)))
            .map_err(|e| io("a thread", e))?;
        Ok(ApiGuard {
            dir,
            socket,
            refusals,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The socket path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// What the child gets as `DOCKER_HOST`.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// The requests refused so far.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.refusals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The private directory holding the socket (removed on drop).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for ApiGuard {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Shared {
    upstream: Upstream,
    policy: Arc<dyn Policy>,
    refusals: Arc<Mutex<Vec<Refusal>>>,
    /// Serializes the requests judged on the Engine's facts (see `judge`).
    serial: Arc<tokio::sync::Mutex<()>>,
}

async fn accept_loop(
    listener: UnixListener,
    shared: Arc<Shared>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            conn = listener.accept() => {
                let Ok((stream, _)) = conn else { continue };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move { serve(stream, shared).await });
            }
        }
    }
}

/// One child connection: requests are answered in order over one upstream connection
/// (opened on the first forwarded request, reopened if the Engine closed it).
async fn serve(stream: tokio::net::UnixStream, shared: Arc<Shared>) {
    let conn: Arc<tokio::sync::Mutex<Option<upstream::Sender>>> =
        Arc::new(tokio::sync::Mutex::new(None));
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let shared = Arc::clone(&shared);
        let conn = Arc::clone(&conn);
        async move { Ok::<_, hyper::Error>(handle(req, &shared, &conn).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .preserve_header_case(true)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
}

async fn handle(
    mut req: Request<Incoming>,
    shared: &Shared,
    conn: &tokio::sync::Mutex<Option<upstream::Sender>>,
) -> Response<Body> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let mut verdict = shared.policy.check(&method, &path, query.as_deref());
    let mut removal_refused = false;
    // Held until the Engine has answered this request (see `judge`).
    let mut _held = None;
    if verdict.is_none() {
        let judged = judge::judge(shared, &method, &path, query.as_deref()).await;
        verdict = judged.verdict;
        removal_refused = judged.removal;
        _held = judged.held;
    }
    if let Some(message) = verdict {
        let target = req
            .uri()
            .path_and_query()
            .map_or(path.clone(), |p| p.as_str().to_string());
        shared
            .refusals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Refusal {
                method,
                target,
                message: message.clone(),
                removal: removal_refused,
            });
        return error_response(StatusCode::FORBIDDEN, &message);
    }
    if is_upgrade(&req) {
        let from_child = hyper::upgrade::on(&mut req);
        let mut sender = match shared.upstream.connect(true).await {
            Ok(s) => s,
            Err(e) => return unreachable(&shared.upstream, &e),
        };
        let mut resp = match sender.send_request(req).await {
            Ok(r) => r,
            Err(e) => return unreachable(&shared.upstream, &e.to_string()),
        };
        if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
            let from_engine = hyper::upgrade::on(&mut resp);
            tokio::spawn(async move {
                if let (Ok(a), Ok(b)) = (from_child.await, from_engine.await) {
                    let mut a = TokioIo::new(a);
                    let mut b = TokioIo::new(b);
                    let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
                }
            });
        }
        return resp.map(|b| b.boxed());
    }
    let mut slot = conn.lock().await;
    let reusable = match slot.take() {
        Some(mut s) => s.ready().await.is_ok().then_some(s),
        None => None,
    };
    let mut sender = match reusable {
        Some(s) => s,
        None => match shared.upstream.connect(false).await {
            Ok(s) => s,
            Err(e) => return unreachable(&shared.upstream, &e),
        },
    };
    if let Err(e) = sender.ready().await {
        return unreachable(&shared.upstream, &e.to_string());
    }
    let result = sender.send_request(req).await;
    *slot = Some(sender);
    match result {
        Ok(resp) => resp.map(|b| b.boxed()),
        Err(e) => unreachable(&shared.upstream, &e.to_string()),
    }
}

fn is_upgrade<B>(req: &Request<B>) -> bool {
    req.headers().contains_key(hyper::header::UPGRADE)
}

fn unreachable(up: &Upstream, why: &str) -> Response<Body> {
    error_response(
        StatusCode::BAD_GATEWAY,
        &format!(
            "devctl's Engine guard cannot reach the Docker Engine at {}: {why}",
            up.describe()
        ),
    )
}

fn error_response(status: StatusCode, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "message": message }).to_string();
    let mut resp = Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed(),
    );
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}
