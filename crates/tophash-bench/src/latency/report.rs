//! Number formats shared by every latency table, and the `latency`
//! binary's markdown report (the lab renders its own table from the same
//! numbers).

use std::fmt::Write as _;

use serde::Serialize;

use super::child::ChildReport;
use super::runs::Stats;
use super::{MapKind, Workload};

/// One map's result on one workload, over its runs.
#[derive(Clone, Debug, Serialize)]
pub struct MapResult {
    /// The map.
    pub map: MapKind,
    /// Median over the runs of each statistic.
    pub stats: Stats,
    /// Each run's slowest insert, ns.
    pub run_max: Vec<u64>,
    /// The reproducible maximum (see [`runs`](super::runs)), ns.
    pub repro_max: u64,
    /// Its insert index.
    pub repro_max_index: u64,
    /// Peak RSS, median over the runs, KiB.
    pub peak_rss_kib: u64,
    /// RSS before the first insert, median over the runs, KiB.
    pub base_rss_kib: u64,
    /// The five slowest reproducible inserts: index, ns,
    /// what the map did (if known).
    pub slowest: Vec<(u64, u64, String)>,
    /// Every run's own report.
    pub children: Vec<ChildReport>,
}

/// `1234` → `1.23 µs`: three significant digits.
pub fn fmt_ns(ns: f64) -> String {
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    if unit == "ns" && v.fract() == 0.0 {
        return format!("{v:.0} ns");
    }
    let d = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.d$} {unit}")
}

/// A ratio with two significant digits: `0.0012`, `0.50`, `3.7`, `150`.
pub fn fmt_ratio(r: f64) -> String {
    if !r.is_finite() || r <= 0.0 {
        return "–".to_string();
    }
    let d = (1 - r.log10().floor() as i32).clamp(0, 9) as usize;
    format!("{r:.d$}")
}

/// `v ÷ base` as [`fmt_ratio`] with `×`, or `–` when `base` is 0.
pub fn ratio(v: u64, base: u64) -> String {
    if base == 0 {
        return "–".to_string();
    }
    format!("{}×", fmt_ratio(v as f64 / base as f64))
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// The markdown section for one workload: the table, the headline ratio,
/// and the slowest inserts.
pub fn markdown(w: &Workload, results: &[MapResult], failed: &[(MapKind, String)]) -> String {
    let mut s = String::new();
    let runs = results.iter().map(|r| r.run_max.len()).max().unwrap_or(0);
    let _ = writeln!(s, "### {} ({} inserts into an empty map; median of {runs} runs)\n", w.label(), w.n);
    let _ = writeln!(
        s,
        "| map | p50 | p99 | p99.9 | p99.99 | max | repro max | sum | peak RSS | Δ RSS | \
         p50 ÷hb | p99 ÷hb | p99.9 ÷hb | p99.99 ÷hb | **max ÷hb** | **repro max ÷hb** |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let hb = results.iter().find(|r| r.map == MapKind::Hashbrown);
    let ratio = |v: u64, h: Option<u64>| h.map_or_else(|| "–".to_string(), |h| ratio(v, h));
    for r in results {
        let st = r.stats;
        let hs = hb.map(|h| h.stats);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | **{}** | **{}** |",
            r.map,
            fmt_ns(st.p50 as f64),
            fmt_ns(st.p99 as f64),
            fmt_ns(st.p999 as f64),
            fmt_ns(st.p9999 as f64),
            fmt_ns(st.max as f64),
            fmt_ns(r.repro_max as f64),
            fmt_ns(st.total_ns as f64),
            mib(r.peak_rss_kib),
            mib(r.peak_rss_kib.saturating_sub(r.base_rss_kib)),
            ratio(st.p50, hs.map(|h| h.p50)),
            ratio(st.p99, hs.map(|h| h.p99)),
            ratio(st.p999, hs.map(|h| h.p999)),
            ratio(st.p9999, hs.map(|h| h.p9999)),
            ratio(st.max, hs.map(|h| h.max)),
            ratio(r.repro_max, hb.map(|h| h.repro_max)),
        );
    }
    for (m, e) in failed {
        let _ = writeln!(s, "| {m} | failed: {} |||||||||||||| |", e.replace('|', "/"));
    }
    s += &headline(results);
    s += &slowest_inserts(results);
    s
}

/// The headline: tophash's slowest and reproducible slowest insert against
/// hashbrown's (empty if either did not run).
fn headline(results: &[MapResult]) -> String {
    let mut s = String::new();
    let hb = results.iter().find(|r| r.map == MapKind::Hashbrown);
    let th = results.iter().find(|r| r.map == MapKind::Tophash);
    if let (Some(t), Some(h)) = (th, hb) {
        let line = |what: &str, tv: u64, hv: u64| {
            format!(
                "tophash's {what} {} ÷ hashbrown's {} = {}×: hashbrown's is **{}×** tophash's",
                fmt_ns(tv as f64),
                fmt_ns(hv as f64),
                fmt_ratio(tv as f64 / hv.max(1) as f64),
                fmt_ratio(hv as f64 / tv.max(1) as f64),
            )
        };
        let _ = writeln!(
            s,
            "\n**Headline (max ratio; target ≥ 1000× at 10M):** {}. Reproducible: {}.",
            line("slowest insert", t.stats.max, h.stats.max),
            line("reproducible slowest insert", t.repro_max, h.repro_max),
        );
    }
    s
}

/// Per map, the five slowest reproducible inserts with what the map did,
/// and each run's maximum.
fn slowest_inserts(results: &[MapResult]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nSlowest reproducible inserts (index: min over runs, what the map did during it), and each run's max:\n"
    );
    for r in results {
        let list: Vec<String> = r
            .slowest
            .iter()
            .map(|(i, ns, note)| {
                if note.is_empty() {
                    format!("#{i}: {}", fmt_ns(*ns as f64))
                } else {
                    format!("#{i}: {} ({note})", fmt_ns(*ns as f64))
                }
            })
            .collect();
        let maxes: Vec<String> = r.run_max.iter().map(|&m| fmt_ns(m as f64)).collect();
        let sw: Vec<String> = r.children.iter().map(|c| c.involuntary_switches.to_string()).collect();
        let _ = writeln!(
            s,
            "- {}: {}. Run maxima: {}; involuntary context switches per run: {}",
            r.map,
            list.join("; "),
            maxes.join(", "),
            sw.join(", ")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fmt_ns(45.0), "45 ns");
        assert_eq!(fmt_ns(1234.0), "1.23 µs");
        assert_eq!(fmt_ns(156_000_000.0), "156 ms");
        assert_eq!(fmt_ratio(0.00123), "0.0012");
        assert_eq!(fmt_ratio(3.74), "3.7");
        assert_eq!(fmt_ratio(150.2), "150");
        assert_eq!(ratio(5, 0), "–");
        assert_eq!(ratio(1, 4), "0.25×");
    }
}
