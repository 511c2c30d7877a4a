//! What the latency runner writes besides the CSV and SVG: the markdown
//! table (`table.md`, also printed) and every run's own figures
//! (`runs.csv`).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use super::{Cell, Plan};
use crate::conc::report::Machine;
use crate::latency::clock::ClockInfo;
pub use crate::latency::report::fmt_ns;
use crate::latency::runs::Stats;

/// `8912345` → `8.91M`, `250000` → `250K`: three significant digits.
pub fn fmt_count(v: u64) -> String {
    let (x, unit) = match v {
        0..=999 => return v.to_string(),
        1_000..=999_999 => (v as f64 / 1e3, "K"),
        _ => (v as f64 / 1e6, "M"),
    };
    let d = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.d$}{unit}")
}

/// `7340000` → `7,340,000`.
pub fn fmt_thousands(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The median of `v` (the lower middle for an even count); 0 for none.
fn median_u64(v: &[u64]) -> u64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len().saturating_sub(1) / 2).copied().unwrap_or(0)
}

/// Millions of inserts per second for `n` inserts in `ns`.
fn mops(n: u64, ns: u64) -> f64 {
    n as f64 / ns.max(1) as f64 * 1e3
}

/// The markdown: how it was measured, the table (a row per map × thread
/// count), then each run's slowest insert (the evidence the windows need).
pub fn table(cells: &[Cell], plan: &Plan, machine: &Machine, clock: &ClockInfo) -> String {
    let mut md = String::new();
    let per = plan.threads.iter().map(|t| format!("{t} × {}", fmt_count(plan.n / *t as u64)));
    let _ = writeln!(
        md,
        "Concurrent insert latency: {} u64 keys (splitmix64) into one empty map, as {} threads × keys, \
         {} runs each, windows of {} sequence numbers.\n",
        fmt_count(plan.n),
        per.collect::<Vec<_>>().join(" and "),
        plan.runs,
        cells.first().map_or(0, |c| c.set.width),
    );
    let _ = writeln!(md, "{}; {}.", machine.line(), machine.threads_note(&plan.threads));
    let _ = writeln!(
        md,
        "clock: {}, two reads cost {} (median), included in every latency.\n",
        clock.source,
        fmt_ns(clock.median_ns)
    );
    md.push_str(
        "| map | threads × keys | reproducible max, at sizes | per-index-min max | slowest insert per run | p99.9 / p99 | fill time | Mops/s | map resident |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for c in cells {
        let s = &c.set;
        let (w, _, ns) = s.repro_max();
        let first = w as u64 * s.width;
        let med = Stats::median_of(&s.per_insert.per_run);
        let wall = median_u64(&s.wall_ns);
        let runs: Vec<String> = s.run_max.iter().map(|m| fmt_ns(m.ns as f64)).collect();
        let resident = if s.map_bytes.is_empty() {
            "—".to_string()
        } else {
            let b = median_u64(&s.map_bytes);
            format!("{:.0} MiB, {:.1} B/entry", b as f64 / 1048576.0, b as f64 / s.n as f64)
        };
        let _ = writeln!(
            md,
            "| {} | {} × {} | {} at {}–{} | {} | {} | {} / {} | {} | {:.2} | {} |",
            c.map.label(),
            c.threads,
            fmt_count(s.n / c.threads as u64),
            fmt_ns(ns as f64),
            fmt_thousands(first),
            fmt_thousands((first + s.width).min(s.n)),
            fmt_ns(s.per_insert.repro_max().1 as f64),
            runs.join(", "),
            fmt_ns(med.p999 as f64),
            fmt_ns(med.p99 as f64),
            fmt_ns(wall as f64),
            mops(s.n, wall),
            resident,
        );
    }
    md.push_str(
        "\nreproducible max: per window of sizes (sequence numbers) the slowest insert of each run, \
         the fastest of those over the runs, then the slowest window. per-index-min max: the \
         single-threaded harness's method (per sequence number the fastest run, then the slowest), \
         for comparison. p99.9 / p99, fill time (first insert's start to last insert's end), \
         Mops/s and map resident (the process's RSS with the filled map, less its RSS before the \
         map was made, each read after handing the allocator's free memory back to the OS, less \
         the harness's own 9 bytes per insert): medians over the runs.\n\nEach run's slowest insert (sequence number, thread, window):\n\n",
    );
    for c in cells {
        let list: Vec<String> = c
            .set
            .run_max
            .iter()
            .map(|m| {
                let (ns, seq) = (fmt_ns(m.ns as f64), fmt_thousands(m.seq));
                format!("{ns} at seq {seq} (thread {}, window {})", m.thread, m.seq / c.set.width)
            })
            .collect();
        let _ = writeln!(md, "- {}: {}", c.label(), list.join("; "));
    }
    md
}

/// One row of `runs.csv`: one run's own figures.
#[derive(Serialize)]
struct RunRow {
    map: &'static str,
    threads: usize,
    n: u64,
    run: usize,
    wall_ns: u64,
    mops: f64,
    max_ns: u64,
    max_seq: u64,
    max_thread: u8,
    max_window: u64,
    p50_ns: u64,
    p99_ns: u64,
    p999_ns: u64,
    p9999_ns: u64,
}

/// Writes `runs.csv`: a row per map, thread count and run.
pub fn write_runs_csv(path: &Path, cells: &[Cell]) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    for c in cells {
        let s = &c.set;
        for (r, (m, st)) in s.run_max.iter().zip(&s.per_insert.per_run).enumerate() {
            w.serialize(RunRow {
                map: c.map.name(),
                threads: c.threads,
                n: s.n,
                run: r + 1,
                wall_ns: s.wall_ns[r],
                mops: mops(s.n, s.wall_ns[r]),
                max_ns: m.ns,
                max_seq: m.seq,
                max_thread: m.thread,
                max_window: m.seq / s.width,
                p50_ns: st.p50,
                p99_ns: st.p99,
                p999_ns: st.p999,
                p9999_ns: st.p9999,
            })
            .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_medians() {
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(250_000), "250K");
        assert_eq!(fmt_count(8_912_345), "8.91M");
        assert_eq!(fmt_count(10_000_000), "10.0M");
        assert_eq!(fmt_thousands(7_340_000), "7,340,000");
        assert_eq!(
            (fmt_thousands(999), fmt_thousands(1_000), fmt_thousands(0)),
            ("999".into(), "1,000".into(), "0".into())
        );
        assert_eq!(median_u64(&[3, 1, 2, 9]), 2);
        assert_eq!(median_u64(&[]), 0);
        assert_eq!(mops(10, 1_000), 10.0);
    }
}
