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
