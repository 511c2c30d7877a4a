//! One run: `threads` threads fill one fresh, empty map, every insert
//! timed and tagged with the shared sequence number, and the map's answer
//! checked afterwards.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;

use super::maps::FillMap;
use crate::keys::splitmix64;
use crate::latency::clock::Clock;
use crate::latency::sys::{status_kib, trim_heap};

/// What one run does: `threads` threads insert keys `0..n` between them,
/// thread `t` the slice [`Fill::slice`]`(t)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    /// Inserting threads (at least 1, at most 255).
    pub threads: usize,
    /// Inserts in all: key indices `0..n`.
    pub n: u64,
}

impl Fill {
    /// Thread `t`'s key indices: `t·n/T .. (t+1)·n/T` (disjoint, covering
    /// `0..n`; equal when `T` divides `n`).
    pub fn slice(&self, t: usize) -> Range<u64> {
        let share = |t: usize| (self.n as u128 * t as u128 / self.threads as u128) as u64;
        share(t)..share(t + 1)
    }
}

/// One run's latencies, indexed by sequence number: entry `s` is the
/// insert that took sequence number `s`, the map holding about `s`
/// entries when it started.
#[derive(Clone, Debug, PartialEq)]
pub struct FillRun {
    /// Latency of the insert with each sequence number, ns.
    pub ns: Vec<u64>,
    /// The thread that made it.
    pub thread: Vec<u8>,
    /// The fill's wall time: the first thread's first clock read to the
    /// last thread's last, ns.
    pub wall_ns: u64,
    /// Resident bytes the filled map holds: the process's RSS once the
    /// answer is checked, less its RSS before the map was made (with the
    /// allocator's free memory handed back first) and less this record's
    /// own 9 bytes per insert; `None` where RSS cannot be read.
    pub map_bytes: Option<u64>,
}

/// One thread's log: per insert of its slice, in its order, the sequence
/// number and the latency in clock ticks.
struct ThreadLog {
    seq: Vec<u64>,
    ticks: Vec<u64>,
    first: u64,
    last: u64,
}

/// Fills a fresh `M` as `spec` says and checks the answer: the map holds
/// exactly `n` entries and `key(i)` maps to `i` for every `i`, and every
/// sequence number `0..n` was taken once. `Err` says what was wrong.
///
/// The timed loop allocates nothing: each thread's keys and its two logs
/// are built (and their pages touched) before the threads are released
/// together through a barrier. Per insert it takes the sequence number
/// (one `fetch_add` on a shared counter, outside the timed span), reads
/// the clock, inserts, reads the clock. O(n) time and 24 bytes per insert
/// besides the map.
pub fn run<M: FillMap>(spec: &Fill, clock: &Clock) -> Result<FillRun, String> {
    if spec.threads == 0 || spec.threads > u8::MAX as usize || spec.n < spec.threads as u64 {
        return Err(format!("cannot split {} inserts over {} threads", spec.n, spec.threads));
    }
    trim_heap();
    let rss_before = status_kib("VmRSS");
    let map = M::empty();
    let next = AtomicU64::new(0);
    let barrier = Barrier::new(spec.threads);
    let logs: Vec<std::thread::Result<ThreadLog>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..spec.threads)
            .map(|t| {
                let (map, next, barrier, clock) = (&map, &next, &barrier, clock.clone());
                let slice = spec.slice(t);
                s.spawn(move || insert_slice(map, slice, next, barrier, &clock))
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    let mut out =
        FillRun { ns: vec![u64::MAX; spec.n as usize], thread: vec![0; spec.n as usize], wall_ns: 0, map_bytes: None };
    let (mut first, mut last) = (u64::MAX, 0);
    for (t, log) in logs.into_iter().enumerate() {
        let log = log.map_err(|_| format!("inserting thread {t} panicked"))?;
        first = first.min(log.first);
        last = last.max(log.last);
        for (&seq, &ticks) in log.seq.iter().zip(&log.ticks) {
            match out.ns.get_mut(seq as usize) {
                Some(slot) if *slot == u64::MAX => *slot = clock.nanos(0, ticks).min(u64::MAX - 1),
                _ => return Err(format!("sequence number {seq} taken twice or out of range")),
            }
            out.thread[seq as usize] = t as u8;
        }
    }
    out.wall_ns = clock.nanos(first, last);
    check(&map, spec.n)?;
    // The thread logs are gone (each freed above); `out`'s two vectors are
    // written in full, so they are resident: 9 bytes per insert.
    trim_heap();
    out.map_bytes =
        rss_before.zip(status_kib("VmRSS")).map(|(a, b)| (b.saturating_sub(a) * 1024).saturating_sub(9 * spec.n));
    Ok(out)
}

/// One thread's timed loop over the key indices `slice`.
fn insert_slice<M: FillMap>(
    map: &M,
    slice: Range<u64>,
    next: &AtomicU64,
    barrier: &Barrier,
    clock: &Clock,
) -> ThreadLog {
    let keys: Vec<u64> = slice.clone().map(splitmix64).collect();
    // Filled with a non-zero value so that the pages are touched now (a
    // zeroed allocation would fault them in during the timed loop).
    let mut seq = vec![u64::MAX; keys.len()];
    let mut ticks = vec![u64::MAX; keys.len()];
    barrier.wait();
    let first = clock.stamp();
    for (((&key, i), seq), ticks) in keys.iter().zip(slice).zip(&mut seq).zip(&mut ticks) {
        *seq = next.fetch_add(1, Ordering::Relaxed);
        let t0 = clock.stamp();
        map.insert(key, i);
        let t1 = clock.stamp();
        *ticks = t1.saturating_sub(t0);
    }
    let last = clock.stamp();
    ThreadLog { seq, ticks, first, last }
}

/// The answer check: exactly `n` entries, `key(i)` → `i`.
fn check<M: FillMap>(map: &M, n: u64) -> Result<(), String> {
    if map.entry_count() as u64 != n {
        return Err(format!("the map holds {} entries after {n} distinct inserts", map.entry_count()));
    }
    for i in 0..n {
        match map.get(splitmix64(i)) {
            Some(v) if v == i => {}
            Some(v) => return Err(format!("key {i} (splitmix64 {:#x}) maps to {v}, not {i}", splitmix64(i))),
            None => return Err(format!("key {i} (splitmix64 {:#x}) is missing", splitmix64(i))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn slices_are_disjoint_and_cover_every_key() {
        let f = Fill { threads: 3, n: 10 };
        assert_eq!([f.slice(0), f.slice(1), f.slice(2)], [0..3, 3..6, 6..10]);
        let f = Fill { threads: 2, n: 10_000_000 };
        assert_eq!(f.slice(1), 5_000_000..10_000_000);
    }

    #[test]
    fn every_sequence_number_is_logged_once() {
        let clock = Clock::new();
        for threads in [1, 2] {
            let spec = Fill { threads, n: 20_000 };
            let r = run::<dashmap::DashMap<u64, u64, foldhash::fast::FixedState>>(&spec, &clock).unwrap();
            assert_eq!(r.ns.len(), 20_000);
            assert!(r.ns.iter().all(|&ns| ns < u64::MAX));
            let per_thread = (0..threads as u8).map(|t| r.thread.iter().filter(|&&x| x == t).count());
            assert!(per_thread.into_iter().all(|c| c == 20_000 / threads), "each thread made its share");
            assert!(r.wall_ns > 0);
        }
    }

    /// A map that loses every 1000th insert: the answer check must notice.
    struct Lossy(Mutex<std::collections::HashMap<u64, u64>>);

    impl FillMap for Lossy {
        fn empty() -> Self {
            Lossy(Mutex::new(Default::default()))
        }
        fn insert(&self, key: u64, value: u64) {
            if value % 1000 != 999 {
                self.0.lock().unwrap().insert(key, value);
            }
        }
        fn get(&self, key: u64) -> Option<u64> {
            self.0.lock().unwrap().get(&key).copied()
        }
        fn entry_count(&self) -> usize {
            self.0.lock().unwrap().len()
        }
    }

    #[test]
    fn a_map_that_loses_keys_fails_the_check() {
        let e = run::<Lossy>(&Fill { threads: 2, n: 5_000 }, &Clock::new()).unwrap_err();
        assert_eq!(e, "the map holds 4995 entries after 5000 distinct inserts");
        assert!(run::<Lossy>(&Fill { threads: 2, n: 1 }, &Clock::new()).unwrap_err().starts_with("cannot split"));
    }
}
