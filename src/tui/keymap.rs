//! Actions the dashboard understands and the keys bound to them (defaults, overridable in the
//! config file). Key specs are text such as `q`, `G`, `ctrl-c`, `shift-tab`, `pgup`, `f1`.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Details,
    Filter,
    NextMatch,
    PrevMatch,
    ToggleWrap,
    ToggleTimestamps,
    SelectAll,
    Sort,
    // Mutating actions: disabled in read-only mode.
    ComposeUp,
    ComposeDown,
    Restart,
    Stop,
    Start,
    Build,
    Pull,
    Shell,
    Snapshot,
    DownVolumes,
    // Not mutating by itself (it only switches the view unless the user asks for `up`).
    SwitchEnv,
}

impl Action {
    pub const ALL: [Action; 29] = [
        Action::Quit,
        Action::Help,
        Action::FocusNext,
        Action::FocusPrev,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Details,
        Action::Filter,
        Action::NextMatch,
        Action::PrevMatch,
        Action::ToggleWrap,
        Action::ToggleTimestamps,
        Action::SelectAll,
        Action::Sort,
        Action::ComposeUp,
        Action::ComposeDown,
        Action::Restart,
        Action::Stop,
        Action::Start,
        Action::Build,
        Action::Pull,
        Action::Shell,
        Action::Snapshot,
        Action::DownVolumes,
        Action::SwitchEnv,
    ];

    /// True for actions that change the stack or its data.
    pub fn is_mutating(self) -> bool {
        matches!(
            self,
            Action::ComposeUp
                | Action::ComposeDown
                | Action::Restart
                | Action::Stop
                | Action::Start
                | Action::Build
                | Action::Pull
                | Action::Shell
                | Action::Snapshot
                | Action::DownVolumes
        )
    }

    /// Short label for the footer and the help screen.
    pub fn label(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::FocusNext => "next pane",
            Action::FocusPrev => "previous pane",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "top",
            Action::Bottom => "bottom / follow",
            Action::Details => "details",
            Action::Filter => "filter / search",
            Action::NextMatch => "next match (older)",
            Action::PrevMatch => "previous match (newer)",
            Action::ToggleWrap => "wrap",
            Action::ToggleTimestamps => "timestamps",
            Action::SelectAll => "all services",
            Action::Sort => "sort",
            Action::ComposeUp => "up",
            Action::ComposeDown => "down",
            Action::Restart => "restart",
            Action::Stop => "stop",
            Action::Start => "start",
            Action::Build => "build",
            Action::Pull => "pull",
            Action::Shell => "shell",
            Action::Snapshot => "snapshot volumes",
            Action::DownVolumes => "down + delete volumes",
            Action::SwitchEnv => "switch dev/prod",
        }
    }

    fn default_keys(self) -> &'static [&'static str] {
        match self {
            Action::Quit => &["q", "ctrl-c"],
            Action::Help => &["?"],
            Action::FocusNext => &["tab"],
            Action::FocusPrev => &["shift-tab"],
            Action::Up => &["up", "k"],
            Action::Down => &["down", "j"],
            Action::PageUp => &["pgup", "ctrl-b"],
            Action::PageDown => &["pgdn", "ctrl-f"],
            Action::Top => &["home", "g"],
            Action::Bottom => &["end", "G"],
            Action::Details => &["enter"],
            Action::Filter => &["/"],
            Action::NextMatch => &["n"],
            Action::PrevMatch => &["N"],
            Action::ToggleWrap => &["w"],
            Action::ToggleTimestamps => &["T"],
            Action::SelectAll => &["a"],
            Action::Sort => &["o"],
            Action::ComposeUp => &["u"],
            Action::ComposeDown => &["d"],
            Action::Restart => &["r"],
            Action::Stop => &["s"],
            Action::Start => &["t"],
            Action::Build => &["b"],
            Action::Pull => &["p"],
            Action::Shell => &["x"],
            Action::Snapshot => &["S"],
            Action::DownVolumes => &["D"],
            Action::SwitchEnv => &["e"],
        }
    }
}

/// One key with modifiers. Characters compare exactly (`G` is not `g`); SHIFT is ignored for
/// characters because terminals report it inconsistently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT;
        match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => {
                let m = KeyModifiers::CONTROL | KeyModifiers::ALT;
                a == b && (self.mods & m) == (ev.modifiers & m)
            }
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (a, b) => a == b && (self.mods & relevant) == (ev.modifiers & relevant),
        }
    }

    pub fn parse(s: &str) -> Result<KeySpec, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            mods |= m;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods -= KeyModifiers::SHIFT;
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" => KeyCode::Insert,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().map_err(|_| format!("bad key `{s}`"))?;
                if !(1..=12).contains(&n) {
                    return Err(format!("unknown key `{s}` (function keys are f1…f12)"));
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => {
                        return Err(format!(
                            "unknown key `{s}` (use a single character, or enter, esc, tab, \
                             shift-tab, up, down, left, right, pgup, pgdn, home, end, space, \
                             backspace, delete, f1…f12, with ctrl-/alt-/shift- prefixes)"
                        ));
                    }
                }
            }
        };
        Ok(KeySpec { code, mods })
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            write!(f, "ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            write!(f, "alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => write!(f, "space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => write!(f, "enter"),
            KeyCode::Esc => write!(f, "esc"),
            KeyCode::Tab => write!(f, "tab"),
            KeyCode::BackTab => write!(f, "shift-tab"),
            KeyCode::Up => write!(f, "↑"),
            KeyCode::Down => write!(f, "↓"),
            KeyCode::Left => write!(f, "←"),
            KeyCode::Right => write!(f, "→"),
            KeyCode::PageUp => write!(f, "pgup"),
            KeyCode::PageDown => write!(f, "pgdn"),
            KeyCode::Home => write!(f, "home"),
            KeyCode::End => write!(f, "end"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Backspace => write!(f, "backspace"),
            KeyCode::Delete => write!(f, "delete"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The bindings in effect.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMap {
    bindings: BTreeMap<Action, Vec<KeySpec>>,
}

impl Default for KeyMap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .map(|a| {
                let keys = a
                    .default_keys()
                    .iter()
                    .filter_map(|k| KeySpec::parse(k).ok())
                    .collect();
                (*a, keys)
            })
            .collect();
        KeyMap { bindings }
    }
}

impl KeyMap {
    /// Defaults with `overrides` (action → key specs) applied. Errors name the action and
    /// key, and a key bound to two actions is refused.
    pub fn with_overrides(overrides: &BTreeMap<Action, Vec<String>>) -> Result<KeyMap, String> {
        let mut map = KeyMap::default();
        for (action, keys) in overrides {
            let parsed = keys
                .iter()
                .map(|k| KeySpec::parse(k).map_err(|e| format!("keys.{action:?}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            map.bindings.insert(*action, parsed);
        }
        let mut seen: Vec<(KeySpec, Action)> = Vec::new();
        for (action, keys) in &map.bindings {
            for k in keys {
                if let Some((_, other)) = seen.iter().find(|(s, _)| s == k) {
                    return Err(format!(
                        "key `{k}` is bound to both `{}` and `{}`; bind it to one of them",
                        snake(*other),
                        snake(*action)
                    ));
                }
                seen.push((*k, *action));
            }
        }
        Ok(map)
    }

    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| k.matches(ev)))
            .map(|(a, _)| *a)
    }

    pub fn keys(&self, action: Action) -> &[KeySpec] {
        self.bindings.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key of `action` as text (for hints), or `—` when unbound.
    pub fn key_label(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map_or_else(|| "—".to_string(), ToString::to_string)
    }
}

/// The config-file name of an action (`down_volumes`).
pub fn snake(a: Action) -> String {
    let dbg = format!("{a:?}");
    let mut out = String::new();
    for (i, c) in dbg.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parses_key_specs() {
        let cases = [
            ("q", KeyCode::Char('q'), KeyModifiers::NONE),
            ("G", KeyCode::Char('G'), KeyModifiers::NONE),
            ("ctrl-c", KeyCode::Char('c'), KeyModifiers::CONTROL),
            (
                "Ctrl-Alt-x",
                KeyCode::Char('x'),
                KeyModifiers::CONTROL | KeyModifiers::ALT,
            ),
            ("shift-tab", KeyCode::BackTab, KeyModifiers::NONE),
            ("pgdn", KeyCode::PageDown, KeyModifiers::NONE),
            ("f5", KeyCode::F(5), KeyModifiers::NONE),
            ("space", KeyCode::Char(' '), KeyModifiers::NONE),
            ("-", KeyCode::Char('-'), KeyModifiers::NONE),
        ];
        for (s, code, mods) in cases {
            assert_eq!(KeySpec::parse(s), Ok(KeySpec { code, mods }), "{s}");
        }
        for bad in ["", "foo", "f13", "ctrl-foo"] {
            assert!(KeySpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_map_resolves_keys() {
        let m = KeyMap::default();
        let cases = [
            (
                key(KeyCode::Char('q'), KeyModifiers::NONE),
                Some(Action::Quit),
            ),
            (
                key(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Some(Action::Quit),
            ),
            (key(KeyCode::Char('c'), KeyModifiers::NONE), None),
            (
                key(KeyCode::Char('G'), KeyModifiers::SHIFT),
                Some(Action::Bottom),
            ),
            (
                key(KeyCode::Char('g'), KeyModifiers::NONE),
                Some(Action::Top),
            ),
            (
                key(KeyCode::Char('D'), KeyModifiers::SHIFT),
                Some(Action::DownVolumes),
            ),
            (
                key(KeyCode::Char('d'), KeyModifiers::NONE),
                Some(Action::ComposeDown),
            ),
            (
                key(KeyCode::BackTab, KeyModifiers::SHIFT),
                Some(Action::FocusPrev),
            ),
            (
                key(KeyCode::Enter, KeyModifiers::NONE),
                Some(Action::Details),
            ),
            (key(KeyCode::End, KeyModifiers::NONE), Some(Action::Bottom)),
        ];
        for (ev, want) in cases {
            assert_eq!(m.action_for(&ev), want, "{ev:?}");
        }
    }

    #[test]
    fn defaults_have_no_conflicts() {
        assert!(KeyMap::with_overrides(&BTreeMap::new()).is_ok());
    }

    #[test]
    fn overrides_replace_and_conflicts_are_refused() {
        let mut o = BTreeMap::new();
        o.insert(Action::Shell, vec!["ctrl-s".to_string()]);
        let m = KeyMap::with_overrides(&o).expect("valid");
        assert_eq!(m.key_label(Action::Shell), "ctrl-s");
        assert_eq!(
            m.action_for(&key(KeyCode::Char('x'), KeyModifiers::NONE)),
            None
        );
        o.insert(Action::Build, vec!["q".to_string()]);
        let err = KeyMap::with_overrides(&o).expect_err("conflict");
        assert!(
            err.contains("`q`") && err.contains("quit") && err.contains("build"),
            "{err}"
        );
        let mut bad = BTreeMap::new();
        bad.insert(Action::Help, vec!["hyper-h".to_string()]);
        assert!(KeyMap::with_overrides(&bad).is_err());
    }

    #[test]
    fn mutating_actions() {
        let muts: Vec<_> = Action::ALL.iter().filter(|a| a.is_mutating()).collect();
        assert_eq!(muts.len(), 10);
        assert!(!Action::SwitchEnv.is_mutating());
        assert_eq!(snake(Action::DownVolumes), "down_volumes");
    }
}
