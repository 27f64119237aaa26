//! Shell completion. Two modes:
//!
//! - dynamic (the default of `devctl completions SHELL`): a small registration script that
//!   calls `devctl` back at every TAB (with `DEVCTL_COMPLETE=SHELL` set); devctl answers from
//!   its CLI definition plus the project in the current directory: service names (base and
//!   environment files, as devctl loads them: no Engine, no Compose) and environment names
//!   (`devctl.yaml` and the override files beside the base file).
//! - static (`devctl completions SHELL --static`): the whole script, printed once; subcommands
//!   and flags only.
//!
//! A completion request never prints an error into the shell: any failure (no project, a
//! broken file, even a panic) answers with no candidates.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate, ValueCompleter};
use clap_complete::env::{CompleteEnv, Shells};

use crate::context::Options;
use crate::project::{self, ProjectOptions, environments};

/// The environment variable that turns a run of devctl into a completion request.
pub const VAR: &str = "DEVCTL_COMPLETE";

/// Argument ids (of any subcommand) whose values are service names.
const SERVICE_ARGS: [&str; 2] = ["services", "service"];
/// Subcommands whose first value is a service, followed by a command (`exec api sh`).
const SERVICE_THEN_COMMAND: [&str; 2] = ["exec", "run"];

/// Add the dynamic completers to the CLI definition: service names and `--env` names.
/// (`mut_args`/`mut_subcommands` keep the order: positionals are numbered by it.)
pub fn with_completers(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|a| {
        if a.get_id() == "env" {
            a.add(ArgValueCompleter::new(environments_of))
        } else {
            a
        }
    })
    .mut_subcommands(add_service_completers)
}

fn add_service_completers(sub: clap::Command) -> clap::Command {
    let first_is_service = SERVICE_THEN_COMMAND.contains(&sub.get_name());
    sub.mut_args(|a| {
        let id = a.get_id().as_str();
        if !a.is_positional() {
            a
        } else if SERVICE_ARGS.contains(&id) {
            a.add(ArgValueCompleter::new(services_of))
        } else if first_is_service && id == "args" {
            a.add(ArgValueCompleter::new(FirstIsService))
        } else {
            a
        }
    })
    .mut_subcommands(add_service_completers)
}

/// `exec`/`run`: the first value is the service; the rest is the command (no candidates, so
/// the shell falls back to its own file-name completion). clap's `arg_index` does not tell the
/// first value from the second here, so the words before the cursor decide: a service is
/// offered while no word after the subcommand is anything but a flag.
struct FirstIsService;

impl ValueCompleter for FirstIsService {
    fn complete(&self, current: &OsStr) -> Vec<CompletionCandidate> {
        if service_typed(&before_cursor()) {
            Vec::new()
        } else {
            services_of(current)
        }
    }
}

/// Pure: whether the words before the cursor already hold `exec`/`run`'s service.
fn service_typed(before: &[String]) -> bool {
    let Some(sub) = before
        .iter()
        .position(|w| SERVICE_THEN_COMMAND.contains(&w.as_str()))
    else {
        return false;
    };
    before[sub + 1..].iter().any(|w| !w.starts_with('-'))
}

/// The words before the one being completed (bash and zsh say which one that is; the other
/// shells pass the line up to the cursor).
fn before_cursor() -> Vec<String> {
    let mut words = line_words();
    let last = words.len().saturating_sub(1);
    let cursor = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse::<usize>().ok())
        .map_or(last, |i| i.min(last));
    words.truncate(cursor);
    words
}

/// Answer a completion request when `DEVCTL_COMPLETE` asks for one. Returns the exit code,
/// or None when this run is no completion request. Nothing is written to stderr.
pub fn answer_if_requested() -> Option<u8> {
    if std::env::var_os(VAR).is_none_or(|v| v.is_empty() || v == "0") {
        return None;
    }
    // A panic anywhere below is no candidates, not a message in the user's prompt.
    std::panic::set_hook(Box::new(|_| {}));
    let done = std::panic::catch_unwind(|| {
        CompleteEnv::with_factory(super::command)
            .var(VAR)
            .try_complete(std::env::args_os(), std::env::current_dir().ok().as_deref())
    });
    Some(match done {
        Ok(Ok(_)) => 0,
        _ => 1,
    })
}

/// The registration script for `shell`: what `devctl completions SHELL` prints. `argv0` is how
/// devctl was started; the script calls devctl back by that name (made absolute when it is a
/// relative path, as `./target/debug/devctl`).
pub fn registration(shell: clap_complete::Shell, argv0: &OsStr, cwd: &Path) -> Vec<u8> {
    let mut completer = PathBuf::from(argv0);
    if completer.components().count() > 1 && completer.is_relative() {
        let rest: PathBuf = completer
            .components()
            .filter(|c| *c != std::path::Component::CurDir)
            .collect();
        completer = cwd.join(rest);
    }
    let completer = completer.to_string_lossy();
    let mut buf = Vec::new();
    if let Some(c) = Shells::builtins().completer(&shell.to_string()) {
        // Writing into a Vec cannot fail.
        let _ = c.write_registration(VAR, "devctl", "devctl", &completer, &mut buf);
    }
    buf
}

/// The static script for `shell` (subcommands, flags, fixed values; no service names).
pub fn static_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = super::command();
    // Into memory first: clap_complete panics when its writer fails (e.g. `| head`).
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "devctl", &mut buf);
    buf
}

/// The words of the line being completed (after the `--` the registration script passes),
/// program name first.
fn line_words() -> Vec<String> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let start = args
        .iter()
        .position(|a| a == "--")
        .map_or(args.len(), |i| i + 1);
    args[start..]
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// The global options typed on the line so far (`-f`, `-p`, `--project-directory`,
/// `--profile`, `--env-file`, `--dev`, `--prod`, `--env`), read leniently: the line is
/// unfinished, so nothing here is an error. Words after a lone `--` are not devctl's.
pub fn line_options(words: &[String]) -> Options {
    let mut o = Options::default();
    let mut i = 1;
    while i < words.len() {
        let w = words[i].as_str();
        if w == "--" {
            break;
        }
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (w, None),
        };
        let takes_value = crate::cli::GLOBAL_VALUE_FLAGS.contains(&flag);
        let value = if !takes_value {
            None
        } else if inline.is_some() {
            inline
        } else {
            i += 1;
            words.get(i).cloned()
        };
        match (flag, value) {
            ("--dev", _) => o.dev = true,
            ("--prod", _) => o.prod = true,
            ("-f" | "--file", Some(v)) => o.files.push(v.into()),
            ("-p" | "--project-name", Some(v)) => o.project_name = Some(v),
            ("--project-directory", Some(v)) => o.project_directory = Some(v.into()),
            ("--profile", Some(v)) => o.profiles.push(v),
            ("--env-file", Some(v)) => o.env_files.push(v.into()),
            ("--env", Some(v)) => o.env = Some(v),
            _ => {}
        }
        i += 1;
    }
    o
}

/// The project options of the line being completed, in the current directory and process
/// environment. None when a compose file is to be read from standard input (`-f -`).
fn project_options(words: &[String]) -> Option<ProjectOptions> {
    let o = line_options(words);
    if o.files.iter().any(|f| f.as_os_str() == "-") {
        return None;
    }
    let env = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    Some(ProjectOptions {
        environment: o.environment_flag(),
        files: o.files,
        project_name: o.project_name,
        project_directory: o.project_directory,
        profiles: o.profiles,
        env_files: o.env_files,
        cwd: std::env::current_dir().ok()?,
        env,
    })
}

/// Service names of the project (profile-disabled ones too: naming one enables it).
pub fn services(opts: &ProjectOptions) -> Vec<String> {
    let Ok(p) = project::load(opts) else {
        return Vec::new();
    };
    let mut names: Vec<String> = p.project.services.keys().cloned().collect();
    names.extend(p.disabled_services.keys().cloned());
    names
}

/// Environment names of the project: declared in `devctl.yaml`, then the override files
/// found beside the base file. The `--env` on the line is ignored (it is being typed).
pub fn environment_names(opts: &ProjectOptions) -> Vec<String> {
    let opts = ProjectOptions {
        environment: None,
        ..opts.clone()
    };
    let Ok(located) = project::discover::locate(&opts) else {
        return Vec::new();
    };
    let Some(base) = located.files.ok().and_then(|(f, _)| f.into_iter().next()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = environments::read_config(&base)
        .map(|c| c.environments.keys().cloned().collect())
        .unwrap_or_default();
    for n in environments::on_disk(&base) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names
}

fn candidates(names: Vec<String>, current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    names
        .into_iter()
        .filter(|n| n.starts_with(current.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

fn services_of(current: &OsStr) -> Vec<CompletionCandidate> {
    let names = project_options(&line_words())
        .map(|o| services(&o))
        .unwrap_or_default();
    candidates(names, current)
}

fn environments_of(current: &OsStr) -> Vec<CompletionCandidate> {
    let names = project_options(&line_words())
        .map(|o| environment_names(&o))
        .unwrap_or_default();
    candidates(names, current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn line_options_reads_the_global_flags_typed_so_far() {
        let o = line_options(&words(
            "devctl -f a.yml --file=b.yml -p x --dev logs --profile=p1 --env-file e --project-directory d api",
        ));
        assert_eq!(
            o.files,
            vec![PathBuf::from("a.yml"), PathBuf::from("b.yml")]
        );
        assert_eq!(o.project_name.as_deref(), Some("x"));
        assert!(o.dev && !o.prod);
        assert_eq!(o.profiles, vec!["p1".to_string()]);
        assert_eq!(o.env_files, vec![PathBuf::from("e")]);
        assert_eq!(o.project_directory, Some(PathBuf::from("d")));
        let o = line_options(&words("devctl --env staging ps"));
        assert_eq!(o.environment_flag().as_deref(), Some("staging"));
        // Unfinished: a flag without its value yet; words after `--` are a command's.
        let o = line_options(&words("devctl exec api -- -p y --env"));
        assert_eq!(o, Options::default());
    }

    #[test]
    fn registration_calls_devctl_back_by_the_name_it_was_started_with() {
        let text = |argv0: &str| {
            let out = registration(
                clap_complete::Shell::Bash,
                OsStr::new(argv0),
                Path::new("/w"),
            );
            String::from_utf8(out).expect("utf8")
        };
        assert!(text("devctl").contains("DEVCTL_COMPLETE=\"bash\" \\\n        \"devctl\" -- "));
        assert!(text("./target/debug/devctl").contains("\"/w/target/debug/devctl\" -- "));
        assert!(text("/usr/bin/devctl").contains("\"/usr/bin/devctl\" -- "));
    }

    #[test]
    fn exec_s_service_is_the_first_word_that_is_no_flag() {
        assert!(!service_typed(&words("devctl exec")));
        assert!(!service_typed(&words("devctl --dev exec -T")));
        assert!(service_typed(&words("devctl exec api")));
        assert!(service_typed(&words("devctl run --rm api sh")));
        assert!(!service_typed(&words("devctl logs api")));
    }

    #[test]
    fn completers_sit_on_every_service_argument_and_on_env() {
        let cmd = super::super::command();
        let has = |a: &clap::Arg| a.get::<ArgValueCompleter>().is_some();
        assert!(cmd.get_arguments().any(|a| a.get_id() == "env" && has(a)));
        for sub in [
            "up", "stop", "start", "restart", "logs", "sh", "exec", "run",
        ] {
            let s = cmd
                .get_subcommands()
                .find(|s| s.get_name() == sub)
                .unwrap_or_else(|| panic!("{sub}"));
            assert!(
                s.get_arguments().any(|a| a.is_positional() && has(a)),
                "{sub} has no service completer"
            );
        }
    }
}
