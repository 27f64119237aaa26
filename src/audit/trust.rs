//! Which `run_host` project commands the user has trusted. Their text comes from the
//! project's `devctl.yaml` — a cloned repository's, perhaps — and runs on this machine as the
//! user: devctl's Engine guard covers only what reaches the Engine through `DOCKER_HOST`, and a
//! text can reach the Engine's socket in ways no reading of it can rule out. So such a text
//! runs only once the user has seen it and trusted it (`devctl do NAME` asks in a terminal;
//! `--trust` says yes without one), as tools that run a repository's code on entry do. The
//! trust is for that exact text in that project folder: an edited text asks again.
//!
//! Kept in `trusted-commands.jsonl` beside the audit log: one JSON line per trusted text.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A bigger file is not read (and nothing counts as trusted).
const MAX_FILE: u64 = 16 << 20;

/// The identity of `text` as a command of the project in folder `root`.
pub fn digest(root: &Path, text: &str) -> String {
    let mut h = Sha256::new();
    h.update(root.to_string_lossy().as_bytes());
    h.update([0]);
    h.update(text.as_bytes());
    hex::encode(h.finalize())
}

fn path(env: &BTreeMap<String, String>) -> Result<PathBuf> {
    Ok(super::state_dir(env)?.join("trusted-commands.jsonl"))
}

/// Whether the user trusted `text` in `root`. Anything unreadable counts as not trusted.
pub fn is_trusted(env: &BTreeMap<String, String>, root: &Path, text: &str) -> bool {
    let Ok(p) = path(env) else { return false };
    let Ok(f) = std::fs::File::open(p) else {
        return false;
    };
    let mut s = String::new();
    if f.take(MAX_FILE).read_to_string(&mut s).is_err() {
        return false;
    }
    let want = digest(root, text);
    s.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .any(|v| v["digest"].as_str() == Some(want.as_str()))
}

/// Record that the user trusted `text` (command `name`) in `root`.
pub fn trust(env: &BTreeMap<String, String>, root: &Path, name: &str, text: &str) -> Result<()> {
    let p = path(env)?;
    let fail = |e: std::io::Error| {
        Error::general(format!("cannot record the trust in {}: {e}", p.display()))
            .with_hint("set DEVCTL_STATE_DIR to a writable directory")
    };
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let line = serde_json::json!({
        "digest": digest(root, text),
        "root": root.display().to_string(),
        "name": name,
        "at": chrono::Utc::now().to_rfc3339(),
    });
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .map_err(fail)?;
    writeln!(f, "{line}").map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_is_for_that_text_in_that_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let env = BTreeMap::from([(
            "DEVCTL_STATE_DIR".to_string(),
            dir.path().display().to_string(),
        )]);
        let root = Path::new("/p/shop");
        assert!(!is_trusted(&env, root, "./seed.sh"));
        trust(&env, root, "seed", "./seed.sh").expect("trust");
        assert!(is_trusted(&env, root, "./seed.sh"));
        assert!(
            !is_trusted(&env, root, "./seed.sh --all"),
            "an edited text asks again"
        );
        assert!(
            !is_trusted(&env, Path::new("/p/other"), "./seed.sh"),
            "another folder"
        );
        // A damaged file trusts nothing it does not name, and does not stop the others.
        std::fs::write(
            dir.path().join("trusted-commands.jsonl"),
            format!("garbage\n{{\"digest\": \"{}\"}}\n", digest(root, "x")),
        )
        .expect("write");
        assert!(is_trusted(&env, root, "x"));
        assert!(!is_trusted(&env, root, "./seed.sh"));
    }
}
