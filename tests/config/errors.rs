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
