//! `compare`: one process, one table. Runs the workloads of
//! `tophash_bench::work` on tophash, hashbrown, std (foldhash and SipHash),
//! griddle, indexmap and `BTreeMap`, plus Go 1.19's runtime map through the
//! Go program in `go/compare`, and prints a markdown table of median ns/op
//! (and each map's ratio to hashbrown) with memory per entry.
//!
//! ```text
//! cargo run --release -p tophash-bench --bin compare -- --quick
//! cargo run --release -p tophash-bench --bin compare -- --sizes 1K,100K,1M --reps 5
//! ```
//!
//! (`scripts/compare.sh` installs Go 1.19 and the word list first.)
//!
//! Method, per (key kind, size n, map): one untimed build measures memory,
//! then `--reps` rounds each run every workload. Within a round a workload
//! is timed over `ceil(min_ops / n)` passes of n operations, clocked per
//! pass (per group of passes covering >= 10,000 operations for lookups and
//! iteration); the round's figure is the median of those samples,
//! and the table shows the median round, in ns per operation. Each sample
//! is wall time minus the time the thread sat runnable waiting for a CPU
//! (`/proc/thread-self/schedstat`), so other processes on a shared machine
//! do not inflate it (they still share caches and memory bandwidth); the
//! Go program does the same on its locked OS thread.
//! Every pass's checksum is verified, Go's too, and Go's checksums must
//! equal the Rust maps'. All foldhash maps share one fixed seed.
//!
//! Memory: a counting global allocator, switched on only around one
//! untimed build from empty, records the bytes live after the build
//! (`live`) and their high-water mark during it (`peak`, which includes the
//! old table while a resize is under way); each divided by n. tophash maps
//! bucket arrays of 1 MiB and more straight from the OS, out of the
//! allocator's sight, so for it the runner also takes the map's own
//! `allocated_bytes()` (after the build, and at every capacity change for
//! the peak) and keeps the larger figure. Go's `live` is the HeapAlloc
//! delta around the same build after `runtime.GC()`; Go has no peak here.
//! String keys are created before the measurement, so their heap bytes are
//! not counted, only the map's entries (a Rust `String` is 24 bytes, a Go
//! string header 16).
//!
//! Results also go to `--out` (default `target/compare`): `results.json`,
//! `results.csv`, `table.md`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use serde::{Deserialize, Serialize};
use tophash_bench::keys::{KeyKind, KeySet, Words, MAX_SIZE, WORDS_PATH};
use tophash_bench::maps::{BTree, BenchMap, Griddle, Hashbrown, IndexMapFold, StdFold, StdSip, Tophash};
use tophash_bench::runqueue::{self, RunQueue};
use tophash_bench::work::{self, Workload};

// ---------------------------------------------------------------------------
// Counting allocator

/// Forwards to `System`; while [`COUNTING`] is on, tracks bytes allocated
/// minus freed ([`CUR`]) and its maximum ([`PEAK`]). Off (one relaxed load
/// per call) during timed passes.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static CUR: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

#[inline]
fn count(allocated: usize, freed: usize) {
    if COUNTING.load(Relaxed) {
        let cur = CUR.fetch_add(allocated as isize - freed as isize, Relaxed) + allocated as isize - freed as isize;
        PEAK.fetch_max(cur, Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged and returns its result, so `System`'s guarantees carry over; the
// counting touches only atomics and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which
        // is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size(), 0);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`. Forwarding (instead of the default alloc +
        // memset) keeps calloc's lazily zeroed pages, which tophash relies on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size(), 0);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`,
        // with `layout` (the caller's contract).
        unsafe { System.dealloc(ptr, layout) };
        count(0, layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr`/`layout` come from this allocator (i.e. `System`)
        // and `new_size` satisfies `realloc`'s contract (the caller's).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size, layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Bytes counted between [`window_start`] and [`window_stop`].
#[derive(Clone, Copy, Debug, Default)]
struct AllocStats {
    live: isize,
    peak: isize,
}

fn window_start() {
    CUR.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
}

fn window_stop() -> AllocStats {
    COUNTING.store(false, Relaxed);
    AllocStats { live: CUR.load(Relaxed), peak: PEAK.load(Relaxed) }
}

// ---------------------------------------------------------------------------
// CLI

const DEFAULT_SIZES: &str = "1K,100K,1M,10M";
const QUICK_SIZES: &str = "1K,100K";

#[derive(Parser, Debug)]
#[command(
    name = "compare",
    version,
    about = "Compare tophash with hashbrown, std, griddle, indexmap, BTreeMap and Go 1.19's map; print one markdown table"
)]
struct Cli {
    /// Map sizes, comma-separated; K and M suffixes allowed [default: 1K,100K,1M,10M; with --quick 1K,100K]
    #[arg(long, value_delimiter = ',', value_parser = parse_size)]
    sizes: Option<Vec<usize>>,
    /// Rounds per (keys, size, map); the table shows the median [default: 3]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    reps: Option<u32>,
    /// Repeat each timed pass until it covers this many operations [default: 1000000; with --quick 200000]
    #[arg(long, value_parser = parse_size)]
    min_ops: Option<usize>,
    /// Small, fast configuration: sizes 1K,100K and 200K operations per timed pass
    #[arg(long)]
    quick: bool,
    /// Key kinds, comma-separated: u64_seq, u64_rand, string
    #[arg(long, value_delimiter = ',', value_parser = parse_kind, default_value = "u64_seq,u64_rand,string")]
    keys: Vec<KeyKind>,
    /// Workloads, comma-separated: insert, insert_presized, lookup_hit, lookup_miss, remove, churn, iterate, clone
    #[arg(long, value_delimiter = ',', value_parser = parse_workload,
          default_value = "insert,insert_presized,lookup_hit,lookup_miss,remove,churn,iterate,clone")]
    workloads: Vec<Workload>,
    /// Maps, comma-separated: tophash, hashbrown, std_fold, std_sip, griddle, indexmap, btreemap, go
    #[arg(long, value_delimiter = ',', value_parser = parse_map,
          default_value = "tophash,hashbrown,std_fold,std_sip,griddle,indexmap,btreemap,go")]
    maps: Vec<String>,
    /// Output directory for results.json, results.csv and table.md [default: <workspace>/target/compare]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Word list for string keys (Debian package wamerican)
    #[arg(long, default_value = WORDS_PATH)]
    words: PathBuf,
    /// Go toolchain to build go/compare with [default: /usr/lib/go-1.19/bin/go, else `go` on PATH]
    #[arg(long)]
    go: Option<PathBuf>,
    /// Directory of the Go program [default: <workspace>/go/compare]
    #[arg(long)]
    go_src: Option<PathBuf>,
}

fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim().replace('_', "");
    let (digits, mult) = match t.as_bytes().last() {
        Some(b'k' | b'K') => (&t[..t.len() - 1], 1_000),
        Some(b'm' | b'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (&t[..], 1),
    };
    let n = digits
        .parse::<usize>()
        .ok()
        .and_then(|d| d.checked_mul(mult))
        .ok_or_else(|| format!("'{s}' is not a size (examples: 1000, 100K, 10M)"))?;
    if n == 0 || n > MAX_SIZE {
        return Err(format!("size {n} out of range 1..={MAX_SIZE}"));
    }
    Ok(n)
}

fn parse_kind(s: &str) -> Result<KeyKind, String> {
    KeyKind::parse(s.trim()).ok_or_else(|| format!("unknown key kind '{s}' (u64_seq, u64_rand, string)"))
}

fn parse_workload(s: &str) -> Result<Workload, String> {
    Workload::parse(s.trim()).ok_or_else(|| {
        let all: Vec<_> = Workload::ALL.iter().map(|w| w.name()).collect();
        format!("unknown workload '{s}' ({})", all.join(", "))
    })
}

/// Map ids in table order; "go" is the Go program.
const MAP_IDS: [&str; 8] = ["tophash", "hashbrown", "std_fold", "std_sip", "griddle", "indexmap", "btreemap", "go"];

fn parse_map(s: &str) -> Result<String, String> {
    let s = s.trim();
    if MAP_IDS.contains(&s) {
        Ok(s.to_owned())
    } else {
        Err(format!("unknown map '{s}' ({})", MAP_IDS.join(", ")))
    }
}

/// The resolved configuration.
#[derive(Debug, Clone, Serialize)]
struct Config {
    sizes: Vec<usize>,
    reps: u32,
    min_ops: usize,
    keys: Vec<String>,
    workloads: Vec<String>,
    maps: Vec<String>,
    words: PathBuf,
    out: PathBuf,
    go_version: Option<String>,
}

fn workspace_path(rel: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().and_then(Path::parent).unwrap_or(manifest).join(rel)
}

// ---------------------------------------------------------------------------
// Records

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TimeRecord {
    map: String,
    keys: String,
    size: usize,
    workload: String,
    iters: usize,
    rounds_ns_per_op: Vec<f64>,
    #[serde(default)]
    median_ns_per_op: f64,
    checksum: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MemRecord {
    map: String,
    keys: String,
    size: usize,
    live_bytes: i64,
    #[serde(default)]
    peak_bytes: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum GoLine {
    Time(TimeRecord),
    Mem(MemRecord),
}

#[derive(Debug, Default, Serialize)]
struct Results {
    config: Option<Config>,
    times: Vec<TimeRecord>,
    memory: Vec<MemRecord>,
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

// ---------------------------------------------------------------------------
// Rust measurements

/// Times a closure in busy time: wall time minus the time this thread spent
/// runnable but waiting for a CPU (`tophash_bench::runqueue`). On this
/// shared 2-core machine other processes otherwise inflate every sample
/// that spans a preemption; on an idle machine the correction is zero. The
/// counter is read outside the timed span.
struct Clock {
    runqueue: RunQueue,
    /// Total run-queue wait subtracted, and total wall time measured.
    waited: Duration,
    wall: Duration,
}

impl Clock {
    fn new() -> Clock {
        Clock { runqueue: RunQueue::open(), waited: Duration::ZERO, wall: Duration::ZERO }
    }

    #[inline]
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> (Duration, T) {
        let w0 = self.runqueue.delay();
        let t = Instant::now();
        let out = black_box(f());
        let d = t.elapsed();
        let (busy, waited) = runqueue::busy(d, w0, self.runqueue.delay());
        self.wall += d;
        self.waited += waited;
        (busy, out)
    }
}

/// Operations a lookup or iteration sample covers at least: passes over
/// small maps are grouped so the clock's own cost (~0.1 µs in a VM) stays
/// negligible.
const MIN_SAMPLE_OPS: usize = 10_000;

struct Pass<'a> {
    map: &'static str,
    kind: KeyKind,
    n: usize,
    /// Timed passes per round: `ceil(min_ops / n)`.
    iters: usize,
    /// Passes per sample for lookups and iteration: `ceil(MIN_SAMPLE_OPS / n)`.
    chunk: usize,
    workloads: &'a [Workload],
    /// Per workload: one figure per round (median of its samples) and the
    /// last checksum.
    samples: BTreeMap<&'static str, (Vec<f64>, u64)>,
}

/// The samples of one workload in one round.
#[derive(Default)]
struct Round {
    ns_per_op: Vec<f64>,
    checksum: u64,
}

impl Round {
    fn push(&mut self, d: Duration, ops: usize, checksum: u64) {
        self.ns_per_op.push(d.as_nanos() as f64 / ops as f64);
        self.checksum = checksum;
    }
}

impl Pass<'_> {
    fn wants(&self, w: Workload) -> bool {
        self.workloads.contains(&w)
    }

    fn check(&self, w: Workload, checksum: u64) -> Result<u64> {
        work::verify(self.map, w, self.n, checksum).map_err(|e| anyhow::anyhow!("{} keys: {e}", self.kind))?;
        Ok(checksum)
    }

    /// Number of samples a lookup or iteration workload takes per round.
    fn chunks(&self) -> usize {
        self.iters.div_ceil(self.chunk)
    }

    fn record(&mut self, w: Workload, round: Round) {
        let e = self.samples.entry(w.name()).or_default();
        e.0.push(median(&round.ns_per_op));
        e.1 = round.checksum;
    }
}

/// Runs every selected workload `reps` times on map type `M`.
///
/// A round times each workload in samples: `chunk` passes (of n operations)
/// per sample for lookups and iteration, one pass per sample for the rest
/// (they need a fresh map or fresh keys, or produce a map), `iters` passes
/// in all. The
/// round's figure is the median sample (a pass preempted by another process
/// on this shared machine is an outlier, not a shift), and the reported
/// figure is the median round.
fn run_map<K: Clone, M: BenchMap<K>>(ks: &KeySet<K>, kind: KeyKind, cfg: &Config, res: &mut Results) -> Result<()> {
    let n = ks.len();
    let workloads: Vec<Workload> = cfg.workloads.iter().filter_map(|w| Workload::parse(w)).collect();
    let mut p = Pass {
        map: M::ID,
        kind,
        n,
        iters: cfg.min_ops.div_ceil(n).max(1),
        chunk: MIN_SAMPLE_OPS.div_ceil(n).max(1),
        workloads: &workloads,
        samples: BTreeMap::new(),
    };
    let started = Instant::now();

    // Memory: one untimed build from empty, counted. Maps that hold memory
    // the allocator cannot see (tophash's mmapped arrays) are also asked,
    // after the build and whenever the capacity changes (a growth starts:
    // old and new arrays are both held), and the larger figure is kept.
    {
        let mut owned = ks.keys.clone();
        window_start();
        let mut m = M::empty();
        let mut cap = m.capacity();
        let mut held_peak = 0;
        let mut fresh = 0;
        for (i, k) in owned.drain(..).enumerate() {
            fresh += u64::from(m.insert(k, i as u64).is_none());
            if m.capacity() != cap {
                cap = m.capacity();
                held_peak = held_peak.max(m.held_bytes().unwrap_or(0));
            }
        }
        let stats = window_stop();
        p.check(Workload::Insert, fresh)?;
        ensure!(m.len() == n, "{}: len {} after building {n} keys", M::ID, m.len());
        let held = m.held_bytes().unwrap_or(0);
        res.memory.push(MemRecord {
            map: M::ID.into(),
            keys: kind.name().into(),
            size: n,
            live_bytes: stats.live.max(held as isize) as i64,
            peak_bytes: Some(stats.peak.max(held as isize).max(held_peak as isize) as i64),
        });
    }

    let mut clock = Clock::new();
    for _ in 0..cfg.reps {
        // insert: from empty. The last map built is the subject of the
        // read-only workloads and of the first remove pass.
        let mut r = Round::default();
        let mut keep: Option<M> = None;
        for _ in 0..p.iters {
            let mut owned = ks.keys.clone();
            drop(keep.take());
            let (d, (m, c)) = clock.time(|| {
                let mut m = M::empty();
                let c = work::fill(&mut m, owned.drain(..));
                (m, c)
            });
            r.push(d, n, p.check(Workload::Insert, c)?);
            ensure!(m.len() == n, "{}: len {} after inserting {n} keys", M::ID, m.len());
            keep = Some(m);
        }
        if p.wants(Workload::Insert) {
            p.record(Workload::Insert, r);
        }
        let Some(m) = keep else { bail!("no iterations") };

        if p.wants(Workload::InsertPresized) && M::presized(0).is_some() {
            let mut r = Round::default();
            for _ in 0..p.iters {
                let mut owned = ks.keys.clone();
                let (d, (m, c)) = clock.time(|| {
                    let mut m = M::presized(n).expect("checked above");
                    let c = work::fill(&mut m, owned.drain(..));
                    (m, c)
                });
                r.push(d, n, p.check(Workload::InsertPresized, c)?);
                ensure!(m.len() == n, "{}: len {} after inserting {n} keys", M::ID, m.len());
            }
            p.record(Workload::InsertPresized, r);
        }

        if p.wants(Workload::LookupHit) {
            let mut r = Round::default();
            for _ in 0..p.chunks() {
                let (d, c) = clock.time(|| {
                    let mut c = 0;
                    for _ in 0..p.chunk {
                        c = black_box(work::sum_found(black_box(&m), &ks.lookup));
                    }
                    c
                });
                r.push(d, p.chunk * n, p.check(Workload::LookupHit, c)?);
            }
            p.record(Workload::LookupHit, r);
        }

        if p.wants(Workload::LookupMiss) {
            let mut r = Round::default();
            for _ in 0..p.chunks() {
                let (d, c) = clock.time(|| {
                    let mut c = 0;
                    for _ in 0..p.chunk {
                        c = black_box(work::count_found(black_box(&m), &ks.miss));
                    }
                    c
                });
                r.push(d, p.chunk * n, p.check(Workload::LookupMiss, c)?);
            }
            p.record(Workload::LookupMiss, r);
        }

        if p.wants(Workload::Iterate) {
            let mut r = Round::default();
            for _ in 0..p.chunks() {
                let (d, c) = clock.time(|| {
                    let mut c = 0;
                    for _ in 0..p.chunk {
                        c = black_box(work::iterate(black_box(&m)));
                    }
                    c
                });
                r.push(d, p.chunk * n, p.check(Workload::Iterate, c)?);
            }
            p.record(Workload::Iterate, r);
        }

        if p.wants(Workload::Clone) {
            // One clone per sample, dropped (untimed) before the next: the
            // next clone reuses the freed memory, as in a program that clones
            // repeatedly. Keeping a group alive instead measures page faults
            // whenever malloc trims and regrows its heap.
            let mut r = Round::default();
            for _ in 0..p.iters {
                let (d, copy) = clock.time(|| black_box(&m).clone());
                ensure!(copy.len() == n, "{}: clone has {} entries, not {n}", M::ID, copy.len());
                r.push(d, n, p.check(Workload::Clone, work::iterate(&copy))?);
            }
            p.record(Workload::Clone, r);
        }

        if p.wants(Workload::Remove) {
            let mut r = Round::default();
            let mut first = Some(m);
            for _ in 0..p.iters {
                let mut m = first.take().unwrap_or_else(|| work::build::<K, M>(&ks.keys));
                let (d, c) = clock.time(|| work::remove_all(&mut m, &ks.lookup));
                r.push(d, n, p.check(Workload::Remove, c)?);
                ensure!(m.is_empty(), "{}: {} entries left after removing all", M::ID, m.len());
            }
            p.record(Workload::Remove, r);
        } else {
            drop(m);
        }

        if p.wants(Workload::Churn) {
            let mut r = Round::default();
            for _ in 0..p.iters {
                let mut m = work::build::<K, M>(&ks.keys);
                let mut owned = ks.fresh.clone();
                let (d, c) = clock.time(|| work::churn(&mut m, &ks.keys, owned.drain(..)));
                r.push(d, n, p.check(Workload::Churn, c)?);
                ensure!(m.len() == n, "{}: churn left {} entries, not {n}", M::ID, m.len());
            }
            p.record(Workload::Churn, r);
        }
    }

    for (w, (rounds, checksum)) in std::mem::take(&mut p.samples) {
        res.times.push(TimeRecord {
            map: M::ID.into(),
            keys: kind.name().into(),
            size: n,
            workload: w.into(),
            iters: p.iters,
            median_ns_per_op: median(&rounds),
            rounds_ns_per_op: rounds,
            checksum,
        });
    }
    let share = clock.waited.as_secs_f64() / clock.wall.as_secs_f64().max(1e-9);
    eprintln!(
        "  {:<10} {:>7.1}s  (run-queue wait removed from timed spans: {:.0}%)",
        M::ID,
        started.elapsed().as_secs_f64(),
        100.0 * share
    );
    Ok(())
}

fn run_rust<K: Clone + Ord + std::hash::Hash>(
    ks: &KeySet<K>,
    kind: KeyKind,
    cfg: &Config,
    res: &mut Results,
) -> Result<()> {
    let on = |id: &str| cfg.maps.iter().any(|m| m == id);
    if on("tophash") {
        run_map::<K, Tophash<K>>(ks, kind, cfg, res)?;
    }
    if on("hashbrown") {
        run_map::<K, Hashbrown<K>>(ks, kind, cfg, res)?;
    }
    if on("std_fold") {
        run_map::<K, StdFold<K>>(ks, kind, cfg, res)?;
    }
    if on("std_sip") {
        run_map::<K, StdSip<K>>(ks, kind, cfg, res)?;
    }
    if on("griddle") {
        run_map::<K, Griddle<K>>(ks, kind, cfg, res)?;
    }
    if on("indexmap") {
        run_map::<K, IndexMapFold<K>>(ks, kind, cfg, res)?;
    }
    if on("btreemap") {
        run_map::<K, BTree<K>>(ks, kind, cfg, res)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Go

fn find_go(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        ensure!(p.exists(), "Go toolchain {} not found", p.display());
        return Ok(p.to_owned());
    }
    let debian = Path::new("/usr/lib/go-1.19/bin/go");
    if debian.exists() {
        return Ok(debian.to_owned());
    }
    if Command::new("go").arg("version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok() {
        return Ok(PathBuf::from("go"));
    }
    bail!("Go not found: apt-get install golang-1.19-go, pass --go PATH, or leave 'go' out of --maps")
}

/// Builds the Go program into `out`; returns (binary, `go version` output).
fn build_go(go: &Path, src: &Path, out: &Path) -> Result<(PathBuf, String)> {
    let v = Command::new(go).arg("version").output().with_context(|| format!("running {} version", go.display()))?;
    ensure!(v.status.success(), "{} version failed", go.display());
    let version = String::from_utf8_lossy(&v.stdout).trim().to_owned();
    if !version.contains("go1.19") {
        eprintln!("compare: warning: {version} is not Go 1.19; Go 1.24+ maps are Swiss tables, not the classic design");
    }
    ensure!(src.join("main.go").exists(), "Go program not found at {}", src.display());
    let bin = out.join("go-compare");
    let mut cmd = Command::new(go);
    // No third-party modules: stay offline, ignore a caller's GOFLAGS, and
    // never let a newer Go download another toolchain.
    cmd.args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(src)
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local");
    if std::env::var_os("GOCACHE").is_none() {
        cmd.env("GOCACHE", out.join("go-build-cache"));
    }
    let st = cmd.status().with_context(|| format!("running {} build", go.display()))?;
    ensure!(st.success(), "go build in {} failed ({st})", src.display());
    Ok((bin, version))
}

fn run_go(bin: &Path, cfg: &Config, res: &mut Results) -> Result<()> {
    let sizes: Vec<String> = cfg.sizes.iter().map(|s| s.to_string()).collect();
    eprintln!("go: running {}", bin.display());
    let started = Instant::now();
    let out = Command::new(bin)
        .arg("-sizes")
        .arg(sizes.join(","))
        .arg("-keys")
        .arg(cfg.keys.join(","))
        .arg("-workloads")
        .arg(cfg.workloads.join(","))
        .arg("-reps")
        .arg(cfg.reps.to_string())
        .arg("-min-ops")
        .arg(cfg.min_ops.to_string())
        .arg("-words")
        .arg(&cfg.words)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    ensure!(out.status.success(), "the Go program failed ({})", out.status);
    let text = String::from_utf8(out.stdout).context("Go output is not UTF-8")?;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<GoLine>(line).with_context(|| format!("bad line from Go: {line}"))? {
            GoLine::Time(mut t) => {
                let w = Workload::parse(&t.workload).with_context(|| format!("Go sent workload {}", t.workload))?;
                work::verify("go", w, t.size, t.checksum).map_err(anyhow::Error::msg)?;
                t.median_ns_per_op = median(&t.rounds_ns_per_op);
                res.times.push(t);
            }
            GoLine::Mem(m) => res.memory.push(m),
        }
    }
    eprintln!("go: done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Every Go checksum must equal the Rust maps' for the same (keys, size,
/// workload); they are all also checked against the formula.
fn cross_check(res: &Results) -> Result<()> {
    for g in res.times.iter().filter(|t| t.map == "go") {
        for r in res.times.iter().filter(|t| t.map != "go" && t.keys == g.keys && t.size == g.size) {
            if r.workload == g.workload {
                ensure!(
                    r.checksum == g.checksum,
                    "{} {} n={}: Go checksum {} != {} checksum {}",
                    g.workload,
                    g.keys,
                    g.size,
                    g.checksum,
                    r.map,
                    r.checksum
                );
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Output

fn label(id: &str, go_version: Option<&str>) -> String {
    match id {
        "tophash" => Tophash::<u64>::LABEL.into(),
        "hashbrown" => Hashbrown::<u64>::LABEL.into(),
        "std_fold" => StdFold::<u64>::LABEL.into(),
        "std_sip" => StdSip::<u64>::LABEL.into(),
        "griddle" => Griddle::<u64>::LABEL.into(),
        "indexmap" => IndexMapFold::<u64>::LABEL.into(),
        "btreemap" => BTree::<u64>::LABEL.into(),
        "go" => match go_version.and_then(|v| v.split_whitespace().nth(2)) {
            Some(v) => format!("Go {}", v.trim_start_matches("go")),
            None => "Go".into(),
        },
        other => other.into(),
    }
}

fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn fmt_size(n: usize) -> String {
    if n >= 1_000_000 && n % 1_000_000 == 0 {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n % 1000 == 0 {
        format!("{}K", n / 1000)
    } else {
        n.to_string()
    }
}

/// One table row: label cells plus a value per map id.
struct Row {
    what: String,
    keys: String,
    size: usize,
    values: BTreeMap<String, f64>,
}

fn rows(res: &Results, cfg: &Config) -> Vec<Row> {
    let mut out = Vec::new();
    for w in &cfg.workloads {
        for k in &cfg.keys {
            for &n in &cfg.sizes {
                let values: BTreeMap<String, f64> = res
                    .times
                    .iter()
                    .filter(|t| &t.workload == w && &t.keys == k && t.size == n)
                    .map(|t| (t.map.clone(), t.median_ns_per_op))
                    .collect();
                if !values.is_empty() {
                    out.push(Row { what: format!("{w} (ns/op)"), keys: k.clone(), size: n, values });
                }
            }
        }
    }
    type Metric = fn(&MemRecord) -> Option<f64>;
    let metrics: [(&str, Metric); 2] = [
        ("memory live (B/entry)", |m| Some(m.live_bytes as f64 / m.size as f64)),
        ("memory peak (B/entry)", |m| m.peak_bytes.map(|p| p as f64 / m.size as f64)),
    ];
    for (what, f) in metrics {
        for k in &cfg.keys {
            for &n in &cfg.sizes {
                let values: BTreeMap<String, f64> = res
                    .memory
                    .iter()
                    .filter(|m| &m.keys == k && m.size == n)
                    .filter_map(|m| f(m).map(|v| (m.map.clone(), v)))
                    .collect();
                if !values.is_empty() {
                    out.push(Row { what: what.into(), keys: k.clone(), size: n, values });
                }
            }
        }
    }
    out
}

fn table(res: &Results, cfg: &Config) -> String {
    let maps: Vec<&str> = MAP_IDS.iter().copied().filter(|id| cfg.maps.iter().any(|m| m == id)).collect();
    let go = maps.contains(&"go") && maps.contains(&"tophash");
    let mut s = String::new();
    let _ = write!(s, "| workload | keys | n |");
    for id in &maps {
        let _ = write!(s, " {} |", label(id, cfg.go_version.as_deref()));
    }
    if go {
        s.push_str(" tophash ÷ Go |");
    }
    s.push_str("\n|---|---|--:|");
    for _ in &maps {
        s.push_str("--:|");
    }
    if go {
        s.push_str("--:|");
    }
    s.push('\n');
    for r in rows(res, cfg) {
        let _ = write!(s, "| {} | {} | {} |", r.what, r.keys, fmt_size(r.size));
        let base = r.values.get("hashbrown").copied();
        for id in &maps {
            match (r.values.get(*id), base) {
                (Some(&v), Some(b)) if b > 0.0 => {
                    let _ = write!(s, " {} ({:.2}×) |", fmt_num(v), v / b);
                }
                (Some(&v), _) => {
                    let _ = write!(s, " {} |", fmt_num(v));
                }
                (None, _) => s.push_str(" — |"),
            }
        }
        if go {
            match (r.values.get("tophash"), r.values.get("go")) {
                (Some(&t), Some(&g)) if g > 0.0 => {
                    let _ = write!(s, " {:.2}× |", t / g);
                }
                _ => s.push_str(" — |"),
            }
        }
        s.push('\n');
    }
    s
}

fn csv(res: &Results, cfg: &Config) -> String {
    let mut s = String::from("metric,keys,size,map,value,unit,ratio_to_hashbrown,iters,rounds_ns_per_op\n");
    for r in rows(res, cfg) {
        let base = r.values.get("hashbrown").copied();
        let (metric, unit) = match r.what.split_once(" (") {
            Some((m, u)) => (m.replace(' ', "_"), u.trim_end_matches(')').to_owned()),
            None => (r.what.clone(), String::new()),
        };
        for (map, v) in &r.values {
            let ratio = base.filter(|b| *b > 0.0).map(|b| format!("{:.4}", v / b)).unwrap_or_default();
            let t = res.times.iter().find(|t| {
                t.map == *map && t.keys == r.keys && t.size == r.size && metric == t.workload.replace(' ', "_")
            });
            let (iters, samples) = match t {
                Some(t) => (
                    t.iters.to_string(),
                    t.rounds_ns_per_op.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(" "),
                ),
                None => (String::new(), String::new()),
            };
            let _ = writeln!(s, "{metric},{},{},{map},{v:.4},{unit},{ratio},{iters},{samples}", r.keys, r.size);
        }
    }
    s
}

// ---------------------------------------------------------------------------

fn run(cli: Cli) -> Result<()> {
    let sizes = match cli.sizes {
        Some(s) => s,
        None => {
            let def = if cli.quick { QUICK_SIZES } else { DEFAULT_SIZES };
            def.split(',').map(parse_size).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?
        }
    };
    let mut cfg = Config {
        sizes,
        reps: cli.reps.unwrap_or(3),
        min_ops: cli.min_ops.unwrap_or(if cli.quick { 200_000 } else { 1_000_000 }),
        keys: dedup(cli.keys.iter().map(|k| k.name().to_owned())),
        workloads: dedup(cli.workloads.iter().map(|w| w.name().to_owned())),
        maps: dedup(cli.maps),
        words: cli.words,
        out: cli.out.unwrap_or_else(|| workspace_path("target/compare")),
        go_version: None,
    };
    ensure!(!cfg.sizes.is_empty(), "--sizes is empty");

    // Fail on missing inputs before measuring anything.
    let words = if cfg.keys.iter().any(|k| k == "string") {
        Some(Words::load(&cfg.words).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    std::fs::create_dir_all(&cfg.out).with_context(|| format!("creating {}", cfg.out.display()))?;
    // The Go build runs in go/compare, so its -o path must not be relative.
    cfg.out = std::path::absolute(&cfg.out).with_context(|| format!("resolving {}", cfg.out.display()))?;
    let cfg_out = cfg.out.clone();
    let go_bin = if cfg.maps.iter().any(|m| m == "go") {
        let go = find_go(cli.go.as_deref())?;
        let src = cli.go_src.unwrap_or_else(|| workspace_path("go/compare"));
        let (bin, version) = build_go(&go, &src, &cfg_out)?;
        cfg.go_version = Some(version);
        Some(bin)
    } else {
        None
    };

    let mut res = Results::default();
    if let Some(bin) = &go_bin {
        run_go(bin, &cfg, &mut res)?;
    }
    for kind in cfg.keys.iter().filter_map(|k| KeyKind::parse(k)) {
        for &n in &cfg.sizes {
            eprintln!("rust: {kind} n={n}");
            if kind == KeyKind::Str {
                let ks = KeySet::strings(words.as_ref().context("word list not loaded")?, n);
                run_rust(&ks, kind, &cfg, &mut res)?;
            } else {
                let ks = KeySet::u64(kind, n);
                run_rust(&ks, kind, &cfg, &mut res)?;
            }
        }
    }
    cross_check(&res)?;

    let md = table(&res, &cfg);
    let csv = csv(&res, &cfg);
    res.config = Some(cfg.clone());
    let json = serde_json::to_string_pretty(&res)?;
    for (name, body) in [("table.md", &md), ("results.csv", &csv), ("results.json", &json)] {
        let p = cfg.out.join(name);
        std::fs::write(&p, body).with_context(|| format!("writing {}", p.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(md.as_bytes())?;
    stdout.flush()?;
    eprintln!("compare: wrote table.md, results.csv, results.json to {}", cfg.out.display());
    Ok(())
}

fn dedup(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for i in items {
        if !v.contains(&i) {
            v.push(i);
        }
    }
    v
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help / --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments");
            eprintln!("compare: {}", first.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(parse_size("1K"), Ok(1_000));
        assert_eq!(parse_size("10M"), Ok(10_000_000));
        assert_eq!(parse_size("100_000"), Ok(100_000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1Q").is_err());
        assert!(parse_size("2000M").is_err());
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn go_lines_parse_and_cross_check() {
        let t = r#"{"type":"time","map":"go","keys":"u64_rand","size":1000,"workload":"lookup_hit","iters":5,"rounds_ns_per_op":[9.1,9.0],"checksum":499500}"#;
        let m = r#"{"type":"mem","map":"go","keys":"u64_rand","size":1000,"live_bytes":41072}"#;
        let GoLine::Time(go) = serde_json::from_str(t).unwrap() else { panic!("not a time line") };
        assert!(matches!(serde_json::from_str(m).unwrap(), GoLine::Mem(MemRecord { live_bytes: 41072, .. })));
        let mut res = Results::default();
        let mut rust = go.clone();
        rust.map = "tophash".into();
        res.times = vec![go, rust.clone()];
        assert!(cross_check(&res).is_ok());
        res.times[1].checksum += 1;
        assert!(cross_check(&res).is_err());
    }

    #[test]
    fn sizes_print_compactly() {
        assert_eq!(fmt_size(1_000), "1K");
        assert_eq!(fmt_size(10_000_000), "10M");
        assert_eq!(fmt_size(1_500), "1500");
    }
}
