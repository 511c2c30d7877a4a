//! One map's workload, run in a process of its own (`latency child …`), so
//! that its peak RSS is its own and no allocator state carries over.
//!
//! The child times every insert separately with `quanta`'s raw TSC reads,
//! writes the latencies (little-endian `u64` ns, one per insert) to a raw
//! file and prints one JSON line ([`ChildReport`]) for the parent.

use std::collections::HashMap as StdHashMap;
use std::fs::File;
use std::hash::Hash;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{compiler_fence, Ordering};

use anyhow::{bail, Context, Result};
use foldhash::fast::FixedState;
use quanta::Clock;
use serde::{Deserialize, Serialize};

use super::keys::{splitmix64, string_key};
use super::sys::{status_kib, AllocCount, Usage};
use super::{KeyKind, MapKind};

/// The one hasher every Rust map gets: foldhash 0.2's fast hasher with a
/// fixed seed, so all four maps hash identically and runs are repeatable.
pub const HASH_SEED: u64 = 0x7470_6861_7368_2121;

fn hasher() -> FixedState {
    FixedState::with_seed(HASH_SEED)
}

/// How many of the slowest inserts a child describes.
const EVENTS: usize = 16;

/// What a child (Rust or Go) reports on stdout, as one JSON line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChildReport {
    pub map: MapKind,
    pub keys: KeyKind,
    pub n: u64,
    /// Which clock timed the inserts.
    pub clock: String,
    /// Median cost of two back-to-back clock reads, ns.
    pub clock_overhead_ns: f64,
    /// Mean of the same (finer than the resolution when the clock ticks
    /// coarsely), ns.
    #[serde(default)]
    pub clock_overhead_mean_ns: f64,
    /// The clock's step (gcd of the back-to-back differences), ns.
    #[serde(default)]
    pub clock_resolution_ns: f64,
    /// RSS after the keys and the sample buffer were built, before the
    /// first insert (KiB).
    pub base_rss_kib: u64,
    /// Peak RSS (`VmHWM`) after the last insert, map still alive (KiB).
    pub peak_rss_kib: u64,
    /// The slowest inserts, with what the map did during them (Rust maps).
    #[serde(default)]
    pub events: Vec<Event>,
    /// Every insert during which the map visibly changed shape: a resize
    /// started or finished, the capacity grew past the length, or a block
    /// of 1 MiB or more was allocated or freed (Rust maps).
    #[serde(default)]
    pub transitions: Vec<Event>,
    /// Minor page faults and context switches (voluntary, involuntary) of
    /// the whole timed loop.
    #[serde(default)]
    pub minor_faults: u64,
    #[serde(default)]
    pub voluntary_switches: u64,
    #[serde(default)]
    pub involuntary_switches: u64,
    /// Go's runtime version, for the Go child.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub runtime: String,
}

/// One slow insert and what happened in it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    pub index: u64,
    pub ns: u64,
    pub note: String,
}

/// The operations the harness needs from a map.
trait Target<K> {
    fn put(&mut self, k: K, v: u64) -> Option<u64>;
    fn size(&self) -> usize;
    fn cap(&self) -> usize;
    /// The resize state, for maps that show it (tophash).
    fn phase(&self) -> Phase {
        Phase::default()
    }
}

/// What a map shows of its resize state; all `None`/`false` for maps that
/// show nothing (only their capacity).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Phase {
    /// (kind, old b, new b, old buckets evacuated) of the resize under way.
    resize: Option<(tophash::ResizeKind, u8, u8, usize)>,
    /// A retired old array is still being handed back to the OS.
    releasing: bool,
    /// Whether the map reports resize state at all.
    known: bool,
}

impl Phase {
    /// Whether `after` differs from `self` by more than evacuation progress.
    fn changed(&self, after: &Phase) -> bool {
        let key = |p: &Phase| p.resize.map(|(k, o, n, _)| (k, o, n));
        key(self) != key(after)
            || self.releasing != after.releasing
            || matches!((self.resize, after.resize), (Some(a), Some(b)) if b.3 < a.3)
    }
}

fn fmt_resize((kind, old_b, new_b, _): (tophash::ResizeKind, u8, u8, usize)) -> String {
    let k = match kind {
        tophash::ResizeKind::Double => "doubling",
        tophash::ResizeKind::SameSize => "same-size resize",
        tophash::ResizeKind::Reserve => "reserve resize",
        tophash::ResizeKind::Shrink => "shrink",
    };
    format!("{k} 2^{old_b}→2^{new_b} buckets")
}

impl<K: Hash + Eq> Target<K> for tophash::HashMap<K, u64, FixedState> {
    #[inline(always)]
    fn put(&mut self, k: K, v: u64) -> Option<u64> {
        self.insert(k, v)
    }
    fn size(&self) -> usize {
        self.len()
    }
    fn cap(&self) -> usize {
        self.capacity()
    }
    fn phase(&self) -> Phase {
        let st = self.stats();
        Phase {
            resize: st.resize.map(|r| (r.kind, r.old_b, r.new_b, r.evacuated)),
            releasing: st.releasing,
            known: true,
        }
    }
}

impl<K: Hash + Eq> Target<K> for hashbrown::HashMap<K, u64, FixedState> {
    #[inline(always)]
    fn put(&mut self, k: K, v: u64) -> Option<u64> {
        self.insert(k, v)
    }
    fn size(&self) -> usize {
        self.len()
    }
    fn cap(&self) -> usize {
        self.capacity()
    }
}

impl<K: Hash + Eq> Target<K> for StdHashMap<K, u64, FixedState> {
    #[inline(always)]
    fn put(&mut self, k: K, v: u64) -> Option<u64> {
        self.insert(k, v)
    }
    fn size(&self) -> usize {
        self.len()
    }
    fn cap(&self) -> usize {
        self.capacity()
    }
}

impl<K: Hash + Eq> Target<K> for griddle::HashMap<K, u64, FixedState> {
    #[inline(always)]
    fn put(&mut self, k: K, v: u64) -> Option<u64> {
        self.insert(k, v)
    }
    fn size(&self) -> usize {
        self.len()
    }
    fn cap(&self) -> usize {
        self.capacity()
    }
}

/// Runs `map`'s workload and writes the raw latencies to `raw`; the report
/// goes to stdout.
pub fn run(map: MapKind, keys: KeyKind, n: u64, raw: &Path, faults: bool) -> Result<()> {
    if n == 0 {
        bail!("--n must be at least 1");
    }
    let clock = Clock::new();
    let ci = clock_overhead(&clock);
    let len = usize::try_from(n).context("--n does not fit in usize")?;
    // Written, not just allocated, so that its pages are resident before
    // the baseline reading and never fault inside the timed loop.
    let mut samples = vec![u64::MAX; len];
    let m = match keys {
        KeyKind::U64 => dispatch(map, (0..n).map(splitmix64), &mut samples, &clock, faults)?,
        KeyKind::String => {
            let ks: Vec<String> = (0..n).map(string_key).collect();
            dispatch(map, ks.into_iter(), &mut samples, &clock, faults)?
        }
    };
    write_raw(raw, &samples)?;
    let report = ChildReport {
        map,
        keys,
        n,
        clock: ci.name,
        clock_overhead_ns: ci.median_ns,
        clock_overhead_mean_ns: ci.mean_ns,
        clock_resolution_ns: ci.resolution_ns,
        base_rss_kib: m.base_rss_kib,
        peak_rss_kib: m.peak_rss_kib,
        events: m.events,
        transitions: m.transitions,
        minor_faults: m.usage.minor_faults,
        voluntary_switches: m.usage.voluntary_switches,
        involuntary_switches: m.usage.involuntary_switches,
        runtime: String::new(),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

struct Measured {
    base_rss_kib: u64,
    peak_rss_kib: u64,
    events: Vec<Event>,
    transitions: Vec<Event>,
    usage: Usage,
}

fn dispatch<K: Hash + Eq>(
    map: MapKind,
    keys: impl Iterator<Item = K>,
    samples: &mut [u64],
    clock: &Clock,
    faults: bool,
) -> Result<Measured> {
    Ok(match map {
        MapKind::Tophash => measure(tophash::HashMap::with_hasher(hasher()), keys, samples, clock, faults),
        MapKind::Hashbrown => measure(hashbrown::HashMap::with_hasher(hasher()), keys, samples, clock, faults),
        MapKind::Std => measure(StdHashMap::with_hasher(hasher()), keys, samples, clock, faults),
        MapKind::Griddle => measure(griddle::HashMap::with_hasher(hasher()), keys, samples, clock, faults),
        MapKind::Go => bail!("the Go map runs in go/latency, not in a Rust child"),
    })
}

/// One ordered clock read: `quanta`'s raw TSC value, fenced with `lfence`
/// on x86-64 so that the read waits for the insert's instructions to
/// finish and the insert cannot start before it (`rdtsc` alone is not
/// ordered, and an insert's cache misses would spill past the second read;
/// Go's `nanotime` orders its TSC read the same way). The fences are part
/// of the measured clock overhead.
#[inline(always)]
fn stamp(clock: &Clock) -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `lfence` (SSE2) is part of the x86-64 baseline; it has no
    // operands and only orders instructions.
    unsafe {
        core::arch::x86_64::_mm_lfence();
    }
    let t = clock.raw();
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as above.
    unsafe {
        core::arch::x86_64::_mm_lfence();
    }
    t
}

/// The timed loop. Only `put` sits between the two clock reads; the key is
/// made (u64) or fetched (String) before, the bookkeeping after. Compiler
/// fences keep the compiler from moving the insert's memory accesses across
/// the reads.
fn measure<K, M: Target<K>>(
    mut map: M,
    keys: impl Iterator<Item = K>,
    samples: &mut [u64],
    clock: &Clock,
    faults: bool,
) -> Measured {
    let base_rss_kib = status_kib("VmRSS").unwrap_or(0);
    let mut top = TopK::new(EVENTS);
    let mut transitions = Vec::new();
    let mut cap = map.cap();
    let mut phase = map.phase();
    let u0 = Usage::now();
    for (i, (k, slot)) in keys.zip(samples.iter_mut()).enumerate() {
        let before = if faults { Usage::now() } else { Usage::default() };
        let a0 = AllocCount::now();
        let k = black_box(k);
        compiler_fence(Ordering::SeqCst);
        let t0 = stamp(clock);
        compiler_fence(Ordering::SeqCst);
        let old = map.put(k, i as u64);
        compiler_fence(Ordering::SeqCst);
        let t1 = stamp(clock);
        compiler_fence(Ordering::SeqCst);
        black_box(old);
        let ns = clock.delta_as_nanos(t0, t1);
        *slot = ns;
        let allocs = AllocCount::now().since(&a0);
        let after = if faults { Usage::now() } else { Usage::default() };
        let cap2 = map.cap();
        let phase2 = map.phase();
        // tophash reports `capacity() == len()` while a resize holds it over
        // its load factor, so a capacity that merely tracks the length is no
        // change of shape.
        let changed = phase.changed(&phase2)
            || (cap2 != cap && cap2 != map.size())
            || allocs.large_alloc_bytes > 0
            || allocs.large_free_bytes > 0;
        if ns > top.threshold() || changed {
            let note = describe(cap, cap2, &phase, &phase2, &allocs, faults.then(|| after.since(&before)));
            let e = Event { index: i as u64, ns, note };
            if changed {
                transitions.push(e.clone());
            }
            if ns > top.threshold() {
                top.push(e);
            }
        }
        cap = cap2;
        phase = phase2;
    }
    let usage = Usage::now().since(&u0);
    let peak_rss_kib = status_kib("VmHWM").unwrap_or(0);
    assert_eq!(map.size(), samples.len(), "every key is distinct, so every insert adds one");
    Measured { base_rss_kib, peak_rss_kib, events: top.into_sorted(), transitions, usage }
}

/// What the map visibly did during one insert.
fn describe(cap0: usize, cap1: usize, p0: &Phase, p1: &Phase, allocs: &AllocCount, usage: Option<Usage>) -> String {
    let mut parts = Vec::new();
    match (p0.resize, p1.resize) {
        (None, Some(b)) => parts.push(format!("{} started", fmt_resize(b))),
        (Some(a), None) => parts.push(format!("{} finished", fmt_resize(a))),
        (Some(a), Some(b)) if p0.changed(&Phase { releasing: p0.releasing, ..*p1 }) => {
            parts.push(format!("{} finished and {} started", fmt_resize(a), fmt_resize(b)))
        }
        (Some(a), Some(_)) => parts.push(format!("during {}", fmt_resize(a))),
        (None, None) => {}
    }
    match (p0.releasing, p1.releasing) {
        (false, true) => parts.push("old array retired (being released)".to_string()),
        (true, false) => parts.push("retired array unmapped".to_string()),
        _ => {}
    }
    let what = if p1.known { "capacity" } else { "resize: capacity" };
    if cap0 != cap1 && !(p1.known && cap1 == cap0 + 1) {
        parts.push(format!("{what} {cap0} → {cap1}"));
    }
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    if allocs.large_alloc_bytes > 0 {
        parts.push(format!("allocated {:.1} MiB", mib(allocs.large_alloc_bytes)));
    }
    if allocs.large_free_bytes > 0 {
        parts.push(format!("freed {:.1} MiB", mib(allocs.large_free_bytes)));
    }
    if allocs.allocs > 0 {
        parts.push(format!("{} allocation(s)", allocs.allocs));
    }
    if let Some(u) = usage {
        parts.push(format!("{} minor page faults", u.minor_faults));
        let sw = u.voluntary_switches + u.involuntary_switches;
        if sw > 0 {
            parts.push(format!("{sw} context switches"));
        }
    }
    parts.join("; ")
}

/// The `k` largest events seen so far.
struct TopK {
    k: usize,
    items: Vec<Event>,
    /// Smallest latency an event needs to enter.
    floor: u64,
}

impl TopK {
    fn new(k: usize) -> Self {
        TopK { k, items: Vec::with_capacity(k + 1), floor: 0 }
    }

    /// An event must be slower than this to enter.
    #[inline(always)]
    fn threshold(&self) -> u64 {
        self.floor
    }

    fn push(&mut self, e: Event) {
        self.items.push(e);
        if self.items.len() > self.k {
            let (at, _) = self.items.iter().enumerate().min_by_key(|(_, e)| e.ns).expect("non-empty");
            self.items.swap_remove(at);
        }
        if self.items.len() == self.k {
            self.floor = self.items.iter().map(|e| e.ns).min().unwrap_or(0);
        }
    }

    fn into_sorted(mut self) -> Vec<Event> {
        self.items.sort_by_key(|e| std::cmp::Reverse(e.ns));
        self.items
    }
}

/// The clock and its own cost.
pub struct ClockInfo {
    pub name: String,
    /// Median of `stamp(); stamp()` differences, ns.
    pub median_ns: f64,
    /// Their mean (outliers above 1 µs left out), ns.
    pub mean_ns: f64,
    /// Greatest common divisor of the common differences, ns: the step the
    /// clock advances by (its resolution).
    pub resolution_ns: f64,
}

/// Measures two back-to-back [`stamp`]s 2^20 times: the cost each latency
/// carries. Deltas are kept in ticks and scaled once, so a coarse tick (this
/// machine's TSC advances in steps of 10 ns) still shows in the mean. The
/// deltas go into a small on-stack histogram rather than a large buffer:
/// freeing a large (mmap-ed) buffer would raise glibc's mmap threshold and
/// change where the maps' arrays are allocated from.
pub fn clock_overhead(clock: &Clock) -> ClockInfo {
    const REPS: u64 = 1 << 20;
    const BINS: usize = 4096;
    let mut hist = [0u32; BINS];
    let mut step = 0u64;
    for _ in 0..REPS {
        let a = stamp(clock);
        let b = stamp(clock);
        let d = b.wrapping_sub(a);
        hist[(d as usize).min(BINS - 1)] += 1;
    }
    // The clock's step: the gcd of the differences that are common (1% of
    // reads or more), so that a rare odd one (a migration between CPUs)
    // does not hide it.
    for (t, &c) in hist.iter().enumerate() {
        if c as u64 >= REPS / 100 {
            step = gcd(step, t as u64);
        }
    }
    const SCALE: u64 = 1 << 32;
    let ns_per_tick = clock.delta_as_nanos(0, SCALE) as f64 / SCALE as f64;
    let mut seen = 0u64;
    let mut median = BINS - 1;
    for (t, &c) in hist.iter().enumerate() {
        seen += c as u64;
        if seen > REPS / 2 {
            median = t;
            break;
        }
    }
    // The mean leaves out outliers of 1 µs or more (interrupts).
    let cut = ((1000.0 / ns_per_tick) as usize).min(BINS - 1);
    let (sum, kept) =
        hist[..cut].iter().enumerate().fold((0u64, 0u64), |(s, k), (t, &c)| (s + t as u64 * c as u64, k + c as u64));
    let name = if (ns_per_tick - 1.0).abs() < 0.005 {
        "quanta raw (clock_gettime MONOTONIC: no invariant TSC)".to_string()
    } else {
        format!("quanta raw + lfence (rdtsc, TSC at {:.2} GHz)", 1.0 / ns_per_tick)
    };
    ClockInfo {
        name,
        median_ns: median as f64 * ns_per_tick,
        mean_ns: sum as f64 / kept.max(1) as f64 * ns_per_tick,
        resolution_ns: step as f64 * ns_per_tick,
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn write_raw(path: &Path, samples: &[u64]) -> Result<()> {
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    for s in samples {
        w.write_all(&s.to_le_bytes())?;
    }
    w.flush().with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topk_keeps_the_largest() {
        let mut t = TopK::new(3);
        for (i, ns) in [5u64, 1, 9, 3, 7, 2, 8].into_iter().enumerate() {
            if ns > t.threshold() {
                t.push(Event { index: i as u64, ns, note: String::new() });
            }
        }
        let got: Vec<u64> = t.into_sorted().iter().map(|e| e.ns).collect();
        assert_eq!(got, vec![9, 8, 7]);
    }
}
