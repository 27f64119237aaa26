//! `devctl status --wait` on the real Engine: success with a summary; failure with the
//! probe's output, exit code 5 and a hint; a timeout.

use crate::common;

use common::stack::{IMAGE, Stack};

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn wait_succeeds_with_time_to_healthy() {
    let stack = Stack::new(
        "waitok",
        &format!(
            r#"services:
  web:
    image: {IMAGE}
    pull_policy: never
    command: ["httpd", "-f", "-p", "8080", "-h", "/"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:8080/etc/hostname"]
      interval: 1s
      start_period: 20s
  worker:
    image: {IMAGE}
    pull_policy: never
    command: ["sleep", "100000"]
"#
        ),
    );
    stack.up(&[]);
    let o = stack
        .devctl()
        .args(["status", "--wait=60"])
        .output()
        .expect("devctl");
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("✔ 2 services ready in"), "{text}");
    assert!(stdout.contains("web     healthy"), "{text}");
    assert!(
        stdout.contains("worker  running (no health check)"),
        "{text}"
    );
    // Plain progress lines on stderr (not a terminal).
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("web: "),
        "{text}"
    );

    let o = stack
        .devctl()
        .args(["status", "--wait", "--json"])
        .output()
        .expect("devctl");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["ready"], true);
    assert_eq!(v["services"][0]["verdict"], "ready");
}

#[test]
fn wait_fails_with_probe_output_exit_5_and_hint() {
    let stack = Stack::new(
        "waitbad",
        &format!(
            r#"services:
  api:
    image: {IMAGE}
    pull_policy: never
    command: ["sh", "-c", "echo api booting; echo listening on 127.0.0.1:3001; exec sleep 100000"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:3001/health"]
      interval: 1s
      retries: 2
  db:
    image: {IMAGE}
    pull_policy: never
    command: ["sleep", "100000"]
"#
        ),
    );
    stack.up(&[]);
    let o = stack
        .devctl()
        .args(["status", "--wait=60"])
        .output()
        .expect("devctl");
    let text = out(&o);
    assert_eq!(o.status.code(), Some(5), "{text}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("✖ wait failed after"), "{text}");
    assert!(stdout.contains("● api: unhealthy"), "{text}");
    assert!(stdout.contains("last health-check outputs:"), "{text}");
    assert!(
        stdout.contains("executable file not found"),
        "probe output: {text}"
    );
    assert!(stdout.contains("exit code: -   OOM-killed: no"), "{text}");
    assert!(stdout.contains("| api booting"), "log lines: {text}");
    assert!(
        stdout.contains("hint: `curl` is not in the image"),
        "{text}"
    );
    assert!(!stdout.contains("● db"), "db is fine: {text}");
}

#[test]
fn wait_times_out_on_a_service_still_starting() {
    let stack = Stack::new(
        "waitslow",
        &format!(
            r#"services:
  slow:
    image: {IMAGE}
    pull_policy: never
    command: ["sleep", "100000"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      start_period: 120s
"#
        ),
    );
    stack.up(&[]);
    let o = stack
        .devctl()
        .args(["status", "--wait=3s"])
        .output()
        .expect("devctl");
    let text = out(&o);
    assert_eq!(o.status.code(), Some(5), "{text}");
    assert!(text.contains("wait timed out after"), "{text}");
    assert!(
        text.contains("start period left"),
        "countdown shown: {text}"
    );
    assert!(
        text.contains("[") && text.contains("exit 1]"),
        "probe results: {text}"
    );
}
