//! `devctl doctor`: pre-flight checks for the failures users of Compose stacks hit most
//! (DATA-001 data loss, OPS-001 health checks, SEC-001 secrets, CONFIG-001 configuration).
//!
//! Shape: every check is a **pure** function `fn(&DoctorInput) -> Vec<Finding>`. The input
//! holds the typed project (and Compose's canonical JSON), the layered files as parsed YAML,
//! the `.env`/`.env.example` contents, the Dockerfiles and `.dockerignore`s of the build
//! contexts, and the Engine facts gathered separately ([`engine_facts`]) — or the reason they
//! are missing (Engine unreachable, `--offline`). Gathering is I/O ([`input`], [`engine_facts`],
//! [`environment`]); checking is not, so every check is unit-tested with fixtures.
//!
//! # JSON schema (`devctl doctor --json`, `"schema": "devctl.doctor/v1"`)
//!
//! ```text
//! {
//!   "schema": "devctl.doctor/v1",
//!   "project": { "name": str, "project_dir": str, "files": [str], "environment": str|null,
//!                "protected": bool } | null,          // null when the project did not load
//!   "environment": {
//!     "engine":  { "status": "ok"|"unreachable"|"offline", "version": str|null,
//!                  "api_version": str|null, "host": str|null, "error": str|null },
//!     "compose": { "status": "ok"|"missing"|"v1", "version": str|null, "command": str|null },
//!     "context": str|null                              // current docker context
//!   },
//!   "skipped": [ { "check": str, "reason": str } ],    // checks not run, and why
//!   "findings": [ {
//!       "id": str,          // stable, e.g. "DATA-001-db-volume-not-external"
//!       "severity": "error"|"warning"|"info",
//!       "file": str|null,   // the file concerned (absolute path)
//!       "key_path": str|null, // e.g. "services.postgres.volumes[0]"
//!       "message": str,     // what was found
//!       "why": str,         // why it matters
//!       "fix": str          // how to fix it
//!   } ],
//!   "summary": { "error": int, "warning": int, "info": int }
//! }
//! ```
//!
//! Exit code: 0 when there is no `error` finding, 1 (`Exit::Error`) otherwise.
//! Finding ids never change meaning; new checks get new ids.

pub mod config;
pub mod data;
pub mod dockerfile;
pub mod dockerignore;
pub mod engine_facts;
pub mod environment;
pub mod health;
pub mod images;
pub mod input;
pub mod interp;
pub mod ports;
pub mod prod;
pub mod render;
pub mod secrets;
pub mod view;
pub mod watch;

use serde::Serialize;

pub use input::{DoctorInput, EngineState};

/// How bad a finding is. `Error` findings make `devctl doctor` exit with 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One problem found, with where it is, why it matters and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: String,
    pub severity: Severity,
    pub file: Option<String>,
    pub key_path: Option<String>,
    pub message: String,
    pub why: String,
    pub fix: String,
}

impl Finding {
    pub fn new(id: &str, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            id: id.to_string(),
            severity,
            file: None,
            key_path: None,
            message: message.into(),
            why: String::new(),
            fix: String::new(),
        }
    }
    pub fn file(mut self, f: Option<impl Into<String>>) -> Self {
        self.file = f.map(Into::into);
        self
    }
    pub fn key(mut self, k: impl Into<String>) -> Self {
        self.key_path = Some(k.into());
        self
    }
    pub fn why(mut self, w: impl Into<String>) -> Self {
        self.why = w.into();
        self
    }
    pub fn fix(mut self, f: impl Into<String>) -> Self {
        self.fix = f.into();
        self
    }
}

/// A check group that did not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub check: String,
    pub reason: String,
}

/// Names of the check groups that need the Engine (skipped when it is unreachable/offline).
pub const ENGINE_CHECKS: &[&str] = &[
    "external volumes on the Engine",
    "probe binaries inside local images",
    "users and health checks of local images",
    "host ports already in use",
    "drift of running containers",
    "apps listening on loopback only inside their containers",
    "health-check probes aimed at a port the app does not listen on",
];

/// Names of the check groups that need the loaded project (skipped when it does not load;
/// the checks of the files as written — `.env`, templates, variables, literal secrets — run).
pub const PROJECT_CHECKS: &[&str] = &[
    "volumes and their data",
    "health checks and probes",
    "published ports",
    "build targets and .dockerignore",
    "production settings",
];

/// The reason given for [`PROJECT_CHECKS`] when the project does not load.
pub const NOT_LOADED: &str = "the project does not load";

/// Run every check over the input. Pure: no I/O.
pub fn run_checks(input: &DoctorInput) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(config::check(input));
    out.extend(data::check(input));
    out.extend(health::check(input));
    out.extend(ports::check(input));
    out.extend(secrets::check(input));
    out.extend(prod::check(input));
    out.extend(prod::check_drift(input));
    out.extend(watch::check(input));
    sort(&mut out);
    out
}

/// The checks that need only the files as written ([`DoctorInput::gather_files`]): run when
/// the project does not load, since their findings are often why. Pure: no I/O.
pub fn run_file_checks(input: &DoctorInput) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(config::check(input));
    out.extend(secrets::check(input));
    sort(&mut out);
    out
}

fn sort(out: &mut [Finding]) {
    out.sort_by(|a, b| {
        (a.severity, &a.id, &a.key_path, &a.message).cmp(&(
            b.severity,
            &b.id,
            &b.key_path,
            &b.message,
        ))
    });
}

/// The project checks skipped because the project does not load.
pub fn skipped_not_loaded() -> Vec<Skipped> {
    PROJECT_CHECKS
        .iter()
        .chain(ENGINE_CHECKS)
        .map(|c| Skipped {
            check: (*c).to_string(),
            reason: NOT_LOADED.to_string(),
        })
        .collect()
}

/// The checks skipped because the Engine facts are missing.
pub fn skipped(input: &DoctorInput) -> Vec<Skipped> {
    let reason = match &input.engine {
        EngineState::Facts(_) => return Vec::new(),
        EngineState::Unreachable(_) => "Engine unreachable",
        EngineState::Offline => "--offline",
    };
    ENGINE_CHECKS
        .iter()
        .map(|c| Skipped {
            check: (*c).to_string(),
            reason: reason.to_string(),
        })
        .collect()
}

/// Exit code for a set of findings: 1 when any is an error, else 0.
pub fn exit_code(findings: &[Finding]) -> u8 {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        crate::error::Exit::Error.code()
    } else {
        crate::error::Exit::Ok.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_follows_errors() {
        let w = Finding::new("X-1", Severity::Warning, "w");
        let e = Finding::new("X-2", Severity::Error, "e");
        assert_eq!(exit_code(&[]), 0);
        assert_eq!(exit_code(std::slice::from_ref(&w)), 0);
        assert_eq!(exit_code(&[w, e]), 1);
    }

    #[test]
    fn severity_serialises_lowercase() {
        let f = Finding::new("X-1", Severity::Error, "m");
        let v = serde_json::to_value(&f).expect("serialises");
        assert_eq!(v["severity"], "error");
        assert_eq!(v["file"], serde_json::Value::Null);
    }
}
