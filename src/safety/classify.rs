//! Classify an argv the way Compose's flag parser (cobra + pflag) reads it, and say whether it
//! would destroy volume data. Pure.
//!
//! Facts checked against `docker compose` v2.40.3 (`--help` and `--dry-run` runs):
//! - Global flags must come BEFORE the subcommand: `down -p x` and `down -f x` are errors
//!   ("unknown shorthand flag"), they are not persistent flags.
//! - Root value flags: `-f/--file`, `-p/--project-name`, `--project-directory`, `--workdir`
//!   (hidden), `--profile`, `--env-file`, `--ansi`, `--progress`, `--parallel`. Root booleans:
//!   `--all-resources`, `--compatibility`, `--dry-run`, `--verbose`/`--no-ansi` (hidden),
//!   `-v/--version` (hidden; `docker compose -v … down` still runs `down`), `-h/--help`.
//!   A value flag consumes the next argument even when it starts with `-`
//!   (`--profile -v down` is a plain `down` with profile `-v`).
//! - `down`: `-v/--volumes` (bool), the deprecated `--volume` is normalised to `--volumes`
//!   (same flag, last one wins: `--volumes -v=false` removes nothing), `-t/--timeout` (int) and
//!   `--rmi` (string) take values (`-t -v` and `--rmi -v` are errors), `--remove-orphans`.
//!   `down SERVICE -v` still removes every project volume. `down -- -v` names a service `-v`.
//! - Booleans accept `=1|t|T|TRUE|true|True` and `=0|f|F|FALSE|false|False` (Go
//!   `strconv.ParseBool`); anything else (`=yes`, `=tRue`, `=`) is an error and nothing runs.
//!   `-v1` is an error (unknown shorthand `1`); `-vt3` is `-v -t 3`; `-fsv=false` sets v=false.
//! - `--dry-run` and `-h`/`--help` at root or subcommand level are one flag: the last one wins
//!   (`--dry-run down --dry-run=false` really runs; `-h down --help=false -v` removes the
//!   volumes; `--help=false down -h -v`, `-h down -v`, `down -vh` print help). A `-h` that is
//!   another flag's value is no help (`--profile -h down -v` removes the volumes).
//! - `rm`: `-f`, `-s`, `-v`, hidden `-a/--all`, all booleans. `up`/`create`: `-V` /
//!   `--renew-anon-volumes` (up only) and `-y/--yes`; the long name `--y` is normalised to
//!   `--yes` (with a deprecation warning): `up -d --y`, `--y=true`, `create --y=1` recreate a
//!   diverged volume; `--y=0`, `--yes=false`, `--yes --y=false` do not (checked with
//!   `--dry-run up -d …` on a volume whose labels changed: "Volume … Created").
//! - Where the subcommand is: see [`crate::compose::grammar::cobra`] (`--` before the subcommand is NOT the end
//!   of options: `docker compose -- x down -v` runs `down -v`; `-- down -v` prints usage).
//!
//! Unknown flags make Compose fail, but a newer Compose may know them: the classifier tries
//! both readings of an unknown root flag (value or boolean) and reads unknown subcommand flags
//! as booleans (fail closed: a following `-v` still counts).

use serde::Serialize;

use crate::compose::grammar::cobra;
use crate::compose::grammar::pflag::{
    COMMON, CREATE, DOWN, Effect, Flag, GATE, RM, Reject, UP, parse, parse_with, root,
};

/// What a destructive argv would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// `down -v`: named volumes of the project and anonymous volumes of its containers.
    DownVolumes,
    /// `rm -v`: anonymous volumes of the removed containers.
    RmVolumes,
    /// `up -V`: anonymous volumes are recreated; the old ones are orphaned.
    RenewAnonVolumes,
    /// `up -y` / `create -y`: Compose may recreate a diverged volume, empty.
    AssumeYes,
    /// devctl's `volume rm NAME…`.
    VolumeRm,
    /// devctl's `volume prune`.
    VolumePrune,
}

impl Action {
    pub fn describe(self) -> &'static str {
        match self {
            Action::DownVolumes => "remove the project's volumes (down -v)",
            Action::RmVolumes => "remove the anonymous volumes of removed containers (rm -v)",
            Action::RenewAnonVolumes => {
                "recreate anonymous volumes, orphaning the current ones (up -V)"
            }
            Action::AssumeYes => {
                "answer yes to Compose, which may recreate a diverged volume empty (-y)"
            }
            Action::VolumeRm => "remove the named volumes (volume rm)",
            Action::VolumePrune => "remove the project's unused volumes (volume prune)",
        }
    }
}

/// Compose global flags that select the project, as given before the subcommand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ComposeGlobals {
    pub files: Vec<String>,
    pub project_name: Option<String>,
    pub project_directory: Option<String>,
    pub profiles: Vec<String>,
    pub env_files: Vec<String>,
}

impl ComposeGlobals {
    pub fn is_empty(&self) -> bool {
        self == &ComposeGlobals::default()
    }
}

/// A destructive argv, classified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Destructive {
    /// Non-empty, in a fixed order (the order of [`Action`]).
    pub actions: Vec<Action>,
    /// `down`, `rm`, `up`, `create` or `volume`.
    pub subcommand: String,
    /// Index of the subcommand in the argv.
    pub sub_index: usize,
    /// Project-selecting global flags given before the subcommand.
    pub globals: ComposeGlobals,
    /// Positional arguments after the subcommand (services; for `volume rm`, volume names).
    pub positionals: Vec<String>,
    /// `rm -s`: running containers are stopped and removed too.
    pub rm_stop: bool,
}

impl Destructive {
    pub fn has(&self, a: Action) -> bool {
        self.actions.contains(&a)
    }
}

fn last_bool(hits: &[(Effect, String)], e: Effect) -> bool {
    hits.iter()
        .rev()
        .find(|(x, _)| *x == e)
        .is_some_and(|(_, v)| v == "true")
}

fn globals_of(hits: &[(Effect, String)]) -> ComposeGlobals {
    let mut g = ComposeGlobals::default();
    for (e, v) in hits {
        match e {
            Effect::File => g.files.push(v.clone()),
            Effect::ProjectName => g.project_name = Some(v.clone()),
            Effect::ProjectDir => g.project_directory = Some(v.clone()),
            Effect::Profile => g.profiles.push(v.clone()),
            Effect::EnvFile => g.env_files.push(v.clone()),
            _ => {}
        }
    }
    g
}

/// Classify an argv given to Compose (global flags may come first) or one of devctl's own
/// (`volume rm …`, `volume prune`). `None`: nothing in it destroys volume data.
///
/// The subcommand is found as cobra's Traverse finds it ([`crate::compose::grammar::cobra`]); the root's flags
/// before it and the subcommand's flags after it are read with pflag's rules. Every reading an
/// unknown flag allows is tried (fail closed).
pub fn classify(argv: &[String]) -> Option<Destructive> {
    let root_sets: &[&[Flag]] = &[root()];
    cobra::subcommand_at(argv, root_sets)
        .into_iter()
        .find_map(|sub| {
            // A root flag pflag rejects (missing value, bad boolean): Compose runs nothing.
            let root = parse(argv, 0, sub, root_sets).ok()?;
            classify_sub(argv, sub, &root.hits)
        })
}

/// Where Compose v2.40.3 finds the subcommand of `argv` (cobra's Traverse, see
/// [`crate::compose::grammar::cobra`]); `None`: it finds none and prints its usage. The one reading shared by
/// the gate and `compose::argv::is_interactive`.
pub fn subcommand_index(argv: &[String]) -> Option<usize> {
    crate::compose::grammar::subcommand_index(argv)
}

/// The project-selecting root flags of a Compose argv (`-p`, `-f`, `--project-directory`,
/// `--profile`, `--env-file` before the subcommand), as Compose 2.40.3 reads them: pflag on the
/// arguments before the subcommand cobra's Traverse finds, where `--` ends the flags.
pub fn compose_globals(argv: &[String]) -> ComposeGlobals {
    let root_sets: &[&[Flag]] = &[root()];
    let end = cobra::subcommand_at(argv, root_sets)
        .first()
        .copied()
        .unwrap_or(argv.len());
    parse(argv, 0, end, root_sets)
        .map(|p| globals_of(&p.hits))
        .unwrap_or_default()
}

/// The flags of a subcommand whose argv the gate classifies, or `None`.
fn sub_flags(sub: &str) -> Option<&'static [Flag]> {
    match sub {
        "down" => Some(DOWN),
        "rm" => Some(RM),
        "up" => Some(UP),
        "create" => Some(CREATE),
        _ => None,
    }
}

fn classify_sub(
    argv: &[String],
    sub_index: usize,
    root_hits: &[(Effect, String)],
) -> Option<Destructive> {
    let sub = argv[sub_index].as_str();
    let globals = globals_of(root_hits);
    if sub == "volume" {
        let verb = argv.get(sub_index + 1)?;
        let action = match verb.as_str() {
            "rm" | "remove" => Action::VolumeRm,
            "prune" => Action::VolumePrune,
            _ => return None,
        };
        let rest: Vec<String> = argv[sub_index + 2..]
            .iter()
            .filter(|a| !a.starts_with('-'))
            .cloned()
            .collect();
        return Some(Destructive {
            actions: vec![action],
            subcommand: "volume".into(),
            sub_index,
            globals,
            positionals: rest,
            rm_stop: false,
        });
    }
    let set = sub_flags(sub)?;
    // An unknown flag is read as a boolean, then as taking a value (`down -v --new
    // --volumes=false`): if either reading deletes volumes, so may a newer Compose.
    [false, true].into_iter().find_map(|takes_value| {
        let parsed =
            parse_with(argv, sub_index + 1, argv.len(), &[set, COMMON], takes_value).ok()?;
        destructive_sub(sub, sub_index, &globals, root_hits, parsed)
    })
}

fn destructive_sub(
    sub: &str,
    sub_index: usize,
    globals: &ComposeGlobals,
    root_hits: &[(Effect, String)],
    parsed: crate::compose::grammar::pflag::Parsed,
) -> Option<Destructive> {
    // `-h`/`--help` and `--dry-run` are one flag for the root and the subcommand: the last
    // one given wins (`-h down --help=false -v` removes the volumes; `--help=false down -h -v`
    // prints help).
    let mut both: Vec<(Effect, String)> = root_hits.to_vec();
    both.extend(parsed.hits.iter().cloned());
    if last_bool(&both, Effect::Help) || last_bool(&both, Effect::DryRun) {
        return None;
    }
    let mut actions = Vec::new();
    if last_bool(&parsed.hits, Effect::Volumes) {
        actions.push(if sub == "down" {
            Action::DownVolumes
        } else {
            Action::RmVolumes
        });
    }
    if last_bool(&parsed.hits, Effect::Renew) {
        actions.push(Action::RenewAnonVolumes);
    }
    if last_bool(&parsed.hits, Effect::Yes) {
        actions.push(Action::AssumeYes);
    }
    if actions.is_empty() {
        return None;
    }
    Some(Destructive {
        actions,
        subcommand: sub.to_string(),
        sub_index,
        globals: globals.clone(),
        positionals: parsed.positionals,
        rm_stop: last_bool(&parsed.hits, Effect::Stop),
    })
}

/// devctl's own gate flags taken out of a Compose argv, and the argv Compose then receives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateArgs {
    /// The argv without the gate flags: exactly what Compose receives (and what is classified).
    pub compose: Vec<String>,
    /// `--confirm WORD` / `--confirm=WORD`, in order.
    pub confirm: Vec<String>,
    /// `--snapshot` (true) / `--no-snapshot` (false); the last one wins.
    pub snapshot: Option<bool>,
}

/// Take devctl's gate flags (`--confirm WORD`, `--confirm=WORD`, `--snapshot`,
/// `--no-snapshot`) out of a Compose argv, only where devctl's parser takes them: among the
/// flags of `down`, `rm`, `up` or `create` (the subcommand found as Compose finds it), where
/// pflag reads a flag. Never out of another flag's value (`--profile --confirm=x`, `--rmi
/// --confirm`), never after `--`, never from `exec`/`run` (the command's own arguments) or any
/// other subcommand. A usage error: `--confirm` without its value.
pub fn take_gate_flags(argv: &[String]) -> crate::error::Result<GateArgs> {
    let unchanged = || GateArgs {
        compose: argv.to_vec(),
        ..Default::default()
    };
    let root_sets: &[&[Flag]] = &[root()];
    // Compose 2.40.3's own reading (the first).
    let Some(&sub) = cobra::subcommand_at(argv, root_sets).first() else {
        return Ok(unchanged());
    };
    let Some(set) = sub_flags(&argv[sub]) else {
        return Ok(unchanged());
    };
    let parsed = match parse(argv, sub + 1, argv.len(), &[set, COMMON, GATE]) {
        Ok(p) => p,
        Err(Reject::MissingValue(Effect::Confirm)) => {
            return Err(crate::error::Error::usage("--confirm needs a value")
                .with_hint("--confirm PROJECT_NAME"));
        }
        // Compose rejects the argv whatever devctl takes out of it.
        Err(_) => return Ok(unchanged()),
    };
    let mut out = GateArgs::default();
    let mut drop = vec![false; argv.len()];
    for ((effect, value), (_, at, len)) in parsed.hits.iter().zip(&parsed.spans) {
        match effect {
            Effect::Confirm => out.confirm.push(value.clone()),
            Effect::Snapshot => out.snapshot = Some(value == "true"),
            Effect::NoSnapshot => out.snapshot = Some(value != "true"),
            _ => continue,
        }
        for d in drop.iter_mut().skip(*at).take(*len) {
            *d = true;
        }
    }
    out.compose = argv
        .iter()
        .zip(&drop)
        .filter(|(_, d)| !**d)
        .map(|(a, _)| a.clone())
        .collect();
    Ok(out)
}

/// The subcommand part of `argv` (from the subcommand on) with every volume-removal flag taken
/// out (`-v`, `--volumes[=…]`, `--volume[=…]`, the `v` of `-fsv`), for devctl to run Compose
/// without them. Other flags and positionals are kept as given.
pub fn strip_volume_flags(argv: &[String], d: &Destructive) -> Vec<String> {
    let set: &[Flag] = match d.subcommand.as_str() {
        "down" => DOWN,
        "rm" => RM,
        _ => return argv[d.sub_index..].to_vec(),
    };
    let all = [set, COMMON];
    let value_long = |name: &str| {
        all.iter()
            .flat_map(|s| s.iter())
            .any(|fl| fl.value && fl.long.contains(&name))
    };
    let short = |c: char| {
        all.iter()
            .flat_map(|s| s.iter())
            .find(|fl| fl.short == Some(c))
    };
    let mut out = vec![argv[d.sub_index].clone()];
    let mut i = d.sub_index + 1;
    while i < argv.len() {
        let s = &argv[i];
        i += 1;
        if s == "--" {
            out.extend(argv[i - 1..].iter().cloned());
            break;
        }
        if let Some(body) = s.strip_prefix("--") {
            let name = body.split_once('=').map_or(body, |(n, _)| n);
            if name == "volumes" || name == "volume" {
                continue;
            }
            out.push(s.clone());
            if !body.contains('=')
                && value_long(name)
                && let Some(v) = argv.get(i)
            {
                out.push(v.clone());
                i += 1;
            }
            continue;
        }
        if s.len() < 2 || !s.starts_with('-') {
            out.push(s.clone());
            continue;
        }
        let chars: Vec<char> = s[1..].chars().collect();
        let mut kept = String::new();
        let mut k = 0;
        let mut takes_next = false;
        while k < chars.len() {
            let c = chars[k];
            let fl = short(c);
            if chars.get(k + 1) == Some(&'=') {
                if c != 'v' {
                    kept.extend(chars[k..].iter());
                }
                break;
            }
            match fl {
                Some(fl) if fl.value => {
                    kept.extend(chars[k..].iter());
                    takes_next = k + 1 == chars.len();
                    break;
                }
                _ => {
                    if c != 'v' {
                        kept.push(c);
                    }
                    k += 1;
                }
            }
        }
        if !kept.is_empty() {
            out.push(format!("-{kept}"));
        }
        if takes_next && let Some(v) = argv.get(i) {
            out.push(v.clone());
            i += 1;
        }
    }
    out
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
