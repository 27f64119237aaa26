//! Secret checks (SEC-001): secrets written literally in compose files (values, defaults,
//! credentials inside URLs), secret-named build args, build contexts whose `.dockerignore`
//! does not keep `.env` out.

use std::sync::OnceLock;

use indexmap::IndexMap;
use regex::Regex;

use super::dockerignore::Ignore;
use super::input::{DoctorInput, yaml_get};
use super::interp::{self, Op};
use super::{Finding, Severity};

fn url_password_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"[A-Za-z][A-Za-z0-9+.-]*://[^/:@\s]*:([^@/\s]+)@").expect("constant regex")
    })
}

/// A variable name that suggests a secret (`DB_PASSWORD`, `JWT_SECRET`, `API_KEY`…), but not
/// a reference to one (`…_FILE`, `…_PATH`) or a setting about one (`…_EXPIRES_IN`, `…_TTL`):
/// the one policy of [`crate::secrets::is_secret_key`].
pub fn is_secret_name(name: &str) -> bool {
    crate::secrets::is_secret_key(name)
}

fn trivial(v: &str) -> bool {
    let t = v.trim();
    t.is_empty()
        || t.parse::<f64>().is_ok()
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "null" | "none" | "~"
        )
}

/// Key/value pairs of an `environment:`/`args:` block in either form.
fn pairs(v: &crate::project::yaml::Value) -> Vec<(String, Option<String>)> {
    let scalar = |v: &crate::project::yaml::Value| match v {
        crate::project::yaml::Value::String(s) => Some(s.clone()),
        crate::project::yaml::Value::Number(n) => Some(n.to_string()),
        crate::project::yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match v {
        crate::project::yaml::Value::Mapping(m) => m
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), scalar(v))))
            .collect(),
        crate::project::yaml::Value::Sequence(items) => items
            .iter()
            .filter_map(|i| i.as_str())
            .map(|s| match s.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (s.to_string(), None),
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub fn check(input: &DoctorInput) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in &input.raw {
        let Some(services) = f
            .yaml
            .as_ref()
            .and_then(|y| yaml_get(y, &["services"]))
            .and_then(|s| s.as_mapping())
        else {
            continue;
        };
        let file = f.path.display().to_string();
        for (svc, body) in services {
            let Some(svc) = svc.as_str() else { continue };
            if let Some(env) = yaml_get(body, &["environment"]) {
                for (k, v) in pairs(env) {
                    let Some(v) = v else { continue };
                    literal_values(
                        svc,
                        &k,
                        &v,
                        &file,
                        &format!("services.{svc}.environment.{k}"),
                        &mut out,
                    );
                }
            }
            if let Some(args) = yaml_get(body, &["build", "args"]) {
                for (k, v) in pairs(args) {
                    let key = format!("services.{svc}.build.args.{k}");
                    if is_secret_name(&k) {
                        out.push(
                            Finding::new(
                                "SEC-001-build-arg-secret",
                                Severity::Error,
                                format!("service `{svc}` passes the build argument `{k}`, which looks like a secret"),
                            )
                            .file(Some(file.clone()))
                            .key(key)
                            .why("Build arguments are recorded in the image's history (`docker history --no-trunc`) and in every layer built from them: anyone who can pull the image can read the value.")
                            .fix("Pass it at run time (`environment:`/`env_file:`), or use a build secret (`build.secrets` + `RUN --mount=type=secret`)."),
                        );
                    } else if let Some(v) = v {
                        literal_values(svc, &k, &v, &file, &key, &mut out);
                    }
                }
            }
        }
    }
    dockerignore(input, &mut out);
    out
}

fn literal_values(svc: &str, k: &str, v: &str, file: &str, key: &str, out: &mut Vec<Finding>) {
    let refs = interp::refs(v);
    if let Some(c) = url_password_re().captures(v) {
        let pw = c.get(1).map(|m| m.as_str()).unwrap_or("");
        if !interp::is_interpolated(pw) && !pw.starts_with('*') {
            out.push(
                Finding::new(
                    "SEC-001-literal-secret",
                    Severity::Error,
                    format!("`{k}` of service `{svc}` contains a password written in the URL"),
                )
                .file(Some(file.to_string()))
                .key(key.to_string())
                .why("The compose file is committed and shared: the credential is in the repository's history and in `docker inspect` for anyone with Engine access.")
                .fix("Build the URL from variables: `…://${DB_USER}:${DB_PASSWORD}@…`, with the values in the (uncommitted) `.env`."),
            );
            return;
        }
    }
    if !is_secret_name(k) {
        return;
    }
    if refs.is_empty() {
        if !trivial(v) {
            out.push(
                Finding::new(
                    "SEC-001-literal-secret",
                    Severity::Error,
                    format!("`{k}` of service `{svc}` is written literally in the compose file"),
                )
                .file(Some(file.to_string()))
                .key(key.to_string())
                .why("The compose file is committed and shared: the secret is in the repository's history, the same in every environment, and visible in `docker inspect`.")
                .fix(format!("Write `{k}: ${{{k}:?set {k} in .env}}` and put the value in the (uncommitted) `.env`; use Compose `secrets:` for files.")),
            );
        }
        return;
    }
    for r in refs {
        let default = matches!(r.op, Op::DefaultIfEmpty | Op::DefaultIfUnset)
            .then_some(r.arg.as_deref())
            .flatten()
            .filter(|d| !interp::is_interpolated(d) && !trivial(d));
        if let Some(d) = default {
            out.push(
                Finding::new(
                    "SEC-001-secret-default",
                    Severity::Warning,
                    format!("`{k}` of service `{svc}` falls back to a default written in the compose file (`${{{}:-{}…}}`)", r.name, d.chars().take(3).collect::<String>()),
                )
                .file(Some(file.to_string()))
                .key(key.to_string())
                .why("When the variable is missing (a forgotten `.env`, the wrong project directory) the stack starts anyway, with a password everybody who has read the repository knows.")
                .fix(format!("Make it required: `${{{}:?set {} in .env}}`.", r.name, r.name)),
            );
        }
    }
}

fn dockerignore(input: &DoctorInput, out: &mut Vec<Finding>) {
    // One finding per build context, naming every service that uses it.
    let mut contexts: IndexMap<String, (Vec<String>, &super::input::BuildFacts)> = IndexMap::new();
    for (svc, b) in &input.builds {
        if b.remote {
            continue;
        }
        let ignore = b
            .ignore_file
            .as_ref()
            .map(|(p, _)| p.display().to_string())
            .unwrap_or_default();
        let key = format!("{}|{ignore}", b.context.display());
        contexts
            .entry(key)
            .or_insert_with(|| (Vec::new(), b))
            .0
            .push(svc.clone());
    }
    for (services, b) in contexts.values() {
        let first = &services[0];
        let names = services
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let ctx = b.context.display();
        let key = format!("services.{first}.build.context");
        let compose_file = input.locate(&["services", first, "build"]);
        match &b.ignore_file {
            None => {
                let (id, sev, msg) = if b.context_env_files.is_empty() {
                    (
                        "SEC-001-no-dockerignore",
                        Severity::Warning,
                        format!("the build context `{ctx}` of {names} has no .dockerignore"),
                    )
                } else {
                    (
                        "SEC-001-dockerignore-keeps-env",
                        Severity::Error,
                        format!(
                            "the build context `{ctx}` of {names} has no .dockerignore and holds {}",
                            b.context_env_files.join(", ")
                        ),
                    )
                };
                out.push(
                    Finding::new(id, sev, msg)
                        .file(compose_file)
                        .key(key)
                        .why("Everything in the context is sent to the builder, and a `COPY . .` bakes it into a layer: `.env` files with real secrets, `.git`, local data.")
                        .fix(format!("Create `{ctx}/.dockerignore` with at least `.env`, `.env.*`, `!.env.example`, `.git`, `node_modules`.")),
                );
            }
            Some((path, text)) => {
                let ig = Ignore::parse(text);
                let leaked: Vec<&String> = b
                    .context_env_files
                    .iter()
                    .filter(|f| !ig.excludes(f))
                    .collect();
                let (sev, msg) = if !leaked.is_empty() {
                    (
                        Severity::Error,
                        format!(
                            "`{}` does not exclude {} from the build context of {names}",
                            path.display(),
                            leaked
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                } else if !ig.excludes(".env") {
                    (
                        Severity::Warning,
                        format!(
                            "`{}` does not exclude `.env` (the build context of {names})",
                            path.display()
                        ),
                    )
                } else {
                    continue;
                };
                out.push(
                    Finding::new("SEC-001-dockerignore-keeps-env", sev, msg)
                        .file(Some(path.display().to_string()))
                        .key(key)
                        .why("A `.env` in the context is sent to the builder and a `COPY . .` bakes the secrets into a layer of the image.")
                        .fix(format!("Add `.env` and `.env.*` (and `!.env.example`) to `{}`.", path.display())),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for (n, want) in [
            ("POSTGRES_PASSWORD", true),
            ("DB_PASS", true),
            ("JWT_SECRET", true),
            ("TWITTER_API_KEY", true),
            ("SETTLEMENT_BASE_RELAY_PRIVATE_KEY", true),
            ("DASSIE_RPC_TOKEN", true),
            ("GF_SECURITY_ADMIN_PASSWORD", true),
            ("TUNNEL_TOKEN", true),
            ("POSTGRES_PASSWORD_FILE", false),
            ("JWT_EXPIRES_IN", false),
            ("POSTGRES_USER", false),
            ("BYPASS_CACHE", false),
            ("KEYCLOAK_URL", false),
            ("SETTLEMENT_BASE_ENABLED", false),
            ("REDIS_URL", false),
        ] {
            assert_eq!(is_secret_name(n), want, "{n}");
        }
    }

    #[test]
    fn url_passwords() {
        let re = url_password_re();
        assert!(re.is_match("postgresql://pivotal:pivotal@postgres:5432/pivotal"));
        assert!(re.is_match("redis://:secret@redis:6379"));
        assert!(!re.is_match("redis://redis:6379"));
        assert!(!re.is_match("http://localhost:3000/api/v1"));
        let c = re
            .captures("postgresql://${U}:${P}@db/x")
            .map(|c| c[1].to_string());
        assert_eq!(c.as_deref(), Some("${P}"));
    }
}
