//! Where a container's log has been read up to, so a new stream (after a restart, or after the
//! history part of `--follow`) continues without duplicates and without gaps.
//!
//! The Engine filters `since` by whole seconds and several lines can share one timestamp (all
//! lines of one read of the container's output get the same one). So the cursor keeps the
//! newest timestamp seen and how many lines carried exactly it; a replay from
//! `floor(newest)` drops lines older than it and that many lines equal to it.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    last: Option<DateTime<Utc>>,
    at_last: usize,
    /// During a replay: lines equal to `last` still to drop.
    skip: usize,
    replaying: bool,
}

impl Cursor {
    /// The newest timestamp seen.
    pub fn last(&self) -> Option<DateTime<Utc>> {
        self.last
    }

    /// Note a line that was delivered.
    pub fn record(&mut self, ts: Option<DateTime<Utc>>) {
        let Some(ts) = ts else { return };
        match self.last {
            Some(last) if ts == last => self.at_last += 1,
            Some(last) if ts < last => {}
            _ => {
                self.last = Some(ts);
                self.at_last = 1;
            }
        }
    }

    /// Everything before `ts` has been dealt with (e.g. the run that ended at `ts` was
    /// delivered in full). Moves the cursor forward only.
    pub fn mark(&mut self, ts: DateTime<Utc>) {
        if self.last.is_none_or(|last| ts > last) {
            self.last = Some(ts);
            self.at_last = 0;
        }
    }

    /// A new stream starts at `since` = [`Cursor::last`] (rounded down by the Engine): drop what
    /// was already delivered until the first newer line.
    pub fn begin_replay(&mut self) {
        self.replaying = self.last.is_some();
        self.skip = self.at_last;
    }

    /// Whether a line of the replayed stream is new; records it if so.
    pub fn admit(&mut self, ts: Option<DateTime<Utc>>) -> bool {
        if self.replaying {
            match (ts, self.last) {
                (Some(ts), Some(last)) if ts < last => return false,
                (Some(ts), Some(last)) if ts == last && self.skip > 0 => {
                    self.skip -= 1;
                    return false;
                }
                (None, _) => return true,
                _ => self.replaying = false,
            }
        }
        self.record(ts);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        Utc.timestamp_millis_opt(1_700_000_000_000 + ms).single()
    }

    #[test]
    fn replay_drops_exactly_what_was_seen() {
        // (delivered before, replayed stream, expected admitted)
        type Case = (Vec<i64>, Vec<i64>, Vec<i64>);
        let cases: Vec<Case> = vec![
            (vec![1, 2, 3], vec![0, 1, 2, 3, 4, 5], vec![4, 5]),
            // Two lines shared timestamp 3; only one was seen before the stream ended.
            (vec![1, 3], vec![1, 3, 3, 4], vec![3, 4]),
            (vec![3, 3], vec![3, 3, 3], vec![3]),
            (vec![], vec![1, 2], vec![1, 2]),
            // Nothing new.
            (vec![5], vec![4, 5], vec![]),
            // After the replay, out-of-order lines (stdout/stderr interleaving) are kept.
            (vec![5], vec![5, 7, 6, 7], vec![7, 6, 7]),
        ];
        for (seen, replay, want) in cases {
            let mut c = Cursor::default();
            for s in &seen {
                c.record(t(*s));
            }
            c.begin_replay();
            let got: Vec<i64> = replay.iter().copied().filter(|r| c.admit(t(*r))).collect();
            assert_eq!(got, want, "seen {seen:?} replay {replay:?}");
        }
    }

    #[test]
    fn mark_moves_forward_only() {
        let mut c = Cursor::default();
        c.record(t(5));
        c.mark(t(3).expect("valid"));
        assert_eq!(c.last(), t(5));
        c.mark(t(8).expect("valid"));
        c.begin_replay();
        let got: Vec<i64> = [5, 7, 8, 9]
            .into_iter()
            .filter(|r| c.admit(t(*r)))
            .collect();
        assert_eq!(got, vec![8, 9]);
    }

    #[test]
    fn lines_without_timestamp_are_always_admitted() {
        let mut c = Cursor::default();
        c.record(t(5));
        c.begin_replay();
        assert!(c.admit(None));
        assert!(!c.admit(t(5)));
    }

    #[test]
    fn out_of_order_older_line_does_not_move_cursor_back() {
        let mut c = Cursor::default();
        c.record(t(5));
        c.record(t(4));
        assert_eq!(c.last(), t(5));
    }
}
