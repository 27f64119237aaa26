//! `include` (compose-go `loader/include.go`): each entry is loaded as its own project
//! (its files merged, relative paths resolved against its project directory, interpolated
//! with the including project's environment over its own `.env`) and its resources are
//! imported into the including file's model.

use std::path::{Path, PathBuf};

use super::{Ctx, load_model};
use crate::error::{Error, Result};
use crate::project::canonical::paths::{join, join_path};
use crate::project::yaml::{Map, Node};

fn strings(n: Option<&Node>) -> Vec<String> {
    match n {
        Some(Node::Str(s)) => vec![s.clone()],
        Some(Node::Seq(items)) => items
            .iter()
            .filter_map(|i| match i {
                Node::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn apply(
    ctx: &mut Ctx<'_>,
    cfg: &mut Map,
    file: &Path,
    working_dir: &Path,
    included: &[PathBuf],
) -> Result<()> {
    let Some(inc) = cfg.shift_remove("include") else {
        return Ok(());
    };
    let Node::Seq(entries) = inc else {
        return Err(Error::config(format!(
            "{}: include must be a list",
            file.display()
        )));
    };
    let mut chain: Vec<PathBuf> = included.to_vec();
    chain.push(file.to_path_buf());
    for entry in entries {
        let (paths, project_directory, env_files) = match &entry {
            Node::Str(s) => (vec![s.clone()], None, Vec::new()),
            Node::Map(m) => (
                strings(m.get("path")),
                match m.get("project_directory") {
                    Some(Node::Str(s)) => Some(s.clone()),
                    _ => None,
                },
                strings(m.get("env_file")),
            ),
            _ => {
                return Err(Error::config(format!(
                    "{}: include entries must be a path or a mapping",
                    file.display()
                )));
            }
        };
        if paths.is_empty() {
            return Err(Error::config(format!(
                "{}: include entry without a path",
                file.display()
            )));
        }
        let files: Vec<PathBuf> = paths
            .iter()
            .map(|p| join_path(working_dir, Path::new(p)))
            .collect();
        let project_dir = match &project_directory {
            None => files[0].parent().map(Path::to_path_buf).unwrap_or_default(),
            Some(d) => join_path(working_dir, Path::new(d)),
        };
        if chain.contains(&files[0]) {
            let mut all: Vec<String> = chain.iter().map(|p| p.display().to_string()).collect();
            all.push(files[0].display().to_string());
            return Err(Error::config(format!(
                "include cycle detected:\n{}\n include {}",
                all[0],
                all[1..].join("\n include ")
            )));
        }
        for f in &files {
            if !f.exists() {
                return Err(Error::config(format!(
                    "{}: included file {} not found",
                    file.display(),
                    f.display()
                )));
            }
            crate::project::read::check("included file", f).map_err(|e| Error {
                message: format!("{}: {}", file.display(), e.message),
                ..e
            })?;
        }
        let env_paths: Vec<PathBuf> = if env_files.is_empty() {
            let f = project_dir.join(".env");
            if f.is_file() { vec![f] } else { Vec::new() }
        } else {
            let mut out = Vec::new();
            for f in env_files {
                if f == "/dev/null" {
                    continue;
                }
                let p = PathBuf::from(join(working_dir, &f));
                if !p.exists() {
                    return Err(Error::config(format!(
                        "{}: include env_file {} not found",
                        file.display(),
                        p.display()
                    )));
                }
                out.push(p);
            }
            out
        };
        let mut env = ctx.env.clone();
        for (k, v) in crate::project::dotenv::load_files(&env_paths, ctx.env)? {
            env.entry(k).or_insert(v);
        }
        let imported = {
            let mut sub = Ctx {
                env: &env,
                sources: None,
                warnings: Vec::new(),
                home: ctx.home.clone(),
            };
            let m = load_model(&mut sub, &files, &project_dir, &chain, None)?;
            for w in sub.warnings {
                ctx.warn(w);
            }
            m
        };
        import_resources(imported, cfg)?;
    }
    Ok(())
}

fn import_resources(source: Map, target: &mut Map) -> Result<()> {
    for (kind, defs) in source {
        if !matches!(
            kind.as_str(),
            "services" | "volumes" | "networks" | "secrets" | "configs" | "models"
        ) {
            continue;
        }
        let Node::Map(defs) = defs else { continue };
        let slot = target
            .entry(kind.clone())
            .or_insert_with(|| Node::Map(Map::new()));
        if *slot == Node::Null {
            *slot = Node::Map(Map::new());
        }
        let Node::Map(existing) = slot else { continue };
        for (name, def) in defs {
            match existing.get(&name) {
                Some(_) if kind == "services" => {
                    return Err(Error::config(format!(
                        "{kind}.{name} conflicts with imported resource"
                    )));
                }
                Some(e) if *e != def => {
                    return Err(Error::config(format!(
                        "{kind}.{name} conflicts with imported resource"
                    )));
                }
                _ => {
                    existing.insert(name, def);
                }
            }
        }
    }
    Ok(())
}
