//! Layer drift: the project's containers were created from another file set than the one now
//! requested (label `com.docker.compose.project.config_files`). Pure comparison + wording;
//! the labels come from the Engine (see `lifecycle`'s preflight). With no environment named,
//! a stack created from one environment's files keeps it (`project::discover::sticky`), so
//! this warning is left for a named environment that differs, or for containers whose files
//! match no single environment.

use std::path::{Path, PathBuf};

/// Services whose containers were created from the same other file set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// In the order their containers were listed.
    pub services: Vec<String>,
    /// The files the container was created with (from its label), in order.
    pub created_with: Vec<PathBuf>,
    /// The files devctl now uses, in order.
    pub requested: Vec<PathBuf>,
}

/// Split Compose's label value (comma-separated absolute paths).
pub fn parse_label(label: &str) -> Vec<PathBuf> {
    crate::project::discover::sticky::split_label(label)
}

/// Pure: the services whose containers carry another file set than `requested`, grouped by
/// that file set (one warning per group). `containers` are `(service, config_files label)`;
/// containers without the label (not created by Compose) are ignored.
pub fn detect(requested: &[PathBuf], containers: &[(String, Option<String>)]) -> Vec<Drift> {
    let mut out: Vec<Drift> = Vec::new();
    for (service, label) in containers {
        let Some(label) = label else { continue };
        let created = parse_label(label);
        if created.is_empty() || created == requested {
            continue;
        }
        if out.iter().any(|d| d.services.contains(service)) {
            continue;
        }
        match out.iter_mut().find(|d| d.created_with == created) {
            Some(d) => d.services.push(service.clone()),
            None => out.push(Drift {
                services: vec![service.clone()],
                created_with: created,
                requested: requested.to_vec(),
            }),
        }
    }
    out
}

/// "db was", "db and api were", "db, api and worker were".
fn subject(services: &[String]) -> String {
    match services {
        [] => "no service was".to_string(),
        [one] => format!("{one} was"),
        [init @ .., last] => format!("{} and {last} were", init.join(", ")),
    }
}

/// The layer a file stands for: `docker-compose.prod.yml` → `prod`, `compose.dev.yaml` → `dev`,
/// `docker-compose.override.yml` → `override`; a base file → None.
pub fn layer_of(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"))?;
    let rest = stem
        .strip_prefix("docker-compose.")
        .or_else(|| stem.strip_prefix("compose."))?;
    (!rest.is_empty()).then(|| rest.to_string())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// "the prod overlay (docker-compose.prod.yml)", "the overlays a.yml, b.yml", "the base files
/// only".
fn describe(files: &[&PathBuf]) -> String {
    match files {
        [] => "the base files only".to_string(),
        [one] => match layer_of(one) {
            Some(l) => format!("the {l} overlay ({})", file_name(one)),
            None => file_name(one),
        },
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|p| match layer_of(p) {
                    Some(l) => format!("{l} ({})", file_name(p)),
                    None => file_name(p),
                })
                .collect();
            format!("the overlays {}", names.join(", "))
        }
    }
}

/// Pure: the warning line, e.g. "db was created with the prod overlay (docker-compose.prod.yml);
/// you asked for the dev overlay (docker-compose.dev.yml)".
pub fn message(d: &Drift) -> String {
    let extra: Vec<&PathBuf> = d
        .created_with
        .iter()
        .filter(|f| !d.requested.contains(f))
        .collect();
    let missing: Vec<&PathBuf> = d
        .requested
        .iter()
        .filter(|f| !d.created_with.contains(f))
        .collect();
    if extra.is_empty() && missing.is_empty() {
        let order: Vec<String> = d.created_with.iter().map(|p| file_name(p)).collect();
        return format!(
            "{} created with the same files in another order ({})",
            subject(&d.services),
            order.join(", ")
        );
    }
    let (svc, ex, mi) = (subject(&d.services), describe(&extra), describe(&missing));
    match (extra.is_empty(), missing.is_empty()) {
        (false, false) => format!("{svc} created with {ex}; you asked for {mi}"),
        (false, true) => format!("{svc} created with {ex}, which you did not ask for"),
        _ => format!("{svc} created without {mi}, which you asked for"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(list: &[&str]) -> Vec<PathBuf> {
        list.iter()
            .map(|s| PathBuf::from(format!("/app/{s}")))
            .collect()
    }

    fn label(list: &[&str]) -> Option<String> {
        Some(
            p(list)
                .iter()
                .map(|x| x.display().to_string())
                .collect::<Vec<_>>()
                .join(","),
        )
    }

    #[test]
    fn layer_names() {
        let cases = [
            ("docker-compose.prod.yml", Some("prod")),
            ("compose.dev.yaml", Some("dev")),
            ("docker-compose.override.yml", Some("override")),
            ("docker-compose.yml", None),
            ("compose.yaml", None),
            ("stack.yml", None),
            ("docker-compose.staging.yaml", Some("staging")),
        ];
        for (f, want) in cases {
            assert_eq!(layer_of(Path::new(f)).as_deref(), want, "{f}");
        }
    }

    #[test]
    fn detects_and_words_drift() {
        let base = "docker-compose.yml";
        let dev = "docker-compose.dev.yml";
        let prod = "docker-compose.prod.yml";
        let requested = p(&[base, dev]);
        type Labels = Vec<(String, Option<String>)>;
        let cases: Vec<(Labels, Vec<&str>)> = vec![
            // Same files: nothing.
            (vec![("db".into(), label(&[base, dev]))], vec![]),
            // No label (not created by Compose): nothing.
            (vec![("db".into(), None)], vec![]),
            // Prod instead of dev.
            (
                vec![("db".into(), label(&[base, prod]))],
                vec![
                    "db was created with the prod overlay (docker-compose.prod.yml); you asked for the dev overlay (docker-compose.dev.yml)",
                ],
            ),
            // Base only.
            (
                vec![("api".into(), label(&[base]))],
                vec![
                    "api was created without the dev overlay (docker-compose.dev.yml), which you asked for",
                ],
            ),
            // Two replicas of one service: one mention; services sharing a file set: one line;
            // another file set: its own line.
            (
                vec![
                    ("db".into(), label(&[base, prod])),
                    ("db".into(), label(&[base, prod])),
                    ("api".into(), label(&[base, dev])),
                    ("worker".into(), label(&[dev, base])),
                    ("cache".into(), label(&[base, prod])),
                    ("flaky".into(), label(&[base, prod])),
                ],
                vec![
                    "db, cache and flaky were created with the prod overlay (docker-compose.prod.yml); you asked for the dev overlay (docker-compose.dev.yml)",
                    "worker was created with the same files in another order (docker-compose.dev.yml, docker-compose.yml)",
                ],
            ),
        ];
        for (containers, want) in cases {
            let got: Vec<String> = detect(&requested, &containers)
                .iter()
                .map(message)
                .collect();
            assert_eq!(got, want, "{containers:?}");
        }
    }

    #[test]
    fn extra_overlay_when_base_requested() {
        let d = detect(
            &p(&["compose.yaml"]),
            &[(
                "cache".into(),
                label(&["compose.yaml", "compose.prod.yaml", "extra.yml"]),
            )],
        );
        assert_eq!(
            message(&d[0]),
            "cache was created with the overlays prod (compose.prod.yaml), extra.yml, which you did not ask for"
        );
    }
}
