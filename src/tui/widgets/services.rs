//! The services table: state, coloured health, failing streak or start-period countdown,
//! restarts, uptime, ports, CPU, memory and a CPU sparkline; an "all services" row on top.
//! Columns are dropped from the right when the terminal is narrow.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row as TRow, StatefulWidget, Table, TableState, Widget};

use super::{focused, health_style, panel};
use crate::tui::keymap::Action;
use crate::tui::model::{Connection, Focus, Model};
use crate::tui::rows::{HealthClass, Row};
use crate::tui::text::{ellipsize, visible};

pub struct ServicesTable<'a> {
    pub m: &'a Model,
    pub rows: &'a [Row],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Service,
    State,
    Health,
    Check,
    Restarts,
    Uptime,
    Ports,
    Cpu,
    Mem,
    History,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Service => "SERVICE",
            Col::State => "STATE",
            Col::Health => "HEALTH",
            Col::Check => "CHECK",
            Col::Restarts => "↻",
            Col::Uptime => "UP",
            Col::Ports => "PORTS",
            Col::Cpu => "CPU",
            Col::Mem => "MEM",
            Col::History => "CPU HISTORY",
        }
    }
}

/// Columns in order of importance with their widths; the first ones always show.
fn columns(width: u16, name_w: u16) -> Vec<(Col, u16)> {
    let all = [
        (Col::Service, name_w),
        (Col::State, 18),
        (Col::Health, 9),
        (Col::Check, 13),
        (Col::Restarts, 3),
        (Col::Uptime, 6),
        (Col::Cpu, 6),
        (Col::Mem, 10),
        (Col::Ports, 24),
        (Col::History, 12),
    ];
    let mut used = 4; // borders + highlight symbol
    let mut out = Vec::new();
    for (c, w) in all {
        if used + w + 1 > width && out.len() >= 3 {
            continue;
        }
        used += w + 1;
        out.push((c, w));
    }
    // Display order: ports before cpu as people read left to right.
    let order = [
        Col::Service,
        Col::State,
        Col::Health,
        Col::Check,
        Col::Restarts,
        Col::Uptime,
        Col::Ports,
        Col::Cpu,
        Col::Mem,
        Col::History,
    ];
    order
        .iter()
        .filter_map(|c| out.iter().find(|(x, _)| x == c).copied())
        .collect()
}

fn all_row<'a>(m: &Model, rows: &[Row], cols: &[(Col, u16)]) -> TRow<'a> {
    let t = &m.config.theme;
    let running = rows
        .iter()
        .filter(|r| r.state.starts_with("running"))
        .count();
    let bad = rows
        .iter()
        .filter(|r| matches!(r.class, HealthClass::Unhealthy | HealthClass::Exited))
        .count();
    let starting = rows
        .iter()
        .filter(|r| r.class == HealthClass::Starting)
        .count();
    let (health, class) = if bad > 0 {
        (format!("{bad} failing"), HealthClass::Unhealthy)
    } else if starting > 0 {
        (format!("{starting} starting"), HealthClass::Starting)
    } else if running > 0 {
        ("all ok".to_string(), HealthClass::Healthy)
    } else {
        ("—".to_string(), HealthClass::Inactive)
    };
    let cells = cols.iter().map(|(c, _)| match c {
        Col::Service => Cell::from("all services").style(Style::new().add_modifier(Modifier::BOLD)),
        Col::State => Cell::from(format!("{running}/{} running", rows.len())),
        Col::Health => Cell::from(health.clone()).style(health_style(class, t)),
        _ => Cell::from(""),
    });
    TRow::new(cells)
}

fn service_row<'a>(m: &Model, r: &Row, cols: &[(Col, u16)]) -> TRow<'a> {
    let t = &m.config.theme;
    let hs = health_style(r.class, t);
    let cells = cols.iter().map(|(c, w)| {
        let w = *w as usize;
        match c {
            Col::Service => Cell::from(ellipsize(&visible(&r.name), w)),
            Col::State => {
                let style = match r.class {
                    HealthClass::Exited | HealthClass::Restarting | HealthClass::Inactive => hs,
                    _ => Style::new(),
                };
                Cell::from(ellipsize(&r.state, w)).style(style)
            }
            Col::Health => Cell::from(r.health.clone()).style(hs),
            Col::Check => Cell::from(r.check.clone()).style(hs),
            Col::Restarts => {
                let style = if r.restarts > 0 {
                    Style::new().fg(t.starting)
                } else {
                    Style::new()
                };
                Cell::from(if r.restarts > 0 {
                    r.restarts.to_string()
                } else {
                    String::new()
                })
                .style(style)
            }
            Col::Uptime => Cell::from(r.uptime.clone()),
            Col::Ports => Cell::from(ellipsize(&r.ports, w)),
            Col::Cpu => Cell::from(Line::from(r.cpu_text()).right_aligned()),
            Col::Mem => Cell::from(Line::from(r.mem_text()).right_aligned()),
            Col::History => Cell::from(r.spark.clone()).style(Style::new().fg(t.accent)),
        }
    });
    let mut row = TRow::new(cells);
    if r.class == HealthClass::Inactive {
        row = row.style(Style::new().fg(t.inactive));
    }
    row
}

impl Widget for &ServicesTable<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let m = self.m;
        let t = &m.config.theme;
        let name_w = self
            .rows
            .iter()
            .map(|r| r.name.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(12, 24) as u16;
        let cols = columns(area.width, name_w);
        let mut title = vec![
            Span::raw(" Services "),
            Span::styled(
                format!("sort: {} ", m.sort.label()),
                Style::new().fg(t.inactive),
            ),
        ];
        if !m.filter.is_empty() {
            title.push(Span::styled(
                format!("filter: {} ", visible(&m.filter)),
                Style::new().fg(t.search).add_modifier(Modifier::BOLD),
            ));
        }
        let stale = matches!(m.connection, Connection::Disconnected { .. });
        if stale {
            title.push(Span::styled(
                "STALE: last known state ",
                Style::new().fg(t.unhealthy).add_modifier(Modifier::BOLD),
            ));
        }
        let header = TRow::new(cols.iter().map(|(c, _)| Cell::from(c.title())))
            .style(Style::new().fg(t.inactive).add_modifier(Modifier::BOLD));
        let mut body = vec![all_row(m, self.rows, &cols)];
        body.extend(self.rows.iter().map(|r| service_row(m, r, &cols)));
        let selected = match &m.selected {
            None => 0,
            Some(s) => self
                .rows
                .iter()
                .position(|r| &r.name == s)
                .map_or(0, |i| i + 1),
        };
        let mut table = Table::new(body, cols.iter().map(|(_, w)| Constraint::Length(*w)))
            .header(header)
            .block(panel(Line::from(title), focused(m, Focus::Services), t))
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
            .highlight_symbol("▶");
        if stale {
            table = table.style(Style::new().add_modifier(Modifier::DIM));
        }
        let mut state = TableState::default().with_selected(Some(selected));
        StatefulWidget::render(table, area, buf, &mut state);
    }
}

/// This pane's key hints for the footer.
pub fn hints(m: &Model) -> Vec<(Action, &'static str)> {
    let mut h = vec![
        (Action::Down, "select"),
        (Action::Filter, "filter"),
        (Action::Sort, "sort"),
    ];
    if m.selected.is_some() {
        h.push((Action::Details, "details"));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_tables_keep_the_important_columns() {
        let names = |w| {
            columns(w, 12)
                .iter()
                .map(|(c, _)| c.title())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(40), ["SERVICE", "STATE", "HEALTH"]);
        assert_eq!(names(60), ["SERVICE", "STATE", "HEALTH", "CHECK"]);
        assert_eq!(names(70), ["SERVICE", "STATE", "HEALTH", "CHECK", "↻"]);
        assert_eq!(
            names(200),
            [
                "SERVICE",
                "STATE",
                "HEALTH",
                "CHECK",
                "↻",
                "UP",
                "PORTS",
                "CPU",
                "MEM",
                "CPU HISTORY"
            ]
        );
    }
}
