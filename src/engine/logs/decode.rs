//! Pure decoding of the Engine's log stream into lines.
//!
//! The Engine is always asked for timestamps, so every log *message* it sends starts with
//! `RFC3339Nano-fixed timestamp + ' '`. A message is one line the container wrote (with its
//! `\n`) or, when the container wrote more than the Engine's 16 KiB copy buffer without a
//! newline, one 16 KiB *partial* fragment (no `\n`); the last fragment carries the `\n`.
//! A trailing partial (no `\n`) also appears when the container exits mid-line.
//!
//! - Non-TTY containers: multiplexed stream. bollard hands us one frame per message, tagged
//!   stdout/stderr. Fragments of one line are joined per stream.
//! - TTY containers: raw stream, no framing, stdout only. bollard hands us chunks (whole lines on
//!   a unix socket, arbitrary pieces over TCP); we split on `\n`. A partial fragment is followed
//!   directly by the next message's timestamp, so inside a long line the Engine's timestamp
//!   shows up at every 16 KiB boundary of the content; we remove it there.
//!
//! Lines longer than [`MAX_LINE`] are cut, so one endless line cannot exhaust memory.

use chrono::{DateTime, NaiveDate, Utc};

use super::Stream;

/// The Engine's log copy buffer: a line longer than this arrives in fragments of this size.
pub(crate) const ENGINE_FRAGMENT: usize = 16 * 1024;

/// A line longer than this (bytes) is emitted in pieces of this size.
pub const MAX_LINE: usize = 1024 * 1024;

/// One decoded line, still raw bytes (not yet sanitised), without its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub stream: Stream,
    /// Timestamp of the line's first message.
    pub timestamp: Option<DateTime<Utc>>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
struct Pending {
    timestamp: Option<DateTime<Utc>>,
    bytes: Vec<u8>,
}

/// Raw (TTY) mode state: unconsumed input and where we are in the current line.
#[derive(Debug, Default)]
struct Raw {
    input: Vec<u8>,
    /// The current line's timestamp has been read.
    started: bool,
    /// Content bytes of the current line so far (including pieces already emitted by the cap),
    /// for finding the 16 KiB fragment boundaries.
    offset: usize,
    /// The boundary at `offset` (or the line start) has been checked for a timestamp.
    checked: bool,
}

/// Turns the chunks of one container's log stream into lines.
#[derive(Debug, Default)]
pub struct Assembler {
    /// The Engine was asked for timestamps: every message starts with one.
    timestamps: bool,
    stdout: Pending,
    stderr: Pending,
    raw: Raw,
}

impl Assembler {
    pub fn new(timestamps: bool) -> Self {
        Assembler {
            timestamps,
            ..Self::default()
        }
    }

    /// A multiplexed frame (one Engine message, `timestamp SP content`).
    pub fn push_frame(&mut self, stream: Stream, frame: &[u8], emit: &mut impl FnMut(RawLine)) {
        let (ts, content) = if self.timestamps {
            split_timestamp(frame)
        } else {
            (None, frame)
        };
        let pending = self.pending(stream);
        if pending.bytes.is_empty() {
            pending.timestamp = ts;
        }
        let mut rest = content;
        while let Some(nl) = memchr(b'\n', rest) {
            push_capped(pending, stream, &rest[..nl], emit);
            emit_pending(pending, stream, emit);
            // Further lines in the same frame (not sent by current Engines) share its timestamp.
            pending.timestamp = ts;
            rest = &rest[nl + 1..];
        }
        push_capped(pending, stream, rest, emit);
    }

    /// A chunk of a raw (TTY) stream: arbitrary bytes; messages start with a timestamp.
    pub fn push_raw(&mut self, chunk: &[u8], emit: &mut impl FnMut(RawLine)) {
        self.raw.input.extend_from_slice(chunk);
        let consumed = self.consume_raw(false, emit);
        self.raw.input.drain(..consumed);
    }

    /// End of stream: emit whatever partial lines remain.
    pub fn finish(&mut self, emit: &mut impl FnMut(RawLine)) {
        if !self.raw.input.is_empty() {
            let consumed = self.consume_raw(true, emit);
            self.raw.input.drain(..consumed);
        }
        let raw_started = self.raw.started;
        for stream in [Stream::Stdout, Stream::Stderr] {
            let pending = self.pending(stream);
            if !pending.bytes.is_empty() || raw_started && stream == Stream::Stdout {
                emit_pending(pending, stream, emit);
            }
        }
        self.raw = Raw::default();
    }

    /// Consume as much of `raw.input` as can be decided; returns the bytes consumed.
    fn consume_raw(&mut self, at_end: bool, emit: &mut impl FnMut(RawLine)) -> usize {
        let input = std::mem::take(&mut self.raw.input);
        let mut pos = 0;
        while pos < input.len() {
            let rest = &input[pos..];
            let at_boundary = self.raw.started
                && !self.raw.checked
                && self.raw.offset > 0
                && self.raw.offset.is_multiple_of(ENGINE_FRAGMENT);
            if !self.raw.started || at_boundary {
                let prefix = if self.timestamps {
                    timestamp_prefix(rest, at_end)
                } else {
                    Prefix::No
                };
                match prefix {
                    Prefix::NeedMore => break,
                    Prefix::Yes(ts, len) => {
                        if !self.raw.started {
                            self.stdout.timestamp = Some(ts);
                        }
                        pos += len;
                    }
                    Prefix::No => {}
                }
                self.raw.started = true;
                self.raw.checked = true;
                continue;
            }
            let to_boundary = ENGINE_FRAGMENT - self.raw.offset % ENGINE_FRAGMENT;
            let window = &rest[..rest.len().min(to_boundary)];
            match memchr(b'\n', window) {
                Some(nl) => {
                    push_capped(&mut self.stdout, Stream::Stdout, &window[..nl], emit);
                    emit_pending(&mut self.stdout, Stream::Stdout, emit);
                    self.raw = Raw::default();
                    pos += nl + 1;
                }
                None => {
                    push_capped(&mut self.stdout, Stream::Stdout, window, emit);
                    self.raw.offset += window.len();
                    self.raw.checked = false;
                    pos += window.len();
                }
            }
        }
        self.raw.input = input;
        pos
    }

    fn pending(&mut self, stream: Stream) -> &mut Pending {
        match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        }
    }
}

fn push_capped(p: &mut Pending, stream: Stream, bytes: &[u8], emit: &mut impl FnMut(RawLine)) {
    let mut bytes = bytes;
    while p.bytes.len() + bytes.len() > MAX_LINE {
        let room = MAX_LINE - p.bytes.len();
        p.bytes.extend_from_slice(&bytes[..room]);
        bytes = &bytes[room..];
        let ts = p.timestamp;
        emit_pending(p, stream, emit);
        p.timestamp = ts;
    }
    p.bytes.extend_from_slice(bytes);
}

fn emit_pending(p: &mut Pending, stream: Stream, emit: &mut impl FnMut(RawLine)) {
    let mut bytes = std::mem::take(&mut p.bytes);
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    emit(RawLine {
        stream,
        timestamp: p.timestamp.take(),
        bytes,
    });
}

enum Prefix {
    Yes(DateTime<Utc>, usize),
    No,
    NeedMore,
}

/// Whether `bytes` starts with `timestamp SP`. Undecidable until a space, a newline or 40 bytes
/// have arrived (unless at the end of the stream).
fn timestamp_prefix(bytes: &[u8], at_end: bool) -> Prefix {
    let window = &bytes[..bytes.len().min(40)];
    match memchr(b' ', window) {
        Some(sp) => match parse_timestamp(&window[..sp]) {
            Some(ts) => Prefix::Yes(ts, sp + 1),
            None => Prefix::No,
        },
        None if at_end || window.len() == 40 || memchr(b'\n', window).is_some() => Prefix::No,
        None => Prefix::NeedMore,
    }
}

/// Split `timestamp SP rest`. Without a parseable timestamp, returns `(None, whole)`.
pub fn split_timestamp(bytes: &[u8]) -> (Option<DateTime<Utc>>, &[u8]) {
    let window = &bytes[..bytes.len().min(40)];
    let Some(sp) = memchr(b' ', window) else {
        return (None, bytes);
    };
    match parse_timestamp(&bytes[..sp]) {
        Some(ts) => (Some(ts), &bytes[sp + 1..]),
        None => (None, bytes),
    }
}

/// Parse the Engine's timestamp: fast path for `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, any other
/// RFC 3339 form (offsets, fewer digits) through chrono.
pub fn parse_timestamp(s: &[u8]) -> Option<DateTime<Utc>> {
    if s.len() == 30 && s[29] == b'Z' && s[19] == b'.' {
        let n = |r: std::ops::Range<usize>| -> Option<u32> {
            let mut v: u32 = 0;
            for &b in &s[r] {
                if !b.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + u32::from(b - b'0');
            }
            Some(v)
        };
        if s[4] == b'-' && s[7] == b'-' && s[10] == b'T' && s[13] == b':' && s[16] == b':' {
            let date = NaiveDate::from_ymd_opt(n(0..4)? as i32, n(5..7)?, n(8..10)?)?;
            let dt = date.and_hms_nano_opt(n(11..13)?, n(14..16)?, n(17..19)?, n(20..29)?)?;
            return Some(dt.and_utc());
        }
    }
    let s = std::str::from_utf8(s).ok()?;
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

#[inline]
fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests;
