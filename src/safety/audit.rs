//! The audit log: one JSON line per destructive action devctl performed or refused, appended
//! to `audit.jsonl` in the user state dir (`DEVCTL_STATE_DIR` overrides it).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One decision of the gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// RFC 3339, UTC.
    pub time: String,
    pub user: String,
    pub cwd: String,
    pub argv: Vec<String>,
    pub project: String,
    /// The plan shown (the serialised `DeletionPlan`), or null when none could be built.
    pub plan: serde_json::Value,
    /// `refused`, `aborted`, `confirmed-typed`, `confirmed-flag`, `views-disagree`.
    pub decision: String,
    /// What happened: removed / kept volumes, Compose's exit code, snapshots, errors.
    pub result: serde_json::Value,
}

impl Record {
    pub fn new(env: &BTreeMap<String, String>, cwd: &Path, project: &str) -> Record {
        Record {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            user: user(env),
            cwd: cwd.display().to_string(),
            argv: std::env::args().collect(),
            project: project.to_string(),
            plan: serde_json::Value::Null,
            decision: String::new(),
            result: serde_json::Value::Null,
        }
    }
}

/// `USER`, `LOGNAME`, else the numeric uid (Linux `/proc/self/status`), else `unknown`.
fn user(env: &BTreeMap<String, String>) -> String {
    if let Some(u) = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| env.get(*k).filter(|v| !v.is_empty()))
    {
        return u.clone();
    }
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().next().map(|u| format!("uid {u}")))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The state dir: `DEVCTL_STATE_DIR`, else the platform's state (or local data) dir.
pub fn state_dir(env: &BTreeMap<String, String>) -> Result<PathBuf> {
    if let Some(d) = env.get("DEVCTL_STATE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let dirs = directories::ProjectDirs::from("", "", "devctl").ok_or_else(|| {
        Error::general("cannot find a home directory for the audit log")
            .with_hint("set DEVCTL_STATE_DIR to a writable directory")
    })?;
    Ok(dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_path_buf())
}

pub fn log_path(env: &BTreeMap<String, String>) -> Result<PathBuf> {
    Ok(state_dir(env)?.join("audit.jsonl"))
}

/// The log opened for appending. Opened BEFORE anything is touched: when it cannot be
/// written, the gate refuses to act.
pub struct AuditLog {
    file: File,
    path: PathBuf,
}

impl AuditLog {
    pub fn open(env: &BTreeMap<String, String>) -> Result<AuditLog> {
        let path = log_path(env)?;
        let fail = |e: std::io::Error| {
            Error::general(format!("cannot open the audit log {}: {e}", path.display()))
                .with_hint("set DEVCTL_STATE_DIR to a writable directory")
        };
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(fail)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(fail)?;
        Ok(AuditLog { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one line (a single write, so concurrent devctl processes do not interleave).
    pub fn append(&mut self, record: &Record) -> Result<()> {
        let mut line = serde_json::to_string(record)
            .map_err(|e| Error::general(format!("cannot serialise an audit record: {e}")))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|e| {
                Error::general(format!(
                    "cannot write the audit log {}: {e}",
                    self.path.display()
                ))
            })
    }
}

/// Every record, oldest first. A missing log is empty; a broken line is an error naming it.
pub fn read(env: &BTreeMap<String, String>) -> Result<Vec<Record>> {
    let path = log_path(env)?;
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::general(format!(
                "cannot read the audit log {}: {e}",
                path.display()
            )));
        }
    };
    parse(&text, &path)
}

/// Pure: parse the JSON lines of the log.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Record>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                Error::general(format!(
                    "{}:{}: not an audit record: {e}",
                    path.display(),
                    i + 1
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(dir: &Path) -> BTreeMap<String, String> {
        [
            ("DEVCTL_STATE_DIR".to_string(), dir.display().to_string()),
            ("USER".to_string(), "ana".to_string()),
        ]
        .into()
    }

    #[test]
    fn append_and_read_back() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let env = env(&tmp.path().join("state"));
        assert!(read(&env).expect("empty").is_empty());
        let mut log = AuditLog::open(&env).expect("open");
        for d in ["refused", "confirmed-typed"] {
            let mut r = Record::new(&env, Path::new("/w"), "shop");
            r.decision = d.into();
            r.result = serde_json::json!({"removed": ["shop_db"]});
            log.append(&r).expect("append");
        }
        let all = read(&env).expect("read");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].decision, "refused");
        assert_eq!(all[1].user, "ana");
        assert_eq!(all[1].cwd, "/w");
        assert_eq!(all[1].result["removed"][0], "shop_db");
        assert!(all[0].time.ends_with('Z'));
    }

    #[test]
    fn broken_line_is_named() {
        let err = parse("{\"x\":1}\n", Path::new("/s/audit.jsonl")).expect_err("broken");
        assert!(
            err.message.starts_with("/s/audit.jsonl:1:"),
            "{}",
            err.message
        );
    }
}
