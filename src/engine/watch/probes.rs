//! The probe re-inspects of the watcher: after a health-check probe's `exec_die`, one
//! re-inspect of its container, [`PROBE_SETTLE`] later (the Engine records the result just
//! after the exec ends), at most once per [`PROBE_MIN_GAP`] per container, and at most
//! [`PROBE_RETRIES`] retries when the result was not recorded yet. A timer already running
//! takes the newer hint, so a burst of probes costs one inspect.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::Instant;

use crate::engine::events::Hint;

/// How long after a probe's `exec_die` its container is re-inspected.
pub const PROBE_SETTLE: Duration = Duration::from_millis(100);
/// The least time between two probe re-inspects of one container.
pub const PROBE_MIN_GAP: Duration = Duration::from_millis(500);
/// When a probe's result is not in the inspect yet: wait this long, at most this often.
pub const PROBE_RETRY: Duration = Duration::from_millis(300);
pub const PROBE_RETRIES: u8 = 2;

/// The state of one container.
#[derive(Debug, Default)]
struct Entry {
    /// When the last re-inspect was due.
    last: Option<Instant>,
    /// A timer is running; when it fires, `hint` is due.
    due: bool,
    /// The newest `exec_die`.
    hint: Option<Hint>,
    /// Retries used for `hint`.
    tries: u8,
}

/// Timers per container id; a fired timer arrives on [`ProbeTimers::fired`].
pub struct ProbeTimers {
    entries: HashMap<String, Entry>,
    tx: UnboundedSender<String>,
    rx: UnboundedReceiver<String>,
}

impl Default for ProbeTimers {
    fn default() -> Self {
        let (tx, rx) = unbounded_channel();
        ProbeTimers {
            entries: HashMap::new(),
            tx,
            rx,
        }
    }
}

impl ProbeTimers {
    /// A probe of `h`'s container ended: its re-inspect is due after [`PROBE_SETTLE`] (and
    /// [`PROBE_MIN_GAP`] after the last one).
    pub fn probe_ended(&mut self, h: Hint) {
        self.schedule(h, false);
    }

    /// The re-inspect of `h` came too early: due again after [`PROBE_RETRY`], unless its
    /// retries are used up or a newer probe is already due.
    pub fn retry(&mut self, h: Hint) {
        let e = self.entries.entry(h.container_id.clone()).or_default();
        if e.tries >= PROBE_RETRIES {
            return;
        }
        e.tries += 1;
        self.schedule(h, true);
    }

    fn schedule(&mut self, h: Hint, retry: bool) {
        let e = self.entries.entry(h.container_id.clone()).or_default();
        if e.due {
            // The running timer will look at the newest probe (a retry's hint is older).
            if !retry {
                e.hint = Some(h);
                e.tries = 0;
            }
            return;
        }
        if !retry {
            e.tries = 0;
        }
        let mut at = Instant::now() + if retry { PROBE_RETRY } else { PROBE_SETTLE };
        if let Some(last) = e.last {
            at = at.max(last + PROBE_MIN_GAP);
        }
        e.due = true;
        e.hint = Some(h.clone());
        let (tx, id) = (self.tx.clone(), h.container_id);
        tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let _ = tx.send(id);
        });
    }

    /// The next fired timer's container id (cancel-safe; pending forever when none runs).
    pub async fn fired(&mut self) -> Option<String> {
        self.rx.recv().await
    }

    /// A timer of `id` fired: the hint whose re-inspect is due now, if any (none for a timer
    /// of an earlier session, see [`ProbeTimers::clear`]).
    pub fn take_due(&mut self, id: &str) -> Option<Hint> {
        let e = self.entries.get_mut(id)?;
        if !e.due {
            return None;
        }
        e.due = false;
        e.last = Some(Instant::now());
        e.hint.clone()
    }

    /// The container is gone.
    pub fn forget(&mut self, id: &str) {
        self.entries.remove(id);
    }

    /// A new session: what the old one scheduled is void.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(id: &str, t: i64) -> Hint {
        Hint {
            container_id: id.into(),
            action: "exec_die".into(),
            service: None,
            time_nano: t,
            exit_code: Some(1),
        }
    }

    /// Due after the settle time; a burst is one re-inspect with the newest hint; the next
    /// one waits for the minimum gap; retries are bounded.
    #[tokio::test]
    async fn bounded_and_newest_first() {
        let mut p = ProbeTimers::default();
        let t0 = Instant::now();
        p.probe_ended(hint("a", 1));
        p.probe_ended(hint("a", 2));
        let id = p.fired().await.expect("fired");
        assert!(t0.elapsed() >= PROBE_SETTLE);
        assert_eq!(p.take_due(&id).map(|h| h.time_nano), Some(2));
        assert_eq!(p.take_due(&id), None, "once");
        // The next probe, right away: not before the gap.
        p.probe_ended(hint("a", 3));
        let id = p.fired().await.expect("fired");
        assert!(t0.elapsed() >= PROBE_SETTLE + PROBE_MIN_GAP);
        assert_eq!(p.take_due(&id).map(|h| h.time_nano), Some(3));
        // Retries: PROBE_RETRIES of them, then none.
        for _ in 0..PROBE_RETRIES {
            p.retry(hint("a", 3));
            let id = p.fired().await.expect("fired");
            assert!(p.take_due(&id).is_some());
        }
        p.retry(hint("a", 3));
        let idle = tokio::time::timeout(PROBE_RETRY * 3, p.fired()).await;
        assert!(idle.is_err(), "no retry past the limit");
        // A cleared session ignores its old timers.
        p.probe_ended(hint("b", 1));
        p.clear();
        let id = p.fired().await.expect("fired");
        assert_eq!(p.take_due(&id), None);
    }
}
