//! The layer rule of README "Design", checked on the source: nothing below `commands` reaches
//! up into `cli`, `commands` or `tui`, and every docker/Compose process is started in
//! `src/compose/`.

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

#[test]
fn lower_layers_do_not_import_cli_commands_or_tui() {
    let mut files = Vec::new();
    for layer in ["project", "safety", "engine", "compose", "doctor", "swarm"] {
        rust_files(&src().join(layer), &mut files);
        files.push(src().join(format!("{layer}.rs")));
    }
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        for (n, line) in text.lines().enumerate() {
            if ["crate::cli", "crate::commands", "crate::tui"]
                .iter()
                .any(|p| line.contains(p))
            {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "arrows pointing up:\n{}",
        found.join("\n")
    );
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
