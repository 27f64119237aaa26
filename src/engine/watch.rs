//! An event-driven watcher of one project, for `status --watch`, `up --wait` and the dashboard.
//!
//! # API
//!
//! ```no_run
//! # async fn demo(docker: bollard::Docker, project: devctl::project::LoadedProject) {
//! use devctl::engine::watch::{spawn_watch, WatchMsg};
//! let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
//! let task = spawn_watch(docker, project, tx, true);
//! while let Some(msg) = rx.recv().await {
//!     match msg {
//!         WatchMsg::Connected { engine_version, api_version } => {}
//!         WatchMsg::Snapshot(snapshot) => {}          // replace everything you hold
//!         WatchMsg::Changed { service, cause } => {}  // replace that one service
//!         WatchMsg::Usage { service, usage } => {}    // CPU/memory of a service (summed)
//!         WatchMsg::Disconnected { reason } => {}     // it reconnects by itself
//!     }
//! }
//! task.abort(); // or drop `rx`: the watcher ends when nobody listens
//! # }
//! ```
//!
//! Guarantees:
//! - After every (re)connect: `Connected`, then a full `Snapshot` (a resync from a listing),
//!   so a consumer that missed changes while disconnected is whole again.
//! - Between snapshots, `Changed` carries the complete [`ServiceStatus`] of a service whose
//!   containers changed, and the event that caused it. What an event itself states (`start`,
//!   `die` with its exit code, `oom`, `health_status`, `pause`, `destroy`) is applied at once;
//!   every event also triggers a re-inspect of the container, whose result follows as a
//!   second `Changed` when it adds anything (probe log, OOM flag, restart count, times…).
//!   `Changed` is sent only when something actually changed.
//! - Health checks stay current on every probe run, not only when the status flips: the end
//!   of each probe's exec (`exec_die`) re-inspects a container whose health is `starting` or
//!   `unhealthy`, whose failing streak is not 0, or whose probe just failed (see
//!   [`wants_probe_refresh`]); the passing probes of a healthy container cost nothing.
//!   These re-inspects wait [`probes::PROBE_SETTLE`] (the Engine records the result just
//!   after the exec ends), retry at most twice when the result is not there yet, and run at
//!   most once per [`probes::PROBE_MIN_GAP`] per container.
//! - When the connection or the event stream drops: one `Disconnected` per outage, then
//!   reconnect attempts with back-off (0.1 s doubling to 2 s), forever, until the receiver is
//!   dropped or the task is aborted.
//! - With `with_stats`, one stats stream per running container, started and stopped as
//!   containers come and go; `Usage` arrives about once per second per service, and
//!   `ServiceStatus::usage` in later messages carries the latest sum.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::Docker;
use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use super::connect::{CONNECT_TIMEOUT, describe_error};
use super::events::{
    Hint, apply_fact, event_filters, hint_from_event, probe_landed, wants_probe_refresh,
};
use super::listing;
use super::model::{Container, ContainerState, ProjectListing, ServiceStatus, Usage};
use super::stats::usage_stream;
use crate::project::LoadedProject;
use probes::ProbeTimers;

pub mod probes;

/// What the watcher tells its consumer.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchMsg {
    /// (Re)connected to the Engine; a `Snapshot` follows.
    Connected {
        engine_version: String,
        api_version: String,
    },
    /// The whole project, freshly listed (after every (re)connect).
    Snapshot(ProjectListing),
    /// One service changed; `service` is its complete new status.
    Changed {
        service: ServiceStatus,
        /// The Engine event that hinted the change.
        cause: Option<Hint>,
    },
    /// CPU and memory of a service (summed over its running containers).
    Usage { service: String, usage: Usage },
    /// The Engine went away; the watcher keeps retrying.
    Disconnected { reason: String },
}

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// Start watching `project`. See the module documentation for the protocol.
pub fn spawn_watch(
    docker: Docker,
    project: LoadedProject,
    tx: UnboundedSender<WatchMsg>,
    with_stats: bool,
) -> JoinHandle<()> {
    tokio::spawn(Watcher::new(docker, project, tx, with_stats).run())
}

enum End {
    /// Nobody listens any more.
    Gone,
    /// The connection was lost (reason), or never made.
    Lost(String),
}

struct Watcher {
    docker: Docker,
    project: LoadedProject,
    name: String,
    tx: UnboundedSender<WatchMsg>,
    with_stats: bool,
    snap: Option<ProjectListing>,
    /// Stats task per running container id (with its service).
    stats: HashMap<String, (String, JoinHandle<()>)>,
    /// Latest sample per container id.
    samples: HashMap<String, (String, Usage)>,
    utx: UnboundedSender<(String, Usage)>,
    urx: UnboundedReceiver<(String, Usage)>,
    /// Latest re-inspect issued per container id (older answers are dropped).
    inspects: HashMap<String, u64>,
    itx: UnboundedSender<Inspected>,
    irx: UnboundedReceiver<Inspected>,
    /// Probe re-inspects (see [`probes`]).
    probes: ProbeTimers,
}

/// The answer of a background re-inspect.
struct Inspected {
    seq: u64,
    hint: Hint,
    result: crate::error::Result<Option<Container>>,
}

fn since_arg(back: Duration) -> String {
    let t = SystemTime::now()
        .checked_sub(back)
        .unwrap_or(UNIX_EPOCH)
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}.{:09}", t.as_secs(), t.subsec_nanos())
}

impl Watcher {
    fn new(
        docker: Docker,
        project: LoadedProject,
        tx: UnboundedSender<WatchMsg>,
        with_stats: bool,
    ) -> Watcher {
        let (utx, urx) = unbounded_channel();
        let (itx, irx) = unbounded_channel();
        Watcher {
            docker,
            name: project.resolved.name.clone(),
            project,
            tx,
            with_stats,
            snap: None,
            stats: HashMap::new(),
            samples: HashMap::new(),
            utx,
            urx,
            inspects: HashMap::new(),
            itx,
            irx,
            probes: ProbeTimers::default(),
        }
    }

    async fn run(mut self) {
        let mut backoff = BACKOFF_MIN;
        // One `Disconnected` per outage: reset whenever a session got connected.
        let mut down_reported = false;
        loop {
            let (end, was_up) = self.session(&mut backoff).await;
            self.stop_all_stats();
            match end {
                End::Gone => return,
                End::Lost(reason) => {
                    if was_up {
                        down_reported = false;
                    }
                    if !down_reported {
                        if self.tx.send(WatchMsg::Disconnected { reason }).is_err() {
                            return;
                        }
                        down_reported = true;
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = self.tx.closed() => return,
            }
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    fn send(&self, m: WatchMsg) -> Result<(), End> {
        self.tx.send(m).map_err(|_| End::Gone)
    }

    /// One connected session. Returns how it ended and whether it got connected.
    async fn session(&mut self, backoff: &mut Duration) -> (End, bool) {
        let version = match tokio::time::timeout(CONNECT_TIMEOUT, self.docker.version()).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return (End::Lost(describe_error(&e)), false),
            Err(_) => return (End::Lost("the Engine did not answer".into()), false),
        };
        // Subscribe with a look-back so that nothing between the listing and the
        // subscription is missed; replayed events only cause redundant re-inspects.
        let opts = EventsOptions {
            since: Some(since_arg(Duration::from_secs(2))),
            until: None,
            filters: Some(event_filters(&self.name)),
        };
        let mut events = self.docker.events(Some(opts));
        let snap = match listing::list(&self.docker, &self.project).await {
            Ok(s) => s,
            Err(e) => return (End::Lost(e.message), false),
        };
        *backoff = BACKOFF_MIN;
        let cv = self.docker.client_version();
        let connected = WatchMsg::Connected {
            engine_version: version.version.unwrap_or_default(),
            api_version: format!("{}.{}", cv.major_version, cv.minor_version),
        };
        if let Err(e) = self.send(connected) {
            return (e, true);
        }
        self.snap = Some(snap);
        self.inspects.clear(); // answers of the previous session are stale
        self.probes.clear();
        self.sync_stats();
        if let Err(e) = self.send_snapshot() {
            return (e, true);
        }
        loop {
            tokio::select! {
                ev = events.next() => match ev {
                    Some(Ok(ev)) => {
                        if let Some(h) = hint_from_event(&ev, &self.name)
                            && let Err(e) = self.hint(h) {
                                return (e, true);
                            }
                    }
                    Some(Err(e)) => return (End::Lost(describe_error(&e)), true),
                    None => return (End::Lost("the Engine closed the event stream".into()), true),
                },
                Some(i) = self.irx.recv() => {
                    if let Err(e) = self.inspected(i) {
                        return (e, true);
                    }
                }
                Some(id) = self.probes.fired() => {
                    if let Some(h) = self.probes.take_due(&id) {
                        self.reinspect(h);
                    }
                }
                Some((id, usage)) = self.urx.recv() => {
                    if let Err(e) = self.usage(id, usage) {
                        return (e, true);
                    }
                }
                _ = self.tx.closed() => return (End::Gone, true),
            }
        }
    }

    fn send_snapshot(&mut self) -> Result<(), End> {
        let Some(s) = &self.snap else { return Ok(()) };
        self.send(WatchMsg::Snapshot(s.clone()))
    }

    /// An event: apply what it states at once (see [`apply_fact`]), then re-inspect the
    /// container in the background; the result comes back through `irx`.
    ///
    /// Deliberately not `async`: nothing about one container (its inspect, which the Engine
    /// answers only after tearing a dying container down; its stats stream, which is only
    /// aborted) may delay forwarding what the event states.
    fn hint(&mut self, h: Hint) -> Result<(), End> {
        if h.action == "exec_die" {
            let wanted = self
                .container(&h.container_id)
                .is_some_and(|c| wants_probe_refresh(c, &h));
            if wanted {
                self.probes.probe_ended(h);
            }
            return Ok(());
        }
        if h.action == "destroy" {
            self.probes.forget(&h.container_id);
        }
        let fast = self.snap.as_mut().and_then(|snap| {
            if h.action == "destroy" {
                return upsert(snap, &h.container_id, None);
            }
            snap.services.iter_mut().enumerate().find_map(|(si, s)| {
                let c = s.containers.iter_mut().find(|c| c.id == h.container_id)?;
                apply_fact(c, &h).then_some(si)
            })
        });
        if let Some(idx) = fast {
            self.publish(idx, &h)?;
        }
        self.reinspect(h);
        Ok(())
    }

    fn container(&self, id: &str) -> Option<&Container> {
        self.snap
            .iter()
            .flat_map(|s| s.services.iter())
            .flat_map(|s| s.containers.iter())
            .find(|c| c.id == id)
    }

    /// Inspect the container of `h` in the background; the answer comes back through `irx`.
    fn reinspect(&mut self, h: Hint) {
        let seq = self.inspects.entry(h.container_id.clone()).or_insert(0);
        *seq += 1;
        let (seq, docker, name, itx) = (
            *seq,
            self.docker.clone(),
            self.name.clone(),
            self.itx.clone(),
        );
        tokio::spawn(async move {
            let r = listing::inspect(&docker, &h.container_id, &name).await;
            let _ = itx.send(Inspected {
                seq,
                hint: h,
                result: r,
            });
        });
    }

    /// A re-inspect came back: apply it unless a newer one for that container is under way.
    fn inspected(&mut self, i: Inspected) -> Result<(), End> {
        if self.inspects.get(&i.hint.container_id) != Some(&i.seq) {
            return Ok(());
        }
        self.inspects.remove(&i.hint.container_id);
        let fresh = match i.result {
            Ok(c) => c,
            Err(e) if e.exit == crate::error::Exit::EngineUnreachable => {
                return Err(End::Lost(e.message));
            }
            // Anything else (an odd answer about one container) must not stop the watch.
            Err(_) => return Ok(()),
        };
        let Some(snap) = self.snap.as_mut() else {
            return Ok(());
        };
        // A probe's result can lag its `exec_die` by a moment: look again, a bounded number
        // of times.
        let early = i.hint.action == "exec_die"
            && fresh.as_ref().is_some_and(|c| !probe_landed(c, &i.hint));
        if let Some(idx) = upsert(snap, &i.hint.container_id, fresh) {
            self.publish(idx, &i.hint)?;
        }
        if early {
            self.probes.retry(i.hint);
        }
        Ok(())
    }

    fn publish(&mut self, idx: usize, cause: &Hint) -> Result<(), End> {
        self.sync_stats();
        if let Some(service) = self.service_with_usage(idx) {
            self.send(WatchMsg::Changed {
                service,
                cause: Some(cause.clone()),
            })?;
        }
        Ok(())
    }

    fn service_with_usage(&mut self, idx: usize) -> Option<ServiceStatus> {
        let name = self.snap.as_ref()?.services.get(idx)?.name.clone();
        let usage = self.service_usage(&name);
        let svc = self.snap.as_mut()?.services.get_mut(idx)?;
        svc.usage = usage;
        Some(svc.clone())
    }

    fn service_usage(&self, service: &str) -> Option<Usage> {
        let v: Vec<&Usage> = self
            .samples
            .values()
            .filter(|(s, _)| s == service)
            .map(|(_, u)| u)
            .collect();
        (!v.is_empty()).then(|| Usage::sum(v))
    }

    fn usage(&mut self, id: String, usage: Usage) -> Result<(), End> {
        let Some((service, _)) = self.stats.get(&id) else {
            return Ok(()); // a late sample of a stopped container
        };
        let service = service.clone();
        self.samples.insert(id, (service.clone(), usage));
        let Some(total) = self.service_usage(&service) else {
            return Ok(());
        };
        if let Some(s) = self
            .snap
            .as_mut()
            .and_then(|s| s.services.iter_mut().find(|s| s.name == service))
        {
            s.usage = Some(total);
        }
        self.send(WatchMsg::Usage {
            service,
            usage: total,
        })
    }

    /// Start a stats stream for every running container without one; stop the others.
    fn sync_stats(&mut self) {
        if !self.with_stats {
            return;
        }
        let running: HashMap<String, String> = self
            .snap
            .iter()
            .flat_map(|s| s.services.iter())
            .flat_map(|s| s.containers.iter())
            .filter(|c| c.state == ContainerState::Running)
            .map(|c| (c.id.clone(), c.service.clone()))
            .collect();
        self.stats.retain(|id, (_, task)| {
            let keep = running.contains_key(id);
            if !keep {
                task.abort();
            }
            keep
        });
        self.samples.retain(|id, _| running.contains_key(id));
        for (id, service) in running {
            if self.stats.contains_key(&id) {
                continue;
            }
            let mut stream = Box::pin(usage_stream(&self.docker, &id));
            let utx = self.utx.clone();
            let cid = id.clone();
            let task = tokio::spawn(async move {
                while let Some(u) = stream.next().await {
                    if utx.send((cid.clone(), u)).is_err() {
                        break;
                    }
                }
            });
            self.stats.insert(id, (service, task));
        }
    }

    fn stop_all_stats(&mut self) {
        for (_, (_, task)) in self.stats.drain() {
            task.abort();
        }
        self.samples.clear();
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop_all_stats();
    }
}

/// Put a freshly inspected container into the snapshot (or remove container `id` when
/// `fresh` is `None`). Returns the index of the service that changed, if anything did.
pub fn upsert(snap: &mut ProjectListing, id: &str, fresh: Option<Container>) -> Option<usize> {
    // Where the container was.
    let old = snap.services.iter().enumerate().find_map(|(si, s)| {
        s.containers
            .iter()
            .position(|c| c.id == id)
            .map(|ci| (si, ci))
    });
    match (old, fresh) {
        (None, None) => None,
        (Some((si, ci)), None) => {
            snap.services[si].containers.remove(ci);
            Some(si)
        }
        (Some((si, ci)), Some(c)) if snap.services[si].name == c.service => {
            if snap.services[si].containers[ci] == c {
                return None;
            }
            snap.services[si].containers[ci] = c;
            sort(&mut snap.services[si]);
            Some(si)
        }
        (old, Some(c)) => {
            if let Some((si, ci)) = old {
                snap.services[si].containers.remove(ci);
            }
            let si = match snap.services.iter().position(|s| s.name == c.service) {
                Some(i) => i,
                None => {
                    snap.services.push(ServiceStatus {
                        name: c.service.clone(),
                        ..ServiceStatus::default()
                    });
                    snap.services.len() - 1
                }
            };
            let svc = &mut snap.services[si];
            svc.has_healthcheck |= c.healthcheck.is_some();
            svc.containers.push(c);
            sort(svc);
            Some(si)
        }
    }
}

fn sort(s: &mut ServiceStatus) {
    s.containers
        .sort_by(|a, b| (a.number, &a.name).cmp(&(b.number, &b.name)));
}

#[cfg(test)]
#[path = "watch/tests.rs"]
mod tests;
