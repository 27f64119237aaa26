//! Finding the project exactly as Docker Compose v2.40.3 finds it (`dc:cmd/compose/compose.go`
//! `toProjectOptions`, `cg:cli/options.go`; merge-rules.md §8–§9; vectors 33–39, 56), plus
//! devctl's environments and its `docker/` folder.
//!
//! The order of the steps matters and is Compose's:
//!
//! 1. The interpolation environment starts as the process environment, plus `PWD` (the
//!    current directory) when it is not set.
//! 2. Env files, first pass: `--env-file` (or `COMPOSE_ENV_FILES=a,b`; relative to the
//!    current directory; must exist) or else `<dir>/.env` where `<dir>` is
//!    `--project-directory`, else the first `-f` file's folder, else the current directory.
//!    `COMPOSE_DISABLE_ENV_FILE=true` turns the default `.env` off. Values never override
//!    variables already set: the process environment always wins.
//! 3. Compose files: `-f` files (relative to the current directory), else `COMPOSE_FILE`
//!    (which `.env` may set) split on `COMPOSE_PATH_SEPARATOR` (default `:`), else
//!    discovery — see [`discover_base`] — which also adds `compose.override.yml`,
//!    `compose.override.yaml`, `docker-compose.override.yml` or
//!    `docker-compose.override.yaml` (the first that exists) beside the base file.
//! 4. devctl's environment, if one is chosen (`--dev`/`--prod`/`--env NAME`, else
//!    `DEVCTL_ENV` from the process environment, else — only when devctl found the files
//!    itself — `default_environment` from `devctl.yaml`): its override file(s) are layered
//!    after the base file and the `*.override.*` file is not added. See
//!    [`super::environments`]. When nobody named one and devctl found the files itself
//!    ([`EnvChoice::Open`]), the environment the project's containers were created with
//!    wins over `default_environment`: [`sticky`] decides which, from their labels (read
//!    by the caller; this module knows nothing of Docker).
//! 5. The project directory: `--project-directory`, else the first file's folder.
//! 6. Env files, second pass: when no `--env-file` was given, `<project dir>/.env` is read
//!    too, with lower precedence than the first pass (vector 35).
//! 7. Profiles: `--profile` flags, else `COMPOSE_PROFILES` (comma-separated).
//! 8. The project name ([`name::decide`]); it is then set as `COMPOSE_PROJECT_NAME` in the
//!    interpolation environment (vector 56).

pub mod name;
pub mod sticky;

use std::path::{Component, Path, PathBuf};

use super::environments;
use super::interpolate::Env;
use super::{ProjectOptions, Resolved, dotenv};
use crate::error::{Error, Result};

/// Compose's default file names, in its order of preference.
pub const COMPOSE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// Compose's override file names, in its order of preference.
pub const OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// `path` made absolute against `base` and cleaned lexically (`.` and `..` removed), as Go's
/// `filepath.Abs`/`filepath.Join` do.
pub fn absolutize(base: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("/");
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push("/");
    }
    out
}

fn truthy(v: Option<&String>) -> bool {
    // Go's strconv.ParseBool.
    matches!(
        v.map(String::as_str),
        Some("1" | "t" | "T" | "TRUE" | "true" | "True")
    )
}

/// Merge `from` into `env` without overriding what is already set.
fn merge_missing(env: &mut Env, from: Env) {
    for (k, v) in from {
        env.entry(k).or_insert(v);
    }
}

fn dir_of(file: &Path) -> PathBuf {
    file.parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf)
}

/// Where the files came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `-f` flags.
    Flags,
    /// `COMPOSE_FILE`, from the process environment or an env file (`.env`).
    ComposeFileVar,
    /// Found from the project directory (or the current one) upwards.
    Discovered,
}

/// Steps 1–3: the one answer to "which files, which environment" that the loader, the safety
/// gate's label mode and every command share. `COMPOSE_FILE`, `COMPOSE_PROJECT_NAME`,
/// `COMPOSE_PROFILES`… count whether they come from the process environment or from the env
/// files (`--env-file`, `COMPOSE_ENV_FILES`, `.env`); the process environment wins.
#[derive(Debug)]
pub struct Located {
    /// The absolute working directory.
    pub cwd: PathBuf,
    /// `--project-directory`, absolute.
    pub project_dir_flag: Option<PathBuf>,
    /// Process environment + `PWD` + the first pass of env files.
    pub env: Env,
    /// The env files read in the first pass.
    pub env_files: Vec<PathBuf>,
    /// `--env-file` / `COMPOSE_ENV_FILES` were given (no `.env` second pass).
    pub explicit_env_files: bool,
    /// The compose files and where they came from; `Err`: none given and none found (Compose
    /// then works from the Engine's labels when it has a project name: label mode).
    pub files: std::result::Result<(Vec<PathBuf>, Source), Error>,
    /// Warnings of discovery.
    pub warnings: Vec<String>,
}

impl Located {
    /// No `-f`, no `COMPOSE_FILE` (process environment or env file), and no compose file
    /// found from the project directory up.
    pub fn no_compose_file(&self) -> bool {
        self.files.is_err()
    }

    /// `COMPOSE_PROJECT_NAME` as Compose reads it (process environment, then env files).
    pub fn project_name_var(&self) -> Option<&String> {
        self.env
            .get("COMPOSE_PROJECT_NAME")
            .filter(|n| !n.is_empty())
    }
}

/// Steps 1–3 of [`resolve`] (see the module docs). Errors: an invalid `-p`, an unreadable env
/// file, a `COMPOSE_FILE` that lists nothing. "No compose file found" is not an error here
/// (see [`Located::files`]).
pub fn locate(opts: &ProjectOptions) -> Result<Located> {
    let cwd = absolutize(Path::new("/"), &opts.cwd);
    let mut warnings = Vec::new();
    if let Some(p) = opts.project_name.as_deref().filter(|p| !p.is_empty()) {
        name::check_flag(p)?;
    }
    let project_dir_flag = opts.project_directory.as_ref().map(|d| absolutize(&cwd, d));
    let flag_files: Vec<PathBuf> = opts.files.iter().map(|f| absolutize(&cwd, f)).collect();

    // 1. process environment + PWD
    let mut env = opts.env.clone();
    env.entry("PWD".into())
        .or_insert_with(|| cwd.to_string_lossy().into_owned());
    let lookup = env.clone();

    // 2. env files, first pass
    let explicit: Vec<PathBuf> = if !opts.env_files.is_empty() {
        opts.env_files.iter().map(|f| absolutize(&cwd, f)).collect()
    } else {
        opts.env
            .get("COMPOSE_ENV_FILES")
            .map(|v| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(|f| absolutize(&cwd, Path::new(f)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let env_files: Vec<PathBuf> = if explicit.is_empty() {
        let wd = project_dir_flag
            .clone()
            .or_else(|| flag_files.first().map(|f| dir_of(f)))
            .unwrap_or_else(|| cwd.clone());
        default_env_file(&wd, &env).into_iter().collect()
    } else {
        explicit.clone()
    };
    merge_missing(&mut env, dotenv::load_files(&env_files, &lookup)?);

    // 3. compose files
    let files = if !flag_files.is_empty() {
        Ok((flag_files, Source::Flags))
    } else if let Some(list) = env.get("COMPOSE_FILE").filter(|v| !v.is_empty()) {
        let sep = env
            .get("COMPOSE_PATH_SEPARATOR")
            .filter(|s| !s.is_empty())
            .map_or(":", String::as_str);
        let files: Vec<PathBuf> = list
            .split(sep)
            .filter(|s| !s.is_empty())
            .map(|f| absolutize(&cwd, Path::new(f)))
            .collect();
        if files.is_empty() {
            return Err(Error::config(format!(
                "COMPOSE_FILE={list:?} names no compose file"
            ))
            .with_hint(format!(
                "list the files separated by `{sep}` (COMPOSE_PATH_SEPARATOR), or unset COMPOSE_FILE"
            )));
        }
        Ok((files, Source::ComposeFileVar))
    } else {
        let start = project_dir_flag.clone().unwrap_or_else(|| cwd.clone());
        discover_base(&start, &mut warnings).map(|f| (vec![f], Source::Discovered))
    };
    Ok(Located {
        cwd,
        project_dir_flag,
        env,
        env_files,
        explicit_env_files: !explicit.is_empty(),
        files,
        warnings,
    })
}

/// The project's `.env`, when there is one. Anything at that path counts (a FIFO, a device, a
/// directory): the bounded reader then refuses it with exit 3 instead of devctl ignoring it
/// silently while Compose hangs on it or reads it forever.
fn default_env_file(dir: &Path, env: &Env) -> Option<PathBuf> {
    let p = dir.join(".env");
    (!truthy(env.get("COMPOSE_DISABLE_ENV_FILE")) && p.exists()).then_some(p)
}

/// Who chose the environment of a resolution (step 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvChoice {
    /// `--dev`, `--prod`, `--env NAME`, or `DEVCTL_ENV` (process environment or `.env`): the
    /// user's word, which nothing overrides.
    Named,
    /// devctl found the files itself and nobody named an environment: `default_environment`
    /// of `devctl.yaml`, or none. The project's containers may keep theirs
    /// ([`sticky`]).
    Open,
    /// `-f` or `COMPOSE_FILE` named the files and nobody named an environment.
    FilesGiven,
}

/// Resolve the project: files, project directory, env files, interpolation environment,
/// profiles, environment, name.
pub fn resolve(opts: &ProjectOptions) -> Result<Resolved> {
    resolve_with_choice(opts).map(|(r, _)| r)
}

/// [`resolve`], and who chose the environment.
pub fn resolve_with_choice(opts: &ProjectOptions) -> Result<(Resolved, EnvChoice)> {
    let Located {
        cwd: _,
        project_dir_flag,
        mut env,
        mut env_files,
        explicit_env_files,
        files,
        mut warnings,
    } = locate(opts)?;
    let (mut files, source) = files?;
    for f in &files {
        if !f.is_file() {
            let via = match source {
                Source::Flags => "-f",
                _ => "COMPOSE_FILE",
            };
            // A directory or a device/FIFO is there but is no compose file (reading a FIFO
            // would block forever); only a missing path is "not found".
            let what = match std::fs::metadata(f) {
                Ok(m) if m.is_dir() => "is a directory, not a compose file",
                Ok(_) => "is not a regular file",
                Err(_) => "not found",
            };
            let message = if what == "not found" {
                format!("compose file not found: {}", f.display())
            } else {
                format!("compose file {} {what}", f.display())
            };
            return Err(Error::config(message).with_hint(format!(
                "check the {via} path (relative to the current directory)"
            )));
        }
    }
    let base = files[0].clone();

    // 4. devctl environment
    let cfg = environments::read_config(&base)?;
    let named = opts
        .environment
        .clone()
        .filter(|e| !e.is_empty())
        // The process environment, else the working directory's `.env` (read above, the
        // same pass that can set COMPOSE_FILE): a server's `.env` can say DEVCTL_ENV=prod.
        .or_else(|| env.get("DEVCTL_ENV").filter(|e| !e.is_empty()).cloned());
    let choice = match (&named, source) {
        (Some(_), _) => EnvChoice::Named,
        (None, Source::Discovered) => EnvChoice::Open,
        (None, _) => EnvChoice::FilesGiven,
    };
    let chosen = named.or_else(|| {
        (source == Source::Discovered)
            .then(|| cfg.default_environment.clone())
            .flatten()
    });
    let mut protected = false;
    match &chosen {
        Some(name) => {
            let (layers, prot) = environments::layers(name, &base, &cfg)?;
            protected = prot;
            for f in layers {
                if !files.contains(&f) {
                    files.push(f);
                }
            }
        }
        None if source == Source::Discovered => {
            let dir = dir_of(&base);
            if let Some(o) = first_existing(&dir, &OVERRIDE_NAMES, "override", &mut warnings) {
                files.push(o);
            }
        }
        None => {}
    }

    // 5. project directory
    let project_dir = project_dir_flag.unwrap_or_else(|| dir_of(&base));

    // 6. env files, second pass
    if !explicit_env_files
        && let Some(p) = default_env_file(&project_dir, &env)
        && !env_files.contains(&p)
    {
        let second = dotenv::load_files(std::slice::from_ref(&p), &env)?;
        merge_missing(&mut env, second);
        env_files.push(p);
    }

    // 7. profiles
    let profiles = if opts.profiles.is_empty() {
        env.get("COMPOSE_PROFILES")
            .map(|p| {
                p.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        opts.profiles.clone()
    };

    // 8. name
    let name = name::decide(opts.project_name.as_deref(), &env, &files, &project_dir)?;
    env.insert("COMPOSE_PROJECT_NAME".into(), name.clone());

    let resolved = Resolved {
        files,
        project_dir,
        name,
        environment: chosen,
        protected,
        env_files,
        profiles,
        protected_volumes: cfg.protected_volumes,
        env,
        warnings,
    };
    Ok((resolved, choice))
}

/// The first of `names` that exists in `dir` (with Compose's warning when several do).
fn first_existing(
    dir: &Path,
    names: &[&str],
    what: &str,
    warnings: &mut Vec<String>,
) -> Option<PathBuf> {
    let found: Vec<PathBuf> = names
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    if found.len() > 1 {
        let all: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
        warnings.push(format!(
            "Found multiple {what} files with supported names: {}; using {}",
            all.join(", "),
            all[0]
        ));
    }
    found.into_iter().next()
}

/// Find the base compose file from `start` upwards.
///
/// devctl's order (Compose's, extended with the `docker/` folder the seeds use): for each
/// directory from `start` up to `/`, first the directory itself, then its `docker/`
/// subfolder; in each, the first of `compose.yaml`, `compose.yml`, `docker-compose.yml`,
/// `docker-compose.yaml` that exists. The first directory with a hit wins, so a compose
/// file beside you beats one in `./docker/`, which beats one in `../`.
pub fn discover_base(start: &Path, warnings: &mut Vec<String>) -> Result<PathBuf> {
    let mut searched = Vec::new();
    let mut dir = Some(start.to_path_buf());
    while let Some(d) = dir {
        for candidate in [d.clone(), d.join("docker")] {
            if let Some(f) = first_existing(&candidate, &COMPOSE_NAMES, "config", warnings) {
                return Ok(f);
            }
            searched.push(candidate);
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    let dirs: Vec<String> = searched
        .iter()
        .map(|d| format!("  {}", d.display()))
        .collect();
    Err(Error::config(format!(
        "no compose file found: devctl looked for {} in\n{}",
        COMPOSE_NAMES.join(", "),
        dirs.join("\n")
    ))
    .with_hint("run devctl inside the project, pass -f FILE, or set COMPOSE_FILE"))
}

#[cfg(test)]
mod tests;
