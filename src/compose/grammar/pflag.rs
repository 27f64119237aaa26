//! Compose's flag tables (v2.40.3) and a parser that reads an argv with pflag's rules.
//! Pure; used by [`crate::safety::classify`]. The root's value flags are the one table in
//! `compose::globals`, shared with `compose::argv`.

use std::sync::LazyLock;

use crate::compose::globals::{GLOBAL_VALUE_FLAGS, GlobalValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
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
    /// devctl's own gate flags (never passed to Compose): `--confirm WORD`.
    Confirm,
    /// `--snapshot`.
    Snapshot,
    /// `--no-snapshot`.
    NoSnapshot,
    /// A docker CLI root flag that chooses the Engine endpoint or how to reach it (`-H`,
    /// `--host`, `-c`, `--context`, `--tls*`): it would take a child around devctl's guard.
    Endpoint,
}

pub(crate) struct Flag {
    pub(crate) long: &'static [&'static str],
    pub(crate) short: Option<char>,
    pub(crate) value: bool,
    pub(crate) effect: Effect,
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
pub(crate) fn root() -> &'static [Flag] {
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

/// The docker CLI's root flags (20.10 to 28): those choosing the endpoint, and the others,
/// so that a cluster like `-DHunix:///x` or `-l error -H x` is read as the CLI reads it. A
/// standalone Compose v2 reads them too, before its own (its compatibility layer).
pub(crate) const DOCKER_ROOT: &[Flag] = &[
    f(&["host"], Some('H'), true, Effect::Endpoint),
    f(&["context"], Some('c'), true, Effect::Endpoint),
    f(&["tls", "tlsverify"], None, false, Effect::Endpoint),
    f(
        &["tlscacert", "tlscert", "tlskey"],
        None,
        true,
        Effect::Endpoint,
    ),
    f(&["debug"], Some('D'), false, Effect::Plain),
    f(&["log-level"], Some('l'), true, Effect::Plain),
    f(&["config"], None, true, Effect::Plain),
    f(&["version"], Some('v'), false, Effect::Plain),
    f(&["help"], Some('h'), false, Effect::Help),
];

pub(crate) const COMMON: &[Flag] = &[
    f(&["dry-run"], None, false, Effect::DryRun),
    f(&["help"], Some('h'), false, Effect::Help),
];

/// devctl's own flags, read among the flags of a destructive subcommand (where pflag would
/// read a flag: never as another flag's value, never after `--`) and taken out before Compose
/// runs.
pub(crate) const GATE: &[Flag] = &[
    f(&["confirm"], None, true, Effect::Confirm),
    f(&["snapshot"], None, false, Effect::Snapshot),
    f(&["no-snapshot"], None, false, Effect::NoSnapshot),
];

pub(crate) const DOWN: &[Flag] = &[
    f(&["volumes", "volume"], Some('v'), false, Effect::Volumes),
    f(&["timeout"], Some('t'), true, Effect::Plain),
    f(&["rmi"], None, true, Effect::Plain),
    f(&["remove-orphans"], None, false, Effect::Plain),
];

pub(crate) const RM: &[Flag] = &[
    f(&["volumes"], Some('v'), false, Effect::Volumes),
    f(&["force"], Some('f'), false, Effect::Plain),
    f(&["stop"], Some('s'), false, Effect::Stop),
    f(&["all"], Some('a'), false, Effect::Plain),
];

/// `up` and `create` normalise the long name `--y` to `--yes` (Compose warns "--y is
/// deprecated"; `--y`, `--y=true`, `--y=1` all answer yes, `--y=0` does not).
pub(crate) const UP: &[Flag] = &[
    f(&["renew-anon-volumes"], Some('V'), false, Effect::Renew),
    f(&["yes", "y"], Some('y'), false, Effect::Yes),
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

pub(crate) const CREATE: &[Flag] = &[
    f(&["yes", "y"], Some('y'), false, Effect::Yes),
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
    /// The argv index of the flag, and how many arguments it spans (2: `--flag VALUE`).
    at: usize,
    len: usize,
}

/// What one flag set made of a run of arguments.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// Each flag occurrence with its value (`"true"`/`"false"` for booleans), in order.
    pub(crate) hits: Vec<(Effect, String)>,
    /// Where each hit is in the argv: (effect, index, number of arguments).
    pub(crate) spans: Vec<(Effect, usize, usize)>,
    pub(crate) positionals: Vec<String>,
}

/// Why pflag would reject the argv (Compose then runs nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reject {
    /// A value flag is the last argument.
    MissingValue(Effect),
    /// A boolean with a value Go's `strconv.ParseBool` does not take (`=yes`, `=`).
    BadBool(Effect),
}

/// Parse `args[start..end]` with pflag's rules (interspersed: flags and positionals mix;
/// `--` ends the flags). A value flag takes the next argument whatever it looks like
/// (`--profile --confirm=x`: the profile is `--confirm=x`). Unknown flags make Compose fail,
/// but a newer Compose may know them: they are read as booleans (fail closed: a following
/// `-v` still counts).
pub(crate) fn parse(
    args: &[String],
    start: usize,
    end: usize,
    sets: &[&[Flag]],
) -> Result<Parsed, Reject> {
    parse_with(args, start, end, sets, false)
}

/// [`parse`], choosing how an unknown flag is read: as a boolean (`false`), or
/// (`unknown_takes_value`) as a flag that takes a value — the next argument, or the rest of a
/// short cluster — as a newer Compose might define it. The classifier tries both.
pub(crate) fn parse_with(
    args: &[String],
    start: usize,
    end: usize,
    sets: &[&[Flag]],
    unknown_takes_value: bool,
) -> Result<Parsed, Reject> {
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
    let end = end.min(args.len());
    let mut out = Parsed::default();
    let mut i = start;
    let mut hits: Vec<Hit> = Vec::new();
    while i < end {
        let at = i;
        let s = args[i].as_str();
        i += 1;
        if s == "--" {
            out.positionals.extend(args[i..end].iter().cloned());
            break;
        }
        if s.len() < 2 || !s.starts_with('-') {
            out.positionals.push(s.to_string());
            continue;
        }
        if let Some(body) = s.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let Some(fl) = lookup_long(name) else {
                // Unknown: read on (fail closed), with or without taking a value.
                if unknown_takes_value && inline.is_none() && i < end {
                    i += 1;
                }
                continue;
            };
            let (value, len) = match (inline, fl.value) {
                (Some(v), _) => (v, 1),
                (None, false) => ("true".to_string(), 1),
                (None, true) => {
                    let v = args[..end]
                        .get(i)
                        .ok_or(Reject::MissingValue(fl.effect))?
                        .clone();
                    i += 1;
                    (v, 2)
                }
            };
            hits.push(Hit {
                effect: fl.effect,
                value,
                is_bool: !fl.value,
                at,
                len,
            });
            continue;
        }
        // Short flags, possibly combined: `-fsv`, `-vt3`, `-v=false`, `-t 3`.
        let chars: Vec<char> = s[1..].chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let c = chars[k];
            let Some(fl) = lookup_short(c) else {
                if unknown_takes_value {
                    // Its value is the rest of the cluster, or the next argument.
                    if k + 1 == chars.len() && i < end {
                        i += 1;
                    }
                    break;
                }
                k += 1; // unknown shorthand: fail closed, read on
                continue;
            };
            if chars.get(k + 1) == Some(&'=') {
                hits.push(Hit {
                    effect: fl.effect,
                    value: chars[k + 2..].iter().collect(),
                    is_bool: !fl.value,
                    at,
                    len: 1,
                });
                break;
            }
            if !fl.value {
                hits.push(Hit {
                    effect: fl.effect,
                    value: "true".into(),
                    is_bool: true,
                    at,
                    len: 1,
                });
                k += 1;
                continue;
            }
            let (value, len) = if k + 1 < chars.len() {
                (chars[k + 1..].iter().collect(), 1)
            } else {
                let v = args[..end]
                    .get(i)
                    .ok_or(Reject::MissingValue(fl.effect))?
                    .clone();
                i += 1;
                (v, 2)
            };
            hits.push(Hit {
                effect: fl.effect,
                value,
                is_bool: false,
                at,
                len,
            });
            break;
        }
    }
    for h in hits {
        out.spans.push((h.effect, h.at, h.len));
        if h.is_bool {
            let b = parse_bool(&h.value).ok_or(Reject::BadBool(h.effect))?;
            out.hits.push((h.effect, b.to_string()));
        } else {
            out.hits.push((h.effect, h.value));
        }
    }
    Ok(out)
}

/// Where the leading flags of `args` end when pflag reads them without interspersing (the
/// docker CLI's root flags: the first argument that is no flag nor a flag's value is the
/// subcommand, `--` ends them). An unknown flag is read as `unknown_takes_value` says.
pub(crate) fn leading_flags_end(
    args: &[String],
    sets: &[&[Flag]],
    unknown_takes_value: bool,
) -> usize {
    (1..=args.len())
        .find(|&k| {
            args[k - 1] == "--"
                || parse_with(args, 0, k, sets, unknown_takes_value)
                    .is_ok_and(|p| !p.positionals.is_empty())
        })
        .map_or(args.len(), |k| k - 1)
}

/// Is `name` (without `--`) a long flag of `sets` that takes no value (pflag's
/// `NoOptDefVal`)? `None`: no flag of that name.
pub(crate) fn long_is_bool(sets: &[&[Flag]], name: &str) -> Option<bool> {
    sets.iter()
        .flat_map(|s| s.iter())
        .find(|fl| fl.long.contains(&name))
        .map(|fl| !fl.value)
}

/// The same for a shorthand letter.
pub(crate) fn short_is_bool(sets: &[&[Flag]], c: char) -> Option<bool> {
    sets.iter()
        .flat_map(|s| s.iter())
        .find(|fl| fl.short == Some(c))
        .map(|fl| !fl.value)
}
