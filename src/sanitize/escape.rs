//! Text from compose files (names, keys, values, `${VAR:?message}` texts) and names from the
//! Engine: kept as written, but every character that could act on a terminal is shown as a
//! visible escape instead of reaching it.

use std::borrow::Cow;

/// Bidirectional-text controls: ALM, LRM/RLM, the embeddings/overrides LRE…RLO (and PDF),
/// the isolates LRI…PDI.
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A character that must not reach a terminal as itself: C0 controls (including ESC, but
/// not `\t`/`\n`, which each caller decides about), DEL, C1 controls, bidi controls.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || is_bidi(c)
}

fn push_escaped(out: &mut String, c: char) {
    out.push_str(&format!("\\u{{{:x}}}", c as u32));
}

fn escape_with(s: &str, keep_layout: bool) -> Cow<'_, str> {
    let bad = |c: char| is_unsafe(c) || (!keep_layout && (c == '\t' || c == '\n'));
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One-line text (a name, key or value): every control or bidi character, `\t` and `\n`
/// included, becomes `\u{…}` (e.g. ESC is `\u{1b}`, RLO is `\u{202e}`).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, false)
}

/// Multi-line text (an error message with its hint, a warning): like [`escape`] but `\n` and
/// `\t` stay as they are.
pub fn escape_text(s: &str) -> Cow<'_, str> {
    escape_with(s, true)
}

/// For a dashboard cell: one character per character, so widths stay right: a tab becomes a
/// space, ESC `␛`, every other control or bidi character U+FFFD.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || is_bidi(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' => ' ',
                '\u{1b}' => '␛',
                c if c.is_control() || is_bidi(c) => '\u{fffd}',
                c => c,
            })
            .collect(),
    )
}

/// JSON text as serde_json writes it, with DEL, C1 and bidi controls written as `\uXXXX`
/// escapes too (serde_json escapes only C0). Those characters can occur only inside string
/// literals, so the result is valid JSON that decodes to the same values, and printing it to
/// a terminal cannot move the cursor or reorder the text.
pub fn json_safe(json: String) -> String {
    if !json
        .chars()
        .any(|c| (c.is_control() && c != '\n') || is_bidi(c))
    {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if (c.is_control() && c != '\n') || is_bidi(c) {
            // Outside strings serde_json writes only `\n` and spaces; inside strings every
            // C0 is already escaped, so this is DEL, C1 or bidi: all in the BMP.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_visibly() {
        let cases = [
            ("api", "api"),
            ("a\u{1b}]0;pwned\u{7}b", "a\\u{1b}]0;pwned\\u{7}b"),
            ("\u{1b}[2Jx", "\\u{1b}[2Jx"),
            ("evil\u{202e}txt.exe", "evil\\u{202e}txt.exe"),
            ("i\u{2066}so\u{2069}", "i\\u{2066}so\\u{2069}"),
            ("lrm\u{200e}alm\u{61c}", "lrm\\u{200e}alm\\u{61c}"),
            ("c1\u{9b}31m", "c1\\u{9b}31m"),
            ("del\u{7f}", "del\\u{7f}"),
            ("tab\tnl\n", "tab\\u{9}nl\\u{a}"),
            ("日本 ✓", "日本 ✓"),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), want, "{input:?}");
        }
        assert_eq!(
            escape_text("line one\n  hint: \u{1b}[2J\u{202e}"),
            "line one\n  hint: \\u{1b}[2J\\u{202e}"
        );
    }

    #[test]
    fn visible_is_one_char_per_char() {
        let cases = [
            ("plain", "plain"),
            ("a\u{1b}]52;c;aGk=\u{7}b", "a␛]52;c;aGk=\u{fffd}b"),
            ("tab\there", "tab here"),
            ("rlo\u{202e}x", "rlo\u{fffd}x"),
            ("c1\u{9b}31m", "c1\u{fffd}31m"),
        ];
        for (input, want) in cases {
            assert_eq!(visible(input), want, "{input:?}");
        }
    }

    #[test]
    fn json_safe_is_valid_json_with_the_same_values() {
        let v = serde_json::json!({
            "name": "a\u{1b}[2Jb\u{202e}c\u{9b}d\u{7f}e\u{2067}",
            "list": ["\u{200f}", "ok ✓"]
        });
        for text in [
            serde_json::to_string(&v).unwrap_or_default(),
            serde_json::to_string_pretty(&v).unwrap_or_default(),
        ] {
            let safe = json_safe(text);
            assert!(!safe.chars().any(|c| is_unsafe(c) || c == '\t'), "{safe:?}");
            assert!(
                safe.contains("\\u202e") && safe.contains("\\u009b"),
                "{safe}"
            );
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
            assert_eq!(back, v);
        }
    }
}
