//! `devctl do [NAME] [-- ARGS…]`: the project's own commands from `devctl.yaml`
//! (`commands:`, see [`crate::project::commands`]).
//!
//! Named `do` rather than `run-cmd`: `devctl run` is already Compose's one-off `run`, and
//! `devctl do migrate` reads as what it is. Every path is the usual one: a read-only or
//! protected environment refuses a command not marked `safe: true` (exit 4); a command text
//! that is one destructive Compose call goes through the safety gate exactly like
//! `devctl compose -- …` (no terminal: refused unless `--confirm`); a destructive call inside
//! a longer script cannot be planned and is refused; `run`/`exec` run through Compose,
//! `run_host` behind the Engine guard.

use std::io::IsTerminal;

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result};
use crate::project::LoadedProject;
use crate::project::commands::{ProjectCommand, Target, compose_sub, refusal};
use crate::safety::text::{TextVerdict, scan};

#[derive(Debug, Args)]
pub struct DoArgs {
    /// The command's name (without it: list the project's commands).
    pub name: Option<String>,
    /// Answer yes to a command marked `confirm: true` (needed without a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Trust this command's text (code from the project's devctl.yaml): asked once per text
    /// in a terminal, needed without one. The trust holds until the text changes.
    #[arg(long)]
    pub trust: bool,
    /// For a command whose text the safety gate guards: the word(s) it asks for.
    #[arg(long, value_name = "WORD")]
    pub confirm: Vec<String>,
    /// List as JSON.
    #[arg(long)]
    pub json: bool,
    /// Extra arguments appended to the command text (shell-quoted).
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// The project's commands (from the devctl.yaml beside its base file).
pub fn project_commands(project: &LoadedProject) -> Result<Vec<ProjectCommand>> {
    let Some(base) = project.resolved.files.first() else {
        return Ok(Vec::new());
    };
    let cfg = crate::project::environments::read_config(base)?;
    Ok(cfg.commands.into_values().collect())
}

pub fn run(ctx: &Ctx, a: &DoArgs) -> Result<u8> {
    let project = ctx.load_project()?;
    let commands = project_commands(&project)?;
    let Some(name) = &a.name else {
        return list(&commands, a.json);
    };
    let Some(cmd) = commands.iter().find(|c| &c.name == name) else {
        let known: Vec<&str> = commands.iter().map(|c| c.name.as_str()).collect();
        return Err(
            Error::usage(format!("unknown project command `{name}`")).with_hint(
                if known.is_empty() {
                    "declare it under `commands:` in devctl.yaml".to_string()
                } else {
                    format!("known: {} (`devctl do` lists them)", known.join(", "))
                },
            ),
        );
    };
    allowed(ctx, &project, cmd)?;
    if let TextVerdict::ComposeCall(written) = scan(&cmd.text)
        && let Some(flag) = written.iter().find(|w| is_gate_flag(w))
    {
        return Err(carries_its_own_confirmation(cmd, flag));
    }
    let text = with_args(&cmd.text, &a.args);
    // On a Swarm environment only `run_host` commands run (their Engine is the manager); a
    // service's containers, or Compose, live elsewhere.
    let swarm = crate::swarm::target::of(ctx)?;
    if let Some(t) = &swarm {
        let compose_call = matches!(
            scan(&text),
            TextVerdict::ComposeCall(_) | TextVerdict::Unplannable(_)
        );
        if cmd.service().is_some() || compose_call {
            return Err(Error::usage(format!(
                "environment `{}` targets a Swarm (stack `{}`): `{}` {} and does not apply to \
                 the stack; nothing was run",
                t.environment,
                t.stack,
                cmd.name,
                if compose_call {
                    "calls Compose on one Engine"
                } else {
                    "runs in a Compose service's container"
                }
            ))
            .with_hint(format!(
                "run it on a Compose environment (`devctl --ENV do {}`), or declare a `run_host` \
                 command for the Swarm",
                cmd.name
            )));
        }
    }
    match (scan(&text), &cmd.target) {
        (TextVerdict::Plain, _) => {}
        (TextVerdict::ComposeCall(mut argv), Target::Host) => {
            eprintln!(
                "devctl: `{}` is a destructive Compose call: the safety gate plans it",
                cmd.name
            );
            for w in &a.confirm {
                argv.push("--confirm".into());
                argv.push(w.clone());
            }
            return super::lifecycle::passthrough(ctx, &super::lifecycle::PassArgs { args: argv });
        }
        (TextVerdict::ComposeCall(argv), _) => return Err(unplannable(cmd, &argv.join(" "))),
        (TextVerdict::Unplannable(part), _) => return Err(unplannable(cmd, &part)),
        (TextVerdict::OwnEndpoint(what), _) => return Err(own_endpoint(cmd, &what)),
    }
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if let Some(service) = cmd.service() {
        super::lifecycle::check_services(&project, &[service.to_string()])
            .map_err(|e| at_line(e, &project, cmd))?;
    }
    if !ctx.global.dry_run {
        ensure_trusted(ctx, &project, cmd, a.trust, terminal)?;
    }
    if cmd.interactive && !terminal && !ctx.global.dry_run {
        return Err(Error::usage(format!(
            "`{}` is interactive and needs a terminal",
            cmd.name
        ))
        .with_hint("run it in a terminal, or from the dashboard (`:`)"));
    }
    if cmd.confirm && !a.yes && !ctx.global.dry_run {
        confirm(cmd, &text, terminal)?;
    }
    match &cmd.target {
        Target::Run { service } | Target::Exec { service } => {
            super::lifecycle::check_services(&project, std::slice::from_ref(service))
                .map_err(|e| at_line(e, &project, cmd))?;
            super::lifecycle::drive_sub(ctx, &project, compose_sub(cmd, &text))
        }
        Target::Host => host(ctx, &project, &text, swarm.as_ref().map(|t| &t.env)),
    }
}

/// `TEXT 'arg 1' arg2`.
pub fn with_args(text: &str, args: &[String]) -> String {
    let mut out = text.to_string();
    for a in args {
        out.push(' ');
        out.push_str(&shlex::try_quote(a).map_or_else(|_| a.clone(), |q| q.into_owned()));
    }
    out
}

fn allowed(ctx: &Ctx, project: &LoadedProject, cmd: &ProjectCommand) -> Result<()> {
    let read_only = crate::tui::DashboardOptions::from_ctx(ctx).read_only;
    let env = project
        .resolved
        .environment
        .as_deref()
        .unwrap_or("(default)");
    let protected = project.resolved.protected.then_some(env);
    match refusal(read_only, protected, cmd) {
        None => Ok(()),
        Some(msg) => Err(Error::refused(msg).with_hint(format!(
            "mark it `safe: true` in devctl.yaml (line {}) if it changes nothing",
            cmd.line
        ))),
    }
}

/// devctl's own gate flags (the grammar's one table of them): the user's answer to the gate,
/// never part of a command's text. Any spelling pflag would read (`--confirm`, `--confirm=…`).
fn is_gate_flag(word: &str) -> bool {
    let Some(name) = word.strip_prefix("--") else {
        return false;
    };
    let name = name.split_once('=').map_or(name, |(n, _)| n);
    crate::compose::grammar::pflag::GATE
        .iter()
        .any(|f| f.long.contains(&name))
}

fn carries_its_own_confirmation(cmd: &ProjectCommand, flag: &str) -> Error {
    Error::refused(format!(
        "`{}` carries the safety gate's answer in its own text (`{}` in devctl.yaml, line {}): the confirmation must come from you, not from the project's files; nothing was run",
        cmd.name,
        crate::sanitize::escape(flag),
        cmd.line
    ))
    .with_hint(format!(
        "remove `{}` from the command in devctl.yaml; then `devctl do {}` shows the plan and asks (without a terminal: `devctl do {} --confirm PROJECT`)",
        crate::sanitize::escape(flag),
        cmd.name,
        cmd.name
    ))
}

fn unplannable(cmd: &ProjectCommand, part: &str) -> Error {
    Error::refused(format!(
        "`{}` runs `{part}`, which deletes volume data, and devctl cannot plan it inside this command",
        cmd.name
    ))
    .with_hint(
        "make the command text exactly one Compose call on the host (`run_host: docker compose down -v`) so the safety gate can show the plan, or run `devctl down -v` / `devctl volume rm` yourself",
    )
}

/// A project command runs only once the user trusted its text (see `audit::trust`):
/// `--trust`, or the typed name in a terminal; otherwise refused (exit 4), nothing run. A
/// command in a service needs it too: the project's compose file may give that container the
/// Engine's socket or the host's root.
fn ensure_trusted(
    ctx: &Ctx,
    project: &LoadedProject,
    cmd: &ProjectCommand,
    yes: bool,
    terminal: bool,
) -> Result<()> {
    use crate::audit::trust;
    let root = project.root().unwrap_or_else(|| ctx.cwd.clone());
    let trusted_text = cmd.trust_text();
    if trust::is_trusted(&ctx.env, &root, &trusted_text) {
        return Ok(());
    }
    let shown = crate::sanitize::escape_text(&trusted_text);
    let place = if cmd.service().is_some() {
        "in a container of the project's compose file"
    } else {
        "on this machine"
    };
    let name = crate::sanitize::escape(&cmd.name);
    if yes {
        trust::trust(&ctx.env, &root, &cmd.name, &trusted_text)?;
        eprintln!("devctl: `{name}` trusted (until its text changes): {shown}");
        return Ok(());
    }
    if !terminal {
        return Err(Error::refused(format!(
            "`{name}` runs {place} (`{shown}`) and its text is not trusted yet: a project's \
             devctl.yaml can come from anyone; nothing was run"
        ))
        .with_hint(format!(
            "read the text, then run `devctl do {name} --trust` (or `devctl do {name}` in a \
             terminal, which shows it and asks); the trust holds until the text changes"
        )));
    }
    eprintln!(
        "`{name}` ({}) runs {place}:\n\n    {shown}\n\n\
         devctl's safety gate sees what it sends to the Docker Engine through DOCKER_HOST; code \
         can go around that. Trust this text only if you know what it does.",
        root.join("devctl.yaml").display()
    );
    let term = dialoguer::console::Term::stderr();
    let asked = format!("Type `{name}` to trust it and run it (Esc aborts): ");
    match crate::safety::prompt::ask_word(&term, &asked) {
        Ok(Some(typed)) if typed == cmd.name => {
            trust::trust(&ctx.env, &root, &cmd.name, &trusted_text)
        }
        _ => Err(Error::refused("not trusted, nothing was run")),
    }
}

fn own_endpoint(cmd: &ProjectCommand, what: &str) -> Error {
    Error::refused(format!(
        "`{}` chooses its own Docker Engine endpoint (`{what}`), which would take it around \
         devctl's safety gate; nothing was run",
        cmd.name
    ))
    .with_hint(
        "project commands use the Engine devctl uses: choose it with DOCKER_HOST or `docker \
         context use` before running devctl, or with `context:` of a Swarm environment",
    )
}

fn at_line(e: Error, project: &LoadedProject, cmd: &ProjectCommand) -> Error {
    let file = project
        .resolved
        .files
        .first()
        .map(|b| crate::project::environments::project_root(b).join("devctl.yaml"));
    let at = file.map_or_else(String::new, |f| format!("{}:{}: ", f.display(), cmd.line));
    Error::config(format!("{at}commands.{}.service: {e}", cmd.name))
}

fn confirm(cmd: &ProjectCommand, text: &str, terminal: bool) -> Result<()> {
    if !terminal {
        return Err(Error::refused(format!(
            "`{}` asks for confirmation (`confirm: true`) and there is no terminal",
            cmd.name
        ))
        .with_hint(format!("pass `--yes`: `devctl do {} --yes`", cmd.name)));
    }
    let ok = dialoguer::Confirm::new()
        .with_prompt(format!("Run `{}` ({text})?", cmd.name))
        .default(false)
        .interact()
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(Error::refused(format!("`{}` not confirmed", cmd.name)))
    }
}

/// `sh -c TEXT` in the folder of devctl.yaml, behind the Engine guard.
/// `env`: the child's environment when it is not devctl's own (a Swarm manager's endpoint).
fn host(
    ctx: &Ctx,
    project: &LoadedProject,
    text: &str,
    env: Option<&std::collections::BTreeMap<String, String>>,
) -> Result<u8> {
    let inv = crate::compose::Invocation {
        program: "sh".into(),
        args: vec!["-c".into(), text.to_string()],
        interactive: true,
    };
    if ctx.global.dry_run {
        crate::compose::run::announce(&inv);
        return Ok(0);
    }
    if let Some(base) = project.resolved.files.first() {
        let root = crate::project::environments::project_root(base);
        std::env::set_current_dir(&root)
            .map_err(|e| Error::general(format!("cannot enter {}: {e}", root.display())))?;
    }
    crate::compose::run::run_raw_in(&inv, env).map(crate::compose::run::to_u8)
}

fn list(commands: &[ProjectCommand], json: bool) -> Result<u8> {
    if json {
        let v: Vec<serde_json::Value> = commands
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": c.name, "service": c.service(), "text": c.text,
                    "kind": match c.target { Target::Run{..} => "run", Target::Exec{..} => "exec", Target::Host => "run_host" },
                    "key": c.key.map(String::from), "interactive": c.interactive,
                    "confirm": c.confirm, "safe": c.safe,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(v));
        return Ok(0);
    }
    if commands.is_empty() {
        println!("no project commands (declare them under `commands:` in devctl.yaml)");
        return Ok(0);
    }
    let width = commands.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in commands {
        let key = c.key.map_or("   ".to_string(), |k| format!("[{k}]"));
        println!(
            "{:width$}  {key}  {}",
            c.name,
            crate::sanitize::escape_text(&c.summary())
        );
    }
    Ok(0)
}
