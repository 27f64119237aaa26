//! The test bed of the lifecycle/demo integration tests (`tests/lifecycle/`,
//! `tests/lifecycle/demo.rs`): project names start with [`PREFIX`]; every project and volume a test
//! created is removed by a Drop guard, even when the test fails.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

#[allow(unused_imports)]
pub use super::cleanup::Cleanup;
#[allow(unused_imports)]
pub use super::devctl::{Opts, Run, devctl, devctl_limit};
#[allow(unused_imports)]
pub use super::docker::{container_of, docker_ok, inspect};
#[allow(unused_imports)]
pub use super::scratch::write_tree;

/// Every project name of these tests starts with this prefix: `devctl-it-compose-PID-`, so
/// that two runs of the suites on one Engine (two checkouts, two engineers) never share a
/// project. `format!("{PREFIX}seed")` reads it; `&PREFIX` is a `&str`.
pub const PREFIX: RunPrefix = RunPrefix("devctl-it-compose-");

/// A name prefix made unique per test process (see [`PREFIX`]).
#[derive(Debug, Clone, Copy)]
pub struct RunPrefix(pub &'static str);

impl std::ops::Deref for RunPrefix {
    type Target = str;
    fn deref(&self) -> &str {
        use std::collections::HashMap;
        use std::sync::{Mutex, OnceLock};
        // One string per distinct prefix for the life of the process.
        static RUN: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
        let mut all = RUN
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        all.entry(self.0).or_insert_with(|| {
            Box::leak(format!("{}{}-", self.0, std::process::id()).into_boxed_str())
        })
    }
}

impl std::fmt::Display for RunPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// Removes `project`'s containers, networks and volumes (`down -v`) and the named extra
/// `volumes` on drop, and right away (leftovers of an earlier, killed run). Every name must
/// start with [`PREFIX`].
pub fn cleanup(project: &str, volumes: &[&str]) -> Cleanup {
    let mut c = Cleanup::new(project).prefix(&PREFIX);
    for v in volumes {
        c.add_volume(v);
    }
    c.now()
}

/// The bundled demo, copied into `dir` (same files `devctl demo` writes).
pub fn demo_tree(dir: &Path) {
    let files: Vec<(&str, &str)> = devctl::demo::FILES.to_vec();
    write_tree(dir, &files);
}

/// Environment that points the demo at test-owned ports and volume.
pub fn demo_env(opts: Opts, api_port: u16, db_port: u16, volume: &str) -> Opts {
    opts.with("DEMO_API_PORT", &api_port.to_string())
        .with("DEMO_DB_PORT", &db_port.to_string())
        .with("DEMO_DB_VOLUME", volume)
}

/// A minimal HTTP GET to 127.0.0.1:port (the demo API), returning the body.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}
