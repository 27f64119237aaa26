//! devctl executes, not `-v`: Compose runs WITHOUT the volume flag (standard input always
//! /dev/null), then devctl removes exactly the planned volumes through the Engine API, each
//! re-checked against the pinned plan (name + creation time) just before removal. Anything
//! changed → stop and report. Afterwards every planned volume is re-inspected.

use std::process::{Command, Stdio};

use bollard::Docker;
use serde::Serialize;

use super::plan::{DeletionPlan, PlannedVolume};
use crate::commands::Ctx;
use crate::compose::{self, Invocation};
use crate::engine::volumes::{self, Removal};
use crate::error::{Error, Result};
use crate::project::LoadedProject;
use crate::sanitize::sanitize_str;

/// Where Compose's output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Inherit devctl's stdout/stderr (CLI).
    Inherit,
    /// Capture it and return it in the outcome (dashboard).
    Capture,
}

/// The Compose command line for subcommand `sub` of the loaded project (layered files, `-p`
/// pinned to the project the plan was built for), never interactive: Compose's standard input
/// is /dev/null during a guarded operation.
pub fn compose_call(ctx: &Ctx, project: &LoadedProject, sub: &[String]) -> Result<Invocation> {
    let mut inv = compose::invocation(ctx, project, sub)?;
    inv.interactive = false;
    Ok(inv)
}

/// Run a Compose call with standard input at /dev/null. Returns the exit code and, for
/// [`Output::Capture`], its stdout+stderr (sanitised).
pub fn run_compose(inv: &Invocation, output: Output) -> Result<(i32, String)> {
    let mut inv = inv.clone();
    // devctl never hands its own standard input to Compose during a guarded operation.
    inv.interactive = false;
    match output {
        Output::Inherit => Ok((compose::run(&inv)?, String::new())),
        Output::Capture => {
            let out = Command::new(&inv.program)
                .args(&inv.args)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| spawn_err(&inv, e))?;
            let mut text = crate::sanitize::sanitize_text(&out.stdout);
            text.push_str(&crate::sanitize::sanitize_text(&out.stderr));
            Ok((compose::run::exit_code(out.status), text))
        }
    }
}

fn spawn_err(inv: &Invocation, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        compose::detect::missing()
    } else {
        Error::general(format!("cannot run `{}`: {e}", inv.display()))
    }
}

/// Compose's own view of the project: `docker compose … config --format json`.
pub fn compose_config_json(inv: &Invocation) -> Result<serde_json::Value> {
    let out = Command::new(&inv.program)
        .args(&inv.args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| spawn_err(inv, e))?;
    if !out.status.success() {
        return Err(Error::config(format!(
            "`{}` failed: {}",
            inv.display(),
            crate::sanitize::sanitize_text(&out.stderr).trim()
        )));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| Error::general(format!("`{}` printed no JSON: {e}", inv.display())))
}

/// A volume after execution, and why it is still there (or not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AfterVolume {
    pub name: String,
    /// `removed`, `kept`, `not-attempted`.
    pub status: String,
    pub reason: String,
}

/// What execution did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The Compose command run and its exit code.
    pub compose: Option<(String, i32)>,
    /// Compose's output when captured.
    #[serde(skip)]
    pub compose_output: String,
    pub snapshots: Vec<String>,
    pub removed: Vec<String>,
    pub kept: Vec<AfterVolume>,
    /// Why execution stopped before the end of the plan, if it did.
    pub stopped: Option<String>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.stopped.is_none() && self.compose.as_ref().is_none_or(|(_, c)| *c == 0)
    }

    /// One line per volume, for the terminal.
    pub fn report(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.snapshots {
            out.push(format!("snapshot  {s}"));
        }
        for r in &self.removed {
            out.push(format!("removed   {r}"));
        }
        for k in &self.kept {
            out.push(format!("{:<9} {}: {}", k.status, k.name, k.reason));
        }
        if let Some(s) = &self.stopped {
            out.push(format!("STOPPED   {s}"));
        }
        out
    }
}

/// Pure: does the volume as inspected now still match the pinned plan entry?
pub fn still_matches(
    planned: &PlannedVolume,
    now: Option<&volumes::VolumeFact>,
) -> Result<(), String> {
    match now {
        None => Err(format!(
            "volume `{}` disappeared since the plan was shown",
            planned.name
        )),
        Some(v) if v.name != planned.name || v.created_at != planned.created_at => Err(format!(
            "volume `{}` changed since the plan was shown (created {}, plan pinned {})",
            planned.name,
            v.created_at.as_deref().unwrap_or("?"),
            planned.created_at.as_deref().unwrap_or("?")
        )),
        Some(_) => Ok(()),
    }
}

/// Remove exactly the planned volumes, each re-checked just before removal. Stops at the
/// first volume that changed; a volume in use is kept (and the rest continue).
pub async fn remove_planned(docker: &Docker, plan: &DeletionPlan, out: &mut Outcome) {
    for (i, v) in plan.remove.iter().enumerate() {
        let now = match volumes::inspect(docker, &v.name).await {
            Ok(n) => n,
            Err(e) => {
                out.stopped = Some(e.to_string());
                not_attempted(plan, i, out);
                return;
            }
        };
        if let Err(why) = still_matches(v, now.as_ref()) {
            out.stopped = Some(why);
            not_attempted(plan, i, out);
            return;
        }
        match volumes::remove(docker, &v.name).await {
            Removal::Removed => out.removed.push(v.name.clone()),
            Removal::InUse(msg) => out.kept.push(AfterVolume {
                name: v.name.clone(),
                status: "kept".into(),
                reason: format!("in use: {}", sanitize_str(&msg)),
            }),
            Removal::NotFound => {
                out.stopped = Some(format!("volume `{}` disappeared during removal", v.name));
                not_attempted(plan, i + 1, out);
                return;
            }
            Removal::Failed(msg) => {
                out.stopped = Some(format!(
                    "cannot remove `{}`: {}",
                    v.name,
                    sanitize_str(&msg)
                ));
                not_attempted(plan, i, out);
                return;
            }
        }
    }
}

fn not_attempted(plan: &DeletionPlan, from: usize, out: &mut Outcome) {
    for v in plan.remove.iter().skip(from) {
        out.kept.push(AfterVolume {
            name: v.name.clone(),
            status: "kept".into(),
            reason: "not attempted (execution stopped)".into(),
        });
    }
}

/// Re-inspect after execution: confirm removals, and report the kept volumes as they are now.
pub async fn reinspect(docker: &Docker, plan: &DeletionPlan, out: &mut Outcome) {
    let mut still = Vec::new();
    for r in &out.removed {
        if let Ok(Some(_)) = volumes::inspect(docker, r).await {
            still.push(r.clone());
        }
    }
    for s in still {
        out.removed.retain(|r| *r != s);
        out.kept.push(AfterVolume {
            name: s,
            status: "kept".into(),
            reason: "the Engine still lists it after removal".into(),
        });
    }
    for k in &plan.kept {
        let present = matches!(volumes::inspect(docker, &k.name).await, Ok(Some(_)));
        if present {
            out.kept.push(AfterVolume {
                name: k.name.clone(),
                status: "kept".into(),
                reason: k.reason.clone(),
            });
        }
    }
    for v in &plan.at_risk {
        let present = matches!(volumes::inspect(docker, &v.name).await, Ok(Some(ref f)) if f.created_at == v.created_at);
        out.kept.push(AfterVolume {
            name: v.name.clone(),
            status: if present { "kept" } else { "replaced" }.into(),
            reason: if present {
                "still present (Compose did not recreate it)".into()
            } else {
                "Compose recreated or detached it".into()
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::volumes::VolumeFact;
    use crate::safety::plan::VolumeKind;

    fn planned() -> PlannedVolume {
        PlannedVolume {
            name: "shop_db".into(),
            key: Some("db".into()),
            kind: VolumeKind::Named,
            external: false,
            protected: false,
            created_at: Some("2026-11-21T19:52:58Z".into()),
            size_bytes: None,
            labels: Default::default(),
            mounted_by: vec![],
        }
    }

    fn fact(created: &str) -> VolumeFact {
        VolumeFact {
            name: "shop_db".into(),
            driver: "local".into(),
            created_at: Some(created.into()),
            labels: Default::default(),
            size_bytes: None,
            ref_count: None,
        }
    }

    #[test]
    fn recheck_against_the_pinned_plan() {
        assert_eq!(
            still_matches(&planned(), Some(&fact("2026-11-21T19:52:58Z"))),
            Ok(())
        );
        let e =
            still_matches(&planned(), Some(&fact("2026-11-21T20:00:00Z"))).expect_err("changed");
        assert!(e.contains("changed"), "{e}");
        let e = still_matches(&planned(), None).expect_err("gone");
        assert!(e.contains("disappeared"), "{e}");
    }

    #[test]
    fn report_lines() {
        let o = Outcome {
            removed: vec!["a".into()],
            kept: vec![AfterVolume {
                name: "b".into(),
                status: "kept".into(),
                reason: "external".into(),
            }],
            ..Default::default()
        };
        assert!(o.ok());
        assert_eq!(o.report(), vec!["removed   a", "kept      b: external"]);
    }
}
