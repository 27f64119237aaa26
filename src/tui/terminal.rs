//! The terminal edge: raw mode + alternate screen behind an RAII guard whose `Drop` reports
//! each restore step that failed, and a panic hook that restores the terminal before the
//! panic message is printed. Restoring is idempotent (one global flag), so the hook, the
//! guard and a suspension for a shell never fight.

use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal is in raw mode / the alternate screen and must be restored.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// A panic happened (the loop ends as soon as it notices).
static PANICKED: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the dashboard runs.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen (installing the panic hook first).
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enter_screen()?;
        let terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(t) => t,
            Err(e) => {
                report(restore());
                return Err(e);
            }
        };
        Ok(TerminalGuard { terminal })
    }

    /// Give the terminal back (for an interactive shell). Returns the failed steps.
    pub fn suspend(&mut self) -> Vec<String> {
        restore()
    }

    /// Take the terminal again after [`suspend`](Self::suspend) and force a full redraw.
    ///
    /// Not `Terminal::clear`: since ratatui 0.30 it asks the terminal for the cursor position
    /// (a round trip that times out on a busy terminal, and whose late answer would be read as
    /// keys). The screen is cleared directly and both buffers are emptied, so the next frame is
    /// drawn whole.
    pub fn resume(&mut self) -> io::Result<()> {
        enter_screen()?;
        execute!(
            io::stdout(),
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        self.terminal.current_buffer_mut().reset();
        self.terminal.flush()?;
        self.terminal.swap_buffers();
        self.terminal.current_buffer_mut().reset();
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        report(restore());
    }
}

fn enter_screen() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, Hide) {
        report(restore());
        return Err(e);
    }
    Ok(())
}

/// Restore the terminal if it is ours: leave the alternate screen, show the cursor, leave
/// raw mode. Every step is attempted; the failed ones are returned, described.
pub fn restore() -> Vec<String> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Vec::new();
    }
    let mut failed = Vec::new();
    let mut out = io::stdout();
    if let Err(e) = execute!(out, LeaveAlternateScreen) {
        failed.push(format!("leave the alternate screen: {e}"));
    }
    if let Err(e) = execute!(out, Show) {
        failed.push(format!("show the cursor: {e}"));
    }
    if let Err(e) = disable_raw_mode() {
        failed.push(format!("leave raw mode: {e}"));
    }
    if let Err(e) = out.flush() {
        failed.push(format!("flush the terminal: {e}"));
    }
    failed
}

/// Tell the user which restore steps failed and how to recover by hand.
pub fn report(failed: Vec<String>) {
    if failed.is_empty() {
        return;
    }
    for f in &failed {
        eprintln!("devctl: could not restore the terminal: {f}");
    }
    eprintln!("devctl: if the terminal misbehaves, type `reset` and press Enter");
}

/// A panic restores the terminal first, so its message is readable and the shell usable.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            report(restore());
            previous(info);
        }));
    });
}

/// True once any thread panicked while the dashboard ran.
pub fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_is_idempotent_and_silent_when_not_active() {
        // Not active: nothing to do, nothing reported.
        assert!(restore().is_empty());
        assert!(restore().is_empty());
    }
}
