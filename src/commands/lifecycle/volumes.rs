//! `up`, `create` and `run` need the project's external volumes to exist: Compose never
//! creates them and stops with a bare `external volume "x" not found`. devctl checks first
//! (the loaded project knows which volumes are external and which services mount them, the
//! Engine knows which exist) and names the next step: the exact `docker volume create NAME`.
//! Exit 1, before Compose runs; under `--dry-run` a warning. Anything the check cannot decide
//! (an Engine error, a service it cannot see) is left to Compose.

use std::path::Path;

use super::passthrough;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::project::LoadedProject;

/// An external volume the command needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Needed {
    /// The key under top-level `volumes:`.
    pub key: String,
    /// The Engine name, as Compose resolved it.
    pub name: String,
    /// The services (among those the command starts) that mount it.
    pub services: Vec<String>,
}

/// `up`/`create` flags of Compose v2.40.3 that take a value (so their value is no service).
const VALUE_FLAGS: &[&str] = &[
    "--scale",
    "-t",
    "--timeout",
    "--wait-timeout",
    "--pull",
    "--exit-code-from",
    "--attach",
    "--no-attach",
];

/// Pure: the services Compose creates for `sub` (`up`/`create [FLAGS] [SERVICE…]`, `run [FLAGS]
/// SERVICE …`), with everything they depend on (Compose checks those volumes too, even with
/// `--no-deps`). Other commands: none.
pub(super) fn started_services(project: &LoadedProject, sub: &[String]) -> Vec<String> {
    let services = &project.project.services;
    let named: Vec<String> = match sub.split_first() {
        Some((verb, rest)) if verb == "up" || verb == "create" => {
            let mut out = Vec::new();
            let mut skip = false;
            for a in rest {
                if std::mem::take(&mut skip) {
                    continue;
                }
                if a.starts_with('-') {
                    skip = VALUE_FLAGS.contains(&a.as_str());
                } else if services.contains_key(a) {
                    out.push(a.clone());
                }
            }
            if out.is_empty() {
                services.keys().cloned().collect()
            } else {
                out
            }
        }
        Some((verb, rest)) if verb == "run" => match passthrough::split("run", rest) {
            Ok(s) => vec![s.service],
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    };
    let mut all: Vec<String> = Vec::new();
    let mut todo = named;
    while let Some(s) = todo.pop() {
        if all.contains(&s) {
            continue;
        }
        if let Some(svc) = services.get(&s) {
            todo.extend(svc.depends_on.keys().cloned());
            all.push(s);
        }
    }
    // In the project's (canonical, sorted) order.
    services
        .keys()
        .filter(|s| all.contains(s))
        .cloned()
        .collect()
}

/// Pure: the external volumes that `services` mount, in the project's order.
pub(super) fn external_volumes(project: &LoadedProject, services: &[String]) -> Vec<Needed> {
    let p = &project.project;
    let mut out: Vec<Needed> = Vec::new();
    for (key, v) in &p.volumes {
        if !v.is_external() {
            continue;
        }
        let users: Vec<String> = services
            .iter()
            .filter(|s| {
                p.services.get(*s).is_some_and(|svc| {
                    svc.volumes
                        .iter()
                        .any(|m| m.kind == "volume" && m.source.as_deref() == Some(key.as_str()))
                })
            })
            .cloned()
            .collect();
        if !users.is_empty() {
            out.push(Needed {
                key: key.clone(),
                name: p.volume_engine_name(key),
                services: users,
            });
        }
    }
    out
}

/// The file that declares `volumes.KEY` last (where the user would look), shown relative to
/// `cwd` when it lies below it.
fn declared_in(project: &LoadedProject, key: &str, cwd: &Path) -> Option<String> {
    let exact = format!("volumes.{key}");
    let below = format!("volumes.{key}.");
    let file = project
        .provenance
        .iter()
        .filter(|(k, _)| **k == exact || k.starts_with(&below))
        .filter_map(|(_, origins)| origins.last())
        .map(|o| o.file.clone())
        .next_back()?;
    Some(
        file.strip_prefix(cwd)
            .map_or_else(|_| file.display().to_string(), |p| p.display().to_string()),
    )
}

/// Pure: the error for the volumes that do not exist (at least one).
pub(super) fn missing_error(project: &LoadedProject, missing: &[Needed], cwd: &Path) -> Error {
    let one = |n: &Needed| {
        let at = declared_in(project, &n.key, cwd)
            .map(|f| format!(" in {f}"))
            .unwrap_or_default();
        format!(
            "`{}` (`volumes.{}`{at}, mounted by {})",
            n.name,
            n.key,
            n.services.join(", ")
        )
    };
    let creates: Vec<String> = missing
        .iter()
        .map(|n| {
            crate::compose::Invocation {
                program: "docker".into(),
                args: vec!["volume".into(), "create".into(), n.name.clone()],
                interactive: false,
            }
            .display()
        })
        .collect();
    let message = match missing {
        [n] => format!(
            "external volume {} does not exist; Compose never creates external volumes",
            one(n)
        ),
        many => format!(
            "{} external volumes do not exist: {}; Compose never creates external volumes",
            many.len(),
            many.iter().map(one).collect::<Vec<_>>().join(", ")
        ),
    };
    let hint = format!(
        "create {} with `{}`, then run the command again (restore the data first if there was any); `devctl doctor` checks every external volume",
        if missing.len() == 1 { "it" } else { "them" },
        creates.join(" && ")
    );
    crate::error::Error::general(crate::sanitize::escape_text(&message))
        .with_hint(crate::sanitize::escape_text(&hint))
}

/// Before `up`/`create`/`run`: every external volume the started services mount must exist
/// (see the module docs). The Engine answered the preflight already.
pub(super) fn check(ctx: &Ctx, project: &LoadedProject, sub: &[String]) -> Result<()> {
    let needed = external_volumes(project, &started_services(project, sub));
    if needed.is_empty() {
        return Ok(());
    }
    let rt = crate::context::runtime()?;
    let missing: Option<Vec<Needed>> = rt.block_on(async {
        let ask = async {
            let docker = crate::engine::connect(&ctx.env).await.ok()?;
            let mut missing = Vec::new();
            for n in needed {
                if crate::engine::volumes::inspect(&docker, &n.name)
                    .await
                    .ok()?
                    .is_none()
                {
                    missing.push(n);
                }
            }
            Some(missing)
        };
        tokio::time::timeout(super::ENGINE_BUDGET, ask)
            .await
            .ok()
            .flatten()
    });
    let Some(missing) = missing.filter(|m| !m.is_empty()) else {
        return Ok(());
    };
    let e = missing_error(project, &missing, &ctx.cwd);
    if ctx.global.dry_run {
        eprintln!("devctl: warning: {}", e.message);
        if let Some(h) = &e.hint {
            eprintln!("  hint: {h}");
        }
        return Ok(());
    }
    Err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    const FILE: &str = r#"
services:
  web:
    image: busybox
    depends_on: [api]
  api:
    image: busybox
    depends_on: [db]
    volumes: [uploads:/up, ./src:/src]
  db:
    image: busybox
    volumes: [pgdata:/var/lib/postgresql/data, scratch:/tmp/s]
  tool:
    image: busybox
    volumes: [uploads:/up]
  lone:
    image: busybox
volumes:
  pgdata: {external: true, name: "shop_pg_${STAGE:-dev}"}
  uploads: {external: true}
  scratch: {}
"#;

    fn load(dir: &Path) -> LoadedProject {
        std::fs::create_dir_all(dir.join("docker")).expect("mkdir");
        std::fs::write(dir.join("docker/compose.yaml"), FILE).expect("write");
        crate::project::load(&crate::project::ProjectOptions {
            cwd: dir.to_path_buf(),
            project_name: Some("shop".into()),
            ..Default::default()
        })
        .expect("loads")
    }

    #[test]
    fn the_services_a_command_starts_and_their_external_volumes() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = load(tmp.path());
        let cases = [
            // No service named: all of them.
            ("up -d", "api db lone tool web"),
            // Named services pull their dependencies in, with or without --no-deps.
            ("up -d web", "api db web"),
            ("up -d --no-deps web", "api db web"),
            // A flag's value is no service; unknown names are Compose's business.
            ("up -d --scale tool=2 --exit-code-from lone lone", "lone"),
            ("create tool nope", "tool"),
            ("run --rm -e A=1 db psql -c web", "db"),
            ("run --rm", ""),
            ("restart db", ""),
            ("logs db", ""),
        ];
        for (sub, want) in cases {
            let got = started_services(&p, &v(sub));
            assert_eq!(got, v(want), "{sub}");
        }
        let needed = external_volumes(&p, &v("web api db"));
        let got: Vec<(String, String, Vec<String>)> = needed
            .iter()
            .map(|n| (n.key.clone(), n.name.clone(), n.services.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("pgdata".into(), "shop_pg_dev".into(), v("db")),
                ("uploads".into(), "uploads".into(), v("api")),
            ]
        );
        assert!(external_volumes(&p, &v("lone")).is_empty());
    }

    #[test]
    fn the_error_names_the_volume_its_file_and_the_command_to_run() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = load(tmp.path());
        let all = external_volumes(&p, &v("api db tool"));
        let e = missing_error(&p, &all[..1], tmp.path());
        assert_eq!(e.exit, crate::error::Exit::Error);
        assert_eq!(
            e.to_string(),
            "external volume `shop_pg_dev` (`volumes.pgdata` in docker/compose.yaml, mounted by db) \
             does not exist; Compose never creates external volumes\n  hint: create it with \
             `docker volume create shop_pg_dev`, then run the command again (restore the data \
             first if there was any); `devctl doctor` checks every external volume"
        );
        let e = missing_error(&p, &all, Path::new("/elsewhere"));
        let want_file = tmp.path().join("docker/compose.yaml");
        assert!(
            e.message.starts_with(&format!(
                "2 external volumes do not exist: `shop_pg_dev` (`volumes.pgdata` in {}, mounted by db), `uploads` (`volumes.uploads` in {}, mounted by api, tool)",
                want_file.display(),
                want_file.display()
            )),
            "{e}"
        );
        assert!(
            e.hint.as_deref().is_some_and(|h| h.starts_with(
                "create them with `docker volume create shop_pg_dev && docker volume create uploads`,"
            )),
            "{e}"
        );
    }
}
