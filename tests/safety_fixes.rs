//! Regression tests for bugs in the safety layer's commands, each run through the real binary
//! (real Engine, real Compose unless a test says otherwise).
//!
//! Project names start with `devctl-it-fixb-`; no test creates a container or a volume (each
//! fails before anything would be created), and each removes what it started.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod qa_support;

use qa_support::{Scratch, devctl};

/// A valid project `name` with service `web` and the named volume `data`.
fn project(name: &str) -> String {
    assert!(name.starts_with("devctl-it-fixb-"), "{name}");
    format!(
        "name: {name}\nservices:\n  web:\n    image: devctl-test/busybox:latest\n    \
         pull_policy: never\n    command: [\"sleep\", \"3600\"]\n    volumes:\n      - data:/data\n\
         volumes:\n  data:\n    labels:\n      devctl.test: fixb\n"
    )
}

#[test]
fn plain_down_with_the_engine_unreachable_exits_6() {
    let s = Scratch::new();
    s.write("p/compose.yaml", project("devctl-it-fixb-down"));
    let run = devctl(
        &s.opts("p").with("DOCKER_HOST", "unix:///nonexistent.sock"),
        &["down"],
    );
    assert_eq!(run.code, Some(6), "{}", run.dump());
    let err = run.err();
    assert!(
        err.contains("Docker Engine") && err.contains("unix:///nonexistent.sock"),
        "{}",
        run.dump()
    );
    // `--dry-run` still prints the command without the Engine.
    let run = devctl(
        &s.opts("p").with("DOCKER_HOST", "unix:///nonexistent.sock"),
        &["--dry-run", "down"],
    );
    assert_eq!(run.code, Some(0), "{}", run.dump());
    assert!(run.err().contains(" down"), "{}", run.dump());
}
