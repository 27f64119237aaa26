//! `up --wait` on the real Engine and Compose v2: the demo stack and a stack modelled on the
//! seeds (docker/ folder, base + dev + prod, API + worker + postgres-like + redis-like, an
//! external database volume) come up healthy and exit 0; a service whose probe can never pass
//! makes `up --wait` exit 5 within its timeout and shows the probe's output.

mod common;

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
