//! Key routing: modal first, then the footer prompt, then global and per-pane actions.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{flash, logs, modal, new_op};
use crate::tui::keymap::Action;
use crate::tui::layout;
use crate::tui::model::{Focus, Input, InputKind, Level, Modal, Model};
use crate::tui::msg::Cmd;
use crate::tui::rows;

pub(super) fn on_key(m: &mut Model, k: KeyEvent, cmds: &mut Vec<Cmd>) {
    if m.modal.is_some() {
        modal::on_key(m, k, cmds);
        return;
    }
    if crate::tui::devloop::on_key(m, k, cmds) {
        return;
    }
    if m.input.is_some() {
        on_input_key(m, k);
        return;
    }
    m.flash = None;
    if k.code == KeyCode::Esc {
        if !m.filter.is_empty() {
            m.filter.clear();
        } else if m.log_view.search.is_some() {
            m.log_view.search = None;
            m.log_view.hit = None;
        }
        return;
    }
    if let Some(a) = m.config.keys.action_for(&k) {
        on_action(m, a, cmds);
    }
}

fn on_input_key(m: &mut Model, k: KeyEvent) {
    let Some(input) = m.input.as_mut() else {
        return;
    };
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => {
            if input.kind == InputKind::Filter {
                m.filter.clear();
            }
            m.input = None;
        }
        KeyCode::Char('c') if ctrl => {
            if input.kind == InputKind::Filter {
                m.filter.clear();
            }
            m.input = None;
        }
        KeyCode::Char('u') if ctrl => {
            input.text.clear();
            if input.kind == InputKind::Filter {
                m.filter.clear();
            }
        }
        KeyCode::Enter => {
            let Input { kind, text } = m.input.take().unwrap_or(Input {
                kind: InputKind::Filter,
                text: String::new(),
            });
            match kind {
                InputKind::Filter => {
                    m.filter = text;
                    keep_selection_visible(m);
                }
                InputKind::Search => logs::start_search(m, text),
            }
        }
        KeyCode::Backspace => {
            input.text.pop();
            if input.kind == InputKind::Filter {
                m.filter = input.text.clone();
            }
        }
        KeyCode::Char(c) if !ctrl => {
            input.text.push(c);
            if input.kind == InputKind::Filter {
                m.filter = input.text.clone();
            }
        }
        _ => {}
    }
}

/// The selectable entries of the services table: None (all services) then each row.
fn entries(m: &Model) -> Vec<Option<String>> {
    std::iter::once(None)
        .chain(rows::rows(m).into_iter().map(|r| Some(r.name)))
        .collect()
}

fn keep_selection_visible(m: &mut Model) {
    let e = entries(m);
    if !e.contains(&m.selected) {
        m.selected = e.get(1).cloned().flatten();
        reset_log_view(m);
    }
}

fn move_selection(m: &mut Model, delta: isize) {
    let e = entries(m);
    let cur = e.iter().position(|x| *x == m.selected).unwrap_or(0) as isize;
    let next = (cur + delta).clamp(0, e.len() as isize - 1) as usize;
    if e[next] != m.selected {
        m.selected = e[next].clone();
        reset_log_view(m);
    }
}

fn reset_log_view(m: &mut Model) {
    m.log_view.follow = true;
    m.log_view.anchor = None;
    m.log_view.hit = None;
}

fn focus_cycle(m: &mut Model, forward: bool) {
    let mut order = vec![Focus::Services, Focus::Logs];
    if !m.ops.is_empty() {
        order.push(Focus::Ops);
    }
    let i = order.iter().position(|f| *f == m.focus).unwrap_or(0);
    let n = order.len();
    m.focus = order[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }];
}

fn ops_page(m: &Model) -> usize {
    let n = rows::rows(m).len();
    layout::areas(m, layout::screen(m), n).map_or(1, |a| layout::inner_height(a.ops).max(1))
}

/// Scroll the operations pane, never past its first line.
fn set_ops_scroll(m: &mut Model, to: usize) {
    let total: usize = m.ops.iter().map(|o| o.output.len() + 1).sum();
    m.ops_scroll = to.min(total.saturating_sub(ops_page(m)));
}

fn on_action(m: &mut Model, a: Action, cmds: &mut Vec<Cmd>) {
    if a.is_mutating() {
        on_mutating(m, a, cmds);
        return;
    }
    let page = logs::visible_log_height(m).max(2) - 1;
    match a {
        Action::Quit => {
            m.quit = Some(0);
            cmds.push(Cmd::Quit(0));
        }
        Action::Help => m.modal = Some(Modal::Help { scroll: 0 }),
        Action::FocusNext => focus_cycle(m, true),
        Action::FocusPrev => focus_cycle(m, false),
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
            let (n, up) = match a {
                Action::Up => (1, true),
                Action::Down => (1, false),
                Action::PageUp => (page, true),
                _ => (page, false),
            };
            match m.focus {
                Focus::Services => {
                    let step = if n > 1 { 5 } else { 1 };
                    move_selection(m, if up { -step } else { step });
                }
                Focus::Logs if up => logs::scroll_up(m, n),
                Focus::Logs => logs::scroll_down(m, n),
                Focus::Ops => {
                    let n = if n > 1 { ops_page(m) } else { 1 };
                    let to = if up {
                        m.ops_scroll.saturating_add(n)
                    } else {
                        m.ops_scroll.saturating_sub(n)
                    };
                    set_ops_scroll(m, to);
                }
            }
        }
        Action::Top => match m.focus {
            Focus::Services => move_selection(m, isize::MIN / 2),
            Focus::Logs => logs::scroll_up(m, usize::MAX / 2),
            Focus::Ops => set_ops_scroll(m, usize::MAX),
        },
        Action::Bottom => match m.focus {
            Focus::Services => move_selection(m, isize::MAX / 2),
            Focus::Logs => reset_log_view(m),
            Focus::Ops => m.ops_scroll = 0,
        },
        Action::Details => match m.selected.clone() {
            Some(service) => m.modal = Some(Modal::Details { service, scroll: 0 }),
            None => flash(m, Level::Info, "select a service (↑/↓) to see its details"),
        },
        Action::Filter => {
            let (kind, text) = match m.focus {
                Focus::Logs | Focus::Ops => (
                    InputKind::Search,
                    m.log_view.search.clone().unwrap_or_default(),
                ),
                Focus::Services => (InputKind::Filter, m.filter.clone()),
            };
            m.input = Some(Input { kind, text });
        }
        Action::NextMatch => logs::next_match(m, true),
        Action::PrevMatch => logs::next_match(m, false),
        Action::ToggleWrap => m.log_view.wrap = !m.log_view.wrap,
        Action::ToggleTimestamps => m.log_view.timestamps = !m.log_view.timestamps,
        Action::SelectAll if m.selected.is_some() => {
            m.selected = None;
            reset_log_view(m);
        }
        Action::Sort => {
            m.sort = m.sort.next();
            let label = m.sort.label();
            flash(m, Level::Info, format!("sorted by {label}"));
        }
        Action::SwitchEnv => {
            let target = if m.info.environment.as_deref() == Some("prod") {
                "dev"
            } else {
                "prod"
            };
            m.modal = Some(Modal::EnvLoading {
                environment: target.to_string(),
            });
            cmds.push(Cmd::PreviewEnv {
                environment: target.to_string(),
            });
        }
        _ => {}
    }
}

fn on_mutating(m: &mut Model, a: Action, cmds: &mut Vec<Cmd>) {
    let key = m.config.keys.key_label(a);
    if let Some(reason) = m.read_only_reason() {
        flash(
            m,
            Level::Warn,
            format!("READ-ONLY: `{key}` ({}) is disabled: {reason}", a.label()),
        );
        return;
    }
    if let Some(op) = m.running_op() {
        let t = op.title.clone();
        flash(
            m,
            Level::Warn,
            format!("`{t}` is still running; wait for it to finish"),
        );
        return;
    }
    let target = m.selected.clone();
    let scope = target.clone().unwrap_or_else(|| "all services".into());
    let verb = match a {
        Action::ComposeUp => "up",
        Action::ComposeDown => "down",
        Action::Restart => "restart",
        Action::Stop => "stop",
        Action::Start => "start",
        Action::Build => "build",
        Action::Pull => "pull",
        Action::Shell => {
            match target {
                Some(service) => {
                    m.suspended = true;
                    cmds.push(Cmd::Shell { service });
                }
                None => flash(
                    m,
                    Level::Info,
                    "select a running service (↑/↓) to open a shell",
                ),
            }
            return;
        }
        Action::Snapshot => {
            let op = new_op(m, "snapshot volumes", m.now);
            cmds.push(Cmd::Snapshot { op });
            return;
        }
        Action::DownVolumes => {
            m.modal = Some(Modal::PlanLoading);
            cmds.push(Cmd::BuildDeletionPlan);
            return;
        }
        _ => return,
    };
    let mut args = vec![verb.to_string()];
    if verb == "up" {
        args.push("-d".into());
    }
    args.extend(target);
    let op = new_op(m, format!("{verb} {scope}"), m.now);
    cmds.push(Cmd::Compose { op, args });
}
