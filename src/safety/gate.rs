//! The gate's orchestration: prepare (load the model, gather Engine facts, build the plan,
//! check Compose's view), decide (policy + prompt), execute, audit.
//!
//! The dashboard uses [`prepare`] (plan without prompting) and [`execute`] (run a plan the
//! user confirmed in its modal) directly; the CLI uses [`guard`].

use std::path::PathBuf;

use bollard::Docker;

use super::classify::{Action, ComposeGlobals, Destructive, strip_volume_flags};
use super::execute::{self, Outcome, Output};
use super::plan::{self, DeletionPlan, PlanInput};
use super::policy;
use super::sources::{self, LabelProject, Source, compose_view, load_project};
use super::views::{self, Disagreement};
use super::{pin, prompt, snapshot};
use crate::audit::{AuditLog, Record};
use crate::compose::Invocation;
use crate::context::Ctx;
use crate::engine::volumes;
use crate::error::{Error, Result};
use crate::project::{LoadedProject, Project};

/// A plan ready to be shown and, once confirmed, executed.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The context with the argv's own global flags applied (what Compose would see).
    pub ctx: Ctx,
    /// The compose files, or (label mode) only the project name and the Engine's labels.
    pub source: Source,
    pub destructive: Destructive,
    /// The argv as asked (Compose form, global flags first).
    pub args: Vec<String>,
    pub plan: DeletionPlan,
    /// Compose's own view disagrees with devctl's model: execution is refused. (Never set
    /// in label mode: the check cannot run there, and the plan says so.)
    pub disagreement: Option<Disagreement>,
}

impl Prepared {
    /// What the user must type (or pass with `--confirm`) to confirm.
    pub fn required_words(&self) -> Vec<String> {
        policy::required_words(&self.plan)
    }

    /// Label mode: planned from the Engine's labels (no compose file).
    pub fn label_mode(&self) -> Option<&LabelProject> {
        match &self.source {
            Source::Labels(l) => Some(l),
            Source::Files(_) => None,
        }
    }

    /// Label mode with nothing of the project on the Engine: no container, no network, no
    /// volume carries its label.
    pub fn nothing_labelled(&self) -> bool {
        self.label_mode().is_some_and(|l| {
            l.containers.is_empty() && l.networks.is_empty() && self.plan.is_empty()
        })
    }

    /// The plan as text (for a terminal or a modal).
    pub fn render(&self, color: bool) -> String {
        let mut text = prompt::render_plan(&self.plan, color);
        if let Some(d) = &self.disagreement {
            text.push_str(&render_disagreement(d));
        }
        text
    }

    /// The Compose command devctl will run, if any (never with `-v`; `-V`/`-y` only as the
    /// user asked, after confirmation).
    pub fn compose_call(&self) -> Result<Option<Invocation>> {
        let d = &self.destructive;
        if d.has(Action::VolumeRm) || d.has(Action::VolumePrune) {
            return Ok(None);
        }
        let mut sub = strip_volume_flags(&self.args, d);
        if d.subcommand == "rm" && !has_force(&sub) {
            // Compose would ask on its /dev/null stdin; the user confirmed the plan already.
            sub.insert(1, "-f".into());
        }
        match &self.source {
            Source::Files(loaded) => execute::compose_call(&self.ctx, loaded, &sub).map(Some),
            Source::Labels(l) => execute::compose_call_by_name(
                &self.ctx,
                &l.name,
                l.project_directory.as_deref(),
                &sub,
            )
            .map(Some),
        }
    }
}

fn has_force(sub: &[String]) -> bool {
    sub.iter().skip(1).take_while(|a| *a != "--").any(|a| {
        a == "--force"
            || a.starts_with("--force=")
            || (a.starts_with('-') && !a.starts_with("--") && a.contains('f'))
    })
}

fn render_disagreement(d: &Disagreement) -> String {
    let fmt = |v: &[(String, String, bool)]| {
        v.iter()
            .map(|(k, n, e)| format!("    {k}: name `{n}`, external {e}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "\nREFUSED: devctl's model and Compose's view of the volumes disagree:\n{}\n  devctl:\n{}\n  Compose (`config --format json`):\n{}",
        d.differences
            .iter()
            .map(|x| format!("  - {x}"))
            .collect::<Vec<_>>()
            .join("\n"),
        fmt(&d.devctl),
        fmt(&d.compose)
    )
}

/// Where the volume sizes of a plan are asked for: the endpoint devctl itself talks to.
fn size_endpoint(ctx: &Ctx) -> Option<crate::engine::connect::Endpoint> {
    crate::engine::connect::resolve(&ctx.env).ok()
}

/// Apply the argv's own global flags to the context, as Compose reads them (`-f`, `--profile`,
/// `--env-file` add; `-p`, `--project-directory` replace).
pub fn effective_ctx(ctx: &Ctx, g: &ComposeGlobals) -> Ctx {
    let mut c = ctx.clone();
    c.global.files.extend(g.files.iter().map(PathBuf::from));
    if let Some(p) = &g.project_name {
        c.global.project_name = Some(p.clone());
    }
    if let Some(d) = &g.project_directory {
        c.global.project_directory = Some(PathBuf::from(d));
    }
    c.global.profiles.extend(g.profiles.iter().cloned());
    c.global
        .env_files
        .extend(g.env_files.iter().map(PathBuf::from));
    c
}

/// Build the plan without prompting or touching anything. Runs Compose (`config --format
/// json`) as a child process: call it from a worker (multi-thread runtime / `spawn_blocking`
/// wrapper), not from a render loop. `args` is the Compose-form argv
/// (`["down", "-v"]`, `["-p", "x", "rm", "-fsv"]`, `["volume", "rm", "x"]`…), already
/// classified as `destructive`.
pub async fn prepare(
    ctx: &Ctx,
    args: &[String],
    destructive: Destructive,
    docker: &Docker,
) -> Result<Prepared> {
    let ectx = effective_ctx(ctx, &destructive.globals);
    // Label mode covers what Compose (or devctl) can do by the project's labels alone: `down`,
    // `rm`, `volume rm|prune`. `up`/`create` need the files: the loader's error answers.
    if matches!(destructive.subcommand.as_str(), "down" | "rm" | "volume")
        && let Some(label) = sources::label_project(&ectx)?
    {
        return prepare_by_labels(ectx, args, destructive, label, docker).await;
    }
    let loaded = load_project(&ectx)?;
    let facts = volumes::gather(docker, size_endpoint(&ectx).as_ref()).await?;
    if destructive.actions.contains(&Action::VolumeRm) {
        check_volume_names(&loaded, &destructive.positionals, &facts)?;
    }
    let plan = plan::plan(&PlanInput {
        project: &loaded.project,
        project_name: &loaded.resolved.name,
        protected_volumes: &loaded.resolved.protected_volumes,
        protection: &super::layers::scan(&loaded.resolved),
        destructive: &destructive,
        facts: &facts,
    });
    let compose = compose_view(&ectx, &loaded)?;
    let compose = Project::from_json(&compose).map_err(|e| {
        Error::general(format!("cannot read Compose's `config --format json`: {e}"))
    })?;
    let disagreement = views::check_views(&loaded.project, &compose).err();
    Ok(Prepared {
        ctx: ectx,
        source: Source::Files(Box::new(loaded)),
        destructive,
        args: args.to_vec(),
        plan,
        disagreement,
    })
}

/// Label mode (`down` with a project name and no compose file): plan from the Engine's labels.
async fn prepare_by_labels(
    ectx: Ctx,
    args: &[String],
    destructive: Destructive,
    label: sources::LabelName,
    docker: &Docker,
) -> Result<Prepared> {
    let name = label.name;
    let facts = volumes::gather(docker, size_endpoint(&ectx).as_ref()).await?;
    let networks = crate::engine::volumes::labelled_networks(docker, &name).await?;
    let plan = plan::plan_by_labels(&name, &destructive, &facts);
    let containers = facts
        .containers
        .iter()
        .filter(|c| c.project.as_deref() == Some(name.as_str()))
        .map(|c| c.name.clone())
        .collect();
    let project_directory = ectx.global.project_directory.clone();
    Ok(Prepared {
        ctx: ectx,
        source: Source::Labels(LabelProject {
            name,
            explicit: label.explicit,
            project_directory,
            containers,
            networks,
        }),
        destructive,
        args: args.to_vec(),
        plan,
        disagreement: None,
    })
}

/// `volume rm NAME…` with a name that is no volume of the project and none on the Engine: a
/// usage error (nothing planned, nothing audited) listing the project's volumes.
fn check_volume_names(
    loaded: &LoadedProject,
    names: &[String],
    facts: &volumes::EngineFacts,
) -> Result<()> {
    let unknown = plan::unknown_names(&loaded.project, names, facts);
    if unknown.is_empty() {
        return Ok(());
    }
    let declared = plan::declared_volumes(&loaded.project);
    let list = if declared.is_empty() {
        "the project declares no volumes".to_string()
    } else {
        let each: Vec<String> = declared
            .iter()
            .map(|(k, e, ext)| {
                let ext = if *ext { ", external" } else { "" };
                format!("{k} (Engine name {e}{ext})")
            })
            .collect();
        format!("the project's volumes: {}", each.join(", "))
    };
    let unknown: Vec<String> = unknown.iter().map(|n| format!("`{n}`")).collect();
    Err(Error::usage(format!(
        "no volume {} in project `{}` or on the Engine",
        unknown.join(", "),
        loaded.resolved.name
    ))
    .with_hint(format!(
        "{list}; name a compose key or an Engine volume name (`docker volume ls`)"
    )))
}

/// The plan of `down -v` for the dashboard's `D` modal (nothing is touched).
pub async fn prepare_down_volumes(ctx: &Ctx, docker: &Docker) -> Result<Prepared> {
    let args = vec!["down".to_string(), "-v".to_string()];
    let d = super::classify::classify(&args)
        .ok_or_else(|| Error::general("internal: `down -v` not classified as destructive"))?;
    prepare(ctx, &args, d, docker).await
}

/// How the plan was confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Typed at a terminal or in the dashboard modal, in order of `required_words()`.
    Typed(Vec<String>),
    /// `--confirm` flags.
    Flag(Vec<String>),
    /// `down -v` / `volume prune` whose plan deletes nothing: nothing to confirm.
    NothingToDelete,
}

impl Confirmation {
    fn decision(&self) -> &'static str {
        match self {
            Confirmation::Typed(_) => "confirmed-typed",
            Confirmation::Flag(_) => "confirmed-flag",
            Confirmation::NothingToDelete => "nothing-to-delete",
        }
    }
}

fn record(p: &Prepared, decision: &str, outcome: &str, result: serde_json::Value) -> Record {
    let mut r = Record::new(&p.ctx.env, &p.ctx.cwd, &p.plan.project);
    r.plan = serde_json::to_value(&p.plan).unwrap_or(serde_json::Value::Null);
    r.decision = decision.into();
    r.outcome = outcome.into();
    r.result = result;
    r
}

/// The audit line of an execution: `performed` or `stopped`.
fn executed(p: &Prepared, how: &Confirmation, out: &Outcome) -> Record {
    let outcome = if out.ok() { "performed" } else { "stopped" };
    let result = serde_json::to_value(out).unwrap_or_default();
    record(p, how.decision(), outcome, result)
}

/// The outcome recorded with a decision that did not execute.
fn outcome_of(decision: &str) -> &'static str {
    match decision {
        "aborted" => "aborted",
        "nothing-to-remove" | "nothing-to-delete" => "performed",
        _ => "refused",
    }
}

/// Append a decision that did not execute (`refused`, `aborted`, `views-disagree`).
pub fn audit_decision(p: &Prepared, decision: &str, reason: &str) -> Result<()> {
    AuditLog::open(&p.ctx.env)?.append(&record(
        p,
        decision,
        outcome_of(decision),
        serde_json::json!({ "reason": reason }),
    ))
}

/// Execute a plan the user confirmed: re-check every planned volume's identity (stop before
/// anything runs when one changed), snapshot (when asked), Compose without `-v`, then the
/// planned volumes one by one; re-inspect; one audit line (`performed` or `stopped`).
/// Refuses (nothing touched) when the confirmation does not match the plan or the views
/// disagree.
pub async fn execute(
    p: &Prepared,
    docker: &Docker,
    how: Confirmation,
    take_snapshot: bool,
    output: Output,
) -> Result<Outcome> {
    let mut log = AuditLog::open(&p.ctx.env)?;
    if p.disagreement.is_some() {
        log.append(&record(
            p,
            "views-disagree",
            "refused",
            serde_json::json!({}),
        ))?;
        return Err(Error::refused(
            "devctl's model and Compose's view disagree; nothing was touched",
        ));
    }
    let required = p.required_words();
    let ok = match &how {
        Confirmation::Typed(w) => {
            w.len() == required.len()
                && w.iter()
                    .zip(&required)
                    .all(|(a, b)| policy::typed_matches(a, b))
        }
        Confirmation::Flag(w) => required.iter().all(|r| w.contains(r)),
        Confirmation::NothingToDelete => policy::nothing_to_delete(&p.plan),
    };
    if !ok {
        log.append(&record(
            p,
            "refused",
            "refused",
            serde_json::json!({"reason": "confirmation does not match the plan"}),
        ))?;
        return Err(Error::refused(
            "the confirmation does not match the plan; nothing was touched",
        ));
    }
    let mut out = Outcome::default();
    // The pin: every planned volume is still the one the user confirmed (its identity, not
    // its content), checked before anything runs.
    let changes = pin::recheck(docker, &p.plan).await?;
    if !changes.is_empty() {
        out.stopped = Some(format!(
            "stopped before anything was removed: {} since the plan was shown",
            changes.join("; ")
        ));
        for v in p.plan.affected() {
            out.kept.push(execute::AfterVolume {
                name: v.name.clone(),
                status: "kept".into(),
                reason: "not attempted (changed since the plan was shown)".into(),
            });
        }
        log.append(&executed(p, &how, &out))?;
        return Ok(out);
    }
    if take_snapshot {
        for v in &p.plan.remove {
            let images: Vec<String> = v.mounted_by.iter().map(|u| u.image_id.clone()).collect();
            match snapshot::create(docker, &p.ctx.env, &v.name, &images).await {
                Ok(m) => out.snapshots.push(m.id),
                Err(e) => {
                    out.stopped = Some(format!("snapshot of `{}` failed: {e}", v.name));
                    log.append(&executed(p, &how, &out))?;
                    return Ok(out);
                }
            }
        }
    }
    if let Some(call) = p.compose_call()? {
        let (code, text) = execute::run_compose(&call, output)?;
        out.compose = Some((call.display(), code));
        out.compose_output = text;
        if code != 0 {
            out.stopped = Some(format!("Compose exited with {code}; no volume was removed"));
            log.append(&executed(p, &how, &out))?;
            return Ok(out);
        }
    }
    execute::remove_planned(docker, &p.plan, &mut out).await;
    execute::reinspect(docker, &p.plan, &mut out).await;
    log.append(&executed(p, &how, &out))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn force_detection() {
        let v = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert!(has_force(&v("rm -f")));
        assert!(has_force(&v("rm -sf db")));
        assert!(has_force(&v("rm --force")));
        assert!(!has_force(&v("rm -s db")));
        assert!(!has_force(&v("rm -- -f")));
    }

    #[test]
    fn effective_ctx_applies_compose_globals() {
        let ctx = Ctx {
            global: crate::context::Options {
                files: vec!["a.yml".into()],
                project_name: Some("x".into()),
                ..Default::default()
            },
            cwd: "/w".into(),
            env: Default::default(),
        };
        let g = ComposeGlobals {
            files: vec!["b.yml".into()],
            project_name: Some("y".into()),
            project_directory: None,
            profiles: vec!["p".into()],
            env_files: vec![],
        };
        let e = effective_ctx(&ctx, &g);
        assert_eq!(
            e.global.files,
            vec![PathBuf::from("a.yml"), PathBuf::from("b.yml")]
        );
        assert_eq!(e.global.project_name.as_deref(), Some("y"));
        assert_eq!(e.global.profiles, vec!["p"]);
    }
}
