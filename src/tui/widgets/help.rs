//! Help (`?`): every key binding in effect, grouped, with read-only marks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::panel;
use crate::tui::keymap::Action;
use crate::tui::layout::centered;
use crate::tui::model::Model;

pub struct HelpPopup<'a> {
    pub m: &'a Model,
    pub scroll: u16,
}

const GROUPS: [(&str, &[Action]); 4] = [
    (
        "Navigate",
        &[
            Action::Up,
            Action::Down,
            Action::PageUp,
            Action::PageDown,
            Action::Top,
            Action::Bottom,
            Action::FocusNext,
            Action::FocusPrev,
            Action::SelectAll,
            Action::Details,
            Action::Sort,
        ],
    ),
    (
        "Logs",
        &[
            Action::Filter,
            Action::NextMatch,
            Action::PrevMatch,
            Action::ToggleWrap,
            Action::ToggleTimestamps,
        ],
    ),
    (
        "Actions (selected service, or all services)",
        &[
            Action::ComposeUp,
            Action::ComposeDown,
            Action::Restart,
            Action::Stop,
            Action::Start,
            Action::Build,
            Action::Pull,
            Action::Shell,
            Action::Snapshot,
            Action::DownVolumes,
            Action::SwitchEnv,
        ],
    ),
    ("General", &[Action::Help, Action::Quit]),
];

/// The help text (also the README's key map).
pub fn lines(m: &Model) -> Vec<Line<'static>> {
    let t = &m.config.theme;
    let ro = m.read_only_reason();
    let mut out = Vec::new();
    for (title, actions) in GROUPS {
        out.push(Line::styled(
            title.to_string(),
            Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
        ));
        for a in actions {
            let keys: Vec<String> = m
                .config
                .keys
                .keys(*a)
                .iter()
                .map(ToString::to_string)
                .collect();
            let mut spans = vec![
                Span::styled(
                    format!("  {:<16}", keys.join(" ")),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(a.label().to_string()),
            ];
            if a.is_mutating() && ro.is_some() {
                spans.push(Span::styled(
                    "  (disabled: read-only)",
                    Style::new().fg(t.read_only),
                ));
            }
            out.push(Line::from(spans));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled(
        "Dev loop and project commands",
        Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
    ));
    for (keys, what) in crate::tui::devloop::help_lines(m) {
        out.push(Line::from(vec![
            Span::styled(
                format!("  {keys:<16}"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(crate::tui::text::visible(&what).into_owned()),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        "In prompts and the delete modal: Esc or ctrl-c cancels, ctrl-u clears.",
        Style::new().fg(t.inactive),
    ));
    let src = m.config.source.as_ref().map_or_else(
        || "built-in defaults".to_string(),
        |p| p.display().to_string(),
    );
    out.push(Line::styled(
        format!("Config: {src}"),
        Style::new().fg(t.inactive),
    ));
    if let Some(r) = ro {
        out.push(Line::styled(
            format!("Read-only: {r}"),
            Style::new().fg(t.read_only),
        ));
    }
    out
}

impl Widget for &HelpPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let all = lines(self.m);
        let r = centered(area, 72, all.len() as u16 + 2);
        Clear.render(r, buf);
        let max = all
            .len()
            .saturating_sub(r.height.saturating_sub(2) as usize) as u16;
        Paragraph::new(all)
            .scroll((self.scroll.min(max), 0))
            .block(panel(
                Line::from(" Keys · esc closes "),
                true,
                &self.m.config.theme,
            ))
            .render(r, buf);
    }
}
