//! QA: nothing is destroyed or stopped on an error path. A real project runs on the Engine
//! with a named volume (label `devctl.test=qa`) holding a file; every destructive request that
//! is not properly confirmed, or that meets broken input, a missing Engine or Compose, or an
//! unwritable audit log, must fail with the documented exit code and leave the volume (same
//! creation time, same file) and the running container (same id) exactly as they were.

use crate::common;

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

/// Issue 16 ("one parse, the same as Compose's"): every argv form that once reached Compose's
/// volume deletion without a plan, run through the real binary without a terminal (stdin not
/// a tty) against a real project whose named volume holds a sentinel file and whose container
/// has an anonymous volume. Each is refused (exit 4) or rejected by Compose itself, and the
/// volumes, the file and the running container are exactly as before; the look-alikes run
/// (exit 0). Project `dvga-argv`; volumes labelled `devctl.test=dvga`.
#[test]
fn issue_16_argv_spellings_are_refused_and_look_alikes_run() {
    const P: &str = "dvga-argv";
    const DATA: &str = "dvga-argv_data";
    const EXT: &str = "dvga-argv-ext";
    const SENTINEL: &str = "sentinel 16";
    let project = |labels: &str| {
        format!(
            "name: {P}\nservices:\n  web:\n    image: {IMAGE}\n    pull_policy: never\n    \
             command: [\"sleep\", \"3600\"]\n    stop_grace_period: 1s\n    volumes:\n      \
             - data:/data\n      - /anon\nvolumes:\n  data:\n    labels:\n      devctl.test: dvga\n{labels}"
        )
    };
    let s = Scratch::new();
    s.write("p/compose.yaml", project(""));
    // The same project with the volume's configuration changed: `up -y` would recreate it.
    s.write("changed/compose.yaml", project("      changed: \"yes\"\n"));
    // Class 5: `.env` names the compose files and the project; those files protect `data`
    // and declare an external volume that also carries the project's label.
    s.write(
        "dotenv/.env",
        format!("COMPOSE_FILE=deploy/compose.yaml\nCOMPOSE_PROJECT_NAME={P}\n"),
    );
    s.write(
        "dotenv/deploy/compose.yaml",
        format!(
            "{}  ext:\n    external: true\n    name: {EXT}\n",
            project("")
        ),
    );
    s.write("dotenv/deploy/devctl.yaml", "protected_volumes: [data]\n");
    // Class 2 through the environment: a profile that starts with a dash, from `.env`.
    s.write("dashenv/compose.yaml", project(""));
    s.write("dashenv/.env", "COMPOSE_PROFILES=-p\n");
    std::fs::create_dir_all(s.path("empty")).expect("mkdir");
    let _cleanup = Cleanup::new(P)
        .prefix("dvga-")
        .keep_volumes()
        .volume(DATA)
        .volume(EXT)
        .labelled_starting("devctl.test=dvga", &format!("{P}_"))
        .now();

    let compose_file = s.path("p/compose.yaml").display().to_string();
    docker_ok(&["compose", "-f", &compose_file, "up", "-d", "--quiet-pull"]);
    docker_ok(&[
        "volume",
        "create",
        "--label",
        &format!("com.docker.compose.project={P}"),
        "--label",
        "devctl.test=dvga",
        EXT,
    ]);
    docker_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        &format!("{DATA}:/d"),
        IMAGE,
        "sh",
        "-c",
        &format!("printf '{SENTINEL}' > /d/file"),
    ]);
    let state = || -> Option<(String, String, String, String)> {
        let created = |v: &str| docker_try(&["volume", "inspect", "-f", "{{.CreatedAt}}", v]);
        let container = docker_try(&[
            "ps",
            "-q",
            "--no-trunc",
            "--filter",
            &format!("label=com.docker.compose.project={P}"),
            "--filter",
            "status=running",
        ])?;
        let anon = docker_try(&[
            "inspect",
            "-f",
            "{{range .Mounts}}{{if eq .Destination \"/anon\"}}{{.Name}}{{end}}{{end}}",
            &container,
        ])?;
        let anon_created = created(&anon)?;
        (!container.is_empty()).then_some((created(DATA)?, created(EXT)?, container, anon_created))
    };
    let before = state().expect("volumes and a running container");

    let at = |dir: &str| s.opts(dir);
    // (spelling, options, argv, exit codes accepted)
    let refused: Vec<(&str, Opts, Vec<&str>, &[i32])> = vec![
        // class 1: a root-level `--` before the subcommand
        (
            "1 -- -- x down -v",
            at("p"),
            words("compose -- -- x down -v"),
            &[4],
        ),
        (
            "1 -- x down --volume",
            at("p"),
            words("compose -- -- x down --volume"),
            &[4],
        ),
        (
            "1 -- -- x rm -fsv",
            at("p"),
            words("compose -- -- x rm -fsv"),
            &[4],
        ),
        (
            "1 -- -- -- x down --volumes",
            at("p"),
            words("compose -- -- -- -- x down --volumes"),
            &[4],
        ),
        (
            "1 --ansi never -- x down -v",
            at("p"),
            words("compose -- --ansi never -- x down -v"),
            &[4],
        ),
        (
            "1 --profile -- x down -v",
            at("p"),
            words("compose -- --profile -- x down -v"),
            &[4],
        ),
        (
            "1 -- x up -d -y",
            at("changed"),
            words("compose -- -- x up -d -y"),
            &[4],
        ),
        (
            "1 -- x up -d -V",
            at("p"),
            words("compose -- -- x up -d -V"),
            &[4],
        ),
        // class 2: devctl's flags or env values where Compose reads them as a flag's value
        (
            "2 --profile --confirm=x",
            at("p"),
            words("compose -- --profile --confirm=x down -v"),
            &[4],
        ),
        (
            "2 --profile --confirm NAME",
            at("p"),
            vec!["compose", "--", "--profile", "--confirm", P, "down", "-v"],
            &[4],
        ),
        (
            "2 --profile -p x",
            at("p"),
            words("compose -- --profile -p x down -v"),
            &[4],
        ),
        (
            "2 --profile -h",
            at("p"),
            words("compose -- --profile -h down -v"),
            &[4],
        ),
        (
            "2 down --rmi --confirm=NAME",
            at("p"),
            vec!["compose", "--", "down", "--rmi", "--confirm=x", "-v"],
            &[4],
        ),
        // Compose rejects these itself (`x` is no command) once devctl's `--profile=-p` is inert
        (
            "2 COMPOSE_PROFILES=-p (environment)",
            at("p").with("COMPOSE_PROFILES", "-p"),
            words("compose -- x down -v"),
            &[1],
        ),
        (
            "2 COMPOSE_PROFILES=-p (.env)",
            at("dashenv"),
            words("compose -- x rm -fsv"),
            &[1],
        ),
        // class 3: `--y`, Compose's deprecated alias of `--yes`
        (
            "3 up -d --y",
            at("changed"),
            words("compose -- up -d --y"),
            &[4],
        ),
        (
            "3 up --y=true",
            at("changed"),
            words("compose -- up -d --y=true"),
            &[4],
        ),
        (
            "3 create --y",
            at("changed"),
            words("compose -- create --y"),
            &[4],
        ),
        (
            "3 up --yes=1",
            at("changed"),
            words("compose -- up -d --yes=1"),
            &[4],
        ),
        (
            "3 devctl up -- --y",
            at("changed"),
            words("up -- --y"),
            &[4],
        ),
        // label mode (no compose file, `-p`): destructive commands go through its plan
        (
            "label mode: -p NAME compose -- rm -fsv",
            at("empty"),
            vec!["-p", P, "compose", "--", "rm", "-fsv"],
            &[4],
        ),
        // class 5: `.env` names the files: planned from them, not from labels
        (
            "5 .env COMPOSE_FILE, down -v --confirm NAME",
            at("dotenv"),
            vec!["down", "-v", "--confirm", P],
            &[4],
        ),
        (
            "5 .env COMPOSE_FILE, -p NAME down -v --confirm NAME",
            at("dotenv"),
            vec!["-p", P, "down", "-v", "--confirm", P],
            &[4],
        ),
    ];
    let mut problems = Vec::new();
    for (label, opts, args, want) in &refused {
        let run = devctl(opts, args);
        let mut p = run.sanity_problems();
        if !run.code.is_some_and(|c| want.contains(&c)) {
            p.push(format!("exit {:?}, want one of {want:?}", run.code));
        }
        match state() {
            None => p.push("a volume or the running container is GONE".into()),
            Some(now) if now != before => p.push(format!("changed: {before:?} -> {now:?}")),
            Some(_) => {}
        }
        if !p.is_empty() {
            problems.push(format!("[{label}] {}\n{}", p.join("; "), run.dump()));
        }
        if state().is_none() {
            break;
        }
    }

    // Look-alikes: not refused; they run and exit 0.
    let runs: Vec<(&str, Opts, Vec<&str>, &str)> = vec![
        (
            "exec: the command's own --confirm",
            at("p"),
            words("exec -T web echo --confirm"),
            "--confirm",
        ),
        (
            "exec: --confirm=x and -v after the service",
            at("p"),
            words("exec -T web echo --confirm=x -v"),
            "--confirm=x -v",
        ),
        (
            "-h before down -v",
            at("p"),
            words("compose -- -h down -v"),
            "Usage",
        ),
        (
            "--help after down -v",
            at("p"),
            words("compose -- -- x down -v --help"),
            "Usage",
        ),
        (
            "--dry-run",
            at("p"),
            words("compose -- --dry-run -- x down -v"),
            "",
        ),
        ("up --y=0", at("p"), words("compose -- up -d --y=0"), ""),
        ("-- x ps", at("p"), words("compose -- -- x ps"), "web"),
        (
            "-p NAME ps, no compose file",
            at("empty"),
            vec!["-p", P, "ps"],
            "web",
        ),
        (
            "-p NAME logs, no compose file",
            at("empty"),
            vec!["-p", P, "logs", "--tail", "1"],
            "",
        ),
        (
            "-p NAME compose -- ps, no compose file",
            at("empty"),
            vec!["-p", P, "compose", "--", "ps"],
            "web",
        ),
    ];
    for (label, opts, args, says) in &runs {
        let run = devctl(opts, args);
        let mut p = run.sanity_problems();
        if run.code != Some(0) {
            p.push(format!("exit {:?}, want 0", run.code));
        }
        if !format!("{}{}", run.out(), run.err()).contains(says) {
            p.push(format!("output lacks {says:?}"));
        }
        match state() {
            None => p.push("a volume or the running container is GONE".into()),
            Some(now) if now != before => p.push(format!("changed: {before:?} -> {now:?}")),
            Some(_) => {}
        }
        if !p.is_empty() {
            problems.push(format!("[{label}] {}\n{}", p.join("; "), run.dump()));
        }
    }
    assert_eq!(
        common::docker::file_in(DATA).as_deref(),
        Some(SENTINEL),
        "the sentinel file changed"
    );
    report("issue 16 argv spellings", problems);
}

/// The classifier against the real Compose v2.40.3: each argv is run as
/// `docker compose --dry-run ARGV` on a running project with a named volume (nothing is
/// changed; no row contains `--dry-run` itself, which could turn the dry run off). Whenever
/// Compose would remove the volume, `devctl::safety::classify` must say so (no way past the
/// gate); whenever Compose accepts the argv and removes nothing, it must not (no false
/// refusal). Project `dvga-diff`.
#[test]
fn classifier_agrees_with_compose_dry_run() {
    const P: &str = "dvga-diff";
    const DATA: &str = "dvga-diff_data";
    let s = Scratch::new();
    s.write(
        "p/compose.yaml",
        format!(
            "name: {P}\nservices:\n  web:\n    image: {IMAGE}\n    pull_policy: never\n    \
             command: [\"sleep\", \"3600\"]\n    stop_grace_period: 1s\n    volumes:\n      \
             - data:/data\nvolumes:\n  data:\n    labels:\n      devctl.test: dvga\n"
        ),
    );
    let _cleanup = Cleanup::new(P)
        .prefix("dvga-")
        .keep_volumes()
        .volume(DATA)
        .now();
    let dir = s.path("p");
    common::docker::compose_in(&dir, &["up", "-d", "--quiet-pull"]);
    let rows = [
        "down -v",
        "down",
        "-- x down -v",
        "-- -- x down -v",
        "-- -- -- x down --volumes",
        "-- down -v",
        "--ansi never -- x down -v",
        "--profile -- x down -v",
        "--profile -- down -v",
        "--profile --confirm=x down -v",
        "--profile --confirm x down -v",
        "--profile -p x down -v",
        "--profile -h down -v",
        "--profile -v down",
        "-- -p other down -v",
        "-p dvga-diff -- -p x down -v",
        "--project-name=dvga-diff --profile -p x down -v",
        "--workdir . down -v",
        "-h down -v",
        "--help down -v",
        "-h x down -v",
        "down -vh",
        "down -v --help",
        "-h down --help=false -v",
        "--help=false down -h -v",
        "-h=false down -v",
        "down -v --help=0",
        "down --volume",
        "down --volumes=True",
        "down --volumes=0",
        "down -v=false",
        "down --volumes -v=false",
        "down -t 1 -v",
        "down -vt1",
        "down -tv",
        "down -- -v",
        "down --remove-orphans=false -v",
        "--profile x --profile y down -v",
    ];
    let mut problems = Vec::new();
    for row in rows {
        assert!(!row.contains("dry-run"), "{row}");
        let argv: Vec<String> = row.split_whitespace().map(String::from).collect();
        let out = std::process::Command::new("docker")
            .arg("compose")
            .arg("--dry-run")
            .args(&argv)
            .current_dir(&dir)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("docker compose runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let compose_deletes = text.contains(&format!("Volume {DATA}"))
            && text.contains("Removed")
            && out.status.success();
        let gate = devctl::safety::classify(&argv).is_some();
        if compose_deletes && !gate {
            problems.push(format!(
                "{row:?}: Compose removes the volume, the gate lets it pass"
            ));
        }
        if out.status.success() && !compose_deletes && gate {
            problems.push(format!(
                "{row:?}: Compose removes nothing, the gate refuses it"
            ));
        }
    }
    assert!(
        common::docker::volume_exists(DATA),
        "the dry runs changed nothing"
    );
    report("classifier vs docker compose --dry-run", problems);
}
