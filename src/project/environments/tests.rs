use super::*;
use crate::error::Exit;

fn touch(p: &Path) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(p, "services: {}\n").expect("write");
}

#[test]
fn project_root_is_the_parent_of_a_docker_folder() {
    let cases = [
        ("/r/docker-compose.yml", "/r"),
        ("/r/docker/docker-compose.yml", "/r"),
        ("/r/deploy/compose.yaml", "/r/deploy"),
        ("/docker/compose.yaml", "/"),
    ];
    for (base, root) in cases {
        assert_eq!(project_root(Path::new(base)), PathBuf::from(root), "{base}");
    }
}

#[test]
fn override_is_named_after_the_base_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cases = [
        ("docker-compose.yml", "dev", "docker-compose.dev.yml"),
        ("compose.yaml", "prod", "compose.prod.yaml"),
        ("compose.yml", "staging", "compose.staging.yml"),
        ("stack.yml", "ci", "stack.ci.yml"),
    ];
    for (base, env, want) in cases {
        assert_eq!(
            override_path(&d.join(base), env),
            d.join(want),
            "{base} {env}"
        );
    }
    // the other YAML extension is accepted when only it exists
    touch(&d.join("compose.qa.yml"));
    assert_eq!(
        override_path(&d.join("compose.yaml"), "qa"),
        d.join("compose.qa.yml")
    );
    touch(&d.join("compose.qa.yaml"));
    assert_eq!(
        override_path(&d.join("compose.yaml"), "qa"),
        d.join("compose.qa.yaml")
    );
}

#[test]
fn on_disk_lists_override_files_but_not_the_compose_override() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for f in [
        "docker-compose.yml",
        "docker-compose.dev.yml",
        "docker-compose.prod.yaml",
        "docker-compose.override.yml",
        "docker-compose.a.b.yml",
        "compose.other.yml",
        "docker-compose.txt",
    ] {
        touch(&d.join(f));
    }
    assert_eq!(on_disk(&d.join("docker-compose.yml")), vec!["dev", "prod"]);
}

const FULL: &str = r#"
default_environment: dev
protected_volumes: [pgdata, "uploads"]
environments:
  dev: {}
  prod:
    protected: true
  ci:
    files: [docker/ci.yml, ./extra.yml]
  qa:
  x-notes: anything
x-team: ignored
"#;

#[test]
fn parses_a_full_devctl_yaml() {
    let path = Path::new("/r/devctl.yaml");
    let cfg = parse_config(FULL, path).expect("parses");
    assert_eq!(cfg.path.as_deref(), Some(path));
    assert_eq!(cfg.default_environment.as_deref(), Some("dev"));
    assert_eq!(cfg.protected_volumes, vec!["pgdata", "uploads"]);
    let names: Vec<&str> = cfg.environments.keys().map(String::as_str).collect();
    assert_eq!(names, vec!["dev", "prod", "ci", "qa"]);
    assert!(cfg.environments["prod"].protected);
    assert!(!cfg.environments["dev"].protected);
    assert_eq!(
        cfg.environments["ci"].files,
        vec![
            PathBuf::from("/r/docker/ci.yml"),
            PathBuf::from("/r/extra.yml")
        ]
    );
    assert_eq!(
        parse_config("", path).expect("empty"),
        DevctlConfig {
            path: Some(path.to_path_buf()),
            ..DevctlConfig::default()
        }
    );
}

#[test]
fn bad_devctl_yaml_names_the_key_and_value() {
    let cases = [
        (
            "environments:\n  prod:\n    protected: yes\n",
            "environments.prod.protected: expected true or false, found \"yes\"",
        ),
        (
            "environments:\n  prod:\n    protect: true\n",
            "environments.prod.protect: unknown key (known: files, protected, target, context, stack, nodes)",
        ),
        (
            "default_enviroment: dev\n",
            "default_enviroment: unknown key (known: environments, default_environment, protected_volumes, commands)",
        ),
        (
            "protected_volumes: [1]\n",
            "protected_volumes[0]: expected a string, found 1",
        ),
        (
            "protected_volumes: {a: b}\n",
            "protected_volumes: expected a list of strings, found a mapping",
        ),
        (
            "environments: [dev]\n",
            "environments: expected a mapping of names, found a list",
        ),
        (
            "environments:\n  dev: 3\n",
            "environments.dev: expected a mapping, found 3",
        ),
        (
            "environments:\n  ../x: {}\n",
            "environments.../x: invalid environment name \"../x\"",
        ),
        (
            "default_environment: [a]\n",
            "default_environment: expected a name, found a list",
        ),
        ("- a\n", "(document): expected a mapping, found a list"),
    ];
    for (text, want) in cases {
        let err = parse_config(text, Path::new("devctl.yaml")).expect_err(text);
        assert_eq!(err.exit, Exit::Config, "{text}");
        assert!(
            err.message.starts_with(&format!("devctl.yaml: {want}")),
            "{text}: {}",
            err.message
        );
    }
    let err = parse_config("a: [\n", Path::new("devctl.yaml")).expect_err("syntax");
    assert!(err.message.starts_with("devctl.yaml:"), "{}", err.message);
}

#[test]
fn read_config_finds_devctl_yaml_at_the_root_or_dot_devctl_yaml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let base = d.join("docker/docker-compose.yml");
    touch(&base);
    assert_eq!(read_config(&base).expect("none"), DevctlConfig::default());
    std::fs::write(d.join(".devctl.yaml"), "default_environment: b\n").expect("write");
    assert_eq!(
        read_config(&base)
            .expect("hidden")
            .default_environment
            .as_deref(),
        Some("b")
    );
    std::fs::write(d.join("devctl.yaml"), "default_environment: a\n").expect("write");
    assert_eq!(
        read_config(&base)
            .expect("plain wins")
            .default_environment
            .as_deref(),
        Some("a")
    );
}

#[test]
fn layers_for_conventional_declared_and_unknown_environments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let base = d.join("docker-compose.yml");
    touch(&base);
    touch(&d.join("docker-compose.dev.yml"));
    touch(&d.join("ci/one.yml"));
    let cfg = parse_config(
        "environments:\n  prod: {protected: true}\n  ci: {files: [ci/one.yml]}\n  gone: {files: [ci/missing.yml]}\n",
        &d.join("devctl.yaml"),
    )
    .expect("parses");

    // by convention, undeclared
    assert_eq!(
        layers("dev", &base, &cfg).expect("dev"),
        (vec![d.join("docker-compose.dev.yml")], false)
    );
    // declared with files
    assert_eq!(
        layers("ci", &base, &cfg).expect("ci"),
        (vec![d.join("ci/one.yml")], false)
    );
    // declared, protected, but its file is missing → config error naming the path
    let err = layers("prod", &base, &cfg).expect_err("missing");
    assert_eq!(err.exit, Exit::Config);
    assert!(
        err.message
            .contains(&d.join("docker-compose.prod.yml").display().to_string()),
        "{}",
        err.message
    );
    let err = layers("gone", &base, &cfg).expect_err("missing listed file");
    assert!(err.message.contains("missing.yml"), "{}", err.message);
    // unknown → usage error listing the known ones
    let err = layers("staging", &base, &cfg).expect_err("unknown");
    assert_eq!(err.exit, Exit::Usage);
    assert_eq!(
        err.message,
        "unknown environment \"staging\": known environments are ci, dev, gone, prod"
    );
    assert!(
        err.hint
            .as_deref()
            .unwrap_or("")
            .contains("docker-compose.staging.yml")
    );
    // nothing defined at all
    let err = layers("dev", &d.join("ci/one.yml"), &DevctlConfig::default()).expect_err("none");
    assert!(
        err.message.contains("no environments are defined"),
        "{}",
        err.message
    );
    // names that would escape the folder are refused
    assert_eq!(
        layers("../x", &base, &cfg).expect_err("bad name").exit,
        Exit::Usage
    );
    // protected comes from devctl.yaml
    touch(&d.join("docker-compose.prod.yml"));
    assert_eq!(
        layers("prod", &base, &cfg).expect("prod"),
        (vec![d.join("docker-compose.prod.yml")], true)
    );
}
