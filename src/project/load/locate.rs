//! Where a key path is written in a compose file: its line and column, for messages that name
//! a key (an unknown key, a `${VAR:?}` reference) and so should say where it is.
//!
//! The YAML parser knows every node's position but the loaded tree does not keep it. This
//! walks the text again with a seed that descends along the path only; at the target it stops
//! the parse with an error, and the parser stamps that error with the position of the node it
//! was reading. Aliases are followed (the answer is the anchored text), `<<` merge keys are
//! searched when the key is not written in the mapping itself, tags (`!reset`, `!override`)
//! are looked through. Error path only: nothing here runs while a valid project loads.

use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    /// Segments of a dotted key path (`services.api.ports.0`, `services.api.ports[0]`): a
    /// number after a dot or in brackets is a list index. Keys that contain dots cannot be
    /// told apart from nested keys here; [`locate`] then finds nothing.
    #[cfg(test)]
    pub(crate) fn parse(path: &str) -> Vec<Seg> {
        let mut out = Vec::new();
        for part in path.split('.').filter(|p| !p.is_empty()) {
            let (head, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !head.is_empty() {
                out.push(match head.parse::<usize>() {
                    Ok(i) if !out.is_empty() => Seg::Index(i),
                    _ => Seg::Key(head.to_string()),
                });
            }
            while let Some(end) = rest.find(']') {
                if let Ok(i) = rest[1..end].parse::<usize>() {
                    out.push(Seg::Index(i));
                }
                rest = &rest[end + 1..];
            }
        }
        out
    }
}

/// What to point at: the key itself (an unknown key) or its value (a reference in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Key,
    Value,
}

/// 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

const HIT: &str = "devctl-locate-hit";

/// The position of `path` in `text` (the first YAML document that has it).
pub(crate) fn locate(text: &str, path: &[Seg], target: Target) -> Option<Pos> {
    if path.is_empty() {
        return None;
    }
    for doc in yaml_serde::Deserializer::from_str(text) {
        match (Find { path, target }).deserialize(doc) {
            Ok(()) => {}
            Err(e) if e.to_string().contains(HIT) => {
                let loc = e.location()?;
                return Some(Pos {
                    line: loc.line(),
                    column: loc.column(),
                });
            }
            // A syntax error: the loader reports it on its own.
            Err(_) => return None,
        }
    }
    None
}

/// `file: line L, column C` and the line with a caret under the column, for a message; or
/// just the file when the position is unknown.
pub(crate) fn describe(file: &Path, text: Option<&str>, pos: Option<Pos>) -> (String, String) {
    match (text, pos) {
        (Some(text), Some(p)) => {
            let excerpt: String = text
                .lines()
                .nth(p.line.saturating_sub(1))
                .unwrap_or("")
                .chars()
                .take(200)
                .map(crate::project::yaml::visible)
                .collect();
            (
                format!("{}: line {}, column {}", file.display(), p.line, p.column),
                format!(
                    "\n  {:>4} | {excerpt}\n       | {}^",
                    p.line,
                    " ".repeat(p.column.saturating_sub(1))
                ),
            )
        }
        _ => (file.display().to_string(), String::new()),
    }
}

/// Seed: descend along `path`, reading (and dropping) everything else; the target ends the
/// parse with the [`HIT`] error.
struct Find<'a> {
    path: &'a [Seg],
    target: Target,
}

impl<'de> DeserializeSeed<'de> for Find<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Find<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    // Scalars: the target when the path ends here, else the path goes deeper than the text.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.leaf()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        self.leaf()
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        self.leaf()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.leaf()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        self.leaf::<A::Error>()?;
        let want = match &self.path[0] {
            Seg::Index(i) => Some(*i),
            Seg::Key(_) => None,
        };
        let mut i = 0;
        loop {
            let more = if Some(i) == want {
                a.next_element_seed(self.deeper())?.is_some()
            } else {
                a.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        self.leaf::<A::Error>()?;
        let Seg::Key(want) = &self.path[0] else {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let last = self.path.len() == 1;
        while let Some(key) = a.next_key_seed(KeySeed {
            want,
            hit: last && self.target == Target::Key,
        })? {
            match key {
                KeyIs::Wanted => a.next_value_seed(self.deeper())?,
                // `<<: *base` / `<<: [*a, *b]`: the key may be written in the merged maps.
                KeyIs::Merge => a.next_value_seed(MergeSeed(Find {
                    path: self.path,
                    target: self.target,
                }))?,
                KeyIs::Other => {
                    a.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        use de::VariantAccess;
        let (_tag, v) = a.variant::<IgnoredAny>()?;
        v.newtype_variant_seed(self)
    }
}

impl Find<'_> {
    /// The target when the path ends here.
    fn leaf<E: de::Error>(&self) -> Result<(), E> {
        if self.path.is_empty() {
            Err(E::custom(HIT))
        } else {
            Ok(())
        }
    }

    fn deeper(&self) -> Find<'_> {
        Find {
            path: &self.path[1..],
            target: self.target,
        }
    }
}

enum KeyIs {
    Wanted,
    Merge,
    Other,
}

/// Reads one mapping key; stops the parse at the wanted key when the key is the target.
struct KeySeed<'a> {
    want: &'a str,
    hit: bool,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = KeyIs;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<KeyIs, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = KeyIs;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<KeyIs, E> {
        if s == self.want {
            if self.hit {
                return Err(E::custom(HIT));
            }
            return Ok(KeyIs::Wanted);
        }
        Ok(if s == "<<" {
            KeyIs::Merge
        } else {
            KeyIs::Other
        })
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<KeyIs, E> {
        self.visit_str(&n.to_string())
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<KeyIs, E> {
        self.visit_str(&n.to_string())
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<KeyIs, E> {
        self.visit_str(&b.to_string())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<KeyIs, E> {
        Ok(KeyIs::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<KeyIs, E> {
        self.visit_str("null")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<KeyIs, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(KeyIs::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<KeyIs, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(KeyIs::Other)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, a: A) -> Result<KeyIs, A::Error> {
        use de::VariantAccess;
        let (_tag, v) = a.variant::<IgnoredAny>()?;
        v.newtype_variant_seed(self)
    }
}

/// The value of a `<<` key: a map (searched with the same path) or a list of maps.
struct MergeSeed<'a>(Find<'a>);

impl<'de> DeserializeSeed<'de> for MergeSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MergeSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping or a list of mappings")
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        self.0.visit_map(a)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        let again = || {
            MergeSeed(Find {
                path: self.0.path,
                target: self.0.target,
            })
        };
        while a.next_element_seed(again())?.is_some() {}
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, path: &str, target: Target) -> Option<(usize, usize)> {
        locate(text, &Seg::parse(path), target).map(|p| (p.line, p.column))
    }

    #[test]
    fn paths_parse_dots_and_brackets() {
        assert_eq!(
            Seg::parse("services.api.ports[1]"),
            vec![
                Seg::Key("services".into()),
                Seg::Key("api".into()),
                Seg::Key("ports".into()),
                Seg::Index(1)
            ]
        );
        assert_eq!(
            Seg::parse("services.api.ports.0"),
            Seg::parse("services.api.ports[0]")
        );
    }

    #[test]
    fn keys_and_values_in_block_and_flow_style() {
        let t = "services:\n  api:\n    image: x\n    enviroment:\n      A: 1\n    build: {contxt: .}\n    ports:\n      - \"80:80\"\n      - target: 81\n        publised: 8081\n";
        assert_eq!(at(t, "services.api.enviroment", Target::Key), Some((4, 5)));
        assert_eq!(
            at(t, "services.api.build.contxt", Target::Key),
            Some((6, 13))
        );
        assert_eq!(
            at(t, "services.api.ports.1.publised", Target::Key),
            Some((10, 9))
        );
        assert_eq!(at(t, "services.api.ports[0]", Target::Value), Some((8, 9)));
        assert_eq!(
            at(t, "services.api.enviroment.A", Target::Value),
            Some((5, 10))
        );
        assert_eq!(at(t, "services.api.nope", Target::Key), None);
        assert_eq!(at(t, "services.web", Target::Key), None);
        assert_eq!(at("a: [\nservices: x\n", "services", Target::Key), None);
    }

    #[test]
    fn merge_keys_aliases_and_tags() {
        let t = "x-base: &base\n  environment:\n    P: ${P:?}\nservices:\n  api:\n    <<: *base\n    image: !override x\n";
        assert_eq!(
            at(t, "services.api.environment.P", Target::Value),
            Some((3, 8))
        );
        assert_eq!(at(t, "services.api.image", Target::Value), Some((7, 12)));
        let multi = "a: 1\n---\nservices:\n  api: {image: x}\n";
        assert_eq!(
            at(multi, "services.api.image", Target::Value),
            Some((4, 16))
        );
    }
}
