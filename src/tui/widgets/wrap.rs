//! Word wrapping for dialogs (pure): a styled line longer than the width breaks between
//! words, and every piece after the first keeps the line's own indent plus a hanging indent,
//! so a wrapped command still reads as one indented item. A word longer than a whole line is
//! split (nothing is ever lost). Styles stay on their characters.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// Extra indent of the continuation pieces of a wrapped line.
pub const HANG: usize = 2;

/// `line` broken into pieces of at most `width` columns (see the module documentation).
pub fn wrap_line(line: &Line<'_>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let chars: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let cw = |c: char| c.width().unwrap_or(0);
    let total: usize = chars.iter().map(|(c, _)| cw(*c)).sum();
    if total <= width {
        return vec![owned(line)];
    }
    let indent = chars.iter().take_while(|(c, _)| *c == ' ').count();
    // Continuation indent, never so deep that no text fits.
    let cont = (indent + HANG).min(width / 2);
    // Words: (start, end) char ranges of non-space runs after the indent.
    let mut words = Vec::new();
    let mut i = indent;
    while i < chars.len() {
        if chars[i].0 == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].0 != ' ' {
            i += 1;
        }
        words.push((start, i));
    }
    let mut out: Vec<Vec<(char, Style)>> = Vec::new();
    let mut cur: Vec<(char, Style)> = chars[..indent].to_vec();
    let mut cur_w = indent;
    let mut has_word = false;
    let mut prev_end = indent;
    for (start, end) in words {
        let word = &chars[start..end];
        let word_w: usize = word.iter().map(|(c, _)| cw(*c)).sum();
        // The spaces between the previous word and this one, with their style.
        let gap = &chars[prev_end..start];
        let gap_w = if has_word { gap.len() } else { 0 };
        prev_end = end;
        if has_word && cur_w + gap_w + word_w > width {
            out.push(std::mem::take(&mut cur));
            cur = vec![(' ', Style::default()); cont];
            cur_w = cont;
            has_word = false;
        }
        if has_word {
            cur.extend_from_slice(gap);
            cur_w += gap_w;
        }
        for &(c, st) in word {
            let w = cw(c);
            if cur_w + w > width && cur_w > cont {
                out.push(std::mem::take(&mut cur));
                cur = vec![(' ', Style::default()); cont];
                cur_w = cont;
            }
            cur.push((c, st));
            cur_w += w;
        }
        has_word = true;
    }
    out.push(cur);
    out.into_iter()
        .map(|piece| {
            let mut l = Line::from(spans(&piece));
            l.style = line.style;
            l
        })
        .collect()
}

/// Every line of `lines` wrapped to `width`.
pub fn wrap_lines(lines: &[Line<'_>], width: usize) -> Vec<Line<'static>> {
    lines.iter().flat_map(|l| wrap_line(l, width)).collect()
}

/// Runs of equal style as spans.
fn spans(chars: &[(char, Style)]) -> Vec<Span<'static>> {
    let mut out: Vec<Span<'static>> = Vec::new();
    for &(c, st) in chars {
        match out.last_mut() {
            Some(last) if last.style == st => last.content.to_mut().push(c),
            _ => out.push(Span::styled(c.to_string(), st)),
        }
    }
    out
}

fn owned(line: &Line<'_>) -> Line<'static> {
    let mut l = Line::from(
        line.spans
            .iter()
            .map(|s| Span::styled(s.content.to_string(), s.style))
            .collect::<Vec<_>>(),
    );
    l.style = line.style;
    l.alignment = line.alignment;
    l
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Style};
    use ratatui::text::{Line, Span};

    use super::*;

    fn text(l: &Line<'_>) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_wrapped_command_keeps_its_indent() {
        let l =
            Line::raw("  docker compose -p shop -f /p/compose.yaml -f /p/compose.prod.yaml up -d");
        let got: Vec<String> = wrap_line(&l, 30).iter().map(text).collect();
        assert_eq!(
            got,
            [
                "  docker compose -p shop -f",
                "    /p/compose.yaml -f",
                "    /p/compose.prod.yaml up -d",
            ]
        );
        for g in &got {
            assert!(g.chars().count() <= 30, "{g:?}");
        }
        // Nothing is lost or reordered.
        let words: Vec<&str> = got.iter().flat_map(|g| g.split_whitespace()).collect();
        assert_eq!(words.join(" "), l.to_string().trim());
    }

    #[test]
    fn short_lines_are_unchanged_and_long_words_are_split() {
        let l = Line::raw("  fits");
        assert_eq!(
            wrap_line(&l, 10).iter().map(text).collect::<Vec<_>>(),
            ["  fits"]
        );
        let long = Line::raw(format!("x {}", "y".repeat(25)));
        let got: Vec<String> = wrap_line(&long, 10).iter().map(text).collect();
        assert!(got.iter().all(|g| g.chars().count() <= 10), "{got:?}");
        assert_eq!(got.concat().matches('y').count(), 25);
    }

    #[test]
    fn styles_stay_on_their_words() {
        let red = Style::new().fg(Color::Red);
        let l = Line::from(vec![
            Span::raw("    12:00:01  "),
            Span::styled("exit 1  ", red),
            Span::raw("connection refused by the database at db:5432"),
        ]);
        let got = wrap_line(&l, 30);
        assert!(got.len() > 1);
        assert!(
            got[0]
                .spans
                .iter()
                .any(|s| s.style == red && s.content.contains("exit 1"))
        );
        assert!(
            got[1..]
                .iter()
                .all(|l| l.spans.iter().all(|s| s.style != red))
        );
        assert!(got[1..].iter().all(|l| text(l).starts_with("      ")));
    }
}
