//! QA: no ESC byte in any command's output when standard output is not a terminal, with or
//! without NO_COLOR / --no-color — on success and on error paths — even though the running
//! service logs colour, clipboard (OSC 52), title and clear-screen sequences and the compose
//! file carries an ESC in a label. In a real terminal (pty), NO_COLOR and --no-color remove
//! every colour devctl itself prints (a control run without them proves colour is there).

use crate::common;

use common::qa::*;

const NAME: &str = "devctl-it-qa-color";
const PORT: u16 = 18711;

/// Commands whose whole output devctl renders (plus a few Compose passthroughs, which print
/// no ESC when their output is not a terminal).
const COMMANDS: &[&str] = &[
    "config",
    "config --json",
    "config --services",
    "config --volumes",
    "config --files",
    "config --explain services.noisy",
    "config --show-secrets",
    "ps",
    "ps --json",
    "status",
    "status --json",
    "status --wait=30",
    "logs",
    "logs --tail 5 --timestamps",
    "logs --json --tail 5",
    "logs --grep red",
    "logs --no-log-prefix --tail 3",
    "doctor",
    "doctor --offline",
    "doctor --json",
    "audit",
    "audit --json",
    "snapshot list",
    "demo path",
    "up --dry-run",
    "down --dry-run",
    "down -v",
    "down -v --dry-run",
    "volume prune",
    "exec noisy echo hi",
    "compose -- ps",
    "",
    // error paths
    "logs nosuch",
    "exec nosuch ls",
    "nosuchcommand",
    "--bogus",
    "-f missing.yaml config",
    "--env staging ps",
    "status --wait=xyz",
];

#[test]
fn no_escape_bytes_when_output_is_not_a_terminal() {
    let s = Scratch::new();
    let file = s.write("p/compose.yaml", noisy_project(NAME, PORT));
    let _cleanup = qa_cleanup(NAME);
    up_healthy(&file, NAME);
    /// (label, environment variable, extra flag)
    type Variant = (
        &'static str,
        Option<(&'static str, &'static str)>,
        Option<&'static str>,
    );
    let variants: [Variant; 4] = [
        ("plain", None, None),
        ("NO_COLOR=1", Some(("NO_COLOR", "1")), None),
        ("--no-color", None, Some("--no-color")),
        // `--keep-colors` is ignored with NO_COLOR.
        (
            "NO_COLOR=1 + logs --keep-colors",
            Some(("NO_COLOR", "1")),
            Some("--keep-colors"),
        ),
    ];
    let mut jobs = Vec::new();
    for (vi, v) in variants.iter().enumerate() {
        if v.2 == Some("--keep-colors") {
            jobs.push((vi, "logs --tail 5"));
            continue;
        }
        for c in COMMANDS {
            jobs.push((vi, *c));
        }
    }
    let problems: Vec<String> = par_map(&jobs, 4, |(vi, cmd)| {
        let (label, var, flag) = variants[*vi];
        let mut opts = s.opts("p");
        if let Some((k, v)) = var {
            opts = opts.with(k, v);
        }
        let mut args = words(cmd);
        if let Some(f) = flag {
            args.push(f);
        }
        let run = devctl(&opts, &args);
        let mut p = run.sanity_problems();
        for (stream, bytes) in [("stdout", &run.stdout_bytes), ("stderr", &run.stderr_bytes)] {
            if let Some(i) = bytes.iter().position(|b| *b == 0x1b) {
                let from = i.saturating_sub(20);
                let to = (i + 20).min(bytes.len());
                p.push(format!(
                    "ESC in {stream} at byte {i}: {:?}",
                    String::from_utf8_lossy(&bytes[from..to])
                ));
            }
        }
        (!p.is_empty()).then(|| format!("[{label}] {}\n{}", p.join("; "), run.dump()))
    })
    .into_iter()
    .flatten()
    .collect();
    report("escape bytes in non-terminal output", problems);
}

/// Run devctl in a pseudo-terminal and return everything it printed.
fn in_pty(opts: &Opts, args: &[&str]) -> String {
    common::process::in_pty(opts.command(args), 30_000)
}

/// SGR (colour) sequences and OSC strings in `text`.
fn colour_and_osc(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    for (i, w) in b.windows(2).enumerate() {
        if w == b"\x1b]" {
            found.push(format!("OSC at {i}"));
        }
        if w == b"\x1b[" {
            let end = b[i + 2..]
                .iter()
                .position(|c| (0x40..=0x7e).contains(c))
                .map(|j| i + 2 + j);
            if let Some(e) = end
                && b[e] == b'm'
            {
                found.push(format!("SGR {:?}", String::from_utf8_lossy(&b[i..=e])));
            }
        }
    }
    found
}

/// Commands devctl renders itself (no Compose child output), in a terminal.
const PTY_COMMANDS: &[&str] = &[
    "ps",
    "status",
    "logs --tail 5",
    "logs --tail 5 --keep-colors",
    "doctor --offline",
    "config --explain services.noisy",
    "logs nosuch",
    // clap's own usage errors
    "--bogus",
    "nosuchcommand",
    "exec -T noisy ls",
];

#[test]
fn no_colour_in_a_terminal_with_no_color() {
    let s = Scratch::new();
    let file = s.write(
        "p/compose.yaml",
        noisy_project("devctl-it-qa-colorpty", PORT + 1),
    );
    let _cleanup = qa_cleanup("devctl-it-qa-colorpty");
    up_healthy(&file, "devctl-it-qa-colorpty");
    // Control: in a terminal, without NO_COLOR, devctl does colour the health cell — so the
    // checks below can see colour when there is some.
    let control = in_pty(&s.opts("p"), &["ps"]);
    assert!(
        !colour_and_osc(&control).is_empty(),
        "expected colour in a terminal without NO_COLOR:\n{control:?}"
    );
    let mut problems = Vec::new();
    for cmd in PTY_COMMANDS {
        for (label, with_env) in [("NO_COLOR=1", true), ("--no-color", false)] {
            let mut opts = s.opts("p");
            let mut args = words(cmd);
            if with_env {
                opts = opts.with("NO_COLOR", "1");
            } else {
                args.push("--no-color");
            }
            let out = in_pty(&opts, &args);
            let found = colour_and_osc(&out);
            if !found.is_empty() || out.contains("panicked") {
                problems.push(format!(
                    "[{label}] devctl {cmd}: {}\n{out:?}",
                    found.join(", ")
                ));
            }
        }
    }
    report(
        "colour in a terminal despite NO_COLOR / --no-color",
        problems,
    );
}
