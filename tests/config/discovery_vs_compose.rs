//! Project discovery (`devctl::project::resolve`) against Docker Compose v2.40.3.
//!
//! 1. The reference vectors about files, project directory, env files and names (33–39, 56;
//!    copied under `tests/fixtures/discovery/vectors/` with Compose's recorded output): each
//!    is run through `resolve` with the vector's arguments, environment and working
//!    directory. Compared with Compose's `out.json`: the project `name`; the project
//!    directory (read back from a relative path Compose resolved against it); the base file
//!    Compose reported in its "Using …" warning; and values that depend on the
//!    interpolation environment (each template of the vector's compose file, interpolated
//!    with `Resolved::env`, must equal what Compose rendered). Error vectors that are
//!    discovery errors (33e) must fail with Compose's message.
//! 2. devctl's own layouts (`tests/fixtures/discovery/{seedlike,plain}`: files in `docker/`,
//!    `devctl.yaml`, environments): Compose cannot find `docker/` files or layer `--dev` by
//!    itself, so it is run live with `COMPOSE_FILE` set to the files devctl chose — which
//!    makes Compose apply its own `.env` rules (cwd first, then the project folder) — and
//!    must agree on the name, the project directory (a `.:/pd` bind mount) and the
//!    interpolated values.

use crate::common;

use std::path::{Path, PathBuf};

use common::config::{base_env, copy_tree, docker_compose_config};

use devctl::project::interpolate::{Env, interpolate_str};
use devctl::project::{ProjectOptions, Resolved, resolve};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discovery")
}

/// Turn a vector's `cmd` (Compose global flags, then `config`) into options.
fn options(dir: &Path) -> ProjectOptions {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let mut o = ProjectOptions {
        cwd: dir.join(read("cwd").unwrap_or_default().trim()),
        env: base_env(),
        ..ProjectOptions::default()
    };
    for line in read("env").unwrap_or_default().lines() {
        if let Some((k, v)) = line.split_once('=') {
            o.env.insert(k.to_owned(), v.to_owned());
        }
    }
    let cmd = read("cmd").expect("every vector has a cmd");
    let mut args = cmd.split_whitespace();
    let mut unknown = Vec::new();
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("flag value").to_owned();
        match a {
            "-f" => o.files.push(value().into()),
            "-p" => o.project_name = Some(value()),
            "--project-directory" => o.project_directory = Some(value().into()),
            "--env-file" => o.env_files.push(value().into()),
            "--profile" => o.profiles.push(value()),
            "config" => break,
            other => unknown.push(other.to_owned()),
        }
    }
    assert!(
        unknown.is_empty(),
        "unexpected flags {unknown:?} in {}",
        dir.display()
    );
    o
}

/// (vector, template from its compose file, where Compose rendered it).
const VALUES: &[(&str, &str, &str)] = &[
    (
        "34-docker-subfolder-dotenv",
        "web:${TAG:-none}",
        "/services/web/image",
    ),
    (
        "34-docker-subfolder-dotenv",
        "${WHICH:-unset}",
        "/services/web/environment/WHICH_ENV",
    ),
    (
        "34d-project-directory-flag-ok",
        "web:${TAG:-none}",
        "/services/web/image",
    ),
    (
        "34d-project-directory-flag-ok",
        "${WHICH:-unset}",
        "/services/web/environment/WHICH_ENV",
    ),
    (
        "34e-dotenv-only-in-cwd",
        "web:${TAG:-default-tag}",
        "/services/web/image",
    ),
    (
        "35-compose-file-env-two-dotenvs",
        "postgres:${POSTGRES_VERSION}",
        "/services/db/image",
    ),
    (
        "35-compose-file-env-two-dotenvs",
        "${ONLY_DEPLOY:-missing}",
        "/services/db/environment/ONLY_IN_PROJECT_DOTENV",
    ),
    (
        "36-compose-file-separator",
        "postgres:${POSTGRES_VERSION}",
        "/services/db/image",
    ),
    (
        "36-compose-file-separator",
        "${ONLY_DEPLOY:-missing}",
        "/services/db/environment/ONLY_IN_PROJECT_DOTENV",
    ),
    ("38-env-file-flag", "app:${TAG}", "/services/app/image"),
    ("38-env-file-flag", "${A}", "/services/app/environment/A"),
    ("38-env-file-flag", "${B}", "/services/app/environment/B"),
    (
        "39-version-and-bare-env-from-dotenv",
        "${FROM_DOTENV}",
        "/services/app/environment/FROM_DOTENV",
    ),
    (
        "56-builtin-vars-project-name-pwd",
        "x:${COMPOSE_PROJECT_NAME}",
        "/services/app/image",
    ),
    (
        "56-builtin-vars-project-name-pwd",
        "${PWD}",
        "/services/app/environment/PWD_IS_CWD",
    ),
];

/// (vector, a path Compose resolved against the project directory, the relative part).
const PROJECT_DIRS: &[(&str, &str, &str)] = &[
    (
        "34-docker-subfolder-dotenv",
        "/services/web/volumes/0/source",
        "conf",
    ),
    (
        "34d-project-directory-flag-ok",
        "/services/web/volumes/0/source",
        "conf",
    ),
    (
        "34c-override-in-other-folder",
        "/services/app/volumes/0/source",
        "cache",
    ),
    (
        "37-default-discovery-parent",
        "/services/app/build/context",
        "app",
    ),
    (
        "39-version-and-bare-env-from-dotenv",
        "/services/app/build/context",
        "",
    ),
];

#[test]
fn reference_vectors_agree_with_compose() {
    let root = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("vectors"), root.path());
    let vectors_root = root.path().display().to_string();
    let mut checked = 0;
    let mut names: Vec<_> = std::fs::read_dir(root.path())
        .expect("vectors")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    for dir in names {
        let case = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let rc = std::fs::read_to_string(dir.join("rc")).expect("rc");
        let stderr = std::fs::read_to_string(dir.join("stderr.txt"))
            .expect("stderr")
            .replace("@VECTORS_ROOT@", &vectors_root);
        let result = resolve(&options(&dir));
        if rc.trim() != "0" {
            // Only discovery errors are resolve's business; loader errors (34b: an env_file
            // of a service) must resolve fine and fail later.
            let message = result.err().map(|e| e.message);
            if case.starts_with("33e") {
                assert_eq!(message.as_deref(), Some(stderr.trim()), "{case}");
            } else {
                assert_eq!(message, None, "{case}: resolve must succeed");
            }
            checked += 1;
            continue;
        }
        let r: Resolved = result
            .map_err(|e| format!("{case}: {e}"))
            .expect("resolves");
        let out = std::fs::read_to_string(dir.join("out.json"))
            .expect("out.json")
            .replace("@VECTORS_ROOT@", &vectors_root);
        let json: serde_json::Value = serde_json::from_str(&out).expect("out.json parses");
        assert_eq!(Some(r.name.as_str()), json["name"].as_str(), "{case}: name");
        if let Some(using) = stderr.split("msg=\"Using ").nth(1) {
            let base = using.split('"').next().unwrap_or("");
            assert_eq!(r.files[0], PathBuf::from(base), "{case}: base file");
        }
        for (_, template, pointer) in VALUES.iter().filter(|(c, ..)| *c == case) {
            let mine = interpolate_str(template, &r.env).expect("interpolates");
            let theirs = json.pointer(pointer).and_then(|v| v.as_str());
            assert_eq!(Some(mine.as_str()), theirs, "{case}: {template}");
        }
        for (_, pointer, rel) in PROJECT_DIRS.iter().filter(|(c, ..)| *c == case) {
            let theirs = json
                .pointer(pointer)
                .and_then(|v| v.as_str())
                .expect("path");
            assert_eq!(
                r.project_dir.join(rel),
                PathBuf::from(theirs),
                "{case}: project dir"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 16, "every copied vector was checked");
}

fn compose_json(cwd: &Path, env: &Env, files: &[PathBuf]) -> serde_json::Value {
    let list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let mut env = env.clone();
    env.insert("COMPOSE_FILE".into(), list.join(":"));
    let out = docker_compose_config(cwd, &[], &env);
    assert!(
        out.status.success(),
        "compose failed in {}: {}",
        cwd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("compose JSON")
}

struct Case {
    tree: &'static str,
    cwd: &'static str,
    env: &'static [(&'static str, &'static str)],
    environment: Option<&'static str>,
    /// The files devctl must choose (relative to the tree), base first.
    files: &'static [&'static str],
    service: &'static str,
    templates: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        tree: "seedlike",
        cwd: "src/app",
        env: &[],
        environment: None,
        files: &["docker/docker-compose.yml", "docker/docker-compose.dev.yml"],
        service: "api",
        templates: &[
            ("img:${TAG:-none}", "/image"),
            ("${ONLY_DOCKER:-missing}", "/environment/ONLY_DOCKER"),
        ],
    },
    Case {
        tree: "seedlike",
        cwd: ".",
        env: &[("DEVCTL_ENV", "prod")],
        environment: None,
        files: &[
            "docker/docker-compose.yml",
            "docker/docker-compose.prod.yml",
        ],
        service: "api",
        templates: &[("img:${TAG:-none}", "/image")],
    },
    Case {
        tree: "seedlike",
        cwd: ".",
        env: &[("TAG", "from-os")],
        environment: Some("dev"),
        files: &["docker/docker-compose.yml", "docker/docker-compose.dev.yml"],
        service: "api",
        templates: &[("img:${TAG:-none}", "/image")],
    },
    Case {
        tree: "plain",
        cwd: ".",
        env: &[],
        environment: None,
        files: &["docker/compose.yaml", "docker/compose.override.yaml"],
        service: "web",
        templates: &[("web:${TAG:-none}", "/image")],
    },
    Case {
        tree: "plain",
        cwd: "docker",
        env: &[("STACK", "Other.Name")],
        environment: None,
        files: &["docker/compose.yaml", "docker/compose.override.yaml"],
        service: "web",
        templates: &[("web:${TAG:-none}", "/image")],
    },
];

#[test]
fn devctl_layouts_agree_with_live_compose() {
    let root = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures(), root.path());
    for (i, case) in CASES.iter().enumerate() {
        let tree = root.path().join(case.tree);
        let cwd = tree.join(case.cwd);
        let mut env = base_env();
        env.extend(
            case.env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let opts = ProjectOptions {
            cwd: cwd.clone(),
            env: env.clone(),
            environment: case.environment.map(str::to_owned),
            ..ProjectOptions::default()
        };
        let r = resolve(&opts)
            .map_err(|e| format!("case {i}: {e}"))
            .expect("resolves");
        let want: Vec<PathBuf> = case.files.iter().map(|f| tree.join(f)).collect();
        assert_eq!(r.files, want, "case {i}: files");

        let json = compose_json(&cwd, &env, &r.files);
        assert_eq!(
            Some(r.name.as_str()),
            json["name"].as_str(),
            "case {i}: name"
        );
        let svc = &json["services"][case.service];
        let pd = svc.pointer("/volumes/0/source").and_then(|v| v.as_str());
        assert_eq!(
            Some(r.project_dir.as_path()),
            pd.map(Path::new),
            "case {i}: project dir"
        );
        for (template, pointer) in case.templates {
            let mine = interpolate_str(template, &r.env).expect("interpolates");
            let theirs = svc.pointer(pointer).and_then(|v| v.as_str());
            assert_eq!(Some(mine.as_str()), theirs, "case {i}: {template}");
        }
    }
}
