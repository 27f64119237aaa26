//! A standalone Docker Compose v2 (`docker-compose` on PATH, no `docker compose` plugin):
//! devctl detects it and drives the stack with it end to end (`up --wait`, `ps`, `down`).
//! The standalone binary is the test bed's real Compose v2.40.3 plugin binary, which also runs
//! on its own; a `docker` shim on PATH hides the plugin. Project `devctl-it-compose-standalone`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::cleanup::Cleanup;

const PROJECT: &str = "devctl-it-compose-standalone";

fn plugin_binary() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    Path::new(&home).join(".docker/cli-plugins/docker-compose")
}

fn write_exec(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn devctl(dir: &Path, path: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_devctl"))
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .stdin(Stdio::null())
        .output()
        .expect("devctl runs")
}

#[test]
fn standalone_compose_v2_drives_the_stack() {
    let plugin = plugin_binary();
    assert!(
        plugin.is_file(),
        "the test bed's Compose is at {}",
        plugin.display()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    // `docker` without the compose plugin; everything else is the real docker CLI.
    let real_docker = String::from_utf8_lossy(
        &Command::new("sh")
            .args(["-c", "command -v docker"])
            .output()
            .expect("sh")
            .stdout,
    )
    .trim()
    .to_string();
    write_exec(
        &bin.join("docker"),
        &format!(
            "#!/bin/sh\nif [ \"$1\" = compose ]; then echo \"docker: 'compose' is not a docker command.\" >&2; exit 1; fi\nexec {real_docker} \"$@\"\n"
        ),
    );
    std::os::unix::fs::symlink(&plugin, bin.join("docker-compose")).expect("symlink");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let proj = dir.path().join("p");
    std::fs::create_dir_all(&proj).expect("p");
    std::fs::write(
        proj.join("compose.yaml"),
        format!(
            "name: {PROJECT}\nservices:\n  app:\n    image: devctl-test/busybox:latest\n    \
             pull_policy: never\n    init: true\n    command: [\"sleep\", \"300\"]\n    \
             healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 1s\n"
        ),
    )
    .expect("compose.yaml");
    let _c = Cleanup::new(PROJECT).keep_volumes().in_dir(&proj);

    let out = devctl(&proj, &path, &["up", "--wait=60s"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // The command line devctl ran: the standalone program, no `compose` subcommand word.
    let plus = err.lines().find(|l| l.starts_with("+ ")).unwrap_or("");
    assert!(plus.starts_with("+ docker-compose "), "{err}");
    assert!(!plus.contains("docker compose"), "{err}");

    let out = devctl(&proj, &path, &["ps", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["services"][0]["status"], "healthy", "{v:#}");
    assert_eq!(
        v["services"][0]["containers"][0]["name"],
        format!("{PROJECT}-app-1")
    );

    let out = devctl(&proj, &path, &["down"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let left = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={PROJECT}"),
        ])
        .output()
        .expect("docker ps");
    assert!(left.stdout.is_empty(), "containers left after down");
}
