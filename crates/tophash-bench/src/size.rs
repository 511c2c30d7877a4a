//! Entry and key counts as people write them on a command line: `1000`,
//! `100_000`, `100K`, `10M`, `1G` (decimal: K = 1,000). The one parser of
//! sizes for the bench binaries and the lab.

/// Parses `s` as a count: digits (underscores allowed) with an optional
/// `K`, `M` or `G` suffix (any case, decimal multiples), between `min` and
/// `max` inclusive. The error is one line naming the input and the range.
pub fn parse_size(s: &str, min: u64, max: u64) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let (digits, mul) = match t.as_bytes().last() {
        Some(b'k' | b'K') => (&t[..t.len() - 1], 1_000),
        Some(b'm' | b'M') => (&t[..t.len() - 1], 1_000_000),
        Some(b'g' | b'G') => (&t[..t.len() - 1], 1_000_000_000),
        _ => (&t[..], 1),
    };
    let n: u64 = match digits.parse::<u64>() {
        Ok(d) if !digits.starts_with('+') => d.checked_mul(mul).ok_or_else(|| format!("'{s}' is too large"))?,
        _ => return Err(format!("'{s}' is not a count (examples: 1000, 100K, 10M)")),
    };
    if n < min || n > max {
        return Err(format!("'{s}' is out of range: {} to {}", display(min), display(max)));
    }
    Ok(n)
}

/// A clap value parser for counts in `min..=max`:
/// `#[arg(value_parser = tophash_bench::size::parser(1, 1_000_000))]`.
pub fn parser(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync + 'static {
    move |s| parse_size(s, min, max)
}

/// `n` with the largest suffix that divides it exactly: 1000000 -> "1M".
pub fn display(n: u64) -> String {
    for (suffix, unit) in [("G", 1_000_000_000), ("M", 1_000_000), ("K", 1_000)] {
        if n >= unit && n.is_multiple_of(unit) {
            return format!("{}{suffix}", n / unit);
        }
    }
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_digits_underscores_and_suffixes() {
        for (s, n) in [
            ("1000", 1000),
            ("100_000", 100_000),
            ("1K", 1000),
            ("1k", 1000),
            ("10M", 10_000_000),
            (" 2m ", 2_000_000),
            ("1G", 1_000_000_000),
        ] {
            assert_eq!(parse_size(s, 1, u64::MAX), Ok(n), "{s}");
        }
    }

    #[test]
    fn refuses_junk_zero_and_out_of_range() {
        for s in ["", "K", "1.5M", "-1", "+5", "ten", "1KB", "18446744073709551616"] {
            let e = parse_size(s, 1, u64::MAX).unwrap_err();
            assert!(e.contains("not a count"), "{s}: {e}");
        }
        assert_eq!(parse_size("0", 1, 10).unwrap_err(), "'0' is out of range: 1 to 10");
        assert_eq!(parse_size("2M", 1, 1_000_000).unwrap_err(), "'2M' is out of range: 1 to 1M");
        assert_eq!(parse_size("99999999999G", 1, u64::MAX).unwrap_err(), "'99999999999G' is too large");
    }

    #[test]
    fn display_uses_exact_suffixes() {
        assert_eq!(display(1_000_000), "1M");
        assert_eq!(display(1_500_000), "1500K");
        assert_eq!(display(1234), "1234");
        assert_eq!(display(0), "0");
    }
}
