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
