//! Differential test: devctl's `.env` parser against Docker Compose's own.
//!
//! Env files are generated from a fixed seed out of the pieces that matter (quotes,
//! backslashes, `#`, `export`, `:`/`=`, `$` templates, CR/LF, unicode). Each becomes the
//! `env_file` of one service — Compose parses `env_file` with the same dotenv parser it uses
//! for `.env` — and `docker compose config --format json` must show, for every service,
//! exactly the variables devctl parses. (Normalisation: Compose doubles every `$` in its
//! output, so `$$` is turned back into `$`.) Files devctl rejects are run one by one and
//! Compose must reject them too.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::config::{docker_compose_config, path_env};
use devctl::project::dotenv;
use devctl::project::interpolate::Env;

const ATOMS: &[&str] = &[
    "A", "B", "X", "=", ":", " ", "\t", "\n", "#", " #", "'", "\"", "\"", "\\", "$", "{", "}",
    "export ", "${A}", "$B", "\\n", "\\$", "é", "1", "-", ".", "\r\n", "${X:-d}", "\\\"", "\\0101",
    "'",
];
const KEYS: &[&str] = &["A", "B", "X", "A.B", "export A", "  B", "C_1"];
const SEPS: &[&str] = &["=", "=", ":", " = ", "= "];
const ENDS: &[&str] = &["\n", "\n", "\r\n", " # comment\n", "\n\n", ""];

/// A small deterministic generator (xorshift) so failures reproduce.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
    fn atoms(&mut self, max: u64) -> String {
        let n = self.next() % max + 1;
        (0..n).map(|_| self.pick(ATOMS)).collect()
    }
    /// Mostly `KEY<sep>value<end>` lines with tricky values, sometimes pure noise.
    fn file(&mut self) -> String {
        let lines = self.next() % 4 + 1;
        let mut out = String::new();
        for _ in 0..lines {
            if self.next().is_multiple_of(8) {
                out.push_str(&self.atoms(8));
                continue;
            }
            out.push_str(self.pick(KEYS));
            out.push_str(self.pick(SEPS));
            let value = self.atoms(6);
            match self.next() % 4 {
                0 => out.push_str(&format!("\"{value}\"")),
                1 => out.push_str(&format!("'{value}'")),
                _ => out.push_str(&value),
            }
            out.push_str(self.pick(ENDS));
        }
        out
    }
}

fn compose_config(dir: &Path) -> std::process::Output {
    docker_compose_config(dir, &["-f", "compose.yml"], &path_env())
}

fn write_project(dir: &Path, files: &[(usize, &str)]) {
    let mut yaml = String::from("services:\n");
    for (i, text) in files {
        std::fs::write(dir.join(format!("f{i}.env")), text).expect("write env file");
        yaml.push_str(&format!(
            "  s{i}:\n    image: busybox:stable\n    env_file: f{i}.env\n"
        ));
    }
    std::fs::write(dir.join("compose.yml"), yaml).expect("write compose.yml");
}

#[test]
fn dotenv_parsing_matches_docker_compose() {
    let mut g = Gen(0x2545_F491_4F6C_DD1D);
    let files: Vec<String> = (0..1200).map(|_| g.file()).collect();
    // Compose's lookup for env_file values is the project environment; keep the generated
    // names out of it (HOME, PATH, PWD are the only variables set).
    let lookup: Env = Env::new();
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (i, text) in files.iter().enumerate() {
        match dotenv::parse(text, Path::new("f.env"), &lookup) {
            Ok(pairs) => ok.push((i, text.as_str(), pairs.into_iter().collect::<Env>())),
            Err(e) => bad.push((i, text.as_str(), e)),
        }
    }
    assert!(
        ok.len() > 300 && bad.len() > 50,
        "the generator covers both outcomes: {} ok, {} bad",
        ok.len(),
        bad.len()
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let listed: Vec<(usize, &str)> = ok.iter().map(|(i, t, _)| (*i, *t)).collect();
    write_project(dir.path(), &listed);
    let out = compose_config(dir.path());
    assert!(
        out.status.success(),
        "compose failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("compose JSON");
    let mut mismatches = Vec::new();
    for (i, text, mine) in &ok {
        let theirs: BTreeMap<String, String> = json["services"][format!("s{i}")]["environment"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().unwrap_or("<non-string>").replace("$$", "$");
                        (k.replace("$$", "$"), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if &theirs != mine {
            mismatches.push(format!("{text:?}: devctl {mine:?}, compose {theirs:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "mismatches:\n{}",
        mismatches.join("\n")
    );

    for (i, text, e) in bad.iter().step_by((bad.len() / 12).max(1)) {
        let one = tempfile::tempdir().expect("tempdir");
        write_project(one.path(), &[(*i, text)]);
        let out = compose_config(one.path());
        assert!(
            !out.status.success(),
            "compose accepted {text:?} that devctl rejects ({})",
            e.message
        );
    }
}
