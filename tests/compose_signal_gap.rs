//! A signal sent to devctl after it armed its signal guard but before the Compose child exists
//! is held and forwarded to the child once it is attached: devctl is not killed and Compose is
//! not orphaned (CI once saw `down -v` SIGTERMed in exactly that gap leave `compose config`
//! running). One test per binary: the guard is process-wide.

use std::process::Command;
use std::time::{Duration, Instant};

use devctl::compose::run::{ChildSignals, held_signal};
use wait_timeout::ChildExt;

#[test]
fn signal_in_the_spawn_gap_is_held_then_forwarded() {
    let guard = ChildSignals::arm();
    // SIGTERM from another process (so it counts as "sent", like `kill` or a CI runner).
    let me = std::process::id().to_string();
    let st = Command::new("kill")
        .args(["-TERM", &me])
        .status()
        .expect("kill runs");
    assert!(st.success());
    let start = Instant::now();
    while held_signal().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the SIGTERM was never held"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(held_signal(), Some(libc_sigterm()));

    let mut child = Command::new("sleep").arg("60").spawn().expect("sleep");
    guard.attach(child.id());
    let waited = child.wait_timeout(Duration::from_secs(20)).expect("wait");
    if waited.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let status = waited.expect("the held SIGTERM reached the child");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc_sigterm()), "{status:?}");
    assert_eq!(held_signal(), None);
    drop(guard);
}

fn libc_sigterm() -> i32 {
    15
}
