//! The safety gate on a Swarm: `down -v`, `volume rm NAME…` and `volume prune` for a stack.
//! The stack's volumes (label `com.docker.stack.namespace`) are planned on every node, with
//! sizes; nodes that cannot be reached are listed and then nothing is removed (exit 6); the
//! same typed confirmation / `--confirm PROJECT` policy as on one host decides; devctl removes
//! exactly the planned volumes, node by node, and writes the audit log.

use std::time::Duration;

use serde_json::json;

use super::Ctx;
use crate::audit::{AuditLog, Record};
use crate::error::{Error, Result};
use crate::safety::policy::Decision;
use crate::swarm::target::Target;
use crate::swarm::{nodes, volumes};

/// Which action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    /// `down -v`: `docker stack rm`, then every volume of the stack.
    Down,
    /// `volume rm NAME…`: these volumes (Engine name or compose key) of the stack, where unused.
    Rm(Vec<String>),
    /// `volume prune`: every unused volume of the stack.
    Prune,
}

pub(super) fn audit(
    ctx: &Ctx,
    record: &mut Record,
    decision: &str,
    outcome: &str,
    result: serde_json::Value,
) -> Result<()> {
    record.decision = decision.into();
    record.outcome = outcome.into();
    record.result = result;
    AuditLog::open(&ctx.env).and_then(|mut l| l.append(&record.masked()))
}

pub fn run(ctx: &Ctx, t: &Target, which: Which, confirm: &[String]) -> Result<u8> {
    let rt = super::runtime()?;
    let (f, engines) = rt.block_on(async {
        let (m, f) = super::swarm::snapshot(t).await?;
        let engines = nodes::connect_all(t, &m.docker, &f.nodes).await;
        Ok::<_, Error>((f, engines))
    })?;
    super::deploy::check_owner(&f, &t.project, "removed")?;
    // Fail closed: which volumes are external or protected comes from the project's files; a
    // project that does not load plans nothing.
    let loaded = ctx.load_project().map_err(|e| {
        let hint = e.hint.clone().unwrap_or_default();
        Error::refused(format!(
            "cannot plan the stack's volumes without the project's files: {}; nothing was removed",
            e.message
        ))
        .with_hint(if hint.is_empty() {
            "fix the project so that `devctl config` loads it, then run this again".to_string()
        } else {
            hint
        })
    })?;
    // External in the loaded project, or in ANY layer of it (another environment's override
    // file included), by Engine name and by key: never planned unless named.
    let mut external: Vec<String> = crate::safety::plan::declared_volumes(&loaded.project)
        .into_iter()
        .filter(|(_, _, ext)| *ext)
        .flat_map(|(key, name, _)| [key, name])
        .collect();
    for d in crate::safety::layers::scan(&loaded.resolved).externals {
        external.push(d.key.clone());
        external.extend(d.name);
    }
    let protected = loaded.resolved.protected_volumes.clone();
    let mut plan = rt.block_on(volumes::plan(&t.stack, &engines, &external, &protected));
    if let Which::Rm(names) = &which {
        let prefix = format!("{}_", t.stack);
        let named = |n: &str| {
            names
                .iter()
                .any(|w| w == n || Some(w.as_str()) == n.strip_prefix(&prefix))
        };
        let missing: Vec<&String> = names
            .iter()
            .filter(|w| {
                !plan
                    .remove
                    .iter()
                    .any(|v| v.name == **w || v.name == format!("{prefix}{w}"))
            })
            .collect();
        if !missing.is_empty() && plan.unreachable.is_empty() {
            return Err(Error::usage(format!(
                "no volume {} of stack `{}` on any node; nothing was removed",
                missing
                    .iter()
                    .map(|m| format!("{m:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                t.stack
            ))
            .with_hint(format!(
                "`devctl --{} volume prune` plans every volume of the stack",
                t.environment
            )));
        }
        plan.remove.retain(|v| named(&v.name));
        plan.kept.clear();
    }
    if which != Which::Down {
        rt.block_on(volumes::keep_in_use(&mut plan, &engines));
    }
    eprintln!("{}", plan.render().trim_end());
    if matches!(which, Which::Rm(_)) && plan.remove.is_empty() && plan.unreachable.is_empty() {
        // Every volume named is kept (in use): an answer, not a question.
        let kept: Vec<String> = plan
            .kept
            .iter()
            .map(|(node, name, why)| format!("{name} on {node}: {why}"))
            .collect();
        return Err(Error::general(format!(
            "nothing was removed: {}",
            crate::sanitize::escape(&kept.join("; "))
        ))
        .with_hint(format!(
            "a volume a container mounts cannot be removed: remove the stack first (`devctl --{} \
             down`), then run this again",
            t.environment
        )));
    }
    let mut gate_plan = plan.as_deletion_plan(&t.project);
    if which == Which::Down {
        // `docker stack rm` also deletes the tasks' anonymous volumes: in the plan too.
        let anonymous = super::swarm::anonymous_plan(&f, &t.project).at_risk;
        for v in &anonymous {
            let (service, path) = v.name.split_once(':').unwrap_or((&v.name, ""));
            eprintln!(
                "  delete  {}: anonymous volume at {} (Swarm deletes it with the task containers, on every node)",
                crate::sanitize::escape(service),
                crate::sanitize::escape(path)
            );
        }
        gate_plan.at_risk.extend(anonymous);
    }
    if which != Which::Down {
        gate_plan.actions = vec![match which {
            Which::Prune => crate::safety::classify::Action::VolumePrune,
            _ => crate::safety::classify::Action::VolumeRm,
        }];
    }
    let mut record = Record::new(&ctx.env, &ctx.cwd, &t.project);
    record.plan = serde_json::to_value(&plan).unwrap_or_default();
    if !plan.unreachable.is_empty() {
        let nodes: Vec<&str> = plan.unreachable.iter().map(|(n, _)| n.as_str()).collect();
        audit(
            ctx,
            &mut record,
            "refused",
            "refused",
            json!({"reason": "unreachable nodes", "nodes": nodes}),
        )?;
        return Err(Error::engine(format!(
            "node(s) {} cannot be reached: their volumes of stack `{}` cannot be planned; nothing was removed",
            nodes.join(", "),
            t.stack
        ))
        .with_hint(format!(
            "give each node an endpoint under `nodes:` of environment `{}` in devctl.yaml (or bring it back){}",
            t.environment,
            if which == Which::Down {
                format!(", or remove the stack without volumes: `devctl --{} down`", t.environment)
            } else {
                String::new()
            }
        )));
    }
    let inv = crate::compose::stack::rm(&t.stack);
    if ctx.global.dry_run {
        if which == Which::Down {
            crate::compose::run::announce(&inv);
        }
        for v in &plan.remove {
            eprintln!("+ devctl: remove volume {} on node {}", v.name, v.node);
        }
        return Ok(0);
    }
    let how = decide(ctx, &mut record, &gate_plan, confirm, &t.stack)?;
    if which == Which::Down {
        let allowed = crate::engine::apiguard::rules::Allowed {
            task_volumes: true,
            ..Default::default()
        };
        let code = crate::compose::stack::run_in_allowing(&inv, &t.env, allowed)?;
        if code != 0 {
            audit(
                ctx,
                &mut record,
                how,
                "stopped",
                json!({"stack_rm_exit": code}),
            )?;
            return Ok(crate::compose::run::to_u8(code));
        }
    }
    let (lines, ok) = rt.block_on(async {
        if which == Which::Down
            && !volumes::wait_containers_gone(&t.stack, &engines, Duration::from_secs(60)).await
        {
            return (
                vec![
                    "the stack's containers did not go away within 60 s; no volume was removed"
                        .to_string(),
                ],
                false,
            );
        }
        volumes::remove(&plan, &engines).await
    });
    for l in &lines {
        eprintln!("{}", crate::sanitize::sanitize_str(l));
    }
    audit(
        ctx,
        &mut record,
        how,
        if ok { "performed" } else { "stopped" },
        json!({"lines": lines}),
    )?;
    if ok {
        Ok(0)
    } else {
        Err(Error::general(
            "not every planned volume could be removed (see above)",
        ))
    }
}

/// The gate's decision on `gate_plan`, the same as on one host: `--confirm PROJECT`, else the
/// typed words on a terminal, else refused. Refusals and aborts are audited here; the answer
/// is how it was confirmed, for the audit line of what follows.
pub(super) fn decide(
    ctx: &Ctx,
    record: &mut Record,
    gate_plan: &crate::safety::plan::DeletionPlan,
    confirm: &[String],
    stack: &str,
) -> Result<&'static str> {
    let flags = crate::safety::GateFlags {
        confirm: confirm.to_vec(),
        snapshot: Some(false),
    };
    Ok(
        match crate::safety::policy::policy(gate_plan, crate::safety::prompt::is_terminal(), &flags)
        {
            Decision::NothingToDelete => {
                eprintln!("nothing to delete: no volume of stack `{stack}` would be removed");
                "nothing-to-delete"
            }
            Decision::Confirmed { .. } => "confirmed-flag",
            Decision::Refuse { reason, hint } => {
                audit(ctx, record, "refused", "refused", json!({"reason": reason}))?;
                return Err(Error::refused(format!(
                    "refused by the safety gate: {reason}; nothing was touched"
                ))
                .with_hint(hint));
            }
            Decision::Prompt { words } => {
                let term = dialoguer::console::Term::stderr();
                for w in &words {
                    let what = format!("Type `{w}` to confirm (Esc aborts): ");
                    match crate::safety::prompt::ask_word(&term, &what)? {
                        Some(typed) if crate::safety::policy::typed_matches(&typed, w) => {}
                        _ => {
                            audit(ctx, record, "aborted", "aborted", json!({}))?;
                            return Err(Error::refused("aborted, nothing was touched"));
                        }
                    }
                }
                "confirmed-typed"
            }
        },
    )
}
