//! Shared helpers for the QA integration tests (`tests/cli/`, `tests/safety/destructive.rs`): run the real `devctl`
//! binary as a user would, in temp dirs, with a hang guard that kills the whole process group
//! (Compose children included), and clean up every project and volume a test created.
//!
//! Everything a QA test creates on the shared Engine is named `devctl-it-qa-…` and every volume
//! carries the label `devctl.test=qa`; host ports come from 18700–18799 only.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use super::IMAGE;
#[allow(unused_imports)]
pub use super::cleanup::Cleanup;
#[allow(unused_imports)]
pub use super::devctl::{Opts, Run, devctl};
#[allow(unused_imports)]
pub use super::docker::{docker_ok, docker_try};
#[allow(unused_imports)]
pub use super::scratch::Scratch;

/// Every project name of the QA tests starts with this.
pub const PREFIX: &str = "devctl-it-qa-";

/// A run that takes longer than this is a hang: killed and reported as a failure.
pub const HANG: Duration = Duration::from_secs(10);

/// The exit codes the README documents.
pub const DOCUMENTED: [i32; 8] = [0, 1, 2, 3, 4, 5, 6, 7];

impl Run {
    /// The problems every run must be free of: a hang, a panic, a signal, an undocumented code.
    pub fn sanity_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.hung {
            p.push(format!("hung (killed after {HANG:?})"));
        }
        let text = format!("{}{}", self.out(), self.err());
        if text.contains("panicked") || text.contains("RUST_BACKTRACE") {
            p.push("panicked".into());
        }
        if text.contains("stack overflow") {
            p.push("stack overflow".into());
        }
        match self.code {
            None if !self.hung => p.push("killed by a signal".into()),
            Some(c) if !DOCUMENTED.contains(&c) => p.push(format!("undocumented exit code {c}")),
            _ => {}
        }
        p
    }
}

impl Opts {
    /// Run in `cwd` with the user's dirs (audit log, snapshots, dashboard config) under
    /// `state`, so nothing is written to the real user's directories; none of the
    /// developer's settings; its own process group; the QA hang guard ([`HANG`]).
    pub fn isolated(cwd: &Path, state: &Path) -> Self {
        let mut set = BTreeMap::new();
        for (k, sub) in [
            ("XDG_STATE_HOME", "state"),
            ("XDG_DATA_HOME", "data"),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_CACHE_HOME", "cache"),
        ] {
            set.insert(k.to_string(), state.join(sub).display().to_string());
        }
        Opts {
            cwd: Some(cwd.to_path_buf()),
            set,
            // Variables of the developer's shell that would change what devctl resolves.
            unset: [
                "COMPOSE_FILE",
                "COMPOSE_PROJECT_NAME",
                "COMPOSE_PROFILES",
                "COMPOSE_PATH_SEPARATOR",
                "DEVCTL_ENV",
                "DEVCTL_STATE_DIR",
                "DEVCTL_DASHBOARD_CONFIG",
                "DEVCTL_READ_ONLY",
                "NO_COLOR",
                "DOCKER_HOST",
                "DOCKER_CONTEXT",
                "RUST_BACKTRACE",
            ]
            .map(String::from)
            .to_vec(),
            clear: false,
            stdin: None,
            limit: HANG,
            own_group: true,
        }
    }
}

/// Run `f` over `items` on a few threads (the calls mostly wait on processes), keeping order.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread"))
            .collect()
    })
}

/// Split a command line on spaces (the tables hold no quoted arguments).
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

impl Scratch {
    /// A temp dir named `devctl-qa-…`.
    pub fn new() -> Self {
        Scratch::with_prefix("devctl-qa-")
    }
    pub fn opts(&self, cwd_rel: &str) -> Opts {
        Opts::isolated(&self.path(cwd_rel), &self.state())
    }
}

/// A small valid project `name` with one long-running service `web` and the named volume
/// `data` (labelled `devctl.test=qa`).
pub fn simple_project(name: &str) -> String {
    assert!(name.starts_with(PREFIX), "{name}");
    format!(
        "name: {name}\nservices:\n  web:\n    image: {IMAGE}\n    pull_policy: never\n    \
         command: [\"sleep\", \"3600\"]\n    stop_grace_period: 1s\n    volumes:\n      - data:/data\n\
         volumes:\n  data:\n    labels:\n      devctl.test: qa\n"
    )
}

/// The cleanup guard of a QA project: its containers and networks, and every volume labelled
/// `devctl.test=qa` named the project or starting with `PROJECT_`; cleaned right away too.
/// Only ever what this test created: its own `devctl-it-qa-…` names.
pub fn qa_cleanup(project: &str) -> Cleanup {
    Cleanup::new(project)
        .prefix(PREFIX)
        .keep_volumes()
        .labelled_named("devctl.test=qa", project)
        .labelled_starting("devctl.test=qa", &format!("{project}_"))
        .now()
}

/// Fail with every collected problem at once (tables report all their failing rows).
pub fn report(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s)\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

/// A project whose service `noisy` is healthy within seconds, publishes `port` on 127.0.0.1
/// and logs lines full of terminal control sequences (SGR colour, OSC 52 clipboard write,
/// OSC 0 title, clear screen); its compose file also carries an ESC in a label.
pub fn noisy_project(name: &str, port: u16) -> String {
    assert!(name.starts_with(PREFIX), "{name}");
    assert!((18700..18800).contains(&port), "QA ports are 18700-18799");
    format!(
        r#"name: {name}
services:
  noisy:
    image: {IMAGE}
    pull_policy: never
    stop_grace_period: 1s
    command:
      - sh
      - -c
      - |
        trap 'exit 0' TERM
        while true; do
          printf 'plain line\n\033[31mred\033[0m \033]52;c;SGVsbG8=\007clip \033]0;title\007 \033[2J cleared\n'
          sleep 0.3
        done
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      start_period: 1s
    ports:
      - "127.0.0.1:{port}:80"
    labels:
      qa.escape: "\e]52;c;SGVsbG8=\a\e[2J"
    volumes:
      - data:/data
volumes:
  data:
    labels:
      devctl.test: qa
"#
    )
}

/// `docker compose up -d` the file, then wait (at most 60 s) until every container of the
/// project is healthy and has logged something.
pub fn up_healthy(compose_file: &Path, project: &str) {
    docker_ok(&[
        "compose",
        "-f",
        &compose_file.display().to_string(),
        "up",
        "-d",
    ]);
    let start = Instant::now();
    loop {
        let ids = docker_try(&[
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.compose.project={project}"),
        ])
        .unwrap_or_default();
        let healthy = !ids.is_empty()
            && ids.lines().all(|id| {
                docker_try(&["inspect", "-f", "{{.State.Health.Status}}", id]).as_deref()
                    == Some("healthy")
                    && docker_try(&["logs", "--tail", "1", id]).is_some_and(|l| !l.is_empty())
            });
        if healthy {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{project} did not get healthy"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}
