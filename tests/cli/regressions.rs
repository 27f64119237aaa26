//! Regression tests for bugs QA found, each driving the real binary (and, where the bug was at
//! the Compose boundary, the real Engine and Compose). Project names start with
//! `devctl-it-fixa-`; everything a test creates is removed by a Drop guard, even on failure.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::IMAGE;
use common::cleanup::Cleanup;
use common::devctl::Opts;
use common::docker::which;

/// Removes the project's containers, networks and volumes when dropped (and before use).
fn cleanup(project: &str) -> Cleanup {
    Cleanup::new(project).prefix("devctl-it-fixa-").now()
}

/// A temp project directory with a `compose.yaml` for `project` (one long-running `web`).
fn project_dir(project: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("devctl-fixa-")
        .tempdir()
        .expect("temp dir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            "name: {project}\nservices:\n  web:\n    image: {IMAGE}\n    pull_policy: never\n    \
             command: [\"sleep\", \"3600\"]\n    stop_grace_period: 1s\n"
        ),
    )
    .expect("write compose.yaml");
    dir
}

/// The environment every run gets: user dirs inside `dir`, none of the developer's settings.
fn base_command(dir: &Path) -> Command {
    Opts::isolated(dir, &dir.join(".state")).command::<&str>(&[])
}

/// Run devctl in a pseudo-terminal; everything it (and Compose) printed.
fn in_pty(mut cmd: Command, args: &[&str]) -> String {
    cmd.args(args);
    common::process::in_pty(cmd, 60_000)
}

/// SGR (colour) escape sequences in `text`.
fn sgr(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    for (i, w) in b.windows(2).enumerate() {
        if w != b"\x1b[" {
            continue;
        }
        let end = b[i + 2..]
            .iter()
            .position(|c| (0x40..=0x7e).contains(c))
            .map(|j| i + 2 + j);
        if let Some(e) = end.filter(|e| b[*e] == b'm') {
            found.push(String::from_utf8_lossy(&b[i..=e]).into_owned());
        }
    }
    found
}

/// `--no-color` / `NO_COLOR` reach Compose (`--ansi never`): in a terminal, Compose's own
/// progress output has no colour. The control run shows that Compose does colour it otherwise.
#[test]
fn no_color_turns_off_composes_colours_in_a_terminal() {
    let project = "devctl-it-fixa-color";
    let dir = project_dir(project);
    let _cleanup = cleanup(project);

    let control = in_pty(base_command(dir.path()), &["up"]);
    assert!(
        control.contains("Container") && !sgr(&control).is_empty(),
        "expected Compose to colour its output in a terminal:\n{control:?}"
    );
    let with_flag = in_pty(base_command(dir.path()), &["--no-color", "up"]);
    let mut env_cmd = base_command(dir.path());
    env_cmd.env("NO_COLOR", "1");
    let with_env = in_pty(env_cmd, &["up"]);
    for (label, out) in [("--no-color", with_flag), ("NO_COLOR=1", with_env)] {
        assert!(out.contains("--ansi never"), "[{label}] {out:?}");
        assert!(
            out.contains("Container"),
            "[{label}] Compose printed nothing: {out:?}"
        );
        assert_eq!(sgr(&out), Vec::<String>::new(), "[{label}] {out:?}");
    }
}

/// `devctl demo up` without Compose exits 7 (Compose missing) before it creates anything: the
/// demo's external volume must not exist afterwards.
#[test]
fn demo_up_without_compose_creates_nothing() {
    let project = "devctl-it-fixa-demo";
    let volume = "devctl-it-fixa-demo-dbdata";
    let _cleanup = cleanup(project);
    let _volume = Cleanup::empty().volume(volume);
    let home = tempfile::tempdir().expect("temp dir");
    // Only the docker CLI itself on PATH, and a HOME without CLI plugins: no Compose.
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let docker = which("docker").expect("the program is on PATH");
    std::os::unix::fs::symlink(&docker, bin.join("docker")).expect("symlink docker");
    let out = Command::new(env!("CARGO_BIN_EXE_devctl"))
        .args(["-p", project, "demo", "up"])
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("DOCKER_CONFIG", home.path().join("docker"))
        .env("DEMO_DB_VOLUME", volume)
        .env("DEMO_API_PORT", "18801")
        .env("DEMO_DB_PORT", "18802")
        .current_dir(home.path())
        .stdin(Stdio::null())
        .output()
        .expect("run devctl");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(err.contains("Compose"), "{err}");
    assert!(!err.contains("created the external volume"), "{err}");
    let listed = Command::new("docker")
        .args([
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("name=^{volume}$"),
        ])
        .output()
        .expect("docker volume ls");
    assert_eq!(String::from_utf8_lossy(&listed.stdout).trim(), "", "{err}");
}

/// `exec`/`run` take Compose's own flags before SERVICE and pass them on unchanged; SERVICE is
/// still checked against the project (unknown → exit 2 naming the known ones).
#[test]
fn exec_and_run_pass_composes_flags_through() {
    let project = "devctl-it-fixa-exec";
    let dir = project_dir(project);
    let _cleanup = cleanup(project);
    let run = |args: &[&str]| {
        let out = base_command(dir.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run devctl");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = run(&["up"]);
    assert_eq!(code, Some(0), "{err}");
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["exec", "-T", "web", "ls", "/"],
            "exec -T web ls /",
            "proc",
        ),
        (
            &["exec", "-T", "-e", "A=fixa1", "web", "env"],
            "-e A=fixa1 web env",
            "A=fixa1",
        ),
        (
            &["exec", "-T", "--env", "B=fixa2", "web", "env"],
            "--env B=fixa2 web env",
            "B=fixa2",
        ),
        (
            &["exec", "-T", "--user", "1234", "web", "id", "-u"],
            "--user 1234 web id",
            "1234",
        ),
        (
            &["run", "--rm", "-T", "web", "echo", "hi"],
            "run --rm -T web echo hi",
            "hi",
        ),
        (
            &["run", "--rm", "-T", "-p", "18810:80", "web", "echo", "ok"],
            "-p 18810:80 web",
            "ok",
        ),
    ];
    for (args, line, says) in cases {
        let (code, out, err) = run(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(err.contains(line), "{args:?}: the Compose line: {err}");
        assert!(out.contains(says), "{args:?}: {out}");
    }
    // After SERVICE everything is the command, as with Compose: `--rm` is run as a program.
    let (code, _, err) = run(&["--dry-run", "run", "web", "--rm", "echo", "hi"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains(" run web --rm echo hi"), "{err}");
    // Unknown services and flags are usage errors.
    for args in [
        &["exec", "-T", "nosuch", "ls"][..],
        &["run", "--rm", "nosuch"],
        &["exec", "--bogus", "web", "ls"],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        if args.contains(&"nosuch") {
            assert!(
                err.contains("nosuch") && err.contains("web"),
                "{args:?}: {err}"
            );
        } else {
            assert!(err.contains("--bogus"), "{args:?}: {err}");
        }
    }
}
