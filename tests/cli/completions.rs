//! `devctl completions SHELL`: a script that completes devctl's real subcommands and flags,
//! checked against the CLI definition itself (every visible subcommand, every long flag of
//! each), for bash (by running it), zsh and fish (by its completion entries); an unknown
//! shell is a usage error; a closed pipe is not a panic.

use std::process::{Command, Stdio};

use clap::CommandFactory;

fn devctl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_devctl"))
}

fn script(shell: &str) -> String {
    let out = devctl()
        .args(["completions", shell])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{shell}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every visible top-level subcommand with its visible long flags (globals included), from
/// the CLI definition: what the scripts must offer.
fn definition() -> Vec<(String, Vec<String>)> {
    let cli = devctl::cli::Cli::command();
    let globals: Vec<String> = cli
        .get_arguments()
        .filter(|a| a.is_global_set() && !a.is_hide_set())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect();
    let subs: Vec<(String, Vec<String>)> = cli
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let mut flags: Vec<String> = s
                .get_arguments()
                .filter(|a| !a.is_hide_set())
                .filter_map(|a| a.get_long().map(str::to_string))
                .collect();
            flags.extend(globals.iter().cloned());
            flags.sort();
            flags.dedup();
            (s.get_name().to_string(), flags)
        })
        .collect();
    assert!(subs.len() >= 15, "{subs:?}");
    for (name, flags) in [("up", "wait"), ("down", "volumes"), ("logs", "follow")] {
        let f = subs.iter().find(|(n, _)| n == name).map(|(_, f)| f);
        assert!(f.is_some_and(|f| f.iter().any(|x| x == flags)), "{name}");
    }
    subs
}

#[test]
fn bash_completes_every_subcommand_and_its_flags() {
    let subs = definition();
    // One bash session: the subcommands of `devctl <TAB>`, then `devctl SUB --<TAB>` for each.
    let mut script = String::from(
        "source <(\"$DEVCTL\" completions bash) || exit 9\n\
         COMP_WORDS=(devctl ''); COMP_CWORD=1; _devctl devctl '' devctl; echo \"top:${COMPREPLY[*]}\"\n",
    );
    for (name, _) in &subs {
        script.push_str(&format!(
            "COMP_WORDS=(devctl {name} --); COMP_CWORD=2; _devctl devctl -- {name}; echo \"{name}:${{COMPREPLY[*]}}\"\n"
        ));
    }
    let out = Command::new("bash")
        .args(["-c", &script])
        .env("DEVCTL", env!("CARGO_BIN_EXE_devctl"))
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let words = |key: &str| -> Vec<String> {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let top = words("top");
    for (name, flags) in &subs {
        assert!(top.contains(name), "`devctl <TAB>` lacks {name}: {top:?}");
        let offered = words(name);
        for f in flags {
            let f = format!("--{f}");
            assert!(
                offered.contains(&f),
                "`devctl {name} --<TAB>` lacks {f}: {offered:?}"
            );
        }
    }
    // Nothing made up: every offered subcommand exists.
    for w in &top {
        assert!(
            subs.iter().any(|(n, _)| n == w) || w == "help" || w.starts_with('-'),
            "bash offers `{w}`, which is no subcommand"
        );
    }
}

#[test]
fn zsh_declares_every_subcommand_and_its_flags() {
    let text = script("zsh");
    for (name, flags) in definition() {
        assert!(
            text.contains(&format!("'{name}:")),
            "zsh: no subcommand entry for {name}"
        );
        // The subcommand's own `_arguments` block: `(NAME)` up to its `;;` (the first one;
        // a later `(NAME)` is the `help NAME` entry).
        let block = text
            .split(&format!("({name})\n_arguments"))
            .nth(1)
            .and_then(|b| b.split("\n;;").next())
            .unwrap_or_default();
        for f in flags {
            let declared = [format!("--{f}["), format!("--{f}=[")]
                .iter()
                .any(|p| block.contains(p.as_str()));
            assert!(declared, "zsh: `devctl {name}` lacks --{f}:\n{block}");
        }
    }
}

#[test]
fn fish_declares_every_subcommand_and_its_flags() {
    let text = script("fish");
    for (name, flags) in definition() {
        let top = format!("-n \"__fish_devctl_needs_command\" -f -a \"{name}\"");
        assert!(text.contains(&top), "fish: no subcommand entry for {name}");
        // `…using_subcommand NAME"`, or `…using_subcommand NAME; and not …"` when it has
        // subcommands of its own.
        let scopes = [
            format!("\"__fish_devctl_using_subcommand {name}\""),
            format!("\"__fish_devctl_using_subcommand {name};"),
        ];
        for f in flags {
            let flag = format!(" -l {f} ");
            let found = text.lines().any(|l| {
                scopes.iter().any(|s| l.contains(s.as_str()))
                    && (l.contains(&flag) || l.ends_with(flag.trim_end()))
            });
            assert!(found, "fish: `devctl {name}` lacks -l {f}");
        }
    }
}

#[test]
fn every_shell_gets_a_script_and_unknown_shells_are_usage_errors() {
    for sh in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert!(script(sh).contains("devctl"), "{sh}");
    }
    let out = devctl()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}

/// The pipe's read end is closed before devctl starts, so its first write fails with EPIPE
/// every time (no race with the reader).
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = devctl()
        .args(["completions", "bash"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}
