//! The one pure function that turns (detected Compose, resolved project, subcommand) into the
//! exact command line devctl runs, and the rule that decides which commands get a terminal.

use super::Invocation;
use super::detect::Detected;
use crate::project::Resolved;

/// Build the command line: `<program> [compose] -p NAME -f FILE… --project-directory DIR
/// [--env-file FILE…] [--profile P…] [--ansi never] <sub…>`.
///
/// `color: false` (devctl's `--no-color` / `NO_COLOR`) adds Compose's global `--ansi never`
/// (`--no-ansi` for docker-compose v1 before 1.28, which has no `--ansi`).
///
/// Files are passed explicitly in the resolved order (so `COMPOSE_FILE` and override discovery
/// cannot change what runs), with absolute paths (the same strings Compose stores in the
/// `com.docker.compose.project.config_files` label, which the drift check compares).
pub fn build(compose: &Detected, resolved: &Resolved, color: bool, sub: &[String]) -> Invocation {
    let mut args: Vec<String> = compose.prefix().iter().map(|s| s.to_string()).collect();
    push_value(&mut args, "-p", "--project-name", &resolved.name);
    for f in &resolved.files {
        push_value(&mut args, "-f", "--file", &f.display().to_string());
    }
    let dir = resolved.project_dir.display().to_string();
    push_value(
        &mut args,
        "--project-directory",
        "--project-directory",
        &dir,
    );
    for e in &resolved.env_files {
        push_value(
            &mut args,
            "--env-file",
            "--env-file",
            &e.display().to_string(),
        );
    }
    for p in &resolved.profiles {
        push_value(&mut args, "--profile", "--profile", p);
    }
    finish(compose, args, color, sub)
}

/// Append a global flag and its value so that the value can never shift Compose's parse of
/// what follows: a value that starts with `-` (a profile `-p` from `COMPOSE_PROFILES`) is
/// written inline (`--profile=-p`). Written apart (`--profile -p`), cobra's Traverse would
/// read `-p` as a flag taking the NEXT argument, so `--profile -p x down -v` runs `down -v`
/// while the user's argv `x down -v` names no subcommand. With every value inline or
/// dash-free, devctl's prefix is inert and the gate classifies the user's argv alone.
fn push_value(args: &mut Vec<String>, flag: &str, long: &str, value: &str) {
    if value.starts_with('-') {
        args.push(format!("{long}={value}"));
    } else {
        args.push(flag.to_string());
        args.push(value.to_string());
    }
}

/// The common end of every invocation: `--ansi never` unless colour, then the subcommand.
fn finish(compose: &Detected, mut args: Vec<String>, color: bool, sub: &[String]) -> Invocation {
    if !color {
        args.extend(no_ansi(compose).iter().map(|s| s.to_string()));
    }
    args.extend(sub.iter().cloned());
    Invocation {
        program: compose.program.clone(),
        args,
        interactive: is_interactive(sub),
    }
}

/// Label mode: `<program> [compose] -p NAME [--project-directory DIR] [--ansi never] <sub…>`,
/// no `-f`: Compose works from the Engine's labels of project NAME (used where no compose
/// file exists, e.g. `down` of a project whose files are gone).
pub fn build_by_name(
    compose: &Detected,
    name: &str,
    project_directory: Option<&std::path::Path>,
    color: bool,
    sub: &[String],
) -> Invocation {
    let mut args: Vec<String> = compose.prefix().iter().map(|s| s.to_string()).collect();
    push_value(&mut args, "-p", "--project-name", name);
    if let Some(d) = project_directory {
        let dir = d.display().to_string();
        push_value(
            &mut args,
            "--project-directory",
            "--project-directory",
            &dir,
        );
    }
    finish(compose, args, color, sub)
}

/// Compose's global flags that turn its colours off.
fn no_ansi(compose: &Detected) -> &'static [&'static str] {
    let old_v1 = compose.flavor == super::detect::Flavor::StandaloneV1 && {
        let mut parts = compose
            .version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) < (1, 28)
    };
    if old_v1 {
        &["--no-ansi"]
    } else {
        &["--ansi", "never"]
    }
}

/// Flags of `exec` and `run` that take a value (they come before the service name).
const EXEC_RUN_VALUE_FLAGS: &[&str] = &[
    "-e",
    "--env",
    "-u",
    "--user",
    "-w",
    "--workdir",
    "--index",
    "--env-from-file",
    "-l",
    "--label",
    "--name",
    "-p",
    "--publish",
    "--pull",
    "--cap-add",
    "--cap-drop",
    "-v",
    "--volume",
    "--entrypoint",
];

/// Pure: does this Compose subcommand need the user's standard input? `exec`, `run`, `attach`
/// and `up` without `-d`/`--detach`/`--wait` do; everything else gets /dev/null so that none of
/// Compose's prompts can be answered by accident.
pub fn is_interactive(sub: &[String]) -> bool {
    // Skip Compose's global flags (the `devctl compose -- …` passthrough may carry them).
    let Some(i) = subcommand_index(sub) else {
        return false;
    };
    let cmd = &sub[i];
    let rest = &sub[i + 1..];
    match cmd.as_str() {
        "attach" => true,
        "up" => !rest
            .iter()
            .any(|a| is_detach(a) || a == "--wait" || a.starts_with("--wait=")),
        "exec" | "run" => !leading_flags(rest, EXEC_RUN_VALUE_FLAGS).any(is_detach),
        _ => false,
    }
}

/// How a child's output reaches devctl's terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// Straight through: Compose's own progress output, or a terminal session in a container
    /// (`exec`/`run` with a TTY on both ends: a shell needs its escape sequences).
    Raw,
    /// Line by line through the sanitiser: the output carries container text (`logs`,
    /// `attach`, attached `up`, `exec`/`run` without a TTY session), which is untrusted.
    Sanitised,
}

/// Pure: the output mode of Compose subcommand `sub`, given whether devctl's standard input
/// and output are terminals.
pub fn output_mode(sub: &[String], stdin_tty: bool, stdout_tty: bool) -> OutputMode {
    let Some(i) = subcommand_index(sub) else {
        return OutputMode::Raw;
    };
    let rest = &sub[i + 1..];
    match sub[i].as_str() {
        "logs" | "attach" => OutputMode::Sanitised,
        "up" if is_interactive(sub) => OutputMode::Sanitised,
        "exec" | "run" => {
            let no_tty = leading_flags(rest, EXEC_RUN_VALUE_FLAGS).any(|a| {
                a == "-T" || a == "--no-TTY" || a == "--no-tty" || is_short_cluster_with(a, 'T')
            });
            if !no_tty && stdin_tty && stdout_tty && is_interactive(sub) {
                OutputMode::Raw
            } else {
                OutputMode::Sanitised
            }
        }
        _ => OutputMode::Raw,
    }
}

/// Where the subcommand stands in a Compose argv (after the global flags): Compose's own
/// reading (cobra's Traverse), the one the safety gate classifies with — in `-- exec up` the
/// subcommand is `up`, not `exec`.
fn subcommand_index(sub: &[String]) -> Option<usize> {
    crate::compose::grammar::subcommand_index(sub)
}

fn is_detach(a: &String) -> bool {
    a == "-d" || a == "--detach" || a == "--detach=true" || is_short_cluster_with(a, 'd')
}

/// `-dT`, `-Td`: a cluster of short boolean flags containing `c`.
fn is_short_cluster_with(a: &str, c: char) -> bool {
    a.len() > 2
        && a.starts_with('-')
        && !a.starts_with("--")
        && a[1..].chars().all(|x| x.is_ascii_alphabetic())
        && a[1..].contains(c)
}

/// The flags before the first positional argument (the service), skipping flag values.
fn leading_flags<'a>(
    args: &'a [String],
    value_flags: &'a [&'a str],
) -> impl Iterator<Item = &'a String> + 'a {
    let mut skip_next = false;
    args.iter()
        .take_while(move |a| {
            if skip_next {
                skip_next = false;
                return true;
            }
            if a.starts_with('-') {
                skip_next = value_flags.contains(&a.as_str());
                true
            } else {
                false
            }
        })
        .filter(|a| a.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::detect::Flavor;
    use std::path::PathBuf;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn container_text_is_sanitised_unless_a_terminal_session() {
        use OutputMode::{Raw, Sanitised};
        for (sub, tty, want) in [
            ("logs -f app", true, Sanitised),
            ("--profile x logs", false, Sanitised),
            ("attach app", true, Sanitised),
            ("up", true, Sanitised),
            ("up --build api", false, Sanitised),
            ("up -d", true, Raw),
            ("down", true, Raw),
            ("build", true, Raw),
            ("exec app sh", true, Raw),
            ("exec app sh", false, Sanitised),
            ("exec -T app sh", true, Sanitised),
            ("exec --no-TTY app sh", true, Sanitised),
            ("exec -dT app sh", true, Sanitised),
            ("run --rm app echo -T", true, Raw),
            ("run --rm -T app echo", true, Sanitised),
            ("-p x exec app printf x", false, Sanitised),
        ] {
            assert_eq!(output_mode(&v(sub), tty, tty), want, "{sub} tty={tty}");
        }
        assert_eq!(output_mode(&v("exec app sh"), true, false), Sanitised);
    }

    #[test]
    fn interactive_table() {
        let cases = [
            ("up", true),
            ("up -d", false),
            ("up --detach api", false),
            ("up --wait", false),
            ("up --wait=true", false),
            ("up --build api", true),
            ("-p x -f a.yml up", true),
            ("-p x -f a.yml up -d", false),
            ("--profile up down", false),
            ("-- exec up -d", false),
            ("-- exec up", true),
            ("-- up exec app sh", true),
            ("-- down up", true),
            ("--profile -p x up", true),
            ("-- up", false),
            ("exec api sh", true),
            ("exec -T api sh", true),
            ("exec -d api sh", false),
            ("exec -dT api sh", false),
            ("exec -e X=1 api ls -d", true),
            ("exec -u d api ls", true),
            ("run --rm api sh", true),
            ("run -d api sleep 1", false),
            ("run -v d:/x api ls", true),
            ("attach api", true),
            ("stop", false),
            ("restart api", false),
            ("logs -f", false),
            ("down -v", false),
            ("ps", false),
            ("", false),
        ];
        for (argv, want) in cases {
            assert_eq!(is_interactive(&v(argv)), want, "{argv:?}");
        }
    }

    fn resolved() -> Resolved {
        Resolved {
            files: vec![
                PathBuf::from("/src/app/docker/docker-compose.yml"),
                PathBuf::from("/src/app/docker/docker-compose.dev.yml"),
            ],
            project_dir: PathBuf::from("/src/app/docker"),
            name: "app".into(),
            environment: Some("dev".into()),
            protected: false,
            env_files: vec![],
            profiles: vec![],
            protected_volumes: vec![],
            ..Default::default()
        }
    }

    fn plugin() -> Detected {
        Detected {
            flavor: Flavor::Plugin,
            program: "docker".into(),
            version: "2.40.3".into(),
        }
    }

    #[test]
    fn builds_plugin_argv() {
        let inv = build(&plugin(), &resolved(), true, &v("up -d"));
        assert_eq!(inv.program, "docker");
        assert_eq!(
            inv.args,
            v(
                "compose -p app -f /src/app/docker/docker-compose.yml -f /src/app/docker/docker-compose.dev.yml --project-directory /src/app/docker up -d"
            )
        );
        assert!(!inv.interactive);
    }

    #[test]
    fn builds_standalone_argv_with_env_files_and_profiles() {
        let mut r = resolved();
        r.env_files = vec![
            PathBuf::from("/src/app/.env"),
            PathBuf::from("/src/app/.env.local"),
        ];
        r.profiles = vec!["tools".into(), "debug".into()];
        let d = Detected {
            flavor: Flavor::StandaloneV1,
            program: "docker-compose".into(),
            version: "1.29.2".into(),
        };
        let inv = build(&d, &r, true, &v("exec api sh"));
        assert_eq!(inv.program, "docker-compose");
        assert_eq!(
            inv.args,
            v(
                "-p app -f /src/app/docker/docker-compose.yml -f /src/app/docker/docker-compose.dev.yml --project-directory /src/app/docker --env-file /src/app/.env --env-file /src/app/.env.local --profile tools --profile debug exec api sh"
            )
        );
        assert!(inv.interactive);
    }

    #[test]
    fn label_mode_argv_has_no_files() {
        let inv = build_by_name(&plugin(), "shop", None, true, &v("down"));
        assert_eq!(inv.args, v("compose -p shop down"));
        assert!(!inv.interactive);
        let inv = build_by_name(
            &plugin(),
            "shop",
            Some(std::path::Path::new("/w/shop")),
            false,
            &v("down --remove-orphans"),
        );
        assert_eq!(
            inv.args,
            v("compose -p shop --project-directory /w/shop --ansi never down --remove-orphans")
        );
    }

    #[test]
    fn display_escapes_control_and_bidi_characters() {
        let inv = build(
            &plugin(),
            &resolved(),
            true,
            &[
                "restart".to_string(),
                "a\u{1b}]0;x\u{7}\u{202e}'b".to_string(),
            ],
        );
        let shown = inv.display();
        assert!(
            shown.ends_with(r"restart $'a\x1b]0;x\x07\u202e\'b'"),
            "{shown}"
        );
        assert!(!shown.chars().any(crate::sanitize::is_unsafe), "{shown:?}");
    }

    #[test]
    fn display_quotes_paths_with_spaces() {
        let mut r = resolved();
        r.files = vec![PathBuf::from("/home/me/My Stack/compose.yaml")];
        r.project_dir = PathBuf::from("/home/me/My Stack");
        let inv = build(&plugin(), &r, true, &v("restart api"));
        assert_eq!(
            inv.display(),
            "docker compose -p app -f '/home/me/My Stack/compose.yaml' --project-directory '/home/me/My Stack' restart api"
        );
    }

    #[test]
    fn no_color_adds_ansi_never_before_the_subcommand() {
        let base = "-p app -f /src/app/docker/docker-compose.yml -f /src/app/docker/docker-compose.dev.yml --project-directory /src/app/docker";
        let det = |flavor, program: &str, version: &str| Detected {
            flavor,
            program: program.into(),
            version: version.into(),
        };
        let cases = [
            (plugin(), true, "up -d", format!("compose {base} up -d")),
            (
                plugin(),
                false,
                "up -d",
                format!("compose {base} --ansi never up -d"),
            ),
            (
                plugin(),
                false,
                "exec -T api ls",
                format!("compose {base} --ansi never exec -T api ls"),
            ),
            (
                det(Flavor::StandaloneV2, "docker-compose", "2.24.0"),
                false,
                "stop",
                format!("{base} --ansi never stop"),
            ),
            (
                det(Flavor::StandaloneV1, "docker-compose", "1.29.2"),
                false,
                "stop",
                format!("{base} --ansi never stop"),
            ),
            (
                det(Flavor::StandaloneV1, "docker-compose", "1.27.4"),
                false,
                "stop",
                format!("{base} --no-ansi stop"),
            ),
            (
                det(Flavor::StandaloneV1, "docker-compose", "1.27.4"),
                true,
                "stop",
                format!("{base} stop"),
            ),
        ];
        for (d, color, sub, want) in cases {
            let inv = build(&d, &resolved(), color, &v(sub));
            assert_eq!(inv.args, v(&want), "{} {sub} color={color}", d.version);
        }
        // The interactivity rule still sees the subcommand behind the global flag.
        assert!(build(&plugin(), &resolved(), false, &v("exec api sh")).interactive);
        assert!(!build(&plugin(), &resolved(), false, &v("up -d")).interactive);
    }
}
