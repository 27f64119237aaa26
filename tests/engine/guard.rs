//! The Engine guard on its own, without the argv classifier in front of it: a guard started
//! from the library, the real `docker compose` (v2.40.3) pointed at it with `DOCKER_HOST`, and
//! the real Engine behind it. Destructive calls are refused (every volume intact, sentinel
//! files read back); everyday work — interactive `exec` in a pty, attached `up`, `logs -f`,
//! a BuildKit `build` — passes through it.

use crate::common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::cleanup::Cleanup;
use common::docker::{docker_ok, docker_try, file_in, volume_exists};
use common::process::Lines;
use common::stack::{IMAGE, Stack};
use devctl::engine::apiguard::{ApiGuard, Upstream};

const PREFIX: &str = "dvguard-";

fn guard() -> ApiGuard {
    ApiGuard::start_with(
        Upstream::Unix("/var/run/docker.sock".into()),
        devctl::compose::guarded::rules(Default::default()),
    )
    .expect("the guard starts")
}

/// A stack with a named volume (sentinel written into it) and an anonymous one.
fn stack(suffix: &str, volume_labels: &str) -> (Stack, Cleanup) {
    let name = format!("{PREFIX}{suffix}-{}", std::process::id());
    let yaml = format!(
        r#"services:
  app:
    image: {IMAGE}
    pull_policy: never
    command: ["sh", "-c", "echo app-started; exec sleep 300"]
    stop_signal: SIGKILL
    volumes:
      - data:/data
      - /anon
volumes:
  data:
{volume_labels}
"#
    );
    let s = Stack::named(name.clone(), None, &yaml);
    let c = Cleanup::new(&name).prefix(PREFIX);
    (s, c)
}

fn through(guard: &ApiGuard, s: &Stack, args: &[&str]) -> Output {
    s.compose_cmd(args)
        .env("DOCKER_HOST", guard.docker_host())
        .output()
        .expect("run docker compose")
}

fn write_sentinel(volume: &str) {
    common::docker::put_file(volume, "sentinel\n");
}

/// Write the sentinel into the stack's `data` volume, then change that volume's configuration
/// in the compose file: Compose now wants to recreate it ("data will be lost"). Its name.
fn sentinel_then_change_the_volume(s: &Stack) -> String {
    let data = format!("{}_data", s.name);
    write_sentinel(&data);
    let changed = std::fs::read_to_string(&s.file).expect("read").replace(
        "  data:\n",
        "  data:\n    labels:\n      changed: \"yes\"\n",
    );
    std::fs::write(&s.file, changed).expect("write");
    data
}

/// The anonymous volumes mounted by the project's `app` container.
fn anonymous_volumes(s: &Stack) -> Vec<String> {
    let id = s.container_id("app");
    docker_ok(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{if eq .Destination \"/anon\"}}{{.Name}}{{end}}{{end}}",
        &id,
    ])
    .split_whitespace()
    .map(String::from)
    .collect()
}

fn assert_refused(out: &Output, call: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "Compose succeeded: {err}");
    assert!(
        err.contains(&format!("devctl's safety gate refused {call}")),
        "Compose's error does not name devctl and the call `{call}`: {err}"
    );
}

#[test]
fn compose_down_v_and_rm_fsv_through_the_guard_delete_nothing() {
    let (s, _c) = stack("down", "");
    s.up(&[]);
    let data = format!("{}_data", s.name);
    write_sentinel(&data);
    let anon = anonymous_volumes(&s);
    assert_eq!(anon.len(), 1, "one anonymous volume: {anon:?}");
    let g = guard();

    let out = through(&g, &s, &["down", "-v", "-t", "0"]);
    assert_refused(&out, "DELETE");
    assert_eq!(file_in(&data).as_deref(), Some("sentinel\n"));
    assert!(
        volume_exists(&anon[0]),
        "the anonymous volume survived down -v"
    );

    s.up(&[]);
    let anon = anonymous_volumes(&s);
    let out = through(&g, &s, &["rm", "-fsv"]);
    assert_refused(&out, "DELETE");
    assert!(
        anon.iter().all(|v| volume_exists(v)),
        "rm -fsv deleted an anonymous volume"
    );
    assert_eq!(file_in(&data).as_deref(), Some("sentinel\n"));
    let refused = g.refusals();
    assert!(
        refused.iter().any(|r| r.target.contains("v=1")),
        "container removal with volumes was refused: {refused:?}"
    );
}

#[test]
fn up_y_on_a_changed_volume_through_the_guard_keeps_the_data() {
    let (s, _c) = stack("upy", "");
    s.up(&[]);
    let data = sentinel_then_change_the_volume(&s);
    let g = guard();
    let out = through(&g, &s, &["up", "-d", "-y"]);
    assert_refused(&out, &format!("DELETE /v1.41/volumes/{data}"));
    assert_eq!(file_in(&data).as_deref(), Some("sentinel\n"));
    // And without -y: the same prompt answered "y" on standard input.
    let mut c = s.compose_cmd(&["up", "-d"]);
    c.env("DOCKER_HOST", g.docker_host()).stdin(Stdio::piped());
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(b"y\n");
    }
    let _ = child.wait_with_output().expect("wait");
    assert_eq!(file_in(&data).as_deref(), Some("sentinel\n"));
}

/// A raw HTTP request on the guard's socket (what `curl --unix-socket` sends).
fn raw(guard: &ApiGuard, request: &str) -> String {
    let mut sock = UnixStream::connect(guard.socket()).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    sock.write_all(request.as_bytes()).expect("write");
    let mut out = String::new();
    let _ = sock.read_to_string(&mut out);
    out
}

#[test]
fn curl_and_raw_requests_for_volume_deletion_are_refused() {
    let name = format!("{PREFIX}curl-{}", std::process::id());
    let _c = Cleanup::empty().volume(&name);
    docker_ok(&["volume", "create", &name]);
    write_sentinel(&name);
    let g = guard();
    let sock = g.socket().display().to_string();
    for (method, path) in [
        ("DELETE", format!("http://localhost/volumes/{name}")),
        (
            "DELETE",
            format!("http://localhost/v1.41/volumes/{name}?force=true"),
        ),
        ("POST", "http://localhost/v1.41/volumes/prune".to_string()),
    ] {
        let out = Command::new("curl")
            .args([
                "-sS",
                "--unix-socket",
                &sock,
                "-X",
                method,
                "-w",
                "\n%{http_code}",
            ])
            .arg(&path)
            .output()
            .expect("curl");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.ends_with("403"), "{method} {path}: {text}");
        assert!(text.contains("devctl's safety gate refused"), "{text}");
    }
    // The spellings the Engine's router accepts too.
    for target in [
        format!("/v1.41/%76olumes/{name}"),
        format!("//volumes/./{name}"),
        format!("/x/../volumes/{name}"),
    ] {
        let resp = raw(
            &g,
            &format!("DELETE {target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"),
        );
        assert!(resp.starts_with("HTTP/1.1 403"), "{target}: {resp}");
    }
    // Two requests on one connection: the second (destructive) one is read and refused too.
    let resp = raw(
        &g,
        &format!(
            "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\nDELETE /volumes/{name} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("HTTP/1.1 403"), "{resp}");
    // Garbage is never forwarded.
    let _ = raw(&g, "\u{1}\u{2}DELETE /volumes/x\r\n\r\n");
    assert_eq!(file_in(&name).as_deref(), Some("sentinel\n"));
    assert!(g.refusals().len() >= 7, "{:?}", g.refusals());
    // An ordinary request passes and answers.
    let ok = raw(
        &g,
        &format!("GET /v1.41/volumes/{name} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"),
    );
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
}

#[test]
fn everyday_work_passes_through_the_guard() {
    let (s, _c) = stack("work", "");
    let g = guard();
    // Attached `up` (the Engine's attach is an upgraded connection): the app's line arrives.
    let mut up = s.compose_cmd(&["up", "--attach", "app", "--no-log-prefix"]);
    up.env("DOCKER_HOST", g.docker_host());
    let mut attached = Lines::spawn(up);
    attached.expect_line("app-started (attached up)", Duration::from_secs(60), |l| {
        l.contains("app-started")
    });
    // logs -f: a line written later arrives through the streamed response.
    let mut logs = s.compose_cmd(&["logs", "-f", "--no-log-prefix", "app"]);
    logs.env("DOCKER_HOST", g.docker_host());
    let mut follow = Lines::spawn(logs);
    follow.expect_line("app-started (logs -f)", Duration::from_secs(30), |l| {
        l.contains("app-started")
    });
    docker_ok(&[
        "exec",
        &s.running_id("app"),
        "sh",
        "-c",
        "echo later-line > /proc/1/fd/1",
    ]);
    follow.expect_line("later-line (logs -f)", Duration::from_secs(30), |l| {
        l.contains("later-line")
    });
    drop(follow);
    // Interactive exec in a pseudo-terminal (an upgraded, bidirectional connection).
    let mut exec = Command::new("docker");
    exec.args(["compose", "-p", &s.name, "exec", "app", "sh"])
        .current_dir(s.path())
        .env("DOCKER_HOST", g.docker_host());
    let mut p = rexpect::session::spawn_command(exec, Some(30_000)).expect("pty");
    p.send_line("echo round-$((20+22))-trip").expect("send");
    p.exp_string("round-42-trip").expect("the shell answered");
    p.send_line("exit").expect("exit");
    let _ = p.process.wait();
    drop(attached);
    // A BuildKit build (the /session and /grpc upgrades).
    let ctx = s.path().join("img");
    std::fs::create_dir_all(&ctx).expect("mkdir");
    std::fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {IMAGE}\nRUN echo built-through-guard > /built\n"),
    )
    .expect("write");
    let tag = format!("{}-img:latest", s.name);
    // Removed on drop: the image must not outlive a failing assertion below.
    struct Image(String);
    impl Drop for Image {
        fn drop(&mut self) {
            let _ = docker_try(&["rmi", "-f", &self.0]);
        }
    }
    let _image = Image(tag.clone());
    std::fs::write(
        ctx.join("compose.yaml"),
        format!("services:\n  img:\n    build: .\n    image: {tag}\n"),
    )
    .expect("write");
    // Compose's own BuildKit client: the build runs over the Engine's /session and /grpc.
    let out = Command::new("docker")
        .args([
            "compose",
            "-p",
            &format!("{}-img", s.name),
            "--progress",
            "plain",
            "build",
        ])
        .current_dir(&ctx)
        .env("DOCKER_HOST", g.docker_host())
        .output()
        .expect("docker compose build");
    assert!(
        out.status.success(),
        "BuildKit build through the guard failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("#1 ["), "not a BuildKit build: {text}");
    // `--network none`: a private dockerd started with `--bridge=none` (the fault and TLS tests)
    // deletes the shared Engine's docker0, so the default bridge may be gone.
    let built = docker_ok(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--network",
        "none",
        &tag,
        "cat",
        "/built",
    ]);
    assert_eq!(built.trim(), "built-through-guard");
    assert!(g.refusals().is_empty(), "{:?}", g.refusals());
}

/// The same guard runs behind devctl's own Compose children: a passthrough whose argv the
/// classifier reads as harmless (`--` then a word before `down -v`; Compose's root command
/// skips both) is stopped by the Engine, with exit 4 and an audit line.
#[test]
fn devctl_children_run_behind_the_guard() {
    let (s, _c) = stack("child", "");
    s.up(&[]);
    let data = format!("{}_data", s.name);
    write_sentinel(&data);
    let anon = anonymous_volumes(&s);
    let state = tempfile::tempdir().expect("tempdir");
    let out = s
        .devctl_with(&[
            "guard", "--", "docker", "compose", "-p", &s.name, "down", "-v",
        ])
        .env("DEVCTL_STATE_DIR", state.path())
        .output()
        .expect("devctl guard");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("devctl's safety gate refused"), "{err}");
    assert_eq!(file_in(&data).as_deref(), Some("sentinel\n"));
    assert!(anon.iter().all(|v| volume_exists(v)), "{anon:?}");
    let audit = std::fs::read_to_string(state.path().join("audit.jsonl")).expect("audit log");
    assert!(audit.contains("\"decision\":\"guard-refused\""), "{audit}");
    // A docker endpoint flag of its own is refused before Compose runs.
    let out = s.devctl_output(&[
        "compose",
        "--",
        "--host",
        "unix:///var/run/docker.sock",
        "ps",
    ]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Output that carries container text is sanitised on its way through devctl (`exec` without
/// a terminal session, `compose -- logs`), like `devctl logs`.
#[test]
fn exec_and_passthrough_logs_output_is_sanitised() {
    let (s, _c) = stack("sane", "");
    s.up(&[]);
    let out = s.devctl_output(&[
        "exec",
        "-T",
        "app",
        "sh",
        "-c",
        r#"printf 'before\033]0;pwned\007after\033[2J\n'; printf 'e\033]52;c;Zm9v\007rr\n' >&2; echo 'logged\033[31m' > /proc/1/fd/1"#,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "beforeafter\n");
    assert!(
        !out.stderr.contains(&0x1b),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("err\n"));
    let out = s.devctl_output(&["compose", "--", "logs", "--no-log-prefix", "app"]);
    assert!(out.status.success());
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
    assert!(String::from_utf8_lossy(&out.stdout).contains("app-started"));
}

/// `openssl` in `dir`, failing the test with its output.
fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate (docker's file names).
fn tls_material(dir: &std::path::Path) {
    openssl(dir, &["genrsa", "-out", "ca-key.pem", "2048"]);
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-x509",
            "-days",
            "1",
            "-key",
            "ca-key.pem",
            "-subj",
            "/CN=devctl test CA",
            "-out",
            "ca.pem",
        ],
    );
    for (name, ext) in [
        (
            "server",
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        ),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ] {
        let key = if name == "server" {
            "server-key.pem"
        } else {
            "key.pem"
        };
        let cert = if name == "server" {
            "server-cert.pem"
        } else {
            "cert.pem"
        };
        std::fs::write(dir.join(format!("{name}.ext")), ext).expect("write");
        openssl(dir, &["genrsa", "-out", key, "2048"]);
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                key,
                "-subj",
                &format!("/CN={name}"),
                "-out",
                &format!("{name}.csr"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-days",
                "1",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-out",
                cert,
                "-extfile",
                &format!("{name}.ext"),
            ],
        );
    }
}

/// The guard in front of an Engine that only speaks TLS with client certificates
/// (`DOCKER_HOST=tcp://…`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`): ordinary calls pass,
/// volume deletion is refused.
#[test]
fn the_guard_forwards_to_a_tls_engine() {
    let certs = tempfile::tempdir().expect("tempdir");
    tls_material(certs.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let c = |f: &str| certs.path().join(f).display().to_string();
    let pd = common::dockerd::PrivateDockerd::start_with(
        "gtls",
        &[
            "-H".into(),
            format!("tcp://127.0.0.1:{port}"),
            "--tlsverify".into(),
            "--tlscacert".into(),
            c("ca.pem"),
            "--tlscert".into(),
            c("server-cert.pem"),
            "--tlskey".into(),
            c("server-key.pem"),
        ],
    )
    .expect("a private dockerd with a TLS listener must start here");
    let env: std::collections::BTreeMap<String, String> = [
        ("DOCKER_HOST".to_string(), format!("tcp://127.0.0.1:{port}")),
        ("DOCKER_TLS_VERIFY".to_string(), "1".to_string()),
        (
            "DOCKER_CERT_PATH".to_string(),
            certs.path().display().to_string(),
        ),
    ]
    .into();
    let ep = devctl::engine::connect::resolve(&env).expect("the TLS endpoint resolves");
    let g = ApiGuard::start(&ep, devctl::compose::guarded::rules(Default::default()))
        .expect("the guard starts");
    let through = |args: &[&str]| {
        Command::new("docker")
            .arg("-H")
            .arg(g.docker_host())
            .args(args)
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .output()
            .expect("docker")
    };
    let v = through(&["volume", "create", "dvguard-tls"]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let rm = through(&["volume", "rm", "dvguard-tls"]);
    assert!(!rm.status.success());
    assert!(String::from_utf8_lossy(&rm.stderr).contains("devctl's safety gate refused DELETE"));
    let direct = Command::new("docker")
        .args(["-H", &pd.host(), "volume", "ls", "-q"])
        .output()
        .expect("docker");
    assert!(String::from_utf8_lossy(&direct.stdout).contains("dvguard-tls"));
}

/// Class 4 of issue 16: Compose's own "Volume … exists but doesn't match configuration …
/// Recreate (data will be lost)?" prompt, answered `y` on the standard input that devctl
/// passes through (`compose -- up --no-start`, `up --attach`, `run`): the recreate is refused
/// by the Engine guard, the data stays, devctl exits 4.
#[test]
fn composes_own_recreate_prompt_answered_yes_keeps_the_data() {
    let (s, _c) = stack("prompt", "");
    s.up(&[]);
    let data = sentinel_then_change_the_volume(&s);
    for args in [
        vec!["compose", "--", "up", "--no-start"],
        vec!["run", "--rm", "app", "true"],
    ] {
        let mut c = s.devctl_with(&args);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("devctl");
        if let Some(mut i) = child.stdin.take() {
            let _ = i.write_all(b"y\ny\ny\n");
        }
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            file_in(&data).as_deref(),
            Some("sentinel\n"),
            "{args:?}: {err}"
        );
        assert_eq!(out.status.code(), Some(4), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "devctl's safety gate refused DELETE /v1.41/volumes/{data}"
            )),
            "{args:?}: {err}"
        );
    }
}
