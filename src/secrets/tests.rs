use super::*;

#[test]
fn secret_keys() {
    for (k, want) in [
        ("POSTGRES_PASSWORD", true),
        ("DB_PASS", true),
        ("GITHUB_PAT", true),
        ("GITLAB_TOKEN", true),
        ("JWT", true),
        ("JWT_SECRET", true),
        ("SENTRY_DSN", true),
        ("AWS_SECRET_ACCESS_KEY", true),
        ("STRIPE_KEY", true),
        ("apiKey", true),
        ("clientSecret", true),
        ("dbPassword", true),
        ("SESSION_COOKIE", true),
        ("BASIC_AUTH", true),
        ("private_key", true),
        ("POSTGRES_PASSWORD_FILE", false),
        ("private_key_file", false),
        ("JWT_EXPIRES_IN", false),
        ("BYPASS_CACHE", false),
        ("KEYCLOAK_URL", false),
        ("PATH", false),
        ("PATTERN", false),
        ("DB_HOST", false),
        ("AWS_ACCESS_KEY_ID", false),
        ("image", false),
    ] {
        assert_eq!(is_secret_key(k), want, "{k}");
    }
}

#[test]
fn credential_looking_text() {
    let m = MASK;
    for (s, want) in [
        (
            "postgres://app:pw@db:5432/app",
            format!("postgres://app:{m}@db:5432/app"),
        ),
        (
            "redis://:secret@redis:6379",
            format!("redis://:{m}@redis:6379"),
        ),
        ("mysql://root:p@ss@db/x", format!("mysql://root:{m}@db/x")),
        (
            "wget -q http://admin:s3cret@localhost/health",
            format!("wget -q http://admin:{m}@localhost/health"),
        ),
        (
            "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/1",
            format!("https://{m}@o1.ingest.sentry.io/1"),
        ),
        (
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            format!("ghp_{m}"),
        ),
        (
            "--token=github_pat_11ABCDEFG0123456789_abcdefghij",
            format!("--token=github_pat_{m}"),
        ),
        ("glpat-abcdefghij0123456789", format!("glpat-{m}")),
        ("xoxb-1234567890-abcdefghij", format!("xoxb-{m}")),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", format!("sk_live_{m}")),
        ("AKIAIOSFODNN7EXAMPLE", format!("AKIA{m}")),
        (
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            format!("Bearer {m}"),
        ),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
            m.to_string(),
        ),
        // Not credentials.
        ("https://example.com/a@b", "https://example.com/a@b".into()),
        ("redis://cache:6379", "redis://cache:6379".into()),
        (
            "ssh://git@github.com/x/y",
            "ssh://git@github.com/x/y".into(),
        ),
        ("http://user@host", "http://user@host".into()),
        ("ghp_short", "ghp_short".into()),
        ("eyJ-not-a-jwt", "eyJ-not-a-jwt".into()),
    ] {
        assert_eq!(mask_text(s), want, "{s}");
        // Idempotent: masking masked text changes nothing.
        assert_eq!(mask_text(&want), want, "{want}");
    }
}

#[test]
fn argv_and_json() {
    let mut argv: Vec<String> = [
        "devctl",
        "-e",
        "GITHUB_PAT=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "--password",
        "hunter2",
        "--db-password=hunter2",
        "DB_HOST=db",
        "--verbose",
        "api",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    mask_argv(&mut argv);
    assert_eq!(
        argv,
        [
            "devctl",
            "-e",
            &format!("GITHUB_PAT={MASK}"),
            "--password",
            MASK,
            &format!("--db-password={MASK}"),
            "DB_HOST=db",
            "--verbose",
            "api"
        ]
    );
    let mut v = serde_json::json!({
        "environment": {"POSTGRES_PASSWORD": "pw", "POSTGRES_DB": "app", "PORT_KEY": 5},
        "secrets": [{"source": "db_pw", "target": "/run/secrets/db_pw"}],
        "command": ["--token=x", "API_KEY=abc", "postgres://u:p@db/x"],
    });
    mask_json(&mut v);
    assert_eq!(v["environment"]["POSTGRES_PASSWORD"], MASK);
    assert_eq!(v["environment"]["POSTGRES_DB"], "app");
    assert_eq!(v["environment"]["PORT_KEY"], MASK);
    assert_eq!(v["secrets"][0]["source"], "db_pw");
    assert_eq!(v["command"][0], format!("--token={MASK}"));
    assert_eq!(v["command"][1], format!("API_KEY={MASK}"));
    assert_eq!(v["command"][2], format!("postgres://u:{MASK}@db/x"));
}

/// The review's leftovers: MySQL's and Postgres' password variables, one-word key names,
/// bearer tokens, connection strings and password flags inside values.
#[test]
fn review_cases_are_masked() {
    for key in [
        "MYSQL_PWD",
        "PGPASS",
        "POSTGRES_PW",
        "PW",
        "PRIVATEKEY",
        "SESSIONKEY",
    ] {
        assert!(is_secret_key(key), "{key}");
    }
    for key in ["BYPASS", "PWD_DIR", "COMPASS", "KEYCLOAK_URL", "PATH"] {
        assert!(!is_secret_key(key), "{key}");
    }
    for (text, secret) in [
        ("Authorization: Bearer bearer014", "bearer014"),
        ("Server=db;User Id=sa;Password=odbcpw016;", "odbcpw016"),
        ("--db-password=argpw018 --verbose", "argpw018"),
        ("probe failed: MYSQL_PWD=probepw4 exit 1", "probepw4"),
        ("pwd=abc123 ok", "abc123"),
    ] {
        let m = mask_text(text);
        assert!(!m.contains(secret), "{text} -> {m}");
        assert!(m.contains(MASK), "{text} -> {m}");
    }
    assert_eq!(
        mask_text("the password is required"),
        "the password is required"
    );
}
