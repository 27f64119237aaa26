//! `ssh://[user@]host[:port]` endpoints, the way the docker CLI reaches them: every connection
//! is one `ssh … -- docker system dial-stdio` process on the remote machine, whose standard
//! input and output carry the Engine API. devctl listens on a private unix socket (in a
//! directory only the user can enter) and bridges each connection bollard opens to such a
//! process. The `ssh` program is the user's own (from PATH): its config, keys and agent apply.
//!
//! One handshake per process: the first connection starts an ssh master (`ControlMaster`,
//! its `ControlPath` socket in the same private directory) and every `dial-stdio` after it
//! runs as a session over that master, instead of paying a new key exchange each time (a
//! `devctl ps` opens several connections). The master ends with devctl ([`cleanup`]: `ssh -O
//! exit`, then the directory is removed); `ControlPersist` bounds its life should devctl be
//! killed. When the master cannot start, each connection connects on its own, as before.
//!
//! Parsing and the ssh argv are pure and tested; the bridge is I/O.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::error::{Error, Result};

/// Where an `ssh://` endpoint points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

/// How long ssh may take to connect (as the docker CLI: `-o ConnectTimeout=30`).
pub const SSH_CONNECT_TIMEOUT_S: u64 = 30;

/// Pure: parse `ssh://[user@]host[:port]` (a path after the host is refused, as the docker
/// CLI refuses it).
pub fn parse(url: &str) -> std::result::Result<SshTarget, String> {
    let rest = url
        .strip_prefix("ssh://")
        .ok_or_else(|| "it does not start with ssh://".to_string())?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') {
        return Err("a path after the host is not supported".into());
    }
    if rest.contains('?') || rest.contains('#') {
        return Err("query strings and fragments are not supported".into());
    }
    let (user, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() => (Some(u.to_string()), h),
        Some(_) => return Err("the user before `@` is empty".into()),
        None => (None, rest),
    };
    let (host, port) = split_port(hostport)?;
    if host.is_empty() {
        return Err("no host after ssh://".into());
    }
    if host.starts_with('-') {
        return Err("a host cannot start with `-`".into());
    }
    Ok(SshTarget { user, host, port })
}

fn split_port(hostport: &str) -> std::result::Result<(String, Option<u16>), String> {
    // [v6]:port or [v6]
    if let Some(inner) = hostport.strip_prefix('[') {
        let (h, after) = inner
            .split_once(']')
            .ok_or_else(|| "unclosed `[` in the host".to_string())?;
        return match after.strip_prefix(':') {
            Some(p) => Ok((h.to_string(), Some(port(p)?))),
            None if after.is_empty() => Ok((h.to_string(), None)),
            None => Err(format!("unexpected `{after}` after the host")),
        };
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) => Ok((h.to_string(), Some(port(p)?))),
        None => Ok((hostport.to_string(), None)),
    }
}

fn port(p: &str) -> std::result::Result<u16, String> {
    p.parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("`{p}` is not a port"))
}

/// How long an orphaned master (devctl killed before its cleanup) outlives its last session.
pub const CONTROL_PERSIST_S: u64 = 30;

/// Pure: the ssh arguments that open one Engine API stream on `t` (what the docker CLI runs),
/// as a session of the master at `control` when given (a direct connection when that master
/// is not there: `ControlMaster=no` falls back).
pub fn ssh_args(t: &SshTarget, control: Option<&std::path::Path>) -> Vec<String> {
    let mut a = base_args(t);
    if let Some(c) = control {
        a.extend([
            "-o".to_string(),
            "ControlMaster=no".into(),
            "-o".into(),
            format!("ControlPath={}", c.display()),
        ]);
    }
    a.push("-T".into());
    target(&mut a, t);
    a.extend(["docker", "system", "dial-stdio"].map(String::from));
    a
}

/// Pure: the ssh arguments that start the master for `t` at `control` (no command; into the
/// background once authenticated; its log to `log`, so that no pipe of ours stays open).
pub fn master_args(t: &SshTarget, control: &std::path::Path, log: &std::path::Path) -> Vec<String> {
    let mut a = base_args(t);
    a.extend([
        "-o".to_string(),
        "ControlMaster=yes".into(),
        "-o".into(),
        format!("ControlPath={}", control.display()),
        "-o".into(),
        format!("ControlPersist={CONTROL_PERSIST_S}"),
        "-E".into(),
        log.display().to_string(),
        "-N".into(),
        "-f".into(),
    ]);
    target(&mut a, t);
    a
}

/// Pure: `ssh -O exit` for the master at `control`.
pub fn exit_args(t: &SshTarget, control: &std::path::Path) -> Vec<String> {
    let mut a = vec![
        "-o".to_string(),
        format!("ControlPath={}", control.display()),
        "-O".into(),
        "exit".into(),
    ];
    target(&mut a, t);
    a
}

fn base_args(_t: &SshTarget) -> Vec<String> {
    vec![
        "-o".to_string(),
        format!("ConnectTimeout={SSH_CONNECT_TIMEOUT_S}"),
        // Never prompt: devctl's terminal belongs to the dashboard or the user's command.
        "-o".into(),
        "BatchMode=yes".into(),
    ]
}

fn target(a: &mut Vec<String>, t: &SshTarget) {
    if let Some(u) = &t.user {
        a.push("-l".into());
        a.push(u.clone());
    }
    if let Some(p) = t.port {
        a.push("-p".into());
        a.push(p.to_string());
    }
    a.push("--".into());
    a.push(t.host.clone());
}

/// A running bridge: its socket path and the last thing ssh said on stderr when it failed.
#[derive(Clone)]
pub struct Bridge {
    pub socket: PathBuf,
    pub last_error: Arc<Mutex<Option<String>>>,
    /// The master's control socket, and whether it was tried (`Some(true)`: it runs).
    pub control: PathBuf,
    master: Arc<Mutex<Option<bool>>>,
}

/// Bridges of this process (one per target), and the private directory holding their
/// sockets, removed by [`cleanup`].
static BRIDGES: OnceLock<Mutex<Vec<(SshTarget, Bridge, tempfile::TempDir)>>> = OnceLock::new();

fn bridges() -> std::sync::MutexGuard<'static, Vec<(SshTarget, Bridge, tempfile::TempDir)>> {
    BRIDGES
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The bridge for `t`, started on first use.
pub fn bridge(t: &SshTarget) -> Result<Bridge> {
    let mut all = bridges();
    if let Some((_, b, _)) = all.iter().find(|(x, _, _)| x == t) {
        return Ok(b.clone());
    }
    let io = |what: &str, e: std::io::Error| {
        Error::engine(format!("cannot set up the ssh bridge ({what}): {e}"))
    };
    let dir = tempfile::Builder::new()
        .prefix("devctl-ssh-")
        .tempdir()
        .map_err(|e| io("a private directory", e))?;
    let socket = dir.path().join("engine.sock");
    let listener = UnixListener::bind(&socket).map_err(|e| io("a unix socket", e))?;
    let b = Bridge {
        socket,
        last_error: Arc::new(Mutex::new(None)),
        control: dir.path().join("cm"),
        master: Arc::new(Mutex::new(None)),
    };
    let target = t.clone();
    let shared = b.clone();
    std::thread::Builder::new()
        .name("devctl-ssh-bridge".into())
        .spawn(move || {
            for conn in listener.incoming().flatten() {
                let target = target.clone();
                let b = shared.clone();
                let _ = std::thread::Builder::new()
                    .name("devctl-ssh-conn".into())
                    .spawn(move || {
                        let control = master(&target, &b);
                        serve(conn, &target, control.as_deref(), &b.last_error);
                    });
            }
        })
        .map_err(|e| io("a thread", e))?;
    all.push((t.clone(), b.clone(), dir));
    Ok(b)
}

/// The master's control socket once it runs: the first connection starts it (the others
/// wait for that), `None` when it could not start (each connection then connects itself,
/// and ssh's own error reaches the user from there).
fn master(t: &SshTarget, b: &Bridge) -> Option<PathBuf> {
    let mut state = b
        .master
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if state.is_none() {
        let log = b.control.with_file_name("master.log");
        let ok = Command::new("ssh")
            .args(master_args(t, &b.control, &log))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        *state = Some(ok && b.control.exists());
    }
    (*state == Some(true)).then(|| b.control.clone())
}

/// One connection: an ssh process whose stdin/stdout are spliced to it.
fn serve(
    conn: UnixStream,
    t: &SshTarget,
    control: Option<&std::path::Path>,
    last: &Mutex<Option<String>>,
) {
    let child = Command::new("ssh")
        .args(ssh_args(t, control))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            let what = if e.kind() == std::io::ErrorKind::NotFound {
                "the `ssh` program was not found on PATH".to_string()
            } else {
                format!("cannot start ssh: {e}")
            };
            set(last, what);
            return;
        }
    };
    let (Some(mut to_ssh), Some(mut from_ssh), Some(mut err)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    let Ok(mut conn_r) = conn.try_clone() else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    let mut conn_w = conn;
    let up = std::thread::spawn(move || {
        pump(&mut conn_r, &mut to_ssh);
        // EOF from bollard: close ssh's stdin so dial-stdio ends.
        drop(to_ssh);
    });
    let errs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    pump(&mut from_ssh, &mut conn_w);
    let _ = conn_w.flush();
    let _ = conn_w.shutdown(std::net::Shutdown::Both);
    let status = child.wait();
    let stderr = errs.join().unwrap_or_default();
    let _ = up.join();
    if status.map(|s| !s.success()).unwrap_or(true) {
        let text = crate::sanitize::sanitize_text(stderr.trim().as_bytes());
        if !text.trim().is_empty() {
            set(last, text.trim().to_string());
        }
    }
}

/// Copy until EOF or an error, passing every chunk on as soon as it arrives. Not
/// `std::io::copy`: on Linux it may splice a socket into a pipe, which holds a request back
/// until the connection closes (an API call would never get its answer).
fn pump(from: &mut dyn Read, to: &mut dyn Write) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if to.write_all(&buf[..n]).and_then(|()| to.flush()).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

fn set(slot: &Mutex<Option<String>>, v: String) {
    if let Ok(mut g) = slot.lock() {
        *g = Some(v);
    }
}

/// What ssh last said when it failed for `t`, if anything (for error messages). Waits a
/// moment for a failing ssh to finish writing.
pub fn last_error(t: &SshTarget) -> Option<String> {
    let slot = bridges()
        .iter()
        .find(|(x, _, _)| x == t)
        .map(|(_, b, _)| Arc::clone(&b.last_error))?;
    for _ in 0..20 {
        if let Some(e) = slot.lock().ok().and_then(|g| g.clone()) {
            return Some(e);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    None
}

/// Stop the masters, remove the bridges' sockets and directories (at the end of the process).
pub fn cleanup() {
    if let Some(m) = BRIDGES.get()
        && let Ok(mut all) = m.lock()
    {
        for (t, b, _) in all.iter() {
            // A master being started right now: wait for it, then stop it.
            let _started = b
                .master
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if b.control.exists() {
                let _ = Command::new("ssh")
                    .args(exit_args(t, &b.control))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        all.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(user: Option<&str>, host: &str, port: Option<u16>) -> SshTarget {
        SshTarget {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
        }
    }

    #[test]
    fn parses_docker_cli_ssh_urls() {
        let ok = [
            ("ssh://host", t(None, "host", None)),
            ("ssh://me@host", t(Some("me"), "host", None)),
            ("ssh://me@host:2222", t(Some("me"), "host", Some(2222))),
            ("ssh://me@host:2222/", t(Some("me"), "host", Some(2222))),
            ("ssh://deploy@10.0.0.5", t(Some("deploy"), "10.0.0.5", None)),
            ("ssh://[::1]:22", t(None, "::1", Some(22))),
            ("ssh://me@[fe80::1]", t(Some("me"), "fe80::1", None)),
            ("ssh://a@b@host", t(Some("a@b"), "host", None)),
        ];
        for (url, want) in ok {
            assert_eq!(parse(url).as_ref(), Ok(&want), "{url}");
        }
        for bad in [
            "ssh://",
            "ssh://me@",
            "ssh://@host",
            "ssh://host:0",
            "ssh://host:99999",
            "ssh://host:x",
            "ssh://host/var/run/docker.sock",
            "ssh://-oProxyCommand=evil",
            "ssh://[::1",
            "ssh://host?x=1",
            "tcp://host",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn ssh_args_match_the_docker_cli() {
        assert_eq!(
            ssh_args(&t(Some("me"), "host", Some(2222)), None).join(" "),
            "-o ConnectTimeout=30 -o BatchMode=yes -T -l me -p 2222 -- host docker system dial-stdio"
        );
        assert_eq!(
            ssh_args(&t(None, "host", None), None).join(" "),
            "-o ConnectTimeout=30 -o BatchMode=yes -T -- host docker system dial-stdio"
        );
    }

    #[test]
    fn multiplexed_args() {
        let cm = std::path::Path::new("/tmp/devctl-ssh-x/cm");
        let log = std::path::Path::new("/tmp/devctl-ssh-x/master.log");
        let h = t(Some("me"), "host", Some(2222));
        assert_eq!(
            ssh_args(&h, Some(cm)).join(" "),
            "-o ConnectTimeout=30 -o BatchMode=yes -o ControlMaster=no -o \
             ControlPath=/tmp/devctl-ssh-x/cm -T -l me -p 2222 -- host docker system dial-stdio"
        );
        assert_eq!(
            master_args(&h, cm, log).join(" "),
            "-o ConnectTimeout=30 -o BatchMode=yes -o ControlMaster=yes -o \
             ControlPath=/tmp/devctl-ssh-x/cm -o ControlPersist=30 -E \
             /tmp/devctl-ssh-x/master.log -N -f -l me -p 2222 -- host"
        );
        assert_eq!(
            exit_args(&h, cm).join(" "),
            "-o ControlPath=/tmp/devctl-ssh-x/cm -O exit -l me -p 2222 -- host"
        );
    }
}
