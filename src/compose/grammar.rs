//! Compose's command-line grammar (v2.40.3): its flag tables and pflag's reading of them
//! ([`pflag`]), and where cobra finds the subcommand ([`cobra`]). Pure. The safety gate
//! classifies with it; `compose::argv` finds the subcommand with it.

pub mod cobra;
pub mod pflag;

/// Where Compose v2.40.3 finds the subcommand of `argv` (cobra's Traverse over the root's
/// flags); `None`: it finds none and prints its usage.
pub fn subcommand_index(argv: &[String]) -> Option<usize> {
    cobra::subcommand_at(argv, &[pflag::root()])
        .first()
        .copied()
}
