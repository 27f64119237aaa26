//! `devctl --prod deploy [--wait]` on an environment with `target: swarm`: render the layered,
//! interpolated project into a stack file, report every key Swarm would ignore or refuse (with
//! the file that set it), refuse keys that change behaviour silently unless `--accept KEY`
//! names them, run `docker stack deploy`, and with `--wait` follow every service until its
//! tasks run and are healthy, or say why not.

use std::collections::BTreeMap;
use std::path::Path;

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result};
use crate::swarm::stackfile::{self, Finding, ImageFact, Severity};
use crate::swarm::{facts, nodes, target};

#[derive(Debug, Default, Args)]
pub struct DeployArgs {
    /// Wait until every task of every service runs and is healthy; else exit 5 with why.
    #[arg(long)]
    pub wait: bool,
    /// Seconds `--wait` waits at most.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    pub timeout: u64,
    /// Deploy although KEY changes behaviour on a Swarm (`depends_on`, `build`, `privileged`,
    /// `devices`, `network_mode`, `pid`, `ipc`, or `all`); the report names the ones needed.
    #[arg(long = "accept", value_name = "KEY")]
    pub accept: Vec<String>,
    /// Print the report as JSON on stdout (the deploy still runs).
    #[arg(long)]
    pub json: bool,
}

/// The Swarm target of `ctx`, or the usage error of a command that needs one.
pub fn require_target(ctx: &Ctx, what: &str) -> Result<target::Target> {
    if let Some(t) = target::of(ctx)? {
        return Ok(t);
    }
    // A project that cannot be found or layered says so first (exit 3).
    crate::project::resolve(&ctx.project_options())?;
    Err(Error::usage(format!(
        "`devctl {what}` needs an environment that targets a Swarm, and {} does not",
        ctx.global
            .environment_flag()
            .map_or("no environment was chosen".to_string(), |e| format!(
                "environment `{e}`"
            ))
    ))
    .with_hint(
        "declare it in devctl.yaml: `environments: {prod: {target: swarm}}`, then run \
             `devctl --prod deploy` (README \"Running on a Swarm\")",
    ))
}

fn shown(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

/// The report as text, one line per finding.
pub fn report_text(findings: &[Finding], dir: &Path, accept: &[String]) -> String {
    let mut out = String::new();
    for f in findings {
        let label = match f.severity {
            Severity::Translated => "translated",
            Severity::Ignored => "ignored",
            Severity::Refused
                if stackfile::unaccepted(std::slice::from_ref(f), accept).is_empty() =>
            {
                "accepted"
            }
            Severity::Refused => "REFUSED",
        };
        let file = f
            .file
            .as_ref()
            .map(|p| format!(" ({})", shown(p, dir)))
            .unwrap_or_default();
        let flag = f
            .accept
            .as_ref()
            .map(|a| format!(" [--accept {a}]"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {label:<10} {}{file}: {}{flag}\n",
            f.key,
            crate::sanitize::sanitize_str(&f.meaning)
        ));
    }
    out
}

/// Refuse when the stack name belongs to another project (or to a stack devctl did not deploy).
pub fn check_owner(stack: &facts::StackFacts, project: &str, verb: &str) -> Result<()> {
    let other = stack
        .services
        .iter()
        .find(|s| s.project.as_deref() != Some(project));
    let Some(s) = other else { return Ok(()) };
    let owner = s
        .project
        .as_ref()
        .map_or("a stack devctl did not deploy".to_string(), |p| {
            format!("project `{p}`")
        });
    Err(Error::refused(format!(
        "refused: the stack name `{}` is taken by {owner} (service {}); nothing was {verb}",
        stack.stack, s.name
    ))
    .with_hint("choose another name with `stack:` under the environment in devctl.yaml"))
}

pub fn run(ctx: &Ctx, args: &DeployArgs) -> Result<u8> {
    let t = require_target(ctx, "deploy")?;
    let loaded = ctx.load_project()?;
    let dir = loaded.resolved.project_dir.clone();
    let rt = super::runtime()?;
    let (docker, engines, current) = rt.block_on(async {
        let docker = target::manager(&t).await?;
        let current = facts::gather(&docker, &t.stack).await?;
        let engines = nodes::connect_all(&t, &docker.docker, &current.nodes).await;
        Ok::<_, Error>((docker, engines, current))
    })?;
    check_owner(&current, &t.project, "deployed")?;
    // Where each built service's image is.
    let mut images: BTreeMap<String, ImageFact> = BTreeMap::new();
    for svc in loaded.json["services"].as_object().into_iter().flatten() {
        let (Some(_), Some(image)) = (svc.1.get("build"), svc.1["image"].as_str()) else {
            continue;
        };
        let (checked, missing_on) = rt.block_on(nodes::image_presence(&engines, image));
        images.insert(
            image.to_string(),
            ImageFact {
                missing_on,
                checked,
            },
        );
    }
    let env_files: Vec<_> = loaded
        .resolved
        .env_files
        .iter()
        .filter(|f| f.is_file())
        .cloned()
        .collect();
    let rendered = stackfile::render(
        &loaded.json,
        &loaded.provenance,
        &t.project,
        &env_files,
        &|image| images.get(image).cloned().unwrap_or_default(),
    );
    let unreachable: Vec<String> = engines
        .iter()
        .filter_map(|e| {
            e.unreachable
                .as_ref()
                .map(|why| format!("{}: {why}", e.node.hostname))
        })
        .collect();
    eprintln!(
        "Swarm report for stack `{}` (project {}, environment {}, {} node(s)):",
        t.stack,
        t.project,
        t.environment,
        current.nodes.len()
    );
    eprintln!(
        "{}",
        report_text(&rendered.findings, &dir, &args.accept).trim_end()
    );
    for u in &unreachable {
        eprintln!(
            "  note: node {} (its images could not be checked)",
            crate::sanitize::sanitize_str(u)
        );
    }
    if args.json {
        let j = serde_json::json!({
            "stack": t.stack,
            "project": t.project,
            "findings": rendered.findings,
            "unreachable_nodes": unreachable,
        });
        println!("{}", serde_json::to_string_pretty(&j).unwrap_or_default());
    }
    let open = stackfile::unaccepted(&rendered.findings, &args.accept);
    if !open.is_empty() {
        let mut kinds: Vec<&str> = open.iter().filter_map(|f| f.accept.as_deref()).collect();
        kinds.dedup();
        let keys: Vec<&str> = open.iter().map(|f| f.key.as_str()).collect();
        let flags: Vec<String> = kinds.iter().map(|k| format!("--accept {k}")).collect();
        return Err(Error::refused(format!(
            "refused: {} key(s) would change behaviour silently on a Swarm ({}); nothing was deployed",
            open.len(),
            keys.join(", ")
        ))
        .with_hint(format!(
            "change them, or deploy anyway with `devctl --{} deploy {}`",
            t.environment,
            flags.join(" ")
        )));
    }
    let yaml = crate::project::yaml::to_yaml_string(&rendered.stack)?;
    let file = tempfile::Builder::new()
        .prefix(&format!("devctl-stack-{}-", t.stack))
        .suffix(".yml")
        .tempfile()
        .map_err(|e| Error::general(format!("cannot write the stack file: {e}")))?;
    std::fs::write(file.path(), &yaml).map_err(|e| {
        Error::general(format!(
            "cannot write the stack file {}: {e}",
            file.path().display()
        ))
    })?;
    let inv = crate::compose::stack::deploy(file.path(), &t.stack);
    if ctx.global.dry_run {
        // The stack file as `config` shows the model: secrets masked (the file itself is not).
        let mut shown = rendered.stack.clone();
        crate::secrets::mask_json(&mut shown);
        print!("{}", crate::project::yaml::to_yaml_string(&shown)?);
        crate::compose::run::announce(&inv);
        return Ok(0);
    }
    let started = chrono::Utc::now();
    let code = crate::compose::stack::run_in(&inv, &t.env)?;
    if code != 0 {
        return Ok(crate::compose::run::to_u8(code));
    }
    if !args.wait {
        return Ok(0);
    }
    eprintln!(
        "waiting for stack `{}` (at most {} s):",
        t.stack, args.timeout
    );
    let outcome = rt.block_on(crate::swarm::wait::wait(
        &docker,
        &t.stack,
        &engines,
        std::time::Duration::from_secs(args.timeout),
        started,
        &mut |line| eprintln!("  {line}"),
    ))?;
    if outcome.converged {
        eprintln!("stack `{}`: every task is running and healthy", t.stack);
        return Ok(0);
    }
    Err(Error::not_healthy(format!(
        "stack `{}` is not healthy:\n{}",
        t.stack,
        outcome.problems.join("\n")
    ))
    .with_hint(format!(
        "`devctl --{} status` shows every task; `devctl --{} logs SERVICE` its output",
        t.environment, t.environment
    )))
}
