//! Spawning Compose: print the command line, stream its output through, pass its exit code on.

use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
pub fn run(inv: &Invocation) -> Result<i32> {
    announce(inv);
    let status = spawn_and_wait(inv, Stdio::inherit(), Stdio::inherit())?;
    Ok(exit_code(status))
}

/// Run `inv` with no output at all and stdin at /dev/null (probes such as "is bash there?").
pub fn run_quiet(inv: &Invocation) -> Result<i32> {
    let mut quiet = inv.clone();
    quiet.interactive = false;
    let status = spawn_and_wait(&quiet, Stdio::null(), Stdio::null())?;
    Ok(exit_code(status))
}

fn spawn_and_wait(inv: &Invocation, stdout: Stdio, stderr: Stdio) -> Result<ExitStatus> {
    let stdin = if inv.interactive {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let guard = SigintToChild::install();
    let mut child = Command::new(&inv.program)
        .args(&inv.args)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => super::detect::missing(),
            _ => Error::general(format!("cannot start `{}`: {e}", inv.program)),
        })?;
    let status = child
        .wait()
        .map_err(|e| Error::general(format!("waiting for `{}` failed: {e}", inv.program)));
    drop(guard);
    status
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

/// While alive, SIGINT does not terminate devctl (the child, in the same foreground process
/// group, receives it and decides). Afterwards SIGINT has its default effect again.
struct SigintToChild {
    default_now: Arc<AtomicBool>,
}

impl SigintToChild {
    fn install() -> Option<Self> {
        static FLAG: std::sync::OnceLock<Option<Arc<AtomicBool>>> = std::sync::OnceLock::new();
        let flag = FLAG
            .get_or_init(|| {
                let f = Arc::new(AtomicBool::new(true));
                signal_hook::flag::register_conditional_default(
                    signal_hook::consts::SIGINT,
                    Arc::clone(&f),
                )
                .ok()
                .map(|_| f)
            })
            .clone()?;
        flag.store(false, Ordering::SeqCst);
        Some(SigintToChild { default_now: flag })
    }
}

impl Drop for SigintToChild {
    fn drop(&mut self) {
        self.default_now.store(true, Ordering::SeqCst);
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
    }

    #[test]
    fn clamps_codes() {
        assert_eq!(to_u8(0), 0);
        assert_eq!(to_u8(130), 130);
        assert_eq!(to_u8(-1), 1);
        assert_eq!(to_u8(300), 1);
    }
}
