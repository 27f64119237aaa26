//! The safety gate. Pure core: classify an argv, build the deletion plan, decide by policy.
//! Its I/O edges are tiny: the typed prompt and the audit log.
//!
//! Stable API for other layers: [`intercept`]; for the dashboard's `D` modal,
//! [`gate::prepare_down_volumes`] (plan, no prompt) and [`gate::execute`] (run a confirmed plan).

pub mod classify;
pub mod execute;
pub mod gate;
pub mod guard;
pub mod layers;
pub mod pin;
pub mod plan;
pub mod policy;
pub mod prompt;
pub mod snapshot;
pub mod sources;
pub mod text;
pub mod views;

pub use classify::{Action, Destructive, classify};
pub use gate::{Confirmation, Prepared};
pub use plan::DeletionPlan;
pub use policy::GateFlags;

use crate::context::Ctx;
use crate::error::Result;

/// Take devctl's own gate flags out of a Compose argv (`--confirm WORD`, `--confirm=WORD`,
/// `--snapshot`, `--no-snapshot`; Compose has none of them), only where devctl's parser takes
/// them (see [`classify::take_gate_flags`]). Returns the argv Compose receives.
pub fn split_gate_flags(args: &[String]) -> Result<(Vec<String>, GateFlags)> {
    let g = classify::take_gate_flags(args)?;
    let flags = GateFlags {
        confirm: g.confirm,
        snapshot: g.snapshot,
    };
    Ok((g.compose, flags))
}

/// What the caller does after the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// The gate took over (plan, confirmation, devctl's own execution): exit with this code.
    Handled(u8),
    /// Nothing destructive: run Compose with exactly this argv (the one classified: devctl's
    /// gate flags taken out).
    Run(Vec<String>),
}

/// Called by every command path that hands an argv to Compose (`devctl compose -- …`, `up`,
/// `run`…) BEFORE anything runs. `compose_args` is the Compose subcommand and its arguments
/// (global Compose flags may come first). When the argv would destroy volume data the gate
/// takes over (plan, confirmation, devctl's own execution) and returns [`Gate::Handled`];
/// otherwise [`Gate::Run`] with the argv the caller hands to Compose: the same argv the gate
/// classified.
///
/// A refusal is `Err` with `Exit::Refused` (4) and a hint naming the flag that would allow it.
pub fn intercept(ctx: &Ctx, compose_args: &[String]) -> Result<Gate> {
    let (args, flags) = split_gate_flags(compose_args)?;
    let Some(d) = classify(&args) else {
        return Ok(Gate::Run(args));
    };
    guard::guard(ctx, &args, d, &flags).map(Gate::Handled)
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

    /// The gate flags are taken only where pflag reads a flag of a destructive subcommand;
    /// what is left is what Compose receives and what is classified.
    #[test]
    fn gate_flags_only_where_devctl_reads_them() {
        // (argv, Compose's argv, confirm words, snapshot)
        let cases: &[(&str, &str, &[&str], Option<bool>)] = &[
            (
                "-- x down -v --confirm shop",
                "-- x down -v",
                &["shop"],
                None,
            ),
            (
                "up -d -V --confirm=p --no-snapshot",
                "up -d -V",
                &["p"],
                Some(false),
            ),
            ("create -y --snapshot", "create -y", &[], Some(true)),
            // another flag's value: Compose receives it as that value
            (
                "--profile --confirm=x down -v",
                "--profile --confirm=x down -v",
                &[],
                None,
            ),
            (
                "--profile --confirm x down -v",
                "--profile --confirm x down -v",
                &[],
                None,
            ),
            (
                "down --rmi --confirm=x -v",
                "down --rmi --confirm=x -v",
                &[],
                None,
            ),
            (
                "down -t --confirm x -v",
                "down -t --confirm x -v",
                &[],
                None,
            ),
            // after `--`, before the subcommand, or another subcommand's: not devctl's
            (
                "down -v -- --confirm x",
                "down -v -- --confirm x",
                &[],
                None,
            ),
            ("--confirm x down -v", "--confirm x down -v", &[], None),
            (
                "exec app echo --confirm",
                "exec app echo --confirm",
                &[],
                None,
            ),
            (
                "run app sh -c --confirm=x",
                "run app sh -c --confirm=x",
                &[],
                None,
            ),
            ("logs --confirm", "logs --confirm", &[], None),
            ("-- down -v --confirm", "-- down -v --confirm", &[], None),
        ];
        for (line, want, confirm, snap) in cases {
            let (args, f) = split_gate_flags(&v(line)).expect(line);
            assert_eq!(args, v(want), "{line}");
            assert_eq!(f.confirm, v(&confirm.join(" ")), "{line}");
            assert_eq!(f.snapshot, *snap, "{line}");
        }
        for line in [
            "--profile --confirm=x down -v",
            "--profile --confirm x down -v",
            "-- x down -v --confirm shop",
        ] {
            let (args, _) = split_gate_flags(&v(line)).expect(line);
            let d = classify(&args).expect(line);
            assert_eq!(d.actions, vec![Action::DownVolumes], "{line}");
        }
        assert!(split_gate_flags(&v("-- x rm -fsv --confirm")).is_err());
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
            "-h down -v",
            "-- x down -v --help",
            "exec app echo --confirm",
            "up -d --y=0",
        ] {
            assert_eq!(
                intercept(&ctx, &v(a)).expect("no error"),
                Gate::Run(v(a)),
                "{a}"
            );
        }
    }
}
