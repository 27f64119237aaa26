//! `devctl logs [SERVICE…] [-f] [--tail N|all] [--since T] [-t] [--grep REGEX] [--json]`.
//!
//! Reads the logs from the Engine (not from `docker compose logs`): several services merged in
//! time order, every line sanitised, `-f` following services across restarts and re-creation
//! until Ctrl-C. Output looks like Compose's (`api-1  | line`, coloured prefixes).

mod printer;
mod since;

use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::Arc;

use clap::Args;
use regex::Regex;
use tokio::sync::mpsc;

use super::Ctx;
use crate::engine::logs::{self, LogEvent, LogOptions, LogReader, Tail, TextMode};
use crate::error::{Error, Result};
pub use printer::{PALETTE, Printer, Style};
pub use since::parse_since;

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Services to show (default: all).
    pub services: Vec<String>,
    /// Keep following new output, across restarts and re-creation, until Ctrl-C (`-f` after
    /// `logs` means this, as in Compose; before `logs`, `-f` is the global `--file`).
    // The rewrite of `-f` is [`follow_short_flag`], applied by the entry point.
    #[arg(long)]
    pub follow: bool,
    /// Number of lines to show from the end of each container's log, or `all`.
    #[arg(short = 'n', long, value_name = "N|all", default_value = "all", value_parser = parse_tail)]
    pub tail: Tail,
    /// Only lines since a timestamp (2024-05-01T10:00:00Z, 1714557600) or a duration ago (10m, 1h30m).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Show the Engine's timestamp of every line.
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Only lines matching this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,
    /// Do not print the `service-1  | ` prefix.
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Keep the containers' own colours (SGR sequences only; every other control sequence is
    /// still removed). Ignored with --no-color / NO_COLOR.
    #[arg(long)]
    pub keep_colors: bool,
    /// One JSON object per line: service, container, container_id, timestamp, stream, text.
    #[arg(long)]
    pub json: bool,
}

/// Compose reads `-f` after `logs` as `--follow`, but devctl's `-f/--file` is global (accepted
/// after the subcommand too), so clap cannot give `logs` its own `-f`. The entry point can call
/// this on argv before parsing: after a `logs` subcommand, `-f` (alone or grouped with `-t`,
/// like `-tf`) becomes `--follow` (and `-t`); `-f FILE` before the subcommand is untouched.
pub fn follow_short_flag(argv: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::with_capacity(argv.len());
    let mut it = argv.into_iter();
    if let Some(program) = it.next() {
        out.push(program);
    }
    let mut in_logs = false;
    let mut skip_value = false;
    for arg in it.by_ref() {
        let s = arg.to_str().unwrap_or("");
        if in_logs {
            if s == "--" {
                out.push(arg);
                break;
            }
            let letters = s.strip_prefix('-').unwrap_or("");
            if !s.starts_with("--")
                && letters.contains('f')
                && !letters.is_empty()
                && letters.chars().all(|c| c == 'f' || c == 't')
            {
                out.push("--follow".into());
                if letters.contains('t') {
                    out.push("--timestamps".into());
                }
                continue;
            }
            out.push(arg);
            continue;
        }
        if skip_value {
            skip_value = false;
        } else if crate::cli::GLOBAL_VALUE_FLAGS.contains(&s) {
            skip_value = true;
        } else if !s.starts_with('-') {
            if s != "logs" {
                out.push(arg);
                break;
            }
            in_logs = true;
        }
        out.push(arg);
    }
    out.extend(it);
    out
}

fn parse_tail(s: &str) -> std::result::Result<Tail, String> {
    if s.eq_ignore_ascii_case("all") || s == "-1" {
        return Ok(Tail::All);
    }
    s.parse::<u64>()
        .map(Tail::Last)
        .map_err(|_| format!("`{s}` is not a number of lines or `all`"))
}

pub fn run(ctx: &Ctx, args: &LogsArgs) -> Result<u8> {
    let (project, declared) = project_of(ctx)?;
    let unknown: Vec<&String> = args
        .services
        .iter()
        .filter(|s| declared.as_ref().is_some_and(|d| !d.contains(s)))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
        return Err(Error::usage(format!(
            "no such service in project `{project}`: {}",
            names.join(", ")
        ))
        .with_hint(format!(
            "known services: {}",
            declared.unwrap_or_default().join(", ")
        )));
    }
    let since = match &args.since {
        Some(s) => Some(
            parse_since(s, chrono::Utc::now())
                .map_err(|e| Error::usage(format!("--since: {e}")))?,
        ),
        None => None,
    };
    let grep = match &args.grep {
        Some(g) => Some(Regex::new(g).map_err(|e| {
            Error::usage(format!(
                "--grep `{g}` is not a valid regular expression: {e}"
            ))
        })?),
        None => None,
    };
    let stdout_tty = io::stdout().is_terminal();
    let keep_sgr = args.keep_colors && ctx.color() && !args.json;
    let style = Style {
        color: ctx.color() && stdout_tty && !args.json,
        timestamps: args.timestamps,
        no_prefix: args.no_log_prefix,
        json: args.json,
        grep,
        text_has_sgr: keep_sgr,
    };
    let opts = LogOptions {
        tail: args.tail,
        since,
        text: if keep_sgr {
            TextMode::KeepSgr
        } else {
            TextMode::Plain
        },
        timestamps: args.timestamps || args.json,
    };
    // One thread: the HTTP connection task and the printer run side by side without a
    // cross-thread wake-up per log message (the Engine flushes every message separately;
    // with a multi-thread runtime that ping-pong made `logs` 4x slower on a busy machine).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::general(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let docker = crate::engine::connect(&ctx.env).await?;
        let found = logs::targets(&docker, &project, &args.services).await?;
        let names: Vec<Arc<str>> = found.iter().map(|t| t.name.clone()).collect();
        if found.is_empty() {
            eprintln!(
                "devctl: no containers for {} of project `{project}`{}",
                if args.services.is_empty() {
                    "any service".to_string()
                } else {
                    format!("service(s) {}", args.services.join(", "))
                },
                if args.follow {
                    "; waiting for them to start (Ctrl-C to stop)"
                } else {
                    " (start them with `devctl up`)"
                }
            );
            if !args.follow {
                return Ok(0);
            }
        }
        let mut printer = Printer::new(style, &names);
        let stdout = io::stdout();
        let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
        let written = if args.follow {
            follow(
                docker,
                project,
                args.services.clone(),
                opts,
                &mut printer,
                &mut out,
            )
            .await
        } else {
            let targets: Vec<Arc<logs::Target>> = found.into_iter().map(Arc::new).collect();
            let mut reader = LogReader::new(&docker, &targets, &opts);
            once(&mut reader, &mut printer, &mut out).await
        };
        match written.and_then(|()| out.flush().map_err(Failure::Io)) {
            Ok(()) => Ok(0),
            // `devctl logs | head`: the reader went away; that is success.
            Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
            Err(Failure::Io(e)) => Err(Error::general(format!(
                "cannot write to standard output: {e}"
            ))),
            Err(Failure::Devctl(e)) => Err(e),
        }
    })
}

enum Failure {
    Io(io::Error),
    Devctl(Error),
}

async fn once(
    reader: &mut LogReader,
    printer: &mut Printer,
    out: &mut impl Write,
) -> std::result::Result<(), Failure> {
    while let Some(line) = reader.next().await.map_err(Failure::Devctl)? {
        printer.write(out, &line).map_err(Failure::Io)?;
    }
    Ok(())
}

async fn follow(
    docker: bollard::Docker,
    project: String,
    services: Vec<String>,
    opts: LogOptions,
    printer: &mut Printer,
    out: &mut impl Write,
) -> std::result::Result<(), Failure> {
    let (tx, mut rx) = mpsc::channel(4096);
    let mut task = logs::spawn_follow(docker, project, services, opts, tx);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let result = loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(LogEvent::Line(line)) => {
                    if let Err(e) = printer.write(out, &line) {
                        break Err(Failure::Io(e));
                    }
                    if rx.is_empty()
                        && let Err(e) = out.flush() {
                            break Err(Failure::Io(e));
                        }
                }
                Some(LogEvent::Notice { message, .. }) => {
                    let _ = out.flush();
                    eprintln!("devctl: {}", crate::sanitize::escape_text(&message));
                }
                // The task ended: report its error, if any.
                None => break match (&mut task).await {
                    Ok(Err(e)) => Err(Failure::Devctl(e)),
                    _ => Ok(()),
                },
            },
            _ = &mut ctrl_c => break Ok(()),
        }
    };
    task.abort();
    result
}

/// The project name and its declared services (profile-disabled ones included: they are
/// declared, they just have no containers unless started explicitly). Label mode (no compose
/// file, a project name: `devctl -p NAME logs`): the name alone, no declared services — the
/// containers carrying the project's label are read, as `docker compose -p NAME logs` does.
fn project_of(ctx: &Ctx) -> Result<(String, Option<Vec<String>>)> {
    if let Some(name) = super::label_name_for_reading(ctx)? {
        return Ok((name, None));
    }
    let loaded = ctx.load_project()?;
    let mut services: Vec<String> = loaded.project.services.keys().cloned().collect();
    services.extend(loaded.disabled_services.keys().cloned());
    Ok((loaded.resolved.name, Some(services)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_short_flag_rewrites_only_after_logs() {
        let cases: &[(&str, &str)] = &[
            ("devctl logs -f api", "devctl logs --follow api"),
            ("devctl -f a.yml logs -f", "devctl -f a.yml logs --follow"),
            (
                "devctl -p x --env dev logs api -tf",
                "devctl -p x --env dev logs api --follow --timestamps",
            ),
            ("devctl logs -t api", "devctl logs -t api"),
            ("devctl logs -- -f", "devctl logs -- -f"),
            ("devctl up -f x", "devctl up -f x"),
            ("devctl -f logs logs -f", "devctl -f logs logs --follow"),
            // An environment named like the subcommand is a value, not the subcommand.
            (
                "devctl --env logs -f x.yml logs",
                "devctl --env logs -f x.yml logs",
            ),
            ("devctl compose -- logs -f", "devctl compose -- logs -f"),
            ("devctl logs --follow", "devctl logs --follow"),
        ];
        for (input, want) in cases {
            let argv = input.split(' ').map(std::ffi::OsString::from).collect();
            let got: Vec<String> = follow_short_flag(argv)
                .into_iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            assert_eq!(got.join(" "), *want, "{input}");
        }
    }

    #[test]
    fn tail_values() {
        let cases = [
            ("all", Ok(Tail::All)),
            ("ALL", Ok(Tail::All)),
            ("-1", Ok(Tail::All)),
            ("0", Ok(Tail::Last(0))),
            ("25", Ok(Tail::Last(25))),
        ];
        for (s, want) in cases {
            assert_eq!(parse_tail(s), want, "{s}");
        }
        assert!(parse_tail("ten").is_err());
        assert!(parse_tail("-3").is_err());
    }
}
