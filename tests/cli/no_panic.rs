//! QA: hostile but fair input never panics devctl, never hangs it and always ends with one of
//! the README's exit codes: odd flag values and paths in every subcommand, odd environment
//! variables, corrupted user files (audit log, snapshot index), and every truncation of a
//! real compose file. Nothing here starts or removes anything on the Engine.

use crate::common;

use common::qa::*;

const NAME: &str = "devctl-it-qa-nopanic";

fn argv_table(big: &str) -> Vec<Vec<String>> {
    let lines: &[&[&str]] = &[
        // project location and naming
        &["-p", "", "config"],
        &["-p", "ümlaut", "config"],
        &["-p", "-", "config"],
        &["--env", "", "config"],
        &["--profile", "", "config"],
        &["--profile", "*", "config"],
        &["--project-directory", "/nonexistent", "config"],
        &["--project-directory", "/dev/null", "config"],
        &["-f", "", "config"],
        &["-f", "/dev/null", "config"],
        &["-f", "/proc/self/status", "config"],
        &["-f", "-", "config"],
        &["--env-file", "/dev/null", "config"],
        &["--env-file", "/nonexistent", "config"],
        &["--env-file", "/", "config"],
        &["--dev", "config"],
        &["--prod", "ps"],
        // config
        &["config", "--explain", "."],
        &["config", "--explain", ".."],
        &["config", "--explain", "services..web"],
        &["config", "--explain", "services.web.volumes[0]"],
        &["config", "--explain", "["],
        &["config", "--json", "--show-secrets", "--services"],
        // logs
        &["logs", "--tail=-1"],
        &["logs", "--tail", "0"],
        &["logs", "--tail", "18446744073709551615"],
        &["logs", "--since", "0"],
        &["logs", "--since", "1970-01-01"],
        &["logs", "--since", "9999-12-31T23:59:59Z"],
        &["logs", "--since", "2024-13-45"],
        &["logs", "--since=-1h"],
        &["logs", "--since", "99999999999h"],
        &["logs", "--grep", "a{1000}{1000}"],
        &["logs", "--grep", ""],
        // status / up --wait (up only as a dry run)
        &["status", "--wait=0"],
        &["status", "--wait=1ns"],
        &["status", "--wait=0.0001s"],
        &["status", "--wait=1e300"],
        &["status", "--wait=99999999999999999999s"],
        &["status", "--wait=9999999999999999999h"],
        &["--dry-run", "up", "--wait=0"],
        &["--dry-run", "up", "--wait=1h1m1s"],
        &["--dry-run", "up", "--wait=99999999999999999999"],
        &["--dry-run", "up", "--wait=9999999999999999h"],
        &["--dry-run", "up", "--build", "--attach", "web"],
        // lifecycle, as dry runs
        &["--dry-run", "down"],
        &["--dry-run", "down", "--remove-orphans", "--", "-t", "0"],
        &["--dry-run", "stop", "web", "--", "-t", "0"],
        &["--dry-run", "restart"],
        &["--dry-run", "build", "--", "--no-cache"],
        &["--dry-run", "pull", "--", "--ignore-pull-failures"],
        &["--dry-run", "exec", "web", "ls"],
        &["--dry-run", "sh", "web"],
        &["--dry-run", "run", "web", "ls"],
        &["--dry-run", "compose", "--", "ps", "-a"],
        // nothing runs, so these only answer
        &["exec", "web"],
        &["exec", "web", "ls"],
        &["compose", "--", "config", "--services"],
        // safety gate, refused or dry
        &["volume", "rm", ""],
        &["volume", "rm", "/"],
        &["volume", "rm", "../../etc"],
        &["--dry-run", "volume", "prune"],
        &["--dry-run", "down", "-v", "--confirm", NAME],
        &["compose", "--", "down", "--volumes=false"],
        // snapshots
        &["snapshot", "restore", ""],
        &["snapshot", "restore", "../../../etc/passwd"],
        &["snapshot", "restore", "x", "--into", ""],
        &["snapshot", "create", ""],
        &["snapshot", "list"],
        &["audit"],
        &["audit", "--json"],
        &["demo", "path"],
        &["doctor", "--offline"],
        &["help"],
        &["help", "nosuch"],
        &["--version"],
        &[],
    ];
    let mut table: Vec<Vec<String>> = lines
        .iter()
        .map(|l| l.iter().map(|s| s.to_string()).collect())
        .collect();
    // A 100 000-character service name and option value.
    for base in [
        vec!["logs", big],
        vec!["exec", big, "ls"],
        vec!["--dry-run", "up", big],
        vec!["config", "--explain", big],
        vec!["-p", big, "config"],
        vec!["--env", big, "config"],
    ] {
        table.push(base.into_iter().map(String::from).collect());
    }
    table
}

#[test]
fn odd_arguments_never_panic_or_hang() {
    let s = Scratch::new();
    s.write("p/compose.yaml", simple_project(NAME));
    let _cleanup = qa_cleanup(NAME);
    let big = "x".repeat(100_000);
    let table = argv_table(&big);
    let problems: Vec<String> = par_map(&table, 4, |args| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = devctl(&s.opts("p"), &args);
        let p = run.sanity_problems();
        (!p.is_empty()).then(|| format!("{}\n{}", p.join("; "), run.dump()))
    })
    .into_iter()
    .flatten()
    .collect();
    report("odd arguments", problems);
    // None of them created or started anything.
    assert_eq!(
        docker_try(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={NAME}")
        ])
        .unwrap_or_default(),
        ""
    );
}

#[test]
fn odd_environment_never_panics_or_hangs() {
    let s = Scratch::new();
    s.write("p/compose.yaml", simple_project(NAME));
    let vars: &[(&str, &str)] = &[
        ("COMPOSE_FILE", "::::"),
        ("COMPOSE_FILE", "/dev/null"),
        ("COMPOSE_FILE", "compose.yaml:compose.yaml"),
        ("COMPOSE_PATH_SEPARATOR", ""),
        ("COMPOSE_PROFILES", ",,,"),
        ("COMPOSE_PROJECT_NAME", ""),
        ("COMPOSE_PROJECT_NAME", "Bad Name!"),
        ("DEVCTL_ENV", ""),
        ("DEVCTL_ENV", "nosuch"),
        ("DOCKER_HOST", ""),
        ("DOCKER_HOST", "nonsense"),
        ("DOCKER_HOST", "ssh://nobody@127.0.0.1:1"),
        ("DOCKER_HOST", "npipe:////./pipe/docker_engine"),
        ("DOCKER_HOST", "tcp://[::1"),
        ("DOCKER_CONTEXT", ""),
        ("DOCKER_CONTEXT", "../../etc"),
        ("DOCKER_CONFIG", "/nonexistent"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", "/nonexistent"),
        ("HOME", "/nonexistent"),
        ("XDG_STATE_HOME", "/dev/null"),
        ("NO_COLOR", ""),
        ("TERM", "dumb"),
    ];
    let cmds = ["config", "ps", "status", "logs", "down -v", "audit"];
    let mut jobs = Vec::new();
    for v in vars {
        for c in cmds {
            jobs.push((*v, c));
        }
    }
    let problems: Vec<String> = par_map(&jobs, 4, |((k, v), cmd)| {
        let run = devctl(&s.opts("p").with(k, v), &words(cmd));
        let p = run.sanity_problems();
        (!p.is_empty()).then(|| format!("[{k}={v:?}] {}\n{}", p.join("; "), run.dump()))
    })
    .into_iter()
    .flatten()
    .collect();
    report("odd environment", problems);
}

#[test]
fn corrupted_user_files_never_panic() {
    let s = Scratch::new();
    s.write("p/compose.yaml", simple_project(NAME));
    // A corrupted audit log and snapshot index in the test's own user dirs.
    s.write(
        ".state/state/devctl/audit.jsonl",
        b"{\"time\":1}\nnot json\n\xff\xfe garbage\n{}\n".as_slice(),
    );
    s.write(".state/data/devctl/snapshots/x.json", "{bad");
    s.write(
        ".state/data/devctl/snapshots/y.json",
        "{\"id\":\"y\",\"volume\":\"v\"}",
    );
    s.write(
        ".state/data/devctl/snapshots/z.tar",
        b"\x00\x01garbage".as_slice(),
    );
    s.write(
        ".state/config/devctl/dashboard.yaml",
        b"\xff\xfe: [".as_slice(),
    );
    let cmds = [
        "audit",
        "audit --json",
        "snapshot list",
        "snapshot list --json",
        "snapshot restore x",
        "snapshot restore y",
        "snapshot restore z",
        "down -v",
        "",
    ];
    let problems: Vec<String> = par_map(&cmds, 4, |cmd| {
        let run = devctl(&s.opts("p"), &words(cmd));
        let mut p = run.sanity_problems();
        if cmd.starts_with("audit") && run.code != Some(0) && !run.err().contains("audit.jsonl") {
            p.push("an audit log it cannot read must be named".into());
        }
        (!p.is_empty()).then(|| format!("{}\n{}", p.join("; "), run.dump()))
    })
    .into_iter()
    .flatten()
    .collect();
    report("corrupted user files", problems);
}

/// Every truncation of a real compose file (seed 000) either loads or is a config error.
#[test]
fn truncated_compose_files_load_or_fail_cleanly() {
    let text = include_str!("../fixtures/seeds/seed-000-nostream/docker-compose.yml");
    let s = Scratch::new();
    let cuts: Vec<usize> = (1..48)
        .map(|i| i * text.len() / 48)
        .filter(|c| text.is_char_boundary(*c))
        .collect();
    for (i, cut) in cuts.iter().enumerate() {
        s.write(
            &format!("t{i}/docker-compose.yml"),
            format!("name: {NAME}\n{}", &text[..*cut]),
        );
    }
    let jobs: Vec<usize> = (0..cuts.len()).collect();
    let problems: Vec<String> = par_map(&jobs, 4, |i| {
        let run = devctl(&s.opts(&format!("t{i}")), &["config", "--json"]);
        let mut p = run.sanity_problems();
        match run.code {
            Some(0) => {
                if serde_json::from_slice::<serde_json::Value>(&run.stdout_bytes).is_err() {
                    p.push("exit 0 but stdout is not JSON".into());
                }
            }
            Some(3) => {
                if !run.err().contains("docker-compose.yml") && !run.err().contains("service") {
                    p.push("config error names neither the file nor a service".into());
                }
            }
            other => p.push(format!("exit {other:?}, want 0 or 3")),
        }
        (!p.is_empty())
            .then(|| format!("cut at byte {}: {}\n{}", cuts[*i], p.join("; "), run.dump()))
    })
    .into_iter()
    .flatten()
    .collect();
    report("truncated compose files", problems);
}

/// `devctl logs -f web` follows, as with `docker compose logs -f web` (it used to read `-f` as
/// the global `--file web` and fail with "compose file not found").
#[test]
fn logs_dash_f_means_follow() {
    let s = Scratch::new();
    s.write("p/compose.yaml", simple_project(NAME));
    for args in [&["logs", "-f", "web"][..], &["logs", "-tf", "web"][..]] {
        let mut opts = s.opts("p");
        // Nothing runs, so it waits for the service's containers until stopped.
        opts.limit = std::time::Duration::from_secs(3);
        let run = devctl(&opts, args);
        assert!(run.hung, "it should keep following: {}", run.dump());
        assert!(
            run.err().contains("waiting for them to start"),
            "{}",
            run.dump()
        );
    }
}

/// `devctl … | head -1`: a reader that goes away makes writes fail (EPIPE); that must end the
/// command quietly or with an error, never a panic.
#[test]
fn closed_stdout_is_no_panic() {
    use std::io::Read;
    use std::process::Stdio;
    let s = Scratch::new();
    s.write("p/compose.yaml", simple_project(NAME));
    let cmds = [
        "config",
        "config --json",
        "config --services",
        "config --explain services",
        "ps",
        "ps --json",
        "status",
        "status --json",
        "doctor --offline",
        "doctor --offline --json",
        "audit",
        "audit --json",
        "snapshot list",
        "snapshot list --json",
        "demo path",
        "up --dry-run",
        "down -v --dry-run",
        "--help",
        "",
    ];
    let problems: Vec<String> = par_map(&cmds, 4, |cmd| {
        let opts = s.opts("p");
        let mut c = opts.command(&words(cmd));
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn");
        drop(child.stdout.take()); // the reader is gone before devctl writes
        let mut err = String::new();
        let _ = child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err);
        let status = child.wait().expect("wait");
        let mut p = Vec::new();
        if err.contains("panicked") {
            p.push("panicked".to_string());
        }
        match status.code() {
            Some(code) if DOCUMENTED.contains(&code) => {}
            other => p.push(format!("exit {other:?}")),
        }
        (!p.is_empty()).then(|| format!("devctl {cmd}: {}\n{err}", p.join("; ")))
    })
    .into_iter()
    .flatten()
    .collect();
    report("closed stdout", problems);
}

/// A closed standard error (`devctl … 2>&1 | head -1` after the reader left) is no panic
/// either: the safety gate still refuses with exit 4 and writes its audit line, and a load
/// error still exits 3.
#[test]
fn closed_stderr_is_no_panic_and_the_gate_still_audits() {
    use std::process::Stdio;
    let s = Scratch::new();
    let name = format!("dvguard-pipe-{}", std::process::id());
    s.write(
        "p/compose.yaml",
        format!(
            "name: {name}\nservices:\n  a:\n    image: busybox:stable\n    volumes: [\"data:/data\"]\nvolumes:\n  data: {{}}\n"
        ),
    );
    let volume = format!("{name}_data");
    let _cleanup = common::cleanup::Cleanup::new(&name).volume(&volume);
    let created = common::docker::compose_in(&s.path("p"), &["create"]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    for (cmd, want) in [("down -v", 4), ("--env-file /dev/zero config", 3)] {
        let opts = s.opts("p");
        let mut c = opts.command(&words(cmd));
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn");
        drop(child.stderr.take()); // the reader is gone before devctl writes
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(want), "devctl {cmd}");
    }
    assert!(common::docker::volume_exists(&volume));
    let audit = s
        .opts("p")
        .command(&["audit", "--json"])
        .output()
        .expect("devctl audit");
    let audit = String::from_utf8_lossy(&audit.stdout);
    assert!(audit.contains("\"decision\": \"refused\""), "{audit}");
}
