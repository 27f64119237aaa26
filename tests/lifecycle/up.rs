//! Lifecycle commands on the real Engine and Compose v2, over the bundled demo stack (copied
//! into a temp dir, run under its own project name, ports and external volume).

use crate::common;

use common::lifecycle::*;

struct Stack {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    env: Opts,
    project: String,
    _cleanup: Cleanup,
}

/// A demo copy with project `devctl-it-compose-<suffix>`, API on `api_port`, db on `api_port+1`.
fn stack(suffix: &str, api_port: u16) -> Stack {
    let dir = tempfile::tempdir().expect("tempdir");
    demo_tree(dir.path());
    let project = format!("{PREFIX}{suffix}");
    let volume = format!("{project}-dbdata");
    let cleanup = cleanup(&project, &[&volume]);
    docker_ok(&["volume", "create", &volume]);
    let env = demo_env(Opts::new(dir.path()), api_port, api_port + 1, &volume);
    Stack {
        path: dir.path().to_path_buf(),
        _dir: dir,
        env,
        project,
        _cleanup: cleanup,
    }
}

impl Stack {
    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["-p", self.project.as_str()];
        all.extend_from_slice(args);
        devctl(&self.env, &all)
    }
    fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, Some(0), "devctl {args:?}\n{}", r.dump());
        r
    }
}

#[test]
fn prod_layers_the_prod_file() {
    let s = stack("prod", 18310);
    let r = s.ok(&["--prod", "up"]);
    let plus = r.plus_lines();
    assert_eq!(plus.len(), 1, "{}", r.dump());
    assert!(plus[0].contains("docker-compose.prod.yml"), "{}", plus[0]);
    assert!(!plus[0].contains("docker-compose.dev.yml"), "{}", plus[0]);

    // Read back from the running container: only the prod file sets PROD_ONLY and APP_ENV=prod.
    let api = container_of(&s.project, "api");
    let env = docker_ok(&["exec", &api, "env"]);
    assert!(env.lines().any(|l| l == "APP_ENV=prod"), "{env}");
    assert!(
        env.lines()
            .any(|l| l == "PROD_ONLY=set-by-docker-compose.prod.yml"),
        "{env}"
    );
    // The same through devctl's own exec, and through the published port.
    let r = s.ok(&["--prod", "exec", "api", "cat", "/www/env.json"]);
    assert!(r.stdout.contains("\"env\": \"prod\""), "{}", r.dump());
    let body = http_get(18310, "/env.json").expect("GET /env.json");
    assert!(body.contains("\"log_level\": \"warn\""), "{body}");
    // The Compose label records the prod file set.
    let files = inspect(
        &api,
        "{{index .Config.Labels \"com.docker.compose.project.config_files\"}}",
    );
    assert!(files.ends_with("docker-compose.prod.yml"), "{files}");
}

#[test]
fn restart_api_restarts_only_api_and_more() {
    let s = stack("restart", 18320);
    s.ok(&["up"]);
    let services = ["db", "cache", "api", "worker", "flaky"];
    let started = |svc: &str| inspect(&container_of(&s.project, svc), "{{.State.StartedAt}}");
    let before: Vec<String> = services.iter().map(|x| started(x)).collect();

    // `restart api`, with an argument after `--` that must reach Compose.
    let r = s.ok(&["restart", "api", "--", "-t", "1"]);
    assert_eq!(r.plus_lines().len(), 1, "{}", r.dump());
    assert!(
        r.plus_lines()[0].ends_with(" restart -t 1 api"),
        "{}",
        r.dump()
    );
    for (svc, old) in services.iter().zip(&before) {
        let now = started(svc);
        if *svc == "api" {
            assert_ne!(&now, old, "api was not restarted");
        } else {
            assert_eq!(&now, old, "{svc} was restarted too");
        }
    }

    // Unknown service: usage error listing the known ones; Compose never runs.
    let r = s.run(&["restart", "apii"]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(r.stderr.contains("unknown service `apii`"), "{}", r.dump());
    assert!(r.stderr.contains("known services: "), "{}", r.dump());
    for svc in services {
        assert!(r.stderr.contains(svc), "{svc} not listed: {}", r.dump());
    }
    assert!(r.plus_lines().is_empty(), "{}", r.dump());

    // `compose -- ARGS`: the arguments reach Compose, and its exit code comes back.
    let r = s.ok(&["compose", "--", "ps", "--services", "--status", "running"]);
    let mut listed: Vec<&str> = r.stdout.lines().collect();
    listed.sort();
    assert_eq!(
        listed,
        vec!["api", "cache", "db", "flaky", "worker"],
        "{}",
        r.dump()
    );
    let r = s.run(&["compose", "--", "exec", "-T", "api", "sh", "-c", "exit 42"]);
    assert_eq!(r.code, Some(42), "{}", r.dump());

    // `sh`: busybox has no bash, so devctl opens `sh`.
    let r = s.ok(&["sh", "api"]);
    let plus = r.plus_lines();
    assert!(
        plus.last().is_some_and(|l| l.ends_with(" exec api sh")),
        "{}",
        r.dump()
    );

    // Layer drift: the containers were created with dev; asking for prod warns first.
    let r = s.ok(&["--prod", "restart", "worker"]);
    assert!(
        r.stderr.contains("created with the dev overlay (docker-compose.dev.yml); you asked for the prod overlay (docker-compose.prod.yml)"),
        "{}",
        r.dump()
    );
    // …and the same files as the containers: no warning.
    let r = s.ok(&["restart", "worker"]);
    assert!(!r.stderr.contains("created with"), "{}", r.dump());
}

/// `--dry-run` prints exactly the command line the real run uses, and runs nothing.
#[test]
fn dry_run_prints_the_argv_of_the_real_run() {
    let s = stack("golden", 18330);
    let dry = s.ok(&["--dry-run", "up"]);
    assert_eq!(dry.plus_lines().len(), 1, "{}", dry.dump());
    assert_eq!(
        container_of(&s.project, "api"),
        "",
        "dry run created containers"
    );

    let real = s.ok(&["up"]);
    assert_eq!(real.plus_lines(), dry.plus_lines());
    assert_ne!(container_of(&s.project, "api"), "");

    // And it matches the golden file (temp dir replaced by @DIR@, the per-run project name by
    // its stable form).
    let dir = s.path.canonicalize().expect("canonical");
    let got = dry.plus_lines()[0]
        .replace(&s.project, "devctl-it-compose-golden")
        .replace(&dir.display().to_string(), "@DIR@")
        .replace(&s.path.display().to_string(), "@DIR@");
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/dry_run_up_dev.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, format!("{got}\n")).expect("write golden");
    }
    let want = std::fs::read_to_string(&golden).expect("read golden");
    assert_eq!(got, want.trim_end());
}

/// This issue's own project names (unique per test process).
fn own_name(suffix: &str) -> String {
    format!("devctl-it-h18env-{}-{suffix}", std::process::id())
}

/// A free loopback port (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The stderr lines that are devctl's own (not Compose's progress).
fn devctl_lines(r: &Run) -> Vec<String> {
    r.stderr
        .lines()
        .filter(|l| l.starts_with("devctl:") || l.starts_with("  ("))
        .map(String::from)
        .collect()
}

/// The environment sticks: after `devctl --dev up`, commands without `--dev` keep dev (one line
/// says so, no drift warning, no layer dropped, the container is not re-created); an explicit
/// `--prod up` still switches with today's preview (drift warning, then the command), also
/// without a terminal.
#[test]
fn the_environment_of_the_running_containers_sticks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let base = format!(
        "services:\n  web:\n    image: {}\n    command: [\"sh\", \"-c\", \"echo env=$$APP_ENV; exec sleep 600\"]\n    environment:\n      APP_ENV: base\n    labels:\n      layer.base: \"yes\"\n",
        common::IMAGE
    );
    let dev = format!(
        "services:\n  web:\n    environment:\n      APP_ENV: dev\n      DEV_ONLY: \"1\"\n    labels:\n      layer.dev: \"yes\"\n    ports:\n      - \"127.0.0.1:{port}:80\"\n"
    );
    let prod = "services:\n  web:\n    environment:\n      APP_ENV: prod\n    labels:\n      layer.prod: \"yes\"\n";
    write_tree(
        dir.path(),
        &[
            ("docker/docker-compose.yml", base.as_str()),
            ("docker/docker-compose.dev.yml", dev.as_str()),
            ("docker/docker-compose.prod.yml", prod),
        ],
    );
    let project = own_name("sticky");
    let _cleanup = Cleanup::new(&project)
        .prefix("devctl-it-h18env-")
        .in_dir(dir.path())
        .now();
    let env = Opts::new(dir.path()).with("COMPOSE_PROJECT_NAME", &project);
    let ok = |args: &[&str]| {
        let r = devctl(&env, args);
        assert_eq!(r.code, Some(0), "{}", r.dump());
        r
    };
    let web = || container_of(&project, "web");
    let labels = |id: &str| inspect(id, "{{json .Config.Labels}}");
    let envs = |id: &str| inspect(id, "{{json .Config.Env}}");
    let ports = |id: &str| inspect(id, "{{json .HostConfig.PortBindings}}");

    let r = ok(&["--dev", "up"]);
    assert!(
        r.plus_lines()[0].ends_with(&format!(
            "-f {0}/docker/docker-compose.yml -f {0}/docker/docker-compose.dev.yml --project-directory {0}/docker up -d",
            dir.path().display()
        )),
        "{}",
        r.dump()
    );
    let id = web();
    assert!(!id.is_empty() && !id.contains('\n'), "{id:?}");
    assert!(
        labels(&id).contains("\"layer.dev\":\"yes\""),
        "{}",
        labels(&id)
    );

    let kept = "devctl: keeping environment dev (the project's containers were created with \
                docker/docker-compose.dev.yml); pass --prod or --env NAME to switch";
    // `up`, `ps`, `logs`: one line saying dev was kept, nothing else of devctl's own but the
    // command line; the dev layer is still there and the container was not re-created.
    let r = ok(&["up"]);
    assert_eq!(devctl_lines(&r), vec![kept.to_string()], "{}", r.dump());
    assert!(
        r.plus_lines()[0].contains("docker/docker-compose.dev.yml --project-directory"),
        "{}",
        r.dump()
    );
    assert_eq!(web(), id, "plain `up` re-created the container");
    assert!(
        labels(&id).contains("\"layer.dev\":\"yes\""),
        "{}",
        labels(&id)
    );
    assert!(envs(&id).contains("\"DEV_ONLY=1\""), "{}", envs(&id));
    assert!(
        ports(&id).contains(&format!("\"HostPort\":\"{port}\"")),
        "{}",
        ports(&id)
    );

    let r = ok(&["ps"]);
    assert_eq!(devctl_lines(&r), vec![kept.to_string()], "{}", r.dump());
    assert!(
        r.stdout.contains(&format!("127.0.0.1:{port}->80/tcp")),
        "{}",
        r.dump()
    );

    let r = ok(&["logs", "--tail", "5", "web"]);
    assert_eq!(devctl_lines(&r), vec![kept.to_string()], "{}", r.dump());
    assert!(r.stdout.contains("env=dev"), "{}", r.dump());
    assert_eq!(web(), id);

    // Files named with -f are the user's word: no stickiness, today's drift warning.
    let r = ok(&["-f", "docker/docker-compose.yml", "--dry-run", "up"]);
    assert_eq!(
        devctl_lines(&r),
        vec![
            "devctl: warning: web was created with the dev overlay (docker-compose.dev.yml), which you did not ask for".to_string(),
            "  (`up` recreates the containers whose configuration changed)".to_string(),
        ],
        "{}",
        r.dump()
    );
    // An Engine that cannot be reached: no stickiness, no error for a command that does not
    // need it.
    let away = env
        .clone()
        .with("DOCKER_HOST", "unix:///nonexistent/docker.sock");
    let r = devctl(&away, &["config", "--files"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert_eq!(
        r.stdout.trim(),
        format!("{}/docker/docker-compose.yml", dir.path().display()),
        "{}",
        r.dump()
    );
    assert_eq!(r.stderr, "", "{}", r.dump());

    // An explicit flag wins and switches exactly as before: the drift warning first, then the
    // command with the prod file; standard input is not a terminal (/dev/null).
    let r = ok(&["--prod", "up"]);
    assert_eq!(
        devctl_lines(&r),
        vec![
            "devctl: warning: web was created with the dev overlay (docker-compose.dev.yml); you asked for the prod overlay (docker-compose.prod.yml)".to_string(),
            "  (`up` recreates the containers whose configuration changed)".to_string(),
        ],
        "{}",
        r.dump()
    );
    let plus = r.plus_lines();
    assert_eq!(plus.len(), 1, "{}", r.dump());
    assert!(
        plus[0].contains("docker/docker-compose.prod.yml --project-directory"),
        "{}",
        plus[0]
    );
    assert!(!plus[0].contains("docker-compose.dev.yml"), "{}", plus[0]);
    let warn_at = r.stderr.find("devctl: warning:").expect("warning");
    assert!(
        warn_at < r.stderr.find("+ ").expect("+ line"),
        "{}",
        r.dump()
    );
    let switched = web();
    assert_ne!(switched, id, "the switch did not re-create the container");
    let l = labels(&switched);
    assert!(
        l.contains("\"layer.prod\":\"yes\"") && !l.contains("layer.dev"),
        "{l}"
    );

    // …and from then on prod is what sticks.
    let r = ok(&["ps"]);
    assert_eq!(
        devctl_lines(&r),
        vec![
            "devctl: keeping environment prod (the project's containers were created with \
              docker/docker-compose.prod.yml); pass --dev or --env NAME to switch"
                .to_string()
        ],
        "{}",
        r.dump()
    );
}
