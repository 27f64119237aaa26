//! `up`, `stop`, `start`, `restart`, `build`, `pull`, `exec`, `sh`, `run`, `compose --`.
//! Each runs the real Compose CLI with the resolved layered files.
//!
//! Every path: load the project (environment flags apply) → check service names → hand the
//! Compose argv to the safety gate → build the invocation → preflight (Engine reachable within
//! 2 s, layer-drift warnings) → for `up`/`create`/`run`, the external volumes they need exist
//! ([`volumes`]) → print `+ …` and run it (or only print it under `--dry-run`).

mod passthrough;
mod volumes;

pub use passthrough::end_globals_after_exec_run;

use std::time::Duration;

use clap::Args;

use super::Ctx;
use crate::compose::{self, Invocation, drift};
use crate::error::{Error, Result};
use crate::project::LoadedProject;
use crate::safety::Gate;

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Services to start (default: all).
    pub services: Vec<String>,
    /// Build images before starting.
    #[arg(long)]
    pub build: bool,
    /// Stay attached to the containers' output (default: detached).
    #[arg(long)]
    pub attach: bool,
    /// Wait until every service is healthy (or running without a health check); optional timeout like `90s`, `2m`.
    #[arg(long, value_name = "TIMEOUT", num_args = 0..=1, default_missing_value = "", require_equals = true)]
    pub wait: Option<String>,
    /// Then run `docker compose watch` (develop.watch) and show each sync, restart and rebuild.
    #[arg(long, conflicts_with = "attach")]
    pub watch: bool,
    /// With --watch: event lines as JSON.
    #[arg(long, requires = "watch")]
    pub json: bool,
    /// Extra arguments passed to Compose after `--`.
    #[arg(last = true)]
    pub extra: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// Services (default: all).
    pub services: Vec<String>,
    /// Extra arguments passed to Compose after `--`.
    #[arg(last = true)]
    pub extra: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PassArgs {
    /// Arguments (for `compose`, everything after `--` goes to Compose as is).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// `[COMPOSE FLAGS] SERVICE [COMMAND…]`: Compose's own flags of the subcommand (`-T`,
    /// `-e A=1`, `--user root`, `--rm`, … see `docker compose exec|run --help`) go before the
    /// service and are passed on unchanged; everything after the service is the command.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "SERVICE"
    )]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ShArgs {
    /// The service.
    pub service: String,
}

pub fn up(ctx: &Ctx, a: &UpArgs) -> Result<u8> {
    if a.attach && a.wait.is_some() {
        return Err(Error::usage("`--attach` and `--wait` cannot be combined")
            .with_hint("`--wait` needs a detached `up`; follow the output with `devctl logs -f`"));
    }
    let timeout = a
        .wait
        .as_deref()
        .map(crate::engine::wait::parse_timeout)
        .transpose()?
        .flatten();
    let project = ctx.load_project()?;
    check_services(&project, &a.services)?;
    // `up --watch` alone is Compose's own `watch`, which builds and starts what is missing
    // (its output then goes through the watch's line reader, keeping `--json` lines clean).
    if a.watch && !a.build && a.wait.is_none() && a.extra.is_empty() {
        return super::watch::watch(ctx, &project, &watch_options(a, false));
    }
    let origin = crate::engine::wait::Origin::now();
    let code = drive(ctx, &project, up_argv(a))?;
    if code != 0 && !ctx.global.dry_run {
        return Ok(explain_failed_up(
            ctx,
            &project,
            origin,
            code,
            a.wait.is_some(),
        ));
    }
    if code != 0 {
        return Ok(code);
    }
    if a.wait.is_some() && !ctx.global.dry_run {
        let code = super::wait::wait_healthy(ctx, &project, &a.services, timeout, Some(origin))?;
        if code != 0 {
            return Ok(code);
        }
    }
    if !a.watch {
        return Ok(code);
    }
    super::watch::watch(ctx, &project, &watch_options(a, true))
}

fn watch_options(a: &UpArgs, no_up: bool) -> super::watch::WatchOptions {
    super::watch::WatchOptions {
        services: a.services.clone(),
        no_up,
        no_prune: false,
        json: a.json,
    }
}

/// Compose's `up` failed with `code`: when a dependency failed and left services unstarted,
/// devctl prints its diagnosis; the exit code is then `Exit::NotHealthy` under `--wait` (the
/// stack is not healthy), else Compose's own. A diagnosis that cannot be made is a warning.
fn explain_failed_up(
    ctx: &Ctx,
    project: &LoadedProject,
    origin: crate::engine::wait::Origin,
    code: u8,
    wait: bool,
) -> u8 {
    match super::wait::explain_failed_up(ctx, project, origin) {
        Ok(true) if wait => crate::error::Exit::NotHealthy.code(),
        Ok(_) => code,
        // The Engine went away too: Compose's own message says enough.
        Err(e) if e.exit == crate::error::Exit::EngineUnreachable => code,
        Err(e) => {
            eprintln!("devctl: warning: cannot read the Engine to explain the failure: {e}");
            code
        }
    }
}

/// Pure: the Compose argv for `devctl up` (`--wait` is devctl's, not passed on).
pub fn up_argv(a: &UpArgs) -> Vec<String> {
    let mut sub = vec!["up".to_string()];
    if !a.attach {
        sub.push("-d".into());
    }
    if a.build {
        sub.push("--build".into());
    }
    sub.extend(a.extra.iter().cloned());
    sub.extend(a.services.iter().cloned());
    sub
}

/// `stop`, `start`, `restart` with optional services. Without a compose file but with a
/// project name (`-p`, `COMPOSE_PROJECT_NAME`), Compose acts on the project's labelled
/// containers, and so does devctl (label mode).
pub fn simple(ctx: &Ctx, name: &str, a: &ServicesArgs) -> Result<u8> {
    let mut sub = vec![name.to_string()];
    sub.extend(a.extra.iter().cloned());
    sub.extend(a.services.iter().cloned());
    if let Some(code) = by_labels(ctx, &sub)? {
        return Ok(code);
    }
    let project = ctx.load_project()?;
    check_services(&project, &a.services)?;
    drive(ctx, &project, sub)
}

/// Label mode for a Compose argv that is not destructive (the gate plans the destructive
/// ones): no compose file given or found, a project name known ([`sources::label_project`],
/// the loader's own decision) — run `docker compose -p NAME <sub…>` without files, as Compose
/// itself would. `None`: the files decide; load them as usual.
///
/// [`sources::label_project`]: crate::safety::sources::label_project
fn by_labels(ctx: &Ctx, sub: &[String]) -> Result<Option<u8>> {
    let globals = crate::safety::classify::compose_globals(sub);
    let ectx = crate::safety::gate::effective_ctx(ctx, &globals);
    let Some(label) = crate::safety::sources::label_project(&ectx)? else {
        return Ok(None);
    };
    let sub = match crate::safety::intercept(ctx, sub)? {
        Gate::Handled(code) => return Ok(Some(code)),
        Gate::Run(argv) => argv,
    };
    let dir = ectx.global.project_directory.as_deref();
    let inv = crate::safety::execute::compose_call_by_name(&ectx, &label.name, dir, &sub)?;
    if !ctx.global.dry_run {
        // The Engine must answer first (exit 6 within 2 s), as on every other path.
        let rt = super::runtime()?;
        rt.block_on(async {
            tokio::time::timeout(ENGINE_BUDGET, crate::safety::sources::connect(ctx))
                .await
                .unwrap_or_else(|_| Err(engine_error(ctx, "no answer within 1.5 seconds")))
        })?;
    }
    compose::execute(ctx, &inv).map(Some)
}

/// `build`, `pull`: arguments go to Compose; the service names among them are checked first.
pub fn pass(ctx: &Ctx, name: &str, a: &PassArgs) -> Result<u8> {
    let project = ctx.load_project()?;
    check_services(&project, &positionals(name, &a.args))?;
    let mut sub = vec![name.to_string()];
    sub.extend(a.args.iter().cloned());
    drive(ctx, &project, sub)
}

/// `exec SERVICE CMD…`, `run SERVICE CMD…`.
pub fn exec(ctx: &Ctx, name: &str, a: &ExecArgs) -> Result<u8> {
    let split = passthrough::split(name, &a.args)?;
    if split.command.is_empty() && name == "exec" {
        return Err(
            Error::usage(format!("`devctl exec {}` needs a command", split.service)).with_hint(
                format!(
                    "e.g. `devctl exec {} ls`, or `devctl sh {}`",
                    split.service, split.service
                ),
            ),
        );
    }
    let project = ctx.load_project()?;
    check_services(&project, std::slice::from_ref(&split.service))?;
    let mut sub = vec![name.to_string()];
    sub.extend(split.flags);
    sub.push(split.service);
    sub.extend(split.command);
    drive(ctx, &project, sub)
}

/// `sh SERVICE`: an interactive `bash` when the container has one, else `sh`. Decided first by
/// a quiet, non-interactive `exec -T SERVICE bash -c true`.
pub fn sh(ctx: &Ctx, a: &ShArgs) -> Result<u8> {
    let project = ctx.load_project()?;
    check_services(&project, std::slice::from_ref(&a.service))?;
    let probe_sub = vec![
        "exec".into(),
        "-T".into(),
        a.service.clone(),
        "bash".into(),
        "-c".into(),
        "true".into(),
    ];
    let probe_sub = match crate::safety::intercept(ctx, &probe_sub)? {
        Gate::Handled(code) => return Ok(code),
        Gate::Run(argv) => argv,
    };
    let probe = compose::invocation(ctx, &project, &probe_sub)?;
    if ctx.global.dry_run {
        eprintln!("# devctl sh: `bash` when this succeeds, else `sh`:");
        compose::run::announce(&probe);
        return drive(
            ctx,
            &project,
            vec!["exec".into(), a.service.clone(), "bash".into()],
        );
    }
    preflight(ctx, &project, &probe_sub)?;
    let shell = match compose::run::run_quiet(&probe)? {
        0 => "bash",
        _ => "sh",
    };
    let sub = vec!["exec".to_string(), a.service.clone(), shell.to_string()];
    let sub = match crate::safety::intercept(ctx, &sub)? {
        Gate::Handled(code) => return Ok(code),
        Gate::Run(argv) => argv,
    };
    let inv = compose::invocation(ctx, &project, &sub)?;
    compose::execute(ctx, &inv)
}

/// `devctl compose -- ARGS…`: anything else, with the resolved files.
pub fn passthrough(ctx: &Ctx, a: &PassArgs) -> Result<u8> {
    if a.args.is_empty() {
        return Err(Error::usage("`devctl compose` needs Compose arguments")
            .with_hint("e.g. `devctl compose -- config --services` or `devctl compose -- top`"));
    }
    // The gate first: a destructive passthrough such as `-p NAME down -v` with no compose
    // file is planned from the Engine's labels, where loading the project would fail.
    let args = match crate::safety::intercept(ctx, &a.args)? {
        Gate::Handled(code) => return Ok(code),
        Gate::Run(argv) => argv,
    };
    if let Some(code) = by_labels(ctx, &args)? {
        return Ok(code);
    }
    let project = ctx.load_project()?;
    drive(ctx, &project, args)
}

/// [`drive`] for other subcommands (`devctl do`).
pub(crate) fn drive_sub(ctx: &Ctx, project: &LoadedProject, sub: Vec<String>) -> Result<u8> {
    drive(ctx, project, sub)
}

/// The common path: safety gate → invocation → preflight → print and run (or only print).
fn drive(ctx: &Ctx, project: &LoadedProject, sub: Vec<String>) -> Result<u8> {
    let sub = match crate::safety::intercept(ctx, &sub)? {
        Gate::Handled(code) => return Ok(code),
        Gate::Run(argv) => argv,
    };
    let inv: Invocation = compose::invocation(ctx, project, &sub)?;
    preflight(ctx, project, &sub)?;
    volumes::check(ctx, project, &sub)?;
    compose::execute(ctx, &inv)
}

/// Every service name the project knows: the merged model's, plus those only in inactive
/// profiles (naming one on the command line enables it, as in Compose).
pub fn known_services(project: &LoadedProject) -> Vec<String> {
    let mut all: Vec<String> = project.project.services.keys().cloned().collect();
    all.extend(project.disabled_services.keys().cloned());
    all
}

/// Unknown service names are a usage error that lists the known ones, before Compose runs.
pub fn check_services(project: &LoadedProject, names: &[String]) -> Result<()> {
    let known = known_services(project);
    let unknown: Vec<&String> = names.iter().filter(|n| !known.contains(n)).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let list = |v: &[&String]| {
        v.iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(Error::usage(format!(
        "unknown service {} in project `{}`",
        list(&unknown),
        project.resolved.name
    ))
    .with_hint(format!("known services: {}", known.join(", "))))
}

/// Pure: the service names among `build`/`pull` arguments (skipping flags and their values).
pub fn positionals(cmd: &str, args: &[String]) -> Vec<String> {
    let value_flags: &[&str] = match cmd {
        "build" => &[
            "--build-arg",
            "--builder",
            "-m",
            "--memory",
            "--ssh",
            "--provenance",
            "--sbom",
        ],
        "pull" => &["--policy"],
        _ => &[],
    };
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if std::mem::take(&mut skip) {
            continue;
        }
        if a.starts_with('-') {
            skip = value_flags.contains(&a.as_str());
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// How long the preflight may wait for the Engine (the whole command stays under 2 s).
const ENGINE_BUDGET: Duration = crate::context::sticky::ENGINE_BUDGET;

/// Before acting: the Engine must answer within 2 s (`Exit::EngineUnreachable` otherwise, so no
/// command hangs), and containers created from other files get a layer-drift warning. Under
/// `--dry-run` an unreachable Engine only skips the drift check. The labels are those the
/// project's loading read (once per run, see [`crate::context::sticky`]).
pub(crate) fn preflight(ctx: &Ctx, project: &LoadedProject, sub: &[String]) -> Result<()> {
    match crate::context::sticky::project_labels(ctx, &project.resolved.name) {
        Ok(list) => {
            let drifts = drift::detect(&project.resolved.files, &list);
            for d in &drifts {
                eprintln!(
                    "devctl: warning: {}",
                    crate::sanitize::escape_text(&drift::message(d))
                );
            }
            if !drifts.is_empty() {
                let what = if sub.first().map(String::as_str) == Some("up") {
                    "`up` recreates the containers whose configuration changed"
                } else {
                    "existing containers keep their configuration until `devctl up` recreates them"
                };
                eprintln!("  ({what})");
            }
            Ok(())
        }
        Err(_) if ctx.global.dry_run => Ok(()),
        Err(e) => Err(e),
    }
}

fn engine_error(ctx: &Ctx, detail: &str) -> Error {
    crate::context::sticky::engine_error(&ctx.env, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{Project, Resolved};

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn up_argvs() {
        let up = |services: &str, build, attach, extra: &str| UpArgs {
            services: v(services),
            build,
            attach,
            wait: Some(String::new()),
            watch: false,
            json: false,
            extra: v(extra),
        };
        let cases = [
            (up("", false, false, ""), "up -d"),
            (up("api db", false, false, ""), "up -d api db"),
            (
                up("api", true, false, "--force-recreate"),
                "up -d --build --force-recreate api",
            ),
            (up("", false, true, ""), "up"),
        ];
        for (args, want) in cases {
            assert_eq!(up_argv(&args), v(want), "{args:?}");
        }
    }

    #[test]
    fn build_and_pull_positionals() {
        let cases = [
            ("build", "api --no-cache worker", "api worker"),
            ("build", "--build-arg A=1 api", "api"),
            ("build", "--build-arg=A=1 api", "api"),
            ("build", "-m 1g --pull", ""),
            ("pull", "--policy missing db -q", "db"),
            ("pull", "--ignore-pull-failures", ""),
        ];
        for (cmd, args, want) in cases {
            assert_eq!(positionals(cmd, &v(args)), v(want), "{cmd} {args}");
        }
    }

    /// How the command lines users type reach these commands.
    #[test]
    fn command_lines_parse() {
        use crate::cli::{Cli, Command};
        use clap::Parser;
        let parse = |line: &str| {
            let argv = v(&format!("devctl {line}")).into_iter().map(Into::into);
            Cli::try_parse_from(end_globals_after_exec_run(argv.collect())).expect(line)
        };
        let Some(Command::Up(a)) = parse("up --wait api").command else {
            unreachable!()
        };
        assert_eq!((a.wait.as_deref(), a.services), (Some(""), v("api")));

        let cmd = parse("--dev up --wait=90s api db -- --force-recreate").command;
        let Some(Command::Up(a)) = cmd else {
            unreachable!()
        };
        assert_eq!(a.wait.as_deref(), Some("90s"));
        assert_eq!((a.services, a.extra), (v("api db"), v("--force-recreate")));

        let c = parse("compose --prod -- logs --tail 5 -f api");
        assert!(c.global.prod);
        let Some(Command::Compose(a)) = c.command else {
            unreachable!()
        };
        assert_eq!(a.args, v("logs --tail 5 -f api"));

        let Some(Command::Exec(a)) = parse("exec api ls -la /data").command else {
            unreachable!()
        };
        assert_eq!(a.args, v("api ls -la /data"));
        // Compose's own flags before the service reach `passthrough::split` unchanged, also
        // those that share a name with devctl's global flags (`run -p` publishes a port).
        for line in [
            "exec -T api ls",
            "exec -e A=1 api env",
            "exec --user root api id",
            "run --rm api echo hi",
            "run -p 8080:80 --rm api echo hi",
            "exec --env A=1 api env",
            "run api --rm echo hi",
            "exec -d --dry-run api ls",
        ] {
            let args = match parse(line).command {
                Some(Command::Exec(a) | Command::Run(a)) => a.args,
                other => unreachable!("{line}: {other:?}"),
            };
            assert_eq!(args, v(line)[1..].to_vec(), "{line}");
        }

        let Some(Command::Restart(a)) = parse("restart api --dev").command else {
            unreachable!()
        };
        assert_eq!(a.services, v("api"));
    }

    fn project(services: &[&str], disabled: &[&str]) -> LoadedProject {
        let mut p = Project::default();
        for s in services {
            p.services.insert(s.to_string(), Default::default());
        }
        LoadedProject {
            resolved: Resolved {
                files: vec![],
                project_dir: "/x".into(),
                name: "shop".into(),
                environment: None,
                protected: false,
                env_files: vec![],
                profiles: vec![],
                protected_volumes: vec![],
                ..Default::default()
            },
            json: serde_json::Value::Null,
            project: p,
            disabled_services: disabled
                .iter()
                .map(|s| (s.to_string(), vec!["tools".into()]))
                .collect(),
            provenance: Default::default(),
            warnings: vec![],
        }
    }

    #[test]
    fn service_names_are_checked() {
        let p = project(&["api", "db"], &["adminer"]);
        assert!(check_services(&p, &v("api db adminer")).is_ok());
        assert!(check_services(&p, &[]).is_ok());
        let e = check_services(&p, &v("api apii dbb")).expect_err("unknown");
        assert_eq!(e.exit, crate::error::Exit::Usage);
        assert_eq!(
            e.to_string(),
            "unknown service `apii`, `dbb` in project `shop`\n  hint: known services: api, db, adminer"
        );
    }
}
