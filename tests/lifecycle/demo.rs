//! `devctl demo …` from anywhere: the embedded files land in the user data dir (here a temp
//! XDG_DATA_HOME), the external volume is created through the Engine API, the stack comes up.

use crate::common;

use common::lifecycle::*;

#[test]
fn demo_path_writes_the_embedded_files_once() {
    let data = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let env = Opts::new(elsewhere.path()).with("XDG_DATA_HOME", &data.path().display().to_string());
    let r = devctl(&env, &["demo", "path"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let dir = std::path::PathBuf::from(r.stdout.trim());
    assert_eq!(dir, data.path().join("devctl/demo"));
    for (name, text) in devctl::demo::FILES {
        let on_disk = std::fs::read_to_string(dir.join(name)).expect(name);
        assert_eq!(&on_disk, text, "{name}");
    }
    assert!(dir.join(".env").is_file());

    // Unchanged files are not rewritten; a stale one is; the user's .env is kept.
    let compose = dir.join("docker-compose.yml");
    let mtime = || {
        std::fs::metadata(&compose)
            .and_then(|m| m.modified())
            .expect("mtime")
    };
    let before = mtime();
    std::fs::write(dir.join(".env"), "DEMO_API_PORT=18399\n").expect("write");
    std::fs::write(dir.join("docker-compose.dev.yml"), "stale").expect("write");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let r = devctl(&env, &["demo", "path"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert_eq!(mtime(), before, "an unchanged file was rewritten");
    let dev = std::fs::read_to_string(dir.join("docker-compose.dev.yml")).expect("read");
    assert_ne!(dev, "stale");
    let dotenv = std::fs::read_to_string(dir.join(".env")).expect("read");
    assert_eq!(dotenv, "DEMO_API_PORT=18399\n");
}

#[test]
fn demo_up_creates_the_external_volume_and_runs_the_stack() {
    let data = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let project = format!("{PREFIX}demo");
    let volume = format!("{project}-dbdata");
    let _c = cleanup(&project, &[&volume]);
    let env = demo_env(
        Opts::new(elsewhere.path()).with("XDG_DATA_HOME", &data.path().display().to_string()),
        18340,
        18341,
        &volume,
    );

    // Dry run: the command line, no volume, no containers.
    let r = devctl(&env, &["-p", &project, "--dry-run", "demo", "up"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(
        r.stderr
            .contains(&format!("would create the external volume `{volume}`")),
        "{}",
        r.dump()
    );
    assert_eq!(r.plus_lines().len(), 1, "{}", r.dump());
    assert!(
        r.plus_lines()[0].contains("docker-compose.dev.yml"),
        "{}",
        r.dump()
    );
    let vols = docker_ok(&[
        "volume",
        "ls",
        "-q",
        "--filter",
        &format!("name=^{volume}$"),
    ]);
    assert_eq!(vols, "", "dry run created the volume");

    let r = devctl(&env, &["-p", &project, "demo", "up"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(
        r.stderr
            .contains(&format!("created the external volume `{volume}`")),
        "{}",
        r.dump()
    );
    let label = docker_ok(&[
        "volume",
        "inspect",
        "-f",
        "{{index .Labels \"devctl.demo\"}}",
        &volume,
    ]);
    assert_eq!(label, "true");
    // db keeps its data in that volume; the API answers on the published port with dev values.
    let db = container_of(&project, "db");
    let mounts = inspect(&db, "{{range .Mounts}}{{.Name}} {{end}}");
    assert!(mounts.contains(&volume), "{mounts}");
    let body = http_get(18340, "/env.json").expect("GET /env.json");
    assert!(body.contains("\"env\": \"dev\""), "{body}");

    // `up` waited: status shows every service healthy (worker has no probe: running); a second `up` leaves the existing volume alone.
    let r = devctl(&env, &["-p", &project, "demo", "status"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    for (svc, state) in [
        ("db", "healthy"),
        ("cache", "healthy"),
        ("api", "healthy"),
        ("flaky", "healthy"),
        ("worker", "running"),
    ] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(svc));
        assert!(
            line.is_some_and(|l| l.split_whitespace().any(|w| w == state)),
            "{svc} not {state}: {}",
            r.dump()
        );
    }
    let r = devctl(&env, &["-p", &project, "demo", "up"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(
        !r.stderr.contains("created the external volume"),
        "{}",
        r.dump()
    );
}
