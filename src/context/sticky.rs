//! The Engine edge of "the environment sticks" (the rule is pure, in
//! [`crate::project::discover::sticky`]): the project's containers' labels, read once per run
//! within [`ENGINE_BUDGET`] and shared with the lifecycle preflight (so an Engine that does
//! not answer costs that budget once, and the preflight still exits 6 within 2 s); and the one
//! line that says which environment was kept. An Engine that does not answer means no
//! stickiness here, never an error: commands that need the Engine report it themselves.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::Ctx;
use crate::error::{Error, Exit, Result};
use crate::project::discover::sticky;
use crate::project::{self, ProjectOptions, Resolved};

/// `(service, com.docker.compose.project.config_files)` of a project's non-one-off containers.
pub type Labels = Vec<(String, Option<String>)>;

/// How long reading the labels may take (the preflight's "exit 6 within 2 s" includes it);
/// an ssh endpoint gets the time ssh may take to connect.
pub const ENGINE_BUDGET: Duration = Duration::from_millis(1500);

/// An answer kept for the rest of the run (`Error` is not `Clone`).
type Kept = std::result::Result<Labels, (Exit, String, Option<String>)>;

static READ: Mutex<Vec<(String, Kept)>> = Mutex::new(Vec::new());
static SAID: AtomicBool = AtomicBool::new(false);

/// The project's container labels, read from the Engine once per run (per project name and
/// Engine endpoint) within [`ENGINE_BUDGET`]. `Err`: the Engine did not answer (exit 6) or
/// could not be asked.
pub fn project_labels(ctx: &Ctx, project: &str) -> Result<Labels> {
    let key = [
        project,
        env_or(&ctx.env, "DOCKER_HOST"),
        env_or(&ctx.env, "DOCKER_CONTEXT"),
        env_or(&ctx.env, "DOCKER_CONFIG"),
    ]
    .join("\0");
    let mut read = READ.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, kept)) = read.iter().find(|(k, _)| *k == key) {
        return kept.clone().map_err(|(exit, message, hint)| Error {
            exit,
            message,
            hint,
        });
    }
    let got = read_bounded(&ctx.env, project);
    let kept: Kept = match &got {
        Ok(l) => Ok(l.clone()),
        Err(e) => Err((e.exit, e.message.clone(), e.hint.clone())),
    };
    read.push((key, kept));
    got
}

fn env_or<'a>(env: &'a BTreeMap<String, String>, key: &str) -> &'a str {
    env.get(key).map_or("", String::as_str)
}

/// Read on a thread of its own with its own runtime: callers may be inside a runtime already
/// (the dashboard loads projects from its tasks), and a hung Engine must not hold them past
/// the budget.
fn read_bounded(env: &BTreeMap<String, String>, project: &str) -> Result<Labels> {
    let ep = crate::engine::connect::resolve(env)?;
    let budget = crate::engine::connect::connect_timeout(&ep).max(ENGINE_BUDGET);
    let late = || engine_error(env, &no_answer(budget));
    let (tx, rx) = std::sync::mpsc::channel();
    let (env2, name) = (env.clone(), project.to_string());
    let spawned = std::thread::Builder::new()
        .name("devctl-labels".into())
        .spawn(move || {
            let got = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(async {
                    tokio::time::timeout(budget, read(&env2, &name))
                        .await
                        .unwrap_or_else(|_| Err(engine_error(&env2, &no_answer(budget))))
                }),
                Err(e) => Err(Error::general(format!(
                    "cannot start the async runtime: {e}"
                ))),
            };
            let _ = tx.send(got);
        });
    if let Err(e) = spawned {
        return Err(Error::general(format!("cannot start a thread: {e}")));
    }
    let got = rx
        .recv_timeout(budget + Duration::from_millis(250))
        .unwrap_or_else(|_| Err(late()));
    if got
        .as_ref()
        .is_err_and(|e| e.message.contains(&no_answer(budget)))
    {
        // The command that follows (ps, logs…) would wait for the same silence again.
        crate::engine::connect::note_silence(&ep);
    }
    got
}

fn no_answer(budget: Duration) -> String {
    format!("no answer within {:.1} seconds", budget.as_secs_f64())
}

async fn read(env: &BTreeMap<String, String>, project: &str) -> Result<Labels> {
    let docker = crate::engine::connect(env).await?;
    let filters: HashMap<String, Vec<String>> = [(
        "label".to_string(),
        vec![format!("com.docker.compose.project={project}")],
    )]
    .into();
    let opts = bollard::query_parameters::ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    let list = docker
        .list_containers(Some(opts))
        .await
        .map_err(|e| engine_error(env, &e.to_string()))?;
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let labels: BTreeMap<String, String> = c.labels?.into_iter().collect();
            if labels.get("com.docker.compose.oneoff").map(String::as_str) == Some("True") {
                return None;
            }
            let service = labels.get("com.docker.compose.service")?.clone();
            Some((
                service,
                labels
                    .get("com.docker.compose.project.config_files")
                    .cloned(),
            ))
        })
        .collect())
}

/// "cannot reach the Docker Engine at HOST: DETAIL" (exit 6) with what to do.
pub fn engine_error(env: &BTreeMap<String, String>, detail: &str) -> Error {
    let host = env
        .get("DOCKER_HOST")
        .cloned()
        .unwrap_or_else(|| "unix:///var/run/docker.sock".into());
    Error::engine(format!("cannot reach the Docker Engine at {host}: {detail}")).with_hint(
        "start Docker (e.g. `systemctl start docker`, or Docker Desktop), or point DOCKER_HOST at a running Engine",
    )
}

/// `resolved` came from `opts` with no environment named and files devctl found itself
/// ([`crate::project::discover::EnvChoice::Open`]): when the project's containers were all
/// created from one environment's files, resolve again with that environment and say so once
/// per run on stderr. A project without environments never asks the Engine.
pub fn keep(ctx: &Ctx, opts: &ProjectOptions, resolved: Resolved) -> Result<Resolved> {
    let candidates = sticky::candidates(&resolved);
    if candidates.is_empty() {
        return Ok(resolved);
    }
    let Ok(labels) = project_labels(ctx, &resolved.name) else {
        return Ok(resolved);
    };
    let Some(kept) = sticky::decide(&candidates, &labels) else {
        return Ok(resolved);
    };
    if resolved.environment.as_deref() == Some(kept.name.as_str()) {
        return Ok(resolved);
    }
    let mut named = opts.clone();
    named.environment = Some(kept.name.clone());
    let out = project::resolve(&named)?;
    // An environment whose files rename the project (`name:`) would act on another project
    // than the one whose containers were read: keep the plain choice then.
    if out.name != resolved.name || out.files != kept.files {
        return Ok(resolved);
    }
    if !SAID.swap(true, Ordering::Relaxed) {
        eprintln!(
            "devctl: {}",
            crate::sanitize::escape_text(&sticky::notice(kept, &candidates, &ctx.cwd))
        );
    }
    Ok(out)
}
