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

/// Columns in order of priority: when the terminal is narrow, the last ones go first (CPU
/// history, memory, CPU, uptime…), health, its check and the ports last. The name gives up
/// its extra width (down to [`NAME_MIN`]) before any of them goes.
const PRIORITY: [Col; 9] = [
    Col::Health,
    Col::Check,
    Col::State,
    Col::Ports,
    Col::Restarts,
    Col::Uptime,
    Col::Cpu,
    Col::Mem,
    Col::History,
];

/// Left to right.
const DISPLAY: [Col; 10] = [
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

/// The narrowest a service name gets before other columns are dropped (longer names end
/// with `…`).
const NAME_MIN: usize = 16;

/// What the "all services" row says: (state, health, class).
fn all_texts(rows: &[Row]) -> (String, String, HealthClass) {
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
    (format!("{running}/{} running", rows.len()), health, class)
}

fn restarts_text(r: &Row) -> String {
    if r.restarts > 0 {
        r.restarts.to_string()
    } else {
        String::new()
    }
}

/// The width column `c` needs for `rows` (its title, its widest cell; capped where a cell
/// can be cut with `…`).
fn needs(c: Col, rows: &[Row]) -> usize {
    use unicode_width::UnicodeWidthStr;
    let (all_state, all_health, _) = all_texts(rows);
    let widest = |f: &dyn Fn(&Row) -> String| rows.iter().map(|r| f(r).width()).max().unwrap_or(0);
    let w = match c {
        Col::Service => widest(&|r| visible(&r.name).into_owned()).clamp(12, 32),
        Col::State => widest(&|r| r.state.clone()).max(all_state.width()).min(20),
        Col::Health => widest(&|r| r.health.clone()).max(all_health.width()),
        Col::Check => widest(&|r| r.check.clone()).min(16),
        Col::Restarts => widest(&restarts_text),
        Col::Uptime => widest(&|r| r.uptime.clone()),
        Col::Ports => widest(&|r| r.ports.clone()).min(32),
        Col::Cpu => widest(&Row::cpu_text),
        Col::Mem => widest(&Row::mem_text),
        Col::History => widest(&|r| r.spark.clone()),
    };
    w.max(c.title().width())
}

/// Whether column `c` has anything to show: the optional ones (restarts, uptime, ports,
/// CPU, memory, history) stay out while every cell would be empty.
fn shown(c: Col, rows: &[Row]) -> bool {
    match c {
        Col::Restarts => rows.iter().any(|r| r.restarts > 0),
        Col::Uptime => rows.iter().any(|r| !r.uptime.is_empty()),
        Col::Ports => rows.iter().any(|r| !r.ports.is_empty()),
        Col::Cpu => rows.iter().any(|r| r.cpu.is_some()),
        Col::Mem => rows.iter().any(|r| r.mem.is_some()),
        Col::History => rows.iter().any(|r| !r.spark.is_empty()),
        Col::Service | Col::State | Col::Health | Col::Check => true,
    }
}

/// The columns that fit in a table `width` wide (borders included), with their widths, left
/// to right.
fn columns(width: u16, rows: &[Row]) -> Vec<(Col, u16)> {
    // Borders and the highlight symbol.
    let budget = usize::from(width).saturating_sub(3);
    let name_full = needs(Col::Service, rows);
    let mut name = name_full.min(NAME_MIN);
    let mut used = name;
    let mut chosen: Vec<(Col, usize)> = Vec::new();
    for c in PRIORITY {
        if c == Col::History {
            // The name gets its full width back before the history takes any.
            let grow = (name_full - name).min(budget.saturating_sub(used));
            name += grow;
            used += grow;
        }
        let w = needs(c, rows);
        if !shown(c, rows) {
            continue;
        }
        if used + 1 + w <= budget {
            used += 1 + w;
            chosen.push((c, w));
        }
    }
    chosen.push((Col::Service, name));
    DISPLAY
        .iter()
        .filter_map(|c| chosen.iter().find(|(x, _)| x == c))
        .map(|(c, w)| (*c, u16::try_from(*w).unwrap_or(u16::MAX)))
        .collect()
}

fn all_row<'a>(m: &Model, rows: &[Row], cols: &[(Col, u16)]) -> TRow<'a> {
    let t = &m.config.theme;
    let (state, health, class) = all_texts(rows);
    let cells = cols.iter().map(|(c, w)| match c {
        Col::Service => Cell::from(ellipsize("all services", *w as usize))
            .style(Style::new().add_modifier(Modifier::BOLD)),
        Col::State => Cell::from(state.clone()),
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
            Col::Health => Cell::from(ellipsize(&r.health, w)).style(hs),
            Col::Check => Cell::from(ellipsize(&r.check, w)).style(hs),
            Col::Restarts => {
                let style = if r.restarts > 0 {
                    Style::new().fg(t.starting)
                } else {
                    Style::new()
                };
                Cell::from(restarts_text(r)).style(style)
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
        let cols = columns(area.width, self.rows);
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
    fn narrow_tables_keep_health_and_ports_before_cpu_and_memory() {
        let m = crate::tui::fixtures::realistic_model(80, 24);
        let rows = crate::tui::rows::rows(&m);
        let names = |w| {
            columns(w, &rows)
                .iter()
                .map(|(c, _)| c.title())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(60), ["SERVICE", "STATE", "HEALTH", "CHECK", "↻"]);
        assert_eq!(
            names(80),
            ["SERVICE", "STATE", "HEALTH", "CHECK", "↻", "PORTS"]
        );
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
        // Every column fits its widest cell, so no word is cut (only names, with `…`).
        for w in [60, 80, 120, 200] {
            let cols = columns(w, &rows);
            let used: u16 = cols.iter().map(|(_, w)| w + 1).sum::<u16>() + 2;
            assert!(used <= w, "{w}: {used}");
            for (c, cw) in cols {
                if c != Col::Service {
                    assert!(usize::from(cw) >= needs(c, &rows), "{w}: {}", c.title());
                }
            }
        }
    }
}
