//! The seeds' stacks (the five user stories of `/work/shared/seeds/`, rebuilt as fixtures in
//! `tests/fixtures/seeds/`): `devctl config --json` and the real `docker compose config
//! --format json` side by side, base file and every layer combination the stories use
//! (base + dev, base + prod, the production profile), plus devctl's own `--dev`/`--prod`
//! layering on seed 004's `docker/` layout compared with the equivalent Compose command.
//!
//! Seed 003 without `--profile production` is rejected by Compose on purpose (an enabled
//! service depends on a profile-disabled one); devctl must reject it too (exit code 3).
//!
//! Normalisations (the only ones): JSON objects are compared as maps (key order is not
//! significant).

use crate::common;

use std::path::Path;

use common::config::{Case, base_env, compare, compare_with, compose_binary, report};

/// (fixture, folder to run in, Compose arguments) — from `tests/fixtures/seeds/README.md`.
const SEEDS: &[(&str, &str, &str)] = &[
    ("seed-000-nostream", ".", "-f docker-compose.yml"),
    ("seed-001-peer-node", ".", "-f docker-compose.yml"),
    (
        "seed-002-dreamscape",
        ".",
        "-f docker-compose.core-services.yml",
    ),
    (
        "seed-003-pivotal",
        "infra/docker",
        "-f docker-compose.prod.yml",
    ),
    (
        "seed-003-pivotal",
        "infra/docker",
        "-f docker-compose.prod.yml --profile production",
    ),
    ("seed-004-antone", "docker", "-f docker-compose.yml"),
    (
        "seed-004-antone",
        "docker",
        "-f docker-compose.yml -f docker-compose.dev.yml",
    ),
    (
        "seed-004-antone",
        "docker",
        "-f docker-compose.yml -f docker-compose.prod.yml",
    ),
];

/// Seeds where devctl deliberately differs, with the reason. (None today.)
const DELIBERATE: &[(&str, &str)] = &[];

#[test]
fn seed_stacks_agree_with_compose() {
    let compose = compose_binary();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let mut agree = Vec::new();
    let mut differ = Vec::new();
    for (seed, sub, line) in SEEDS {
        let case = Case {
            name: format!("{seed} [{line}]"),
            dir: seeds.join(seed).join(sub),
            args: line.split_whitespace().map(String::from).collect(),
            env: base_env(),
        };
        match compare(&compose, &case) {
            Ok(()) => agree.push(case.name),
            Err(why) => differ.push((case.name, why)),
        }
    }
    // devctl's own layering: `--dev`/`--prod` run from the project root find `docker/` and
    // the override named after the base file. Like Compose with COMPOSE_FILE, devctl reads
    // the root `.env` (the current directory's) first; the equivalent Compose command is
    // therefore `--env-file .env -f docker/docker-compose.yml -f docker/<override>`.
    let root = seeds.join("seed-004-antone");
    for (flag, over) in [
        ("--dev", "docker-compose.dev.yml"),
        ("--prod", "docker-compose.prod.yml"),
    ] {
        let line = format!("--env-file .env -f docker/docker-compose.yml -f docker/{over}");
        let case = Case {
            name: format!("seed-004-antone devctl [{flag}] vs compose [{line}]"),
            dir: root.clone(),
            args: line.split_whitespace().map(String::from).collect(),
            env: base_env(),
        };
        match compare_with(&compose, &case, &[flag.to_string()]) {
            Ok(()) => agree.push(case.name),
            Err(why) => differ.push((case.name, why)),
        }
    }
    assert_eq!(agree.len() + differ.len(), SEEDS.len() + 2);
    report("seed stacks", &agree, &differ, DELIBERATE);
}
