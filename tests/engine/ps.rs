//! `devctl ps --json` on the real Engine: the fields of a running-healthy, an unhealthy, an
//! exited, a not-created and a profile-disabled service.

use crate::common;

use std::time::{Duration, Instant};

use common::stack::{IMAGE, Stack};
use serde_json::Value;

fn ps_json(stack: &Stack) -> Value {
    let o = stack
        .devctl()
        .args(["ps", "--json"])
        .output()
        .expect("devctl ps");
    assert!(
        o.status.success(),
        "devctl ps failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("ps --json is JSON")
}

fn service<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["services"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .unwrap_or(&Value::Null)
}

#[test]
fn ps_json_fields_for_healthy_unhealthy_exited_not_created_and_disabled() {
    let stack = Stack::new(
        "ps",
        &format!(
            r#"services:
  web:
    image: {IMAGE}
    pull_policy: never
    command: ["httpd", "-f", "-p", "8080", "-h", "/"]
    ports: ["127.0.0.1:18110:8080"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:8080/etc/hostname"]
      interval: 1s
      retries: 3
  sick:
    image: {IMAGE}
    pull_policy: never
    command: ["sleep", "100000"]
    healthcheck:
      test: ["CMD-SHELL", "echo probe says no; exit 1"]
      interval: 1s
      retries: 1
  done:
    image: {IMAGE}
    pull_policy: never
    command: ["sh", "-c", "echo bye; exit 3"]
  later:
    image: {IMAGE}
    pull_policy: never
    command: ["sleep", "100000"]
  extra:
    image: {IMAGE}
    pull_policy: never
    profiles: ["debug"]
"#
        ),
    );
    stack.up(&["web", "sick", "done"]);
    // Let the health checks settle (a deadline, not a timing assertion).
    let end = Instant::now() + Duration::from_secs(40);
    let v = loop {
        let v = ps_json(&stack);
        let settled = service(&v, "web")["status"] == "healthy"
            && service(&v, "sick")["status"] == "unhealthy"
            && service(&v, "done")["status"] == "exited";
        if settled || Instant::now() > end {
            break v;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(v["project"], stack.name);

    let web = service(&v, "web");
    assert_eq!(web["status"], "healthy", "{v:#}");
    assert_eq!(web["declared"], true);
    assert_eq!(web["has_healthcheck"], true);
    let c = &web["containers"][0];
    assert_eq!(c["name"], format!("{}-web-1", stack.name));
    assert_eq!(c["number"], 1);
    assert_eq!(c["state"], "running");
    assert_eq!(c["health"], "healthy");
    assert_eq!(c["failing_streak"], 0);
    assert_eq!(c["last_probe_exit_code"], 0);
    assert_eq!(c["restart_count"], 0);
    assert_eq!(c["exit_code"], Value::Null);
    assert_eq!(c["oom_killed"], false);
    assert!(
        c["uptime_seconds"].as_i64().is_some_and(|u| u >= 0),
        "{c:#}"
    );
    assert_eq!(c["image"], IMAGE);
    assert_eq!(
        c["ports"],
        serde_json::json!([{"host_ip": "127.0.0.1", "host_port": 18110, "container_port": 8080, "protocol": "tcp"}])
    );
    assert!(
        c["config_files"]
            .as_str()
            .is_some_and(|f| f.ends_with("compose.yaml"))
    );

    let sick = service(&v, "sick");
    assert_eq!(sick["status"], "unhealthy", "{v:#}");
    let c = &sick["containers"][0];
    assert_eq!(c["state"], "running");
    assert_eq!(c["health"], "unhealthy");
    assert!(
        c["failing_streak"].as_u64().is_some_and(|n| n >= 1),
        "{c:#}"
    );
    assert_eq!(c["last_probe_output"], "probe says no\n");
    assert_eq!(c["last_probe_exit_code"], 1);

    let done = service(&v, "done");
    assert_eq!(done["status"], "exited", "{v:#}");
    let c = &done["containers"][0];
    assert_eq!(c["state"], "exited");
    assert_eq!(c["exit_code"], 3);
    assert_eq!(c["oom_killed"], false);
    assert_eq!(c["uptime_seconds"], Value::Null);
    assert!(c["finished_at"].is_string());

    let later = service(&v, "later");
    assert_eq!(later["status"], "not_created", "{v:#}");
    assert_eq!(later["containers"], serde_json::json!([]));
    assert_eq!(later["profile_disabled"], false);

    let extra = service(&v, "extra");
    assert_eq!(extra["status"], "disabled", "{v:#}");
    assert_eq!(extra["profile_disabled"], true);

    // The table names every service too.
    let o = stack.devctl().arg("ps").output().expect("devctl ps");
    let t = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "web",
        "healthy",
        "sick",
        "unhealthy",
        "exited (3)",
        "later",
        "not created",
        "disabled (profile)",
        "127.0.0.1:18110->8080/tcp",
    ] {
        assert!(t.contains(needle), "`{needle}` missing in\n{t}");
    }

    // --stats: CPU and memory from the Engine for running containers only.
    let o = stack
        .devctl()
        .args(["ps", "--stats", "--json"])
        .output()
        .expect("devctl ps --stats");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let web = &service(&v, "web")["containers"][0];
    assert!(
        web["cpu_percent"].as_f64().is_some_and(|c| c >= 0.0),
        "{web:#}"
    );
    assert!(web["mem_bytes"].as_u64().is_some_and(|m| m > 0), "{web:#}");
    assert!(web["mem_limit"].as_u64().is_some_and(|m| m > 0), "{web:#}");
    let done = &service(&v, "done")["containers"][0];
    assert!(done.get("cpu_percent").is_none(), "exited: {done:#}");
    let o = stack
        .devctl()
        .args(["ps", "--stats"])
        .output()
        .expect("devctl ps --stats");
    let t = String::from_utf8_lossy(&o.stdout);
    let header: Vec<&str> = t.lines().next().unwrap_or("").split_whitespace().collect();
    assert!(header.contains(&"CPU") && header.contains(&"MEM"), "{t}");
    let web_line = t.lines().find(|l| l.starts_with("web ")).unwrap_or("");
    assert!(web_line.contains('%') && web_line.contains("iB"), "{t}");
}
