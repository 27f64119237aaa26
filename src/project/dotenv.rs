//! `.env` files, parsed as Docker Compose v2.40.3 (compose-go v2.9.1 `dotenv`) parses them.
//!
//! Pure: text in, `KEY → value` pairs out. The rules, each checked against the real Compose:
//!
//! * A UTF-8 BOM at the start is ignored. Blank lines and lines starting with `#` are skipped.
//! * `[export ]KEY=VALUE` or `KEY: VALUE`; spaces around the key and after `=` are ignored.
//!   `export` is a prefix only when whitespace follows it (`exportA=1` sets `exportA`).
//!   Key characters: letters, digits, `_ . - [ ]`; anything else is an error, and so is a key
//!   containing a space (`A B=1`).
//! * A bare `KEY` line takes the value of `KEY` from the lookup environment, or is skipped.
//!   A last statement with neither `=`/`:` nor a newline (`LAST` at the end of the file) is,
//!   as in Compose, the value of the empty key `""`.
//! * Unquoted values end at the newline; ` #` (space, hash) starts a comment; trailing
//!   whitespace is trimmed; `${VAR}` templates are interpolated.
//! * `'single'` quotes are literal (may span lines); `\'` inside gives `'`, any other
//!   backslash is kept.
//! * `"double"` quotes may span lines; `\"` gives `"`; then the escapes `\n \r \t \a \b \f \v
//!   \\ \"` and `\0NNN` (octal) are expanded, `\$` gives a literal `$`; then templates are
//!   interpolated. Text after the closing quote on the same line is parsed as a new statement.
//! * Interpolation looks a variable up in the lookup environment first (the OS environment),
//!   then among the keys already set (by this file, then by earlier files) — Compose keeps
//!   one map for all env files, so a later assignment shadows an earlier file's.

use std::path::{Path, PathBuf};

use super::interpolate::{self, Env};
use crate::error::{Error, Result};

/// Parse `.env` text. `lookup` is consulted first for `${VAR}` inside values and for bare
/// `KEY` lines (normally the OS environment). Returns the assignments in file order;
/// when a key is assigned twice the later entry wins.
pub fn parse(text: &str, file: &Path, lookup: &Env) -> Result<Vec<(String, String)>> {
    parse_with(text, file, lookup, &Env::new())
}

/// One assignment of an env file, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// The assignments of `.env` text for checks that must not stop at a bad line (`doctor`):
/// every entry, a line Compose would refuse skipped, and the first such error. Values are
/// read with the same rules as [`parse`]; `${VAR}` templates see only the file's own keys (no
/// process environment), so a value reads as the file sets it.
pub fn entries(text: &str, file: &Path) -> (Vec<Entry>, Option<Error>) {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let empty = Env::new();
    let mut p = Parser {
        text,
        file,
        lookup: &empty,
        earlier: &empty,
        own: Env::new(),
        out: Vec::new(),
        at: 0,
    };
    let mut first = None;
    let mut pos = 0;
    while let Some(start) = p.statement_start(pos) {
        match p.statement(start) {
            Ok(next) => pos = next,
            Err(e) => {
                first.get_or_insert(e);
                pos = text[start..]
                    .find('\n')
                    .map_or(text.len(), |i| start + i + 1);
            }
        }
    }
    (p.out, first)
}

/// The value of `key` (the last assignment wins, as in Compose).
pub fn get<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    entries.iter().rev().find(|e| e.key == key)
}

/// Like [`parse`], with `earlier`: the values set by env files read before this one, which
/// templates see after `lookup` and after this file's own earlier keys.
pub fn parse_with(
    text: &str,
    file: &Path,
    lookup: &Env,
    earlier: &Env,
) -> Result<Vec<(String, String)>> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut p = Parser {
        text,
        file,
        lookup,
        earlier,
        own: Env::new(),
        out: Vec::new(),
        at: 0,
    };
    p.run()?;
    Ok(p.out.into_iter().map(|e| (e.key, e.value)).collect())
}

/// Read env files in order as Compose does for `--env-file`/`.env`: each is parsed with
/// `os_env` as the lookup and the values of the files before it as `earlier`; later files
/// win. Returns the combined map. A missing file is an error naming it.
pub fn load_files(files: &[PathBuf], os_env: &Env) -> Result<Env> {
    let mut acc = Env::new();
    for file in files {
        let bytes = crate::project::read::bytes("env file", file).map_err(|e| {
            if file.file_name().is_some_and(|n| n == ".env") {
                e.with_hint(
                    "the project's .env must be a regular file; replace or remove it \
                     (COMPOSE_DISABLE_ENV_FILE=1 skips it)",
                )
            } else {
                e.with_hint("check the --env-file path (relative to the current directory)")
            }
        })?;
        let text = String::from_utf8_lossy(&bytes);
        for (k, v) in parse_with(&text, file, os_env, &acc)? {
            acc.insert(k, v);
        }
    }
    Ok(acc)
}

struct Parser<'a> {
    text: &'a str,
    file: &'a Path,
    lookup: &'a Env,
    earlier: &'a Env,
    own: Env,
    out: Vec<Entry>,
    /// Where the statement being parsed starts (for its entry's line).
    at: usize,
}

/// compose-go's `isSpace`: whitespace that is not a line break.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

fn is_key_char(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']') || c.is_alphabetic() || c.is_numeric()
}

impl Parser<'_> {
    fn line_of(&self, offset: usize) -> usize {
        1 + self.text[..offset].bytes().filter(|&b| b == b'\n').count()
    }

    fn err(&self, offset: usize, msg: impl std::fmt::Display) -> Error {
        Error::config(format!(
            "{}:{}: {msg}",
            self.file.display(),
            self.line_of(offset)
        ))
        .with_hint("env file lines look like KEY=value, KEY=\"value\" or KEY='value'")
    }

    fn set(&mut self, key: &str, value: String) {
        self.own.insert(key.to_owned(), value.clone());
        let line = self.line_of(self.at);
        self.out.push(Entry {
            key: key.to_owned(),
            value,
            line,
        });
    }

    fn find(&self, key: &str) -> Option<String> {
        self.lookup
            .get(key)
            .or_else(|| self.own.get(key))
            .or_else(|| self.earlier.get(key))
            .cloned()
    }

    fn run(&mut self) -> Result<()> {
        let mut pos = 0;
        while let Some(start) = self.statement_start(pos) {
            pos = self.statement(start)?;
        }
        Ok(())
    }

    /// Skip whitespace (line breaks included) and `#` comment lines.
    fn statement_start(&self, mut pos: usize) -> Option<usize> {
        loop {
            let rest = &self.text[pos..];
            let off = rest.find(|c: char| !c.is_whitespace())?;
            pos += off;
            if !self.text[pos..].starts_with('#') {
                return Some(pos);
            }
            pos += self.text[pos..].find('\n')?;
        }
    }

    /// Parse one statement starting at `start`; returns where the next one may start.
    fn statement(&mut self, start: usize) -> Result<usize> {
        self.at = start;
        let mut pos = start;
        let rest = &self.text[pos..];
        if rest.starts_with("export") && rest[6..].starts_with([' ', '\t', '\n', '\r', '\u{c}']) {
            pos += 6;
            pos += self.text[pos..].len() - self.text[pos..].trim_start_matches(is_space).len();
        }
        let src = &self.text[pos..];
        if src.is_empty() {
            return Err(self.err(start, "`export` without a variable"));
        }
        // Find the key's end: `=`, `:` or a newline.
        let mut term = None;
        for (i, c) in src.char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    term = Some((i, c));
                    break;
                }
                c if is_key_char(c) => {}
                c => {
                    let line = src.split('\n').next().unwrap_or("");
                    return Err(self.err(
                        pos + i,
                        format!("unexpected character {c:?} in variable name {line:?}"),
                    ));
                }
            }
        }
        let (key, value_start) = match term {
            Some((i, _)) => (src[..i].trim_end(), pos + i + 1),
            // No terminator before the end of the file: Compose reads it as the value of "".
            None => ("", pos),
        };
        if key.contains(' ') {
            return Err(self.err(start, format!("key {key:?} cannot contain a space")));
        }
        if let Some((_, '\n')) = term {
            if let Some(v) = self.find(key) {
                self.set(key, v);
            }
            return Ok(value_start);
        }
        let mut vpos = value_start;
        vpos += self.text[vpos..].len() - self.text[vpos..].trim_start_matches(is_space).len();
        let (value, next) = self.value(vpos)?;
        self.set(key, value);
        Ok(next)
    }

    /// Parse a value at `pos`; returns it and the position after it.
    fn value(&mut self, pos: usize) -> Result<(String, usize)> {
        let src = &self.text[pos..];
        let quote = match src.chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => {
                let (line, next) = match src.find('\n') {
                    Some(i) => (&src[..i], pos + i + 1),
                    None => (src, self.text.len()),
                };
                let line = line.split(" #").next().unwrap_or("").trim_end();
                let value = self.expand(line, pos)?;
                return Ok((value, next));
            }
        };
        let mut raw = String::new();
        let mut escaped = false;
        for (i, c) in src.char_indices().skip(1) {
            if escaped {
                escaped = false;
                if c != quote {
                    raw.push('\\');
                }
                raw.push(c);
                continue;
            }
            match c {
                '\\' => escaped = true,
                c if c == quote => {
                    let next = pos + i + 1;
                    let value = if quote == '"' {
                        self.expand(&expand_escapes(&raw), pos)?
                    } else {
                        raw
                    };
                    return Ok((value, next));
                }
                c => raw.push(c),
            }
        }
        let line = src.split('\n').next().unwrap_or("");
        Err(self.err(pos, format!("unterminated quoted value {line}")))
    }

    fn expand(&self, value: &str, pos: usize) -> Result<String> {
        if !value.contains('$') {
            return Ok(value.to_owned());
        }
        // Resolution order: lookup, this file's keys, earlier files' keys.
        let mut env = self.earlier.clone();
        env.extend(self.own.iter().map(|(k, v)| (k.clone(), v.clone())));
        env.extend(self.lookup.iter().map(|(k, v)| (k.clone(), v.clone())));
        interpolate::interpolate_str(value, &env).map_err(|e| self.err(pos, e))
    }
}

/// The escapes of double-quoted values: `\a \b \f \n \r \t \v \\ \"`, `\0NNN` octal,
/// `\$` → `$$` (a literal `$` for the interpolation that follows). Anything else is kept,
/// including Compose's quirk that a failed `\0…` escape loses its `0` (`\01` → `\1`).
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let simple = match chars.peek() {
            Some('a') => Some('\u{7}'),
            Some('b') => Some('\u{8}'),
            Some('f') => Some('\u{c}'),
            Some('n') => Some('\n'),
            Some('r') => Some('\r'),
            Some('t') => Some('\t'),
            Some('v') => Some('\u{b}'),
            Some('\\') => Some('\\'),
            Some('"') => Some('"'),
            _ => None,
        };
        if let Some(ch) = simple {
            chars.next();
            out.push(ch);
        } else if chars.peek() == Some(&'$') {
            chars.next();
            out.push_str("$$");
        } else if chars.peek() == Some(&'0') {
            chars.next();
            let mut digits = String::new();
            while digits.len() < 3 {
                match chars.peek() {
                    Some(d) if d.is_ascii_digit() => {
                        digits.push(*d);
                        chars.next();
                    }
                    _ => break,
                }
            }
            let octal = (digits.len() == 3)
                .then(|| u32::from_str_radix(&digits, 8).ok())
                .flatten()
                .filter(|&n| n <= 255)
                .and_then(char::from_u32);
            match octal {
                Some(ch) => out.push(ch),
                None => {
                    out.push('\\');
                    out.push_str(&digits);
                }
            }
        } else {
            out.push('\\');
        }
    }
    out
}

#[cfg(test)]
mod tests;
