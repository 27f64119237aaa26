//! Background sources of `Msg`s: the Engine (facts), the logs, signals, Compose's version.
//! Each owns its task; the loop only ever sees owned messages on one channel.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::Edge;
use crate::commands::Ctx;
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
        _project: &LoadedProject,
        tx: &UnboundedSender<Msg>,
        _with_stats: bool,
        _log_tail: usize,
    ) {
        self.stop();
        let env = ctx.env.clone();
        let tx = tx.clone();
        self.tasks.push(tokio::spawn(async move {
            let mut backoff = BACKOFF_MIN;
            loop {
                match crate::engine::connect(&env).await {
                    Ok(_docker) => {
                        let _ = tx.send(Msg::Engine(EngineEvent::Disconnected {
                            reason:
                                "connected, but the Engine watcher is not wired into this build yet"
                                    .into(),
                        }));
                        return;
                    }
                    Err(e) => {
                        if tx
                            .send(Msg::Engine(EngineEvent::Disconnected {
                                reason: e.message.clone(),
                            }))
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }));
    }

    pub fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
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
