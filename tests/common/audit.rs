//! The safety gate's audit log, as the gate suites read it: `<state dir>/audit.jsonl`, one
//! JSON record per decision (missing file: no records).

use std::path::Path;
use std::process::Output;

/// Every record of the audit log in `state_dir`.
pub fn records(state_dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(state_dir.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an audit line is JSON"))
        .collect()
}

/// The `decision` of every record, in order (`refused`, `confirmed-flag`, …).
pub fn decisions(state_dir: &Path) -> Vec<String> {
    records(state_dir)
        .iter()
        .map(|r| r["decision"].as_str().unwrap_or("").to_string())
        .collect()
}

/// (exit code or -1, stdout followed by stderr) of a finished command.
pub fn code_and_text(out: &Output) -> (i32, String) {
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
