//! Production-layer checks, reported for protected environments only: `latest` images, no
//! restart policy, no resource limits, running as root where the image sets no user.

use super::health::is_job;
use super::images;
use super::input::DoctorInput;
use super::view::image_view;
use super::{Finding, Severity};

pub fn check(input: &DoctorInput) -> Vec<Finding> {
    if !input.protected {
        return Vec::new();
    }
    let env = input.environment.as_deref().unwrap_or("this");
    let mut out = Vec::new();
    for (name, s) in &input.project.services {
        let job = is_job(input, name);
        if let (Some(img), None) = (&s.image, &s.build) {
            let (_, tag, digest) = images::split_ref(img);
            if digest.is_none() && tag.is_none_or(|t| t == "latest") {
                out.push(
                    Finding::new(
                        "PROD-001-image-latest",
                        Severity::Warning,
                        format!("service `{name}` runs `{img}` in the {env} environment: a moving tag"),
                    )
                    .file(input.locate(&["services", name, "image"]))
                    .key(format!("services.{name}.image"))
                    .why("`latest` changes under you: two hosts (or two deploys) run different code, and a rollback has nothing to go back to.")
                    .fix("Pin a version tag (and ideally the digest: `image: name:1.2.3@sha256:…`)."),
                );
            }
        }
        let svc_json = input.service_json(name);
        let deploy_restart = svc_json
            .and_then(|j| j.pointer("/deploy/restart_policy/condition"))
            .and_then(|v| v.as_str())
            .is_some_and(|c| c != "none");
        let restart_ok = s.restart.as_deref().is_some_and(|r| r != "no") || deploy_restart;
        if !restart_ok && !job {
            out.push(
                Finding::new(
                    "PROD-001-no-restart-policy",
                    Severity::Warning,
                    format!("service `{name}` has no restart policy in the {env} environment"),
                )
                .file(input.locate(&["services", name]))
                .key(format!("services.{name}.restart"))
                .why("After a crash or a host reboot it stays down until someone notices.")
                .fix("restart: unless-stopped"),
            );
        }
        let limits = svc_json.is_some_and(|j| {
            let l = j.pointer("/deploy/resources/limits");
            let has_l = l.is_some_and(|l| l.get("memory").is_some() || l.get("cpus").is_some());
            has_l || j.get("mem_limit").is_some() || j.get("cpus").is_some()
        });
        if !limits && !job {
            out.push(
                Finding::new(
                    "PROD-001-no-resource-limits",
                    Severity::Warning,
                    format!("service `{name}` has no memory/CPU limit in the {env} environment"),
                )
                .file(input.locate(&["services", name]))
                .key(format!("services.{name}.deploy.resources.limits"))
                .why("One leaking or runaway container can starve every other service on the host, the database included.")
                .fix("deploy:\n  resources:\n    limits:\n      memory: 512M\n      cpus: '1.0'"),
            );
        }
        if s.user.as_deref().is_none_or(str::is_empty) {
            let v = image_view(input, name);
            if let Some(u) = &v.user
                && matches!(u.as_str(), "" | "root" | "0" | "0:0" | "root:root")
            {
                out.push(
                        Finding::new(
                            "PROD-001-runs-as-root",
                            Severity::Warning,
                            format!(
                                "service `{name}` runs as root in the {env} environment: neither the compose files nor its image (`{}`) set a user",
                                v.image.as_deref().unwrap_or("?")
                            ),
                        )
                        .file(input.locate(&["services", name]))
                        .key(format!("services.{name}.user"))
                        .why("A compromise of the process is a compromise of root in the container, one kernel bug away from the host; files it writes to volumes are root-owned.")
                        .fix("Add `USER <uid>` to the Dockerfile's final stage, or `user: \"1000:1000\"` to the service."),
                    );
            }
        }
    }
    out
}

/// Drift: containers of this project created from another set of compose files.
pub fn check_drift(input: &DoctorInput) -> Vec<Finding> {
    let Some(f) = input.engine.facts() else {
        return Vec::new();
    };
    let want: Vec<String> = input
        .files
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut by_files: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for c in &f.containers {
        let Some(cf) = &c.config_files else { continue };
        let have: Vec<String> = cf.split(',').map(str::to_string).collect();
        if have != want {
            by_files
                .entry(cf.clone())
                .or_default()
                .push(c.service.clone().unwrap_or_else(|| c.name.clone()));
        }
    }
    by_files
        .into_iter()
        .map(|(files, services)| {
            Finding::new(
                "DRIFT-001-config-files",
                Severity::Warning,
                format!(
                    "container(s) of {} were created from `{}`, not from the requested files `{}`",
                    services.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
                    files,
                    want.join(",")
                ),
            )
            .file(input.files.first().map(|p| p.display().to_string()))
            .why("The running stack is not the one these files describe (another environment's layering, or files that moved): what you check and what runs differ, and `down`/`up` will recreate or orphan containers.")
            .fix("Recreate it with the environment you mean (`devctl up` with `--dev`/`--prod`), or inspect it with the files it was started from.")
        })
        .collect()
}
