//! The project model: find the compose files, load them, interpolate, merge with provenance.
//!
//! Pure: knows nothing of Docker. Given files and an environment it returns the merged
//! model exactly as `docker compose config --format json` renders it (`LoadedProject::json`),
//! a typed view of it (`LoadedProject::project`), and for every value the file that set it.
//!
//! Public API (stable for the other layers):
//! - [`resolve`]: discovery only (which files in which order, project dir, name, env files).
//! - [`load`]: discovery + loading + merging.

pub mod canonical;
pub mod commands;
pub mod discover;
pub mod dotenv;
pub mod environments;
pub mod interpolate;
pub mod load;
pub mod merge;
pub mod model;
pub mod nesting;
pub mod provenance;
pub mod read;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Error, Result};
pub use model::Project;

/// Everything that decides which project devctl looks at.
#[derive(Debug, Clone, Default)]
pub struct ProjectOptions {
    /// `-f` files in order (relative to `cwd`), empty = discover.
    pub files: Vec<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `--profile` (COMPOSE_PROFILES is read from `env`).
    pub profiles: Vec<String>,
    /// `--env-file`.
    pub env_files: Vec<PathBuf>,
    /// `--dev` → "dev", `--prod` → "prod", `--env NAME` → NAME (DEVCTL_ENV is read from `env`).
    pub environment: Option<String>,
    /// The working directory.
    pub cwd: PathBuf,
    /// The process environment.
    pub env: BTreeMap<String, String>,
}

/// The outcome of discovery: what Compose would be invoked with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Absolute paths of the layered files, in order (base first).
    pub files: Vec<PathBuf>,
    /// Absolute project directory.
    pub project_dir: PathBuf,
    /// Normalised project name.
    pub name: String,
    /// The environment in effect ("dev", "prod", …) or None for plain Compose behaviour.
    pub environment: Option<String>,
    /// Whether that environment is marked `protected: true` in devctl.yaml.
    pub protected: bool,
    /// Env files used for interpolation (absolute; may be empty).
    pub env_files: Vec<PathBuf>,
    /// Active profiles.
    pub profiles: Vec<String>,
    /// Volumes listed as protected in devctl.yaml.
    pub protected_volumes: Vec<String>,
    /// The final interpolation environment: process environment, `PWD`, the env files
    /// (the process environment wins), and `COMPOSE_PROJECT_NAME` = `name`.
    pub env: interpolate::Env,
    /// Warnings Compose would print while finding the files (several candidates found).
    pub warnings: Vec<String>,
}

/// Where one value of the merged model came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Origin {
    /// The file that set it.
    pub file: PathBuf,
    /// The key path inside that file, e.g. `services.api.ports[0]`.
    pub path: String,
    /// The value as written there (after interpolation), rendered as YAML/JSON text.
    pub value: String,
}

/// The loaded project.
#[derive(Debug, Clone)]
pub struct LoadedProject {
    pub resolved: Resolved,
    /// The merged model rendered as `docker compose config --format json` does.
    pub json: serde_json::Value,
    /// Typed view of `json`.
    pub project: Project,
    /// Services declared but disabled by profiles (not in `json`/`project`), with their profiles.
    pub disabled_services: BTreeMap<String, Vec<String>>,
    /// Key path (e.g. `services.api.ports`) → the origins that set it, earliest first
    /// (the last one is in effect; the earlier ones were overridden or merged).
    pub provenance: BTreeMap<String, Vec<Origin>>,
    /// Warnings Compose would print (e.g. obsolete `version`).
    pub warnings: Vec<String>,
}

impl LoadedProject {
    /// The folder of its `devctl.yaml` (see [`environments::project_root`]); `None` without a
    /// compose file.
    pub fn root(&self) -> Option<std::path::PathBuf> {
        self.resolved
            .files
            .first()
            .map(|b| environments::project_root(b))
    }
}

/// Discovery only.
pub fn resolve(opts: &ProjectOptions) -> Result<Resolved> {
    discover::resolve(opts).map_err(clean)
}

/// Discovery only, and who chose the environment (see [`discover::EnvChoice`]).
pub fn resolve_with_choice(opts: &ProjectOptions) -> Result<(Resolved, discover::EnvChoice)> {
    discover::resolve_with_choice(opts).map_err(clean)
}

/// Text quoted from the files (keys, names, `${VAR:?message}`) never carries a raw control
/// or bidi character into an error message.
fn clean(e: Error) -> Error {
    Error {
        message: load::schema::escape_controls(&e.message),
        hint: e.hint.map(|h| load::schema::escape_controls(&h)),
        ..e
    }
}

/// Discovery, loading, interpolation, merging.
pub fn load(opts: &ProjectOptions) -> Result<LoadedProject> {
    let resolved = resolve(opts)?;
    let env = resolved.env.clone();
    load_resolved(resolved, &env)
}

/// Load the files of an already resolved project with the interpolation environment `env`
/// (normally `resolved.env`).
pub fn load_resolved(resolved: Resolved, env: &BTreeMap<String, String>) -> Result<LoadedProject> {
    let sources =
        interpolate::EnvSources::new(&resolved.env_files, &resolved.project_dir, &resolved.env);
    let out = load::load(&load::Input {
        files: &resolved.files,
        project_dir: &resolved.project_dir,
        name: &resolved.name,
        env,
        profiles: &resolved.profiles,
        sources: Some(&sources),
    })
    .map_err(clean)?;
    let project = <Project as serde::Deserialize>::deserialize(&out.json).map_err(|e| {
        let at = model::locate_type_error(&out.json).unwrap_or_else(|| "the model".into());
        let origins = out.provenance.to_origins();
        let file = origins
            .range(at.clone()..)
            .take_while(|(k, _)| k.starts_with(&at))
            .filter_map(|(_, o)| o.last())
            .map(|o| o.file.display().to_string())
            .last()
            .unwrap_or_else(|| {
                resolved
                    .files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            });
        Error::config(format!(
            "{file}: {at}: devctl cannot use this value: {e}"
        ))
        .with_hint("Compose accepts this form but devctl does not model it yet; please report it, and write the key in its common form meanwhile")
    })?;
    let mut warnings = resolved.warnings.clone();
    warnings.extend(out.warnings);
    Ok(LoadedProject {
        json: out.json,
        project,
        disabled_services: out.disabled_services,
        provenance: out.provenance.to_origins(),
        warnings,
        resolved,
    })
}
