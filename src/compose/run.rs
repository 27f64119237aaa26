//! Spawning Compose: print the command line, stream its output through, pass its exit code on.

use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;

use super::Invocation;
use crate::error::{Error, Result};

/// Print `+ <command line>` to stderr (what `--dry-run` prints, and what every run prints).
pub fn announce(inv: &Invocation) {
    eprintln!("+ {}", inv.display());
}

/// Run `inv`, streaming Compose's stdout and stderr straight through (Compose keeps its own
/// terminal detection and progress display). Standard input is /dev/null unless the command is
/// interactive. While Compose runs, Ctrl-C is left to Compose (it shares the terminal's process
/// group and stops gracefully); devctl waits for it and passes its exit code on.
///
/// Output that carries container text (`logs`, `attach`, attached `up`, `exec`/`run` without
/// a terminal session; see [`super::argv::output_mode`]) goes through the sanitiser line by
/// line, like `devctl logs`.
pub fn run(inv: &Invocation) -> Result<i32> {
    use std::io::IsTerminal;
    announce(inv);
    let sub = strip_prefix(&inv.args);
    let mode = super::argv::output_mode(
        sub,
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
    );
    let status = match mode {
        super::argv::OutputMode::Raw => spawn_and_wait(inv, Stdio::inherit(), Stdio::inherit())?,
        super::argv::OutputMode::Sanitised => spawn_sanitised(inv)?,
    };
    Ok(exit_code(status))
}

/// Run `inv` with its output straight through (no sanitising): `devctl guard -- COMMAND`,
/// which wraps the user's own programs and must not change what they print.
pub fn run_raw(inv: &Invocation) -> Result<i32> {
    run_raw_in(inv, None)
}

/// [`run_raw`] with the environment `env` for the child (its Engine endpoint included: the
/// guard forwards to it); `None`: devctl's own.
pub fn run_raw_in(
    inv: &Invocation,
    env: Option<&std::collections::BTreeMap<String, String>>,
) -> Result<i32> {
    announce(inv);
    let status = spawn_and_wait_with(inv, env, Stdio::inherit(), Stdio::inherit(), |_| Vec::new())?;
    Ok(exit_code(status))
}

/// The Compose argv without the plugin's `compose` prefix.
fn strip_prefix(args: &[String]) -> &[String] {
    match args.first() {
        Some(a) if a == "compose" => &args[1..],
        _ => args,
    }
}

/// Run with stdout and stderr piped through the sanitiser (one thread each).
fn spawn_sanitised(inv: &Invocation) -> Result<ExitStatus> {
    spawn_and_wait_with(inv, None, Stdio::piped(), Stdio::piped(), |child| {
        let out = child.stdout.take();
        let err = child.stderr.take();
        vec![
            std::thread::spawn(move || {
                if let Some(o) = out {
                    pump_sanitised(o, std::io::stdout());
                }
            }),
            std::thread::spawn(move || {
                if let Some(e) = err {
                    pump_sanitised(e, std::io::stderr());
                }
            }),
        ]
    })
}

/// Copy lines from `from` to `to`, each through [`crate::sanitize::sanitize_line`].
fn pump_sanitised(from: impl std::io::Read, to: impl std::io::Write) {
    use std::io::BufRead;
    let mut r = std::io::BufReader::new(from);
    let mut to = to;
    let mut buf = Vec::new();
    let mut line = String::new();
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                line.clear();
                crate::sanitize::sanitize_line_into(&buf, &mut line);
                if buf.ends_with(b"\n") {
                    line.push('\n');
                }
                if to
                    .write_all(line.as_bytes())
                    .and_then(|()| to.flush())
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

/// Run `inv` with no output at all and stdin at /dev/null (probes such as "is bash there?").
pub fn run_quiet(inv: &Invocation) -> Result<i32> {
    let mut quiet = inv.clone();
    quiet.interactive = false;
    let status = spawn_and_wait(&quiet, Stdio::null(), Stdio::null())?;
    Ok(exit_code(status))
}

fn spawn_and_wait(inv: &Invocation, stdout: Stdio, stderr: Stdio) -> Result<ExitStatus> {
    spawn_and_wait_with(inv, None, stdout, stderr, |_| Vec::new())
}

/// [`spawn_and_wait`], with `readers` started on the child right after the spawn (they take
/// its pipes) and joined after it ended.
fn spawn_and_wait_with(
    inv: &Invocation,
    env: Option<&std::collections::BTreeMap<String, String>>,
    stdout: Stdio,
    stderr: Stdio,
    readers: impl FnOnce(&mut std::process::Child) -> Vec<std::thread::JoinHandle<()>>,
) -> Result<ExitStatus> {
    let stdin = if inv.interactive {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    // Every child reaches the Engine through a guard of its own (see `guarded`).
    let super::guarded::GuardedChild { mut command, check } = super::guarded::guarded(inv, env)?;
    // Armed before the spawn: a signal arriving between the spawn and the wait is held and
    // forwarded, never allowed to kill devctl and orphan Compose.
    let signals = ChildSignals::arm();
    let mut process = command
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| spawn_error(inv, &e))?;
    signals.attach(process.id());
    let threads = readers(&mut process);
    let status = process
        .wait()
        .map_err(|e| Error::general(format!("waiting for `{}` failed: {e}", inv.program)));
    for t in threads {
        let _ = t.join();
    }
    drop(signals);
    check.finish()?;
    status
}

/// The error for a child that could not be started.
pub fn spawn_error(inv: &Invocation, e: &std::io::Error) -> Error {
    let compose = std::path::Path::new(&inv.program)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "docker" || n.starts_with("docker-compose"));
    match e.kind() {
        std::io::ErrorKind::NotFound if compose => super::detect::missing(),
        _ => Error::general(format!(
            "cannot start `{}`: {e}",
            crate::sanitize::escape(&inv.program)
        )),
    }
}

/// Run `inv` behind the guard with the environment `env`, standard input at /dev/null, and
/// return its exit code and what it printed on stdout (stderr is dropped): probes such as
/// `docker compose version --short`.
pub fn capture_stdout(
    inv: &Invocation,
    env: &std::collections::BTreeMap<String, String>,
) -> Result<(i32, Vec<u8>)> {
    let super::guarded::GuardedChild { mut command, check } =
        super::guarded::guarded(inv, Some(env))?;
    let signals = ChildSignals::arm();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| spawn_error(inv, &e))?;
    signals.attach(child.id());
    let out = child
        .wait_with_output()
        .map_err(|e| Error::general(format!("waiting for `{}` failed: {e}", inv.program)));
    drop(signals);
    check.finish()?;
    let out = out?;
    Ok((exit_code(out.status), out.stdout))
}

/// Pure: Compose's exit status as a shell would report it (128 + signal when killed).
pub fn exit_code(status: ExitStatus) -> i32 {
    if let Some(c) = status.code() {
        return c;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    1
}

/// Clamp Compose's exit code into a process exit code (0–255).
pub fn to_u8(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(1)
}

/// While a Compose child runs, devctl does not die of SIGINT/SIGTERM/SIGHUP: a Ctrl-C from the
/// terminal reaches Compose itself (same foreground process group), and a signal sent to devctl
/// by another process (`kill`, a CI runner cancelling the job) is forwarded to Compose; devctl
/// then waits for Compose and passes its exit code on. Outside child runs every one of these
/// signals has its default effect.
///
/// Use: [`ChildSignals::arm`] *before* spawning, then [`ChildSignals::attach`] with the child's
/// pid. A signal that arrives in between is held and forwarded on `attach`; if no child is ever
/// attached (the spawn failed), it is re-raised on drop so that devctl ends as it was asked to.
pub struct ChildSignals;

/// True while no Compose child runs: the signals then have their default effect.
static DEFAULT_NOW: OnceLock<Arc<AtomicBool>> = OnceLock::new();
/// The running Compose child (if attached yet) and a signal held while none was attached.
static SLOT: Mutex<Slot> = Mutex::new(Slot {
    child: None,
    held: None,
});
const FORWARDED: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

struct Slot {
    child: Option<u32>,
    held: Option<i32>,
}

fn slot() -> std::sync::MutexGuard<'static, Slot> {
    SLOT.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ChildSignals {
    /// From now until the guard drops, SIGINT/SIGTERM/SIGHUP sent to devctl do not kill it:
    /// they are forwarded to the attached child, or held until one is attached.
    pub fn arm() -> ChildSignals {
        static INIT: Once = Once::new();
        INIT.call_once(|| {
            let flag = Arc::new(AtomicBool::new(true));
            let Ok(mut signals) = SignalsInfo::<WithOrigin>::new(FORWARDED) else {
                return;
            };
            for sig in FORWARDED {
                let _ = signal_hook::flag::register_conditional_default(sig, Arc::clone(&flag));
            }
            let _ = std::thread::Builder::new()
                .name("devctl-signals".into())
                .spawn(move || {
                    for origin in signals.forever() {
                        if should_forward(origin.signal, &origin.cause) {
                            deliver(origin.signal);
                        }
                    }
                });
            let _ = DEFAULT_NOW.set(flag);
        });
        {
            let mut s = slot();
            s.child = None;
            s.held = None;
        }
        set_default(false);
        ChildSignals
    }

    /// The child is running: forward to it from now on, starting with any signal held so far.
    pub fn attach(&self, pid: u32) {
        let held = {
            let mut s = slot();
            s.child = Some(pid);
            s.held.take()
        };
        if let Some(sig) = held {
            send(pid, sig);
        }
    }
}

/// The signal held while no child is attached, if any (for tests and diagnostics).
pub fn held_signal() -> Option<i32> {
    slot().held
}

fn set_default(on: bool) {
    if let Some(f) = DEFAULT_NOW.get() {
        f.store(on, Ordering::SeqCst);
    }
}

/// Pure policy: forward this signal to the child? Not a terminal's Ctrl-C (the kernel already
/// sent it to Compose too; a second SIGINT would make Compose force-stop).
pub fn should_forward(signal: i32, cause: &Cause) -> bool {
    match cause {
        Cause::Sent(_) => true,
        Cause::Kernel => false,
        // Systems that do not say where a signal came from: forward all but SIGINT.
        _ => signal != SIGINT,
    }
}

/// A forwardable signal arrived: send it to the child, or hold it until one is attached.
fn deliver(sig: i32) {
    let pid = {
        let mut s = slot();
        match s.child {
            Some(pid) => pid,
            None => {
                s.held.get_or_insert(sig);
                return;
            }
        }
    };
    send(pid, sig);
}

fn send(pid: u32, sig: i32) {
    let (Ok(pid), Ok(sig)) = (i32::try_from(pid), Signal::try_from(sig)) else {
        return;
    };
    let _ = kill(Pid::from_raw(pid), sig);
}

impl Drop for ChildSignals {
    fn drop(&mut self) {
        let held = {
            let mut s = slot();
            s.child = None;
            s.held.take()
        };
        set_default(true);
        // Asked to stop before any child existed: stop now, as if the signal had just come.
        if let Some(sig) = held.and_then(|s| Signal::try_from(s).ok()) {
            let _ = nix::sys::signal::raise(sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Invocation {
        Invocation {
            program: "sh".into(),
            args: vec!["-c".into(), script.into()],
            interactive: false,
        }
    }

    #[test]
    fn passes_exit_codes_through() {
        for (script, want) in [
            ("exit 0", 0),
            ("exit 3", 3),
            ("exit 17", 17),
            ("kill -TERM $$", 143),
        ] {
            assert_eq!(run_quiet(&sh(script)).expect("runs"), want, "{script}");
        }
    }

    #[test]
    fn stdin_is_dev_null_unless_interactive() {
        // `read` fails on EOF: /dev/null gives EOF at once instead of waiting for input.
        assert_eq!(run_quiet(&sh("read x")).expect("runs"), 1);
        assert_eq!(run_quiet(&sh("test -t 0")).expect("runs"), 1);
    }

    #[test]
    fn missing_program_is_compose_missing() {
        let inv = Invocation {
            program: "/nonexistent/docker".into(),
            args: vec![],
            interactive: false,
        };
        let e = run_quiet(&inv).expect_err("missing");
        assert_eq!(e.exit, crate::error::Exit::ComposeMissing);
        // Any other program (`devctl guard -- ./script`) is named as it is, not as Compose.
        let other = Invocation {
            program: "./no-such-script".into(),
            args: vec![],
            interactive: false,
        };
        let e = run_quiet(&other).expect_err("missing");
        assert_eq!(e.exit, crate::error::Exit::Error);
        assert!(
            e.message.contains("cannot start `./no-such-script`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn forwards_signals_from_processes_not_the_terminal() {
        use signal_hook::low_level::siginfo::Sent;
        let cases = [
            (SIGINT, Cause::Kernel, false),
            (SIGINT, Cause::Sent(Sent::User), true),
            (SIGTERM, Cause::Sent(Sent::User), true),
            (SIGHUP, Cause::Kernel, false),
            (SIGTERM, Cause::Unknown, true),
            (SIGINT, Cause::Unknown, false),
        ];
        for (sig, cause, want) in cases {
            assert_eq!(should_forward(sig, &cause), want, "{sig} {cause:?}");
        }
    }

    #[test]
    fn clamps_codes() {
        assert_eq!(to_u8(0), 0);
        assert_eq!(to_u8(130), 130);
        assert_eq!(to_u8(-1), 1);
        assert_eq!(to_u8(300), 1);
    }
}
