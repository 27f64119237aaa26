//! The inner dev loop on the real Engine and Compose: `devctl up --watch` / `devctl watch`
//! (sync, sync+restart, rebuild of a local image, a failing rebuild), and the project's own
//! commands from `devctl.yaml`. Projects are named `devctl-it-h14-*-PID`.

#![allow(clippy::panic, clippy::unwrap_used)]

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::IMAGE;
use common::process::Lines;
use common::stack::Stack;

/// `devctl … watch` running; on drop (also when the test fails) it gets Ctrl-C, which it
/// forwards to `docker compose watch`, so that no watcher outlives the test.
struct Watching(Lines);

impl Drop for Watching {
    fn drop(&mut self) {
        let pid = self.0.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.0.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Watching {
    /// The next line satisfying `pred` (the test fails after `WAIT`; unlike
    /// `Lines::wait_for`, devctl is not SIGKILLed, so it can stop its Compose child).
    fn next(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + WAIT;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.0.rx.recv_timeout(left) {
                Ok(l) => {
                    self.0.seen.push(l.clone());
                    if pred(&l) {
                        return l;
                    }
                }
                Err(_) => panic!(
                    "no line for {what}; devctl printed:\n{}",
                    self.0.seen.join("\n")
                ),
            }
        }
    }
}

/// Removes the images a test built (after its stack is down).
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        for i in &self.0 {
            let _ = Command::new("docker")
                .args(["image", "rm", "-f", i])
                .output();
        }
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
}

fn exec_cat(stack: &Stack, service: &str, file: &str) -> String {
    let o = stack.compose(&["exec", "-T", service, "cat", file]);
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or(serde_json::Value::Null)
}

/// A service built from a local Dockerfile (`FROM` the test image) with three watch rules.
fn watch_stack(suffix: &str) -> (Stack, Images) {
    let name = format!("devctl-it-h14-{suffix}-{}", std::process::id());
    let image = format!("{name}-api");
    let yaml = format!(
        r#"services:
  api:
    build: .
    image: {image}
    init: true
    develop:
      watch:
        - action: sync
          path: ./app
          target: /srv/app
          ignore: [build.txt]
        - action: sync+restart
          path: ./cfg
          target: /srv/cfg
        - action: rebuild
          path: ./app/build.txt
"#
    );
    let stack = Stack::named(name, None, &yaml);
    let dir = stack.dir.path();
    write(dir, "app/index.txt", "v1\n");
    write(dir, "app/build.txt", "b1\n");
    write(dir, "cfg/c.txt", "c1\n");
    write(
        dir,
        "Dockerfile",
        &format!(
            "FROM {IMAGE}\nCOPY app/build.txt /build.txt\nCMD [\"sh\", \"-c\", \"sleep 100000\"]\n"
        ),
    );
    (stack, Images(vec![image]))
}

const WAIT: Duration = Duration::from_secs(60);

/// The four things watch must show, on one stack, without a terminal and with `--json`:
/// a sync reaches the running container; sync+restart restarts the same container; a change
/// of the Dockerfile's input rebuilds it into a new container; a failing rebuild shows the
/// build's error lines and the old container keeps serving.
#[test]
fn up_watch_syncs_restarts_rebuilds_and_survives_a_failed_rebuild() {
    let (stack, _images) = watch_stack("watch");
    let dir = stack.dir.path().to_path_buf();
    let mut w = Watching(Lines::spawn(
        stack.devctl_with(&["up", "--watch", "--json"]),
    ));
    w.0.expect_line("watch enabled", WAIT, |l| json(l)["action"] == "enabled");
    let first = stack.running_id("api");
    assert!(!first.is_empty(), "api runs after up --watch");

    // 1. sync
    write(&dir, "app/index.txt", "v2\n");
    let ev = w.next("sync event", |l| json(l)["action"] == "sync");
    let ev = json(&ev);
    assert_eq!(ev["service"], "api", "{ev}");
    assert_eq!(ev["files"], serde_json::json!(["app/index.txt"]), "{ev}");
    assert!(ev["duration_ms"].is_u64(), "{ev}");
    assert_eq!(exec_cat(&stack, "api", "/srv/app/index.txt"), "v2");

    // 2. sync+restart: the same container, restarted (the Engine says so), with the file.
    write(&dir, "cfg/c.txt", "c2\n");
    let ev = w.next("sync+restart event", |l| {
        json(l)["action"] == "sync+restart"
    });
    let ev = json(&ev);
    assert_eq!(ev["files"], serde_json::json!(["cfg/c.txt"]), "{ev}");
    w.0.expect_line("the Engine's restart of the same container", WAIT, |l| {
        let v = json(l);
        v["type"] == "engine" && v["action"] == "start" && v["new"] == false
    });
    assert_eq!(
        stack.running_id("api"),
        first,
        "sync+restart keeps the container"
    );
    assert_eq!(exec_cat(&stack, "api", "/srv/cfg/c.txt"), "c2");

    // 3. rebuild: the Dockerfile's input changed → a rebuild event, then a new container.
    let mark = w.0.seen.len();
    write(&dir, "app/build.txt", "b2\n");
    let ev = w.next("rebuild event", |l| json(l)["action"] == "rebuild");
    let ev = json(&ev);
    assert_eq!(ev["ok"], true, "{ev}");
    assert_eq!(ev["files"], serde_json::json!(["app/build.txt"]), "{ev}");
    // The Engine's start of the new container may come before Compose ends the batch.
    let is_new = |l: &str| {
        let v = json(l);
        v["type"] == "engine" && v["action"] == "start" && v["new"] == true
    };
    let started = match w.0.seen[mark..].iter().find(|l| is_new(l)) {
        Some(l) => l.clone(),
        None => w.next("the new container", is_new),
    };
    let second = json(&started)["container"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!second.starts_with(&first) && !first.starts_with(&second[..12]));
    assert!(second.starts_with(&stack.running_id("api")));
    assert_eq!(exec_cat(&stack, "api", "/build.txt"), "b2");

    // 4. a failing rebuild: the error and the build's last lines; the old container serves.
    let docker = std::fs::read_to_string(dir.join("Dockerfile")).expect("read");
    write(
        &dir,
        "Dockerfile",
        &format!("{docker}RUN echo the-build-breaks && false\n"),
    );
    write(&dir, "app/build.txt", "b3\n");
    let ev = w.next("failed rebuild", |l| {
        json(l)["action"] == "rebuild" && json(l)["ok"] == false
    });
    let ev = json(&ev);
    let lines = ev["lines"].to_string();
    assert!(lines.contains("the-build-breaks"), "{ev}");
    assert!(ev["error"].as_str().is_some_and(|e| !e.is_empty()), "{ev}");
    let still = w.next("old container still running", |l| {
        json(l)["action"] == "still_running"
    });
    assert_eq!(json(&still)["container"], second.as_str());
    assert!(second.starts_with(&stack.running_id("api")));
    assert_eq!(
        exec_cat(&stack, "api", "/build.txt"),
        "b2",
        "the old container serves"
    );
}

/// Text mode: the command line first, then one readable line per action.
#[test]
fn watch_prints_the_command_and_text_event_lines() {
    let (stack, _images) = watch_stack("text");
    let dir = stack.dir.path().to_path_buf();
    let dry = stack.devctl_output(&["watch", "--dry-run", "--no-prune"]);
    let err = String::from_utf8_lossy(&dry.stderr);
    assert!(dry.status.success(), "{err}");
    assert!(
        err.contains(&format!("-p {} ", stack.name))
            && err.contains("--verbose watch --prune=false"),
        "{err}"
    );
    let mut w = Watching(Lines::spawn(stack.devctl_with(&["watch"])));
    w.0.expect_line("watch enabled", WAIT, |l| l.starts_with("[watch] watching"));
    write(&dir, "app/index.txt", "t2\n");
    let line = w.next("sync line", |l| l.contains(": sync "));
    assert!(
        line.starts_with("[watch] api: sync app/index.txt (") && line.ends_with(')'),
        "{line}"
    );
    assert_eq!(exec_cat(&stack, "api", "/srv/app/index.txt"), "t2");
}

const COMMANDS: &str = r#"environments:
  prod:
    protected: true
commands:
  hello:  {service: api, exec: "echo exec-ok-$(cat /etc/hostname)", key: H}
  once:   {service: api, run: "echo run-ok"}
  where:  {run_host: "echo host-ok; pwd", description: "where am I"}
  tty:    {service: api, exec: "test -t 0 && echo has-a-tty", interactive: true}
  seed:   {run_host: "echo seeded", confirm: true}
  check:  {run_host: "echo checked", safe: true}
  wipe:   {run_host: "docker compose down -v"}
  sneaky: {run_host: "echo x && docker volume rm VOLUME"}
  selfok: {run_host: "docker compose down -v --confirm PROJECT"}
  selfeq: {run_host: "docker compose down --confirm=PROJECT -v --no-snapshot"}
  flags:  {run_host: "docker --log-level error volume rm VOLUME"}
  ownenv: {run_host: "DOCKER_HOST=unix:///var/run/docker.sock docker volume rm VOLUME"}
  ownhost: {run_host: "docker -DHunix:///var/run/docker.sock volume rm VOLUME"}
  unset:  {run_host: "unset DOCKER_HOST; docker volume rm VOLUME"}
  inner:  {run_host: "sh -c 'docker --host unix:///var/run/docker.sock volume rm VOLUME'"}
"#;

fn code_and_text(o: &std::process::Output) -> (i32, String) {
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// `devctl do`: the list, `exec`/`run`/`run_host` commands, an interactive one in a terminal,
/// `confirm: true`, a protected environment, and destructive command texts refused by the
/// safety gate without a terminal (the volume survives).
#[test]
fn project_commands_run_and_the_gate_guards_them() {
    let name = format!("devctl-it-h14-cmds-{}", std::process::id());
    let yaml = format!(
        "services:\n  api:\n    image: {IMAGE}\n    init: true\n    command: [\"sleep\", \"100000\"]\n    volumes: [\"data:/data\"]\nvolumes:\n  data: {{}}\n"
    );
    let stack = Stack::named(name.clone(), None, &yaml);
    let volume = format!("{name}_data");
    std::fs::write(stack.dir.path().join("compose.prod.yaml"), "services: {}\n").expect("write");
    std::fs::write(
        stack.dir.path().join("devctl.yaml"),
        COMMANDS
            .replace("VOLUME", &volume)
            .replace("PROJECT", &name),
    )
    .expect("write");
    stack.up(&[]);

    let (code, text) = code_and_text(&stack.devctl_output(&["do"]));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("hello") && text.contains("[H]") && text.contains("exec in api"),
        "{text}"
    );
    assert!(
        text.contains("where am I (on the host: echo host-ok; pwd)"),
        "{text}"
    );

    // Every project command runs once trusted; a command in a service too (the compose file
    // could hand that container the Engine's socket).
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "hello"]));
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("not trusted") && !text.lines().any(|l| l.starts_with("exec-ok-")),
        "{text}"
    );
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "hello", "--trust"]));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("exec -T api sh -c"),
        "the command line is printed: {text}"
    );
    assert!(text.contains("exec-ok-"), "{text}");
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "once", "--trust"]));
    assert_eq!((code, text.contains("run-ok")), (0, true), "{text}");
    // A `run_host` text runs on this machine: only once trusted (`--trust` without a
    // terminal); the trust holds for that text, so the next run needs no flag.
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "where"]));
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("not trusted")
            && text.contains("--trust")
            && !text.lines().any(|l| l == "host-ok"),
        "{text}"
    );
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "where", "--trust"]));
    assert_eq!((code, text.contains("host-ok")), (0, true), "{text}");
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "where"]));
    assert_eq!(code, 0, "{text}");
    let dir = stack.dir.path().canonicalize().expect("dir");
    assert!(
        text.contains("host-ok") && text.contains(&dir.display().to_string()),
        "{text}"
    );

    // Interactive: a terminal session in the container (and a clear error without one).
    // (The pty is the standard input: not `Stack::devctl`, whose standard input is /dev/null.)
    // Trusted without a terminal first (then refused for want of one).
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "tty", "--trust"]));
    assert_eq!(code, 2, "{text}");
    let mut tty = Command::new(env!("CARGO_BIN_EXE_devctl"));
    tty.current_dir(stack.dir.path())
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env("NO_COLOR", "1")
        .args(["do", "tty"]);
    let out = common::process::in_pty(tty, 30_000);
    assert!(out.contains("has-a-tty"), "{out}");
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "tty"]));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("interactive and needs a terminal"), "{text}");

    // confirm: true
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "seed", "--trust"]));
    assert_eq!(code, 4, "{text}");
    assert!(
        !text.lines().any(|l| l == "seeded") && text.contains("--yes"),
        "{text}"
    );
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "seed", "--yes", "--trust"]));
    assert_eq!((code, text.contains("seeded")), (0, true), "{text}");

    // A protected environment refuses what is not `safe: true`.
    let (code, text) = code_and_text(&stack.devctl_output(&["--env", "prod", "do", "where"]));
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("protected") && !text.contains("host-ok"),
        "{text}"
    );
    let (code, text) =
        code_and_text(&stack.devctl_output(&["--env", "prod", "do", "check", "--trust"]));
    assert_eq!((code, text.contains("checked")), (0, true), "{text}");

    // Destructive texts: the gate, without a terminal, refuses; nothing is deleted.
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "wipe"]));
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("--confirm"),
        "the gate names the flag: {text}"
    );
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "sneaky"]));
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains(&format!("docker volume rm {volume}")) && !text.contains("\nx\n"),
        "{text}"
    );
    assert!(
        common::docker::volume_exists(&volume),
        "the volume survives"
    );
    assert!(!stack.running_id("api").is_empty(), "the stack still runs");
    // A command cannot carry the gate's answer in its own text: the confirmation comes from the
    // user, never from the project's files (with or without a terminal).
    for cmd in ["selfok", "selfeq"] {
        let (code, text) = code_and_text(&stack.devctl_output(&["do", cmd]));
        assert_eq!(code, 4, "{cmd}: {text}");
        assert!(text.contains("carries the safety gate's answer"), "{text}");
        assert!(
            common::docker::volume_exists(&volume),
            "{cmd}: the volume survives"
        );
    }
    // Hidden behind docker's root flags, or choosing its own Engine endpoint around the
    // guard (found by the hostile review: three of these deleted the volume, exit 0).
    for (cmd, says) in [
        ("flags", "cannot plan it"),
        ("ownenv", "chooses its own Docker Engine endpoint"),
        ("ownhost", "chooses its own Docker Engine endpoint"),
        ("unset", "chooses its own Docker Engine endpoint"),
        ("inner", "chooses its own Docker Engine endpoint"),
    ] {
        let (code, text) = code_and_text(&stack.devctl_output(&["do", cmd]));
        assert_eq!(code, 4, "{cmd}: {text}");
        assert!(text.contains(says), "{cmd}: {text}");
        assert!(
            common::docker::volume_exists(&volume),
            "{cmd}: the volume survives"
        );
    }
    // With the word the gate asks for, the gate executes its plan: down, then the volume.
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "wipe", "--confirm", &name]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("safety gate plans it"), "{text}");
    assert!(
        !common::docker::volume_exists(&volume),
        "the planned volume is gone: {text}"
    );
}

/// Bad `commands:` entries are configuration errors (exit 3) naming devctl.yaml:LINE and key.
#[test]
fn project_command_errors_name_the_line() {
    let stack = Stack::named(
        format!("devctl-it-h14-cmderr-{}", std::process::id()),
        None,
        &format!("services:\n  api:\n    image: {IMAGE}\n"),
    );
    let path = stack.dir.path().join("devctl.yaml");
    std::fs::write(
        &path,
        "commands:\n  ok: {run_host: \"true\"}\n  bad:\n    run_host: x\n    colour: red\n",
    )
    .expect("write");
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "ok"]));
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("devctl.yaml:5: commands.bad.colour: unknown key"),
        "{text}"
    );
    std::fs::write(&path, "commands:\n  m: {service: nope, run: \"x\"}\n").expect("write");
    let (code, text) = code_and_text(&stack.devctl_output(&["do", "m"]));
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("devctl.yaml:2: commands.m.service") && text.contains("nope"),
        "{text}"
    );
}
