//! The layer rule of README "Design", checked on the source: every `crate::` path points to a
//! lower layer (so nothing below `commands` reaches up into `cli`, `commands` or `tui`), and
//! every docker/Compose process is started in `src/compose/`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The layers of README "Design", lowest first: a module may import only modules of a lower
/// rank (its own files excepted). `cli` and `commands` are the front (they may import each
/// other and anything); nothing else may import them.
const RANKS: &[(&str, u8)] = &[
    ("error", 0),
    ("format", 0),
    ("sanitize", 0),
    ("demo", 1),
    ("project", 1),
    ("audit", 3),
    ("secrets", 2),
    ("engine", 3),
    ("context", 4),
    ("compose", 5),
    ("safety", 6),
    ("doctor", 6),
    ("swarm", 7),
    ("tui", 8),
];

fn rank(module: &str) -> Option<u8> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

/// `crate::name` paths on the non-comment lines of `text`.
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((n + 1, name));
        }
    }
    out
}

#[test]
fn every_import_points_to_a_lower_layer() {
    let mut found = Vec::new();
    let mut checked = 0;
    for (module, r) in RANKS {
        let mut files = Vec::new();
        if src().join(module).is_dir() {
            rust_files(&src().join(module), &mut files);
        }
        files.push(src().join(format!("{module}.rs")));
        for f in &files {
            let text = std::fs::read_to_string(f).expect("read");
            for (line, name) in imports(&text) {
                checked += 1;
                if name == *module {
                    continue;
                }
                let ok = rank(&name).is_some_and(|theirs| theirs < *r);
                if !ok {
                    found.push(format!(
                        "{}:{line}: `{module}` imports `{name}`",
                        f.display()
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "the scan found only {checked} imports");
    assert!(
        found.is_empty(),
        "arrows pointing up or sideways:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_module_has_a_layer() {
    let mut missing = Vec::new();
    for e in std::fs::read_dir(src()).expect("read_dir") {
        let p = e.expect("entry").path();
        let Some(stem) = p.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if p.extension().is_some_and(|x| x == "rs")
            && !["lib", "main", "cli", "commands"].contains(&stem)
            && rank(stem).is_none()
        {
            missing.push(stem.to_string());
        }
    }
    assert!(missing.is_empty(), "modules without a layer: {missing:?}");
}

#[test]
fn docker_and_compose_processes_start_only_in_compose() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let compose = src().join("compose");
    let mut found = Vec::new();
    for f in files.iter().filter(|f| !f.starts_with(&compose)) {
        let text = std::fs::read_to_string(f).expect("read");
        for (n, line) in text.lines().enumerate() {
            if line.contains("Command::new(\"docker") || line.contains("Command::new(&inv.program")
            {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "docker processes outside src/compose:\n{}",
        found.join("\n")
    );
}
