//! Pins the exact event sequence, the stats counters and the shape walk on
//! fixed inputs.

use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::vec::Vec;
use core::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};

use super::*;
use crate::HashMap;

/// `hash(k)` has the key's low 16 bits as its low bits (so the key picks its
/// bucket) and a mixed top byte.
#[derive(Clone, Default)]
struct ByBucket;

struct ByBucketHasher(u64);

impl Hasher for ByBucketHasher {
    fn finish(&self) -> u64 {
        let k = self.0;
        (crate::testing::splitmix64(k) & !0xffff) | (k & 0xffff)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, k: u64) {
        self.0 = k;
    }
}

impl BuildHasher for ByBucket {
    type Hasher = ByBucketHasher;
    fn build_hasher(&self) -> ByBucketHasher {
        ByBucketHasher(0)
    }
}

type Log = Arc<Mutex<Vec<Event>>>;

fn observed() -> (HashMap<u64, u64, ByBucket>, Log) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let mut m = HashMap::with_hasher(ByBucket);
    m.set_observer(Some(Box::new(move |e: &Event| sink.lock().unwrap().push(*e))));
    (m, log)
}

fn take(log: &Log) -> Vec<Event> {
    core::mem::take(&mut *log.lock().unwrap())
}

use Event::*;
use ResizeKind::*;

/// Keys 0..=27 with bucket = key mod 2^B. Each expected event is derived in
/// the comment above it from Go's rules.
#[test]
fn growth_event_sequence_is_exact() {
    let (mut m, log) = observed();
    for k in 0..8 {
        m.insert(k, k);
    }
    assert_eq!(take(&log), [], "8 keys fit one bucket");

    // The 9th key: count+1 = 9 > 8 → double to 2 buckets. The write moves
    // the bucket at the mark (0, the only one, 8 entries) and the resize ends.
    m.insert(8, 8);
    assert_eq!(
        take(&log),
        [
            ResizeStart { kind: Double, reason: Reason::LoadFactor, old_b: 0, new_b: 1, len: 8 },
            Evacuated { old_bucket: 0, entries: 8, evacuated: 1, total: 1 },
            ResizeEnd { kind: Double, b: 1, len: 8 },
        ]
    );
    for k in 9..13 {
        m.insert(k, k);
    }
    assert_eq!(take(&log), [], "capacity 13 with 2 buckets");

    // Key 13: 14 > 13 → double to 4. A write evacuates the two old buckets
    // at the mark: 0 (evens 0..=12: 7 entries), then 1 (odd keys 1..=11:
    // 6), and the resize ends.
    m.insert(13, 13);
    assert_eq!(
        take(&log),
        [
            ResizeStart { kind: Double, reason: Reason::LoadFactor, old_b: 1, new_b: 2, len: 13 },
            Evacuated { old_bucket: 0, entries: 7, evacuated: 1, total: 2 },
            Evacuated { old_bucket: 1, entries: 6, evacuated: 2, total: 2 },
            ResizeEnd { kind: Double, b: 2, len: 13 },
        ]
    );
    for k in 14..26 {
        m.insert(k, k);
    }
    assert_eq!(take(&log), []);

    // Key 26: 27 > 26 → double to 8. The write evacuates the mark's old
    // buckets 0 (0,4,..,24: 7 entries) and 1 (1,5,..,25: 7); bucket 2 is not
    // done, so the resize goes on and key 26 joins old bucket 2's chain.
    m.insert(26, 26);
    assert_eq!(
        take(&log),
        [
            ResizeStart { kind: Double, reason: Reason::LoadFactor, old_b: 2, new_b: 3, len: 26 },
            Evacuated { old_bucket: 0, entries: 7, evacuated: 1, total: 4 },
            Evacuated { old_bucket: 1, entries: 7, evacuated: 2, total: 4 },
        ]
    );
    let r = m.stats().resize.unwrap();
    assert_eq!((r.evacuated, r.total, r.nevacuate), (2, 4, 2));
    // A lookup moves nothing and emits nothing.
    assert_eq!(m.get(&5), Some(&5));
    assert_eq!(m.get(&26), Some(&26));
    assert_eq!(take(&log), []);

    // Key 27: old buckets 2 (2,6,..,26: 7) and 3 (3,7,..,23: 6), and the
    // resize ends before the key is written.
    m.insert(27, 27);
    assert_eq!(
        take(&log),
        [
            Evacuated { old_bucket: 2, entries: 7, evacuated: 3, total: 4 },
            Evacuated { old_bucket: 3, entries: 6, evacuated: 4, total: 4 },
            ResizeEnd { kind: Double, b: 3, len: 27 },
        ]
    );
    assert!(m.stats().resize.is_none());
}

#[test]
fn overflow_events_say_pool_or_allocation() {
    let (mut m, log) = observed();
    // 16 buckets (B = 4) and a pool for 100 keys at load 6.25: 2 overflow
    // buckets expected (`presized_len`), plus 3 * isqrt(2) = 3.
    m.reserve(100);
    assert_eq!(m.stats().b, 4);
    take(&log);
    // Ten keys into each of buckets 3, 4, ..: the 9th of each needs an
    // overflow bucket, from the pool while it lasts.
    for chain in 0..5 {
        for i in 0..10 {
            m.insert((i << 4) | (3 + chain), i);
        }
        assert_eq!(take(&log), [OverflowAlloc { pooled: true, overflow_buckets: chain as usize + 1 }]);
    }
    // The pool is used up, so a stand-alone one.
    for i in 0..10 {
        m.insert((i << 4) | 9, i);
    }
    assert_eq!(take(&log), [OverflowAlloc { pooled: false, overflow_buckets: 6 }]);
    let s = m.stats();
    assert_eq!(s.overflow_buckets, 6);
    let one_array = s.allocated_bytes;
    // Emptying the chain does not free its overflow bucket until a resize.
    for i in 0..10 {
        m.remove(&((i << 4) | 9));
    }
    assert_eq!(m.stats().allocated_bytes, one_array);
}

#[test]
fn shrink_events_and_queued_resizes() {
    let (mut m, log) = observed();
    for k in 0..1000 {
        m.insert(k, k);
    }
    m.finish_resize();
    m.retain(|k, _| *k < 10);
    take(&log);
    m.shrink_to_fit();
    let ev = take(&log);
    assert!(
        matches!(ev[..], [ResizeStart { kind: Shrink, reason: Reason::ShrinkTo, old_b: 8, new_b: 1, len: 10 }]),
        "{ev:?}"
    );
    // A reserve during the shrink is queued, not started.
    m.reserve(5000);
    let s = m.stats();
    assert_eq!(s.queued.map(|q| q.0), Some(Reserve));
    assert!(s.capacity >= 5010);
    m.finish_resize();
    let ev = take(&log);
    assert!(matches!(ev.last(), Some(ResizeEnd { kind: Reserve, len: 10, .. })), "{ev:?}");
    assert!(ev.iter().any(|e| matches!(e, ResizeEnd { kind: Shrink, .. })));
    assert!(ev.iter().any(|e| matches!(e, ResizeStart { kind: Reserve, reason: Reason::Reserve, .. })));
}

#[test]
fn stats_count_without_walking() {
    let mut m: HashMap<u64, u64, ByBucket> = HashMap::with_hasher(ByBucket);
    let s = m.stats();
    assert_eq!((s.len, s.b, s.buckets, s.allocated_bytes, s.capacity), (0, 0, 0, 0, 0));
    for k in 0..1000 {
        m.insert(k, k);
        let s = m.stats();
        assert_eq!(s.len, k as usize + 1);
        assert_eq!(s.buckets, 1 << s.b);
        assert!((s.load - s.len as f64 / s.buckets as f64).abs() < 1e-12);
        if let Some(r) = s.resize {
            assert!(r.nevacuate <= r.evacuated && r.evacuated <= r.total);
            let done = m.bucket_views().iter().filter(|v| v.array == Which::Old && v.evacuated).count();
            assert_eq!(done, r.evacuated);
        }
    }
}

/// `next_array_mapped` reports the array an insert maps seven eighths of
/// the way to a doubling (unit tests map arrays from 16 KiB and cache them
/// up to 512 buckets, so the first is the one of 2^9 buckets), and the
/// doubling takes it.
#[test]
#[cfg(all(feature = "std", any(target_os = "linux", miri)))]
fn stats_show_the_next_array_mapped_ahead() {
    let mut m: HashMap<u64, u64, ByBucket> = HashMap::with_hasher(ByBucket);
    let mut k = 0;
    while m.stats().b < 8 || m.is_resizing() {
        assert_eq!(m.stats().next_array_mapped, None);
        m.insert(k, k);
        k += 1;
    }
    let limit = m.stats().capacity;
    while m.len() < limit - limit / 8 {
        assert_eq!(m.stats().next_array_mapped, None, "at {}", m.len());
        m.insert(k, k);
        k += 1;
    }
    m.insert(k, k);
    assert_eq!(m.stats().next_array_mapped, Some(9));
    while m.len() < limit {
        k += 1;
        m.insert(k, k);
    }
    k += 1;
    m.insert(k, k);
    let s = m.stats();
    assert_eq!((s.next_array_mapped, s.b, s.resize.map(|r| r.new_b)), (None, 9, Some(9)));
}

/// A doubling between mapped arrays moves the old array's dead slot pages
/// into the new array's upper half (`recycled_bytes`) instead of unmapping
/// them, and every entry reads back afterwards. Unit tests map arrays from
/// 16 KiB and keep those up to 512 buckets whole, so the doubling from
/// 2^10 to 2^11 buckets recycles: at most the old slot region (2^10
/// buckets of 128 bytes), and most of it (the first chunk is unmapped, and
/// the last pages are handed back after the resize).
#[test]
#[cfg(all(feature = "std", any(target_os = "linux", miri)))]
fn doublings_recycle_old_slot_pages() {
    /// Inserts `k -> !k` for the next keys until the map has `2^b` buckets
    /// and no resize runs.
    fn grow_to(m: &mut HashMap<u64, u64, ByBucket>, k: &mut u64, b: u8) {
        while m.stats().b < b || m.is_resizing() {
            m.insert(*k, !*k);
            *k += 1;
        }
    }
    let mut m: HashMap<u64, u64, ByBucket> = HashMap::with_hasher(ByBucket);
    let mut k = 0;
    grow_to(&mut m, &mut k, 10);
    let before = m.stats().recycled_bytes;
    grow_to(&mut m, &mut k, 11);
    let moved = m.stats().recycled_bytes - before;
    let old_slots = (1 << 10) * 128;
    assert!(moved <= old_slots && moved >= old_slots / 2, "moved {moved} of {old_slots} bytes");
    for i in 0..k {
        assert_eq!(m.get(&i), Some(&!i), "key {i}");
    }
}

/// At Go's maximum load (6.5 per bucket) with a well-mixed seeded hash,
/// the shape matches the row of Go's table for 6.50: missprobe exactly 6.5,
/// hitprobe 4.25 (1 + 6.5/2 in expectation), %overflow near its 20.90.
#[test]
fn shape_at_max_load_matches_gos_table() {
    let hasher = core::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
    let mut m: HashMap<u64, u64, _> = HashMap::with_hasher(hasher);
    let n = 13 << 11; // 6.5 · 2^12: full, one short of doubling
    for k in 0..n {
        m.insert(k, k);
    }
    m.finish_resize();
    assert_eq!(m.stats().b, 12);
    let s = m.shape();
    assert_eq!(s.len, n as usize);
    assert_eq!(s.chains, 4096);
    assert!((s.miss_probe - 6.5).abs() < 1e-9, "{}", s.miss_probe);
    assert!((s.hit_probe - 4.25).abs() < 0.1, "{}", s.hit_probe);
    assert!((16.0..26.0).contains(&s.overflow_pct), "{}", s.overflow_pct);
    assert!(s.hit_key_compares >= 1.0 && s.hit_key_compares < 1.05, "{}", s.hit_key_compares);
    assert!(s.tophash_false_match_rate < 0.03);
    // Every bucket, main or overflow, is counted once in each histogram.
    let buckets: usize = s.chain_lengths.iter().enumerate().map(|(n, c)| n * c).sum();
    assert_eq!(buckets, 4096 + m.stats().overflow_buckets);
    assert_eq!(s.slots_used.iter().sum::<usize>(), buckets);
    let in_buckets: usize = s.slots_used.iter().enumerate().map(|(n, c)| n * c).sum();
    assert_eq!(in_buckets, s.len);
}

#[test]
fn debug_internals_draws_buckets() {
    let mut m: HashMap<u64, u64, ByBucket> = HashMap::with_hasher(ByBucket);
    for k in 0..10 {
        m.insert(k * 2, k); // all in bucket 0 once B = 1
    }
    let text = m.debug_internals().to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("B=1 (2 buckets), 10 entries"), "{text}");
    assert!(lines[1].starts_with("cur[  0] [") && lines[1].contains("] -> ["), "{text}");
    assert_eq!(lines[2], "cur[  1] [.. .. .. .. .. .. .. ..]");
    m.remove(&2);
    assert!(m.debug_internals().to_string().lines().nth(1).unwrap().contains(" -- "));
}
