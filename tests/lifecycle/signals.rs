//! A signal sent to devctl (a CI runner cancelling a job) while Compose runs reaches Compose:
//! an attached `up` stops its containers gracefully, and devctl waits for Compose and exits
//! with its code instead of dying and leaving Compose behind.

use crate::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::lifecycle::*;

#[test]
fn sigterm_to_devctl_reaches_attached_compose() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: busybox:stable\n    init: true\n    command: [\"sh\", \"-c\", \"echo started; exec sleep 3600\"]\n",
        )],
    );
    let project = format!("{PREFIX}signals");
    let _c = cleanup(&project, &[]);
    let log = std::fs::File::create(dir.path().join("devctl.log")).expect("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_devctl"))
        .args(["-p", &project, "up", "--attach"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone"))
        .stderr(log)
        .spawn()
        .expect("spawn devctl");

    let start = Instant::now();
    let running = loop {
        let id = container_of(&project, "app");
        if !id.is_empty() && inspect(&id, "{{.State.Status}}") == "running" {
            break true;
        }
        if start.elapsed() > Duration::from_secs(60) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    if !running {
        let _ = child.kill();
    }
    assert!(running, "the attached up never started the container");
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("kill");

    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break Some(st);
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = std::fs::read_to_string(dir.path().join("devctl.log")).unwrap_or_default();
    let status = status.unwrap_or_else(|| unreachable!("devctl hung after SIGTERM:\n{out}"));
    // devctl exited by itself (an exit code), not killed by the signal.
    assert!(
        status.code().is_some(),
        "devctl died of the signal: {status:?}\n{out}"
    );
    // Compose got the signal: it stopped the container gracefully.
    let id = container_of(&project, "app");
    assert_eq!(inspect(&id, "{{.State.Status}}"), "exited", "{out}");
    assert!(out.contains("Stopping"), "{out}");
}
