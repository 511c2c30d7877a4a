//! The one timing loop: [`measure`] fills a map and times every insert on
//! its own, noting on the way what the map visibly did (a resize started
//! or finished, its capacity changed, a large block was allocated or
//! freed) and which inserts were the slowest.

use std::hint::black_box;
use std::sync::atomic::{compiler_fence, Ordering};

use anyhow::{ensure, Result};
use serde::{Deserialize, Serialize};

use super::clock::Clock;
use super::maps::{Phase, TimedMap};
use super::sys::{status_kib, AllocCount, Usage};

/// How many of the slowest inserts a run describes.
const EVENTS: usize = 16;

/// How often (in inserts) [`Options::progress`] is called.
pub const PROGRESS_STEP: u64 = 1 << 16;

/// How a run is timed.
pub struct Options<'a> {
    /// The clock.
    pub clock: &'a Clock,
    /// Diagnostic: count minor page faults around each insert (outside the
    /// timed region) and note them for the slowest. Makes a run several
    /// times longer.
    pub faults: bool,
    /// Called with [`PROGRESS_STEP`] after every `PROGRESS_STEP` inserts,
    /// outside the timed region.
    pub progress: &'a mut dyn FnMut(u64),
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options").field("clock", self.clock).field("faults", &self.faults).finish_non_exhaustive()
    }
}

impl<'a> Options<'a> {
    /// Plain timing: no page-fault counts, no progress reports.
    pub fn new(clock: &'a Clock, progress: &'a mut dyn FnMut(u64)) -> Options<'a> {
        Options { clock, faults: false, progress }
    }
}

/// One insert worth a note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Insert index.
    pub index: u64,
    /// Its latency, ns.
    pub ns: u64,
    /// What the map visibly did during it (may be empty).
    pub note: String,
    /// The map's `PHASE_*` bits after it, for maps that show them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<u8>,
}

/// What a run found besides the latencies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measured {
    /// RSS after the keys and the sample buffer were built, before the
    /// first insert (KiB).
    pub base_rss_kib: u64,
    /// Peak RSS (`VmHWM`) after the last insert, map still alive (KiB).
    pub peak_rss_kib: u64,
    /// The slowest inserts, slowest first, with what the map did in each.
    pub events: Vec<Event>,
    /// Every insert during which the map visibly changed shape: a resize
    /// started or finished, the capacity grew past the length, or a block of
    /// 1 MiB or more was allocated or freed (the last only where the binary
    /// installs [`CountingAlloc`](super::sys::CountingAlloc)).
    pub transitions: Vec<Event>,
    /// The map's `PHASE_*` bits before the first insert; `None` for maps
    /// that do not show their state.
    pub initial_phase: Option<u8>,
    /// Minor page faults and context switches of the whole timed loop.
    pub usage: Usage,
}

impl Measured {
    /// The map's `PHASE_*` bits after each of `n` inserts, rebuilt from the
    /// transitions (every change of the bits is one); `None` for maps that
    /// do not show their state. O(n).
    pub fn phases(&self, n: usize) -> Option<Vec<u8>> {
        phases(self.initial_phase, &self.transitions, n)
    }
}

/// As [`Measured::phases`], from a run's initial phase and transitions.
pub fn phases(initial: Option<u8>, transitions: &[Event], n: usize) -> Option<Vec<u8>> {
    let mut bits = initial?;
    let mut out = Vec::with_capacity(n);
    let mut next = transitions.iter().peekable();
    for i in 0..n as u64 {
        while let Some(e) = next.next_if(|e| e.index <= i) {
            bits = e.phase.unwrap_or(bits);
        }
        out.push(bits);
    }
    Some(out)
}

/// The timed loop. Inserts `keys` with values `0, 1, 2, …` into `map`, one
/// latency per insert into `samples` (as many inserts as samples), and
/// reports what else it saw. Only `insert` sits between the two clock
/// reads; the key is made (u64) or fetched (String) before, the
/// bookkeeping after, and compiler fences keep the compiler from moving
/// the insert's memory accesses across the reads. Fails if an insert did
/// not add an entry (every key is distinct) or the keys ran out.
pub fn measure<K, M: TimedMap<K>>(
    mut map: M,
    keys: impl Iterator<Item = K>,
    samples: &mut [u64],
    opts: &mut Options<'_>,
) -> Result<Measured> {
    let clock = opts.clock;
    let base_rss_kib = status_kib("VmRSS").unwrap_or(0);
    let mut top = TopK::new(EVENTS);
    let mut transitions = Vec::new();
    let mut cap = map.capacity();
    let mut phase = map.phase();
    let initial_phase = phase.bits();
    let u0 = Usage::now();
    for (i, (k, slot)) in keys.zip(samples.iter_mut()).enumerate() {
        let before = if opts.faults { Usage::now() } else { Usage::default() };
        let a0 = AllocCount::now();
        let k = black_box(k);
        compiler_fence(Ordering::SeqCst);
        let t0 = clock.stamp();
        compiler_fence(Ordering::SeqCst);
        let old = map.insert(k, i as u64);
        compiler_fence(Ordering::SeqCst);
        let t1 = clock.stamp();
        compiler_fence(Ordering::SeqCst);
        black_box(old);
        let ns = clock.nanos(t0, t1);
        *slot = ns;
        let allocs = AllocCount::now().since(&a0);
        let after = if opts.faults { Usage::now() } else { Usage::default() };
        let cap2 = map.capacity();
        let phase2 = map.phase();
        // tophash reports `capacity() == len()` while a resize holds it over
        // its load factor, so a capacity that merely tracks the length is no
        // change of shape.
        let changed = phase.changed(&phase2)
            || (cap2 != cap && cap2 != map.entries())
            || allocs.large_alloc_bytes > 0
            || allocs.large_free_bytes > 0;
        if ns > top.threshold() || changed {
            let usage = opts.faults.then(|| after.since(&before));
            let note = describe(cap, cap2, &phase, &phase2, &allocs, usage);
            let e = Event { index: i as u64, ns, note, phase: phase2.bits() };
            if changed {
                transitions.push(e.clone());
            }
            if ns > top.threshold() {
                top.push(e);
            }
        }
        cap = cap2;
        phase = phase2;
        if (i as u64 + 1).is_multiple_of(PROGRESS_STEP) {
            (opts.progress)(PROGRESS_STEP);
        }
    }
    let usage = Usage::now().since(&u0);
    let peak_rss_kib = status_kib("VmHWM").unwrap_or(0);
    ensure!(
        map.entries() == samples.len(),
        "the map holds {} entries, not {} (one per distinct key)",
        map.entries(),
        samples.len()
    );
    drop(black_box(map));
    Ok(Measured { base_rss_kib, peak_rss_kib, events: top.into_sorted(), transitions, initial_phase, usage })
}

/// What the map visibly did during one insert.
fn describe(cap0: usize, cap1: usize, p0: &Phase, p1: &Phase, allocs: &AllocCount, usage: Option<Usage>) -> String {
    let mut parts = Vec::new();
    match (p0.resize, p1.resize) {
        (None, Some(b)) => parts.push(format!("{b} started")),
        (Some(a), None) => parts.push(format!("{a} finished")),
        (Some(a), Some(b)) if p0.changed(&Phase { releasing: p0.releasing, next_ready: p0.next_ready, ..*p1 }) => {
            parts.push(format!("{a} finished and {b} started"))
        }
        (Some(a), Some(_)) => parts.push(format!("during {a}")),
        (None, None) => {}
    }
    match (p0.releasing, p1.releasing) {
        (false, true) => parts.push("old array releasing".to_string()),
        (true, false) => parts.push("old array released".to_string()),
        _ => {}
    }
    if !p0.next_ready && p1.next_ready {
        parts.push("next array mapped ahead".to_string());
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

/// The `k` slowest events seen so far.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::maps::{Resize, PHASE_RESIZING};

    #[test]
    fn topk_keeps_the_largest() {
        let mut t = TopK::new(3);
        for (i, ns) in [5u64, 1, 9, 3, 7, 2, 8].into_iter().enumerate() {
            if ns > t.threshold() {
                t.push(Event { index: i as u64, ns, note: String::new(), phase: None });
            }
        }
        let got: Vec<u64> = t.into_sorted().iter().map(|e| e.ns).collect();
        assert_eq!(got, vec![9, 8, 7]);
    }

    /// A map that "resizes" during inserts 4..=6 (its phase after insert
    /// 4, 5 and 6 shows a resize) and whose capacity doubles at 4.
    struct Toy(Vec<u64>);

    impl TimedMap<u64> for Toy {
        fn insert(&mut self, k: u64, _: u64) -> Option<u64> {
            self.0.push(k);
            None
        }
        fn entries(&self) -> usize {
            self.0.len()
        }
        fn capacity(&self) -> usize {
            if self.0.len() < 5 {
                4
            } else {
                8
            }
        }
        fn phase(&self) -> Phase {
            let resize = (5..=7).contains(&self.0.len()).then(|| Resize {
                kind: "doubling",
                old_b: 2,
                new_b: 3,
                progress: self.0.len() - 5,
            });
            Phase { known: true, resize, releasing: false, next_ready: false }
        }
    }

    #[test]
    fn a_callers_map_is_timed_and_its_phases_rebuilt() {
        let clock = Clock::new();
        let mut quiet = |_| {};
        let mut opts = Options::new(&clock, &mut quiet);
        let mut samples = vec![u64::MAX; 10];
        let m = measure(Toy(Vec::new()), 100..110, &mut samples, &mut opts).unwrap();
        assert!(samples.iter().all(|&s| s != u64::MAX));
        let r = PHASE_RESIZING;
        assert_eq!(m.phases(10), Some(vec![0, 0, 0, 0, r, r, r, 0, 0, 0]));
        let notes: Vec<(u64, &str)> = m.transitions.iter().map(|e| (e.index, e.note.as_str())).collect();
        assert_eq!(
            notes,
            vec![(4, "doubling 2^2→2^3 buckets started; capacity 4 → 8"), (7, "doubling 2^2→2^3 buckets finished")]
        );
        let e = measure(Toy(Vec::new()), 0..5, &mut [0; 10], &mut opts).unwrap_err();
        assert_eq!(e.to_string(), "the map holds 5 entries, not 10 (one per distinct key)");
    }

    /// An insert that maps the next array ahead says so; the doubling that
    /// takes it says only that it started.
    #[test]
    fn mapping_the_next_array_ahead_is_described() {
        let none = AllocCount::default();
        let idle = Phase { known: true, ..Phase::UNKNOWN };
        let ready = Phase { next_ready: true, ..idle };
        let r = Resize { kind: "doubling", old_b: 8, new_b: 9, progress: 1 };
        let growing = Phase { resize: Some(r), ..idle };
        assert!(idle.changed(&ready));
        assert_eq!(describe(10, 10, &idle, &ready, &none, None), "next array mapped ahead");
        assert_eq!(
            describe(10, 20, &ready, &growing, &none, None),
            "doubling 2^8→2^9 buckets started; capacity 10 → 20"
        );
    }

    #[test]
    fn progress_is_reported_every_step() {
        let clock = Clock::new();
        let mut done = 0;
        let mut progress = |k| done += k;
        let n = 2 * PROGRESS_STEP + 5;
        let mut samples = vec![0; n as usize];
        measure(Toy(Vec::new()), 0..n, &mut samples, &mut Options::new(&clock, &mut progress)).unwrap();
        assert_eq!(done, 2 * PROGRESS_STEP);
    }
}
