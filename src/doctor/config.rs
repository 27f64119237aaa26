//! Configuration checks (CONFIG-001, TECH-001): `.env` presence and location, keys of
//! `.env.example`, unset variables, layered files, build targets, generic project names.

use std::collections::BTreeMap;

use super::input::{DoctorInput, yaml_get};
use super::interp;
use super::{Finding, Severity};

pub fn check(input: &DoctorInput) -> Vec<Finding> {
    let mut out = Vec::new();
    env_files(input, &mut out);
    unset_variables(input, &mut out);
    layer_files(input, &mut out);
    build_targets(input, &mut out);
    generic_name(input, &mut out);
    out
}

fn env_files(input: &DoctorInput, out: &mut Vec<Finding>) {
    let compose_env = input.project_dir.join(".env");
    let reads_any = !input.interpolation_files.is_empty();
    if !reads_any {
        if let Some(stray) = input.stray_env.first() {
            out.push(
                Finding::new(
                    "CONFIG-001-env-not-read",
                    Severity::Error,
                    format!(
                        "`{}` exists, but Compose reads `{}` (the project directory's `.env`), which does not exist",
                        stray.display(),
                        compose_env.display()
                    ),
                )
                .file(Some(stray.display().to_string()))
                .why(
                    "Compose interpolates `${VAR}` in the compose files from the project directory's `.env` only \
                     (the directory of the first compose file). Every variable set only in the other `.env` \
                     silently becomes an empty string; an `env_file:` entry does not help, it feeds the container, \
                     not the compose file.",
                )
                .fix(format!(
                    "Move the file to `{}`, or pass it explicitly: `devctl --env-file {} …` (or `--project-directory`).",
                    compose_env.display(),
                    stray.display()
                )),
            );
        }
    } else if !input.explicit_env_file && !compose_env.is_file() {
        // devctl found the files itself and read the current directory's `.env` (Compose's
        // rule without `-f`), and passes it to Compose with `--env-file`. Plain
        // `docker compose -f <first file> …` (scripts, CI) reads the project directory's.
        for f in &input.interpolation_files {
            let first = input
                .files
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            out.push(
                Finding::new(
                    "CONFIG-001-env-not-read",
                    Severity::Warning,
                    format!(
                        "devctl reads `{}`, but plain `docker compose -f {first} …` reads `{}`, which does not exist",
                        f.path.display(),
                        compose_env.display()
                    ),
                )
                .file(Some(f.path.display().to_string()))
                .why(
                    "devctl passes this file to Compose (`--env-file`), so devctl's commands see the values; scripts, CI jobs and people that run Compose with `-f` get empty strings for every variable it sets, with only a warning.",
                )
                .fix(format!(
                    "Move the file to `{}` (or symlink it there), so that every way of running Compose reads it.",
                    compose_env.display()
                )),
            );
        }
    }
    for pair in &input.examples {
        let target = pair.env.as_ref().or(input.interpolation_files.first());
        let Some(env) = target else {
            if input.stray_env.is_empty() {
                out.push(
                    Finding::new(
                        "CONFIG-001-env-missing",
                        Severity::Error,
                        format!("`{}` exists but there is no `.env`", pair.example.path.display()),
                    )
                    .file(Some(pair.example.path.display().to_string()))
                    .why("Every variable the template lists is unset: Compose substitutes empty strings and the services start with blank passwords and tokens.")
                    .fix(format!(
                        "`cp {} {}` and fill in the values.",
                        pair.example.path.display(),
                        compose_env.display()
                    )),
                );
            }
            continue;
        };
        let have: BTreeMap<&str, &str> = env
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        let mut missing = Vec::new();
        let mut empty = Vec::new();
        for e in &pair.example.entries {
            match have.get(e.key.as_str()) {
                None => missing.push(e.key.clone()),
                Some(v) if v.is_empty() && !e.value.is_empty() => empty.push(e.key.clone()),
                _ => {}
            }
        }
        missing.dedup();
        if !missing.is_empty() {
            out.push(
                Finding::new(
                    "CONFIG-001-env-key-missing",
                    Severity::Warning,
                    format!(
                        "{} key(s) of `{}` are missing from `{}`: {}",
                        missing.len(),
                        pair.example.path.display(),
                        env.path.display(),
                        missing.join(", ")
                    ),
                )
                .file(Some(env.path.display().to_string()))
                .why("The template was updated after `.env` was made; the missing variables are unset.")
                .fix(format!("Add them to `{}` (copy the lines from the template and set real values).", env.path.display())),
            );
        }
        if !empty.is_empty() {
            out.push(
                Finding::new(
                    "CONFIG-001-env-key-empty",
                    Severity::Info,
                    format!(
                        "{} key(s) have a value in `{}` but are empty in `{}`: {}",
                        empty.len(),
                        pair.example.path.display(),
                        env.path.display(),
                        empty.join(", ")
                    ),
                )
                .file(Some(env.path.display().to_string()))
                .why("An empty value is passed as an empty string, which services usually reject late.")
                .fix("Fill them in, or delete the lines if they are really optional."),
            );
        }
    }
}

/// Variables used without a default in the layered files and set nowhere.
fn unset_variables(input: &DoctorInput, out: &mut Vec<Finding>) {
    // name → [(file, key path)]
    let mut uses: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for f in &input.raw {
        let Some(y) = &f.yaml else { continue };
        walk(y, String::new(), &mut |path, s| {
            for r in interp::refs(s) {
                if !r.op.tolerates_unset() && input.var(&r.name).is_none() {
                    uses.entry(r.name)
                        .or_default()
                        .push((f.path.display().to_string(), path.to_string()));
                }
            }
        });
    }
    for (name, places) in uses {
        let (file, key) = places[0].clone();
        let more = if places.len() > 1 {
            format!(" (and {} more place(s))", places.len() - 1)
        } else {
            String::new()
        };
        let where_read = if input.interpolation_files.is_empty() {
            format!(
                "the process environment; there is no `{}`",
                input.project_dir.join(".env").display()
            )
        } else {
            let files: Vec<String> = input
                .interpolation_files
                .iter()
                .map(|f| format!("`{}`", f.path.display()))
                .collect();
            format!("the process environment, {}", files.join(", "))
        };
        out.push(
            Finding::new(
                "CONFIG-001-variable-unset",
                Severity::Warning,
                format!("`${{{name}}}` is used at `{key}`{more} without a default, and is not set (looked in: {where_read})"),
            )
            .file(Some(file))
            .key(key)
            .why("Compose substitutes an empty string (with only a warning), so the service gets a blank value.")
            .fix(format!(
                "Set {name} in the `.env` Compose reads, or give a default (`${{{name}:-value}}`), or make it required (`${{{name}:?explain}}`)."
            )),
        );
    }
}

/// Call `f(key_path, string)` for every string value (keys are not interpolated).
pub fn walk(v: &crate::project::yaml::Value, path: String, f: &mut dyn FnMut(&str, &str)) {
    match v {
        crate::project::yaml::Value::String(s) => f(&path, s),
        crate::project::yaml::Value::Sequence(items) => {
            for (i, it) in items.iter().enumerate() {
                walk(it, format!("{path}[{i}]"), f);
            }
        }
        crate::project::yaml::Value::Mapping(m) => {
            for (k, val) in m {
                let k = match k {
                    crate::project::yaml::Value::String(s) => s.clone(),
                    other => crate::project::yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                let p = if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                };
                walk(val, p, f);
            }
        }
        crate::project::yaml::Value::Tagged(t) => walk(&t.value, path, f),
        _ => {}
    }
}

fn layer_files(input: &DoctorInput, out: &mut Vec<Finding>) {
    for f in &input.files {
        if !f.is_file() {
            out.push(
                Finding::new(
                    "CONFIG-001-layer-file-missing",
                    Severity::Error,
                    format!("the layered file `{}` does not exist", f.display()),
                )
                .file(Some(f.display().to_string()))
                .why("Compose refuses to start a project with a missing `-f` file.")
                .fix("Create it, or choose another environment (`devctl config --files` lists the layering)."),
            );
        }
    }
}

fn build_targets(input: &DoctorInput, out: &mut Vec<Finding>) {
    for (svc, b) in &input.builds {
        let Some(Err(target)) = &b.stage else {
            continue;
        };
        let stages = if b.stage_names.is_empty() {
            "it has no named stage".to_string()
        } else {
            format!("stages: {}", b.stage_names.join(", "))
        };
        out.push(
            Finding::new(
                "TECH-001-build-target-missing",
                Severity::Error,
                format!(
                    "service `{svc}` builds target `{target}`, but `{}` has no stage of that name ({stages})",
                    b.dockerfile.display()
                ),
            )
            .file(input.locate(&["services", svc, "build", "target"]))
            .key(format!("services.{svc}.build.target"))
            .why("`docker compose build`/`up --build` fails: the builder cannot find the target stage.")
            .fix(format!("Add `FROM … AS {target}` to the Dockerfile, or set `target:` to an existing stage.")),
        );
    }
}

const GENERIC_NAMES: &[&str] = &[
    "docker",
    "compose",
    "infra",
    "deploy",
    "deployment",
    "ops",
    "app",
    "src",
];

fn generic_name(input: &DoctorInput, out: &mut Vec<Finding>) {
    let explicit = input.raw.iter().any(|f| {
        f.yaml
            .as_ref()
            .is_some_and(|y| yaml_get(y, &["name"]).is_some())
    }) || input.process_env.contains_key("COMPOSE_PROJECT_NAME");
    let name = input.project.name.as_str();
    if !explicit && GENERIC_NAMES.contains(&name) {
        out.push(
            Finding::new(
                "CONFIG-001-generic-project-name",
                Severity::Warning,
                format!("the project is named `{name}` after the folder that holds the compose files"),
            )
            .file(input.files.first().map(|f| f.display().to_string()))
            .key("name")
            .why(format!(
                "Containers, networks and volumes are named `{name}_…`/`{name}-…`: any other repository with the same \
                 layout on this machine shares them — including its database volumes."
            ))
            .fix("Add a top-level `name: <project>` to the base compose file (or set COMPOSE_PROJECT_NAME)."),
        );
    }
}
