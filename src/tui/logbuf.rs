//! Bounded log storage for the log pane: one ring buffer per service (a chatty service never
//! evicts a quiet one's lines), a global sequence number for merging services in arrival
//! order, and cheap backwards/forwards walks from any position, so rendering a screenful
//! costs O(height × services) however many lines have passed through.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

/// One stored line. `text` has been sanitised by the log layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub seq: u64,
    pub service: usize,
    pub timestamp: Option<DateTime<Utc>>,
    pub stderr: bool,
    pub text: Box<str>,
}

#[derive(Debug, Clone)]
pub struct LogStore {
    capacity: usize,
    next_seq: u64,
    names: Vec<String>,
    buffers: Vec<VecDeque<LogRecord>>,
}

impl LogStore {
    /// `capacity`: lines kept per service (at least 1).
    pub fn new(capacity: usize) -> Self {
        LogStore {
            capacity: capacity.max(1),
            next_seq: 0,
            names: Vec::new(),
            buffers: Vec::new(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn service_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The index of `name`, registering it if new (keeps colour order stable).
    pub fn intern(&mut self, name: &str) -> usize {
        match self.service_index(name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.buffers.push(VecDeque::new());
                self.names.len() - 1
            }
        }
    }

    /// Append a line; the oldest line of that service goes when its buffer is full.
    pub fn push(
        &mut self,
        service: &str,
        timestamp: Option<DateTime<Utc>>,
        stderr: bool,
        text: String,
    ) -> u64 {
        let i = self.intern(service);
        let seq = self.next_seq;
        self.next_seq += 1;
        let buf = &mut self.buffers[i];
        if buf.len() >= self.capacity {
            buf.pop_front();
        }
        buf.push_back(LogRecord {
            seq,
            service: i,
            timestamp,
            stderr,
            text: text.into_boxed_str(),
        });
        seq
    }

    fn sources(&self, source: Option<usize>) -> Vec<&VecDeque<LogRecord>> {
        match source {
            Some(i) => self.buffers.get(i).into_iter().collect(),
            None => self.buffers.iter().collect(),
        }
    }

    /// Lines of `source` (None: all services merged), newest first, starting at the line
    /// with sequence number `until` (inclusive; None: the newest).
    pub fn iter_back(&self, source: Option<usize>, until: Option<u64>) -> BackIter<'_> {
        let cursors = self
            .sources(source)
            .into_iter()
            .map(|b| {
                let end = match until {
                    None => b.len(),
                    Some(s) => b.partition_point(|r| r.seq <= s),
                };
                (b, end)
            })
            .collect();
        BackIter { cursors }
    }

    /// Lines of `source` strictly after sequence number `after`, oldest first.
    pub fn iter_forward(&self, source: Option<usize>, after: u64) -> FwdIter<'_> {
        let cursors = self
            .sources(source)
            .into_iter()
            .map(|b| (b, b.partition_point(|r| r.seq <= after)))
            .collect();
        FwdIter { cursors }
    }

    /// Every line of `source`, oldest first.
    pub fn iter_oldest_first(&self, source: Option<usize>) -> FwdIter<'_> {
        let cursors = self.sources(source).into_iter().map(|b| (b, 0)).collect();
        FwdIter { cursors }
    }

    /// How many lines of `source` are newer than `seq`.
    pub fn count_after(&self, source: Option<usize>, seq: u64) -> usize {
        self.sources(source)
            .into_iter()
            .map(|b| b.len() - b.partition_point(|r| r.seq <= seq))
            .sum()
    }

    pub fn len(&self, source: Option<usize>) -> usize {
        self.sources(source).into_iter().map(VecDeque::len).sum()
    }

    pub fn is_empty(&self, source: Option<usize>) -> bool {
        self.len(source) == 0
    }

    pub fn newest_seq(&self, source: Option<usize>) -> Option<u64> {
        self.iter_back(source, None).next().map(|r| r.seq)
    }

    pub fn oldest_seq(&self, source: Option<usize>) -> Option<u64> {
        self.sources(source)
            .into_iter()
            .filter_map(|b| b.front().map(|r| r.seq))
            .min()
    }
}

pub struct BackIter<'a> {
    cursors: Vec<(&'a VecDeque<LogRecord>, usize)>,
}

impl<'a> Iterator for BackIter<'a> {
    type Item = &'a LogRecord;
    fn next(&mut self) -> Option<&'a LogRecord> {
        let (best, _) = self
            .cursors
            .iter()
            .enumerate()
            .filter(|(_, (_, end))| *end > 0)
            .max_by_key(|(_, (b, end))| b[*end - 1].seq)?;
        let (b, end) = &mut self.cursors[best];
        *end -= 1;
        Some(&b[*end])
    }
}

pub struct FwdIter<'a> {
    cursors: Vec<(&'a VecDeque<LogRecord>, usize)>,
}

impl<'a> Iterator for FwdIter<'a> {
    type Item = &'a LogRecord;
    fn next(&mut self) -> Option<&'a LogRecord> {
        let (best, _) = self
            .cursors
            .iter()
            .enumerate()
            .filter(|(_, (b, start))| *start < b.len())
            .min_by_key(|(_, (b, start))| b[*start].seq)?;
        let (b, start) = &mut self.cursors[best];
        *start += 1;
        Some(&b[*start - 1])
    }
}

/// Smart-case substring search: case-insensitive unless the query has an upper-case letter.
/// Returns the byte ranges of every non-overlapping match.
pub fn find_matches(text: &str, query: &str) -> Vec<std::ops::Range<usize>> {
    if query.is_empty() {
        return Vec::new();
    }
    let sensitive = query.chars().any(char::is_uppercase);
    let (hay, needle) = if sensitive {
        (text.to_string(), query.to_string())
    } else {
        (text.to_ascii_lowercase(), query.to_ascii_lowercase())
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = hay[from..].find(&needle) {
        let start = from + i;
        out.push(start..start + needle.len());
        from = start + needle.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(cap: usize, lines: &[(&str, &str)]) -> LogStore {
        let mut s = LogStore::new(cap);
        for (svc, text) in lines {
            s.push(svc, None, false, (*text).to_string());
        }
        s
    }

    fn texts<'a>(it: impl Iterator<Item = &'a LogRecord>) -> Vec<&'a str> {
        it.map(|r| &*r.text).collect()
    }

    #[test]
    fn merged_walks_follow_arrival_order() {
        let s = store(
            10,
            &[
                ("a", "a1"),
                ("b", "b1"),
                ("a", "a2"),
                ("c", "c1"),
                ("b", "b2"),
            ],
        );
        assert_eq!(
            texts(s.iter_back(None, None)),
            ["b2", "c1", "a2", "b1", "a1"]
        );
        assert_eq!(texts(s.iter_back(Some(0), None)), ["a2", "a1"]);
        assert_eq!(texts(s.iter_back(None, Some(2))), ["a2", "b1", "a1"]);
        assert_eq!(texts(s.iter_forward(None, 1)), ["a2", "c1", "b2"]);
        assert_eq!(texts(s.iter_forward(Some(1), 1)), ["b2"]);
        assert_eq!(s.count_after(None, 2), 2);
        assert_eq!(s.newest_seq(Some(0)), Some(2));
        assert_eq!(s.oldest_seq(None), Some(0));
    }

    #[test]
    fn each_service_is_bounded_separately() {
        let mut s = LogStore::new(3);
        s.push("quiet", None, false, "q1".into());
        for i in 0..1000 {
            s.push("chatty", None, false, format!("c{i}"));
        }
        assert_eq!(s.len(None), 4);
        assert_eq!(texts(s.iter_back(Some(0), None)), ["q1"]);
        assert_eq!(texts(s.iter_back(Some(1), None)), ["c999", "c998", "c997"]);
        assert_eq!(s.oldest_seq(Some(1)), Some(998));
    }

    #[test]
    fn empty_and_unknown_sources() {
        let s = LogStore::new(0);
        assert_eq!(s.capacity(), 1);
        assert!(s.is_empty(None));
        assert_eq!(s.iter_back(Some(5), None).count(), 0);
        assert_eq!(s.newest_seq(None), None);
    }

    #[test]
    fn smart_case_matches() {
        type Case<'a> = (&'a str, &'a str, &'a [(usize, usize)]);
        let cases: [Case<'_>; 5] = [
            ("Error: error", "error", &[(0, 5), (7, 12)]),
            ("Error: error", "Error", &[(0, 5)]),
            ("aaaa", "aa", &[(0, 2), (2, 4)]),
            ("abc", "", &[]),
            ("héllo HELLO", "hello", &[(7, 12)]),
        ];
        for (text, q, want) in cases {
            let got: Vec<_> = find_matches(text, q)
                .into_iter()
                .map(|r| (r.start, r.end))
                .collect();
            assert_eq!(got, want, "{text} / {q}");
        }
    }
}
