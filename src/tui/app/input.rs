//! Keyboard and resize events from crossterm's async `EventStream`, pausable: while a shell
//! runs, the stream is dropped so the child owns standard input alone.

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::tui::msg::Msg;

enum Control {
    Pause(oneshot::Sender<()>),
    Resume,
}

pub(crate) struct Input {
    ctl: mpsc::UnboundedSender<Control>,
    task: JoinHandle<()>,
}

impl Input {
    pub(crate) fn spawn(tx: mpsc::UnboundedSender<Msg>) -> Input {
        let (ctl, mut ctl_rx) = mpsc::unbounded_channel::<Control>();
        let task = tokio::spawn(async move {
            loop {
                let mut events = EventStream::new();
                // Read until paused or the stream ends.
                let ack = loop {
                    tokio::select! {
                        ev = events.next() => match ev {
                            Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                                if tx.send(Msg::Key(k)).is_err() { return; }
                            }
                            Some(Ok(Event::Resize(width, height))) => {
                                if tx.send(Msg::Resize { width, height }).is_err() { return; }
                            }
                            Some(Ok(_)) => {}
                            Some(Err(_)) | None => return,
                        },
                        c = ctl_rx.recv() => match c {
                            Some(Control::Pause(ack)) => break ack,
                            Some(Control::Resume) => {}
                            None => return,
                        },
                    }
                };
                drop(events);
                let _ = ack.send(());
                // Paused: wait for Resume.
                loop {
                    match ctl_rx.recv().await {
                        Some(Control::Resume) => break,
                        Some(Control::Pause(ack)) => {
                            let _ = ack.send(());
                        }
                        None => return,
                    }
                }
            }
        });
        Input { ctl, task }
    }

    /// Stop reading the terminal; returns once the event stream is gone.
    pub(crate) async fn pause(&self) {
        let (ack, done) = oneshot::channel();
        if self.ctl.send(Control::Pause(ack)).is_ok() {
            let _ = done.await;
        }
    }

    pub(crate) fn resume(&self) {
        let _ = self.ctl.send(Control::Resume);
    }

    pub(crate) fn stop(&self) {
        self.task.abort();
    }
}
