//! The `docker compose watch` child: behind the Engine guard like every Compose child, its
//! stdout and stderr read line by line (sanitised) into a channel.

use std::process::{Child, Stdio};
use std::thread::JoinHandle;

use crate::compose::Invocation;
use crate::compose::guarded::{GuardCheck, guarded};
use crate::compose::run::{ChildSignals, exit_code, spawn_error};
use crate::error::{Error, Result};

/// A running `docker compose watch`.
pub struct WatchChild {
    child: Child,
    check: GuardCheck,
    readers: Vec<JoinHandle<()>>,
    signals: Option<ChildSignals>,
}

/// Print `+ <command line>`, start `inv` and hand every line it prints (stdout and stderr,
/// sanitised) to `on_line` (from reader threads; it returns false to stop reading). With `forward_signals`, SIGINT/SIGTERM/SIGHUP sent
/// to devctl go to the child (the command line); the dashboard stops it itself.
pub fn spawn(
    inv: &Invocation,
    env: Option<&std::collections::BTreeMap<String, String>>,
    on_line: impl Fn(String) -> bool + Send + Clone + 'static,
    forward_signals: bool,
) -> Result<WatchChild> {
    super::super::run::announce(inv);
    let g = guarded(inv, env)?;
    let mut command = g.command;
    // One pipe for both streams: Compose's lines arrive in the order it wrote them (its
    // `batch complete` on stderr must not overtake the `restarted` it printed on stdout).
    let (read, write) = nix::unistd::pipe()
        .map_err(|e| Error::general(format!("cannot create a pipe for Compose: {e}")))?;
    let write2 = write
        .try_clone()
        .map_err(|e| Error::general(format!("cannot create a pipe for Compose: {e}")))?;
    let signals = forward_signals.then(ChildSignals::arm);
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(write))
        .stderr(Stdio::from(write2))
        .spawn()
        .map_err(|e| spawn_error(inv, &e))?;
    // The command holds the write ends until dropped; the reader sees the end only then.
    drop(command);
    if let Some(s) = &signals {
        s.attach(child.id());
    }
    let readers = vec![reader(std::fs::File::from(read), on_line)];
    Ok(WatchChild {
        child,
        check: g.check,
        readers,
        signals,
    })
}

fn reader(
    from: impl std::io::Read + Send + 'static,
    on_line: impl Fn(String) -> bool + Send + 'static,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut r = std::io::BufReader::new(from);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    // Progress output may redraw with CR: keep the last state of the line.
                    let last = buf
                        .rsplit(|b| *b == b'\r')
                        .find(|part| !part.iter().all(|b| b.is_ascii_whitespace()))
                        .unwrap_or(&[]);
                    if !on_line(crate::sanitize::sanitize_line(last)) {
                        return;
                    }
                }
            }
        }
    })
}

impl WatchChild {
    /// The child's process id (to stop it: SIGINT, as Ctrl-C would).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Wait until it ends (its output read to the end); its exit code. `Exit::Refused` when
    /// the Engine guard refused anything it asked for.
    pub fn wait(mut self) -> Result<i32> {
        let status = self
            .child
            .wait()
            .map_err(|e| Error::general(format!("waiting for `docker compose watch`: {e}")));
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        drop(self.signals.take());
        self.check.finish()?;
        status.map(exit_code)
    }
}
