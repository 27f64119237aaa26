//! Temp dirs holding one test's files.

use std::path::{Path, PathBuf};

/// Write `files` (relative path → text) under `dir`, creating parents.
pub fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        write_file(&dir.join(rel), text);
    }
}

/// Write `content` to `path`, creating its parent directories.
pub fn write_file(path: &Path, content: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, content).expect("write");
}

/// A temp dir holding one test's files; `path(..)` joins, `write(..)` creates parents.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    /// A temp dir named `PREFIX…`.
    pub fn with_prefix(prefix: &str) -> Self {
        Scratch {
            dir: tempfile::Builder::new()
                .prefix(prefix)
                .tempdir()
                .expect("temp dir"),
        }
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        write_file(&p, content);
        p
    }
    /// The per-test directory for devctl's user dirs (audit log, snapshots).
    pub fn state(&self) -> PathBuf {
        self.path(".state")
    }
}
