//! `devctl watch [SERVICE…]` and `devctl up --watch`: the real `docker compose watch` with the
//! layered files, each sync, restart and rebuild shown as one event line (JSON lines with
//! `--json`), and what the Engine says about the containers (a new container after a rebuild,
//! a restart, health, the old container still serving after a failed rebuild).

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::sync::mpsc;
use std::time::Instant;

use clap::Args;
use serde_json::json;

use super::Ctx;
use crate::compose::watch::{self as cw, Line, Tracker, WatchEvent};
use crate::engine::events::Hint;
use crate::engine::model::{ContainerState, ServiceStatus};
use crate::engine::watch::{WatchMsg, spawn_watch};
use crate::error::Result;
use crate::project::LoadedProject;
use crate::safety::Gate;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Services to watch (default: every service with `develop.watch`).
    pub services: Vec<String>,
    /// Do not build and start the services first (they already run).
    #[arg(long)]
    pub no_up: bool,
    /// Keep the dangling image a rebuild leaves (Compose prunes it by default).
    #[arg(long)]
    pub no_prune: bool,
    /// One JSON object per event line.
    #[arg(long)]
    pub json: bool,
}

/// Options of one watch run.
#[derive(Debug, Clone, Default)]
pub struct WatchOptions {
    pub services: Vec<String>,
    pub no_up: bool,
    pub no_prune: bool,
    pub json: bool,
}

pub fn run(ctx: &Ctx, a: &WatchArgs) -> Result<u8> {
    let project = ctx.load_project()?;
    super::lifecycle::check_services(&project, &a.services)?;
    watch(
        ctx,
        &project,
        &WatchOptions {
            services: a.services.clone(),
            no_up: a.no_up,
            no_prune: a.no_prune,
            json: a.json,
        },
    )
}

/// Pure: the Compose argv (after `--verbose`, which names the changed files).
pub fn watch_argv(o: &WatchOptions) -> Vec<String> {
    let mut sub = vec!["watch".to_string()];
    if o.no_up {
        sub.push("--no-up".into());
    }
    if o.no_prune {
        sub.push("--prune=false".into());
    }
    sub.extend(o.services.iter().cloned());
    sub
}

enum Input {
    Line(String),
    Engine(WatchMsg),
    Exited(Result<i32>),
}

/// Run `docker compose --verbose … watch` until it ends (Ctrl-C), printing event lines.
pub fn watch(ctx: &Ctx, project: &LoadedProject, o: &WatchOptions) -> Result<u8> {
    let sub = match crate::safety::intercept(ctx, &watch_argv(o))? {
        Gate::Handled(code) => return Ok(code),
        Gate::Run(argv) => argv,
    };
    let mut inv = crate::compose::invocation(ctx, project, &sub)?;
    let at = inv.args.len().saturating_sub(sub.len());
    inv.args.insert(at, "--verbose".into());
    if ctx.global.dry_run {
        crate::compose::run::announce(&inv);
        return Ok(0);
    }
    super::lifecycle::preflight(ctx, project, &sub)?;
    let (tx, rx) = mpsc::channel::<Input>();
    let engine_tx = tx.clone();
    let (env, lp) = (ctx.env.clone(), project.clone());
    std::thread::spawn(move || engine_facts(env, lp, engine_tx));
    let line_tx = tx.clone();
    let child = cw::spawn(
        &inv,
        Some(&ctx.env),
        move |l| line_tx.send(Input::Line(l)).is_ok(),
        true,
    )?;
    std::thread::spawn(move || {
        let _ = tx.send(Input::Exited(child.wait()));
    });
    let mut out = Printer::new(project, o.json);
    for input in rx {
        match input {
            Input::Line(l) => out.line(&l),
            Input::Engine(m) => out.engine(m),
            Input::Exited(code) => {
                let events = out.tracker.finish(None, Instant::now());
                out.events(events);
                return code.map(crate::compose::run::to_u8);
            }
        }
    }
    Ok(0)
}

/// The Engine's facts about the project, forwarded until nobody listens.
fn engine_facts(
    env: std::collections::BTreeMap<String, String>,
    project: LoadedProject,
    tx: mpsc::Sender<Input>,
) {
    let Ok(rt) = super::runtime() else { return };
    rt.block_on(async move {
        let Ok(docker) = crate::engine::connect(&env).await else {
            return;
        };
        let (utx, mut urx) = tokio::sync::mpsc::unbounded_channel();
        let task = spawn_watch(docker, project, utx, false);
        while let Some(m) = urx.recv().await {
            if tx.send(Input::Engine(m)).is_err() {
                break;
            }
        }
        task.abort();
    });
}

/// Turns Compose's lines and the Engine's messages into the lines the user reads.
struct Printer {
    tracker: Tracker,
    json: bool,
    services: HashMap<String, ServiceStatus>,
    known: HashMap<String, HashSet<String>>,
    seen: HashSet<(String, String, i64)>,
    /// Each container's start time as last listed: a restart is told when the listing shows
    /// the start time moved on (once per start, whether or not its event changed anything).
    started: HashMap<String, Option<i64>>,
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

impl Printer {
    fn new(project: &LoadedProject, json: bool) -> Printer {
        Printer {
            tracker: Tracker::new(&project.resolved.project_dir),
            json,
            services: HashMap::new(),
            known: HashMap::new(),
            seen: HashSet::new(),
            started: HashMap::new(),
        }
    }

    fn emit(&self, text: String, value: serde_json::Value) {
        let mut o = std::io::stdout().lock();
        let _ = if self.json {
            writeln!(o, "{value}")
        } else {
            writeln!(o, "{text}")
        };
        let _ = o.flush();
    }

    fn line(&mut self, l: &str) {
        let parsed = cw::parse(l);
        match &parsed {
            Line::Enabled => self.emit(
                "[watch] watching for changes (Ctrl-C to stop)".into(),
                json!({"type": "watch", "action": "enabled"}),
            ),
            Line::Other(text) if !self.tracker.in_build() && !text.trim().is_empty() => {
                eprintln!("{text}");
            }
            _ => {}
        }
        let events = self.tracker.feed(&parsed, Instant::now());
        self.events(events);
    }

    fn events(&mut self, events: Vec<WatchEvent>) {
        for ev in events {
            let mut value = serde_json::to_value(&ev).unwrap_or_default();
            if let Some(m) = value.as_object_mut() {
                m.insert("type".into(), "watch".into());
            }
            let mut text = format!("[watch] {}", ev.text());
            if let Some(e) = &ev.error {
                text.push_str(&format!("\n  error: {e}"));
            }
            for l in &ev.lines {
                text.push_str(&format!("\n  | {l}"));
            }
            self.emit(text, value);
            if !ev.ok && ev.action == "rebuild" {
                self.still_serving(&ev.service);
            }
        }
    }

    /// After a failed rebuild: the container that still runs the service (from the Engine).
    fn still_serving(&self, service: &str) {
        let running: Vec<&str> = self
            .services
            .get(service)
            .map(|s| {
                s.containers
                    .iter()
                    .filter(|c| c.state == ContainerState::Running)
                    .map(|c| c.id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let (text, value) = match running.first() {
            Some(id) => (
                format!(
                    "[engine] {service}: still running the old container {}",
                    short(id)
                ),
                json!({"type": "engine", "service": service, "action": "still_running", "container": id}),
            ),
            None => (
                format!("[engine] {service}: no running container"),
                json!({"type": "engine", "service": service, "action": "not_running"}),
            ),
        };
        self.emit(text, value);
    }

    /// A known container whose start time moved on since the last listing restarted. Told from
    /// the listing, not from the `start` event: when the re-inspect after its `die` already saw
    /// it running again, the `start` event changes nothing and never reaches the printer.
    fn restarts_seen_in(&mut self, s: &ServiceStatus) {
        for c in &s.containers {
            let now = c.started_at.and_then(|t| t.timestamp_nanos_opt());
            let before = self.started.get(&c.id).copied().flatten();
            let moved_on = matches!((before, now), (Some(b), Some(n)) if n > b);
            if c.state == ContainerState::Running && moved_on {
                let id = c.id.as_str();
                self.emit(
                    format!("[engine] {}: container {} restarted", s.name, short(id)),
                    json!({"type": "engine", "service": s.name, "action": "start", "container": id, "new": false}),
                );
            }
        }
    }

    fn remember(&mut self, s: &ServiceStatus) {
        for c in &s.containers {
            let now = c.started_at.and_then(|t| t.timestamp_nanos_opt());
            self.started.insert(c.id.clone(), now);
        }
        // Containers seen running: a `start` of any other is a new container.
        let known = self.known.entry(s.name.clone()).or_default();
        known.extend(
            s.containers
                .iter()
                .filter(|c| c.state == ContainerState::Running)
                .map(|c| c.id.clone()),
        );
        self.services.insert(s.name.clone(), s.clone());
    }

    fn engine(&mut self, m: WatchMsg) {
        match m {
            WatchMsg::Snapshot(snap) => {
                for s in &snap.services {
                    self.remember(s);
                }
            }
            WatchMsg::Changed { service, cause } => {
                if let Some(h) = cause {
                    self.fact(&service.name, &h);
                }
                self.restarts_seen_in(&service);
                self.remember(&service);
            }
            WatchMsg::Disconnected { reason } => {
                eprintln!("devctl: warning: lost the Engine ({reason}); reconnecting")
            }
            WatchMsg::Connected { .. } | WatchMsg::Usage { .. } => {}
        }
    }

    /// One line per Engine event worth telling: a (new) container started, one exited, health.
    fn fact(&mut self, service: &str, h: &Hint) {
        let key = (h.container_id.clone(), h.action.clone(), h.time_nano);
        if !self.seen.insert(key) {
            return;
        }
        let id = h.container_id.as_str();
        let base = h.action.split(':').next().unwrap_or_default().trim();
        let (text, value) = match base {
            "start" => {
                if self.known.get(service).is_some_and(|k| k.contains(id)) {
                    // A restart: told by `restarts_seen_in` from the listing.
                    return;
                }
                (
                    format!("[engine] {service}: new container {} started", short(id)),
                    json!({"type": "engine", "service": service, "action": "start", "container": id, "new": true}),
                )
            }
            "die" => (
                format!(
                    "[engine] {service}: container {} exited (code {})",
                    short(id),
                    h.exit_code.unwrap_or(-1)
                ),
                json!({"type": "engine", "service": service, "action": "die", "container": id, "exit_code": h.exit_code}),
            ),
            "health_status" => {
                let status = h.action.split(':').nth(1).unwrap_or_default().trim();
                (
                    format!("[engine] {service}: {status} ({})", short(id)),
                    json!({"type": "engine", "service": service, "action": "health", "status": status, "container": id}),
                )
            }
            _ => return,
        };
        self.emit(text, value);
    }
}
