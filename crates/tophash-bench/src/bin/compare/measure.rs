//! The Rust side: every selected workload, `runs` rounds, on each map.
//!
//! A round times each workload in samples: `chunk` passes (of n
//! operations) per sample for lookups and iteration, one pass per sample
//! for the rest (they need a fresh map or fresh keys, or produce a map),
//! `iters` passes in all. The round's figure is the median sample (a pass
//! preempted by another process on this shared machine is an outlier, not
//! a shift), and the reported figure is the median round. Every pass's
//! checksum is verified.

use std::collections::BTreeMap;
use std::hash::Hash;
use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Result};
use tophash_bench::keys::{KeyKind, KeySet};
use tophash_bench::maps::{BTree, BenchMap, Griddle, Hashbrown, IndexMapFold, StdFold, StdSip, Tophash};
use tophash_bench::runqueue::{self, RunQueue};
use tophash_bench::work::{self, Workload};

use crate::alloc::{window_start, window_stop};
use crate::records::{Config, MemRecord, Results, TimeRecord};
use tophash_bench::median;

/// Times a closure in busy time: wall time minus the time this thread spent
/// runnable but waiting for a CPU (`tophash_bench::runqueue`). On this
/// shared 2-core machine other processes otherwise inflate every sample
/// that spans a preemption; on an idle machine the correction is zero. The
/// counter is read outside the timed span.
struct Clock {
    runqueue: RunQueue,
    /// Total run-queue wait subtracted.
    waited: Duration,
    /// Total wall time measured.
    wall: Duration,
}

impl Clock {
    fn new() -> Clock {
        Clock { runqueue: RunQueue::open(), waited: Duration::ZERO, wall: Duration::ZERO }
    }

    #[inline]
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> (Duration, T) {
        settle_heap();
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

/// Leaves the allocator no deferred work from untimed steps for the timed
/// span that follows. glibc keeps freed small chunks in its fast bins and
/// merges them all (`malloc_consolidate`) at the next request of 1 KiB or
/// more that the heap serves. Dropping a map of 100K `String` keys leaves
/// 100K such chunks. A map whose drop frees a large heap block (hashbrown's
/// table) triggers the merge in that untimed drop; one whose drop keeps its
/// arrays for reuse (tophash) would pay it in its next timed fill, about
/// 2 ms for 100K keys (docs/log.md, session 21). One untimed 4 KiB request
/// here makes the merge happen before the clock starts, for every map.
fn settle_heap() {
    drop(black_box(Vec::<u8>::with_capacity(4096)));
}

/// Operations a lookup or iteration sample covers at least: passes over
/// small maps are grouped so the clock's own cost (~0.1 µs in a VM) stays
/// negligible.
const MIN_SAMPLE_OPS: usize = 10_000;

/// One map on one key set: what to run and the figures so far.
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
    clock: Clock,
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

/// Runs the selected maps on one key set, in table order.
pub fn run_rust<K: Clone + Ord + Hash>(ks: &KeySet<K>, kind: KeyKind, cfg: &Config, res: &mut Results) -> Result<()> {
    run_if_selected::<K, Tophash<K>>(ks, kind, cfg, res)?;
    run_if_selected::<K, Hashbrown<K>>(ks, kind, cfg, res)?;
    run_if_selected::<K, StdFold<K>>(ks, kind, cfg, res)?;
    run_if_selected::<K, StdSip<K>>(ks, kind, cfg, res)?;
    run_if_selected::<K, Griddle<K>>(ks, kind, cfg, res)?;
    run_if_selected::<K, IndexMapFold<K>>(ks, kind, cfg, res)?;
    run_if_selected::<K, BTree<K>>(ks, kind, cfg, res)
}

/// [`run_map`] if `--maps` names `M`.
fn run_if_selected<K: Clone, M: BenchMap<K>>(
    ks: &KeySet<K>,
    kind: KeyKind,
    cfg: &Config,
    res: &mut Results,
) -> Result<()> {
    if cfg.maps.iter().any(|m| m == M::ID) {
        run_map::<K, M>(ks, kind, cfg, res)?;
    }
    Ok(())
}

/// Memory, then `cfg.runs` rounds of every selected workload, on map type
/// `M`; records the figures in `res`.
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
        clock: Clock::new(),
    };
    let started = Instant::now();
    res.memory.push(measure_memory::<K, M>(ks, &p)?);
    for _ in 0..cfg.runs {
        round::<K, M>(ks, &mut p)?;
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
    let share = p.clock.waited.as_secs_f64() / p.clock.wall.as_secs_f64().max(1e-9);
    eprintln!(
        "  {:<10} {:>7.1}s  (run-queue wait removed from timed spans: {:.0}%)",
        M::ID,
        started.elapsed().as_secs_f64(),
        100.0 * share
    );
    Ok(())
}

/// One untimed build from empty, counted by the allocator. Maps that hold
/// memory the allocator cannot see (tophash's mmapped arrays) are also
/// asked after every insert (their answer is O(1)): during an incremental
/// growth the memory held rises as evacuation touches the new array's
/// pages and falls as it hands the old one's back, so the high-water mark
/// can fall anywhere in it. The larger figure is kept.
fn measure_memory<K: Clone, M: BenchMap<K>>(ks: &KeySet<K>, p: &Pass<'_>) -> Result<MemRecord> {
    let n = ks.len();
    let mut owned = ks.keys.clone();
    window_start();
    let mut m = M::empty();
    let mut held_peak = 0;
    let mut fresh = 0;
    for (i, k) in owned.drain(..).enumerate() {
        fresh += u64::from(m.insert(k, i as u64).is_none());
        if let Some(held) = m.held_bytes() {
            held_peak = held_peak.max(held);
        }
    }
    let stats = window_stop();
    p.check(Workload::Insert, fresh)?;
    ensure!(m.len() == n, "{}: len {} after building {n} keys", M::ID, m.len());
    let held = m.held_bytes().unwrap_or(0);
    Ok(MemRecord {
        map: M::ID.into(),
        keys: p.kind.name().into(),
        size: n,
        live_bytes: stats.live.max(held as isize) as i64,
        peak_bytes: Some(stats.peak.max(held as isize).max(held_peak as isize) as i64),
    })
}

/// One round of every selected workload, in table order but for `remove`
/// and `churn`, which come last because they consume maps.
fn round<K: Clone, M: BenchMap<K>>(ks: &KeySet<K>, p: &mut Pass<'_>) -> Result<()> {
    // The last map built by `insert` is the subject of the read-only
    // workloads and of the first remove pass.
    let m = time_inserts::<K, M>(ks, p)?;
    if p.wants(Workload::InsertPresized) && M::presized(0).is_some() {
        time_presized_inserts::<K, M>(ks, p)?;
    }
    // Generic closures, not function pointers: each read loop is compiled
    // (and inlined) for its map.
    if p.wants(Workload::LookupHit) {
        time_reads(p, Workload::LookupHit, || work::sum_found(black_box(&m), &ks.lookup))?;
    }
    if p.wants(Workload::LookupMiss) {
        time_reads(p, Workload::LookupMiss, || work::count_found(black_box(&m), &ks.miss))?;
    }
    if p.wants(Workload::Iterate) {
        time_reads(p, Workload::Iterate, || work::iterate(black_box(&m)))?;
    }
    if p.wants(Workload::Clone) {
        time_clones(p, &m)?;
    }
    if p.wants(Workload::Remove) {
        time_removes(ks, p, m)?;
    } else {
        drop(m);
    }
    if p.wants(Workload::Churn) {
        time_churn::<K, M>(ks, p)?;
    }
    Ok(())
}

/// `insert` from empty, `iters` passes; always run (it builds the map the
/// other workloads read), recorded if selected. Returns the last map.
fn time_inserts<K: Clone, M: BenchMap<K>>(ks: &KeySet<K>, p: &mut Pass<'_>) -> Result<M> {
    let n = p.n;
    let mut r = Round::default();
    let mut keep: Option<M> = None;
    for _ in 0..p.iters {
        let mut owned = ks.keys.clone();
        drop(keep.take());
        let (d, (m, c)) = p.clock.time(|| {
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
    Ok(m)
}

/// `insert_presized`: the same into a map made with capacity n.
fn time_presized_inserts<K: Clone, M: BenchMap<K>>(ks: &KeySet<K>, p: &mut Pass<'_>) -> Result<()> {
    let n = p.n;
    let mut r = Round::default();
    for _ in 0..p.iters {
        let mut owned = ks.keys.clone();
        let (d, (m, c)) = p.clock.time(|| {
            let mut m = M::presized(n).expect("checked by the caller");
            let c = work::fill(&mut m, owned.drain(..));
            (m, c)
        });
        r.push(d, n, p.check(Workload::InsertPresized, c)?);
        ensure!(m.len() == n, "{}: len {} after inserting {n} keys", M::ID, m.len());
    }
    p.record(Workload::InsertPresized, r);
    Ok(())
}

/// A read-only workload: `chunk` passes of `read` (one pass of n
/// operations, returning its checksum) per sample.
fn time_reads(p: &mut Pass<'_>, w: Workload, read: impl Fn() -> u64) -> Result<()> {
    let (chunk, n) = (p.chunk, p.n);
    let mut r = Round::default();
    for _ in 0..p.chunks() {
        let (d, c) = p.clock.time(|| {
            let mut c = 0;
            for _ in 0..chunk {
                c = black_box(read());
            }
            c
        });
        r.push(d, chunk * n, p.check(w, c)?);
    }
    p.record(w, r);
    Ok(())
}

/// `clone`: one clone per sample, dropped (untimed) before the next: the
/// next clone reuses the freed memory, as in a program that clones
/// repeatedly. Keeping a group alive instead measures page faults whenever
/// malloc trims and regrows its heap.
fn time_clones<K, M: BenchMap<K>>(p: &mut Pass<'_>, m: &M) -> Result<()> {
    let n = p.n;
    let mut r = Round::default();
    for _ in 0..p.iters {
        let (d, copy) = p.clock.time(|| black_box(m).clone());
        ensure!(copy.len() == n, "{}: clone has {} entries, not {n}", M::ID, copy.len());
        r.push(d, n, p.check(Workload::Clone, work::iterate(&copy))?);
    }
    p.record(Workload::Clone, r);
    Ok(())
}

/// `remove` of every key: the first pass empties `first`, later ones a
/// map built (untimed) for them.
fn time_removes<K: Clone, M: BenchMap<K>>(ks: &KeySet<K>, p: &mut Pass<'_>, first: M) -> Result<()> {
    let n = p.n;
    let mut r = Round::default();
    let mut first = Some(first);
    for _ in 0..p.iters {
        let mut m = first.take().unwrap_or_else(|| work::build::<K, M>(&ks.keys));
        let (d, c) = p.clock.time(|| work::remove_all(&mut m, &ks.lookup));
        r.push(d, n, p.check(Workload::Remove, c)?);
        ensure!(m.is_empty(), "{}: {} entries left after removing all", M::ID, m.len());
    }
    p.record(Workload::Remove, r);
    Ok(())
}

/// `churn` at steady size, on a map built (untimed) per pass.
fn time_churn<K: Clone, M: BenchMap<K>>(ks: &KeySet<K>, p: &mut Pass<'_>) -> Result<()> {
    let n = p.n;
    let mut r = Round::default();
    for _ in 0..p.iters {
        let mut m = work::build::<K, M>(&ks.keys);
        let mut owned = ks.fresh.clone();
        let (d, c) = p.clock.time(|| work::churn(&mut m, &ks.keys, owned.drain(..)));
        r.push(d, n, p.check(Workload::Churn, c)?);
        ensure!(m.len() == n, "{}: churn left {} entries, not {n}", M::ID, m.len());
    }
    p.record(Workload::Churn, r);
    Ok(())
}
