//! Follow logs across restarts and re-creation.
//!
//! 1. Subscribe to the project's container events (`start`, `die`, `destroy`) first, replaying
//!    from a moment ago, so nothing that happens during the steps below is missed.
//! 2. History: the `--tail` of every existing container, merged in time order ([`LogReader`]);
//!    it leaves a [`Cursor`] per container.
//! 3. One follower task per container streams from its cursor. When its stream ends (the
//!    container stopped), it asks the Engine: gone → done (a re-created container comes back
//!    under a new id, see 4); running again → stream again from the cursor; stopped → wait for
//!    that container's next `start` event. Replays drop what was already delivered, so a
//!    restart produces no duplicates and no gaps.
//! 4. A `start` event of a container not followed yet (re-created, scaled up, started late)
//!    gets a new follower that streams that container's log from its beginning.
//!
//! Everything goes into one bounded channel; a slow consumer slows the streams down (the
//! Engine keeps the log), so memory stays bounded. The task ends when the receiver is dropped
//! or the task is aborted (which aborts every follower).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptions;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::{Notify, mpsc};
use tokio::task::{JoinHandle, JoinSet};

use super::target::{LABEL_ONEOFF, LABEL_PROJECT, LABEL_SERVICE, inspect_target, targets};
use super::{Cursor, LogLine, LogOptions, LogReader, Request, Source, Tail, Target, engine_error};
use crate::error::Result;

/// What a follow stream delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    Line(LogLine),
    /// A change worth telling the user about (not container output; already safe to print):
    /// a container is followed again after a restart, a new container appeared, a stream failed.
    Notice {
        container: Arc<str>,
        message: String,
    },
}

/// Follow the logs of `services` of `project` (all services when empty) into `tx`: first the
/// history (`opts.tail`, `opts.since`) merged in time order, then live lines as they come,
/// across restarts and re-creation. Ends when `tx`'s receiver is dropped; abort the handle to
/// stop it (e.g. on Ctrl-C). Fails early only if the Engine cannot be reached at the start.
pub fn spawn_follow(
    docker: Docker,
    project: String,
    services: Vec<String>,
    opts: LogOptions,
    tx: mpsc::Sender<LogEvent>,
) -> JoinHandle<Result<()>> {
    tokio::spawn(async move { follow(docker, project, services, opts, tx).await })
}

/// How a follower starts.
enum Start {
    /// After the history part, which was delivered up to this cursor.
    After(Cursor),
    /// `--tail 0`: only what is logged from now on.
    Now,
    /// A container that appeared while following: its whole log.
    Fresh,
}

struct Shared {
    docker: Docker,
    project: Arc<str>,
    opts: LogOptions,
    tx: mpsc::Sender<LogEvent>,
}

async fn follow(
    docker: Docker,
    project: String,
    services: Vec<String>,
    opts: LogOptions,
    tx: mpsc::Sender<LogEvent>,
) -> Result<()> {
    let mut last_event = Utc::now() - chrono::Duration::seconds(2);
    let mut events = subscribe(&docker, &project, last_event);
    let found = targets(&docker, &project, &services).await?;
    let found: Vec<Arc<Target>> = found.into_iter().map(Arc::new).collect();

    let history = opts.tail != Tail::Last(0);
    let mut cursors = vec![Cursor::default(); found.len()];
    if history && !found.is_empty() {
        let history_opts = LogOptions {
            timestamps: true,
            ..opts.clone()
        };
        let mut reader = LogReader::new(&docker, &found, &history_opts);
        while let Some(line) = reader.next().await? {
            if tx.send(LogEvent::Line(line)).await.is_err() {
                return Ok(());
            }
        }
        cursors = reader.cursors().to_vec();
    }

    let shared = Arc::new(Shared {
        docker: docker.clone(),
        project: project.as_str().into(),
        opts: opts.clone(),
        tx: tx.clone(),
    });
    let mut followers: HashMap<Arc<str>, Arc<Notify>> = HashMap::new();
    let mut tasks = JoinSet::new();
    for (target, cursor) in found.into_iter().zip(cursors) {
        let start = if history {
            Start::After(cursor)
        } else {
            Start::Now
        };
        let notify = Arc::new(Notify::new());
        followers.insert(target.id.clone(), notify.clone());
        tasks.spawn(follower(shared.clone(), target, start, notify));
    }

    let mut backoff = Duration::from_millis(200);
    loop {
        tokio::select! {
            _ = tx.closed() => return Ok(()),
            Some(done) = tasks.join_next() => {
                if let Ok(id) = done {
                    followers.remove(&id);
                }
            }
            ev = events.next() => match ev {
                Some(Ok(msg)) => {
                    backoff = Duration::from_millis(200);
                    if let Some(t) = msg.time_nano.map(DateTime::from_timestamp_nanos) {
                        last_event = t;
                    }
                    let Some((action, id, service)) = relevant(&msg, &project, &services) else {
                        continue;
                    };
                    if let Some(n) = followers.get(id.as_str()) {
                        n.notify_one();
                    } else if action == "start" {
                        match inspect_target(&docker, &project, &id).await {
                            Ok(Some(t)) => {
                                let t = Arc::new(t);
                                let notify = Arc::new(Notify::new());
                                followers.insert(t.id.clone(), notify.clone());
                                let _ = tx.send(LogEvent::Notice {
                                    container: t.name.clone(),
                                    message: format!("{} ({service}) started: following it", t.name),
                                }).await;
                                tasks.spawn(follower(shared.clone(), t, Start::Fresh, notify));
                            }
                            Ok(None) => {}
                            Err(e) => notice(&tx, &project, e.message).await,
                        }
                    }
                }
                Some(Err(e)) => {
                    notice(&tx, &project, engine_error("the Engine's event stream failed", e).message).await;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    events = subscribe(&docker, &project, last_event);
                }
                None => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    events = subscribe(&docker, &project, last_event);
                }
            }
        }
    }
}

async fn notice(tx: &mpsc::Sender<LogEvent>, project: &str, message: String) {
    let _ = tx
        .send(LogEvent::Notice {
            container: project.into(),
            message,
        })
        .await;
}

type Events = BoxStream<'static, std::result::Result<EventMessage, bollard::errors::Error>>;

fn subscribe(docker: &Docker, project: &str, since: DateTime<Utc>) -> Events {
    let filters = HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        (
            "label".to_string(),
            vec![format!("{LABEL_PROJECT}={project}")],
        ),
        (
            "event".to_string(),
            vec![
                "start".to_string(),
                "die".to_string(),
                "destroy".to_string(),
            ],
        ),
    ]);
    docker
        .events(Some(EventsOptions {
            since: Some(since.timestamp().to_string()),
            until: None,
            filters: Some(filters),
        }))
        .boxed()
}

/// `(action, container id, service)` of an event about a followed service's container.
fn relevant(
    msg: &EventMessage,
    project: &str,
    services: &[String],
) -> Option<(String, String, String)> {
    let action = msg.action.as_deref()?;
    let actor = msg.actor.as_ref()?;
    let attrs = actor.attributes.as_ref()?;
    if attrs.get(LABEL_PROJECT).map(String::as_str) != Some(project)
        || attrs
            .get(LABEL_ONEOFF)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let service = attrs.get(LABEL_SERVICE)?;
    if !services.is_empty() && !services.contains(service) {
        return None;
    }
    Some((action.to_string(), actor.id.clone()?, service.clone()))
}

/// Stream one container's log until it is removed; returns its id.
async fn follower(
    shared: Arc<Shared>,
    target: Arc<Target>,
    start: Start,
    notify: Arc<Notify>,
) -> Arc<str> {
    let id = target.id.clone();
    let opts = &shared.opts;
    let mut target = target;
    let (mut cursor, mut tail) = match start {
        Start::After(mut c) => {
            c.begin_replay();
            (c, Tail::All)
        }
        Start::Now => (Cursor::default(), Tail::Last(0)),
        Start::Fresh => (Cursor::default(), Tail::All),
    };
    let mut engine_since = cursor.last().or(opts.since);
    let mut backoff = Duration::from_millis(100);
    loop {
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();

        let req = Request {
            follow: true,
            tail,
            engine_since,
            timestamps: true,
        };
        let mut src = Source::open(&shared.docker, target.clone(), req, opts.since, opts.text);
        let mut delivered = 0usize;
        loop {
            match src.next().await {
                Ok(Some(line)) => {
                    if cursor.admit(line.timestamp) {
                        delivered += 1;
                        if shared.tx.send(LogEvent::Line(line)).await.is_err() {
                            return id;
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = shared
                        .tx
                        .send(LogEvent::Notice {
                            container: target.name.clone(),
                            message: e.message,
                        })
                        .await;
                    break;
                }
            }
        }

        // The stream ended: the container stopped, was removed, or the Engine went away.
        let mut waited = false;
        loop {
            match inspect_target(&shared.docker, &shared.project, &id).await {
                Ok(None) => return id,
                Ok(Some(t)) => {
                    // Lines of the run that ended were all delivered (the Engine drains the
                    // log before ending the stream): a replay starts after that run at the
                    // latest.
                    if let Some(fin) = t.finished_at {
                        cursor.mark(fin);
                    } else if cursor.last().is_none() && tail == Tail::Last(0) {
                        cursor.mark(Utc::now());
                    }
                    let running = t.running;
                    target = Arc::new(t);
                    if running {
                        break;
                    }
                    waited = true;
                    tokio::select! {
                        _ = &mut notified => {}
                        _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                    }
                    notified.set(notify.notified());
                    notified.as_mut().enable();
                }
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        if delivered == 0 && !waited {
            // Still running and nothing came: do not spin on a stream that ends at once.
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
        } else {
            backoff = Duration::from_millis(100);
        }
        let _ = shared
            .tx
            .send(LogEvent::Notice {
                container: target.name.clone(),
                message: format!("{} is running again: following it", target.name),
            })
            .await;
        tail = Tail::All;
        engine_since = cursor.last().or(opts.since);
        cursor.begin_replay();
    }
}
