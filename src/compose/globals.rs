//! Compose's global (root) flags that take a value — one table for every reader of a Compose
//! argv: [`super::argv`] (skipping them to find the subcommand of a passthrough argv) and the
//! safety gate's pflag model (`safety::pflag`, which also reads what they select).
//!
//! Facts from `docker compose --help` v2.40.3 (plus the hidden `--workdir`, an alias of
//! `--project-directory`). Global flags come BEFORE the subcommand; a value flag consumes the
//! next argument even when it starts with `-` (`--profile -v down` is `down` with profile
//! `-v`), or takes it inline (`--file=x`, `-fx`, `-f=x`).

/// What a global value flag selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalValue {
    /// `-f/--file`: a compose file (repeatable, layered).
    File,
    /// `-p/--project-name`.
    ProjectName,
    /// `--project-directory` (hidden alias `--workdir`).
    ProjectDirectory,
    /// `--profile` (repeatable).
    Profile,
    /// `--env-file` (repeatable).
    EnvFile,
    /// `--ansi`, `--progress`, `--parallel`: they do not select the project.
    Other,
}

/// One global flag that takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalValueFlag {
    /// Long names without `--`.
    pub long: &'static [&'static str],
    pub short: Option<char>,
    pub selects: GlobalValue,
}

const fn g(
    long: &'static [&'static str],
    short: Option<char>,
    selects: GlobalValue,
) -> GlobalValueFlag {
    GlobalValueFlag {
        long,
        short,
        selects,
    }
}

/// Compose's global flags that take a value.
pub const GLOBAL_VALUE_FLAGS: &[GlobalValueFlag] = &[
    g(&["file"], Some('f'), GlobalValue::File),
    g(&["project-name"], Some('p'), GlobalValue::ProjectName),
    g(
        &["project-directory", "workdir"],
        None,
        GlobalValue::ProjectDirectory,
    ),
    g(&["profile"], None, GlobalValue::Profile),
    g(&["env-file"], None, GlobalValue::EnvFile),
    g(&["ansi", "progress", "parallel"], None, GlobalValue::Other),
];

/// Is `arg` a global value flag written without its value (`-f`, `--file`, `-p`,
/// `--profile`…), so that the NEXT argument is its value? `--file=x` and `-fx` carry theirs.
pub fn takes_next_value(arg: &str) -> bool {
    if let Some(long) = arg.strip_prefix("--") {
        return GLOBAL_VALUE_FLAGS.iter().any(|f| f.long.contains(&long));
    }
    let mut chars = arg.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some('-'), Some(c), None) => GLOBAL_VALUE_FLAGS.iter().any(|f| f.short == Some(c)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_arguments_take_the_next_one() {
        let yes = [
            "-f",
            "--file",
            "-p",
            "--project-name",
            "--project-directory",
            "--workdir",
            "--profile",
            "--env-file",
            "--ansi",
            "--progress",
            "--parallel",
        ];
        for a in yes {
            assert!(takes_next_value(a), "{a}");
        }
        let no = [
            "--file=x",
            "-fx",
            "-f=x",
            "-v",
            "--version",
            "--dry-run",
            "--verbose",
            "--compatibility",
            "--all-resources",
            "-",
            "--",
            "up",
            "f",
            "--files",
        ];
        for a in no {
            assert!(!takes_next_value(a), "{a}");
        }
    }
}
