//! Compose's flag tables (v2.40.3) and a parser that reads an argv with pflag's rules.
//! Pure; used by [`super::classify`]. The root's value flags are the one table in
//! `compose::globals`, shared with `compose::argv`.

use std::sync::LazyLock;

use crate::compose::globals::{GLOBAL_VALUE_FLAGS, GlobalValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    Plain,
    Volumes,
    Renew,
    Yes,
    Help,
    DryRun,
    Stop,
    File,
    ProjectName,
    ProjectDir,
    Profile,
    EnvFile,
}

pub(super) struct Flag {
    pub(super) long: &'static [&'static str],
    pub(super) short: Option<char>,
    pub(super) value: bool,
    pub(super) effect: Effect,
}

const fn f(
    long: &'static [&'static str],
    short: Option<char>,
    value: bool,
    effect: Effect,
) -> Flag {
    Flag {
        long,
        short,
        value,
        effect,
    }
}

/// Compose's root boolean flags (the value-taking ones come from `compose::globals`).
const ROOT_BOOLS: &[Flag] = &[
    f(
        &["all-resources", "compatibility", "verbose", "no-ansi"],
        None,
        false,
        Effect::Plain,
    ),
    f(&["version"], Some('v'), false, Effect::Plain),
    f(&["dry-run"], None, false, Effect::DryRun),
    f(&["help"], Some('h'), false, Effect::Help),
];

/// Compose's root flags: the one table of global value flags shared with `compose::argv`
/// ([`GLOBAL_VALUE_FLAGS`]), then the booleans.
pub(super) fn root() -> &'static [Flag] {
    static ROOT: LazyLock<Vec<Flag>> = LazyLock::new(|| {
        GLOBAL_VALUE_FLAGS
            .iter()
            .map(|g| {
                let effect = match g.selects {
                    GlobalValue::File => Effect::File,
                    GlobalValue::ProjectName => Effect::ProjectName,
                    GlobalValue::ProjectDirectory => Effect::ProjectDir,
                    GlobalValue::Profile => Effect::Profile,
                    GlobalValue::EnvFile => Effect::EnvFile,
                    GlobalValue::Other => Effect::Plain,
                };
                f(g.long, g.short, true, effect)
            })
            .chain(
                ROOT_BOOLS
                    .iter()
                    .map(|b| f(b.long, b.short, b.value, b.effect)),
            )
            .collect()
    });
    &ROOT
}

pub(super) const COMMON: &[Flag] = &[
    f(&["dry-run"], None, false, Effect::DryRun),
    f(&["help"], Some('h'), false, Effect::Help),
];

pub(super) const DOWN: &[Flag] = &[
    f(&["volumes", "volume"], Some('v'), false, Effect::Volumes),
    f(&["timeout"], Some('t'), true, Effect::Plain),
    f(&["rmi"], None, true, Effect::Plain),
    f(&["remove-orphans"], None, false, Effect::Plain),
];

pub(super) const RM: &[Flag] = &[
    f(&["volumes"], Some('v'), false, Effect::Volumes),
    f(&["force"], Some('f'), false, Effect::Plain),
    f(&["stop"], Some('s'), false, Effect::Stop),
    f(&["all"], Some('a'), false, Effect::Plain),
];

pub(super) const UP: &[Flag] = &[
    f(&["renew-anon-volumes"], Some('V'), false, Effect::Renew),
    f(&["yes"], Some('y'), false, Effect::Yes),
    f(&["detach"], Some('d'), false, Effect::Plain),
    f(&["watch"], Some('w'), false, Effect::Plain),
    f(&["timeout"], Some('t'), true, Effect::Plain),
    f(
        &[
            "attach",
            "exit-code-from",
            "no-attach",
            "pull",
            "scale",
            "wait-timeout",
        ],
        None,
        true,
        Effect::Plain,
    ),
    f(
        &[
            "abort-on-container-exit",
            "abort-on-container-failure",
            "always-recreate-deps",
            "attach-dependencies",
            "build",
            "force-recreate",
            "menu",
            "no-build",
            "no-color",
            "no-deps",
            "no-log-prefix",
            "no-recreate",
            "no-start",
            "quiet-build",
            "quiet-pull",
            "remove-orphans",
            "timestamps",
            "wait",
        ],
        None,
        false,
        Effect::Plain,
    ),
];

pub(super) const CREATE: &[Flag] = &[
    f(&["yes"], Some('y'), false, Effect::Yes),
    f(&["pull", "scale"], None, true, Effect::Plain),
    f(
        &[
            "build",
            "force-recreate",
            "no-build",
            "no-recreate",
            "quiet-pull",
            "remove-orphans",
        ],
        None,
        false,
        Effect::Plain,
    ),
];

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// One flag occurrence as pflag reads it.
struct Hit {
    effect: Effect,
    value: String,
    is_bool: bool,
}

/// What one flag set made of a run of arguments.
#[derive(Default)]
pub(super) struct Parsed {
    pub(super) hits: Vec<(Effect, String)>,
    pub(super) positionals: Vec<String>,
    /// Index (in the whole argv) of the first positional when `stop_at_positional`.
    pub(super) stopped_at: Option<usize>,
    /// The argument just before `stopped_at` was an unknown flag without `=value`: a newer
    /// Compose may take the positional as that flag's value.
    pub(super) unknown_before_stop: bool,
}

/// Parse `args[start..]` with pflag's rules. `Err(())` means Compose would reject the argv
/// (missing value, invalid boolean), so it would run nothing.
pub(super) fn parse(
    args: &[String],
    start: usize,
    sets: &[&[Flag]],
    stop_at_positional: bool,
) -> Result<Parsed, ()> {
    let lookup_long = |name: &str| {
        sets.iter()
            .flat_map(|s| s.iter())
            .find(|fl| fl.long.contains(&name))
    };
    let lookup_short = |c: char| {
        sets.iter()
            .flat_map(|s| s.iter())
            .find(|fl| fl.short == Some(c))
    };
    let mut out = Parsed::default();
    let mut i = start;
    let mut hits: Vec<Hit> = Vec::new();
    let mut last_unknown = false;
    while i < args.len() {
        let s = args[i].as_str();
        i += 1;
        let was_unknown = std::mem::take(&mut last_unknown);
        if s == "--" {
            if stop_at_positional {
                // `docker compose -- down`: no subcommand is found, Compose prints its usage.
                return Err(());
            }
            out.positionals.extend(args[i..].iter().cloned());
            break;
        }
        if s.len() < 2 || !s.starts_with('-') {
            if stop_at_positional {
                out.stopped_at = Some(i - 1);
                out.unknown_before_stop = was_unknown;
                break;
            }
            out.positionals.push(s.to_string());
            continue;
        }
        if let Some(body) = s.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let Some(fl) = lookup_long(name) else {
                last_unknown = inline.is_none();
                continue; // unknown: fail closed, read on
            };
            let value = match (inline, fl.value) {
                (Some(v), _) => v,
                (None, false) => "true".to_string(),
                (None, true) => {
                    let v = args.get(i).ok_or(())?.clone();
                    i += 1;
                    v
                }
            };
            hits.push(Hit {
                effect: fl.effect,
                value,
                is_bool: !fl.value,
            });
            continue;
        }
        // Short flags, possibly combined: `-fsv`, `-vt3`, `-v=false`, `-t 3`.
        let chars: Vec<char> = s[1..].chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let c = chars[k];
            let Some(fl) = lookup_short(c) else {
                last_unknown = k + 1 == chars.len();
                k += 1; // unknown shorthand: fail closed, read on
                continue;
            };
            if chars.get(k + 1) == Some(&'=') {
                hits.push(Hit {
                    effect: fl.effect,
                    value: chars[k + 2..].iter().collect(),
                    is_bool: !fl.value,
                });
                break;
            }
            if !fl.value {
                hits.push(Hit {
                    effect: fl.effect,
                    value: "true".into(),
                    is_bool: true,
                });
                k += 1;
                continue;
            }
            let value = if k + 1 < chars.len() {
                chars[k + 1..].iter().collect()
            } else {
                let v = args.get(i).ok_or(())?.clone();
                i += 1;
                v
            };
            hits.push(Hit {
                effect: fl.effect,
                value,
                is_bool: false,
            });
            break;
        }
    }
    for h in hits {
        if h.is_bool {
            let b = parse_bool(&h.value).ok_or(())?;
            out.hits.push((h.effect, b.to_string()));
        } else {
            out.hits.push((h.effect, h.value));
        }
    }
    Ok(out)
}
