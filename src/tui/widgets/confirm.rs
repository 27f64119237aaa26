//! The typed-confirmation modal for `D` (down + delete volumes): the plan, what is kept,
//! the warnings, the exact text to type; focus starts on Cancel; Delete stays disabled until
//! the typed text matches exactly.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::wrap::wrap_lines;
use super::{marker, panel};
use crate::tui::config::Theme;
use crate::tui::layout::centered;
use crate::tui::model::{Confirm, ConfirmFocus};
use crate::tui::text::{bytes, visible};

pub struct ConfirmModal<'a> {
    pub c: &'a Confirm,
    pub theme: &'a Theme,
}

fn button(label: &str, focused: bool, enabled: bool, t: &Theme) -> Span<'static> {
    let mut style = Style::new();
    if !enabled {
        style = style.fg(t.inactive).add_modifier(Modifier::DIM);
    } else if label.contains("Delete") {
        style = style.fg(t.unhealthy).add_modifier(Modifier::BOLD);
    }
    if focused {
        style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
    }
    Span::styled(format!("[ {label} ]"), style)
}

impl ConfirmModal<'_> {
    pub fn lines(&self) -> Vec<Line<'static>> {
        let (c, t) = (self.c, self.theme);
        let p = &c.plan;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut out = vec![Line::from(vec![
            Span::raw("Stop and remove project "),
            Span::styled(visible(&p.project).into_owned(), bold),
            Span::raw(", then DELETE these volumes and their data:"),
        ])];
        if p.volumes.is_empty() {
            out.push(Line::raw("  (no volumes: nothing will be deleted)"));
        }
        for v in &p.volumes {
            let size = v.size.map_or_else(|| "size unknown".to_string(), bytes);
            let mut spans = vec![
                Span::styled("  ✗ ", Style::new().fg(t.unhealthy)),
                Span::styled(visible(&v.name).into_owned(), bold),
                Span::raw(format!("  {size}")),
            ];
            if !v.used_by.is_empty() {
                spans.push(Span::raw(format!(
                    "  used by {}",
                    visible(&v.used_by.join(", "))
                )));
            }
            if let Some(cr) = &v.created {
                spans.push(Span::styled(
                    format!("  created {cr}"),
                    Style::new().fg(t.inactive),
                ));
            }
            for mk in &v.marks {
                spans.push(Span::raw(" "));
                spans.push(marker(format!(" {} ", mk.to_uppercase()), t.protected, t));
            }
            out.push(Line::from(spans));
        }
        if !p.kept.is_empty() {
            out.push(Line::raw("Kept:"));
            for (name, why) in &p.kept {
                out.push(Line::from(vec![
                    Span::styled("  ✓ ", Style::new().fg(t.healthy)),
                    Span::raw(format!("{}: {}", visible(name), visible(why))),
                ]));
            }
        }
        for w in &p.warnings {
            out.push(Line::from(Span::styled(
                format!("⚠ {}", visible(w)),
                Style::new().fg(t.starting).add_modifier(Modifier::BOLD),
            )));
        }
        if !p.steps.is_empty() {
            out.push(Line::styled("Steps:", Style::new().fg(t.inactive)));
            for (i, s) in p.steps.iter().enumerate() {
                out.push(Line::styled(
                    format!("  {}. {}", i + 1, visible(s)),
                    Style::new().fg(t.inactive),
                ));
            }
        }
        out.push(Line::raw(""));
        if let Some(why) = &p.blocked {
            out.push(Line::from(Span::styled(
                format!("REFUSED: {}", visible(why)),
                Style::new().fg(t.unhealthy).add_modifier(Modifier::BOLD),
            )));
        }
        let mut ask = vec![Span::raw(if p.confirm_words.len() > 1 {
            "Type each name, Enter after each, to enable Delete: "
        } else {
            "Type "
        })];
        for (i, w) in p.confirm_words.iter().enumerate() {
            if i > 0 {
                ask.push(Span::raw(", "));
            }
            let done = i < c.done.len();
            ask.push(Span::styled(
                visible(w).into_owned(),
                if done {
                    Style::new().fg(t.healthy)
                } else {
                    bold.fg(t.unhealthy)
                },
            ));
            if done {
                ask.push(Span::styled(" ✓", Style::new().fg(t.healthy)));
            }
        }
        if p.confirm_words.len() <= 1 {
            ask.push(Span::raw(" to enable Delete:"));
        }
        out.push(Line::from(ask));
        let input_style = if c.focus == ConfirmFocus::Input {
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        };
        let cursor = if c.focus == ConfirmFocus::Input {
            "█"
        } else {
            " "
        };
        out.push(Line::from(vec![
            Span::raw("> "),
            Span::styled(format!("{}{cursor}", visible(&c.typed)), input_style),
        ]));
        let check = if c.snapshot_first { "[x]" } else { "[ ]" };
        let snap_style = if c.focus == ConfirmFocus::Snapshot {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        out.push(Line::styled(
            format!("{check} snapshot the volumes first"),
            snap_style,
        ));
        out.push(Line::raw(""));
        out.push(Line::from(vec![
            Span::raw("      "),
            button("Cancel", c.focus == ConfirmFocus::Cancel, true, t),
            Span::raw("      "),
            button("Delete", c.focus == ConfirmFocus::Confirm, c.ready(), t),
        ]));
        if let Some(n) = &c.note {
            out.push(Line::styled(
                visible(n).into_owned(),
                Style::new().fg(t.starting),
            ));
        }
        out
    }
}

impl Widget for &ConfirmModal<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lines = self.lines();
        let longest = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 2;
        let w = longest.clamp(60, 110).min(area.width.saturating_sub(2));
        let lines = wrap_lines(&lines, usize::from(w.saturating_sub(2)));
        let h = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let r = centered(area, w, h);
        Clear.render(r, buf);
        let title = Line::from(vec![
            Span::raw(" "),
            marker(" DELETE VOLUME DATA? ", self.theme.unhealthy, self.theme),
            Span::raw(" Esc cancels "),
        ]);
        Paragraph::new(lines)
            .block(panel(title, true, self.theme))
            .render(r, buf);
    }
}
