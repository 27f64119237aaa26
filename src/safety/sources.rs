//! Where the gate's inputs come from: devctl's merged model (`project::load`), Compose's own
//! view of the same files (`docker compose … config --format json`, run through
//! `compose::invocation`), the Engine connection (`engine::connect`) and, in label mode, the
//! project name alone.
//!
//! **Label mode**: `docker compose -p NAME down` run where no compose file is found works from
//! the Engine's labels (`com.docker.compose.project=NAME`). devctl does the same, and plans
//! from those labels, when no `-f`/`COMPOSE_FILE` is given, no compose file is found from the
//! project directory up, and a project name is (`-p`, else `COMPOSE_PROJECT_NAME` from the
//! environment, else from the env files / `.env`). `COMPOSE_FILE` counts from the env files
//! too: the loader's own first steps decide ([`label_project`]).

use std::path::PathBuf;

use bollard::Docker;

use super::execute;
use crate::context::Ctx;
use crate::engine::volumes::LABEL_PROJECT;
use crate::error::{Error, Result};
use crate::project::LoadedProject;
use crate::project::discover::name::check_flag;

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

/// Label mode: `Some(project name)` when no compose file is given or found and a project name
/// is (see the module docs). `None`: load the files as usual (their errors are the answer).
/// An invalid name is the usage error Compose would give.
///
/// "Which files, which project" is decided by the loader's own first steps
/// ([`crate::project::discover::locate`]), so a `COMPOSE_FILE` or `COMPOSE_PROJECT_NAME` in
/// `.env` (or `--env-file`, `COMPOSE_ENV_FILES`) counts here exactly as it does for the loader
/// and for Compose: a `.env` that names the compose files is never label mode.
pub fn label_project(ctx: &Ctx) -> Result<Option<LabelName>> {
    let located = crate::project::discover::locate(&ctx.project_options())?;
    if !located.no_compose_file() {
        return Ok(None);
    }
    let name = match non_empty(ctx.global.project_name.as_ref()) {
        Some(n) => Some((n.clone(), true)),
        None => located.project_name_var().map(|n| (n.clone(), false)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
        // `.env` names the compose files (issue 16, class 5): the loader uses them, so label
        // mode must not, whatever names the project.
        let file_var = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(file_var.path().join("deploy")).expect("mkdir");
        std::fs::write(file_var.path().join("deploy/app.yml"), "services: {}\n").expect("write");
        std::fs::write(
            file_var.path().join(".env"),
            "COMPOSE_FILE=deploy/app.yml\nCOMPOSE_PROJECT_NAME=fromdot\n",
        )
        .expect("write");
        let fv = file_var.path();
        let envs = tempfile::tempdir().expect("tempdir");
        std::fs::write(envs.path().join("ci.env"), "COMPOSE_PROJECT_NAME=fromci\n").expect("write");
        let ci_env = envs.path().join("ci.env").display().to_string();
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
            (".env sets COMPOSE_FILE", ctx(fv, None, &[]), None),
            (
                ".env sets COMPOSE_FILE, -p",
                ctx(fv, Some("shop"), &[]),
                None,
            ),
            (
                ".env sets COMPOSE_FILE, env name",
                ctx(fv, None, &[("COMPOSE_PROJECT_NAME", "envp")]),
                None,
            ),
            (
                "COMPOSE_ENV_FILES names the project",
                ctx(e, None, &[("COMPOSE_ENV_FILES", ci_env.as_str())]),
                Some("fromci"),
            ),
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
