//! Everything that can happen to the dashboard (`Msg`, owned values pushed into one channel)
//! and everything it can ask the terminal edge to do (`Cmd`, descriptions only: `update`
//! never performs I/O).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::engine::model::{ProjectListing, ServiceStatus, Usage};
use crate::tui::info::ProjectInfo;

/// Identifies one operation in the operations pane.
pub type OpId = u64;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// Time passed (only scheduled while something on screen changes with time).
    Tick(DateTime<Utc>),
    Engine(EngineEvent),
    Log(LogLine),
    Op(OpEvent),
    /// The safety gate's plan for `down` + volume deletion (or why it could not be built).
    Plan(Result<PlanView, String>),
    /// The files another environment would use (for the switch modal).
    EnvPreview(Result<EnvPreview, String>),
    /// The project was re-resolved for another environment.
    ProjectSwitched(Box<ProjectInfo>),
    /// The interactive shell ended; the dashboard is back.
    ShellDone {
        service: String,
        result: Result<i32, String>,
    },
    /// Compose's version, once known.
    ComposeVersion(Option<String>),
    /// A fatal signal (SIGTERM, SIGHUP, SIGINT, SIGQUIT, …): restore the terminal and exit.
    Signal(Signal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Term,
    Hup,
    Int,
    Quit,
    /// Another signal whose default action ends the process (SIGUSR1, SIGUSR2, SIGALRM,
    /// SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ): its number.
    Other(i32),
}

impl Signal {
    /// The conventional exit status (128 + signal number).
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Term => 143,
            Signal::Hup => 129,
            Signal::Int => 130,
            Signal::Quit => 131,
            Signal::Other(n) => u8::try_from(128 + n.clamp(1, 127)).unwrap_or(255),
        }
    }
}

/// Facts from the Engine layer.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Connected {
        engine_version: Option<String>,
        api_version: Option<String>,
        context: Option<String>,
    },
    Disconnected {
        reason: String,
    },
    Snapshot(ProjectListing),
    /// One service changed: its complete new status.
    ServiceChanged(ServiceStatus),
    Usage {
        service: String,
        usage: Usage,
    },
}

/// One log line (already sanitised by the log layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub service: String,
    pub timestamp: Option<DateTime<Utc>>,
    pub stderr: bool,
    pub text: String,
}

/// Progress of an operation the dashboard started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpEvent {
    /// The exact command line being run.
    Started {
        op: OpId,
        command: String,
    },
    Output {
        op: OpId,
        line: String,
    },
    Finished {
        op: OpId,
        result: Result<i32, String>,
    },
}

/// The safety gate's deletion plan as the modal shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanView {
    pub project: String,
    /// What will run, in order (e.g. the Compose `down` line, then the volume removals).
    pub steps: Vec<String>,
    pub volumes: Vec<PlanVolume>,
    /// Volumes that stay, with the reason (external, in use by another project…).
    pub kept: Vec<(String, String)>,
    pub warnings: Vec<String>,
    /// The exact words the user must type to confirm, one after the other (the project
    /// name, or each external/protected volume's name).
    pub confirm_words: Vec<String>,
    /// Why confirming is impossible (e.g. devctl's and Compose's views disagree).
    pub blocked: Option<String>,
    /// The pinned plan itself: executing runs exactly the plan that was shown.
    pub token: Option<PlanToken>,
}

/// An opaque handle on the safety gate's prepared plan (compared by identity).
#[derive(Clone)]
pub struct PlanToken(pub Arc<crate::safety::Prepared>);

impl PartialEq for PlanToken {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for PlanToken {}

impl std::fmt::Debug for PlanToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlanToken({})", self.0.plan.project)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanVolume {
    pub name: String,
    pub size: Option<u64>,
    pub used_by: Vec<String>,
    pub created: Option<String>,
    /// `protected`, `external`, … shown loudly.
    pub marks: Vec<String>,
}

/// What switching to another environment would mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvPreview {
    pub environment: String,
    pub files: Vec<std::path::PathBuf>,
    pub protected: bool,
    /// The Compose command that would apply it (`docker compose … up -d`).
    pub up_command: String,
}

/// Work for the terminal edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// A project command's work (`then`), run only when the user trusted `text` (see
    /// `audit::trust`; `devctl do NAME` asks).
    Trusted {
        name: String,
        text: String,
        then: Box<Cmd>,
    },
    /// Leave the dashboard with this exit code.
    Quit(u8),
    /// Run Compose subcommand `args` for the current project, streaming into op `op`.
    Compose { op: OpId, args: Vec<String> },
    /// Suspend the dashboard and run an interactive shell in `service`.
    Shell { service: String },
    /// Ask the safety gate for the plan of `down` + volume deletion (no prompting).
    BuildDeletionPlan,
    /// Execute the plan the user confirmed by typing `words`.
    ExecutePlan {
        op: OpId,
        words: Vec<String>,
        snapshot_first: bool,
        token: Option<PlanToken>,
    },
    /// Snapshot every volume of the project into op `op`.
    Snapshot { op: OpId },
    /// Resolve environment `environment` without switching (for the modal).
    PreviewEnv { environment: String },
    /// Switch the dashboard to `environment`; with `up`, then run `up -d` as op `up`.
    SwitchEnv {
        environment: String,
        up: Option<OpId>,
    },
    /// Start `docker compose watch` for the stack; its events stream into op `op`.
    Watch { op: OpId },
    /// Stop the watch of op `op` (Ctrl-C to Compose).
    StopWatch { op: OpId },
    /// A project command on the host (`sh -c TEXT`, behind the Engine guard) into op `op`.
    HostCommand {
        op: OpId,
        name: String,
        text: String,
    },
    /// Suspend the dashboard and run Compose `args` (an interactive `exec`/`run`) in `service`.
    Interactive { service: String, args: Vec<String> },
}
