//! The dashboard's inner loop (pure): `W` toggles `docker compose watch` for the stack (its
//! sync/restart/rebuild events stream into the operations pane, the header says WATCH), `:`
//! opens a command line with Tab completion over the project's commands (`devctl.yaml`
//! `commands:`) and the built-in actions, and a project command's `key` runs it. Keys bound
//! by the keymap win; these are used only when free.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::project::commands::{ProjectCommand, Target, compose_sub, refusal};
use crate::safety::text::{TextVerdict, scan};
use crate::tui::model::{Level, Modal, Model};
use crate::tui::msg::{Cmd, OpId};
use crate::tui::update::{flash, new_op};

/// The key that toggles watch.
pub const WATCH_KEY: char = 'W';
/// The key that opens the command line.
pub const PROMPT_KEY: char = ':';

/// Built-in actions of the command line: (name, what it does, mutating).
pub const BUILTINS: [(&str, &str, bool); 8] = [
    ("up", "docker compose up -d", true),
    ("stop", "docker compose stop", true),
    ("restart", "docker compose restart", true),
    ("build", "docker compose build", true),
    ("pull", "docker compose pull", true),
    ("watch", "toggle docker compose watch", true),
    ("help", "list the keys and commands", false),
    ("quit", "leave the dashboard", false),
];

/// State of the inner loop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevLoop {
    /// The operation of the running watch.
    pub watch_op: Option<OpId>,
    /// The project's commands.
    pub commands: Vec<ProjectCommand>,
    /// The command line being typed (after `:`).
    pub prompt: Option<String>,
}

impl DevLoop {
    /// Every name the command line completes: project commands, then built-ins.
    pub fn names(&self) -> Vec<String> {
        self.commands
            .iter()
            .map(|c| c.name.clone())
            .chain(BUILTINS.iter().map(|(n, _, _)| n.to_string()))
            .collect()
    }

    /// The names that start with what is typed.
    pub fn matches(&self) -> Vec<String> {
        let typed = self.prompt.as_deref().unwrap_or("").trim();
        self.names()
            .into_iter()
            .filter(|n| n.starts_with(typed))
            .collect()
    }
}

/// Complete `typed` over `names`: the longest common prefix of the matches.
pub fn complete(typed: &str, names: &[String]) -> String {
    let hits: Vec<&String> = names.iter().filter(|n| n.starts_with(typed)).collect();
    let Some(first) = hits.first() else {
        return typed.to_string();
    };
    let mut prefix = first.to_string();
    for h in &hits[1..] {
        while !h.starts_with(&prefix) {
            prefix.pop();
        }
    }
    if prefix.len() < typed.len() {
        typed.to_string()
    } else {
        prefix
    }
}

/// Handle a key before the keymap; true when consumed.
pub fn on_key(m: &mut Model, k: KeyEvent, cmds: &mut Vec<Cmd>) -> bool {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let names = m.devloop.names();
    if let Some(text) = m.devloop.prompt.as_mut() {
        match k.code {
            KeyCode::Esc => m.devloop.prompt = None,
            KeyCode::Char('c') if ctrl => m.devloop.prompt = None,
            KeyCode::Tab => *text = complete(text, &names),
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Enter => {
                let typed = text.trim().to_string();
                m.devloop.prompt = None;
                if !typed.is_empty() {
                    run_named(m, &typed, cmds);
                }
            }
            KeyCode::Char(c) if !ctrl => text.push(c),
            _ => {}
        }
        m.dirty = true;
        return true;
    }
    if m.modal.is_some() || m.input.is_some() || m.config.keys.action_for(&k).is_some() || ctrl {
        return false;
    }
    let KeyCode::Char(c) = k.code else {
        return false;
    };
    if c == PROMPT_KEY {
        m.devloop.prompt = Some(String::new());
        m.flash = None;
        m.dirty = true;
        return true;
    }
    if c == WATCH_KEY {
        toggle_watch(m, cmds);
        return true;
    }
    if let Some(name) = m
        .devloop
        .commands
        .iter()
        .find(|p| p.key == Some(c))
        .map(|p| p.name.clone())
    {
        run_named(m, &name, cmds);
        return true;
    }
    false
}

/// Start or stop watch.
pub fn toggle_watch(m: &mut Model, cmds: &mut Vec<Cmd>) {
    if let Some(op) = m.devloop.watch_op {
        cmds.push(Cmd::StopWatch { op });
        flash(m, Level::Info, "stopping watch…");
        return;
    }
    if let Some(why) = m.read_only_reason() {
        flash(m, Level::Warn, format!("watch is disabled: {why}"));
        return;
    }
    let now = m.now;
    let op = new_op(m, "watch", now);
    m.devloop.watch_op = Some(op);
    cmds.push(Cmd::Watch { op });
}

/// Run a project command or a built-in action by name.
pub fn run_named(m: &mut Model, name: &str, cmds: &mut Vec<Cmd>) {
    if let Some(c) = m.devloop.commands.iter().find(|c| c.name == name).cloned() {
        return run_project(m, &c, cmds);
    }
    let Some((_, _, mutating)) = BUILTINS.iter().find(|(n, _, _)| *n == name) else {
        let names = m.devloop.names().join(", ");
        return flash(
            m,
            Level::Warn,
            format!("unknown command `{name}` (known: {names})"),
        );
    };
    if *mutating && let Some(why) = m.read_only_reason() {
        return flash(m, Level::Warn, format!("`{name}` is disabled: {why}"));
    }
    let now = m.now;
    match name {
        "watch" => toggle_watch(m, cmds),
        "help" => m.modal = Some(Modal::Help { scroll: 0 }),
        "quit" => {
            m.quit = Some(0);
            cmds.push(Cmd::Quit(0));
        }
        _ => {
            let mut args = vec![name.to_string()];
            if name == "up" {
                args.push("-d".into());
            }
            let op = new_op(m, name, now);
            cmds.push(Cmd::Compose { op, args });
        }
    }
}

fn run_project(m: &mut Model, c: &ProjectCommand, cmds: &mut Vec<Cmd>) {
    let read_only = m.read_only_flag == crate::tui::model::ReadOnly::Flag;
    let env = m
        .info
        .environment
        .clone()
        .unwrap_or_else(|| "(default)".into());
    if let Some(msg) = refusal(read_only, m.info.protected.then_some(env.as_str()), c) {
        return flash(m, Level::Warn, msg);
    }
    if scan(&c.text) != TextVerdict::Plain {
        return flash(
            m,
            Level::Error,
            format!(
                "`{}` deletes volume data: run `devctl do {}` in a terminal (the safety gate plans it)",
                c.name, c.name
            ),
        );
    }
    if c.confirm {
        return flash(
            m,
            Level::Warn,
            format!(
                "`{}` asks for confirmation: run `devctl do {}`",
                c.name, c.name
            ),
        );
    }
    let now = m.now;
    match &c.target {
        Target::Host => {
            let op = new_op(m, c.name.clone(), now);
            cmds.push(Cmd::HostCommand {
                op,
                name: c.name.clone(),
                text: c.text.clone(),
            });
        }
        Target::Run { service } | Target::Exec { service } if c.interactive => {
            cmds.push(Cmd::Trusted {
                name: c.name.clone(),
                text: c.trust_text(),
                then: Box::new(Cmd::Interactive {
                    service: service.clone(),
                    args: compose_sub(c, &c.text),
                }),
            });
            m.suspended = true;
        }
        _ => {
            let op = new_op(m, c.name.clone(), now);
            cmds.push(Cmd::Trusted {
                name: c.name.clone(),
                text: c.trust_text(),
                then: Box::new(Cmd::Compose {
                    op,
                    args: compose_sub(c, &c.text),
                }),
            });
        }
    }
}

/// Lines for the help screen: the inner loop's keys and the project's commands.
pub fn help_lines(m: &Model) -> Vec<(String, String)> {
    let mut out = vec![
        (
            WATCH_KEY.to_string(),
            "watch on/off (docker compose watch)".to_string(),
        ),
        (
            PROMPT_KEY.to_string(),
            "command line (tab completes)".to_string(),
        ),
    ];
    for c in &m.devloop.commands {
        let key = c
            .key
            .map_or_else(|| format!(":{}", c.name), |k| format!("{k} / :{}", c.name));
        out.push((key, c.summary()));
    }
    for (n, what, _) in BUILTINS {
        out.push((format!(":{n}"), what.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_extends_to_the_common_prefix() {
        let names: Vec<String> = ["migrate", "make-admin", "psql", "up", "pull"]
            .map(String::from)
            .to_vec();
        assert_eq!(complete("m", &names), "m");
        assert_eq!(complete("mi", &names), "migrate");
        assert_eq!(complete("ps", &names), "psql");
        assert_eq!(complete("p", &names), "p");
        assert_eq!(complete("x", &names), "x");
    }

    fn model() -> Model {
        let mut m = Model::new(
            crate::tui::config::Config::default(),
            crate::tui::fixtures::info(),
            crate::tui::fixtures::now(),
        );
        let text = "commands:\n  migrate: {service: api, run: \"npm run migrate\", key: M}\n  wipe: {run_host: \"docker compose down -v\"}\n  check: {run_host: \"true\", safe: true}\n";
        let v: crate::project::yaml::Value = crate::project::yaml::from_str(text).expect("yaml");
        m.devloop.commands = crate::project::commands::parse(
            v.get("commands").expect("commands"),
            std::path::Path::new("/p/devctl.yaml"),
            text,
        )
        .expect("parses")
        .into_values()
        .collect();
        m
    }

    fn press(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
        crate::tui::update::update(
            m,
            crate::tui::msg::Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        )
    }

    #[test]
    fn colon_completes_and_runs_a_project_command() {
        let mut m = model();
        assert!(press(&mut m, KeyCode::Char(':')).is_empty());
        press(&mut m, KeyCode::Char('m'));
        press(&mut m, KeyCode::Char('i'));
        press(&mut m, KeyCode::Tab);
        assert_eq!(m.devloop.prompt.as_deref(), Some("migrate"));
        let cmds = press(&mut m, KeyCode::Enter);
        assert!(m.devloop.prompt.is_none());
        match cmds.as_slice() {
            [Cmd::Trusted { name, text, then }] => {
                assert_eq!(name, "migrate");
                assert_eq!(text, "run in api: npm run migrate");
                match then.as_ref() {
                    Cmd::Compose { args, .. } => {
                        assert_eq!(args.join(" "), "run --rm -T api sh -c npm run migrate")
                    }
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
        // The key binding runs it too.
        assert!(matches!(
            press(&mut m, KeyCode::Char('M')).as_slice(),
            [Cmd::Trusted { .. }]
        ));
    }

    #[test]
    fn watch_toggles_and_the_gate_and_protection_refuse() {
        let mut m = model();
        let cmds = press(&mut m, KeyCode::Char('W'));
        let [Cmd::Watch { op }] = cmds.as_slice() else {
            panic!("{cmds:?}")
        };
        assert_eq!(m.devloop.watch_op, Some(*op));
        assert!(matches!(
            press(&mut m, KeyCode::Char('W')).as_slice(),
            [Cmd::StopWatch { .. }]
        ));
        let mut cmds = Vec::new();
        run_named(&mut m, "wipe", &mut cmds);
        assert!(cmds.is_empty());
        assert!(
            m.flash
                .as_ref()
                .is_some_and(|f| f.text.contains("deletes volume data"))
        );
        m.info.protected = true;
        m.info.environment = Some("prod".into());
        run_named(&mut m, "migrate", &mut cmds);
        assert!(cmds.is_empty());
        assert!(
            m.flash
                .as_ref()
                .is_some_and(|f| f.text.contains("protected"))
        );
        run_named(&mut m, "check", &mut cmds);
        assert!(matches!(cmds.as_slice(), [Cmd::HostCommand { .. }]));
    }
}
