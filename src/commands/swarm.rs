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

/// Swarm removes a task's container together with its anonymous volumes, so `docker stack rm`
/// deletes their data on every node even without `-v`: refused unless the user names the
/// project with `--confirm` (fails closed; the plan lists what would go).
fn anonymous_volumes_gate(
    f: &crate::swarm::facts::StackFacts,
    t: &Target,
    confirm: &[String],
) -> Result<()> {
    let at_risk: Vec<String> = f
        .services
        .iter()
        .flat_map(|s| {
            s.anonymous_volumes
                .iter()
                .map(move |v| format!("  - {}: anonymous volume at {}", s.service, v))
        })
        .collect();
    if at_risk.is_empty() || confirm.iter().any(|w| w == &t.project) {
        return Ok(());
    }
    eprintln!(
        "devctl safety gate: stack `{}` (project `{}`)\nWILL BE DELETED by Swarm with the task containers, on every node (anonymous volumes):\n{}",
        crate::sanitize::escape(&t.stack),
        crate::sanitize::escape(&t.project),
        crate::sanitize::escape_text(&at_risk.join("\n"))
    );
    Err(Error::refused(
        "refused by the safety gate: `docker stack rm` deletes the anonymous volumes of the stack's tasks; nothing was touched",
    )
    .with_hint(format!(
        "give those volumes a name in the compose file to keep them, or confirm with `--confirm {}`",
        t.project
    )))
}

/// `devctl --ENV down [-v]`: `docker stack rm`; with `-v`, see [`super::swarm_volumes`].
pub fn down(ctx: &Ctx, t: &Target, args: &super::down::DownArgs) -> Result<u8> {
    if args.volumes {
        return super::swarm_volumes::run(ctx, t, super::swarm_volumes::Which::Down, &args.confirm);
    }
    let rt = super::runtime()?;
    let (_, f) = rt.block_on(snapshot(t))?;
    super::deploy::check_owner(&f, &t.project, "removed")?;
    anonymous_volumes_gate(&f, t, &args.confirm)?;
    let inv = crate::compose::stack::rm(&t.stack);
    if ctx.global.dry_run {
        crate::compose::run::announce(&inv);
        return Ok(0);
    }
    let code = crate::compose::stack::run_in(&inv, &t.env)?;
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
        let e = anonymous_volumes_gate(&facts(&["/var/lib/data"]), &target(), &[])
            .expect_err("refused");
        assert_eq!(e.exit, crate::error::Exit::Refused, "{e}");
        assert!(e.to_string().contains("anonymous volumes"), "{e}");
        assert!(
            anonymous_volumes_gate(&facts(&["/var/lib/data"]), &target(), &["wrong".into()])
                .is_err()
        );
        assert!(
            anonymous_volumes_gate(&facts(&["/var/lib/data"]), &target(), &["shop".into()]).is_ok()
        );
        assert!(anonymous_volumes_gate(&facts(&[]), &target(), &[]).is_ok());
    }
}
