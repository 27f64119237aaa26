//! `up --wait` on the real Engine and Compose v2: the demo stack and a stack modelled on the
//! seeds (docker/ folder, base + dev + prod, API + worker + postgres-like + redis-like, an
//! external database volume) come up healthy and exit 0; a service whose probe can never pass
//! makes `up --wait` exit 5 within its timeout and shows the probe's output.

use crate::common;

use std::time::Duration;

use common::lifecycle::*;

const SEED_BASE: &str = r#"# Modelled on seed 004 (docker/ layout; postgres data in an external volume).
name: antone
services:
  postgres:
    image: busybox:stable
    init: true
    command: ["sh", "-c", "mkdir -p /var/lib/postgresql/data && exec nc -ll -p 5432 -e echo accepting connections"]
    volumes:
      - postgres_data:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "nc -w 1 127.0.0.1 5432 </dev/null | grep -q accepting"]
      interval: 1s
      timeout: 3s
      retries: 5
      start_period: 5s
  redis:
    image: busybox:stable
    init: true
    command: ["nc", "-ll", "-p", "6379", "-e", "echo", "+PONG"]
    healthcheck:
      test: ["CMD-SHELL", "nc -w 1 127.0.0.1 6379 </dev/null | grep -q PONG"]
      interval: 1s
      timeout: 3s
      retries: 5
  backend-api:
    image: busybox:stable
    init: true
    command: ["sh", "-c", "mkdir -p /app && echo ok > /app/health && exec httpd -f -p 3001 -h /app"]
    ports:
      - "127.0.0.1:${API_PORT:-18360}:3001"
    depends_on:
      postgres:
        condition: service_healthy
      redis:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3001/health"]
      interval: 1s
      timeout: 3s
      retries: 5
      start_period: 5s
  backend-worker:
    image: busybox:stable
    init: true
    command: ["sh", "-c", "while true; do date > /tmp/heartbeat; echo \"worker NODE_ENV=$$NODE_ENV tick\"; sleep 1; done"]
    depends_on:
      backend-api:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/heartbeat"]
      interval: 1s
      timeout: 3s
      retries: 5
volumes:
  postgres_data:
    external: true
    name: ${PG_VOLUME:-antone_postgres_data}
"#;

const SEED_DEV: &str = "services:
  backend-api:
    environment:
      NODE_ENV: development
  backend-worker:
    environment:
      NODE_ENV: development
";

const SEED_PROD: &str = "services:
  backend-api:
    environment:
      NODE_ENV: production
    restart: unless-stopped
  backend-worker:
    environment:
      NODE_ENV: production
    restart: unless-stopped
";

fn all_healthy(project: &str, services: &[&str]) {
    for svc in services {
        let id = container_of(project, svc);
        assert_ne!(id, "", "{svc} has no container");
        let state = inspect(
            &id,
            "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
        );
        assert_eq!(state.trim(), "running healthy", "{svc}");
    }
}

#[test]
fn seed_like_stack_up_dev_wait_is_healthy() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(
        dir.path(),
        &[
            ("docker/docker-compose.yml", SEED_BASE),
            ("docker/docker-compose.dev.yml", SEED_DEV),
            ("docker/docker-compose.prod.yml", SEED_PROD),
        ],
    );
    let project = format!("{PREFIX}seed");
    let volume = format!("{project}-pgdata");
    let _c = cleanup(&project, &[&volume]);
    docker_ok(&["volume", "create", &volume]);
    let env = Opts::new(dir.path())
        .with("API_PORT", "18360")
        .with("PG_VOLUME", &volume);
    let r = devctl(&env, &["-p", &project, "--dev", "up", "--wait=60s"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(
        r.plus_lines()[0].contains("docker/docker-compose.dev.yml"),
        "{}",
        r.dump()
    );
    all_healthy(
        &project,
        &["postgres", "redis", "backend-api", "backend-worker"],
    );
    let env_of_api = docker_ok(&["exec", &container_of(&project, "backend-api"), "env"]);
    assert!(
        env_of_api.lines().any(|l| l == "NODE_ENV=development"),
        "{env_of_api}"
    );
}

#[test]
fn demo_stack_up_dev_wait_is_healthy() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo_tree(dir.path());
    let project = format!("{PREFIX}demowait");
    let volume = format!("{project}-dbdata");
    let _c = cleanup(&project, &[&volume]);
    docker_ok(&["volume", "create", &volume]);
    let env = demo_env(Opts::new(dir.path()), 18370, 18371, &volume);
    let r = devctl(&env, &["-p", &project, "--dev", "up", "--wait"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    all_healthy(&project, &["db", "cache", "api", "flaky"]);
    let worker = container_of(&project, "worker");
    assert_eq!(inspect(&worker, "{{.State.Status}}"), "running");
}

#[test]
fn failing_probe_exits_5_with_the_probe_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Seed 001's failure: the probe calls a program the image does not have.
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            r#"services:
  ok:
    image: busybox:stable
    init: true
    command: ["sleep", "3600"]
  broken:
    image: busybox:stable
    init: true
    command: ["sleep", "3600"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8080/health"]
      interval: 1s
      timeout: 2s
      retries: 2
"#,
        )],
    );
    let project = format!("{PREFIX}unhealthy");
    let _c = cleanup(&project, &[]);
    let env = Opts::new(dir.path());
    let r = devctl_limit(
        &env,
        &["-p", &project, "up", "--wait=20s"],
        Duration::from_secs(60),
    );
    eprintln!(
        "up --wait=20s on a failing probe: exit {:?} in {:?}",
        r.code, r.elapsed
    );
    assert_eq!(r.code, Some(5), "{}", r.dump());
    assert!(
        r.elapsed < Duration::from_secs(40),
        "ignored its timeout: {}",
        r.dump()
    );
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(all.contains("broken"), "{}", r.dump());
    assert!(
        all.contains("curl"),
        "the probe's output is missing: {}",
        r.dump()
    );
}

/// Time to ready counts from `up`, from the Engine's facts: a database Compose itself waited
/// for (`depends_on: service_healthy`) reads its real time, not the 0.1 s after `up -d`
/// returned. And an app that listens on 127.0.0.1 only is healthy (its probe runs inside) but
/// gets a warning: its published port cannot reach it (seed 004's OPS-001).
#[test]
fn time_to_ready_counts_from_up_and_loopback_apps_are_warned() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            r#"services:
  db:
    image: busybox:stable
    init: true
    command: ["sh", "-c", "sleep 3; touch /tmp/ready; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
  api:
    image: busybox:stable
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -h /www -p 127.0.0.1:8080"]
    ports: ["127.0.0.1:18380:8080"]
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:8080/"]
      interval: 1s
      retries: 30
"#,
        )],
    );
    let project = format!("{PREFIX}ttr");
    let _c = cleanup(&project, &[]);
    let env = Opts::new(dir.path());
    let r = devctl(&env, &["-p", &project, "up", "--wait=60s"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let secs = |svc: &str| -> f64 {
        let t = r
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{svc} ")))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|t| t.strip_suffix('s'))
            .and_then(|t| t.parse().ok());
        assert!(t.is_some(), "no time for {svc}: {}", r.dump());
        t.unwrap_or_default()
    };
    // db needs ≥ 3 s to become healthy; api only after db.
    assert!(secs("db") >= 2.5, "{}", r.dump());
    assert!(secs("api") >= secs("db"), "{}", r.dump());
    assert!(
        r.stdout
            .contains("⚠ api listens on 127.0.0.1:8080 only, inside its container"),
        "{}",
        r.dump()
    );
    assert!(!r.stdout.contains("⚠ db"), "{}", r.dump());
}

/// A project name of these new tests: `dvwt-SUFFIX-PID` (unique per run: two runs of the
/// suite on one Engine cannot collide), removed on drop and right away.
fn dvwt(suffix: &str) -> (String, Cleanup) {
    let name = format!("dvwt-{suffix}-{}", std::process::id());
    let c = Cleanup::new(&name).prefix("dvwt-").now();
    (name, c)
}

/// The seed-like stack (base + dev), with postgres' probe and the API's probe replaced.
fn seed_with(dir: &std::path::Path, postgres: &str, api_probe: &str) {
    let pg_start = SEED_BASE.find("  postgres:\n").expect("postgres");
    let pg_end = SEED_BASE.find("  redis:\n").expect("redis");
    let mut base = format!(
        "{}{postgres}{}",
        &SEED_BASE[..pg_start],
        &SEED_BASE[pg_end..]
    );
    let api_probe_old =
        r#"["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3001/health"]"#;
    assert!(base.contains(api_probe_old));
    base = base.replace(api_probe_old, api_probe);
    write_tree(
        dir,
        &[
            ("docker/docker-compose.yml", base.as_str()),
            ("docker/docker-compose.dev.yml", SEED_DEV),
        ],
    );
}

/// A postgres whose probe can never pass: it logs a fatal error and its probe says so.
const PG_NEVER_READY: &str = r#"  postgres:
    image: busybox:stable
    init: true
    command: ["sh", "-c", "echo 'LOG:  starting PostgreSQL 16.4'; echo 'FATAL:  could not open file \"global/pg_filenode.map\": Permission denied'; exec sleep 3600"]
    volumes:
      - postgres_data:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "echo '/var/run/postgresql:5432 - no response'; exit 2"]
      interval: 1s
      timeout: 3s
      retries: 2
"#;

/// Issue 11: Compose's `up -d` aborts with "dependency failed to start: container … is
/// unhealthy"; devctl still diagnoses postgres from the Engine and names the services left
/// unstarted, with the `depends_on` condition and the file that declared it.
#[test]
fn unhealthy_dependency_is_diagnosed_when_compose_aborts() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed_with(
        dir.path(),
        PG_NEVER_READY,
        r#"["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3001/health"]"#,
    );
    let (project, mut c) = dvwt("pgdown");
    let volume = format!("{project}-pgdata");
    c.add_volume(&volume);
    docker_ok(&["volume", "create", &volume]);
    let env = Opts::new(dir.path())
        .with("API_PORT", "18961")
        .with("PG_VOLUME", &volume);
    let r = devctl_limit(
        &env,
        &["-p", &project, "--dev", "up", "--wait=60s"],
        Duration::from_secs(90),
    );
    assert_eq!(r.code, Some(5), "{}", r.dump());
    assert!(
        r.stderr.contains("dependency failed to start"),
        "not Compose's abort: {}",
        r.dump()
    );
    let out = &r.stdout;
    for want in [
        // postgres: state, probe output with its exit code, last log lines.
        "postgres: unhealthy",
        "exit 2] /var/run/postgresql:5432 - no response",
        "| FATAL:  could not open file",
        "| LOG:  starting PostgreSQL 16.4",
        // The services left unstarted, and why.
        "backend-api     not started: waits for postgres (`condition: service_healthy` in docker/docker-compose.yml)",
        "backend-worker  not started: waits for backend-api",
        "2 services were not started because postgres is unhealthy",
    ] {
        assert!(out.contains(want), "missing {want:?}: {}", r.dump());
    }
    let api = container_of(&project, "backend-api");
    assert_eq!(inspect(&api, "{{.State.Status}}"), "created");
}

/// The dependant's own probe failing (postgres and redis healthy): its probe output, and the
/// worker that waits for it is named as not started.
#[test]
fn the_dependants_own_failing_probe_is_still_diagnosed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pg_start = SEED_BASE.find("  postgres:\n").expect("postgres");
    let pg_end = SEED_BASE.find("  redis:\n").expect("redis");
    seed_with(
        dir.path(),
        &SEED_BASE[pg_start..pg_end],
        r#"["CMD", "curl", "-f", "http://127.0.0.1:3001/health"]"#,
    );
    let (project, mut c) = dvwt("apidown");
    let volume = format!("{project}-pgdata");
    c.add_volume(&volume);
    docker_ok(&["volume", "create", &volume]);
    let env = Opts::new(dir.path())
        .with("API_PORT", "18962")
        .with("PG_VOLUME", &volume);
    let r = devctl_limit(
        &env,
        &["-p", &project, "--dev", "up", "--wait=60s"],
        Duration::from_secs(90),
    );
    assert_eq!(r.code, Some(5), "{}", r.dump());
    assert!(r.stdout.contains("backend-api: unhealthy"), "{}", r.dump());
    assert!(r.stdout.contains("curl"), "probe output: {}", r.dump());
    assert!(
        r.stdout
            .contains("backend-worker  not started: waits for backend-api"),
        "{}",
        r.dump()
    );
}

/// A `service_completed_successfully` dependency that exits 3: its exit code and last log
/// lines; with `--wait` exit 5, without it Compose's own code, the diagnosis in both.
#[test]
fn failed_one_shot_dependency_shows_its_exit_code_and_last_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            r#"services:
  migrate:
    image: busybox:stable
    command: ["sh", "-c", "echo 'applying 0042_add_orders'; echo 'ERROR: relation \"orders\" already exists'; exit 3"]
  app:
    image: busybox:stable
    init: true
    command: ["sleep", "3600"]
    depends_on:
      migrate:
        condition: service_completed_successfully
"#,
        )],
    );
    let (project, _c) = dvwt("migrate");
    let env = Opts::new(dir.path());
    for (args, code) in [(vec!["up", "--wait=60s"], 5), (vec!["up"], 1)] {
        let mut argv = vec!["-p", project.as_str()];
        argv.extend(args);
        let r = devctl_limit(&env, &argv, Duration::from_secs(90));
        assert_eq!(r.code, Some(code), "{}", r.dump());
        for want in [
            "migrate: exited (code 3)",
            "exit code: 3",
            "| ERROR: relation \"orders\" already exists",
            "app      not started: waits for migrate (`condition: service_completed_successfully` in compose.yaml)",
        ] {
            assert!(r.stdout.contains(want), "missing {want:?}: {}", r.dump());
        }
    }
}

/// Issue 18: after `stop`, `up --wait` reported `healthy already` (the Engine keeps the
/// previous run's health log). Only probes since the current start count.
#[test]
fn stop_then_up_wait_is_not_ready_already() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            r#"services:
  api:
    image: busybox:stable
    init: true
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 3600"]
    # A fresh /tmp on every start: the file of the previous run cannot make an early probe
    # of this run pass (seen in CI: a probe 0.1 s after the start passed on the old file).
    tmpfs: [/tmp]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
"#,
        )],
    );
    let (project, _c) = dvwt("restart");
    let env = Opts::new(dir.path());
    let r = devctl(&env, &["-p", &project, "up", "--wait=60s"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    // A few passing probes in the health log, then stop.
    std::thread::sleep(Duration::from_secs(2));
    let r = devctl(&env, &["-p", &project, "stop"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let id = container_of(&project, "api");
    let log = inspect(&id, "{{len .State.Health.Log}}");
    assert!(
        log.trim().parse::<u32>().unwrap_or(0) >= 2,
        "no health log kept: {log}"
    );
    let r = devctl(&env, &["-p", &project, "up", "--wait=60s"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(!r.stdout.contains("already"), "{}", r.dump());
    let line = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("api "))
        .unwrap_or_default();
    let secs: f64 = line
        .split_whitespace()
        .last()
        .and_then(|t| t.strip_suffix('s'))
        .and_then(|t| t.parse().ok())
        .unwrap_or(-1.0);
    // The container sleeps 1 s before its probe can pass.
    assert!(secs >= 0.5, "{}", r.dump());
}

/// Issue 11: healthy, yet the published port leads nowhere (the app listens on 8080, the
/// file publishes 9090): `up --wait` and `status` warn, naming the service and the port.
#[test]
fn published_port_nothing_listens_on_is_warned() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            r#"services:
  api:
    image: busybox:stable
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -h /www -p 8080"]
    ports: ["127.0.0.1:18963:9090"]
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:8080/"]
      interval: 1s
      retries: 30
  db:
    image: busybox:stable
    init: true
    command: ["nc", "-ll", "-p", "5432", "-e", "echo", "ok"]
    ports: ["127.0.0.1:18964:5432"]
"#,
        )],
    );
    let (project, _c) = dvwt("noport");
    let env = Opts::new(dir.path());
    let want =
        "⚠ api: nothing listens on port 9090 inside its container (published as 127.0.0.1:18963)";
    let r = devctl(&env, &["-p", &project, "up", "--wait=60s"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(r.stdout.contains(want), "{}", r.dump());
    assert!(r.stdout.contains("it listens on 8080"), "{}", r.dump());
    assert!(!r.stdout.contains("⚠ db"), "{}", r.dump());
    let r = devctl(&env, &["-p", &project, "status"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(r.stdout.contains(want), "{}", r.dump());
    let r = devctl(&env, &["-p", &project, "status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let w = v["warnings"].to_string();
    assert!(w.contains("api: nothing listens on port 9090"), "{w}");
}

/// The probe targets :8080 while the app listens on :9090: the diagnosis says so, from the
/// container's own listeners, instead of only "listen on 0.0.0.0".
#[test]
fn failing_probe_names_the_port_the_app_listens_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            r#"services:
  api:
    image: busybox:stable
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo ok > /www/health && exec httpd -f -h /www -p 9090"]
    healthcheck:
      test: ["CMD-SHELL", "wget -q --spider http://localhost:8080/health || exit 1"]
      interval: 1s
      timeout: 2s
      retries: 2
"#,
        )],
    );
    let project = "devctl-it-h18ans-probeport";
    let _c = Cleanup::new(project).prefix("devctl-it-h18ans-").now();
    let env = Opts::new(dir.path());
    let r = devctl_limit(
        &env,
        &["-p", project, "up", "--wait=20s"],
        Duration::from_secs(60),
    );
    assert_eq!(r.code, Some(5), "{}", r.dump());
    let all = format!("{}{}", r.stdout, r.stderr);
    // busybox httpd listens on `::` (every IPv4 and IPv6 address).
    for said in [
        "hint: the probe targets :8080, but the app listens on :9090 (",
        "): point the probe at port 9090 (`healthcheck.test`), or make the app listen on 8080",
    ] {
        assert!(all.contains(said), "{said:?} missing: {}", r.dump());
    }
    assert!(
        !all.contains("check that the app listens on 0.0.0.0"),
        "{}",
        r.dump()
    );
}
