//! `devctl man`: the manual page (roff), generated from the CLI definition with clap_mangen.
//! One page, `devctl(1)`: the top-level synopsis and options, then every subcommand (nested
//! ones too) with its synopsis, description and own options; the global options are listed
//! once. `assets/man/devctl.1` is this output, committed; a test keeps the two equal.

use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

/// The whole page.
pub fn page() -> Vec<u8> {
    let mut cmd = super::command();
    cmd.build();
    let man = Man::new(cmd.clone()).date("").manual("User Commands");
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    let _ = man.render_options_section(&mut out);
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    roff.to_writer(&mut out).ok();
    for sub in documented(&cmd) {
        subcommand(sub, &mut out);
    }
    let _ = man.render_extra_section(&mut out);
    let _ = man.render_version_section(&mut out);
    finish(&out)
}

/// Each render call of clap_mangen starts with the same two-line string definition (`Aq`);
/// the page needs it once, at the top. clap's "after help" section is called NOTES here, and
/// every non-ASCII character becomes a roff escape (`…` → `\[u2026]`), so that any troff
/// renders the page without a locale.
fn finish(page: &[u8]) -> Vec<u8> {
    const PREAMBLE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];
    let text = String::from_utf8_lossy(page);
    let mut out = String::with_capacity(text.len());
    let mut seen = false;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line == PREAMBLE[0] && lines.peek() == Some(&PREAMBLE[1]) {
            lines.next();
            if seen {
                continue;
            }
            seen = true;
            out.push_str(line);
            out.push('\n');
            out.push_str(PREAMBLE[1]);
            out.push('\n');
            continue;
        }
        let line = if line == ".SH EXTRA" {
            ".SH NOTES"
        } else {
            line
        };
        for c in line.chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
            }
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// `sub`'s entry: a `.SS` heading with its usage, its description, its own options (the
/// global ones are on the top of the page); then its own subcommands.
fn subcommand(sub: &clap::Command, out: &mut Vec<u8>) {
    let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_string();
    let own = sub
        .clone()
        .mut_args(|a| if a.is_global_set() { a.hide(true) } else { a });
    let man = Man::new(own.clone());
    let mut roff = Roff::new();
    roff.control("SS", [name.as_str()]);
    roff.to_writer(&mut *out).ok();
    let mut body = Vec::new();
    let _ = man.render_synopsis_section(&mut body);
    let _ = man.render_description_section(&mut body);
    if own
        .get_arguments()
        .any(|a| !a.is_hide_set() && a.get_id() != "help")
    {
        let _ = man.render_options_section(&mut body);
    }
    // The sections of a subcommand's own page become paragraphs under its heading.
    for line in String::from_utf8_lossy(&body).lines() {
        match line.strip_prefix(".SH ") {
            Some("SYNOPSIS" | "DESCRIPTION") => out.extend_from_slice(b".PP\n"),
            Some(heading) => {
                let mut r = Roff::new();
                r.control("PP", [] as [&str; 0]);
                r.text([bold(title_case(heading.trim_matches('"'))), roman(":")]);
                r.to_writer(&mut *out).ok();
            }
            None => {
                out.extend_from_slice(line.as_bytes());
                out.push(b'\n');
            }
        }
    }
    for nested in documented(sub) {
        subcommand(nested, out);
    }
}

/// The subcommands the page describes: visible ones, without clap's `help`.
fn documented(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// `GLOBAL OPTIONS` → `Global options`.
fn title_case(heading: &str) -> String {
    let lower = heading.to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/man/devctl.1");

    #[test]
    fn committed_page_is_the_cli_s_own() {
        let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
        let now = String::from_utf8_lossy(&page()).into_owned();
        assert!(
            committed == now,
            "assets/man/devctl.1 is out of date with the CLI: run \
             `cargo run -q -- man > assets/man/devctl.1` and commit it"
        );
    }

    #[test]
    fn page_has_every_subcommand_each_global_option_once_and_only_ascii() {
        let text = String::from_utf8_lossy(&page()).into_owned();
        assert!(text.is_ascii());
        assert!(text.starts_with(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH devctl 1 "));
        assert_eq!(text.matches(".ds Aq").count(), 2, "one preamble");
        let mut cmd = super::super::command();
        cmd.build();
        for sub in documented(&cmd) {
            let name = format!(".SS \"devctl {}\"", sub.get_name());
            assert!(text.contains(&name), "no {name}");
            for nested in documented(sub) {
                let name = format!(".SS \"devctl {} {}\"", sub.get_name(), nested.get_name());
                assert!(text.contains(&name), "no {name}");
            }
        }
        assert!(!text.contains("devctl help"));
        // An option's entry is the line after `.TP`.
        let lines: Vec<&str> = text.lines().collect();
        for long in ["file", "env", "dry\\-run", "read\\-only"] {
            let item = format!("\\fB\\-\\-{long}\\fR");
            assert_eq!(
                lines
                    .windows(2)
                    .filter(|w| w[0] == ".TP" && w[1].contains(&item))
                    .count(),
                1,
                "--{long} is described once"
            );
        }
        assert!(text.contains(".SH \"GLOBAL OPTIONS\"") && text.contains(".SH NOTES"));
    }
}
