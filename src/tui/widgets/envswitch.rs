//! The environment switch modal: the files the other environment layers and the exact
//! Compose command that would apply it, shown before anything runs.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::wrap::wrap_lines;
use super::{marker, panel};
use crate::tui::layout::centered;
use crate::tui::model::Model;
use crate::tui::msg::EnvPreview;
use crate::tui::text::visible;

pub struct EnvSwitchPopup<'a> {
    pub m: &'a Model,
    pub preview: &'a EnvPreview,
}

impl Widget for &EnvSwitchPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (m, p) = (self.m, self.preview);
        let t = &m.config.theme;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut lines = vec![Line::from(vec![
            Span::raw("Switch to environment "),
            Span::styled(visible(&p.environment).into_owned(), bold),
            Span::raw(if p.protected { "  " } else { "" }),
            if p.protected {
                marker(" PROTECTED: read-only ", t.protected, t)
            } else {
                Span::raw("")
            },
        ])];
        lines.push(Line::raw("Files, in order:"));
        for (i, f) in p.files.iter().enumerate() {
            let shown = f.strip_prefix(&m.info.project_dir).unwrap_or(f);
            lines.push(Line::raw(format!("  {}. {}", i + 1, shown.display())));
        }
        lines.push(Line::raw(""));
        lines.push(Line::raw("Command that applies it:"));
        lines.push(Line::styled(
            format!("  {}", visible(&p.up_command)),
            Style::new().fg(t.accent),
        ));
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("enter", bold),
            Span::raw(" switch the dashboard only   "),
            Span::styled("u", bold),
            Span::raw(if p.protected || m.read_only_reason().is_some() {
                " (disabled: read-only)   "
            } else {
                " switch and run it   "
            }),
            Span::styled("esc", bold),
            Span::raw(" cancel"),
        ]));
        let longest = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 2;
        let w = longest.clamp(60, 120).min(area.width.saturating_sub(2));
        let lines = wrap_lines(&lines, usize::from(w.saturating_sub(2)));
        let h = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let r = centered(area, w, h);
        Clear.render(r, buf);
        Paragraph::new(lines)
            .block(panel(Line::from(" Switch environment "), true, t))
            .render(r, buf);
    }
}
