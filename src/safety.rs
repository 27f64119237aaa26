//! The safety gate. Pure core: classify an argv, build the deletion plan, decide by policy.
//! Its I/O edges are tiny: the typed prompt and the audit log.
//!
//! Stable API for other layers: [`intercept`]; for the dashboard's `D` modal,
//! [`gate::prepare_down_volumes`] (plan, no prompt) and [`gate::execute`] (run a confirmed plan).

pub mod audit;
pub mod classify;
pub mod engine_rules;
pub mod execute;
pub mod gate;
pub mod guard;
pub mod layers;
mod pflag;
pub mod pin;
pub mod plan;
pub mod policy;
pub mod prompt;
pub mod snapshot;
pub mod sources;
pub mod views;

pub use classify::{Action, Destructive, classify};
pub use gate::{Confirmation, Prepared};
pub use plan::DeletionPlan;
pub use policy::GateFlags;

use crate::context::Ctx;
use crate::error::{Error, Result};

/// Take devctl's own gate flags out of a Compose argv (`--confirm WORD`, `--confirm=WORD`,
/// `--snapshot`, `--no-snapshot`; Compose has none of them). Flags after `--` are left alone.
pub fn split_gate_flags(args: &[String]) -> Result<(Vec<String>, GateFlags)> {
    let mut out = Vec::new();
    let mut flags = GateFlags::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.extend(args[i - 1..].iter().cloned());
            break;
        }
        if a == "--confirm" {
            let v = args.get(i).ok_or_else(|| {
                Error::usage("--confirm needs a value").with_hint("--confirm PROJECT_NAME")
            })?;
            flags.confirm.push(v.clone());
            i += 1;
        } else if let Some(v) = a.strip_prefix("--confirm=") {
            flags.confirm.push(v.to_string());
        } else if a == "--snapshot" {
            flags.snapshot = Some(true);
        } else if a == "--no-snapshot" {
            flags.snapshot = Some(false);
        } else {
            out.push(a.clone());
        }
    }
    Ok((out, flags))
}

/// Called by every command path that hands an argv to Compose (`devctl compose -- …`, `up`,
/// `run`…) BEFORE anything runs. `compose_args` is the Compose subcommand and its arguments
/// (global Compose flags may come first). When the argv would destroy volume data the gate
/// takes over (plan, confirmation, devctl's own execution) and returns `Some(exit code)`;
/// otherwise it returns `None` and the caller runs Compose itself.
///
/// A refusal is `Err` with `Exit::Refused` (4) and a hint naming the flag that would allow it.
pub fn intercept(ctx: &Ctx, compose_args: &[String]) -> Result<Option<u8>> {
    let (args, flags) = split_gate_flags(compose_args)?;
    let Some(d) = classify(&args) else {
        return Ok(None);
    };
    guard::guard(ctx, &args, d, &flags).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn gate_flags_are_taken_out() {
        let (args, f) = split_gate_flags(&v("down -v --confirm shop --snapshot")).expect("ok");
        assert_eq!(args, v("down -v"));
        assert_eq!(f.confirm, vec!["shop"]);
        assert_eq!(f.snapshot, Some(true));
        let (args, f) = split_gate_flags(&v(
            "rm --confirm=a -fsv --no-snapshot --confirm b -- --confirm x",
        ))
        .expect("ok");
        assert_eq!(args, v("rm -fsv -- --confirm x"));
        assert_eq!(f.confirm, vec!["a", "b"]);
        assert_eq!(f.snapshot, Some(false));
        assert!(split_gate_flags(&v("down -v --confirm")).is_err());
    }

    #[test]
    fn harmless_argv_passes_through() {
        let ctx = Ctx {
            global: Default::default(),
            cwd: std::env::temp_dir(),
            env: Default::default(),
        };
        for a in [
            "ps",
            "down",
            "down --volumes=false",
            "config --volumes",
            "logs -v",
        ] {
            assert_eq!(intercept(&ctx, &v(a)).expect("no error"), None, "{a}");
        }
    }
}
