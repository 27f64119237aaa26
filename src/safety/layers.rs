//! Protection is a property of the volume, not of the current layer: the external volumes
//! that ANY layer of the project declares (the base file, Compose's override file, every
//! environment of `devctl.yaml` and every `<base>.<env>.yml` beside the base file), whichever
//! environment is active.
//!
//! The files are read as plain YAML (no merge, no `extends`): a layer of another environment
//! may need variables this shell does not have, and one unreadable layer must not hide the
//! others. A volume's `name:` is interpolated with the active environment's variables; a name
//! that cannot be resolved still protects the volume through its compose key (the
//! `com.docker.compose.volume` label Compose put on it).

use std::path::{Path, PathBuf};

use crate::project::yaml::Value;
use serde::Serialize;

use crate::project::Resolved;
use crate::project::discover::OVERRIDE_NAMES;
use crate::project::environments::{self, DevctlConfig};
use crate::project::interpolate::{Env, interpolate_str};

/// One `external: true` volume declaration in one layer file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalDecl {
    /// The key under top-level `volumes:`.
    pub key: String,
    /// The Engine name (`name:`, else the key), when it could be resolved.
    pub name: Option<String>,
    /// The file that declares it.
    pub file: PathBuf,
}

/// What every layer of the project protects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Protection {
    pub externals: Vec<ExternalDecl>,
}

impl Protection {
    /// Why volume `name` (compose key `key`, from the plan's layer or from its
    /// `com.docker.compose.volume` label) is external in some layer, if it is.
    pub fn external_reason(&self, name: &str, key: Option<&str>) -> Option<String> {
        let by_name = self
            .externals
            .iter()
            .find(|d| d.name.as_deref() == Some(name));
        let by_key = || {
            key.and_then(|k| {
                self.externals
                    .iter()
                    .find(|d| d.key == k && d.name.as_deref().is_none_or(|n| n == name))
            })
        };
        by_name.or_else(by_key).map(|d| {
            format!(
                "external: declared `external: true` (key `{}`) in {}",
                d.key,
                d.file.display()
            )
        })
    }
}

/// Pure: the external volumes one layer file declares. Not YAML, no `volumes:` mapping →
/// none (the loader reports broken files of the active layers).
pub fn parse_layer(text: &str, file: &Path, env: &Env) -> Vec<ExternalDecl> {
    let Ok(doc) = crate::project::yaml::from_str::<Value>(text) else {
        return Vec::new();
    };
    let Some(Value::Mapping(vols)) = doc.get("volumes") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in vols {
        let Some(key) = k.as_str() else { continue };
        let (external, legacy_name) = match v.get("external") {
            Some(Value::Bool(b)) => (*b, None),
            Some(Value::String(s)) => (matches!(s.as_str(), "true" | "True" | "TRUE"), None),
            // The old form `external: {name: x}`.
            Some(Value::Mapping(m)) => (
                true,
                m.get("name").and_then(Value::as_str).map(str::to_owned),
            ),
            _ => (false, None),
        };
        if !external {
            continue;
        }
        let written = v
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or(legacy_name);
        let name = match written {
            None => Some(key.to_string()),
            Some(n) => interpolate_str(&n, env).ok().filter(|n| !n.is_empty()),
        };
        out.push(ExternalDecl {
            key: key.to_string(),
            name,
            file: file.to_path_buf(),
        });
    }
    out
}

/// Every layer file of the project that exists: the active files, Compose's override file,
/// each environment's files (declared in `devctl.yaml` or found beside the base file).
pub fn layer_files(resolved: &Resolved) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = resolved.files.clone();
    let Some(base) = resolved.files.first() else {
        return files;
    };
    let dir = base.parent().unwrap_or(Path::new("/"));
    files.extend(OVERRIDE_NAMES.iter().map(|n| dir.join(n)));
    let cfg = environments::read_config(base).unwrap_or_else(|_| DevctlConfig::default());
    let mut names: Vec<String> = cfg.environments.keys().cloned().collect();
    names.extend(environments::on_disk(base));
    for name in names {
        match environments::layers(&name, base, &cfg) {
            Ok((layer, _)) => files.extend(layer),
            Err(_) => files.push(environments::override_path(base, &name)),
        }
    }
    let mut seen = Vec::new();
    files.retain(|f| {
        let keep = f.is_file() && !seen.contains(f);
        seen.push(f.clone());
        keep
    });
    files
}

/// Read every layer of the project (see the module docs). Unreadable files are skipped.
pub fn scan(resolved: &Resolved) -> Protection {
    let mut externals = Vec::new();
    for f in layer_files(resolved) {
        if let Ok(text) = std::fs::read_to_string(&f) {
            externals.extend(parse_layer(&text, &f, &resolved.env));
        }
    }
    Protection { externals }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        [("PG".to_string(), "pgdata-prod".to_string())].into()
    }

    #[test]
    fn externals_of_one_layer() {
        let text = r#"
services: {}
volumes:
  db: {external: true, name: "${PG}"}
  cache: {external: true}
  legacy: {external: {name: old-name}}
  plain: {}
  off: {external: false, name: x}
  unresolved: {external: true, name: "${NOPE}"}
"#;
        let got = parse_layer(text, Path::new("/p/prod.yml"), &env());
        let pairs: Vec<(&str, Option<&str>)> = got
            .iter()
            .map(|d| (d.key.as_str(), d.name.as_deref()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("db", Some("pgdata-prod")),
                ("cache", Some("cache")),
                ("legacy", Some("old-name")),
                ("unresolved", None),
            ]
        );
        assert!(parse_layer("not: [yaml", Path::new("/x"), &env()).is_empty());
        assert!(parse_layer("volumes: [a]", Path::new("/x"), &env()).is_empty());
    }

    #[test]
    fn reasons_by_name_or_by_key() {
        let p = Protection {
            externals: parse_layer(
                "volumes:\n  db: {external: true, name: shop_db}\n  u: {external: true, name: \"${NOPE}\"}\n",
                Path::new("/p/compose.prod.yaml"),
                &env(),
            ),
        };
        let r = p.external_reason("shop_db", None).expect("by name");
        assert!(
            r.contains("key `db`") && r.contains("compose.prod.yaml"),
            "{r}"
        );
        // By key: the Engine name matches, or the name could not be resolved.
        assert!(p.external_reason("shop_db", Some("db")).is_some());
        assert!(p.external_reason("anything", Some("u")).is_some());
        assert!(p.external_reason("shop_other", Some("db")).is_none());
        assert!(p.external_reason("shop_cache", Some("cache")).is_none());
    }

    #[test]
    fn every_layer_file_is_found() {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path();
        for f in [
            "compose.yaml",
            "compose.dev.yaml",
            "compose.prod.yaml",
            "compose.override.yml",
        ] {
            std::fs::write(d.join(f), "services: {}\n").expect("write");
        }
        std::fs::create_dir(d.join("ci")).expect("mkdir");
        std::fs::write(d.join("ci/ci.yml"), "services: {}\n").expect("write");
        std::fs::write(
            d.join("devctl.yaml"),
            "environments:\n  ci: {files: [ci/ci.yml]}\n  missing: {}\n",
        )
        .expect("write");
        let resolved = Resolved {
            files: vec![d.join("compose.yaml"), d.join("compose.dev.yaml")],
            ..Default::default()
        };
        let mut got = layer_files(&resolved);
        got.sort();
        let mut want = vec![
            d.join("ci/ci.yml"),
            d.join("compose.dev.yaml"),
            d.join("compose.override.yml"),
            d.join("compose.prod.yaml"),
            d.join("compose.yaml"),
        ];
        want.sort();
        assert_eq!(got, want);
    }
}
