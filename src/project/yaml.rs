//! The one place that knows the YAML crate (`serde_yaml`) for compose files.
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
use serde::Deserialize;
use serde_yaml::Value;

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
}

/// Parse every document of `text` (the content of `file`). `interpolate` runs on each document
/// after tags and merge keys are processed and before conversion to [`Node`].
pub fn parse_documents(
    file: &Path,
    text: &str,
    interpolate: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<Vec<Document>> {
    let mut docs = Vec::new();
    for de in serde_yaml::Deserializer::from_str(text) {
        let mut value = match Value::deserialize(de) {
            Ok(v) => v,
            Err(e) => return Err(syntax_error(file, text, &e)),
        };
        let mut resets = Vec::new();
        let mut overrides = Vec::new();
        strip_tags(&mut value, &mut Vec::new(), &mut resets, &mut overrides);
        apply_merge_keys(&mut value)
            .map_err(|m| Error::config(format!("failed to parse {}: {m}", file.display())))?;
        interpolate(&mut value)?;
        docs.push(Document {
            node: to_node(value, text),
            resets,
            overrides,
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
    serde_yaml::to_string(v).map_err(|e| Error::general(format!("cannot render YAML: {e}")))
}

fn syntax_error(file: &Path, text: &str, e: &serde_yaml::Error) -> Error {
    let raw = e.to_string();
    // serde_yaml appends " at line L column C"; we print the location ourselves.
    let msg = match raw.find(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw.clone(),
    };
    let Some(loc) = e.location() else {
        return Error::config(format!("failed to parse {}: {msg}", file.display()));
    };
    let (mut line, mut col) = (loc.line(), loc.column());
    let mut msg = msg;
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
        col = col.max(1);
    }
    let excerpt: String = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    let caret = " ".repeat(col.saturating_sub(1));
    Error::config(format!(
        "failed to parse {}: line {line}, column {col}: {msg}\n  {line:>4} | {excerpt}\n       | {caret}^",
        file.display()
    ))
    .with_hint("fix the YAML at that position")
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
                if let Value::Tagged(t) = child {
                    if t.tag == "!reset" {
                        let mut p = path.clone();
                        if key != "<<" {
                            p.push(key.clone());
                        }
                        resets.push(p.join("."));
                        drop.push(k.clone());
                        continue;
                    }
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
fn apply_merge_keys(v: &mut Value) -> std::result::Result<(), String> {
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
        _ => serde_yaml::to_string(k)
            .map(|s| s.trim_end().to_string())
            .unwrap_or_default(),
    }
}

/// go-yaml v3 resolves plain `010` as octal 8 and `1_000` as 1000; serde_yaml keeps both
/// as strings and cannot tell plain from quoted scalars. A string of that shape becomes the
/// integer Go would see unless the text also contains it quoted (then it is left alone).
fn go_plain_int(s: &str, text: &str) -> Option<i64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let shaped = !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || c == '_')
        && ((body.len() > 1 && body.starts_with('0')) || body.contains('_'));
    if !shaped || text.contains(&format!("\"{s}\"")) || text.contains(&format!("'{s}'")) {
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

fn to_node(v: Value, text: &str) -> Node {
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
        Value::String(s) => match go_plain_int(&s, text) {
            Some(i) => Node::Int(i),
            None => Node::Str(s),
        },
        Value::Sequence(s) => Node::Seq(s.into_iter().map(|v| to_node(v, text)).collect()),
        Value::Mapping(m) => Node::Map(
            m.into_iter()
                .map(|(k, v)| (key_string(&k), to_node(v, text)))
                .collect(),
        ),
        Value::Tagged(t) => to_node(t.value, text),
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
