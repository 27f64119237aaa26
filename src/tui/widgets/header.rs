//! Header: project, environment and its layered files, Engine/Compose versions, docker
//! context, connection state, and loud PROTECTED / READ-ONLY markers.

use std::path::Path;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::marker;
use crate::tui::model::{Connection, Model, ReadOnly};
use crate::tui::text::visible;

pub struct Header<'a>(pub &'a Model);

fn rel(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

impl Widget for &Header<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let m = self.0;
        let t = &m.config.theme;
        let dim = Style::new().fg(t.inactive);
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let sep = Span::styled(" │ ", dim);
        let mut first: Vec<Span<'_>> = Vec::new();
        if m.info.protected {
            let env = m.info.environment.as_deref().unwrap_or("?");
            first.push(marker(
                format!(" ⚠ PROTECTED: {} ", env.to_uppercase()),
                t.protected,
                t,
            ));
            first.push(Span::raw(" "));
        }
        if m.read_only_reason().is_some() {
            first.push(marker(" READ-ONLY ", t.read_only, t));
            first.push(Span::raw(" "));
        }
        if m.devloop.watch_op.is_some() {
            first.push(marker(" ⟳ WATCH ", t.accent, t));
            first.push(Span::raw(" "));
        }
        first.push(Span::styled(
            "devctl",
            Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
        ));
        first.push(sep.clone());
        first.push(Span::styled(visible(&m.info.name).into_owned(), bold));
        first.push(sep.clone());
        let env = m.info.environment.as_deref().unwrap_or("default");
        let env_style = if m.info.protected {
            Style::new().fg(t.protected).add_modifier(Modifier::BOLD)
        } else {
            bold
        };
        first.push(Span::raw("env "));
        first.push(Span::styled(env.to_string(), env_style));
        first.push(sep.clone());
        first.push(match &m.connection {
            Connection::Connecting => Span::styled("○ connecting…", Style::new().fg(t.starting)),
            Connection::Connected => Span::styled("● connected", Style::new().fg(t.healthy)),
            Connection::Disconnected { reason } => {
                // The reason gives way (with `…`) so that "(retrying)" stays on screen.
                let room = usize::from(area.width)
                    .saturating_sub(Line::from(first.clone()).width() + 28)
                    .max(8);
                Span::styled(
                    format!(
                        "✕ DISCONNECTED: {} (retrying)",
                        crate::tui::text::ellipsize(&visible(reason), room)
                    ),
                    Style::new().fg(t.unhealthy).add_modifier(Modifier::BOLD),
                )
            }
        });
        let v = &m.versions;
        let mut facts = Vec::new();
        if let Some(e) = &v.engine {
            match &v.api {
                Some(api) => facts.push(format!("Engine {e} (API {api})")),
                None => facts.push(format!("Engine {e}")),
            }
        }
        if let Some(c) = &v.compose {
            facts.push(format!("Compose {c}"));
        }
        if let Some(c) = &v.context {
            facts.push(format!("context {c}"));
        }
        // Whole facts only: the ones that do not fit are left out (context first).
        let mut width = Line::from(first.clone()).width();
        for f in facts {
            let f = visible(&f).into_owned();
            let w = 3 + unicode_width::UnicodeWidthStr::width(f.as_str());
            if width + w > usize::from(area.width) {
                break;
            }
            width += w;
            first.push(sep.clone());
            first.push(Span::raw(f));
        }
        let files: Vec<String> = m
            .info
            .files
            .iter()
            .map(|f| rel(f, &m.info.project_dir))
            .collect();
        let room = usize::from(area.width).saturating_sub(6);
        let mut second = vec![
            Span::styled("files ", dim),
            Span::raw(crate::tui::text::ellipsize(
                &visible(&files.join(" → ")),
                room,
            )),
        ];
        if m.read_only_flag == ReadOnly::Flag || m.info.protected {
            second.push(Span::styled("   mutating keys disabled", dim));
        }
        buf.set_line(area.x, area.y, &Line::from(first), area.width);
        if area.height > 1 {
            buf.set_line(area.x, area.y + 1, &Line::from(second), area.width);
        }
    }
}
