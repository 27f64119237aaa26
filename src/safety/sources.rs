//! Where the gate's inputs come from: devctl's merged model, Compose's own view of the same
//! files, and the Engine connection. Each is one small function so it can switch to the shared
//! layer (`project::load`, `compose::invocation`, `engine::connect`) in one place.

use bollard::Docker;

use super::execute;
use crate::commands::Ctx;
use crate::error::{Error, Result};
use crate::project::{LoadedProject, Project, Resolved};

/// Compose's view: `docker compose … config --format json` of the same files.
pub fn compose_view(ctx: &Ctx, name: Option<&str>) -> Result<serde_json::Value> {
    let shell = LoadedProject {
        resolved: Resolved {
            files: vec![],
            project_dir: ctx.cwd.clone(),
            name: String::new(),
            environment: None,
            protected: false,
            env_files: vec![],
            profiles: vec![],
            protected_volumes: vec![],
            env: Default::default(),
            warnings: vec![],
        },
        json: serde_json::Value::Null,
        project: Project::default(),
        disabled_services: Default::default(),
        provenance: Default::default(),
        warnings: vec![],
    };
    let mut call = execute::compose_call(
        ctx,
        &shell,
        &["config".into(), "--format".into(), "json".into()],
    );
    // `-p` only when a name is known; otherwise Compose derives it as usual.
    if let Some(pos) = call.args.iter().position(|a| a == "-p") {
        match name.or(ctx.global.project_name.as_deref()) {
            Some(n) => call.args[pos + 1] = n.to_string(),
            None => {
                call.args.drain(pos..pos + 2);
            }
        }
    }
    execute::compose_config_json(ctx, &call)
}

/// The merged model devctl plans from.
// TODO(after merge): `ctx.load_project()` (helpers "project-a/b"); until the loader is on main,
// the model is built from Compose's own canonical JSON, so both views trivially agree.
pub fn load_project(ctx: &Ctx) -> Result<LoadedProject> {
    let json = compose_view(ctx, None)?;
    let project = Project::from_json(&json)
        .map_err(|e| Error::config(format!("cannot read Compose's model: {e}")))?;
    Ok(LoadedProject {
        resolved: Resolved {
            files: ctx.global.files.iter().map(|f| ctx.cwd.join(f)).collect(),
            project_dir: ctx
                .global
                .project_directory
                .as_ref()
                .map(|d| ctx.cwd.join(d))
                .unwrap_or_else(|| ctx.cwd.clone()),
            name: project.name.clone(),
            environment: None,
            protected: false,
            env_files: ctx
                .global
                .env_files
                .iter()
                .map(|f| ctx.cwd.join(f))
                .collect(),
            profiles: ctx.global.profiles.clone(),
            protected_volumes: vec![],
            env: Default::default(),
            warnings: vec![],
        },
        json,
        project,
        disabled_services: Default::default(),
        provenance: Default::default(),
        warnings: vec![],
    })
}

/// The Engine connection.
// TODO(after merge): `crate::engine::connect(&ctx.env)` (helper "engine").
pub async fn connect(_ctx: &Ctx) -> Result<Docker> {
    let docker = Docker::connect_with_local_defaults().map_err(|e| {
        Error::engine(format!("cannot reach the Docker Engine: {e}"))
            .with_hint("is dockerd running? check DOCKER_HOST")
    })?;
    match tokio::time::timeout(
        std::time::Duration::from_secs(2),
        docker.negotiate_version(),
    )
    .await
    {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => Err(
            Error::engine(format!("cannot reach the Docker Engine: {e}"))
                .with_hint("is dockerd running? check DOCKER_HOST"),
        ),
        Err(_) => Err(Error::engine("the Docker Engine did not answer within 2 s")
            .with_hint("is dockerd running? check DOCKER_HOST")),
    }
}
