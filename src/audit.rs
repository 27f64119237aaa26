//! The audit log: one JSON line per destructive action devctl performed or refused, appended
//! to `audit.jsonl` in the user state dir (`DEVCTL_STATE_DIR` overrides it).

pub mod trust;

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
    /// `refused`, `aborted`, `confirmed-typed`, `confirmed-flag`, `views-disagree`,
    /// `nothing-to-delete`, `nothing-to-remove`.
    pub decision: String,
    /// `performed` (ran to the end), `stopped` (stopped before the end: a volume's identity
    /// changed, Compose failed…; says what in `result.stopped`), `refused`, `aborted`.
    #[serde(default)]
    pub outcome: String,
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
            outcome: String::new(),
            result: serde_json::Value::Null,
        }
    }
}

impl Record {
    /// The record as the log stores it, by the one secret policy ([`crate::secrets`]):
    /// secrets in the command line (`-e GITHUB_PAT=…`, `--password x`, URL passwords,
    /// tokens) and in the plan and result masked.
    pub fn masked(&self) -> Record {
        let mut r = self.clone();
        crate::secrets::mask_argv(&mut r.argv);
        crate::secrets::mask_json(&mut r.plan);
        crate::secrets::mask_json(&mut r.result);
        r
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
            .read(true)
            .append(true)
            .open(&path)
            .map_err(fail)?;
        Ok(AuditLog { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one line (a single write, so concurrent devctl processes do not interleave).
    /// The record is written masked ([`Record::masked`]): the log never holds a secret.
    pub fn append(&mut self, record: &Record) -> Result<()> {
        let mut line = serde_json::to_string(&record.masked())
            .map_err(|e| Error::general(format!("cannot serialise an audit record: {e}")))?;
        line.push('\n');
        // After a torn or bad last line, start a fresh line so this record stays readable.
        if ends_mid_line(&mut self.file) {
            line.insert(0, '\n');
        }
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

/// Every record, oldest first, and one problem per line that could not be read (its line
/// number and why: invalid UTF-8, not JSON, not a record). A missing log is empty; a bad line
/// never hides the others.
pub fn read(env: &BTreeMap<String, String>) -> Result<(Vec<Record>, Vec<String>)> {
    let path = log_path(env)?;
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => {
            return Err(Error::general(format!(
                "cannot read the audit log {}: {e}",
                path.display()
            )));
        }
    };
    Ok(parse(&bytes, &path))
}

/// Pure: parse the JSON lines of the log, skipping blank lines; every bad line becomes a
/// problem `PATH:LINE: why`.
pub fn parse(bytes: &[u8], path: &Path) -> (Vec<Record>, Vec<String>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let why = match std::str::from_utf8(line) {
            Err(e) => format!("invalid UTF-8 ({e})"),
            Ok(l) if l.trim().is_empty() => continue,
            Ok(l) => match serde_json::from_str::<Record>(l) {
                Ok(r) => {
                    records.push(r);
                    continue;
                }
                Err(e) => format!("not an audit record: {e}"),
            },
        };
        problems.push(format!("{}:{}: {why}", path.display(), i + 1));
    }
    (records, problems)
}

/// True when the file is non-empty and its last byte is not a newline (a torn last line): the
/// next record must start on a line of its own.
fn ends_mid_line(file: &mut File) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    if file.seek(SeekFrom::End(-1)).is_err() {
        return false;
    }
    let mut last = [0u8; 1];
    matches!(file.read(&mut last), Ok(1) if last[0] != b'\n')
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
        assert!(read(&env).expect("empty").0.is_empty());
        let mut log = AuditLog::open(&env).expect("open");
        for d in ["refused", "confirmed-typed"] {
            let mut r = Record::new(&env, Path::new("/w"), "shop");
            r.decision = d.into();
            r.result = serde_json::json!({"removed": ["shop_db"]});
            log.append(&r).expect("append");
        }
        let (all, problems) = read(&env).expect("read");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].decision, "refused");
        assert_eq!(all[1].user, "ana");
        assert_eq!(all[1].cwd, "/w");
        assert_eq!(all[1].result["removed"][0], "shop_db");
        assert!(all[0].time.ends_with('Z'));
    }

    #[test]
    fn bad_lines_are_skipped_and_named() {
        let good = |d: &str| {
            let mut r = Record::new(&BTreeMap::new(), Path::new("/w"), "shop");
            r.decision = d.into();
            serde_json::to_string(&r).expect("json")
        };
        let mut text = Vec::new();
        for line in [
            good("refused").into_bytes(),
            b"{\"x\":1}".to_vec(),
            b"\xff\xfe not utf-8".to_vec(),
            Vec::new(),
            b"[1, 2".to_vec(),
            good("aborted").into_bytes(),
        ] {
            text.extend(line);
            text.push(b'\n');
        }
        let (records, problems) = parse(&text, Path::new("/s/audit.jsonl"));
        let decisions: Vec<&str> = records.iter().map(|r| r.decision.as_str()).collect();
        assert_eq!(decisions, ["refused", "aborted"]);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("/s/audit.jsonl:2: not an audit record"));
        assert!(problems[1].starts_with("/s/audit.jsonl:3: invalid UTF-8"));
        assert!(problems[2].starts_with("/s/audit.jsonl:5: not an audit record"));
    }

    #[test]
    fn appending_works_after_a_bad_or_torn_line() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let env = env(tmp.path());
        let path = log_path(&env).expect("path");
        // A bad line, then a torn one (no newline at the end: a crash mid-write).
        fs::write(&path, b"\xff garbage\n{\"time\": \"2026").expect("write");
        let mut log = AuditLog::open(&env).expect("open");
        let mut r = Record::new(&env, Path::new("/w"), "shop");
        r.decision = "refused".into();
        log.append(&r).expect("append");
        log.append(&r).expect("append again");
        let (records, problems) = read(&env).expect("read");
        assert_eq!(records.len(), 2, "{problems:?}");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].contains("audit.jsonl:2:"), "{problems:?}");
    }
}
