//! What doctor knows about images without looking inside them: which databases they run
//! (and where those keep their data), and — for a few plain base images only — which probe
//! tools they ship. Anything not listed is "unknown", and unknown never produces an error.
//! A look inside a local image through the Engine ([`super::engine_facts`]) always wins.

/// `registry/ns/name:tag@digest` → (`registry/ns/name`, tag, digest).
pub fn split_ref(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    // A ':' after the last '/' is a tag; before it, it is a registry port.
    let slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..]), digest),
        None => (rest, None, digest),
    }
}

/// The last path component of the image name, lower-case (`docker.io/library/postgres:16` → `postgres`).
pub fn short_name(image: &str) -> String {
    let (name, _, _) = split_ref(image);
    name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase()
}

/// A database family, with the paths where its official/bitnami images keep their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Postgres,
    MySql,
    Mongo,
    Redis,
    Search,
    ClickHouse,
    Cassandra,
    MsSql,
    Neo4j,
    InfluxDb,
    CouchDb,
}

impl DbKind {
    pub fn label(self) -> &'static str {
        match self {
            DbKind::Postgres => "PostgreSQL",
            DbKind::MySql => "MySQL/MariaDB",
            DbKind::Mongo => "MongoDB",
            DbKind::Redis => "Redis",
            DbKind::Search => "Elasticsearch/OpenSearch",
            DbKind::ClickHouse => "ClickHouse",
            DbKind::Cassandra => "Cassandra",
            DbKind::MsSql => "SQL Server",
            DbKind::Neo4j => "Neo4j",
            DbKind::InfluxDb => "InfluxDB",
            DbKind::CouchDb => "CouchDB",
        }
    }

    /// Data directories of this kind of database.
    pub fn data_paths(self) -> &'static [&'static str] {
        match self {
            DbKind::Postgres => &[
                "/var/lib/postgresql/data",
                "/var/lib/postgresql",
                "/bitnami/postgresql",
                "/home/postgres/pgdata",
            ],
            DbKind::MySql => &["/var/lib/mysql", "/bitnami/mysql", "/bitnami/mariadb"],
            DbKind::Mongo => &["/data/db", "/bitnami/mongodb"],
            DbKind::Redis => &["/data", "/bitnami/redis/data"],
            DbKind::Search => &[
                "/usr/share/elasticsearch/data",
                "/usr/share/opensearch/data",
                "/bitnami/elasticsearch/data",
            ],
            DbKind::ClickHouse => &["/var/lib/clickhouse"],
            DbKind::Cassandra => &["/var/lib/cassandra"],
            DbKind::MsSql => &["/var/opt/mssql"],
            DbKind::Neo4j => &["/data"],
            DbKind::InfluxDb => &["/var/lib/influxdb", "/var/lib/influxdb2"],
            DbKind::CouchDb => &["/opt/couchdb/data"],
        }
    }

    /// Primary stores lose data for good; a Redis used as a cache is less critical.
    pub fn is_primary(self) -> bool {
        !matches!(self, DbKind::Redis)
    }
}

/// The database an image runs, from its name.
pub fn db_kind(image: &str) -> Option<DbKind> {
    let n = short_name(image);
    let has = |w: &str| n == w || n.starts_with(&format!("{w}-")) || n.ends_with(&format!("-{w}"));
    let table: &[(&[&str], DbKind)] = &[
        (
            &[
                "postgres",
                "postgresql",
                "postgis",
                "timescaledb",
                "timescaledb-ha",
                "pgvector",
            ],
            DbKind::Postgres,
        ),
        (
            &["mysql", "mariadb", "percona", "percona-server"],
            DbKind::MySql,
        ),
        (&["mongo", "mongodb"], DbKind::Mongo),
        (
            &[
                "redis",
                "valkey",
                "keydb",
                "redis-stack",
                "redis-stack-server",
            ],
            DbKind::Redis,
        ),
        (&["elasticsearch", "opensearch"], DbKind::Search),
        (&["clickhouse-server", "clickhouse"], DbKind::ClickHouse),
        (&["cassandra", "scylla"], DbKind::Cassandra),
        (&["mssql", "mssql-server"], DbKind::MsSql),
        (&["neo4j"], DbKind::Neo4j),
        (&["influxdb"], DbKind::InfluxDb),
        (&["couchdb"], DbKind::CouchDb),
    ];
    for (names, kind) in table {
        if names.iter().any(|w| has(w)) {
            return Some(*kind);
        }
    }
    if image.contains("/mssql/") {
        return Some(DbKind::MsSql);
    }
    None
}

/// The database a mount target belongs to when the path alone says so (`/data` is too
/// generic and is only recognised together with the image).
pub fn db_kind_for_path(target: &str) -> Option<DbKind> {
    use DbKind::*;
    if target.trim_matches('/').split('/').count() < 2 {
        return None;
    }
    [
        Postgres, MySql, Mongo, Search, ClickHouse, Cassandra, MsSql, InfluxDb, CouchDb,
    ]
    .into_iter()
    .find(|k| {
        k.data_paths()
            .iter()
            .any(|p| *p != "/data" && paths_overlap(p, target))
    })
}

/// True when one path is the other or inside it (component-wise).
pub fn paths_overlap(a: &str, b: &str) -> bool {
    let a = a.trim_end_matches('/');
    let b = b.trim_end_matches('/');
    a == b || b.starts_with(&format!("{a}/")) || a.starts_with(&format!("{b}/"))
}

/// Plain base-image families whose default tool set is well known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Alpine: busybox `sh`, `wget`, `nc`; no `curl`, no `bash`.
    Alpine,
    /// Debian/Ubuntu slim or minimal: `sh`, `bash`; no `curl`, no `wget`.
    DebianMinimal,
    /// buildpack-deps based language images (`node:22`, `python:3.12`): `curl` and `wget`.
    DebianFull,
    /// distroless: no shell, no `wget`, no `curl`.
    Distroless,
    /// `scratch`: nothing.
    Scratch,
}

const LANGUAGE_IMAGES: &[&str] = &[
    "node",
    "python",
    "ruby",
    "golang",
    "openjdk",
    "eclipse-temurin",
    "php",
    "bun",
    "deno",
];

/// The family of a base image, when it is one of the plain ones.
pub fn family(image: &str) -> Option<Family> {
    let (name, tag, _) = split_ref(image);
    let short = short_name(image);
    let tag = tag.unwrap_or("latest").to_ascii_lowercase();
    if name == "scratch" {
        return Some(Family::Scratch);
    }
    if name.contains("distroless") {
        return Some(Family::Distroless);
    }
    let namespaced = name.contains('/')
        && !name.starts_with("docker.io/library/")
        && !name.starts_with("library/");
    if namespaced {
        return None;
    }
    match short.as_str() {
        "alpine" | "busybox" => return Some(Family::Alpine),
        "debian" | "ubuntu" => return Some(Family::DebianMinimal),
        _ => {}
    }
    if LANGUAGE_IMAGES.contains(&short.as_str()) {
        if tag.contains("alpine") {
            return Some(Family::Alpine);
        }
        if tag.contains("slim") {
            return Some(Family::DebianMinimal);
        }
        if short == "node" || short == "python" || short == "ruby" || short == "golang" {
            return Some(Family::DebianFull);
        }
    }
    None
}

/// Whether an image of this family ships `program` by default (None: not known).
pub fn family_has(f: Family, program: &str, image: &str) -> Option<bool> {
    let p = program.rsplit('/').next().unwrap_or(program);
    match f {
        Family::Scratch => Some(false),
        Family::Distroless => match p {
            "sh" | "bash" | "wget" | "curl" | "nc" => Some(false),
            "node" | "nodejs" if image.contains("nodejs") => Some(true),
            _ => None,
        },
        Family::Alpine => match p {
            "sh" | "wget" | "nc" => Some(true),
            "curl" | "bash" => Some(false),
            "node" if short_name(image) == "node" => Some(true),
            _ => None,
        },
        Family::DebianMinimal => match p {
            "sh" | "bash" => Some(true),
            "curl" | "wget" | "nc" => Some(false),
            "node" if short_name(image) == "node" => Some(true),
            _ => None,
        },
        Family::DebianFull => match p {
            "sh" | "bash" | "curl" | "wget" => Some(true),
            "node" if short_name(image) == "node" => Some(true),
            _ => None,
        },
    }
}

/// Programs a package installs (only the probe tools doctor cares about).
pub fn package_programs(pkg: &str) -> &'static [&'static str] {
    let pkg = pkg.split(['=', '<', '>']).next().unwrap_or(pkg);
    match pkg {
        "curl" => &["curl"],
        "wget" => &["wget"],
        "bash" => &["bash"],
        "busybox" | "busybox-static" => &["sh", "wget", "nc"],
        "netcat" | "netcat-openbsd" | "netcat-traditional" | "ncat" => &["nc"],
        "redis" | "redis-tools" => &["redis-cli"],
        p if p.starts_with("postgresql")
            && (p.ends_with("-client")
                || p["postgresql".len()..].chars().all(|c| c.is_ascii_digit())) =>
        {
            &["pg_isready", "psql"]
        }
        "mysql-client" | "mariadb-client" | "default-mysql-client" => &["mysqladmin", "mysql"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_refs() {
        assert_eq!(split_ref("postgres"), ("postgres", None, None));
        assert_eq!(
            split_ref("postgres:16-alpine"),
            ("postgres", Some("16-alpine"), None)
        );
        assert_eq!(
            split_ref("localhost:5000/a/b:1"),
            ("localhost:5000/a/b", Some("1"), None)
        );
        assert_eq!(
            split_ref("localhost:5000/a"),
            ("localhost:5000/a", None, None)
        );
        assert_eq!(split_ref("a@sha256:x"), ("a", None, Some("sha256:x")));
        assert_eq!(
            short_name("gcr.io/distroless/nodejs20-debian12"),
            "nodejs20-debian12"
        );
    }

    #[test]
    fn db_kinds() {
        let cases = [
            ("postgres:17-alpine", Some(DbKind::Postgres)),
            ("nostream-postgres:latest", Some(DbKind::Postgres)),
            ("bitnami/postgresql:16", Some(DbKind::Postgres)),
            ("mariadb:11", Some(DbKind::MySql)),
            ("mongo", Some(DbKind::Mongo)),
            ("redis:7-alpine", Some(DbKind::Redis)),
            (
                "docker.elastic.co/elasticsearch/elasticsearch:8.1.0",
                Some(DbKind::Search),
            ),
            (
                "mcr.microsoft.com/mssql/server:2022-latest",
                Some(DbKind::MsSql),
            ),
            ("grafana/grafana:latest", None),
            ("prom/prometheus", None),
            ("node:20-alpine", None),
            ("postgrest/postgrest", None),
        ];
        for (img, want) in cases {
            assert_eq!(db_kind(img), want, "{img}");
        }
    }

    #[test]
    fn db_paths() {
        assert_eq!(
            db_kind_for_path("/var/lib/postgresql/data"),
            Some(DbKind::Postgres)
        );
        assert_eq!(
            db_kind_for_path("/var/lib/postgresql/data/pgdata"),
            Some(DbKind::Postgres)
        );
        assert_eq!(db_kind_for_path("/var/lib/mysql"), Some(DbKind::MySql));
        assert_eq!(db_kind_for_path("/data"), None);
        assert_eq!(db_kind_for_path("/var"), None);
        assert_eq!(db_kind_for_path("/app/data"), None);
        assert_eq!(db_kind_for_path("/var/log/postgresql"), None);
        assert!(paths_overlap(
            "/var/lib/postgresql",
            "/var/lib/postgresql/data"
        ));
        assert!(!paths_overlap("/data", "/database"));
    }

    #[test]
    fn families_and_tools() {
        let cases = [
            ("node:24-alpine", "curl", Some(false)),
            ("node:24-alpine", "wget", Some(true)),
            ("node:22-alpine", "node", Some(true)),
            ("alpine:3.20", "bash", Some(false)),
            ("gcr.io/distroless/nodejs20-debian12", "wget", Some(false)),
            ("gcr.io/distroless/nodejs20-debian12", "sh", Some(false)),
            ("gcr.io/distroless/nodejs20-debian12", "node", Some(true)),
            ("node:20-bookworm-slim", "curl", Some(false)),
            ("python:3.12-slim", "wget", Some(false)),
            ("node:22", "curl", Some(true)),
            ("debian:bookworm", "curl", Some(false)),
            ("scratch", "sh", Some(false)),
            ("nginx:1.27-alpine", "wget", None),
            ("postgres:16-alpine", "pg_isready", None),
            ("myorg/node:20-alpine", "curl", None),
        ];
        for (img, prog, want) in cases {
            let got = family(img).and_then(|f| family_has(f, prog, img));
            assert_eq!(got, want, "{img} {prog}");
        }
    }

    #[test]
    fn packages() {
        assert_eq!(package_programs("curl"), &["curl"]);
        assert_eq!(package_programs("curl=8.0-r0"), &["curl"]);
        assert_eq!(
            package_programs("postgresql16-client"),
            &["pg_isready", "psql"]
        );
        assert_eq!(
            package_programs("postgresql-client"),
            &["pg_isready", "psql"]
        );
        assert!(package_programs("sqlite").is_empty());
        assert!(package_programs("dumb-init").is_empty());
    }
}
