//! Regression tests for bugs in the safety layer's commands, each run through the real binary
//! (real Engine, real Compose unless a test says otherwise).
//!
//! Project names start with `devctl-it-fixb-` (volumes of the restore race: `dvgp-`); the
//! tests that create a volume remove it on every path (`Cleanup`), the others fail before
//! anything would be created, and each removes what it started.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::qa::{Scratch, devctl};

/// A valid project `name` with service `web` and the named volume `data`.
fn project(name: &str) -> String {
    assert!(name.starts_with("devctl-it-fixb-"), "{name}");
    format!(
        "name: {name}\nservices:\n  web:\n    image: devctl-test/busybox:latest\n    \
         pull_policy: never\n    command: [\"sleep\", \"3600\"]\n    volumes:\n      - data:/data\n\
         volumes:\n  data:\n    labels:\n      devctl.test: fixb\n"
    )
}

#[test]
fn plain_down_with_the_engine_unreachable_exits_6() {
    let s = Scratch::new();
    s.write("p/compose.yaml", project("devctl-it-fixb-down"));
    let run = devctl(
        &s.opts("p").with("DOCKER_HOST", "unix:///nonexistent.sock"),
        &["down"],
    );
    assert_eq!(run.code, Some(6), "{}", run.dump());
    let err = run.err();
    assert!(
        err.contains("Docker Engine") && err.contains("unix:///nonexistent.sock"),
        "{}",
        run.dump()
    );
    // `--dry-run` still prints the command without the Engine.
    let run = devctl(
        &s.opts("p").with("DOCKER_HOST", "unix:///nonexistent.sock"),
        &["--dry-run", "down"],
    );
    assert_eq!(run.code, Some(0), "{}", run.dump());
    assert!(run.err().contains(" down"), "{}", run.dump());
}

fn alive(pid: &str) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|st| !st.contains(") Z "))
            .unwrap_or(false)
}

/// `docker compose config` hangs (a fake `docker` whose `config` sleeps); devctl gets SIGTERM
/// while it waits: the Compose child must not outlive devctl, and nothing is touched.
#[test]
fn sigterm_while_compose_config_runs_leaves_no_orphan() {
    let s = Scratch::new();
    s.write("p/compose.yaml", project("devctl-it-fixb-cfg"));
    let pidfile = s.path("config.pid");
    let fake = s.write(
        "bin/docker",
        format!(
            "#!/bin/sh\ncase \"$*\" in\n  \"compose version\"*) echo 'Docker Compose version v2.40.3' ;;\n  \
             *\" config \"*) echo $$ > '{}'; exec sleep 60 ;;\n  *) echo \"fake docker: $*\" >&2; exit 1 ;;\nesac\n",
            pidfile.display()
        ),
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        s.path("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let opts = s.opts("p").with("PATH", &path);
    let mut cmd = opts.command(&["down", "-v", "--confirm", "devctl-it-fixb-cfg"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    let pid = loop {
        if let Some(p) = std::fs::read_to_string(&pidfile)
            .ok()
            .filter(|p| p.ends_with('\n'))
        {
            break p.trim().to_string();
        }
        if start.elapsed() > Duration::from_secs(15) || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "Compose config never started: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(alive(&pid), "the fake Compose config {pid} is running");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let exited = child.try_wait().unwrap().is_some();
    if !exited {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let orphan = alive(&pid);
    if orphan {
        // Only the process this test started, by its id.
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(exited, "devctl did not exit after SIGTERM: {err}");
    assert!(!orphan, "Compose config {pid} outlived devctl: {err}");
    assert_ne!(out.status.code(), Some(0), "{err}");
}

#[test]
fn audit_skips_a_bad_line_with_a_warning_naming_it() {
    let s = Scratch::new();
    s.write("p/compose.yaml", project("devctl-it-fixb-audit"));
    let state = s.path("audit-state");
    s.write(
        "audit-state/audit.jsonl",
        b"\xff\xfe not utf-8\n{\"not\": \"a record\"}\n".as_slice(),
    );
    let opts = s
        .opts("p")
        .with("DEVCTL_STATE_DIR", &state.display().to_string());
    // A decision (here: nothing to delete, no volume exists) appends after the bad lines;
    // then `audit` shows it and names the bad lines.
    let decided = devctl(&opts, &["down", "-v"]);
    assert_eq!(decided.code, Some(0), "{}", decided.dump());
    let run = devctl(&opts, &["audit", "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.dump());
    let records: serde_json::Value = serde_json::from_str(&run.out()).unwrap();
    assert_eq!(records.as_array().map(Vec::len), Some(1), "{}", run.dump());
    assert_eq!(records[0]["decision"], "nothing-to-delete");
    assert_eq!(records[0]["outcome"], "performed");
    let err = run.err();
    assert!(
        err.contains("audit.jsonl:1: invalid UTF-8")
            && err.contains("audit.jsonl:2: not an audit record"),
        "{}",
        run.dump()
    );
    assert_eq!(err.matches("warning").count(), 2, "{}", run.dump());
}

#[test]
fn snapshot_create_in_a_broken_project_reports_the_load_error() {
    let s = Scratch::new();
    s.write(
        "p/compose.yaml",
        "services:\n  web:\n    image: busybox\n     command: [sleep\n",
    );
    let run = devctl(&s.opts("p"), &["snapshot", "create", "data"]);
    assert_eq!(run.code, Some(3), "{}", run.dump());
    let err = run.err();
    assert!(
        err.contains("compose.yaml") && err.contains("line 4"),
        "{}",
        run.dump()
    );
    assert!(!err.contains("does not exist"), "{}", run.dump());
}

#[test]
fn volume_rm_of_an_unknown_volume_is_a_usage_error_listing_the_volumes() {
    let s = Scratch::new();
    s.write("p/compose.yaml", project("devctl-it-fixb-vol"));
    let run = devctl(&s.opts("p"), &["volume", "rm", "nosuch"]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
    let err = run.err();
    for want in ["`nosuch`", "data", "devctl-it-fixb-vol_data"] {
        assert!(err.contains(want), "no {want:?} in: {}", run.dump());
    }
    // Not a decision of the gate: no plan shown, nothing audited.
    assert!(!err.contains("refused"), "{}", run.dump());
    let audit = devctl(&s.opts("p"), &["audit", "--json"]);
    assert_eq!(audit.out().trim(), "[]", "{}", audit.dump());
}

/// `snapshot restore` never writes into a volume that exists, even one that appears between
/// its existence check and its create: the Engine's volume create answers with the existing
/// volume then. Here the volume "appeared" before the create call itself (the check already
/// passed): the create must be refused, the volume's file and labels untouched.
#[test]
fn snapshot_restore_never_writes_into_a_volume_that_appeared_after_its_check() {
    use common::docker::{docker_checked, docker_ok, file_in};
    let name = format!("dvgp-restore-race-{}", std::process::id());
    let fresh = format!("{name}-new");
    let _cleanup = common::cleanup::Cleanup::empty()
        .volume(&name)
        .volume(&fresh)
        .now();
    docker_checked(&[
        "volume",
        "create",
        "--label",
        "devctl.test=dvgp",
        "--label",
        "owner=someone",
        &name,
    ]);
    docker_checked(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--network",
        "none",
        "-v",
        &format!("{name}:/v"),
        common::IMAGE,
        "sh",
        "-c",
        "echo precious > /v/file",
    ]);
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let docker = rt.block_on(devctl::engine::connect(&env)).unwrap();
    let labels: std::collections::BTreeMap<String, String> =
        [("devctl.restored-from".to_string(), "snap-1".to_string())].into();
    let err = rt
        .block_on(devctl::safety::snapshot::create_fresh(
            &docker, &name, &labels,
        ))
        .expect_err("an existing volume is never taken for a new one");
    assert!(
        err.message.contains("already exists") && err.message.contains("nothing was written"),
        "{}",
        err.message
    );
    assert_eq!(err.exit.code(), 2);
    assert_eq!(file_in(&name).as_deref(), Some("precious\n"));
    let now = docker_ok(&["volume", "inspect", "-f", "{{json .Labels}}", &name]);
    assert!(
        now.contains("owner") && !now.contains("restore-nonce") && !now.contains("restored-from"),
        "{now}"
    );
    // A name that is free gets a new volume carrying the one-time label.
    rt.block_on(devctl::safety::snapshot::create_fresh(
        &docker, &fresh, &labels,
    ))
    .unwrap();
    let made = docker_ok(&["volume", "inspect", "-f", "{{json .Labels}}", &fresh]);
    assert!(
        made.contains("devctl.restore-nonce") && made.contains("snap-1"),
        "{made}"
    );
}
