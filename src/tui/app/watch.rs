//! The dashboard's `docker compose watch`: started behind the Engine guard like every Compose
//! child, its output folded into event lines (the same parser as `devctl watch`) that stream
//! into the operation; stopped with SIGINT (Compose's own Ctrl-C).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::exec::finished;
use crate::compose::watch::{self as cw, Tracker};
use crate::context::Ctx;
use crate::project::LoadedProject;
use crate::tui::msg::{Msg, OpEvent, OpId};

fn output(tx: &UnboundedSender<Msg>, op: OpId, line: String) -> bool {
    tx.send(Msg::Op(OpEvent::Output { op, line })).is_ok()
}

/// Start watch into op `op`; its (op, pid) while it runs.
pub(crate) fn start(
    ctx: &Ctx,
    project: &LoadedProject,
    op: OpId,
    tx: UnboundedSender<Msg>,
) -> Option<(OpId, u32)> {
    let sub = vec!["watch".to_string(), "--no-up".to_string()];
    let mut inv = match crate::compose::invocation(ctx, project, &sub) {
        Ok(inv) => inv,
        Err(e) => {
            finished(&tx, op, Err(e.to_string()));
            return None;
        }
    };
    let at = inv.args.len().saturating_sub(sub.len());
    inv.args.insert(at, "--verbose".into());
    let _ = tx.send(Msg::Op(OpEvent::Started {
        op,
        command: inv.display(),
    }));
    let tracker = Arc::new(Mutex::new(Tracker::new(&project.resolved.project_dir)));
    let (ltx, t2) = (tx.clone(), Arc::clone(&tracker));
    let on_line = move |line: String| {
        let parsed = cw::parse(&line);
        let Ok(mut t) = t2.lock() else { return false };
        let mut ok = true;
        match &parsed {
            cw::Line::Enabled => ok = output(&ltx, op, "watching for changes".into()),
            cw::Line::Other(text) if !t.in_build() && !text.trim().is_empty() => {
                ok = output(&ltx, op, text.clone());
            }
            _ => {}
        }
        for ev in t.feed(&parsed, Instant::now()) {
            ok &= output(&ltx, op, ev.text());
            if let Some(e) = &ev.error {
                ok &= output(&ltx, op, format!("  error: {e}"));
            }
            for l in &ev.lines {
                ok &= output(&ltx, op, format!("  | {l}"));
            }
        }
        ok
    };
    match cw::spawn(&inv, Some(&ctx.env), on_line, false) {
        Ok(child) => {
            let pid = child.id();
            std::thread::spawn(move || {
                let result = child.wait().map_err(|e| e.to_string());
                finished(&tx, op, result);
            });
            Some((op, pid))
        }
        Err(e) => {
            finished(&tx, op, Err(e.to_string()));
            None
        }
    }
}

/// Stop the watch of op `op` (if it is the running one).
pub(crate) fn stop(watch: &mut Option<(OpId, u32)>, op: OpId) {
    if watch.is_some_and(|(o, _)| o == op) {
        stop_any(watch);
    }
}

/// Stop the running watch, if any (also when the dashboard exits).
pub(crate) fn stop_any(watch: &mut Option<(OpId, u32)>) {
    if let Some((_, pid)) = watch.take()
        && let Ok(pid) = i32::try_from(pid)
    {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGINT,
        );
    }
}
