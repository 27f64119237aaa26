//! Container logs of a Compose project, from the Engine (bollard), as sanitised lines.
//!
//! Public API (stable for `commands::logs` and the dashboard):
//! - [`targets`]: the containers of some services of a project.
//! - [`LogReader`]: one-shot logs (`--tail`, `--since`) of several containers merged in time
//!   order, streamed with bounded memory (a k-way merge holding one line per container).
//! - [`spawn_follow`]: follow logs into a bounded channel, across restarts and re-creation,
//!   until the task is aborted or the receiver is dropped.
//!
//! The Engine is always asked for timestamps: they order the merge and make re-attaching after
//! a restart exact (see [`cursor::Cursor`]). Every line's text passes [`crate::sanitize`].

pub mod cursor;
pub mod decode;
mod follow;
mod target;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

use bollard::Docker;
use bollard::container::LogOutput;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::sanitize;
pub use cursor::Cursor;
pub use decode::RawLine;
pub use follow::{LogEvent, spawn_follow};
pub use target::{Target, targets};

/// Which output stream of the container a line came from (TTY containers: always stdout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One log line, ready to show: `text` is sanitised and has no line ending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// The Compose service.
    pub service: Arc<str>,
    /// The container as Compose names it in log prefixes (`api-1`, or its `container_name`).
    pub container: Arc<str>,
    /// The container id (changes when Compose re-creates the container).
    pub container_id: Arc<str>,
    /// When the Engine received the line.
    pub timestamp: Option<DateTime<Utc>>,
    pub stream: Stream,
    pub text: String,
}

impl LogLine {
    /// The timestamp as the Engine prints it (`2024-05-01T10:00:00.123456789Z`).
    pub fn timestamp_rfc3339(&self) -> Option<String> {
        self.timestamp
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
    }
}

/// How many lines of history to show per container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tail {
    #[default]
    All,
    Last(u64),
}

impl Tail {
    fn query(self) -> String {
        match self {
            Tail::All => "all".to_string(),
            Tail::Last(n) => n.to_string(),
        }
    }
}

/// How a line's text is sanitised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextMode {
    /// No control sequences at all (tabs kept). For pipes and terminals.
    #[default]
    Plain,
    /// Keep SGR colour sequences only (the user asked for the containers' colours).
    KeepSgr,
    /// Plain with tabs expanded to spaces: for ratatui spans.
    Tui,
}

impl TextMode {
    pub fn apply(self, bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len());
        match self {
            TextMode::Plain => sanitize::sanitize_line_into(bytes, &mut out),
            TextMode::KeepSgr => sanitize::sanitize_keep_sgr_into(bytes, &mut out),
            TextMode::Tui => out = sanitize::sanitize_for_tui(bytes),
        }
        out
    }
}

/// What to fetch.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// History per container before following (or in total for a one-shot read).
    pub tail: Tail,
    /// Only lines at or after this instant (exact: the Engine filters by whole seconds, devctl
    /// drops the rest).
    pub since: Option<DateTime<Utc>>,
    pub text: TextMode,
    /// The caller needs [`LogLine::timestamp`] even when reading a single container (`-t`,
    /// `--json`). Several containers (merge), `since`, TTY containers (safe framing) and
    /// following always get timestamps; otherwise a single container's one-shot read skips
    /// them, which saves the Engine 10–30 % of its time.
    pub timestamps: bool,
}

/// One logs request to the Engine.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    pub follow: bool,
    pub tail: Tail,
    /// Sent to the Engine in whole seconds (rounded down).
    pub engine_since: Option<DateTime<Utc>>,
    pub timestamps: bool,
}

/// Map a bollard error: an Engine answer is a general error (its message sanitised: it can
/// quote container output); anything else (refused, broken connection) is "Engine
/// unreachable" (exit 6).
pub(crate) fn engine_error(what: &str, e: bollard::errors::Error) -> Error {
    let text = sanitize::sanitize_str(&super::connect::describe_error(&e));
    match e {
        bollard::errors::Error::DockerResponseServerError { .. } => {
            Error::general(format!("{what}: {text}"))
        }
        _ => Error::engine(format!("{what}: {text}"))
            .with_hint("is the Docker Engine running? check DOCKER_HOST / the docker context"),
    }
}

pub(crate) fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Engine query parameters for one logs request.
pub(crate) fn query(req: Request) -> bollard::query_parameters::LogsOptions {
    bollard::query_parameters::LogsOptions {
        follow: req.follow,
        stdout: true,
        stderr: true,
        // Whole seconds, rounded down; finer filtering happens client-side.
        since: req
            .engine_since
            .map(|t| i32::try_from(t.timestamp().max(0)).unwrap_or(i32::MAX))
            .unwrap_or(0),
        until: 0,
        timestamps: req.timestamps,
        tail: req.tail.query(),
    }
}

/// The lines of one container's log stream, decoded and sanitised, in the Engine's order.
pub(crate) struct Source {
    target: Arc<Target>,
    stream: BoxStream<'static, std::result::Result<LogOutput, bollard::errors::Error>>,
    assembler: decode::Assembler,
    ready: VecDeque<LogLine>,
    /// Exact lower bound (the user's `--since`).
    since: Option<DateTime<Utc>>,
    text: TextMode,
    done: bool,
}

impl Source {
    pub(crate) fn open(
        docker: &Docker,
        target: Arc<Target>,
        req: Request,
        since: Option<DateTime<Utc>>,
        text: TextMode,
    ) -> Source {
        // A raw (TTY) stream without timestamps could start a line with a byte bollard takes
        // for a frame header; with timestamps every line starts with a digit.
        let req = Request {
            timestamps: req.timestamps || target.tty,
            ..req
        };
        let stream = docker.logs(&target.id, Some(query(req))).boxed();
        Source {
            target,
            stream,
            assembler: decode::Assembler::new(req.timestamps),
            ready: VecDeque::new(),
            since,
            text,
            done: false,
        }
    }

    /// The next line, or `None` at the end of the stream.
    pub(crate) async fn next(&mut self) -> Result<Option<LogLine>> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Ok(Some(line));
            }
            if self.done {
                return Ok(None);
            }
            let tty = self.target.tty;
            let mut lines = Vec::new();
            let mut emit = |l: RawLine| lines.push(l);
            match self.stream.next().await {
                Some(Ok(out)) => match out {
                    LogOutput::StdOut { message } if !tty => {
                        self.assembler
                            .push_frame(Stream::Stdout, &message, &mut emit)
                    }
                    LogOutput::StdErr { message } if !tty => {
                        self.assembler
                            .push_frame(Stream::Stderr, &message, &mut emit)
                    }
                    LogOutput::StdIn { .. } => {}
                    LogOutput::StdOut { message }
                    | LogOutput::StdErr { message }
                    | LogOutput::Console { message } => {
                        self.assembler.push_raw(&message, &mut emit)
                    }
                },
                Some(Err(e)) if is_not_found(&e) => {
                    self.assembler.finish(&mut emit);
                    self.done = true;
                }
                Some(Err(e)) => {
                    return Err(engine_error(
                        &format!("cannot read the logs of {}", self.target.name),
                        e,
                    ));
                }
                None => {
                    self.assembler.finish(&mut emit);
                    self.done = true;
                }
            }
            for raw in lines {
                if let (Some(since), Some(ts)) = (self.since, raw.timestamp)
                    && ts < since
                {
                    continue;
                }
                self.ready.push_back(self.line(raw));
            }
        }
    }

    fn line(&self, raw: RawLine) -> LogLine {
        LogLine {
            service: self.target.service.clone(),
            container: self.target.name.clone(),
            container_id: self.target.id.clone(),
            timestamp: raw.timestamp,
            stream: raw.stream,
            text: self.text.apply(&raw.bytes),
        }
    }
}

/// One-shot logs of several containers merged in time order (each container's own order is
/// kept; ties go to the earlier target). Holds one pending line per container.
pub struct LogReader {
    sources: Vec<Source>,
    heap: BinaryHeap<Reverse<(Option<DateTime<Utc>>, usize)>>,
    heads: Vec<Option<LogLine>>,
    /// Per target: where its history ended (to continue following without duplicates).
    cursors: Vec<Cursor>,
    primed: bool,
}

impl LogReader {
    /// Open one non-following stream per target.
    pub fn new(docker: &Docker, targets: &[Arc<Target>], opts: &LogOptions) -> LogReader {
        let req = Request {
            follow: false,
            tail: opts.tail,
            engine_since: opts.since,
            timestamps: opts.timestamps || opts.since.is_some() || targets.len() != 1,
        };
        let sources = targets
            .iter()
            .map(|t| Source::open(docker, t.clone(), req, opts.since, opts.text))
            .collect::<Vec<_>>();
        let n = sources.len();
        LogReader {
            sources,
            heap: BinaryHeap::with_capacity(n),
            heads: (0..n).map(|_| None).collect(),
            cursors: vec![Cursor::default(); n],
            primed: false,
        }
    }

    /// The next line in time order, or `None` when every stream has ended.
    pub async fn next(&mut self) -> Result<Option<LogLine>> {
        if !self.primed {
            self.primed = true;
            for i in 0..self.sources.len() {
                self.refill(i).await?;
            }
        }
        let Some(Reverse((_, i))) = self.heap.pop() else {
            return Ok(None);
        };
        let line = self.heads[i].take();
        self.refill(i).await?;
        if let Some(l) = &line {
            self.cursors[i].record(l.timestamp);
        }
        Ok(line)
    }

    /// Where each target's history ended, in the order of the targets given to [`LogReader::new`].
    pub fn cursors(&self) -> &[Cursor] {
        &self.cursors
    }

    async fn refill(&mut self, i: usize) -> Result<()> {
        if let Some(line) = self.sources[i].next().await? {
            // A line without a timestamp keeps its container's position.
            let key = line.timestamp.or(self.cursors[i].last());
            self.heap.push(Reverse((key, i)));
            self.heads[i] = Some(line);
        }
        Ok(())
    }
}
