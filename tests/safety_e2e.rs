//! End-to-end tests of the safety gate on the real Engine with real Compose.
//!
//! Each test builds its own project (`devctl-it-safety-*`) in a temp dir, with a named volume
//! and an external volume each holding a file, and removes everything it created (containers,
//! network, every volume labelled `devctl.test=safety` whose name starts with the project)
//! on every path, panics included.
#![allow(clippy::panic, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use rexpect::process::wait::WaitStatus;

use common::cleanup::Cleanup;
use common::docker::{compose_in, docker_checked, file_in, project_containers, volume_exists};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

struct Stack {
    /// Declared first: dropped (containers, network, every volume labelled
    /// `devctl.test=safety` whose name starts with the project) while `dir` still exists.
    _cleanup: Cleanup,
    name: String,
    dir: tempfile::TempDir,
}

impl Stack {
    /// Up a project with service `app` mounting named volume `data` (→ `<name>_data`) and
    /// external volume `<name>-ext`; each holds `/file` with a unique text.
    fn up(tag: &str) -> Stack {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("devctl-it-safety-{tag}-{}-{n}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let cleanup = Cleanup::new(&name)
            .keep_volumes()
            .in_dir(dir.path())
            .labelled_starting("devctl.test=safety", &name);
        let stack = Stack {
            _cleanup: cleanup,
            name,
            dir,
        };
        let compose = format!(
            r#"name: {name}
services:
  app:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    volumes:
      - data:/data
      - ext:/ext
volumes:
  data:
    labels:
      devctl.test: safety
  ext:
    external: true
    name: {name}-ext
"#,
            name = stack.name
        );
        std::fs::write(stack.dir.path().join("compose.yaml"), compose).unwrap();
        docker_checked(&[
            "volume",
            "create",
            "--label",
            "devctl.test=safety",
            &stack.ext(),
        ]);
        stack.compose(&["up", "-d"]);
        stack.compose(&[
            "exec",
            "-T",
            "app",
            "sh",
            "-c",
            &format!(
                "printf 'named %s\\n' {n} > /data/file; printf 'ext %s\\n' {n} > /ext/file",
                n = stack.name
            ),
        ]);
        assert_eq!(
            stack.named_file().as_deref(),
            Some(stack.named_text().as_str())
        );
        assert_eq!(stack.ext_file().as_deref(), Some(stack.ext_text().as_str()));
        stack
    }

    fn named(&self) -> String {
        format!("{}_data", self.name)
    }
    fn ext(&self) -> String {
        format!("{}-ext", self.name)
    }
    fn named_text(&self) -> String {
        format!("named {}\n", self.name)
    }
    fn ext_text(&self) -> String {
        format!("ext {}\n", self.name)
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn compose(&self, args: &[&str]) -> Output {
        compose_in(self.path(), args)
    }

    fn running(&self) -> usize {
        project_containers(&self.name, false)
    }

    fn named_file(&self) -> Option<String> {
        file_in(&self.named())
    }
    fn ext_file(&self) -> Option<String> {
        file_in(&self.ext())
    }

    /// Both files intact and the container still running.
    fn assert_untouched(&self) {
        assert_eq!(
            self.named_file().as_deref(),
            Some(self.named_text().as_str())
        );
        assert_eq!(self.ext_file().as_deref(), Some(self.ext_text().as_str()));
        assert_eq!(self.running(), 1, "the stack was stopped");
    }

    /// The result of a confirmed `down -v`: named volume gone, external volume and its file
    /// intact, stack down.
    fn assert_deleted_named_only(&self) {
        assert!(!volume_exists(&self.named()), "named volume still exists");
        assert_eq!(self.ext_file().as_deref(), Some(self.ext_text().as_str()));
        assert_eq!(self.running(), 0);
    }

    fn devctl(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_devctl"));
        c.current_dir(self.path())
            .env("DEVCTL_STATE_DIR", self.state())
            .env("DEVCTL_DATA_DIR", self.dir.path().join("data"))
            .env("NO_COLOR", "1");
        c
    }

    /// devctl with `args`, no terminal (stdin /dev/null), to completion.
    fn run(&self, args: &[&str]) -> Output {
        self.devctl()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("devctl runs")
    }

    fn audit(&self) -> Vec<serde_json::Value> {
        common::audit::records(&self.state())
    }

    fn decisions(&self) -> Vec<String> {
        common::audit::decisions(&self.state())
    }
}

fn exit_code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// A fake `docker` earlier on PATH that records `readlink /proc/self/fd/0` and its arguments,
/// then runs the real one.
fn fake_docker(dir: &Path) -> (PathBuf, PathBuf) {
    let real = std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("docker"))
                .find(|d| d.is_file())
        })
        .unwrap();
    let bin = dir.join("fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("docker-stdin.log");
    let script = format!(
        "#!/bin/sh\necho \"$(readlink /proc/self/fd/0) $*\" >> '{}'\nexec '{}' \"$@\"\n",
        log.display(),
        real.display()
    );
    let path = bin.join("docker");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let new_path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (PathBuf::from(new_path), log)
}

#[test]
fn down_v_without_terminal_is_refused_then_confirm_flag_deletes_only_the_named_volume() {
    let s = Stack::up("flag");
    // No terminal, no --confirm → refused (4), nothing touched.
    let out = s.run(&["down", "-v"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(exit_code(&out), 4, "{err}");
    assert!(err.contains(&format!("--confirm {}", s.name)), "{err}");
    assert!(
        err.contains(&s.named()) && err.contains("KEPT"),
        "plan shown: {err}"
    );
    s.assert_untouched();
    // A bare --yes is not a devctl flag; a wrong --confirm is refused.
    let out = s.run(&["down", "-v", "--yes"]);
    assert_eq!(
        exit_code(&out),
        2,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = s.run(&["down", "-v", "--confirm", "not-the-project"]);
    assert_eq!(exit_code(&out), 4);
    s.assert_untouched();
    // --dry-run shows the plan and the commands, runs nothing, decides nothing.
    let out = s.run(&["--dry-run", "down", "-v"]);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stderr);
    let compose_line = printed
        .lines()
        .find(|l| l.starts_with(&format!("+ docker compose -p {} ", s.name)))
        .unwrap_or_else(|| panic!("no Compose line: {printed}"));
    assert!(compose_line.ends_with(" down"), "{compose_line}");
    assert!(
        printed.contains(&format!("+ devctl: remove volume {} ", s.named())),
        "{printed}"
    );
    assert!(
        !printed.contains(&format!("remove volume {}", s.ext())),
        "{printed}"
    );
    s.assert_untouched();
    // --confirm <project> without a terminal; stdin is a pipe that Compose must never get.
    let (path, log) = fake_docker(s.path());
    let out = s
        .devctl()
        .args(["down", "-v", "--confirm", &s.name, "--no-snapshot"])
        .env("PATH", &path)
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    s.assert_deleted_named_only();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("removed   {}", s.named())), "{err}");
    assert!(
        err.contains(&format!("kept      {}: external", s.ext())),
        "{err}"
    );
    // Compose ran `down` without -v, its stdin at /dev/null.
    let calls = std::fs::read_to_string(&log).unwrap();
    let down: Vec<&str> = calls.lines().filter(|l| l.ends_with(" down")).collect();
    assert_eq!(down.len(), 1, "{calls}");
    assert!(down[0].starts_with("/dev/null compose "), "{calls}");
    assert!(
        calls.lines().all(|l| l.starts_with("/dev/null ")),
        "every Compose call gets /dev/null: {calls}"
    );
    assert!(
        calls
            .split_whitespace()
            .all(|a| a != "-v" && !a.starts_with("--volume")),
        "Compose never got -v: {calls}"
    );
    assert_eq!(s.decisions(), vec!["refused", "refused", "confirmed-flag"]);
    let last = &s.audit()[2];
    assert_eq!(last["project"], s.name.as_str());
    assert_eq!(last["result"]["removed"][0], s.named().as_str());
    assert_eq!(last["plan"]["kept"][0]["name"], s.ext().as_str());
    // `devctl audit --json` prints them.
    let out = s.devctl().args(["audit", "--json"]).output().unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed.as_array().map(Vec::len), Some(3));
}

/// Runs `safety::intercept` in-process for the argv in `DEVCTL_SAFETY_CHILD_ARGS` (a child of
/// `intercept_refuses_compose_passthrough_forms`, started with stdin at /dev/null so the
/// refusal does not depend on how `cargo test` was started). Run alone, it checks that a
/// harmless argv passes through.
#[test]
fn intercept_child() {
    let dir = std::env::var("DEVCTL_SAFETY_CHILD_DIR").ok();
    let args: Vec<String> = match std::env::var("DEVCTL_SAFETY_CHILD_ARGS") {
        Ok(a) => a.split(' ').map(String::from).collect(),
        Err(_) => vec!["ps".into()],
    };
    let ctx = devctl::commands::Ctx {
        global: Default::default(),
        cwd: dir.map(PathBuf::from).unwrap_or_else(std::env::temp_dir),
        env: std::env::vars().collect(),
    };
    match devctl::safety::intercept(&ctx, &args) {
        Ok(devctl::safety::Gate::Run(_)) => println!("INTERCEPT: pass"),
        Ok(devctl::safety::Gate::Handled(c)) => println!("INTERCEPT: code {c}"),
        Err(e) => println!("INTERCEPT: error {} {}", e.exit.code(), e),
    }
    if std::env::var("DEVCTL_SAFETY_CHILD_ARGS").is_err() {
        assert_eq!(
            devctl::safety::intercept(&ctx, &args).ok(),
            Some(devctl::safety::Gate::Run(args.clone()))
        );
    }
}

#[test]
fn intercept_refuses_compose_passthrough_forms() {
    let s = Stack::up("intercept");
    for args in [
        "down --volumes=true",
        "rm -fsv",
        "-p NAME down -v --remove-orphans",
    ] {
        let args = args.replace("NAME", &s.name);
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "intercept_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("DEVCTL_SAFETY_CHILD_ARGS", &args)
            .env("DEVCTL_SAFETY_CHILD_DIR", s.path())
            .env("DEVCTL_STATE_DIR", s.state())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("INTERCEPT: error 4 refused by the safety gate"),
            "{args}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        s.assert_untouched();
    }
    assert_eq!(s.decisions(), vec!["refused", "refused", "refused"]);
    // `rm -fsv` plans the anonymous volumes only (there are none): the named one is not in it.
    let rm = &s.audit()[1];
    assert_eq!(rm["plan"]["actions"][0], "rm-volumes");
    // The same through the CLI passthrough `devctl compose -- …`.
    for args in [
        "down --volumes=true",
        "rm -fsv",
        "down --remove-orphans -v",
        "up -d -V",
        "--profile x down --volume",
    ] {
        let argv: Vec<&str> = ["compose", "--"]
            .into_iter()
            .chain(args.split(' '))
            .collect();
        let out = s.run(&argv);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(exit_code(&out), 4, "{args}: {err}");
        assert!(
            err.contains(&format!("--confirm {}", s.name)),
            "{args}: {err}"
        );
        s.assert_untouched();
    }
    assert_eq!(s.decisions().len(), 8);
    // Look-alikes pass through to Compose untouched by the gate.
    for args in ["config --volumes", "down --volumes=false --dry-run"] {
        let argv: Vec<&str> = ["compose", "--"]
            .into_iter()
            .chain(args.split(' '))
            .collect();
        let out = s.run(&argv);
        assert_eq!(
            exit_code(&out),
            0,
            "{args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    s.assert_untouched();
    assert_eq!(s.decisions().len(), 8, "look-alikes are not gate decisions");
}

#[test]
fn protected_volume_needs_its_own_name() {
    let s = Stack::up("prot");
    std::fs::write(s.path().join("devctl.yaml"), "protected_volumes: [data]\n").unwrap();
    let out = s.run(&["down", "-v", "--confirm", &s.name]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(exit_code(&out), 4, "{err}");
    assert!(err.contains("PROTECTED"), "{err}");
    assert!(
        err.contains(&format!(
            "WARNING: volume `{}` is listed as protected",
            s.named()
        )),
        "{err}"
    );
    assert!(err.contains(&format!("--confirm {}", s.named())), "{err}");
    s.assert_untouched();
    let out = s.run(&["down", "-v", "--confirm", &s.named()]);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    s.assert_deleted_named_only();
    assert_eq!(s.decisions(), vec!["refused", "confirmed-flag"]);
}

fn spawn_pty(s: &Stack, args: &[&str], path: Option<&Path>) -> rexpect::session::PtySession {
    let mut c = s.devctl();
    c.args(args);
    if let Some(p) = path {
        c.env("PATH", p);
    }
    rexpect::session::spawn_command(c, Some(90_000)).unwrap()
}

/// Type keys into the pty (rexpect buffers `send` until a flush).
fn keys(p: &mut rexpect::session::PtySession, s: &str) {
    p.send(s).unwrap();
    p.flush().unwrap();
}

fn wait_code(p: &rexpect::session::PtySession) -> i32 {
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, c) => c,
        other => panic!("devctl did not exit normally: {other:?}"),
    }
}

#[test]
fn pty_wrong_name_aborts_right_name_deletes_named_volume_only() {
    let s = Stack::up("pty");
    // Wrong name → aborted, intact.
    let mut p = spawn_pty(&s, &["down", "-v"], None);
    p.exp_string("WILL BE DELETED").unwrap();
    p.exp_string("[Y/n]").unwrap();
    keys(&mut p, "n");
    p.exp_string("Type the project name").unwrap();
    keys(&mut p, &format!("{}x\r", s.name));
    p.exp_string("did not match").unwrap();
    assert_eq!(wait_code(&p), 4);
    s.assert_untouched();
    // Esc → aborted, intact.
    let mut p = spawn_pty(&s, &["down", "-v", "--no-snapshot"], None);
    p.exp_string("Type the project name").unwrap();
    keys(&mut p, &s.name[..5]);
    keys(&mut p, "\x1b");
    p.exp_string("aborted").unwrap();
    assert_eq!(wait_code(&p), 4);
    // Ctrl-C → aborted, intact (and recorded: no SIGINT death).
    let mut p = spawn_pty(&s, &["down", "-v", "--no-snapshot"], None);
    p.exp_string("Type the project name").unwrap();
    // Let the prompt reach its raw-mode read (a Ctrl-C before it would be a plain SIGINT).
    std::thread::sleep(std::time::Duration::from_millis(500));
    p.send_control('c').unwrap();
    p.exp_string("aborted").unwrap();
    assert_eq!(wait_code(&p), 4);
    s.assert_untouched();
    // The right name (typed with a correction) → named volume gone, external intact.
    let (path, log) = fake_docker(s.path());
    let mut p = spawn_pty(&s, &["down", "-v"], Some(&path));
    p.exp_string("[Y/n]").unwrap();
    keys(&mut p, "n");
    p.exp_string("Type the project name").unwrap();
    keys(&mut p, &format!("{}q\x7f\r", s.name));
    p.exp_string("removed").unwrap();
    assert_eq!(wait_code(&p), 0);
    s.assert_deleted_named_only();
    // devctl's stdin was the pty; Compose's was /dev/null.
    let calls = std::fs::read_to_string(&log).unwrap();
    let down: Vec<&str> = calls.lines().filter(|l| l.ends_with(" down")).collect();
    assert_eq!(down.len(), 1, "{calls}");
    assert!(down[0].starts_with("/dev/null "), "{calls}");
    assert_eq!(
        s.decisions(),
        vec!["aborted", "aborted", "aborted", "confirmed-typed"]
    );
}

#[test]
fn snapshot_before_deletion_restores_the_file_byte_for_byte() {
    let s = Stack::up("snap");
    // `snapshot create --all` archives every declared volume (external included); a compose
    // key names its Engine volume.
    let out = s.run(&["snapshot", "create", "--all"]);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made = String::from_utf8_lossy(&out.stdout);
    assert_eq!(made.lines().count(), 2, "{made}");
    assert!(
        made.contains(&format!("  {}  ", s.named())) && made.contains(&format!("  {}  ", s.ext())),
        "{made}"
    );
    let out = s.run(&["snapshot", "create", "data"]);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("  {}  ", s.named())));
    let out = s.run(&["down", "-v", "--confirm", &s.name, "--snapshot"]);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    s.assert_deleted_named_only();
    let out = s
        .devctl()
        .args(["snapshot", "list", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let snap = list
        .as_array()
        .unwrap()
        .iter()
        .rfind(|m| m["volume"] == s.named().as_str())
        .unwrap()
        .clone();
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(4),
        "--all (2) + data + before deletion"
    );
    assert_eq!(snap["labels"]["devctl.test"], "safety");
    assert_eq!(snap["sha256"].as_str().map(str::len), Some(64));
    // The tar on disk matches the recorded size.
    let tar = s
        .dir
        .path()
        .join("data/snapshots")
        .join(snap["archive"].as_str().unwrap());
    assert_eq!(
        std::fs::metadata(&tar).unwrap().len(),
        snap["size_bytes"].as_u64().unwrap()
    );
    let restored = format!("{}-restored", s.name);
    let out = s.run(&[
        "snapshot",
        "restore",
        snap["id"].as_str().unwrap(),
        "--into",
        &restored,
    ]);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(file_in(&restored).as_deref(), Some(s.named_text().as_str()));
    // Restoring onto an existing volume is refused.
    let out = s.run(&[
        "snapshot",
        "restore",
        snap["id"].as_str().unwrap(),
        "--into",
        &restored,
    ]);
    assert_eq!(exit_code(&out), 2);
    // No helper container is left behind.
    let helpers = docker_checked(&["ps", "-aq", "--filter", "label=devctl.snapshot-helper"]);
    assert!(String::from_utf8_lossy(&helpers.stdout).trim().is_empty());
    assert_eq!(s.decisions(), vec!["confirmed-flag"]);
}

#[test]
fn volume_rm_of_external_volume_needs_its_exact_name() {
    let s = Stack::up("volrm");
    s.compose(&["stop"]);
    // The project name is not enough for an external volume.
    let out = s.run(&["volume", "rm", "ext", "--confirm", &s.name]);
    assert_eq!(
        exit_code(&out),
        4,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(s.ext_file().as_deref(), Some(s.ext_text().as_str()));
    // Its exact name is; the stopped container still holds it → kept (in use).
    let out = s.run(&["volume", "rm", "ext", "--confirm", &s.ext()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(exit_code(&out), 0, "{err}");
    assert!(err.contains("in use"), "{err}");
    assert!(volume_exists(&s.ext()));
    assert_eq!(s.decisions(), vec!["refused", "confirmed-flag"]);
    // Plain `devctl down` (no -v) is not gated: containers go, both volumes and files stay.
    let out = s.run(&["down"]);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(s.named_file().as_deref(), Some(s.named_text().as_str()));
    assert_eq!(s.ext_file().as_deref(), Some(s.ext_text().as_str()));
    let all = docker_checked(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={}", s.name),
    ]);
    assert!(String::from_utf8_lossy(&all.stdout).trim().is_empty());
    assert_eq!(s.decisions().len(), 2, "plain down is not a gate decision");
}
