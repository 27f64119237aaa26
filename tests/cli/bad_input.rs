//! QA: bad input gets a clear message naming the file (line, column, value) and the README's
//! exit code, in EVERY subcommand — never a panic, never a hang.
//!
//! Table-driven over broken projects × subcommands, unknown services/environments and bad
//! flag values. Runs the real binary in temp dirs; the real Engine is up, and every run has
//! `COMPOSE_PROJECT_NAME=devctl-it-qa-bad` so that nothing could ever act outside the QA
//! namespace even if a broken project slipped through.

use crate::common;

use common::qa::*;

const NAME: &str = "devctl-it-qa-bad";

/// Every subcommand, in a form that loads the project. None of them may get past loading.
const EVERY_COMMAND: &[&str] = &[
    "config",
    "config --json",
    "up",
    "up --wait=5",
    "down",
    "down -v",
    "down -v --confirm devctl-it-qa-bad",
    "stop",
    "start",
    "restart",
    "build",
    "pull",
    "exec web ls",
    "sh web",
    "run web ls",
    "compose -- ps",
    "ps",
    "ps --json",
    "status",
    "status --wait=2",
    "logs",
    "logs web",
    "volume rm data",
    "volume prune",
    "snapshot create data",
    "",
];

/// A few commands from each family (config, Engine facts, safety gate, logs, lifecycle).
const SOME_COMMANDS: &[&str] = &["config", "ps", "down -v", "logs", "up"];

/// Cells known to be wrong on main, each reported to the layer at fault (see the QA report).
/// They still must not panic or hang; only the exit code and message are not checked.
const KNOWN_WRONG: &[(&str, &str)] = &[];

fn known_wrong(cmd: &str, case: &str) -> bool {
    KNOWN_WRONG
        .iter()
        .any(|(c, k)| *c == cmd && (*k == "*" || *k == case))
}

struct Case {
    id: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    /// Extra global flags (before the subcommand).
    flags: Vec<String>,
    /// Expected exit code for every command, `doctor` included (it also reports a finding).
    code: i32,
    /// Fragments the error (stderr) must contain; `{dir}` is the project directory.
    says: Vec<&'static str>,
    every_command: bool,
}

fn base_service() -> String {
    format!("services:\n  web:\n    image: {IMAGE}\n    pull_policy: never\n")
}

fn billion_laughs() -> Vec<u8> {
    let mut s = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for n in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
        s.push_str(&format!(
            "{n}: &{n} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = n;
    }
    s.push_str(&format!("{}    labels: *i\n", base_service()));
    s.into_bytes()
}

fn cases() -> Vec<Case> {
    let svc = base_service();
    vec![
        Case {
            id: "yaml syntax error",
            files: vec![(
                "compose.yaml",
                b"services:\n  web:\n    image: busybox\n     command: [sleep\n".to_vec(),
            )],
            flags: vec![],
            code: 3,
            says: vec!["{dir}/compose.yaml", "line 4, column 13", "command: [sleep"],
            every_command: true,
        },
        Case {
            id: "required variable unset",
            files: vec![(
                "compose.yaml",
                b"services:\n  web:\n    image: ${QA_IMG:?set QA_IMG to the image}\n".to_vec(),
            )],
            flags: vec![],
            code: 3,
            says: vec![
                "{dir}/compose.yaml",
                "services.web.image",
                "QA_IMG",
                "set QA_IMG to the image",
            ],
            every_command: true,
        },
        Case {
            id: "env_file missing",
            files: vec![(
                "compose.yaml",
                format!("{svc}    env_file: ./missing.env\n").into_bytes(),
            )],
            flags: vec![],
            code: 3,
            says: vec!["{dir}/missing.env", "env_file"],
            every_command: true,
        },
        Case {
            id: "devctl.yaml broken",
            files: vec![
                ("compose.yaml", svc.clone().into_bytes()),
                ("devctl.yaml", b"environments: [\n".to_vec()),
            ],
            flags: vec![],
            code: 3,
            says: vec!["{dir}/devctl.yaml:2:1"],
            every_command: true,
        },
        Case {
            id: "flow nesting 100000 deep",
            files: vec![(
                "compose.yaml",
                format!(
                    "{svc}    labels: {}{}\n",
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                )
                .into_bytes(),
            )],
            flags: vec![],
            code: 3,
            says: vec!["{dir}/compose.yaml", "line 5, column", "nested more than"],
            every_command: true,
        },
        Case {
            id: "-f names a FIFO",
            files: vec![("compose.yaml", svc.clone().into_bytes())],
            flags: vec!["-f".into(), "fifo.yaml".into()],
            code: 3,
            says: vec!["{dir}/fifo.yaml", "not a regular file"],
            every_command: true,
        },
        Case {
            id: "empty compose file",
            files: vec![("compose.yaml", vec![])],
            flags: vec![],
            code: 3,
            says: vec!["empty compose file", "{dir}/compose.yaml"],
            every_command: true,
        },
        Case {
            id: "binary garbage",
            files: vec![(
                "compose.yaml",
                (0..4096u32)
                    .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                    .collect(),
            )],
            flags: vec![],
            code: 3,
            says: vec!["{dir}/compose.yaml"],
            every_command: false,
        },
        Case {
            id: "NUL byte",
            files: vec![("compose.yaml", b"services:\n  web:\n    image: bu\0sybox\n".to_vec())],
            flags: vec![],
            code: 3,
            says: vec!["{dir}/compose.yaml", "control characters"],
            every_command: false,
        },
        Case {
            id: "-f names a directory",
            files: vec![("compose.yaml", svc.clone().into_bytes()), ("adir/x", vec![])],
            flags: vec!["-f".into(), "adir".into()],
            code: 3,
            says: vec!["{dir}/adir", "is a directory"],
            every_command: false,
        },
        Case {
            id: "-f names a missing file",
            files: vec![("compose.yaml", svc.clone().into_bytes())],
            flags: vec!["-f".into(), "nope.yaml".into()],
            code: 3,
            says: vec!["{dir}/nope.yaml", "not found"],
            every_command: false,
        },
        Case {
            id: "no compose file anywhere",
            files: vec![("README", b"nothing here".to_vec())],
            flags: vec![],
            code: 3,
            says: vec!["no compose file found", "{dir}", "compose.yaml"],
            every_command: false,
        },
        Case {
            id: "billion laughs",
            files: vec![("compose.yaml", billion_laughs())],
            flags: vec![],
            code: 3,
            says: vec!["{dir}/compose.yaml"],
            every_command: false,
        },
        Case {
            id: ".env broken",
            files: vec![
                (
                    "compose.yaml",
                    b"services:\n  web:\n    image: ${IMG}\n".to_vec(),
                ),
                (".env", b"IMG=\"unterminated\n".to_vec()),
            ],
            flags: vec![],
            code: 3,
            says: vec!["{dir}/.env:1", "unterminated"],
            every_command: false,
        },
        Case {
            id: "extends cycle",
            files: vec![(
                "compose.yaml",
                b"services:\n  a:\n    extends: b\n    image: x\n  b:\n    extends: a\n".to_vec(),
            )],
            flags: vec![],
            code: 3,
            says: vec!["Circular reference", "{dir}/compose.yaml"],
            every_command: false,
        },
        Case {
            id: "include missing",
            files: vec![(
                "compose.yaml",
                format!("include:\n  - ./nope.yaml\n{svc}").into_bytes(),
            )],
            flags: vec![],
            code: 3,
            says: vec!["{dir}/nope.yaml"],
            every_command: false,
        },
        Case {
            id: "duration out of range",
            files: vec![(
                "compose.yaml",
                format!("{svc}    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 9999999999999999h\n").into_bytes(),
            )],
            flags: vec![],
            code: 3,
            says: vec!["services.web.healthcheck.interval", "9999999999999999h"],
            every_command: false,
        },
    ]
}

fn setup(case: &Case) -> Scratch {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("p")).expect("mkdir");
    for (rel, content) in &case.files {
        s.write(&format!("p/{rel}"), content);
    }
    if case.flags.iter().any(|f| f == "fifo.yaml") {
        let st = std::process::Command::new("mkfifo")
            .arg(s.path("p/fifo.yaml"))
            .status()
            .expect("mkfifo");
        assert!(st.success());
    }
    s
}

#[test]
fn broken_projects_fail_cleanly_in_every_subcommand() {
    let _cleanup = qa_cleanup(NAME);
    let cases = cases();
    let scratches: Vec<Scratch> = cases.iter().map(setup).collect();
    let mut jobs = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let cmds = if case.every_command {
            EVERY_COMMAND
        } else {
            SOME_COMMANDS
        };
        for cmd in cmds.iter().chain(std::iter::once(&"doctor --offline")) {
            jobs.push((i, *cmd));
        }
    }
    let problems: Vec<String> = par_map(&jobs, 4, |(i, cmd)| {
        let case = &cases[*i];
        let s = &scratches[*i];
        let dir = s.path("p").canonicalize().expect("dir");
        let opts = s.opts("p").with("COMPOSE_PROJECT_NAME", NAME);
        let mut args: Vec<&str> = case.flags.iter().map(String::as_str).collect();
        args.extend(words(cmd));
        let run = devctl(&opts, &args);
        let mut p = run.sanity_problems();
        if p.is_empty() && !known_wrong(cmd, case.id) {
            let doctor = *cmd == "doctor --offline";
            // doctor reports the load failure as an error finding on stdout (paths relative
            // to the project) and exits with the loader's code, the case's code like every
            // other command, which prints its error on stderr.
            let (want, text) = if doctor {
                (case.code, run.out())
            } else {
                (case.code, run.err())
            };
            if run.code != Some(want) {
                p.push(format!("exit {:?}, want {want}", run.code));
            }
            if doctor && !text.contains("did not load") && !text.contains("CONFIG-") {
                p.push("doctor does not report the project as not loading".into());
            }
            for frag in case.says.iter().filter(|_| !doctor) {
                let frag = frag.replace("{dir}", &dir.display().to_string());
                if !text.contains(&frag) {
                    p.push(format!("message does not contain {frag:?}"));
                }
            }
            if *cmd != "doctor --offline" && !run.out().is_empty() {
                p.push("printed on stdout although the project did not load".into());
            }
        }
        (!p.is_empty()).then(|| format!("[{}] {}\n{}", case.id, p.join("; "), run.dump()))
    })
    .into_iter()
    .flatten()
    .collect();
    report("broken projects", problems);
}

/// Unknown services and environments are usage errors (exit 2) that list the known ones.
#[test]
fn unknown_service_and_environment_list_the_known_ones() {
    let s = Scratch::new();
    s.write("p/compose.yaml", simple_project(NAME));
    s.write(
        "p/compose.dev.yaml",
        "services:\n  web:\n    environment: {A: '1'}\n",
    );
    s.write(
        "p/compose.prod.yaml",
        "services:\n  web:\n    environment: {A: '2'}\n",
    );
    let _cleanup = qa_cleanup(NAME);
    let table: &[(&str, i32, &[&str])] = &[
        ("up nosuch", 2, &["nosuch", "web"]),
        ("up --wait=5 nosuch", 2, &["nosuch", "web"]),
        ("stop nosuch", 2, &["nosuch", "web"]),
        ("start nosuch", 2, &["nosuch", "web"]),
        ("restart nosuch", 2, &["nosuch", "web"]),
        ("build nosuch", 2, &["nosuch", "web"]),
        ("pull nosuch", 2, &["nosuch", "web"]),
        ("exec nosuch ls", 2, &["nosuch", "web"]),
        ("sh nosuch", 2, &["nosuch", "web"]),
        ("run nosuch ls", 2, &["nosuch", "web"]),
        ("logs nosuch", 2, &["nosuch", "web"]),
        ("logs web nosuch", 2, &["nosuch", "web"]),
        ("config --explain services.nosuch", 2, &["services.nosuch"]),
        ("snapshot create nosuch", 2, &["nosuch"]),
        ("snapshot restore nosuch", 2, &["nosuch", "snapshot list"]),
        ("--env staging config", 2, &["staging", "dev", "prod"]),
        ("--env staging up", 2, &["staging", "dev", "prod"]),
        ("--env staging down -v", 2, &["staging", "dev", "prod"]),
        ("--env staging ps", 2, &["staging", "dev", "prod"]),
        ("--env staging logs", 2, &["staging", "dev", "prod"]),
        // doctor reports it as an error finding on stdout, with the loader's usage code.
        (
            "--env staging doctor --offline",
            2,
            &["staging", "dev, prod"],
        ),
        ("--env staging", 2, &["staging", "dev", "prod"]),
        ("--env ../etc config", 2, &["../etc"]),
    ];
    let env_table: &[(&str, i32, &[&str])] = &[
        ("config", 2, &["staging", "dev", "prod"]),
        ("ps", 2, &["staging", "dev", "prod"]),
    ];
    let mut jobs: Vec<(Opts, &str, i32, &[&str])> = table
        .iter()
        .map(|(c, code, says)| (s.opts("p"), *c, *code, *says))
        .collect();
    for (c, code, says) in env_table {
        jobs.push((s.opts("p").with("DEVCTL_ENV", "staging"), c, *code, says));
    }
    let problems: Vec<String> = par_map(&jobs, 4, |(opts, cmd, code, says)| {
        let run = devctl(opts, &words(cmd));
        let mut p = run.sanity_problems();
        if run.code != Some(*code) {
            p.push(format!("exit {:?}, want {code}", run.code));
        }
        let text = if cmd.contains("doctor") {
            run.out()
        } else {
            run.err()
        };
        for frag in *says {
            if !text.contains(frag) {
                p.push(format!("message does not contain {frag:?}"));
            }
        }
        (!p.is_empty()).then(|| format!("[{cmd}] {}\n{}", p.join("; "), run.dump()))
    })
    .into_iter()
    .flatten()
    .collect();
    report("unknown names", problems);
    // Nothing of the project was created by any of these.
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

/// On a Swarm environment, what drives Compose on one Engine (`compose --`, `exec`, `sh`,
/// `run`, `watch`, a project command in a service or calling Compose) is a usage error that
/// runs nothing; `guard --` and `run_host` commands reach the environment's manager (here a
/// socket nobody listens on, which the failure names), never the local Engine.
#[test]
fn swarm_environment_refuses_compose_commands_and_points_the_rest_at_the_manager() {
    let s = Scratch::new();
    let manager = s.path("no-manager.sock");
    s.write("p/compose.yaml", simple_project(NAME));
    s.write(
        "p/compose.prod.yaml",
        "services:\n  web:\n    deploy: {replicas: 1}\n",
    );
    s.write(
        "p/devctl.yaml",
        format!(
            "environments:\n  prod:\n    target: swarm\n    context: unix://{}\n\
             commands:\n  svc: {{service: web, run: ls}}\n  \
             wipe: {{run_host: \"docker compose down -v\"}}\n  \
             info: {{run_host: \"docker ps -q\"}}\n",
            manager.display()
        ),
    );
    let _cleanup = qa_cleanup(NAME);
    let refused: &[(&str, &str)] = &[
        ("--prod compose -- ps", "`devctl compose`"),
        ("--prod compose -- down -v", "`devctl compose`"),
        ("--prod exec web ls", "`devctl exec`"),
        ("--prod sh web", "`devctl sh`"),
        ("--prod run web ls", "`devctl run`"),
        ("--prod watch", "`devctl watch`"),
        ("--prod do svc", "`svc` runs in a Compose service"),
        ("--prod do wipe", "`wipe` calls Compose"),
    ];
    let mut problems = Vec::new();
    for (cmd, says) in refused {
        let run = devctl(&s.opts("p"), &words(cmd));
        let mut p = run.sanity_problems();
        if run.code != Some(2) {
            p.push(format!("exit {:?}, want 2", run.code));
        }
        for frag in [*says, "targets a Swarm", "nothing was run"] {
            if !run.err().contains(frag) {
                p.push(format!("message does not contain {frag:?}"));
            }
        }
        if !p.is_empty() {
            problems.push(format!("[{cmd}] {}\n{}", p.join("; "), run.dump()));
        }
    }
    let sock = manager.display().to_string();
    for cmd in ["--prod guard -- docker ps -q", "--prod do info --trust"] {
        let run = devctl(&s.opts("p"), &words(cmd));
        let mut p = run.sanity_problems();
        if run.code == Some(0) {
            p.push("exit 0: it reached an Engine".into());
        }
        if !run.dump().contains(&sock) {
            p.push(format!("the manager's socket {sock} is not named"));
        }
        if !p.is_empty() {
            problems.push(format!("[{cmd}] {}\n{}", p.join("; "), run.dump()));
        }
    }
    report("swarm environment", problems);
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

/// Bad flag values are usage errors (exit 2) that echo the value; nothing runs.
#[test]
fn bad_flag_values_are_usage_errors_naming_the_value() {
    let s = Scratch::new();
    s.write("p/compose.yaml", simple_project(NAME));
    let table: &[(&[&str], &[&str])] = &[
        (&["logs", "--tail", "abc"], &["abc"]),
        (
            &["logs", "--tail", "99999999999999999999"],
            &["99999999999999999999"],
        ),
        (&["logs", "--since", "nonsense"], &["nonsense"]),
        (
            &["logs", "--since", "99999999999999999999"],
            &["99999999999999999999"],
        ),
        (&["logs", "--grep", "("], &["--grep", "("]),
        (&["logs", "--grep", "["], &["--grep", "["]),
        (&["up", "--wait=xyz"], &["xyz"]),
        (&["up", "--wait=-1s"], &["-1s"]),
        (&["up", "--wait=1e400"], &["1e400"]),
        (&["status", "--wait=xyz"], &["xyz"]),
        (&["status", "--wait", "xyz"], &["xyz"]),
        (&["status", "--wait=NaN"], &["NaN"]),
        (&["down", "--confirm"], &["--confirm"]),
        (
            &["down", "-v", "--snapshot", "--no-snapshot"],
            &["--no-snapshot"],
        ),
        (&["--dev", "--prod", "config"], &["--prod"]),
        (&["demo", "nosuch"], &["nosuch"]),
        (&["nosuchcommand"], &["nosuchcommand"]),
        (&["ps", "extra"], &["extra"]),
        (&["--bogus"], &["--bogus"]),
        (&["-p", "Bad Name!", "config"], &["Bad Name!"]),
        (&["compose"], &["devctl compose"]),
        (&["exec"], &["<SERVICE>"]),
        (&["volume", "rm"], &["<VOLUME>"]),
        (&["snapshot", "restore"], &["<SNAPSHOT>"]),
        (
            &["-f", "-", "config"],
            &["`-f -`", "standard input", "docker compose -f -"],
        ),
        (&["up", "-f", "-"], &["`-f -`", "standard input"]),
        (&["-f", "compose.yaml", "-f", "-", "ps"], &["`-f -`"]),
    ];
    let problems: Vec<String> = par_map(table, 4, |(args, says)| {
        let run = devctl(&s.opts("p"), args);
        let mut p = run.sanity_problems();
        if run.code != Some(2) {
            p.push(format!("exit {:?}, want 2", run.code));
        }
        for frag in *says {
            if !run.err().contains(frag) {
                p.push(format!("stderr does not contain {frag:?}"));
            }
        }
        if !run.out().is_empty() {
            p.push("printed on stdout".into());
        }
        (!p.is_empty()).then(|| format!("{args:?}: {}\n{}", p.join("; "), run.dump()))
    })
    .into_iter()
    .flatten()
    .collect();
    report("bad flag values", problems);
}

/// Inputs that used to crash or stall the loader, checked where they start: `devctl config`.
#[test]
fn loader_limits_and_big_files() {
    let s = Scratch::new();
    let nested = |n: usize| format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
    // 50 000 nested defaults overflowed the stack (abort, no message).
    s.write(
        "interp/compose.yaml",
        format!("services:\n  web:\n    image: \"{}\"\n", nested(50_000)),
    );
    // A valid 2 MB file (2 000 services) loads.
    let mut big = String::from("name: devctl-it-qa-big\nservices:\n");
    for i in 0..2_000 {
        big.push_str(&format!(
            "  s{i}:\n    image: {IMAGE}\n    environment:\n      FILLER: \"{}\"\n",
            "x".repeat(900)
        ));
    }
    s.write("big/compose.yaml", &big);
    // Many templates side by side on one line are no nesting.
    s.write(
        "wide/compose.yaml",
        format!(
            "name: devctl-it-qa-wide\nservices:\n  web:\n    image: {IMAGE}\n    command: \"{}\"\n",
            "${QA_UNSET:-a}".repeat(2_000)
        ),
    );
    let interp = devctl(&s.opts("interp"), &["config"]);
    let big = devctl(&s.opts("big"), &["config", "--services"]);
    let wide = devctl(&s.opts("wide"), &["config", "--json"]);
    let mut problems = Vec::new();
    for r in [&interp, &big, &wide] {
        let p = r.sanity_problems();
        if !p.is_empty() {
            problems.push(format!("{}\n{}", p.join("; "), r.dump()));
        }
    }
    report("loader limits", problems);
    assert_eq!(interp.code, Some(3), "{}", interp.dump());
    assert!(
        interp.err().contains("services.web.image")
            && interp.err().contains("nested more than 256 levels"),
        "{}",
        interp.dump()
    );
    assert_eq!(big.code, Some(0), "{}", big.dump());
    assert_eq!(big.out().lines().count(), 2_000, "{}", big.dump());
    assert_eq!(wide.code, Some(0), "{}", wide.dump());
    let json: serde_json::Value = serde_json::from_slice(&wide.stdout_bytes).expect("JSON");
    assert_eq!(
        json["services"]["web"]["command"],
        serde_json::json!(["a".repeat(2_000)])
    );
}

/// The first control, C1, DEL or bidi character in `bytes` (invalid UTF-8 counts too), with
/// its offset: nothing of that kind may reach a terminal from devctl.
fn raw_control(bytes: &[u8]) -> Option<(usize, String)> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Some((e.valid_up_to(), "invalid UTF-8".into())),
    };
    text.char_indices()
        .find(|&(_, c)| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .map(|(i, c)| (i, format!("{c:?}")))
}

/// Compose-file text with terminal controls (OSC title, clear screen, BEL, C1 CSI, DEL) and
/// bidi controls in service names, keys, values, `${VAR:?message}` texts, volume names and
/// `env_file` values: `config` (every form), `ps` (text and JSON) and `up --dry-run` print it
/// escaped (or masked), in results and in error messages alike; checked on the bytes.
#[test]
fn dvout_hostile_text_never_reaches_the_terminal_raw() {
    const EVIL: &str = r"\e]0;pwned\a\e[2J\u202e\u2066\u061c\u200f\x9b31m\x7f";
    let svc = format!("    image: {IMAGE}\n    pull_policy: never\n");
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "service name",
            format!("services:\n  \"web{EVIL}\":\n{svc}"),
            &[
                "config",
                "config --json",
                "config --services",
                "ps",
                "ps --json",
                "up --dry-run",
            ],
        ),
        (
            "unknown key",
            format!("services:\n  web:\n{svc}    \"bogus{EVIL}\": 1\n"),
            &["config", "ps", "up --dry-run"],
        ),
        (
            "required-variable message",
            format!("services:\n  web:\n    image: \"${{DVOUT_NOPE:?set it{EVIL}}}\"\n"),
            &["config", "ps", "up --dry-run"],
        ),
        (
            "values",
            format!(
                "services:\n  web:\n{svc}    environment:\n      NOTE: \"a{EVIL}b\"\n      \"K{EVIL}\": x\n    labels:\n      note: \"{EVIL}\"\n"
            ),
            &[
                "config",
                "config --json",
                "config --explain services.web",
                "ps",
                "ps --json",
            ],
        ),
        (
            "volume name",
            format!(
                "services:\n  web:\n{svc}    volumes:\n      - \"data{EVIL}:/data\"\nvolumes:\n  \"data{EVIL}\": {{}}\n"
            ),
            &["config", "config --volumes", "config --json"],
        ),
        (
            "env_file value",
            format!("services:\n  web:\n{svc}    env_file: evil.env\n"),
            &[
                "config",
                "config --show-secrets",
                "config --json --show-secrets",
            ],
        ),
    ];
    for (what, yaml, commands) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("compose.yaml"), &yaml).expect("compose file");
        std::fs::write(
            dir.path().join("evil.env"),
            b"NOTE=x\x1b]0;pwned\x07\x1b[2J\xe2\x80\xae\xc2\x9by\nPLAIN=ok\n",
        )
        .expect("env file");
        for cmd in commands {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_devctl"))
                .args(cmd.split_whitespace())
                .current_dir(dir.path())
                .env("COMPOSE_PROJECT_NAME", "dvout-hostile-text")
                .env_remove("COMPOSE_FILE")
                .env_remove("COMPOSE_PROFILES")
                .env("NO_COLOR", "1")
                .stdin(std::process::Stdio::null())
                .output()
                .expect("devctl runs");
            let code = out.status.code();
            assert!(
                code.is_some_and(|c| DOCUMENTED.contains(&c)),
                "{what}: `{cmd}` ended with {:?}",
                out.status
            );
            for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                let raw = raw_control(bytes);
                assert!(
                    raw.is_none(),
                    "{what}: `{cmd}` printed {raw:?} (char, byte offset) raw on {stream}:\n{:?}",
                    String::from_utf8_lossy(bytes)
                );
            }
            // The text is there, escaped, not dropped: the user can find it in the file.
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let shows_it = code != Some(0)
                // (`--explain` shows provenance, which the loader stores already stripped.)
                || (cmd.starts_with("config")
                    && !cmd.contains("explain")
                    && (what != "env_file value" || cmd.contains("show-secrets")))
                || (what == "service name" && cmd.starts_with("ps"));
            if shows_it {
                assert!(
                    all.contains("202e") || all.contains("202E"),
                    "{what}: `{cmd}` lost the RLO instead of showing it escaped:\n{all}"
                );
            }
        }
    }
}
