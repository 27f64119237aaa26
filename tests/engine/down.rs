//! Engine unreachable: exit 6 within 2 s with a message naming the endpoint and what to do.

use crate::common;

use std::time::{Duration, Instant};

use common::stack::{IMAGE, Stack};

fn stack() -> Stack {
    Stack::new(
        "down",
        &format!("services:\n  a:\n    image: {IMAGE}\n    pull_policy: never\n"),
    )
}

fn run(stack: &Stack, host: &str, args: &[&str]) -> (Option<i32>, String, Duration) {
    let t = Instant::now();
    let o = stack
        .devctl()
        .env("DOCKER_HOST", host)
        .args(args)
        .output()
        .expect("devctl runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).to_string(),
        t.elapsed(),
    )
}

#[test]
fn missing_socket_exits_6_fast_for_every_engine_command() {
    let s = stack();
    for args in [
        &["ps"][..],
        &["ps", "--json"],
        &["status"],
        &["status", "--watch"],
        &["status", "--wait=30"],
    ] {
        let (code, err, took) = run(&s, "unix:///nonexistent.sock", args);
        assert_eq!(code, Some(6), "{args:?}: {err}");
        assert!(took < Duration::from_secs(2), "{args:?} took {took:?}");
        assert!(err.contains("unix:///nonexistent.sock"), "{args:?}: {err}");
        assert!(err.contains("DOCKER_HOST"), "{args:?}: {err}");
        assert!(err.contains("hint:"), "{args:?}: {err}");
    }
}

#[test]
fn silent_tcp_endpoint_exits_6_within_2s() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    // Accept and hold connections without ever answering.
    let _holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    let s = stack();
    let (code, err, took) = run(&s, &format!("tcp://127.0.0.1:{port}"), &["ps"]);
    assert_eq!(code, Some(6), "{err}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(err.contains("did not answer"), "{err}");
}
