//! `devctl doctor [--dev|--prod|--env NAME] [--json] [--offline]`: pre-flight checks.
//!
//! A short script over the layers: load the project, read the files around it, ask the
//! Engine (unless `--offline` or unreachable), run the pure checks, print the report.
//! Exit code: 0 without error findings, 1 (`Exit::Error`) with at least one. When the project
//! itself does not load, the report is still printed — environment facts, the load error as one
//! finding, and every check that needs only the files as written (`.env` and its template,
//! variables, literal secrets), since their findings are often why it does not load — and the
//! exit code is the loader's, as for every other command: 2 for a usage error such as an
//! unknown environment, 3 for a configuration error.

use std::collections::BTreeSet;

use clap::Args;

use super::Ctx;
use crate::doctor::engine_facts::{self, EngineFacts};
use crate::doctor::environment::{self, EnvReport};
use crate::doctor::render::{ProjectInfo, Report};
use crate::doctor::{self, DoctorInput, EngineState, Finding, Severity, health, ports};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Machine-readable output (schema `devctl.doctor/v1`, see the README).
    #[arg(long)]
    pub json: bool,
    /// Do not contact the Docker Engine: skip the checks that need it.
    #[arg(long)]
    pub offline: bool,
}

pub fn run(ctx: &Ctx, args: &DoctorArgs) -> Result<u8> {
    let mut env_report = EnvReport {
        compose: environment::compose_info(&ctx.env),
        context: Some(environment::docker_context(&ctx.env)),
        ..Default::default()
    };
    let endpoint = crate::engine::connect::resolve(&ctx.env).ok();
    if let Some(ep) = &endpoint {
        env_report.engine.host = Some(ep.host.clone());
        if let crate::engine::connect::Source::Context { name, .. } = &ep.source {
            env_report.context = Some(name.clone());
        }
    }
    // No endpoint resolved: the connection fails below and the port checks never run.
    let local = endpoint
        .as_ref()
        .is_none_or(engine_facts::endpoint_is_local);

    let mut findings: Vec<Finding> = Vec::new();
    let mut project_info = None;
    let mut load_exit = None;
    let mut input = match ctx.load_project() {
        Ok(lp) => {
            project_info = Some(ProjectInfo {
                name: lp.project.name.clone(),
                project_dir: lp.resolved.project_dir.display().to_string(),
                files: lp
                    .resolved
                    .files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect(),
                environment: lp.resolved.environment.clone(),
                protected: lp.resolved.protected,
            });
            let mut input = DoctorInput::gather(&lp, &ctx.cwd, &ctx.env);
            input.explicit_env_file |= !ctx.global.env_files.is_empty();
            Some(input)
        }
        Err(e) => {
            load_exit = Some(e.exit);
            findings.push(
                Finding::new("CONFIG-002-project-invalid", Severity::Error, e.message.clone())
                    .why("Compose would refuse this project too; the checks that need the loaded project wait until it loads (the checks of the files themselves ran).")
                    .fix(e.hint.clone().unwrap_or_else(|| "Run `devctl config` for details.".into())),
            );
            None
        }
    };
    // The project does not load, but its files were found: check them as written.
    let files_only = match (&input, crate::project::resolve(&ctx.project_options())) {
        (None, Ok(resolved)) => {
            let mut i = DoctorInput::gather_files(&resolved, &ctx.cwd, &ctx.env);
            i.explicit_env_file |= !ctx.global.env_files.is_empty();
            Some(i)
        }
        _ => None,
    };

    let state = if args.offline {
        env_report.engine.status = "offline".into();
        EngineState::Offline
    } else {
        match engine_state(ctx, input.as_ref(), local) {
            Ok(f) => {
                env_report.engine.status = "ok".into();
                env_report.engine.version = f.version.clone();
                env_report.engine.api_version = f.api_version.clone();
                EngineState::Facts(f)
            }
            Err(msg) => {
                env_report.engine.status = "unreachable".into();
                env_report.engine.error = Some(msg.clone());
                EngineState::Unreachable(msg)
            }
        }
    };
    findings.extend(environment::findings(&env_report));
    let skipped = match (&mut input, &files_only) {
        (Some(i), _) => {
            i.engine = state;
            findings.extend(doctor::run_checks(i));
            doctor::skipped(i)
        }
        (None, Some(f)) => {
            findings.extend(doctor::run_file_checks(f));
            doctor::skipped_not_loaded()
        }
        (None, None) => Vec::new(),
    };
    let report = Report::new(project_info, env_report, skipped, findings);
    if args.json {
        println!("{}", crate::sanitize::json_safe(report.to_json()));
    } else {
        print!(
            "{}",
            report.to_text(
                &ctx.cwd,
                ctx.color() && std::io::IsTerminal::is_terminal(&std::io::stdout()),
            )
        );
    }
    Ok(load_exit.map_or_else(|| doctor::exit_code(&report.findings), |x| x.code()))
}

/// Connect and gather the Engine facts the checks need (or say why not).
fn engine_state(
    ctx: &Ctx,
    input: Option<&DoctorInput>,
    local: bool,
) -> std::result::Result<EngineFacts, String> {
    let rt = super::runtime().map_err(|e| e.message)?;
    rt.block_on(async {
        let docker = engine_facts::connect(&ctx.env).await?;
        let Some(input) = input else {
            let v = docker.version().await.map_err(|e| e.to_string())?;
            return Ok(EngineFacts {
                version: v.version,
                api_version: v.api_version,
                local,
                ..Default::default()
            });
        };
        let probes = health::probe_requests(input);
        let images: BTreeSet<String> = input
            .project
            .services
            .keys()
            .filter_map(|n| input.service_image(n))
            .collect();
        let published: Vec<(String, String, u16)> = ports::published(input)
            .into_iter()
            .map(|p| (p.protocol, p.host_ip, p.port))
            .collect();
        Ok(engine_facts::gather(
            &docker,
            &input.project.name,
            &probes,
            &images,
            &published,
            local,
        )
        .await)
    })
}
