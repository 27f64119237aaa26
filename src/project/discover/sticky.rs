//! The environment sticks: with no `--dev`/`--prod`/`--env`/`DEVCTL_ENV` and files devctl
//! found itself, a project whose containers were all created from the files of exactly one
//! environment keeps that environment. Pure: the caller reads the containers'
//! `com.docker.compose.project.config_files` labels from the Engine and passes them in.

use std::path::{Path, PathBuf};

use super::super::Resolved;
use super::super::environments::{self, DevctlConfig};

/// One environment devctl could choose, with the files it would layer (base first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    pub files: Vec<PathBuf>,
}

/// Split Compose's `com.docker.compose.project.config_files` label (comma-separated absolute
/// paths, in `-f` order).
pub fn split_label(label: &str) -> Vec<PathBuf> {
    label
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// Every environment of the project (declared in `devctl.yaml` or found beside the base file)
/// whose files exist, with the file list devctl would pass to Compose for it. `resolved` is the
/// resolution of the same options without an environment named, so `files[0]` is the base.
pub fn candidates(resolved: &Resolved) -> Vec<Candidate> {
    let Some(base) = resolved.files.first() else {
        return Vec::new();
    };
    let cfg = environments::read_config(base).unwrap_or_else(|_| DevctlConfig::default());
    let mut names: Vec<String> = cfg.environments.keys().cloned().collect();
    for n in environments::on_disk(base) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let (layers, _) = environments::layers(&name, base, &cfg).ok()?;
            Some(Candidate {
                files: with_base(base, layers),
                name,
            })
        })
        .collect()
}

/// The base file, then each layer not already in the list (as discovery layers them).
fn with_base(base: &Path, layers: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut files = vec![base.to_path_buf()];
    for f in layers {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    files
}

/// Pure: the environment the containers keep. `containers` are `(service, config_files
/// label)` of the project's non-one-off containers; those without the label (not created by
/// Compose) do not count. Some only when every labelled container carries the same file list
/// and exactly one candidate layers exactly those files; no containers, several file lists
/// (some dev, some prod) or files that match no environment (or several) → None, and the
/// caller keeps today's choice (the drift warning then says what differs).
pub fn decide<'a>(
    candidates: &'a [Candidate],
    containers: &[(String, Option<String>)],
) -> Option<&'a Candidate> {
    let mut sets = containers
        .iter()
        .filter_map(|(_, label)| label.as_deref())
        .map(split_label)
        .filter(|files| !files.is_empty());
    let first = sets.next()?;
    if sets.any(|other| other != first) {
        return None;
    }
    let mut matching = candidates.iter().filter(|c| c.files == first);
    let one = matching.next()?;
    matching.next().is_none().then_some(one)
}

/// The path as the user would type it from `cwd` (relative when it lies below `cwd`).
fn shown(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

/// Pure: the one line that says which environment was kept, e.g. "keeping environment dev
/// (the project's containers were created with docker/docker-compose.dev.yml); pass --prod or
/// --env NAME to switch".
pub fn notice(kept: &Candidate, candidates: &[Candidate], cwd: &Path) -> String {
    let layers: Vec<String> = kept.files.iter().skip(1).map(|f| shown(f, cwd)).collect();
    let mut flags: Vec<String> = ["dev", "prod"]
        .into_iter()
        .filter(|n| *n != kept.name && candidates.iter().any(|c| c.name == *n))
        .map(|n| format!("--{n}"))
        .collect();
    flags.push("--env NAME".into());
    let flags = match flags.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    };
    format!(
        "keeping environment {} (the project's containers were created with {}); pass {flags} to switch",
        kept.name,
        layers.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, files: &[&str]) -> Candidate {
        Candidate {
            name: name.into(),
            files: files
                .iter()
                .map(|f| PathBuf::from(format!("/p/{f}")))
                .collect(),
        }
    }

    fn label(files: &[&str]) -> Option<String> {
        Some(
            files
                .iter()
                .map(|f| format!("/p/{f}"))
                .collect::<Vec<_>>()
                .join(","),
        )
    }

    #[test]
    fn decides_only_on_one_file_set_of_one_environment() {
        let base = "docker-compose.yml";
        let dev = "docker-compose.dev.yml";
        let prod = "docker-compose.prod.yml";
        let cands = vec![c("dev", &[base, dev]), c("prod", &[base, prod])];
        type Case = (Vec<(String, Option<String>)>, Option<&'static str>);
        let cases: Vec<Case> = vec![
            // No containers: nothing to keep.
            (vec![], None),
            // All from dev (replicas, and one container without Compose's label): dev.
            (
                vec![
                    ("api".into(), label(&[base, dev])),
                    ("api".into(), label(&[base, dev])),
                    ("db".into(), label(&[base, dev])),
                    ("tool".into(), None),
                ],
                Some("dev"),
            ),
            (vec![("db".into(), label(&[base, prod]))], Some("prod")),
            // Some dev, some prod: no environment is the stack's.
            (
                vec![
                    ("api".into(), label(&[base, dev])),
                    ("db".into(), label(&[base, prod])),
                ],
                None,
            ),
            // Base only, another order, an extra file, another checkout: no environment.
            (vec![("api".into(), label(&[base]))], None),
            (vec![("api".into(), label(&[dev, base]))], None),
            (vec![("api".into(), label(&[base, dev, "x.yml"]))], None),
            (
                vec![(
                    "api".into(),
                    Some("/elsewhere/docker-compose.yml,/elsewhere/docker-compose.dev.yml".into()),
                )],
                None,
            ),
            // Only unlabelled containers or an empty label: nothing.
            (
                vec![("api".into(), None), ("db".into(), Some(" ".into()))],
                None,
            ),
        ];
        for (containers, want) in cases {
            let got = decide(&cands, &containers).map(|c| c.name.as_str());
            assert_eq!(got, want, "{containers:?}");
        }
        // Two environments layering the same files: ambiguous, none.
        let twins = vec![c("dev", &[base, dev]), c("local", &[base, dev])];
        assert_eq!(decide(&twins, &[("api".into(), label(&[base, dev]))]), None);
    }

    #[test]
    fn the_notice_names_the_files_and_the_other_flags() {
        let cands = vec![
            c(
                "dev",
                &["docker/docker-compose.yml", "docker/docker-compose.dev.yml"],
            ),
            c(
                "prod",
                &[
                    "docker/docker-compose.yml",
                    "docker/docker-compose.prod.yml",
                ],
            ),
            c("ci", &["docker/docker-compose.yml", "ci/a.yml", "ci/b.yml"]),
        ];
        let cwd = Path::new("/p");
        assert_eq!(
            notice(&cands[0], &cands, cwd),
            "keeping environment dev (the project's containers were created with docker/docker-compose.dev.yml); pass --prod or --env NAME to switch"
        );
        assert_eq!(
            notice(&cands[1], &cands, Path::new("/p/docker")),
            "keeping environment prod (the project's containers were created with docker-compose.prod.yml); pass --dev or --env NAME to switch"
        );
        assert_eq!(
            notice(&cands[2], &cands, Path::new("/elsewhere")),
            "keeping environment ci (the project's containers were created with /p/ci/a.yml, /p/ci/b.yml); pass --dev, --prod or --env NAME to switch"
        );
    }

    #[test]
    fn candidates_are_the_environments_on_disk_and_declared() {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path();
        std::fs::create_dir_all(d.join("docker")).expect("mkdir");
        for f in [
            "docker/docker-compose.yml",
            "docker/docker-compose.dev.yml",
            "docker/docker-compose.prod.yml",
            "docker/docker-compose.override.yml",
            "ci.yml",
        ] {
            std::fs::write(d.join(f), "services: {}\n").expect("write");
        }
        std::fs::write(
            d.join("devctl.yaml"),
            "environments:\n  ci: {files: [ci.yml]}\n  gone: {files: [missing.yml]}\n",
        )
        .expect("write");
        let base = d.join("docker/docker-compose.yml");
        let resolved = Resolved {
            files: vec![base.clone(), d.join("docker/docker-compose.override.yml")],
            ..Default::default()
        };
        let got = candidates(&resolved);
        let names: Vec<&str> = got.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["ci", "dev", "prod"]);
        assert_eq!(got[0].files, vec![base.clone(), d.join("ci.yml")]);
        assert_eq!(
            got[1].files,
            vec![base.clone(), d.join("docker/docker-compose.dev.yml")]
        );
        assert!(candidates(&Resolved::default()).is_empty());
    }
}
