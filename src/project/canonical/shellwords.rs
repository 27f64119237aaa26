//! Splitting a string `command`/`entrypoint` into words the way Compose v2.40.3 does
//! (go-shellwords' `Parse`, no environment or backtick expansion). Each rule below was
//! checked against `docker compose config --format json` (see `tests/config/live.rs`):
//!
//! - words are separated by unquoted space, tab, CR or LF (not by other Unicode spaces);
//! - `'…'` keeps everything literally; `"…"` too, except that a backslash escapes (and is
//!   dropped before) any next character: `"a\b"` → `ab`; an empty `""` is a word;
//! - an unquoted backslash escapes the next character (`a\ b` → `a b`, `\t` → `t`);
//! - the first unquoted `;`, `&`, `|`, `<` or `>` ends the command: the rest is dropped
//!   (`up && finish` → `["up"]`); before `>`, a word of digits only (a file descriptor,
//!   `2>`) is dropped too;
//! - backticks are kept, and quote their content (`` `a;b` `` is one word);
//! - `$(` opens a substitution kept as written up to its `)`; any other unquoted `(` or `)`
//!   is an error ("invalid command line string"), as is an unterminated quote, backtick,
//!   substitution or a trailing backslash.

/// Compose's message for a string it cannot split.
pub const INVALID: &str = "invalid command line string";

/// Split `line` into words; `Err` carries [`INVALID`].
pub fn split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut word = String::new();
    // Whether a word is being built (an empty quoted word counts).
    let mut in_word = false;
    let (mut single, mut double, mut back, mut dollar, mut escaped) =
        (false, false, false, false, false);
    for c in line.chars() {
        if escaped {
            escaped = false;
            if back || dollar {
                word.push('\\');
            }
            word.push(c);
            in_word = true;
            continue;
        }
        if c == '\\' {
            if single {
                word.push(c);
            } else {
                escaped = true;
            }
            continue;
        }
        let quoted = single || double || back || dollar;
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            if quoted {
                word.push(c);
            } else if in_word {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
            continue;
        }
        match c {
            '`' if !single && !double && !dollar => back = !back,
            ')' if !single && !double && !back => {
                if !dollar {
                    return Err(INVALID);
                }
                dollar = false;
            }
            '(' if !single && !double && !back => {
                if !dollar && word.ends_with('$') {
                    dollar = true;
                } else {
                    return Err(INVALID);
                }
            }
            '"' if !single && !dollar && !back => {
                double = !double;
                in_word = true;
                continue;
            }
            '\'' if !double && !dollar && !back => {
                single = !single;
                in_word = true;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !quoted => {
                if c == '>' && !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
                    in_word = false;
                }
                if in_word {
                    words.push(word);
                }
                return Ok(words);
            }
            _ => {}
        }
        word.push(c);
        in_word = true;
    }
    if escaped || single || double || back || dollar {
        return Err(INVALID);
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row is what `docker compose config --format json` printed for that string
    /// (before Compose doubles `$` in its output).
    #[test]
    fn compose_split_table() {
        let ok: &[(&str, &[&str])] = &[
            (
                "kong migrations up && kong migrations finish",
                &["kong", "migrations", "up"],
            ),
            ("echo a;b", &["echo", "a"]),
            ("echo \"a\\b\" c", &["echo", "ab", "c"]),
            ("echo $(a b) c", &["echo", "$(a b)", "c"]),
            ("echo \\t\\n x", &["echo", "tn", "x"]),
            ("cmd 2>err x", &["cmd"]),
            ("cmd a2>err", &["cmd", "a2"]),
            ("cmd `a b` c", &["cmd", "`a b`", "c"]),
            ("echo \"\" x", &["echo", "", "x"]),
            ("echo ''", &["echo", ""]),
            ("echo a\\ b", &["echo", "a b"]),
            ("echo \"a;b\" 'c|d'", &["echo", "a;b", "c|d"]),
            ("a \"b\\\"c\" d", &["a", "b\"c", "d"]),
            ("a 'b\\c'", &["a", "b\\c"]),
            ("x |y", &["x"]),
            ("x >", &["x"]),
            ("12>x", &[]),
            ("a \"$(\" b", &["a", "$(", "b"]),
            ("a \\(b", &["a", "(b"]),
            ("a\\;b c", &["a;b", "c"]),
            ("a \"x\"y\"z\"", &["a", "xyz"]),
            ("a `(b)`", &["a", "`(b)`"]),
            ("a\u{a0}b", &["a\u{a0}b"]),
            ("`a;b`", &["`a;b`"]),
            ("$(a;b)", &["$(a;b)"]),
            ("a\tb\nc", &["a", "b", "c"]),
            ("x 'it''s'", &["x", "its"]),
            ("a #b c", &["a", "#b", "c"]),
            ("", &[]),
        ];
        for (line, want) in ok {
            let want: Vec<String> = want.iter().map(|w| w.to_string()).collect();
            assert_eq!(split(line), Ok(want), "{line:?}");
        }
        for line in [
            "echo (x)",
            "echo a)b",
            "echo $(a",
            "echo \"unterminated",
            "echo a\\",
            "x $((1+2))",
            "a $ (b)",
            "a $x(b)",
            "a `b` `c d",
            "a $(b) )",
            "a ) b",
        ] {
            assert_eq!(split(line), Err(INVALID), "{line:?}");
        }
    }
}
