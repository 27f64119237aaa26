use super::*;
use std::collections::BTreeMap;

use crate::engine::convert::container_from_inspect;
use crate::engine::listing::join;
use crate::project::Project;

const PROJECT: &str = "devctl-it-engine-fixture";

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/engine")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| format!("missing fixture {}: {e}", p.display()))
}

fn snap() -> ProjectListing {
    let v: serde_json::Value = serde_json::from_str(&fixture("compose_config.json")).expect("json");
    let project = Project::from_json(&v).expect("project");
    let cs = ["web", "sick", "oom", "clash"]
        .iter()
        .map(|n| {
            let i: bollard::models::ContainerInspectResponse =
                serde_json::from_str(&fixture(&format!("inspect_{n}.json"))).expect("inspect");
            container_from_inspect(&i, PROJECT)
        })
        .collect();
    let disabled = BTreeMap::from([("lazy".to_string(), vec!["extra".to_string()])]);
    join(PROJECT, &project, &disabled, cs)
}

fn now() -> DateTime<Utc> {
    // 100 s after the fixture's web container started (2026-11-21T19:50:51.4…Z).
    DateTime::parse_from_rfc3339("2026-11-21T19:52:31.9Z")
        .expect("time")
        .with_timezone(&Utc)
}

#[test]
fn json_has_the_issue_fields() {
    let s = snap();
    let v = serde_json::to_value(json_view(&s, now(), None)).expect("json");
    assert_eq!(v["project"], PROJECT);
    let svc = |n: &str| {
        v["services"]
            .as_array()
            .expect("array")
            .iter()
            .find(|s| s["name"] == n)
            .cloned()
            .expect(n)
    };
    let web = svc("web");
    assert_eq!(web["status"], "healthy");
    let c = &web["containers"][0];
    for key in [
        "state",
        "health",
        "failing_streak",
        "last_probe_output",
        "restart_count",
        "exit_code",
        "oom_killed",
        "uptime_seconds",
        "ports",
        "image",
        "number",
    ] {
        assert!(c.get(key).is_some(), "missing {key}: {c}");
    }
    assert_eq!(c["state"], "running");
    assert_eq!(c["health"], "healthy");
    assert_eq!(c["number"], 1);
    assert!(
        c["uptime_seconds"]
            .as_i64()
            .is_some_and(|u| (95..=105).contains(&u)),
        "{c}"
    );
    assert_eq!(c["ports"][0]["host_port"], 18101);
    let sick = svc("sick");
    assert_eq!(sick["status"], "unhealthy");
    assert_eq!(
        sick["containers"][0]["last_probe_output"],
        "probe says no\n"
    );
    assert_eq!(sick["containers"][0]["failing_streak"], 14);
    let oom = svc("oom");
    assert_eq!(oom["status"], "exited");
    assert_eq!(oom["containers"][0]["exit_code"], 137);
    assert_eq!(oom["containers"][0]["oom_killed"], true);
    assert!(oom["containers"][0]["uptime_seconds"].is_null());
    let done = svc("done");
    assert_eq!(done["status"], "not_created");
    assert_eq!(done["containers"], serde_json::json!([]));
    assert_eq!(svc("lazy")["status"], "disabled");
    assert_eq!(svc("clash")["status"], "cannot_start");
    assert!(
        svc("clash")["containers"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("port is already allocated"))
    );
}

#[test]
fn table_lists_every_service() {
    let t = table(&snap(), now(), false, None);
    let lines: Vec<&str> = t.lines().collect();
    assert!(lines[0].starts_with("SERVICE"), "{t}");
    let find = |svc: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{svc} ")))
            .copied()
            .unwrap_or("")
    };
    assert!(find("web").contains("healthy"), "{t}");
    assert!(find("web").contains("127.0.0.1:18101->8080/tcp"), "{t}");
    assert!(find("web").contains("1m4"), "uptime ~1m40s: {t}");
    assert!(find("sick").contains("unhealthy x14"), "{t}");
    assert!(find("oom").contains("exited (137) OOM"), "{t}");
    assert!(find("done").contains("not created"), "{t}");
    assert!(find("lazy").contains("disabled (profile)"), "{t}");
    assert!(find("clash").contains("cannot start"), "{t}");
    assert!(!t.contains('\u{1b}'));
    assert!(table(&snap(), now(), true, None).contains("\u{1b}[32mhealthy\u{1b}[0m"));
}

#[test]
fn human_duration_table() {
    for (s, want) in [
        (0, "0s"),
        (59, "59s"),
        (61, "1m01s"),
        (3700, "1h01m"),
        (90000, "1d01h"),
        (-3, "0s"),
    ] {
        assert_eq!(human_duration(s), want);
    }
}

#[test]
fn stats_add_cpu_and_mem_columns_and_json_fields() {
    let s = snap();
    let web = s
        .services
        .iter()
        .find(|x| x.name == "web")
        .and_then(|x| x.containers.first())
        .expect("web container");
    let usage: UsageById = [(
        web.id.clone(),
        Usage {
            cpu_percent: 12.345,
            mem_bytes: 3 * 1024 * 1024,
            mem_limit: 1 << 30,
        },
    )]
    .into_iter()
    .collect();
    let t = table(&s, now(), false, Some(&usage));
    let lines: Vec<&str> = t.lines().collect();
    let cols: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        cols,
        [
            "SERVICE", "#", "STATUS", "RESTARTS", "UP", "PORTS", "CPU", "MEM", "IMAGE"
        ],
        "{t}"
    );
    let web_line = lines
        .iter()
        .find(|l| l.starts_with("web "))
        .expect("web row");
    assert!(web_line.contains("12.3%"), "{t}");
    assert!(web_line.contains("3.0 MiB"), "{t}");
    // Columns stay aligned: the IMAGE header starts where web's image does.
    let image_at = lines[0].find("IMAGE").expect("IMAGE");
    assert_eq!(&web_line[image_at..image_at + 1], &web.image[..1], "{t}");
    // Without samples (not running, or no --stats) there is nothing to show.
    assert!(!table(&s, now(), false, None).contains("CPU"));
    let v = serde_json::to_value(json_view(&s, now(), Some(&usage))).expect("json");
    let c = &v["services"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == "web"))
        .expect("web")["containers"][0];
    assert_eq!(c["cpu_percent"], 12.35);
    assert_eq!(c["mem_bytes"], 3 * 1024 * 1024);
    let plain = serde_json::to_value(json_view(&s, now(), None)).expect("json");
    assert!(
        !plain.to_string().contains("cpu_percent"),
        "no stats fields without --stats"
    );
}
