//! Pure: split `devctl exec|run [COMPOSE FLAGS] SERVICE [COMMAND…]` into Compose's own flags
//! (passed through unchanged), the service (checked against the project by the caller) and the
//! command. The flag tables are those of `docker compose exec --help` / `run --help` (v2.40.3),
//! plus the hidden `-i`/`-t` that Compose accepts for `docker exec` habits.

use std::ffi::OsString;

use crate::error::{Error, Result};

/// devctl's global flags are accepted after the subcommand too, so clap would take `run -p
/// 8080:80` as the project name and `exec --env A=1` as the environment. The entry point calls
/// this on argv before parsing: right after an `exec` or `run` subcommand it inserts `--`, so
/// every later argument reaches [`split`] unchanged (devctl's own flags go before `exec`/`run`).
/// `exec --help` is left alone.
pub fn end_globals_after_exec_run(argv: Vec<OsString>) -> Vec<OsString> {
    let mut i = 1;
    while let Some(a) = argv.get(i).and_then(|a| a.to_str()) {
        if crate::cli::GLOBAL_VALUE_FLAGS.contains(&a) {
            i += 2;
        } else if a.starts_with('-') {
            if a == "--" {
                return argv;
            }
            i += 1;
        } else {
            if !matches!(a, "exec" | "run") {
                return argv;
            }
            let next = argv.get(i + 1).and_then(|n| n.to_str());
            if matches!(next, Some("-h" | "--help" | "--")) {
                return argv;
            }
            let mut out = argv;
            out.insert(i + 1, "--".into());
            return out;
        }
    }
    argv
}

/// One Compose flag: its short letter (if any), long name, and whether it takes a value.
struct Flag {
    short: Option<char>,
    long: &'static str,
    value: bool,
}

const fn b(short: Option<char>, long: &'static str) -> Flag {
    Flag {
        short,
        long,
        value: false,
    }
}

const fn v(short: Option<char>, long: &'static str) -> Flag {
    Flag {
        short,
        long,
        value: true,
    }
}

const EXEC: &[Flag] = &[
    b(Some('d'), "detach"),
    b(None, "dry-run"),
    v(Some('e'), "env"),
    v(None, "index"),
    b(Some('T'), "no-tty"),
    b(None, "no-TTY"),
    b(None, "privileged"),
    v(Some('u'), "user"),
    v(Some('w'), "workdir"),
    b(Some('i'), "interactive"),
    b(Some('t'), "tty"),
];

const RUN: &[Flag] = &[
    b(None, "build"),
    v(None, "cap-add"),
    v(None, "cap-drop"),
    b(Some('d'), "detach"),
    b(None, "dry-run"),
    v(None, "entrypoint"),
    v(Some('e'), "env"),
    v(None, "env-from-file"),
    b(Some('i'), "interactive"),
    v(Some('l'), "label"),
    v(None, "name"),
    b(Some('T'), "no-TTY"),
    b(None, "no-deps"),
    v(Some('p'), "publish"),
    v(None, "pull"),
    b(Some('q'), "quiet"),
    b(None, "quiet-build"),
    b(None, "quiet-pull"),
    b(None, "remove-orphans"),
    b(None, "rm"),
    b(Some('P'), "service-ports"),
    b(Some('t'), "tty"),
    b(None, "use-aliases"),
    v(Some('u'), "user"),
    v(Some('v'), "volume"),
    v(Some('w'), "workdir"),
];

/// `exec`/`run` arguments, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Split {
    /// Compose's flags (with their values), exactly as given.
    pub flags: Vec<String>,
    pub service: String,
    pub command: Vec<String>,
}

/// Split `args` of Compose subcommand `sub` (`exec` or `run`). Flags after SERVICE belong to
/// the command. An unknown flag, a flag without its value or a missing SERVICE is a usage error.
pub(super) fn split(sub: &str, args: &[String]) -> Result<Split> {
    let table = if sub == "run" { RUN } else { EXEC };
    let unknown = |flag: &str| {
        Error::usage(format!(
            "`devctl {sub} {flag}`: not a flag of `docker compose {sub}`"
        ))
        .with_hint(format!(
            "put Compose's flags before the service (see `docker compose {sub} --help`) and \
             the command's own flags after it"
        ))
    };
    let needs_value = |flag: &str| {
        Error::usage(format!("`devctl {sub} {flag}` needs a value"))
            .with_hint(format!("e.g. `devctl {sub} {flag} VALUE SERVICE …`"))
    };
    let mut flags = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            let f = table
                .iter()
                .find(|f| f.long == name)
                .ok_or_else(|| unknown(a))?;
            flags.push(a.clone());
            if f.value && !inline {
                flags.push(args.get(i).ok_or_else(|| needs_value(a))?.clone());
                i += 1;
            }
            continue;
        }
        let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) else {
            // The service.
            i -= 1;
            break;
        };
        flags.push(a.clone());
        for (pos, c) in cluster.char_indices() {
            let f = table
                .iter()
                .find(|f| f.short == Some(c))
                .ok_or_else(|| unknown(&format!("-{c}")))?;
            if f.value {
                // `-uroot` carries its value; `-u root` takes the next argument.
                if pos + c.len_utf8() == cluster.len() {
                    flags.push(
                        args.get(i)
                            .ok_or_else(|| needs_value(&format!("-{c}")))?
                            .clone(),
                    );
                    i += 1;
                }
                break;
            }
        }
    }
    let service = args.get(i).cloned().ok_or_else(|| {
        Error::usage(format!("`devctl {sub}` needs a service")).with_hint(format!(
            "e.g. `devctl {sub} [COMPOSE FLAGS] SERVICE COMMAND…`"
        ))
    })?;
    Ok(Split {
        flags,
        service,
        command: args[i + 1..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Exit;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn splits_flags_service_and_command() {
        let cases = [
            ("exec", "web ls", "", "web", "ls"),
            ("exec", "-T web ls", "-T", "web", "ls"),
            ("exec", "-e A=1 web env", "-e A=1", "web", "env"),
            ("exec", "--env=A=1 web env", "--env=A=1", "web", "env"),
            ("exec", "--user root web id", "--user root", "web", "id"),
            ("exec", "-uroot web id", "-uroot", "web", "id"),
            ("exec", "-Tu root web id", "-Tu root", "web", "id"),
            ("exec", "-it web sh", "-it", "web", "sh"),
            (
                "exec",
                "--index 2 -w /tmp web pwd",
                "--index 2 -w /tmp",
                "web",
                "pwd",
            ),
            (
                "exec",
                "-d --privileged web sleep 1",
                "-d --privileged",
                "web",
                "sleep 1",
            ),
            ("exec", "web ls -la --color", "", "web", "ls -la --color"),
            ("exec", "-T -- web ls", "-T", "web", "ls"),
            ("exec", "-e X web -T", "-e X", "web", "-T"),
            ("run", "--rm web echo hi", "--rm", "web", "echo hi"),
            ("run", "web --rm echo hi", "", "web", "--rm echo hi"),
            ("run", "web", "", "web", ""),
            (
                "run",
                "--rm -v d:/d -p 8080:80 --name x --no-deps web sh",
                "--rm -v d:/d -p 8080:80 --name x --no-deps",
                "web",
                "sh",
            ),
            (
                "run",
                "-dT --entrypoint sh web -c true",
                "-dT --entrypoint sh",
                "web",
                "-c true",
            ),
            ("run", "--pull=never -P web", "--pull=never -P", "web", ""),
            (
                "run",
                "-e A=1 -e B=2 web env",
                "-e A=1 -e B=2",
                "web",
                "env",
            ),
        ];
        for (sub, args, flags, service, command) in cases {
            let got = split(sub, &w(args)).map_err(|e| e.to_string());
            let want = Split {
                flags: w(flags),
                service: service.into(),
                command: w(command),
            };
            assert_eq!(got, Ok(want), "{sub} {args}");
        }
    }

    #[test]
    fn ends_globals_after_exec_and_run() {
        let cases = [
            ("exec -T web ls", "exec -- -T web ls"),
            ("run -p 8080:80 web", "run -- -p 8080:80 web"),
            (
                "--dev exec --env A=1 web env",
                "--dev exec -- --env A=1 web env",
            ),
            ("-p shop -f a.yml run web", "-p shop -f a.yml run -- web"),
            ("--env exec exec web ls", "--env exec exec -- web ls"),
            ("-p run up", "-p run up"),
            ("exec --help", "exec --help"),
            ("run -h", "run -h"),
            ("exec -- web ls", "exec -- web ls"),
            ("exec", "exec --"),
            ("logs -f web", "logs -f web"),
            ("compose -- exec web ls", "compose -- exec web ls"),
            ("", ""),
        ];
        for (line, want) in cases {
            let argv: Vec<OsString> = std::iter::once("devctl")
                .chain(line.split_whitespace())
                .map(OsString::from)
                .collect();
            let got = end_globals_after_exec_run(argv);
            let got: Vec<String> = got[1..]
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            assert_eq!(got, w(want), "{line}");
        }
    }

    #[test]
    fn rejects_unknown_flags_and_missing_values() {
        let cases = [
            ("exec", "--rm web ls", "--rm"),
            ("exec", "-x web ls", "-x"),
            ("exec", "-Tx web ls", "-x"),
            ("exec", "--publish 80 web ls", "--publish"),
            ("exec", "-e", "needs a value"),
            ("exec", "--user", "needs a value"),
            ("exec", "-T", "needs a service"),
            ("exec", "", "needs a service"),
            ("run", "--no-tty web", "--no-tty"),
            ("run", "--bogus web", "--bogus"),
            ("run", "-v", "needs a value"),
        ];
        for (sub, args, says) in cases {
            let e = split(sub, &w(args)).expect_err(args);
            assert_eq!(e.exit, Exit::Usage, "{sub} {args}");
            assert!(e.to_string().contains(says), "{sub} {args}: {e}");
        }
    }
}
