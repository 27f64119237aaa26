//! Pure formatting shared by every surface (CLI tables, the dashboard, the safety plan).

/// `512 B`, `12.3 KiB`, `45.1 MiB`, `1.2 GiB` (binary units, one decimal).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A time as the Engine writes it (Go's RFC 3339 with nanoseconds, trailing zeros of the
/// fraction dropped): `2026-11-21T10:00:01.25Z`.
pub fn rfc3339(t: &chrono::DateTime<chrono::Utc>) -> String {
    let s = t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    match s.split_once('.') {
        Some((whole, frac)) => {
            let digits = frac.trim_end_matches('Z').trim_end_matches('0');
            if digits.is_empty() {
                format!("{whole}Z")
            } else {
                format!("{whole}.{digits}Z")
            }
        }
        None => s,
    }
}

/// `serde(serialize_with)` for an optional time: [`rfc3339`], or `null`.
pub fn rfc3339_opt<S: serde::Serializer>(
    t: &Option<chrono::DateTime<chrono::Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_reads_like_the_engine() {
        for t in [
            "2026-11-21T10:00:01.25Z",
            "2026-11-21T19:50:55.181043587Z",
            "2026-11-21T10:00:03Z",
        ] {
            let parsed = chrono::DateTime::parse_from_rfc3339(t)
                .expect("time")
                .with_timezone(&chrono::Utc);
            assert_eq!(super::rfc3339(&parsed), t);
        }
    }

    #[test]
    fn bytes_table() {
        for (n, want) in [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (2048, "2.0 KiB"),
            (5 * 1024 * 1024 * 1024, "5.0 GiB"),
            (u64::MAX, "16777216.0 TiB"),
        ] {
            assert_eq!(super::bytes(n), want);
        }
    }
}
