//! Pure render functions, one file per panel. Each is `impl Widget for &Thing` over a
//! borrowed view of the model; none of them changes state.

pub mod confirm;
pub mod details;
pub mod envswitch;
pub mod footer;
pub mod header;
pub mod help;
pub mod logs;
pub mod ops;
pub mod services;
pub mod tiny;
pub mod wrap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget};

use crate::tui::config::Theme;
use crate::tui::layout;
use crate::tui::model::{Focus, Modal, Model};
use crate::tui::rows::{self, HealthClass};

/// The whole screen.
pub struct Dashboard<'a>(pub &'a Model);

impl Widget for &Dashboard<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let m = self.0;
        let rows = rows::rows(m);
        let Some(a) = layout::areas(m, area, rows.len()) else {
            (&tiny::TinyNotice {
                width: area.width,
                height: area.height,
                theme: &m.config.theme,
            })
                .render(area, buf);
            return;
        };
        (&header::Header(m)).render(a.header, buf);
        (&services::ServicesTable { m, rows: &rows }).render(a.services, buf);
        (&logs::LogPane(m)).render(a.logs, buf);
        if a.ops.height > 0 {
            (&ops::OpsPane(m)).render(a.ops, buf);
        }
        (&footer::Footer(m)).render(a.footer, buf);
        match &m.modal {
            None => {}
            Some(Modal::Help { scroll }) => {
                (&help::HelpPopup { m, scroll: *scroll }).render(area, buf)
            }
            Some(Modal::Details { service, scroll }) => {
                (&details::DetailsPopup {
                    m,
                    service,
                    scroll: *scroll,
                })
                    .render(area, buf);
            }
            Some(Modal::PlanLoading) => (&Notice {
                title: " Delete volume data? ",
                text: "Building the deletion plan from the files and the Engine…  (Esc cancels)",
                theme: &m.config.theme,
            })
                .render(area, buf),
            Some(Modal::EnvLoading { environment }) => (&Notice {
                title: " Switch environment ",
                text: &format!("Resolving the files of `{environment}`…  (Esc cancels)"),
                theme: &m.config.theme,
            })
                .render(area, buf),
            Some(Modal::EnvSwitch(p)) => {
                (&envswitch::EnvSwitchPopup { m, preview: p }).render(area, buf)
            }
            Some(Modal::Confirm(c)) => {
                (&confirm::ConfirmModal {
                    c,
                    theme: &m.config.theme,
                })
                    .render(area, buf);
            }
        }
    }
}

/// A bordered block whose border shows focus.
pub fn panel<'a>(title: Line<'a>, focused: bool, theme: &Theme) -> Block<'a> {
    let style = if focused {
        Style::new().fg(theme.focus).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(theme.border)
    };
    Block::new()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(style)
        .title(title)
}

pub fn focused(m: &Model, f: Focus) -> bool {
    m.focus == f && m.modal.is_none()
}

/// The style of a health/state cell.
pub fn health_style(class: HealthClass, theme: &Theme) -> Style {
    let s = Style::new();
    if !theme.color {
        return match class {
            HealthClass::Unhealthy => s.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            HealthClass::Exited | HealthClass::Restarting => s.add_modifier(Modifier::BOLD),
            HealthClass::Inactive => s.add_modifier(Modifier::DIM),
            _ => s,
        };
    }
    match class {
        HealthClass::Healthy => s.fg(theme.healthy),
        HealthClass::Unhealthy => s.fg(theme.unhealthy).add_modifier(Modifier::BOLD),
        HealthClass::Starting => s.fg(theme.starting),
        HealthClass::Restarting => s.fg(theme.starting).add_modifier(Modifier::BOLD),
        HealthClass::Exited => s.fg(theme.exited),
        HealthClass::NoCheck => s.fg(theme.running),
        HealthClass::Inactive => s.fg(theme.inactive),
    }
}

/// A loud marker (white on a colour, or reversed without colour).
pub fn marker(text: impl Into<String>, bg: Color, theme: &Theme) -> Span<'static> {
    let style = if theme.color {
        Style::new()
            .fg(Color::White)
            .bg(bg)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
    };
    Span::styled(text.into(), style)
}

/// A small centred message box.
pub struct Notice<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub theme: &'a Theme,
}

impl Widget for &Notice<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let w = 64.min(area.width.saturating_sub(2));
        let lines = wrap::wrap_line(&Line::raw(self.text), usize::from(w.saturating_sub(2)));
        let h = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let r = layout::centered(area, w, h);
        Clear.render(r, buf);
        Paragraph::new(lines)
            .block(panel(Line::from(self.title), true, self.theme))
            .render(r, buf);
    }
}

/// Render a buffer as plain text (one line per row, trailing spaces trimmed) for snapshots.
#[cfg(test)]
pub fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Render the whole dashboard of `m` into a buffer of the model's size.
#[cfg(test)]
pub fn render_model(m: &Model) -> Buffer {
    let area = Rect::new(0, 0, m.width, m.height);
    let mut buf = Buffer::empty(area);
    (&Dashboard(m)).render(area, &mut buf);
    buf
}

/// The position of the first cell of `needle` on screen (row-wise search).
#[cfg(test)]
pub fn find_text(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        let cells: Vec<&str> = (area.left()..area.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        let line: String = cells.concat();
        if let Some(byte) = line.find(needle) {
            // Map the byte offset back to a column.
            let mut acc = 0;
            for (i, c) in cells.iter().enumerate() {
                if acc == byte {
                    return Some((area.left() + i as u16, y));
                }
                acc += c.len();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod sizes_tests;
