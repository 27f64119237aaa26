//! Small pure text helpers for the dashboard: make untrusted text visible-only, format
//! durations, sizes and percentages, parse Go duration strings (`1m30s`).

use std::time::Duration;

/// Replace every control character (ESC, BEL, CR, C1 controls, …) with a visible stand-in,
/// so nothing that reaches a terminal cell can be interpreted as a control sequence. The
/// text has normally passed `crate::sanitize` already; this is the last line of defence at
/// the render edge and costs nothing for clean text.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    crate::sanitize::visible(s)
}

/// `42s`, `5m`, `3h12m`, `2d4h`: the coarse form people read at a glance.
pub fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        let m = (s % 3600) / 60;
        if m == 0 {
            format!("{}h", s / 3600)
        } else {
            format!("{}h{m}m", s / 3600)
        }
    } else {
        let h = (s % 86_400) / 3600;
        if h == 0 {
            format!("{}d", s / 86_400)
        } else {
            format!("{}d{h}h", s / 86_400)
        }
    }
}

/// How long until [`short_duration`] of `d` shows something else.
pub fn until_next_change(d: Duration) -> Duration {
    let s = d.as_secs();
    let unit = if s < 60 {
        1
    } else if s < 86_400 {
        60
    } else {
        3600
    };
    let next = (s / unit + 1) * unit;
    Duration::from_secs(next) - d.min(Duration::from_secs(next))
}

/// `512 B`, `12.3 KiB`: the one byte formatter.
pub use crate::format::bytes;

/// Go duration strings as Compose renders them (`30s`, `1m30s`, `500ms`, `1.5s`): the one
/// parser devctl shares (Go's exact rules, overflow refused with `None`).
pub use crate::engine::wait::progress::parse_go_duration;

/// Cut `s` to at most `width` characters, ending with `…` when cut.
pub fn ellipsize(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// A one-line bar chart of `values` scaled to `max` (or to the largest value).
pub fn sparkline(values: impl Iterator<Item = f64>, max: Option<f64>) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let v: Vec<f64> = values.collect();
    let top = max
        .unwrap_or_else(|| v.iter().copied().fold(0.0, f64::max))
        .max(1.0);
    v.iter()
        .map(|x| {
            let i = ((x / top) * 7.0).round().clamp(0.0, 7.0) as usize;
            BARS[i]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_neutralises_controls() {
        let cases = [
            ("plain", "plain"),
            ("a\u{1b}]52;c;aGk=\u{7}b", "a␛]52;c;aGk=\u{fffd}b"),
            ("\u{1b}[2J", "␛[2J"),
            ("tab\there", "tab here"),
            ("cr\r", "cr\u{fffd}"),
            ("c1\u{9b}31m", "c1\u{fffd}31m"),
        ];
        for (input, want) in cases {
            assert_eq!(visible(input), want, "{input:?}");
        }
    }

    #[test]
    fn short_durations() {
        let cases = [
            (0, "0s"),
            (59, "59s"),
            (60, "1m"),
            (3599, "59m"),
            (3600, "1h"),
            (3660, "1h1m"),
            (86_400, "1d"),
            (90_000, "1d1h"),
        ];
        for (s, want) in cases {
            assert_eq!(short_duration(Duration::from_secs(s)), want);
        }
    }

    #[test]
    fn next_change() {
        let cases = [(0.5, 0.5), (59.0, 1.0), (61.0, 59.0), (3600.0, 60.0)];
        for (at, want) in cases {
            let got = until_next_change(Duration::from_secs_f64(at));
            assert!((got.as_secs_f64() - want).abs() < 1e-6, "{at}: {got:?}");
        }
    }

    #[test]
    fn byte_sizes() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (47_290_000, "45.1 MiB"),
            (1 << 30, "1.0 GiB"),
        ];
        for (n, want) in cases {
            assert_eq!(bytes(n), want);
        }
    }

    #[test]
    fn go_durations() {
        let cases = [
            ("30s", Some(30.0)),
            ("1m30s", Some(90.0)),
            ("1h", Some(3600.0)),
            ("500ms", Some(0.5)),
            ("1.5s", Some(1.5)),
            ("0", Some(0.0)),
            ("0s", Some(0.0)),
            ("", None),
            ("10", None),
            ("5x", None),
            ("s", None),
            // Too large for a Duration (overflow): refused, never a panic.
            ("99999999999999999999h", None),
            ("9999999999999999999999999999999999999999s", None),
            ("1h99999999999999999999h", None),
            // Still representable.
            ("2562047h", Some(2_562_047.0 * 3600.0)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_go_duration(s).map(|d| d.as_secs_f64()), want, "{s}");
        }
    }

    #[test]
    fn ellipsis_and_sparkline() {
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
        assert_eq!(
            sparkline([0.0, 50.0, 100.0].into_iter(), Some(100.0)),
            "▁▅█"
        );
        assert_eq!(sparkline(std::iter::empty(), None), "");
    }
}
