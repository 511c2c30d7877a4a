//! Input checks shared by the experiments: does a requested size fit in
//! this machine's memory?

use anyhow::{bail, Result};

/// Bytes of memory available for a new allocation: `MemAvailable` from
/// `/proc/meminfo`, or 4 GiB where that cannot be read.
pub fn available_bytes() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).map(|kb| kb * 1024))
        })
        .unwrap_or(4 << 30)
}

/// Fails with a one-line message when `what` (a description of the
/// request, such as "--keys 1000000000"; about `count` items of
/// `bytes_each`) would need more than 3/4 of the available memory.
pub fn ensure_fits(what: &str, count: u64, bytes_each: u64) -> Result<()> {
    let need = count.saturating_mul(bytes_each);
    let avail = available_bytes();
    if need > avail / 4 * 3 {
        bail!(
            "{what} needs about {} of memory, more than this machine can spare ({} available)",
            gib(need),
            gib(avail)
        );
    }
    Ok(())
}

fn gib(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MiB", b as f64 / (1u64 << 20) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_sizes_are_refused() {
        assert!(ensure_fits("--keys", 1000, 100).is_ok());
        let e = ensure_fits("--keys", u64::MAX / 2, 100).unwrap_err().to_string();
        assert!(e.starts_with("--keys needs about"), "{e}");
        assert!(!e.contains('\n'));
    }
}
