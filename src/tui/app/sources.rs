//! Background sources of `Msg`s: the Engine (facts), the logs, signals, Compose's version.
//! Each owns its task; the loop only ever sees owned messages on one channel.

use std::time::Duration;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::{self, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use super::Edge;
use crate::context::Ctx;
use crate::engine::connect::Source;
use crate::engine::logs::{LogEvent, LogOptions, Stream, Tail, TextMode, spawn_follow};
use crate::engine::watch::{WatchMsg, spawn_watch};
use crate::project::LoadedProject;
use crate::tui::msg::{EngineEvent, LogLine, Msg, Signal};

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// The tasks that follow the current project (restarted when the environment switches).
#[derive(Default)]
pub(crate) struct Sources {
    tasks: Vec<JoinHandle<()>>,
}

/// A task that is aborted when its handle is dropped (so a restarted source never leaves
/// its predecessor running).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Sources {
    pub(crate) fn start(
        &mut self,
        ctx: &Ctx,
        project: &LoadedProject,
        tx: &UnboundedSender<Msg>,
        logs: &mpsc::Sender<LogEvent>,
        with_stats: bool,
        log_tail: usize,
    ) {
        self.stop();
        let env = ctx.env.clone();
        let project = project.clone();
        let tx = tx.clone();
        let logs = logs.clone();
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
            let name = project.resolved.name.clone();
            let (wtx, mut wrx) = unbounded_channel();
            let _watch = AbortOnDrop(spawn_watch(docker.clone(), project, wtx, with_stats));
            let mut follow: Option<AbortOnDrop<_>> = None;
            let mut down_since: Option<DateTime<Utc>> = None;
            let mut fresh = false;
            while let Some(w) = wrx.recv().await {
                let connected = matches!(w, WatchMsg::Connected { .. });
                let listed = matches!(w, WatchMsg::Snapshot(_));
                let down = matches!(w, WatchMsg::Disconnected { .. });
                if tx.send(Msg::Engine(from_watch(w, &context))).is_err() {
                    break;
                }
                if connected {
                    fresh = true;
                } else if down {
                    down_since.get_or_insert_with(Utc::now);
                } else if listed && fresh {
                    // (Re)connected and listed: follow the logs again, from where the outage
                    // began (after the snapshot, so the first complete frame comes first).
                    fresh = false;
                    let opts = match (&follow, down_since.take()) {
                        (None, _) => LogOptions {
                            tail: Tail::Last(log_tail as u64),
                            since: None,
                            text: TextMode::Tui,
                            timestamps: true,
                        },
                        (Some(_), since) => LogOptions {
                            tail: Tail::All,
                            since: Some(
                                since.unwrap_or_else(Utc::now) - chrono::Duration::seconds(1),
                            ),
                            text: TextMode::Tui,
                            timestamps: true,
                        },
                    };
                    drop(follow.take());
                    follow = Some(AbortOnDrop(spawn_follow(
                        docker.clone(),
                        name.clone(),
                        Vec::new(),
                        opts,
                        logs.clone(),
                    )));
                }
            }
        }));
    }

    pub(crate) fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

/// A log event as the dashboard's message.
pub(crate) fn from_log(e: LogEvent) -> Msg {
    match e {
        LogEvent::Line(l) => Msg::Log(LogLine {
            service: l.service.to_string(),
            timestamp: l.timestamp,
            stderr: l.stream == Stream::Stderr,
            text: l.text,
        }),
        LogEvent::Notice { message, .. } => Msg::Log(LogLine {
            service: "devctl".into(),
            timestamp: Some(Utc::now()),
            stderr: false,
            text: message,
        }),
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

/// Every fatal signal the process can catch becomes a message: the loop restores the
/// terminal (leaves the alternate screen, shows the cursor, turns echo back on) and exits with
/// 128 + the signal's number. SIGQUIT included: its default action (a core dump) would leave
/// the terminal on the alternate screen with echo off. SIGKILL/SIGSTOP cannot be caught;
/// SIGSEGV/SIGBUS/SIGILL/SIGFPE cannot be handled safely by a loop (`reset` then).
pub(crate) fn spawn_signals(tx: UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds: [(SignalKind, Signal); 11] = [
        (SignalKind::terminate(), Signal::Term),
        (SignalKind::hangup(), Signal::Hup),
        (SignalKind::interrupt(), Signal::Int),
        (SignalKind::quit(), Signal::Quit),
        (SignalKind::user_defined1(), Signal::Other(signum::SIGUSR1)),
        (SignalKind::user_defined2(), Signal::Other(signum::SIGUSR2)),
        (SignalKind::alarm(), Signal::Other(signum::SIGALRM)),
        (
            SignalKind::from_raw(signum::SIGVTALRM),
            Signal::Other(signum::SIGVTALRM),
        ),
        (
            SignalKind::from_raw(signum::SIGPROF),
            Signal::Other(signum::SIGPROF),
        ),
        (
            SignalKind::from_raw(signum::SIGXCPU),
            Signal::Other(signum::SIGXCPU),
        ),
        (
            SignalKind::from_raw(signum::SIGXFSZ),
            Signal::Other(signum::SIGXFSZ),
        ),
    ];
    for (kind, which) in kinds {
        // Registered here, synchronously: from now on the signal is caught, even before the
        // task below first runs.
        let Ok(mut stream) = signal(kind) else {
            continue;
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            if stream.recv().await.is_some() {
                let _ = tx.send(Msg::Signal(which));
            }
        });
    }
}

/// Signal numbers (Linux and the BSDs agree on these) for the kinds tokio has no name for.
mod signum {
    pub(super) use nix::sys::signal::Signal as S;
    pub(super) const SIGUSR1: i32 = S::SIGUSR1 as i32;
    pub(super) const SIGUSR2: i32 = S::SIGUSR2 as i32;
    pub(super) const SIGALRM: i32 = S::SIGALRM as i32;
    pub(super) const SIGVTALRM: i32 = S::SIGVTALRM as i32;
    pub(super) const SIGPROF: i32 = S::SIGPROF as i32;
    pub(super) const SIGXCPU: i32 = S::SIGXCPU as i32;
    pub(super) const SIGXFSZ: i32 = S::SIGXFSZ as i32;
}

/// Compose's version for the header (detected once, off the loop).
pub(crate) fn spawn_compose_version(edge: &Edge) {
    let tx = edge.tx.clone();
    let env = edge.ctx.env.clone();
    tokio::spawn(async move {
        // Not urgent: let the first complete frame have the CPU.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let v = tokio::task::spawn_blocking(move || crate::compose::detect::detect(&env))
            .await
            .ok()
            .and_then(Result::ok)
            .map(|d| d.version);
        let _ = tx.send(Msg::ComposeVersion(v));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn watch_messages_map_to_engine_events() {
        let ctx = Some("default".to_string());
        let c = from_watch(
            WatchMsg::Connected {
                engine_version: "20.10.24".into(),
                api_version: "1.41".into(),
            },
            &ctx,
        );
        assert_eq!(
            c,
            EngineEvent::Connected {
                engine_version: Some("20.10.24".into()),
                api_version: Some("1.41".into()),
                context: ctx.clone(),
            }
        );
        let d = from_watch(
            WatchMsg::Disconnected {
                reason: "gone".into(),
            },
            &ctx,
        );
        assert_eq!(
            d,
            EngineEvent::Disconnected {
                reason: "gone".into()
            }
        );
    }

    #[test]
    fn log_events_map_to_log_lines() {
        let line = crate::engine::logs::LogLine {
            service: Arc::from("api"),
            container: Arc::from("api-1"),
            container_id: Arc::from("abc"),
            timestamp: None,
            stream: Stream::Stderr,
            text: "boom".into(),
        };
        match from_log(LogEvent::Line(line)) {
            Msg::Log(l) => assert!(l.service == "api" && l.stderr && l.text == "boom"),
            other => assert!(matches!(other, Msg::Log(_)), "{other:?}"),
        }
        let n = from_log(LogEvent::Notice {
            container: Arc::from("api-1"),
            message: "api-1 (api) started: following it".into(),
        });
        assert!(
            matches!(n, Msg::Log(l) if l.service == "devctl" && l.text.starts_with("api-1 (api)"))
        );
    }
}
