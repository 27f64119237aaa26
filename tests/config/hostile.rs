//! Hostile and huge input (issue 17): a corpus of compose files a cloned repository could
//! hold — devices, FIFOs (made at run time), huge files (generated at run time, never
//! committed), deep nesting, cycles, wrong types, escapes in keys, names and messages.
//! Each case has its expected exit code and message. `config`, `ps` and `up --dry-run` run
//! over every case and must each stay under 200 MB peak RSS (VmHWM of the devctl process,
//! polled from /proc) and 10 s, and never print a raw control character (checked on the
//! bytes of stdout and stderr).
//!
//! The differential side (the same type/cycle/name and string-command inputs against
//! `docker compose config`) is in `tests/fixtures/config/strict/`, run by `config_live.rs`.

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::devctl::Opts;
use common::scratch::Scratch;

const MAX_RSS_KB: u64 = 200 * 1024;
const MAX_TIME: Duration = Duration::from_secs(10);

/// One hostile input: its files (written into a fresh folder), an optional setup step
/// (FIFOs, huge files), the exit code and a message fragment `config` must give.
struct Case {
    name: &'static str,
    files: Vec<(&'static str, String)>,
    setup: fn(&Path),
    exit: i32,
    message: &'static str,
}

fn none(_: &Path) {}

fn mkfifo(dir: &Path) {
    let st = Command::new("mkfifo")
        .arg(dir.join("fifo"))
        .status()
        .expect("mkfifo");
    assert!(st.success(), "mkfifo failed");
}

/// A sparse file just over the 16 MiB limit (no disk used, nothing committed).
fn huge(dir: &Path) {
    let f = std::fs::File::create(dir.join("huge.env")).expect("create");
    f.set_len((16 << 20) + 1).expect("sparse");
}

fn svc(body: &str) -> String {
    format!("services:\n  a:\n    image: alpine\n{body}")
}

fn many_keys(n: usize) -> String {
    let mut s = String::from("services:\n  a:\n    image: alpine\n    environment:\n");
    for i in 0..n {
        s.push_str(&format!("      KEY_{i}: value-{i}\n"));
    }
    s
}

fn corpus() -> Vec<Case> {
    let deep_flow = format!(
        "services:\n  a:\n    image: alpine\n    x-deep: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let laughs = {
        let mut s = String::from("x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..9 {
            let prev = (b'a' + i - 1) as char;
            let cur = (b'a' + i) as char;
            s.push_str(&format!("x-{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        s + "services:\n  a:\n    image: alpine\n"
    };
    vec![
        Case { name: "env_file /dev/zero", files: vec![("compose.yaml", svc("    env_file: /dev/zero\n"))], setup: none, exit: 3, message: "env_file /dev/zero is not a regular file (a character device)" },
        Case { name: "env_file /dev/urandom", files: vec![("compose.yaml", svc("    env_file: /dev/urandom\n"))], setup: none, exit: 3, message: "env_file /dev/urandom is not a regular file" },
        Case { name: "env_file FIFO", files: vec![("compose.yaml", svc("    env_file: ./fifo\n"))], setup: mkfifo, exit: 3, message: "is not a regular file (a FIFO)" },
        Case { name: "env_file directory", files: vec![("compose.yaml", svc("    env_file: /tmp\n"))], setup: none, exit: 3, message: "env_file /tmp is not a regular file (a directory)" },
        Case { name: "env_file huge", files: vec![("compose.yaml", svc("    env_file: ./huge.env\n"))], setup: huge, exit: 3, message: "is larger than 16 MiB" },
        Case { name: "extends file /dev/zero", files: vec![("compose.yaml", "services:\n  a:\n    extends: {file: /dev/zero, service: b}\n".into())], setup: none, exit: 3, message: "extends file /dev/zero is not a regular file" },
        Case { name: "extends file FIFO", files: vec![("compose.yaml", "services:\n  a:\n    extends: {file: ./fifo, service: b}\n".into())], setup: mkfifo, exit: 3, message: "(a FIFO)" },
        Case { name: "include /dev/urandom", files: vec![("compose.yaml", "include: [/dev/urandom]\nservices:\n  a: {image: alpine}\n".into())], setup: none, exit: 3, message: "included file /dev/urandom is not a regular file" },
        Case { name: "include FIFO", files: vec![("compose.yaml", "include: [./fifo]\nservices:\n  a: {image: alpine}\n".into())], setup: mkfifo, exit: 3, message: "included file" },
        Case { name: "deep flow nesting", files: vec![("compose.yaml", deep_flow)], setup: none, exit: 3, message: "compose.yaml" },
        Case { name: "billion laughs", files: vec![("compose.yaml", laughs)], setup: none, exit: 3, message: "compose.yaml" },
        Case { name: "40k environment keys", files: vec![("compose.yaml", many_keys(40_000))], setup: none, exit: 0, message: "" },
        Case { name: "depends_on cycle", files: vec![("compose.yaml", "services:\n  a: {image: alpine, depends_on: [b]}\n  b: {image: alpine, depends_on: [a]}\n".into())], setup: none, exit: 3, message: "compose.yaml: dependency cycle detected: a -> b -> a" },
        Case { name: "network_mode cycle", files: vec![("compose.yaml", "services:\n  a: {image: alpine, network_mode: \"service:b\"}\n  b: {image: alpine, network_mode: \"service:a\"}\n".into())], setup: none, exit: 3, message: "dependency cycle detected: a -> b -> a" },
        Case { name: "extends cycle", files: vec![("compose.yaml", "services:\n  a: {extends: b}\n  b: {extends: a}\n".into())], setup: none, exit: 3, message: "Circular reference" },
        Case { name: "wrong scalar type in a list", files: vec![("compose.yaml", svc("    command: [-1.5, x]\n"))], setup: none, exit: 3, message: "services.a.command.0 must be a string" },
        Case { name: "wrong type for the typed view", files: vec![("compose.yaml", svc("    scale: 5000000000\n"))], setup: none, exit: 3, message: "compose.yaml: services.a.scale:" },
        Case { name: "ESC in a service name", files: vec![("compose.yaml", "services:\n  \"a\\e[2J\":\n    image: alpine\n".into())], setup: none, exit: 3, message: "services additional properties 'a\\x1b[2J' not allowed" },
        Case { name: "OSC title in a service name", files: vec![("compose.yaml", "services:\n  \"x\\e]0;pwned\\a\":\n    image: alpine\n".into())], setup: none, exit: 3, message: "services additional properties 'x\\x1b]0;pwned\\x07' not allowed" },
        Case { name: "bidi override in a service name", files: vec![("compose.yaml", "services:\n  \"a\\u202Eb\":\n    image: alpine\n".into())], setup: none, exit: 3, message: "'a\\u202eb' not allowed" },
        Case { name: "raw control character on line 3", files: vec![("compose.yaml", "services:\n  a:\n    image: \"a\u{1}b\"\n".into())], setup: none, exit: 3, message: "line 3, column 14: control characters are not allowed" },
        Case { name: "OSC title in a ${VAR:?message}", files: vec![("compose.yaml", svc("    environment:\n      X: \"${NOPE:?\\e]0;pwned\\a gone}\"\n"))], setup: none, exit: 3, message: "services.a.environment.X: required variable NOPE is missing a value: \\x1b]0;pwned\\x07 gone" },
        Case { name: "integer beyond 64 bits", files: vec![("compose.yaml", svc("    environment:\n      BIG: 123456789012345678901234567890\n"))], setup: none, exit: 0, message: "" },
        Case { name: "unquoted ( in a string command", files: vec![("compose.yaml", svc("    command: echo (x)\n"))], setup: none, exit: 3, message: "services.a.command: invalid command line string" },
    ]
}

/// The outcome of one devctl run: exit code, output bytes, peak RSS (kB), wall time.
struct Outcome {
    code: Option<i32>,
    out: Vec<u8>,
    peak_kb: u64,
    took: Duration,
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Run devctl, polling its peak RSS every 2 ms; killed after twice the time budget.
fn run(dir: &Path, args: &[&str], project: &str) -> Outcome {
    let opts = Opts::new(dir)
        .with("COMPOSE_PROJECT_NAME", project)
        .with("NO_COLOR", "1");
    let mut child = opts
        .command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn devctl");
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut o = Vec::new();
        let _ = stdout.read_to_end(&mut o);
        o
    });
    let ereader = std::thread::spawn(move || {
        let mut e = Vec::new();
        let _ = stderr.read_to_end(&mut e);
        e
    });
    let start = Instant::now();
    let mut peak = 0;
    let code = loop {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak = peak.max(kb);
        }
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code();
        }
        if start.elapsed() > MAX_TIME * 2 {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let took = start.elapsed();
    let mut out = reader.join().expect("stdout reader");
    out.extend(ereader.join().expect("stderr reader"));
    Outcome {
        code,
        out,
        peak_kb: peak,
        took,
    }
}

/// Raw terminal controls in `bytes`: C0 except tab/newline, DEL, C1, bidi/format controls.
fn raw_controls(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .filter(|c| {
            let u = *c as u32;
            (u < 0x20 && *c != '\n' && *c != '\t')
                || (0x7f..=0x9f).contains(&u)
                || matches!(u, 0x200b..=0x200f | 0x202a..=0x202e | 0x2066..=0x2069)
        })
        .map(|c| format!("U+{:04X}", c as u32))
        .collect()
}

#[test]
fn hostile_corpus_is_bounded_clear_and_clean() {
    let scratch = Scratch::with_prefix("dvld-hostile");
    let mut failures = Vec::new();
    let mut table = Vec::new();
    for (i, case) in corpus().into_iter().enumerate() {
        let dir: PathBuf = scratch.path(&format!("case{i}"));
        std::fs::create_dir_all(&dir).expect("case dir");
        for (name, text) in &case.files {
            std::fs::write(dir.join(name), text).expect("write case file");
        }
        (case.setup)(&dir);
        let project = format!("dvld-hostile-{i}");
        for args in [&["config"][..], &["ps"][..], &["up", "--dry-run"][..]] {
            let o = run(&dir, args, &project);
            let what = format!("{} [{}]", case.name, args.join(" "));
            let text = String::from_utf8_lossy(&o.out).into_owned();
            table.push(format!(
                "{what}: exit {:?}, {} kB, {:?}",
                o.code, o.peak_kb, o.took
            ));
            if o.peak_kb > MAX_RSS_KB {
                failures.push(format!("{what}: peak RSS {} kB", o.peak_kb));
            }
            if o.took > MAX_TIME {
                failures.push(format!("{what}: took {:?}", o.took));
            }
            let raw = raw_controls(&o.out);
            if !raw.is_empty() {
                failures.push(format!(
                    "{what}: raw control characters {raw:?} in {text:?}"
                ));
            }
            // `ps` and `up --dry-run` of a valid project go on to the Engine/Compose; the
            // load outcome is the contract for the failing cases.
            if case.exit != 0 || args == ["config"] {
                if o.code != Some(case.exit) {
                    failures.push(format!(
                        "{what}: exit {:?}, want {}: {text}",
                        o.code, case.exit
                    ));
                }
                if !text.contains(case.message) {
                    failures.push(format!("{what}: message lacks {:?}: {text}", case.message));
                }
            }
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_fifo_given_with_dash_f_is_refused_without_blocking() {
    let scratch = Scratch::with_prefix("dvld-hostile-f");
    let dir = scratch.path("p");
    std::fs::create_dir_all(&dir).expect("dir");
    mkfifo(&dir);
    let o = run(&dir, &["-f", "fifo", "config"], "dvld-hostile-f");
    let text = String::from_utf8_lossy(&o.out);
    assert_eq!(o.code, Some(3), "{text}");
    assert!(text.contains("is not a regular file"), "{text}");
}

/// A project's own `.env` or `devctl.yaml` that is a FIFO, a device or a directory is refused
/// with exit 3 naming it (it used to be skipped silently, so Compose then hung on the FIFO or
/// read `/dev/zero` until memory ran out, and `devctl.yaml`'s protected volumes vanished).
#[test]
fn a_projects_own_env_or_devctl_yaml_that_is_no_regular_file_is_refused() {
    let scratch = Scratch::with_prefix("dvguard-hostile-env");
    let dir = scratch.path("p");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  app:\n    image: busybox:stable\n",
    )
    .expect("compose file");
    type Make = fn(&Path);
    let cases: [(&str, Make); 4] = [
        (".env", |p| {
            std::os::unix::fs::symlink("/dev/zero", p).expect("symlink")
        }),
        (".env", |p| {
            let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo");
            assert!(ok.success());
        }),
        (".env", |p| std::fs::create_dir(p).expect("mkdir")),
        ("devctl.yaml", |p| {
            let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo");
            assert!(ok.success());
        }),
    ];
    for (name, make) in cases {
        let path = dir.join(name);
        make(&path);
        for args in [&["config"][..], &["ps"], &["up", "--dry-run"]] {
            let o = run(&dir, args, "dvguard-hostile-env");
            let text = String::from_utf8_lossy(&o.out);
            assert_eq!(o.code, Some(3), "{name} {args:?}: {text}");
            assert!(text.contains("is not a regular file"), "{name}: {text}");
            assert!(text.contains(&path.display().to_string()), "{name}: {text}");
        }
        if path.is_dir() {
            std::fs::remove_dir(&path).expect("rmdir");
        } else {
            std::fs::remove_file(&path).expect("rm");
        }
    }
}
