//! Where the gate's inputs come from: devctl's merged model (`project::load`), Compose's own
//! view of the same files (`docker compose … config --format json`, run through
//! `compose::invocation`), the Engine connection (`engine::connect`) and, in label mode, the
//! project name alone.
//!
//! **Label mode**: `docker compose -p NAME down` run where no compose file is found works from
//! the Engine's labels (`com.docker.compose.project=NAME`). devctl does the same, and plans
//! from those labels, when no `-f`/`COMPOSE_FILE` is given, no compose file is found from the
//! project directory up, and a project name is (`-p`, else `COMPOSE_PROJECT_NAME` from the
//! environment, else from the env files / `.env`).

use std::path::{Path, PathBuf};

use bollard::Docker;

use super::execute;
use crate::context::Ctx;
use crate::engine::volumes::LABEL_PROJECT;
use crate::error::{Error, Result};
use crate::project::LoadedProject;
use crate::project::discover::{absolutize, discover_base, name::check_flag};

/// What the gate plans from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The compose files, loaded and merged.
    Files(Box<LoadedProject>),
    /// No compose file: the Engine's labels of project `name`.
    Labels(LabelProject),
}

/// The project name of label mode, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelName {
    pub name: String,
    /// Named on the command line (`-p`), not taken from the environment or an env file.
    pub explicit: bool,
}

/// A project known only by its name and the Engine's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelProject {
    pub name: String,
    /// `-p` (true) or `COMPOSE_PROJECT_NAME` (false).
    pub explicit: bool,
    /// `--project-directory`, when given (passed on to Compose).
    pub project_directory: Option<PathBuf>,
    /// Names of the containers labelled with the project when the plan was built.
    pub containers: Vec<String>,
    /// Names of the networks labelled with the project when the plan was built.
    pub networks: Vec<String>,
}

impl Source {
    /// The project name Compose resolves.
    pub fn name(&self) -> &str {
        match self {
            Source::Files(l) => &l.resolved.name,
            Source::Labels(l) => &l.name,
        }
    }
}

/// Compose's view: `docker compose -p NAME -f … config --format json` of the files devctl
/// resolved for `loaded` (standard input at /dev/null).
pub fn compose_view(ctx: &Ctx, loaded: &LoadedProject) -> Result<serde_json::Value> {
    let inv = execute::compose_call(
        ctx,
        loaded,
        &["config".into(), "--format".into(), "json".into()],
    )?;
    execute::compose_config_json(&inv)
}

/// The merged model devctl plans from.
pub fn load_project(ctx: &Ctx) -> Result<LoadedProject> {
    ctx.load_project()
}

/// The Engine connection (DOCKER_HOST / docker context, API negotiation, fails within 2 s).
pub async fn connect(ctx: &Ctx) -> Result<Docker> {
    crate::engine::connect(&ctx.env).await
}

fn non_empty(v: Option<&String>) -> Option<&String> {
    v.filter(|s| !s.is_empty())
}

fn truthy(v: Option<&String>) -> bool {
    matches!(
        v.map(String::as_str),
        Some("1" | "t" | "T" | "TRUE" | "true" | "True")
    )
}

/// Label mode: `Some(project name)` when no compose file is given or found and a project name
/// is (see the module docs). `None`: load the files as usual (their errors are the answer).
/// An invalid name is the usage error Compose would give.
pub fn label_project(ctx: &Ctx) -> Result<Option<LabelName>> {
    if !ctx.global.files.is_empty() || non_empty(ctx.env.get("COMPOSE_FILE")).is_some() {
        return Ok(None);
    }
    let cwd = absolutize(Path::new("/"), &ctx.cwd);
    let dir = ctx
        .global
        .project_directory
        .as_ref()
        .map_or_else(|| cwd.clone(), |d| absolutize(&cwd, d));
    if discover_base(&dir, &mut Vec::new()).is_ok() {
        return Ok(None);
    }
    let name = match non_empty(ctx.global.project_name.as_ref()) {
        Some(n) => Some((n.clone(), true)),
        None => match non_empty(ctx.env.get("COMPOSE_PROJECT_NAME")) {
            Some(n) => Some((n.clone(), false)),
            None => name_from_env_files(ctx, &cwd, &dir)?.map(|n| (n, false)),
        },
    };
    match name {
        Some((name, explicit)) => {
            check_flag(&name)?;
            Ok(Some(LabelName { name, explicit }))
        }
        None => Ok(None),
    }
}

/// Label mode found nothing carrying the label of a name that only came from the environment
/// (`COMPOSE_PROJECT_NAME`, often set shell-wide): the likelier mistake is the directory, so
/// the answer is the loader's own "no compose file found" (exit 3, where it looked).
pub fn no_file_error(ctx: &Ctx, name: &str) -> Error {
    let e = match ctx.load_project() {
        Err(e) => e,
        Ok(_) => Error::config("a compose file appeared while devctl was planning")
            .with_hint("run the command again"),
    };
    let hint = format!(
        "{}; nothing on the Engine carries the label {LABEL_PROJECT}={name} \
         (COMPOSE_PROJECT_NAME) either",
        e.hint.as_deref().unwrap_or("run devctl inside the project")
    );
    e.with_hint(hint)
}

/// `COMPOSE_PROJECT_NAME` from `--env-file` files, else from `.env` in the project directory
/// (unless `COMPOSE_DISABLE_ENV_FILE`), as Compose reads it without a compose file.
fn name_from_env_files(ctx: &Ctx, cwd: &Path, dir: &Path) -> Result<Option<String>> {
    let files: Vec<PathBuf> = if ctx.global.env_files.is_empty() {
        let dot = dir.join(".env");
        if truthy(ctx.env.get("COMPOSE_DISABLE_ENV_FILE")) || !dot.is_file() {
            return Ok(None);
        }
        vec![dot]
    } else {
        ctx.global
            .env_files
            .iter()
            .map(|f| absolutize(cwd, f))
            .collect()
    };
    let env = crate::project::dotenv::load_files(&files, &ctx.env)?;
    Ok(non_empty(env.get("COMPOSE_PROJECT_NAME")).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(dir: &Path, p: Option<&str>, env: &[(&str, &str)]) -> Ctx {
        Ctx {
            global: crate::context::Options {
                project_name: p.map(String::from),
                ..Default::default()
            },
            cwd: dir.to_path_buf(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn label_mode_needs_no_file_and_a_name() {
        let empty = tempfile::tempdir().expect("tempdir");
        let e = empty.path();
        let with_file = tempfile::tempdir().expect("tempdir");
        std::fs::write(with_file.path().join("compose.yaml"), "services: {}\n").expect("write");
        let w = with_file.path();
        let dotenv = tempfile::tempdir().expect("tempdir");
        std::fs::write(dotenv.path().join(".env"), "COMPOSE_PROJECT_NAME=fromdot\n")
            .expect("write");
        let d = dotenv.path();
        let cases: Vec<(&str, Ctx, Option<&str>)> = vec![
            ("-p, no file", ctx(e, Some("shop"), &[]), Some("shop")),
            (
                "env, no file",
                ctx(e, None, &[("COMPOSE_PROJECT_NAME", "envp")]),
                Some("envp"),
            ),
            (
                "-p wins over env",
                ctx(e, Some("shop"), &[("COMPOSE_PROJECT_NAME", "envp")]),
                Some("shop"),
            ),
            (".env, no file", ctx(d, None, &[]), Some("fromdot")),
            (
                ".env disabled",
                ctx(d, None, &[("COMPOSE_DISABLE_ENV_FILE", "1")]),
                None,
            ),
            ("no name", ctx(e, None, &[]), None),
            ("a file is found", ctx(w, Some("shop"), &[]), None),
            (
                "COMPOSE_FILE given",
                ctx(e, Some("shop"), &[("COMPOSE_FILE", "x.yml")]),
                None,
            ),
        ];
        for (what, c, want) in cases {
            let got = label_project(&c).expect(what);
            assert_eq!(got.as_ref().map(|n| n.name.as_str()), want, "{what}");
            if let Some(n) = got {
                assert_eq!(n.explicit, c.global.project_name.is_some(), "{what}");
            }
        }
        let mut f = ctx(e, Some("shop"), &[]);
        f.global.files = vec!["missing.yml".into()];
        assert_eq!(label_project(&f).expect("-f"), None, "-f given");
        let bad = label_project(&ctx(e, Some("Shop!"), &[])).expect_err("invalid");
        assert!(
            bad.message.contains("invalid project name"),
            "{}",
            bad.message
        );
    }
}
