//! The footer: the prompt being typed, else the last message, else the key hints of the
//! focused pane (each pane lists its own) followed by actions and global keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::tui::keymap::Action;
use crate::tui::model::{Focus, InputKind, Level, Modal, Model};
use crate::tui::text::visible;

pub struct Footer<'a>(pub &'a Model);

/// The key hints in effect, as (keys, label).
pub fn hints(m: &Model) -> Vec<(String, String)> {
    let k = |a: Action| m.config.keys.key_label(a);
    let fixed = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect::<Vec<_>>()
    };
    match &m.modal {
        Some(Modal::Confirm(c)) => {
            let what = match c.current_word() {
                Some(w) => format!("type `{w}`"),
                None => "all typed".to_string(),
            };
            return vec![
                (what, "to enable delete".into()),
                ("tab".into(), "move".into()),
                ("enter".into(), "activate".into()),
                ("esc".into(), "cancel".into()),
            ];
        }
        Some(Modal::EnvSwitch(_)) => {
            return fixed(&[
                ("enter", "switch view"),
                ("u", "switch + up -d"),
                ("esc", "cancel"),
            ]);
        }
        Some(Modal::Help { .. }) | Some(Modal::Details { .. }) => {
            return fixed(&[("↑↓", "scroll"), ("esc", "close")]);
        }
        Some(Modal::PlanLoading) | Some(Modal::EnvLoading { .. }) => {
            return fixed(&[("esc", "cancel")]);
        }
        None => {}
    }
    let pane = match m.focus {
        Focus::Services => super::services::hints(m),
        Focus::Logs => super::logs::hints(m),
        Focus::Ops => super::ops::hints(m),
    };
    let mut out: Vec<(String, String)> = pane
        .into_iter()
        .map(|(a, l)| {
            let keys = match a {
                Action::Up | Action::Down => "↑↓".to_string(),
                a => k(a),
            };
            (keys, l.to_string())
        })
        .collect();
    if m.read_only_reason().is_none() {
        let mut acts = vec![
            (Action::ComposeUp, "up"),
            (Action::Restart, "restart"),
            (Action::Stop, "stop"),
            (Action::Start, "start"),
            (Action::ComposeDown, "down"),
        ];
        if m.selected.is_some() {
            acts.push((Action::Shell, "shell"));
        }
        acts.push((Action::DownVolumes, "down -v"));
        out.extend(acts.into_iter().map(|(a, l)| (k(a), l.to_string())));
    }
    out.push((k(Action::SwitchEnv), "dev/prod".into()));
    out.push((k(Action::FocusNext), "pane".into()));
    out.push((k(Action::Help), "help".into()));
    out.push((k(Action::Quit), "quit".into()));
    out
}

/// Hints that stay when the footer is short of room: how to get help, quit or get out.
fn essential(label: &str) -> bool {
    matches!(label, "help" | "quit" | "cancel" | "close")
}

/// The hints that fit in `width` columns, whole: the others are dropped from the right
/// (they are all in `?` help), the essential ones never (see [`essential`]).
pub fn fit(hints: Vec<(String, String)>, width: usize) -> Vec<(String, String)> {
    use unicode_width::UnicodeWidthStr;
    let w = |(k, l): &(String, String)| k.width() + 1 + l.width();
    let total =
        |v: &[(String, String)]| v.iter().map(w).sum::<usize>() + 2 * v.len().saturating_sub(1);
    let mut out = hints;
    while total(&out) > width {
        let Some(i) = out.iter().rposition(|(_, l)| !essential(l)) else {
            break;
        };
        out.remove(i);
    }
    out
}

impl Widget for &Footer<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let m = self.0;
        let t = &m.config.theme;
        let key_style = Style::new().fg(t.accent).add_modifier(Modifier::BOLD);
        let line = if let Some(typed) = &m.devloop.prompt {
            let hits = m.devloop.matches();
            Line::from(vec![
                Span::styled(":", key_style),
                Span::raw(visible(typed).into_owned()),
                Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
                Span::styled(
                    format!(
                        "   {}   tab complete · enter run · esc cancel",
                        hits.join(" ")
                    ),
                    Style::new().fg(t.inactive),
                ),
            ])
        } else if let Some(input) = &m.input {
            let label = match input.kind {
                InputKind::Filter => "filter services: ",
                InputKind::Search => "search logs: /",
            };
            Line::from(vec![
                Span::styled(label, key_style),
                Span::raw(visible(&input.text).into_owned()),
                Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
                Span::styled("   enter apply · esc cancel", Style::new().fg(t.inactive)),
            ])
        } else if let Some(f) = &m.flash {
            let style = match f.level {
                Level::Info => Style::new().fg(t.accent),
                Level::Warn => Style::new().fg(t.starting).add_modifier(Modifier::BOLD),
                Level::Error => Style::new().fg(t.unhealthy).add_modifier(Modifier::BOLD),
            };
            let text = crate::tui::text::ellipsize(&visible(&f.text), usize::from(area.width));
            Line::from(Span::styled(text, style))
        } else {
            let mut spans = Vec::new();
            if m.read_only_reason().is_some() {
                spans.push(super::marker("READ-ONLY", t.read_only, t));
                spans.push(Span::raw(" "));
            }
            let room = usize::from(area.width).saturating_sub(Line::from(spans.clone()).width());
            for (i, (keys, label)) in fit(hints(m), room).into_iter().enumerate() {
                if i > 0 {
                    spans.push(Span::raw("  "));
                }
                spans.push(Span::styled(keys, key_style));
                spans.push(Span::raw(format!(" {label}")));
            }
            Line::from(spans)
        };
        buf.set_line(area.x, area.y, &line, area.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_and_quit_always_fit_and_nothing_is_cut() {
        let m = crate::tui::fixtures::realistic_model(80, 24);
        let all = hints(&m);
        for width in [20, 40, 60, 80, 200] {
            let got = fit(all.clone(), width);
            let labels: Vec<&str> = got.iter().map(|(_, l)| l.as_str()).collect();
            assert!(labels.ends_with(&["help", "quit"]), "{width}: {labels:?}");
            // Kept hints are whole and in their order; the first ones go last.
            let kept: Vec<&(String, String)> = all.iter().filter(|h| got.contains(h)).collect();
            assert_eq!(kept.len(), got.len());
            if width >= 60 {
                assert_eq!(got[0].1, "select", "{width}: {labels:?}");
            }
        }
        assert_eq!(fit(all.clone(), 500), all);
    }
}
