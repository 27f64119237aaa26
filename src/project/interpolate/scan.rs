//! The matcher for Compose's template expression (see the parent module's documentation):
//! a hand-written, allocation-free equivalent of
//! `\$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|\{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*))?)\}|(?P<invalid>)))`
//! with the regex engine's leftmost-first semantics. The unit tests check it against the
//! `regex` crate running that very expression.

/// One match of Compose's template expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `$$`
    Escaped,
    /// `$NAME`
    Named(&'a str),
    /// `${…}`: the text between the braces.
    Braced(&'a str),
    /// `${` followed by something that is not a valid braced expression.
    Invalid,
}

fn is_name_start(c: char) -> bool {
    // `(?i)[_a-z]` under Unicode simple case folding also admits KELVIN SIGN and LONG S.
    c == '_' || c.is_ascii_alphabetic() || c == '\u{212A}' || c == '\u{17F}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

/// Length in bytes of the name starting at `s[0]`, or 0 when `s` does not start with one.
fn name_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return 0,
    }
    chars
        .find(|&(_, c)| !is_name_char(c))
        .map_or(s.len(), |(i, _)| i)
}

/// The leftmost match at or after byte `from`: `(start, end, token)`.
pub(crate) fn scan(s: &str, from: usize) -> Option<(usize, usize, Token<'_>)> {
    let mut i = from;
    while let Some(off) = s.get(i..).and_then(|t| t.find('$')) {
        let start = i + off;
        let after = &s[start + 1..];
        if after.starts_with('$') {
            return Some((start, start + 2, Token::Escaped));
        }
        let n = name_len(after);
        if n > 0 {
            let end = start + 1 + n;
            return Some((start, end, Token::Named(&s[start + 1..end])));
        }
        if let Some(inner) = after.strip_prefix('{') {
            let body_start = start + 2;
            let n = name_len(inner);
            if n > 0 {
                let rest = &inner[n..];
                // Optional `:?[-+?](.*)` — greedy, so it ends at the last `}` of the line.
                let op_len = match rest.as_bytes() {
                    [b':', b'-' | b'+' | b'?', ..] => 2,
                    [b'-' | b'+' | b'?', ..] => 1,
                    _ => 0,
                };
                if op_len > 0 {
                    let line = &rest[op_len..];
                    let line = &line[..line.find('\n').unwrap_or(line.len())];
                    if let Some(close) = line.rfind('}') {
                        let body_end = body_start + n + op_len + close;
                        return Some((
                            start,
                            body_end + 1,
                            Token::Braced(&s[body_start..body_end]),
                        ));
                    }
                }
                if rest.starts_with('}') {
                    let body_end = body_start + n;
                    return Some((start, body_end + 1, Token::Braced(&s[body_start..body_end])));
                }
            }
            return Some((start, start + 2, Token::Invalid));
        }
        // No match at this `$`: the search resumes at the next byte.
        i = start + 1;
    }
    None
}
