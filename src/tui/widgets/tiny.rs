//! The notice shown instead of panels when the terminal is too small.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::tui::config::Theme;
use crate::tui::layout::{MIN_HEIGHT, MIN_WIDTH};

pub struct TinyNotice<'a> {
    pub width: u16,
    pub height: u16,
    pub theme: &'a Theme,
}

impl Widget for &TinyNotice<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let text = format!(
            "Terminal too small ({}×{}). devctl needs {MIN_WIDTH}×{MIN_HEIGHT}. Enlarge it, or press q to quit.",
            self.width, self.height
        );
        Paragraph::new(text)
            .style(
                Style::new()
                    .fg(self.theme.starting)
                    .add_modifier(Modifier::BOLD),
            )
            .wrap(Wrap { trim: true })
            .render(area, buf);
    }
}
