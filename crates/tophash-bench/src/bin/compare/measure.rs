//! The Rust side: every selected workload, `runs` rounds, on each map;
//! the maps take turns round by round (see [`run_rust`]).
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

use anyhow::{ensure, Context as _, Result};
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

/// Timed passes of n operations a round takes of each workload.
fn round_passes(cfg: &Config, n: usize) -> usize {
    cfg.min_ops.div_ceil(n).max(1)
}

/// Passes of n operations a lookup or iteration sample groups.
fn sample_passes(n: usize) -> usize {
    MIN_SAMPLE_OPS.div_ceil(n).max(1)
}

/// The workloads in the order a round runs them: `insert` first (it
/// builds the map the read-only workloads and the first remove pass use),
/// `remove` and `churn` last (they consume maps).
const ROUND_ORDER: [Workload; 8] = [
    Workload::Insert,
    Workload::InsertPresized,
    Workload::LookupHit,
    Workload::LookupMiss,
    Workload::Iterate,
    Workload::Clone,
    Workload::Remove,
    Workload::Churn,
];

/// Whether `w` only reads the round's map (its samples group passes).
fn is_read(w: Workload) -> bool {
    matches!(w, Workload::LookupHit | Workload::LookupMiss | Workload::Iterate)
}

/// Runs the selected maps on one key set: each map's memory first, then
/// `cfg.runs` rounds. Within a round the maps take turns sample by sample:
/// sample `k` of a workload is taken on every map before sample `k + 1` on
/// any, in table order for even `k + round` and in reverse for odd.
///
/// Why turns: this shared VM has slow spells of seconds in which every
/// operation takes up to twice as long, which the run-queue correction
/// does not see (they come from sharing caches and memory, not from
/// waiting for a CPU). Run one map's rounds after the other's, a spell
/// lands on one map only: `--sizes 1M` run for one map at a time,
/// hashbrown, tophash, hashbrown, tophash, gave hashbrown's inserts 126
/// then 87.8 ns and tophash's 86.7 then 140; whole rounds taking turns
/// still left 1M hit ratios of 0.60-1.16 over four runs, since a round
/// lasts seconds too. A sample lasts milliseconds, so a spell covers the
/// maps alike. Taking turns also ends a bias of back-to-back passes: they
/// replay the same keys in the same order, and tophash's removals gained
/// more from that than hashbrown's (1K u64 removals read 0.72 of
/// hashbrown's time one map at a time, 1.09 taking turns; docs/log.md,
/// session 28).
pub fn run_rust<K: Clone + Ord + Hash>(ks: &KeySet<K>, kind: KeyKind, cfg: &Config, res: &mut Results) -> Result<()> {
    let workloads: Vec<Workload> = cfg.workloads.iter().filter_map(|w| Workload::parse(w)).collect();
    let mut maps: Vec<Box<dyn Sampler + '_>> = Vec::new();
    add_if_selected::<K, Tophash<K>>(&mut maps, ks, kind, cfg, &workloads, res)?;
    add_if_selected::<K, Hashbrown<K>>(&mut maps, ks, kind, cfg, &workloads, res)?;
    add_if_selected::<K, StdFold<K>>(&mut maps, ks, kind, cfg, &workloads, res)?;
    add_if_selected::<K, StdSip<K>>(&mut maps, ks, kind, cfg, &workloads, res)?;
    add_if_selected::<K, Griddle<K>>(&mut maps, ks, kind, cfg, &workloads, res)?;
    add_if_selected::<K, IndexMapFold<K>>(&mut maps, ks, kind, cfg, &workloads, res)?;
    add_if_selected::<K, BTree<K>>(&mut maps, ks, kind, cfg, &workloads, res)?;
    let n = ks.len();
    let iters = round_passes(cfg, n);
    drive(&mut maps, cfg.runs, &workloads, iters, iters.div_ceil(sample_passes(n)))?;
    for m in maps {
        m.finish(res);
    }
    Ok(())
}

/// The schedule of [`run_rust`]: `runs` rounds of the selected workloads
/// (`insert` always, in [`ROUND_ORDER`]), the maps taking turns sample by
/// sample; `iters` samples a round of a workload that is not a read,
/// `chunks` of one that is.
fn drive(
    maps: &mut [Box<dyn Sampler + '_>],
    runs: u32,
    workloads: &[Workload],
    iters: usize,
    chunks: usize,
) -> Result<()> {
    for round in 0..runs as usize {
        for w in ROUND_ORDER {
            // `insert` always runs: it builds the map the others read.
            if w != Workload::Insert && !workloads.contains(&w) {
                continue;
            }
            let samples = if is_read(w) { chunks } else { iters };
            for k in 0..samples {
                if (round + k).is_multiple_of(2) {
                    maps.iter_mut().try_for_each(|m| m.sample(w, k))?;
                } else {
                    maps.iter_mut().rev().try_for_each(|m| m.sample(w, k))?;
                }
            }
        }
        maps.iter_mut().for_each(|m| m.end_round());
    }
    Ok(())
}

/// One map's samples on one key set, taken one at a time so that the maps
/// can take turns (see [`run_rust`]).
trait Sampler {
    /// Takes sample `k` of `w` in the current round (samples of one
    /// workload come in order, and workloads in [`ROUND_ORDER`]).
    fn sample(&mut self, w: Workload, k: usize) -> Result<()>;
    /// Ends the round: each workload's figure for it is the median of its
    /// samples.
    fn end_round(&mut self);
    /// Records the figures of every round.
    fn finish(self: Box<Self>, res: &mut Results);
}

/// If `--maps` names `M`: measures its memory (one untimed build) and adds
/// it to `maps`.
fn add_if_selected<'a, K: Clone + 'a, M: BenchMap<K> + 'a>(
    maps: &mut Vec<Box<dyn Sampler + 'a>>,
    ks: &'a KeySet<K>,
    kind: KeyKind,
    cfg: &Config,
    workloads: &'a [Workload],
    res: &mut Results,
) -> Result<()> {
    if !cfg.maps.iter().any(|m| m == M::ID) {
        return Ok(());
    }
    let n = ks.len();
    let pass = Pass::<K, M> {
        ks,
        kind,
        n,
        iters: round_passes(cfg, n),
        chunk: sample_passes(n),
        workloads,
        subject: None,
        round: BTreeMap::new(),
        samples: BTreeMap::new(),
        clock: Clock::new(),
        spent: Duration::ZERO,
    };
    res.memory.push(measure_memory::<K, M>(ks, &pass)?);
    maps.push(Box::new(pass));
    Ok(())
}

/// Map type `M` on one key set: what to run, its state within a round, and
/// the figures so far.
struct Pass<'a, K, M> {
    ks: &'a KeySet<K>,
    kind: KeyKind,
    n: usize,
    /// Timed passes per round: `ceil(min_ops / n)`.
    iters: usize,
    /// Passes per sample for lookups and iteration: `ceil(MIN_SAMPLE_OPS / n)`.
    chunk: usize,
    workloads: &'a [Workload],
    /// The map the round's last `insert` pass built: what the read-only
    /// workloads read and the first `remove` pass empties.
    subject: Option<M>,
    /// The current round's samples, per workload.
    round: BTreeMap<&'static str, Round>,
    /// Per workload: one figure per round (median of its samples) and the
    /// last checksum.
    samples: BTreeMap<&'static str, (Vec<f64>, u64)>,
    clock: Clock,
    /// Wall time spent in this map's samples (timed and untimed steps).
    spent: Duration,
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

impl<K: Clone, M: BenchMap<K>> Pass<'_, K, M> {
    fn check(&self, w: Workload, checksum: u64) -> Result<u64> {
        work::verify(M::ID, w, self.n, checksum).map_err(|e| anyhow::anyhow!("{} keys: {e}", self.kind))?;
        Ok(checksum)
    }

    /// Adds a checked sample of `w` to the current round.
    fn push(&mut self, w: Workload, d: Duration, ops: usize, checksum: u64) -> Result<()> {
        let c = self.check(w, checksum)?;
        self.round.entry(w.name()).or_default().push(d, ops, c);
        Ok(())
    }

    /// One timed pass of `insert` from empty; the map built becomes the
    /// subject (the previous one is dropped first, untimed).
    fn insert_pass(&mut self) -> Result<()> {
        let n = self.n;
        let mut owned = self.ks.keys.clone();
        drop(self.subject.take());
        let (d, (m, c)) = self.clock.time(|| {
            let mut m = M::empty();
            let c = work::fill(&mut m, owned.drain(..));
            (m, c)
        });
        self.push(Workload::Insert, d, n, c)?;
        ensure!(m.len() == n, "{}: len {} after inserting {n} keys", M::ID, m.len());
        self.subject = Some(m);
        Ok(())
    }

    /// `insert_presized`: the same into a map made with capacity n.
    fn presized_pass(&mut self) -> Result<()> {
        let n = self.n;
        let mut owned = self.ks.keys.clone();
        let (d, (m, c)) = self.clock.time(|| {
            let mut m = M::presized(n).expect("checked by the caller");
            let c = work::fill(&mut m, owned.drain(..));
            (m, c)
        });
        self.push(Workload::InsertPresized, d, n, c)?;
        ensure!(m.len() == n, "{}: len {} after inserting {n} keys", M::ID, m.len());
        Ok(())
    }

    /// A read-only workload: `chunk` passes of `read` (one pass of n
    /// operations over the subject, returning its checksum) per sample.
    /// Generic closures, not function pointers: each read loop is compiled
    /// (and inlined) for its map.
    fn read_sample(&mut self, w: Workload, read: impl Fn(&M) -> u64) -> Result<()> {
        let (chunk, n) = (self.chunk, self.n);
        let m = self.subject.as_ref().context("no map built this round")?;
        let (d, c) = self.clock.time(|| {
            let mut c = 0;
            for _ in 0..chunk {
                c = black_box(read(black_box(m)));
            }
            c
        });
        self.push(w, d, chunk * n, c)
    }

    /// `clone`: one clone of the subject, dropped (untimed) before the
    /// next: the next clone reuses the freed memory, as in a program that
    /// clones repeatedly. Keeping a group alive instead measures page
    /// faults whenever malloc trims and regrows its heap.
    fn clone_pass(&mut self) -> Result<()> {
        let n = self.n;
        let m = self.subject.as_ref().context("no map built this round")?;
        let (d, copy) = self.clock.time(|| black_box(m).clone());
        ensure!(copy.len() == n, "{}: clone has {} entries, not {n}", M::ID, copy.len());
        let c = work::iterate(&copy);
        self.push(Workload::Clone, d, n, c)
    }

    /// `remove` of every key: pass 0 empties the subject, later ones a map
    /// built (untimed) for them.
    fn remove_pass(&mut self, k: usize) -> Result<()> {
        let n = self.n;
        let mut m = match self.subject.take() {
            Some(m) if k == 0 => m,
            _ => work::build::<K, M>(&self.ks.keys),
        };
        let lookup = &self.ks.lookup;
        let (d, c) = self.clock.time(|| work::remove_all(&mut m, lookup));
        self.push(Workload::Remove, d, n, c)?;
        ensure!(m.is_empty(), "{}: {} entries left after removing all", M::ID, m.len());
        Ok(())
    }

    /// `churn` at steady size, on a map built (untimed) per pass.
    fn churn_pass(&mut self) -> Result<()> {
        let n = self.n;
        drop(self.subject.take());
        let mut m = work::build::<K, M>(&self.ks.keys);
        let mut owned = self.ks.fresh.clone();
        let old = &self.ks.keys;
        let (d, c) = self.clock.time(|| work::churn(&mut m, old, owned.drain(..)));
        self.push(Workload::Churn, d, n, c)?;
        ensure!(m.len() == n, "{}: churn left {} entries, not {n}", M::ID, m.len());
        Ok(())
    }
}

impl<K: Clone, M: BenchMap<K>> Sampler for Pass<'_, K, M> {
    fn sample(&mut self, w: Workload, k: usize) -> Result<()> {
        let started = Instant::now();
        let ks = self.ks;
        match w {
            Workload::Insert => self.insert_pass(),
            // A map with no notion of capacity (`BTreeMap`) has no such row.
            Workload::InsertPresized if M::presized(0).is_none() => Ok(()),
            Workload::InsertPresized => self.presized_pass(),
            Workload::LookupHit => self.read_sample(w, |m| work::sum_found(m, &ks.lookup)),
            Workload::LookupMiss => self.read_sample(w, |m| work::count_found(m, &ks.miss)),
            Workload::Iterate => self.read_sample(w, |m| work::iterate(m)),
            Workload::Clone => self.clone_pass(),
            Workload::Remove => self.remove_pass(k),
            Workload::Churn => self.churn_pass(),
        }?;
        self.spent += started.elapsed();
        Ok(())
    }

    fn end_round(&mut self) {
        drop(self.subject.take());
        for (w, round) in std::mem::take(&mut self.round) {
            // `insert` runs every round; it is recorded only if selected.
            if w == Workload::Insert.name() && !self.workloads.contains(&Workload::Insert) {
                continue;
            }
            let e = self.samples.entry(w).or_default();
            e.0.push(median(&round.ns_per_op));
            e.1 = round.checksum;
        }
    }

    fn finish(mut self: Box<Self>, res: &mut Results) {
        for (w, (rounds, checksum)) in std::mem::take(&mut self.samples) {
            res.times.push(TimeRecord {
                map: M::ID.into(),
                keys: self.kind.name().into(),
                size: self.n,
                workload: w.into(),
                iters: self.iters,
                median_ns_per_op: median(&rounds),
                rounds_ns_per_op: rounds,
                checksum,
            });
        }
        let share = self.clock.waited.as_secs_f64() / self.clock.wall.as_secs_f64().max(1e-9);
        eprintln!(
            "  {:<10} {:>7.1}s  (run-queue wait removed from timed spans: {:.0}%)",
            M::ID,
            self.spent.as_secs_f64(),
            100.0 * share
        );
    }
}

/// One untimed build from empty, counted by the allocator. Maps that hold
/// memory the allocator cannot see (tophash's mmapped arrays) are also
/// asked after every insert (their answer is O(1)): during an incremental
/// growth the memory held rises as evacuation touches the new array's
/// pages and falls as it hands the old one's back, so the high-water mark
/// can fall anywhere in it. The larger figure is kept.
fn measure_memory<K: Clone, M: BenchMap<K>>(ks: &KeySet<K>, p: &Pass<'_, K, M>) -> Result<MemRecord> {
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A map stand-in that logs the samples asked of it.
    struct Logged<'a> {
        id: usize,
        log: &'a std::cell::RefCell<Vec<(usize, Workload, usize)>>,
    }

    impl Sampler for Logged<'_> {
        fn sample(&mut self, w: Workload, k: usize) -> Result<()> {
            self.log.borrow_mut().push((self.id, w, k));
            Ok(())
        }
        fn end_round(&mut self) {}
        fn finish(self: Box<Self>, _: &mut Results) {}
    }

    #[test]
    fn maps_take_turns_sample_by_sample_and_alternate_who_goes_first() {
        let log = std::cell::RefCell::new(Vec::new());
        let mut maps: Vec<Box<dyn Sampler + '_>> =
            (0..3).map(|id| Box::new(Logged { id, log: &log }) as Box<dyn Sampler + '_>).collect();
        // `insert` is not asked for but runs (it builds the map read next).
        drive(&mut maps, 2, &[Workload::LookupHit, Workload::Remove], 2, 3).unwrap();
        drop(maps);
        let log = log.into_inner();
        let mut want = Vec::new();
        for round in 0..2 {
            for (w, samples) in [(Workload::Insert, 2), (Workload::LookupHit, 3), (Workload::Remove, 2)] {
                for k in 0..samples {
                    let order: Vec<usize> = if (round + k) % 2 == 0 { vec![0, 1, 2] } else { vec![2, 1, 0] };
                    want.extend(order.into_iter().map(|id| (id, w, k)));
                }
            }
        }
        assert_eq!(log, want);
    }

    #[test]
    fn every_selected_map_and_workload_gets_one_figure_per_round() {
        let ks = KeySet::u64(KeyKind::U64Rand, 64);
        let cfg = Config {
            sizes: vec![64],
            runs: 2,
            min_ops: 128,
            keys: vec!["u64_rand".into()],
            workloads: Workload::ALL.iter().map(|w| w.name().to_string()).collect(),
            maps: vec!["tophash".into(), "hashbrown".into(), "btreemap".into()],
            words: PathBuf::new(),
            out: PathBuf::new(),
            go_version: None,
        };
        let mut res = Results::default();
        run_rust(&ks, KeyKind::U64Rand, &cfg, &mut res).unwrap();
        assert_eq!(res.memory.len(), 3);
        for map in ["tophash", "hashbrown", "btreemap"] {
            let rows: Vec<&TimeRecord> = res.times.iter().filter(|t| t.map == map).collect();
            // `BTreeMap` has no presized row.
            let want = if map == "btreemap" { Workload::ALL.len() - 1 } else { Workload::ALL.len() };
            assert_eq!(rows.len(), want, "{map}");
            for t in rows {
                assert_eq!(t.rounds_ns_per_op.len(), 2, "{map} {}", t.workload);
                assert_eq!((t.iters, t.size), (2, 64));
                let w = Workload::parse(&t.workload).unwrap();
                assert_eq!(t.checksum, w.expected(64), "{map} {}", t.workload);
            }
        }
    }
}
