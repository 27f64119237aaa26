//! Formatting of log lines as `docker compose logs` prints them:
//! `api-1  | text`, the prefix coloured per container in Compose's order, padded to the
//! longest container name; `--timestamps` puts the Engine's timestamp after the bar.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use chrono::SecondsFormat;
use regex::Regex;

use crate::engine::logs::LogLine;
use crate::sanitize;

/// Compose's prefix colours, in the order it hands them out: cyan, yellow, green, magenta,
/// blue, then the same bold.
pub const PALETTE: [&str; 10] = [
    "36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1",
];

#[derive(Debug, Clone, Default)]
pub struct Style {
    /// Colour the prefixes.
    pub color: bool,
    pub timestamps: bool,
    /// `--no-log-prefix`.
    pub no_prefix: bool,
    /// One JSON object per line instead of text.
    pub json: bool,
    /// Only lines whose (colour-free) text matches.
    pub grep: Option<Regex>,
    /// The text may contain SGR sequences (kept on request): match `grep` on a plain copy.
    pub text_has_sgr: bool,
}

pub struct Printer {
    style: Style,
    width: usize,
    colors: HashMap<Arc<str>, &'static str>,
    /// Reused per line.
    buf: Vec<u8>,
}

impl Printer {
    /// `names`: the containers known at the start, in order (they get the first colours).
    pub fn new(style: Style, names: &[Arc<str>]) -> Printer {
        let mut p = Printer {
            style,
            width: 0,
            colors: HashMap::new(),
            buf: Vec::with_capacity(256),
        };
        for n in names {
            p.register(n);
        }
        p
    }

    fn register(&mut self, name: &Arc<str>) -> &'static str {
        if let Some(c) = self.colors.get(name) {
            return c;
        }
        self.width = self.width.max(name.chars().count());
        let c = PALETTE[self.colors.len() % PALETTE.len()];
        self.colors.insert(name.clone(), c);
        c
    }

    /// Write one line (or nothing when `--grep` filters it out).
    pub fn write(&mut self, out: &mut impl Write, line: &LogLine) -> io::Result<()> {
        if let Some(re) = &self.style.grep {
            let matched = if self.style.text_has_sgr {
                re.is_match(&sanitize::sanitize_line(line.text.as_bytes()))
            } else {
                re.is_match(&line.text)
            };
            if !matched {
                return Ok(());
            }
        }
        if self.style.json {
            serde_json::to_writer(&mut *out, line).map_err(io::Error::other)?;
            return out.write_all(b"\n");
        }
        let color = self.register(&line.container);
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        if !self.style.no_prefix {
            if self.style.color {
                buf.extend_from_slice(b"\x1b[");
                buf.extend_from_slice(color.as_bytes());
                buf.push(b'm');
            }
            buf.extend_from_slice(line.container.as_bytes());
            let pad = self.width.saturating_sub(line.container.chars().count()) + 2;
            buf.resize(buf.len() + pad, b' ');
            buf.extend_from_slice(b"| ");
            if self.style.color {
                buf.extend_from_slice(b"\x1b[0m");
            }
        }
        if self.style.timestamps
            && let Some(ts) = line.timestamp
        {
            buf.extend_from_slice(ts.to_rfc3339_opts(SecondsFormat::Nanos, true).as_bytes());
            buf.push(b' ');
        }
        buf.extend_from_slice(line.text.as_bytes());
        buf.push(b'\n');
        let r = out.write_all(&buf);
        self.buf = buf;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::logs::Stream;

    fn line(container: &str, text: &str) -> LogLine {
        LogLine {
            service: container.split('-').next().unwrap_or("").into(),
            container: container.into(),
            container_id: "id".into(),
            timestamp: chrono::DateTime::from_timestamp(1_714_557_600, 5),
            stream: Stream::Stdout,
            text: text.into(),
        }
    }

    fn render(style: Style, names: &[&str], lines: &[LogLine]) -> String {
        let names: Vec<Arc<str>> = names.iter().map(|n| (*n).into()).collect();
        let mut p = Printer::new(style, &names);
        let mut out = Vec::new();
        for l in lines {
            p.write(&mut out, l).expect("write to a Vec");
        }
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn plain_prefixes_are_padded_like_compose() {
        let got = render(
            Style::default(),
            &["db-1", "worker-long-name-1"],
            &[line("db-1", "db-hello"), line("worker-long-name-1", "w")],
        );
        assert_eq!(
            got,
            "db-1                | db-hello\nworker-long-name-1  | w\n"
        );
    }

    #[test]
    fn colours_in_compose_order() {
        let style = Style {
            color: true,
            ..Style::default()
        };
        let got = render(
            style,
            &["db-1", "api-1", "web-1"],
            &[line("api-1", "a"), line("web-1", "w"), line("db-1", "d")],
        );
        assert_eq!(
            got,
            "\x1b[33mapi-1  | \x1b[0ma\n\x1b[32mweb-1  | \x1b[0mw\n\x1b[36mdb-1   | \x1b[0md\n"
        );
    }

    #[test]
    fn new_container_gets_next_colour_and_widens() {
        let style = Style {
            color: true,
            ..Style::default()
        };
        let got = render(style, &["a-1"], &[line("a-1", "x"), line("bbbb-1", "y")]);
        assert_eq!(got, "\x1b[36ma-1  | \x1b[0mx\n\x1b[33mbbbb-1  | \x1b[0my\n");
    }

    #[test]
    fn timestamps_no_prefix_grep_json() {
        let ts = Style {
            timestamps: true,
            ..Style::default()
        };
        assert_eq!(
            render(ts, &["api-1"], &[line("api-1", "x")]),
            "api-1  | 2024-05-01T10:00:00.000000005Z x\n"
        );
        let np = Style {
            no_prefix: true,
            ..Style::default()
        };
        assert_eq!(render(np, &["api-1"], &[line("api-1", "x")]), "x\n");
        let grep = Style {
            grep: Regex::new("^err").ok(),
            ..Style::default()
        };
        assert_eq!(
            render(
                grep,
                &["a-1"],
                &[line("a-1", "ok"), line("a-1", "error: x")]
            ),
            "a-1  | error: x\n"
        );
        let grep_sgr = Style {
            grep: Regex::new("^red$").ok(),
            text_has_sgr: true,
            ..Style::default()
        };
        assert_eq!(
            render(grep_sgr, &["a-1"], &[line("a-1", "\x1b[31mred\x1b[0m")]),
            "a-1  | \x1b[31mred\x1b[0m\n"
        );
        let json = Style {
            json: true,
            ..Style::default()
        };
        let got = render(json, &["api-1"], &[line("api-1", "x")]);
        let v: serde_json::Value = serde_json::from_str(got.trim()).expect("json");
        assert_eq!(v["container"], "api-1");
        assert_eq!(v["stream"], "stdout");
        assert_eq!(v["text"], "x");
        assert_eq!(v["timestamp"], "2024-05-01T10:00:00.000000005Z");
    }
}
