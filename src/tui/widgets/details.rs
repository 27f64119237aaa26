//! Details of one service (Enter): its containers, health-check definition and history
//! with outputs, mounts with external/protected marks, environment with secrets masked,
//! and the files that defined it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::{marker, panel};
use crate::engine::model::{Container, ServiceStatus};
use crate::secrets::mask_text;
use crate::tui::info::masked_value;
use crate::tui::model::Model;
use crate::tui::text::visible;

pub struct DetailsPopup<'a> {
    pub m: &'a Model,
    pub service: &'a str,
    pub scroll: u16,
}

fn short_time(ts: &Option<crate::engine::model::Timestamp>) -> String {
    ts.map_or_else(|| "?".to_string(), |t| t.format("%H:%M:%S").to_string())
}

fn section(title: &str, m: &Model) -> Line<'static> {
    Line::from(Span::styled(
        title.to_string(),
        Style::new()
            .fg(m.config.theme.accent)
            .add_modifier(Modifier::BOLD),
    ))
}

fn container_lines(m: &Model, c: &Container, out: &mut Vec<Line<'static>>) {
    let id: String = c.id.chars().take(12).collect();
    let mut facts = vec![format!("{:?}", c.state).to_lowercase()];
    if let Some(code) = c.exit_code {
        facts.push(format!("exit {code}"));
    }
    if c.oom_killed {
        facts.push("OOM-killed".into());
    }
    facts.push(format!("restarts {}", c.restart_count));
    facts.push(format!("image {}", visible(&c.image)));
    out.push(Line::raw(format!(
        "  {}  {id}  {}",
        visible(&c.name),
        facts.join(" · ")
    )));
    if !c.probes.is_empty() {
        out.push(Line::raw("  health-check history (oldest first):"));
    }
    let t = &m.config.theme;
    for p in &c.probes {
        let style = if p.exit_code == 0 {
            Style::new().fg(t.healthy)
        } else {
            Style::new().fg(t.unhealthy)
        };
        let mut lines = p.output.lines().filter(|l| !l.trim().is_empty());
        let first = lines.next().unwrap_or("(no output)");
        out.push(Line::from(vec![
            Span::raw(format!("    {}  ", short_time(&p.start))),
            Span::styled(format!("exit {:<3}", p.exit_code), style),
            Span::raw(format!(" {}", visible(&mask_text(first)))),
        ]));
        for more in lines.take(4) {
            out.push(Line::raw(format!(
                "                     {}",
                visible(&mask_text(more))
            )));
        }
    }
}

/// Every line of the details of `service`.
/// `width`: the popup's inner width; long lists (the keys a file defined) wrap to it.
pub fn lines(m: &Model, service: &str, width: usize) -> Vec<Line<'static>> {
    let t = &m.config.theme;
    let info = m.info.service(service);
    let status: Option<&ServiceStatus> = m
        .snapshot
        .as_ref()
        .and_then(|s| s.services.iter().find(|x| x.name == service));
    let mut out = Vec::new();
    out.push(section("Containers", m));
    match status.map(|s| s.containers.as_slice()) {
        Some([]) | None => {
            let why = if info.is_some_and(|i| i.profile_disabled) {
                format!(
                    "  none: disabled by profile ({})",
                    info.map(|i| i.profiles.join(", ")).unwrap_or_default()
                )
            } else {
                "  none: not created yet".to_string()
            };
            out.push(Line::raw(why));
        }
        Some(cs) => cs.iter().for_each(|c| container_lines(m, c, &mut out)),
    }
    out.push(Line::raw(""));
    out.push(section("Health check", m));
    match info.and_then(|i| i.healthcheck.as_ref()) {
        None => out.push(Line::raw("  none defined")),
        Some(h) => {
            out.push(Line::raw(format!(
                "  test: {}",
                visible(&mask_text(&h.test))
            )));
            let mut f = Vec::new();
            if let Some(d) = h.interval {
                f.push(format!("every {}s", d.as_secs_f64()));
            }
            if let Some(d) = h.timeout {
                f.push(format!("timeout {}s", d.as_secs_f64()));
            }
            if let Some(r) = h.retries {
                f.push(format!("retries {r}"));
            }
            if let Some(d) = h.start_period {
                f.push(format!("start period {}s", d.as_secs_f64()));
            }
            if !f.is_empty() {
                out.push(Line::raw(format!("  {}", f.join(" · "))));
            }
        }
    }
    out.push(Line::raw(""));
    out.push(section("Mounts", m));
    let mounts = info.map(|i| i.mounts.as_slice()).unwrap_or(&[]);
    if mounts.is_empty() {
        out.push(Line::raw("  none"));
    }
    for mt in mounts {
        let src = match (&mt.volume_name, &mt.source) {
            (Some(v), _) => v.clone(),
            (None, Some(s)) => s.clone(),
            (None, None) => "(anonymous)".to_string(),
        };
        let ro = if mt.read_only { " (ro)" } else { "" };
        let mut spans = vec![Span::raw(format!(
            "  {:<7} {} → {}{ro}  ",
            mt.kind,
            visible(&src),
            visible(&mt.target)
        ))];
        if mt.external {
            spans.push(marker(" external: never deleted ", t.accent, t));
            spans.push(Span::raw(" "));
        }
        if mt.protected {
            spans.push(marker(" protected ", t.protected, t));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::raw(""));
    out.push(section("Environment (secrets masked)", m));
    let env = info.map(|i| i.environment.as_slice()).unwrap_or(&[]);
    if env.is_empty() {
        out.push(Line::raw("  none"));
    }
    for (k, v) in env {
        out.push(Line::raw(format!(
            "  {}={}",
            visible(k),
            visible(&masked_value(
                k,
                v.as_deref(),
                info.is_some_and(|i| i.env_file_keys.contains(k))
            ))
        )));
    }
    out.push(Line::raw(""));
    out.push(section("Defined in", m));
    let files = info.map(|i| i.defined_in.as_slice()).unwrap_or(&[]);
    if files.is_empty() {
        out.push(Line::raw("  (no provenance recorded)"));
    }
    for (f, keys) in files {
        let shown = f.strip_prefix(&m.info.project_dir).unwrap_or(f);
        for l in wrap_list(&format!("  {}: ", shown.display()), keys, width) {
            out.push(Line::raw(l));
        }
    }
    out
}

/// Pure: `head` followed by `items` joined with ", ", broken into lines of at most `width`
/// columns (an item longer than a line gets a line of its own); continuation lines are
/// indented under the first item.
fn wrap_list(head: &str, items: &[String], width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let indent = " ".repeat(head.width().min(width / 2));
    let mut out = Vec::new();
    let mut cur = head.to_string();
    let mut first = true;
    for (i, item) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { "" };
        let piece = format!("{item}{sep}");
        let need = if first { 0 } else { 1 } + piece.width();
        if !first && cur.width() + need > width {
            out.push(std::mem::replace(&mut cur, indent.clone()));
            first = true;
        }
        if !first {
            cur.push(' ');
        }
        cur.push_str(&piece);
        first = false;
    }
    out.push(cur);
    out
}

impl Widget for &DetailsPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let m = self.m;
        let r = Rect::new(
            area.x + area.width / 20,
            area.y + 1,
            area.width - area.width / 10,
            area.height.saturating_sub(2),
        );
        Clear.render(r, buf);
        let inner = r.width.saturating_sub(2) as usize;
        let all = super::wrap::wrap_lines(&lines(m, self.service, inner), inner);
        let max_scroll = all
            .len()
            .saturating_sub(r.height.saturating_sub(2) as usize) as u16;
        let title = format!(" {} · details · esc closes ", visible(self.service));
        Paragraph::new(all)
            .scroll((self.scroll.min(max_scroll), 0))
            .block(panel(Line::from(title), true, &m.config.theme))
            .render(r, buf);
    }
}

#[cfg(test)]
mod wrap_tests {
    use super::wrap_list;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wraps_a_long_key_list_under_its_head() {
        let got = wrap_list(
            "  a.yml: ",
            &keys(&[
                "command",
                "depends_on.db",
                "environment.APP_ENV",
                "healthcheck.retries",
            ]),
            30,
        );
        assert_eq!(
            got,
            vec![
                "  a.yml: command,",
                "         depends_on.db,",
                "         environment.APP_ENV,",
                "         healthcheck.retries",
            ]
        );
        for l in &got {
            assert!(l.len() <= 30, "{l:?}");
        }
        // Fits: one line.
        assert_eq!(
            wrap_list("  a.yml: ", &keys(&["image", "ports"]), 80),
            vec!["  a.yml: image, ports"]
        );
        // An item longer than the width stays whole on its own line; nothing is lost.
        let long = "x".repeat(50);
        let got = wrap_list("  f: ", &keys(&["a", &long, "b"]), 20);
        assert_eq!(got.join(" ").matches(&long).count(), 1);
        assert!(got.iter().any(|l| l.trim() == "b"));
        // No items.
        assert_eq!(wrap_list("  f: ", &[], 20), vec!["  f: "]);
    }
}
