//! `devctl config` as users run it: layered files (`--dev`/`--prod` on the seeds' `docker/`
//! layout), `--files`, `--services`, `--volumes`, `--explain KEY.PATH` (which file set each
//! value and what it overrode, `!reset` removals), secret masking and `--show-secrets`.

use crate::common;

use std::path::{Path, PathBuf};

use common::config::base_env;
use common::devctl::Opts;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Run devctl in `dir` with a clean environment (plus `extra`); (exit code, stdout, stderr).
fn devctl(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> (i32, String, String) {
    let run = common::devctl::devctl(&Opts::exactly(dir, base_env()).with_all(extra), args);
    (run.code.unwrap_or(-1), run.stdout, run.stderr)
}

/// Each line with its runs of spaces collapsed (the explain layout aligns with spaces).
fn squash(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn antone() -> PathBuf {
    fixtures().join("seeds/seed-004-antone")
}

#[test]
fn files_lists_the_layers_in_order() {
    let (code, out, err) = devctl(&antone(), &["--dev", "config", "--files"], &[]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].ends_with("docker/docker-compose.yml"), "{out}");
    assert!(lines[1].ends_with("docker/docker-compose.dev.yml"), "{out}");
}

#[test]
fn services_and_volumes_list_names() {
    let (code, out, err) = devctl(&antone(), &["--prod", "config", "--services"], &[]);
    assert_eq!(code, 0, "{err}");
    for s in ["postgres", "backend-api", "dashboard"] {
        assert!(out.lines().any(|l| l == s), "{s} missing from {out}");
    }
    let (code, out, err) = devctl(&antone(), &["--prod", "config", "--volumes"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l == "postgres_data"), "{out}");
}

#[test]
fn explain_ports_names_the_file_of_each_value() {
    let (code, out, err) = devctl(
        &antone(),
        &["--dev", "config", "--explain", "services.backend-api.ports"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let text = squash(&out);
    assert!(
        text.contains("= 3001:3001 (docker-compose.yml)"),
        "base port not attributed to the base file:\n{out}"
    );
    assert!(
        text.contains("= 9229:9229 (docker-compose.dev.yml)"),
        "debug port not attributed to the dev file:\n{out}"
    );
}

#[test]
fn explain_shows_what_a_value_overrode_and_resets() {
    let dir = fixtures().join("config/layering");
    let args = [
        "-f",
        "base/compose.yml",
        "-f",
        "ov/dev.yml",
        "config",
        "--explain",
        "services.api",
    ];
    let (code, out, err) = devctl(&dir, &args, &[("API_TAG", "2.1")]);
    assert_eq!(code, 0, "{err}");
    let text = squash(&out);
    // A label set in the base and changed in the override.
    assert!(
        text.contains(
            "services.api.labels.com.example.layer\n= com.example.layer=dev (../ov/dev.yml)\noverrode com.example.layer=base (compose.yml)"
        ),
        "{out}"
    );
    // A label removed with `!reset`.
    assert!(
        text.contains("services.api.labels.com.example.keep\nremoved by ../ov/dev.yml\noverrode com.example.keep=yes (compose.yml)"),
        "{out}"
    );
    // `!override` replaces the healthcheck: the old test is shown as overridden, attributed to
    // the file that wrote it through `extends` (lib/common.yml), not the extending file.
    assert!(
        text.contains("overrode [CMD, true] (../lib/common.yml)"),
        "{out}"
    );
    // The logging driver replaced by the override.
    assert!(
        text.contains("services.api.logging.driver\n= syslog (../ov/dev.yml)\noverrode json-file (compose.yml)"),
        "{out}"
    );
}

#[test]
fn explain_follows_extends_to_the_file_that_wrote_each_value() {
    // web extends local (same file), which extends base in common.yml, which extends root
    // there: each inherited value names the file that wrote it, and web's own value shows
    // what it overrode along the chain.
    let dir = fixtures().join("config/extends-prov");
    let (code, out, err) = devctl(&dir, &["config", "--explain", "services.web"], &[]);
    assert_eq!(code, 0, "{err}");
    let text = squash(&out);
    for want in [
        "services.web.image\n= busybox:stable (common.yml)",
        "services.web.labels.team\n= team=platform (common.yml)",
        "services.web.environment.FROM_BASE\n= FROM_BASE=1 (common.yml)",
        "services.web.command\n= [sleep, 1] (docker-compose.yml)",
        "services.web.environment.LEVEL\n= LEVEL=web (docker-compose.yml)\noverrode LEVEL=base (common.yml)\noverrode LEVEL=root (common.yml)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{out}");
    }
    // The service in between, resolved before web, keeps its own chain too.
    let (_, out, _) = devctl(&dir, &["config", "--explain", "services.local.image"], &[]);
    assert!(
        squash(&out).contains("= busybox:stable (common.yml)"),
        "{out}"
    );
}

#[test]
fn explain_unknown_path_is_a_usage_error() {
    let (code, _, err) = devctl(
        &antone(),
        &["--dev", "config", "--explain", "services.nope"],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("services.nope"), "{err}");
}

#[test]
fn secrets_are_masked_unless_asked() {
    let (code, out, err) = devctl(&antone(), &["--prod", "config"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains("fake-pg-password-0000"),
        "password leaked:\n{out}"
    );
    assert!(out.contains("POSTGRES_PASSWORD: '********'"), "{out}");
    assert!(
        out.contains("postgresql://antone:********@postgres"),
        "{out}"
    );
    let (code, out, err) = devctl(
        &antone(),
        &["--prod", "config", "--json", "--show-secrets"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("fake-pg-password-0000"),
        "--show-secrets hides values:\n{out}"
    );
    let (_, out, _) = devctl(
        &antone(),
        &[
            "--prod",
            "config",
            "--explain",
            "services.postgres.environment",
        ],
        &[],
    );
    assert!(
        !out.contains("fake-pg-password-0000"),
        "explain leaks:\n{out}"
    );
}

#[test]
fn json_applies_to_listings_and_explain() {
    let json = |args: &[&str], extra: &[(&str, &str)], dir: &Path| -> serde_json::Value {
        let (code, out, err) = devctl(dir, args, extra);
        assert_eq!(code, 0, "{args:?}: {err}");
        let parsed = serde_json::from_str(&out);
        assert!(parsed.is_ok(), "{args:?}: not JSON:\n{out}");
        parsed.unwrap_or_default()
    };
    let files = json(&["--dev", "config", "--json", "--files"], &[], &antone());
    let files = files.as_array().expect("--files --json is an array");
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files[1]
            .as_str()
            .is_some_and(|f| f.ends_with("docker/docker-compose.dev.yml")),
        "{files:?}"
    );
    let services = json(
        &["--prod", "config", "--services", "--json"],
        &[],
        &antone(),
    );
    assert!(
        services
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s == "backend-api")),
        "{services}"
    );
    let volumes = json(&["--prod", "config", "--json", "--volumes"], &[], &antone());
    assert!(
        volumes
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s == "postgres_data")),
        "{volumes}"
    );

    let dir = fixtures().join("config/layering");
    let args = [
        "-f",
        "base/compose.yml",
        "-f",
        "ov/dev.yml",
        "config",
        "--json",
        "--explain",
        "services.api",
    ];
    let ex = json(&args, &[("API_TAG", "2.1")], &dir);
    let layer = &ex["services.api.labels.com.example.layer"];
    assert_eq!(layer["value"], "com.example.layer=dev", "{ex}");
    assert!(
        layer["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("ov/dev.yml")),
        "{ex}"
    );
    assert_eq!(layer["removed"], false, "{ex}");
    assert_eq!(
        layer["overrode"][0]["value"], "com.example.layer=base",
        "{ex}"
    );
    let keep = &ex["services.api.labels.com.example.keep"];
    assert_eq!(keep["removed"], true, "{ex}");
    assert!(keep["value"].is_null(), "{ex}");
    assert_eq!(keep["overrode"][0]["value"], "com.example.keep=yes", "{ex}");
}

/// `--explain` shows the value as written, each variable in it and where its value came from:
/// the default in the expression, the environment devctl runs in, an env file (with its line
/// and `--env-file`); secrets stay masked.
#[test]
fn explain_shows_the_written_value_its_variables_and_their_sources() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("docker")).expect("mkdir");
    std::fs::write(
        d.join("docker/compose.yml"),
        "name: devctl-it-h18ans-explain\nservices:\n  api:\n    image: alpine\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:?}\n    ports:\n      - \"${API_PORT:-3001}:3000\"\n",
    )
    .expect("write");
    std::fs::write(d.join("docker/.env"), "# db\nDB_PASSWORD=s3cret\n").expect("write");
    std::fs::write(d.join("prod.env"), "API_PORT=5000\n").expect("write");

    // The default in the expression.
    let (code, out, err) = devctl(d, &["config", "--explain", "services.api"], &[]);
    assert_eq!(code, 0, "{err}");
    let text = squash(&out);
    let env = d.join("docker/.env").display().to_string();
    for said in [
        "= 3001:3000 (compose.yml)",
        "written ${API_PORT:-3001}:3000 (compose.yml:8)",
        "API_PORT is not set: the default in the expression, \"3001\"",
        "written ${DB_PASSWORD:?} (compose.yml:6)",
        &format!("DB_PASSWORD = \"********\" from {env}:2"),
    ] {
        assert!(text.contains(said), "{said:?} missing:\n{out}");
    }
    assert!(!out.contains("s3cret"), "{out}");

    // The environment devctl runs in.
    let (_, out, _) = devctl(
        d,
        &["config", "--explain", "services.api.ports"],
        &[("API_PORT", "4000")],
    );
    assert!(
        squash(&out).contains("API_PORT = \"4000\" from the environment devctl runs in"),
        "{out}"
    );

    // --env-file, in JSON.
    let (code, out, err) = devctl(
        d,
        &[
            "--env-file",
            "prod.env",
            "--env-file",
            "docker/.env",
            "config",
            "--json",
            "--explain",
            "services.api.ports",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let entry = v
        .as_object()
        .and_then(|m| m.values().next())
        .cloned()
        .unwrap_or_default();
    let w = &entry["written"];
    assert_eq!(w["text"], "${API_PORT:-3001}:3000", "{out}");
    assert_eq!(w["line"], 8, "{out}");
    let var = &w["variables"][0];
    assert_eq!(var["name"], "API_PORT", "{out}");
    assert_eq!(var["value"], "5000", "{out}");
    assert_eq!(
        var["file"],
        d.join("prod.env").display().to_string(),
        "{out}"
    );
    assert_eq!(var["line"], 1, "{out}");
    assert_eq!(var["via"], "--env-file", "{out}");
    assert_eq!(var["used"], "value", "{out}");
}
