//! End-to-end tests of the safety gate on the real Engine with real Compose.
//!
//! Each test builds its own project (`devctl-it-safety-*`) in a temp dir, with a named volume
//! and an external volume each holding a file, and removes everything it created (containers,
//! network, every volume labelled `devctl.test=safety` whose name starts with the project)
//! on every path, panics included.
#![allow(clippy::panic, clippy::unwrap_used)]

use crate::common;

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
    // The plan gives the volume's size as the Engine computes it (not "size unknown"), whatever
    // shape the Engine's `system df` answer has.
    let plan_line = printed
        .lines()
        .find(|l| l.starts_with(&format!("  - {}  [", s.named())))
        .unwrap_or_else(|| panic!("no plan line: {printed}"));
    assert!(
        plan_line.contains("B;") && !plan_line.contains("unknown"),
        "{plan_line}"
    );
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
        // The child test's full name in this binary (`e2e::intercept_child`).
        let child = module_path!()
            .split_once("::")
            .map_or("intercept_child".to_string(), |(_, m)| {
                format!("{m}::intercept_child")
            });
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", child.as_str(), "--nocapture", "--test-threads=1"])
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
    keys(&mut p, "n\r");
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
    keys(&mut p, "n\r");
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
        made.contains(&format!(" of volume {} (", s.named()))
            && made.contains(&format!(" of volume {} (", s.ext())),
        "{made}"
    );
    let out = s.run(&["snapshot", "create", "data"]);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!(" of volume {} (", s.named())));
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

/// A throw-away project `dvgp-<tag>-<pid>-<n>` of this suite's later tests: its files are
/// written by the test (`NAME` in them is replaced by the project name); on drop, its
/// containers and every volume labelled `devctl.test=dvgp` whose name starts with it go.
struct Proj {
    _cleanup: Cleanup,
    name: String,
    dir: tempfile::TempDir,
}

impl Proj {
    fn new(tag: &str, files: &[(&str, &str)]) -> Proj {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("dvgp-{tag}-{}-{n}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let cleanup = Cleanup::new(&name)
            .keep_volumes()
            .in_dir(dir.path())
            .labelled_starting("devctl.test=dvgp", &name);
        for (file, text) in files {
            std::fs::write(dir.path().join(file), text.replace("NAME", &name)).unwrap();
        }
        Proj {
            _cleanup: cleanup,
            name,
            dir,
        }
    }

    fn vol(&self, key: &str) -> String {
        format!("{}_{key}", self.name)
    }

    fn compose(&self, args: &[&str]) -> Output {
        compose_in(self.dir.path(), args)
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn devctl(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_devctl"));
        c.current_dir(self.dir.path())
            .env("DEVCTL_STATE_DIR", self.state())
            .env("DEVCTL_DATA_DIR", self.dir.path().join("data"))
            .env_remove("DEVCTL_ENV")
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env("NO_COLOR", "1");
        c
    }

    /// devctl without a terminal (stdin /dev/null): (exit code, stderr).
    fn run(&self, args: &[&str]) -> (i32, String) {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
        let mut c = self.devctl();
        c.args(args).stdin(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().expect("devctl runs");
        (
            exit_code(&out),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn records(&self) -> Vec<serde_json::Value> {
        common::audit::records(&self.state())
    }

    /// Write `/file` = `text` into volume `volume` (mounted by a throw-away container).
    fn put(&self, volume: &str, text: &str) {
        common::docker::put_file(volume, text);
    }
}

const CLASS6_BASE: &str = r#"name: NAME
services:
  app:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    volumes:
      - data:/data
volumes:
  data:
    labels:
      devctl.test: dvgp
"#;

/// The dev layer: `db` (a normal volume here, so Compose creates and labels it) and `cache`.
const CLASS6_DEV: &str = r#"services:
  app:
    volumes:
      - db:/db
      - cache:/cache
volumes:
  db:
    labels:
      devctl.test: dvgp
  cache:
    labels:
      devctl.test: dvgp
"#;

/// The prod layer declares the same `db` external.
const CLASS6_PROD: &str = r#"services:
  app:
    volumes:
      - db:/db
volumes:
  db:
    external: true
    name: NAME_db
"#;

/// Class 6: `external` and `protected_volumes` hold whichever environment is active. A volume
/// another layer declares external (`db`, external in the prod layer) or that devctl.yaml
/// protects (`cache`, declared only in the dev layer) is never in a bulk plan: `down -v` and
/// `volume prune` keep it even with `--confirm PROJECT`, `volume rm` needs its own name, and
/// every spelling without a terminal is refused.
#[test]
fn class6_volumes_other_layers_protect_survive_down_v_and_prune() {
    let p = Proj::new(
        "class6",
        &[
            ("compose.yaml", CLASS6_BASE),
            ("compose.dev.yaml", CLASS6_DEV),
            ("compose.prod.yaml", CLASS6_PROD),
            (
                "devctl.yaml",
                "protected_volumes: [cache]\nenvironments:\n  dev: {}\n  prod: {}\n",
            ),
        ],
    );
    let dev = ["-f", "compose.yaml", "-f", "compose.dev.yaml"];
    let up: Vec<&str> = dev.iter().copied().chain(["up", "-d"]).collect();
    p.compose(&up);
    for key in ["data", "db", "cache"] {
        p.put(&p.vol(key), &format!("{key} sentinel"));
    }
    let intact = |what: &str| {
        for key in ["db", "cache"] {
            assert_eq!(
                file_in(&p.vol(key)).as_deref(),
                Some(format!("{key} sentinel").as_str()),
                "{what}: {key}"
            );
        }
    };
    // `down -v` from the dev environment, several spellings, with `--confirm PROJECT` and
    // without a terminal: refused (cache is protected: only its own name confirms it), and the
    // plan keeps db because the prod layer declares it external.
    let name = p.name.clone();
    type Spelling<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);
    let spellings: Vec<Spelling<'_>> = vec![
        (vec!["--dev", "down", "-v", "--confirm", &name], vec![]),
        (
            vec!["--env", "dev", "down", "--volumes", "--confirm", &name],
            vec![],
        ),
        (
            vec!["--dev", "compose", "--", "down", "-v", "--confirm", &name],
            vec![],
        ),
        (
            vec![
                "compose",
                "--",
                "down",
                "--volumes=true",
                "--confirm",
                &name,
            ],
            vec![("DEVCTL_ENV", "dev")],
        ),
        (vec!["--dev", "down", "-v"], vec![]),
    ];
    for (args, env) in &spellings {
        let (code, err) = p.run_env(args, env);
        assert_eq!(code, 4, "{args:?}: {err}");
        assert!(err.contains("PROTECTED"), "{args:?}: {err}");
        let kept_db = format!(
            "{}  (external: declared `external: true` (key `db`)",
            p.vol("db")
        );
        assert!(
            err.contains(&kept_db) && err.contains("compose.prod.yaml"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains(&format!("--confirm {}", p.vol("cache"))),
            "{args:?}: {err}"
        );
        intact(&format!("{args:?}"));
        assert_eq!(file_in(&p.vol("data")).as_deref(), Some("data sentinel"));
    }
    assert_eq!(project_containers(&p.name, false), 1, "nothing was stopped");
    // The containers go (no -v); every volume stays.
    let down: Vec<&str> = dev.iter().copied().chain(["down"]).collect();
    p.compose(&down);
    // `volume prune` from the base environment, which declares neither db nor cache.
    let (code, err) = p.run(&["volume", "prune"]);
    assert_eq!(code, 4, "no terminal: {err}");
    intact("prune refused");
    let (code, err) = p.run(&["volume", "prune", "--confirm", &p.name]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("removed   {}", p.vol("data"))),
        "{err}"
    );
    assert!(!volume_exists(&p.vol("data")));
    assert!(err.contains("protected (devctl.yaml"), "{err}");
    intact("prune --confirm PROJECT");
    // The same from the prod environment: nothing left to prune, exit 0 without asking.
    let (code, err) = p.run(&["--prod", "volume", "prune"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("nothing to delete"), "{err}");
    intact("prune from prod");
    // Named on the command line: the project name is not enough, its own name is asked for.
    let (code, err) = p.run(&["volume", "rm", &p.vol("db"), "--confirm", &p.name]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains(&format!("--confirm {}", p.vol("db"))), "{err}");
    intact("volume rm db");
    let decisions: Vec<String> = p
        .records()
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["decision"].as_str().unwrap_or(""),
                r["outcome"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        decisions,
        vec![
            "refused/refused",
            "refused/refused",
            "refused/refused",
            "refused/refused",
            "refused/refused",
            "refused/refused",
            "confirmed-flag/performed",
            "nothing-to-delete/performed",
            "refused/refused",
        ]
    );
}

/// A Postgres-like service: writes its pid file into its volume on start and removes it (and
/// writes a shutdown note into a second volume) on SIGTERM. On this Engine that moves the
/// volumes' `CreatedAt`; `down -v` confirmed in a terminal still removes exactly the planned
/// volumes, in one go, and keeps the external one.
const POSTGRES_LIKE: &str = r#"name: NAME
services:
  db:
    image: devctl-test/busybox:latest
    pull_policy: never
    stop_signal: SIGTERM
    stop_grace_period: 20s
    command:
      - sh
      - -c
      - |
        echo $$$$ > /data/postmaster.pid
        trap 'rm -f /data/postmaster.pid; echo clean > /wal/shutdown; exit 0' TERM
        while true; do sleep 1 & wait $$!; done
    volumes:
      - data:/data
      - wal:/wal
      - keep:/keep
volumes:
  data:
    labels:
      devctl.test: dvgp
  wal:
    labels:
      devctl.test: dvgp
  keep:
    external: true
    name: NAME-keep
"#;

#[test]
fn postgres_like_down_v_in_a_pty_removes_exactly_the_planned_volumes_in_one_go() {
    let p = Proj::new("pg", &[("compose.yaml", POSTGRES_LIKE)]);
    let keep = format!("{}-keep", p.name);
    docker_checked(&["volume", "create", "--label", "devctl.test=dvgp", &keep]);
    p.put(&keep, "keep sentinel");
    p.compose(&["up", "-d"]);
    p.put(&p.vol("data"), "data sentinel");
    // The pid file is there (the service started and wrote it).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !p
        .compose(&["exec", "-T", "db", "ls", "/data"])
        .stdout
        .windows(8)
        .any(|w| w == b"postmast")
    {
        assert!(std::time::Instant::now() < deadline, "no pid file");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let mut c = p.devctl();
    c.args(["down", "-v"]);
    let mut s = rexpect::session::spawn_command(c, Some(120_000)).unwrap();
    s.exp_string("WILL BE DELETED by devctl, one by one (2)")
        .unwrap();
    s.exp_string("[Y/n]").unwrap();
    keys(&mut s, "n\r");
    s.exp_string("Type the project name").unwrap();
    keys(&mut s, &format!("{}\r", p.name));
    s.exp_string(&format!("removed   {}", p.vol("wal")))
        .unwrap();
    assert_eq!(wait_code(&s), 0);
    assert!(!volume_exists(&p.vol("data")), "data still exists");
    assert!(!volume_exists(&p.vol("wal")), "wal still exists");
    assert_eq!(file_in(&keep).as_deref(), Some("keep sentinel"));
    assert_eq!(project_containers(&p.name, true), 0);
    let records = p.records();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["decision"], "confirmed-typed");
    assert_eq!(records[0]["outcome"], "performed");
    assert!(records[0]["result"]["stopped"].is_null(), "{records:?}");
    let mut removed: Vec<String> = records[0]["result"]["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    removed.sort();
    assert_eq!(removed, vec![p.vol("data"), p.vol("wal")]);
}

/// A stack without volumes: `down -v` and `volume prune` delete nothing, say so, ask nothing
/// and exit 0 (CI teardowns), and the containers still go.
#[test]
fn down_v_with_nothing_to_delete_exits_0_without_asking() {
    let p = Proj::new(
        "none",
        &[(
            "compose.yaml",
            "name: NAME\nservices:\n  app:\n    image: devctl-test/busybox:latest\n    \
             pull_policy: never\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n",
        )],
    );
    p.compose(&["up", "-d"]);
    let (code, err) = p.run(&["volume", "prune"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("nothing to delete"), "{err}");
    // In a terminal too: no question at all.
    let mut c = p.devctl();
    c.args(["down", "-v"]);
    let mut s = rexpect::session::spawn_command(c, Some(90_000)).unwrap();
    let text = s.exp_eof().unwrap();
    assert!(text.contains("nothing to delete"), "{text}");
    assert!(
        !text.contains("[Y/n]") && !text.contains("Type the"),
        "{text}"
    );
    assert_eq!(wait_code(&s), 0);
    assert_eq!(project_containers(&p.name, true), 0, "the containers went");
    let (code, err) = p.run(&["down", "-v"]);
    assert_eq!(code, 0, "{err}");
    let d: Vec<String> = common::audit::decisions(&p.state());
    assert_eq!(d, vec!["nothing-to-delete"; 3]);
}

/// Removes a container the test started, on every path.
struct RmContainer(String);

impl Drop for RmContainer {
    fn drop(&mut self) {
        let _ = common::docker::docker_try(&["rm", "-f", &self.0]);
    }
}

/// The pin: while the plan waits for its confirmation, another container starts using a
/// planned volume. The confirmed `down -v` stops before Compose runs and before anything is
/// removed, names the new user, and the audit log records `stopped`.
#[test]
fn identity_change_after_the_plan_stops_before_anything_is_removed() {
    let p = Proj::new(
        "pin",
        &[(
            "compose.yaml",
            "name: NAME\nservices:\n  app:\n    image: devctl-test/busybox:latest\n    \
             pull_policy: never\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n    \
             volumes:\n      - data:/data\nvolumes:\n  data:\n    labels:\n      devctl.test: dvgp\n",
        )],
    );
    p.compose(&["up", "-d"]);
    p.put(&p.vol("data"), "data sentinel");
    let mut c = p.devctl();
    c.args(["down", "-v", "--no-snapshot"]);
    let mut s = rexpect::session::spawn_command(c, Some(90_000)).unwrap();
    s.exp_string("Type the project name").unwrap();
    let intruder = format!("{}-intruder", p.name);
    let _rm = RmContainer(intruder.clone());
    docker_checked(&[
        "run",
        "-d",
        "--pull",
        "never",
        "--network",
        "none",
        "--name",
        &intruder,
        "-v",
        &format!("{}:/x", p.vol("data")),
        common::IMAGE,
        "sleep",
        "3600",
    ]);
    keys(&mut s, &format!("{}\r", p.name));
    let text = s.exp_eof().unwrap();
    assert!(
        text.contains("stopped before anything was removed")
            && text.contains(&format!("now also used by container(s) {intruder}")),
        "{text}"
    );
    assert_eq!(wait_code(&s), 1, "{text}");
    assert_eq!(file_in(&p.vol("data")).as_deref(), Some("data sentinel"));
    assert_eq!(project_containers(&p.name, false), 1, "Compose never ran");
    let records = p.records();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["decision"], "confirmed-typed");
    assert_eq!(records[0]["outcome"], "stopped");
    assert!(records[0]["result"]["compose"].is_null(), "{records:?}");
    assert_eq!(records[0]["result"]["removed"], serde_json::json!([]));
}
