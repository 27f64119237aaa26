//! Merging one compose file into the model accumulated from the previous ones, by the
//! Compose Specification's merge rules as Compose v2.40.3 (compose-go v2.9.1) applies them.
//! See `merge-rules.md` §2 (per-key mergers) and §3 ([`unicity`]).

pub mod unicity;

use crate::error::{Error, Result};
use crate::project::yaml::{Map, Node};

pub use unicity::enforce_unicity;

/// How a key path is merged when both sides have a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merger {
    /// The override replaces the base (even with null).
    Override,
    /// Both sides become `k=v` sequences (maps sorted), override appended.
    ToSequence,
    ExtraHosts,
    DependsOn,
    /// List → map with null values, then deep merge (`networks`, `models`).
    ListToMap,
    Build,
    Logging,
    Ulimit,
    IpamConfig,
}

const SPECIALS: &[(&str, Merger)] = &[
    ("networks.*.ipam.config", Merger::IpamConfig),
    ("networks.*.labels", Merger::ToSequence),
    ("volumes.*.labels", Merger::ToSequence),
    ("services.*.annotations", Merger::ToSequence),
    ("services.*.build", Merger::Build),
    ("services.*.build.args", Merger::ToSequence),
    ("services.*.build.additional_contexts", Merger::ToSequence),
    ("services.*.build.extra_hosts", Merger::ExtraHosts),
    ("services.*.build.labels", Merger::ToSequence),
    ("services.*.command", Merger::Override),
    ("services.*.depends_on", Merger::DependsOn),
    ("services.*.deploy.labels", Merger::ToSequence),
    ("services.*.dns", Merger::ToSequence),
    ("services.*.dns_opt", Merger::ToSequence),
    ("services.*.dns_search", Merger::ToSequence),
    ("services.*.entrypoint", Merger::Override),
    ("services.*.env_file", Merger::ToSequence),
    ("services.*.label_file", Merger::ToSequence),
    ("services.*.environment", Merger::ToSequence),
    ("services.*.extra_hosts", Merger::ExtraHosts),
    ("services.*.healthcheck.test", Merger::Override),
    ("services.*.labels", Merger::ToSequence),
    ("services.*.volumes.*.volume.labels", Merger::ToSequence),
    ("services.*.logging", Merger::Logging),
    ("services.*.models", Merger::ListToMap),
    ("services.*.networks", Merger::ListToMap),
    ("services.*.sysctls", Merger::ToSequence),
    ("services.*.tmpfs", Merger::ToSequence),
    ("services.*.ulimits.*", Merger::Ulimit),
];

/// Does the dotted `path` match `pattern` (`*` = any one segment)? Compared byte-wise
/// without splitting: this runs for every node of the model against every rule table.
pub fn matches<S: AsRef<str>>(path: &[S], pattern: &str) -> bool {
    let mut pat = pattern.as_bytes();
    for seg in path {
        if pat.is_empty() {
            return false;
        }
        let s = seg.as_ref().as_bytes();
        let rest = if pat[0] == b'*' && (pat.len() == 1 || pat[1] == b'.') {
            &pat[1..]
        } else if pat.len() >= s.len() && &pat[..s.len()] == s {
            &pat[s.len()..]
        } else {
            return false;
        };
        pat = match rest.first() {
            None => rest,
            Some(b'.') => &rest[1..],
            Some(_) => return false,
        };
        if pat.is_empty() && rest.first() == Some(&b'.') {
            // A pattern ending in '.' never matches.
            return false;
        }
    }
    pat.is_empty()
}

/// A rule table (`pattern → value`) indexed by the pattern's last segment, so that a
/// lookup tests only the few patterns that can match (first match in table order wins).
pub struct Rules<T: 'static> {
    table: &'static [(&'static str, T)],
    index: std::sync::OnceLock<std::collections::HashMap<&'static str, Vec<usize>>>,
}

impl<T: Copy> Rules<T> {
    pub const fn new(table: &'static [(&'static str, T)]) -> Self {
        Rules {
            table,
            index: std::sync::OnceLock::new(),
        }
    }

    fn index(&self) -> &std::collections::HashMap<&'static str, Vec<usize>> {
        self.index.get_or_init(|| {
            let mut m: std::collections::HashMap<&'static str, Vec<usize>> = Default::default();
            for (i, (p, _)) in self.table.iter().enumerate() {
                let last = p.rsplit('.').next().unwrap_or(p);
                m.entry(last).or_default().push(i);
            }
            m
        })
    }

    /// The value of the first pattern matching `path`.
    pub fn find<S: AsRef<str>>(&self, path: &[S]) -> Option<T> {
        let last = path.last()?.as_ref();
        let idx = self.index();
        let exact = idx.get(last).map(Vec::as_slice).unwrap_or(&[]);
        let wild = idx.get("*").map(Vec::as_slice).unwrap_or(&[]);
        let mut best: Option<usize> = None;
        for &i in exact.iter().chain(wild) {
            if best.is_some_and(|b| b < i) {
                continue;
            }
            if matches(path, self.table[i].0) {
                best = Some(i);
            }
        }
        best.map(|i| self.table[i].1)
    }
}

static SPECIAL_RULES: Rules<Merger> = Rules::new(SPECIALS);

fn special(path: &[String]) -> Option<Merger> {
    SPECIAL_RULES.find(path)
}

/// Merge `over` (a later file's model) into `base` (the accumulated model).
pub fn merge(base: Map, over: Map) -> Result<Map> {
    merge_mappings(base, over, &mut Vec::new())
}

/// The same rules for one value, used by `extends` (base service ← extending service).
pub fn merge_at(base: Node, over: Node, path: &[String]) -> Result<Node> {
    merge_yaml(base, over, &mut path.to_vec())
}

fn merge_yaml(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    if let Some(m) = special(path) {
        return merge_special(m, base, over, path);
    }
    if over == Node::Null {
        return Ok(base);
    }
    match base {
        Node::Map(b) => match over {
            Node::Map(o) => Ok(Node::Map(merge_mappings(b, o, path)?)),
            _ => Err(cannot_override(path)),
        },
        Node::Seq(mut b) => match over {
            Node::Seq(o) => {
                b.extend(o);
                Ok(Node::Seq(b))
            }
            _ => Err(cannot_override(path)),
        },
        _ => Ok(over),
    }
}

fn cannot_override(path: &[String]) -> Error {
    Error::config(format!("cannot override {}", path.join(".")))
        .with_hint("a later file gives this key a different type (list vs. string/mapping) than an earlier one; use the same form, or tag it `!override`")
}

fn merge_mappings(mut base: Map, over: Map, path: &mut Vec<String>) -> Result<Map> {
    for (k, v) in over {
        let Some(existing) = base.get_mut(&k) else {
            base.insert(k, v);
            continue;
        };
        path.push(k);
        let old = std::mem::replace(existing, Node::Null);
        let merged = merge_yaml(old, v, path)?;
        path.pop();
        *existing = merged;
    }
    Ok(base)
}

fn merge_special(m: Merger, base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    match m {
        Merger::Override => Ok(over),
        Merger::ToSequence => {
            let mut seq = to_sequence(base);
            seq.extend(to_sequence(over));
            Ok(Node::Seq(seq))
        }
        Merger::ExtraHosts => {
            let mut seq = to_sequence(base);
            let mut seen: std::collections::HashSet<String> = seq.iter().map(go_fmt).collect();
            for item in to_sequence(over) {
                if seen.insert(go_fmt(&item)) {
                    seq.push(item);
                }
            }
            Ok(Node::Seq(seq))
        }
        Merger::DependsOn => {
            let b = to_mapping(base, true);
            let o = to_mapping(over, true);
            Ok(Node::Map(merge_mappings(b, o, path)?))
        }
        Merger::ListToMap => {
            let b = to_mapping(base, false);
            let o = to_mapping(over, false);
            Ok(Node::Map(merge_mappings(b, o, path)?))
        }
        Merger::Build => {
            let to_build = |n: Node| match n {
                Node::Str(s) => Map::from([("context".to_string(), Node::Str(s))]),
                Node::Map(m) => m,
                _ => Map::new(),
            };
            Ok(Node::Map(merge_mappings(
                to_build(base),
                to_build(over),
                path,
            )?))
        }
        Merger::Logging => {
            let Node::Map(o) = over else {
                return Err(cannot_override(path));
            };
            let Node::Map(b) = base else {
                return Ok(Node::Map(o));
            };
            let same = match (o.get("driver"), b.get("driver")) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            };
            if same {
                Ok(Node::Map(merge_mappings(b, o, path)?))
            } else {
                Ok(Node::Map(o))
            }
        }
        Merger::Ulimit => Ok(over),
        Merger::IpamConfig => merge_ipam_config(base, over, path),
    }
}

/// compose-go `mergeIPAMConfig`: entries matched by `subnet`.
fn merge_ipam_config(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    let (Node::Seq(b), Node::Seq(o)) = (base.clone(), over.clone()) else {
        return merge_yaml_default(base, over, path);
    };
    let subnet = |m: &Map| m.get("subnet").cloned().unwrap_or(Node::Null);
    let mut out: Vec<Map> = Vec::new();
    for original in b {
        let right = to_mapping(original, false);
        for item in &o {
            let left = to_mapping(item.clone(), false);
            if subnet(&left) != subnet(&right) && !out.iter().any(|a| subnet(a) == subnet(&left)) {
                out.push(left);
                continue;
            }
            let merged = merge_mappings(right.clone(), left, path)?;
            match out.iter().position(|a| subnet(a) == subnet(&merged)) {
                Some(i) => out[i] = merged,
                None => out.push(merged),
            }
        }
    }
    Ok(Node::Seq(out.into_iter().map(Node::Map).collect()))
}

fn merge_yaml_default(base: Node, over: Node, path: &[String]) -> Result<Node> {
    match (base, over) {
        (b, Node::Null) => Ok(b),
        (Node::Seq(mut b), Node::Seq(o)) => {
            b.extend(o);
            Ok(Node::Seq(b))
        }
        (Node::Seq(_), _) => Err(cannot_override(path)),
        (_, o) => Ok(o),
    }
}

/// compose-go `convertIntoSequence`: a map becomes sorted `k=v` strings (`k` for null,
/// one `k=item` per item of a list value); a string becomes a one-item list.
pub fn to_sequence(n: Node) -> Vec<Node> {
    match n {
        Node::Map(m) => {
            let mut seq: Vec<String> = Vec::new();
            for (k, v) in m {
                match v {
                    Node::Null => seq.push(k),
                    Node::Seq(items) => {
                        for it in items {
                            seq.push(format!("{k}={}", go_fmt(&it)));
                        }
                    }
                    other => seq.push(format!("{k}={}", go_fmt(&other))),
                }
            }
            seq.sort();
            seq.into_iter().map(Node::Str).collect()
        }
        Node::Seq(s) => s,
        Node::Str(s) => vec![Node::Str(s)],
        _ => Vec::new(),
    }
}

/// compose-go `convertIntoMapping`: a list of names becomes a map (values = the default
/// `{condition: service_started, required: true}` for depends_on, null otherwise).
fn to_mapping(n: Node, depends_on: bool) -> Map {
    match n {
        Node::Map(m) => m,
        Node::Seq(s) => s
            .into_iter()
            .map(|item| {
                let v = if depends_on {
                    Node::Map(Map::from([
                        ("condition".to_string(), Node::Str("service_started".into())),
                        ("required".to_string(), Node::Bool(true)),
                    ]))
                } else {
                    Node::Null
                };
                (scalar_string(&item), v)
            })
            .collect(),
        _ => Map::new(),
    }
}

/// A scalar as text (keys of converted lists).
pub fn scalar_string(n: &Node) -> String {
    go_fmt(n)
}

/// Go's `%v` of a decoded YAML value: `1.50` → `1.5`, `1e3` → `1000`, `6.02e23` → `6.02e+23`,
/// `.inf` → `+Inf`, null → `<nil>`.
pub fn go_fmt(n: &Node) -> String {
    match n {
        Node::Null => "<nil>".into(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::UInt(u) => u.to_string(),
        Node::Float(f) => go_float(*f),
        Node::Str(s) => s.clone(),
        Node::Seq(s) => format!("[{}]", s.iter().map(go_fmt).collect::<Vec<_>>().join(" ")),
        Node::Map(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", go_fmt(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// Go's `%v` for a float64 (shortest `%g`: exponent < -4 or >= 6 uses `e` notation with at
/// least two exponent digits, e.g. `1e+06`).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Shortest repr digits and exponent via Rust's `{:e}`.
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod match_tests {
    use super::matches;

    #[test]
    fn matches_table() {
        let p = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
        for (path, pattern, want) in [
            ("services.app.ports", "services.*.ports", true),
            ("services.app.ports", "services.*.port", false),
            ("services.app.portsx", "services.*.ports", false),
            ("services.app", "services.*.ports", false),
            ("services.app.ports.x", "services.*.ports", false),
            ("services", "services", true),
            ("volumes.data", "volumes.*", true),
            ("services.app.ulimits.nofile", "services.*.ulimits.*", true),
        ] {
            assert_eq!(matches(&p(path), pattern), want, "{path} ~ {pattern}");
        }
        let dotted = vec![
            "services".to_string(),
            "a".into(),
            "labels".into(),
            "com.example".into(),
        ];
        assert!(matches(&dotted, "services.*.labels.*"));
        assert!(!matches(&dotted, "services.*.labels.com"));
    }
}
