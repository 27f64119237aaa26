//! The confirmation policy. Pure: given the plan, whether a person is at a terminal, and the
//! flags, decide what happens.
//!
//! - `down -v` / `volume prune` whose plan deletes nothing and puts nothing at risk need no
//!   confirmation: devctl says so and runs (Compose's `down` without `-v`), exit 0 — CI
//!   teardowns run them on stacks that never had a volume. Every other destructive argv needs a
//!   confirmation even when its plan is empty.
//! - `--confirm` given: it must name every required word exactly (the project name, or the
//!   exact name of each external or protected volume in the plan), else refuse, even in a
//!   terminal. A bare `--yes` is never enough (devctl has no such flag for the gate).
//! - In a terminal: the user types each required word.
//! - No terminal and no `--confirm`: refuse, naming the flag that would allow it.

use serde::Serialize;

use super::classify::Action;
use super::plan::DeletionPlan;

/// The flags that steer the gate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateFlags {
    /// `--confirm WORD` (repeatable).
    pub confirm: Vec<String>,
    /// `--snapshot` → Some(true), `--no-snapshot` → Some(false).
    pub snapshot: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "kebab-case")]
pub enum Decision {
    /// Ask the user to type each word, in order.
    Prompt { words: Vec<String> },
    /// `--confirm` named every required word.
    Confirmed { words: Vec<String> },
    /// Refused, with the reason and what would allow it.
    Refuse { reason: String, hint: String },
    /// `down -v` / `volume prune` with nothing to delete: run without asking.
    NothingToDelete,
}

/// True when the plan deletes nothing, puts nothing at risk, and every action is `down -v` or
/// `volume prune` (the argv then deletes nothing devctl could not see: Compose runs without
/// `-v`, and prune is devctl's own).
pub fn nothing_to_delete(plan: &DeletionPlan) -> bool {
    plan.is_empty()
        && plan
            .actions
            .iter()
            .all(|a| matches!(a, Action::DownVolumes | Action::VolumePrune))
}

/// What the user must type (or pass with `--confirm`) to confirm this plan: the exact name of
/// each external or protected volume in it, or else the project name.
pub fn required_words(plan: &DeletionPlan) -> Vec<String> {
    let special: Vec<String> = plan
        .affected()
        .filter(|v| v.external || v.protected)
        .map(|v| v.name.clone())
        .collect();
    if special.is_empty() {
        vec![plan.project.clone()]
    } else {
        special
    }
}

fn confirm_hint(words: &[String]) -> String {
    let flags: Vec<String> = words.iter().map(|w| format!("--confirm {w}")).collect();
    format!(
        "run it in a terminal and type {}, or pass `{}`",
        if words.len() == 1 {
            format!("`{}`", words[0])
        } else {
            "each name".to_string()
        },
        flags.join(" ")
    )
}

/// Decide. `terminal`: standard input and standard error are both terminals.
pub fn policy(plan: &DeletionPlan, terminal: bool, flags: &GateFlags) -> Decision {
    if nothing_to_delete(plan) {
        return Decision::NothingToDelete;
    }
    let words = required_words(plan);
    if !flags.confirm.is_empty() {
        let missing: Vec<&String> = words
            .iter()
            .filter(|w| !flags.confirm.iter().any(|c| c == *w))
            .collect();
        if missing.is_empty() {
            return Decision::Confirmed { words };
        }
        return Decision::Refuse {
            reason: format!(
                "--confirm {} does not name {}",
                flags.confirm.join(" --confirm "),
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            hint: confirm_hint(&words),
        };
    }
    if terminal {
        return Decision::Prompt { words };
    }
    Decision::Refuse {
        reason: "no terminal to confirm in and no --confirm".into(),
        hint: confirm_hint(&words),
    }
}

/// Exact comparison of what was typed with the required word (no trimming, no case folding).
pub fn typed_matches(typed: &str, word: &str) -> bool {
    typed == word
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::plan::{PlannedVolume, VolumeKind};

    fn vol(name: &str, external: bool, protected: bool) -> PlannedVolume {
        PlannedVolume {
            name: name.into(),
            key: None,
            kind: VolumeKind::Named,
            external,
            protected,
            created_at: None,
            size_bytes: None,
            labels: Default::default(),
            mounted_by: vec![],
            driver: "local".into(),
            mountpoint: None,
        }
    }

    fn plan(remove: Vec<PlannedVolume>) -> DeletionPlan {
        DeletionPlan {
            project: "shop".into(),
            actions: vec![Action::DownVolumes],
            remove,
            at_risk: vec![],
            kept: vec![],
            warnings: vec![],
        }
    }

    fn flags(confirm: &[&str]) -> GateFlags {
        GateFlags {
            confirm: confirm.iter().map(|s| s.to_string()).collect(),
            snapshot: None,
        }
    }

    #[test]
    fn table() {
        let plain = plan(vec![vol("shop_db", false, false)]);
        let ext = plan(vec![
            vol("shop_db", false, false),
            vol("pgdata", true, false),
        ]);
        let prot = plan(vec![
            vol("shop_db", false, true),
            vol("shop_cache", false, true),
        ]);
        let empty = plan(vec![]);
        let empty_rm = DeletionPlan {
            actions: vec![Action::RmVolumes],
            ..plan(vec![])
        };
        let empty_up = DeletionPlan {
            actions: vec![Action::DownVolumes, Action::RenewAnonVolumes],
            ..plan(vec![])
        };
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cases: Vec<(&str, &DeletionPlan, bool, GateFlags, Decision)> = vec![
            (
                "empty plan, tty",
                &empty,
                true,
                flags(&[]),
                Decision::NothingToDelete,
            ),
            (
                "empty plan, no tty, no flag",
                &empty,
                false,
                flags(&[]),
                Decision::NothingToDelete,
            ),
            (
                "empty plan, any flag",
                &empty,
                false,
                flags(&["wrong"]),
                Decision::NothingToDelete,
            ),
            (
                "tty",
                &plain,
                true,
                flags(&[]),
                Decision::Prompt {
                    words: words(&["shop"]),
                },
            ),
            (
                "tty ext",
                &ext,
                true,
                flags(&[]),
                Decision::Prompt {
                    words: words(&["pgdata"]),
                },
            ),
            (
                "tty protected",
                &prot,
                true,
                flags(&[]),
                Decision::Prompt {
                    words: words(&["shop_db", "shop_cache"]),
                },
            ),
            (
                "flag",
                &plain,
                false,
                flags(&["shop"]),
                Decision::Confirmed {
                    words: words(&["shop"]),
                },
            ),
            (
                "flag in tty",
                &plain,
                true,
                flags(&["shop"]),
                Decision::Confirmed {
                    words: words(&["shop"]),
                },
            ),
            (
                "flag names all",
                &prot,
                false,
                flags(&["shop_cache", "shop_db"]),
                Decision::Confirmed {
                    words: words(&["shop_db", "shop_cache"]),
                },
            ),
        ];
        for (name, p, tty, f, want) in cases {
            assert_eq!(policy(p, tty, &f), want, "{name}");
        }
        let refused: Vec<(&str, &DeletionPlan, bool, GateFlags)> = vec![
            ("no tty, no flag", &plain, false, flags(&[])),
            (
                "empty plan of rm -v still needs a confirmation",
                &empty_rm,
                false,
                flags(&[]),
            ),
            (
                "empty plan of up -V still needs a confirmation",
                &empty_up,
                true,
                flags(&["other"]),
            ),
            ("wrong project", &plain, false, flags(&["shops"])),
            ("case differs", &plain, false, flags(&["Shop"])),
            ("wrong flag in tty", &plain, true, flags(&["other"])),
            (
                "project is not enough for external",
                &ext,
                false,
                flags(&["shop"]),
            ),
            ("one of two protected", &prot, false, flags(&["shop_db"])),
            ("bare yes", &plain, false, flags(&["yes"])),
            ("empty word", &plain, false, flags(&[""])),
        ];
        for (name, p, tty, f) in refused {
            match policy(p, tty, &f) {
                Decision::Refuse { hint, .. } => {
                    assert!(hint.contains("--confirm"), "{name}: {hint}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn exact_comparison() {
        assert!(typed_matches("shop", "shop"));
        for t in ["shop ", " shop", "Shop", "sho", "shop\n", ""] {
            assert!(!typed_matches(t, "shop"), "{t:?}");
        }
    }
}
