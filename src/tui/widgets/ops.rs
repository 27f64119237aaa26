//! The operations pane: each operation's command line, status and streamed output,
//! newest at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{focused, panel};
use crate::tui::keymap::Action;
use crate::tui::model::{Focus, Model, Op, OpStatus};
use crate::tui::text::{short_duration, visible};

pub struct OpsPane<'a>(pub &'a Model);

/// An operation's status as text, and its colour.
fn status_of(m: &Model, op: &Op) -> (String, Style) {
    let t = &m.config.theme;
    match &op.status {
        OpStatus::Running => {
            let secs = (m.now - op.started).to_std().unwrap_or_default();
            (
                format!("running {}", short_duration(secs)),
                Style::new().fg(t.starting),
            )
        }
        OpStatus::Finished(0) => ("done".to_string(), Style::new().fg(t.healthy)),
        OpStatus::Finished(c) => (format!("failed (exit {c})"), Style::new().fg(t.unhealthy)),
        OpStatus::Failed(e) => (
            format!("failed: {}", visible(e)),
            Style::new().fg(t.unhealthy),
        ),
    }
}

fn header_line<'a>(m: &Model, op: &'a Op) -> Line<'a> {
    let t = &m.config.theme;
    let (status, style) = status_of(m, op);
    let mut spans = vec![
        Span::styled(
            format!("▸ {} ", visible(&op.title)),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled(status, style.add_modifier(Modifier::BOLD)),
    ];
    if let Some(c) = &op.command {
        spans.push(Span::styled(
            format!("  $ {}", visible(c)),
            Style::new().fg(t.inactive),
        ));
    }
    Line::from(spans)
}

/// This pane's key hints for the footer.
pub fn hints(_m: &Model) -> Vec<(Action, &'static str)> {
    vec![(Action::Up, "scroll"), (Action::Bottom, "newest")]
}

impl Widget for &OpsPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let m = self.0;
        let t = &m.config.theme;
        // The newest operation stays named in the title while its output scrolls past.
        let title = match m.ops.back() {
            _ if m.ops_scroll > 0 => {
                format!(" Operations · scrolled {} up · End/G bottom ", m.ops_scroll)
            }
            Some(op) => format!(
                " Operations · {} · {} ",
                visible(&op.title),
                status_of(m, op).0
            ),
            None => " Operations ".to_string(),
        };
        let block = panel(Line::from(title), focused(m, Focus::Ops), t);
        let inner = block.inner(area);
        block.render(area, buf);
        let h = inner.height as usize;
        if h == 0 || inner.width == 0 {
            return;
        }
        // Walk backwards from the newest line, skipping `ops_scroll` lines.
        let mut lines: Vec<Line<'_>> = Vec::with_capacity(h);
        let mut skip = m.ops_scroll;
        'outer: for op in m.ops.iter().rev() {
            let body = op
                .output
                .iter()
                .rev()
                .map(|l| Line::raw(visible(l).into_owned()));
            for line in body.chain(std::iter::once(header_line(m, op))) {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                lines.push(line);
                if lines.len() >= h {
                    break 'outer;
                }
            }
        }
        for (i, line) in lines.iter().rev().enumerate() {
            buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
        }
    }
}
