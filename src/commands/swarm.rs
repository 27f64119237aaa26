//! `ps`, `status`, `logs` and `down` on an environment with `target: swarm`: facts from the
//! manager's Engine API (services, tasks, nodes), volumes from every node's Engine.

use std::time::Duration;

use serde_json::json;

use super::Ctx;
use crate::error::{Error, Result};
use crate::swarm::facts::{self, StackFacts, SwarmTask};
use crate::swarm::nodes;
use crate::swarm::target::{self, Target};

/// The table `ps`/`status` print.
pub fn table(f: &StackFacts) -> String {
    let mut out = format!("stack {} ({} node(s))\n", f.stack, f.nodes.len());
    if f.services.is_empty() {
        out.push_str("  no services: deploy with `devctl --ENV deploy`\n");
    }
    for s in &f.services {
        out.push_str(&format!(
            "{:<20} {:<10} {}/{} running  {}\n",
            s.service, s.mode, s.running, s.desired, s.image
        ));
        for t in &s.tasks {
            out.push_str(&format!("  {}\n", task_line(t)));
        }
    }
    out
}

fn task_line(t: &SwarmTask) -> String {
    let short: String = t.id.chars().take(12).collect();
    format!(
        "{:<24} {:<12} {:<14} {:<10} {:<9}{}{}",
        t.name,
        short,
        if t.node.is_empty() { "-" } else { &t.node },
        t.state,
        t.health.as_deref().unwrap_or("-"),
        if t.desired_state == "running" {
            ""
        } else {
            " (history)"
        },
        t.error
            .as_ref()
            .map(|e| format!("  {}", crate::sanitize::sanitize_str(e)))
            .unwrap_or_default()
    )
}

/// The JSON of `ps --json` / `status --json`.
pub fn to_json(t: &Target, f: &StackFacts) -> serde_json::Value {
    json!({
        "target": "swarm",
        "project": t.project,
        "stack": f.stack,
        "nodes": f.nodes,
        "services": f.services,
    })
}

pub(crate) async fn snapshot(t: &Target) -> Result<(target::Manager, StackFacts)> {
    let docker = target::manager(t).await?;
    let f = facts::gather(&docker, &t.stack).await?;
    Ok((docker, f))
}

/// `devctl --ENV ps [--json]`.
pub fn ps(t: &Target, json_out: bool) -> Result<u8> {
    let rt = super::runtime()?;
    let (_, f) = rt.block_on(snapshot(t))?;
    if json_out {
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(t, &f)).unwrap_or_default()
        );
    } else {
        print!("{}", table(&f));
    }
    Ok(0)
}

/// `devctl --ENV status [--json] [--watch | --wait [T]]`.
pub fn status(t: &Target, args: &super::status::StatusArgs) -> Result<u8> {
    if args.watch {
        return watch(t, args.json);
    }
    if let Some(w) = &args.wait {
        let timeout = crate::engine::wait::parse_timeout(w)?.unwrap_or(Duration::from_secs(180));
        let rt = super::runtime()?;
        let outcome = rt.block_on(async {
            let (docker, f) = snapshot(t).await?;
            let engines = nodes::connect_all(t, &docker.docker, &f.nodes).await;
            crate::swarm::wait::wait(
                &docker,
                &t.stack,
                &engines,
                timeout,
                chrono::Utc::now(),
                &mut |l| eprintln!("  {l}"),
            )
            .await
        })?;
        if args.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "ready": outcome.converged,
                    "problems": outcome.problems,
                    "stack": to_json(t, &outcome.facts),
                }))
                .unwrap_or_default()
            );
        }
        if outcome.converged {
            return Ok(0);
        }
        return Err(Error::not_healthy(format!(
            "stack `{}` is not healthy:\n{}",
            t.stack,
            outcome.problems.join("\n")
        )));
    }
    ps(t, args.json)
}

/// `status --watch`: the table, then one line per task change. The manager's service and node
/// events and every reachable node's container events of the stack trigger a re-listing at
/// once; a re-listing every 2 s catches what no event reports (task scheduling).
fn watch(t: &Target, json_out: bool) -> Result<u8> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let (docker, mut last) = snapshot(t).await?;
        let engines = nodes::connect_all(t, &docker.docker, &last.nodes).await;
        if json_out {
            println!(
                "{}",
                serde_json::to_string(&to_json(t, &last)).unwrap_or_default()
            );
        } else {
            print!("{}", table(&last));
            for e in engines.iter().filter(|e| e.unreachable.is_some()) {
                eprintln!(
                    "note: no events from node {}: {}",
                    e.node.hostname,
                    e.unreachable.clone().unwrap_or_default()
                );
            }
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<StackFacts>();
        tokio::spawn(crate::swarm::watch::run(
            docker,
            engines,
            t.stack.clone(),
            tx,
        ));
        while let Some(now) = rx.recv().await {
            let stamp = chrono::Local::now().format("%H:%M:%S");
            for (line, j) in facts::changes(&last, &now) {
                if json_out {
                    println!(
                        "{}",
                        serde_json::to_string(&json!({"time": stamp.to_string(), "change": j}))
                            .unwrap_or_default()
                    );
                } else {
                    println!("{stamp} {line}");
                }
            }
            last = now;
        }
        Ok(0)
    })
}

/// `devctl --ENV logs [SERVICE…] [-f]`: every task of each service, `task@node | line`.
pub fn logs(t: &Target, args: &super::logs::LogsArgs) -> Result<u8> {
    let rt = super::runtime()?;
    let tail = match args.tail {
        crate::engine::logs::Tail::All => "all".to_string(),
        crate::engine::logs::Tail::Last(n) => n.to_string(),
    };
    rt.block_on(async {
        let (docker, f) = snapshot(t).await?;
        let wanted: Vec<String> = if args.services.is_empty() {
            f.services.iter().map(|s| s.service.clone()).collect()
        } else {
            args.services.clone()
        };
        let mut names = Vec::new();
        for w in &wanted {
            match f.services.iter().find(|s| &s.service == w) {
                Some(s) => names.push(s.name.clone()),
                None => {
                    let known: Vec<&str> = f.services.iter().map(|s| s.service.as_str()).collect();
                    return Err(Error::usage(format!(
                        "no service {w:?} in stack `{}` (services: {})",
                        t.stack,
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    )));
                }
            }
        }
        let json_out = args.json;
        let prefix = !args.no_log_prefix;
        let streams = names.iter().map(|full| {
            let docker = docker.clone();
            let stack = t.stack.clone();
            let tail = tail.clone();
            let full = full.clone();
            async move {
                crate::swarm::logs::stream(&docker, &stack, &full, args.follow, &tail, &mut |l| {
                    if json_out {
                        println!("{}", serde_json::to_string(&l).unwrap_or_default());
                    } else if prefix {
                        println!("{}@{} | {}", l.task, l.node, l.text);
                    } else {
                        println!("{}", l.text);
                    }
                })
                .await
            }
        });
        for r in futures_util::future::join_all(streams).await {
            r?;
        }
        Ok(0)
    })
}

/// The anonymous volumes of the stack's tasks as a plan: Swarm deletes them with the task
/// containers on `docker stack rm`, which no Engine call of devctl's could refuse.
pub(super) fn anonymous_plan(
    f: &crate::swarm::facts::StackFacts,
    project: &str,
) -> crate::safety::plan::DeletionPlan {
    use crate::safety::plan::{DeletionPlan, PlannedVolume, User, VolumeKind};
    DeletionPlan {
        project: project.to_string(),
        // `docker stack rm` deletes them as `down -v` would.
        actions: vec![crate::safety::classify::Action::DownVolumes],
        remove: Vec::new(),
        at_risk: f
            .services
            .iter()
            .flat_map(|s| {
                s.anonymous_volumes.iter().map(move |path| PlannedVolume {
                    name: format!("{}:{path}", s.service),
                    key: None,
                    kind: VolumeKind::Anonymous,
                    external: false,
                    protected: false,
                    created_at: None,
                    size_bytes: None,
                    labels: Default::default(),
                    mounted_by: vec![User {
                        container: s.name.clone(),
                        service: Some(s.service.clone()),
                        project: Some(project.to_string()),
                        state: String::new(),
                        image_id: String::new(),
                    }],
                    driver: String::new(),
                    mountpoint: None,
                })
            })
            .collect(),
        kept: Vec::new(),
        warnings: Vec::new(),
    }
}

/// Plain `down` of a stack whose tasks mount anonymous volumes: the plan is shown and the
/// same typed confirmation / `--confirm PROJECT` as for `down -v` decides. The answer is how
/// it was confirmed (`None`: nothing at risk).
fn anonymous_volumes_gate(
    ctx: &Ctx,
    f: &crate::swarm::facts::StackFacts,
    t: &Target,
    confirm: &[String],
) -> Result<Option<(&'static str, crate::audit::Record)>> {
    let plan = anonymous_plan(f, &t.project);
    if plan.is_empty() {
        return Ok(None);
    }
    let lines: Vec<String> = plan
        .at_risk
        .iter()
        .map(|v| {
            let (service, path) = v.name.split_once(':').unwrap_or((&v.name, ""));
            format!("  - {service}: anonymous volume at {path}")
        })
        .collect();
    eprintln!(
        "devctl safety gate: stack `{}` (project `{}`)\nWILL BE DELETED by Swarm with the task containers, on every node (anonymous volumes):\n{}\nTo keep them, give them a name in the compose file.",
        crate::sanitize::escape(&t.stack),
        crate::sanitize::escape(&t.project),
        crate::sanitize::escape_text(&lines.join("\n"))
    );
    let mut record = crate::audit::Record::new(&ctx.env, &ctx.cwd, &t.project);
    record.plan = serde_json::to_value(&plan).unwrap_or_default();
    let how = super::swarm_volumes::decide(ctx, &mut record, &plan, confirm, &t.stack)?;
    Ok(Some((how, record)))
}

/// `devctl --ENV down [-v]`: `docker stack rm`; with `-v`, see [`super::swarm_volumes`].
pub fn down(ctx: &Ctx, t: &Target, args: &super::down::DownArgs) -> Result<u8> {
    if args.volumes {
        return super::swarm_volumes::run(ctx, t, super::swarm_volumes::Which::Down, &args.confirm);
    }
    let rt = super::runtime()?;
    let (_, f) = rt.block_on(snapshot(t))?;
    super::deploy::check_owner(&f, &t.project, "removed")?;
    let inv = crate::compose::stack::rm(&t.stack);
    if ctx.global.dry_run {
        let plan = anonymous_plan(&f, &t.project);
        for v in &plan.at_risk {
            eprintln!(
                "+ Swarm deletes the anonymous volume {} with its tasks",
                crate::sanitize::escape(&v.name)
            );
        }
        crate::compose::run::announce(&inv);
        return Ok(0);
    }
    let gate = anonymous_volumes_gate(ctx, &f, t, &args.confirm)?;
    // Confirmed (or none seen): the guard lets `docker stack rm` remove the services.
    let allowed = crate::engine::apiguard::rules::Allowed {
        task_volumes: true,
        ..Default::default()
    };
    let code = crate::compose::stack::run_in_allowing(&inv, &t.env, allowed)?;
    if let Some((how, mut record)) = gate {
        let outcome = if code == 0 { "performed" } else { "stopped" };
        super::swarm_volumes::audit(
            ctx,
            &mut record,
            how,
            outcome,
            serde_json::json!({"stack_rm_exit": code}),
        )?;
    }
    Ok(crate::compose::run::to_u8(code))
}

#[cfg(test)]
mod anonymous_volume_tests {
    use super::*;
    use crate::swarm::facts::{StackFacts, SwarmService};

    fn facts(anonymous: &[&str]) -> StackFacts {
        StackFacts {
            stack: "shop".into(),
            services: vec![SwarmService {
                id: "id".into(),
                name: "shop_db".into(),
                service: "db".into(),
                image: "img".into(),
                mode: "replicated".into(),
                desired: 1,
                running: 1,
                healthcheck: false,
                project: Some("shop".into()),
                tasks: vec![],
                anonymous_volumes: anonymous.iter().map(|s| s.to_string()).collect(),
            }],
            nodes: vec![],
        }
    }

    fn target() -> Target {
        Target {
            environment: "prod".into(),
            project: "shop".into(),
            stack: "shop".into(),
            env: Default::default(),
            context: None,
            nodes: Default::default(),
            config: None,
        }
    }

    #[test]
    fn plain_down_of_a_stack_with_anonymous_volumes_needs_the_project_name() {
        use crate::safety::policy::{Decision, policy};
        let flags = |c: &[&str]| crate::safety::GateFlags {
            confirm: c.iter().map(|s| s.to_string()).collect(),
            snapshot: Some(false),
        };
        let plan = anonymous_plan(&facts(&["/var/lib/data"]), "shop");
        assert_eq!(plan.at_risk.len(), 1);
        assert_eq!(plan.at_risk[0].name, "db:/var/lib/data");
        assert_eq!(plan.at_risk[0].mounted_by[0].container, "shop_db");
        assert!(matches!(
            policy(&plan, false, &flags(&[])),
            Decision::Refuse { .. }
        ));
        assert!(matches!(
            policy(&plan, false, &flags(&["wrong"])),
            Decision::Refuse { .. }
        ));
        assert!(matches!(
            policy(&plan, true, &flags(&[])),
            Decision::Prompt { .. }
        ));
        assert!(matches!(
            policy(&plan, false, &flags(&["shop"])),
            Decision::Confirmed { .. }
        ));
        assert!(anonymous_plan(&facts(&[]), "shop").is_empty());
        let _ = target();
    }
}
