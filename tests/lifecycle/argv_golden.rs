//! Golden files for the one pure argv builder: each case renders the command line devctl would
//! print and whether Compose gets the terminal's stdin. `UPDATE_GOLDEN=1` rewrites the files;
//! review the diff before committing.

use std::path::{Path, PathBuf};

use devctl::compose::argv::build;
use devctl::compose::detect::{Detected, Flavor};
use devctl::project::Resolved;

fn v(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn compose(flavor: Flavor) -> Detected {
    let (program, version) = match flavor {
        Flavor::Plugin => ("docker", "2.40.3"),
        Flavor::StandaloneV2 => ("docker-compose", "2.24.0"),
        Flavor::StandaloneV1 => ("docker-compose", "1.29.2"),
    };
    Detected {
        flavor,
        program: program.into(),
        version: version.into(),
    }
}

fn seed(env: &str) -> Resolved {
    Resolved {
        files: vec![
            PathBuf::from("/home/dev/antone/docker/docker-compose.yml"),
            PathBuf::from(format!("/home/dev/antone/docker/docker-compose.{env}.yml")),
        ],
        project_dir: PathBuf::from("/home/dev/antone/docker"),
        name: "antone".into(),
        environment: Some(env.into()),
        protected: env == "prod",
        env_files: vec![],
        profiles: vec![],
        protected_volumes: vec![],
        ..Default::default()
    }
}

fn cases() -> Vec<(&'static str, Detected, Resolved, bool, Vec<String>)> {
    let mut with_env = seed("dev");
    with_env.env_files = vec![PathBuf::from("/home/dev/antone/.env")];
    with_env.profiles = vec!["tools".into()];
    let mut spaced = seed("dev");
    spaced.files = vec![PathBuf::from("/home/dev/My Apps/shop/compose.yaml")];
    spaced.project_dir = PathBuf::from("/home/dev/My Apps/shop");
    spaced.name = "shop".into();
    vec![
        (
            "up_dev_plugin",
            compose(Flavor::Plugin),
            seed("dev"),
            true,
            v("up -d"),
        ),
        (
            "up_prod_build_services",
            compose(Flavor::Plugin),
            seed("prod"),
            true,
            v("up -d --build backend-api postgres"),
        ),
        (
            "up_attached",
            compose(Flavor::Plugin),
            seed("dev"),
            true,
            v("up"),
        ),
        (
            "restart_api_v2_standalone",
            compose(Flavor::StandaloneV2),
            seed("dev"),
            true,
            v("restart backend-api"),
        ),
        (
            "stop_v1",
            compose(Flavor::StandaloneV1),
            seed("prod"),
            true,
            v("stop"),
        ),
        (
            "exec_env_files_profiles",
            compose(Flavor::Plugin),
            with_env,
            true,
            v("exec postgres psql -U antone"),
        ),
        (
            "exec_detached",
            compose(Flavor::Plugin),
            seed("dev"),
            true,
            v("exec -d backend-worker sh -c true"),
        ),
        (
            "run_one_off",
            compose(Flavor::Plugin),
            seed("dev"),
            true,
            v("run --rm backend-api node migrate.js"),
        ),
        (
            "passthrough_with_globals",
            compose(Flavor::Plugin),
            seed("dev"),
            true,
            v("--progress plain logs --tail 5 backend-api"),
        ),
        (
            "down_remove_orphans",
            compose(Flavor::Plugin),
            seed("prod"),
            true,
            v("down --remove-orphans"),
        ),
        (
            "paths_with_spaces",
            compose(Flavor::Plugin),
            spaced,
            true,
            vec![
                "exec".into(),
                "web".into(),
                "sh".into(),
                "-c".into(),
                "echo 'hi there'".into(),
            ],
        ),
        (
            "up_no_color_plugin",
            compose(Flavor::Plugin),
            seed("dev"),
            false,
            v("up -d"),
        ),
        (
            "exec_no_color_v1",
            compose(Flavor::StandaloneV1),
            seed("dev"),
            false,
            v("exec -T backend-api ls"),
        ),
    ]
}

#[test]
fn argv_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/argv");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for (name, detected, resolved, color, sub) in cases() {
        let inv = build(&detected, &resolved, color, &sub);
        let got = format!(
            "# compose {} ({:?}); stdin: {}\n{}\n",
            detected.version,
            detected.flavor,
            if inv.interactive {
                "terminal"
            } else {
                "/dev/null"
            },
            inv.display()
        );
        let path = dir.join(format!("{name}.txt"));
        if update {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(&path, &got).expect("write golden");
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            failures.push(format!("{name}:\n  got:  {got:?}\n  want: {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
