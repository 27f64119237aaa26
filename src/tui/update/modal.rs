//! Keys for modals (they get input first) and the replies that open them. A confirmation
//! modal only queues its action as a `Cmd`; it never runs anything itself.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{flash, new_op};
use crate::tui::model::{Confirm, ConfirmFocus, Level, Modal, Model};
use crate::tui::msg::{Cmd, EnvPreview, PlanView};

pub(super) fn on_plan(m: &mut Model, result: Result<PlanView, String>, cmds: &mut Vec<Cmd>) {
    // A reply nobody waits for any more (the user pressed Esc) is dropped.
    if m.modal != Some(Modal::PlanLoading) {
        return;
    }
    match result {
        // Nothing to delete is not a question (as on the command line): `down` runs without
        // volumes, and the flash says so.
        Ok(plan) if plan.volumes.is_empty() && plan.blocked.is_none() => {
            m.modal = None;
            if let Some(reason) = m.read_only_reason() {
                flash(
                    m,
                    Level::Warn,
                    format!("READ-ONLY: not running `down`: {reason}"),
                );
            } else {
                let kept = if plan.kept.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; kept: {}",
                        plan.kept
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                flash(
                    m,
                    Level::Info,
                    format!(
                        "nothing to delete: no volume of `{}` would be removed — running `down` \
                         (containers and networks){kept}",
                        plan.project
                    ),
                );
                let op = new_op(m, "down all services", m.now);
                cmds.push(Cmd::Compose {
                    op,
                    args: vec!["down".into()],
                });
            }
        }
        Ok(plan) => m.modal = Some(Modal::Confirm(Confirm::new(plan))),
        Err(e) => {
            m.modal = None;
            flash(
                m,
                Level::Error,
                format!("no deletion plan: {e} (nothing was deleted)"),
            );
        }
    }
    m.dirty = true;
}

pub(super) fn on_env_preview(m: &mut Model, result: Result<EnvPreview, String>) {
    let waiting = matches!(&m.modal, Some(Modal::EnvLoading { environment })
        if result.as_ref().map_or(true, |p| &p.environment == environment));
    if !waiting {
        return;
    }
    match result {
        Ok(p) => m.modal = Some(Modal::EnvSwitch(p)),
        Err(e) => {
            m.modal = None;
            flash(m, Level::Error, format!("cannot switch environment: {e}"));
        }
    }
    m.dirty = true;
}

fn is_cancel(k: &KeyEvent) -> bool {
    k.code == KeyCode::Esc
        || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL))
}

pub(super) fn on_key(m: &mut Model, k: KeyEvent, cmds: &mut Vec<Cmd>) {
    let Some(modal) = m.modal.take() else {
        return;
    };
    m.modal = match modal {
        Modal::Help { scroll } => match k.code {
            _ if is_cancel(&k) => None,
            KeyCode::Char('q' | '?') | KeyCode::Enter => None,
            KeyCode::Down | KeyCode::Char('j') => Some(Modal::Help {
                scroll: scroll.saturating_add(1),
            }),
            KeyCode::Up | KeyCode::Char('k') => Some(Modal::Help {
                scroll: scroll.saturating_sub(1),
            }),
            _ => Some(Modal::Help { scroll }),
        },
        Modal::Details { service, scroll } => {
            let scroll = match k.code {
                _ if is_cancel(&k) => return,
                KeyCode::Char('q') | KeyCode::Enter => return,
                KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                KeyCode::PageDown => scroll.saturating_add(10),
                KeyCode::PageUp => scroll.saturating_sub(10),
                KeyCode::Home | KeyCode::Char('g') => 0,
                _ => scroll,
            };
            Some(Modal::Details { service, scroll })
        }
        Modal::PlanLoading => {
            if is_cancel(&k) {
                flash(m, Level::Info, "cancelled: nothing was deleted");
                None
            } else {
                Some(Modal::PlanLoading)
            }
        }
        Modal::EnvLoading { environment } => {
            if is_cancel(&k) {
                None
            } else {
                Some(Modal::EnvLoading { environment })
            }
        }
        Modal::EnvSwitch(p) => env_switch_key(m, p, k, cmds),
        Modal::Confirm(c) => confirm_key(m, c, k, cmds),
    };
}

fn env_switch_key(m: &mut Model, p: EnvPreview, k: KeyEvent, cmds: &mut Vec<Cmd>) -> Option<Modal> {
    if is_cancel(&k) {
        return None;
    }
    match k.code {
        KeyCode::Enter => {
            cmds.push(Cmd::SwitchEnv {
                environment: p.environment,
                up: None,
            });
            None
        }
        KeyCode::Char('u') => {
            let refusal = m.read_only_reason().or_else(|| {
                p.protected
                    .then(|| format!("`{}` is a protected environment", p.environment))
            });
            if let Some(reason) = refusal {
                flash(
                    m,
                    Level::Warn,
                    format!("READ-ONLY: not running `up`: {reason}; Enter switches the view only"),
                );
                return Some(Modal::EnvSwitch(p));
            }
            if m.running_op().is_some() {
                flash(
                    m,
                    Level::Warn,
                    "an operation is still running; wait for it to finish",
                );
                return Some(Modal::EnvSwitch(p));
            }
            let op = new_op(m, format!("up ({})", p.environment), m.now);
            cmds.push(Cmd::SwitchEnv {
                environment: p.environment,
                up: Some(op),
            });
            None
        }
        _ => Some(Modal::EnvSwitch(p)),
    }
}

fn confirm_key(m: &mut Model, mut c: Confirm, k: KeyEvent, cmds: &mut Vec<Cmd>) -> Option<Modal> {
    if is_cancel(&k) {
        flash(m, Level::Info, "cancelled: nothing was deleted");
        return None;
    }
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let order = [
        ConfirmFocus::Cancel,
        ConfirmFocus::Input,
        ConfirmFocus::Snapshot,
        ConfirmFocus::Confirm,
    ];
    let pos = order.iter().position(|f| *f == c.focus).unwrap_or(0);
    c.note = None;
    match k.code {
        KeyCode::Tab | KeyCode::Down => c.focus = order[(pos + 1) % order.len()],
        KeyCode::BackTab | KeyCode::Up => c.focus = order[(pos + order.len() - 1) % order.len()],
        KeyCode::Char('u') if ctrl => {
            c.typed.clear();
            c.done.clear();
            c.focus = ConfirmFocus::Input;
        }
        KeyCode::Backspace => {
            c.typed.pop();
            c.focus = ConfirmFocus::Input;
        }
        KeyCode::Char(' ') if c.focus == ConfirmFocus::Snapshot => {
            c.snapshot_first = !c.snapshot_first
        }
        KeyCode::Char(ch) if !ctrl => {
            c.typed.push(ch);
            c.focus = ConfirmFocus::Input;
        }
        KeyCode::Enter => match c.focus {
            ConfirmFocus::Cancel => {
                flash(m, Level::Info, "cancelled: nothing was deleted");
                return None;
            }
            ConfirmFocus::Snapshot => c.snapshot_first = !c.snapshot_first,
            ConfirmFocus::Input | ConfirmFocus::Confirm => {
                if let Some(why) = &c.plan.blocked {
                    c.note = Some(format!("refused: {why}; nothing will be deleted"));
                    return Some(Modal::Confirm(c));
                }
                if !c.matches() && !c.accept() {
                    let want = c.current_word().unwrap_or_default().to_string();
                    c.note = Some(format!(
                        "`{}` does not match `{want}`: nothing will be deleted",
                        c.typed
                    ));
                    return Some(Modal::Confirm(c));
                }
                if !c.matches() {
                    let next = c.current_word().unwrap_or_default().to_string();
                    c.note = Some(format!("accepted; now type `{next}`"));
                    c.focus = ConfirmFocus::Input;
                    return Some(Modal::Confirm(c));
                }
                if let Some(reason) = m.read_only_reason() {
                    flash(
                        m,
                        Level::Warn,
                        format!("READ-ONLY: not deleting anything: {reason}"),
                    );
                    return None;
                }
                let op = new_op(m, "down + delete volumes", m.now);
                cmds.push(Cmd::ExecutePlan {
                    op,
                    words: c.done,
                    snapshot_first: c.snapshot_first,
                    token: c.plan.token,
                });
                return None;
            }
        },
        _ => {}
    }
    Some(Modal::Confirm(c))
}
