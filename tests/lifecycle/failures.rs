//! Engine down, Docker socket missing, Engine hung, Compose missing: a clear error and the
//! documented exit code, never a hang. (Timings are printed, not asserted; the hang guard
//! only catches runs that never end.)

use crate::common;

use std::time::Duration;

use common::docker::which;
use common::lifecycle::*;

const GUARD: Duration = Duration::from_secs(15);

fn demo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    demo_tree(dir.path());
    dir
}

/// Run each lifecycle command against `env`; each must exit with `want` and say `needle`.
fn expect_all(env: &Opts, project: &str, want: i32, needle: &str) {
    let commands: [&[&str]; 5] = [
        &["up"],
        &["restart", "api"],
        &["exec", "api", "true"],
        &["compose", "--", "ps"],
        &["--prod", "stop"],
    ];
    for args in commands {
        let mut all = vec!["-p", project];
        all.extend_from_slice(args);
        let r = devctl_limit(env, &all, GUARD);
        eprintln!("devctl {all:?}: exit {:?} in {:?}", r.code, r.elapsed);
        assert_eq!(r.code, Some(want), "{args:?}\n{}", r.dump());
        assert!(r.stderr.contains(needle), "{args:?}\n{}", r.dump());
        assert!(r.plus_lines().is_empty(), "Compose was run: {}", r.dump());
    }
}

#[test]
fn engine_socket_missing_exits_6() {
    let dir = demo_dir();
    let project = format!("{PREFIX}nosock");
    let _c = cleanup(&project, &[]);
    let env = Opts::new(dir.path()).with("DOCKER_HOST", "unix:///nonexistent.sock");
    expect_all(
        &env,
        &project,
        6,
        "cannot reach the Docker Engine at unix:///nonexistent.sock",
    );

    // `--dry-run` still prints the command line (the drift check is skipped silently).
    let r = devctl_limit(&env, &["-p", &project, "--dry-run", "up"], GUARD);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert_eq!(r.plus_lines().len(), 1, "{}", r.dump());
    assert!(!r.stderr.contains("error"), "{}", r.dump());
}

#[test]
fn engine_down_with_stale_socket_exits_6() {
    let dir = demo_dir();
    let sock = dir.path().join("docker.sock");
    // A socket file nobody listens on: what a crashed dockerd leaves behind.
    drop(std::os::unix::net::UnixListener::bind(&sock).expect("bind"));
    let project = format!("{PREFIX}stale");
    let _c = cleanup(&project, &[]);
    let host = format!("unix://{}", sock.display());
    let env = Opts::new(dir.path()).with("DOCKER_HOST", &host);
    expect_all(&env, &project, 6, "cannot reach the Docker Engine");
}

#[test]
fn engine_that_never_answers_exits_6() {
    let dir = demo_dir();
    let sock = dir.path().join("hung.sock");
    // Accepts connections and never answers.
    let listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
    let _accept = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let project = format!("{PREFIX}hung");
    let _c = cleanup(&project, &[]);
    let host = format!("unix://{}", sock.display());
    let env = Opts::new(dir.path()).with("DOCKER_HOST", &host);
    expect_all(&env, &project, 6, "Docker Engine");
}

#[test]
fn compose_missing_from_path_exits_7() {
    let dir = demo_dir();
    let empty = tempfile::tempdir().expect("tempdir");
    let project = format!("{PREFIX}nocompose");
    let _c = cleanup(&project, &[]);
    let path = empty.path().display().to_string();
    let env = Opts::new(dir.path()).with("PATH", &path);
    expect_all(&env, &project, 7, "Docker Compose was not found");
    let r = devctl_limit(&env, &["-p", &project, "up"], GUARD);
    assert!(
        r.stderr
            .contains("hint: install the Docker Compose v2 plugin"),
        "{}",
        r.dump()
    );
}

#[test]
fn compose_plugin_missing_from_home_exits_7() {
    let dir = demo_dir();
    let home = tempfile::tempdir().expect("tempdir");
    let project = format!("{PREFIX}noplugin");
    let _c = cleanup(&project, &[]);
    // The docker CLI is there, but neither the plugin (it lives under $HOME/.docker) nor a
    // standalone docker-compose is.
    let docker = which("docker").expect("docker on PATH");
    let bin = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(&docker, bin.path().join("docker")).expect("symlink");
    let env = Opts::new(dir.path())
        .with("HOME", &home.path().display().to_string())
        .with("PATH", &bin.path().display().to_string());
    expect_all(&env, &project, 7, "Docker Compose was not found");
}

/// `up`, `run` and `create` with an external volume that does not exist: devctl says so before
/// Compose runs (exit 1, nothing created) and names the exact `docker volume create`; `--dry-run`
/// warns and still prints the command; once the volume exists, `up` works.
#[test]
fn missing_external_volume_names_the_create_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = format!("devctl-it-h18env-{}-extvol", std::process::id());
    let volume = format!("{project}-pgdata");
    let file = format!(
        "services:\n  db:\n    image: {img}\n    command: [\"sleep\", \"600\"]\n    volumes: [pgdata:/data]\n  api:\n    image: {img}\n    command: [\"sleep\", \"600\"]\n    depends_on: [db]\n  tool:\n    image: {img}\n    command: [\"sleep\", \"600\"]\nvolumes:\n  pgdata:\n    external: true\n    name: ${{PG_VOLUME}}\n",
        img = common::IMAGE
    );
    write_tree(dir.path(), &[("docker/docker-compose.yml", file.as_str())]);
    let _c = Cleanup::new(&project)
        .prefix("devctl-it-h18env-")
        .in_dir(dir.path())
        .volume(&volume)
        .now();
    let env = Opts::new(dir.path())
        .with("COMPOSE_PROJECT_NAME", &project)
        .with("PG_VOLUME", &volume);
    let message = format!(
        "devctl: error: external volume `{volume}` (`volumes.pgdata` in docker/docker-compose.yml, \
         mounted by db) does not exist; Compose never creates external volumes\n  hint: create it \
         with `docker volume create {volume}`, then run the command again (restore the data first \
         if there was any); `devctl doctor` checks every external volume\n"
    );
    // `api` needs it through its dependency on `db`; `run` and `create` too.
    for args in [
        &["up"][..],
        &["up", "api"],
        &["run", "--rm", "api", "true"],
        &["compose", "--", "create"],
    ] {
        let r = devctl_limit(&env, args, GUARD);
        assert_eq!(r.code, Some(1), "{args:?}\n{}", r.dump());
        assert_eq!(r.stderr, message, "{args:?}\n{}", r.dump());
        assert_eq!(
            container_of(&project, "db"),
            "",
            "{args:?} created containers"
        );
    }
    // A service that does not mount it starts as usual.
    let r = devctl_limit(&env, &["up", "tool"], GUARD);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert_ne!(container_of(&project, "tool"), "");
    // `--dry-run`: a warning, and the command line as usual.
    let r = devctl_limit(&env, &["--dry-run", "up"], GUARD);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(
        r.stderr
            .starts_with(&message.replacen("devctl: error:", "devctl: warning:", 1)),
        "{}",
        r.dump()
    );
    assert_eq!(r.plus_lines().len(), 1, "{}", r.dump());
    // The named next step works.
    docker_ok(&["volume", "create", &volume]);
    let r = devctl_limit(&env, &["up"], GUARD);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(!r.stderr.contains("does not exist"), "{}", r.dump());
    assert_ne!(container_of(&project, "db"), "");
}
