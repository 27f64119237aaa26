//! `devctl logs --follow` keeps following a service across `devctl restart` (same container)
//! and a re-creation (`docker compose up -d --force-recreate`: a new container id), with no duplicated and no missing lines.
//! Real Engine, real Compose.

use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::process::Lines;
use common::stack::{IMAGE, Stack};

/// Every line says which run (per container) and which container printed it, and its number.
fn ticking_service(tty: bool) -> String {
    format!(
        r#"  api:
    image: {IMAGE}
    pull_policy: never
    tty: {tty}
    stop_grace_period: 3s
    command:
      - sh
      - -c
      - |
        trap 'exit 0' TERM
        n=$$(( $$(cat /tmp/runs 2>/dev/null || echo 0) + 1 ))
        echo $$n > /tmp/runs
        h=$$(hostname)
        i=0
        while true; do i=$$((i+1)); echo "run=$$n host=$$h line=$$i"; sleep 0.1; done
"#
    )
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Tick {
    host: String,
    run: u32,
    line: u32,
}

fn parse_tick(json_line: &str) -> Option<Tick> {
    let v: serde_json::Value = serde_json::from_str(json_line).ok()?;
    let text = v["text"].as_str()?;
    let mut run = None;
    let mut host = None;
    let mut line = None;
    for part in text.split(' ') {
        match part.split_once('=') {
            Some(("run", r)) => run = r.parse().ok(),
            Some(("host", h)) => host = Some(h.to_string()),
            Some(("line", l)) => line = l.parse().ok(),
            _ => {}
        }
    }
    Some(Tick {
        host: host?,
        run: run?,
        line: line?,
    })
}

fn ticks(seen: &[String]) -> Vec<Tick> {
    seen.iter().filter_map(|l| parse_tick(l)).collect()
}

/// Per (container, run): the line numbers must be exactly 1..=n, each once.
fn assert_contiguous(seen: &[String]) -> BTreeMap<(String, u32), u32> {
    let mut groups: BTreeMap<(String, u32), Vec<u32>> = BTreeMap::new();
    for t in ticks(seen) {
        groups.entry((t.host, t.run)).or_default().push(t.line);
    }
    let mut counts = BTreeMap::new();
    for (key, lines) in groups {
        let want: Vec<u32> = (1..=lines.len() as u32).collect();
        assert_eq!(
            lines, want,
            "lines of {key:?} are not exactly 1..=n in order (duplicates or gaps)"
        );
        counts.insert(key, lines.len() as u32);
    }
    counts
}

fn follow_across_restart_and_recreate(tty: bool) {
    let stack = Stack::logs(
        if tty { "follow-tty" } else { "follow" },
        &ticking_service(tty),
    );
    stack.up_quiet();
    stack.wait_for_log("api", "line=3", Duration::from_secs(30));
    let first_id = stack.running_id("api");
    let first_host = first_id[..12].to_string();

    let mut run = Lines::spawn_capturing(stack.devctl_with(&["logs", "--follow", "--json", "api"]));
    let long = Duration::from_secs(40);
    run.expect_line("run 1, line 10", long, |l| {
        parse_tick(l).is_some_and(|t| t.run == 1 && t.line >= 10)
    });

    // Restart: same container, a new run.
    let restart = stack.devctl_output(&["restart", "api"]);
    assert!(
        restart.status.success(),
        "devctl restart api: {}",
        String::from_utf8_lossy(&restart.stderr)
    );
    run.expect_line("run 2, line 10", long, |l| {
        parse_tick(l).is_some_and(|t| t.run == 2 && t.line >= 10)
    });
    // Everything the first run printed reached devctl: compare with the Engine's own log.
    let docker_logs = std::process::Command::new("docker")
        .args(["logs", &first_id])
        .output()
        .expect("docker logs");
    let run1_in_engine = String::from_utf8_lossy(&docker_logs.stdout)
        .lines()
        .filter(|l| l.starts_with("run=1 "))
        .count() as u32;

    // Re-creation: a new container id.
    stack.compose_ok(&["up", "-d", "--force-recreate", "api"]);
    run.expect_line("the re-created container, line 10", long, |l| {
        parse_tick(l).is_some_and(|t| t.host != first_host && t.line >= 10)
    });

    let seen = run.seen.clone();
    let (code, stderr) = run.interrupt();
    assert_eq!(
        code,
        Some(0),
        "Ctrl-C ends `logs --follow` with 0; stderr:\n{stderr}"
    );

    let counts = assert_contiguous(&seen);
    assert_eq!(
        counts.get(&(first_host.clone(), 1)).copied(),
        Some(run1_in_engine),
        "devctl showed a different number of run-1 lines than the Engine logged"
    );
    assert!(counts.contains_key(&(first_host.clone(), 2)), "{counts:?}");
    assert!(
        counts.keys().any(|(h, _)| *h != first_host),
        "no line from the re-created container: {counts:?}"
    );
    // Every line is valid JSON with the fields the dashboard and scripts rely on.
    for l in &seen {
        let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
        assert_eq!(v["service"], "api");
        assert_eq!(v["container"], "api-1");
        assert!(v["timestamp"].is_string());
    }
}

#[test]
fn follow_survives_restart_and_recreation() {
    follow_across_restart_and_recreate(false);
}

#[test]
fn follow_survives_restart_and_recreation_tty() {
    follow_across_restart_and_recreate(true);
}
