//! `config --explain`: what a value looked like before interpolation (`${API_PORT:-3001}:3000`),
//! the variables in it, and where each one's value came from (an env file and its line, the
//! environment devctl runs in, the default written in the expression, or nowhere).
//!
//! The merged model keeps only interpolated values; the text as written is read back from the
//! file that set the value: its strings under the same key path, the one that interpolates to
//! the recorded value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::doctor::interp::{Op, VarRef, refs};
use crate::project::LoadedProject;
use crate::project::interpolate::{Env, EnvSources, Source, interpolate_str};
use crate::project::load::locate::{Seg, Target, locate};
use crate::project::yaml::Value;

/// One variable of a written value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Var {
    pub(super) name: String,
    /// Its value (None: not set).
    pub(super) value: Option<String>,
    pub(super) source: Source,
    /// What the expression used: `value`, `default` (text), `alternative` (text), `empty`.
    pub(super) used: Used,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Used {
    Value,
    Default(String),
    Alternative(String),
    Empty,
}

/// The value as written, where, and its variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Written {
    pub(super) text: String,
    /// 1-based line in the file, when found.
    pub(super) line: Option<usize>,
    pub(super) vars: Vec<Var>,
}

/// A file's text and its strings that have a `$`, each with its key path.
type Strings = (String, Vec<(Vec<Seg>, String)>);

/// Reads each file once.
pub(super) struct Finder<'a> {
    loaded: &'a LoadedProject,
    process: Option<&'a Env>,
    sources: EnvSources,
    files: BTreeMap<PathBuf, Option<Strings>>,
}

impl<'a> Finder<'a> {
    pub(super) fn new(loaded: &'a LoadedProject, process: Option<&'a Env>) -> Self {
        let r = &loaded.resolved;
        Finder {
            loaded,
            process,
            sources: EnvSources::new(&r.env_files, &r.project_dir, &r.env),
            files: BTreeMap::new(),
        }
    }

    /// The written form of the value `value` that `file` set at `key` (a provenance key such
    /// as `services.api.ports[0.0.0.0:3001:3000/tcp]`), when it had variables in it.
    pub(super) fn written(&mut self, key: &str, file: &Path, value: &str) -> Option<Written> {
        let env = &self.loaded.resolved.env;
        let (line, raw) = {
            let entry = self
                .files
                .entry(file.to_path_buf())
                .or_insert_with(|| read_strings(file));
            let (text, strings) = entry.as_ref()?;
            let want = base(key);
            let last = key.rsplit(['.', '[']).next().unwrap_or(key);
            let (segs, raw) = strings.iter().find(|(segs, raw)| {
                let at = base(&dotted(segs));
                let near = at == want
                    || want.starts_with(&format!("{at}."))
                    || at.starts_with(&format!("{want}."));
                near && interpolate_str(raw, env).is_ok_and(|v| {
                    v == value
                        || format!("{last}={v}") == value
                        || (!v.is_empty() && value.contains(v.as_str()))
                })
            })?;
            (
                locate(text, segs, Target::Value).map(|p| p.line),
                raw.clone(),
            )
        };
        let vars = variables(&raw)
            .into_iter()
            .map(|r| self.var(&r, env))
            .collect();
        Some(Written {
            text: raw,
            line,
            vars,
        })
    }

    fn var(&self, r: &VarRef, env: &Env) -> Var {
        let value = env.get(&r.name).cloned();
        let set = value.is_some();
        let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let arg = || interpolate_str(r.arg.as_deref().unwrap_or(""), env).unwrap_or_default();
        let used = match r.op {
            Op::DefaultIfEmpty if !non_empty => Used::Default(arg()),
            Op::DefaultIfUnset if !set => Used::Default(arg()),
            Op::AltIfNonEmpty if non_empty => Used::Alternative(arg()),
            Op::AltIfSet if set => Used::Alternative(arg()),
            Op::AltIfNonEmpty | Op::AltIfSet => Used::Empty,
            _ if !set => Used::Empty,
            _ => Used::Value,
        };
        Var {
            source: self.sources.source_of(&r.name, self.process, env),
            name: r.name.clone(),
            value,
            used,
        }
    }
}

/// Every reference in `raw`, nested ones (in defaults) included, each name once.
fn variables(raw: &str) -> Vec<VarRef> {
    let mut out: Vec<VarRef> = Vec::new();
    let mut todo = vec![raw.to_string()];
    while let Some(s) = todo.pop() {
        for r in refs(&s) {
            if let Some(a) = &r.arg {
                todo.push(a.clone());
            }
            if !out.iter().any(|o| o.name == r.name) {
                out.push(r);
            }
        }
    }
    out
}

/// The file's text and every string value in it that has a `$`, with its key path.
fn read_strings(file: &Path) -> Option<Strings> {
    let text = crate::project::read::text_lossy_opt(file)?;
    let mut v: Value = crate::project::yaml::from_str(&text).ok()?;
    let _ = v.apply_merge();
    let mut out = Vec::new();
    collect(&v, &mut Vec::new(), &mut out);
    Some((text, out))
}

fn collect(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, String)>) {
    match v {
        Value::String(s) if s.contains('$') => out.push((path.clone(), s.clone())),
        Value::Sequence(items) => {
            for (i, it) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                collect(it, path, out);
                path.pop();
            }
        }
        Value::Mapping(m) => {
            for (k, it) in m {
                let Some(k) = k.as_str() else { continue };
                path.push(Seg::Key(k.to_string()));
                collect(it, path, out);
                path.pop();
            }
        }
        Value::Tagged(t) => collect(&t.value, path, out),
        _ => {}
    }
}

fn dotted(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// A key path without its `[…]` parts.
fn base(key: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in key.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The written text with literal defaults/alternatives masked (for a secret key).
pub(super) fn mask_operands(raw: &str) -> String {
    let mut out = raw.to_string();
    for r in variables(raw) {
        let Some(arg) = r
            .arg
            .as_deref()
            .filter(|a| !a.is_empty() && !a.contains('$'))
        else {
            continue;
        };
        let op = match r.op {
            Op::DefaultIfEmpty => ":-",
            Op::DefaultIfUnset => "-",
            Op::AltIfNonEmpty => ":+",
            Op::AltIfSet => "+",
            _ => continue,
        };
        out = out.replace(
            &format!("{}{op}{arg}}}", r.name),
            &format!("{}{op}{}}}", r.name, crate::secrets::MASK),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_and_variables() {
        assert_eq!(
            base("services.api.ports[0.0.0.0:3001:3000/tcp]"),
            "services.api.ports"
        );
        let names: Vec<String> = variables("${A:-${B}}-$C-${A}")
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, vec!["A", "C", "B"]);
        assert_eq!(
            mask_operands("${PW:-hunter2}@${HOST:-db}"),
            "${PW:-********}@${HOST:-********}"
        );
    }
}
