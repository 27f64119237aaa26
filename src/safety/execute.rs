//! devctl executes, not `-v`: Compose runs WITHOUT the volume flag (standard input always
//! /dev/null), then devctl removes exactly the planned volumes through the Engine API. The
//! volumes' identity was re-checked before Compose ran (`safety::pin`); each is re-inspected
//! just before its removal, and every planned volume once more afterwards.

use std::io::Read;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use bollard::Docker;
use serde::Serialize;
use wait_timeout::ChildExt;

use super::plan::{DeletionPlan, PlannedVolume, VolumeKind};
use crate::compose::{self, Invocation};
use crate::context::Ctx;
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

/// Label mode: the Compose command line for subcommand `sub` of project `name` WITHOUT
/// compose files (`docker compose -p NAME [--project-directory DIR] <sub…>`; Compose works
/// from the Engine's labels), never interactive.
pub fn compose_call_by_name(
    ctx: &Ctx,
    name: &str,
    project_directory: Option<&std::path::Path>,
    sub: &[String],
) -> Result<Invocation> {
    let detected = compose::detect::detect(&ctx.env)?;
    let mut inv =
        compose::argv::build_by_name(&detected, name, project_directory, ctx.color(), sub);
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
            let compose::guarded::GuardedChild { mut command, check } =
                compose::guarded::guarded(&inv, None)?;
            let out = command
                .stdin(Stdio::null())
                .output()
                .map_err(|e| spawn_err(&inv, e))?;
            check.finish()?;
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

/// How long `docker compose … config` may take before devctl stops it (it reads files only;
/// a hang means something is wrong, e.g. a FIFO or a stuck network file system).
pub const CONFIG_TIMEOUT: Duration = Duration::from_secs(30);

/// Compose's own view of the project: `docker compose … config --format json`, killed after
/// [`CONFIG_TIMEOUT`].
pub fn compose_config_json(inv: &Invocation) -> Result<serde_json::Value> {
    compose_config_json_within(inv, CONFIG_TIMEOUT)
}

/// [`compose_config_json`] with an explicit limit. Standard input is /dev/null; while Compose
/// runs, SIGINT/SIGTERM/SIGHUP sent to devctl are forwarded to it (the same guard as every
/// Compose run), so devctl never leaves it behind; past `limit` it is killed. Either way the
/// answer is an error and nothing is touched.
pub fn compose_config_json_within(inv: &Invocation, limit: Duration) -> Result<serde_json::Value> {
    let (status, stdout, stderr) = capture_within(inv, limit)?;
    if !status.success() {
        let code = compose::run::exit_code(status);
        let how = if code > 128 {
            format!("was stopped by signal {}", code - 128)
        } else {
            "failed".to_string()
        };
        return Err(Error::config(format!(
            "`{}` {how}: {}",
            inv.display(),
            crate::sanitize::sanitize_text(&stderr).trim()
        )));
    }
    serde_json::from_slice(&stdout)
        .map_err(|e| Error::general(format!("`{}` printed no JSON: {e}", inv.display())))
}

/// Run `inv` (stdin /dev/null, stdout and stderr captured) for at most `limit`.
fn capture_within(inv: &Invocation, limit: Duration) -> Result<(ExitStatus, Vec<u8>, Vec<u8>)> {
    // Armed before the spawn, so that a signal in the gap cannot orphan Compose.
    let compose::guarded::GuardedChild { mut command, check } =
        compose::guarded::guarded(inv, None)?;
    let guard = compose::run::ChildSignals::arm();
    let mut child = command
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_err(inv, e))?;
    guard.attach(child.id());
    // Drain both pipes while waiting (a large config would otherwise fill the pipe and block).
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let waited = child.wait_timeout(limit);
    let status = match waited {
        Ok(Some(status)) => status,
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            drop(guard);
            let why = match waited {
                Err(e) => format!("waiting for it failed ({e})"),
                Ok(_) => format!("it did not finish within {} s", limit.as_secs_f32()),
            };
            return Err(Error::general(format!(
                "`{}`: {why}; it was stopped and nothing was touched",
                inv.display()
            ))
            .with_hint("check that `docker compose config` answers for this project"));
        }
    };
    drop(guard);
    check.finish()?;
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok((status, stdout, stderr))
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

/// Pure: is the volume as inspected now (after Compose ran) still the planned one? Its name,
/// driver, labels and mount point count, its content does not (see `safety::pin`); the
/// containers that used it are gone by now, so they are not compared here.
pub fn still_matches(
    planned: &PlannedVolume,
    now: Option<&volumes::VolumeFact>,
) -> Result<(), String> {
    let changes = super::pin::volume_changes(planned, now);
    if changes.is_empty() {
        Ok(())
    } else {
        Err(changes.join("; "))
    }
}

/// Remove exactly the planned volumes (their identity was re-checked before Compose ran),
/// each re-inspected just before removal. A volume that disappeared or is no longer the
/// planned one (e.g. replaced while Compose ran) is kept and reported; a volume in use is
/// kept; the others are removed in the same run. Stops only when the Engine fails.
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
            out.kept.push(AfterVolume {
                name: v.name.clone(),
                status: if now.is_some() { "kept" } else { "gone" }.into(),
                reason: format!("not removed: changed while Compose ran ({why})"),
            });
            continue;
        }
        match volumes::remove(docker, &v.name).await {
            Removal::Removed => out.removed.push(v.name.clone()),
            Removal::InUse(msg) => out.kept.push(AfterVolume {
                name: v.name.clone(),
                status: "kept".into(),
                reason: format!("in use: {}", sanitize_str(&msg)),
            }),
            Removal::NotFound => out.kept.push(AfterVolume {
                name: v.name.clone(),
                status: "gone".into(),
                reason: "disappeared during removal".into(),
            }),
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
    if plan.at_risk.is_empty() {
        return;
    }
    let containers = match volumes::gather(docker, None).await {
        Ok(f) => Some(f.containers),
        Err(_) => None,
    };
    for v in &plan.at_risk {
        let now = volumes::inspect(docker, &v.name).await.ok().flatten();
        let mounted = containers
            .as_ref()
            .map(|cs| cs.iter().any(|c| c.mounts_volume(&v.name)));
        out.kept.push(after_at_risk(v, now.as_ref(), mounted));
    }
}

/// Pure: what became of a volume Compose put at risk (`up -V`, `-y`). `mounted`: whether a
/// container mounts it now (`None`: the Engine did not say).
pub fn after_at_risk(
    v: &PlannedVolume,
    now: Option<&volumes::VolumeFact>,
    mounted: Option<bool>,
) -> AfterVolume {
    let (status, reason) = match now {
        Some(f) if f.created_at != v.created_at => (
            "replaced",
            "Compose recreated it: a new, empty volume has this name".to_string(),
        ),
        None => ("removed", "no longer on the Engine".to_string()),
        Some(_) => match (v.kind, mounted) {
            (VolumeKind::Anonymous, Some(false)) => (
                "orphaned",
                format!(
                    "no container mounts it any more (Compose gave the container a new anonymous                      volume); its data is still in it: `devctl volume rm {}` deletes it",
                    v.name
                ),
            ),
            (_, Some(true)) => ("kept", "still present and mounted".to_string()),
            _ => ("kept", "still present".to_string()),
        },
    };
    AfterVolume {
        name: v.name.clone(),
        status: status.into(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::volumes::VolumeFact;

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
            driver: "local".into(),
            mountpoint: None,
        }
    }

    fn sh(script: &str) -> Invocation {
        Invocation {
            program: "sh".into(),
            args: vec!["-c".into(), script.into()],
            interactive: false,
        }
    }

    #[test]
    fn compose_config_is_killed_after_its_limit() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let pidfile = tmp.path().join("pid");
        let script = format!("echo $$ > '{}'; exec sleep 30", pidfile.display());
        let start = std::time::Instant::now();
        let e = compose_config_json_within(&sh(&script), Duration::from_millis(500))
            .expect_err("times out");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        assert!(
            e.message.contains("did not finish within 0.5 s"),
            "{}",
            e.message
        );
        assert!(e.message.contains("nothing was touched"), "{}", e.message);
        let pid = std::fs::read_to_string(&pidfile).expect("pid written");
        // Killed and reaped: the pid no longer exists.
        let alive = std::path::Path::new(&format!("/proc/{}", pid.trim())).exists();
        assert!(!alive, "the Compose child {} is still there", pid.trim());
    }

    #[test]
    fn compose_config_answers() {
        let ok = compose_config_json_within(&sh("echo '{\"a\": 1}'"), Duration::from_secs(10));
        assert_eq!(ok.expect("json")["a"], 1);
        // Output larger than a pipe buffer does not block.
        let big = compose_config_json_within(
            &sh("printf '\"'; head -c 300000 /dev/zero | tr '\\0' x; printf '\"'"),
            Duration::from_secs(10),
        );
        assert_eq!(big.expect("big json").as_str().map(str::len), Some(300000));
        let e = compose_config_json_within(&sh("echo broken >&2; exit 3"), Duration::from_secs(10))
            .expect_err("fails");
        assert!(e.message.contains("failed: broken"), "{}", e.message);
        let e = compose_config_json_within(&sh("kill -TERM $$"), Duration::from_secs(10))
            .expect_err("killed");
        assert!(e.message.contains("stopped by signal 15"), "{}", e.message);
    }

    fn fact(created: &str) -> VolumeFact {
        VolumeFact {
            name: "shop_db".into(),
            driver: "local".into(),
            created_at: Some(created.into()),
            labels: Default::default(),
            size_bytes: None,
            ref_count: None,
            mountpoint: None,
        }
    }

    #[test]
    fn recheck_against_the_pinned_plan() {
        assert_eq!(
            still_matches(&planned(), Some(&fact("2026-11-21T19:52:58Z"))),
            Ok(())
        );
        // Files created/removed inside moved CreatedAt: still the same volume.
        assert_eq!(
            still_matches(&planned(), Some(&fact("2026-11-21T20:00:00Z"))),
            Ok(())
        );
        let mut relabelled = fact("2026-11-21T19:52:58Z");
        relabelled.labels.insert("x".into(), "1".into());
        let e = still_matches(&planned(), Some(&relabelled)).expect_err("changed");
        assert!(e.contains("labels changed"), "{e}");
        let e = still_matches(&planned(), None).expect_err("gone");
        assert!(e.contains("no longer exists"), "{e}");
    }

    #[test]
    fn what_became_of_an_at_risk_volume() {
        let anon = PlannedVolume {
            kind: VolumeKind::Anonymous,
            ..planned()
        };
        let named = planned();
        let same = fact("2026-11-21T19:52:58Z");
        let newer = fact("2026-11-21T20:00:00Z");
        type Case<'a> = (
            &'a str,
            &'a PlannedVolume,
            Option<&'a VolumeFact>,
            Option<bool>,
            &'a str,
            &'a str,
        );
        let cases: Vec<Case<'_>> = vec![
            (
                "anon orphaned by up -V",
                &anon,
                Some(&same),
                Some(false),
                "orphaned",
                "no container mounts it",
            ),
            (
                "anon still mounted",
                &anon,
                Some(&same),
                Some(true),
                "kept",
                "mounted",
            ),
            (
                "anon, mounts unknown",
                &anon,
                Some(&same),
                None,
                "kept",
                "still present",
            ),
            (
                "named recreated by -y",
                &named,
                Some(&newer),
                Some(true),
                "replaced",
                "new, empty",
            ),
            (
                "named untouched",
                &named,
                Some(&same),
                Some(true),
                "kept",
                "mounted",
            ),
            (
                "named not mounted",
                &named,
                Some(&same),
                Some(false),
                "kept",
                "still present",
            ),
            ("gone", &anon, None, Some(false), "removed", "no longer"),
        ];
        for (name, v, now, mounted, status, reason) in cases {
            let a = after_at_risk(v, now, mounted);
            assert_eq!(a.status, status, "{name}");
            assert!(a.reason.contains(reason), "{name}: {}", a.reason);
        }
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
