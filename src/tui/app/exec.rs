//! Executes the `Cmd`s `update` returns: Compose operations stream into the operations pane
//! (never blocking the loop), the shell suspends the dashboard, environment switches
//! re-resolve the files. Child processes get the project's environment and /dev/null as
//! standard input (only the shell is interactive).

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc::UnboundedSender;

use super::Edge;
use crate::compose::{self, Invocation};
use crate::context::Ctx;
use crate::tui::info::ProjectInfo;
use crate::tui::msg::{Cmd, EnvPreview, Msg, OpEvent, OpId};
use crate::tui::terminal::{self, TerminalGuard};

/// The shell command run in a service: bash when the image has it, else sh.
const SHELL: &str = "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi";

/// The same context, with environment `env` chosen instead of the current one.
pub(crate) fn ctx_for_env(ctx: &Ctx, env: &str) -> Ctx {
    let mut c = ctx.clone();
    c.global.dev = false;
    c.global.prod = false;
    c.global.env = Some(env.to_string());
    c
}

pub(crate) fn finished(tx: &UnboundedSender<Msg>, op: OpId, result: Result<i32, String>) {
    let _ = tx.send(Msg::Op(OpEvent::Finished { op, result }));
}

async fn pump<R: AsyncRead + Unpin>(r: R, op: OpId, tx: UnboundedSender<Msg>) {
    let mut lines = BufReader::new(r).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        // Progress output may redraw with CR; keep the last state of each line.
        let line = line.rsplit('\r').next().unwrap_or("").to_string();
        if tx.send(Msg::Op(OpEvent::Output { op, line })).is_err() {
            return;
        }
    }
}

/// Run a Compose invocation in `ctx.cwd` with `ctx.env`, behind devctl's Engine guard (like
/// every Compose child), streaming output into op `op`. For an `up` (`up_of: Some(project)`)
/// that fails, the summary of `devctl up`'s diagnosis (the failed dependency, each service left
/// unstarted with its `depends_on` condition and file) follows Compose's output in the
/// operation, before it is marked finished.
pub(crate) fn spawn_compose(
    ctx: &Ctx,
    inv: &Invocation,
    op: OpId,
    tx: UnboundedSender<Msg>,
    up_of: Option<crate::project::LoadedProject>,
) {
    match compose::guarded::guarded(inv, Some(&ctx.env)) {
        Ok(g) => spawn_command(ctx, inv.display(), g.command, Some(g.check), up_of, op, tx),
        Err(e) => finished(&tx, op, Err(e.to_string())),
    }
}

/// Run `program args…` (devctl itself, which guards its own children) in `ctx.cwd` with
/// `ctx.env`, streaming output into op `op`.
pub(crate) fn spawn_process(
    ctx: &Ctx,
    program: String,
    args: Vec<String>,
    op: OpId,
    tx: UnboundedSender<Msg>,
) {
    let display = Invocation {
        program: program.clone(),
        args: args.clone(),
        interactive: false,
    }
    .display();
    let mut cmd = std::process::Command::new(&program);
    cmd.args(&args).env_clear().envs(&ctx.env);
    spawn_command(ctx, display, cmd, None, None, op, tx);
}

fn spawn_command(
    ctx: &Ctx,
    display: String,
    command: std::process::Command,
    check: Option<compose::guarded::GuardCheck>,
    up_of: Option<crate::project::LoadedProject>,
    op: OpId,
    tx: UnboundedSender<Msg>,
) {
    let origin = crate::engine::wait::Origin::now();
    let (env, cwd) = (ctx.env.clone(), ctx.cwd.clone());
    let mut cmd = tokio::process::Command::from(command);
    cmd.current_dir(&ctx.cwd)
        .env("COMPOSE_ANSI", "never")
        .env("COMPOSE_PROGRESS", "plain")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(false);
    tokio::spawn(async move {
        let _ = tx.send(Msg::Op(OpEvent::Started {
            op,
            command: display.clone(),
        }));
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => return finished(&tx, op, Err(format!("cannot run `{display}`: {e}"))),
        };
        let out = child
            .stdout
            .take()
            .map(|o| tokio::spawn(pump(o, op, tx.clone())));
        let err = child
            .stderr
            .take()
            .map(|e| tokio::spawn(pump(e, op, tx.clone())));
        let status = child.wait().await;
        for t in [out, err].into_iter().flatten() {
            let _ = t.await;
        }
        if let Some(Err(e)) = check.as_ref().map(compose::guarded::GuardCheck::finish) {
            return finished(&tx, op, Err(e.to_string()));
        }
        if let (Some(project), Ok(s)) = (&up_of, &status)
            && !s.success()
        {
            for line in up_diagnosis(&env, project, &cwd, origin).await {
                let _ = tx.send(Msg::Op(OpEvent::Output { op, line }));
            }
        }
        match status {
            Ok(s) => finished(&tx, op, Ok(s.code().unwrap_or(128 + 9))),
            Err(e) => finished(&tx, op, Err(e.to_string())),
        }
    });
}

/// The lines of a failed `up`'s diagnosis (none when no dependency failed or the Engine does
/// not answer within 10 s).
async fn up_diagnosis(
    env: &std::collections::BTreeMap<String, String>,
    project: &crate::project::LoadedProject,
    cwd: &std::path::Path,
    origin: crate::engine::wait::Origin,
) -> Vec<String> {
    let report = async {
        let docker = crate::engine::connect(env).await.ok()?;
        crate::engine::wait::failed_up_report(&docker, project, cwd, origin)
            .await
            .ok()
            .flatten()
    };
    match tokio::time::timeout(std::time::Duration::from_secs(10), report).await {
        // The summary part (what failed, what was left unstarted and why); the probe output
        // and logs of the failed service are in its details and its log pane.
        Ok(Some(r)) => r
            .render(false)
            .lines()
            .take_while(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// devctl's own global flags for a child `devctl` (same project, same environment).
pub(crate) fn self_args(ctx: &Ctx) -> Vec<String> {
    let g = &ctx.global;
    let mut a = Vec::new();
    for f in &g.files {
        a.extend(["-f".to_string(), f.display().to_string()]);
    }
    if let Some(p) = &g.project_name {
        a.extend(["-p".to_string(), p.clone()]);
    }
    if let Some(d) = &g.project_directory {
        a.extend(["--project-directory".to_string(), d.display().to_string()]);
    }
    for p in &g.profiles {
        a.extend(["--profile".to_string(), p.clone()]);
    }
    for e in &g.env_files {
        a.extend(["--env-file".to_string(), e.display().to_string()]);
    }
    if let Some(env) = g.environment_flag() {
        a.extend(["--env".to_string(), env]);
    }
    a
}

impl Edge {
    pub(crate) async fn execute(&mut self, cmd: Cmd, guard: &mut TerminalGuard) {
        let tx = self.tx.clone();
        match cmd {
            Cmd::Trusted { name, text, then } => {
                let root = self.project.root().unwrap_or_else(|| self.ctx.cwd.clone());
                if crate::audit::trust::is_trusted(&self.ctx.env, &root, &text) {
                    return Box::pin(self.execute(*then, guard)).await;
                }
                let why = format!(
                    "`{}` runs code from the project's devctl.yaml and its text is not trusted \
                     yet: run `devctl do {}` in a terminal once (it shows the text and asks); \
                     nothing was run",
                    crate::sanitize::escape(&name),
                    crate::sanitize::escape(&name)
                );
                let _ = match *then {
                    Cmd::Compose { op, .. } | Cmd::HostCommand { op, .. } => {
                        tx.send(Msg::Op(OpEvent::Finished {
                            op,
                            result: Err(why),
                        }))
                    }
                    Cmd::Interactive { service, .. } => tx.send(Msg::ShellDone {
                        service,
                        result: Err(why),
                    }),
                    _ => Ok(()),
                };
            }
            Cmd::Quit(_) => {}
            Cmd::Compose { op, args } => self.compose(op, &args),
            Cmd::Shell { service } => self.shell(service, guard).await,
            Cmd::BuildDeletionPlan => self.build_plan(),
            Cmd::ExecutePlan {
                op,
                words,
                snapshot_first,
                token,
            } => self.execute_plan(op, words, snapshot_first, token),
            Cmd::Snapshot { op } => match std::env::current_exe() {
                Ok(exe) => {
                    let mut args = self_args(&self.ctx);
                    args.extend(["snapshot", "create", "--all"].map(String::from));
                    spawn_process(&self.ctx, exe.display().to_string(), args, op, tx);
                }
                Err(e) => finished(&tx, op, Err(format!("cannot find the devctl binary: {e}"))),
            },
            Cmd::PreviewEnv { environment } => {
                let ctx = ctx_for_env(&self.ctx, &environment);
                tokio::task::spawn_blocking(move || {
                    let r = ctx
                        .load_project()
                        .and_then(|lp| {
                            let inv = compose::invocation(&ctx, &lp, &["up".into(), "-d".into()])?;
                            Ok(EnvPreview {
                                environment,
                                files: lp.resolved.files.clone(),
                                protected: lp.resolved.protected,
                                up_command: inv.display(),
                            })
                        })
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::EnvPreview(r));
                });
            }
            Cmd::Watch { op } => self.watch = super::watch::start(&self.ctx, &self.project, op, tx),
            Cmd::StopWatch { op } => super::watch::stop(&mut self.watch, op),
            Cmd::HostCommand { op, name, text } => {
                let mut ctx = self.ctx.clone();
                if let Some(root) = self.project.root() {
                    ctx.cwd = root;
                }
                // Trusted in a terminal first (`devctl do NAME` shows the text and asks).
                if !crate::audit::trust::is_trusted(&ctx.env, &ctx.cwd, &text) {
                    let name = crate::sanitize::escape(&name);
                    let _ = tx.send(Msg::Op(OpEvent::Finished {
                        op,
                        result: Err(format!(
                            "`{name}` runs on this machine and its text is not trusted yet: \
                             run `devctl do {name}` in a terminal once (it shows the text and \
                             asks); nothing was run"
                        )),
                    }));
                    return;
                }
                let inv = Invocation {
                    program: "sh".into(),
                    args: vec!["-c".into(), text],
                    interactive: false,
                };
                spawn_compose(&ctx, &inv, op, tx, None);
            }
            Cmd::Interactive { service, args } => self.interactive(service, args, guard).await,
            Cmd::SwitchEnv { environment, up } => {
                let ctx = ctx_for_env(&self.ctx, &environment);
                match tokio::task::spawn_blocking(move || ctx.load_project().map(|lp| (ctx, lp)))
                    .await
                {
                    Ok(Ok((ctx, lp))) => {
                        self.ctx = ctx;
                        self.project = lp;
                        let _ = tx.send(Msg::ProjectSwitched(Box::new(ProjectInfo::from_loaded(
                            &self.project,
                        ))));
                        self.sources.start(
                            &self.ctx,
                            &self.project,
                            &tx,
                            &self.logs,
                            self.with_stats,
                            self.log_tail,
                        );
                        if let Some(op) = up {
                            self.compose(op, &["up".to_string(), "-d".to_string()]);
                        }
                    }
                    Ok(Err(e)) => {
                        if let Some(op) = up {
                            finished(&tx, op, Err(e.to_string()));
                        }
                        let _ = tx.send(Msg::EnvPreview(Err(e.to_string())));
                    }
                    Err(e) => {
                        if let Some(op) = up {
                            finished(&tx, op, Err(e.to_string()));
                        }
                    }
                }
            }
        }
    }

    fn compose(&self, op: OpId, args: &[String]) {
        // The dashboard's own actions are never destructive; if one ever were, the modal
        // (the safety gate) is the only way.
        if crate::safety::classify(args).is_some() {
            return finished(
                &self.tx,
                op,
                Err(format!(
                    "refused: `{}` would destroy volume data",
                    args.join(" ")
                )),
            );
        }
        let up_of = (args.first().map(String::as_str) == Some("up")).then(|| self.project.clone());
        match compose::invocation(&self.ctx, &self.project, args) {
            Ok(inv) => spawn_compose(&self.ctx, &inv, op, self.tx.clone(), up_of),
            Err(e) => finished(&self.tx, op, Err(e.to_string())),
        }
    }

    async fn shell(&mut self, service: String, guard: &mut TerminalGuard) {
        let args = ["exec", service.as_str(), "sh", "-c", SHELL].map(String::from);
        self.interactive(service, args.to_vec(), guard).await;
    }

    /// Suspend the dashboard and run Compose `args` in the terminal (a shell, an interactive
    /// project command); `Msg::ShellDone` when it ends.
    pub(crate) async fn interactive(
        &mut self,
        service: String,
        args: Vec<String>,
        guard: &mut TerminalGuard,
    ) {
        let inv = match compose::invocation(&self.ctx, &self.project, &args) {
            Ok(inv) => inv,
            Err(e) => {
                let _ = self.tx.send(Msg::ShellDone {
                    service,
                    result: Err(e.to_string()),
                });
                return;
            }
        };
        self.input.pause().await;
        terminal::report(guard.suspend());
        println!(
            "devctl: shell in `{service}` ({}); exit it to return to the dashboard",
            inv.display()
        );
        let ctx = self.ctx.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let result = compose::guarded::guarded(&inv, Some(&ctx.env))
                .map_err(|e| e.to_string())
                .and_then(|mut g| {
                    let status = g
                        .command
                        .current_dir(&ctx.cwd)
                        .status()
                        .map(|s| s.code().unwrap_or(128 + 9))
                        .map_err(|e| format!("cannot run `{}`: {e}", inv.display()));
                    g.check.finish().map_err(|e| e.to_string())?;
                    status
                });
            let _ = tx.send(Msg::ShellDone { service, result });
        });
    }

    /// Take the terminal back after a shell.
    pub(crate) async fn resume_after_shell(&mut self, guard: &mut TerminalGuard) {
        if let Err(e) = guard.resume() {
            eprintln!("devctl: cannot take the terminal back: {e}");
        }
        self.input.resume();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Options as GlobalArgs;

    #[test]
    fn self_args_reproduce_the_project_flags() {
        let ctx = Ctx {
            global: GlobalArgs {
                files: vec!["a.yml".into(), "b.yml".into()],
                project_name: Some("x".into()),
                profiles: vec!["tools".into()],
                prod: true,
                ..GlobalArgs::default()
            },
            cwd: "/w".into(),
            env: Default::default(),
        };
        assert_eq!(
            self_args(&ctx),
            [
                "-f",
                "a.yml",
                "-f",
                "b.yml",
                "-p",
                "x",
                "--profile",
                "tools",
                "--env",
                "prod"
            ]
        );
        let c = ctx_for_env(&ctx, "dev");
        assert!(!c.global.prod);
        assert_eq!(c.global.environment_flag().as_deref(), Some("dev"));
    }
}
