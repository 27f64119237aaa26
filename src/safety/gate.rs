//! The gate's orchestration: prepare (load the model, gather Engine facts, build the plan,
//! check Compose's view), decide (policy + prompt), execute, audit.
//!
//! The dashboard uses [`prepare`] (plan without prompting) and [`execute`] (run a plan the
//! user confirmed in its modal) directly; the CLI uses [`guard`].

use std::path::PathBuf;

use bollard::Docker;

use super::audit::{AuditLog, Record};
use super::classify::{Action, ComposeGlobals, Destructive, strip_volume_flags};
use super::execute::{self, ComposeCall, Outcome, Output};
use super::plan::{self, DeletionPlan, Disagreement, PlanInput};
use super::policy::{self, Decision, GateFlags};
use super::{prompt, snapshot};
use crate::commands::Ctx;
use crate::engine::volumes;
use crate::error::{Error, Result};
use crate::project::{LoadedProject, Project, Resolved};

/// A plan ready to be shown and, once confirmed, executed.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The context with the argv's own global flags applied (what Compose would see).
    pub ctx: Ctx,
    pub loaded: LoadedProject,
    pub destructive: Destructive,
    /// The argv as asked (Compose form, global flags first).
    pub args: Vec<String>,
    pub plan: DeletionPlan,
    /// Compose's own view disagrees with devctl's model: execution is refused.
    pub disagreement: Option<Disagreement>,
}

impl Prepared {
    /// What the user must type (or pass with `--confirm`) to confirm.
    pub fn required_words(&self) -> Vec<String> {
        policy::required_words(&self.plan)
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
    pub fn compose_call(&self) -> Option<ComposeCall> {
        let d = &self.destructive;
        if d.has(Action::VolumeRm) || d.has(Action::VolumePrune) {
            return None;
        }
        let mut sub = strip_volume_flags(&self.args, d);
        if d.subcommand == "rm" && !has_force(&sub) {
            // Compose would ask on its /dev/null stdin; the user confirmed the plan already.
            sub.insert(1, "-f".into());
        }
        Some(execute::compose_call(&self.ctx, &self.loaded, &sub))
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

/// Compose's view: `docker compose … config --format json` of the same files.
fn compose_view(ctx: &Ctx, name: Option<&str>) -> Result<serde_json::Value> {
    let shell = LoadedProject {
        resolved: Resolved {
            files: vec![],
            project_dir: ctx.cwd.clone(),
            name: String::new(),
            environment: None,
            protected: false,
            env_files: vec![],
            profiles: vec![],
            protected_volumes: vec![],
        },
        json: serde_json::Value::Null,
        project: Project::default(),
        disabled_services: Default::default(),
        provenance: Default::default(),
        warnings: vec![],
    };
    let mut call = execute::compose_call(
        ctx,
        &shell,
        &["config".into(), "--format".into(), "json".into()],
    );
    // `-p` only when a name is known; otherwise Compose derives it as usual.
    if let Some(pos) = call.args.iter().position(|a| a == "-p") {
        match name.or(ctx.global.project_name.as_deref()) {
            Some(n) => call.args[pos + 1] = n.to_string(),
            None => {
                call.args.drain(pos..pos + 2);
            }
        }
    }
    execute::compose_config_json(ctx, &call)
}

/// The merged model devctl plans from.
// TODO(after merge): `ctx.load_project()` (helpers "project-a/b"); until the loader is on main,
// the model is built from Compose's own canonical JSON, so both views trivially agree.
pub fn load_project(ctx: &Ctx) -> Result<LoadedProject> {
    let json = compose_view(ctx, None)?;
    let project = Project::from_json(&json)
        .map_err(|e| Error::config(format!("cannot read Compose's model: {e}")))?;
    Ok(LoadedProject {
        resolved: Resolved {
            files: ctx.global.files.iter().map(|f| ctx.cwd.join(f)).collect(),
            project_dir: ctx
                .global
                .project_directory
                .as_ref()
                .map(|d| ctx.cwd.join(d))
                .unwrap_or_else(|| ctx.cwd.clone()),
            name: project.name.clone(),
            environment: None,
            protected: false,
            env_files: ctx
                .global
                .env_files
                .iter()
                .map(|f| ctx.cwd.join(f))
                .collect(),
            profiles: ctx.global.profiles.clone(),
            protected_volumes: vec![],
        },
        json,
        project,
        disabled_services: Default::default(),
        provenance: Default::default(),
        warnings: vec![],
    })
}

/// The Engine connection.
// TODO(after merge): `crate::engine::connect(&ctx.env)` (helper "engine").
pub async fn connect(_ctx: &Ctx) -> Result<Docker> {
    let docker = Docker::connect_with_local_defaults().map_err(|e| {
        Error::engine(format!("cannot reach the Docker Engine: {e}"))
            .with_hint("is dockerd running? check DOCKER_HOST")
    })?;
    match tokio::time::timeout(
        std::time::Duration::from_secs(2),
        docker.negotiate_version(),
    )
    .await
    {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => Err(
            Error::engine(format!("cannot reach the Docker Engine: {e}"))
                .with_hint("is dockerd running? check DOCKER_HOST"),
        ),
        Err(_) => Err(Error::engine("the Docker Engine did not answer within 2 s")
            .with_hint("is dockerd running? check DOCKER_HOST")),
    }
}

/// Build the plan without prompting or touching anything. `args` is the Compose-form argv
/// (`["down", "-v"]`, `["-p", "x", "rm", "-fsv"]`, `["volume", "rm", "x"]`…), already
/// classified as `destructive`.
pub async fn prepare(
    ctx: &Ctx,
    args: &[String],
    destructive: Destructive,
    docker: &Docker,
) -> Result<Prepared> {
    let ectx = effective_ctx(ctx, &destructive.globals);
    let loaded = load_project(&ectx)?;
    let facts = volumes::gather(docker, true).await?;
    let plan = plan::plan(&PlanInput {
        project: &loaded.project,
        project_name: &loaded.resolved.name,
        protected_volumes: &loaded.resolved.protected_volumes,
        destructive: &destructive,
        facts: &facts,
    });
    let compose = compose_view(&ectx, Some(&loaded.resolved.name))?;
    let compose = Project::from_json(&compose).map_err(|e| {
        Error::general(format!("cannot read Compose's `config --format json`: {e}"))
    })?;
    let disagreement = plan::check_views(&loaded.project, &compose).err();
    Ok(Prepared {
        ctx: ectx,
        loaded,
        destructive,
        args: args.to_vec(),
        plan,
        disagreement,
    })
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
}

impl Confirmation {
    fn decision(&self) -> &'static str {
        match self {
            Confirmation::Typed(_) => "confirmed-typed",
            Confirmation::Flag(_) => "confirmed-flag",
        }
    }
}

fn record(p: &Prepared, decision: &str, result: serde_json::Value) -> Record {
    let mut r = Record::new(&p.ctx.env, &p.ctx.cwd, &p.plan.project);
    r.plan = serde_json::to_value(&p.plan).unwrap_or(serde_json::Value::Null);
    r.decision = decision.into();
    r.result = result;
    r
}

/// Append a decision that did not execute (`refused`, `aborted`, `views-disagree`).
pub fn audit_decision(p: &Prepared, decision: &str, reason: &str) -> Result<()> {
    AuditLog::open(&p.ctx.env)?.append(&record(
        p,
        decision,
        serde_json::json!({ "reason": reason }),
    ))
}

/// Execute a plan the user confirmed: snapshot first (when asked), Compose without `-v`,
/// then the planned volumes one by one, re-checked; re-inspect; one audit line.
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
        log.append(&record(p, "views-disagree", serde_json::json!({})))?;
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
    };
    if !ok {
        log.append(&record(
            p,
            "refused",
            serde_json::json!({"reason": "confirmation does not match the plan"}),
        ))?;
        return Err(Error::refused(
            "the confirmation does not match the plan; nothing was touched",
        ));
    }
    let mut out = Outcome::default();
    if take_snapshot {
        for v in &p.plan.remove {
            let images: Vec<String> = v.mounted_by.iter().map(|u| u.image_id.clone()).collect();
            match snapshot::create(docker, &p.ctx.env, &v.name, &images).await {
                Ok(m) => out.snapshots.push(m.id),
                Err(e) => {
                    out.stopped = Some(format!("snapshot of `{}` failed: {e}", v.name));
                    log.append(&record(
                        p,
                        how.decision(),
                        serde_json::to_value(&out).unwrap_or_default(),
                    ))?;
                    return Ok(out);
                }
            }
        }
    }
    if let Some(call) = p.compose_call() {
        let (code, text) = execute::run_compose(&p.ctx, &call, output)?;
        out.compose = Some((call.display(), code));
        out.compose_output = text;
        if code != 0 {
            out.stopped = Some(format!("Compose exited with {code}; no volume was removed"));
            log.append(&record(
                p,
                how.decision(),
                serde_json::to_value(&out).unwrap_or_default(),
            ))?;
            return Ok(out);
        }
    }
    execute::remove_planned(docker, &p.plan, &mut out).await;
    execute::reinspect(docker, &p.plan, &mut out).await;
    log.append(&record(
        p,
        how.decision(),
        serde_json::to_value(&out).unwrap_or_default(),
    ))?;
    Ok(out)
}

/// The CLI path: prepare, show, decide, prompt, execute. Returns the exit code.
pub fn guard(
    ctx: &Ctx,
    args: &[String],
    destructive: Destructive,
    flags: &GateFlags,
) -> Result<u8> {
    let rt = crate::commands::runtime()?;
    rt.block_on(guard_async(ctx, args, destructive, flags))
}

async fn guard_async(
    ctx: &Ctx,
    args: &[String],
    destructive: Destructive,
    flags: &GateFlags,
) -> Result<u8> {
    let docker = connect(ctx).await?;
    let p = prepare(ctx, args, destructive, &docker).await?;
    // Fail before anything is touched when the audit log cannot be written.
    drop(AuditLog::open(&ctx.env)?);
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
        match p.compose_call() {
            Some(c) => println!("{}", c.display()),
            None => println!("(no Compose command)"),
        }
        for v in &p.plan.remove {
            println!(
                "devctl: remove volume {} (created {})",
                v.name,
                v.created_at.as_deref().unwrap_or("?")
            );
        }
        return Ok(0);
    }
    let terminal = prompt::is_terminal();
    let (how, snap) = match policy::policy(&p.plan, terminal, flags) {
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
        eprintln!("{line}");
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

/// Run a non-destructive Compose subcommand for the project (e.g. plain `down`), standard
/// input at /dev/null; `--dry-run` prints it and stops.
// TODO(after merge): `crate::compose::invocation` + `crate::compose::run` (helper "compose").
pub fn run_plain(ctx: &Ctx, sub: &[String]) -> Result<u8> {
    let loaded = load_project(ctx)?;
    let call = execute::compose_call(ctx, &loaded, sub);
    if ctx.global.dry_run {
        println!("{}", call.display());
        return Ok(0);
    }
    let (code, _) = execute::run_compose(ctx, &call, Output::Inherit)?;
    Ok(u8::try_from(code).unwrap_or(1))
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
            global: crate::cli::GlobalArgs {
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
