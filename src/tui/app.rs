//! The event loop: one channel of `Msg`s in, `update` the only state change, `Cmd`s out to
//! the executor, and a redraw only when something visible changed (at most one frame per
//! 16 ms, and a timer only while something on screen changes with time).

mod exec;
mod gate;
mod input;
mod sources;
mod watch;

use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::{self, UnboundedSender, unbounded_channel};
use tokio::time::Instant;

use crate::context::Ctx;
use crate::engine::logs::LogEvent;
use crate::error::{Error, Result};
use crate::project::LoadedProject;
use crate::tui::model::Model;
use crate::tui::msg::{Cmd, Msg};
use crate::tui::rows;
use crate::tui::terminal::{self, TerminalGuard};
use crate::tui::update::update;
use crate::tui::widgets::Dashboard;

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// Messages handled before a frame is drawn even if more are queued.
const BATCH: usize = 4096;
/// Log events queued between the log streams and the loop.
const LOG_QUEUE: usize = 4096;

/// What the executor and the sources need: the project as resolved now, and the channel.
pub(crate) struct Edge {
    pub ctx: Ctx,
    pub project: LoadedProject,
    pub tx: UnboundedSender<Msg>,
    pub sources: sources::Sources,
    /// Log lines come through a bounded channel: a slow screen slows the log streams down
    /// (the Engine keeps the logs), so memory stays bounded.
    pub logs: mpsc::Sender<LogEvent>,
    pub input: input::Input,
    pub with_stats: bool,
    pub log_tail: usize,
    /// The running `docker compose watch` (its op and process id).
    pub watch: Option<(crate::tui::msg::OpId, u32)>,
}

fn draw(guard: &mut TerminalGuard, model: &mut Model) -> Result<()> {
    guard
        .terminal
        .draw(|f| f.render_widget(&Dashboard(model), f.area()))
        .map_err(|e| Error::general(format!("cannot draw the dashboard: {e}")))?;
    model.dirty = false;
    Ok(())
}

/// Run the dashboard until the user quits (or a signal arrives). Returns the exit code.
pub(super) async fn run(ctx: Ctx, project: LoadedProject, mut model: Model) -> Result<u8> {
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let (log_tx, mut log_rx) = mpsc::channel::<LogEvent>(LOG_QUEUE);
    let mut guard = TerminalGuard::enter()
        .map_err(|e| Error::general(format!("cannot take over the terminal: {e}")))?;
    if let Ok(size) = guard.terminal.size() {
        update(
            &mut model,
            Msg::Resize {
                width: size.width,
                height: size.height,
            },
        );
    }
    let with_stats = model.config.stats_refresh.is_some();
    let log_tail = model.config.log_buffer_lines.min(1000);
    let mut edge = Edge {
        input: input::Input::spawn(tx.clone()),
        sources: sources::Sources::default(),
        logs: log_tx,
        ctx,
        project,
        tx: tx.clone(),
        with_stats,
        log_tail,
        watch: None,
    };
    sources::spawn_signals(tx.clone());
    sources::spawn_compose_version(&edge);
    edge.sources.start(
        &edge.ctx,
        &edge.project,
        &tx,
        &edge.logs,
        with_stats,
        log_tail,
    );
    update(&mut model, Msg::Tick(Utc::now()));
    draw(&mut guard, &mut model)?;
    let mut last_draw = Instant::now();
    let mut exit: Option<u8> = None;
    while exit.is_none() {
        if terminal::panicked() {
            exit = Some(crate::error::Exit::Error.code());
            break;
        }
        let tick_at = rows::next_change(&model).map(|d| Instant::now() + d);
        let draw_at = (model.dirty && !model.suspended).then(|| last_draw + FRAME);
        let wake = match (tick_at, draw_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let far = Instant::now() + Duration::from_secs(3600);
        let first = tokio::select! {
            m = rx.recv() => match m {
                Some(m) => Some(m),
                None => break,
            },
            Some(e) = log_rx.recv() => Some(sources::from_log(e)),
            () = tokio::time::sleep_until(wake.unwrap_or(far)) => {
                tick_at.filter(|t| *t <= Instant::now()).map(|_| Msg::Tick(Utc::now()))
            }
        };
        let mut pending: Vec<Msg> = first.into_iter().collect();
        while pending.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => pending.push(m),
                Err(_) => break,
            }
        }
        while pending.len() < BATCH {
            match log_rx.try_recv() {
                Ok(e) => pending.push(sources::from_log(e)),
                Err(_) => break,
            }
        }
        for msg in pending {
            if let Msg::ShellDone { .. } = &msg {
                edge.resume_after_shell(&mut guard).await;
            }
            for cmd in update(&mut model, msg) {
                if let Cmd::Quit(code) = cmd {
                    exit = Some(code);
                    break;
                }
                edge.execute(cmd, &mut guard).await;
            }
            if exit.is_some() {
                break;
            }
        }
        if model.dirty && !model.suspended && last_draw.elapsed() >= FRAME {
            update(&mut model, Msg::Tick(Utc::now()));
            draw(&mut guard, &mut model)?;
            last_draw = Instant::now();
        }
    }
    watch::stop_any(&mut edge.watch);
    edge.sources.stop();
    edge.input.stop();
    drop(guard);
    Ok(exit.unwrap_or(0))
}
