//! devctl on a real multi-node Docker Swarm: three dockerds, each in a network namespace of its
//! own, started by `scripts/swarm-testbed` and torn down when the last test using it ends
//! (also when a test fails). Needs root (network namespaces); every stack, volume and file is
//! named `devctl-it-h13-…`.

#![allow(clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use common::devctl::{Opts, Run, devctl};
use common::process::Lines;
use common::scratch::Scratch;

const IMAGE: &str = common::IMAGE;

/// The shared test bed: started by the first test that needs it, removed by the last one.
struct Bed {
    name: String,
    manager: String,
    /// (hostname, endpoint), manager first.
    nodes: Vec<(String, String)>,
}

static BED: Mutex<(usize, Option<std::sync::Arc<Bed>>)> = Mutex::new((0, None));

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/swarm-testbed")
}

/// A test's hold on the test bed; the last one dropped tears it down.
struct Hold(std::sync::Arc<Bed>);

impl Drop for Hold {
    fn drop(&mut self) {
        let mut g = BED.lock().unwrap_or_else(|e| e.into_inner());
        g.0 -= 1;
        if g.0 == 0
            && let Some(bed) = g.1.take()
        {
            let out = Command::new(script()).args(["down", &bed.name]).output();
            if let Ok(o) = out
                && !o.status.success()
            {
                eprintln!("swarm-testbed down: {}", String::from_utf8_lossy(&o.stderr));
            }
        }
    }
}

fn hold() -> Hold {
    let mut g = BED.lock().unwrap_or_else(|e| e.into_inner());
    if g.1.is_none() {
        let name = format!("h13it{}", std::process::id());
        let out = Command::new(script())
            .args(["up", &name, "3"])
            .output()
            .expect("run scripts/swarm-testbed");
        if !out.status.success() {
            let _ = Command::new(script()).args(["down", &name]).output();
            panic!(
                "swarm-testbed up failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut manager = String::new();
        let mut nodes = Vec::new();
        for line in text.lines() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["manager", ep] => manager = ep.to_string(),
                ["node", host, ep] => nodes.push((host.to_string(), ep.to_string())),
                _ => {}
            }
        }
        g.1 = Some(std::sync::Arc::new(Bed {
            name,
            manager,
            nodes,
        }));
    }
    g.0 += 1;
    Hold(g.1.clone().expect("bed"))
}

impl Bed {
    fn docker(&self, node: usize, args: &[&str]) -> std::process::Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", &self.nodes[node].1)
            .env_remove("DOCKER_CONTEXT")
            .output()
            .expect("docker")
    }
    fn docker_ok(&self, node: usize, args: &[&str]) -> String {
        let o = self.docker(node, args);
        assert!(
            o.status.success(),
            "docker {args:?} on {}: {}",
            self.nodes[node].0,
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    /// The `devctl.yaml` of a project whose `prod` environment is this Swarm.
    fn devctl_yaml(&self, stack: &str, extra_nodes: &[(&str, &str)]) -> String {
        let mut s = format!(
            "environments:\n  prod:\n    target: swarm\n    context: {}\n    stack: {stack}\n    nodes:\n",
            self.manager
        );
        for (h, ep) in self.nodes.iter().skip(1) {
            let ep = extra_nodes
                .iter()
                .find(|(n, _)| n == h)
                .map_or(ep.as_str(), |(_, e)| e);
            s.push_str(&format!("      {h}: {ep}\n"));
        }
        s
    }
    /// Put `content` in file `s` of volume `vol` on node `node` (creating the volume).
    fn put(&self, node: usize, vol: &str, content: &str) {
        self.docker_ok(
            node,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                &format!("{vol}:/d"),
                IMAGE,
                "sh",
                "-c",
                &format!("echo {content} > /d/s"),
            ],
        );
    }
    fn get(&self, node: usize, vol: &str) -> Option<String> {
        if !self
            .docker(node, &["volume", "inspect", vol])
            .status
            .success()
        {
            return None;
        }
        let o = self.docker(
            node,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                &format!("{vol}:/d"),
                IMAGE,
                "cat",
                "/d/s",
            ],
        );
        Some(String::from_utf8_lossy(&o.stdout).trim().to_string())
    }
    /// Remove a stack and its volumes on every node (the test's own cleanup).
    fn cleanup(&self, stack: &str, volumes: &[&str]) {
        let _ = self.docker(0, &["stack", "rm", stack]);
        for i in 0..self.nodes.len() {
            for _ in 0..40 {
                let left = self.docker(
                    i,
                    &[
                        "ps",
                        "-aq",
                        "--filter",
                        &format!("label=com.docker.stack.namespace={stack}"),
                    ],
                );
                if String::from_utf8_lossy(&left.stdout).trim().is_empty() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            for v in volumes {
                let _ = self.docker(i, &["volume", "rm", "-f", v]);
            }
        }
    }
}

/// Removes the test's stacks and volumes on drop (before the hold on the bed goes).
struct Clean<'a> {
    bed: &'a Bed,
    stacks: Vec<(String, Vec<String>)>,
}

impl Drop for Clean<'_> {
    fn drop(&mut self) {
        for (s, vols) in &self.stacks {
            let v: Vec<&str> = vols.iter().map(String::as_str).collect();
            self.bed.cleanup(s, &v);
        }
    }
}

fn opts(dir: &Path, scratch: &Scratch) -> Opts {
    Opts::new(dir)
        .with("DEVCTL_STATE_DIR", &scratch.state().display().to_string())
        .with("NO_COLOR", "1")
        .limit(Duration::from_secs(180))
}

fn code(r: &Run) -> Option<i32> {
    r.code
}

/// A seed-like project: base + prod layer in `docker/`, `.env` beside them, `devctl.yaml` at
/// the root. `web` runs 3 replicas, one per node, with a health check and a named volume.
fn seedlike(s: &Scratch, bed: &Bed, stack: &str) -> PathBuf {
    s.write(
        "docker/docker-compose.yml",
        "services:\n  web:\n    image: ${IMAGE}\n    command: [\"sh\", \"-c\", \"while true; do echo web $$MODE $$(hostname); sleep 1; done\"]\n    environment:\n      MODE: ${MODE}\n    healthcheck: {test: [\"CMD\", \"true\"], interval: 1s}\n    volumes: [data:/data]\n    stop_grace_period: 1s\n  db:\n    image: ${IMAGE}\n    command: [\"sh\", \"-c\", \"sleep 100000\"]\n    restart: always\n    stop_grace_period: 1s\nvolumes:\n  data: {}\n",
    );
    s.write(
        "docker/docker-compose.prod.yml",
        "services:\n  web:\n    deploy:\n      replicas: 3\n      endpoint_mode: dnsrr\n      placement: {max_replicas_per_node: 1}\n  db:\n    deploy:\n      endpoint_mode: dnsrr\n",
    );
    s.write("docker/.env", format!("IMAGE={IMAGE}\nMODE=from-dotenv\n"));
    s.write("devctl.yaml", bed.devctl_yaml(stack, &[]));
    s.path("docker")
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.dump()))
}

#[test]
fn devctl_it_h13_deploy_wait_then_ps_json_lists_tasks_on_several_nodes() {
    let h = hold();
    let bed = &*h.0;
    let stack = "devctl-it-h13-seed";
    let _c = Clean {
        bed,
        stacks: vec![(stack.into(), vec![format!("{stack}_data")])],
    };
    let s = Scratch::with_prefix("devctl-it-h13-seed-");
    let dir = seedlike(&s, bed, stack);
    let r = devctl(
        &opts(&dir, &s),
        &["--prod", "deploy", "--wait", "--timeout", "120"],
    );
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    assert!(
        r.err()
            .contains("+ docker stack deploy --resolve-image never -c "),
        "{}",
        r.dump()
    );
    assert!(
        r.err().contains("moby#29133"),
        "the .env translation is reported:\n{}",
        r.dump()
    );
    assert!(
        r.err().contains("every task is running and healthy"),
        "{}",
        r.dump()
    );
    // The .env value reached the service: the stack file carried it.
    let env = bed.docker_ok(
        0,
        &[
            "service",
            "inspect",
            &format!("{stack}_web"),
            "--format",
            "{{json .Spec.TaskTemplate.ContainerSpec.Env}}",
        ],
    );
    assert!(env.contains("MODE=from-dotenv"), "{env}");

    let r = devctl(&opts(&dir, &s), &["--prod", "ps", "--json"]);
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    let j = json(&r);
    assert_eq!(j["stack"], stack);
    let services = j["services"].as_array().expect("services");
    let names: Vec<&str> = services
        .iter()
        .filter_map(|s| s["service"].as_str())
        .collect();
    assert_eq!(names, vec!["db", "web"], "{j}");
    let web = &services[1];
    assert_eq!(
        (web["desired"].as_u64(), web["running"].as_u64()),
        (Some(3), Some(3)),
        "{j}"
    );
    assert_eq!(services[0]["desired"], 1);
    let mut nodes = std::collections::BTreeSet::new();
    for t in web["tasks"].as_array().expect("tasks") {
        assert_eq!(t["state"], "running", "{t}");
        assert_eq!(t["health"], "healthy", "{t}");
        nodes.insert(t["node"].as_str().expect("node").to_string());
    }
    assert!(nodes.len() >= 2, "tasks on at least two nodes: {nodes:?}");
    let hosts: Vec<&str> = bed.nodes.iter().map(|(h, _)| h.as_str()).collect();
    assert!(
        nodes.iter().all(|n| hosts.contains(&n.as_str())),
        "{nodes:?} vs {hosts:?}"
    );
}

#[test]
fn devctl_it_h13_report_names_ignored_and_refused_keys_with_files_then_the_flag_deploys() {
    let h = hold();
    let bed = &*h.0;
    let stack = "devctl-it-h13-keys";
    let _c = Clean {
        bed,
        stacks: vec![(stack.into(), vec![])],
    };
    let s = Scratch::with_prefix("devctl-it-h13-keys-");
    s.write(
        "compose.yaml",
        format!("services:\n  api:\n    build: .\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    container_name: devctl-it-h13-api\n    depends_on:\n      db: {{condition: service_healthy}}\n    stop_grace_period: 1s\n  db:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    healthcheck: {{test: [\"CMD\", \"true\"], interval: 1s}}\n    stop_grace_period: 1s\n"),
    );
    s.write(
        "compose.prod.yaml",
        "services:\n  api:\n    restart: always\n",
    );
    s.write("devctl.yaml", bed.devctl_yaml(stack, &[]));
    let dir = s.dir.path().to_path_buf();
    let r = devctl(&opts(&dir, &s), &["--prod", "deploy"]);
    assert_eq!(code(&r), Some(4), "refused by default:\n{}", r.dump());
    let err = r.err();
    for want in [
        "REFUSED    services.api.depends_on.db.condition (compose.yaml)",
        "[--accept depends_on]",
        "ignored    services.api.container_name (compose.yaml)",
        "translated services.api.restart (compose.prod.yaml): written as deploy.restart_policy.condition: any",
        "ignored    services.api.build (compose.yaml): Swarm never builds",
        "--accept depends_on",
        "nothing was deployed",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(r.plus_lines().is_empty(), "nothing ran:\n{}", r.dump());
    let ls = bed.docker_ok(0, &["service", "ls", "--format", "{{.Name}}"]);
    assert!(!ls.contains(stack), "{ls}");

    let r = devctl(
        &opts(&dir, &s),
        &[
            "--prod",
            "deploy",
            "--accept",
            "depends_on",
            "--wait",
            "--timeout",
            "90",
        ],
    );
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    assert!(
        r.err()
            .contains("accepted   services.api.depends_on.db.condition"),
        "{}",
        r.dump()
    );
    let ls = bed.docker_ok(0, &["service", "ls", "--format", "{{.Name}}"]);
    assert!(
        ls.contains(&format!("{stack}_api")) && ls.contains(&format!("{stack}_db")),
        "{ls}"
    );
}

#[test]
fn devctl_it_h13_killed_task_shows_in_status_watch_dashboard_and_logs_follow() {
    let h = hold();
    let bed = &*h.0;
    let stack = "devctl-it-h13-kill";
    let _c = Clean {
        bed,
        stacks: vec![(stack.into(), vec![format!("{stack}_data")])],
    };
    let s = Scratch::with_prefix("devctl-it-h13-kill-");
    let dir = seedlike(&s, bed, stack);
    let o = opts(&dir, &s);
    let r = devctl(&o, &["--prod", "deploy", "--wait", "--timeout", "120"]);
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    let mut watch = Lines::spawn(o.command(&["--prod", "status", "--watch"]));
    watch.expect_line("the first table", Duration::from_secs(20), |l| {
        l.contains(".3") && l.contains("running")
    });
    let mut logs = Lines::spawn(o.command(&["--prod", "logs", "-f", "web"]));
    // The dashboard, in a real terminal.
    let tm = common::tmux::Tmux::new("h13swarm", 200, 50, &dir);
    tm.line(&format!("{} --prod", env!("CARGO_BIN_EXE_devctl")));
    tm.wait_for("the dashboard's tasks", Duration::from_secs(30), |sc| {
        sc.contains("task changes") && sc.matches("healthy").count() >= 3
    })
    .unwrap_or_else(|e| panic!("{e}"));
    // The worker node n2 and its web task.
    let (host, _) = bed.nodes[1].clone();
    logs.expect_line(
        "a line from the worker's task",
        Duration::from_secs(20),
        |l| l.contains(&format!("@{host} | web from-dotenv")),
    );
    let id = bed.docker_ok(
        1,
        &[
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.swarm.service.name={stack}_web"),
        ],
    );
    let id = id.trim().to_string();
    assert!(!id.is_empty(), "a web task runs on {host}");
    let old_task = bed.docker_ok(
        1,
        &[
            "inspect",
            &id,
            "--format",
            "{{index .Config.Labels \"com.docker.swarm.task.id\"}}",
        ],
    );
    let old_short: String = old_task.trim().chars().take(12).collect();
    bed.docker_ok(1, &["kill", &id]);
    watch.expect_line("the failure", Duration::from_secs(30), |l| {
        l.contains(&format!("({old_short}) on {host}"))
            && l.contains("-> failed")
            && l.contains("non-zero exit (137)")
    });
    watch.expect_line("the replacement running", Duration::from_secs(60), |l| {
        l.contains(&format!("on {host}"))
            && l.contains("-> running (healthy)")
            && !l.contains(&old_short)
    });
    let screen = tm
        .wait_for(
            "the failure and the replacement on the dashboard",
            Duration::from_secs(60),
            |sc| {
                sc.lines().any(|l| {
                    l.contains(&format!("({old_short}) on {host}")) && l.contains("-> failed")
                }) && sc.lines().any(|l| {
                    l.contains(&format!("on {host}"))
                        && l.contains("-> running")
                        && !l.contains(&old_short)
                })
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(screen.contains("non-zero exit (137)"), "{screen}");
    tm.keys(&["q"]);
    // The logs go on with the replacement task, named by its own id, on the same stream.
    logs.expect_line(
        "a line from the replacement task",
        Duration::from_secs(30),
        |l| l.contains(&format!("@{host} | web from-dotenv")) && !l.contains(&old_short),
    );
    assert!(
        logs.seen.iter().any(|l| l.contains(&old_short)),
        "lines of the old task were followed too:\n{}",
        logs.seen.join("\n")
    );
    assert!(watch.still_running() && logs.still_running());
}

#[test]
fn devctl_it_h13_probe_that_never_passes_fails_the_wait_with_its_output() {
    let h = hold();
    let bed = &*h.0;
    let stack = "devctl-it-h13-probe";
    let _c = Clean {
        bed,
        stacks: vec![(stack.into(), vec![])],
    };
    let s = Scratch::with_prefix("devctl-it-h13-probe-");
    s.write(
        "compose.yaml",
        format!("services:\n  sick:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    healthcheck:\n      test: [\"CMD\", \"sh\", \"-c\", \"echo devctl-it-h13-probe-says-no; exit 1\"]\n      interval: 1s\n      retries: 1\n    stop_grace_period: 1s\n"),
    );
    s.write(
        "compose.prod.yaml",
        "services:\n  sick:\n    deploy:\n      endpoint_mode: dnsrr\n",
    );
    s.write("devctl.yaml", bed.devctl_yaml(stack, &[]));
    let r = devctl(
        &opts(s.dir.path(), &s),
        &["--prod", "deploy", "--wait", "--timeout", "90"],
    );
    assert_eq!(code(&r), Some(5), "{}", r.dump());
    let err = r.err();
    assert!(
        err.contains("stack `devctl-it-h13-probe` is not healthy"),
        "{err}"
    );
    assert!(err.contains("unhealthy"), "the task error:\n{err}");
    assert!(
        err.contains("probe exit 1: devctl-it-h13-probe-says-no"),
        "the probe's output:\n{err}"
    );
}

/// Swarm deletes a task's anonymous volumes with its container, so a plain `down` destroys
/// them: without a terminal and `--confirm` it is refused with the plan (the stack stays);
/// `--confirm PROJECT` goes through and is audited.
#[test]
fn devctl_it_h13_plain_down_of_a_stack_with_anonymous_volumes_is_gated() {
    let h = hold();
    let bed = &*h.0;
    let stack = "devctl-it-h13-anon";
    let _c = Clean {
        bed,
        stacks: vec![(stack.into(), vec![])],
    };
    let s = Scratch::with_prefix("devctl-it-h13-anon-");
    s.write(
        "compose.yaml",
        format!("name: {stack}\nservices:\n  db:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    volumes: [/var/lib/data]\n    stop_grace_period: 1s\n"),
    );
    s.write(
        "compose.prod.yaml",
        "services:\n  db:\n    deploy:\n      endpoint_mode: dnsrr\n",
    );
    s.write("devctl.yaml", bed.devctl_yaml(stack, &[]));
    let o = opts(s.dir.path(), &s);
    let r = devctl(&o, &["--prod", "deploy", "--wait", "--timeout", "90"]);
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    let services = || bed.docker_ok(0, &["stack", "services", "-q", stack]);
    let r = devctl(&o.clone().stdin(b""), &["--prod", "down"]);
    assert_eq!(code(&r), Some(4), "{}", r.dump());
    let err = r.err();
    assert!(
        err.contains("db: anonymous volume at /var/lib/data"),
        "{err}"
    );
    assert!(err.contains(&format!("--confirm {stack}")), "{err}");
    assert!(
        !services().trim().is_empty(),
        "the stack was removed: {err}"
    );
    let r = devctl(
        &o.clone().stdin(b""),
        &["--prod", "down", "--confirm", "wrong"],
    );
    assert_eq!(code(&r), Some(4), "{}", r.dump());
    assert!(!services().trim().is_empty(), "the stack was removed");
    let r = devctl(&o, &["--prod", "down", "--confirm", stack]);
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    assert!(services().trim().is_empty(), "the stack is still there");
    assert_eq!(
        common::audit::decisions(&s.state()),
        ["refused", "refused", "confirmed-flag"]
    );
}

#[test]
fn devctl_it_h13_down_v_is_gated_and_removes_exactly_the_planned_volumes_on_every_node() {
    let h = hold();
    let bed = &*h.0;
    let stack = "devctl-it-h13-down";
    let other = "devctl-it-h13-other";
    let ext = "devctl-it-h13-ext";
    let _c = Clean {
        bed,
        stacks: vec![
            (stack.into(), vec![format!("{stack}_data"), ext.into()]),
            (other.into(), vec![format!("{other}_data")]),
        ],
    };
    let n = bed.nodes.len();
    // Another stack's volume and an external volume on every node, each with a sentinel.
    for i in 0..n {
        bed.put(i, ext, "ext-sentinel");
    }
    let so = Scratch::with_prefix("devctl-it-h13-other-");
    let odir = seedlike(&so, bed, other);
    let r = devctl(
        &opts(&odir, &so),
        &["--prod", "deploy", "--wait", "--timeout", "120"],
    );
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    for i in 0..n {
        bed.put(i, &format!("{other}_data"), "other-sentinel");
    }
    let s = Scratch::with_prefix("devctl-it-h13-down-");
    let dir = seedlike(&s, bed, stack);
    s.write(
        "docker/docker-compose.prod.yml",
        format!("services:\n  web:\n    volumes: [ext:/ext]\n    deploy:\n      replicas: 3\n      endpoint_mode: dnsrr\n      placement: {{max_replicas_per_node: 1}}\n  db:\n    deploy:\n      endpoint_mode: dnsrr\nvolumes:\n  ext: {{external: true, name: {ext}}}\n"),
    );
    let o = opts(&dir, &s);
    let r = devctl(&o, &["--prod", "deploy", "--wait", "--timeout", "120"]);
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    let data = format!("{stack}_data");
    for i in 0..n {
        bed.put(i, &data, "doomed");
    }
    // No terminal, no --confirm: refused, nothing removed.
    let r = devctl(&o.clone().stdin(b""), &["--prod", "down", "-v"]);
    assert_eq!(code(&r), Some(4), "{}", r.dump());
    assert!(r.err().contains("--confirm docker"), "{}", r.dump());
    for (h, _) in &bed.nodes {
        assert!(
            r.err().contains(&format!("remove  {data:<24} on {h}")),
            "every node in the plan:\n{}",
            r.dump()
        );
    }
    assert!(
        !r.err().contains(ext) || !r.err().contains(&format!("remove  {ext}")),
        "{}",
        r.dump()
    );
    let ls = bed.docker_ok(0, &["service", "ls", "--format", "{{.Name}}"]);
    assert!(
        ls.contains(&format!("{stack}_web")),
        "stack intact after the refusal: {ls}"
    );
    for i in 0..n {
        assert_eq!(bed.get(i, &data).as_deref(), Some("doomed"), "node {i}");
    }
    // Confirmed: the stack goes, exactly the planned volumes go, node by node.
    let r = devctl(&o, &["--prod", "down", "-v", "--confirm", "docker"]);
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    assert!(
        r.err().contains(&format!("+ docker stack rm {stack}")),
        "{}",
        r.dump()
    );
    let ls = bed.docker_ok(0, &["service", "ls", "--format", "{{.Name}}"]);
    assert!(!ls.contains(&format!("{stack}_")), "{ls}");
    for i in 0..n {
        let h = &bed.nodes[i].0;
        assert!(
            r.err().contains(&format!("removed volume {data} on {h}")),
            "{}",
            r.dump()
        );
        assert_eq!(bed.get(i, &data), None, "{data} gone on {h}");
        assert_eq!(
            bed.get(i, ext).as_deref(),
            Some("ext-sentinel"),
            "external volume on {h}"
        );
        assert_eq!(
            bed.get(i, &format!("{other}_data")).as_deref(),
            Some("other-sentinel"),
            "other stack's volume on {h}"
        );
    }
    let audit = std::fs::read_to_string(s.state().join("audit.jsonl")).unwrap_or_default();
    assert!(
        audit.contains("\"refused\"") && audit.contains("\"performed\""),
        "{audit}"
    );
}

#[test]
fn devctl_it_h13_bad_targets_are_clear_errors_and_remove_nothing() {
    let h = hold();
    let bed = &*h.0;
    let stack = "devctl-it-h13-bad";
    let _c = Clean {
        bed,
        stacks: vec![(stack.into(), vec![format!("{stack}_data")])],
    };
    let s = Scratch::with_prefix("devctl-it-h13-bad-");
    let dir = seedlike(&s, bed, stack);
    let o = opts(&dir, &s);
    // 1. The endpoint is a worker, not a manager: exit 3, nothing deployed.
    let worker = bed
        .devctl_yaml(stack, &[])
        .replace(&bed.manager, &bed.nodes[1].1);
    s.write("devctl.yaml", &worker);
    let r = devctl(&o, &["--prod", "deploy"]);
    assert_eq!(code(&r), Some(3), "{}", r.dump());
    assert!(
        r.err()
            .contains("is a Swarm worker, not a manager; nothing was done"),
        "{}",
        r.dump()
    );
    assert!(r.plus_lines().is_empty(), "{}", r.dump());
    // 2. A bad value in devctl.yaml names the file and line.
    s.write(
        "devctl.yaml",
        "environments:\n  prod:\n    target: swarmm\n",
    );
    let r = devctl(&o, &["--prod", "ps"]);
    assert_eq!(code(&r), Some(3), "{}", r.dump());
    assert!(
        r.err()
            .contains("devctl.yaml:3: environments.prod.target: \"swarmm\" is not a target"),
        "{}",
        r.dump()
    );
    // Deploy for real for the next two cases.
    s.write("devctl.yaml", bed.devctl_yaml(stack, &[]));
    let r = devctl(&o, &["--prod", "deploy", "--wait", "--timeout", "120"]);
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    // 3. A node cannot be reached: down -v lists it and removes nothing (exit 6).
    let (h3, _) = bed.nodes[2].clone();
    s.write(
        "devctl.yaml",
        bed.devctl_yaml(
            stack,
            &[(h3.as_str(), "unix:///nonexistent/devctl-it-h13.sock")],
        ),
    );
    let r = devctl(&o, &["--prod", "down", "-v", "--confirm", "docker"]);
    assert_eq!(code(&r), Some(6), "{}", r.dump());
    assert!(
        r.err().contains(&format!("UNREACHABLE node {h3}")),
        "{}",
        r.dump()
    );
    assert!(r.err().contains("nothing was removed"), "{}", r.dump());
    assert!(r.plus_lines().is_empty(), "{}", r.dump());
    let ls = bed.docker_ok(0, &["service", "ls", "--format", "{{.Name}}"]);
    assert!(ls.contains(&format!("{stack}_web")), "{ls}");
    // 4. The stack name is taken by another project: deploy and down refuse (exit 4).
    let s2 = Scratch::with_prefix("devctl-it-h13-bad2-");
    s2.write("compose.yaml", format!("name: devctl-it-h13-intruder\nservices:\n  x:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n"));
    s2.write("devctl.yaml", bed.devctl_yaml(stack, &[]));
    s2.write("compose.prod.yaml", "services: {}\n");
    let o2 = opts(s2.dir.path(), &s2);
    for args in [
        &["--prod", "deploy"][..],
        &[
            "--prod",
            "down",
            "-v",
            "--confirm",
            "devctl-it-h13-intruder",
        ][..],
    ] {
        let r = devctl(&o2, args);
        assert_eq!(code(&r), Some(4), "{}", r.dump());
        assert!(
            r.err().contains(&format!(
                "the stack name `{stack}` is taken by project `docker`"
            )),
            "{}",
            r.dump()
        );
        assert!(r.plus_lines().is_empty(), "{}", r.dump());
    }
    let ls = bed.docker_ok(0, &["service", "ls", "--format", "{{.Name}}"]);
    assert!(
        ls.contains(&format!("{stack}_web")) && !ls.contains(&format!("{stack}_x")),
        "{ls}"
    );
}

#[test]
fn devctl_it_h13_volume_rm_and_prune_plan_the_stacks_volumes_on_every_node() {
    let h = hold();
    let bed = &*h.0;
    let stack = "devctl-it-h13-vol";
    let other = "devctl-it-h13-vol2";
    let (cache, logs, foreign) = (
        format!("{stack}_cache"),
        format!("{stack}_logs"),
        format!("{other}_cache"),
    );
    let _c = Clean {
        bed,
        stacks: vec![(
            stack.into(),
            vec![cache.clone(), logs.clone(), foreign.clone()],
        )],
    };
    let n = bed.nodes.len();
    for i in 0..n {
        for (v, st) in [(&cache, stack), (&logs, stack), (&foreign, other)] {
            bed.docker_ok(
                i,
                &[
                    "volume",
                    "create",
                    "--label",
                    &format!("com.docker.stack.namespace={st}"),
                    v,
                ],
            );
            bed.put(i, v, "sentinel");
        }
    }
    let s = Scratch::with_prefix("devctl-it-h13-vol-");
    s.write("compose.yaml", format!("name: {stack}\nservices:\n  x:\n    image: {IMAGE}\n    volumes: [cache:/c, logs:/l]\nvolumes:\n  cache: {{}}\n  logs: {{}}\n"));
    s.write("compose.prod.yaml", "services: {}\n");
    s.write("devctl.yaml", bed.devctl_yaml(stack, &[]));
    let o = opts(s.dir.path(), &s);
    let r = devctl(&o.clone().stdin(b""), &["--prod", "volume", "rm", "cache"]);
    assert_eq!(code(&r), Some(4), "{}", r.dump());
    for (h, _) in &bed.nodes {
        assert!(
            r.err().contains(&format!("remove  {cache:<24} on {h}")),
            "{}",
            r.dump()
        );
    }
    assert!(
        !r.err().contains(&format!("remove  {logs}")),
        "{}",
        r.dump()
    );
    let r = devctl(
        &o,
        &["--prod", "volume", "rm", "nosuch", "--confirm", stack],
    );
    assert_eq!(code(&r), Some(2), "{}", r.dump());
    for i in 0..n {
        assert_eq!(
            bed.get(i, &cache).as_deref(),
            Some("sentinel"),
            "nothing removed on node {i}"
        );
    }
    let r = devctl(&o, &["--prod", "volume", "rm", "cache", "--confirm", stack]);
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    for i in 0..n {
        assert_eq!(bed.get(i, &cache), None, "{}", r.dump());
        assert_eq!(bed.get(i, &logs).as_deref(), Some("sentinel"));
    }
    // `logs` in use on every node: nothing to remove is an answer (exit 1), not a question.
    let user = "devctl-it-h13-vol-user";
    for i in 0..n {
        bed.docker_ok(
            i,
            &[
                "run",
                "-d",
                "--name",
                user,
                "-v",
                &format!("{logs}:/l"),
                IMAGE,
                "sleep",
                "300",
            ],
        );
    }
    let r = devctl(&o.clone().stdin(b""), &["--prod", "volume", "rm", "logs"]);
    for i in 0..n {
        let _ = bed.docker(i, &["rm", "-f", user]);
    }
    assert_eq!(code(&r), Some(1), "{}", r.dump());
    assert!(r.err().contains("nothing was removed"), "{}", r.dump());
    assert!(r.err().contains("in use by 1 container(s)"), "{}", r.dump());
    assert!(
        !r.err().contains("--confirm"),
        "asked for a confirmation: {}",
        r.dump()
    );
    let r = devctl(&o, &["--prod", "volume", "prune", "--confirm", stack]);
    assert_eq!(code(&r), Some(0), "{}", r.dump());
    for i in 0..n {
        let h = &bed.nodes[i].0;
        assert!(
            r.err().contains(&format!("removed volume {logs} on {h}")),
            "{}",
            r.dump()
        );
        assert_eq!(bed.get(i, &logs), None);
        assert_eq!(
            bed.get(i, &foreign).as_deref(),
            Some("sentinel"),
            "another stack's volume on {h}"
        );
    }
}
