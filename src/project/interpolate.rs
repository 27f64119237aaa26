//! Compose's variable interpolation, exactly as Docker Compose v2.40.3 (compose-go v2.9.1)
//! performs it (`docs/merge-rules.md` §7; reference vectors 19, 20, 21, 43, 56, 59, 59b).
//!
//! Pure: a template string and an environment in, the interpolated string out.
//!
//! The grammar Compose uses is the (case-insensitive) regular expression
//!
//! ```text
//! \$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|\{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*))?)\}|(?P<invalid>)))
//! ```
//!
//! applied left to right over the whole string. [`scan`] is a hand-written matcher for that
//! expression (leftmost-first, greedy `.*` that stops at a newline); a property test checks it
//! against the `regex` crate running the expression itself. For every match:
//!
//! * `$$` → `$`.
//! * `$NAME` / `${NAME}` → the value, or the empty string plus a warning when unset.
//! * `${NAME<op>text}`: the operator is the earliest of `:?`, `?`, `:-`, `-`, `:+`, `+` in the
//!   matched text. The greedy `.*` makes the match run to the last `}` on the line, so the
//!   match is cut after its first *balanced* closing brace (counting every `{`, skipping the
//!   character after it, as compose-go does); the operator is applied to the head and the tail
//!   is interpolated on its own and appended.
//!   - `:-` default when unset or empty, `-` when unset;
//!   - `:+` alternative when set and non-empty, `+` when set (else the value, i.e. empty);
//!   - `:?` error when unset or empty, `?` when unset.
//!
//!   v2.9.1 interpolates the default/alternative/message text *eagerly*, before looking at the
//!   variable: `${TAG:-${X:?msg}}` fails even when `TAG` is set (vector 59) and an unused
//!   default still warns about its unset variables (vector 59b). We reproduce that.
//! * `${` not followed by a valid `NAME[op…]}` (`${}`, `${1x}`, `${A.B}`, an unterminated
//!   `${A`) is an invalid template. A `$` followed by anything else (`$1`, `$ `, `$-`) is kept.

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};

mod scan;
pub mod sources;
pub(crate) use scan::{Token, scan};
pub use sources::{EnvSources, Source, Via};

use crate::project::load::locate::Seg;

/// An interpolation environment: variable name → value (case-sensitive, like Compose).
pub type Env = std::collections::BTreeMap<String, String>;

/// Why a template could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolationError {
    /// `${VAR:?message}` with `VAR` unset or empty, or `${VAR?message}` with `VAR` unset.
    Required {
        /// The variable that is missing a value.
        variable: String,
        /// The (interpolated) message written after `?`; may be empty.
        message: String,
    },
    /// A `$` template Compose cannot parse (`${}`, `${1x}`, `${A.B}`, unterminated `${A`).
    InvalidTemplate {
        /// The text that was being interpolated when the bad template was met.
        template: String,
    },
}

impl InterpolationError {
    /// The variable concerned (only for `Required`).
    pub fn variable(&self) -> Option<&str> {
        match self {
            InterpolationError::Required { variable, .. } => Some(variable),
            InterpolationError::InvalidTemplate { .. } => None,
        }
    }

    /// `"required"` or `"invalid template"`.
    pub fn kind(&self) -> &'static str {
        match self {
            InterpolationError::Required { .. } => "required",
            InterpolationError::InvalidTemplate { .. } => "invalid template",
        }
    }

    /// What the user should do about it.
    pub fn hint(&self) -> String {
        match self {
            InterpolationError::Required { variable, .. } => {
                format!("set {variable} in the environment or in the project's .env file")
            }
            InterpolationError::InvalidTemplate { .. } => {
                "a variable is written `$NAME` or `${NAME}`; escape a literal `$` as `$$`".into()
            }
        }
    }
}

impl fmt::Display for InterpolationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterpolationError::Required { variable, message } if message.is_empty() => {
                write!(f, "required variable {variable} is missing a value")
            }
            InterpolationError::Required { variable, message } => {
                write!(
                    f,
                    "required variable {variable} is missing a value: {message}"
                )
            }
            InterpolationError::InvalidTemplate { template } => {
                write!(f, "invalid interpolation format in {template:?}")
            }
        }
    }
}

impl std::error::Error for InterpolationError {}

/// Interpolate one string as Compose does. Unset variables become empty strings.
pub fn interpolate_str(s: &str, env: &Env) -> Result<String, InterpolationError> {
    interpolate_str_with_warnings(s, env, &mut Vec::new())
}

/// Like [`interpolate_str`], and pushes Compose's warning text for every unset variable
/// that defaulted to a blank string (`The "X" variable is not set. Defaulting to a blank
/// string.`), once per occurrence, in order.
pub fn interpolate_str_with_warnings(
    s: &str,
    env: &Env,
    warnings: &mut Vec<String>,
) -> Result<String, InterpolationError> {
    if !s.contains('$') {
        return Ok(s.to_owned());
    }
    let mut unset = Vec::new();
    let out = substitute(s, env, &mut unset, 0)?;
    warnings.extend(unset.into_iter().map(|name| unset_warning(&name)));
    Ok(out)
}

/// Compose's warning for an unset variable.
pub fn unset_warning(name: &str) -> String {
    format!("The {name:?} variable is not set. Defaulting to a blank string.")
}

/// Interpolate every string scalar of a YAML document in place (mapping keys never, like
/// Compose). Errors name the file, the key path (`services.api.image`,
/// `services.api.ports[0]`) and the variable or template.
pub fn interpolate_yaml(v: &mut crate::project::yaml::Value, env: &Env, file: &Path) -> Result<()> {
    interpolate_yaml_with_warnings(v, env, file, &mut Vec::new())
}

/// Like [`interpolate_yaml`], and collects Compose's unset-variable warnings.
pub fn interpolate_yaml_with_warnings(
    v: &mut crate::project::yaml::Value,
    env: &Env,
    file: &Path,
    warnings: &mut Vec<String>,
) -> Result<()> {
    interpolate_yaml_located(v, env, warnings).map_err(|(path, e)| {
        Error::config(format!("{}: {}: {e}", file.display(), shown_path(&path))).with_hint(e.hint())
    })
}

/// Like [`interpolate_yaml_with_warnings`]; the error carries the key path of the value (to
/// find its line in the file) instead of a message.
pub(crate) fn interpolate_yaml_located(
    v: &mut crate::project::yaml::Value,
    env: &Env,
    warnings: &mut Vec<String>,
) -> std::result::Result<(), (Vec<Seg>, InterpolationError)> {
    let mut path = Vec::new();
    walk(v, env, &mut path, warnings)
}

/// `services.api.ports[0]`, or `(document)` for the root.
pub(crate) fn shown_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        "(document)".into()
    } else {
        out
    }
}

fn walk(
    v: &mut crate::project::yaml::Value,
    env: &Env,
    path: &mut Vec<Seg>,
    warnings: &mut Vec<String>,
) -> std::result::Result<(), (Vec<Seg>, InterpolationError)> {
    use crate::project::yaml::Value;
    match v {
        Value::String(s) => {
            if s.contains('$') {
                *s = interpolate_str_with_warnings(s, env, warnings)
                    .map_err(|e| (path.clone(), e))?;
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(Seg::Index(i));
                walk(item, env, path, warnings)?;
                path.pop();
            }
        }
        Value::Mapping(map) => {
            for (k, item) in map.iter_mut() {
                path.push(Seg::Key(key_text(k)));
                walk(item, env, path, warnings)?;
                path.pop();
            }
        }
        Value::Tagged(t) => walk(&mut t.value, env, path, warnings)?,
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

fn key_text(k: &crate::project::yaml::Value) -> String {
    use crate::project::yaml::Value;
    match k {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        other => crate::project::yaml::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_else(|_| "?".into()),
    }
}

/// Index of the first balanced closing brace, counting every `{` and skipping the byte that
/// follows it (compose-go's `getFirstBraceClosingIndex`).
fn first_closing_brace(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut open = 0i64;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if b[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    RequiredNonEmpty,
    Required,
    DefaultIfEmpty,
    DefaultIfUnset,
    AltIfNonEmpty,
    AltIfSet,
}

impl Op {
    const ALL: [(Op, &'static str); 6] = [
        (Op::RequiredNonEmpty, ":?"),
        (Op::Required, "?"),
        (Op::DefaultIfEmpty, ":-"),
        (Op::DefaultIfUnset, "-"),
        (Op::AltIfNonEmpty, ":+"),
        (Op::AltIfSet, "+"),
    ];

    fn sep(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(op, _)| *op == self)
            .map_or("", |(_, sep)| sep)
    }

    /// The operator occurring earliest in the matched text (compose-go sorts the six by the
    /// index of their first occurrence; when none occurs the first entry stays first).
    fn earliest(text: &str) -> Op {
        Op::ALL
            .iter()
            .filter_map(|(op, sep)| text.find(sep).map(|i| (i, *op)))
            .min_by_key(|&(i, _)| i)
            .map_or(Op::RequiredNonEmpty, |(_, op)| op)
    }
}

/// How deeply defaults and alternatives may nest (`${A:-${B:-${C}}}` is 3 levels). Compose
/// has no limit, but every level costs stack: 50 000 nested `${A:-…}` overflowed it. Real
/// files stay far below this.
const MAX_DEPTH: usize = 256;

fn substitute(
    template: &str,
    env: &Env,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<String, InterpolationError> {
    if depth > MAX_DEPTH {
        let head: String = template.chars().take(40).collect();
        return Err(InterpolationError::InvalidTemplate {
            template: format!("{head}… (templates nested more than {MAX_DEPTH} levels deep)"),
        });
    }
    let mut out = String::with_capacity(template.len());
    // Texts still to interpolate, each on its own, and where to resume in them. The tail of
    // a greedy match is pushed here rather than recursed into, so a line with many
    // templates takes no stack; only nesting inside an operand does.
    let mut pending: Vec<(&str, usize)> = vec![(template, 0)];
    while let Some((text, pos)) = pending.pop() {
        let Some((start, end, _)) = scan(text, pos) else {
            out.push_str(&text[pos..]);
            continue;
        };
        out.push_str(&text[pos..start]);
        let (value, rest) = replace(&text[start..end], text, env, unset, depth)?;
        out.push_str(&value);
        // The match's tail comes first, then the text after the match.
        pending.push((text, end));
        if !rest.is_empty() {
            pending.push((rest, 0));
        }
    }
    Ok(out)
}

/// The value of one match, and the tail of the match still to interpolate on its own.
fn replace<'a>(
    matched: &'a str,
    template: &str,
    env: &Env,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<(String, &'a str), InterpolationError> {
    let op = Op::earliest(matched);
    let (head, rest) = match first_closing_brace(matched) {
        Some(i) => matched.split_at(i + 1),
        None => (matched, ""),
    };
    let name = match scan(head, 0).map(|(_, _, t)| t) {
        Some(Token::Escaped) => return Ok(("$".into(), "")),
        Some(Token::Named(name)) => name,
        Some(Token::Braced(body)) => {
            if let Some(value) = apply(op, body, env, unset, depth)? {
                return Ok((value, rest));
            }
            body
        }
        Some(Token::Invalid) | None => {
            return Err(InterpolationError::InvalidTemplate {
                template: template.to_owned(),
            });
        }
    };
    match env.get(name) {
        Some(v) => Ok((v.clone(), "")),
        None => {
            unset.push(name.to_owned());
            Ok((String::new(), ""))
        }
    }
}

/// Apply `op` to the braced `body`; `None` when the body does not contain the operator.
fn apply(
    op: Op,
    body: &str,
    env: &Env,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<Option<String>, InterpolationError> {
    let Some((name, text)) = body.split_once(op.sep()) else {
        return Ok(None);
    };
    // compose-go v2.9.1 interpolates the operand before looking at the variable.
    let text = substitute(text, env, unset, depth + 1)?;
    let value = env.get(name);
    let non_empty = value.is_some_and(|v| !v.is_empty());
    let own = || value.cloned().unwrap_or_default();
    Ok(Some(match op {
        Op::DefaultIfEmpty => {
            if non_empty {
                own()
            } else {
                text
            }
        }
        Op::DefaultIfUnset => {
            if value.is_some() {
                own()
            } else {
                text
            }
        }
        Op::AltIfNonEmpty => {
            if non_empty {
                text
            } else {
                own()
            }
        }
        Op::AltIfSet => {
            if value.is_some() {
                text
            } else {
                own()
            }
        }
        Op::RequiredNonEmpty | Op::Required => {
            let ok = if op == Op::Required {
                value.is_some()
            } else {
                non_empty
            };
            if !ok {
                return Err(InterpolationError::Required {
                    variable: name.to_owned(),
                    message: text,
                });
            }
            own()
        }
    }))
}

#[cfg(test)]
mod tests;
