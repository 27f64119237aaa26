//! `DOCKER_HOST=ssh://user@host:port`: devctl reaches the Engine the way the docker CLI does,
//! through `ssh … docker system dial-stdio`. The test runs its own sshd on 127.0.0.1 (own host
//! key, own authorized key, own config; killed on drop) in front of the test bed's Engine, and
//! an `ssh` on PATH that adds the test's client config. Project `devctl-it-engine-ssh`.

#![allow(clippy::panic)]

use crate::common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::process::KillOnDrop;
use common::stack::{IMAGE, Stack};

struct Sshd {
    _child: KillOnDrop,
    port: u16,
    dir: tempfile::TempDir,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

impl Sshd {
    fn start() -> Sshd {
        let dir = tempfile::Builder::new()
            .prefix("devctl-it-sshd-")
            .tempdir()
            .expect("tempdir");
        let d = dir.path();
        for key in ["host", "user"] {
            run(Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(d.join(key)));
        }
        std::fs::copy(d.join("user.pub"), d.join("authorized_keys")).expect("authorized_keys");
        // sshd's privilege separation directory (Debian's package creates it at boot only).
        let _ = std::fs::create_dir_all("/run/sshd");
        let port = free_port();
        std::fs::write(
            d.join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nAuthorizedKeysFile {auth}\n\
                 PidFile {pid}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n",
                host = d.join("host").display(),
                auth = d.join("authorized_keys").display(),
                pid = d.join("sshd.pid").display(),
            ),
        )
        .expect("sshd_config");
        std::fs::write(
            d.join("ssh_config"),
            format!(
                "Host *\n  IdentityFile {}\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  \
                 UserKnownHostsFile /dev/null\n  LogLevel ERROR\n",
                d.join("user").display()
            ),
        )
        .expect("ssh_config");
        // The user's `ssh`, with the test's config (users put theirs in ~/.ssh/config).
        std::fs::create_dir_all(d.join("bin")).expect("bin");
        let wrapper = d.join("bin/ssh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec /usr/bin/ssh -F {} \"$@\"\n",
                d.join("ssh_config").display()
            ),
        )
        .expect("wrapper");
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd starts");
        let s = Sshd {
            _child: KillOnDrop(child),
            port,
            dir,
        };
        let t = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(t.elapsed() < Duration::from_secs(20), "sshd never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    fn path_env(&self) -> String {
        format!(
            "{}:{}",
            self.bin().display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }
}

fn devctl(stack: &Stack, host: &str, path: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = stack
        .devctl()
        .env("DOCKER_HOST", host)
        .env("PATH", path)
        .args(args)
        .output()
        .expect("devctl runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn no_leftover_sockets(before: &[PathBuf]) {
    let now = bridge_dirs();
    let new: Vec<_> = now.iter().filter(|d| !before.contains(d)).collect();
    assert!(
        new.is_empty(),
        "ssh bridge directories left behind: {new:?}"
    );
}

fn bridge_dirs() -> Vec<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("devctl-ssh-"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn ps_and_logs_through_an_ssh_endpoint() {
    let sshd = Sshd::start();
    let stack = Stack::new(
        "ssh",
        &format!(
            "services:\n  web:\n    image: {IMAGE}\n    pull_policy: never\n    init: true\n    \
             command: [\"sh\", \"-c\", \"echo hello-over-ssh; exec sleep 300\"]\n"
        ),
    );
    stack.up(&[]);
    let before = bridge_dirs();
    let host = format!("ssh://root@127.0.0.1:{}", sshd.port);
    let path = sshd.path_env();

    let (code, out, err) = devctl(&stack, &host, &path, &["ps", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let text = v.to_string();
    assert!(text.contains("\"web\""), "{text}");
    assert!(text.contains("running"), "{text}");

    let (code, out, err) = devctl(&stack, &host, &path, &["logs", "web", "--no-log-prefix"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("hello-over-ssh"), "{out}{err}");
    no_leftover_sockets(&before);
    no_orphaned_masters();
}

/// devctl multiplexes its connections over one ssh master and stops it on exit: no master
/// may outlive its (removed) control directory.
fn no_orphaned_masters() {
    // `ssh -O exit` asks the master to stop; it may take a moment to go.
    let t = Instant::now();
    while !orphaned_masters().is_empty() && t.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let orphans = orphaned_masters();
    assert!(orphans.is_empty(), "ssh masters left running: {orphans:?}");
}

fn orphaned_masters() -> Vec<String> {
    let ps = Command::new("ps")
        .args(["-eo", "args"])
        .output()
        .expect("ps");
    let text = String::from_utf8_lossy(&ps.stdout);
    text.lines()
        .filter(|l| l.contains("ControlMaster=yes"))
        .filter(|l| {
            l.split_whitespace()
                .filter_map(|a| a.strip_prefix("ControlPath="))
                .any(|p| {
                    let p = std::path::Path::new(p);
                    p.to_string_lossy().contains("devctl-ssh-")
                        && !p.parent().is_some_and(std::path::Path::exists)
                })
        })
        .map(String::from)
        .collect()
}

#[test]
fn ssh_failures_exit_6_with_what_ssh_said() {
    let sshd = Sshd::start();
    let stack = Stack::new(
        "ssh-fail",
        &format!("services:\n  a:\n    image: {IMAGE}\n    pull_policy: never\n"),
    );
    // A user whose key is not accepted: ssh's own words reach the message, no prompt, exit 6.
    let host = format!("ssh://nobody-here@127.0.0.1:{}", sshd.port);
    let (code, out, err) = devctl(&stack, &host, &sshd.path_env(), &["ps"]);
    assert_eq!(code, Some(6), "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains(&host), "{err}");
    assert!(err.contains("ssh:"), "ssh's message is missing: {err}");
    assert!(
        err.contains("hint:") && err.contains("docker version"),
        "{err}"
    );
    // Nothing listens on the port.
    let host = format!("ssh://root@127.0.0.1:{}", free_port());
    let (code, _, err) = devctl(&stack, &host, &sshd.path_env(), &["ps"]);
    assert_eq!(code, Some(6), "{err}");
    assert!(
        err.contains("Connection refused") || err.contains("ssh:"),
        "{err}"
    );
    // No ssh program at all.
    let empty = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = devctl(&stack, &host, &empty.path().display().to_string(), &["ps"]);
    assert_eq!(code, Some(6), "{err}");
    assert!(err.contains("`ssh` program was not found"), "{err}");
}
