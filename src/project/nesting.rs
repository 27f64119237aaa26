//! A cheap guard run on the text of every YAML file before the YAML crate sees it.
//!
//! the YAML crate (yaml_serde, like serde_yaml before it) refuses documents nested deeper than 128 levels, but its scanner (libyaml)
//! spends time quadratic in the depth of nested flow collections before it gets there:
//! `labels: [[[[…` with 100 000 brackets keeps `devctl config` busy for minutes. Compose
//! files never nest flow collections more than a handful of levels, so text whose `[`/`{`
//! nesting exceeds [`MAX_FLOW_DEPTH`] is refused at once, naming the line and column.
//!
//! The count skips comments and quoted scalars; brackets inside plain or block scalars are
//! counted, which can only over-count for text that is not real nesting. The limit is far
//! above anything the YAML crate accepts (128), so nothing that would load is ever refused
//! unless it holds a thousand unbalanced brackets in its scalars.

use std::path::Path;

use crate::error::{Error, Result};

/// The deepest flow nesting let through to the YAML parser.
pub const MAX_FLOW_DEPTH: usize = 1000;

/// Refuse `text` (the content of `file`) when its flow collections nest deeper than
/// [`MAX_FLOW_DEPTH`].
pub fn check_flow_depth(file: &Path, text: &str) -> Result<()> {
    match too_deep_at(text, MAX_FLOW_DEPTH) {
        None => Ok(()),
        Some((line, col)) => Err(Error::config(format!(
            "failed to parse {}: line {line}, column {col}: `[`/`{{` nested more than \
             {MAX_FLOW_DEPTH} levels deep",
            file.display()
        ))
        .with_hint("a compose file never nests this deep: look for unbalanced `[` or `{`")),
    }
}

/// 1-based line and column (in characters) where the nesting first exceeds `max`.
fn too_deep_at(text: &str, max: usize) -> Option<(usize, usize)> {
    #[derive(PartialEq)]
    enum State {
        Plain,
        Comment,
        Single,
        Double,
    }
    let mut state = State::Plain;
    let mut depth = 0usize;
    let (mut line, mut col) = (1usize, 0usize);
    // The character before the current one (a quote only opens a scalar at a token start).
    let mut prev = '\n';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        col += 1;
        match state {
            State::Comment => {
                if c == '\n' {
                    state = State::Plain;
                }
            }
            State::Single => {
                if c == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                        col += 1;
                    } else {
                        state = State::Plain;
                    }
                }
            }
            State::Double => match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        col += 1;
                        if n == '\n' {
                            line += 1;
                            col = 0;
                        }
                    }
                }
                '"' => state = State::Plain,
                _ => {}
            },
            State::Plain => {
                let token_start = prev.is_whitespace() || "[{,:-?".contains(prev);
                match c {
                    '#' if prev.is_whitespace() => state = State::Comment,
                    '\'' if token_start => state = State::Single,
                    '"' if token_start => state = State::Double,
                    '[' | '{' => {
                        depth += 1;
                        if depth > max {
                            return Some((line, col));
                        }
                    }
                    ']' | '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
        if c == '\n' {
            line += 1;
            col = 0;
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!(
            "services:\n  web:\n    image: x\n    labels: {}{}\n",
            "[".repeat(n),
            "]".repeat(n)
        )
    }

    #[test]
    fn depth_table() {
        type Case = (&'static str, usize, Option<(usize, usize)>);
        let cases: &[Case] = &[
            ("a: [1, [2, {b: 3}]]", 2, Some((1, 12))),
            ("a: [1, [2, {b: 3}]]", 3, None),
            // Closed collections do not add up.
            ("a: [[]]\nb: [[]]\nc: [[]]", 2, None),
            // Comments and quoted scalars are skipped.
            ("a: 1 # [[[[\nb: '[[['\nc: \"{{{\\\"[[\"", 0, None),
            ("a: 'it''s [[['\nb: [x]", 0, Some((2, 4))),
            // A `#` inside a word is no comment; a quote inside a word opens nothing.
            ("a: b#[[", 1, Some((1, 7))),
            ("a: it's [[", 1, Some((1, 10))),
            // Unbalanced closers never go below zero.
            ("a: ]]]]\nb: [[", 1, Some((2, 5))),
        ];
        for (text, max, want) in cases {
            assert_eq!(too_deep_at(text, *max), *want, "{text:?} max {max}");
        }
    }

    #[test]
    fn deep_flow_nesting_is_refused_with_its_position() {
        assert!(check_flow_depth(Path::new("c.yml"), &nested(MAX_FLOW_DEPTH)).is_ok());
        let e = check_flow_depth(Path::new("c.yml"), &nested(100_000)).expect_err("too deep");
        assert_eq!(e.exit, crate::error::Exit::Config);
        assert!(
            e.message.starts_with(&format!(
                "failed to parse c.yml: line 4, column {}:",
                13 + MAX_FLOW_DEPTH
            )),
            "{}",
            e.message
        );
    }
}
