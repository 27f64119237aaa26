//! The one place that knows the YAML crate: `yaml_serde`, the YAML organisation's maintained
//! continuation of the archived `serde_yaml`. Every other module reads and writes YAML through
//! the names re-exported here.
//!
//! [`parse_documents`] turns the text of one compose file into plain [`Node`] trees, one per
//! YAML document, the way Compose (go-yaml v3 + compose-go's reset processor) reads it:
//! anchors and aliases resolved inside each document, `<<` merge keys applied (local keys win,
//! in `<<: [*a, *b]` the earlier alias wins), duplicate mapping keys rejected, `!reset` nodes
//! removed and `!override` nodes kept, both with their key paths recorded. Interpolation runs
//! on each document before it is converted to a [`Node`].
//!
//! Swapping the YAML crate means rewriting this file only.

use std::path::Path;

use indexmap::IndexMap;
pub use yaml_serde::Error as YamlError;
pub use yaml_serde::value::{Tag, TaggedValue};
pub use yaml_serde::{Deserializer, Mapping, Number, Value, from_str, from_value, to_string};

use crate::error::{Error, Result};

/// A YAML value as the loader sees it (after alias/merge-key resolution).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    /// Integers beyond `i64` (go-yaml falls back to uint64).
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Map),
}

impl Node {
    /// The mapping inside, if this is one.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// Follow a dotted key path.
    pub fn at(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self, |n, k| n.get(k))
    }
}

/// A mapping; insertion order is kept (Compose sorts keys only when rendering).
pub type Map = IndexMap<String, Node>;

/// One YAML document of a compose file, with the `!reset`/`!override` paths it declared.
#[derive(Debug, Clone)]
pub struct Document {
    pub node: Node,
    /// Dotted key paths tagged `!reset` (already removed from `node`).
    pub resets: Vec<String>,
    /// Dotted key paths tagged `!override` (kept in `node`).
    pub overrides: Vec<String>,
    /// Dotted key paths of unquoted dates (`2024-01-02`): go-yaml decodes them as
    /// timestamps, which Compose's schema rejects outside `x-*` fields.
    pub timestamps: Vec<String>,
}

/// Parse every document of `text` (the content of `file`). `interpolate` runs on each document
/// after tags and merge keys are processed and before conversion to [`Node`].
pub fn parse_documents(
    file: &Path,
    text: &str,
    interpolate: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<Vec<Document>> {
    let mut docs = Vec::new();
    let mut conv = Convert {
        text,
        path: Vec::new(),
        timestamps: Vec::new(),
        seen: Default::default(),
    };
    for de in yaml_serde::Deserializer::from_str(text) {
        let mut value = match serde::de::DeserializeSeed::deserialize(AnyValue, de) {
            Ok(v) => v,
            Err(e) => return Err(syntax_error(file, text, &e)),
        };
        let mut resets = Vec::new();
        let mut overrides = Vec::new();
        strip_tags(&mut value, &mut Vec::new(), &mut resets, &mut overrides);
        apply_merge_keys(&mut value)
            .map_err(|m| Error::config(format!("failed to parse {}: {m}", file.display())))?;
        interpolate(&mut value)?;
        conv.timestamps.clear();
        let node = conv.node(value);
        docs.push(Document {
            node,
            resets,
            overrides,
            timestamps: conv.timestamps.clone(),
        });
    }
    Ok(docs)
}

/// Parse a whole text as one YAML value (used for non-compose YAML such as `devctl.yaml`
/// and for tests); tags are dropped, merge keys applied.
pub fn parse_plain(file: &Path, text: &str) -> Result<Node> {
    let docs = parse_documents(file, text, &mut |_| Ok(()))?;
    Ok(docs
        .into_iter()
        .next()
        .map(|d| d.node)
        .unwrap_or(Node::Null))
}

/// Render a node as YAML text (used by `devctl config` without `--json`).
pub fn to_yaml_string(v: &serde_json::Value) -> Result<String> {
    yaml_serde::to_string(v).map_err(|e| Error::general(format!("cannot render YAML: {e}")))
}

/// serde_yaml's own `Value` refuses integers beyond 64 bits ("invalid type: integer … as
/// u128"); go-yaml decodes them as float64, which Compose then prints as a float
/// (`1.2345678901234568e+29`). This seed builds the same `Value` and takes that path.
struct AnyValue;

impl<'de> serde::de::DeserializeSeed<'de> for AnyValue {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for AnyValue {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, b: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> std::result::Result<Value, E> {
        Ok(Value::Number(i.into()))
    }
    fn visit_u64<E>(self, u: u64) -> std::result::Result<Value, E> {
        Ok(Value::Number(u.into()))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_i128<E>(self, i: i128) -> std::result::Result<Value, E> {
        Ok(Value::Number((i as f64).into()))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u128<E>(self, u: u128) -> std::result::Result<Value, E> {
        Ok(Value::Number((u as f64).into()))
    }
    fn visit_f64<E>(self, f: f64) -> std::result::Result<Value, E> {
        Ok(Value::Number(f.into()))
    }
    fn visit_str<E>(self, s: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> std::result::Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        serde::de::DeserializeSeed::deserialize(AnyValue, d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut a: A,
    ) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::with_capacity(a.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = a.next_element_seed(AnyValue)? {
            out.push(v);
        }
        Ok(Value::Sequence(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut a: A,
    ) -> std::result::Result<Value, A::Error> {
        let mut out = yaml_serde::Mapping::with_capacity(a.size_hint().unwrap_or(0).min(4096));
        while let Some(k) = a.next_key_seed(AnyValue)? {
            let v = a.next_value_seed(AnyValue)?;
            // serde_yaml's Value keeps the first of duplicate keys and errors; keep its
            // wording so that the duplicate-key message stays the same.
            if out.contains_key(&k) {
                let key = match &k {
                    Value::String(s) => format!("{s:?}"),
                    other => yaml_serde::to_string(other)
                        .map(|s| s.trim_end().to_string())
                        .unwrap_or_default(),
                };
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate entry with key {key}"
                )));
            }
            out.insert(k, v);
        }
        Ok(Value::Mapping(out))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(
        self,
        a: A,
    ) -> std::result::Result<Value, A::Error> {
        use serde::de::VariantAccess;
        let (tag, contents) = a.variant::<String>()?;
        let value = contents.newtype_variant_seed(AnyValue)?;
        Ok(Value::Tagged(Box::new(yaml_serde::value::TaggedValue {
            tag: yaml_serde::value::Tag::new(tag),
            value,
        })))
    }
}

fn syntax_error(file: &Path, text: &str, e: &yaml_serde::Error) -> Error {
    let raw = e.to_string();
    let Some(loc) = e.location() else {
        return Error::config(format!("failed to parse {}: {raw}", file.display()));
    };
    // serde_yaml: `<problem> at line L column C[, <context> at line L2 column C2]`; the
    // location is printed by us, the context (e.g. "while parsing a flow sequence") kept.
    let (mut msg, context) = split_location(&raw);
    let (mut line, mut col) = (loc.line(), loc.column());
    // The reader's errors (a control character, invalid encoding) come located at the start
    // of the file with the byte offset in the text: report that offset's line and column.
    if let Some(off) = msg
        .rsplit_once(" at position ")
        .and_then(|(_, n)| n.trim().parse::<usize>().ok())
    {
        let bytes = text.as_bytes();
        let off = off.min(bytes.len());
        line = bytes[..off].iter().filter(|b| **b == b'\n').count() + 1;
        let start = bytes[..off]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        col = String::from_utf8_lossy(&bytes[start..off]).chars().count() + 1;
        if let Some((head, _)) = msg.rsplit_once(" at position ") {
            msg = head.to_string();
        }
    }
    // serde_yaml: `services.app: duplicate entry with key "image"`, located at the start of
    // the mapping. Compose: `line 4: mapping key "image" already defined at line 3`.
    if let Some(i) = msg.find("duplicate entry with key ") {
        let key = msg[i + "duplicate entry with key ".len()..].to_string();
        let bare = key.trim_matches('"');
        let (first, dup) = find_duplicate(text, line, col, bare);
        msg = format!("mapping key {key} already defined at line {first}");
        if let Some(d) = dup {
            line = d;
        }
    }
    let mut header = format!(
        "failed to parse {}: line {line}, column {col}: {msg}",
        file.display()
    );
    // When the problem is found at a blank line or the end of the file, the context
    // (where the unfinished construct started) is the useful excerpt.
    let problem_line = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    if let Some((ctx, cl, cc)) = context {
        header.push_str(&format!(" ({ctx} at line {cl}, column {cc})"));
        if problem_line.trim().is_empty() {
            line = cl;
            col = cc;
        }
    }
    let excerpt: String = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .chars()
        .take(200)
        .map(visible)
        .collect();
    let caret = " ".repeat(col.saturating_sub(1));
    Error::config(format!(
        "{header}\n  {line:>4} | {excerpt}\n       | {caret}^"
    ))
    .with_hint("fix the YAML at that position")
}

/// A character of an excerpt as shown: control characters as their Unicode control
/// pictures (`␁`), format/bidi controls as `�`, each one column wide like the original
/// column the caret counts.
pub(crate) fn visible(c: char) -> char {
    match c {
        '\t' => ' ',
        c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
        '\u{7f}' => '\u{2421}',
        c if c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
        {
            '\u{fffd}'
        }
        c => c,
    }
}

/// Split serde_yaml's message into the problem and the optional context with its location.
fn split_location(raw: &str) -> (String, Option<(String, usize, usize)>) {
    let Some(i) = raw.find(" at line ") else {
        return (raw.to_string(), None);
    };
    let problem = raw[..i].to_string();
    let rest = &raw[i + " at line ".len()..];
    let Some(comma) = rest.find(", ") else {
        return (problem, None);
    };
    let ctx_text = &rest[comma + 2..];
    let Some(j) = ctx_text.rfind(" at line ") else {
        return (
            problem,
            Some((ctx_text.to_string(), 0, 0)).filter(|_| false),
        );
    };
    let ctx = ctx_text[..j].to_string();
    let mut nums = ctx_text[j + " at line ".len()..]
        .split(" column ")
        .map(|n| n.trim().parse::<usize>().unwrap_or(0));
    let (l, c) = (nums.next().unwrap_or(0), nums.next().unwrap_or(0));
    (problem, Some((ctx, l, c)))
}

/// Lines of the first and the duplicate definition of `key` in the block mapping that starts
/// at `line`/`col` (1-based).
fn find_duplicate(text: &str, line: usize, col: usize, key: &str) -> (usize, Option<usize>) {
    let indent = col.saturating_sub(1);
    let mut seen = Vec::new();
    for (i, l) in text.lines().enumerate().skip(line.saturating_sub(1)) {
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let ind = l.len() - trimmed.len();
        if ind < indent && i + 1 > line {
            break;
        }
        if ind != indent {
            continue;
        }
        let k = trimmed.trim_start_matches("- ");
        let is_key = [
            format!("{key}:"),
            format!("\"{key}\":"),
            format!("'{key}':"),
        ]
        .iter()
        .any(|p| k.starts_with(p.as_str()));
        if is_key {
            seen.push(i + 1);
            if seen.len() == 2 {
                return (seen[0], Some(seen[1]));
            }
        }
    }
    (seen.first().copied().unwrap_or(line), None)
}

/// Remove `!reset` nodes and untag `!override` nodes, recording their dotted paths.
/// A path through a `<<` merge key drops the `<<` segment (as compose-go does).
fn strip_tags(
    v: &mut Value,
    path: &mut Vec<String>,
    resets: &mut Vec<String>,
    overrides: &mut Vec<String>,
) {
    match v {
        Value::Tagged(t) => {
            let tag = t.tag.to_string();
            let inner = std::mem::replace(&mut t.value, Value::Null);
            *v = inner;
            if tag == "!override" {
                overrides.push(path.join("."));
            }
            strip_tags(v, path, resets, overrides);
        }
        Value::Mapping(m) => {
            let mut drop = Vec::new();
            for (k, child) in m.iter_mut() {
                let key = key_string(k);
                if let Value::Tagged(t) = child
                    && t.tag == "!reset"
                {
                    let mut p = path.clone();
                    if key != "<<" {
                        p.push(key.clone());
                    }
                    resets.push(p.join("."));
                    drop.push(k.clone());
                    continue;
                }
                let pushed = key != "<<";
                if pushed {
                    path.push(key);
                }
                strip_tags(child, path, resets, overrides);
                if pushed {
                    path.pop();
                }
            }
            for k in drop {
                m.remove(&k);
            }
        }
        Value::Sequence(s) => {
            // Items of a sequence cannot be reset (compose-go ignores `[i]` paths): drop the
            // tagged items but record nothing.
            s.retain(|item| !matches!(item, Value::Tagged(t) if t.tag == "!reset"));
            path.push("[]".into());
            for item in s.iter_mut() {
                strip_tags(item, path, resets, overrides);
            }
            path.pop();
        }
        _ => {}
    }
}

/// Resolve `<<` merge keys bottom-up: local keys win; in a sequence of maps the earlier wins.
/// The one implementation: the loader and doctor's view of the files as written both use it.
pub fn apply_merge_keys(v: &mut Value) -> std::result::Result<(), String> {
    match v {
        Value::Mapping(m) => {
            for (_, child) in m.iter_mut() {
                apply_merge_keys(child)?;
            }
            if let Some(merge) = m.remove("<<") {
                let sources = match merge {
                    Value::Mapping(src) => vec![src],
                    Value::Sequence(items) => {
                        let mut out = Vec::new();
                        for item in items {
                            match item {
                                Value::Mapping(src) => out.push(src),
                                _ => {
                                    return Err(
                                        "map merge requires map or sequence of maps as the value"
                                            .into(),
                                    );
                                }
                            }
                        }
                        out
                    }
                    Value::Null => Vec::new(),
                    _ => {
                        return Err(
                            "map merge requires map or sequence of maps as the value".into()
                        );
                    }
                };
                for src in sources {
                    for (k, val) in src {
                        if !m.contains_key(&k) {
                            m.insert(k, val);
                        }
                    }
                }
            }
            Ok(())
        }
        Value::Sequence(s) => {
            for item in s {
                apply_merge_keys(item)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn key_string(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => "null".into(),
        _ => yaml_serde::to_string(k)
            .map(|s| s.trim_end().to_string())
            .unwrap_or_default(),
    }
}

/// go-yaml v3 resolves plain `010` as octal 8 and `1_000` as 1000; serde_yaml keeps both
/// as strings and cannot tell plain from quoted scalars. A string of that shape becomes the
/// integer Go would see when its occurrence in the text is not quoted (see [`Convert`]).
fn go_plain_int(s: &str) -> Option<i64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let shaped = !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || c == '_')
        && ((body.len() > 1 && body.starts_with('0')) || body.contains('_'));
    if !shaped {
        return None;
    }
    let plain = s.replace('_', "");
    let (neg, digits) = match plain.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, plain.trim_start_matches('+').to_string()),
    };
    let v = if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Does `s` look like a YAML timestamp go-yaml would decode (`2006-1-2`, optionally with a
/// time)?
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let rest = &s[5..];
    let (date, time) = match rest.find(['T', 't', ' ']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let mut parts = date.split('-');
    let ok_num = |p: Option<&str>| {
        p.is_some_and(|p| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
    };
    if !(ok_num(parts.next()) && ok_num(parts.next()) && parts.next().is_none()) {
        return false;
    }
    match time {
        None => true,
        Some(t) => {
            t.len() >= 5 && t.as_bytes()[..1].iter().all(u8::is_ascii_digit) && t.contains(':')
        }
    }
}

/// serde_yaml value → [`Node`], recording the paths of unquoted timestamps.
///
/// For strings that go-yaml would resolve differently when plain (Go-octal ints, `_`
/// separators, dates), the quoting is read back from the text: the k-th such string value
/// met (in document order) is matched with the k-th standalone occurrence of that text.
struct Convert<'a> {
    text: &'a str,
    path: Vec<String>,
    timestamps: Vec<String>,
    seen: std::collections::HashMap<String, usize>,
}

impl Convert<'_> {
    fn node(&mut self, v: Value) -> Node {
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Node::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Node::UInt(u)
                } else {
                    Node::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => {
                let int = go_plain_int(&s);
                let stamp = looks_like_timestamp(&s);
                if (int.is_some() || stamp) && self.is_plain(&s) {
                    if let Some(i) = int {
                        return Node::Int(i);
                    }
                    self.timestamps.push(self.path.join("."));
                }
                Node::Str(s)
            }
            Value::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.into_iter().enumerate() {
                    self.path.push(format!("{i}"));
                    out.push(self.node(v));
                    self.path.pop();
                }
                Node::Seq(out)
            }
            Value::Mapping(m) => {
                let mut out = Map::with_capacity(m.len());
                for (k, v) in m {
                    let k = key_string(&k);
                    self.path.push(k.clone());
                    let n = self.node(v);
                    self.path.pop();
                    out.insert(k, n);
                }
                Node::Map(out)
            }
            Value::Tagged(t) => self.node(t.value),
        }
    }
}

impl Convert<'_> {
    /// Is the next occurrence of the value `s` written without quotes?
    fn is_plain(&mut self, s: &str) -> bool {
        let k = self.seen.entry(s.to_string()).or_insert(0);
        let want = *k;
        *k += 1;
        let bytes = self.text.as_bytes();
        let standalone = |b: Option<&u8>| {
            b.is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.' || *c == b'-'))
        };
        let mut n = 0;
        let mut from = 0;
        while let Some(off) = self.text[from..].find(s) {
            let start = from + off;
            let end = start + s.len();
            from = start + 1;
            let before = start.checked_sub(1).and_then(|i| bytes.get(i));
            let after = bytes.get(end);
            if !standalone(before) || !standalone(after) {
                continue;
            }
            if n == want {
                let quoted = |b: Option<&u8>| matches!(b, Some(b'"') | Some(b'\''));
                return !(quoted(before) && quoted(after));
            }
            n += 1;
        }
        // Not found as written (e.g. produced by interpolation): a plain scalar.
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Document>> {
        parse_documents(Path::new("c.yml"), text, &mut |_| Ok(()))
    }

    #[test]
    fn merge_keys_local_wins_and_first_alias_wins() {
        let docs = parse("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  y: 3\n")
            .expect("parses");
        let c = docs[0].node.at("c").expect("c");
        assert_eq!(c.get("x"), Some(&Node::Int(1)));
        assert_eq!(c.get("y"), Some(&Node::Int(3)));
        assert_eq!(c.get("z"), Some(&Node::Int(2)));
    }

    #[test]
    fn nested_merge_keys_resolve() {
        let docs = parse("a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b}\n").expect("parses");
        let c = docs[0].node.at("c").and_then(Node::as_map).expect("c");
        assert_eq!(c.len(), 2);
        assert!(!c.contains_key("<<"));
    }

    #[test]
    fn reset_and_override_paths() {
        let docs =
            parse("services:\n  app:\n    ports: !reset []\n    environment: !override {A: 1}\n")
                .expect("parses");
        assert_eq!(docs[0].resets, vec!["services.app.ports"]);
        assert_eq!(docs[0].overrides, vec!["services.app.environment"]);
        let app = docs[0].node.at("services.app").expect("app");
        assert!(app.get("ports").is_none());
        assert!(app.get("environment").is_some());
    }

    #[test]
    fn duplicate_key_names_line_and_key() {
        let e = parse("services:\n  app:\n    image: a\n    image: b\n").expect_err("dup");
        let s = e.to_string();
        assert!(s.contains("c.yml"), "{s}");
        assert!(s.contains("mapping key \"image\" already defined"), "{s}");
        assert!(s.contains("line 4"), "{s}");
    }

    #[test]
    fn syntax_error_has_line_column_excerpt() {
        let e = parse("services:\n  app:\n    image: [a\n").expect_err("bad");
        let s = e.to_string();
        assert!(s.contains("line "), "{s}");
        assert!(s.contains("column "), "{s}");
        assert!(s.contains('|'), "{s}");
    }

    #[test]
    fn go_style_plain_ints() {
        let docs = parse("a: 010\nb: 1_000\nc: \"020\"\nd: '0_1'\ne: 0x1F\n").expect("parses");
        let m = &docs[0].node;
        assert_eq!(m.get("a"), Some(&Node::Int(8)));
        assert_eq!(m.get("b"), Some(&Node::Int(1000)));
        assert_eq!(m.get("c"), Some(&Node::Str("020".into())));
        assert_eq!(m.get("d"), Some(&Node::Str("0_1".into())));
        assert_eq!(m.get("e"), Some(&Node::Int(31)));
    }

    #[test]
    fn control_character_is_reported_at_its_line() {
        let e = parse("services:\n  a:\n    image: \"a\u{1}b\"\n").expect_err("ctl");
        let s = e.to_string();
        assert!(
            s.contains("line 3, column 14: control characters are not allowed"),
            "{s}"
        );
        assert!(
            !s.contains('\u{1}'),
            "the excerpt must not carry the raw character: {s:?}"
        );
    }

    #[test]
    fn multi_document() {
        let docs = parse("a: 1\n---\nb: 2\n").expect("parses");
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn unknown_anchor_is_an_error() {
        let e = parse("a: *nope\n").expect_err("anchor");
        assert!(e.to_string().contains("unknown anchor"), "{e}");
    }
}
