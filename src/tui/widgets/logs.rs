//! The log pane: the selected service, or every service merged with coloured prefixes;
//! follows the tail unless scrolled; search matches highlighted; wrap and timestamps.
//! Only the lines on screen are visited, whatever the buffer holds.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthChar;

use super::{focused, panel};
use crate::tui::keymap::Action;
use crate::tui::logbuf::{LogRecord, find_matches};
use crate::tui::model::{Focus, Model};
use crate::tui::text::visible;
use crate::tui::update::bottom_seq;

pub struct LogPane<'a>(pub &'a Model);

/// The styled pieces of one record, before wrapping.
fn pieces(m: &Model, r: &LogRecord, prefix_w: usize, merged: bool) -> Vec<(String, Style)> {
    let t = &m.config.theme;
    let mut out = Vec::new();
    if merged {
        let name = m.logs.names().get(r.service).map_or("?", String::as_str);
        let style = Style::new().fg(t.service_color(r.service));
        out.push((format!("{:<prefix_w$} | ", visible(name)), style));
    }
    if m.log_view.timestamps
        && let Some(ts) = &r.timestamp
    {
        out.push((
            format!("{} ", ts.format("%H:%M:%S%.3f")),
            Style::new().fg(t.inactive),
        ));
    }
    let text = visible(&r.text);
    let is_hit = m.log_view.hit == Some(r.seq);
    let base = if r.stderr && t.color {
        Style::new().fg(Color::LightRed)
    } else {
        Style::new()
    };
    let hl = if t.color {
        Style::new().fg(Color::Black).bg(t.search)
    } else {
        Style::new().add_modifier(Modifier::REVERSED)
    };
    let hl = if is_hit {
        hl.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    } else {
        hl
    };
    let matches = m
        .log_view
        .search
        .as_deref()
        .map(|q| find_matches(&text, q))
        .unwrap_or_default();
    let mut at = 0;
    for r in matches {
        if r.start > at {
            out.push((text[at..r.start].to_string(), base));
        }
        out.push((text[r.clone()].to_string(), hl));
        at = r.end;
    }
    if at < text.len() {
        out.push((text[at..].to_string(), base));
    }
    out
}

/// Lay the pieces out in rows of `width` cells (one row, cut with `…`, unless `wrap`).
fn layout_rows(
    pieces: Vec<(String, Style)>,
    width: usize,
    wrap: bool,
    indent: usize,
) -> Vec<Line<'static>> {
    let total: usize = pieces
        .iter()
        .flat_map(|(t, _)| t.chars())
        .map(|c| c.width().unwrap_or(0))
        .sum();
    if !wrap && total > width && width > 1 {
        let mut row = lay_out(pieces, width - 1, false, indent);
        if let Some(l) = row.first_mut() {
            l.spans
                .push(Span::styled("…", Style::new().add_modifier(Modifier::DIM)));
        }
        return row;
    }
    lay_out(pieces, width, wrap, indent)
}

fn lay_out(
    pieces: Vec<(String, Style)>,
    width: usize,
    wrap: bool,
    indent: usize,
) -> Vec<Line<'static>> {
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut col = 0;
    for (text, style) in pieces {
        let mut cur = String::new();
        for ch in text.chars() {
            let cw = ch.width().unwrap_or(0);
            if col + cw > width {
                if !wrap {
                    break;
                }
                if !cur.is_empty()
                    && let Some(row) = rows.last_mut()
                {
                    row.push(Span::styled(std::mem::take(&mut cur), style));
                }
                let ind = indent.min(width / 2);
                rows.push(vec![Span::raw(" ".repeat(ind))]);
                col = ind;
            }
            cur.push(ch);
            col += cw;
        }
        if !cur.is_empty()
            && let Some(row) = rows.last_mut()
        {
            row.push(Span::styled(cur, style));
        }
        if !wrap && col >= width {
            break;
        }
    }
    rows.into_iter().map(Line::from).collect()
}

impl Widget for &LogPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let m = self.0;
        let t = &m.config.theme;
        let src = m.log_source();
        let merged = m.selected.is_none();
        let v = &m.log_view;
        let who = m.selected.as_deref().unwrap_or("all services");
        let mut title = vec![
            Span::raw(" Logs · "),
            Span::styled(
                visible(who).into_owned(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ];
        let bottom = bottom_seq(m);
        if v.follow {
            title.push(Span::styled(" · following ", Style::new().fg(t.healthy)));
        } else {
            let newer = bottom.map_or(0, |b| m.logs.count_after(src, b));
            title.push(Span::styled(
                format!(" · PAUSED, {newer} newer · End/G follows "),
                Style::new().fg(t.starting).add_modifier(Modifier::BOLD),
            ));
        }
        if let Some(q) = &v.search {
            title.push(Span::styled(
                format!("/{} ", visible(q)),
                Style::new().fg(t.search),
            ));
        }
        if v.wrap {
            title.push(Span::styled("wrap ", Style::new().fg(t.inactive)));
        }
        if v.timestamps {
            title.push(Span::styled("time(UTC) ", Style::new().fg(t.inactive)));
        }
        let block = panel(Line::from(title), focused(m, Focus::Logs), t);
        let inner = block.inner(area);
        block.render(area, buf);
        let (w, h) = (inner.width as usize, inner.height as usize);
        if w == 0 || h == 0 {
            return;
        }
        let Some(bottom) = bottom else {
            let msg = if merged {
                "no log lines yet"
            } else {
                "no log lines from this service yet"
            };
            buf.set_string(inner.x, inner.y, msg, Style::new().fg(t.inactive));
            return;
        };
        let prefix_w = if merged {
            m.logs
                .names()
                .iter()
                .map(|n| n.chars().count())
                .max()
                .unwrap_or(0)
                .min(20)
        } else {
            0
        };
        let indent = if merged { prefix_w + 3 } else { 0 };
        let mut lines: Vec<Line<'static>> = Vec::with_capacity(h);
        for rec in m.logs.iter_back(src, Some(bottom)) {
            let rows = layout_rows(pieces(m, rec, prefix_w, merged), w, v.wrap, indent);
            for row in rows.into_iter().rev() {
                lines.push(row);
                if lines.len() >= h {
                    break;
                }
            }
            if lines.len() >= h {
                break;
            }
        }
        for (i, line) in lines.iter().rev().enumerate() {
            buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
        }
    }
}

/// This pane's key hints for the footer.
pub fn hints(m: &Model) -> Vec<(Action, &'static str)> {
    let mut h = vec![(Action::Up, "scroll")];
    if !m.log_view.follow {
        h.push((Action::Bottom, "follow"));
    }
    h.push((Action::Filter, "search"));
    if m.log_view.search.is_some() {
        h.push((Action::NextMatch, "older"));
        h.push((Action::PrevMatch, "newer"));
    }
    h.push((Action::ToggleWrap, "wrap"));
    h.push((Action::ToggleTimestamps, "time"));
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_wrap_with_indent_or_cut() {
        let p = || {
            vec![
                ("web | ".to_string(), Style::new()),
                ("abcdefghij".to_string(), Style::new()),
            ]
        };
        let text =
            |rows: Vec<Line<'static>>| rows.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        assert_eq!(text(layout_rows(p(), 10, false, 6)), ["web | abc…"]);
        assert_eq!(text(layout_rows(p(), 16, false, 6)), ["web | abcdefghij"]);
        assert_eq!(
            text(layout_rows(p(), 10, true, 6)),
            ["web | abcd", "     efghi", "     j"]
        );
        // Wide characters never split across the edge.
        let wide = vec![("日本語".to_string(), Style::new())];
        assert_eq!(text(layout_rows(wide, 5, true, 0)), ["日本", "語"]);
    }
}
