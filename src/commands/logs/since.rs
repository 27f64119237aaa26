//! `--since` values, as `docker compose logs --since` accepts them: an RFC 3339 timestamp, a
//! date-time or date without zone (local time), a Unix timestamp (`1700000000[.123]`), or a Go
//! duration relative to now (`42s`, `10m`, `1h30m`, `1.5h`).

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub fn parse_since(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("an empty value".into());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return local(t);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return local(d.and_hms_opt(0, 0, 0).ok_or("an invalid date")?);
    }
    if let Some(t) = unix(s) {
        return Ok(t);
    }
    if let Some(d) = go_duration(s) {
        return Ok(now - d);
    }
    Err(format!(
        "`{s}` is not a timestamp (2024-05-01T10:00:00Z, 2024-05-01, 1714557600) nor a duration (42s, 10m, 1h30m)"
    ))
}

fn local(t: NaiveDateTime) -> Result<DateTime<Utc>, String> {
    Local
        .from_local_datetime(&t)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{t} does not exist in the local time zone"))
}

fn unix(s: &str) -> Option<DateTime<Utc>> {
    let (secs, frac) = match s.split_once('.') {
        Some((a, b)) => (a, b),
        None => (s, ""),
    };
    if secs.is_empty()
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 9
    {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let nanos: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    DateTime::from_timestamp(secs, nanos)
}

/// Go's `time.ParseDuration` for non-negative values: `[number unit]+`, units ns us µs ms s m h.
fn go_duration(s: &str) -> Option<chrono::Duration> {
    let mut rest = s;
    let mut total_ns: f64 = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total_ns += n * scale;
    }
    if !total_ns.is_finite() || total_ns > 1e18 {
        return None;
    }
    Some(chrono::Duration::nanoseconds(total_ns as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("valid")
                .with_timezone(&Utc)
        };
        let cases: &[(&str, Option<DateTime<Utc>>)] = &[
            ("2024-05-01T10:00:00Z", Some(at("2024-05-01T10:00:00Z"))),
            (
                "2024-05-01T10:00:00.5+02:00",
                Some(at("2024-05-01T08:00:00.5Z")),
            ),
            ("1714557600", Some(at("2024-05-01T10:00:00Z"))),
            ("1714557600.25", Some(at("2024-05-01T10:00:00.25Z"))),
            ("42s", Some(at("2024-05-01T11:59:18Z"))),
            ("10m", Some(at("2024-05-01T11:50:00Z"))),
            ("1h30m", Some(at("2024-05-01T10:30:00Z"))),
            ("1.5h", Some(at("2024-05-01T10:30:00Z"))),
            ("500ms", Some(at("2024-05-01T11:59:59.5Z"))),
            ("", None),
            ("yesterday", None),
            ("10", Some(at("1970-01-01T00:00:10Z"))),
            ("10x", None),
            ("-5m", None),
            ("1.2.3", None),
            ("h", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_since(input, now).ok(), *want, "{input:?}");
        }
    }

    #[test]
    fn local_forms_parse() {
        let now = Utc::now();
        for s in ["2024-05-01", "2024-05-01T10:00:00", "2024-05-01T10:00"] {
            assert!(parse_since(s, now).is_ok(), "{s}");
        }
    }
}
