//! Go duration strings (`time.ParseDuration` / `Duration.String`) and docker/go-units
//! byte sizes (`RAMInBytes`), as Compose renders them.

/// Parse a Go duration into nanoseconds, as `time.ParseDuration` does: integer arithmetic,
/// fractions truncated to the nanosecond, and an error when the total does not fit in an
/// `int64` of nanoseconds (about 2 562 047 hours).
pub fn parse_duration(s: &str) -> Result<i128, String> {
    const LIMIT: u128 = 1 << 63;
    let bad = || format!("invalid duration {s:?}");
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let int_digits = &rest[..int_end];
        rest = &rest[int_end..];
        let mut frac_digits = "";
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            frac_digits = &r[..end];
            rest = &r[end..];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(bad());
        }
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit: u128 = match &rest[..unit_end] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_end..];
        let mut value: u128 = 0;
        for d in int_digits.bytes() {
            value = value * 10 + u128::from(d - b'0');
            if value > LIMIT {
                return Err(bad());
            }
        }
        value *= unit;
        // The fraction: at most 19 significant digits count, truncated like Go.
        let (mut frac, mut scale) = (0u128, 1u128);
        for d in frac_digits.bytes().take(19) {
            frac = frac * 10 + u128::from(d - b'0');
            scale *= 10;
        }
        value += frac * unit / scale;
        total += value;
        if value > LIMIT || total > LIMIT {
            return Err(bad());
        }
    }
    if !neg && total > LIMIT - 1 {
        return Err(bad());
    }
    let ns = total as i128;
    Ok(if neg { -ns } else { ns })
}

/// Go's `time.Duration.String()`.
pub fn format_duration(ns: i128) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let sign = if neg { "-" } else { "" };
    if u < 1_000_000_000 {
        let (unit, div) = if u < 1_000 {
            ("ns", 1u128)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{sign}{}{unit}", frac(u, div));
    }
    let h = u / 3_600_000_000_000;
    let rem = u % 3_600_000_000_000;
    let m = rem / 60_000_000_000;
    let sec_ns = rem % 60_000_000_000;
    let secs = frac(sec_ns, 1_000_000_000);
    if h > 0 {
        format!("{sign}{h}h{m}m{secs}s")
    } else if m > 0 {
        format!("{sign}{m}m{secs}s")
    } else {
        format!("{sign}{secs}s")
    }
}

fn frac(v: u128, div: u128) -> String {
    let whole = v / div;
    let f = v % div;
    if f == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{f:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// docker/go-units `RAMInBytes`: `512`, `256m`, `1G`, `1.5gb`, `2 KiB` (binary multiples).
pub fn ram_in_bytes(s: &str) -> Result<i64, String> {
    let bad = || format!("invalid size: {s:?}");
    let t = s.trim();
    let num_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    if num_end == 0 {
        return Err(bad());
    }
    let num: f64 = t[..num_end].parse().map_err(|_| bad())?;
    let unit = t[num_end..].trim_start().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let mult: f64 = match unit {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => return Err(bad()),
    };
    Ok((num * mult) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_round_trip_table() {
        for (s, want) in [
            ("10s", "10s"),
            ("90s", "1m30s"),
            ("1h", "1h0m0s"),
            ("1m30s", "1m30s"),
            ("500ms", "500ms"),
            ("1.5s", "1.5s"),
            ("2h45m", "2h45m0s"),
            ("0", "0s"),
        ] {
            assert_eq!(format_duration(parse_duration(s).expect(s)), want, "{s}");
        }
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("abc").is_err());
        // Like Go's time.ParseDuration: exact to the nanosecond up to the int64 limit.
        for (s, ns) in [
            ("2562047h47m16.854775807s", i64::MAX as i128),
            ("-2562047h47m16.854775808s", i64::MIN as i128),
            ("1.000000001s", 1_000_000_001),
            ("1.5h", 5_400_000_000_000),
            (".5s", 500_000_000),
            ("1.s", 1_000_000_000),
        ] {
            assert_eq!(parse_duration(s), Ok(ns), "{s}");
        }
        for s in [
            "2562047h47m16.854775808s",
            "9999999999999999h",
            "99999999999999999999999ns",
            ".s",
            "1.5.5s",
            "5x",
        ] {
            assert!(parse_duration(s).is_err(), "{s}");
        }
    }

    #[test]
    fn bytes_table() {
        for (s, want) in [
            ("256M", 268435456),
            ("1G", 1073741824),
            ("512", 512),
            ("1gb", 1073741824),
            ("2k", 2048),
        ] {
            assert_eq!(ram_in_bytes(s).expect(s), want, "{s}");
        }
        assert!(ram_in_bytes("lots").is_err());
    }
}
