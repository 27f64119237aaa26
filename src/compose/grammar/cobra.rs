//! Where Compose finds its subcommand: a model of cobra's `Command.Traverse`, which Compose's
//! root command uses (`TraverseChildren: true`). Pure; used by [`super::classify`].
//!
//! Traverse does not parse the root flags with pflag; it walks the arguments with four rules,
//! in this order, and the first argument none of them takes is the subcommand:
//!
//! 1. `--NAME` without `=` (also `--` itself): a flag; the NEXT argument is its value unless
//!    NAME is a known boolean (`--dry-run`). `--` is no end of options here: it "takes" the
//!    next argument as its value, so `-- x down -v` runs `down -v`.
//! 2. `-C` (two bytes, no `=`) where C is not a known boolean shorthand (`-p`, `-f`, an
//!    unknown `-X`): a flag whose value is the next argument.
//! 3. Otherwise, when the previous flag wanted a value, this argument is that value (`-v` in
//!    `--profile -v down`). Rules 1 and 2 come first: in `--profile --confirm x down -v`,
//!    `--confirm` is a flag for Traverse and `x` its value, so `down -v` runs (pflag then gives
//!    the profile the value `--confirm`).
//! 4. `--x=…`, `-abc`, `-x=…`: a flag without a separate value.
//!
//! The arguments before the subcommand are then parsed by pflag as the root's flags (there
//! `--` does end the options: `-- -p other down -v` keeps the default project).
//!
//! Verified against `docker compose` v2.40.3 (`docker compose --dry-run ARGS` on a project
//! with a named volume, looking for "Volume … Removed"): `-- x down -v`, `-- -- x down -v`,
//! `-- -- -- x down -v`, `--ansi never -- x down -v`, `--profile -- x down -v`,
//! `--profile --confirm=x down -v`, `--profile --confirm x down -v`, `--profile -p x down -v`,
//! `--profile -h down -v`, `--workdir -- x down -v`, `-- -p other down -v` all remove the
//! volume; `-- down -v`, `--profile -- down -v`, `--profile --dry-run x down -v`,
//! `-h x down -v` print usage or help and remove nothing.

use super::pflag::{Flag, long_is_bool, short_is_bool};

/// The indices where Traverse may find the subcommand in `args`. Compose 2.40.3's reading
/// comes first; an unknown flag (which 2.40.3 rejects, but a newer Compose may know as a
/// boolean) adds the reading where it takes no value, so the caller can fail closed.
pub(crate) fn subcommand_at(args: &[String], root: &[&[Flag]]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    walk(args, root, 0, false, &mut found, &mut seen);
    found
}

fn walk(
    args: &[String],
    root: &[&[Flag]],
    mut i: usize,
    mut in_flag: bool,
    found: &mut Vec<usize>,
    seen: &mut std::collections::HashSet<(usize, bool)>,
) {
    while let Some(arg) = args.get(i) {
        if !seen.insert((i, in_flag)) {
            return;
        }
        let a = arg.as_str();
        let bytes = a.as_bytes();
        if a.starts_with("--") && !a.contains('=') {
            // Rule 1.
            match long_is_bool(root, &a[2..]) {
                Some(b) => in_flag = !b,
                None if a.len() > 2 => {
                    // Unknown: 2.40.3 takes the next argument as its value; a newer Compose
                    // may know it as a boolean.
                    walk(args, root, i + 1, true, found, seen);
                    in_flag = false;
                }
                None => in_flag = true,
            }
        } else if bytes.len() == 2
            && bytes[0] == b'-'
            && !a.contains('=')
            && short_is_bool(root, char::from(bytes[1])) != Some(true)
        {
            // Rule 2.
            if short_is_bool(root, char::from(bytes[1])).is_none() {
                // Unknown: as for rule 1; read as a boolean, rules 3/4 leave no value pending.
                walk(args, root, i + 1, true, found, seen);
                in_flag = false;
            } else {
                in_flag = true;
            }
        } else if in_flag {
            // Rule 3.
            in_flag = false;
        } else if (bytes.len() >= 3 && a.starts_with("--"))
            || (bytes.len() >= 2 && bytes[0] == b'-' && bytes[1] != b'-')
        {
            // Rule 4.
        } else {
            found.push(i);
            return;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::pflag::root;
    use super::*;

    fn at(line: &str) -> Vec<usize> {
        let v: Vec<String> = line.split_whitespace().map(String::from).collect();
        subcommand_at(&v, &[root()])
    }

    /// (argv, where Compose 2.40.3 finds the subcommand, then the fail-closed readings)
    #[test]
    fn traverse_table() {
        let cases: &[(&str, &[usize])] = &[
            ("down -v", &[0]),
            ("-- x down -v", &[2]),
            ("-- -- x down -v", &[3]),
            ("-- -- -- x down -v", &[4]),
            ("-- down -v", &[]),
            ("--profile -- x down -v", &[3]),
            ("--profile -- down -v", &[]),
            ("--profile --confirm=x down -v", &[2]),
            ("--profile --confirm x down -v", &[3, 2]),
            ("--profile -p x down -v", &[3]),
            ("--profile -h down -v", &[2]),
            ("--profile --dry-run x down -v", &[2]),
            ("--ansi never -- x down -v", &[4]),
            ("-p x down -v", &[2]),
            ("-px down -v", &[1]),
            ("-p=x down -v", &[1]),
            ("--dry-run down -v", &[1]),
            ("-h x down -v", &[1]),
            ("-v down", &[1]),
            ("--future x down -v", &[2, 1]),
            ("-X x down -v", &[2, 1]),
            ("-Xy down -v", &[1]),
            ("- down", &[0]),
            ("", &[]),
        ];
        for (line, want) in cases {
            assert_eq!(at(line), want.to_vec(), "{line:?}");
        }
    }
}
