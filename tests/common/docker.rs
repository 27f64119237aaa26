//! The docker CLI, run against the shared Engine (or `DOCKER_HOST` of the test process).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// `docker ARGS`; the output whatever the exit status.
pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run docker")
}

/// Like [`docker`], but the test fails when the command does.
pub fn docker_checked(args: &[&str]) -> Output {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `docker ARGS`, asserting success; its trimmed stdout.
pub fn docker_ok(args: &[&str]) -> String {
    String::from_utf8_lossy(&docker_checked(args).stdout)
        .trim()
        .to_string()
}

/// `docker ARGS`; `Some(trimmed stdout)` on success, `None` when it fails or cannot run.
pub fn docker_try(args: &[&str]) -> Option<String> {
    let out = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Whether the volume `name` exists.
pub fn volume_exists(name: &str) -> bool {
    docker(&["volume", "inspect", name]).status.success()
}

/// Write `content` to `/file` of a volume (created if missing) through a throwaway container
/// without a network.
pub fn put_file(volume: &str, content: &str) {
    docker_checked(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--network",
        "none",
        "-v",
        &format!("{volume}:/v"),
        super::IMAGE,
        "sh",
        "-c",
        &format!("printf '%s' '{}' > /v/file", content.replace('\'', "")),
    ]);
}

/// `/file` of a volume, read by a throwaway read-only container (`None`: no such volume).
pub fn file_in(volume: &str) -> Option<String> {
    if !volume_exists(volume) {
        return None;
    }
    let out = docker_checked(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--network",
        "none",
        "-v",
        &format!("{volume}:/v:ro"),
        super::IMAGE,
        "cat",
        "/v/file",
    ]);
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The container id of `service` in `project` (one replica), running or not.
pub fn container_of(project: &str, service: &str) -> String {
    docker_ok(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--filter",
        &format!("label=com.docker.compose.service={service}"),
    ])
}

/// `docker inspect -f FORMAT CONTAINER`, asserting success.
pub fn inspect(container: &str, format: &str) -> String {
    docker_ok(&["inspect", "-f", format, container])
}

/// The absolute path of `program` on the test process's PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(program))
            .find(|c| c.is_file())
    })
}

/// `docker compose ARGS` run in `dir` (stdin /dev/null); fails the test when Compose fails.
pub fn compose_in(dir: &std::path::Path, args: &[&str]) -> Output {
    let out = Command::new("docker")
        .arg("compose")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("docker compose runs");
    assert!(
        out.status.success(),
        "docker compose {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// How many containers carry project `name`'s label: running ones, or with `all` in any state.
pub fn project_containers(name: &str, all: bool) -> usize {
    let filter = format!("label=com.docker.compose.project={name}");
    let mut args = vec!["ps", "-q", "--filter", &filter];
    if all {
        args.push("-a");
    }
    let out = docker_checked(&args);
    String::from_utf8_lossy(&out.stdout).lines().count()
}
