//! Background sources of `Msg`s: the Engine (facts), the logs, signals, Compose's version.
//! Each owns its task; the loop only ever sees owned messages on one channel.

use std::time::Duration;

use std::collections::BTreeMap;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use super::Edge;
use crate::commands::Ctx;
use crate::engine::connect::Source;
use crate::engine::watch::{WatchMsg, spawn_watch};
use crate::project::LoadedProject;
use crate::tui::msg::{EngineEvent, Msg, Signal};

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// The tasks that follow the current project (restarted when the environment switches).
#[derive(Default)]
pub(crate) struct Sources {
    tasks: Vec<JoinHandle<()>>,
}

impl Sources {
    pub fn start(
        &mut self,
        ctx: &Ctx,
        project: &LoadedProject,
        tx: &UnboundedSender<Msg>,
        with_stats: bool,
        _log_tail: usize,
    ) {
        self.stop();
        let env = ctx.env.clone();
        let project = project.clone();
        let tx = tx.clone();
        self.tasks.push(tokio::spawn(async move {
            let context = context_label(&env);
            let mut backoff = BACKOFF_MIN;
            // The watcher reconnects by itself once it has a client; until the first
            // connection succeeds, retry here with the same back-off.
            let docker = loop {
                match crate::engine::connect(&env).await {
                    Ok(d) => break d,
                    Err(e) => {
                        let reason = e.message.clone();
                        if tx
                            .send(Msg::Engine(EngineEvent::Disconnected { reason }))
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            };
            let (wtx, mut wrx) = unbounded_channel();
            let watch = spawn_watch(docker, project, wtx, with_stats);
            while let Some(w) = wrx.recv().await {
                if tx.send(Msg::Engine(from_watch(w, &context))).is_err() {
                    break;
                }
            }
            watch.abort();
        }));
    }

    pub fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

/// How the header names the Engine endpoint: the docker context, or DOCKER_HOST.
fn context_label(env: &BTreeMap<String, String>) -> Option<String> {
    let ep = crate::engine::connect::resolve(env).ok()?;
    Some(match ep.source {
        Source::DockerHost => format!("DOCKER_HOST={}", ep.host),
        Source::Context { name, .. } => name,
        Source::Default => "default".to_string(),
    })
}

fn from_watch(w: WatchMsg, context: &Option<String>) -> EngineEvent {
    match w {
        WatchMsg::Connected {
            engine_version,
            api_version,
        } => EngineEvent::Connected {
            engine_version: Some(engine_version),
            api_version: Some(api_version),
            context: context.clone(),
        },
        WatchMsg::Snapshot(s) => EngineEvent::Snapshot(s),
        WatchMsg::Changed { service, .. } => EngineEvent::ServiceChanged(service),
        WatchMsg::Usage { service, usage } => EngineEvent::Usage { service, usage },
        WatchMsg::Disconnected { reason } => EngineEvent::Disconnected { reason },
    }
}

/// SIGTERM, SIGHUP and SIGINT become messages: the loop restores the terminal and exits.
pub(crate) fn spawn_signals(tx: UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        let s = tokio::select! {
            _ = term.recv() => Signal::Term,
            _ = hup.recv() => Signal::Hup,
            _ = int.recv() => Signal::Int,
        };
        let _ = tx.send(Msg::Signal(s));
    });
}

/// Compose's version for the header (asked once, off the loop).
pub(crate) fn spawn_compose_version(edge: &Edge) {
    let tx = edge.tx.clone();
    let env = edge.ctx.env.clone();
    tokio::spawn(async move {
        let out = tokio::process::Command::new("docker")
            .args(["compose", "version", "--short"])
            .env_clear()
            .envs(&env)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .await;
        let v = out
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().trim_start_matches('v').to_string())
            .filter(|s| !s.is_empty());
        let _ = tx.send(Msg::ComposeVersion(v));
    });
}
