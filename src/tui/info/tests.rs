use super::*;
use crate::project::{LoadedProject, Origin, Project, Resolved};

pub(crate) fn loaded_fixture() -> LoadedProject {
    let json = serde_json::json!({
        "name": "shop",
        "services": {
            "db": {
                "image": "postgres:16",
                "environment": {"POSTGRES_PASSWORD": "hunter2", "POSTGRES_DB": "shop", "PGHOST": null},
                "healthcheck": {"test": ["CMD-SHELL", "pg_isready -U shop"], "interval": "5s", "retries": 5, "start_period": "30s"},
                "volumes": [
                    {"type": "volume", "source": "pgdata", "target": "/var/lib/postgresql/data"},
                    {"type": "volume", "source": "backups", "target": "/backups", "read_only": true},
                    {"type": "volume", "target": "/tmp/anon"},
                    {"type": "bind", "source": "/srv/init", "target": "/docker-entrypoint-initdb.d"}
                ]
            },
            "api": {
                "image": "shop/api",
                "environment": {"DATABASE_URL": "postgres://shop:s3cret@db/shop", "DEBUG": "1"},
                "healthcheck": {"test": ["NONE"]}
            }
        },
        "volumes": {
            "pgdata": {"name": "shop_pgdata"},
            "backups": {"name": "company-backups", "external": true}
        }
    });
    let project = Project::from_json(&json).expect("fixture parses");
    let base = PathBuf::from("/p/compose.yaml");
    let dev = PathBuf::from("/p/compose.dev.yaml");
    let origin = |f: &PathBuf, path: &str| Origin {
        file: f.clone(),
        path: path.into(),
        value: String::new(),
    };
    let mut provenance = BTreeMap::new();
    provenance.insert(
        "services.db.image".to_string(),
        vec![origin(&base, "services.db.image")],
    );
    provenance.insert(
        "services.db.environment.POSTGRES_PASSWORD".to_string(),
        vec![
            origin(&base, "services.db.environment.POSTGRES_PASSWORD"),
            origin(&dev, "services.db.environment.POSTGRES_PASSWORD"),
        ],
    );
    provenance.insert(
        "services.dbx.image".to_string(),
        vec![origin(&dev, "services.dbx.image")],
    );
    let mut disabled = BTreeMap::new();
    disabled.insert("debug".to_string(), vec!["tools".to_string()]);
    LoadedProject {
        resolved: Resolved {
            files: vec![base, dev],
            project_dir: PathBuf::from("/p"),
            name: "shop".into(),
            environment: Some("dev".into()),
            protected: false,
            env_files: vec![],
            profiles: vec![],
            protected_volumes: vec!["pgdata".into()],
            env: Default::default(),
            warnings: vec![],
        },
        json,
        project,
        disabled_services: disabled,
        provenance,
        warnings: vec![],
    }
}

#[test]
fn builds_info_from_loaded_project() {
    let info = ProjectInfo::from_loaded(&loaded_fixture());
    assert_eq!(info.name, "shop");
    assert_eq!(info.environment.as_deref(), Some("dev"));
    let names: Vec<_> = info.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["db", "api", "debug"]);
    let db = info.service("db").expect("db");
    let hc = db.healthcheck.as_ref().expect("healthcheck");
    assert_eq!(hc.test, "pg_isready -U shop");
    assert_eq!(hc.start_period, Some(Duration::from_secs(30)));
    assert_eq!(hc.interval, Some(Duration::from_secs(5)));
    // NONE disables the check.
    assert!(info.service("api").expect("api").healthcheck.is_none());
    let debug = info.service("debug").expect("debug");
    assert!(debug.profile_disabled);
    assert_eq!(debug.profiles, ["tools"]);
}

#[test]
fn mounts_carry_external_and_protected_marks() {
    let info = ProjectInfo::from_loaded(&loaded_fixture());
    let m = &info.service("db").expect("db").mounts;
    let got: Vec<_> = m
        .iter()
        .map(|m| {
            (
                m.volume_name.as_deref(),
                m.external,
                m.protected,
                m.read_only,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("shop_pgdata"), false, true, false),
            (Some("company-backups"), true, false, true),
            (None, false, false, false),
            (None, false, false, false),
        ]
    );
}

#[test]
fn provenance_lists_files_in_layer_order() {
    let info = ProjectInfo::from_loaded(&loaded_fixture());
    let db = info.service("db").expect("db");
    assert_eq!(
        db.defined_in,
        [
            (
                PathBuf::from("/p/compose.yaml"),
                vec![
                    "environment.POSTGRES_PASSWORD".to_string(),
                    "image".to_string()
                ]
            ),
            (
                PathBuf::from("/p/compose.dev.yaml"),
                vec!["environment.POSTGRES_PASSWORD".to_string()]
            ),
        ]
    );
}

#[test]
fn secrets_are_masked() {
    let cases = [
        ("POSTGRES_PASSWORD", Some("hunter2"), crate::secrets::MASK),
        ("API_TOKEN", Some("abc"), crate::secrets::MASK),
        ("aws_secret_access_key", Some("abc"), crate::secrets::MASK),
        ("EMPTY_PASSWORD", Some(""), ""),
        ("DEBUG", Some("1"), "1"),
        (
            "DATABASE_URL",
            Some("postgres://shop:s3cret@db/shop"),
            "postgres://shop:********@db/shop",
        ),
        ("URL", Some("http://host/x@y"), "http://host/x@y"),
        ("PGHOST", None, "(unset: taken from the environment)"),
    ];
    for (k, v, want) in cases {
        assert_eq!(masked_value(k, v, false), want, "{k}");
    }
    assert_eq!(masked_value("DEBUG", Some("1"), true), crate::secrets::MASK);
}
