//! Everything the checks look at, gathered once ([`DoctorInput::gather`] reads files; the
//! Engine facts are added by [`super::engine_facts`]). The checks themselves never do I/O.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;

use super::dockerfile::{self, StageFacts};
use super::engine_facts::EngineFacts;
use crate::project::dotenv::{self, Entry};
use crate::project::{LoadedProject, Project};

/// One layered compose file as written (before interpolation and merging).
#[derive(Debug, Clone)]
pub struct RawFile {
    pub path: PathBuf,
    /// None when the file could not be read or parsed (the loader reports that).
    pub yaml: Option<crate::project::yaml::Value>,
}

/// A `.env`-style file and its assignments.
#[derive(Debug, Clone)]
pub struct EnvFile {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

/// A `.env.example` and the `.env` beside it, if any.
#[derive(Debug, Clone)]
pub struct ExamplePair {
    pub example: EnvFile,
    pub env: Option<EnvFile>,
}

/// The build side of a service.
#[derive(Debug, Clone, Default)]
pub struct BuildFacts {
    pub context: PathBuf,
    /// A git URL or other remote context: nothing local to look at.
    pub remote: bool,
    pub dockerfile: PathBuf,
    pub target: Option<String>,
    /// The target stage, or Err(target) when the Dockerfile has no such stage; None when the
    /// Dockerfile could not be read.
    pub stage: Option<Result<StageFacts, String>>,
    /// Names of the Dockerfile's stages.
    pub stage_names: Vec<String>,
    /// `<Dockerfile>.dockerignore` or `<context>/.dockerignore`, with its text.
    pub ignore_file: Option<(PathBuf, String)>,
    /// `.env`-like files at the top of the context (names).
    pub context_env_files: Vec<String>,
}

/// Engine facts, or why there are none.
#[derive(Debug, Clone)]
pub enum EngineState {
    Facts(EngineFacts),
    Unreachable(String),
    Offline,
}

impl EngineState {
    pub fn facts(&self) -> Option<&EngineFacts> {
        match self {
            EngineState::Facts(f) => Some(f),
            _ => None,
        }
    }
}

/// The input of every check.
#[derive(Debug, Clone)]
pub struct DoctorInput {
    pub project: Project,
    /// Compose's canonical JSON of the merged model (for fields the typed view leaves out).
    pub json: Value,
    /// Layered files, absolute, base first.
    pub files: Vec<PathBuf>,
    pub project_dir: PathBuf,
    pub cwd: PathBuf,
    pub environment: Option<String>,
    /// The environment is protected (devctl.yaml), is named `prod`/`production`, or a layered
    /// file is named for production (`*.prod.yml`): the production-layer checks apply.
    pub protected: bool,
    pub protected_volumes: Vec<String>,
    pub raw: Vec<RawFile>,
    /// Process environment (wins over env files for interpolation).
    pub process_env: BTreeMap<String, String>,
    /// The env files Compose reads for interpolation (`--env-file`, else `<project dir>/.env`).
    pub interpolation_files: Vec<EnvFile>,
    /// `.env.example` files found around the project, each with its sibling `.env`.
    pub examples: Vec<ExamplePair>,
    /// `.env` files near the project that Compose does not read.
    pub stray_env: Vec<PathBuf>,
    /// The user chose the env files (`--env-file`, COMPOSE_ENV_FILES): their choice, not a slip.
    pub explicit_env_file: bool,
    /// Services' build facts (only services with `build`).
    pub builds: IndexMap<String, BuildFacts>,
    pub engine: EngineState,
    /// What exists under the `develop.watch` paths; layers on disk that are not loaded.
    pub watch: super::watch::WatchFs,
}

fn read(p: &Path) -> Option<String> {
    crate::project::read::text_lossy_opt(p)
}

fn env_file(p: &Path) -> Option<EnvFile> {
    read(p).map(|t| EnvFile {
        path: p.to_path_buf(),
        entries: dotenv::entries(&t, p).0,
    })
}

impl DoctorInput {
    /// Gather from a loaded project and the filesystem. The Engine state starts `Offline`.
    pub fn gather(lp: &LoadedProject, cwd: &Path, env: &BTreeMap<String, String>) -> DoctorInput {
        let mut input = DoctorInput::gather_files(&lp.resolved, cwd, env);
        input.project = lp.project.clone();
        input.json = lp.json.clone();
        input.watch = super::watch::gather(&lp.json, &lp.resolved.files);
        if let Some(services) = lp.json.get("services").and_then(Value::as_object) {
            for (name, svc) in services {
                if let Some(b) = svc.get("build") {
                    input
                        .builds
                        .insert(name.clone(), build_facts(b, &lp.resolved.project_dir));
                }
            }
        }
        input
    }

    /// Gather what needs only the files (the project as discovery found it, not loaded): the
    /// layered files as written, the env files and templates around them. The project and its
    /// JSON stay empty, so the checks that need them find nothing.
    pub fn gather_files(
        r: &crate::project::Resolved,
        cwd: &Path,
        env: &BTreeMap<String, String>,
    ) -> DoctorInput {
        let raw = r
            .files
            .iter()
            .map(|p| RawFile {
                path: p.clone(),
                // A file nested too deeply for the loader is not parsed here either (the
                // parser takes minutes on it; the loader's error says why).
                yaml: read(p)
                    .filter(|t| crate::project::nesting::check_flow_depth(p, t).is_ok())
                    .and_then(|t| {
                        crate::project::yaml::from_str::<crate::project::yaml::Value>(&t).ok()
                    })
                    .map(|mut y| {
                        // `<<: *anchor` merge keys, so anchored `environment:` blocks are seen.
                        let _ = crate::project::yaml::apply_merge_keys(&mut y);
                        y
                    }),
            })
            .collect();
        let mut interp_paths: Vec<PathBuf> = r
            .env_files
            .iter()
            .filter(|p| p.is_file())
            .cloned()
            .collect();
        if r.env_files.is_empty() {
            let p = r.project_dir.join(".env");
            if p.is_file() {
                interp_paths.push(p);
            }
        }
        let interpolation_files: Vec<EnvFile> =
            interp_paths.iter().filter_map(|p| env_file(p)).collect();

        // Where people keep .env / .env.example: the project dir, the working dir, the
        // project dir's parent (compose files in `docker/`, `.env` at the repository root).
        let mut dirs: Vec<PathBuf> = vec![r.project_dir.clone(), cwd.to_path_buf()];
        if let Some(p) = r.project_dir.parent() {
            dirs.push(p.to_path_buf());
        }
        let mut seen = Vec::new();
        dirs.retain(|d| {
            let k = d.canonicalize().unwrap_or_else(|_| d.clone());
            if seen.contains(&k) {
                false
            } else {
                seen.push(k);
                true
            }
        });
        let mut examples = Vec::new();
        let mut stray_env = Vec::new();
        for d in &dirs {
            if let Some(ex) = [".env.example", ".env.sample", ".env.template"]
                .iter()
                .find_map(|n| env_file(&d.join(n)))
            {
                examples.push(ExamplePair {
                    example: ex,
                    env: env_file(&d.join(".env")),
                });
            }
            let e = d.join(".env");
            if e.is_file() && !interp_paths.iter().any(|p| same(p, &e)) {
                stray_env.push(e);
            }
        }

        let env_name = r.environment.as_deref().map(str::to_ascii_lowercase);
        DoctorInput {
            project: Project {
                name: r.name.clone(),
                ..Project::default()
            },
            json: Value::Null,
            files: r.files.clone(),
            project_dir: r.project_dir.clone(),
            cwd: cwd.to_path_buf(),
            environment: r.environment.clone(),
            protected: r.protected
                || matches!(env_name.as_deref(), Some("prod" | "production"))
                || r.files.iter().any(|f| is_production_file(f)),
            protected_volumes: r.protected_volumes.clone(),
            raw,
            process_env: env.clone(),
            interpolation_files,
            examples,
            stray_env,
            explicit_env_file: env.get("COMPOSE_ENV_FILES").is_some_and(|v| !v.is_empty()),
            builds: IndexMap::new(),
            engine: EngineState::Offline,
            watch: super::watch::WatchFs::default(),
        }
    }

    /// The last layered file that defines `path` (e.g. `["services", "db", "volumes"]`).
    pub fn locate(&self, path: &[&str]) -> Option<String> {
        self.raw
            .iter()
            .rev()
            .find(|f| f.yaml.as_ref().is_some_and(|y| yaml_get(y, path).is_some()))
            .map(|f| f.path.display().to_string())
    }

    /// Whether `name` has a value for interpolation (process env, then env files).
    pub fn var(&self, name: &str) -> Option<&str> {
        if let Some(v) = self.process_env.get(name) {
            return Some(v);
        }
        self.interpolation_files
            .iter()
            .rev()
            .find_map(|f| dotenv::get(&f.entries, name).map(|e| e.value.as_str()))
    }

    /// The service's JSON object in the merged model.
    pub fn service_json(&self, name: &str) -> Option<&Value> {
        self.json.get("services").and_then(|s| s.get(name))
    }

    /// The image a service runs: its `image`, else the name Compose gives the built image.
    pub fn service_image(&self, name: &str) -> Option<String> {
        let s = self.project.services.get(name)?;
        match (&s.image, &s.build) {
            (Some(i), _) => Some(i.clone()),
            (None, Some(_)) => Some(format!("{}-{}", self.project.name, name)),
            (None, None) => None,
        }
    }
}

fn same(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// Walk a YAML value by mapping keys.
pub fn yaml_get<'a>(
    v: &'a crate::project::yaml::Value,
    path: &[&str],
) -> Option<&'a crate::project::yaml::Value> {
    let mut cur = v;
    for k in path {
        cur = cur
            .as_mapping()?
            .get(crate::project::yaml::Value::String((*k).to_string()))?;
    }
    Some(cur)
}

fn build_facts(b: &Value, project_dir: &Path) -> BuildFacts {
    let ctx = b.get("context").and_then(Value::as_str).unwrap_or(".");
    let remote = ctx.contains("://") || ctx.starts_with("git@");
    let context = if remote {
        PathBuf::from(ctx)
    } else {
        project_dir.join(ctx)
    };
    let dockerfile = context.join(
        b.get("dockerfile")
            .and_then(Value::as_str)
            .unwrap_or("Dockerfile"),
    );
    let target = b.get("target").and_then(Value::as_str).map(str::to_string);
    if remote {
        return BuildFacts {
            context,
            remote,
            dockerfile,
            target,
            ..Default::default()
        };
    }
    let text = match b.get("dockerfile_inline").and_then(Value::as_str) {
        Some(inline) => Some(inline.to_string()),
        None => read(&dockerfile),
    };
    let stages = text.as_deref().map(dockerfile::parse);
    let stage_names = stages
        .iter()
        .flatten()
        .filter_map(|s| s.name.clone())
        .collect();
    let stage = stages.map(|st| dockerfile::facts(&st, target.as_deref()));
    let specific = PathBuf::from(format!("{}.dockerignore", dockerfile.display()));
    let ignore_file = [specific, context.join(".dockerignore")]
        .into_iter()
        .find_map(|p| read(&p).map(|t| (p, t)));
    let mut context_env_files: Vec<String> = std::fs::read_dir(&context)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| is_secret_env_name(n))
                .collect()
        })
        .unwrap_or_default();
    context_env_files.sort();
    BuildFacts {
        context,
        remote,
        dockerfile,
        target,
        stage,
        stage_names,
        ignore_file,
        context_env_files,
    }
}

/// A layered file named for production (`docker-compose.prod.yml`, `compose.production.yaml`).
pub fn is_production_file(p: &Path) -> bool {
    let n = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    n.split('.')
        .any(|part| part == "prod" || part == "production")
}

/// `.env`, `.env.local`, `prod.env` … but not templates (`.env.example`, `.env.sample`…).
pub fn is_secret_env_name(n: &str) -> bool {
    let templ = [".example", ".sample", ".template", ".dist", ".tpl"];
    (n == ".env" || n.starts_with(".env.") || n.ends_with(".env"))
        && !templ.iter().any(|t| n.ends_with(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_env_names() {
        for (n, want) in [
            (".env", true),
            (".env.local", true),
            ("prod.env", true),
            (".env.example", false),
            (".env.sample", false),
            ("env.txt", false),
            (".envrc", false),
        ] {
            assert_eq!(is_secret_env_name(n), want, "{n}");
        }
    }

    #[test]
    fn production_files() {
        for (n, want) in [
            ("docker-compose.prod.yml", true),
            ("compose.production.yaml", true),
            ("docker-compose.yml", false),
            ("docker-compose.dev.yml", false),
            ("product.yml", false),
        ] {
            assert_eq!(is_production_file(Path::new(n)), want, "{n}");
        }
    }

    #[test]
    fn yaml_paths() {
        let y: crate::project::yaml::Value =
            crate::project::yaml::from_str("services:\n  a:\n    image: x\n").expect("yaml");
        assert!(yaml_get(&y, &["services", "a", "image"]).is_some());
        assert!(yaml_get(&y, &["services", "b"]).is_none());
    }
}
