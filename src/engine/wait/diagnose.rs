//! Why a service is not healthy (pure): the last probe outputs, exit code, OOM flag, the
//! last log lines, and a hint for the causes users hit most (see the seeds): a probe command
//! missing from the image, an app listening on 127.0.0.1 only, a host port already taken,
//! `$VAR` in a `CMD`-form probe, the OOM killer.

use std::fmt::Write as _;

use crate::engine::listeners::{Listener, probe_port, probe_port_mismatch};
use crate::engine::model::Container;

/// How many probe results and log lines a diagnosis shows.
pub const PROBES_SHOWN: usize = 3;
pub const LOG_LINES: usize = 20;

/// Hints for one container, most specific first. `logs` are its last log lines; `listeners`
/// its listening TCP sockets when they could be read (the Engine runs on this machine).
pub fn hints(c: &Container, logs: &[String], listeners: Option<&[Listener]>) -> Vec<String> {
    let mut out = Vec::new();
    let probe_text: Vec<&str> = c.probes.iter().map(|p| p.output.as_str()).collect();
    let probe_lower = probe_text.join("\n").to_lowercase();
    let test = c
        .healthcheck
        .as_ref()
        .map(|h| h.test.as_slice())
        .unwrap_or(&[]);
    let probe_cmd = match test.first().map(String::as_str) {
        Some("CMD") => test.get(1).cloned(),
        Some("CMD-SHELL") => test
            .get(1)
            .and_then(|s| s.split_whitespace().next().map(str::to_string)),
        _ => None,
    };

    // 1. The probe's program is not in the image.
    let not_found = c.probes.iter().any(|p| p.exit_code == 127)
        || probe_lower.lines().any(|l| {
            l.contains("executable file not found")
                || l.contains("command not found")
                || (l.contains(": not found") && !l.contains("http"))
        });
    if not_found {
        let what = probe_cmd
            .as_deref()
            .map_or("the health-check command".to_string(), |p| format!("`{p}`"));
        out.push(format!(
            "{what} is not in the image: the probe cannot run. Use a tool the image has \
             (e.g. `[\"CMD-SHELL\", \"wget -q --spider http://localhost:PORT/health || exit 1\"]` \
             on busybox/alpine, `curl -f` where curl exists, or the app's own runtime), or install it."
        ));
    }

    // 2. `$VAR` in the exec form: no shell expands it.
    if test.first().map(String::as_str) == Some("CMD")
        && let Some(arg) = test.iter().skip(1).find(|a| a.contains('$'))
    {
        out.push(format!(
            "the probe uses the CMD (exec) form, so no shell expands `$…` in `{arg}`: the \
                 program gets it literally. Use `CMD-SHELL` (write `$$VAR` in a compose file so \
                 Compose leaves it for the container's shell)."
        ));
    }

    // 3. Nothing answers where the probe connects: often the app binds 127.0.0.1 only or
    // listens on another port. When the listeners are known and the probe names its port,
    // say which ports the app really listens on instead of guessing.
    let refused = [
        "connection refused",
        "econnrefused",
        "can't connect",
        "couldn't connect",
        "failed to connect",
    ]
    .iter()
    .any(|s| probe_lower.contains(s));
    let logs_lower = logs.join("\n").to_lowercase();
    let loopback = [
        "127.0.0.1:",
        "localhost:",
        "listening on 127.0.0.1",
        "listening on http://127.0.0.1",
        "listening on localhost",
    ]
    .iter()
    .any(|s| logs_lower.contains(s));
    let mismatch = match (listeners, probe_port(test)) {
        (Some(l), Some(port)) if !not_found => probe_port_mismatch(port, l),
        _ => None,
    };
    if let Some(m) = mismatch {
        out.push(m);
    } else if refused || (loopback && !c.probes.is_empty()) {
        out.push(
            "nothing answered the probe: check that the app listens on 0.0.0.0 (not 127.0.0.1 \
             or localhost only: other containers and published ports cannot reach it then; \
             e.g. HOST=0.0.0.0) and on the port the probe uses."
                .into(),
        );
    }

    // 4. A host port is taken.
    if let Some(e) = &c.state_error {
        let el = e.to_lowercase();
        if el.contains("port is already allocated") || el.contains("address already in use") {
            let port = host_port_in_error(e).map_or(String::new(), |p| format!(" {p}"));
            out.push(format!(
                "host port{port} is already taken by another container or program: stop it \
                 (find it with `docker ps` / `ss -ltnp`) or publish another host port."
            ));
        } else {
            out.push(format!("the Engine could not start the container: {e}"));
        }
    }

    // 5. The main process.
    if c.oom_killed {
        out.push(
            "the kernel's OOM killer stopped it: raise the memory limit (`mem_limit` / \
             `deploy.resources.limits.memory`) or make the app use less."
                .into(),
        );
    } else if c.exit_code == Some(127) {
        out.push("the container's command was not found in the image (exit 127): check `command`/`entrypoint` and the image.".into());
    } else if c.exit_code == Some(126) {
        out.push("the container's command is not executable (exit 126): check its permissions and shebang.".into());
    }
    out
}

/// `…Bind for 127.0.0.1:18101 failed…` / `listen tcp4 0.0.0.0:80: bind…` → `127.0.0.1:18101`.
fn host_port_in_error(e: &str) -> Option<String> {
    let after = e
        .split_once("Bind for ")
        .map(|(_, r)| r)
        .or_else(|| e.split_once("listen tcp4 ").map(|(_, r)| r))
        .or_else(|| e.split_once("listen tcp6 ").map(|(_, r)| r))
        .or_else(|| e.split_once("listen tcp ").map(|(_, r)| r))?;
    let token = after.split([' ', ',']).next()?.trim_end_matches(':');
    (!token.is_empty()).then(|| token.to_string())
}

/// The diagnosis of one container, as text (each line indented by `indent`).
pub fn render_container(
    c: &Container,
    logs: &[String],
    listeners: Option<&[Listener]>,
    indent: &str,
) -> String {
    use crate::sanitize::{escape, escape_text};
    use crate::secrets::mask_text;
    let mut s = String::new();
    let state = format!("{:?}", c.state).to_lowercase();
    let _ = writeln!(s, "{indent}container {} ({state})", escape(&c.name));
    if !c.probes.is_empty() {
        let _ = writeln!(s, "{indent}  last health-check outputs:");
        let from = c.probes.len().saturating_sub(PROBES_SHOWN);
        for p in &c.probes[from..] {
            let when = p.end.or(p.start).map_or_else(
                || "--:--:--".to_string(),
                |t| t.format("%H:%M:%S").to_string(),
            );
            let out = p.output.trim_end();
            let mut lines = out.lines();
            let first = lines.next().unwrap_or("(no output)");
            let first = mask_text(first);
            let _ = writeln!(s, "{indent}    [{when} exit {}] {first}", p.exit_code);
            for l in lines.take(5) {
                let _ = writeln!(s, "{indent}      {}", mask_text(l));
            }
        }
    }
    let code = c.exit_code.map_or("-".to_string(), |c| c.to_string());
    let _ = writeln!(
        s,
        "{indent}  exit code: {code}   OOM-killed: {}   restarts: {}",
        if c.oom_killed { "yes" } else { "no" },
        c.restart_count
    );
    if let Some(e) = &c.state_error {
        let _ = writeln!(s, "{indent}  Engine error: {}", escape_text(e));
    }
    if logs.is_empty() {
        let _ = writeln!(s, "{indent}  last log lines: (none)");
    } else {
        let _ = writeln!(s, "{indent}  last {} log lines:", logs.len());
        for l in logs {
            let _ = writeln!(s, "{indent}    | {l}");
        }
    }
    for h in hints(c, logs, listeners) {
        let _ = writeln!(s, "{indent}  hint: {h}");
    }
    s
}

#[cfg(test)]
#[path = "diagnose/tests.rs"]
mod tests;
