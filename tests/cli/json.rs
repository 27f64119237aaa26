//! QA: every `--json` output is valid JSON on success (a document, or JSON lines for the
//! streaming forms), on a real running stack, with the shape users script against.

use crate::common;

use std::time::Duration;

use common::qa::*;

const NAME: &str = "devctl-it-qa-json";
const PORT: u16 = 18721;

enum Shape {
    /// One JSON document; the check gets it.
    Doc(fn(&serde_json::Value) -> bool),
    /// JSON lines, at least `n`; the check gets each line.
    Lines(usize, fn(&serde_json::Value) -> bool),
}

/// `--json` combinations known to print plain text on main (none left; add one here with the
/// layer at fault when QA finds one).
const KNOWN_NOT_JSON: &[&str] = &[];

#[test]
fn every_json_output_parses() {
    let s = Scratch::new();
    let file = s.write("p/compose.yaml", noisy_project(NAME, PORT));
    let _cleanup = qa_cleanup(NAME);
    up_healthy(&file, NAME);
    // One refused decision in the audit log and one snapshot, so that those listings are
    // not empty.
    let refused = devctl(&s.opts("p"), &["down", "-v"]);
    assert_eq!(refused.code, Some(4), "{}", refused.dump());
    let snap = devctl(&s.opts("p"), &["snapshot", "create", "data"]);
    assert_eq!(snap.code, Some(0), "{}", snap.dump());

    let table: Vec<(&str, Shape, bool)> = vec![
        (
            "config --json",
            Shape::Doc(|v| v["services"]["noisy"].is_object()),
            false,
        ),
        (
            "config --json --services",
            Shape::Doc(|v| v.as_array().is_some_and(|a| a.iter().any(|s| s == "noisy"))),
            false,
        ),
        (
            "config --json --volumes",
            Shape::Doc(|v| v.as_array().is_some_and(|a| a.iter().any(|s| s == "data"))),
            false,
        ),
        (
            "config --json --files",
            Shape::Doc(|v| {
                v.as_array().is_some_and(|a| {
                    a.len() == 1 && a[0].as_str().is_some_and(|f| f.ends_with("compose.yaml"))
                })
            }),
            false,
        ),
        (
            "config --json --explain services.noisy",
            Shape::Doc(|v| {
                v.as_object()
                    .is_some_and(|o| o.keys().any(|k| k.starts_with("services.noisy.")))
            }),
            false,
        ),
        (
            "config --json --show-secrets",
            Shape::Doc(|v| v["name"] == NAME),
            false,
        ),
        (
            "ps --json",
            Shape::Doc(|v| v["project"] == NAME && v["services"][0]["name"] == "noisy"),
            false,
        ),
        (
            "status --json",
            Shape::Doc(|v| v["project"] == NAME && v["ready"] == true),
            false,
        ),
        (
            "status --json --wait=30",
            Shape::Doc(|v| v["ready"] == true),
            false,
        ),
        (
            "status --json --watch",
            Shape::Lines(1, |v| v.is_object()),
            true,
        ),
        (
            "logs --json --tail 4",
            Shape::Lines(4, |v| v["service"] == "noisy" && v["text"].is_string()),
            false,
        ),
        (
            "logs --json --tail 2 --follow",
            Shape::Lines(3, |v| v["service"] == "noisy"),
            true,
        ),
        (
            "audit --json",
            Shape::Doc(|v| v.as_array().is_some_and(|a| !a.is_empty())),
            false,
        ),
        (
            "doctor --json",
            Shape::Doc(|v| v["schema"] == "devctl.doctor/v1"),
            false,
        ),
        (
            "doctor --json --offline",
            Shape::Doc(|v| v["schema"] == "devctl.doctor/v1"),
            false,
        ),
        (
            "snapshot list --json",
            Shape::Doc(|v| v.as_array().is_some_and(|a| !a.is_empty())),
            false,
        ),
    ];
    let problems: Vec<String> = par_map(&table, 4, |(cmd, shape, streams)| {
        let mut opts = s.opts("p");
        if *streams {
            // Streams until Ctrl-C: read what it printed in 4 s, then stop it.
            opts.limit = Duration::from_secs(4);
        }
        let run = devctl(&opts, &words(cmd));
        let mut p = run.sanity_problems();
        if *streams {
            p.retain(|x| !x.starts_with("hung"));
        } else if run.code != Some(0) {
            p.push(format!("exit {:?}, want 0", run.code));
        }
        let text = run.out();
        match shape {
            Shape::Doc(check) => match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v) if check(&v) => {}
                Ok(v) => p.push(format!("unexpected shape: {v:#}")),
                Err(e) => p.push(format!("not JSON: {e}")),
            },
            Shape::Lines(n, check) => {
                // A streaming run stopped mid-line may leave one partial last line.
                let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
                let complete = if *streams && !text.ends_with('\n') {
                    &lines[..lines.len().saturating_sub(1)]
                } else {
                    &lines[..]
                };
                if complete.len() < *n {
                    p.push(format!("{} JSON lines, want at least {n}", complete.len()));
                }
                for l in complete {
                    match serde_json::from_str::<serde_json::Value>(l) {
                        Ok(v) if check(&v) => {}
                        Ok(v) => p.push(format!("unexpected line shape: {v}")),
                        Err(e) => p.push(format!("line is not JSON ({e}): {l:?}")),
                    }
                }
            }
        }
        (!p.is_empty()).then(|| format!("[{cmd}] {}\n{}", p.join("; "), run.dump()))
    })
    .into_iter()
    .flatten()
    .collect();
    report("--json outputs", problems);
    // The known exceptions still must not fail or panic.
    for cmd in KNOWN_NOT_JSON {
        let run = devctl(&s.opts("p"), &words(cmd));
        assert!(run.sanity_problems().is_empty(), "{}", run.dump());
        assert_eq!(run.code, Some(0), "{}", run.dump());
    }
}
