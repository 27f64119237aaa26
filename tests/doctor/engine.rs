//! doctor against the real Engine: probes looked up inside local images (containers created,
//! never started, removed again), external volumes missing or carrying Compose labels, a host
//! port already in use, drift of containers created from another file set.
//! Project names start with `devctl-it-doctor-`; host ports are in 18600-18699. Everything
//! created is removed by a Drop guard, also when a test fails.

#![allow(clippy::panic)]

use crate::common;

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use common::cleanup::Cleanup;
use common::devctl::Opts;
use common::docker::docker;
use common::doctor::*;

/// The tests share the Engine and look for leftover probe containers: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn devctl_json(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = Opts::exactly(dir, env_for(dir))
        .command(args)
        .arg("--json")
        .output()
        .expect("devctl runs");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}

fn find<'a>(v: &'a serde_json::Value, id: &str) -> Vec<&'a serde_json::Value> {
    v["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["id"] == id).collect())
        .unwrap_or_default()
}

fn probe_containers() -> String {
    String::from_utf8_lossy(
        &docker(&[
            "ps",
            "-a",
            "--filter",
            "label=devctl.doctor.probe",
            "--format",
            "{{.Names}}",
        ])
        .stdout,
    )
    .trim()
    .to_string()
}

#[test]
fn probe_binaries_are_looked_up_inside_local_images_and_nothing_is_left_behind() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixtures().join("engine-probe");
    let (code, v) = devctl_json(&dir, &["doctor"]);
    assert_eq!(v["environment"]["engine"]["status"], "ok", "{v}");
    assert!(v["environment"]["engine"]["api_version"].as_str().is_some());
    let missing = find(&v, "OPS-001-probe-missing");
    assert_eq!(missing.len(), 1, "{v:#}");
    let m = missing[0]["message"].as_str().unwrap_or("");
    assert!(
        m.contains("`web`")
            && m.contains("curl")
            && m.contains("local image `devctl-test/busybox:latest`"),
        "{m}"
    );
    assert_eq!(code, Some(1));
    assert_eq!(probe_containers(), "", "probe containers removed");
    // Offline, the same stack has no finding: `devctl-test/busybox` is not a base image whose
    // tools doctor knows from its name; curl was found missing only by looking inside.
    let (_, v) = devctl_json(&dir, &["doctor", "--offline"]);
    assert!(find(&v, "OPS-001-probe-missing").is_empty(), "{v:#}");
}

#[test]
fn external_volumes_missing_or_labelled_by_compose() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Removed now (leftovers) and at the end, whatever happens.
    let _c = Cleanup::empty()
        .volume("devctl-it-doctor-ext-ok")
        .volume("devctl-it-doctor-ext-labelled")
        .volume("devctl-it-doctor-ext-missing")
        .now();
    assert!(
        docker(&["volume", "create", "devctl-it-doctor-ext-ok"])
            .status
            .success()
    );
    assert!(
        docker(&[
            "volume",
            "create",
            "--label",
            "com.docker.compose.project=devctl-it-doctor-old",
            "--label",
            "com.docker.compose.volume=labelled",
            "devctl-it-doctor-ext-labelled",
        ])
        .status
        .success()
    );
    let (code, v) = devctl_json(&fixtures().join("engine-volumes"), &["doctor"]);
    let missing = find(&v, "DATA-001-external-volume-missing");
    assert_eq!(missing.len(), 1, "{v:#}");
    assert!(
        missing[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("devctl-it-doctor-ext-missing"))
    );
    assert_eq!(
        missing[0]["fix"],
        "docker volume create devctl-it-doctor-ext-missing"
    );
    let labelled = find(&v, "DATA-001-external-volume-compose-labels");
    assert_eq!(labelled.len(), 1, "{v:#}");
    assert!(labelled[0]["message"].as_str().is_some_and(|m| {
        m.contains("devctl-it-doctor-ext-labelled") && m.contains("devctl-it-doctor-old")
    }));
    assert!(
        !v.to_string().contains("devctl-it-doctor-ext-ok`"),
        "the clean external volume is fine: {v:#}"
    );
    assert_eq!(code, Some(1));
    // --offline skips them on purpose.
    let (_, v) = devctl_json(&fixtures().join("engine-volumes"), &["doctor", "--offline"]);
    assert!(find(&v, "DATA-001-external-volume-missing").is_empty());
    assert!(v["skipped"].as_array().is_some_and(|s| {
        s.iter()
            .any(|s| s["check"] == "external volumes on the Engine")
    }));
}

#[test]
fn host_port_already_in_use() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixtures().join("engine-port");
    let listener =
        std::net::TcpListener::bind("127.0.0.1:18650").expect("port 18650 free for the test");
    let (code, v) = devctl_json(&dir, &["doctor"]);
    let f = find(&v, "PORT-002-host-port-in-use");
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["key_path"], "services.web.ports[0]");
    assert_eq!(code, Some(1));
    drop(listener);
    let (code, v) = devctl_json(&dir, &["doctor"]);
    assert!(find(&v, "PORT-002-host-port-in-use").is_empty(), "{v:#}");
    assert_eq!(code, Some(0), "{v:#}");
}

#[test]
fn drift_of_containers_created_from_another_file_set() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixtures().join("engine-drift");
    let _c = Cleanup::new("devctl-it-doctor-drift")
        .keep_volumes()
        .in_dir(&dir);
    // Create (never start) the containers from the base file only.
    let out = Command::new("docker")
        .args(["compose", "-f", "docker-compose.yml", "create"])
        .current_dir(&dir)
        .output()
        .expect("compose create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, v) = devctl_json(&dir, &["--dev", "doctor"]);
    let f = find(&v, "DRIFT-001-config-files");
    assert_eq!(f.len(), 1, "{v:#}");
    assert!(
        f[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`web`") && m.contains("docker-compose.dev.yml")),
        "{f:?}"
    );
    // The same files as the containers: no drift.
    let (_, v) = devctl_json(&dir, &["doctor", "-f", "docker-compose.yml"]);
    assert!(find(&v, "DRIFT-001-config-files").is_empty(), "{v:#}");
}

#[test]
fn app_listening_on_loopback_only_is_found_in_the_running_container() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixtures().join("engine-loopback");
    let _c = Cleanup::new("devctl-it-doctor-loopback")
        .keep_volumes()
        .in_dir(&dir);
    let out = Command::new("docker")
        .args(["compose", "up", "-d", "--wait", "--wait-timeout", "60"])
        .current_dir(&dir)
        .output()
        .expect("compose up");
    // Both are "healthy": the probe runs inside, where loopback works.
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, v) = devctl_json(&dir, &["doctor"]);
    let f = find(&v, "OPS-001-listens-on-loopback");
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["key_path"], "services.api.ports[0]");
    let m = f[0]["message"].as_str().unwrap_or_default();
    assert!(m.contains("api listens on 127.0.0.1:8080 only"), "{m}");
    assert_eq!(code, Some(1), "an error finding");
    // What the finding warns about: through the published port, `api` answers nothing while
    // `ok` answers.
    let answers = |port: u16| {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(10)));
        let _ = s.write_all(b"GET / HTTP/1.0\r\n\r\n");
        let mut buf = [0u8; 1];
        matches!(s.read(&mut buf), Ok(n) if n > 0)
    };
    assert!(
        !answers(18661),
        "api should not be reachable through its published port"
    );
    assert!(
        answers(18662),
        "ok should answer through its published port"
    );
}
