//! Relative path resolution (compose-go `paths/resolve.go`): build contexts, bind mounts,
//! env files, secret/config files, `extends.file`, `develop.watch` paths, bind-device
//! driver options — joined onto a base directory, `~` expanded with `HOME`.

use std::path::{Path, PathBuf};

use crate::project::canonical::volume::clean_path;
use crate::project::yaml::{Map, Node};

/// Resolves paths against `base`.
pub struct Resolver<'a> {
    pub base: &'a Path,
    pub home: Option<&'a str>,
}

impl Resolver<'_> {
    fn expand_user(&self, p: &str) -> String {
        match (p.strip_prefix('~'), self.home) {
            (Some(rest), Some(home)) => join(Path::new(home), rest),
            _ => p.to_string(),
        }
    }

    /// `absPath`: `~` expanded, relative joined onto the base.
    pub fn abs(&self, p: &str) -> String {
        let v = self.expand_user(p);
        if v.is_empty() || v.starts_with('/') {
            return v;
        }
        join(self.base, &v)
    }

    /// `maybeUnixPath`: like [`abs`] but Windows-absolute paths are left alone.
    pub fn maybe_unix(&self, p: &str) -> String {
        let v = self.expand_user(p);
        if is_windows_abs(&v) || v.starts_with('/') {
            return v;
        }
        join(self.base, &v)
    }

    fn context(&self, p: &str) -> String {
        if p.contains("://") || p.starts_with("service:") || is_remote(p) {
            return p.to_string();
        }
        self.abs(p)
    }

    /// Resolve every known relative path in a whole model.
    pub fn resolve_model(&self, model: &mut Map) {
        if let Some(Node::Map(services)) = model.get_mut("services") {
            for (_, svc) in services.iter_mut() {
                if let Node::Map(svc) = svc {
                    self.resolve_service(svc);
                }
            }
        }
        for kind in ["configs", "secrets"] {
            if let Some(Node::Map(defs)) = model.get_mut(kind) {
                for (_, d) in defs.iter_mut() {
                    if let Node::Map(d) = d
                        && let Some(Node::Str(f)) = d.get_mut("file")
                    {
                        *f = self.maybe_unix(f);
                    }
                }
            }
        }
        if let Some(Node::Map(vols)) = model.get_mut("volumes") {
            for (_, v) in vols.iter_mut() {
                let Node::Map(v) = v else { continue };
                let local = match v.get("driver") {
                    None | Some(Node::Null) => true,
                    Some(Node::Str(d)) => d == "local",
                    _ => false,
                };
                if !local {
                    continue;
                }
                if let Some(Node::Map(opts)) = v.get_mut("driver_opts") {
                    let bind = matches!(opts.get("o"), Some(Node::Str(o)) if o == "bind");
                    if bind && let Some(Node::Str(dev)) = opts.get_mut("device") {
                        *dev = self.maybe_unix(dev);
                    }
                }
            }
        }
    }

    /// Resolve the relative paths of one service (also used for `extends` bases).
    pub fn resolve_service(&self, svc: &mut Map) {
        if let Some(Node::Map(build)) = svc.get_mut("build") {
            if let Some(Node::Str(c)) = build.get_mut("context") {
                *c = self.context(c);
            }
            if let Some(Node::Map(ac)) = build.get_mut("additional_contexts") {
                for (_, v) in ac.iter_mut() {
                    if let Node::Str(c) = v {
                        *c = self.context(c);
                    }
                }
            }
            if let Some(Node::Map(ssh)) = build.get_mut("ssh") {
                for (_, v) in ssh.iter_mut() {
                    if let Node::Str(c) = v
                        && !c.is_empty()
                    {
                        *c = self.maybe_unix(c);
                    }
                }
            }
        }
        if let Some(Node::Seq(files)) = svc.get_mut("env_file") {
            for f in files.iter_mut() {
                if let Node::Map(m) = f
                    && let Some(Node::Str(p)) = m.get_mut("path")
                {
                    *p = self.abs(p);
                }
            }
        }
        if let Some(Node::Seq(files)) = svc.get_mut("label_file") {
            for f in files.iter_mut() {
                if let Node::Str(p) = f {
                    *p = self.abs(p);
                }
            }
        }
        if let Some(Node::Map(ext)) = svc.get_mut("extends")
            && let Some(Node::Str(f)) = ext.get_mut("file")
            && !is_remote(f)
        {
            *f = self.abs(f);
        }
        if let Some(Node::Map(dev)) = svc.get_mut("develop")
            && let Some(Node::Seq(watch)) = dev.get_mut("watch")
        {
            for w in watch.iter_mut() {
                if let Node::Map(w) = w
                    && let Some(Node::Str(p)) = w.get_mut("path")
                {
                    let abs = self.abs(p);
                    *p = std::fs::canonicalize(&abs)
                        .map(|c| c.to_string_lossy().into_owned())
                        .unwrap_or(abs);
                }
            }
        }
        if let Some(Node::Seq(vols)) = svc.get_mut("volumes") {
            for v in vols.iter_mut() {
                let Node::Map(v) = v else { continue };
                if !matches!(v.get("type"), Some(Node::Str(t)) if t == "bind") {
                    continue;
                }
                if let Some(Node::Str(src)) = v.get_mut("source") {
                    *src = self.maybe_unix(src);
                }
            }
        }
    }
}

fn is_remote(p: &str) -> bool {
    [
        "https://",
        "http://",
        "git://",
        "ssh://",
        "github.com/",
        "git@",
    ]
    .iter()
    .any(|pre| p.starts_with(pre))
}

fn is_windows_abs(p: &str) -> bool {
    let b = p.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || p.starts_with("\\\\")
}

/// `filepath.Join(base, rel)`: joined and cleaned.
pub fn join(base: &Path, rel: &str) -> String {
    let mut s = base.to_string_lossy().into_owned();
    if !rel.is_empty() {
        s.push('/');
        s.push_str(rel);
    }
    clean_path(&s)
}

/// `filepath.Join` for two paths, returning a `PathBuf`.
pub fn join_path(base: &Path, rel: &Path) -> PathBuf {
    if rel.is_absolute() {
        return PathBuf::from(clean_path(&rel.to_string_lossy()));
    }
    PathBuf::from(join(base, &rel.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abs_table() {
        let r = Resolver {
            base: Path::new("/p/proj"),
            home: Some("/home/u"),
        };
        for (p, want) in [
            ("./data", "/p/proj/data"),
            ("../x", "/p/x"),
            ("/abs", "/abs"),
            ("~/cfg", "/home/u/cfg"),
            (".", "/p/proj"),
        ] {
            assert_eq!(r.abs(p), want, "{p}");
        }
        assert_eq!(
            r.context("https://github.com/x/y.git"),
            "https://github.com/x/y.git"
        );
        assert_eq!(r.context("service:base"), "service:base");
        assert_eq!(r.maybe_unix("C:\\x"), "C:\\x");
    }
}
