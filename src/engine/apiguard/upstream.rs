//! Where the guard forwards to: the real Engine endpoint, one connection at a time.

use std::path::PathBuf;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::engine::connect::{Endpoint, Tls, Transport, ssh};
use crate::error::{Error, Result};

/// A connection to the Engine that requests can be sent over.
pub(super) type Sender = SendRequest<Incoming>;

/// The real Engine endpoint behind the guard.
#[derive(Clone)]
pub enum Upstream {
    Unix(PathBuf),
    Tcp(String),
    Tls {
        addr: String,
        config: Arc<tokio_rustls::rustls::ClientConfig>,
        server_name: tokio_rustls::rustls::pki_types::ServerName<'static>,
    },
    /// An ssh endpoint, reached through devctl's ssh bridge (a private unix socket).
    Ssh {
        socket: PathBuf,
        host: String,
    },
    /// No usable endpoint (e.g. a malformed `DOCKER_HOST`): every request is answered with
    /// this reason. Children that never talk to the Engine (`compose version`) still run.
    Unusable(String),
}

impl Upstream {
    /// The upstream for a resolved endpoint (for ssh this starts the bridge).
    pub fn for_endpoint(ep: &Endpoint) -> Result<Upstream> {
        Ok(match &ep.transport {
            Transport::Unix(p) => Upstream::Unix(p.clone()),
            Transport::Tcp { addr, tls: None } => Upstream::Tcp(addr.clone()),
            Transport::Tcp { addr, tls: Some(t) } => tls_upstream(addr, t)?,
            Transport::Ssh(t) => {
                let b = ssh::bridge(t)?;
                Upstream::Ssh {
                    socket: b.socket,
                    host: ep.host.clone(),
                }
            }
        })
    }

    /// Where it goes, for messages.
    pub fn describe(&self) -> String {
        match self {
            Upstream::Unix(p) => format!("unix://{}", p.display()),
            Upstream::Tcp(a) => format!("tcp://{a}"),
            Upstream::Tls { addr, .. } => format!("tcp://{addr} (TLS)"),
            Upstream::Ssh { host, .. } => host.clone(),
            Upstream::Unusable(_) => "no usable endpoint".into(),
        }
    }

    /// Open one HTTP/1.1 connection; `upgrades` keeps it able to switch protocols.
    pub(super) async fn connect(&self, upgrades: bool) -> std::result::Result<Sender, String> {
        self.connect_with(upgrades).await
    }

    /// [`Upstream::connect`] for any request body type (devctl's own requests send `Empty`).
    pub(crate) async fn connect_with<B>(
        &self,
        upgrades: bool,
    ) -> std::result::Result<SendRequest<B>, String>
    where
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        match self {
            Upstream::Unusable(why) => Err(why.clone()),
            Upstream::Unix(p) | Upstream::Ssh { socket: p, .. } => {
                let s = tokio::net::UnixStream::connect(p)
                    .await
                    .map_err(|e| e.to_string())?;
                handshake(s, upgrades).await
            }
            Upstream::Tcp(addr) => {
                let s = tokio::net::TcpStream::connect(addr)
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = s.set_nodelay(true);
                handshake(s, upgrades).await
            }
            Upstream::Tls {
                addr,
                config,
                server_name,
            } => {
                let s = tokio::net::TcpStream::connect(addr)
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = s.set_nodelay(true);
                let tls = tokio_rustls::TlsConnector::from(Arc::clone(config))
                    .connect(server_name.clone(), s)
                    .await
                    .map_err(|e| format!("TLS: {e}"))?;
                handshake(tls, upgrades).await
            }
        }
    }
}

async fn handshake<S, B>(stream: S, upgrades: bool) -> std::result::Result<SendRequest<B>, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (sender, conn) = hyper::client::conn::http1::Builder::new()
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    if upgrades {
        tokio::spawn(async move {
            let _ = conn.with_upgrades().await;
        });
    } else {
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    Ok(sender)
}

/// A TLS client config from the endpoint's `ca.pem`, `cert.pem` and `key.pem`.
fn tls_upstream(addr: &str, t: &Tls) -> Result<Upstream> {
    use tokio_rustls::rustls;
    let bad = |what: String| {
        Error::engine(format!("cannot use the TLS files for {addr}: {what}")).with_hint(
            "check ca.pem, cert.pem and key.pem (DOCKER_CERT_PATH or the context's TLS files)",
        )
    };
    let read = |p: &PathBuf| std::fs::read(p).map_err(|e| bad(format!("{}: {e}", p.display())));
    let ca = read(&t.ca)?;
    let cert = read(&t.cert)?;
    let key = read(&t.key)?;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut ca.as_slice()) {
        let c = c.map_err(|e| bad(format!("{}: {e}", t.ca.display())))?;
        roots
            .add(c)
            .map_err(|e| bad(format!("{}: {e}", t.ca.display())))?;
    }
    let chain = rustls_pemfile::certs(&mut cert.as_slice())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("{}: {e}", t.cert.display())))?;
    let key = rustls_pemfile::private_key(&mut key.as_slice())
        .map_err(|e| bad(format!("{}: {e}", t.key.display())))?
        .ok_or_else(|| bad(format!("{} holds no private key", t.key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| bad(e.to_string()))?;
    let host = addr
        .rsplit_once(':')
        .map_or(addr, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let server_name = rustls::pki_types::ServerName::try_from(host)
        .map_err(|e| bad(format!("server name: {e}")))?;
    Ok(Upstream::Tls {
        addr: addr.to_string(),
        config: Arc::new(config),
        server_name,
    })
}
