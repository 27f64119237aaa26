//! `devctl completions SHELL`: a script the shell really loads, completing subcommands and
//! flags; an unknown shell is a usage error; a closed pipe is not a panic.

use std::process::{Command, Stdio};

fn devctl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_devctl"))
}

#[test]
fn bash_completes_subcommands_and_flags() {
    let script = r#"source <("$DEVCTL" completions bash) || exit 9
COMP_WORDS=(devctl do); COMP_CWORD=1; _devctl devctl do devctl; echo "1:${COMPREPLY[*]}"
COMP_WORDS=(devctl down --); COMP_CWORD=2; _devctl devctl -- down; echo "2:${COMPREPLY[*]}"
"#;
    let out = Command::new("bash")
        .args(["-c", script])
        .env("DEVCTL", env!("CARGO_BIN_EXE_devctl"))
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |n: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{n}:")))
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(line("1"), vec!["down", "doctor"], "{text}");
    let flags = line("2");
    for f in ["--volumes", "--confirm", "--snapshot", "--dev", "--prod"] {
        assert!(flags.iter().any(|x| x == f), "{f} missing: {text}");
    }
}

#[test]
fn every_shell_gets_a_script_and_unknown_shells_are_usage_errors() {
    for sh in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = devctl().args(["completions", sh]).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{sh}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("devctl"),
            "{sh}"
        );
    }
    let out = devctl()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    let mut child = devctl()
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Close the read end at once.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}
