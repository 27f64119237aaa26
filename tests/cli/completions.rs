//! `devctl completions SHELL --static`: a script that completes devctl's real subcommands and
//! flags, checked against the CLI definition itself (every visible subcommand, every long flag
//! of each), for bash (by running it), zsh and fish (by its completion entries); an unknown
//! shell is a usage error; a closed pipe is not a panic.
//!
//! `devctl completions SHELL` (dynamic): the registration script, run in a real bash in a
//! project directory: `devctl logs <TAB>` offers the project's services (as devctl loads them:
//! base and environment files), `--env <TAB>` its environments; no project, or a broken one,
//! offers nothing and prints nothing.

use std::process::{Command, Stdio};

use clap::CommandFactory;

fn devctl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_devctl"))
}

fn script(shell: &str) -> String {
    let out = devctl()
        .args(["completions", shell, "--static"])
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
        "source <(\"$DEVCTL\" completions bash --static) || exit 9\n\
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
        // The dynamic registration calls devctl back with DEVCTL_COMPLETE set.
        let out = devctl().args(["completions", sh]).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{sh}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("DEVCTL_COMPLETE"), "{sh}: {text}");
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
    for args in [
        &["completions", "bash"][..],
        &["completions", "bash", "--static"],
        &["man"],
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = devctl()
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// A project: `api` and `db` in the base file, `mailhog` only in the dev file, a `prod` file,
/// and `ci` declared in devctl.yaml with its own file.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let put = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    put(
        "docker-compose.yml",
        "services:\n  api:\n    image: busybox\n  db:\n    image: busybox\n",
    );
    put(
        "docker-compose.dev.yml",
        "services:\n  mailhog:\n    image: busybox\n",
    );
    put(
        "docker-compose.prod.yml",
        "services:\n  api:\n    restart: always\n",
    );
    put("ci.yml", "services:\n  runner:\n    image: busybox\n");
    put("devctl.yaml", "environments:\n  ci:\n    files: [ci.yml]\n");
    dir
}

/// Press TAB in a real bash with the dynamic registration loaded, in `dir`, on the line
/// `words` (the last word is the one being completed). Returns the candidates that are no
/// flags (on an empty word clap's completer offers the flags too), and stderr.
fn tab(dir: &std::path::Path, words: &[&str]) -> (Vec<String>, String) {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let script = format!(
        "source <(\"$DEVCTL\" completions bash) || exit 9\n\
         COMP_WORDS=({}); COMP_CWORD={cword}; COMP_TYPE=9\n\
         _clap_complete_devctl devctl '{}' '{prev}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" "),
        words[cword],
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir)
        .env("DEVCTL", env!("CARGO_BIN_EXE_devctl"))
        .env_remove("DEVCTL_ENV")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{out:?}");
    let mut got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(str::to_string)
        .collect();
    got.sort();
    (got, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn tab_after_logs_offers_the_project_s_services() {
    let p = project();
    let (got, err) = tab(p.path(), &["devctl", "logs", ""]);
    assert_eq!(got, ["api", "db"], "{err}");
    assert_eq!(err, "");
    // Only the matching ones; every subcommand that takes services.
    assert_eq!(tab(p.path(), &["devctl", "logs", "a"]).0, ["api"]);
    for sub in ["up", "stop", "restart", "sh", "exec"] {
        assert_eq!(tab(p.path(), &["devctl", sub, "d"]).0, ["db"], "{sub}");
    }
    // After exec's service comes the command: no service names there.
    assert!(
        !tab(p.path(), &["devctl", "exec", "api", ""])
            .0
            .contains(&"db".to_string())
    );
    // The environment on the line layers its file, as devctl loads the project.
    let (got, _) = tab(p.path(), &["devctl", "--dev", "logs", ""]);
    assert_eq!(got, ["api", "db", "mailhog"]);
    let (got, _) = tab(p.path(), &["devctl", "logs", "--env", "ci", ""]);
    assert_eq!(got, ["api", "db", "runner"]);
    // -f on the line is the project too.
    let (got, _) = tab(
        std::path::Path::new("/"),
        &[
            "devctl",
            "-f",
            &p.path().join("docker-compose.dev.yml").to_string_lossy(),
            "logs",
            "",
        ],
    );
    assert_eq!(got, ["mailhog"]);
}

#[test]
fn tab_after_env_offers_the_project_s_environments() {
    let p = project();
    let (got, err) = tab(p.path(), &["devctl", "--env", ""]);
    assert_eq!(got, ["ci", "dev", "prod"], "{err}");
    assert_eq!(tab(p.path(), &["devctl", "ps", "--env", "p"]).0, ["prod"]);
    // `--env=d`: the candidate is the whole word (a flag, so listed apart here).
    let script = "source <(\"$DEVCTL\" completions bash)\n\
         COMP_WORDS=(devctl ps --env=d); COMP_CWORD=2; COMP_TYPE=9\n\
         _clap_complete_devctl devctl --env=d ps; echo \"${COMPREPLY[*]}\"";
    let out = Command::new("bash")
        .args(["-c", script])
        .current_dir(p.path())
        .env("DEVCTL", env!("CARGO_BIN_EXE_devctl"))
        .env_remove("DEVCTL_ENV")
        .output()
        .expect("bash runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "--env=dev");
}

#[test]
fn completion_without_a_usable_project_offers_nothing_and_prints_nothing() {
    let empty = tempfile::tempdir().expect("temp dir");
    let broken = project();
    std::fs::write(
        broken.path().join("docker-compose.yml"),
        "services:\n  api: [\n",
    )
    .expect("write");
    for (dir, envs) in [(empty.path(), 0), (broken.path(), 3)] {
        for (words, want) in [
            (&["devctl", "logs", ""][..], 0),
            (&["devctl", "-f", "-", "logs", ""], 0),
            // The environments are files beside the base file: a base file that does not
            // parse still has them.
            (&["devctl", "--env", ""], envs),
        ] {
            let (got, err) = tab(dir, words);
            assert_eq!(got.len(), want, "{words:?} in {dir:?}: {got:?}");
            assert_eq!(err, "", "{words:?} in {dir:?}");
        }
    }
    // Asked directly with a request devctl cannot answer: exit 1, still nothing on stderr.
    let out = devctl()
        .args(["--", "devctl", "logs", ""])
        .env("DEVCTL_COMPLETE", "tcsh")
        .current_dir(broken.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
