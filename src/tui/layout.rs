//! Where each panel goes for a given terminal size. A pure function, used by the renderer
//! and by `update` (page sizes), so both always agree.

use ratatui::layout::Rect;

use crate::tui::model::Model;

/// Below this size the dashboard shows a notice instead of panels.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub header: Rect,
    pub services: Rect,
    pub logs: Rect,
    pub ops: Rect,
    pub footer: Rect,
}

pub fn is_tiny(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// The panels' areas inside `screen`, or None when it is too small.
pub fn areas(m: &Model, screen: Rect, services_rows: usize) -> Option<Areas> {
    let (w, h) = (screen.width, screen.height);
    let (x0, y0) = (screen.x, screen.y);
    if is_tiny(w, h) {
        return None;
    }
    let header = Rect::new(x0, y0, w, 2);
    let footer = Rect::new(x0, y0 + h - 1, w, 1);
    let body_h = h - 3;
    // Services: all row + one per service + column header + borders, as long as the logs
    // keep 40 % of the body (at least 8 rows): at 80×24, a dozen services all show.
    let want = u16::try_from(services_rows)
        .unwrap_or(u16::MAX)
        .saturating_add(4);
    let logs_min = (body_h * 40 / 100).max(8);
    let services_h = want.min(body_h.saturating_sub(logs_min)).max(5);
    let rest = body_h - services_h;
    let ops_h = if m.ops.is_empty() {
        0
    } else {
        (rest * 35 / 100).clamp(4, 12).min(rest.saturating_sub(4))
    };
    let logs_h = rest - ops_h;
    let services = Rect::new(x0, y0 + 2, w, services_h);
    let logs = Rect::new(x0, y0 + 2 + services_h, w, logs_h);
    let ops = Rect::new(x0, y0 + 2 + services_h + logs_h, w, ops_h);
    Some(Areas {
        header,
        services,
        logs,
        ops,
        footer,
    })
}

/// The model's own screen (its last known terminal size).
pub fn screen(m: &Model) -> Rect {
    Rect::new(0, 0, m.width, m.height)
}

/// Text lines visible inside a bordered area.
pub fn inner_height(r: Rect) -> usize {
    r.height.saturating_sub(2) as usize
}

/// Width of a bordered area's inside.
pub fn inner_width(r: Rect) -> usize {
    r.width.saturating_sub(2) as usize
}

/// A centred popup of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    #[test]
    fn panels_tile_the_screen() {
        for (w, h) in [(60, 14), (80, 24), (100, 30), (250, 80)] {
            let mut m = fixtures::model();
            m.width = w;
            m.height = h;
            let a = areas(&m, screen(&m), 7).expect("not tiny");
            assert_eq!(
                a.header.height
                    + a.services.height
                    + a.logs.height
                    + a.ops.height
                    + a.footer.height,
                h
            );
            assert!(a.logs.height >= 4, "{w}x{h}: {a:?}");
        }
    }

    #[test]
    fn tiny_terminals_get_no_panels() {
        let mut m = fixtures::model();
        for (w, h) in [(0, 0), (1, 1), (59, 40), (200, 13)] {
            m.width = w;
            m.height = h;
            assert_eq!(areas(&m, screen(&m), 7), None, "{w}x{h}");
        }
    }

    #[test]
    fn centred_popup_fits() {
        let r = centered(Rect::new(0, 0, 20, 10), 50, 4);
        assert_eq!(r, Rect::new(0, 3, 20, 4));
    }
}
