//! `latency`: the cost of every single insert, from an empty map to `--keys`
//! entries, for tophash, hashbrown 0.17, std's `HashMap`, griddle 0.5 and
//! the Redis 7 dict reference ([`crate::redis_dict`]).
//!
//! A rehash-everything map (hashbrown, std) pays for each growth in one
//! insert; the incremental ones (tophash, griddle, Redis) spread it over
//! later inserts. This study shows that as one picture (latency against
//! insert index, a panel per map, log y) and the percentiles.
//!
//! It runs the workspace's one latency harness, `tophash_bench::latency`
//! (keys, hasher, clock, timing loop, CSV and plot are described there),
//! in this process, the maps one after another; the Redis dict joins the
//! harness's maps as a [`MapFamily`] of this crate. Each insert is timed
//! between two fenced TSC reads whose cost is measured and printed, and
//! is included in every latency. The full-size harness, one process per
//! map and Go 1.19 alongside, is `scripts/latency.sh`.

use std::fmt::Write as _;
use std::hash::{BuildHasher, Hash};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use foldhash::fast::FixedState;
use serde::{Deserialize, Serialize};
use tophash_bench::latency::clock::{Clock, ClockInfo};
use tophash_bench::latency::maps::{PHASE_RELEASING, PHASE_RESIZING};
use tophash_bench::latency::report::{fmt_ns, ratio};
use tophash_bench::latency::runs::{stats, RunSet};
use tophash_bench::latency::timing::Options;
use tophash_bench::latency::{
    data, hasher, plot, Family, KeyKind, MapFamily, MapKind, MapUnderTest, Phase, Resize, TimedMap, Workload,
};
use tophash_bench::size;

use super::report::html::{self, thousands};
use super::report::table::Table;
use super::report::{limits, progress};
use super::Outcome;
use crate::redis_dict::Dict;

/// Options of `tophash-lab latency`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// Keys to insert into each map, starting from empty (1000, 200K, 1M, …).
    #[arg(long, short = 'n', default_value = "200K", value_parser = size::parser(1, MAX_KEYS))]
    pub keys: u64,
    /// Key type: u64 (splitmix64(i)) or string (the same as 16 hex digits).
    #[arg(long, value_enum, default_value = "u64")]
    pub key_kind: KeyKind,
    /// Runs per map; the latency of insert i is its minimum over the runs,
    /// so that a slow insert counts only if it is slow every time.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub runs: u64,
}

const MAX_KEYS: u64 = 1_000_000_000;

/// Memory per key while one map runs: the map (at most about 100 bytes
/// per entry, Redis's boxed nodes being the largest, plus an old array
/// during growth), the run's samples and the per-insert fastest and
/// slowest latencies (8 bytes each), and for String keys the keys.
fn bytes_per_key(keys: KeyKind) -> u64 {
    match keys {
        KeyKind::U64 => 200,
        KeyKind::String => 300,
    }
}

/// Inserts at least this slow are counted separately.
pub const SLOW_NS: u64 = 10_000;

/// The Redis dict reference as a map the harness can time.
#[derive(Debug)]
pub struct RedisFamily;

impl MapFamily for RedisFamily {
    type Map<K: Hash + Eq> = Dict<K, u64, FixedState>;
    fn empty<K: Hash + Eq>() -> Self::Map<K> {
        Dict::with_hasher(hasher())
    }
}

impl<K: Hash + Eq, S: BuildHasher> TimedMap<K> for Dict<K, u64, S> {
    #[inline(always)]
    fn insert(&mut self, k: K, v: u64) -> Option<u64> {
        Dict::insert(self, k, v)
    }
    fn entries(&self) -> usize {
        self.len()
    }
    /// Buckets of the table being filled (`ht[1]` while rehashing).
    fn capacity(&self) -> usize {
        let [old, new] = self.table_sizes();
        if self.is_rehashing() {
            new
        } else {
            old
        }
    }
    fn phase(&self) -> Phase {
        let [old, new] = self.table_sizes();
        let log2 = |s: usize| s.max(1).trailing_zeros() as u8;
        let resize =
            self.rehash_index().map(|at| Resize { kind: "rehash", old_b: log2(old), new_b: log2(new), progress: at });
        Phase { known: true, resize, releasing: false, next_ready: false }
    }
}

/// The maps this experiment runs: the harness's Rust maps and the dict.
pub fn maps_under_test() -> Vec<Box<dyn MapUnderTest>> {
    let mut maps: Vec<_> = MapKind::RUST.into_iter().filter_map(MapKind::under_test).collect();
    maps.push(Family::<RedisFamily>::boxed("redis", "Redis 7 dict reference (one bucket per operation)"));
    maps
}

/// One map's numbers: percentiles of its reproducible latencies (per
/// insert the fastest of the runs).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub map: String,
    pub keys: u64,
    pub runs: u64,
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub p999_ns: u64,
    /// The reproducible maximum.
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

/// One map's runs, as measured.
struct MapRuns {
    name: String,
    set: RunSet,
    /// `PHASE_*` bits after each insert (last run), for maps that show them.
    phases: Option<Vec<u8>>,
    minor_faults: Vec<u64>,
    involuntary_switches: u64,
}

/// Runs `map` `runs` times on `w` and writes its CSV into `dir`.
fn run_map(map: &dyn MapUnderTest, w: &Workload, runs: u64, clock: &Clock, dir: &Path) -> Result<MapRuns> {
    let n = usize::try_from(w.n).context("--keys does not fit in this machine's address space")?;
    let pb = progress::bar(w.n * runs, 5_000_000, map.name());
    let mut progress = |k| pb.inc(k);
    let mut opts = Options::new(clock, &mut progress);
    let mut m = MapRuns {
        name: map.name().to_owned(),
        set: RunSet::default(),
        phases: None,
        minor_faults: Vec::new(),
        involuntary_switches: 0,
    };
    for _ in 0..runs {
        // Written, not just allocated, so that its pages are resident
        // before the first timed insert.
        let mut samples = vec![u64::MAX; n];
        let found = map.measure(w.keys, &mut samples, &mut opts)?;
        m.set.add(&samples);
        m.minor_faults.push(found.usage.minor_faults);
        m.involuntary_switches += found.usage.involuntary_switches;
        // The same keys and hasher each run, so the phases repeat; the
        // last run's are kept.
        m.phases = found.phases(n);
    }
    pb.finish_and_clear();
    data::write_csv(&data::csv_path(dir, map.name(), w), &m.set, m.phases.as_deref())?;
    Ok(m)
}

/// The summary of one map's runs.
fn summarize(m: &MapRuns) -> Summary {
    let st = stats(&m.set.fastest);
    let (max_at, max) = m.set.repro_max();
    let runs = m.set.runs() as u64;
    Summary {
        map: m.name.clone(),
        keys: m.set.fastest.len() as u64,
        runs,
        p50_ns: st.p50,
        p99_ns: st.p99,
        p999_ns: st.p999,
        max_ns: max,
        mean_ns: st.mean,
        total_ms: st.total_ns as f64 / 1e6,
        slow: m.set.fastest.iter().filter(|&&v| v >= SLOW_NS).count() as u64,
        max_at,
        raw_max_ns: m.set.run_max().into_iter().max().unwrap_or(0),
        minor_faults_per_run: m.minor_faults.iter().sum::<u64>() / runs.max(1),
        involuntary_switches: m.involuntary_switches,
    }
}

/// Inserts whose reproducible latency is at least `threshold` ns, by what
/// the map was doing before or after them: (all, during a resize, while
/// releasing an old array, neither). `None` for maps that do not show
/// their state.
pub fn attribution(fastest: &[u64], phases: Option<&[u8]>, threshold: u64) -> Option<[u64; 4]> {
    let phases = phases?;
    let mut out = [0u64; 4];
    for i in (0..fastest.len()).filter(|&i| fastest[i] >= threshold) {
        let p = phases[i] | if i > 0 { phases[i - 1] } else { 0 };
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

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    limits::ensure_fits("--keys", args.keys, bytes_per_key(args.key_kind))?;
    let w = Workload { keys: args.key_kind, n: args.keys };
    let clock = Clock::new();
    let ci = clock.calibrate(1 << 20);
    let maps = maps_under_test();
    let mut measured = Vec::new();
    let mut files = Vec::new();
    for map in &maps {
        measured.push(run_map(map.as_ref(), &w, args.runs, &clock, dir)?);
        files.push(data::csv_path(dir, map.name(), &w));
    }
    let sums: Vec<Summary> = measured.iter().map(summarize).collect();
    let summary_csv = dir.join("summary.csv");
    let mut csv =
        csv::Writer::from_path(&summary_csv).with_context(|| format!("cannot write {}", summary_csv.display()))?;
    for s in &sums {
        csv.serialize(s)?;
    }
    csv.flush()?;
    let clock_json = dir.join("clock.json");
    std::fs::write(&clock_json, serde_json::to_string_pretty(&ci)? + "\n")
        .with_context(|| format!("cannot write {}", clock_json.display()))?;
    files.extend([summary_csv, clock_json]);
    // The picture is drawn from the CSV files just written.
    let label =
        |name: &str| maps.iter().find(|m| m.name() == name).map_or_else(|| name.to_owned(), |m| m.label().to_owned());
    let svgs = plot::plot_all(dir, dir, &label)?;
    files.extend(svgs.iter().cloned());
    render(args, &ci, &sums, &measured, &maps, &svgs).map(|(text, html)| Outcome { text, html, files })
}

/// The terminal text and the HTML fragment.
fn render(
    args: &Args,
    ci: &ClockInfo,
    sums: &[Summary],
    measured: &[MapRuns],
    maps: &[Box<dyn MapUnderTest>],
    svgs: &[PathBuf],
) -> Result<(String, String)> {
    let t = summary_table(sums);
    let head = format!(
        "Per-insert latency, {} {} keys (splitmix64(i){}) into each empty map, {} run(s) per map; insert i's latency is its minimum over the runs. foldhash fast with one fixed seed for all maps, one process, maps one after another.\nClock: {}; two back-to-back reads cost {:.1} ns (median), {:.1} ns (mean), resolution {:.1} ns. Every latency includes that pair.\n",
        thousands(args.keys),
        args.key_kind.name(),
        if args.key_kind == KeyKind::String { " as 16 hex digits" } else { "" },
        args.runs,
        ci.source,
        ci.median_ns,
        ci.mean_ns,
        ci.resolution_ns
    );
    let legend: Vec<String> = maps.iter().map(|m| format!("{} = {}", m.name(), m.label())).collect();
    let foot = format!(
        "÷hb: ratio to hashbrown 0.17. \"max, one run\": the slowest insert of any single run, OS noise included. faults/run: minor page faults per run (first touches of fresh pages); preempted: involuntary context switches in all runs. Maps: {}.",
        legend.join("; ")
    );
    let mut at = Table::new(&["map", "inserts ≥ 1 µs", "during a resize", "while releasing", "neither"]);
    for m in measured {
        if let Some([all, resizing, releasing, neither]) = attribution(&m.set.fastest, m.phases.as_deref(), 1_000) {
            at.row(vec![m.name.clone(), thousands(all), thousands(resizing), thousands(releasing), thousands(neither)]);
        }
    }
    let at_head = "Where the slow inserts fall, for the maps that show their state (the state before or after the insert; \"releasing\": tophash handing a finished resize's old array back to the OS):";
    let mut text = head.clone();
    text.push('\n');
    text.push_str(&t.text());
    let _ = writeln!(text, "\n{foot}\n\n{at_head}\n\n{}", at.text());
    let mut page = html::p(&head);
    page.push_str(&t.html());
    page.push_str(&html::p(&foot));
    page.push_str(&html::p(at_head));
    page.push_str(&at.html());
    for svg in svgs {
        page.push_str(&html::figure(
            svg,
            "Latency of each insert against its index, one panel per map (log y). Per column of inserts: the slowest of any run (light), the slowest reproducible latency (colour) and the median reproducible latency (grey). Shaded: a resize under way (yellow), an old array being released (blue).",
        )?);
    }
    Ok((text, page))
}

fn summary_table(sums: &[Summary]) -> Table {
    let hb = sums.iter().find(|s| s.map == MapKind::Hashbrown.name());
    let base = |f: fn(&Summary) -> u64| hb.map_or(0, f);
    let mut t = Table::new(&[
        "map",
        "p50",
        "p99",
        "p99.9",
        "max",
        "p50 ÷hb",
        "p99 ÷hb",
        "p99.9 ÷hb",
        "max ÷hb",
        "mean",
        "≥10 µs",
        "slowest at",
        "max, one run",
        "faults/run",
        "preempted",
    ]);
    for s in sums {
        t.row(vec![
            s.map.clone(),
            fmt_ns(s.p50_ns as f64),
            fmt_ns(s.p99_ns as f64),
            fmt_ns(s.p999_ns as f64),
            fmt_ns(s.max_ns as f64),
            ratio(s.p50_ns, base(|h| h.p50_ns)),
            ratio(s.p99_ns, base(|h| h.p99_ns)),
            ratio(s.p999_ns, base(|h| h.p999_ns)),
            ratio(s.max_ns, base(|h| h.max_ns)),
            fmt_ns(s.mean_ns),
            thousands(s.slow),
            format!("#{}", thousands(s.max_at)),
            fmt_ns(s.raw_max_ns as f64),
            thousands(s.minor_faults_per_run),
            thousands(s.involuntary_switches),
        ]);
    }
    t
}

#[cfg(test)]
mod tests;
