//! Log pane positioning: follow, scroll by lines, search with n/N. Positions are sequence
//! numbers, so lines arriving while the user reads never move the view.

use super::flash;
use crate::tui::layout;
use crate::tui::logbuf::find_matches;
use crate::tui::model::{Level, Model};
use crate::tui::rows;

/// Text lines the log pane shows at the current size.
pub fn visible_log_height(m: &Model) -> usize {
    let n = rows::rows(m).len();
    layout::areas(m, layout::screen(m), n).map_or(1, |a| layout::inner_height(a.logs).max(1))
}

/// The sequence number of the bottom line on screen (None: nothing to show).
pub fn bottom_seq(m: &Model) -> Option<u64> {
    let src = m.log_source();
    let newest = m.logs.newest_seq(src)?;
    if m.log_view.follow {
        return Some(newest);
    }
    let anchor = m.log_view.anchor.unwrap_or(newest);
    // An anchor evicted from the ring buffer clamps to the oldest line kept.
    let oldest = m.logs.oldest_seq(src).unwrap_or(anchor);
    Some(anchor.max(oldest).min(newest))
}

/// The lowest bottom line that still fills the pane (so scrolling to the top shows a page).
fn min_bottom(m: &Model) -> Option<u64> {
    let src = m.log_source();
    let h = visible_log_height(m);
    m.logs
        .iter_oldest_first(src)
        .nth(h.saturating_sub(1))
        .map(|r| r.seq)
        .or_else(|| m.logs.newest_seq(src))
}

pub(super) fn scroll_up(m: &mut Model, n: usize) {
    let src = m.log_source();
    let Some(bottom) = bottom_seq(m) else {
        return;
    };
    let floor = min_bottom(m).unwrap_or(bottom);
    let target = m
        .logs
        .iter_back(src, Some(bottom))
        .take(n.saturating_add(1))
        .last()
        .map_or(bottom, |r| r.seq);
    let target = target.max(floor.min(bottom));
    m.log_view.follow = false;
    m.log_view.anchor = Some(target);
}

pub(super) fn scroll_down(m: &mut Model, n: usize) {
    if m.log_view.follow {
        return;
    }
    let src = m.log_source();
    let Some(bottom) = bottom_seq(m) else {
        return;
    };
    match m.logs.iter_forward(src, bottom).nth(n.saturating_sub(1)) {
        Some(r) if m.logs.newest_seq(src) != Some(r.seq) => m.log_view.anchor = Some(r.seq),
        // Reaching the newest line resumes following.
        _ => {
            m.log_view.follow = true;
            m.log_view.anchor = None;
        }
    }
}

fn show_hit(m: &mut Model, seq: u64) {
    m.log_view.hit = Some(seq);
    m.log_view.follow = false;
    m.log_view.anchor = Some(seq);
}

/// `/` + Enter: the newest match at or above the bottom of the screen.
pub(super) fn start_search(m: &mut Model, query: String) {
    if query.is_empty() {
        m.log_view.search = None;
        m.log_view.hit = None;
        return;
    }
    let src = m.log_source();
    let from = bottom_seq(m);
    let hit = from.and_then(|b| {
        m.logs
            .iter_back(src, Some(b))
            .find(|r| !find_matches(&r.text, &query).is_empty())
            .map(|r| r.seq)
    });
    match hit {
        Some(seq) => show_hit(m, seq),
        None => flash(m, Level::Warn, format!("no line matches `{query}`")),
    }
    m.log_view.search = Some(query);
}

/// `n` (older = true) and `N` (newer).
pub(super) fn next_match(m: &mut Model, older: bool) {
    let Some(query) = m.log_view.search.clone() else {
        flash(m, Level::Info, "no search yet: press / in the log pane");
        return;
    };
    let src = m.log_source();
    let Some(from) = m.log_view.hit.or_else(|| bottom_seq(m)) else {
        return;
    };
    let found = if older {
        from.checked_sub(1).and_then(|f| {
            m.logs
                .iter_back(src, Some(f))
                .find(|r| !find_matches(&r.text, &query).is_empty())
                .map(|r| r.seq)
        })
    } else {
        m.logs
            .iter_forward(src, from)
            .find(|r| !find_matches(&r.text, &query).is_empty())
            .map(|r| r.seq)
    };
    match found {
        Some(seq) => show_hit(m, seq),
        None => {
            let which = if older { "older" } else { "newer" };
            flash(m, Level::Info, format!("no {which} line matches `{query}`"));
        }
    }
}
