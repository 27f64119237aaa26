use super::*;
use crate::error::Exit;

/// A project tree in a temporary directory.
struct Tree(tempfile::TempDir);

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let t = Tree(tempfile::tempdir().expect("tempdir"));
        for (path, text) in files {
            t.write(path, text);
        }
        t
    }
    fn write(&self, path: &str, text: &str) {
        let p = self.0.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    fn p(&self, rel: &str) -> PathBuf {
        absolutize(self.0.path(), Path::new(rel))
    }
    /// Options as if devctl ran in `cwd` (relative to the tree) with a clean environment.
    fn opts(&self, cwd: &str) -> ProjectOptions {
        ProjectOptions {
            cwd: self.p(cwd),
            env: [("HOME", "/home/t"), ("PATH", "/usr/bin:/bin")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            ..ProjectOptions::default()
        }
    }
}

const SVC: &str = "services:\n  app:\n    image: busybox:stable\n";

fn with_env(mut o: ProjectOptions, pairs: &[(&str, &str)]) -> ProjectOptions {
    for (k, v) in pairs {
        o.env.insert((*k).to_owned(), (*v).to_owned());
    }
    o
}

fn files(o: &ProjectOptions, list: &[&str]) -> ProjectOptions {
    let mut o = o.clone();
    o.files = list.iter().map(PathBuf::from).collect();
    o
}

#[test]
fn absolutize_cleans_like_go() {
    let cases = [
        ("/a/b", "c", "/a/b/c"),
        ("/a/b", "../c", "/a/c"),
        ("/a/b", "./c/./d/..", "/a/b/c"),
        ("/a/b", "/x/../y", "/y"),
        ("/", "../../x", "/x"),
        ("/a", ".", "/a"),
    ];
    for (base, p, want) in cases {
        assert_eq!(
            absolutize(Path::new(base), Path::new(p)),
            PathBuf::from(want),
            "{base} {p}"
        );
    }
}

#[test]
fn f_files_are_relative_to_cwd_and_set_the_project_dir() {
    let t = Tree::new(&[
        ("a/compose.yml", SVC),
        ("b/extra.yml", SVC),
        ("a/compose.override.yml", SVC),
    ]);
    let r =
        resolve(&files(&t.opts("."), &["a/compose.yml", "b/../b/extra.yml"])).expect("resolves");
    assert_eq!(
        r.files,
        vec![t.p("a/compose.yml"), t.p("b/extra.yml")],
        "no override with -f"
    );
    assert_eq!(r.project_dir, t.p("a"));
    assert_eq!(r.name, "a");
    assert_eq!(r.environment, None);

    let err = resolve(&files(&t.opts("."), &["nope.yml"])).expect_err("missing");
    assert_eq!(err.exit, Exit::Config);
    assert!(
        err.message.contains(&t.p("nope.yml").display().to_string()),
        "{}",
        err.message
    );
}

#[test]
fn project_directory_flag_wins_and_is_relative_to_cwd() {
    let t = Tree::new(&[("docker/compose.yml", SVC), ("proj/x", "")]);
    let mut o = files(&t.opts("."), &["docker/compose.yml"]);
    o.project_directory = Some(PathBuf::from("proj"));
    let r = resolve(&o).expect("resolves");
    assert_eq!(r.project_dir, t.p("proj"));
    assert_eq!(r.name, "proj");
}

#[test]
fn compose_file_variable_with_default_and_custom_separator() {
    let t = Tree::new(&[
        ("compose.yml", SVC),
        ("compose.prod.yml", SVC),
        ("compose.override.yml", SVC),
    ]);
    let o = with_env(
        t.opts("."),
        &[("COMPOSE_FILE", "compose.yml:compose.prod.yml")],
    );
    let r = resolve(&o).expect("resolves");
    assert_eq!(r.files, vec![t.p("compose.yml"), t.p("compose.prod.yml")]);
    // vector 36
    let o = with_env(
        t.opts("."),
        &[
            ("COMPOSE_FILE", "compose.yml,compose.prod.yml"),
            ("COMPOSE_PATH_SEPARATOR", ","),
        ],
    );
    assert_eq!(resolve(&o).expect("resolves").files.len(), 2);
    // -f beats COMPOSE_FILE
    let o = files(
        &with_env(t.opts("."), &[("COMPOSE_FILE", "compose.prod.yml")]),
        &["compose.yml"],
    );
    assert_eq!(
        resolve(&o).expect("resolves").files,
        vec![t.p("compose.yml")]
    );
    // a missing entry is named
    let o = with_env(t.opts("."), &[("COMPOSE_FILE", "compose.yml:gone.yml")]);
    let err = resolve(&o).expect_err("missing");
    assert!(
        err.message.contains("gone.yml")
            && err.hint.as_deref().unwrap_or("").contains("COMPOSE_FILE")
    );
    // only separators: an error, not a panic
    let o = with_env(t.opts("."), &[("COMPOSE_FILE", "::::")]);
    let err = resolve(&o).expect_err("no file");
    assert_eq!(err.exit, Exit::Config);
    assert!(
        err.message.contains("\"::::\" names no compose file"),
        "{}",
        err.message
    );
}

#[test]
fn compose_file_flag_naming_a_directory_or_a_device() {
    let t = Tree::new(&[("compose.yml", SVC), ("adir/x", "")]);
    for (path, says) in [
        ("adir", "is a directory"),
        ("/dev/null", "is not a regular file"),
        ("gone.yml", "not found"),
    ] {
        let err = resolve(&files(&t.opts("."), &[path])).expect_err(path);
        assert_eq!(err.exit, Exit::Config, "{path}");
        assert!(err.message.contains(says), "{path}: {}", err.message);
    }
}

#[test]
fn compose_file_from_cwd_dotenv_and_two_dotenvs() {
    // vector 35
    let t = Tree::new(&[
        (
            ".env",
            "COMPOSE_FILE=deploy/compose.yml:deploy/compose.prod.yml\nPOSTGRES_VERSION=9.3\n",
        ),
        ("deploy/.env", "POSTGRES_VERSION=9.2\nONLY_DEPLOY=yes\n"),
        ("deploy/compose.yml", SVC),
        ("deploy/compose.prod.yml", SVC),
    ]);
    let r = resolve(&t.opts(".")).expect("resolves");
    assert_eq!(
        r.files,
        vec![t.p("deploy/compose.yml"), t.p("deploy/compose.prod.yml")]
    );
    assert_eq!(r.project_dir, t.p("deploy"));
    assert_eq!(r.name, "deploy");
    assert_eq!(r.env["POSTGRES_VERSION"], "9.3", "the first .env wins");
    assert_eq!(
        r.env["ONLY_DEPLOY"], "yes",
        "the project's .env is read too"
    );
    assert_eq!(r.env_files, vec![t.p(".env"), t.p("deploy/.env")]);
}

#[test]
fn discovery_searches_cwd_then_docker_then_parents() {
    // vector 37: parents, compose.yaml preferred, override auto-added
    let t = Tree::new(&[
        ("compose.yaml", SVC),
        ("docker-compose.yml", SVC),
        ("compose.override.yaml", SVC),
        ("sub/deeper/x", ""),
    ]);
    let r = resolve(&t.opts("sub/deeper")).expect("resolves");
    assert_eq!(
        r.files,
        vec![t.p("compose.yaml"), t.p("compose.override.yaml")]
    );
    assert_eq!(r.project_dir, t.p("."));
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);

    // the docker/ subfolder of the current directory
    let t = Tree::new(&[
        ("docker/docker-compose.yml", SVC),
        ("docker/docker-compose.override.yml", SVC),
    ]);
    let r = resolve(&t.opts(".")).expect("resolves");
    assert_eq!(
        r.files,
        vec![
            t.p("docker/docker-compose.yml"),
            t.p("docker/docker-compose.override.yml")
        ]
    );
    assert_eq!(r.project_dir, t.p("docker"));
    assert_eq!(r.name, "docker");

    // the docker/ subfolder of a parent, found from deep inside the tree
    let t = Tree::new(&[("docker/compose.yml", SVC), ("src/app/x", "")]);
    assert_eq!(
        resolve(&t.opts("src/app")).expect("resolves").files,
        vec![t.p("docker/compose.yml")]
    );

    // a file beside you beats ./docker/, which beats ../
    let t = Tree::new(&[
        ("compose.yml", SVC),
        ("a/docker/compose.yml", SVC),
        ("a/b/compose.yml", SVC),
    ]);
    assert_eq!(
        resolve(&t.opts("a")).expect("r").files,
        vec![t.p("a/docker/compose.yml")]
    );
    assert_eq!(
        resolve(&t.opts("a/b")).expect("r").files,
        vec![t.p("a/b/compose.yml")]
    );

    // --project-directory is where the search starts
    let mut o = t.opts(".");
    o.project_directory = Some(PathBuf::from("a"));
    let r = resolve(&o).expect("r");
    assert_eq!(r.files, vec![t.p("a/docker/compose.yml")]);
    assert_eq!(r.project_dir, t.p("a"));
}

#[test]
fn override_file_order_follows_compose() {
    let t = Tree::new(&[
        ("compose.yml", SVC),
        ("docker-compose.override.yml", SVC),
        ("compose.override.yaml", SVC),
    ]);
    let r = resolve(&t.opts(".")).expect("resolves");
    assert_eq!(
        r.files,
        vec![t.p("compose.yml"), t.p("compose.override.yaml")]
    );
}

#[test]
fn no_compose_file_lists_every_place_looked() {
    let t = Tree::new(&[("a/b/x", "")]);
    let err = discover_base(&t.p("a/b"), &mut Vec::new()).expect_err("nothing");
    assert_eq!(err.exit, Exit::Config);
    for dir in ["a/b", "a/b/docker", "a", "a/docker", "."] {
        assert!(
            err.message.contains(&format!("  {}\n", t.p(dir).display())),
            "{dir}: {}",
            err.message
        );
    }
    for name in COMPOSE_NAMES {
        assert!(err.message.contains(name), "{name}");
    }
    assert!(
        err.message.ends_with("\n  /\n  /docker"),
        "the search reaches the root: {}",
        err.message
    );
}

#[test]
fn env_files_follow_compose() {
    // vector 34: -f docker/… reads docker/.env, not the one in cwd
    let t = Tree::new(&[
        (".env", "TAG=root\nCOMPOSE_PROJECT_NAME=from-cwd\n"),
        ("docker/.env", "TAG=docker\n"),
        ("docker/docker-compose.yml", SVC),
    ]);
    let r = resolve(&files(&t.opts("."), &["docker/docker-compose.yml"])).expect("resolves");
    assert_eq!(r.env["TAG"], "docker");
    assert_eq!(r.env_files, vec![t.p("docker/.env")]);
    assert_eq!(r.name, "docker", "vector 34e: the cwd .env is not read");

    // vector 34d: --project-directory . reads ./.env
    let mut o = files(&t.opts("."), &["docker/docker-compose.yml"]);
    o.project_directory = Some(PathBuf::from("."));
    let r = resolve(&o).expect("resolves");
    assert_eq!(r.env["TAG"], "root");
    assert_eq!(r.name, "from-cwd");

    // vector 38: --env-file (relative to cwd), later wins, OS beats both, .env not read
    let t = Tree::new(&[
        (".env", "TAG=dotenv\nONLY_DOTENV=1\n"),
        ("compose.yml", SVC),
        ("config/.env.dev", "TAG=dev\nA=dev\nB=${A}-derived\n"),
        ("config/.env.override", "B=override\n"),
    ]);
    let mut o = files(
        &with_env(t.opts("."), &[("A", "from-os")]),
        &["compose.yml"],
    );
    o.env_files = vec!["config/.env.dev".into(), "config/.env.override".into()];
    let r = resolve(&o).expect("resolves");
    assert_eq!(
        (
            r.env["TAG"].as_str(),
            r.env["A"].as_str(),
            r.env["B"].as_str()
        ),
        ("dev", "from-os", "override")
    );
    assert!(!r.env.contains_key("ONLY_DOTENV"));
    assert_eq!(
        r.env_files,
        vec![t.p("config/.env.dev"), t.p("config/.env.override")]
    );

    // COMPOSE_ENV_FILES stands for --env-file
    let o = files(
        &with_env(t.opts("."), &[("COMPOSE_ENV_FILES", "config/.env.dev")]),
        &["compose.yml"],
    );
    assert_eq!(resolve(&o).expect("resolves").env["TAG"], "dev");

    // a missing --env-file is an error naming it
    let mut o = files(&t.opts("."), &["compose.yml"]);
    o.env_files = vec!["config/nope".into()];
    let err = resolve(&o).expect_err("missing env file");
    assert!(
        err.message
            .contains(&t.p("config/nope").display().to_string()),
        "{}",
        err.message
    );

    // COMPOSE_DISABLE_ENV_FILE turns the default .env off
    let o = files(
        &with_env(t.opts("."), &[("COMPOSE_DISABLE_ENV_FILE", "true")]),
        &["compose.yml"],
    );
    let r = resolve(&o).expect("resolves");
    assert!(r.env_files.is_empty() && !r.env.contains_key("TAG"));

    // a bad line in .env names file and line
    t.write(".env", "OK=1\nBAD LINE=2\n");
    let err = resolve(&files(&t.opts("."), &["compose.yml"])).expect_err("bad .env");
    assert!(
        err.message
            .starts_with(&format!("{}:2:", t.p(".env").display())),
        "{}",
        err.message
    );
}

#[test]
fn interpolation_environment() {
    let t = Tree::new(&[
        (".env", "FROM_FILE=file\nSHARED=file\nPWD=/from/dotenv\n"),
        ("compose.yml", SVC),
    ]);
    let o = files(
        &with_env(t.opts("."), &[("SHARED", "os")]),
        &["compose.yml"],
    );
    let r = resolve(&o).expect("resolves");
    assert_eq!(r.env["FROM_FILE"], "file");
    assert_eq!(r.env["SHARED"], "os", "the OS environment wins over .env");
    assert_eq!(
        r.env["PWD"],
        t.p(".").display().to_string(),
        "PWD is the current directory"
    );
    assert_eq!(r.env["COMPOSE_PROJECT_NAME"], r.name);
    assert_eq!(r.env["HOME"], "/home/t");
    // an existing PWD is kept; -p is injected as COMPOSE_PROJECT_NAME (vector 56)
    let mut o = files(
        &with_env(
            t.opts("."),
            &[("PWD", "/elsewhere"), ("COMPOSE_PROJECT_NAME", "other")],
        ),
        &["compose.yml"],
    );
    o.project_name = Some("custom".into());
    let r = resolve(&o).expect("resolves");
    assert_eq!(
        (
            r.env["PWD"].as_str(),
            r.env["COMPOSE_PROJECT_NAME"].as_str()
        ),
        ("/elsewhere", "custom")
    );
}

#[test]
fn profiles_from_flags_or_compose_profiles() {
    let t = Tree::new(&[
        ("compose.yml", SVC),
        (".env", "COMPOSE_PROFILES=fromfile\n"),
    ]);
    let o = files(
        &with_env(t.opts("."), &[("COMPOSE_PROFILES", "ci, web,,")]),
        &["compose.yml"],
    );
    assert_eq!(resolve(&o).expect("r").profiles, vec!["ci", "web"]);
    let mut o = o.clone();
    o.profiles = vec!["dev".into()];
    assert_eq!(resolve(&o).expect("r").profiles, vec!["dev"]);
    let o = files(&t.opts("."), &["compose.yml"]);
    assert_eq!(resolve(&o).expect("r").profiles, vec!["fromfile"]);
}

#[test]
fn project_name_precedence() {
    let t = Tree::new(&[
        ("My Project.Dir_01/compose.yml", SVC),
        ("named/compose.yml", "name: base-name\nservices: {}\n"),
        (
            "named/compose.prod.yml",
            "name: \"${STACK:-Prod_Stack.V2}\"\n",
        ),
        ("named/empty.yml", "name: \"\"\n"),
        ("named/null.yml", "name:\n"),
        ("named/blank.yml", "name: \"${NOTHING}\"\n"),
        ("named/required.yml", "name: \"${NEED:?set NEED}\"\n"),
        ("named/.env", ""),
        ("___/compose.yml", SVC),
    ]);
    let base = t.opts(".");
    let name = |o: &ProjectOptions| resolve(o).map(|r| r.name);
    // vector 33: directory basename, normalised
    assert_eq!(
        name(&files(&base, &["My Project.Dir_01/compose.yml"])).expect("33"),
        "myprojectdir_01"
    );
    // vector 33b: last name: wins, interpolated and normalised
    let both = files(&base, &["named/compose.yml", "named/compose.prod.yml"]);
    assert_eq!(name(&both).expect("33b"), "prod_stackv2");
    assert_eq!(
        name(&with_env(both.clone(), &[("STACK", "From-Var")])).expect("interp"),
        "from-var"
    );
    // vector 33c: COMPOSE_PROJECT_NAME beats name:
    assert_eq!(
        name(&with_env(
            both.clone(),
            &[("COMPOSE_PROJECT_NAME", "from-env")]
        ))
        .expect("33c"),
        "from-env"
    );
    // vector 33d: … also from .env
    t.write("named/.env", "COMPOSE_PROJECT_NAME=from-dotenv\n");
    assert_eq!(name(&both).expect("33d"), "from-dotenv");
    t.write("named/.env", "");
    // -p beats everything
    let mut p = with_env(both.clone(), &[("COMPOSE_PROJECT_NAME", "from-env")]);
    p.project_name = Some("flag".into());
    assert_eq!(name(&p).expect("-p"), "flag");
    // vector 33e: an invalid -p is a usage error
    p.project_name = Some("My_Proj".into());
    let err = resolve(&p).expect_err("33e");
    assert_eq!(err.exit, Exit::Usage);
    assert!(
        err.message
            .starts_with("invalid project name \"My_Proj\": must consist only of lowercase")
    );
    assert_eq!(err.hint.as_deref(), Some("try -p my_proj"));
    // an invalid COMPOSE_PROJECT_NAME is a config error
    let err = resolve(&with_env(
        both.clone(),
        &[("COMPOSE_PROJECT_NAME", "Bad Name")],
    ))
    .expect_err("env");
    assert_eq!(err.exit, Exit::Config);
    // an empty name: is skipped; a null one stops the scan (the later name is not seen)
    assert_eq!(
        name(&files(&base, &["named/compose.yml", "named/empty.yml"])).expect("empty"),
        "base-name"
    );
    assert_eq!(
        name(&files(&base, &["named/null.yml", "named/compose.prod.yml"])).expect("null"),
        "named"
    );
    // a name that interpolates to nothing falls back to the directory
    assert_eq!(
        name(&files(&base, &["named/blank.yml"])).expect("blank"),
        "named"
    );
    // a required variable in name: is reported with the file
    let err = resolve(&files(&base, &["named/required.yml"])).expect_err("required");
    assert!(
        err.message
            .contains("required.yml: name: required variable NEED"),
        "{}",
        err.message
    );
    // a directory that normalises to nothing
    let err = resolve(&files(&base, &["___/compose.yml"])).expect_err("empty name");
    assert!(
        err.message.contains("project name must not be empty"),
        "{}",
        err.message
    );
}

#[test]
fn normalize_table() {
    let cases = [
        ("My Project.Dir_01", "myprojectdir_01"),
        ("Prod_Stack.V2", "prod_stackv2"),
        ("--x", "x"),
        ("_-_a-b_", "a-b_"),
        ("ÉtéCafé", "tcaf"),
        ("", ""),
        ("123", "123"),
    ];
    for (input, want) in cases {
        assert_eq!(name::normalize(input), want, "{input}");
    }
}

#[test]
fn environments_layer_the_override_named_after_the_base() {
    let t = Tree::new(&[
        ("docker/docker-compose.yml", SVC),
        ("docker/docker-compose.dev.yml", SVC),
        ("docker/docker-compose.prod.yml", SVC),
        ("docker/docker-compose.override.yml", SVC),
    ]);
    let base = t.opts(".");
    // no environment: Compose behaviour (override added)
    let r = resolve(&base).expect("plain");
    assert_eq!(r.files.len(), 2);
    assert!(r.files[1].ends_with("docker-compose.override.yml"));
    // --dev: dev override instead of *.override.*
    let mut dev = base.clone();
    dev.environment = Some("dev".into());
    let r = resolve(&dev).expect("dev");
    assert_eq!(
        r.files,
        vec![
            t.p("docker/docker-compose.yml"),
            t.p("docker/docker-compose.dev.yml")
        ]
    );
    assert_eq!(r.environment.as_deref(), Some("dev"));
    assert!(!r.protected);
    // DEVCTL_ENV selects; the flag beats it
    let r = resolve(&with_env(base.clone(), &[("DEVCTL_ENV", "prod")])).expect("DEVCTL_ENV");
    assert_eq!(r.files[1], t.p("docker/docker-compose.prod.yml"));
    let r = resolve(&with_env(dev.clone(), &[("DEVCTL_ENV", "prod")])).expect("flag wins");
    assert_eq!(r.environment.as_deref(), Some("dev"));
    // DEVCTL_ENV in the working directory's .env selects too; the process environment and
    // the flag beat it.
    t.write(".env", "DEVCTL_ENV=prod\n");
    let r = resolve(&base).expect(".env DEVCTL_ENV");
    assert_eq!(r.environment.as_deref(), Some("prod"));
    assert_eq!(r.files[1], t.p("docker/docker-compose.prod.yml"));
    let r = resolve(&with_env(base.clone(), &[("DEVCTL_ENV", "dev")])).expect("process env wins");
    assert_eq!(r.environment.as_deref(), Some("dev"));
    assert_eq!(
        resolve(&dev).expect("flag").environment.as_deref(),
        Some("dev")
    );
    std::fs::remove_file(t.p(".env")).expect("rm .env");
    // with -f the environment applies too, the override file is not added twice
    let mut f = files(
        &dev,
        &["docker/docker-compose.yml", "docker/docker-compose.dev.yml"],
    );
    assert_eq!(resolve(&f).expect("-f").files.len(), 2);
    f.files.truncate(1);
    assert_eq!(
        resolve(&f).expect("-f").files[1],
        t.p("docker/docker-compose.dev.yml")
    );
    // unknown environment lists the known ones
    let mut bad = base.clone();
    bad.environment = Some("staging".into());
    let err = resolve(&bad).expect_err("unknown");
    assert_eq!(err.exit, Exit::Usage);
    assert!(
        err.message.ends_with("known environments are dev, prod"),
        "{}",
        err.message
    );
}

#[test]
fn compose_yaml_base_gets_compose_env_yaml() {
    let t = Tree::new(&[("compose.yaml", SVC), ("compose.prod.yaml", SVC)]);
    let mut o = t.opts(".");
    o.environment = Some("prod".into());
    assert_eq!(
        resolve(&o).expect("r").files,
        vec![t.p("compose.yaml"), t.p("compose.prod.yaml")]
    );
}

#[test]
fn devctl_yaml_default_protected_and_volumes() {
    let t = Tree::new(&[
        (
            "devctl.yaml",
            "default_environment: dev\nprotected_volumes: [pgdata]\nenvironments:\n  prod: {protected: true}\n  ci: {files: [ci/ci.yml]}\n",
        ),
        ("docker/docker-compose.yml", SVC),
        ("docker/docker-compose.dev.yml", SVC),
        ("docker/docker-compose.prod.yml", SVC),
        ("docker/docker-compose.override.yml", SVC),
        ("ci/ci.yml", SVC),
    ]);
    let base = t.opts(".");
    // the default environment applies when devctl finds the files itself
    let r = resolve(&base).expect("default");
    assert_eq!(r.environment.as_deref(), Some("dev"));
    assert_eq!(r.files[1], t.p("docker/docker-compose.dev.yml"));
    assert_eq!(r.protected_volumes, vec!["pgdata"]);
    // …but not with -f (exactly the files given)
    let r = resolve(&files(&base, &["docker/docker-compose.yml"])).expect("-f");
    assert_eq!((r.files.len(), r.environment.clone()), (1, None));
    // protected comes from devctl.yaml
    let r = resolve(&with_env(base.clone(), &[("DEVCTL_ENV", "prod")])).expect("prod");
    assert!(r.protected);
    // declared file lists, relative to devctl.yaml
    let r = resolve(&with_env(base.clone(), &[("DEVCTL_ENV", "ci")])).expect("ci");
    assert_eq!(
        r.files,
        vec![t.p("docker/docker-compose.yml"), t.p("ci/ci.yml")]
    );
    assert_eq!(r.project_dir, t.p("docker"));
    // a declared environment whose override is missing names the expected path
    t.write("devctl.yaml", "environments:\n  qa: {}\n");
    let err = resolve(&with_env(base.clone(), &[("DEVCTL_ENV", "qa")])).expect_err("qa");
    assert_eq!(err.exit, Exit::Config);
    assert!(
        err.message
            .contains(&t.p("docker/docker-compose.qa.yml").display().to_string()),
        "{}",
        err.message
    );
    // a broken devctl.yaml is reported
    t.write("devctl.yaml", "default_environment: [x]\n");
    assert_eq!(resolve(&base).expect_err("broken").exit, Exit::Config);
}

/// Who chose the environment decides whether the containers may keep theirs: only when
/// nobody named one and devctl found the files itself (`default_environment` included).
#[test]
fn who_chose_the_environment() {
    let t = Tree::new(&[
        ("docker/docker-compose.yml", SVC),
        ("docker/docker-compose.dev.yml", SVC),
        ("docker/docker-compose.prod.yml", SVC),
    ]);
    let base = t.opts(".");
    let choice = |o: &ProjectOptions| resolve_with_choice(o).expect("resolves").1;
    assert_eq!(choice(&base), EnvChoice::Open);
    let mut dev = base.clone();
    dev.environment = Some("dev".into());
    assert_eq!(choice(&dev), EnvChoice::Named);
    assert_eq!(
        choice(&with_env(base.clone(), &[("DEVCTL_ENV", "prod")])),
        EnvChoice::Named
    );
    assert_eq!(
        choice(&files(&base, &["docker/docker-compose.yml"])),
        EnvChoice::FilesGiven
    );
    assert_eq!(
        choice(&with_env(
            base.clone(),
            &[("COMPOSE_FILE", "docker/docker-compose.yml")]
        )),
        EnvChoice::FilesGiven
    );
    t.write("devctl.yaml", "default_environment: dev\n");
    let (r, c) = resolve_with_choice(&base).expect("default");
    assert_eq!(
        (r.environment.as_deref(), c),
        (Some("dev"), EnvChoice::Open)
    );
    t.write(".env", "DEVCTL_ENV=prod\n");
    assert_eq!(choice(&base), EnvChoice::Named);
}
