//! Bad input to `devctl config`: every message names the file (and line/column/key) and
//! the problem, and the exit code is 3 ("the project could not be loaded"), as the README
//! documents. Inputs are written to a temporary project for each case.

use crate::common;

use common::config::base_env;
use common::devctl::{Opts, devctl};
use common::scratch::write_tree;

/// Write `files` into a fresh directory and run `devctl ARGS config` there.
fn run(files: &[(&str, &str)], args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(dir.path(), files);
    let mut argv = args.to_vec();
    argv.push("config");
    let run = devctl(&Opts::exactly(dir.path(), base_env()).with_all(env), &argv);
    (run.code.unwrap_or(-1), run.stderr)
}

fn assert_all(err: &str, words: &[&str]) {
    for w in words {
        assert!(err.contains(w), "message lacks {w:?}:\n{err}");
    }
}

#[test]
fn yaml_syntax_error_names_file_line_column_and_shows_the_line() {
    let (code, err) = run(
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx\n   ports: [\"80:80\"]\n",
        )],
        &[],
        &[],
    );
    assert_eq!(code, 3, "{err}");
    assert_all(
        &err,
        &[
            "compose.yaml",
            "line 4, column 4",
            "did not find expected key",
            "   ports: [\"80:80\"]",
            "^",
        ],
    );
}

#[test]
fn unterminated_flow_sequence_points_at_where_it_started() {
    let (code, err) = run(
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"\n",
        )],
        &[],
        &[],
    );
    assert_eq!(code, 3, "{err}");
    assert_all(
        &err,
        &[
            "compose.yaml",
            "while parsing a flow sequence at line 4, column 12",
            "ports: [\"80:80\"",
        ],
    );
}

#[test]
fn required_variable_prints_its_message_and_the_file() {
    let (code, err) = run(
        &[(
            "compose.yaml",
            "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD in .env}\n",
        )],
        &[],
        &[],
    );
    assert_eq!(code, 3, "{err}");
    assert_all(
        &err,
        &[
            "compose.yaml",
            "services.db.environment.POSTGRES_PASSWORD",
            "DB_PASSWORD",
            "set DB_PASSWORD in .env",
        ],
    );
    // Set in .env: loads.
    let (code, err) = run(
        &[
            (
                "compose.yaml",
                "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD in .env}\n",
            ),
            (".env", "DB_PASSWORD=x\n"),
        ],
        &[],
        &[],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn duplicate_key_names_both_lines() {
    let (code, err) = run(
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx\n    restart: always\n    image: httpd\n",
        )],
        &[],
        &[],
    );
    assert_eq!(code, 3, "{err}");
    assert_all(
        &err,
        &[
            "compose.yaml",
            "line 5",
            "mapping key \"image\" already defined at line 3",
            "image: httpd",
        ],
    );
}

#[test]
fn type_mismatch_between_layers_names_the_key() {
    let (code, err) = run(
        &[
            (
                "compose.yaml",
                "services:\n  app:\n    image: nginx\n    ports: [\"80:80\"]\n",
            ),
            (
                "compose.dev.yaml",
                "services:\n  app:\n    ports: \"8080:80\"\n",
            ),
        ],
        &["--dev"],
        &[],
    );
    assert_eq!(code, 3, "{err}");
    assert_all(&err, &["cannot override services.app.ports"]);
}

#[test]
fn invalid_values_name_the_key() {
    let cases: &[(&str, &[&str])] = &[
        (
            "services:\n  app:\n    image: x\n    ports: [\"80:80/tcpx\"]\n",
            &["services.app.ports", "invalid proto: tcpx"],
        ),
        (
            "services:\n  app:\n    image: x\n    mem_limit: lots\n",
            &["services.app.mem_limit", "invalid size", "lots"],
        ),
        (
            "services:\n  app:\n    image: x\n    read_only: \"${RO:-maybe}\"\n",
            &["services.app.read_only", "boolean", "maybe"],
        ),
        (
            "services:\n  app:\n    image: x\n    networks: [nope]\n",
            &["service \"app\" refers to undefined network nope"],
        ),
        (
            "services:\n  app:\n    image: x\n    depends_on: [ghost]\n",
            &["service \"app\" depends on undefined service \"ghost\""],
        ),
        (
            "services:\n  app:\n    image: x\n    healthcheck:\n      interval: 10\n",
            &["services.app.healthcheck.interval must be a string"],
        ),
        ("- a\n- list\n", &["compose.yaml", "mapping"]),
        (
            "services:\n  app:\n    image: x\n    enviroment: {A: 1}\n",
            &[
                "services.app additional properties 'enviroment' not allowed",
                "did you mean 'environment'",
            ],
        ),
        (
            "servics:\n  app:\n    image: x\n",
            &[
                "additional properties 'servics' not allowed",
                "did you mean 'services'",
            ],
        ),
        (
            "services:\n  app:\n    image: x\n    command: echo \"unterminated\n",
            &["services.app.command"],
        ),
    ];
    for (text, words) in cases {
        let (code, err) = run(&[("compose.yaml", text)], &[], &[]);
        assert_eq!(code, 3, "{text}\n{err}");
        assert_all(&err, words);
    }
}

#[test]
fn unknown_environment_lists_the_known_ones() {
    let (code, err) = run(
        &[
            ("docker-compose.yml", "services:\n  app:\n    image: x\n"),
            (
                "docker-compose.dev.yml",
                "services:\n  app:\n    restart: always\n",
            ),
        ],
        &["--env", "staging"],
        &[],
    );
    assert_ne!(code, 0, "{err}");
    assert_all(&err, &["staging", "dev"]);
}

#[test]
fn no_compose_file_says_where_devctl_looked() {
    let (code, err) = run(&[("README.md", "nothing here\n")], &[], &[]);
    assert_eq!(code, 3, "{err}");
    assert_all(
        &err,
        &[
            "no compose file found",
            "compose.yaml",
            "docker-compose.yml",
        ],
    );
}

/// Write `files` into a fresh directory and run `devctl ARGS config` there; the directory is
/// returned too (messages name paths inside it).
fn run_in(files: &[(&str, &str)], args: &[&str]) -> (tempfile::TempDir, i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(dir.path(), files);
    let mut argv = args.to_vec();
    argv.push("config");
    let run = devctl(&Opts::exactly(dir.path(), base_env()), &argv);
    (dir, run.code.unwrap_or(-1), run.stderr)
}

const REQUIRED: &str = "services:\n  api:\n    image: alpine\n    environment:\n      MODE: dev\n      DB_PASSWORD: ${DB_PASSWORD:?}\n";

#[test]
fn required_variable_names_the_line_and_the_env_file_to_edit() {
    // Compose files in docker/, the template at the root, no .env: the .env devctl would read
    // is named by its path, with the line of the reference and the copy command.
    let (dir, code, err) = run_in(
        &[
            ("docker/compose.yml", REQUIRED),
            (".env.example", "DB_PASSWORD=\n"),
        ],
        &[],
    );
    let d = dir.path().display().to_string();
    assert_eq!(code, 3, "{err}");
    assert_all(
        &err,
        &[
            &format!(
                "{d}/docker/compose.yml: line 6, column 20: services.api.environment.DB_PASSWORD: required variable DB_PASSWORD is missing a value"
            ),
            "      DB_PASSWORD: ${DB_PASSWORD:?}",
            &format!(
                "add `DB_PASSWORD=…` to {d}/docker/.env (the project's .env, which does not exist yet)"
            ),
            &format!("`cp {d}/.env.example {d}/docker/.env`"),
        ],
    );
    // The .env exists and sets it empty: that file and line.
    let (dir, code, err) = run_in(
        &[
            ("docker/compose.yml", REQUIRED),
            ("docker/.env", "A=1\nDB_PASSWORD=\n"),
        ],
        &[],
    );
    let d = dir.path().display().to_string();
    assert_eq!(code, 3, "{err}");
    assert_all(
        &err,
        &[&format!("DB_PASSWORD is empty at {d}/docker/.env:2")],
    );
    // --env-file: that file, and the flag.
    let (dir, code, err) = run_in(
        &[("docker/compose.yml", REQUIRED), ("prod.env", "A=1\n")],
        &["--env-file", "prod.env"],
    );
    let d = dir.path().display().to_string();
    assert_eq!(code, 3, "{err}");
    assert_all(
        &err,
        &[&format!(
            "add `DB_PASSWORD=…` to {d}/prod.env (given with --env-file; it does not set DB_PASSWORD)"
        )],
    );
}

#[test]
fn unknown_keys_at_every_level_name_file_line_and_column() {
    let cases: &[(&str, &[&str])] = &[
        (
            "services:\n  api:\n    image: x\n    build: {contxt: .}\n",
            &[
                "compose.yaml: line 4, column 13: services.api.build additional properties 'contxt' not allowed (did you mean 'context'?)",
                "    build: {contxt: .}",
                "rename `contxt` to `context`",
            ],
        ),
        (
            "services:\n  api:\n    image: x\n    ports:\n      - \"80:80\"\n      - target: 81\n        publised: 8081\n",
            &[
                "compose.yaml: line 7, column 9: services.api.ports.1 additional properties 'publised' not allowed (did you mean 'published'?)",
            ],
        ),
        (
            "services:\n  api:\n    image: x\n    depends_on:\n      db: {condtion: service_started}\n  db:\n    image: x\n",
            &[
                "line 5, column 12: services.api.depends_on.db additional properties 'condtion' not allowed (did you mean 'condition'?)",
            ],
        ),
        (
            "services:\n  api:\n    image: x\nvolumes:\n  data:\n    drver: local\n",
            &[
                "line 6, column 5: volumes.data additional properties 'drver' not allowed (did you mean 'driver'?)",
            ],
        ),
        (
            "services:\n  app:\n    image: x\n    enviroment: {A: 1}\n",
            &[
                "compose.yaml: line 4, column 5: services.app additional properties 'enviroment' not allowed (did you mean 'environment'?)",
            ],
        ),
        (
            "servics:\n  app:\n    image: x\n",
            &[
                "compose.yaml: line 1, column 1: additional properties 'servics' not allowed (did you mean 'services'?)",
            ],
        ),
        (
            "services:\n  app:\n    image: x\n    healthcheck:\n      test: [CMD, \"true\"]\n      intervl: 5s\n",
            &[
                "line 6, column 7: services.app.healthcheck additional properties 'intervl' not allowed (did you mean 'interval'?)",
            ],
        ),
    ];
    for (text, words) in cases {
        let (code, err) = run(&[("compose.yaml", text)], &[], &[]);
        assert_eq!(code, 3, "{text}\n{err}");
        assert_all(&err, words);
    }
}
