//! The dashboard of a Swarm environment: the stack's services (desired/running replicas) and
//! their tasks (node, state, health, last error), and the latest task changes, pushed by
//! `swarm::watch` (Engine events + re-listing). One owner of state: [`update`] is the only
//! place the model changes; the loop draws only after a change. Read-only: `q`/Esc/Ctrl-C
//! quit.

use std::collections::VecDeque;

use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, List, ListItem, Paragraph, Row, Table};

use crate::error::{Error, Result};
use crate::swarm::facts::{self, StackFacts};
use crate::swarm::target::Target;

/// Everything on screen.
#[derive(Debug, Default)]
pub struct SwarmModel {
    pub title: String,
    pub facts: Option<StackFacts>,
    /// Newest last.
    pub changes: VecDeque<String>,
    pub quit: bool,
}

/// What happens to the model.
#[derive(Debug)]
pub enum SwarmMsg {
    Facts(StackFacts, String),
    Quit,
}

const KEEP: usize = 200;

/// The only place the model changes.
pub fn update(m: &mut SwarmModel, msg: SwarmMsg) {
    match msg {
        SwarmMsg::Facts(now, stamp) => {
            if let Some(before) = &m.facts {
                for (line, _) in facts::changes(before, &now) {
                    m.changes.push_back(format!("{stamp} {line}"));
                }
                while m.changes.len() > KEEP {
                    m.changes.pop_front();
                }
            }
            m.facts = Some(now);
        }
        SwarmMsg::Quit => m.quit = true,
    }
}

fn state_style(state: &str, health: Option<&str>) -> Style {
    match (state, health) {
        (_, Some("unhealthy")) | ("failed" | "rejected" | "orphaned", _) => {
            Style::default().fg(Color::Red)
        }
        ("running", Some("healthy") | None) => Style::default().fg(Color::Green),
        (
            "running" | "starting" | "preparing" | "assigned" | "pending" | "new" | "ready"
            | "accepted",
            _,
        ) => Style::default().fg(Color::Yellow),
        _ => Style::default().fg(Color::DarkGray),
    }
}

/// Pure render.
pub fn view(m: &SwarmModel, f: &mut Frame<'_>) {
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(8),
    ])
    .areas(f.area());
    let nodes = m.facts.as_ref().map_or(String::new(), |x| {
        x.nodes
            .iter()
            .map(|n| format!("{} ({}, {})", n.hostname, n.role, n.state))
            .collect::<Vec<_>>()
            .join("  ")
    });
    f.render_widget(
        Paragraph::new(format!("{}  nodes: {nodes}   q quit", m.title))
            .style(Style::default().add_modifier(Modifier::BOLD)),
        head,
    );
    let mut rows = Vec::new();
    if let Some(x) = &m.facts {
        for s in &x.services {
            let style = if s.running >= s.desired {
                Style::default()
                    .fg(Color::Green)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD)
            };
            rows.push(
                Row::new(vec![
                    s.service.clone(),
                    format!("{}/{}", s.running, s.desired),
                    s.mode.clone(),
                    String::new(),
                    s.image.clone(),
                ])
                .style(style),
            );
            for t in s.tasks.iter().take(12) {
                let short: String = t.id.chars().take(12).collect();
                rows.push(
                    Row::new(vec![
                        format!("  {} {short}", t.name.rsplit('.').next().unwrap_or("")),
                        t.node.clone(),
                        t.state.clone(),
                        t.health.clone().unwrap_or_else(|| "-".into()),
                        crate::sanitize::sanitize_str(t.error.as_deref().unwrap_or("")),
                    ])
                    .style(state_style(&t.state, t.health.as_deref())),
                );
            }
        }
    }
    let table = Table::new(
        rows,
        [
            Constraint::Length(22),
            Constraint::Length(16),
            Constraint::Length(11),
            Constraint::Length(10),
            Constraint::Min(10),
        ],
    )
    .header(Row::new(vec![
        "SERVICE / TASK",
        "NODE / REPLICAS",
        "STATE",
        "HEALTH",
        "ERROR / IMAGE",
    ]))
    .block(Block::default().borders(Borders::TOP));
    f.render_widget(table, body);
    let shown = usize::from(foot.height.saturating_sub(1));
    let items: Vec<ListItem<'_>> = m
        .changes
        .iter()
        .rev()
        .take(shown)
        .rev()
        .map(|l| ListItem::new(Line::from(l.clone())))
        .collect();
    f.render_widget(
        List::new(items).block(Block::default().borders(Borders::TOP).title("task changes")),
        foot,
    );
}

/// Open the dashboard on `t` until the user quits.
pub fn run(t: &Target) -> Result<u8> {
    let rt = crate::context::runtime()?;
    let code = rt.block_on(async {
        let m = crate::swarm::target::manager(t).await?;
        let first = facts::gather(&m, &t.stack).await?;
        let engines = crate::swarm::nodes::connect_all(t, &m.docker, &first.nodes).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<StackFacts>();
        tokio::spawn(crate::swarm::watch::run(m, engines, t.stack.clone(), tx));
        let mut model = SwarmModel {
            title: format!("devctl — stack {} (project {}, environment {}, Swarm)", t.stack, t.project, t.environment),
            ..Default::default()
        };
        update(&mut model, SwarmMsg::Facts(first, String::new()));
        let mut guard = super::terminal::TerminalGuard::enter()
            .map_err(|e| Error::general(format!("cannot open the terminal: {e}")))?;
        let mut keys = EventStream::new();
        let mut dirty = true;
        while !model.quit && !super::terminal::panicked() {
            if dirty {
                guard
                    .terminal
                    .draw(|f| view(&model, f))
                    .map_err(|e| Error::general(format!("cannot draw: {e}")))?;
                dirty = false;
            }
            tokio::select! {
                Some(now) = rx.recv() => {
                    let stamp = chrono::Local::now().format("%H:%M:%S").to_string();
                    update(&mut model, SwarmMsg::Facts(now, stamp));
                    dirty = true;
                }
                ev = keys.next() => match ev {
                    Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => {
                        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                        if ctrl_c || matches!(k.code, KeyCode::Char('q') | KeyCode::Esc) {
                            update(&mut model, SwarmMsg::Quit);
                        }
                    }
                    Some(Ok(Event::Resize(..))) => dirty = true,
                    None | Some(Err(_)) => update(&mut model, SwarmMsg::Quit),
                    _ => {}
                },
            }
        }
        drop(guard);
        Ok::<u8, Error>(0)
    });
    rt.shutdown_background();
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::facts::{SwarmService, SwarmTask};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn facts(state: &str, id: &str, err: Option<&str>) -> StackFacts {
        StackFacts {
            stack: "shop".into(),
            nodes: vec![],
            services: vec![SwarmService {
                id: "s".into(),
                name: "shop_web".into(),
                service: "web".into(),
                image: "img".into(),
                mode: "replicated".into(),
                desired: 1,
                running: u64::from(state == "running"),
                healthcheck: false,
                project: None,
                tasks: vec![SwarmTask {
                    id: id.into(),
                    name: "shop_web.1".into(),
                    slot: Some(1),
                    node_id: "n2".into(),
                    node: "node-2".into(),
                    state: state.into(),
                    desired_state: "running".into(),
                    health: None,
                    message: String::new(),
                    error: err.map(String::from),
                    exit_code: None,
                    container_id: None,
                    since: String::new(),
                }],
                anonymous_volumes: vec![],
            }],
        }
    }

    #[test]
    fn a_failed_task_shows_red_and_in_the_changes() {
        let mut m = SwarmModel::default();
        update(
            &mut m,
            SwarmMsg::Facts(facts("running", "aaa", None), "t0".into()),
        );
        assert!(m.changes.is_empty());
        update(
            &mut m,
            SwarmMsg::Facts(
                facts("failed", "aaa", Some("task: non-zero exit (137)")),
                "t1".into(),
            ),
        );
        assert_eq!(m.changes.len(), 1);
        assert!(
            m.changes[0].contains("running -> failed"),
            "{:?}",
            m.changes
        );
        let mut term = Terminal::new(TestBackend::new(100, 16)).expect("terminal");
        term.draw(|f| view(&m, f)).expect("draw");
        let buf = term.backend().buffer().clone();
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        assert!(text.contains("node-2") && text.contains("failed"), "{text}");
        let cell = buf
            .content()
            .iter()
            .zip(0..)
            .find(|(c, _)| c.symbol() == "f" && c.fg == Color::Red);
        assert!(cell.is_some(), "the failed state is red");
        update(&mut m, SwarmMsg::Quit);
        assert!(m.quit);
    }
}
