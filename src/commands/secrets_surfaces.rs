//! One table over every surface that shows values: the same secrets are masked in `config`
//! (YAML, JSON, `--explain`), `ps` (`--json` and the table), the dashboard's details popup
//! (rendered into a ratatui `TestBackend`) and the audit log record on disk; `--show-secrets`
//! shows them where the surface has it.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::engine::model::{ContainerState, Health, Probe};
use crate::tui::fixtures;

const GHP: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
const SENTRY_KEY: &str = "0123456789abcdef0123456789abcdef";

/// (what, the text that must never be shown masked)
const NEEDLES: &[(&str, &str)] = &[
    ("DB_PASS from an env_file", "hunter2-dbpass"),
    ("any value from an env_file", "plain-from-envfile"),
    ("GITHUB_PAT=ghp_…", "abcdefghijklmnopqrstuvwxyz0123456789"),
    ("a JWT under a harmless key", "eyJzdWIiOiIxMjM0In0"),
    ("a Sentry DSN's key", SENTRY_KEY),
    ("a password in a health-check URL", "hc-s3cret"),
];

fn project() -> (tempfile::TempDir, crate::project::LoadedProject) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("app.env"),
        "DB_PASS=hunter2-dbpass\nAPP_MODE=plain-from-envfile\n",
    )
    .expect("env file");
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            "services:\n  api:\n    image: alpine\n    env_file: app.env\n    environment:\n      \
             DB_HOST: db\n      GITHUB_PAT: {GHP}\n      SESSION_BLOB: {JWT}\n      \
             ERROR_REPORTING: https://{SENTRY_KEY}@o1.ingest.sentry.io/1\n    healthcheck:\n      \
             test: [\"CMD\", \"wget\", \"-q\", \"http://admin:hc-s3cret@localhost/health\"]\n"
        ),
    )
    .expect("compose file");
    let opts = crate::project::ProjectOptions {
        project_name: Some("dvout-masking".into()),
        cwd: dir.path().to_path_buf(),
        ..Default::default()
    };
    let loaded = crate::project::load(&opts).expect("loads");
    (dir, loaded)
}

fn config(lp: &crate::project::LoadedProject, json: bool, explain: bool, show: bool) -> String {
    let args = crate::commands::config::ConfigArgs {
        json,
        services: false,
        volumes: false,
        list_files: false,
        explain: explain.then(|| "services.api".to_string()),
        show_secrets: show,
    };
    crate::commands::config::render(lp, &args).expect("renders")
}

/// A snapshot whose `api` container's last probes print the health-check URL and a token.
fn snapshot() -> crate::engine::model::ProjectListing {
    let mut c = fixtures::container("api", ContainerState::Running, Health::Unhealthy);
    c.probes = vec![Probe {
        start: Some(fixtures::ago(5)),
        end: None,
        exit_code: 1,
        output: format!(
            "wget: http://admin:hc-s3cret@localhost/health: 503\nauth {JWT} for {GHP}\nDSN https://{SENTRY_KEY}@o1.ingest.sentry.io/1"
        ),
    }];
    crate::engine::model::ProjectListing {
        project: "dvout-masking".into(),
        services: vec![fixtures::status("api", vec![c])],
    }
}

fn ps_json(show: bool) -> String {
    crate::commands::ps::render_json(&snapshot(), fixtures::now(), None, show).expect("json")
}

fn dashboard(lp: &crate::project::LoadedProject) -> String {
    let mut m = fixtures::model();
    m.info = crate::tui::info::ProjectInfo::from_loaded(lp);
    m.snapshot = Some(snapshot());
    let mut term = Terminal::new(TestBackend::new(220, 70)).expect("terminal");
    let popup = crate::tui::widgets::details::DetailsPopup {
        m: &m,
        service: "api",
        scroll: 0,
    };
    term.draw(|f| f.render_widget(&popup, f.area()))
        .expect("draws");
    crate::tui::widgets::buffer_text(term.backend().buffer())
}

fn audit_record() -> String {
    let state = tempfile::tempdir().expect("tempdir");
    let env: BTreeMap<String, String> = [(
        "DEVCTL_STATE_DIR".to_string(),
        state.path().display().to_string(),
    )]
    .into();
    let mut r = crate::audit::Record::new(&env, state.path(), "dvout-masking");
    r.argv = [
        "devctl",
        "compose",
        "--",
        "run",
        "-e",
        "DB_PASS=hunter2-dbpass",
        "-e",
        &format!("GITHUB_PAT={GHP}"),
        "-e",
        &format!("SESSION_BLOB={JWT}"),
        "--password",
        "plain-from-envfile",
        &format!("https://{SENTRY_KEY}@o1.ingest.sentry.io/1"),
        "http://admin:hc-s3cret@localhost/health",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    r.decision = "refused".into();
    r.result = serde_json::json!({"reason": format!("compose said: token {GHP}")});
    let mut log = crate::audit::AuditLog::open(&env).expect("audit log");
    log.append(&r).expect("appends");
    std::fs::read_to_string(log.path()).expect("reads the log")
}

#[test]
fn every_surface_masks_the_same_secrets() {
    let (_dir, lp) = project();
    // (surface, masked output, output with --show-secrets where the surface has it)
    let surfaces: Vec<(&str, String, Option<String>)> = vec![
        (
            "config (YAML)",
            config(&lp, false, false, false),
            Some(config(&lp, false, false, true)),
        ),
        (
            "config --json",
            config(&lp, true, false, false),
            Some(config(&lp, true, false, true)),
        ),
        ("config --explain", config(&lp, false, true, false), None),
        ("ps --json", ps_json(false), Some(ps_json(true))),
        (
            "ps (table)",
            crate::commands::ps::table(&snapshot(), fixtures::now(), false, None),
            None,
        ),
        ("dashboard details", dashboard(&lp), None),
        ("audit log record", audit_record(), None),
    ];
    for (surface, masked, shown) in &surfaces {
        for (what, needle) in NEEDLES {
            assert!(
                !masked.contains(needle),
                "{surface} shows {what} ({needle}):\n{masked}"
            );
        }
        assert!(
            !masked.chars().any(crate::sanitize::is_unsafe),
            "{surface}: raw control or bidi character"
        );
        if let Some(shown) = shown {
            // config shows every value; ps every probe output value.
            let want: &[&str] = if surface.starts_with("config") {
                &[
                    "hunter2-dbpass",
                    "plain-from-envfile",
                    GHP,
                    JWT,
                    SENTRY_KEY,
                    "hc-s3cret",
                ]
            } else {
                &[GHP, JWT, SENTRY_KEY, "hc-s3cret"]
            };
            for w in want {
                assert!(
                    shown.contains(w),
                    "{surface} --show-secrets hides {w}:\n{shown}"
                );
            }
        }
    }
    // The masks are visible where the values were, and harmless values are untouched.
    let dash = &surfaces[5].1;
    for want in [
        "DB_HOST=db",
        "DB_PASS=********",
        "APP_MODE=********",
        "GITHUB_PAT=********",
        "SESSION_BLOB=********",
        "ERROR_REPORTING=https://********@o1.ingest.sentry.io/1",
        "http://admin:********@localhost/health",
    ] {
        assert!(dash.contains(want), "dashboard lacks {want}:\n{dash}");
    }
    let yaml = &surfaces[0].1;
    assert!(
        yaml.contains("DB_HOST: db") && yaml.contains("GITHUB_PAT: '********'"),
        "{yaml}"
    );
    let audit = &surfaces[6].1;
    assert!(
        audit.contains("DB_PASS=********") && audit.contains("\"--password\",\"********\""),
        "{audit}"
    );
}
