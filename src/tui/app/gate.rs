//! The `D` modal's edge: ask the safety gate for the plan (no prompting), and execute the
//! plan the user confirmed in the modal, exactly that plan (it travels as a token).

use std::sync::Arc;

use super::Edge;
use super::exec::finished;
use crate::error::Error;
use crate::safety::execute::Output;
use crate::safety::gate::{self, Confirmation};
use crate::tui::msg::{Msg, OpEvent, OpId, PlanToken};
use crate::tui::plan_view::{outcome_lines, plan_view};

impl Edge {
    /// Build the plan of `down` + volume deletion off the loop; reply with `Msg::Plan`.
    pub(crate) fn build_plan(&self) {
        let ctx = self.ctx.clone();
        let tx = self.tx.clone();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let prepared = handle.block_on(async {
                let docker = crate::engine::connect(&ctx.env).await?;
                gate::prepare_down_volumes(&ctx, &docker).await
            });
            let reply = prepared
                .map(|p| {
                    let blocked = p.disagreement.as_ref().map(|d| {
                        format!(
                            "devctl's model and Compose's view of the volumes disagree ({})",
                            d.differences.join("; ")
                        )
                    });
                    let compose = p.compose_call().ok().flatten().map(|c| c.display());
                    let mut view = plan_view(&p.plan, compose, p.required_words(), blocked);
                    view.token = Some(PlanToken(Arc::new(p)));
                    view
                })
                .map_err(|e: Error| e.to_string());
            let _ = tx.send(Msg::Plan(reply));
        });
    }

    /// Execute a confirmed plan: snapshot first when asked, Compose `down` (never `-v`), then
    /// the planned volumes one by one; the result streams into op `op`.
    pub(crate) fn execute_plan(
        &self,
        op: OpId,
        words: Vec<String>,
        snapshot_first: bool,
        token: Option<PlanToken>,
    ) {
        let tx = self.tx.clone();
        let Some(PlanToken(prepared)) = token else {
            return finished(
                &tx,
                op,
                Err("no plan to execute; nothing was deleted".into()),
            );
        };
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let command = match prepared.compose_call().ok().flatten() {
                Some(c) => format!("{}, then remove the planned volumes", c.display()),
                None => "remove the planned volumes".to_string(),
            };
            let _ = tx.send(Msg::Op(OpEvent::Started { op, command }));
            let result = handle.block_on(async {
                let docker = crate::engine::connect(&prepared.ctx.env).await?;
                gate::execute(
                    &prepared,
                    &docker,
                    Confirmation::Typed(words),
                    snapshot_first,
                    Output::Capture,
                )
                .await
            });
            match result {
                Ok(outcome) => {
                    for line in outcome_lines(&outcome) {
                        let _ = tx.send(Msg::Op(OpEvent::Output { op, line }));
                    }
                    finished(&tx, op, Ok(if outcome.ok() { 0 } else { 1 }));
                }
                Err(e) => finished(&tx, op, Err(e.to_string())),
            }
        });
    }
}
