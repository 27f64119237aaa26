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

/// A plain text table: a header row, then one row per item, columns padded to their widest
/// cell (terminal width of each cell) with two spaces between them; no trailing spaces. Cells
/// are shown as given: escape untrusted text before.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.width());
            }
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, cell) in cells.enumerate() {
            l.push_str(cell);
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(cell.width());
            l.push_str(&" ".repeat(pad + 2));
        }
        l.trim_end().to_string()
    };
    let mut out = vec![line(&mut header.iter().copied())];
    out.extend(rows.iter().map(|r| line(&mut r.iter().map(String::as_str))));
    out
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
    fn table_pads_columns_under_their_header() {
        let rows = vec![
            vec![
                "a1b2".to_string(),
                "données".to_string(),
                "1.0 KiB".to_string(),
            ],
            vec!["c".to_string(), "x".to_string(), "".to_string()],
        ];
        assert_eq!(
            super::table(&["ID", "VOLUME", "SIZE"], &rows),
            vec!["ID    VOLUME   SIZE", "a1b2  données  1.0 KiB", "c     x",]
        );
        assert_eq!(super::table(&["ID", "VOLUME"], &[]), vec!["ID  VOLUME"]);
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
