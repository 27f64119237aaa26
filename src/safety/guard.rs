//! The CLI path through the gate: prepare, show the plan, decide by policy, prompt in a
//! terminal, execute, report. Every decision lands in the audit log.

use super::audit::AuditLog;
use super::classify::Destructive;
use super::execute::Output;
use super::gate::{Confirmation, Prepared, audit_decision, execute, prepare};
use super::policy::{self, Decision, GateFlags};
use super::{prompt, sources};
use crate::context::Ctx;
use crate::engine::volumes::LABEL_PROJECT;
use crate::error::{Error, Result};
use crate::sanitize::{escape, escape_text};

/// The CLI path: prepare, show, decide, prompt, execute. Returns the exit code.
pub fn guard(
    ctx: &Ctx,
    args: &[String],
    destructive: Destructive,
    flags: &GateFlags,
) -> Result<u8> {
    let rt = crate::context::runtime()?;
    rt.block_on(guard_async(ctx, args, destructive, flags))
}

async fn guard_async(
    ctx: &Ctx,
    args: &[String],
    destructive: Destructive,
    flags: &GateFlags,
) -> Result<u8> {
    let docker = sources::connect(ctx).await?;
    let p = prepare(ctx, args, destructive, &docker).await?;
    // Fail before anything is touched when the audit log cannot be written.
    drop(AuditLog::open(&ctx.env)?);
    if p.nothing_labelled() {
        if let Some(l) = p.label_mode().filter(|l| !l.explicit) {
            return Err(sources::no_file_error(&p.ctx, &l.name));
        }
        eprintln!("{}", escape_text(&nothing_to_remove(&p.plan.project)));
        if !ctx.global.dry_run {
            audit_decision(
                &p,
                "nothing-to-remove",
                "label mode: nothing carries the label",
            )?;
        }
        return Ok(0);
    }
    let color = ctx.color() && prompt::is_terminal();
    eprintln!("{}", p.render(color));
    if let Some(d) = &p.disagreement {
        audit_decision(&p, "views-disagree", &d.differences.join("; "))?;
        return Err(Error::refused(
            "refused: devctl's model and Compose's view of the volumes disagree",
        )
        .with_hint(
            "check the files with `devctl config` and `docker compose config`; nothing was touched",
        ));
    }
    if ctx.global.dry_run {
        if let Some(inv) = p.compose_call()? {
            crate::compose::run::announce(&inv);
        }
        for v in &p.plan.remove {
            eprintln!(
                "+ devctl: remove volume {} (created {})",
                escape(&v.name),
                escape(v.created_at.as_deref().unwrap_or("?"))
            );
        }
        return Ok(0);
    }
    let terminal = prompt::is_terminal();
    let (how, snap) = match policy::policy(&p.plan, terminal, flags) {
        Decision::NothingToDelete => {
            eprintln!(
                "nothing to delete: no volume of project `{}` would be deleted; \
                 running without asking",
                p.plan.project
            );
            (Confirmation::NothingToDelete, false)
        }
        Decision::Confirmed { words } => {
            (Confirmation::Flag(words), flags.snapshot.unwrap_or(false))
        }
        Decision::Refuse { reason, hint } => {
            audit_decision(&p, "refused", &reason)?;
            return Err(Error::refused(format!(
                "refused by the safety gate: {reason}; nothing was touched"
            ))
            .with_hint(hint));
        }
        Decision::Prompt { words } => {
            let term = dialoguer::console::Term::stderr();
            let snap = match flags.snapshot {
                Some(s) => s,
                None => match prompt::ask_snapshot(&term, p.plan.remove.len())? {
                    prompt::Answer::Yes => true,
                    prompt::Answer::No => false,
                    prompt::Answer::Abort => {
                        return aborted(&p, "aborted at the snapshot question");
                    }
                },
            };
            let mut typed = Vec::new();
            for w in &words {
                let what = if *w == p.plan.project {
                    format!("Type the project name `{w}` to confirm (Esc aborts): ")
                } else {
                    format!("Type the volume name `{w}` to confirm its deletion (Esc aborts): ")
                };
                match prompt::ask_word(&term, &what)? {
                    Some(t) if policy::typed_matches(&t, w) => typed.push(t),
                    Some(_) => return aborted(&p, "the typed name did not match"),
                    None => return aborted(&p, "aborted (Esc / Ctrl-C)"),
                }
            }
            (Confirmation::Typed(typed), snap)
        }
    };
    let out = execute(&p, &docker, how, snap, Output::Inherit).await?;
    for line in out.report() {
        eprintln!("{}", escape_text(&line));
    }
    if out.ok() {
        Ok(0)
    } else {
        Err(Error::general(
            out.stopped
                .clone()
                .unwrap_or_else(|| "the guarded operation failed".into()),
        ))
    }
}

/// Run a non-destructive Compose subcommand for the project (e.g. plain `down`);
/// `--dry-run` prints it and stops. Like the lifecycle commands, the Engine must answer first
/// (the shared preflight: exit 6 within 2 s when it does not), so Compose's own "cannot
/// connect" (exit 1) never reaches the user.
///
/// Label mode (`down` with a project name and no compose file, see [`sources`]): Compose runs
/// `-p NAME down` without files when a container or network carries the project's label;
/// otherwise devctl says there is nothing to remove (exit 0) — or, when the name only came
/// from `COMPOSE_PROJECT_NAME` and nothing at all carries it, gives the loader's "no compose
/// file found" (exit 3).
pub fn run_plain(ctx: &Ctx, sub: &[String]) -> Result<u8> {
    if sub.first().map(String::as_str) == Some("down") {
        if let Some(label) = sources::label_project(ctx)? {
            return run_plain_by_labels(ctx, &label, sub);
        }
    }
    let loaded = sources::load_project(ctx)?;
    let inv = crate::compose::invocation(ctx, &loaded, sub)?;
    crate::commands::lifecycle::preflight(ctx, &loaded, sub)?;
    crate::compose::execute(ctx, &inv)
}

/// The message of label mode when nothing carries the project's label.
fn nothing_to_remove(name: &str) -> String {
    format!(
        "nothing to remove for project {name}: no compose file was found, and no container, \
         network or volume carries the label {LABEL_PROJECT}={name}"
    )
}

fn run_plain_by_labels(ctx: &Ctx, label: &sources::LabelName, sub: &[String]) -> Result<u8> {
    let name = label.name.as_str();
    let rt = crate::context::runtime()?;
    let (containers, networks, volumes) = rt.block_on(async {
        let docker = sources::connect(ctx).await?;
        let facts = crate::engine::volumes::gather(&docker, false).await?;
        let networks = crate::engine::volumes::labelled_networks(&docker, name).await?;
        let containers = facts
            .containers
            .iter()
            .filter(|c| c.project.as_deref() == Some(name))
            .count();
        let volumes: Vec<String> = facts
            .volumes
            .iter()
            .filter(|v| v.project() == Some(name))
            .map(|v| v.name.clone())
            .collect();
        Ok::<_, Error>((containers, networks.len(), volumes))
    })?;
    if containers == 0 && networks == 0 {
        if volumes.is_empty() && !label.explicit {
            return Err(sources::no_file_error(ctx, name));
        }
        if volumes.is_empty() {
            eprintln!("{}", escape_text(&nothing_to_remove(name)));
        } else {
            let name = escape(name);
            eprintln!(
                "nothing to remove for project {name}: no container or network carries its \
                 label; its volumes are kept ({}); `devctl -p {name} down -v` shows the plan \
                 to delete them",
                escape(&volumes.join(", "))
            );
        }
        return Ok(0);
    }
    eprintln!(
        "devctl: no compose file found; Compose works from the Engine's labels of project \
         {} ({containers} container(s), {networks} network(s)); volumes are kept",
        escape(name)
    );
    let project_directory = ctx.global.project_directory.as_deref();
    let inv = super::execute::compose_call_by_name(ctx, name, project_directory, sub)?;
    crate::compose::execute(ctx, &inv)
}

fn aborted(p: &Prepared, reason: &str) -> Result<u8> {
    audit_decision(p, "aborted", reason)?;
    Err(
        Error::refused(format!("{reason}: aborted, nothing was touched")).with_hint(format!(
            "type exactly {}",
            p.required_words().join(", then ")
        )),
    )
}
