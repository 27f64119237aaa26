//! One service's logs from every task, on every node: each task's `GET /tasks/ID/logs` on
//! the manager (which fetches them from the task's node), each line named `<task>@<node>`.
//! Following, the service's tasks are listed again every second, and a task that replaces a
//! failed one (on the same node or another) gets its own stream from its first line: the
//! logs keep following across rescheduling.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use futures_util::StreamExt;

use crate::error::Result;

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Line {
    pub task: String,
    pub node: String,
    pub stderr: bool,
    /// Sanitised text.
    pub text: String,
}

/// Pure: split a `details` prefix (`k=v,k=v `, as `docker service logs --details` shows)
/// off a log line.
pub fn split_details(line: &str) -> (BTreeMap<String, String>, &str) {
    let (head, rest) = match line.split_once(' ') {
        Some((h, r)) => (h, r),
        None => (line, ""),
    };
    if !head.contains("com.docker.swarm.") {
        return (BTreeMap::new(), line);
    }
    let map = head
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (map, rest)
}

/// Stream one task's logs into `tx` until it ends.
async fn task_stream(
    docker: bollard::Docker,
    id: String,
    task: String,
    node: String,
    follow: bool,
    tail: String,
    tx: tokio::sync::mpsc::UnboundedSender<Line>,
) {
    let opts = bollard::query_parameters::LogsOptions {
        follow,
        stdout: true,
        stderr: true,
        tail,
        ..Default::default()
    };
    let mut s = docker.task_logs(&id, Some(opts));
    let mut pending: Vec<u8> = Vec::new();
    let send = |bytes: &[u8], stderr: bool| {
        let line = String::from_utf8_lossy(bytes);
        let text = split_details(&line).1;
        tx.send(Line {
            task: task.clone(),
            node: node.clone(),
            stderr,
            text: crate::sanitize::sanitize_line(text.as_bytes()),
        })
        .is_ok()
    };
    while let Some(Ok(item)) = s.next().await {
        let (bytes, stderr) = match item {
            bollard::container::LogOutput::StdErr { message } => (message, true),
            bollard::container::LogOutput::StdOut { message }
            | bollard::container::LogOutput::Console { message } => (message, false),
            _ => continue,
        };
        pending.extend_from_slice(&bytes);
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let raw: Vec<u8> = pending.drain(..=pos).collect();
            let raw = raw.strip_suffix(b"\n").unwrap_or(&raw);
            if !send(raw, stderr) {
                return;
            }
        }
    }
    if !pending.is_empty() {
        send(&pending, false);
    }
}

/// Stream the logs of service `full_name` (`<stack>_<service>`) to `out`: every task's, and
/// when `follow`, every task that appears later. `tail`: lines per task ("all" or a number).
pub async fn stream(
    m: &super::target::Manager,
    stack: &str,
    full_name: &str,
    follow: bool,
    tail: &str,
    out: &mut dyn FnMut(Line),
) -> Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Line>();
    let mut started: HashSet<String> = HashSet::new();
    let mut first = true;
    loop {
        let facts = super::facts::gather(m, stack).await?;
        let tasks: Vec<_> = facts
            .services
            .iter()
            .filter(|s| s.name == full_name)
            .flat_map(|s| s.tasks.iter().cloned())
            .collect();
        let mut ordered = tasks.clone();
        ordered.sort_by(|a, b| a.since.cmp(&b.since));
        for t in ordered {
            if started.contains(&t.id) || t.container_id.is_none() {
                continue;
            }
            started.insert(t.id.clone());
            // Tasks that appear while following are shown from their first line.
            let tail = if first {
                tail.to_string()
            } else {
                "all".to_string()
            };
            let label = format!("{}.{}", t.name, t.id.chars().take(12).collect::<String>());
            let run = task_stream(
                m.docker.clone(),
                t.id.clone(),
                label,
                t.node.clone(),
                follow,
                tail,
                tx.clone(),
            );
            if follow {
                tokio::spawn(run);
            } else {
                run.await;
                while let Ok(l) = rx.try_recv() {
                    out(l);
                }
            }
        }
        first = false;
        if !follow {
            return Ok(());
        }
        let deadline = tokio::time::sleep(Duration::from_secs(1));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                Some(l) = rx.recv() => out(l),
                _ = &mut deadline => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_split_off() {
        let (d, text) = split_details(
            "com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 hello world",
        );
        assert_eq!(d["com.docker.swarm.task.id"], "t1");
        assert_eq!(d["com.docker.swarm.node.id"], "n1");
        assert_eq!(text, "hello world");
        let (d, text) = split_details("plain line");
        assert!(d.is_empty());
        assert_eq!(text, "plain line");
    }
}
