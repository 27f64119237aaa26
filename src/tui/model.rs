//! The dashboard's whole state. Only `update` mutates it; widgets read it.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::engine::model::{ProjectListing, Usage};
use crate::tui::config::Config;
use crate::tui::info::ProjectInfo;
use crate::tui::logbuf::LogStore;
use crate::tui::msg::{EnvPreview, OpId, PlanView};

/// CPU samples kept per service for the sparkline.
pub const HISTORY: usize = 24;
/// Output lines kept per operation.
pub const OP_LINES: usize = 2_000;
/// Operations kept in the pane.
pub const OPS_KEPT: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Services,
    Logs,
    Ops,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// The order of the merged model (Compose renders services by name).
    Declared,
    Name,
    /// Worst health first.
    Health,
    Cpu,
    Memory,
    Restarts,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Declared => SortKey::Name,
            SortKey::Name => SortKey::Health,
            SortKey::Health => SortKey::Cpu,
            SortKey::Cpu => SortKey::Memory,
            SortKey::Memory => SortKey::Restarts,
            SortKey::Restarts => SortKey::Declared,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Declared => "default",
            SortKey::Name => "name",
            SortKey::Health => "health",
            SortKey::Cpu => "cpu",
            SortKey::Memory => "memory",
            SortKey::Restarts => "restarts",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Connected,
    Disconnected { reason: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    pub engine: Option<String>,
    pub api: Option<String>,
    pub compose: Option<String>,
    pub context: Option<String>,
}

/// A one-line text prompt in the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Search,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
}

/// How the log pane is positioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    /// Stick to the newest line.
    pub follow: bool,
    /// When not following: the sequence number of the bottom line on screen.
    pub anchor: Option<u64>,
    pub wrap: bool,
    pub timestamps: bool,
    pub search: Option<String>,
    /// The current match (its sequence number).
    pub hit: Option<u64>,
}

impl Default for LogView {
    fn default() -> Self {
        LogView {
            follow: true,
            anchor: None,
            wrap: false,
            timestamps: false,
            search: None,
            hit: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpStatus {
    Running,
    Finished(i32),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub id: OpId,
    pub title: String,
    pub command: Option<String>,
    pub started: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
    pub status: OpStatus,
    pub output: VecDeque<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmFocus {
    Cancel,
    Input,
    Snapshot,
    Confirm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub plan: PlanView,
    /// Words already typed and accepted, in order.
    pub done: Vec<String>,
    /// The word being typed.
    pub typed: String,
    pub focus: ConfirmFocus,
    pub snapshot_first: bool,
    /// Shown under the input (e.g. "does not match").
    pub note: Option<String>,
}

impl Confirm {
    pub fn new(plan: PlanView) -> Self {
        Confirm {
            plan,
            done: Vec::new(),
            typed: String::new(),
            focus: ConfirmFocus::Cancel,
            snapshot_first: true,
            note: None,
        }
    }
    /// The word to type next, if any is left.
    pub fn current_word(&self) -> Option<&str> {
        self.plan
            .confirm_words
            .get(self.done.len())
            .map(String::as_str)
    }

    /// True once every required word was typed exactly (and nothing blocks the plan).
    pub fn matches(&self) -> bool {
        self.plan.blocked.is_none()
            && !self.plan.confirm_words.is_empty()
            && self.done == self.plan.confirm_words
    }

    /// True when Enter would confirm: every word typed, or the last one typed exactly.
    pub fn ready(&self) -> bool {
        self.matches()
            || (self.plan.blocked.is_none()
                && self.done.len() + 1 == self.plan.confirm_words.len()
                && self.current_word() == Some(self.typed.as_str()))
    }

    /// Accept the typed text if it is exactly the next word. Returns whether it was.
    pub fn accept(&mut self) -> bool {
        match self.current_word() {
            Some(w) if w == self.typed => {
                self.done.push(std::mem::take(&mut self.typed));
                true
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Help {
        scroll: u16,
    },
    Details {
        service: String,
        scroll: u16,
    },
    /// Waiting for the safety gate's plan.
    PlanLoading,
    Confirm(Confirm),
    /// Waiting for the other environment's files.
    EnvLoading {
        environment: String,
    },
    EnvSwitch(EnvPreview),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub level: Level,
    pub text: String,
}

/// Why mutating keys are disabled, if they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOnly {
    Off,
    /// `--read-only` / `DEVCTL_READ_ONLY`.
    Flag,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub config: Config,
    pub info: ProjectInfo,
    pub read_only_flag: ReadOnly,
    pub versions: Versions,
    pub connection: Connection,
    pub snapshot: Option<ProjectListing>,
    pub usage: BTreeMap<String, Usage>,
    pub history: BTreeMap<String, VecDeque<f64>>,
    /// When CPU/memory were last refreshed on screen.
    pub usage_shown_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    pub width: u16,
    pub height: u16,
    pub focus: Focus,
    /// None: the whole stack ("all services").
    pub selected: Option<String>,
    pub sort: SortKey,
    pub filter: String,
    pub input: Option<Input>,
    pub logs: LogStore,
    pub log_view: LogView,
    pub ops: VecDeque<Op>,
    pub next_op: OpId,
    /// Lines scrolled up from the bottom of the operations pane.
    pub ops_scroll: usize,
    pub modal: Option<Modal>,
    pub flash: Option<Flash>,
    /// Set when the dashboard should exit, with the exit code.
    pub quit: Option<u8>,
    /// A shell runs in the foreground: no drawing, no input.
    pub suspended: bool,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    /// Watch, the `:` command line and the project's commands.
    pub devloop: crate::tui::devloop::DevLoop,
}

impl Model {
    pub fn new(config: Config, info: ProjectInfo, now: DateTime<Utc>) -> Self {
        let logs = LogStore::new(config.log_buffer_lines);
        let mut m = Model {
            config,
            info,
            read_only_flag: ReadOnly::Off,
            versions: Versions::default(),
            connection: Connection::Connecting,
            snapshot: None,
            usage: BTreeMap::new(),
            history: BTreeMap::new(),
            usage_shown_at: None,
            now,
            width: 80,
            height: 24,
            focus: Focus::Services,
            selected: None,
            sort: SortKey::Declared,
            filter: String::new(),
            input: None,
            logs,
            log_view: LogView::default(),
            ops: VecDeque::new(),
            next_op: 1,
            ops_scroll: 0,
            modal: None,
            flash: None,
            quit: None,
            suspended: false,
            dirty: true,
            devloop: Default::default(),
        };
        // Stable log colours: services get their colour in declaration order.
        let names: Vec<String> = m.info.services.iter().map(|s| s.name.clone()).collect();
        for n in &names {
            m.logs.intern(n);
        }
        m
    }

    /// Why mutating actions are disabled, or None when they are allowed.
    pub fn read_only_reason(&self) -> Option<String> {
        if self.read_only_flag == ReadOnly::Flag {
            return Some("read-only mode (--read-only)".to_string());
        }
        if self.info.protected {
            let env = self
                .info
                .environment
                .as_deref()
                .unwrap_or("this environment");
            return Some(format!(
                "`{env}` is a protected environment (devctl.yaml: protected: true)"
            ));
        }
        None
    }

    /// The log source of the current selection (None: all services merged).
    pub fn log_source(&self) -> Option<usize> {
        self.selected
            .as_deref()
            .map(|s| self.logs.service_index(s).unwrap_or(usize::MAX))
    }

    pub fn op(&self, id: OpId) -> Option<&Op> {
        self.ops.iter().find(|o| o.id == id)
    }

    pub fn running_op(&self) -> Option<&Op> {
        self.ops.iter().find(|o| o.status == OpStatus::Running)
    }
}
