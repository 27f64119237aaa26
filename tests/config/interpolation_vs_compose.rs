//! Differential test: devctl's interpolation against Docker Compose's own, on the same
//! templates and the same environment.
//!
//! Hundreds of templates built from the characters that matter (`$ { } : - + ?`, names,
//! newlines, unicode) are generated from a fixed seed. Those devctl interpolates successfully
//! go into ONE compose file as `environment` values; `docker compose config --format json`
//! must render exactly devctl's results. (Normalisation: Compose doubles every `$` in its
//! output — `escapeDollarSign` — so `$$` is turned back into `$` before comparing.) For the
//! templates devctl rejects, Compose is run once per template and must fail with the same
//! meaning: the same "required variable X is missing a value[: msg]" text, or an "invalid
//! interpolation format" error for the same template.
//!
//! Needs only the Compose CLI (no Engine): `config` never talks to the daemon.

use crate::common;

use std::path::Path;

use common::config::{docker_compose_config, path_env};
use devctl::project::interpolate::{Env, InterpolationError, interpolate_str};

const ATOMS: &[&str] = &[
    "$",
    "$",
    "$",
    "{",
    "}",
    "}",
    ":",
    "-",
    "+",
    "?",
    "\n",
    "SET",
    "EMPTY",
    "UNSET",
    "X",
    "_",
    "1",
    " ",
    "é",
    "a",
    "b",
    "/",
    "${",
    "${SET",
    "${UNSET",
    ":-",
    ":+",
    ":?",
    "$$",
    "${UNSET:-",
    "${SET:-",
    "${UNSET-",
    "${SET:+",
    "${EMPTY+",
    "{",
    "}",
];

/// A small deterministic generator (xorshift) so failures reproduce.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn template(&mut self) -> String {
        let n = (self.next() % 12) as usize + 1;
        (0..n)
            .map(|_| ATOMS[(self.next() % ATOMS.len() as u64) as usize])
            .collect()
    }
}

fn env() -> Env {
    [("SET", "value"), ("EMPTY", ""), ("X", "x")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn compose_config(dir: &Path) -> std::process::Output {
    let mut e = path_env();
    e.extend(env());
    docker_compose_config(dir, &["-f", "compose.yml"], &e)
}

fn write_compose(dir: &Path, entries: &[(String, &str)]) {
    let mut yaml = String::from("services:\n  app:\n    image: busybox:stable\n    environment:\n");
    for (key, template) in entries {
        // JSON strings are valid YAML double-quoted scalars.
        let quoted = serde_json::to_string(template).expect("string serialises");
        yaml.push_str(&format!("      {key}: {quoted}\n"));
    }
    std::fs::write(dir.join("compose.yml"), yaml).expect("write compose.yml");
}

#[test]
fn interpolation_matches_docker_compose() {
    let env = env();
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut templates: Vec<String> = (0..4000).map(|_| g.template()).collect();
    templates.sort();
    templates.dedup();

    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for t in &templates {
        match interpolate_str(t, &env) {
            Ok(v) => ok.push((t.as_str(), v)),
            Err(e) => errors.push((t.as_str(), e)),
        }
    }
    assert!(
        ok.len() > 1000 && errors.len() > 200,
        "the generator covers both outcomes"
    );

    // 1. Every successful template, in one Compose run.
    let dir = tempfile::tempdir().expect("tempdir");
    let entries: Vec<(String, &str)> = ok
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (format!("V{i:04}"), *t))
        .collect();
    write_compose(dir.path(), &entries);
    let out = compose_config(dir.path());
    assert!(
        out.status.success(),
        "compose failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("compose JSON");
    let rendered = &json["services"]["app"]["environment"];
    let mut mismatches = Vec::new();
    for (i, (t, mine)) in ok.iter().enumerate() {
        let theirs = rendered[format!("V{i:04}")]
            .as_str()
            .map(|s| s.replace("$$", "$"));
        if theirs.as_deref() != Some(mine.as_str()) {
            mismatches.push(format!("{t:?}: devctl {mine:?}, compose {theirs:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "mismatches:\n{}",
        mismatches.join("\n")
    );

    // 2. A sample of the failing templates, one Compose run each.
    for (t, e) in errors.iter().step_by((errors.len() / 15).max(1)) {
        write_compose(dir.path(), &[("V".to_owned(), t)]);
        let out = compose_config(dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "compose accepted {t:?} that devctl rejects ({e})"
        );
        match e {
            InterpolationError::Required { .. } => assert!(
                stderr.contains(&format!("services.app.environment.V: {e}")),
                "{t:?}: devctl says {e:?}, compose says {stderr}"
            ),
            InterpolationError::InvalidTemplate { template } => assert!(
                stderr.contains("invalid interpolation format for services.app.environment.V")
                    && stderr.contains(template.as_str()),
                "{t:?}: devctl says {e:?}, compose says {stderr}"
            ),
        }
    }
}
