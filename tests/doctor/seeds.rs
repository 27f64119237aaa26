//! doctor on the seed stacks rebuilt as fixtures (tests/fixtures/seeds; the README there says,
//! per story, what a careful reader expects). Offline: these are the static findings; the
//! Engine-backed ones are covered by tests/doctor/engine.rs.
//!
//! For every stack: the exact set of *error* findings (id + key path), the warnings/infos
//! the story makes us expect, and findings that would be wrong (noise) and must not appear.

use crate::common;

use common::doctor::*;
use devctl::doctor::{EngineState, Finding, Severity};

type Expect<'a> = (&'a str, &'a [&'a str]);

fn errors(fs: &[Finding]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.id.clone(), f.key_path.clone().unwrap_or_default()))
        .collect();
    v.sort();
    v
}

fn check(
    dir: &str,
    files: &[&str],
    profiles: &[&str],
    env: Option<&str>,
    want_errors: &[(&str, &str)],
    want: &[Expect<'_>],
    not: &[Expect<'_>],
) {
    let i = input(
        &seeds().join(dir),
        files,
        profiles,
        env,
        EngineState::Offline,
    );
    let fs = run(&i);
    let mut we: Vec<(String, String)> = want_errors
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    we.sort();
    assert_eq!(
        errors(&fs),
        we,
        "{dir} {files:?}: error findings\n{}",
        dump(&fs)
    );
    for (id, needles) in want {
        assert!(
            has(&fs, id, needles),
            "{dir} {files:?}: expected {id} {needles:?}\n{}",
            dump(&fs)
        );
    }
    for (id, needles) in not {
        assert!(
            !has(&fs, id, needles),
            "{dir} {files:?}: unexpected {id} {needles:?}\n{}",
            dump(&fs)
        );
    }
}

#[test]
fn seed_000_nostream() {
    check(
        "seed-000-nostream",
        &["docker-compose.yml"],
        &[],
        None,
        &[(
            "DATA-001-db-volume-not-external",
            "services.nostream-db.volumes[0]",
        )],
        &[
            (
                "SEC-001-secret-default",
                &["DB_PASSWORD", "services.nostream.environment"],
            ),
            ("SEC-001-secret-default", &["REDIS_PASSWORD"]),
            (
                "SEC-001-secret-default",
                &["POSTGRES_PASSWORD", "nostream-db"],
            ),
            ("OPS-001-healthcheck-no-start-period", &["nostream-cache"]),
            ("PORT-003-db-port-public", &["nostream-db", "5432"]),
        ],
        &[
            // Their Dockerfiles declare HEALTHCHECKs with curl, which `apk add curl` installs.
            ("OPS-001-no-healthcheck", &["`nostream`"]),
            ("OPS-001-no-healthcheck", &["dassie"]),
            ("OPS-001-probe-missing", &[]),
            ("OPS-001-depends-on-no-healthcheck", &[]),
            // The root .dockerignore excludes `.env*`.
            ("SEC-001-dockerignore-keeps-env", &[]),
            ("SEC-001-no-dockerignore", &[]),
            // `.env` is complete and where Compose reads it.
            ("CONFIG-001-env-not-read", &[]),
            ("CONFIG-001-variable-unset", &[]),
            // Not a protected environment.
            ("PROD-001-no-resource-limits", &[]),
        ],
    );
}

#[test]
fn seed_001_peer_node() {
    check(
        "seed-001-peer-node",
        &["docker-compose.yml"],
        &[],
        None,
        &[
            (
                "DATA-001-db-volume-not-external",
                "services.nostream-db.volumes[0]",
            ),
            (
                "SEC-001-dockerignore-keeps-env",
                "services.nostream.build.context",
            ),
        ],
        &[
            (
                "DATA-001-db-volume-not-external",
                &["nostream-redis-cache", "Redis"],
            ),
            ("CONFIG-001-variable-unset", &["DASSIE_RPC_TOKEN"]),
            ("SEC-001-secret-default", &["DB_PASSWORD"]),
            ("SEC-001-secret-default", &["REDIS_PASSWORD"]),
            ("PORT-003-db-port-public", &["5432"]),
            ("OPS-001-healthcheck-no-start-period", &["nostream-cache"]),
            // A one-shot job nothing waits for: doctor cannot tell it from a service.
            ("OPS-001-no-healthcheck", &["nostream-migrate"]),
        ],
        &[
            // The QA claim "wget is not in Alpine" is wrong for busybox-based Alpine: not claimed.
            ("OPS-001-probe-missing", &[]),
            // Shell-form Dockerfile HEALTHCHECK with $POSTGRES_USER is expanded by the shell.
            ("OPS-001-cmd-probe-env-var", &[]),
            ("CONFIG-001-env-missing", &[]),
            ("CONFIG-001-env-not-read", &[]),
        ],
    );
}

#[test]
fn seed_002_dreamscape() {
    check(
        "seed-002-dreamscape",
        &["docker-compose.core-services.yml"],
        &[],
        None,
        &[
            (
                "OPS-001-probe-missing",
                "services.auth-service.build (Dockerfile HEALTHCHECK)",
            ),
            (
                "OPS-001-probe-missing",
                "services.user-service.build (Dockerfile HEALTHCHECK)",
            ),
            (
                "SEC-001-literal-secret",
                "services.auth-service.environment.JWT_SECRET",
            ),
        ],
        &[("OPS-001-probe-missing", &["curl", "node:20-alpine"])],
        &[
            ("SEC-001-no-dockerignore", &[]),
            ("SEC-001-dockerignore-keeps-env", &[]),
            ("OPS-001-no-healthcheck", &[]),
            ("PROD-001-runs-as-root", &[]),
            // JWT_EXPIRES_IN is a setting, not a secret.
            ("SEC-001-literal-secret", &["JWT_EXPIRES_IN"]),
        ],
    );
}

#[test]
fn seed_003_pivotal_prod() {
    check(
        "seed-003-pivotal",
        &["infra/docker/docker-compose.prod.yml"],
        &["production"],
        None,
        &[
            (
                "DATA-001-db-volume-not-external",
                "services.postgres.volumes[0]",
            ),
            ("OPS-001-probe-missing", "services.backend.healthcheck"),
            (
                "SEC-001-literal-secret",
                "services.backend.environment.DATABASE_URL",
            ),
            (
                "SEC-001-literal-secret",
                "services.migrate.environment.DATABASE_URL",
            ),
            (
                "SEC-001-literal-secret",
                "services.postgres.environment.POSTGRES_PASSWORD",
            ),
            (
                "SEC-001-literal-secret",
                "services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD",
            ),
        ],
        &[
            ("OPS-001-probe-missing", &["wget", "distroless"]),
            ("DATA-001-db-volume-not-external", &["redis_data", "Redis"]),
            ("SEC-001-no-dockerignore", &["backend"]),
            ("SEC-001-no-dockerignore", &["frontend"]),
            ("PROD-001-image-latest", &["prom/prometheus:latest"]),
            ("PROD-001-image-latest", &["grafana/grafana:latest"]),
            ("PROD-001-runs-as-root", &["migrate", "node:20-alpine"]),
            ("CONFIG-001-generic-project-name", &["docker"]),
        ],
        &[
            // Every service has restart and limits in this file.
            ("PROD-001-no-restart-policy", &[]),
            ("PROD-001-no-resource-limits", &[]),
            // nginx:alpine / prometheus / grafana tool sets are not known statically: no claim.
            ("OPS-001-probe-missing", &["frontend"]),
            ("OPS-001-probe-missing", &["prometheus"]),
            ("OPS-001-probe-missing", &["grafana"]),
            // migrate is a job others wait for with service_completed_successfully.
            ("OPS-001-no-healthcheck", &["migrate"]),
            ("PROD-001-image-latest", &["postgres"]),
        ],
    );
}

const SEED4_COMMON_ERRORS: &[(&str, &str)] = &[
    ("CONFIG-001-env-not-read", ""),
    (
        "DATA-001-db-volume-not-external",
        "services.postgres.volumes[0]",
    ),
];

const SEED4_COMMON: &[Expect<'static>] = &[
    (
        "CONFIG-001-env-not-read",
        &["seed-004-antone/.env", "docker/.env"],
    ),
    ("CONFIG-001-variable-unset", &["POSTGRES_PASSWORD"]),
    ("CONFIG-001-variable-unset", &["POSTGRES_USER"]),
    ("CONFIG-001-variable-unset", &["POSTGRES_DB"]),
    ("CONFIG-001-variable-unset", &["CLOUDFLARE_TUNNEL_TOKEN"]),
    ("CONFIG-001-generic-project-name", &["docker"]),
    ("OPS-001-healthcheck-no-start-period", &["postgres"]),
    ("OPS-001-healthcheck-no-start-period", &["backend-api"]),
    (
        "OPS-001-depends-on-not-healthy",
        &["dashboard", "backend-api"],
    ),
    ("OPS-001-no-healthcheck", &["backend-worker"]),
    ("OPS-001-no-healthcheck", &["dashboard"]),
    ("OPS-001-no-healthcheck", &["cloudflared"]),
    (
        "SEC-001-no-dockerignore",
        &["backend-api", "backend-worker"],
    ),
    ("SEC-001-no-dockerignore", &["dashboard"]),
    ("PORT-003-db-port-public", &["5432"]),
];

#[test]
fn seed_004_antone_base() {
    let mut errs = SEED4_COMMON_ERRORS.to_vec();
    errs.push(("OPS-001-probe-missing", "services.backend-api.healthcheck"));
    check(
        "seed-004-antone",
        &["docker/docker-compose.yml"],
        &[],
        None,
        &errs,
        &[
            SEED4_COMMON,
            &[("OPS-001-probe-missing", &["curl", "node:24-alpine"])],
        ]
        .concat(),
        &[
            ("PROD-001-image-latest", &[]),
            ("CONFIG-001-env-missing", &[]),
        ],
    );
}

#[test]
fn seed_004_antone_dev() {
    let mut errs = SEED4_COMMON_ERRORS.to_vec();
    errs.push((
        "TECH-001-build-target-missing",
        "services.backend-api.build.target",
    ));
    errs.push((
        "TECH-001-build-target-missing",
        "services.backend-worker.build.target",
    ));
    check(
        "seed-004-antone",
        &["docker/docker-compose.yml", "docker/docker-compose.dev.yml"],
        &[],
        Some("dev"),
        &errs,
        &[
            SEED4_COMMON,
            &[(
                "TECH-001-build-target-missing",
                &["development", "base, deps, builder, production"],
            )],
        ]
        .concat(),
        &[("PROD-001-image-latest", &[])],
    );
}

#[test]
fn seed_004_antone_prod() {
    let mut errs = SEED4_COMMON_ERRORS.to_vec();
    errs.push(("OPS-001-probe-missing", "services.backend-api.healthcheck"));
    check(
        "seed-004-antone",
        &[
            "docker/docker-compose.yml",
            "docker/docker-compose.prod.yml",
        ],
        &[],
        Some("prod"),
        &errs,
        &[
            SEED4_COMMON,
            &[
                ("PROD-001-image-latest", &["cloudflare/cloudflared:latest"]),
                ("PROD-001-no-resource-limits", &["dashboard"]),
                ("PROD-001-no-resource-limits", &["cloudflared"]),
            ],
        ]
        .concat(),
        &[
            // The prod layer sets limits on postgres, backend-api and backend-worker.
            ("PROD-001-no-resource-limits", &["`postgres`"]),
            ("PROD-001-no-resource-limits", &["backend-api"]),
            // Its Dockerfile sets USER antone.
            ("PROD-001-runs-as-root", &["backend-api"]),
        ],
    );
}

/// doctor is given devctl's loader output; it must find exactly what it finds when given
/// Compose's own `config --format json` for the same files (the seeds and every fixture).
#[test]
fn same_findings_from_devctl_loader_and_from_compose() {
    type Case<'a> = (
        std::path::PathBuf,
        Vec<&'a str>,
        Vec<&'a str>,
        Option<&'a str>,
    );
    let mut cases: Vec<Case<'_>> = vec![
        (
            seeds().join("seed-000-nostream"),
            vec!["docker-compose.yml"],
            vec![],
            None,
        ),
        (
            seeds().join("seed-001-peer-node"),
            vec!["docker-compose.yml"],
            vec![],
            None,
        ),
        (
            seeds().join("seed-002-dreamscape"),
            vec!["docker-compose.core-services.yml"],
            vec![],
            None,
        ),
        (
            seeds().join("seed-003-pivotal"),
            vec!["infra/docker/docker-compose.prod.yml"],
            vec!["production"],
            None,
        ),
        (
            seeds().join("seed-004-antone"),
            vec!["docker/docker-compose.yml"],
            vec![],
            None,
        ),
        (
            seeds().join("seed-004-antone"),
            vec!["docker/docker-compose.yml"],
            vec![],
            Some("dev"),
        ),
        (
            seeds().join("seed-004-antone"),
            vec!["docker/docker-compose.yml"],
            vec![],
            Some("prod"),
        ),
    ];
    for entry in std::fs::read_dir(fixtures())
        .expect("fixtures dir")
        .flatten()
    {
        let variants: Vec<std::path::PathBuf> = if entry.path().join("trip").is_dir() {
            vec![entry.path().join("trip"), entry.path().join("pass")]
        } else {
            vec![entry.path()]
        };
        for dir in variants {
            let file = if dir.join("docker/docker-compose.yml").is_file() {
                "docker/docker-compose.yml"
            } else {
                "docker-compose.yml"
            };
            cases.push((dir, vec![file], vec![], None));
        }
    }
    assert!(cases.len() > 40, "all fixtures found");
    for (dir, files, profiles, env) in cases {
        let ours = load(&dir, &files, &profiles, env);
        let theirs = load_with_compose(&dir, &files, &profiles, env);
        let mut a = devctl::doctor::DoctorInput::gather(&ours, &dir, &env_for(&dir));
        let mut b = devctl::doctor::DoctorInput::gather(&theirs, &dir, &env_for(&dir));
        a.engine = EngineState::Offline;
        b.engine = EngineState::Offline;
        assert_eq!(
            dump(&run(&a)),
            dump(&run(&b)),
            "{} {files:?}: devctl's model and Compose's give different findings",
            dir.display()
        );
    }
}
