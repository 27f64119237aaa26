//! The bundled demo stack (`assets/demo/`): embedded in the binary, written to the user data
//! dir so that `devctl demo …` works from anywhere. Files are rewritten only when they changed;
//! `.env` is created once from `.env.example` and then belongs to the user.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The demo's files, as shipped.
pub const FILES: &[(&str, &str)] = &[
    (
        "docker-compose.yml",
        include_str!("../assets/demo/docker-compose.yml"),
    ),
    (
        "docker-compose.dev.yml",
        include_str!("../assets/demo/docker-compose.dev.yml"),
    ),
    (
        "docker-compose.prod.yml",
        include_str!("../assets/demo/docker-compose.prod.yml"),
    ),
    (".env.example", include_str!("../assets/demo/.env.example")),
    ("devctl.yaml", include_str!("../assets/demo/devctl.yaml")),
];

/// The demo's label on the volumes devctl creates for it.
pub const VOLUME_LABEL: &str = "devctl.demo";

/// Where the demo lives: `<user data dir>/demo` (e.g. `~/.local/share/devctl/demo`).
pub fn default_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "devctl")
        .map(|d| d.data_dir().join("demo"))
        .ok_or_else(|| {
            Error::general("cannot find a home directory for the demo's files")
                .with_hint("set HOME (or XDG_DATA_HOME)")
        })
}

/// Pure: which files must be (re)written, given what is on disk now (None = missing).
/// `.env` is planned (from `.env.example`) only when it does not exist.
pub fn plan(on_disk: impl Fn(&str) -> Option<String>) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = FILES
        .iter()
        .filter(|(name, text)| on_disk(name).as_deref() != Some(*text))
        .copied()
        .collect();
    if on_disk(".env").is_none()
        && let Some((_, example)) = FILES.iter().find(|(n, _)| *n == ".env.example")
    {
        out.push((".env", example));
    }
    out
}

/// Write the demo into `dir` (created if needed); returns the names of the files written.
pub fn install(dir: &Path) -> Result<Vec<&'static str>> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Error::general(format!("cannot {what} {}: {e}", p.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
    let todo = plan(|name| std::fs::read_to_string(dir.join(name)).ok());
    for (name, text) in &todo {
        let path = dir.join(name);
        // Write beside and rename, so a reader never sees half a file. Each writer gets its own
        // temporary file: several `devctl demo …` may install at the same moment.
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| io("create a temporary file in", dir, e))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())
            .map_err(|e| io("write", tmp.path(), e))?;
        if name == &".env" && path.exists() {
            // Another devctl created `.env` meanwhile; it belongs to the user now.
            continue;
        }
        tmp.persist(&path)
            .map_err(|e| io("write", &path, e.error))?;
    }
    Ok(todo.into_iter().map(|(n, _)| n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn plans_only_changed_files() {
        let all: BTreeMap<&str, String> = FILES.iter().map(|(n, t)| (*n, t.to_string())).collect();
        // Fresh directory: everything, plus .env.
        let fresh: Vec<&str> = plan(|_| None).into_iter().map(|(n, _)| n).collect();
        assert_eq!(fresh.len(), FILES.len() + 1);
        assert!(fresh.contains(&".env"));
        // Up to date, with the user's own .env: nothing.
        let current = |n: &str| match n {
            ".env" => Some("DEMO_API_PORT=9999\n".to_string()),
            _ => all.get(n).cloned(),
        };
        assert!(plan(current).is_empty());
        // One file edited or stale: only that one (the user's .env is never overwritten).
        let stale = |n: &str| match n {
            "docker-compose.dev.yml" => Some("old".to_string()),
            ".env" => Some("mine".to_string()),
            _ => all.get(n).cloned(),
        };
        let got: Vec<&str> = plan(stale).into_iter().map(|(n, _)| n).collect();
        assert_eq!(got, vec!["docker-compose.dev.yml"]);
    }

    #[test]
    fn install_writes_then_leaves_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = install(dir.path()).expect("install");
        assert_eq!(first.len(), FILES.len() + 1);
        std::fs::write(dir.path().join(".env"), "DEMO_API_PORT=18399\n").expect("write");
        assert!(install(dir.path()).expect("again").is_empty());
        let env = std::fs::read_to_string(dir.path().join(".env")).expect("read");
        assert_eq!(env, "DEMO_API_PORT=18399\n");
    }

    #[test]
    fn concurrent_installs_into_one_dir_all_succeed() {
        // Regression: four `devctl demo status` at once failed with "cannot write
        // …/.env.example: No such file or directory" when they shared one temporary name.
        for _ in 0..20 {
            let dir = tempfile::tempdir().expect("tempdir");
            let results: Vec<_> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..8).map(|_| s.spawn(|| install(dir.path()))).collect();
                hs.into_iter().map(|h| h.join().expect("thread")).collect()
            });
            for r in results {
                assert!(r.is_ok(), "install failed: {:?}", r.err());
            }
            for (name, text) in FILES {
                let on_disk = std::fs::read_to_string(dir.path().join(name)).expect("read");
                assert_eq!(&on_disk, text, "{name}");
            }
            let leftovers: Vec<_> = std::fs::read_dir(dir.path())
                .expect("ls")
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp"))
                .collect();
            assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        }
    }

    #[test]
    fn demo_files_use_only_the_busybox_image() {
        for (name, text) in FILES {
            for line in text
                .lines()
                .filter(|l| l.trim_start().starts_with("image:"))
            {
                assert_eq!(line.trim(), "image: busybox:stable", "{name}");
            }
        }
    }
}
