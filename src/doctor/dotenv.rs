//! A small reader for `.env` files: enough to know which keys are set, and to what.
//! (Compose's full dotenv grammar also interpolates values; doctor only needs keys and the
//! literal text, so values are kept as written, unquoted.)

/// One `KEY=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// Parse `.env` text. Never fails: lines that are not assignments are ignored.
pub fn parse(text: &str) -> Vec<Entry> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let key = k.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            continue;
        }
        out.push(Entry {
            key: key.to_string(),
            value: unquote(v.trim()),
            line: i + 1,
        });
    }
    out
}

fn unquote(v: &str) -> String {
    let mut chars = v.chars();
    match chars.next() {
        Some(q @ ('"' | '\'')) => {
            let mut out = String::new();
            let mut escaped = false;
            for c in chars {
                if escaped {
                    out.push(match c {
                        'n' if q == '"' => '\n',
                        other => other,
                    });
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    return out;
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => match v.find(" #") {
            Some(i) => v[..i].trim_end().to_string(),
            None => v.to_string(),
        },
    }
}

/// The value of `key` (the last assignment wins, as in Compose).
pub fn get<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    entries.iter().rev().find(|e| e.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        let t = "\u{feff}# comment\nA=1\nexport B = two \nC=\"quoted # not comment\"\nD='single'\nE=plain # comment\nF=\nnot an assignment\n=novalue\nA=again\n";
        let e = parse(t);
        let kv: Vec<(&str, &str)> = e
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            kv,
            vec![
                ("A", "1"),
                ("B", "two"),
                ("C", "quoted # not comment"),
                ("D", "single"),
                ("E", "plain"),
                ("F", ""),
                ("A", "again"),
            ]
        );
        assert_eq!(get(&e, "A").map(|e| e.value.as_str()), Some("again"));
        assert_eq!(get(&e, "A").map(|e| e.line), Some(10));
        assert!(get(&e, "Z").is_none());
    }

    #[test]
    fn escapes_in_double_quotes() {
        let e = parse("A=\"a\\\"b\\nc\"\nB='x\\y'");
        assert_eq!(e[0].value, "a\"b\nc");
        assert_eq!(e[1].value, "x\\y");
    }
}
