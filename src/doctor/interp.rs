//! Find the variable references in a string as Compose interpolates them
//! (`$V`, `${V}`, `${V:-d}`, `${V-d}`, `${V:?e}`, `${V?e}`, `${V:+a}`, `${V+a}`, `$$` escape).

/// The operator of a `${…}` reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `$V`, `${V}`.
    Plain,
    /// `${V:-d}`: default when unset or empty.
    DefaultIfEmpty,
    /// `${V-d}`: default when unset.
    DefaultIfUnset,
    /// `${V:?e}`: error when unset or empty.
    RequiredNonEmpty,
    /// `${V?e}`: error when unset.
    Required,
    /// `${V:+a}`: `a` when set and non-empty.
    AltIfNonEmpty,
    /// `${V+a}`: `a` when set.
    AltIfSet,
}

impl Op {
    /// True when an unset variable is fine (a default or an alternative takes over, or
    /// Compose itself stops with the user's message).
    pub fn tolerates_unset(self) -> bool {
        !matches!(self, Op::Plain)
    }
}

/// One reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    pub op: Op,
    /// The text after the operator (default, message or alternative), unexpanded.
    pub arg: Option<String>,
}

/// All top-level references in `s` (references nested in a default are not expanded here;
/// call `refs` on `arg` for them).
pub fn refs(s: &str) -> Vec<VarRef> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'$') => i += 2,
            Some(b'{') => {
                let start = i + 2;
                let Some(end) = closing_brace(b, start) else {
                    break;
                };
                if let Some(r) = parse_braced(&s[start..end]) {
                    out.push(r);
                }
                i = end + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                out.push(VarRef {
                    name: s[start..j].to_string(),
                    op: Op::Plain,
                    arg: None,
                });
                i = j;
            }
            _ => i += 1,
        }
    }
    out
}

/// True when `s` contains at least one reference (so its value is not written literally).
pub fn is_interpolated(s: &str) -> bool {
    !refs(s).is_empty()
}

fn closing_brace(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 1;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn parse_braced(inner: &str) -> Option<VarRef> {
    let name_len = inner
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    if name_len == 0 {
        return None;
    }
    let name = inner[..name_len].to_string();
    let rest = &inner[name_len..];
    let ops: [(&str, Op); 6] = [
        (":-", Op::DefaultIfEmpty),
        (":?", Op::RequiredNonEmpty),
        (":+", Op::AltIfNonEmpty),
        ("-", Op::DefaultIfUnset),
        ("?", Op::Required),
        ("+", Op::AltIfSet),
    ];
    if rest.is_empty() {
        return Some(VarRef {
            name,
            op: Op::Plain,
            arg: None,
        });
    }
    for (p, op) in ops {
        if let Some(arg) = rest.strip_prefix(p) {
            return Some(VarRef {
                name,
                op,
                arg: Some(arg.to_string()),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<(String, Op, Option<String>)> {
        refs(s).into_iter().map(|r| (r.name, r.op, r.arg)).collect()
    }

    #[test]
    fn table() {
        type Case<'a> = (&'a str, Vec<(&'a str, Op, Option<&'a str>)>);
        let cases: Vec<Case<'_>> = vec![
            ("plain", vec![]),
            ("$A", vec![("A", Op::Plain, None)]),
            (
                "x${A}y$B-z",
                vec![("A", Op::Plain, None), ("B", Op::Plain, None)],
            ),
            ("$$A ${B:-d}", vec![("B", Op::DefaultIfEmpty, Some("d"))]),
            ("${A-}", vec![("A", Op::DefaultIfUnset, Some(""))]),
            (
                "${A:?need A}",
                vec![("A", Op::RequiredNonEmpty, Some("need A"))],
            ),
            ("${A?e}", vec![("A", Op::Required, Some("e"))]),
            (
                "${A:+alt}${B+x}",
                vec![
                    ("A", Op::AltIfNonEmpty, Some("alt")),
                    ("B", Op::AltIfSet, Some("x")),
                ],
            ),
            (
                "${A:-${B:-c}}",
                vec![("A", Op::DefaultIfEmpty, Some("${B:-c}"))],
            ),
            (
                "postgresql://${U}:${P}@db/${D}",
                vec![
                    ("U", Op::Plain, None),
                    ("P", Op::Plain, None),
                    ("D", Op::Plain, None),
                ],
            ),
            ("$1 $ {x} ${", vec![]),
        ];
        for (input, want) in cases {
            let want: Vec<(String, Op, Option<String>)> = want
                .into_iter()
                .map(|(n, o, a)| (n.to_string(), o, a.map(str::to_string)))
                .collect();
            assert_eq!(names(input), want, "{input}");
        }
    }

    #[test]
    fn interpolated_or_literal() {
        assert!(is_interpolated("${SECRET}"));
        assert!(!is_interpolated("pa$$word"));
        assert!(!is_interpolated("admin"));
        assert!(Op::DefaultIfEmpty.tolerates_unset());
        assert!(!Op::Plain.tolerates_unset());
    }
}
