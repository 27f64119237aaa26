//! Live progress of a wait on stderr: indicatif bars on a terminal, plain lines otherwise.

use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::progress::{Row, Tracker, Verdict, describe};
use crate::engine::model::{Container, ContainerState};

/// Seconds a container has been running, from the Engine's `StartedAt`.
fn running_for(c: &Container) -> Option<Duration> {
    let started = c.started_at?;
    (chrono::Utc::now() - started).to_std().ok()
}

fn row_text(r: &Row) -> String {
    let first = r.status.as_ref().and_then(|s| s.containers.first());
    let rf = first
        .filter(|c| c.state == ContainerState::Running)
        .and_then(running_for);
    describe(r, rf)
}

/// Live progress: indicatif bars on a terminal, plain lines otherwise (both on stderr).
pub(super) enum Progress {
    Bars {
        multi: MultiProgress,
        bars: Vec<ProgressBar>,
    },
    Plain {
        start: Instant,
    },
}

impl Progress {
    pub(super) fn new(t: &Tracker, bars: bool, start: Instant) -> Self {
        if !bars {
            return Progress::Plain { start };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let width = t.rows.iter().map(|r| r.service.len()).max().unwrap_or(0);
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} {{prefix:<{width}}}  {{msg}} {{elapsed:>4}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bars = t
            .rows
            .iter()
            .map(|r| {
                let b = multi.add(ProgressBar::new_spinner());
                b.set_style(style.clone());
                b.set_prefix(r.service.clone());
                b.set_message(row_text(r));
                b.enable_steady_tick(Duration::from_millis(120));
                b
            })
            .collect();
        Progress::Bars { multi, bars }
    }

    pub(super) fn changed(&mut self, t: &Tracker, idx: usize) {
        let r = &t.rows[idx];
        match self {
            Progress::Bars { bars, .. } => {
                if let Some(b) = bars.get(idx) {
                    b.set_message(row_text(r));
                    match r.verdict {
                        Verdict::Ready => b.finish_with_message(format!("✔ {}", row_text(r))),
                        Verdict::Failed => b.abandon_with_message(format!("✖ {}", row_text(r))),
                        Verdict::Pending => {}
                    }
                }
            }
            Progress::Plain { start } => {
                eprintln!(
                    "[{:>6.1}s] {}: {}",
                    start.elapsed().as_secs_f64(),
                    crate::sanitize::escape(&r.service),
                    row_text(r)
                );
            }
        }
    }

    /// Redraw the countdowns (bars only; plain output prints changes only).
    pub(super) fn tick(&mut self, t: &Tracker) {
        if let Progress::Bars { bars, .. } = self {
            for (r, b) in t.rows.iter().zip(bars.iter()) {
                if !b.is_finished() {
                    b.set_message(row_text(r));
                }
            }
        }
    }

    pub(super) fn note(&mut self, msg: &str) {
        match self {
            Progress::Bars { multi, .. } => {
                let _ = multi.println(msg);
            }
            Progress::Plain { start } => {
                eprintln!(
                    "[{:>6.1}s] {}",
                    start.elapsed().as_secs_f64(),
                    crate::sanitize::escape_text(msg)
                );
            }
        }
    }

    /// End the live view. The bars are cleared: the summary (or diagnosis) printed after the
    /// wait is the one account of it, with one clock (the bars' own timers count from the
    /// start of the wait, the summary from `up`, and the two used to disagree).
    pub(super) fn finish(&mut self) {
        if let Progress::Bars { multi, bars } = self {
            for b in bars.iter() {
                if !b.is_finished() {
                    b.abandon();
                }
            }
            let _ = multi.clear();
        }
    }
}
