//! The safety gate. Pure core: classify an argv, build the deletion plan, decide by policy.
//! Its I/O edges are tiny: the typed prompt and the audit log.
//!
//! Stable API for other layers: [`intercept`].

use crate::commands::Ctx;
use crate::error::Result;

/// Called by every command path that hands an argv to Compose (`devctl compose -- …`, `up`,
/// `run`…) BEFORE anything runs. `compose_args` is the Compose subcommand and its arguments
/// (global Compose flags may come first). When the argv would destroy volume data the gate
/// takes over (plan, confirmation, devctl's own execution) and returns `Some(exit code)`;
/// otherwise it returns `None` and the caller runs Compose itself.
pub fn intercept(_ctx: &Ctx, _compose_args: &[String]) -> Result<Option<u8>> {
    Ok(None)
}
