//! The whole dashboard as a user sees it, in a real terminal (tmux), against the real Engine
//! and Compose, on the bundled demo stack under this test's own project name:
//! open it; bring the stack up with `u`; every service reaches healthy on screen; make one
//! unhealthy and see it change; select it and see its log lines; `D` with a wrong name
//! deletes nothing, with the right name deletes the planned volume and keeps the external
//! one with its data; quit; the terminal is back in cooked mode on the main screen.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::cleanup::Cleanup;
use common::docker::{docker_ok, volume_exists};
use common::tmux::{Timeout, Tmux, line_with, row};

const NAME: &str = "devctl-it-tui-e2e";
const EXTERNAL: &str = "devctl-it-tui-e2e-dbdata";
const API_PORT: &str = "18520";
const DB_PORT: &str = "18521";

fn devctl() -> &'static str {
    env!("CARGO_BIN_EXE_devctl")
}

#[test]
fn dashboard_on_the_demo_stack() {
    let cache = format!("{NAME}_cache");
    let _cleanup = Cleanup::new(NAME)
        .keep_volumes()
        .timeout(1)
        .volume(&cache)
        .volume(EXTERNAL);
    let xdg = tempfile::tempdir().expect("tempdir");
    let out = Command::new(devctl())
        .args(["demo", "path"])
        .env("XDG_DATA_HOME", xdg.path())
        .output()
        .expect("devctl demo path");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();

    // The external volume holds data that must survive.
    docker_ok(&["volume", "create", EXTERNAL]);
    docker_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        &format!("{EXTERNAL}:/data"),
        "busybox:stable",
        "sh",
        "-c",
        "echo precious > /data/keep.txt",
    ]);

    let t = Tmux::new("e2e", 140, 45, std::path::Path::new(&dir));
    t.line(&format!(
        "export XDG_DATA_HOME={} DEMO_API_PORT={API_PORT} DEMO_DB_PORT={DB_PORT} DEMO_DB_VOLUME={EXTERNAL}",
        xdg.path().display()
    ));
    t.line(&format!(
        "clear; echo BEFORE-DASHBOARD; {} -p {NAME}; echo DEVCTL-EXIT=$?",
        devctl()
    ));
    let s = t.wait_text("● connected", Duration::from_secs(20));
    assert!(s.contains(&format!("devctl │ {NAME} │ env dev")), "{s}");
    assert!(
        s.contains("files docker-compose.yml → docker-compose.dev.yml"),
        "{s}"
    );
    // "connected" may be drawn a frame before the first listing fills the table.
    t.wait_for("flaky not created", Duration::from_secs(20), |s| {
        row(s, "flaky").contains("not created")
    })
    .map_err(Timeout)
    .expect("the table shows the services not created yet");

    // Up, from the dashboard; every service reaches healthy on screen.
    t.keys(&["u"]);
    let healthy = |s: &str| {
        ["api", "cache", "db", "flaky"]
            .iter()
            .all(|svc| row(s, svc).contains(" healthy"))
            && row(s, "worker").contains("running")
    };
    let s = t
        .wait_for("every service healthy", Duration::from_secs(120), healthy)
        .map_err(Timeout)
        .expect("healthy");
    assert!(
        s.contains("up all services"),
        "the operation shows in the operations pane:\n{s}"
    );

    // Make flaky unhealthy (and say so in its log).
    docker_ok(&[
        "exec",
        &format!("{NAME}-flaky-1"),
        "sh",
        "-c",
        "touch /tmp/unhealthy; echo 'flaky: marked unhealthy by the e2e test' > /proc/1/fd/1",
    ]);
    t.wait_for("flaky unhealthy", Duration::from_secs(30), |s| {
        row(s, "flaky").contains("unhealthy")
    })
    .map_err(Timeout)
    .expect("flaky unhealthy");

    // Select it: its log lines.
    for _ in 0..10 {
        if t.screen().contains("▶flaky") {
            break;
        }
        t.keys(&["j"]);
    }
    let s = t.wait_text("Logs · flaky", Duration::from_secs(5));
    assert!(
        row(&s, "flaky").contains("▶flaky") || s.contains("▶flaky"),
        "{s}"
    );
    t.wait_text(
        "flaky: marked unhealthy by the e2e test",
        Duration::from_secs(15),
    );

    // D: the plan; a wrong name deletes nothing.
    t.keys(&["D"]);
    let s = t.wait_text("DELETE VOLUME DATA?", Duration::from_secs(30));
    assert!(
        line_with(&s, &cache).is_some_and(|l| l.contains('✗')),
        "the named volume is planned:\n{s}"
    );
    assert!(
        line_with(&s, EXTERNAL).is_some_and(|l| l.contains('✓')),
        "the external volume is kept:\n{s}"
    );
    t.text("wrong-name");
    t.keys(&["Enter"]);
    t.wait_text("does not match", Duration::from_secs(5));
    assert!(volume_exists(&cache) && volume_exists(EXTERNAL));
    let running = docker_ok(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={NAME}"),
    ]);
    assert_eq!(running.lines().count(), 5, "nothing was stopped");

    // The right name: the planned volume goes, the external one stays with its data.
    t.keys(&["C-u"]);
    t.text(NAME);
    t.keys(&["Enter"]);
    t.wait_text("`down + delete volumes` finished", Duration::from_secs(90));
    let s = t.screen();
    assert!(s.contains(&format!("removed volume {cache}")), "{s}");
    assert!(!volume_exists(&cache), "the planned volume is gone");
    assert!(volume_exists(EXTERNAL), "the external volume is kept");
    let kept = docker_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        &format!("{EXTERNAL}:/data:ro"),
        "busybox:stable",
        "cat",
        "/data/keep.txt",
    ]);
    assert_eq!(kept, "precious");
    t.wait_for("services gone", Duration::from_secs(20), |s| {
        row(s, "api").contains("not created")
    })
    .map_err(Timeout)
    .expect("the table follows the Engine");

    // Quit: cooked mode, main screen.
    t.keys(&["q"]);
    let s = t
        .wait_for("devctl to exit", Duration::from_secs(15), |s| {
            s.lines().any(|l| l.starts_with("DEVCTL-EXIT="))
        })
        .map_err(Timeout)
        .expect("exit");
    assert!(s.lines().any(|l| l == "DEVCTL-EXIT=0"), "{s}");
    assert!(s.contains("BEFORE-DASHBOARD"), "{s}");
    assert!(!t.alternate_on());
    t.line("echo \"STTY:$(stty -a | tr ' ;' '\\n\\n' | grep -x -e -icanon -e icanon -e -echo -e echo | tr '\\n' ' ')\"");
    let s = t
        .wait_for("stty", Duration::from_secs(5), |s| {
            s.lines().any(|l| l.starts_with("STTY:"))
        })
        .map_err(Timeout)
        .expect("stty");
    let l = s
        .lines()
        .find(|l| l.starts_with("STTY:"))
        .unwrap_or_default();
    let words: Vec<&str> = l.trim_start_matches("STTY:").split_whitespace().collect();
    assert!(words.contains(&"icanon") && words.contains(&"echo"), "{l}");
}

/// Issue 11: the dashboard's `u` on a stack whose database probe never passes: Compose stops
/// with "dependency failed to start", and the operation says which service failed and which
/// were left unstarted, with the `depends_on` condition and the file that declared it.
#[test]
fn dashboard_up_names_the_services_a_failed_dependency_left_unstarted() {
    let name = format!("dvwt-tui-{}", std::process::id());
    let _cleanup = Cleanup::new(&name).prefix("dvwt-").timeout(0).now();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            r#"name: {name}
services:
  db:
    image: busybox:stable
    init: true
    command: ["sleep", "3600"]
    healthcheck:
      test: ["CMD-SHELL", "echo 'db: no response'; exit 2"]
      interval: 1s
      retries: 2
  api:
    image: busybox:stable
    init: true
    command: ["sleep", "3600"]
    depends_on:
      db:
        condition: service_healthy
"#
        ),
    )
    .expect("compose file");
    let t = Tmux::new("dvwt-up", 160, 45, dir.path());
    t.line(&format!("clear; {}; echo DEVCTL-EXIT=$?", devctl()));
    t.wait_text("● connected", Duration::from_secs(20));
    // A key pressed while the dashboard is still setting its input up may be lost: press `u`
    // until the operation shows.
    t.press_until("u", "up all services", Duration::from_secs(3), 5);
    let s = t
        .wait_for("the diagnosis", Duration::from_secs(60), |s| {
            s.contains("api  not started: waits for db")
        })
        .map_err(Timeout)
        .expect("diagnosis on screen");
    assert!(
        s.contains("(`condition: service_healthy` in compose.yaml)"),
        "{s}"
    );
    assert!(s.contains("because db is unhealthy"), "{s}");
    t.keys(&["q"]);
}

/// Issue 16 through the dashboard's keys: a volume that another layer (the dev override)
/// declares external is kept by `D` opened in the base environment, even after the project
/// name is typed; the other volume goes. And `u` on a volume whose configuration changed
/// (Compose would ask "Recreate (data will be lost)?") keeps the data: the dashboard's Compose
/// gets no standard input, and its Engine calls pass devctl's guard.
#[test]
fn dashboard_keys_keep_volumes_other_layers_protect() {
    let name = format!("dvguard-tui-{}", std::process::id());
    let db = format!("{name}-db");
    let cache = format!("{name}_cache");
    let _cleanup = Cleanup::new(&name)
        .prefix("dvguard-")
        .volume(&db)
        .volume(&cache)
        .timeout(0)
        .now();
    let dir = tempfile::tempdir().expect("tempdir");
    let base = |labels: &str| {
        format!(
            r#"name: {name}
services:
  app:
    image: busybox:stable
    init: true
    command: ["sleep", "3600"]
    volumes: ["db:/db", "cache:/cache"]
volumes:
  db:
    name: {db}
  cache:{labels}
"#
        )
    };
    std::fs::write(dir.path().join("compose.yaml"), base(" {}")).expect("compose file");
    std::fs::write(
        dir.path().join("compose.dev.yaml"),
        format!("volumes:\n  db:\n    name: {db}\n    external: true\n"),
    )
    .expect("dev layer");
    let up = Command::new("docker")
        .args(["compose", "up", "-d"])
        .current_dir(dir.path())
        .output()
        .expect("compose up");
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    for v in [&db, &cache] {
        docker_ok(&[
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            &format!("{v}:/v"),
            "busybox:stable",
            "sh",
            "-c",
            "echo precious > /v/keep.txt",
        ]);
    }
    let read = |v: &str| {
        docker_ok(&[
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            &format!("{v}:/v:ro"),
            "busybox:stable",
            "cat",
            "/v/keep.txt",
        ])
    };
    // The cache volume's configuration changes: Compose would recreate it on `up -y`.
    std::fs::write(
        dir.path().join("compose.yaml"),
        base("\n    labels:\n      changed: \"yes\""),
    )
    .expect("compose file");
    let t = Tmux::new("dvguard-tui", 160, 45, dir.path());
    t.line(&format!("clear; {}; echo DEVCTL-EXIT=$?", devctl()));
    t.wait_text("● connected", Duration::from_secs(20));
    t.press_until("u", "up all services", Duration::from_secs(3), 5);
    t.wait_for("up to end", Duration::from_secs(60), |s| {
        s.contains("up all services · done") || s.contains("up all services · failed")
    })
    .map_err(Timeout)
    .expect("the up operation ends");
    assert_eq!(
        read(&cache),
        "precious",
        "`u` kept the changed volume's data"
    );

    t.keys(&["D"]);
    let s = t.wait_text("DELETE VOLUME DATA?", Duration::from_secs(30));
    assert!(
        line_with(&s, &db).is_some_and(|l| l.contains('✓')),
        "the volume the dev layer declares external is kept:\n{s}"
    );
    t.text(&name);
    t.keys(&["Enter"]);
    t.wait_text("`down + delete volumes` finished", Duration::from_secs(90));
    assert_eq!(read(&db), "precious", "the protected volume kept its data");
    assert!(!volume_exists(&cache), "the planned volume is gone");
    t.keys(&["q"]);
}

/// The number after `marker` in `s` (`failing ×12` → 12), the largest when it occurs often.
fn number_after(s: &str, marker: &str) -> Option<u64> {
    s.split(marker)
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .max()
}

/// Issue 18: the Engine says `health_status` only when the status flips, so the table froze
/// at `failing ×2` while the Engine's streak went on. Now the dashboard's streak follows the
/// Engine's `State.Health.FailingStreak` (read here with `docker inspect`) within one probe
/// interval, over more than 10 probes, and the details show the newest probe's output (the
/// probe prints its own run number).
#[test]
fn dashboard_streak_and_probe_output_follow_the_engine() {
    const INTERVAL: Duration = Duration::from_secs(1);
    let name = format!("devctl-it-h18tui-streak-{}", std::process::id());
    let _cleanup = Cleanup::new(&name)
        .prefix("devctl-it-h18tui-")
        .timeout(0)
        .now();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            r#"name: {name}
services:
  sick:
    image: busybox:stable
    pull_policy: never
    init: true
    command: ["sh", "-c", "echo 0 > /tmp/n; exec sleep 100000"]
    healthcheck:
      test: ["CMD-SHELL", "n=$$(($$(cat /tmp/n)+1)); echo $$n > /tmp/n; echo probe-$$n; exit 1"]
      interval: 1s
      timeout: 2s
      retries: 2
"#
        ),
    )
    .expect("compose file");
    let up = Command::new("docker")
        .args(["compose", "up", "-d"])
        .current_dir(dir.path())
        .output()
        .expect("compose up");
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let container = format!("{name}-sick-1");
    let engine_streak = || {
        let s = docker_ok(&[
            "inspect",
            "--format",
            "{{.State.Health.FailingStreak}}",
            &container,
        ]);
        s.parse::<u64>().unwrap_or_else(|_| panic!("streak {s:?}"))
    };

    let t = Tmux::new("h18tui-streak", 120, 30, dir.path());
    t.line(&format!("clear; {}; echo DEVCTL-EXIT=$?", devctl()));
    t.wait_for("sick unhealthy", Duration::from_secs(30), |s| {
        row(s, "sick").contains("unhealthy")
    })
    .map_err(Timeout)
    .expect("the table shows sick unhealthy");

    // Over more than 10 probes: whatever the Engine said one interval ago, the screen says
    // at least that now; and never more than the Engine says after it.
    let mut engine: Vec<(Instant, u64)> = Vec::new();
    let first = engine_streak();
    let mut shown = Vec::new();
    let start = Instant::now();
    loop {
        let e = engine_streak();
        engine.push((Instant::now(), e));
        let at = Instant::now();
        let s = t.screen();
        let n = number_after(row(&s, "sick"), "failing ×")
            .unwrap_or_else(|| panic!("no streak on the row of sick:\n{s}"));
        let after = engine_streak();
        assert!(
            n <= after,
            "the screen ({n}) is ahead of the Engine ({after}):\n{s}"
        );
        if let Some(&(_, due)) = engine.iter().rev().find(|(t0, _)| *t0 + INTERVAL <= at) {
            assert!(
                n >= due,
                "the Engine's streak was {due} more than {INTERVAL:?} ago; the screen says {n}:\n{s}"
            );
        }
        shown.push(n);
        if after >= first + 11 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the Engine's streak did not advance: {engine:?}"
        );
        std::thread::sleep(Duration::from_millis(150));
    }
    shown.dedup();
    assert!(
        shown.len() >= 10,
        "the screen followed every probe: {shown:?}"
    );

    // Details: the newest probe's output, still following.
    t.press_until("j", "▶sick", Duration::from_secs(1), 5);
    t.press_until("Enter", "health-check history", Duration::from_secs(2), 3);
    for _ in 0..2 {
        let due = engine_streak();
        std::thread::sleep(INTERVAL + Duration::from_millis(200));
        let s = t.screen();
        let newest = number_after(&s, "probe-").unwrap_or(0);
        let now = engine_streak();
        assert!(
            newest >= due && newest <= now,
            "the details' newest probe is probe-{newest}; the Engine's streak went {due} → {now}:\n{s}"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    t.keys(&["Escape", "q"]);
    t.wait_text("DEVCTL-EXIT=0", Duration::from_secs(10));
}

/// Issue 14 in the dashboard: `W` starts watch (header marker, events in the operations pane),
/// the log pane keeps following `api` across a watch-caused restart, `:` with Tab completion
/// runs a project command, a key-bound project command runs, `?` lists them, `W` stops watch.
#[test]
fn dashboard_watch_and_project_commands() {
    let name = format!("devctl-it-h14-tui-{}", std::process::id());
    let image = format!("{name}-api");
    let _cleanup = Cleanup::new(&name)
        .prefix("devctl-it-h14-")
        .timeout(0)
        .now();
    struct Image(String);
    impl Drop for Image {
        fn drop(&mut self) {
            let _ = Command::new("docker")
                .args(["image", "rm", "-f", &self.0])
                .output();
        }
    }
    let _image = Image(image.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let put = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    put(
        "compose.yaml",
        &format!(
            r#"name: {name}
services:
  api:
    build: .
    image: {image}
    init: true
    command: ["sh", "-c", "echo api-up-$$(cat /proc/sys/kernel/random/uuid | cut -c1-8); sleep 100000"]
    develop:
      watch:
        - action: sync
          path: ./app
          target: /srv/app
        - action: sync+restart
          path: ./cfg
          target: /srv/cfg
"#
        ),
    );
    put("Dockerfile", "FROM devctl-test/busybox:latest\n");
    put("app/index.txt", "v1\n");
    put("cfg/c.txt", "c1\n");
    put(
        "devctl.yaml",
        "commands:\n  hello: {service: api, exec: \"echo said-hello\", key: H}\n  greet: {run_host: \"echo greeted-from-host\"}\n  tty: {service: api, exec: \"test -t 0 && echo tty-ok-in-api; sleep 2\", interactive: true, key: I}\n",
    );
    let up = Command::new("docker")
        .args(["compose", "up", "-d", "--build"])
        .current_dir(dir.path())
        .output()
        .expect("compose up");
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );

    // The service commands the dashboard runs by key are trusted first (`devctl do` asks;
    // `tty` is interactive, so without a terminal it is trusted, then refused).
    for (name, code) in [("hello", 0), ("tty", 2)] {
        let out = Command::new(devctl())
            .args(["do", name, "--trust"])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("devctl do");
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let t = Tmux::new("h14", 150, 45, dir.path());
    t.line(&format!("clear; {}; echo DEVCTL-EXIT=$?", devctl()));
    t.wait_text("● connected", Duration::from_secs(20));
    t.press_until("W", "WATCH", Duration::from_secs(3), 5);
    t.wait_text("watching for changes", Duration::from_secs(60));
    // Follow api's logs (the first service row).
    t.keys(&["j"]);
    t.wait_text("api-up-", Duration::from_secs(20));

    put("app/index.txt", "v2\n");
    t.wait_text("api: sync app/index.txt (", Duration::from_secs(60));
    put("cfg/c.txt", "c2\n");
    t.wait_text("api: sync+restart cfg/c.txt (", Duration::from_secs(60));
    // The restarted container's first line shows in the followed log pane.
    t.wait_for("two api-up lines", Duration::from_secs(30), |s| {
        s.matches("api-up-").count() >= 2
    })
    .map_err(Timeout)
    .expect("the log pane follows api across the restart");

    // A `run_host` text nobody trusted yet does not run from the dashboard: it points to
    // `devctl do`, which shows the text and asks (here `--trust`, without a terminal).
    t.keys(&[":"]);
    t.text("greet");
    t.keys(&["Enter"]);
    t.wait_text("not trusted yet", Duration::from_secs(30));
    let trusted = Command::new(devctl())
        .args(["do", "greet", "--trust"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("devctl do");
    assert!(
        trusted.status.success()
            && String::from_utf8_lossy(&trusted.stdout).contains("greeted-from-host"),
        "{}{}",
        String::from_utf8_lossy(&trusted.stdout),
        String::from_utf8_lossy(&trusted.stderr)
    );
    // `:` + Tab completion runs a project command; a key-bound one runs by its key.
    t.keys(&[":"]);
    t.text("gr");
    t.keys(&["Tab"]);
    t.wait_text(":greet", Duration::from_secs(5));
    t.keys(&["Enter"]);
    t.wait_text("greeted-from-host", Duration::from_secs(30));
    t.keys(&["H"]);
    t.wait_text("said-hello", Duration::from_secs(30));

    // An interactive `exec` gets the terminal (the dashboard suspends, then comes back).
    t.keys(&["I"]);
    t.wait_text("tty-ok-in-api", Duration::from_secs(30));
    t.wait_text("shell in `api` exited (0)", Duration::from_secs(30));

    // `?` lists them.
    t.keys(&["?"]);
    let s = t.wait_text("Dev loop and project commands", Duration::from_secs(5));
    assert!(s.contains("H / :hello") && s.contains(":greet"), "{s}");
    t.keys(&["Escape"]);

    t.keys(&["W"]);
    t.wait_for("watch off", Duration::from_secs(30), |s| {
        !s.contains("WATCH")
    })
    .map_err(Timeout)
    .expect("watch stops");
    t.keys(&["q"]);
    t.wait_text("DEVCTL-EXIT=0", Duration::from_secs(10));
}
