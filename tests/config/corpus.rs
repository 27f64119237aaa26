//! Differential test: the 105 real-world samples of `compose-corpus/` (23 public projects,
//! 33 of them layering 2–4 files) with Docker Compose v2.40.3's own
//! `config --format json` output, run through `devctl config --json`.
//!
//! Each row of `manifest.tsv` gives the run directory, the `-f` files in order, extra global
//! flags (`--profile`, `--env-file`) and extra environment; the base environment is exactly
//! `HOME=/home/tester PATH=/usr/bin:/bin`, as for the oracle. The documented setup copies
//! (`cp .env.example .env`, …) are already present in the corpus.
//!
//! Normalisations (the only ones):
//! 1. `@CORPUS_ROOT@` in the expected output is replaced by the corpus folder.
//! 2. JSON objects are compared as maps (key order is not significant in JSON).

use crate::common;

use common::config::{base_env, devctl_config, diff, report, shared};

/// Samples where devctl deliberately differs, with the reason. (None today.)
const DELIBERATE: &[(&str, &str)] = &[];

#[test]
fn corpus_samples_agree_with_compose() {
    let root = shared().join("compose-corpus");
    let manifest = std::fs::read_to_string(root.join("manifest.tsv")).expect("manifest.tsv");
    let mut agree = Vec::new();
    let mut differ = Vec::new();
    let mut count = 0;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 13 {
            continue;
        }
        count += 1;
        let (id, run_dir, files, extra, envs, expected) =
            (cols[0], cols[4], cols[5], cols[6], cols[7], cols[12]);
        let mut args: Vec<String> = extra.split_whitespace().map(String::from).collect();
        for f in files.split_whitespace() {
            args.push("-f".into());
            args.push(f.into());
        }
        let mut env = base_env();
        for kv in envs.split(';').filter(|s| !s.trim().is_empty()) {
            if let Some((k, v)) = kv.split_once('=') {
                env.insert(k.to_string(), v.to_string());
            }
        }
        let run = devctl_config(&args, &root.join(run_dir), &env);
        let code = run.code.unwrap_or(-1);
        if code != 0 {
            differ.push((
                id.to_string(),
                format!("devctl failed ({}): {}", code, run.stderr.trim()),
            ));
            continue;
        }
        let want_text = std::fs::read_to_string(root.join(expected))
            .expect("expected output")
            .replace("@CORPUS_ROOT@", &root.to_string_lossy());
        let want: serde_json::Value = serde_json::from_str(&want_text).expect("expected JSON");
        let got: serde_json::Value = match serde_json::from_str(&run.stdout) {
            Ok(v) => v,
            Err(e) => {
                differ.push((id.to_string(), format!("devctl printed no JSON: {e}")));
                continue;
            }
        };
        let d = diff(&got, &want);
        if d.is_empty() {
            agree.push(id.to_string());
        } else {
            differ.push((id.to_string(), d.join("\n      ")));
        }
    }
    assert_eq!(count, 105, "expected the 105 corpus samples");
    report("real-world corpus", &agree, &differ, DELIBERATE);
}
