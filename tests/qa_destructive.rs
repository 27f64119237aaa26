//! QA: nothing is destroyed or stopped on an error path. A real project runs on the Engine
//! with a named volume (label `devctl.test=qa`) holding a file; every destructive request that
//! is not properly confirmed, or that meets broken input, a missing Engine or Compose, or an
//! unwritable audit log, must fail with the documented exit code and leave the volume (same
//! creation time, same file) and the running container (same id) exactly as they were.

mod common;

use common::qa::*;

const NAME: &str = "devctl-it-qa-gate";
const VOLUME: &str = "devctl-it-qa-gate_data";
const CONTENT: &str = "precious bytes 42";

struct Facts {
    volume_created: String,
    container: String,
}

fn facts() -> Option<Facts> {
    let volume_created = docker_try(&["volume", "inspect", "-f", "{{.CreatedAt}}", VOLUME])?;
    let container = docker_try(&[
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        &format!("label=com.docker.compose.project={NAME}"),
        "--filter",
        "status=running",
    ])?;
    (!container.is_empty()).then_some(Facts {
        volume_created,
        container,
    })
}

fn file_in_volume() -> Option<String> {
    docker_try(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        &format!("{VOLUME}:/d:ro"),
        IMAGE,
        "cat",
        "/d/file",
    ])
}

#[test]
fn unconfirmed_or_failing_destructive_requests_touch_nothing() {
    let s = Scratch::new();
    let compose = simple_project(NAME);
    s.write("p/compose.yaml", &compose);
    s.write(
        "p/broken.yaml",
        "services:\n  web:\n    image: x\n   bad: [\n",
    );
    s.write("protected/compose.yaml", &compose);
    s.write("protected/devctl.yaml", "protected_volumes: [data]\n");
    s.write("not-a-dir", "");
    std::fs::create_dir_all(s.path("empty")).expect("mkdir");
    std::fs::create_dir_all(s.path("empty-bin")).expect("mkdir");
    let cleanup = qa_cleanup(NAME);

    // The stack, brought up with Compose itself, and a file in its volume.
    let compose_file = s.path("p/compose.yaml").display().to_string();
    docker_ok(&["compose", "-f", &compose_file, "up", "-d", "--quiet-pull"]);
    docker_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        &format!("{VOLUME}:/d"),
        IMAGE,
        "sh",
        "-c",
        &format!("printf '{CONTENT}' > /d/file"),
    ]);
    let before = facts().expect("volume and running container");

    let confirm = ["--confirm", NAME];
    let p = || s.opts("p");
    let cases: Vec<(&str, Opts, Vec<&str>, i32)> = vec![
        ("no terminal, no --confirm", p(), vec!["down", "-v"], 4),
        (
            "the right name piped on stdin",
            p().stdin(format!("{NAME}\n").as_bytes()),
            vec!["down", "-v"],
            4,
        ),
        (
            "--confirm names another project",
            p(),
            vec!["down", "-v", "--confirm", "wrong"],
            4,
        ),
        (
            "--confirm empty",
            p(),
            vec!["down", "-v", "--confirm", ""],
            4,
        ),
        (
            "--confirm with the case changed",
            p(),
            vec!["down", "-v", "--confirm", "DEVCTL-IT-QA-GATE"],
            4,
        ),
        ("a bare --yes", p(), vec!["down", "-v", "--yes"], 2),
        (
            "--volumes --remove-orphans",
            p(),
            vec!["down", "--volumes", "--remove-orphans"],
            4,
        ),
        ("down -- -v", p(), vec!["down", "--", "-v"], 4),
        (
            "compose -- down --volumes=true",
            p(),
            vec!["compose", "--", "down", "--volumes=true"],
            4,
        ),
        (
            "compose -- rm -fsv",
            p(),
            vec!["compose", "--", "rm", "-fsv"],
            4,
        ),
        (
            "compose -- -p NAME down -v",
            p(),
            vec!["compose", "--", "-p", NAME, "down", "-v"],
            4,
        ),
        (
            "compose -- up -d -V",
            p(),
            vec!["compose", "--", "up", "-d", "-V"],
            4,
        ),
        ("volume rm data", p(), vec!["volume", "rm", "data"], 4),
        (
            "volume rm by Engine name",
            p(),
            vec!["volume", "rm", VOLUME],
            4,
        ),
        // The volume is in use: the plan deletes nothing, so prune says so and exits 0
        // without asking (nothing to delete is not a refusal); the volume stays.
        ("volume prune", p(), vec!["volume", "prune"], 0),
        (
            "broken YAML (-f broken.yaml)",
            p(),
            [&["-f", "broken.yaml", "down", "-v"][..], &confirm].concat(),
            3,
        ),
        (
            "Engine down (unix socket missing)",
            p().with("DOCKER_HOST", "unix:///nonexistent.sock"),
            [&["down", "-v"][..], &confirm].concat(),
            6,
        ),
        (
            "Engine down (tcp port closed)",
            p().with("DOCKER_HOST", "tcp://127.0.0.1:1"),
            [&["down", "-v"][..], &confirm].concat(),
            6,
        ),
        (
            "Compose missing (no docker on PATH)",
            p().with("PATH", &s.path("empty-bin").display().to_string()),
            [&["down", "-v"][..], &confirm].concat(),
            7,
        ),
        (
            "audit log not writable",
            p().with("XDG_STATE_HOME", &s.path("not-a-dir").display().to_string()),
            [&["down", "-v"][..], &confirm].concat(),
            1,
        ),
        (
            "protected volume, only the project confirmed",
            s.opts("protected"),
            [&["down", "-v"][..], &confirm].concat(),
            4,
        ),
        // Label mode plans from the Engine; unconfirmed, it refuses and touches nothing.
        (
            "-p NAME from a directory without compose file, unconfirmed",
            s.opts("empty"),
            vec!["-p", NAME, "down", "-v"],
            4,
        ),
        (
            "compose -- -p NAME down -v from a directory without compose file, unconfirmed",
            s.opts("empty"),
            vec!["compose", "--", "-p", NAME, "down", "-v"],
            4,
        ),
        (
            "--dry-run",
            p(),
            [&["--dry-run", "down", "-v"][..], &confirm].concat(),
            0,
        ),
    ];

    let mut problems = Vec::new();
    for (label, opts, args, want) in &cases {
        let run = devctl(opts, args);
        let mut p = run.sanity_problems();
        if run.code != Some(*want) {
            p.push(format!("exit {:?}, want {want}", run.code));
        }
        match facts() {
            None => p.push("the volume or the running container is GONE".into()),
            Some(now) => {
                if now.volume_created != before.volume_created {
                    p.push("the volume was re-created".into());
                }
                if now.container != before.container {
                    p.push("the container was stopped or re-created".into());
                }
            }
        }
        if !p.is_empty() {
            problems.push(format!("[{label}] {}\n{}", p.join("; "), run.dump()));
        }
        if facts().is_none() {
            break; // the rest would only report the same loss
        }
    }
    assert_eq!(
        file_in_volume().as_deref(),
        Some(CONTENT),
        "the file changed"
    );
    report("destructive requests on error paths", problems);

    // Every refusal was recorded (one audit line per decision), in the test's own state dir.
    let audit = devctl(&s.opts("p"), &["audit", "--json"]);
    assert_eq!(audit.code, Some(0), "{}", audit.dump());
    let records: serde_json::Value = serde_json::from_slice(&audit.stdout_bytes).expect("JSON");
    let refused = records
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r.to_string().contains("refused"))
                .count()
        })
        .unwrap_or(0);
    assert!(
        refused >= 10,
        "{refused} refusals in the audit log:\n{records:#}"
    );
    drop(cleanup);
    assert!(
        docker_try(&["volume", "inspect", VOLUME]).is_none(),
        "cleanup"
    );
}
