//! Neutralise terminal control sequences in untrusted text (container logs, probe output).
//!
//! Everything a container prints is untrusted: an escape sequence in a log line could set the
//! user's clipboard (OSC 52), retitle the window, clear the screen, move the cursor over
//! devctl's own output, or switch the terminal into a mode that eats later keystrokes.
//! The functions here return text that contains no ESC (0x1b), no C1 control (U+0080–U+009F,
//! raw or UTF-8 encoded), no DEL and no C0 control except `\t` (and `\n` in
//! [`sanitize_text`]). Invalid UTF-8 becomes U+FFFD.
//!
//! What is removed: CSI sequences (`ESC [ … final`), OSC strings (`ESC ] … BEL|ST`, including
//! clipboard writes and title changes), DCS/SOS/PM/APC strings, two- and three-byte ESC
//! sequences, a bare ESC, C1 controls, BEL, backspace and the other C0 controls. A carriage
//! return at the end of a line (CRLF, TTY output) is dropped; one inside a line becomes a space,
//! so text the container tried to overwrite (`good\revil`) stays visible instead of hidden.
//!
//! Parsing: we use the `vte` crate (Alacritty's parser, a faithful implementation of the
//! DEC ANSI state machine that terminals themselves follow). Using the same state machine as a
//! terminal matters: a hand-written regex tends to disagree with terminals about where a
//! sequence ends (CAN/SUB aborts, ESC inside OSC, C1 string terminators, intermediates), and
//! every disagreement is a way to smuggle a sequence through. `strip-ansi-escapes` is a thin
//! wrapper over `vte` too, but it cannot keep SGR colours and passes C1/C0 controls through.
//!
//! Plain printable ASCII (the common case for logs) skips the parser entirely.
//!
//! Bidirectional-text controls (U+061C, U+200E/U+200F, U+202A–U+202E, U+2066–U+2069) are
//! removed too: they are printable to a terminal but reorder what follows, so a log line or
//! a name could make text read differently from what it is ("Trojan Source").
//!
//! This module is the one place that decides what is safe to print. Text devctl did not
//! write itself goes through one of its functions on every surface:
//! - streams from containers (logs, probe output): [`sanitize_line`] and friends, which parse
//!   escape sequences as a terminal would and remove them;
//! - names, keys, values and messages from compose files (error messages, `ps`, `config`
//!   warnings): [`escape`] / [`escape_text`], which keep the text but show every control or
//!   bidi character as a visible `\u{…}` escape, so the user can find it in the file;
//! - the dashboard: [`visible`] (one cell per character: `␛` for ESC, `�` for the others);
//! - JSON output: [`json_safe`], which writes those characters as `\uXXXX` escapes (still
//!   valid JSON, the decoded strings are unchanged).

mod escape;

pub use escape::{escape, escape_text, is_bidi, is_unsafe, json_safe, visible};

use vte::{Params, Parser, Perform};

/// How to treat the few controls that have a harmless meaning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Mode {
    /// Re-emit SGR (`ESC [ … m`) colour sequences, normalised. Everything else is still removed.
    keep_sgr: bool,
    /// Keep `\n` (multi-line text). Otherwise a newline becomes a space.
    newlines: bool,
    /// Replace `\t` with spaces up to the next multiple of 8 columns (counted in chars).
    expand_tabs: bool,
}

/// One line of untrusted bytes to plain text: no colours, no controls except `\t`.
/// A newline inside becomes a space; a trailing `\r` or `\n` is dropped.
pub fn sanitize_line(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    sanitize_line_into(bytes, &mut out);
    out
}

/// [`sanitize_line`] appending to `out` (lets hot loops reuse one buffer).
pub fn sanitize_line_into(bytes: &[u8], out: &mut String) {
    run(bytes, Mode::default(), out);
}

/// Like [`sanitize_line`] but keeps SGR colour sequences (`ESC [ params m`), re-emitted from
/// their parsed parameters, and ends with a reset (`ESC [ 0 m`) when any colour was kept so it
/// cannot bleed into what follows. Use only when the user asked for colours.
pub fn sanitize_keep_sgr(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    sanitize_keep_sgr_into(bytes, &mut out);
    out
}

/// [`sanitize_keep_sgr`] appending to `out`.
pub fn sanitize_keep_sgr_into(bytes: &[u8], out: &mut String) {
    run(
        bytes,
        Mode {
            keep_sgr: true,
            ..Mode::default()
        },
        out,
    );
}

/// Multi-line untrusted text (health-check output, error bodies): like [`sanitize_line`]
/// but keeps `\n` (CRLF becomes LF). Trailing newlines are kept as given.
pub fn sanitize_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    run(
        bytes,
        Mode {
            newlines: true,
            ..Mode::default()
        },
        &mut out,
    );
    out
}

/// For ratatui: [`sanitize_line`] with tabs expanded to spaces (8-column stops), so a `Span`
/// holds nothing a cell cannot show. The result contains no control characters at all.
pub fn sanitize_for_tui(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    run(
        bytes,
        Mode {
            expand_tabs: true,
            ..Mode::default()
        },
        &mut out,
    );
    out
}

/// [`sanitize_line`] for text that is already a `&str` (e.g. from a JSON field).
pub fn sanitize_str(s: &str) -> String {
    sanitize_line(s.as_bytes())
}

/// True for bytes that pass through unchanged in every mode.
#[inline]
fn is_plain(b: u8) -> bool {
    (0x20..0x7f).contains(&b)
}

fn run(bytes: &[u8], mode: Mode, out: &mut String) {
    // Fast path: printable ASCII (plus tabs when they are not expanded) copies straight through.
    let end = trim_line_end(bytes, mode);
    let body = &bytes[..end];
    if body
        .iter()
        .all(|&b| is_plain(b) || (b == b'\t' && !mode.expand_tabs))
        && let Ok(s) = std::str::from_utf8(body)
    {
        out.push_str(s);
        return;
    }
    let mut sink = Sink {
        out,
        mode,
        column: 0,
        pending_cr: false,
        sgr_used: false,
    };
    let mut parser = Parser::new();
    parser.advance(&mut sink, body);
    sink.finish();
}

/// Index after the line's content: drops a trailing `\n`, `\r\n` or `\r` in line mode.
fn trim_line_end(bytes: &[u8], mode: Mode) -> usize {
    if mode.newlines {
        return bytes.len();
    }
    let mut end = bytes.len();
    if end > 0 && bytes[end - 1] == b'\n' {
        end -= 1;
    }
    while end > 0 && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

struct Sink<'a> {
    out: &'a mut String,
    mode: Mode,
    /// Chars since the last newline (for tab expansion).
    column: usize,
    /// A `\r` was seen and not yet resolved: before `\n` or at the end it vanishes,
    /// before anything else it becomes a space.
    pending_cr: bool,
    sgr_used: bool,
}

impl Sink<'_> {
    fn flush_cr(&mut self) {
        if self.pending_cr {
            self.pending_cr = false;
            self.push(' ');
        }
    }

    fn push(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn finish(&mut self) {
        // A trailing CR is dropped (pending_cr is simply forgotten).
        if self.sgr_used {
            self.out.push_str("\x1b[0m");
        }
    }
}

impl Perform for Sink<'_> {
    fn print(&mut self, c: char) {
        // vte routes C0/C1 to `execute`; DEL arrives here. Bidi controls are printable to
        // vte but reorder the text that follows: dropped.
        if c == '\x7f' || ('\u{80}'..='\u{9f}').contains(&c) || is_bidi(c) {
            return;
        }
        self.flush_cr();
        self.push(c);
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\t' => {
                self.flush_cr();
                if self.mode.expand_tabs {
                    let n = 8 - self.column % 8;
                    for _ in 0..n {
                        self.push(' ');
                    }
                } else {
                    self.push('\t');
                }
            }
            b'\n' => {
                self.pending_cr = false;
                if self.mode.newlines {
                    self.out.push('\n');
                    self.column = 0;
                } else {
                    self.push(' ');
                }
            }
            b'\r' => self.pending_cr = true,
            // Every other C0 and C1 control (BEL, BS, VT, FF, SO/SI, NEL, CSI-as-C1, …).
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        if !self.mode.keep_sgr || action != 'm' || ignore || !intermediates.is_empty() {
            return;
        }
        self.flush_cr();
        self.out.push_str("\x1b[");
        for (i, param) in params.iter().enumerate() {
            if i > 0 {
                self.out.push(';');
            }
            for (j, sub) in param.iter().enumerate() {
                if j > 0 {
                    self.out.push(':');
                }
                self.out.push_str(itoa_u16(*sub).as_str());
            }
        }
        self.out.push('m');
        self.sgr_used = true;
    }
    // OSC, DCS (hook/put/unhook), SOS/PM/APC and ESC sequences: the default no-op methods
    // swallow them.
}

/// Small, allocation-free formatting of an SGR parameter.
fn itoa_u16(v: u16) -> Digits {
    let mut buf = [0u8; 5];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    Digits { buf, start: i }
}

struct Digits {
    buf: [u8; 5],
    start: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        // Only ASCII digits were written.
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or("0")
    }
}

#[cfg(test)]
mod tests;
