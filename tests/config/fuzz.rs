//! Property test: no input makes the loader panic. Random and truncated YAML goes through
//! `project::load_resolved` (the whole pipeline: parse, interpolate, extends/include, merge,
//! canonical form, normalisation, rendering); every outcome must be `Ok` or an `Err` with
//! the "project could not be loaded" exit code and a non-empty message.
//!
//! Inputs:
//! - every compose file of the real-world corpus, cut at a random point;
//! - the same files with random edits (YAML punctuation inserted, spans deleted);
//! - compose-shaped documents generated from the keys Compose knows, with random values;
//! - arbitrary text.

use std::path::{Path, PathBuf};

use devctl::error::Exit;
use devctl::project::{Resolved, load_resolved};
use proptest::prelude::*;

fn corpus_files() -> Vec<String> {
    let root =
        PathBuf::from(std::env::var("DEVCTL_SHARED").unwrap_or_else(|_| "/work/shared".into()))
            .join("compose-corpus");
    let manifest = std::fs::read_to_string(root.join("manifest.tsv")).expect("manifest.tsv");
    let mut out = Vec::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 6 {
            continue;
        }
        for f in cols[5].split_whitespace() {
            if let Ok(text) = std::fs::read_to_string(root.join(cols[4]).join(f))
                && !out.contains(&text)
            {
                out.push(text);
            }
        }
    }
    assert!(out.len() > 50, "corpus files missing");
    out
}

/// Load `texts` as the layered files of a project in a fresh directory.
fn load_texts(texts: &[String]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let p = dir.path().join(format!("compose{i}.yml"));
        std::fs::write(&p, t).expect("write");
        files.push(p);
    }
    check(dir.path(), files);
}

fn check(dir: &Path, files: Vec<PathBuf>) {
    let env = std::collections::BTreeMap::from([
        ("HOME".to_string(), "/home/tester".to_string()),
        ("PATH".to_string(), "/usr/bin:/bin".to_string()),
        ("COMPOSE_PROJECT_NAME".to_string(), "fuzz".to_string()),
    ]);
    let resolved = Resolved {
        files,
        project_dir: dir.to_path_buf(),
        name: "fuzz".into(),
        environment: None,
        protected: false,
        env_files: Vec::new(),
        profiles: vec!["*".into()],
        protected_volumes: Vec::new(),
        env: env.clone(),
        warnings: Vec::new(),
    };
    match load_resolved(resolved, &env) {
        Ok(loaded) => {
            assert!(loaded.json.is_object());
        }
        Err(e) => {
            assert_eq!(e.exit, Exit::Config, "unexpected exit for: {e}");
            assert!(!e.message.trim().is_empty());
        }
    }
}

fn cut(text: &str, frac: f64) -> String {
    let mut at = ((text.len() as f64) * frac) as usize;
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    text[..at.min(text.len())].to_string()
}

const PUNCT: &[&str] = &[
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!reset ",
    "!override ",
    "<<: *a\n",
    "|\n",
    ">",
    "'",
    "\"",
    "#",
    "${",
    "$$",
    "}",
    "\n",
    "\n  ",
    "\t",
    " ",
    "~",
    "null",
    "0x",
    "010",
    "1e9",
    "2024-01-02",
    "*",
    "?",
    ",",
    "%",
    "@",
    "`",
];

fn edit(text: &str, edits: &[(f64, usize, bool)]) -> String {
    let mut s = text.to_string();
    for (pos, which, insert) in edits {
        let mut at = ((s.len() as f64) * pos) as usize;
        while at > 0 && !s.is_char_boundary(at) {
            at -= 1;
        }
        if *insert {
            s.insert_str(at, PUNCT[which % PUNCT.len()]);
        } else {
            let mut end = (at + which % 40).min(s.len());
            while end < s.len() && !s.is_char_boundary(end) {
                end += 1;
            }
            s.replace_range(at..end, "");
        }
    }
    s
}

const KEYS: &[&str] = &[
    "image",
    "build",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "ports",
    "volumes",
    "networks",
    "depends_on",
    "healthcheck",
    "labels",
    "deploy",
    "extends",
    "profiles",
    "secrets",
    "configs",
    "ulimits",
    "logging",
    "extra_hosts",
    "restart",
    "expose",
    "tmpfs",
    "dns",
    "devices",
    "cap_add",
    "sysctls",
    "x-ext",
    "test",
    "interval",
    "target",
    "published",
    "context",
    "args",
    "condition",
    "external",
    "name",
    "driver",
    "ipam",
    "config",
    "subnet",
    "service",
    "file",
    "path",
    "mode",
    "memory",
    "cpus",
    "replicas",
    "resources",
    "limits",
];

const SCALARS: &[&str] = &[
    "nginx",
    "8080:80",
    "80",
    "./data:/data",
    "data:/data:ro",
    "true",
    "no",
    "1G",
    "90s",
    "0.5",
    "service_healthy",
    "CMD-SHELL",
    "${X:-d}",
    "${Y}",
    "$$",
    "a=b",
    "\"quoted\"",
    "''",
    "null",
    "~",
    "[]",
    "{}",
    "-1",
    "010",
    "1_000",
    "2024-01-02",
    "/abs",
    "../up",
    "host:1.2.3.4",
    "127.0.0.1::80",
    "[::1]:80:80",
    "8000-8010:80",
    "!reset []",
    "*",
    "all",
];

/// A compose-shaped YAML document (as text) built from known keys and odd values.
fn yaml_doc() -> impl Strategy<Value = String> {
    let leaf = (0..SCALARS.len()).prop_map(|i| SCALARS[i].to_string());
    let tree = leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|items| {
                let mut s = String::from("\n");
                for it in items {
                    s.push_str(&format!("- {}\n", it.replace('\n', "\n  ")));
                }
                s
            }),
            prop::collection::vec(((0..KEYS.len()), inner), 0..6).prop_map(|entries| {
                let mut s = String::from("\n");
                for (k, v) in entries {
                    s.push_str(&format!("{}: {}\n", KEYS[k], v.replace('\n', "\n  ")));
                }
                s
            }),
        ]
    });
    // Each service: an image plus known service attributes with odd values (so that most
    // documents get past validation into merging, canonical form and rendering).
    let service = prop::collection::vec(((0..SERVICE_KEYS.len()), tree), 0..8).prop_map(|attrs| {
        let mut s = String::from("\nimage: img\n");
        for (k, v) in attrs {
            s.push_str(&format!(
                "{}: {}\n",
                SERVICE_KEYS[k],
                v.replace('\n', "\n  ")
            ));
        }
        s
    });
    prop::collection::vec(service, 1..5).prop_map(|svcs| {
        let mut s = String::from("services:\n");
        for (i, body) in svcs.into_iter().enumerate() {
            s.push_str(&format!("  svc{i}:{}\n", body.replace('\n', "\n    ")));
        }
        s.push_str("volumes:\n  data: {}\nnetworks:\n  front: {}\n");
        s
    })
}

const SERVICE_KEYS: &[&str] = &[
    "build",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "ports",
    "volumes",
    "networks",
    "depends_on",
    "healthcheck",
    "labels",
    "deploy",
    "extends",
    "profiles",
    "secrets",
    "configs",
    "ulimits",
    "logging",
    "extra_hosts",
    "restart",
    "expose",
    "tmpfs",
    "dns",
    "devices",
    "cap_add",
    "sysctls",
    "x-ext",
    "gpus",
    "develop",
    "post_start",
    "cpus",
    "mem_limit",
    "stop_grace_period",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn truncated_corpus_files_never_panic(i in any::<prop::sample::Index>(), frac in 0.0f64..1.0) {
        let files = corpus();
        let text = &files[i.index(files.len())];
        load_texts(&[cut(text, frac)]);
    }

    #[test]
    fn edited_corpus_files_never_panic(
        i in any::<prop::sample::Index>(),
        edits in prop::collection::vec((0.0f64..1.0, 0usize..64, any::<bool>()), 1..8),
    ) {
        let files = corpus();
        let text = &files[i.index(files.len())];
        load_texts(&[edit(text, &edits)]);
    }

    #[test]
    fn generated_compose_documents_never_panic(base in yaml_doc(), over in yaml_doc()) {
        load_texts(std::slice::from_ref(&base));
        load_texts(&[base, over]);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        load_texts(&[text]);
    }
}

fn corpus() -> &'static Vec<String> {
    static FILES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FILES.get_or_init(corpus_files)
}
