//! The gate's terminal edge: render the plan, ask "snapshot first?", and read the typed
//! confirmation on standard error.
//!
//! The key reading uses dialoguer's `console::Term::read_key_raw`, not `dialoguer::Input`:
//! `Input` ignores Esc and lets Ctrl-C kill the process with SIGINT before the refusal is
//! written to the audit log. Here Esc and Ctrl-C abort cleanly and are recorded.

use std::io::{self, IsTerminal};

use dialoguer::console::{Key, Term, style};

use super::plan::{DeletionPlan, PlannedVolume};

/// A person is at a terminal: standard input AND standard error are terminals.
pub fn is_terminal() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Neutralise terminal control sequences in Engine-supplied text (labels, names).
fn clean(s: &str) -> String {
    crate::sanitize::sanitize_str(s)
}

/// `12 B`, `3.4 KiB`, `1.2 GiB`; `unknown` when the Engine did not report a size.
pub fn human_size(bytes: Option<i64>) -> String {
    let Some(b) = bytes else {
        return "unknown size".into();
    };
    crate::format::bytes(u64::try_from(b).unwrap_or(0))
}

fn volume_lines(out: &mut Vec<String>, v: &PlannedVolume) {
    let mut what = match v.kind {
        super::plan::VolumeKind::Named => match &v.key {
            Some(k) => format!("named volume (key `{}`)", clean(k)),
            None => "named volume".into(),
        },
        super::plan::VolumeKind::Anonymous => "anonymous volume".into(),
        super::plan::VolumeKind::Other => "volume of no declared key".into(),
    };
    if v.external {
        what.push_str(", EXTERNAL");
    }
    if v.protected {
        what.push_str(", PROTECTED");
    }
    out.push(format!(
        "  - {}  [{what}; {}; created {}]",
        clean(&v.name),
        human_size(v.size_bytes),
        v.created_at
            .as_deref()
            .map(clean)
            .unwrap_or_else(|| "at an unknown time".into()),
    ));
    if v.mounted_by.is_empty() {
        out.push("      mounted by: no container".into());
    }
    for u in &v.mounted_by {
        let svc = match (&u.service, &u.project) {
            (Some(s), Some(p)) => format!("service `{}` of project `{}`", clean(s), clean(p)),
            _ => "not a Compose container".into(),
        };
        out.push(format!(
            "      mounted by: {} ({svc}, {})",
            clean(&u.container),
            clean(&u.state)
        ));
    }
    if !v.labels.is_empty() {
        let labels: Vec<String> = v
            .labels
            .iter()
            .map(|(k, val)| format!("{}={}", clean(k), clean(val)))
            .collect();
        out.push(format!("      labels: {}", labels.join(", ")));
    }
}

/// The plan as the user sees it (also printed before a refusal). Pure.
pub fn render_plan(plan: &DeletionPlan, color: bool) -> String {
    let loud = |s: String| {
        if color {
            style(s).red().bold().to_string()
        } else {
            s
        }
    };
    let mut out = Vec::new();
    out.push(format!(
        "devctl safety gate: project `{}`",
        clean(&plan.project)
    ));
    for a in &plan.actions {
        out.push(format!("  asked to: {}", a.describe()));
    }
    if plan.remove.is_empty() {
        out.push("WILL BE DELETED: nothing".into());
    } else {
        out.push(loud(format!(
            "WILL BE DELETED by devctl, one by one ({}):",
            plan.remove.len()
        )));
        for v in &plan.remove {
            volume_lines(&mut out, v);
        }
    }
    if !plan.at_risk.is_empty() {
        out.push(loud(format!(
            "AT RISK through Compose ({}): -V orphans anonymous volumes; -y may recreate a volume empty:",
            plan.at_risk.len()
        )));
        for v in &plan.at_risk {
            volume_lines(&mut out, v);
        }
    }
    if !plan.kept.is_empty() {
        out.push("KEPT:".into());
        for k in &plan.kept {
            out.push(format!("  - {}  ({})", clean(&k.name), clean(&k.reason)));
        }
    }
    for w in &plan.warnings {
        out.push(loud(format!("WARNING: {}", clean(&w.message()))));
    }
    out.join("\n")
}

/// An answer at the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    /// Esc, Ctrl-C or end of input.
    Abort,
}

/// Pure: the answer a whole line gives to a `[Y/n]` question (Enter alone = yes); `None`
/// when the line is no answer (the question is asked again).
pub fn yes_no(line: &str) -> Option<Answer> {
    match line.trim().to_ascii_lowercase().as_str() {
        "" | "y" | "yes" => Some(Answer::Yes),
        "n" | "no" => Some(Answer::No),
        _ => None,
    }
}

/// "Snapshot the N volumes first? [Y/n]": a whole line, answered with Enter (Enter alone =
/// yes), so that `n`+Enter never spills into the next prompt; Esc / Ctrl-C / end of input
/// abort. (dialoguer's `Confirm` waits for Enter too, but its Ctrl-C kills devctl with SIGINT
/// before the abort reaches the audit log; this reads raw keys like [`ask_word`].)
pub fn ask_snapshot(term: &Term, count: usize) -> io::Result<Answer> {
    loop {
        let prompt = format!("Snapshot the {count} volume(s) first (devctl snapshot)? [Y/n] ");
        let Some(line) = ask_word(term, &prompt)? else {
            term.write_line("aborted")?;
            return Ok(Answer::Abort);
        };
        match yes_no(&line) {
            Some(a) => return Ok(a),
            None => term.write_line("answer y or n, then Enter (Esc aborts)")?,
        }
    }
}

/// Ask the user to type `word`; returns what was typed (Enter), or `None` on Esc / Ctrl-C /
/// end of input.
pub fn ask_word(term: &Term, prompt: &str) -> io::Result<Option<String>> {
    term.write_str(prompt)?;
    let mut typed = String::new();
    loop {
        let key = match term.read_key_raw() {
            Ok(k) => k,
            Err(_) => Key::CtrlC,
        };
        match key {
            Key::Enter => {
                term.write_line("")?;
                return Ok(Some(typed));
            }
            Key::Escape | Key::CtrlC | Key::Char('\u{4}') => {
                term.write_line("")?;
                return Ok(None);
            }
            Key::Backspace if typed.pop().is_some() => term.clear_chars(1)?,
            Key::Char(c) if !c.is_control() => {
                typed.push(c);
                term.write_str(&c.to_string())?;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::classify::Action;
    use crate::safety::plan::{KeptVolume, User, VolumeKind, Warning};

    #[test]
    fn whole_line_answers() {
        for (line, want) in [
            ("", Some(Answer::Yes)),
            ("y", Some(Answer::Yes)),
            (" Yes ", Some(Answer::Yes)),
            ("n", Some(Answer::No)),
            ("NO", Some(Answer::No)),
            ("nope", None),
            ("yn", None),
            ("x", None),
        ] {
            assert_eq!(yes_no(line), want, "{line:?}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(None), "unknown size");
        assert_eq!(human_size(Some(12)), "12 B");
        assert_eq!(human_size(Some(2048)), "2.0 KiB");
        assert_eq!(human_size(Some(5 * 1024 * 1024 * 1024)), "5.0 GiB");
    }

    #[test]
    fn plan_text_names_everything_and_neutralises_control_chars() {
        let plan = DeletionPlan {
            project: "shop".into(),
            actions: vec![Action::DownVolumes],
            remove: vec![PlannedVolume {
                name: "shop_db".into(),
                key: Some("db".into()),
                kind: VolumeKind::Named,
                external: false,
                protected: true,
                created_at: Some("2026-11-21T19:52:58Z".into()),
                size_bytes: Some(12),
                labels: [("evil".to_string(), "\u{1b}[2Jx".to_string())].into(),
                mounted_by: vec![User {
                    container: "shop-db-1".into(),
                    service: Some("db".into()),
                    project: Some("shop".into()),
                    state: "running".into(),
                    image_id: "sha256:1".into(),
                }],
                driver: "local".into(),
                mountpoint: None,
            }],
            at_risk: vec![],
            kept: vec![KeptVolume {
                name: "pgdata".into(),
                key: Some("pg".into()),
                reason: "external (declared `external: true`)".into(),
            }],
            warnings: vec![Warning::Protected {
                volume: "shop_db".into(),
            }],
        };
        let text = render_plan(&plan, false);
        for needle in [
            "project `shop`",
            "down -v",
            "WILL BE DELETED by devctl, one by one (1):",
            "shop_db  [named volume (key `db`), PROTECTED; 12 B; created 2026-11-21T19:52:58Z]",
            "mounted by: shop-db-1 (service `db` of project `shop`, running)",
            "labels: evil=x",
            "KEPT:",
            "pgdata  (external",
            "WARNING: volume `shop_db` is listed as protected",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        assert!(!text.contains('\u{1b}'));
    }
}
