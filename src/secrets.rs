//! The one secret policy: which values devctl masks on every surface that shows values
//! (`config`, `ps`, the dashboard, the audit log) and which names `doctor` calls secret.
//!
//! A value is masked when
//! 1. its key looks secret ([`is_secret_key`]): a name with PASSWORD, PASSWD, PASSPHRASE,
//!    SECRET, TOKEN or CREDENTIAL in it, or a word PASS, PAT, KEY, APIKEY, JWT, DSN, SALT,
//!    AUTH, COOKIE or PRIVATE (`DB_PASS`, `GITHUB_PAT`, `SENTRY_DSN`, `apiKey`), unless it names a
//!    reference to or a setting of a secret (`…_FILE`, `…_PATH`, `…_TTL`, `…_EXPIRES_IN`…);
//! 2. it looks like a credential wherever it appears ([`mask_text`]): the password in
//!    `scheme://user:pass@host` (any URL: environment, health checks, commands, DSNs), a
//!    token-like user alone (`https://KEY@host/1`, as in Sentry DSNs), known token prefixes
//!    (`ghp_`, `github_pat_`, `glpat-`, `xoxb-`/`xoxp-`, `sk_live_`, `AKIA…`, …), JWTs
//!    (`eyJ….….…`) and PEM private keys;
//! 3. it came from an `env_file` ([`env_file_keys`]): those files are where secrets live, are
//!    normally not committed, and devctl cannot tell which of their values are secret, so
//!    all of them are masked.
//!
//! `--show-secrets` (on `config` and `ps`) shows everything. The audit log is always masked.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::{Captures, Regex};
use serde_json::Value as J;

/// What a masked value is replaced by.
pub const MASK: &str = "********";

/// Names of references to a secret, or of settings about one: not secrets themselves.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_URL",
    "_EXPIRES_IN",
    "_EXPIRY",
    "_TTL",
    "_LENGTH",
    "_ALGORITHM",
    "_HEADER",
    "_ENABLED",
    "_ISSUER",
    "_NAME",
    "_ID",
];

/// Words that make a key secret wherever they occur in it (`DBPASSWORD`, `clientSecret`).
const SECRET_INFIXES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
];

/// Words that make a key secret when they are a whole word of it (`DB_PASS` but not
/// `BYPASS`, `API_KEY` but not `KEYCLOAK`).
const SECRET_WORDS: &[&str] = &[
    "PASS",
    "PAT",
    "KEY",
    "KEYS",
    "APIKEY",
    "JWT",
    "DSN",
    "SALT",
    "AUTH",
    "COOKIE",
    "PRIVATE",
    "PW",
    "PWD",
    "PGPASS",
    "AUTHORIZATION",
    "BEARER",
];

/// Endings that make a one-word key secret (`PRIVATEKEY`, `SESSIONKEY`); checked on the last
/// word.
const SECRET_WORD_ENDINGS: &[&str] = &["PRIVATEKEY", "SESSIONKEY", "SECRETKEY", "APIKEY"];

/// The words of a key, upper-cased: split at `_`, `-`, `.`, spaces and lower→upper case
/// changes (`apiKey` → `API`, `KEY`).
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Does a key (environment variable, build arg, label, flag name) name a secret?
pub fn is_secret_key(key: &str) -> bool {
    let ws = words(key);
    let joined = ws.join("_");
    if NOT_SECRET_SUFFIXES.iter().any(|s| joined.ends_with(s)) {
        return false;
    }
    SECRET_INFIXES.iter().any(|w| joined.contains(w))
        || ws.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || ws
            .last()
            .is_some_and(|w| SECRET_WORD_ENDINGS.iter().any(|e| w.ends_with(e)))
}

/// Credentials written inside text: `Bearer <token>`, `Password=…;`/`Pwd=…` (connection
/// strings), `--db-password=…` / `--token …`-style flags, `KEY=value` assignments of secret keys.
fn inline_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?i)(?P<head>\bbearer\s+|\b(?:password|passwd|pwd|secret|token)\s*=\s*",
            r"|--[a-z0-9-]*(?:password|passwd|secret|token)[a-z0-9-]*[= ]",
            r"|\b[A-Z0-9_]*(?:PASSWORD|PASSWD|_PWD|_PASS|SECRET|TOKEN)[A-Z0-9_]*=)",
            r"(?P<value>[^\s;,'\x22&]+)",
        ))
        .expect("constant regex")
    })
}

fn url_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // userinfo: no `/`, `?`, `#` or space; the password runs to the last `@` before the
        // host, so a raw `@` inside it is masked too.
        Regex::new(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^/?#@\s:]*)(?::(?P<pass>[^/?#\s]*))?@")
            .expect("constant regex")
    })
}

fn token_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?P<jwt>\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)",
            r"|(?P<pem>-----BEGIN[A-Z ]* PRIVATE KEY-----(?s:.*?)(?:-----END[A-Z ]* PRIVATE KEY-----|\z))",
            r"|\b(?P<prefix>gh[pousr]_|github_pat_|glpat-|xox[abposr]-|(?:sk|rk)_(?:live|test)_|npm_|hf_|AIza|AKIA|ASIA|SG\.)",
            r"(?P<rest>[A-Za-z0-9_\-.]{10,})",
        ))
        .expect("constant regex")
    })
}

/// A user part that is itself a key (Sentry's `https://<32 hex>@host/1`).
fn token_like(user: &str) -> bool {
    user.len() >= 16
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Mask every credential-looking part of `s` (URL passwords and key-like users, known token
/// prefixes, JWTs, PEM private keys); the rest of the text stays as it is.
pub fn mask_text(s: &str) -> Cow<'_, str> {
    let s1 = url_re().replace_all(s, |c: &Captures<'_>| {
        let scheme = &c["scheme"];
        let user = &c["user"];
        match c.name("pass").map(|m| m.as_str()) {
            Some(p) if !p.is_empty() && p != MASK => format!("{scheme}{user}:{MASK}@"),
            None if token_like(user) => format!("{scheme}{MASK}@"),
            _ => c[0].to_string(),
        }
    });
    let s2 = token_re().replace_all(&s1, |c: &Captures<'_>| match c.name("prefix") {
        Some(p) => format!("{}{MASK}", p.as_str()),
        None => MASK.to_string(),
    });
    let s2 = match inline_re().replace_all(&s2, |c: &Captures<'_>| {
        if c["value"].contains(MASK) {
            c[0].to_string()
        } else {
            format!("{}{MASK}", &c["head"])
        }
    }) {
        Cow::Borrowed(_) => s2,
        Cow::Owned(o) => Cow::Owned(o),
    };
    let changed = matches!(s2, Cow::Owned(_));
    let s2 = s2.into_owned();
    match s1 {
        Cow::Borrowed(_) if !changed => Cow::Borrowed(s),
        _ => Cow::Owned(s2),
    }
}

/// The value of `key` as shown: [`MASK`] for a non-empty value of a secret key, else the value
/// with its credential-looking parts masked.
pub fn mask_value(key: &str, value: &str) -> String {
    if is_secret_key(key) && !value.is_empty() {
        return MASK.to_string();
    }
    mask_text(value).into_owned()
}

/// A `KEY=VALUE` item (environment list, `--build-arg`, `-e`): masked as [`mask_value`];
/// anything else as [`mask_text`].
pub fn mask_assignment(item: &str) -> String {
    match item.split_once('=') {
        Some((k, v)) if !k.is_empty() && !k.contains(char::is_whitespace) => {
            format!("{k}={}", mask_value(k.trim_start_matches('-'), v))
        }
        _ => mask_text(item).into_owned(),
    }
}

/// A command line (audit log `argv`, a `command:` list): `KEY=VALUE` and `--secret=VALUE`
/// items as [`mask_assignment`], the value after a secret-named flag (`--password x`), and
/// credential-looking text anywhere.
pub fn mask_argv(argv: &mut [String]) {
    let mut after_secret_flag = false;
    for a in argv.iter_mut() {
        let is_flag = a.starts_with('-') && !a.contains('=');
        if after_secret_flag && !a.starts_with('-') && !a.is_empty() {
            *a = MASK.to_string();
        } else {
            *a = mask_assignment(a);
        }
        after_secret_flag = is_flag && is_secret_key(a.trim_start_matches('-'));
    }
}

/// Mask a JSON value in place: scalars under secret keys, `KEY=VALUE` and command-line items
/// in lists, credential-looking text in every string.
pub fn mask_json(v: &mut J) {
    match v {
        J::String(s) => {
            if let Cow::Owned(m) = mask_text(s) {
                *s = m;
            }
        }
        J::Object(m) => {
            for (k, child) in m.iter_mut() {
                match child {
                    J::String(s) if is_secret_key(k) && !s.is_empty() => *s = MASK.into(),
                    J::Number(_) | J::Bool(_) if is_secret_key(k) => {
                        *child = J::String(MASK.into())
                    }
                    _ => mask_json(child),
                }
            }
        }
        J::Array(items) => {
            if items.iter().all(J::is_string) {
                let mut strings: Vec<String> = items
                    .iter()
                    .map(|i| i.as_str().unwrap_or_default().to_string())
                    .collect();
                mask_argv(&mut strings);
                *items = strings.into_iter().map(J::String).collect();
            } else {
                items.iter_mut().for_each(mask_json);
            }
        }
        _ => {}
    }
}

/// The environment keys of `service` whose value came from an `env_file` (no compose file
/// set them: they have no provenance under `services.NAME.environment`).
pub fn env_file_keys(lp: &crate::project::LoadedProject, service: &str) -> BTreeSet<String> {
    let Some(svc) = lp.project.services.get(service) else {
        return BTreeSet::new();
    };
    let prefix = format!("services.{service}.environment");
    svc.environment
        .keys()
        .filter(|k| {
            let exact = format!("{prefix}.{k}");
            !lp.provenance.contains_key(&exact)
        })
        .cloned()
        .collect()
}

/// Mask the values that came from `env_file`s in the merged model (`config`'s JSON).
pub fn mask_env_file_values(json: &mut J, lp: &crate::project::LoadedProject) {
    let Some(services) = json.get_mut("services").and_then(J::as_object_mut) else {
        return;
    };
    for (name, svc) in services.iter_mut() {
        let keys = env_file_keys(lp, name);
        if keys.is_empty() {
            continue;
        }
        let Some(env) = svc.get_mut("environment").and_then(J::as_object_mut) else {
            continue;
        };
        for (k, v) in env.iter_mut() {
            if keys.contains(k) && v.as_str().is_some_and(|s| !s.is_empty()) {
                *v = J::String(MASK.into());
            }
        }
    }
}

#[cfg(test)]
mod tests;
