//! Differential test: the 78 reference vectors of `compose-reference/vectors/` (each with
//! Docker Compose v2.40.3's own `config --format json` output, stderr and exit code) run
//! through `devctl config --json`.
//!
//! Each case dir has `cmd` (Compose's arguments ending with `config`), optional `env`
//! (added to the base env `HOME=/home/tester PATH=/usr/bin:/bin`, exactly what the oracle
//! ran with) and `cwd`. The vectors are copied to a temporary folder first (the shared copy
//! is read-only and git does not keep the empty `cwd` folders some cases need).
//!
//! Normalisations (the only ones):
//! 1. `@VECTORS_ROOT@` in the expected output is replaced by the folder the cases run from
//!    (the oracle ran elsewhere).
//! 2. JSON objects are compared as maps (key order is not significant in JSON).
//!
//! Error cases (Compose exit code 1) must fail with devctl's "project could not be loaded"
//! exit code 3 (2 for the invalid `-p` value, a usage error) and a message carrying the same
//! meaning: the key words listed in `ERROR_WORDS` (Compose's own words for the problem).

use crate::common;

use std::path::Path;

use common::config::{base_env, copy_tree, devctl_config, diff, report, shared};

/// Cases where devctl deliberately differs, with the reason.
const DELIBERATE: &[(&str, &str)] = &[(
    "44-no-interpolate-no-normalize",
    "`config --no-interpolate --no-normalize` are Compose debugging flags devctl does not offer: devctl always shows the model Compose will run",
)];

/// For each error case: (expected devctl exit code, words the message must contain).
const ERROR_WORDS: &[(&str, u8, &[&str])] = &[
    (
        "15-include-conflict",
        3,
        &["services.db", "conflicts with imported resource"],
    ),
    (
        "20-interpolation-required-error",
        3,
        &[
            "services.app.image",
            "required variable IMAGE_NAME is missing a value",
            "IMAGE_NAME must be set in .env",
        ],
    ),
    (
        "21-interpolation-required-empty",
        3,
        &[
            "services.app.image",
            "required variable TAG is missing a value",
        ],
    ),
    (
        "24b-external-conflict-error",
        3,
        &["volumes.data", "conflicting parameters \"external\" and"],
    ),
    (
        "33e-project-name-invalid-flag",
        2,
        &["invalid project name \"My_Proj\""],
    ),
    (
        "34b-project-directory-flag",
        3,
        &["34b-project-directory-flag/web.env", "not found"],
    ),
    (
        "40-type-mismatch-error",
        3,
        &["cannot override services.app.ports"],
    ),
    (
        "43-invalid-template-error",
        3,
        &["services.app.command", "invalid interpolation format"],
    ),
    (
        "46-extends-across-override-error",
        3,
        &[
            "cannot extend service \"web\"",
            "compose.override.yml",
            "service \"tmpl\" not found",
        ],
    ),
    (
        "48-profiles-dependency-on-disabled",
        3,
        &[
            "service \"app\" depends on undefined service \"tools\"",
            "invalid compose project",
        ],
    ),
    (
        "49-anchor-across-files-error",
        3,
        &["compose.override.yml", "unknown anchor"],
    ),
    (
        "51-duplicate-mapping-key-error",
        3,
        &[
            "compose.yml",
            "line 4",
            "mapping key \"image\" already defined at line 3",
        ],
    ),
    (
        "54b-yaml-timestamp-error",
        3,
        &["compose.yml", "services.app.environment.DATE", "time.Time"],
    ),
    (
        "58-append-duplicate-schema-error",
        3,
        &[
            "validating",
            "compose.override.yml",
            "services.app.security_opt items at 0 and 1 are equal",
        ],
    ),
    (
        "59-eager-default-interpolation",
        3,
        &[
            "services.app.image",
            "required variable FALLBACK_TAG is missing a value: FALLBACK_TAG required",
        ],
    ),
];

#[test]
fn reference_vectors_agree_with_compose() {
    let src = shared().join("compose-reference/vectors");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("vectors");
    copy_tree(&src, &root);
    let mut cases: Vec<String> = std::fs::read_dir(&root)
        .expect("vectors")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("cmd").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert_eq!(
        cases.len(),
        78,
        "expected the 78 reference vectors in {}",
        src.display()
    );

    let mut agree = Vec::new();
    let mut differ = Vec::new();
    for case in &cases {
        match run_case(&root, case) {
            Ok(()) => agree.push(case.clone()),
            Err(why) => differ.push((case.clone(), why)),
        }
    }
    report("reference vectors", &agree, &differ, DELIBERATE);
}

fn run_case(root: &Path, case: &str) -> Result<(), String> {
    let dir = root.join(case);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
    let cmd = read("cmd").unwrap_or_default();
    let words: Vec<String> = cmd.split_whitespace().map(String::from).collect();
    let Some(at) = words.iter().position(|w| w == "config") else {
        return Err(format!("no `config` in cmd {cmd:?}"));
    };
    if words[at + 1..].iter().any(|w| w.starts_with("--no-")) {
        return Err(format!("Compose-only flags {:?}", &words[at + 1..]));
    }
    let args = words[..at].to_vec();
    let mut env = base_env();
    for line in read("env").unwrap_or_default().lines() {
        if let Some((k, v)) = line.split_once('=') {
            env.insert(k.to_string(), v.to_string());
        }
    }
    let cwd = match read("cwd") {
        Some(c) => dir.join(c.trim()),
        None => dir.clone(),
    };
    std::fs::create_dir_all(&cwd).map_err(|e| e.to_string())?;
    let want_rc: i32 = read("rc").and_then(|r| r.trim().parse().ok()).unwrap_or(0);
    let run = devctl_config(&args, &cwd, &env);
    let got = run.code.unwrap_or(-1);
    if want_rc != 0 {
        let Some((_, code, needed)) = ERROR_WORDS.iter().find(|(c, _, _)| *c == case) else {
            return Err(format!(
                "error case without ERROR_WORDS entry; devctl exited {}",
                got
            ));
        };
        if got != i32::from(*code) {
            return Err(format!(
                "Compose fails ({}); devctl exited {} (want {code}): {}",
                read("stderr.txt").unwrap_or_default().trim(),
                got,
                run.stderr.trim()
            ));
        }
        let missing: Vec<&&str> = needed
            .iter()
            .filter(|w| !run.stderr.contains(**w))
            .collect();
        if !missing.is_empty() {
            return Err(format!("message lacks {missing:?}: {}", run.stderr.trim()));
        }
        return Ok(());
    }
    if got != 0 {
        return Err(format!("devctl failed ({}): {}", got, run.stderr.trim()));
    }
    let want_text = read("out.json")
        .unwrap_or_default()
        .replace("@VECTORS_ROOT@", &root.to_string_lossy());
    let want: serde_json::Value = serde_json::from_str(&want_text).map_err(|e| e.to_string())?;
    let got: serde_json::Value =
        serde_json::from_str(&run.stdout).map_err(|e| format!("devctl printed no JSON: {e}"))?;
    let d = diff(&got, &want);
    if d.is_empty() {
        Ok(())
    } else {
        Err(d.join("\n      "))
    }
}
