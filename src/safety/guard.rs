//! The CLI path through the gate: prepare, show the plan, decide by policy, prompt in a
//! terminal, execute, report. Every decision lands in the audit log.

use super::classify::Destructive;
use super::execute::Output;
use super::gate::{Confirmation, Prepared, audit_decision, execute, prepare};
use super::policy::{self, Decision, GateFlags};
use super::{prompt, sources};
use crate::audit::AuditLog;
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

/// The message of label mode when nothing carries the project's label.
pub(crate) fn nothing_to_remove(name: &str) -> String {
    format!(
        "nothing to remove for project {name}: no compose file was found, and no container, \
         network or volume carries the label {LABEL_PROJECT}={name}"
    )
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
