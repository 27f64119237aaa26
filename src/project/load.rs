//! The load pipeline (`merge-rules.md` §1), in Compose's order:
//! for each file, for each YAML document: parse (anchors, merge keys, `!reset`/`!override`)
//! → interpolate → type casts → `extends` (inside this file) → apply resets to the model of
//! the previous files → `include` → merge → unicity → canonical (short → long) → unicity.
//! After all files: defaults → relative paths → normalisation → profiles → env files folded
//! into `environment` → consistency checks → unused resources dropped → rendering.

mod dotenv;
mod extends;
mod finish;
mod include;
mod keys;
pub(crate) mod locate;
pub mod schema;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::project::canonical::{self, casts, normalize, paths::Resolver};
use crate::project::interpolate::{
    Env, EnvSources, InterpolationError, interpolate_yaml_located, shown_path,
};
use crate::project::merge;
use crate::project::provenance::Provenance;
use crate::project::yaml::{self, Map, Node};

/// What to load.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// Absolute paths of the files, in order.
    pub files: &'a [PathBuf],
    pub project_dir: &'a Path,
    pub name: &'a str,
    /// The interpolation environment (process env + `.env`).
    pub env: &'a Env,
    /// Active profiles (`*` = all).
    pub profiles: &'a [String],
    /// Where the interpolation environment came from (for the hint of `${VAR:?}`).
    pub sources: Option<&'a EnvSources>,
}

/// The loaded, merged, rendered project.
#[derive(Debug, Clone)]
pub struct Output {
    /// `docker compose config --format json`.
    pub json: serde_json::Value,
    /// Services disabled by profiles, with their profiles.
    pub disabled_services: BTreeMap<String, Vec<String>>,
    pub provenance: Provenance,
    pub warnings: Vec<String>,
}

/// Shared state while loading one project.
pub(crate) struct Ctx<'a> {
    pub env: &'a Env,
    /// Where `env` came from; `None` inside an `include` with its own env files.
    pub sources: Option<&'a EnvSources>,
    pub warnings: Vec<String>,
    pub home: Option<String>,
}

impl Ctx<'_> {
    fn warn(&mut self, w: impl Into<String>) {
        let w = w.into();
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }
}

/// Read, parse, interpolate and cast one file: its documents, as Compose sees them before
/// merging.
pub(crate) fn read_file(ctx: &mut Ctx<'_>, file: &Path, what: &str) -> Result<Vec<yaml::Document>> {
    let text = crate::project::read::text(what, file)?;
    super::nesting::check_flow_depth(file, &text)?;
    let env = ctx.env;
    let sources = ctx.sources;
    let mut warnings = Vec::new();
    let mut docs = yaml::parse_documents(file, &text, &mut |v| {
        interpolate_yaml_located(v, env, &mut warnings)
            .map_err(|(path, e)| interpolation_error(file, &text, &path, &e, env, sources))
    })?;
    for w in warnings {
        ctx.warn(w);
    }
    for d in &mut docs {
        if let Node::Map(m) = &mut d.node {
            for w in casts::apply(m).map_err(|e| prefix(file, e))? {
                ctx.warn(w);
            }
        }
    }
    Ok(docs)
}

/// An interpolation error with the line and column of the value (and that line shown), and
/// for a `${VAR:?}` the env file to edit.
fn interpolation_error(
    file: &Path,
    text: &str,
    path: &[locate::Seg],
    e: &InterpolationError,
    env: &Env,
    sources: Option<&EnvSources>,
) -> Error {
    let pos = locate::locate(text, path, locate::Target::Value);
    let (place, excerpt) = locate::describe(file, Some(text), pos);
    let hint = match (e, sources) {
        (InterpolationError::Required { variable, .. }, Some(s)) => s.required_hint(variable, env),
        _ => e.hint(),
    };
    Error::config(format!("{place}: {}: {e}{excerpt}", shown_path(path))).with_hint(hint)
}

fn prefix(file: &Path, e: Error) -> Error {
    Error {
        message: format!("{}: {}", file.display(), e.message),
        ..e
    }
}

/// Delete the `!reset`/`!override` paths from the model of the previous files.
pub(crate) fn apply_resets(model: &mut Map, paths: &[String]) {
    if paths.is_empty() {
        return;
    }
    fn walk(m: &mut Map, prefix: &str, paths: &[String]) {
        let keys: Vec<String> = m.keys().cloned().collect();
        for k in keys {
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if paths.contains(&p) {
                m.shift_remove(&k);
                continue;
            }
            if paths.iter().any(|r| r.starts_with(&p))
                && let Some(Node::Map(child)) = m.get_mut(&k)
            {
                walk(child, &p, paths);
            }
        }
    }
    walk(model, "", paths);
}

/// Merge one file (already interpolated) into the accumulated model.
pub(crate) fn merge_file(
    ctx: &mut Ctx<'_>,
    acc: &mut Map,
    file: &Path,
    working_dir: &Path,
    included: &[PathBuf],
    prov: Option<&mut Provenance>,
) -> Result<()> {
    let docs = read_file(ctx, file, "compose file")?;
    let mut prov = prov;
    for doc in docs {
        if let Some(p) = doc.timestamps.iter().find(|p| !p.starts_with("x-")) {
            return Err(Error::config(format!(
                "validating {}: {p} invalid jsonType time.Time",
                file.display()
            ))
            .with_hint("an unquoted date is a YAML timestamp; quote it to keep it a string"));
        }
        let mut cfg = match doc.node {
            Node::Map(m) => m,
            Node::Null => Map::new(),
            _ => {
                return Err(Error::config(format!(
                    "{}: top-level object must be a mapping",
                    file.display()
                )));
            }
        };
        // Compose validates each file as written: an unknown key is reported with the file's
        // own list indices and line.
        if let Some(u) = keys::first_unknown(&cfg) {
            return Err(validate::unknown_key_error(file, &u));
        }
        if cfg.shift_remove("version").is_some() {
            ctx.warn(format!(
                "{}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion",
                file.display()
            ));
        }
        let layers = extends::apply(
            ctx,
            &mut cfg,
            file,
            working_dir,
            &doc.resets,
            &doc.overrides,
        )?;
        let mut all = doc.resets.clone();
        all.extend(doc.overrides.iter().cloned());
        if let Some(p) = prov.as_deref_mut() {
            p.record_resets(acc, file, &all);
        }
        apply_resets(acc, &all);
        include::apply(ctx, &mut cfg, file, working_dir, included)?;
        if let Some(p) = prov.as_deref_mut() {
            p.record_file(file, &cfg, &layers)?;
        }
        let merged = merge::merge(std::mem::take(acc), cfg)?;
        *acc = merged;
        merge::enforce_unicity(acc)?;
        validate::validate(acc, file)?;
        canonical::transform(acc)?;
        merge::enforce_unicity(acc)?;
    }
    Ok(())
}

/// Load the layered files of one project (no normalisation): the model `include` imports
/// and the first half of [`load`].
pub(crate) fn load_model(
    ctx: &mut Ctx<'_>,
    files: &[PathBuf],
    working_dir: &Path,
    included: &[PathBuf],
    mut prov: Option<&mut Provenance>,
) -> Result<Map> {
    let mut acc = Map::new();
    for f in files {
        merge_file(ctx, &mut acc, f, working_dir, included, prov.as_deref_mut())?;
    }
    normalize::set_defaults(&mut acc);
    validate::validate_external(&acc)?;
    let home = ctx.home.clone();
    Resolver {
        base: working_dir,
        home: home.as_deref(),
    }
    .resolve_model(&mut acc);
    Ok(acc)
}

/// Every load error names a file: a message that names none of the project's files gets
/// the file that set the key path it starts with (from provenance), else the files loaded.
fn name_file(e: Error, files: &[PathBuf], prov: &Provenance) -> Error {
    let mentions = |f: &PathBuf| e.message.contains(&f.display().to_string());
    if files.is_empty() || files.iter().any(mentions) {
        return e;
    }
    let file = key_path_in(&e.message)
        .and_then(|p| prov.file_of(&p))
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| {
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        });
    Error {
        message: format!("{file}: {}", e.message),
        ..e
    }
}

/// The key path a message is about: its first word of the form `services.NAME…` (or a
/// top-level section), or `service "NAME"` → `services.NAME`.
fn key_path_in(msg: &str) -> Option<String> {
    for word in msg.split([' ', ':', ',', '(', ')']) {
        let top = word.split('.').next().unwrap_or("");
        if word.contains('.')
            && matches!(
                top,
                "services" | "volumes" | "networks" | "secrets" | "configs"
            )
        {
            return Some(word.trim_end_matches('.').to_string());
        }
    }
    let i = msg.find("service \"")?;
    let rest = &msg[i + "service \"".len()..];
    let name = &rest[..rest.find('"')?];
    Some(format!("services.{name}"))
}

/// Load a project.
pub fn load(input: &Input<'_>) -> Result<Output> {
    let mut prov = Provenance::default();
    match load_inner(input, &mut prov) {
        Ok(mut o) => {
            o.provenance = prov;
            Ok(o)
        }
        Err(e) => Err(name_file(e, input.files, &prov)),
    }
}

fn load_inner(input: &Input<'_>, prov: &mut Provenance) -> Result<Output> {
    let mut ctx = Ctx {
        env: input.env,
        sources: input.sources,
        warnings: Vec::new(),
        home: input.env.get("HOME").cloned(),
    };
    let mut model = load_model(&mut ctx, input.files, input.project_dir, &[], Some(prov))?;
    if model.is_empty() {
        let files: Vec<String> = input
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        return Err(
            Error::config(format!("empty compose file: {}", files.join(", ")))
                .with_hint("a compose file needs at least a `services:` section"),
        );
    }
    model.insert("name".into(), Node::Str(input.name.to_string()));
    normalize::normalize(&mut model, input.env);
    let disabled = finish::apply_profiles(&mut model, input.profiles);
    finish::resolve_env_files(&mut model, input.env)?;
    finish::check_consistency(&model, &disabled)?;
    schema::check_cycles(&model).map_err(|m| {
        Error::config(m).with_hint(
            "depends_on, volumes_from and network_mode: service:… must not form a loop; remove one of the links",
        )
    })?;
    finish::drop_unused_resources(&mut model);
    let json = canonical::render::render(&model)?;
    Ok(Output {
        json,
        disabled_services: disabled,
        provenance: Provenance::default(),
        warnings: ctx.warnings,
    })
}
