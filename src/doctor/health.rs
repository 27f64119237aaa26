//! Health checks (OPS-001): services without one, checks without `start_period`, `$VAR` in
//! exec-form probes, probe programs missing from the image, `depends_on` conditions that do
//! not match the dependency's health check.

use std::collections::BTreeSet;

use super::engine_facts::ProbeRequests;
use super::input::DoctorInput;
use super::interp;
use super::view::{ImageView, Source, image_view};
use super::{Finding, Severity};

/// Shell words that are not programs looked up in PATH.
const BUILTINS: &[&str] = &[
    "exit", "test", "[", "[[", "echo", "true", "false", "cd", "set", "export", "printf", "if",
    "then", "fi", "else", "elif", "read", "return", "exec", "command", "!", "{", "}", "(", ")",
    "kill", "wait", "eval", ":", "type", "do", "done", "for", "while",
];

/// The programs a health-check test runs (`sh` included for `CMD-SHELL`).
pub fn programs(test: &[String]) -> Vec<String> {
    match test.first().map(String::as_str) {
        Some("CMD") => test.get(1).into_iter().cloned().collect(),
        Some("CMD-SHELL") => {
            let mut out = vec!["sh".to_string()];
            let script = test.get(1).map(String::as_str).unwrap_or("");
            for part in script.split(['|', '&', ';', '\n']) {
                let first = part
                    .split_whitespace()
                    .map(|w| w.trim_matches(['"', '\'', '(', ')']))
                    .find(|w| {
                        !w.is_empty() && !w.contains('=') && !matches!(*w, "exec" | "!" | "command")
                    });
                if let Some(w) = first
                    && !BUILTINS.contains(&w)
                    && !w.starts_with('$')
                    && !w.starts_with('-')
                    && !out.iter().any(|o| o == w)
                {
                    out.push(w.to_string());
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The compose health check of a service: Some(test) when set and enabled.
fn compose_test(input: &DoctorInput, name: &str) -> Option<Vec<String>> {
    let hc = input.project.services.get(name)?.healthcheck.as_ref()?;
    if hc.disable == Some(true) || hc.test.is_empty() || hc.test[0] == "NONE" {
        return None;
    }
    Some(hc.test.clone())
}

fn compose_disabled(input: &DoctorInput, name: &str) -> bool {
    input
        .project
        .services
        .get(name)
        .and_then(|s| s.healthcheck.as_ref())
        .is_some_and(|hc| {
            hc.disable == Some(true) || hc.test.first().map(String::as_str) == Some("NONE")
        })
}

/// Some(true): the service has a health check; Some(false): it has none; None: unknown.
pub fn has_healthcheck(input: &DoctorInput, name: &str) -> Option<bool> {
    if compose_test(input, name).is_some() {
        return Some(true);
    }
    if compose_disabled(input, name) {
        return Some(false);
    }
    image_view(input, name).healthcheck.map(|h| h.is_some())
}

/// Services others wait for with `service_completed_successfully`, or `restart: "no"`
/// — one-shot jobs, which need no health check.
pub fn is_job(input: &DoctorInput, name: &str) -> bool {
    let waited_as_job = input.project.services.values().any(|s| {
        s.depends_on
            .get(name)
            .is_some_and(|d| d.condition.as_deref() == Some("service_completed_successfully"))
    });
    let restart_no = input
        .project
        .services
        .get(name)
        .and_then(|s| s.restart.as_deref())
        .is_some_and(|r| r == "no" || r.starts_with("on-failure"));
    waited_as_job || restart_no
}

/// Which programs to look for inside which local image (for the Engine gatherer).
pub fn probe_requests(input: &DoctorInput) -> ProbeRequests {
    let mut req = ProbeRequests::new();
    for name in input.project.services.keys() {
        let Some(img) = input.service_image(name) else {
            continue;
        };
        let test = compose_test(input, name).or_else(|| {
            image_view(input, name)
                .healthcheck
                .flatten()
                .map(|h| h.test)
        });
        let entry = req.entry(img).or_default();
        if let Some(t) = test {
            entry.extend(programs(&t));
        }
    }
    req
}

pub fn check(input: &DoctorInput) -> Vec<Finding> {
    let mut out = Vec::new();
    for name in input.project.services.keys() {
        let view = image_view(input, name);
        let svc_key = format!("services.{name}.healthcheck");
        let compose_file = input.locate(&["services", name, "healthcheck"]);
        match compose_test(input, name) {
            Some(test) => {
                let hc = input.project.services[name].healthcheck.as_ref();
                if hc.is_some_and(|h| h.start_period.is_none()) {
                    out.push(no_start_period(name, compose_file.clone(), svc_key.clone()));
                }
                exec_form_vars(name, &test, true, compose_file.clone(), &svc_key, &mut out);
                missing_probes(name, &test, &view, compose_file, &svc_key, &mut out);
            }
            None if compose_disabled(input, name) => {}
            None => match view.healthcheck.clone() {
                Some(Some(ih)) => {
                    let key = format!("services.{name}.build (Dockerfile HEALTHCHECK)");
                    if !ih.start_period {
                        out.push(no_start_period(name, ih.file.clone(), key.clone()));
                    }
                    exec_form_vars(name, &ih.test, false, ih.file.clone(), &key, &mut out);
                    missing_probes(name, &ih.test, &view, ih.file.clone(), &key, &mut out);
                }
                known => {
                    if !is_job(input, name) {
                        out.push(no_healthcheck(input, name, &view, known.is_none()));
                    }
                }
            },
        }
    }
    depends_on(input, &mut out);
    out
}

fn no_start_period(name: &str, file: Option<String>, key: String) -> Finding {
    Finding::new(
        "OPS-001-healthcheck-no-start-period",
        Severity::Warning,
        format!("the health check of `{name}` has no start_period"),
    )
    .file(file)
    .key(key)
    .why("Failures during start-up count against `retries`: a slow first start (migrations, cold caches) marks the container unhealthy and `depends_on: service_healthy` dependants fail to start.")
    .fix("Add `start_period:` (e.g. `30s`, longer than the usual start-up) to the health check.")
}

fn no_healthcheck(input: &DoctorInput, name: &str, view: &ImageView, unknown: bool) -> Finding {
    let caveat = if unknown {
        format!(
            " (unless its image `{}` declares one: it is not available locally to look)",
            view.image.as_deref().unwrap_or("?")
        )
    } else {
        String::new()
    };
    Finding::new(
        "OPS-001-no-healthcheck",
        Severity::Warning,
        format!("service `{name}` has no health check{caveat}"),
    )
    .file(input.locate(&["services", name]))
    .key(format!("services.{name}"))
    .why("Without one, \"running\" is all anyone knows: `up --wait`, `depends_on: service_healthy` and devctl's status cannot tell a hung or crash-looping service from a working one.")
    .fix("Add a `healthcheck:` with a probe the image really has (see OPS-001-probe-missing), `interval`, `retries` and `start_period`.")
}

/// `compose_escaped`: the test comes from Compose's canonical JSON, where a literal `$` is
/// written `$$` (a plain `$VAR` was interpolated away already); a Dockerfile's test is raw.
fn exec_form_vars(
    name: &str,
    test: &[String],
    compose_escaped: bool,
    file: Option<String>,
    key: &str,
    out: &mut Vec<Finding>,
) {
    if test.first().map(String::as_str) != Some("CMD") {
        return;
    }
    let vars: BTreeSet<String> = test[1..]
        .iter()
        .map(|a| {
            if compose_escaped {
                a.replace("$$", "$")
            } else {
                a.clone()
            }
        })
        .flat_map(|a| interp::refs(&a))
        .map(|r| r.name)
        .collect();
    if vars.is_empty() {
        return;
    }
    let list: Vec<String> = vars.iter().map(|v| format!("${v}")).collect();
    out.push(
        Finding::new(
            "OPS-001-cmd-probe-env-var",
            Severity::Error,
            format!("the exec-form (`CMD`) health check of `{name}` passes {} literally", list.join(", ")),
        )
        .file(file)
        .key(key.to_string())
        .why("In `[\"CMD\", …]` form no shell runs, so nothing expands the variable: the probe receives the text `$VAR` and fails (or checks the wrong thing) forever.")
        .fix(format!(
            "Use the shell form: `test: [\"CMD-SHELL\", \"… {} …\"]` (write `$$VAR` in a compose file so Compose leaves it to the shell), or a literal value.",
            list.join(" ")
        )),
    );
}

fn missing_probes(
    name: &str,
    test: &[String],
    view: &ImageView,
    file: Option<String>,
    key: &str,
    out: &mut Vec<Finding>,
) {
    for p in programs(test) {
        if view.has(&p) != Some(false) {
            continue;
        }
        let img = view.image.as_deref().unwrap_or("?");
        let how = match (view.source, &view.base) {
            (Source::LocalImage, _) => {
                format!("it is not in the local image `{img}` (looked in its PATH)")
            }
            (Source::Dockerfile, Some(base)) => format!(
                "the image is built `FROM {base}`, which does not ship it, and no `RUN` of the Dockerfile installs it"
            ),
            _ => format!("`{img}` does not ship it"),
        };
        let what = if p == "sh" {
            "a shell (`CMD-SHELL` needs /bin/sh)".to_string()
        } else {
            format!("`{p}`")
        };
        out.push(
            Finding::new(
                "OPS-001-probe-missing",
                Severity::Error,
                format!("the health check of `{name}` runs {what}, but {how}"),
            )
            .file(file.clone())
            .key(key.to_string())
            .why("The probe fails with \"not found\" on every run: the container never becomes healthy and everything that waits for it never starts.")
            .fix(format!(
                "Probe with a program the image has (e.g. `node -e …` in a Node image, `wget -q --spider` in Alpine/busybox), or install `{p}` in the Dockerfile's final stage."
            )),
        );
    }
}

fn depends_on(input: &DoctorInput, out: &mut Vec<Finding>) {
    for (name, s) in &input.project.services {
        for (dep, d) in &s.depends_on {
            let cond = d.condition.as_deref().unwrap_or("service_started");
            let key = format!("services.{name}.depends_on.{dep}");
            let file = input.locate(&["services", name, "depends_on"]);
            let dep_hc = if input.project.services.contains_key(dep) {
                has_healthcheck(input, dep)
            } else {
                None
            };
            match (cond, dep_hc) {
                ("service_started", Some(true)) => out.push(
                    Finding::new(
                        "OPS-001-depends-on-not-healthy",
                        Severity::Warning,
                        format!("`{name}` depends on `{dep}`, which has a health check, but only waits for it to start"),
                    )
                    .file(file)
                    .key(key)
                    .why("`{name}` starts as soon as `{dep}`'s container exists, before it answers: first requests fail and start-up depends on luck.".replace("{name}", name).replace("{dep}", dep))
                    .fix(format!("depends_on:\n  {dep}:\n    condition: service_healthy")),
                ),
                ("service_healthy", Some(false) | None) => {
                    let known = dep_hc.is_some();
                    out.push(
                        Finding::new(
                            "OPS-001-depends-on-no-healthcheck",
                            if known { Severity::Error } else { Severity::Warning },
                            if known {
                                format!("`{name}` waits for `{dep}` to be healthy, but `{dep}` has no health check")
                            } else {
                                format!("`{name}` waits for `{dep}` to be healthy, but `{dep}` has no health check in the compose files (its image may declare one; it is not available locally to look)")
                            },
                        )
                        .file(file)
                        .key(key)
                        .why("Compose refuses: `up` fails with \"container … has no healthcheck configured\" and the dependant never starts.")
                        .fix(format!("Give `{dep}` a `healthcheck:`, or wait with `condition: service_started`.")),
                    );
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn programs_of_tests() {
        let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
            (v(&["CMD", "wget", "--spider", "http://x"]), vec!["wget"]),
            (
                v(&["CMD-SHELL", "pg_isready -U antone"]),
                vec!["sh", "pg_isready"],
            ),
            (
                v(&["CMD-SHELL", "redis-cli ping | grep PONG"]),
                vec!["sh", "redis-cli", "grep"],
            ),
            (
                v(&["CMD-SHELL", "curl -f http://localhost/ || exit 1"]),
                vec!["sh", "curl"],
            ),
            (
                v(&["CMD-SHELL", "PGPASSWORD=x exec /usr/bin/psql -c 'select 1'"]),
                vec!["sh", "/usr/bin/psql"],
            ),
            (v(&["NONE"]), vec![]),
            (v(&[]), vec![]),
        ];
        for (t, want) in cases {
            assert_eq!(programs(&t), want, "{t:?}");
        }
    }
}
