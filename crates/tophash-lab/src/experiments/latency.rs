//! `latency`: the cost of every single insert, from an empty map to `--keys`
//! entries, for tophash, hashbrown 0.17, std's `HashMap`, griddle 0.5 and
//! the Redis 7 dict reference ([`crate::redis_dict`]).
//!
//! A rehash-everything map (hashbrown, std) pays for each growth in one
//! insert; the incremental ones (tophash, griddle, Redis) spread it over
//! later inserts. This study shows that as one picture (latency against
//! insert index, a panel per map, log y) and the percentiles.
//!
//! All five maps hash with the same function (foldhash 0.2's fast hasher,
//! one fixed seed) and insert the same keys, `splitmix64(i)` for
//! `i = 0..n` (the key formula of `crates/tophash-bench`), in one process,
//! one after another. Each insert is timed with two raw reads of `quanta`'s
//! clock (the TSC where it is usable); the cost of that pair is measured
//! and printed, and is included in every latency. Without serialising
//! fences (this crate has no `unsafe`), the out-of-order core can overlap
//! a read with the insert's first or last instructions, so latencies of a
//! few nanoseconds are approximate; the microsecond spikes this study is
//! about are not affected. The full-size harness, one process per map and
//! Go 1.19 alongside, is `scripts/latency.sh`.

mod plot;

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{compiler_fence, Ordering};

use anyhow::{Context, Result};
use foldhash::fast::FixedState;
use quanta::Clock;
use serde::{Deserialize, Serialize};

use super::report::html::{self, thousands};
use super::report::table::Table;
use super::report::{limits, progress};
use super::Outcome;
use crate::redis_dict::Dict;

/// Options of `tophash-lab latency`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// Keys to insert into each map, starting from empty.
    #[arg(long, short = 'n', default_value_t = DEFAULT_KEYS, value_parser = clap::value_parser!(u64).range(1..=MAX_KEYS))]
    pub keys: u64,
    /// Runs per map; the latency of insert i is its minimum over the runs,
    /// so that a slow insert counts only if it is slow every time.
    #[arg(long, default_value_t = DEFAULT_RUNS, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub runs: u64,
}

const DEFAULT_KEYS: u64 = 200_000;
const DEFAULT_RUNS: u64 = 3;
const MAX_KEYS: u64 = 1_000_000_000;

impl Default for Args {
    fn default() -> Self {
        Args { keys: DEFAULT_KEYS, runs: DEFAULT_RUNS }
    }
}

/// The foldhash seed every map hashes with.
pub const HASH_SEED: u64 = 0x7470_6861_7368_2121;

/// Memory per key while one map runs: its sample (8 bytes) and the map
/// (at most about 100 bytes per `u64 → u64` entry, Redis's boxed nodes
/// being the largest, plus an old array during growth).
const BYTES_PER_KEY: u64 = 160;

/// Inserts at least this slow are counted separately.
pub const SLOW_NS: u64 = 10_000;

/// A map under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MapKind {
    Tophash,
    Hashbrown,
    Std,
    Griddle,
    Redis,
}

impl MapKind {
    pub const ALL: [MapKind; 5] =
        [MapKind::Tophash, MapKind::Hashbrown, MapKind::Std, MapKind::Griddle, MapKind::Redis];

    pub fn name(self) -> &'static str {
        match self {
            MapKind::Tophash => "tophash",
            MapKind::Hashbrown => "hashbrown",
            MapKind::Std => "std",
            MapKind::Griddle => "griddle",
            MapKind::Redis => "redis",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MapKind::Tophash => "tophash (Go 1.19 map, incremental evacuation)",
            MapKind::Hashbrown => "hashbrown 0.17 (rehashes all at once)",
            MapKind::Std => "std HashMap (hashbrown inside)",
            MapKind::Griddle => "griddle 0.5 (hashbrown, incremental resize)",
            MapKind::Redis => "Redis 7 dict reference (one bucket per operation)",
        }
    }
}

/// Phase bit: a resize (evacuation, rehash) is under way after the insert.
pub const PHASE_RESIZING: u8 = 1;
/// Phase bit: a retired array is still being handed back to the OS.
pub const PHASE_RELEASING: u8 = 2;
/// Phase value of maps that do not show their state.
pub const PHASE_UNKNOWN: u8 = 255;

/// The map operations the timed loop needs.
trait Target {
    fn put(&mut self, k: u64, v: u64) -> Option<u64>;
    fn size(&self) -> usize;
    /// `PHASE_*` bits after an insert, for maps that show them.
    fn phase(&self) -> u8 {
        PHASE_UNKNOWN
    }
}

macro_rules! target {
    ($ty:ty $(, |$m:ident| $phase:expr)?) => {
        impl Target for $ty {
            #[inline(always)]
            fn put(&mut self, k: u64, v: u64) -> Option<u64> {
                self.insert(k, v)
            }
            fn size(&self) -> usize {
                self.len()
            }
            $(fn phase(&self) -> u8 {
                let $m = self;
                $phase
            })?
        }
    };
}

target!(tophash::HashMap<u64, u64, FixedState>, |m| {
    let st = m.stats();
    (if st.resize.is_some() { PHASE_RESIZING } else { 0 }) | (if st.releasing { PHASE_RELEASING } else { 0 })
});
target!(hashbrown::HashMap<u64, u64, FixedState>);
target!(std::collections::HashMap<u64, u64, FixedState>);
target!(griddle::HashMap<u64, u64, FixedState>);
target!(Dict<u64, u64, FixedState>, |m| if m.is_rehashing() { PHASE_RESIZING } else { 0 });

fn hasher() -> FixedState {
    FixedState::with_seed(HASH_SEED)
}

/// The `i`-th key: SplitMix64's `i`-th output (as `crates/tophash-bench`).
pub fn key(i: u64) -> u64 {
    super::hashdist::keys::splitmix64(i)
}

/// The clock and what a pair of back-to-back reads costs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClockInfo {
    pub source: String,
    /// Median of `raw(); raw()` differences, ns.
    pub median_ns: f64,
    /// Mean of the same, leaving out pairs of 1 µs or more (interrupts).
    pub mean_ns: f64,
    /// Smallest non-zero difference, ns.
    pub step_ns: f64,
}

/// Measures two back-to-back raw clock reads `reps` times.
pub fn clock_overhead(clock: &Clock, reps: usize) -> ClockInfo {
    const BINS: usize = 4096;
    let mut hist = vec![0u64; BINS];
    for _ in 0..reps {
        let a = clock.raw();
        compiler_fence(Ordering::SeqCst);
        let b = clock.raw();
        hist[(b.wrapping_sub(a) as usize).min(BINS - 1)] += 1;
    }
    const SCALE: u64 = 1 << 32;
    let ns_per_tick = clock.delta_as_nanos(0, SCALE) as f64 / SCALE as f64;
    let mut seen = 0;
    let mut median = BINS - 1;
    for (t, &c) in hist.iter().enumerate() {
        seen += c;
        if seen * 2 > reps as u64 {
            median = t;
            break;
        }
    }
    let cut = ((1000.0 / ns_per_tick) as usize).clamp(1, BINS - 1);
    let (sum, kept) = hist[..cut].iter().enumerate().fold((0u64, 0u64), |(s, k), (t, &c)| (s + t as u64 * c, k + c));
    let step = hist.iter().enumerate().skip(1).find(|(_, &c)| c > 0).map(|(t, _)| t).unwrap_or(1);
    let source = if (ns_per_tick - 1.0).abs() < 0.005 {
        "quanta raw reads (clock_gettime MONOTONIC: no usable TSC)".to_string()
    } else {
        format!("quanta raw reads (TSC at {:.2} GHz)", 1.0 / ns_per_tick)
    };
    ClockInfo {
        source,
        median_ns: median as f64 * ns_per_tick,
        mean_ns: sum as f64 / kept.max(1) as f64 * ns_per_tick,
        step_ns: step as f64 * ns_per_tick,
    }
}

/// Times every insert of keys `0..samples.len()` into `map`, and notes the
/// map's phase after each (outside the timed part).
fn measure<M: Target>(mut map: M, samples: &mut [u64], phases: &mut [u8], clock: &Clock, pb: &indicatif::ProgressBar) {
    for (i, (slot, phase)) in samples.iter_mut().zip(phases.iter_mut()).enumerate() {
        let k = black_box(key(i as u64));
        compiler_fence(Ordering::SeqCst);
        let t0 = clock.raw();
        compiler_fence(Ordering::SeqCst);
        let old = map.put(k, i as u64);
        compiler_fence(Ordering::SeqCst);
        let t1 = clock.raw();
        compiler_fence(Ordering::SeqCst);
        black_box(old);
        *slot = clock.delta_as_nanos(t0, t1);
        *phase = map.phase();
        if i & 0xffff == 0xffff {
            pb.inc(0x10000);
        }
    }
    assert_eq!(map.size(), samples.len(), "the keys are distinct, so every insert adds one");
    drop(black_box(map));
}

fn run_map(kind: MapKind, samples: &mut [u64], phases: &mut [u8], clock: &Clock, pb: &indicatif::ProgressBar) {
    let (s, p) = (samples, phases);
    match kind {
        MapKind::Tophash => measure(tophash::HashMap::with_hasher(hasher()), s, p, clock, pb),
        MapKind::Hashbrown => measure(hashbrown::HashMap::with_hasher(hasher()), s, p, clock, pb),
        MapKind::Std => measure(std::collections::HashMap::with_hasher(hasher()), s, p, clock, pb),
        MapKind::Griddle => measure(griddle::HashMap::with_hasher(hasher()), s, p, clock, pb),
        MapKind::Redis => measure(Dict::with_hasher(hasher()), s, p, clock, pb),
    }
}

/// What the OS did to the process during a run (Linux `/proc/self`;
/// zeros elsewhere).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsCounts {
    /// Minor page faults (first touches of fresh pages).
    pub minor_faults: u64,
    /// Times the process was preempted.
    pub involuntary_switches: u64,
}

impl OsCounts {
    pub fn now() -> OsCounts {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // Fields after the command name (in parentheses): state is field 3,
        // minflt field 10.
        let minor_faults = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(7))
            .and_then(|f| f.parse().ok())
            .unwrap_or(0);
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let involuntary_switches = status
            .lines()
            .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        OsCounts { minor_faults, involuntary_switches }
    }

    pub fn since(&self, before: &OsCounts) -> OsCounts {
        OsCounts {
            minor_faults: self.minor_faults.saturating_sub(before.minor_faults),
            involuntary_switches: self.involuntary_switches.saturating_sub(before.involuntary_switches),
        }
    }
}

/// One map's numbers: percentiles of the per-insert minimum over the runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub map: MapKind,
    pub keys: u64,
    pub runs: u64,
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub p999_ns: u64,
    pub max_ns: u64,
    pub mean_ns: f64,
    pub total_ms: f64,
    /// Inserts of at least [`SLOW_NS`].
    pub slow: u64,
    /// Index of the slowest insert.
    pub max_at: u64,
    /// The slowest insert of any single run.
    pub raw_max_ns: u64,
    /// Minor page faults per run (mean).
    pub minor_faults_per_run: u64,
    /// Preemptions in all runs together.
    pub involuntary_switches: u64,
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The per-insert minimum over runs.
pub fn minimum(runs: &[Vec<u64>]) -> Vec<u64> {
    let mut min = runs.first().cloned().unwrap_or_default();
    for r in &runs[1.min(runs.len())..] {
        for (m, &v) in min.iter_mut().zip(r) {
            *m = (*m).min(v);
        }
    }
    min
}

/// The summary of one map's runs.
pub fn summarize(map: MapKind, runs: &[Vec<u64>], os: &[OsCounts]) -> Summary {
    let samples = minimum(runs);
    let mut sorted = samples.clone();
    sorted.sort_unstable();
    let total: u64 = samples.iter().sum();
    let (max_at, max) = samples.iter().enumerate().max_by_key(|(i, &v)| (v, std::cmp::Reverse(*i))).unwrap_or((0, &0));
    Summary {
        map,
        keys: samples.len() as u64,
        runs: runs.len() as u64,
        p50_ns: percentile(&sorted, 0.50),
        p99_ns: percentile(&sorted, 0.99),
        p999_ns: percentile(&sorted, 0.999),
        max_ns: *max,
        mean_ns: total as f64 / samples.len().max(1) as f64,
        total_ms: total as f64 / 1e6,
        slow: samples.iter().filter(|&&v| v >= SLOW_NS).count() as u64,
        max_at: max_at as u64,
        raw_max_ns: runs.iter().flatten().copied().max().unwrap_or(0),
        minor_faults_per_run: os.iter().map(|o| o.minor_faults).sum::<u64>() / os.len().max(1) as u64,
        involuntary_switches: os.iter().map(|o| o.involuntary_switches).sum(),
    }
}

/// `insert,ns,phase,run1,...`: `ns` is the minimum over the runs, `phase`
/// the map's `PHASE_*` bits after the insert (empty when not shown).
fn write_samples(path: &Path, runs: &[Vec<u64>], phases: &[u8]) -> Result<()> {
    let min = minimum(runs);
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut head = vec!["insert".to_owned(), "ns".to_owned(), "phase".to_owned()];
    head.extend((1..=runs.len()).map(|r| format!("run{r}")));
    w.write_record(&head)?;
    let mut rec = Vec::with_capacity(head.len());
    for (i, ns) in min.iter().enumerate() {
        rec.clear();
        rec.push(i.to_string());
        rec.push(ns.to_string());
        rec.push(match phases.get(i) {
            Some(&p) if p != PHASE_UNKNOWN => p.to_string(),
            _ => String::new(),
        });
        rec.extend(runs.iter().map(|r| r[i].to_string()));
        w.write_record(&rec)?;
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// One map's data as read back from its CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub map: MapKind,
    /// Each run's latencies.
    pub runs: Vec<Vec<u64>>,
    /// `PHASE_*` bits after each insert (`PHASE_UNKNOWN` when not shown).
    pub phases: Vec<u8>,
}

/// Reads a map's runs and phases back from the CSV a run wrote.
pub fn read_series(map: MapKind, path: &Path) -> Result<Series> {
    let mut r = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = r.headers()?.clone();
    let cols: Vec<usize> = headers.iter().enumerate().filter(|(_, h)| h.starts_with("run")).map(|(i, _)| i).collect();
    let phase_col = headers.iter().position(|h| h == "phase");
    anyhow::ensure!(!cols.is_empty(), "{} has no run columns", path.display());
    let mut runs = vec![Vec::new(); cols.len()];
    let mut phases = Vec::new();
    for (row, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("bad CSV in {}", path.display()))?;
        phases.push(phase_col.and_then(|c| rec.get(c)).and_then(|p| p.parse().ok()).unwrap_or(PHASE_UNKNOWN));
        for (run, &c) in runs.iter_mut().zip(&cols) {
            let ns = rec
                .get(c)
                .and_then(|s| s.parse().ok())
                .with_context(|| format!("{}: row {} has no latency in column {}", path.display(), row + 1, c + 1))?;
            run.push(ns);
        }
    }
    Ok(Series { map, runs, phases })
}

/// Inserts of at least `threshold` ns (per-insert minimum over the runs)
/// by what the map was doing before or after them: (all, during a resize,
/// while releasing an old array, neither). `None` for maps that do not
/// show their state.
pub fn attribution(s: &Series, threshold: u64) -> Option<[u64; 4]> {
    if s.phases.contains(&PHASE_UNKNOWN) {
        return None;
    }
    let min = minimum(&s.runs);
    let mut out = [0u64; 4];
    for (i, &ns) in min.iter().enumerate() {
        if ns < threshold {
            continue;
        }
        let p = s.phases[i] | if i > 0 { s.phases[i - 1] } else { 0 };
        out[0] += 1;
        if p & PHASE_RESIZING != 0 {
            out[1] += 1;
        } else if p & PHASE_RELEASING != 0 {
            out[2] += 1;
        } else {
            out[3] += 1;
        }
    }
    Some(out)
}

/// Nanoseconds for people: 850 ns, 12.3 µs, 4.56 ms.
pub fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e4 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn ratio(a: u64, b: u64) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.2}x", a as f64 / b as f64)
    }
}

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    let per_key = BYTES_PER_KEY.saturating_add(8 * args.runs);
    limits::ensure_fits("--keys", args.keys, per_key)?;
    let n = usize::try_from(args.keys).context("--keys does not fit in this machine's address space")?;
    let clock = Clock::new();
    let ci = clock_overhead(&clock, 1 << 20);
    let pb = progress::bar(args.keys * args.runs * MapKind::ALL.len() as u64, 5_000_000, "latency");
    let mut files = Vec::new();
    let mut csvs = Vec::new();
    let mut os_counts = Vec::new();
    for kind in MapKind::ALL {
        let mut runs = Vec::new();
        let mut os = Vec::new();
        // The same keys and hasher each run, so the phases repeat; the
        // last run's are kept.
        let mut phases = vec![PHASE_UNKNOWN; n];
        for _ in 0..args.runs {
            // Written, not just allocated, so that its pages are resident
            // before the first timed insert.
            let mut samples = vec![u64::MAX; n];
            let before = OsCounts::now();
            run_map(kind, &mut samples, &mut phases, &clock, &pb);
            os.push(OsCounts::now().since(&before));
            runs.push(samples);
        }
        let p = dir.join(csv_name(kind));
        write_samples(&p, &runs, &phases)?;
        files.push(p.clone());
        csvs.push((kind, p));
        os_counts.push(os);
    }
    pb.finish_and_clear();

    // Everything below is computed from the CSV files just written.
    let mut sums = Vec::new();
    let mut series = Vec::new();
    for ((kind, p), os) in csvs.iter().zip(&os_counts) {
        let s = read_series(*kind, p)?;
        sums.push(summarize(*kind, &s.runs, os));
        series.push(s);
    }
    let summary_csv = dir.join("summary.csv");
    {
        let mut w =
            csv::Writer::from_path(&summary_csv).with_context(|| format!("cannot write {}", summary_csv.display()))?;
        for s in &sums {
            w.serialize(s)?;
        }
        w.flush()?;
    }
    let clock_json = dir.join("clock.json");
    std::fs::write(&clock_json, serde_json::to_string_pretty(&ci)? + "\n")
        .with_context(|| format!("cannot write {}", clock_json.display()))?;
    files.extend([summary_csv, clock_json]);
    let svg = dir.join("latency.svg");
    plot::panels(&series, &svg)?;
    files.push(svg.clone());

    let hb = sums.iter().find(|s| s.map == MapKind::Hashbrown).cloned().expect("hashbrown ran");
    let mut t = Table::new(&[
        "map",
        "p50",
        "p99",
        "p99.9",
        "max",
        "p50 ×hb",
        "p99 ×hb",
        "p99.9 ×hb",
        "max ×hb",
        "mean",
        "≥10 µs",
        "slowest at",
        "max, one run",
        "faults/run",
        "preempted",
    ]);
    for s in &sums {
        t.row(vec![
            s.map.name().into(),
            fmt_ns(s.p50_ns as f64),
            fmt_ns(s.p99_ns as f64),
            fmt_ns(s.p999_ns as f64),
            fmt_ns(s.max_ns as f64),
            ratio(s.p50_ns, hb.p50_ns),
            ratio(s.p99_ns, hb.p99_ns),
            ratio(s.p999_ns, hb.p999_ns),
            ratio(s.max_ns, hb.max_ns),
            fmt_ns(s.mean_ns),
            thousands(s.slow),
            format!("#{}", thousands(s.max_at + 1)),
            fmt_ns(s.raw_max_ns as f64),
            thousands(s.minor_faults_per_run),
            thousands(s.involuntary_switches),
        ]);
    }
    let head = format!(
        "Per-insert latency, {} u64 keys (splitmix64(i)) into each empty map, {} run(s) per map; insert i's latency is its minimum over the runs. foldhash fast with one fixed seed for all maps, one process, maps one after another.\nClock: {}; two back-to-back reads cost {:.1} ns (median), {:.1} ns (mean), smallest step {:.1} ns. Every latency includes that pair.\n",
        thousands(args.keys),
        args.runs,
        ci.source,
        ci.median_ns,
        ci.mean_ns,
        ci.step_ns
    );
    let foot = format!(
        "×hb: ratio to hashbrown 0.17. \"max, one run\": the slowest insert of any single run, OS noise included. faults/run: minor page faults per run (first touches of fresh pages); preempted: involuntary context switches in all runs. Maps: {}.",
        legend()
    );
    let mut at = Table::new(&["map", "inserts ≥ 1 µs", "during a resize", "while releasing", "neither"]);
    for s in &series {
        if let Some([all, resizing, releasing, neither]) = attribution(s, 1_000) {
            at.row(vec![
                s.map.name().into(),
                thousands(all),
                thousands(resizing),
                thousands(releasing),
                thousands(neither),
            ]);
        }
    }
    let at_head = "Where the slow inserts fall, for the maps that show their state (the state before or after the insert; \"releasing\": tophash handing a retired array back to the OS):";
    let mut text = head.clone();
    text.push('\n');
    text.push_str(&t.text());
    let _ = writeln!(text, "\n{foot}\n\n{at_head}\n\n{}", at.text());
    let mut page = html::p(&head);
    page.push_str(&t.html());
    page.push_str(&html::p(&foot));
    page.push_str(&html::p(at_head));
    page.push_str(&at.html());
    page.push_str(&html::figure(
        &svg,
        "Latency of each insert against its index, one panel per map (log y). Per column of inserts: the slowest of any run (light), the slowest of the per-insert minimum over runs (colour) and its median (grey). Shaded: a resize under way (yellow), an old array being released (blue).",
    )?);
    Ok(Outcome { text, html: page, files })
}

fn legend() -> String {
    MapKind::ALL.iter().map(|m| format!("{} = {}", m.name(), m.label())).collect::<Vec<_>>().join("; ")
}

/// The CSV file a run writes for `map`: one `insert,ns` row per insert.
pub fn csv_name(map: MapKind) -> PathBuf {
    PathBuf::from(format!("latency-{}.csv", map.name()))
}

#[cfg(test)]
mod tests;
