//! Percentiles, the CSV files, and the markdown table.
//!
//! # Repeats
//!
//! Each map runs `R` times (`--repeat`, default 3), each in a fresh process.
//! The percentiles and `max` in the table are the median over the runs of
//! each run's value. `repro max` is the largest *reproducible* latency:
//! for each insert index the minimum over the runs, then the maximum over
//! the indices. Keys, order and (for the Rust maps) hash seed are the same
//! in every run, so a cost the map itself causes (a rehash, freeing an
//! array, a page fault at the same spot) recurs at the same index, while
//! the machine's noise (preemption, interrupts, the hypervisor) rarely hits
//! the same insert twice. Go's map seeds its hash per process, so for Go
//! only the growth points themselves repeat.
//!
//! # CSV formats (`<out>/csv/<map>-<keys>-<n>.csv`)
//!
//! * `n <= 1,000,000`: every insert, header `index,ns,repro_ns`: the
//!   latency in the last run, and the minimum over all runs.
//! * `n > 1,000,000`: decimated to at most 1,000,000 rows. The inserts are
//!   cut into consecutive windows of `w = ceil(n / 1,000,000)` inserts (the
//!   last may be shorter); one row per window, header
//!   `window_start,window_len,max_index,max_ns,median_ns,repro_max_index,repro_max_ns`:
//!   the last run's slowest insert in the window (index, ns) and the
//!   window's median, then the same maximum over the per-index minima.
//!   Every window's max is kept, so the maximum and every spike survive;
//!   the table's statistics are computed from all samples before
//!   decimation.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::child::ChildReport;
use super::{MapKind, Workload};

/// Up to this many inserts a CSV keeps every sample.
pub const FULL_ROWS_MAX: usize = 1_000_000;

/// Summary of one map's latencies on one workload (ns).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Stats {
    pub p50: u64,
    pub p99: u64,
    pub p999: u64,
    pub p9999: u64,
    pub max: u64,
    pub mean: f64,
    /// Sum of all insert latencies: the workload's time spent inside insert.
    pub total_ns: u64,
}

/// The value at nearest rank `ceil(n · num / den)` of sorted `v`.
fn rank(v: &[u64], num: u128, den: u128) -> u64 {
    let n = v.len() as u128;
    let r = (n * num).div_ceil(den).clamp(1, n);
    v[(r - 1) as usize]
}

/// Sorts `samples` in place and summarises them.
pub fn stats(samples: &mut [u64]) -> Stats {
    assert!(!samples.is_empty());
    let total: u128 = samples.iter().map(|&s| s as u128).sum();
    samples.sort_unstable();
    Stats {
        p50: rank(samples, 1, 2),
        p99: rank(samples, 99, 100),
        p999: rank(samples, 999, 1000),
        p9999: rank(samples, 9999, 10000),
        max: *samples.last().expect("non-empty"),
        mean: total as f64 / samples.len() as f64,
        total_ns: total.min(u64::MAX as u128) as u64,
    }
}

impl Stats {
    /// The median over runs of each field.
    pub fn median_of(runs: &[Stats]) -> Stats {
        assert!(!runs.is_empty());
        fn med<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
            v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
            v[v.len() / 2]
        }
        Stats {
            p50: med(runs.iter().map(|s| s.p50).collect()),
            p99: med(runs.iter().map(|s| s.p99).collect()),
            p999: med(runs.iter().map(|s| s.p999).collect()),
            p9999: med(runs.iter().map(|s| s.p9999).collect()),
            max: med(runs.iter().map(|s| s.max).collect()),
            mean: med(runs.iter().map(|s| s.mean).collect()),
            total_ns: med(runs.iter().map(|s| s.total_ns).collect()),
        }
    }
}

/// The `k` slowest inserts as `(index, ns)`, slowest first.
pub fn slowest(samples: &[u64], k: usize) -> Vec<(u64, u64)> {
    let mut top: Vec<(u64, u64)> = Vec::with_capacity(k + 1);
    let mut floor = 0;
    for (i, &s) in samples.iter().enumerate() {
        if s > floor || top.len() < k {
            top.push((i as u64, s));
            top.sort_by_key(|t| std::cmp::Reverse(t.1));
            top.truncate(k);
            if top.len() == k {
                floor = top[k - 1].1;
            }
        }
    }
    top
}

/// Reads a raw file of little-endian `u64` ns.
pub fn read_raw(path: &Path, n: u64) -> Result<Vec<u64>> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() as u64 != n * 8 {
        bail!("{} has {} bytes, expected {} (8 per insert)", path.display(), bytes.len(), n * 8);
    }
    Ok(bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
}

/// Writes the CSV for one map and workload (format in the module docs):
/// `last` is the last run's latencies, `repro` the per-index minimum over
/// the runs.
pub fn write_csv(path: &Path, last: &[u64], repro: &[u64]) -> Result<()> {
    assert_eq!(last.len(), repro.len());
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    if last.len() <= FULL_ROWS_MAX {
        writeln!(w, "index,ns,repro_ns")?;
        for (i, (s, r)) in last.iter().zip(repro).enumerate() {
            writeln!(w, "{i},{s},{r}")?;
        }
    } else {
        let win = last.len().div_ceil(FULL_ROWS_MAX);
        writeln!(w, "window_start,window_len,max_index,max_ns,median_ns,repro_max_index,repro_max_ns")?;
        let argmax = |c: &[u64]| c.iter().enumerate().fold((0, 0), |acc, (j, &s)| if s > acc.1 { (j, s) } else { acc });
        let mut buf = Vec::with_capacity(win);
        for (c, (chunk, rchunk)) in last.chunks(win).zip(repro.chunks(win)).enumerate() {
            let start = c * win;
            let (mi, mx) = argmax(chunk);
            let (ri, rx) = argmax(rchunk);
            buf.clear();
            buf.extend_from_slice(chunk);
            let mid = buf.len() / 2;
            let med = *buf.select_nth_unstable(mid).1;
            writeln!(w, "{start},{},{},{mx},{med},{},{rx}", chunk.len(), start + mi, start + ri)?;
        }
    }
    w.flush().with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// One CSV row as the plot sees it: a window of inserts (one insert for
/// the full format).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    pub start: u64,
    pub len: u64,
    pub max_index: u64,
    pub max_ns: u64,
    pub median_ns: u64,
    pub repro_max_index: u64,
    pub repro_max_ns: u64,
}

/// Reads either CSV format.
pub fn read_csv(path: &Path) -> Result<Vec<Row>> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut lines = BufReader::new(f).lines();
    let header = lines.next().transpose()?.unwrap_or_default();
    let full = match header.trim() {
        "index,ns,repro_ns" => true,
        "window_start,window_len,max_index,max_ns,median_ns,repro_max_index,repro_max_ns" => false,
        h => bail!("{}: unknown CSV header {h:?}", path.display()),
    };
    let mut rows = Vec::new();
    for (ln, line) in lines.enumerate() {
        let line = line?;
        let v: Vec<u64> = line
            .split(',')
            .map(|x| x.trim().parse::<u64>())
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}:{}: not a row of integers: {line:?}", path.display(), ln + 2))?;
        let row = match (full, v.as_slice()) {
            (true, &[i, ns, r]) => {
                Row { start: i, len: 1, max_index: i, max_ns: ns, median_ns: ns, repro_max_index: i, repro_max_ns: r }
            }
            (false, &[start, len, max_index, max_ns, median_ns, repro_max_index, repro_max_ns]) => {
                Row { start, len, max_index, max_ns, median_ns, repro_max_index, repro_max_ns }
            }
            _ => bail!("{}:{}: wrong number of fields", path.display(), ln + 2),
        };
        rows.push(row);
    }
    if rows.is_empty() {
        bail!("{}: no rows", path.display());
    }
    Ok(rows)
}

/// One map's result on one workload, over its runs.
#[derive(Clone, Debug, Serialize)]
pub struct MapResult {
    pub map: MapKind,
    /// Median over the runs of each statistic.
    pub stats: Stats,
    /// Each run's slowest insert, ns.
    pub run_max: Vec<u64>,
    /// The largest per-index minimum over the runs, and its index.
    pub repro_max: u64,
    pub repro_max_index: u64,
    /// Median over the runs, KiB.
    pub peak_rss_kib: u64,
    pub base_rss_kib: u64,
    /// The five slowest inserts by their minimum over the runs: index, ns,
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

/// `10000000` → `10M`, `1500000` → `1.5M`, `50000` → `50k`.
pub fn fmt_count(n: u64) -> String {
    let f = |v: f64, s: &str| {
        if v.fract() == 0.0 {
            format!("{v:.0}{s}")
        } else {
            format!("{v:.1}{s}")
        }
    };
    if n >= 1_000_000 && n % 100_000 == 0 {
        f(n as f64 / 1e6, "M")
    } else if n >= 1_000 && n % 100 == 0 {
        f(n as f64 / 1e3, "k")
    } else {
        n.to_string()
    }
}

/// A ratio with two significant digits: `0.0012`, `0.50`, `3.7`, `150`.
pub fn fmt_ratio(r: f64) -> String {
    if !r.is_finite() || r <= 0.0 {
        return "–".to_string();
    }
    let d = (1 - r.log10().floor() as i32).clamp(0, 9) as usize;
    format!("{r:.d$}")
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
    let ratio = |v: u64, h: Option<u64>| match h {
        Some(h) if h > 0 => format!("{}×", fmt_ratio(v as f64 / h as f64)),
        _ => "–".to_string(),
    };
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
    fn nearest_rank_percentiles() {
        let mut v: Vec<u64> = (1..=10_000).rev().collect();
        let s = stats(&mut v);
        assert_eq!((s.p50, s.p99, s.p999, s.p9999, s.max), (5000, 9900, 9990, 9999, 10_000));
        let mut one = vec![7];
        let s = stats(&mut one);
        assert_eq!((s.p50, s.p9999, s.max), (7, 7, 7));
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_ns(45.0), "45 ns");
        assert_eq!(fmt_ns(1234.0), "1.23 µs");
        assert_eq!(fmt_ns(156_000_000.0), "156 ms");
        assert_eq!(fmt_count(10_000_000), "10M");
        assert_eq!(fmt_count(1_500_000), "1.5M");
        assert_eq!(fmt_count(123), "123");
        assert_eq!(fmt_ratio(0.00123), "0.0012");
        assert_eq!(fmt_ratio(3.74), "3.7");
        assert_eq!(fmt_ratio(150.2), "150");
    }

    #[test]
    fn slowest_and_csv_round_trip() {
        let v: Vec<u64> = (0..2_500_003u64).map(|i| if i == 1_234_567 { 999_999 } else { i % 97 }).collect();
        assert_eq!(slowest(&v, 2), vec![(1_234_567, 999_999), (96, 96)]);
        let dir = std::env::temp_dir().join(format!("latency-csv-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.csv");
        let r: Vec<u64> = v.iter().map(|x| x / 2).collect();
        write_csv(&p, &v, &r).unwrap();
        let rows = read_csv(&p).unwrap();
        assert!(rows.len() <= FULL_ROWS_MAX);
        assert_eq!(rows.iter().map(|r| r.len).sum::<u64>(), v.len() as u64);
        let top = rows.iter().max_by_key(|r| r.max_ns).unwrap();
        assert_eq!((top.max_index, top.max_ns), (1_234_567, 999_999));
        assert_eq!((top.repro_max_index, top.repro_max_ns), (1_234_567, 499_999));
        write_csv(&p, &v[..10], &r[..10]).unwrap();
        let rows = read_csv(&p).unwrap();
        assert_eq!(
            rows[3],
            Row { start: 3, len: 1, max_index: 3, max_ns: 3, median_ns: 3, repro_max_index: 3, repro_max_ns: 1 }
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
