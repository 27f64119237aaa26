//! The Drop guard that removes what a test created on the shared Engine, also when the test
//! panics: its Compose projects (`docker compose -p NAME down`), the volumes it names, and the
//! volumes carrying a test label whose names belong to the project. Only ever things the test
//! created: its own project names and volume names.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::docker::docker_try;

/// Which labelled volumes belong to the test.
#[derive(Clone, Debug)]
enum Owned {
    /// The volume with exactly this name.
    Exactly(String),
    /// Every volume whose name starts with this.
    StartingWith(String),
}

/// Removes projects and volumes on drop; see the module docs. Built with [`Cleanup::new`]
/// and the options below; [`Cleanup::now`] also cleans right away (leftovers of an earlier,
/// killed run).
#[derive(Debug)]
pub struct Cleanup {
    /// (project name, directory Compose runs in; `None`: the test's own).
    projects: Vec<(String, Option<PathBuf>)>,
    /// `down -v`: also the project's named volumes.
    down_volumes: bool,
    /// `down -t SECONDS`.
    timeout: u32,
    /// Every project name and volume name must start with this (a guard of the test bed).
    prefix: Option<String>,
    volumes: Vec<String>,
    /// (label filter `key=value`, which of the labelled volumes are ours).
    labelled: Vec<(String, Owned)>,
}

impl Cleanup {
    /// `docker compose -p PROJECT down -v -t 0 --remove-orphans` on drop.
    pub fn new(project: &str) -> Self {
        Cleanup {
            projects: vec![(project.to_string(), None)],
            down_volumes: true,
            timeout: 0,
            prefix: None,
            volumes: Vec::new(),
            labelled: Vec::new(),
        }
    }

    /// A guard with no project yet (add them with [`Cleanup::add_project`]).
    pub fn empty() -> Self {
        let mut c = Cleanup::new("");
        c.projects.clear();
        c
    }

    /// Assert that the project names and volume names start with `prefix`.
    pub fn prefix(mut self, prefix: &str) -> Self {
        for (p, _) in &self.projects {
            assert!(p.starts_with(prefix), "{p}");
        }
        for v in &self.volumes {
            assert!(v.starts_with(prefix), "{v}");
        }
        self.prefix = Some(prefix.to_string());
        self
    }

    /// `down` without `-v` (volumes are removed by name or label only).
    pub fn keep_volumes(mut self) -> Self {
        self.down_volumes = false;
        self
    }

    /// `down -t SECONDS` instead of 0.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = seconds;
        self
    }

    /// Run Compose in `dir` (for every project added so far).
    pub fn in_dir(mut self, dir: &Path) -> Self {
        for (_, d) in &mut self.projects {
            *d = Some(dir.to_path_buf());
        }
        self
    }

    /// Also remove the volume `name`.
    pub fn volume(mut self, name: &str) -> Self {
        self.add_volume(name);
        self
    }

    /// Also remove every volume labelled `label` (`key=value`) named exactly `name`.
    pub fn labelled_named(mut self, label: &str, name: &str) -> Self {
        self.labelled
            .push((label.to_string(), Owned::Exactly(name.to_string())));
        self
    }

    /// Also remove every volume labelled `label` (`key=value`) whose name starts with `start`.
    pub fn labelled_starting(mut self, label: &str, start: &str) -> Self {
        self.labelled
            .push((label.to_string(), Owned::StartingWith(start.to_string())));
        self
    }

    /// Clean right away too (leftovers of an earlier, killed run).
    pub fn now(self) -> Self {
        self.clean();
        self
    }

    pub fn add_project(&mut self, dir: Option<&Path>, name: &str) {
        if let Some(p) = &self.prefix {
            assert!(name.starts_with(p.as_str()), "{name}");
        }
        self.projects
            .push((name.to_string(), dir.map(Path::to_path_buf)));
    }

    pub fn add_volume(&mut self, name: &str) {
        if let Some(p) = &self.prefix {
            assert!(name.starts_with(p.as_str()), "{name}");
        }
        self.volumes.push(name.to_string());
    }

    /// Remove everything now; errors are ignored (there may be nothing to remove).
    pub fn clean(&self) {
        let t = self.timeout.to_string();
        for (project, dir) in &self.projects {
            let mut cmd = Command::new("docker");
            cmd.args(["compose", "-p", project, "down"]);
            if self.down_volumes {
                cmd.arg("-v");
            }
            cmd.args(["-t", &t, "--remove-orphans"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Some(d) = dir {
                cmd.current_dir(d);
            }
            let _ = cmd.status();
        }
        for v in &self.volumes {
            rm_volume(v);
        }
        for (label, owned) in &self.labelled {
            let filter = format!("label={label}");
            let listed =
                docker_try(&["volume", "ls", "-q", "--filter", &filter]).unwrap_or_default();
            for v in listed.lines() {
                let ours = match owned {
                    Owned::Exactly(n) => v == n,
                    Owned::StartingWith(s) => v.starts_with(s.as_str()),
                };
                if ours {
                    rm_volume(v);
                }
            }
        }
    }
}

fn rm_volume(name: &str) {
    let _ = Command::new("docker")
        .args(["volume", "rm", "-f", name])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.clean();
    }
}
