//! `extends` (compose-go `loader/extends.go`): resolved inside one file, before that file is
//! merged with the others. `extends.file` is read standalone (same interpolation
//! environment), its relative paths resolved against its own directory; a `file` written in
//! a top-level file is relative to the project directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Ctx, apply_resets, read_file};
use crate::error::{Error, Result};
use crate::project::canonical::{self, paths::Resolver};
use crate::project::merge;
use crate::project::yaml::{Map, Node};

/// What each layer of an `extends` chain wrote itself, base first: (file, the service's own
/// keys there, without `extends`). Provenance records these instead of the merged result, so
/// an inherited value is attributed to the file that wrote it.
/// Layers are shared (`Arc`) between the services of a chain: a 2,000-service chain holds
/// each service's own keys once, not once per service that inherits them.
pub(crate) type Layers = Vec<std::sync::Arc<(PathBuf, Map)>>;

/// Resolve `extends` of every service of `cfg` (the model of `file`). Returns, for every
/// service that extends another, its [`Layers`].
pub(crate) fn apply(
    ctx: &mut Ctx<'_>,
    cfg: &mut Map,
    file: &Path,
    working_dir: &Path,
    resets: &[String],
    overrides: &[String],
) -> Result<BTreeMap<String, Layers>> {
    let mut out = BTreeMap::new();
    let Some(Node::Map(services)) = cfg.get_mut("services") else {
        return Ok(out);
    };
    let mut post: Vec<String> = resets.to_vec();
    post.extend(overrides.iter().cloned());
    let names: Vec<String> = services.keys().cloned().collect();
    let mut seen = Seen::new();
    for name in names {
        let mut chain = Vec::new();
        let mut layers = Vec::new();
        let mut w = Walk {
            chain: &mut chain,
            layers: &mut layers,
            seen: &mut seen,
        };
        extend_service(ctx, &name, services, file, working_dir, &post, &mut w)?;
        if layers.len() > 1 {
            out.insert(name, layers);
        }
    }
    Ok(out)
}

/// Layers of the services already resolved in this pass, by (file, service): a resolved
/// service no longer carries its `extends`, so its chain is remembered here.
type Seen = BTreeMap<(PathBuf, String), Layers>;

/// The state of one resolution: the chain (cycle detection), the layers collected so far,
/// and the layers of services resolved earlier.
struct Walk<'a> {
    chain: &'a mut Vec<(PathBuf, String)>,
    layers: &'a mut Layers,
    seen: &'a mut Seen,
}

fn extend_service(
    ctx: &mut Ctx<'_>,
    name: &str,
    services: &mut Map,
    file: &Path,
    working_dir: &Path,
    post: &[String],
    w: &mut Walk<'_>,
) -> Result<Option<Node>> {
    let Some(Node::Map(service)) = services.get(name).cloned() else {
        return Ok(services.get(name).cloned());
    };
    let key = (file.to_path_buf(), name.to_string());
    let Some(ext) = service.get("extends").cloned() else {
        match w.seen.get(&key) {
            Some(l) => w.layers.extend(l.iter().cloned()),
            None => w
                .layers
                .push(std::sync::Arc::new((file.to_path_buf(), service.clone()))),
        }
        return Ok(Some(Node::Map(service)));
    };
    let start = w.layers.len();
    let mut own = service.clone();
    own.shift_remove("extends");
    let (reference, ext_file) = match &ext {
        Node::Str(s) => (s.clone(), None),
        Node::Map(m) => {
            let r = match m.get("service") {
                Some(Node::Str(s)) => s.clone(),
                _ => {
                    return Err(Error::config(format!(
                        "{}: services.{name}.extends: `service` is required",
                        file.display()
                    )));
                }
            };
            let f = match m.get("file") {
                Some(Node::Str(f)) => Some(f.clone()),
                _ => None,
            };
            (r, f)
        }
        _ => {
            return Err(Error::config(format!(
                "{}: services.{name}.extends must be a string or a mapping",
                file.display()
            )));
        }
    };
    if w.chain.contains(&key) {
        let mut desc: Vec<String> = w
            .chain
            .iter()
            .map(|(f, s)| format!("{s} in {}", f.display()))
            .collect();
        desc.push(format!("{name} in {}", file.display()));
        return Err(Error::config(format!(
            "Circular reference:\n  {}",
            desc.join("\n  extends ")
        )));
    }
    w.chain.push(key.clone());
    let base = match ext_file {
        Some(f) => {
            let path = crate::project::canonical::paths::join_path(working_dir, Path::new(&f));
            base_from_file(ctx, name, &reference, &path, w)?
        }
        None => {
            if !services.contains_key(&reference) {
                return Err(Error::config(format!(
                    "cannot extend service {name:?} in {}: service {reference:?} not found",
                    file.display()
                )));
            }
            extend_service(ctx, &reference, services, file, working_dir, post, w)?
        }
    };
    w.chain.pop();
    w.layers
        .push(std::sync::Arc::new((file.to_path_buf(), own)));
    let mine = w.layers[start..].to_vec();
    w.seen.insert(key, mine);
    let Some(mut source) = base else {
        return Ok(Some(Node::Map(service)));
    };
    // The file's `!reset`/`!override` paths for this service apply to the inherited copy.
    let mut wrapped = Map::from([(
        "services".to_string(),
        Node::Map(Map::from([(name.to_string(), source)])),
    )]);
    apply_resets(&mut wrapped, post);
    source = match wrapped.shift_remove("services") {
        Some(Node::Map(mut m)) => m.shift_remove(name).unwrap_or(Node::Map(Map::new())),
        _ => Node::Map(Map::new()),
    };
    let path = vec!["services".to_string(), "x".to_string()];
    let mut merged = merge::merge_at(source, Node::Map(service), &path)?;

    if let Node::Map(m) = &mut merged {
        m.shift_remove("extends");
    }
    // Keyed lists (`environment`, `labels`, …) are appended by the merge; without removing
    // the entries overridden at each step, a chain of N services would carry N²/2 entries.
    // Unicity keeps the first position and the last value, so applying it per step gives
    // what applying it once at the end gives.
    let mut wrapped = Map::from([(
        "services".to_string(),
        Node::Map(Map::from([(name.to_string(), merged)])),
    )]);
    merge::enforce_unicity(&mut wrapped)?;
    let merged = match wrapped.shift_remove("services") {
        Some(Node::Map(mut m)) => m.shift_remove(name).unwrap_or(Node::Map(Map::new())),
        _ => Node::Map(Map::new()),
    };
    services.insert(name.to_string(), merged.clone());
    Ok(Some(merged))
}

/// Load `reference` from `path` (standalone: interpolated, canonical, relative paths
/// resolved against that file's directory), resolving its own `extends` first.
fn base_from_file(
    ctx: &mut Ctx<'_>,
    name: &str,
    reference: &str,
    path: &Path,
    w: &mut Walk<'_>,
) -> Result<Option<Node>> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let docs = read_file(ctx, path, "extends file").map_err(|e| Error {
        message: format!("services.{name}.extends: {}", e.message),
        ..e
    })?;
    let mut model = Map::new();
    let mut post = Vec::new();
    for d in docs {
        post.extend(d.resets.iter().cloned());
        post.extend(d.overrides.iter().cloned());
        if let Node::Map(m) = d.node {
            model = merge::merge(model, m)?;
        }
    }
    canonical::transform(&mut model)?;
    merge::enforce_unicity(&mut model)?;
    let Some(Node::Map(services)) = model.get_mut("services") else {
        return Err(Error::config(format!(
            "cannot extend service {name:?} in {}: no services section",
            path.display()
        )));
    };
    if !services.contains_key(reference) {
        return Err(Error::config(format!(
            "cannot extend service {name:?} in {}: service {reference:?} not found",
            path.display()
        )));
    }
    let base = extend_service(ctx, reference, services, path, &dir, &post, w)?;
    let Some(Node::Map(mut base)) = base else {
        return Ok(base);
    };
    // Canonicalise the resolved service again (the extends merge saw raw syntax).
    let mut wrapped = Map::from([(
        "services".to_string(),
        Node::Map(Map::from([(
            reference.to_string(),
            Node::Map(base.clone()),
        )])),
    )]);
    canonical::transform(&mut wrapped)?;
    if let Some(Node::Map(mut s)) = wrapped.shift_remove("services")
        && let Some(Node::Map(b)) = s.shift_remove(reference)
    {
        base = b;
    }
    let home = ctx.home.clone();
    Resolver {
        base: &dir,
        home: home.as_deref(),
    }
    .resolve_service(&mut base);
    Ok(Some(Node::Map(base)))
}
