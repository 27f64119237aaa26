//! `update(&mut Model, Msg) -> Vec<Cmd>`: the only place the dashboard's state changes.
//! It performs no I/O; everything it wants done is returned as a `Cmd`.

mod keys;
mod logs;
mod modal;

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::engine::model::ProjectListing;
use crate::tui::model::{
    Connection, Flash, HISTORY, Level, Model, OP_LINES, OPS_KEPT, Op, OpStatus,
};
use crate::tui::msg::{Cmd, EngineEvent, LogLine, Msg, OpEvent, OpId};

pub use logs::{bottom_seq, visible_log_height};

pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    match msg {
        Msg::Key(k) => {
            if k.kind != crossterm::event::KeyEventKind::Release && !m.suspended {
                m.dirty = true;
                keys::on_key(m, k, &mut cmds);
            }
        }
        Msg::Resize { width, height } => {
            m.width = width;
            m.height = height;
            m.dirty = true;
        }
        Msg::Tick(now) => {
            m.now = now;
            m.dirty = true;
        }
        Msg::Engine(e) => on_engine(m, e),
        Msg::Log(line) => on_log(m, line),
        Msg::Op(e) => on_op(m, e),
        Msg::Plan(result) => modal::on_plan(m, result, &mut cmds),
        Msg::EnvPreview(result) => modal::on_env_preview(m, result),
        Msg::ProjectSwitched(info) => {
            let env = info.environment.clone().unwrap_or_else(|| "default".into());
            m.info = *info;
            for s in m
                .info
                .services
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
            {
                m.logs.intern(&s);
            }
            if let Some(sel) = &m.selected
                && m.info.service(sel).is_none()
            {
                m.selected = None;
            }
            let note = if m.info.protected {
                " (protected: read-only)"
            } else {
                ""
            };
            flash(
                m,
                Level::Info,
                format!("switched to environment `{env}`{note}"),
            );
        }
        Msg::ShellDone { service, result } => {
            m.suspended = false;
            match result {
                Ok(code) => flash(
                    m,
                    Level::Info,
                    format!("shell in `{service}` exited ({code})"),
                ),
                Err(e) => flash(m, Level::Error, format!("shell in `{service}` failed: {e}")),
            }
        }
        Msg::ComposeVersion(v) => {
            m.versions.compose = v;
            m.dirty = true;
        }
        Msg::Signal(s) => {
            m.quit = Some(s.exit_code());
            cmds.push(Cmd::Quit(s.exit_code()));
        }
    }
    cmds
}

pub(crate) fn flash(m: &mut Model, level: Level, text: impl Into<String>) {
    m.flash = Some(Flash {
        level,
        text: text.into(),
    });
    m.dirty = true;
}

fn on_engine(m: &mut Model, e: EngineEvent) {
    match e {
        EngineEvent::Connected {
            engine_version,
            api_version,
            context,
        } => {
            m.connection = Connection::Connected;
            m.versions.engine = engine_version.or(m.versions.engine.take());
            m.versions.api = api_version.or(m.versions.api.take());
            m.versions.context = context.or(m.versions.context.take());
            m.dirty = true;
        }
        EngineEvent::Disconnected { reason } => {
            m.connection = Connection::Disconnected { reason };
            m.usage.clear();
            m.dirty = true;
        }
        EngineEvent::Snapshot(s) => {
            if m.snapshot.as_ref() != Some(&s) {
                // Forget usage of services that no longer run.
                m.usage.retain(|name, _| {
                    s.services.iter().any(|x| {
                        &x.name == name
                            && x.containers
                                .iter()
                                .any(|c| c.state == crate::engine::model::ContainerState::Running)
                    })
                });
                m.snapshot = Some(s);
                m.dirty = true;
            }
            if m.connection != Connection::Connected {
                m.connection = Connection::Connected;
                m.dirty = true;
            }
        }
        EngineEvent::ServiceChanged(status) => {
            let snap = m.snapshot.get_or_insert_with(|| ProjectListing {
                project: m.info.name.clone(),
                services: Vec::new(),
            });
            match snap.services.iter_mut().find(|s| s.name == status.name) {
                Some(slot) if *slot == status => return,
                Some(slot) => *slot = status,
                None => snap.services.push(status),
            }
            m.dirty = true;
        }
        EngineEvent::Usage { service, usage } => {
            m.usage.insert(service.clone(), usage);
            let h = m.history.entry(service).or_default();
            if h.len() >= HISTORY {
                h.pop_front();
            }
            h.push_back(usage.cpu_percent);
            // Stats refresh on screen at the configured pace, not at the stream's pace.
            let due = match (m.usage_shown_at, m.config.stats_refresh) {
                (None, _) => true,
                (Some(at), Some(every)) => {
                    (m.now - at).to_std().map(|d| d >= every).unwrap_or(true)
                }
                (Some(_), None) => false,
            };
            if due {
                m.usage_shown_at = Some(m.now);
                m.dirty = true;
            }
        }
    }
}

fn on_log(m: &mut Model, line: LogLine) {
    let visible_before =
        m.log_source().is_none() || m.selected.as_deref() == Some(line.service.as_str());
    m.logs
        .push(&line.service, line.timestamp, line.stderr, line.text);
    if visible_before {
        m.dirty = true;
    }
}

/// Start a new operation; returns its id.
pub(crate) fn new_op(m: &mut Model, title: impl Into<String>, now: DateTime<Utc>) -> OpId {
    let id = m.next_op;
    m.next_op += 1;
    if m.ops.len() >= OPS_KEPT
        && let Some(pos) = m.ops.iter().position(|o| o.status != OpStatus::Running)
    {
        m.ops.remove(pos);
    }
    m.ops.push_back(Op {
        id,
        title: title.into(),
        command: None,
        started: now,
        ended: None,
        status: OpStatus::Running,
        output: VecDeque::new(),
    });
    m.ops_scroll = 0;
    m.dirty = true;
    id
}

fn on_op(m: &mut Model, e: OpEvent) {
    let now = m.now;
    let id = match &e {
        OpEvent::Started { op, .. } | OpEvent::Output { op, .. } | OpEvent::Finished { op, .. } => {
            *op
        }
    };
    let Some(op) = m.ops.iter_mut().find(|o| o.id == id) else {
        return;
    };
    match e {
        OpEvent::Started { command, .. } => op.command = Some(command),
        OpEvent::Output { line, .. } => {
            if op.output.len() >= OP_LINES {
                op.output.pop_front();
            }
            op.output.push_back(line);
        }
        OpEvent::Finished { result, .. } => {
            if m.devloop.watch_op == Some(id) {
                m.devloop.watch_op = None;
            }
            op.ended = Some(now);
            let (level, text) = match &result {
                Ok(0) => (Level::Info, format!("`{}` finished", op.title)),
                Ok(c) => (
                    Level::Error,
                    format!("`{}` failed with exit code {c}", op.title),
                ),
                Err(e) => (Level::Error, format!("`{}` failed: {e}", op.title)),
            };
            op.status = match result {
                Ok(c) => OpStatus::Finished(c),
                Err(e) => OpStatus::Failed(e),
            };
            flash(m, level, text);
        }
    }
    m.dirty = true;
}

#[cfg(test)]
mod tests;
