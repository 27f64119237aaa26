//! `devctl logs` output on the real Engine: hostile escape sequences are neutralised, lines
//! split across chunks come out whole, several services are merged in time order, and the
//! error paths (unknown service, no containers, closed pipe) behave.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::stack::{IMAGE, Stack};

fn service(name: &str, tty: bool, script: &str) -> String {
    let script: String = script.lines().map(|l| format!("        {l}\n")).collect();
    format!(
        "  {name}:\n    image: {IMAGE}\n    pull_policy: never\n    tty: {tty}\n    command:\n      - sh\n      - -c\n      - |\n{script}"
    )
}

/// Prints OSC 52 (clipboard write), clear screen, a title change, a colour, a C1 CSI,
/// a bell and a cursor-up-and-erase, then sleeps.
const HOSTILE: &str = r#"printf 'osc52 \033]52;c;ZWNobyBwd25lZA==\007 end\n'
printf 'clear \033[2J\033[H end\n'
printf 'title \033]0;pwned\007 end\n'
printf 'color \033[31mred\033[0m end\n'
printf 'c1 \302\2332J end\n'
printf 'bell \007 up \033[1A\033[2K end\n'
printf 'dcs \033P1$$r0m\033\\ end\n'
echo done
sleep 3600"#;

fn assert_inert(stdout: &[u8], what: &str) {
    let text = String::from_utf8_lossy(stdout);
    for (i, b) in stdout.iter().enumerate() {
        assert!(
            *b == b'\n' || *b == b'\t' || (*b >= 0x20 && *b != 0x7f),
            "{what}: control byte {b:#04x} at {i} reached stdout:\n{text:?}"
        );
    }
    assert!(
        !text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)),
        "{what}: a C1 control reached stdout: {text:?}"
    );
}

#[test]
fn escape_sequences_do_not_reach_stdout_raw() {
    let services = format!(
        "{}{}",
        service("evil", false, HOSTILE),
        service("eviltty", true, HOSTILE)
    );
    let stack = Stack::logs("esc", &services);
    stack.up_quiet();
    stack.wait_for_log("evil", "done", Duration::from_secs(30));
    stack.wait_for_log("eviltty", "done", Duration::from_secs(30));

    for svc in ["evil", "eviltty"] {
        let out = stack.devctl_output(&["logs", svc]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_inert(&out.stdout, svc);
        let text = String::from_utf8_lossy(&out.stdout);
        let prefix = format!("{svc}-1  | ");
        for want in [
            "osc52  end",
            "clear  end",
            "title  end",
            "color red end",
            "c1 2J end",
            "bell  up  end",
            "dcs  end",
            "done",
        ] {
            assert!(
                text.lines().any(|l| l == format!("{prefix}{want}")),
                "{svc}: missing line `{prefix}{want}` in:\n{text}"
            );
        }
        assert!(!text.contains("pwned"), "{text}");

        // Colours on request: only the SGR survives, the rest is still removed.
        let out = stack
            .devctl()
            .args(["logs", "--keep-colors", svc])
            .env_remove("NO_COLOR")
            .output()
            .expect("devctl runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("color \x1b[31mred\x1b[0m end"), "{text:?}");
        let without_sgr = devctl::sanitize::sanitize_line(text.as_bytes());
        assert!(
            !text.contains("\x1b]"),
            "OSC survived --keep-colors: {text:?}"
        );
        assert!(
            !text.contains("\x1b[2J"),
            "clear survived --keep-colors: {text:?}"
        );
        assert!(without_sgr.contains("osc52  end"));
    }
}

#[test]
fn in_a_terminal_prefixes_are_coloured_and_container_sequences_still_removed() {
    let stack = Stack::logs("pty", &service("evil", false, HOSTILE));
    stack.up_quiet();
    stack.wait_for_log("evil", "done", Duration::from_secs(30));
    let bin = env!("CARGO_BIN_EXE_devctl");
    // util-linux `script` gives devctl a pseudo-terminal as stdout.
    let run = |no_color: bool| {
        let mut c = std::process::Command::new("script");
        c.args(["-q", "-e", "-c", &format!("{bin} logs evil"), "/dev/null"])
            .current_dir(stack.path())
            .stdin(Stdio::null());
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        c.output().expect("script runs")
    };
    let coloured = run(false);
    let text = String::from_utf8_lossy(&coloured.stdout);
    assert!(
        text.contains("\x1b[36mevil-1  | \x1b[0mosc52  end"),
        "expected Compose's cyan prefix: {text:?}"
    );
    let plain = run(true);
    let text = String::from_utf8_lossy(&plain.stdout);
    assert!(text.contains("evil-1  | osc52  end"), "{text:?}");
    // The terminal adds CR before LF; nothing else may be a control byte.
    let bytes: Vec<u8> = plain
        .stdout
        .iter()
        .copied()
        .filter(|b| *b != b'\r')
        .collect();
    assert_inert(&bytes, "NO_COLOR in a terminal");
}

#[test]
fn lines_split_across_chunks_come_out_whole() {
    let script = r#"printf 'abc'; sleep 1; printf 'def\n'
head -c 40000 /dev/zero | tr '\0' x; echo
printf 'tail'; sleep 1; printf 'end\n'
echo done
sleep 3600"#;
    let services = format!(
        "{}{}",
        service("split", false, script),
        service("splittty", true, script)
    );
    let stack = Stack::logs("split", &services);
    stack.up_quiet();
    stack.wait_for_log("split", "done", Duration::from_secs(30));
    stack.wait_for_log("splittty", "done", Duration::from_secs(30));
    // Without -t a single non-TTY container is read without Engine timestamps; with -t (and
    // always for TTY containers) with them: both paths must reassemble.
    for (svc, ts) in [
        ("split", false),
        ("split", true),
        ("splittty", false),
        ("splittty", true),
    ] {
        let mut args = vec!["logs", "--no-log-prefix", svc];
        if ts {
            args.push("-t");
        }
        let out = stack.devctl_output(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text
            .lines()
            .map(|l| {
                if ts {
                    let (stamp, rest) = l.split_once(' ').unwrap_or(("", l));
                    assert!(stamp.ends_with('Z') && stamp.len() == 30, "{l}");
                    rest
                } else {
                    l
                }
            })
            .collect();
        assert_eq!(lines.len(), 4, "{svc}: {lines:?}");
        assert_eq!(lines[0], "abcdef", "{svc}");
        assert_eq!(lines[1], "x".repeat(40000), "{svc}: the 40 000-byte line");
        assert_eq!(lines[2], "tailend", "{svc}");
        assert_eq!(lines[3], "done", "{svc}");
    }
}

#[test]
fn services_are_merged_in_time_order() {
    let a = "for i in 1 2 3 4; do echo a$$i; sleep 1; done; sleep 3600";
    let b = "sleep 0.5; for i in 1 2 3 4; do echo b$$i; sleep 1; done; sleep 3600";
    let services = format!(
        "{}{}",
        service("alpha", false, a),
        service("beta", false, b)
    );
    let stack = Stack::logs("merge", &services);
    stack.up_quiet();
    stack.wait_for_log("beta", "b4", Duration::from_secs(30));
    let out = stack.devctl_output(&["logs", "--timestamps"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut stamps = Vec::new();
    let mut order = Vec::new();
    for l in text.lines() {
        let (prefix, rest) = l.split_once("| ").expect("prefixed line");
        let (ts, msg) = rest.split_once(' ').expect("timestamp first");
        assert!(
            prefix.starts_with("alpha-1 ") || prefix.starts_with("beta-1 "),
            "{l}"
        );
        stamps.push(ts.to_string());
        order.push(msg.to_string());
    }
    let mut sorted = stamps.clone();
    sorted.sort();
    assert_eq!(stamps, sorted, "timestamps not in order:\n{text}");
    assert_eq!(
        order,
        ["a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4"],
        "{text}"
    );
    // The same with the services named (order of arguments does not matter for the merge).
    let out = stack.devctl_output(&["logs", "beta", "alpha"]);
    let msgs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once("| ").map(|(_, m)| m.to_string()))
        .collect();
    assert_eq!(msgs, ["a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4"]);
    // --tail applies per container, then merges.
    let out = stack.devctl_output(&["logs", "--tail", "1"]);
    let msgs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once("| ").map(|(_, m)| m.to_string()))
        .collect();
    assert_eq!(msgs, ["a4", "b4"]);
    // --grep
    let out = stack.devctl_output(&["logs", "--grep", "^b[23]$"]);
    let msgs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once("| ").map(|(_, m)| m.to_string()))
        .collect();
    assert_eq!(msgs, ["b2", "b3"]);
}

#[test]
fn unknown_service_no_containers_and_closed_pipe() {
    let big =
        "i=0; while [ $$i -lt 50000 ]; do echo line $$i; i=$$((i+1)); done; echo done; sleep 3600";
    let services = format!(
        "{}{}",
        service("big", false, big),
        service("idle", false, "sleep 3600")
    );
    let stack = Stack::logs("errors", &services);

    // Not started yet: a clear message, success, nothing on stdout.
    let out = stack.devctl_output(&["logs", "idle"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no containers"), "{err}");

    // Unknown service: usage error naming the known ones.
    let out = stack.devctl_output(&["logs", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope") && err.contains("big, idle"), "{err}");

    // Bad flag values are usage errors too.
    let out = stack.devctl_output(&["logs", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    let out = stack.devctl_output(&["logs", "--grep", "("]);
    assert_eq!(out.status.code(), Some(2));

    // `devctl logs big | head -1`: the reader goes away, devctl exits 0 without a word.
    stack.up_quiet();
    stack.wait_for_log("big", "done", Duration::from_secs(60));
    let mut child = stack
        .devctl()
        .args(["logs", "big"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("devctl starts");
    let stdout = child.stdout.take().expect("piped");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("one line");
    assert_eq!(first, "big-1  | line 0\n");
    // The read end is closed here (BufReader dropped).
    let out = child.wait_with_output().expect("devctl ends");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// Bidi controls (RLO, LRI/PDI, ALM, RLM) and escapes printed by a container and by its
/// health check: `logs` (text and `--json`) and `ps` (text and `--json`) never print them raw
/// (checked on the bytes), and the password in the probe's URL is masked in `ps --json`
/// unless `--show-secrets`.
#[test]
fn dvout_bidi_controls_and_probe_secrets_in_logs_and_ps() {
    let services = format!(
        "{}    healthcheck:\n      test: [\"CMD-SHELL\", \"printf 'probe \\\\033]0;pwned\\\\007 \\\\342\\\\200\\\\256gnp.exe http://u:dvout-pw@h/ end'; exit 1\"]\n      interval: 1s\n      retries: 100\n",
        service(
            "bidi",
            false,
            "printf 'rlo \\342\\200\\256gnp.exe end\\n'\nprintf 'iso \\342\\201\\246x\\342\\201\\251 alm \\330\\234 rlm \\342\\200\\217 end\\n'\nprintf 'esc \\033[2J\\302\\233 end\\n'\necho done\nsleep 3600"
        )
    );
    let stack = Stack::named(
        format!("dvout-bidi-{}", std::process::id()),
        None,
        &format!("services:\n{services}"),
    );
    stack.up_quiet();
    stack.wait_for_log("bidi", "done", Duration::from_secs(30));
    let bad = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    let check = |args: &[&str]| -> String {
        let out = stack.devctl_output(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for bytes in [&out.stdout, &out.stderr] {
            let text = String::from_utf8(bytes.clone()).expect("UTF-8");
            assert!(
                !text.chars().any(bad),
                "{args:?} printed a raw control: {text:?}"
            );
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = check(&["logs", "bidi"]);
    for want in [
        "bidi-1  | rlo gnp.exe end",
        "bidi-1  | iso x alm  rlm  end",
        "bidi-1  | esc  end",
    ] {
        assert!(text.lines().any(|l| l == want), "missing `{want}`:\n{text}");
    }
    let json = check(&["logs", "--json", "bidi"]);
    assert!(json.contains("rlo gnp.exe end"), "{json}");
    // Wait for a failed probe, then look at it through `ps`.
    let start = std::time::Instant::now();
    let json = loop {
        let json = check(&["ps", "--json"]);
        if json.contains("dvout-pw") || json.contains("http://u:") {
            break json;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no probe yet:\n{json}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(
        json.contains("http://u:********@h/") && !json.contains("dvout-pw"),
        "{json}"
    );
    assert!(json.contains("probe  gnp.exe"), "{json}");
    let shown = check(&["ps", "--json", "--show-secrets"]);
    assert!(shown.contains("http://u:dvout-pw@h/"), "{shown}");
    check(&["ps"]);
}
