//! Data checks (DATA-001): database volumes that `down -v` deletes, external volumes that
//! carry Compose labels or do not exist, databases whose data sits in an anonymous volume.

use super::images::{self, DbKind};
use super::input::DoctorInput;
use super::{Finding, Severity};

/// The database a service runs, from its image or its Dockerfile's base image.
pub fn service_db(input: &DoctorInput, name: &str) -> Option<DbKind> {
    let s = input.project.services.get(name)?;
    if let Some(k) = s.image.as_deref().and_then(images::db_kind) {
        return Some(k);
    }
    match input.builds.get(name).map(|b| &b.stage) {
        Some(Some(Ok(st))) => images::db_kind(&st.base),
        _ => None,
    }
}

pub fn check(input: &DoctorInput) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, s) in &input.project.services {
        let kind = service_db(input, name);
        let mut covered = false;
        for (i, m) in s.volumes.iter().enumerate() {
            let here = images::db_kind_for_path(&m.target).or_else(|| {
                kind.filter(|k| {
                    k.data_paths()
                        .iter()
                        .any(|p| images::paths_overlap(p, &m.target))
                })
            });
            if here.is_some() && (m.kind == "bind" || (m.kind == "volume" && m.source.is_some())) {
                covered = true;
            }
            let (Some(key), "volume") = (m.source.as_deref(), m.kind.as_str()) else {
                continue;
            };
            let external = input
                .project
                .volumes
                .get(key)
                .is_some_and(|v| v.is_external());
            let engine_name = input.project.volume_engine_name(key);
            let protected = input
                .protected_volumes
                .iter()
                .any(|p| p == key || *p == engine_name);
            if external {
                continue;
            }
            let key_path = format!("services.{name}.volumes[{i}]");
            let file = input.locate(&["services", name, "volumes"]);
            if let Some(k) = here {
                let sev = if k.is_primary() {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                out.push(
                    Finding::new(
                        "DATA-001-db-volume-not-external",
                        sev,
                        format!(
                            "volume `{key}` (Engine name `{engine_name}`) holds {} data of service `{name}` at `{}` but is not external",
                            k.label(),
                            m.target
                        ),
                    )
                    .file(file)
                    .key(key_path)
                    .why("`docker compose down -v` (and `docker volume prune`) deletes it with everything in it; Compose does not ask.")
                    .fix(format!(
                        "Create it once (`docker volume create {engine_name}`) and declare it `external: true` with `name: {engine_name}` under top-level `volumes.{key}`; list it as protected in devctl.yaml."
                    )),
                );
            } else if protected {
                out.push(
                    Finding::new(
                        "DATA-001-protected-volume-not-external",
                        Severity::Error,
                        format!("volume `{key}` is listed as protected in devctl.yaml but is not external"),
                    )
                    .file(file)
                    .key(key_path)
                    .why("`docker compose down -v` run outside devctl deletes it; only `external: true` keeps Compose's hands off it.")
                    .fix(format!("Declare `volumes.{key}` with `external: true` and `name: {engine_name}` (create it once with `docker volume create {engine_name}`).")),
                );
            }
        }
        if let Some(k) = kind
            && !covered
        {
            let sev = if k.is_primary() {
                Severity::Warning
            } else {
                Severity::Info
            };
            out.push(
                    Finding::new(
                        "DATA-001-db-anonymous-volume",
                        sev,
                        format!(
                            "service `{name}` runs {} but mounts nothing at its data directory ({})",
                            k.label(),
                            k.data_paths()[0]
                        ),
                    )
                    .file(input.locate(&["services", name]))
                    .key(format!("services.{name}"))
                    .why("The data lands in an anonymous volume (or the container layer): `down -v` deletes it, `up -V` replaces it, and recreating the container orphans it.")
                    .fix(format!(
                        "Mount a named external volume at {} (e.g. `- {name}_data:{}` with `{name}_data: {{external: true}}`).",
                        k.data_paths()[0],
                        k.data_paths()[0]
                    )),
                );
        }
    }
    engine_volumes(input, &mut out);
    out
}

fn engine_volumes(input: &DoctorInput, out: &mut Vec<Finding>) {
    let Some(f) = input.engine.facts() else {
        return;
    };
    for (key, v) in &input.project.volumes {
        if !v.is_external() {
            continue;
        }
        let name = input.project.volume_engine_name(key);
        let file = input.locate(&["volumes", key]);
        match f.volumes.get(&name) {
            None => out.push(
                Finding::new(
                    "DATA-001-external-volume-missing",
                    Severity::Error,
                    format!("external volume `{name}` (`volumes.{key}`) does not exist on the Engine"),
                )
                .file(file)
                .key(format!("volumes.{key}"))
                .why("Compose refuses to start a project whose external volume is missing (it never creates external volumes).")
                .fix(format!("docker volume create {name}")),
            ),
            Some(labels) if labels.contains_key("com.docker.compose.project") => out.push(
                Finding::new(
                    "DATA-001-external-volume-compose-labels",
                    Severity::Error,
                    format!(
                        "external volume `{name}` carries Compose labels (project `{}`): Compose created it as a project volume",
                        labels.get("com.docker.compose.project").map(String::as_str).unwrap_or("?")
                    ),
                )
                .file(file)
                .key(format!("volumes.{key}"))
                .why("Compose selects a project's volumes by label; a labelled volume can be removed by `down -v` of that project even though this file calls it external (Compose 2.3-2.4 did exactly that, docker/compose#9313).")
                .fix(format!(
                    "Copy the data into a fresh unlabelled volume: `docker volume create {name}-new`, copy with a throw-away container (`devctl snapshot` can do it), then point `volumes.{key}.name` at it."
                )),
            ),
            Some(_) => {}
        }
    }
}
