//! Engine tests: Go's growth triggers and sequence, bounded evacuation per
//! write, tophash states after deletes, resizes of every kind. Each test
//! checks every invariant after every operation.

use alloc::vec::Vec;
use core::mem;

use super::bucket::{SlotLayout, HEADER, LINK};
use super::tophash::{
    tophash, BUCKET_SLOTS, EMPTY_ONE, EMPTY_REST, EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y, MIN_TOPHASH,
};
use super::*;

/// A hash with well-mixed bits.
fn mix(k: &u64) -> u64 {
    crate::testing::splitmix64(*k)
}

/// Keys choose their own bucket: the low 16 bits of the key are the low
/// bits of the hash; the top byte is mixed so tophashes differ.
fn by_bucket(k: &u64) -> u64 {
    (mix(k) & !0xffff) | (k & 0xffff)
}

/// Every key in bucket 0 (low 16 bits 0), with the top hash nibble (the
/// chain filter's bit, invariant 16) taken from bits 32..36 of the key.
fn nibbled(k: &u64) -> u64 {
    ((k >> 32) & 15) << 60 | (mix(k) & 0x0fff_ffff_ffff_0000)
}

/// A key of `nibbled`'s bucket 0 with top hash nibble `nibble`.
fn key(nibble: u64, i: u64) -> u64 {
    nibble << 32 | i << 16
}

/// `n` for a normal run; a tenth of it under Miri, which runs these tests
/// about a thousand times slower (`scripts/miri.sh`), so that the same
/// states are reached at smaller sizes.
const fn scaled(n: u64) -> u64 {
    if cfg!(miri) {
        n / 10
    } else {
        n
    }
}

struct T<H: Fn(&u64) -> u64> {
    t: RawTable<u64, u64>,
    h: H,
    ops: core::cell::Cell<u64>,
}

impl<H: Fn(&u64) -> u64> T<H> {
    fn new(h: H) -> Self {
        T { t: RawTable::new(), h, ops: Default::default() }
    }

    /// The full walk is O(table): after each of the first 2,000 writes, then
    /// after every 97th, so tests with 10^5 writes stay fast.
    fn check(&self) {
        let n = self.ops.get() + 1;
        self.ops.set(n);
        let every = if cfg!(miri) { 200 } else { 2_000 };
        if n > every && !n.is_multiple_of(97) {
            return;
        }
        self.check_now();
    }

    fn check_now(&self) {
        if let Err(e) = self.t.check_invariants(&self.h) {
            panic!("{e}");
        }
    }

    fn insert(&mut self, k: u64, v: u64) -> Option<u64> {
        let r = self.insert_unchecked(k, v);
        self.check();
        r
    }

    /// `insert` without the check, whose walk reads every header (reading
    /// an untouched page maps the kernel's zero page into it).
    fn insert_unchecked(&mut self, k: u64, v: u64) -> Option<u64> {
        let hash = (self.h)(&k);
        match self.t.entry(hash, |x| *x == k, &self.h) {
            Probe::Found(mut o) => Some(mem::replace(o.get_mut(), v)),
            Probe::Vacant(vac) => {
                vac.insert(k, v, &self.h);
                None
            }
        }
    }

    fn remove(&mut self, k: u64) -> Option<u64> {
        let hash = (self.h)(&k);
        let r = match self.t.entry(hash, |x| *x == k, &self.h) {
            Probe::Found(o) => Some(o.remove().1),
            Probe::Vacant(_) => None,
        };
        self.check();
        r
    }

    fn get(&self, k: u64) -> Option<u64> {
        self.t.get((self.h)(&k), |x| *x == k).map(|(_, v)| *v)
    }

    fn b(&self) -> u8 {
        self.t.current.as_ref().map_or(0, |a| a.b)
    }

    fn evacuated_old_buckets(&self) -> usize {
        let Some(old) = &self.t.old else { return 0 };
        (0..old.arr.buckets()).filter(|&i| old.is_evacuated(i)).count()
    }

    /// Inserts keys `0, 1, ...` until the doubling to 2^11 buckets starts
    /// (arrays that size are mapped and too large for the reuse cache);
    /// returns the next key. The doubling's start runs without the
    /// checker, whose walk would read (and so map the zero page into)
    /// every header.
    #[cfg(all(feature = "std", target_os = "linux", not(miri)))]
    fn start_mapped_doubling(&mut self) -> u64 {
        let mut k = 0u64;
        while self.b() < 10 || self.t.old.is_some() {
            self.insert(k, k);
            k += 1;
        }
        while self.t.old.is_none() {
            self.insert_unchecked(k, k);
            k += 1;
        }
        assert_eq!(self.b(), 11, "the doubling to 2^11 buckets just started");
        k
    }

    /// Tophash bytes of chain `i` of the current array.
    fn chain_tops(&self, i: usize) -> Vec<[u8; BUCKET_SLOTS]> {
        let cur = self.t.current.as_ref().unwrap().view;
        let mut out = Vec::new();
        // SAFETY: `i` is a main bucket; links are null or live headers.
        let mut h = unsafe { cur.hdr(i) };
        while !h.is_null() {
            // SAFETY: `h` is live.
            unsafe {
                out.push((*h).tophash);
                h = cur.overflow(h);
            }
        }
        out
    }
}

/// A map is a field of many structs and an element of many vectors: the
/// arrays a table holds only around a resize (queued, mapped ahead, being
/// handed back) live behind a pointer each, which took the table from 97
/// words to 54 (a `HashMap<u64, u64>` with a fixed foldhash state: 784 ->
/// 440 bytes; hashbrown's is 40). The old array stays inline: boxed, it
/// cost evacuation 20 instructions a bucket (callgrind, 1M inserts from
/// empty: 210.2M -> 217.1M).
#[test]
fn a_table_stays_small() {
    assert!(mem::size_of::<RawTable<u64, u64>>() <= 54 * mem::size_of::<usize>());
}

#[test]
fn capacity_follows_go_load_factor() {
    assert_eq!(capacity_for(0), 8);
    assert_eq!(capacity_for(1), 13);
    assert_eq!(capacity_for(2), 26);
    assert_eq!(capacity_for(10), 6656);
    assert_eq!(capacity_for(63), usize::MAX);
    // Go's overLoadFactor(count, B): count > 8 && count > 13*(2^B/2).
    for b in 0..20u8 {
        for count in [0usize, 1, 8, 9, 13, 14, 26, 27, 6656, 6657, 1 << 20] {
            let go = count > 8 && count > 13 * ((1usize << b) / 2);
            assert_eq!(over_load(count, b), go, "count {count} B {b}");
        }
    }
    assert!(too_many_overflow(1, 0));
    assert!(!too_many_overflow(3, 2));
    assert!(too_many_overflow(4, 2));
    // From B = 16 Go's approximate counter reaches 2^15 at about 2^B real
    // overflow buckets; with an exact count the threshold is 2^B.
    assert!(!too_many_overflow(1 << 15, 18));
    assert!(!too_many_overflow((1 << 18) - 1, 18));
    assert!(too_many_overflow(1 << 18, 18));
}

/// Bucket counts after each of the first 20,000 distinct inserts (2,000
/// under Miri) equal Go 1.19's: B grows exactly when `count+1` would
/// exceed 6.5 per bucket.
#[test]
fn growth_sequence_matches_go() {
    let mut t = T::new(mix);
    let mut expect_b = 0u8;
    for n in 0..scaled(20_000) {
        // Go's mapassign: a new key with count = n grows B if
        // overLoadFactor(n + 1, B).
        if over_load(n as usize + 1, expect_b) {
            expect_b += 1;
        }
        assert_eq!(t.insert(n, n), None);
        assert_eq!(t.b(), expect_b, "after {} inserts", n + 1);
    }
    // The well-known points: 9 keys need 2 buckets, 14 need 4.
    let mut t = T::new(mix);
    for n in 0..14u64 {
        t.insert(n, n);
        let want = match n + 1 {
            0..=8 => 1,
            9..=13 => 2,
            _ => 4,
        };
        assert_eq!(1usize << t.b(), want);
    }
}

/// A growth only allocates; every later write evacuates one or two old
/// buckets (the key's, then the one at the mark), never more; reads move
/// nothing.
#[test]
fn each_write_moves_at_most_two_buckets() {
    let mut t = T::new(mix);
    let mut writes_while_resizing = 0;
    for n in 0..scaled(12_000) {
        let was_resizing = t.t.old.is_some();
        let before = t.evacuated_old_buckets();
        let old_n = t.t.old.as_ref().map_or(0, |o| o.arr.buckets());
        t.insert(n, n);
        if was_resizing {
            writes_while_resizing += 1;
            let after = if t.t.old.is_some() { t.evacuated_old_buckets() } else { old_n };
            let moved = after - before;
            assert!((1..=2).contains(&moved), "insert {n} moved {moved} buckets");
        } else if t.t.old.is_some() {
            // The insert that started the growth evacuated the key's bucket
            // and the one at the mark.
            assert!(t.evacuated_old_buckets() <= 2);
        }
        let mark = t.t.old.as_ref().map(|o| o.nevacuate);
        if n % 97 == 0 && mark.is_some() {
            let before = t.evacuated_old_buckets();
            for k in 0..n {
                assert_eq!(t.get(k), Some(k));
            }
            assert_eq!(t.evacuated_old_buckets(), before);
            assert_eq!(t.t.old.as_ref().map(|o| o.nevacuate), mark);
        }
    }
    assert!(writes_while_resizing > scaled(5_000) / 10);
}

/// Doubling splits old bucket i into new buckets i ("X") and i + 2^(B-1)
/// ("Y"), and marks the old slots accordingly.
#[test]
fn doubling_marks_x_and_y() {
    let mut t = T::new(by_bucket);
    // Bucket 0 of a one-bucket table: keys 0..8 (low bit 0 and 1 mix).
    for k in 0..8u64 {
        t.insert(k, k);
    }
    assert_eq!(t.b(), 0);
    t.insert(8, 8); // ninth key: doubling to B = 1, bucket 0 evacuated
    assert_eq!(t.b(), 1);
    // The growth finished in this one insert (one old bucket).
    assert!(t.t.old.is_none());
    for k in 0..9 {
        assert_eq!(t.get(k), Some(k));
    }
}

#[test]
fn evacuated_slots_say_where_entries_went() {
    let mut t = T::new(by_bucket);
    // 2 buckets after 9..13 keys; then grow to 4 with a key in bucket 1 so
    // that bucket 0 stays unevacuated for a moment.
    for k in 0..13u64 {
        t.insert(k, k);
    }
    assert_eq!(t.b(), 1);
    // An insert evacuates the two old buckets at the mark: the growth
    // completes in one write here. To see marks, look at the old array
    // before `advance_mark` frees it: start the resize by hand and evacuate
    // one bucket (0, at the mark; a heap array, so its memory below the
    // mark stays readable).
    t.t.start_resize(2, ResizeKind::Double, crate::types::Reason::LoadFactor).unwrap();
    t.t.evacuate_next(&by_bucket);
    t.check();
    let old = t.t.old.as_ref().unwrap();
    assert_eq!(old.nevacuate, 1);
    // SAFETY: bucket 0 of the old array.
    let tops = unsafe { (*old.arr.view.hdr(0)).tophash };
    for (j, &top) in tops.iter().enumerate() {
        // Keys 0, 2, 4, ... : k & 3 == 0 stays at index 0 (X), == 2 moves (Y).
        assert!(matches!(top, EVACUATED_X | EVACUATED_Y | EVACUATED_EMPTY), "slot {j}: {top}");
    }
    let xs = tops.iter().filter(|&&x| x == EVACUATED_X).count();
    let ys = tops.iter().filter(|&&x| x == EVACUATED_Y).count();
    assert_eq!((xs, ys), (4, 3), "{tops:?}"); // keys 0,4,8,12 → X; 2,6,10 → Y
    for k in 0..13 {
        assert_eq!(t.get(k), Some(k));
    }
}

/// During a resize a key whose old bucket is not evacuated yet goes into
/// its old chain. A full old chain takes the old array's next pool bucket
/// (not counted in `noverflow`, which counts the current array's), and the
/// mark's evacuation moves its entries like any other.
#[test]
fn a_full_old_chain_takes_an_old_pool_bucket() {
    let mut t = T::new(by_bucket);
    // B = 4: 16 buckets and a pool of one; six keys in every bucket.
    for k in 0..96u64 {
        t.insert(k, k);
    }
    assert_eq!((t.b(), t.t.next_pool, t.t.noverflow), (4, 16, 0));
    t.t.start_resize(5, ResizeKind::Double, crate::types::Reason::LoadFactor).unwrap();
    t.check();
    // Keys of old bucket 15, the last the mark reaches (each write moves
    // the two at the mark, so 7 writes leave it in place).
    let keys: Vec<u64> = (6..13).map(|j| 15 + 16 * j).collect();
    for (w, &k) in keys.iter().enumerate() {
        t.insert(k, k);
        let old = t.t.old.as_ref().expect("still resizing");
        assert!(old.nevacuate <= 15 && !old.is_evacuated(15), "write {w}");
        // Two writes fill the main bucket; the third needs the pool bucket.
        assert_eq!(old.arr.used, if w < 2 { 16 } else { 17 }, "write {w}");
        assert_eq!((t.t.noverflow, t.t.standalone), (0, 0), "write {w}");
    }
    assert_eq!(t.t.get(by_bucket(&keys[6]), |x| *x == keys[6]).map(|(_, v)| *v), Some(keys[6]));
    t.insert(1000, 1000);
    assert!(t.t.old.is_none(), "the eighth write ends the resize");
    for k in (0..96).chain(keys.iter().copied()).chain([1000]) {
        assert_eq!(t.get(k), Some(k));
    }
    t.check();
}

/// An old chain that took writes during a resize (two old pool buckets of
/// them) is cloned, iterated and removed from like any chain, and moves
/// whole when the mark reaches it.
#[test]
fn old_chains_take_writes_clones_and_removals() {
    let mut t = T::new(by_bucket);
    // B = 6: 64 buckets and a pool of four; six keys in every bucket.
    for k in 0..384u64 {
        t.insert(k, k);
    }
    assert_eq!((t.b(), t.t.next_pool), (6, 64));
    t.t.start_resize(7, ResizeKind::Double, crate::types::Reason::LoadFactor).unwrap();
    // Twelve keys of old bucket 63: two fill its main bucket, eight a
    // pool bucket, two more a second one. The mark passes 24 buckets.
    let keys: Vec<u64> = (6..18).map(|j| 63 + 64 * j).collect();
    for &k in &keys {
        t.insert(k, k);
    }
    let old = t.t.old.as_ref().expect("still resizing");
    assert_eq!((old.nevacuate, old.arr.used), (24, 66));
    // A clone mid-resize has the same entries and passes the checker.
    let c = T { t: t.t.clone_with(|k, v| (*k, *v)), h: by_bucket, ops: Default::default() };
    c.check_now();
    let mut a: Vec<_> = t.t.iter().map(|(k, v)| (*k, *v)).collect();
    let mut b: Vec<_> = c.t.iter().map(|(k, v)| (*k, *v)).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a.len(), 396);
    assert_eq!(a, b);
    // Removals in the old chain (main and pool buckets), before the mark
    // reaches it.
    for &k in &[keys[0], keys[2], keys[9], keys[10], keys[11]] {
        assert_eq!(t.remove(k), Some(k));
        assert!(!t.t.old.as_ref().expect("still resizing").is_evacuated(63));
    }
    t.check_now();
    t.t.finish_resize(&by_bucket);
    t.check_now();
    for k in (0..384).chain(keys.iter().copied()) {
        let gone = [keys[0], keys[2], keys[9], keys[10], keys[11]].contains(&k);
        assert_eq!(t.get(k), if gone { None } else { Some(k) }, "key {k}");
    }
}

/// Deletion marks EMPTY_REST when everything after the slot is, else
/// EMPTY_ONE, without Go's walk back over earlier EMPTY_ONE slots; an
/// overflow bucket left with nothing live and nothing after it becomes all
/// EMPTY_REST, and so does the last slot of the bucket before it
/// (invariant 3).
#[test]
fn delete_keeps_last_slots_exact() {
    let mut t = T::new(by_bucket);
    for k in 0..8u64 {
        t.insert(k, k);
    }
    let top = |k: u64| tophash(by_bucket(&k));
    t.remove(7);
    t.remove(5);
    assert_eq!(t.chain_tops(0)[0], [top(0), top(1), top(2), top(3), top(4), EMPTY_ONE, top(6), EMPTY_REST]);
    t.remove(6);
    assert_eq!(t.chain_tops(0)[0], [top(0), top(1), top(2), top(3), top(4), EMPTY_ONE, EMPTY_REST, EMPTY_REST]);
    // Reinserting takes the first empty slot.
    t.insert(100 * 65536, 1);
    assert_eq!(t.chain_tops(0)[0][5], top(100 * 65536));

    // Across buckets: 2 buckets, all keys in bucket 0 (even low 16 bits).
    let two_buckets = || {
        let mut t = T::new(by_bucket);
        let keys: Vec<u64> = (0..13).map(|i| i * 2).collect();
        for &k in &keys {
            t.insert(k, k);
        }
        t.t.finish_resize(&by_bucket);
        assert_eq!(t.b(), 1);
        assert_eq!(t.chain_tops(0).len(), 2, "8 in the head, 5 in an overflow bucket");
        (t, keys)
    };
    // Empty the overflow bucket, then the head's last slot.
    let (mut t, keys) = two_buckets();
    for &k in &keys[8..] {
        t.remove(k);
    }
    assert_eq!(t.chain_tops(0)[1], [EMPTY_REST; 8]);
    t.remove(keys[6]);
    assert_eq!(t.chain_tops(0)[0][6], EMPTY_ONE);
    t.remove(keys[7]);
    assert_eq!(&t.chain_tops(0)[0][6..], &[EMPTY_ONE, EMPTY_REST]);
    // The other way round: the head's last slot first (something live
    // after it), then the overflow bucket, in an order that leaves its
    // EMPTY_ONE slots before the EMPTY_REST ones: the last removal there
    // clears the whole bucket and the head's last slot.
    let (mut t, keys) = two_buckets();
    let overflow = t.chain_tops(0)[1];
    let mut by_slot: Vec<u64> = keys[8..].to_vec();
    by_slot.sort_by_key(|&k| overflow.iter().position(|&x| x == top(k)).expect("in the overflow bucket"));
    let head_last = *keys[..8].iter().find(|&&k| t.chain_tops(0)[0][7] == top(k)).expect("in slot 7");
    t.remove(head_last);
    assert_eq!(t.chain_tops(0)[0][7], EMPTY_ONE);
    for s in [0, 1, 4, 2] {
        t.remove(by_slot[s]);
    }
    let left = top(by_slot[3]);
    assert_eq!(
        t.chain_tops(0)[1],
        [EMPTY_ONE, EMPTY_ONE, EMPTY_ONE, left, EMPTY_REST, EMPTY_REST, EMPTY_REST, EMPTY_REST]
    );
    assert_eq!(t.chain_tops(0)[0][7], EMPTY_ONE);
    t.remove(by_slot[3]);
    assert_eq!(t.chain_tops(0)[1], [EMPTY_REST; 8]);
    assert_eq!(t.chain_tops(0)[0][7], EMPTY_REST);
}

/// Invariant 16's filter holds the top hash nibbles of a chain's overflow
/// entries and nothing else, through a doubling's moves and a clone, so a
/// miss whose nibble no overflow entry has stops at the link. The checker
/// holds the other direction (every overflow entry's bit is set).
#[test]
fn a_chains_filter_holds_its_overflow_nibbles_only() {
    let mut t = T::new(nibbled);
    // Eight keys fill the main bucket; the doubling they trigger keeps
    // them there (same bucket 0), and the three after go to an overflow
    // bucket.
    for i in 0..8 {
        t.insert(key(1, i), i);
    }
    for i in 0..3 {
        t.insert(key(5, i), i);
    }
    t.t.finish_resize(&nibbled);
    t.check_now();
    let filter = |t: &RawTable<u64, u64>| {
        let cur = t.current.as_ref().unwrap().view;
        // SAFETY: bucket 0 is a main bucket of the live current array.
        unsafe {
            (
                cur.filter_of(cur.hdr(0)),
                cur.chain_may_hold(0, nibbled(&key(1, 99))),
                cur.chain_may_hold(0, nibbled(&key(5, 99))),
            )
        }
    };
    assert_eq!(t.chain_tops(0).len(), 2, "eight in the main bucket, three past it");
    let expect = if bucket::FILTERED { bucket::filter_bit(nibbled(&key(5, 0))) } else { 0 };
    assert_eq!(filter(&t.t), (expect, !bucket::FILTERED, true));
    // Misses of either nibble, hits of both.
    assert_eq!((t.get(key(1, 99)), t.get(key(5, 99))), (None, None));
    assert_eq!((t.get(key(1, 7)), t.get(key(5, 2))), (Some(7), Some(2)));
    // A clone carries the filter.
    let c = t.t.clone_with(|k, v| (*k, *v));
    assert_eq!(filter(&c), filter(&t.t));
}

/// The append position (invariant 17): set by the general path's first
/// write past a full main bucket, advanced by each insert that writes from
/// the link alone, given up when the overflow bucket fills or loses an
/// entry, and never used for a key the filter does not rule out.
#[test]
fn inserts_past_a_full_main_bucket_append_from_the_link() {
    let mut t: T<fn(&u64) -> u64> = T::new(nibbled);
    // B = 4 (room for 104): nothing below triggers a growth.
    t.t.reserve(64, Fallibility::Fallible).unwrap();
    t.t.finish_resize(&nibbled);
    let pos = |t: &RawTable<u64, u64>| {
        let cur = t.current.as_ref().unwrap().view;
        // SAFETY: bucket 0 is a main bucket of the live current array.
        unsafe { cur.fill_of(cur.hdr(0)) }
    };
    let steady = |t: &mut T<fn(&u64) -> u64>, k: u64, v: u64| {
        let r = t.t.insert_steady(nibbled(&k), |a, b| a == b, k, v).ok();
        t.check_now();
        r
    };
    let append = |t: &mut T<fn(&u64) -> u64>, k: u64| steady(t, k, k).is_some();
    for i in 0..8 {
        // A main bucket that ends its chain takes an absent key in its
        // first empty slot, and replaces a present key's value.
        assert_eq!(steady(&mut t, key(1, i), i + 100), Some(None));
        assert_eq!(steady(&mut t, key(1, i), i), Some(Some(i + 100)));
    }
    assert_eq!(t.chain_tops(0).len(), 1);
    // A full main bucket with no overflow bucket is the general path's.
    assert!(!append(&mut t, key(3, 0)));
    assert_eq!(pos(&t.t), 0);
    // The general path links the overflow bucket and records slot 1.
    t.insert(key(1, 8), 8);
    assert_eq!(pos(&t.t), if bucket::FILTERED { 1 } else { 0 });
    // A key of nibble 1, which the filter now holds, goes the general way.
    assert!(!append(&mut t, key(1, 9)));
    // Keys of seven other nibbles append from the link and fill the
    // bucket; the position then is given up.
    for i in 0..7 {
        assert_eq!(append(&mut t, key(2 + i, 0)), bucket::FILTERED);
        let want = if !bucket::FILTERED || i == 6 { 0 } else { i as usize + 2 };
        assert_eq!(pos(&t.t), want);
    }
    if !bucket::FILTERED {
        return;
    }
    assert!(t.chain_tops(0)[1].iter().all(|&b| b >= MIN_TOPHASH), "the overflow bucket is full");
    assert!(!append(&mut t, key(9, 0)));
    for i in 0..=8 {
        assert_eq!(t.get(key(1, i)), Some(i));
    }
    for i in 0..7 {
        assert_eq!(t.get(key(2 + i, 0)), Some(key(2 + i, 0)));
    }
    // Slot 7 emptied and filled again by the general path: full, no
    // position.
    assert_eq!(t.remove(key(8, 0)), Some(key(8, 0)));
    t.insert(key(1, 10), 10);
    assert_eq!(pos(&t.t), 0);
    // A hole in the overflow bucket: no position, so the general path
    // fills the hole.
    assert_eq!(t.remove(key(2, 0)), Some(key(2, 0)));
    assert!(!append(&mut t, key(9, 0)));
    t.insert(key(9, 0), 0);
    assert_eq!(t.chain_tops(0).len(), 2, "the hole took it");
}

/// Go's second trigger: as many overflow buckets as buckets starts a
/// same-size growth, which compacts the chains.
#[test]
fn same_size_growth_on_overflow_count() {
    let mut t = T::new(by_bucket);
    // B = 2 (capacity 26): insert 14 keys spread over the 4 buckets.
    for k in 0..14u64 {
        t.insert(k, k);
    }
    t.t.finish_resize(&by_bucket);
    assert_eq!(t.b(), 2);
    // Churn: fill bucket 0 past 8 (overflow), delete the extra, repeat in the
    // other buckets. Each round leaves an empty overflow bucket behind.
    let mut next = 1000u64;
    for bucket in 0..4u64 {
        let extra: Vec<u64> = (0..10)
            .map(|_| {
                next += 4;
                (next & !3) | bucket
            })
            .collect();
        for &k in &extra {
            t.insert(k, k);
            if t.t.old.is_some() {
                break;
            }
        }
        if t.t.old.is_some() {
            break;
        }
        for &k in &extra {
            t.remove(k);
        }
    }
    let old = t.t.old.as_ref().expect("overflow count started a resize");
    assert_eq!(old.kind, ResizeKind::SameSize);
    assert_eq!(old.arr.b, 2);
    assert_eq!(t.b(), 2);
    t.t.finish_resize(&by_bucket);
    t.check();
    for k in 0..14 {
        assert_eq!(t.get(k), Some(k));
    }
}

/// `reserve` can jump several doublings at once, and `shrink_to` halves
/// (or more); both move entries incrementally like a growth.
#[test]
fn reserve_jump_and_shrink_are_incremental() {
    let mut t = T::new(mix);
    for k in 0..100u64 {
        t.insert(k, k);
    }
    t.t.finish_resize(&mix);
    let b0 = t.b();
    // Three doublings or more either way; a tenth under Miri.
    let reserved = scaled(10_000);
    t.t.reserve(reserved as usize, Fallibility::Fallible).unwrap();
    assert!(t.b() >= b0 + 3);
    assert_eq!(t.t.old.as_ref().unwrap().kind, ResizeKind::Reserve);
    t.check();
    for k in 0..100 {
        assert_eq!(t.get(k), Some(k));
    }
    // Writes finish the move.
    let mut k = 100;
    while t.t.old.is_some() {
        t.insert(k, k);
        k += 1;
    }
    assert!(k < 100 + (1 << b0) + 1, "every write moved at least one bucket");
    // No growth during the reserved inserts.
    let b1 = t.b();
    while t.t.len() < (reserved + 100) as usize {
        t.insert(k, k);
        k += 1;
    }
    assert_eq!(t.b(), b1);

    // Shrink after removing most keys.
    for k in 10..k {
        t.remove(k);
    }
    t.t.shrink_to(0);
    assert_eq!(t.t.old.as_ref().unwrap().kind, ResizeKind::Shrink);
    assert_eq!(t.b(), 1);
    for k in 0..10 {
        assert_eq!(t.get(k), Some(k));
    }
    let mut writes = 0;
    while t.t.old.is_some() {
        t.remove(1_000_000 + writes);
        writes += 1;
    }
    for k in 0..10 {
        assert_eq!(t.get(k), Some(k));
    }
    // Empty and shrunk: frees everything.
    for k in 0..10 {
        t.remove(k);
    }
    t.t.shrink_to(0);
    assert!(t.t.current.is_none());
}

/// Iteration during a resize yields every entry exactly once, without
/// rehashing.
#[test]
fn iteration_mid_resize_yields_each_once() {
    let mut t = T::new(mix);
    let mut checked = 0;
    let every = if cfg!(miri) { 1 } else { 13 };
    for k in 0..scaled(5_000) {
        t.insert(k, k);
        if t.t.old.is_some() && k % every == 0 {
            let mut seen: Vec<u64> = t.t.iter().map(|(k, _)| *k).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..=k).collect::<Vec<_>>());
            checked += 1;
        }
    }
    assert!(checked > 10);
}

/// A clone taken mid-resize is the same shape, and both go on independently.
#[test]
fn clone_mid_resize_keeps_shape() {
    let mut t = T::new(mix);
    for k in 0..3_000u64 {
        t.insert(k, k);
        if t.t.old.is_some() && k > 1_000 {
            break;
        }
    }
    assert!(t.t.old.is_some());
    let c = T { t: t.t.clone_with(|k, v| (*k, *v)), h: mix, ops: Default::default() };
    c.check_now();
    assert_eq!(c.t.old.as_ref().unwrap().nevacuate, t.t.old.as_ref().unwrap().nevacuate);
    assert_eq!(c.t.noverflow, t.t.noverflow);
    assert_eq!(c.t.next_pool, t.t.next_pool);
    let mut a: Vec<_> = t.t.iter().map(|(k, v)| (*k, *v)).collect();
    let mut b: Vec<_> = c.t.iter().map(|(k, v)| (*k, *v)).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
}

/// Preallocated overflow buckets (2^(B-4) spare once B >= 4) are used
/// before any stand-alone allocation.
#[test]
fn overflow_pool_is_used_first() {
    assert_eq!(bucket::array_len(3), Some(8));
    assert_eq!(bucket::array_len(4), Some(17));
    assert_eq!(bucket::array_len(10), Some(1024 + 64));
    // A presized array's pool: what its keys are expected to need (2,722
    // for 100K keys in 2^14 buckets, where a fill used 2,695), plus three
    // standard deviations; Go's when that is larger or B < 4.
    assert_eq!(bucket::presized_len(14, 100_000), Some(16384 + 2722 + 3 * 52));
    assert_eq!(bucket::presized_len(10, 100), bucket::array_len(10));
    assert_eq!(bucket::presized_len(3, 50), bucket::array_len(3));
    let mut t = T::new(by_bucket);
    t.t = RawTable::with_capacity(100, Fallibility::Fallible).unwrap();
    assert_eq!(t.b(), 4);
    // Ten keys into bucket 3: eight in the head, two in a pool bucket.
    for i in 0..10u64 {
        t.insert((i << 4) | 3, i);
    }
    assert_eq!(t.t.noverflow, 1);
    assert_eq!(t.t.next_pool, 17);
    let cur = t.t.current.as_ref().unwrap().view;
    // SAFETY: bucket 3 is a main bucket of the current array.
    let link = unsafe { cur.overflow(cur.hdr(3)) };
    assert!(cur.contains(link));
}

/// Large arrays are mapped (from 16 KiB under test): pages of evacuated old
/// buckets are handed back as the mark passes them, and the finished
/// array is releasing and drained a chunk per write. Lookups, iteration and
/// clones mid-resize must never read a released bucket.
#[test]
// Arrays are mapped from the OS (and so released in chunks) only with `std`.
#[cfg(feature = "std")]
fn released_pages_are_never_read() {
    let mut t = T::new(mix);
    let mut saw_releasing = 0;
    let mut saw_released_mid_resize = 0;
    for k in 0..30_000u64 {
        t.insert(k, k);
        if t.t.releasing.is_some() {
            saw_releasing += 1;
        }
        if let Some(old) = &t.t.old {
            if old.arr.releasable() && old.nevacuate > 600 && k % 31 == 0 {
                saw_released_mid_resize += 1;
                for q in (0..=k).step_by(7) {
                    assert_eq!(t.get(q), Some(q));
                }
                assert_eq!(t.get(k + 1_000_000), None);
                assert_eq!(t.t.iter().count() as u64, k + 1);
                let c = T { t: t.t.clone_with(|k, v| (*k, *v)), h: mix, ops: Default::default() };
                c.check_now();
                assert_eq!(c.t.iter().count() as u64, k + 1);
            }
        }
    }
    t.check_now();
    // Evacuation already handed back the main buckets' pages; a releasing
    // array has only its overflow pool left, drained in a few writes.
    assert!(saw_releasing >= 3, "releasing arrays drained over several writes: {saw_releasing}");
    assert!(saw_released_mid_resize > 5, "{saw_released_mid_resize}");
}

/// A mapped old array hands back the pages of every region (headers, links,
/// slots) as the mark passes them: what it still maps stays within a few
/// batches of what its buckets from the mark on need, so the unmap at the
/// resize's end is small. (With the links region left out, its pages went
/// in one call at the end: 1.3 ms at the end of a 10M-key fill's last
/// doubling, in the latency harness.)
#[test]
#[cfg(feature = "std")]
fn old_arrays_hand_back_every_region_as_the_mark_passes() {
    let per = HEADER + LINK + SlotLayout::<u64, u64>::SLOTS;
    // A batch (4 KiB under test) and a page a region may hold past its
    // cursor, and the pages two regions share.
    let slack = 3 * (2 * sys::PAGE) + 2 * sys::PAGE;
    // Under Miri (slow, and a mapping there is an allocation that counts
    // released bytes) one doubling from 2^9 buckets, the first array too
    // large for the test-size reuse cache: too small to catch a region left
    // out, but every release step runs.
    let (top, least) = if cfg!(miri) { (10, 100) } else { (13, 1_000) };
    let mut t = T::new(mix);
    let (mut k, mut checked) = (0u64, 0);
    while t.b() < top || t.t.old.is_some() {
        t.insert_unchecked(k, k);
        k += 1;
        if let Some(old) = &t.t.old {
            if old.arr.releasable() && old.arr.buckets() >= 1 << (top - 1) {
                let needed = (old.arr.view.len - old.nevacuate) * per;
                let mapped = old.arr.mapped_bytes();
                assert!(mapped <= needed + slack, "mark {}: {mapped} bytes mapped, {needed} needed", old.nevacuate);
                checked += 1;
            }
        }
    }
    t.check_now();
    assert!(checked > least, "{checked} checks");
}

/// A write makes at most one memory system call (`map`, `unmap`,
/// `remap`), through doublings, the release of old arrays and the arrays
/// mapped ahead: in-stream each such call took 5-70 us on this project's
/// VM, and writes that released two or three regions at once were among
/// the slowest of a fill. (With the old array's regions released as the
/// mark passed, several in one write, this fails.)
#[test]
#[cfg(feature = "std")]
fn a_write_makes_at_most_one_memory_system_call() {
    // Under Miri one doubling past the first mapped arrays (27 writes made
    // a call there), else four more.
    let (top, least) = if cfg!(miri) { (10, 20) } else { (14, 200) };
    let mut t = T::new(mix);
    let (mut k, mut writes_with_calls) = (0u64, 0);
    while t.b() < top || t.t.old.is_some() || t.t.releasing.is_some() {
        let before = sys::calls();
        t.insert_unchecked(k, k);
        let made = sys::calls() - before;
        assert!(made <= 1, "insert {k} made {made} memory system calls (B = {})", t.b());
        writes_with_calls += usize::from(made == 1);
        k += 1;
    }
    t.check_now();
    assert!(writes_with_calls > least, "only {writes_with_calls} writes made a call");
}

/// `reserve` during a resize does not finish it in one call: the larger
/// array is allocated at once and its resize starts when the current ends.
#[test]
fn reserve_during_resize_is_queued() {
    let mut t = T::new(mix);
    for k in 0..2_000u64 {
        t.insert(k, k);
        if t.t.old.is_some() && k > 1_700 {
            break;
        }
    }
    let mark = t.t.old.as_ref().expect("mid-resize").nevacuate;
    t.t.reserve(100_000, Fallibility::Fallible).unwrap();
    assert_eq!(t.t.old.as_ref().unwrap().nevacuate, mark, "reserve moved nothing");
    assert!(t.t.capacity() >= t.t.len() + 100_000);
    let mut k = 10_000_000;
    while t.t.queued.is_some() {
        t.insert(k, k);
        k += 1;
    }
    assert_eq!(t.t.old.as_ref().unwrap().kind, ResizeKind::Reserve);
    let b = t.b();
    while t.t.len() < 100_000 {
        t.insert(k, k);
        k += 1;
    }
    assert_eq!(t.b(), b, "no growth during the reserved inserts");
    t.check_now();
}

/// With the policy on, emptying a map shrinks it incrementally once it is
/// under 10% full, to about half full; it does not shrink again right away.
#[test]
fn auto_shrink_has_hysteresis() {
    let mut t: T<fn(&u64) -> u64> = T::new(mix);
    t.t.auto_shrink = true;
    for k in 0..20_000u64 {
        t.insert(k, k);
    }
    t.t.finish_resize(&mix);
    let big = t.t.capacity();
    let mut shrinks = 0;
    let mut k = 0;
    type Tm = T<fn(&u64) -> u64>;
    let mut step = |t: &mut Tm, write: &mut dyn FnMut(&mut Tm)| {
        let was = t.b();
        write(t);
        if t.b() < was {
            shrinks += 1;
            assert_eq!(t.t.old.as_ref().map(|o| o.kind), Some(ResizeKind::Shrink));
            let fill = t.t.len() as f64 / t.t.capacity() as f64;
            assert!((0.3..=0.6).contains(&fill), "fill after shrink starts: {fill}");
            assert!(t.t.len() * 10 < big);
        }
    };
    // Remove down to 100 entries, then churn (insert and remove a fresh key)
    // so that the shrinks in progress can finish and the next can start.
    while t.t.len() > 100 {
        step(&mut t, &mut |t| {
            t.remove(k);
        });
        k += 1;
    }
    for c in 0..20_000u64 {
        step(&mut t, &mut |t| {
            t.insert(1_000_000 + c, 0);
            t.remove(1_000_000 + c);
        });
    }
    assert!(shrinks >= 2, "{shrinks}");
    assert!(t.t.capacity() < 1_000);
    for q in k..20_000 {
        assert_eq!(t.get(q), Some(q));
    }
    // Off by default.
    let mut u = T::new(mix);
    for k in 0..5_000u64 {
        u.insert(k, k);
    }
    for k in 0..4_990u64 {
        u.remove(k);
    }
    assert!(u.t.old.is_none() && u.t.capacity() > 5_000);
}

/// Found by the HashSet tests: a shrink queued behind a resize, then a
/// reserve that the current array could hold. The reserve returned early and
/// the queued shrink later took the capacity below len + n.
#[test]
fn regression_reserve_after_queued_shrink() {
    let mut t = T::new(mix);
    for k in 0..2_000u64 {
        t.insert(k, k);
    }
    t.t.finish_resize(&mix);
    for k in 5..2_000u64 {
        t.remove(k);
    }
    t.t.shrink_to(100); // starts a shrink
    t.t.shrink_to(0); // queued behind it
    assert!(t.t.queued.is_some());
    t.t.reserve(50, Fallibility::Fallible).unwrap();
    assert!(t.t.capacity() >= 55);
    t.t.finish_resize(&mix);
    assert!(t.t.capacity() >= 55, "capacity {} after the queued resizes", t.t.capacity());
    let b = t.b();
    for k in 10_000..10_050u64 {
        t.insert(k, k);
    }
    assert_eq!(t.b(), b, "no growth within the reserve");
}

/// `clone`'s word-at-a-time blanking against the byte-at-a-time rule: every
/// live byte becomes `EMPTY_ONE`, every state stays.
#[test]
fn blanked_turns_live_bytes_into_empty_one() {
    // Every byte value in every position, over random words.
    let states: Vec<u8> = (0..=255).collect();
    let mut x = 1u64;
    for _ in 0..scaled(50_000) {
        let mut tops = [0u8; BUCKET_SLOTS];
        for t in tops.iter_mut() {
            x = crate::testing::splitmix64(x);
            *t = states[(x % states.len() as u64) as usize];
        }
        let want = tops.map(|t| if t >= MIN_TOPHASH { EMPTY_ONE } else { t });
        assert_eq!(super::lifecycle::blanked(tops), want, "{tops:?}");
    }
}

/// A freed mapped array small enough for reuse is kept whole and handed to
/// the next table that needs an array of its size, its headers
/// zeroed over what the last table left: the new table's invariants hold
/// and its entries are its own. The end of a resize hands its old array
/// over the same way.
#[test]
#[cfg(all(feature = "std", target_os = "linux", not(miri)))]
fn freed_arrays_are_reused_zeroed() {
    // A layout no other test uses (20-byte pairs), so that no other test
    // thread takes the cached arrays in between.
    type V = [u8; 13];
    let h = |k: &u32| mix(&u64::from(*k));
    let fill = |n: u32, tag: u8| {
        let mut t: RawTable<u32, V> = RawTable::new();
        for k in 0..n {
            match t.entry(h(&k), |x| *x == k, h) {
                Probe::Vacant(v) => {
                    v.insert(k, [tag; 13], h);
                }
                Probe::Found(_) => unreachable!("distinct keys"),
            }
        }
        t.finish_resize(&h);
        t
    };
    // 600 entries: 128 main buckets, mapped in tests; a doubling from 64
    // (also mapped) on the way. The cache's lock is only tried, so another
    // test thread holding it at the wrong moment makes a round miss the
    // reuse: some rounds must see it, every round must be correct.
    let mut reused = 0;
    let mut a = fill(600, 1);
    for round in 2..12u8 {
        let base = a.current.as_ref().expect("allocated").view.hdrs;
        drop(a);
        a = fill(600, round);
        reused += usize::from(a.current.as_ref().expect("allocated").view.hdrs == base);
        if let Err(e) = a.check_invariants(h) {
            panic!("{e}");
        }
        for k in 0..600 {
            assert_eq!(a.get(h(&k), |x| *x == k).map(|(_, v)| *v), Some([round; 13]), "key {k}");
        }
        assert_eq!(a.len(), 600);
    }
    assert!(reused > 0, "no freed mapping came back in 10 rounds");
}

/// The insert at seven eighths of the way to a doubling maps the next
/// array (faulting in the pages the doubling's first evacuation writes);
/// the doubling then takes that very array. A reserve to the same size
/// takes it too; a shrink hands it back; `clear` frees it and the next
/// approach maps one again.
#[test]
#[cfg(all(feature = "std", any(target_os = "linux", miri)))]
fn next_array_is_prepared_ahead() {
    // Tests map arrays from 16 KiB and cache them up to 512 buckets, so the
    // array of 2^9 buckets (768 with its pool) is the first prepared.
    assert!(!BucketArray::<u64, u64>::prepared_ahead(8) && BucketArray::<u64, u64>::prepared_ahead(9));
    let mut t = T::new(mix);
    let mut k = 0;
    while t.t.current.as_ref().is_none_or(|c| c.b < 8) || t.t.old.is_some() {
        assert!(t.t.prepared.is_none(), "arrays of up to 2^8 buckets are not prepared");
        t.insert(k, k);
        k += 1;
    }
    let limit = t.t.load_limit;
    let from = limit - limit / 8;
    assert_eq!((t.t.prepare_at, t.t.slow_insert_at), (from, from));
    while (k as usize) < from {
        t.insert(k, k);
        k += 1;
    }
    assert!(t.t.prepared.is_none(), "prepared before {from} entries");
    let before = t.t.allocated_bytes();
    t.insert(k, k);
    k += 1;
    // Four pages faulted in ahead (the header and slot pages of new
    // buckets 0 and 2^B), counted (the insert itself adds no page).
    assert_eq!(t.t.allocated_bytes() - before, 4 * sys::PAGE);
    let base = t.t.prepared.as_ref().map(|p| p.view.hdrs);
    assert!(base.is_some(), "not prepared at {from} entries");
    assert_eq!((t.t.prepare_at, t.t.slow_insert_at), (limit, limit), "back on the fast path");
    while (k as usize) < limit {
        t.insert(k, k);
        k += 1;
    }
    assert_eq!(t.t.prepared.as_ref().map(|p| p.view.hdrs), base);
    t.insert(k, k);
    assert!(t.t.prepared.is_none() && t.t.old.is_some());
    assert_eq!(t.t.current.as_ref().map(|c| c.view.hdrs), base, "the doubling took the prepared array");
    for i in 0..=k {
        assert_eq!(t.get(i), Some(i));
    }
    // The doubling ends; the next array (2^10 buckets) is prepared on the
    // way to the next one, and `clear` frees it.
    while (k as usize) < t.t.load_limit - 10 {
        k += 1;
        t.insert(k, k);
    }
    assert!(t.t.prepared.as_ref().is_some_and(|p| p.b == 10));
    t.t.clear();
    t.check_now();
    assert!(t.t.prepared.is_none());
    assert_eq!(t.t.prepare_at, t.t.load_limit - t.t.load_limit / 8);

    // A reserve that needs the next array's size takes the prepared one.
    let mut t = T::new(mix);
    for k in 0..limit as u64 {
        t.insert(k, k);
    }
    let base = t.t.prepared.as_ref().map(|p| p.view.hdrs);
    assert!(base.is_some());
    t.t.reserve(100, Fallibility::Infallible).unwrap();
    t.check_now();
    assert_eq!(t.t.current.as_ref().map(|c| c.view.hdrs), base, "the reserve took the prepared array");

    // A shrink hands it back (released a chunk per write).
    let mut t = T::new(mix);
    for k in 0..limit as u64 {
        t.insert(k, k);
    }
    for k in 0..(limit as u64 - 10) {
        t.remove(k);
    }
    t.t.shrink_to(0);
    t.check_now();
    assert!(t.t.prepared.is_none());
    t.t.finish_resize(&t.h);
    t.check_now();
}

/// A doubling into a fresh mapping faults in the lower half's slot pages
/// ahead of the mark, a chunk at a time (`BucketArray::populate_ahead`):
/// the pages it counts as populated are resident, it keeps ahead of the
/// evacuation, and it goes no further than its reach past the mark.
#[test]
#[cfg(all(feature = "std", target_os = "linux", not(miri)))]
fn doubling_faults_in_its_next_slot_pages_ahead() {
    let mut t = T::new(mix);
    let mut k = t.start_mapped_doubling();
    let slots = SlotLayout::<u64, u64>::SLOTS;
    let (mut ahead_seen, mut checked) = (0, 0);
    while let Some(old) = &t.t.old {
        let cur = t.t.current.as_ref().expect("allocated");
        let (n, mark) = (old.arr.view.main, old.nevacuate);
        let (resident, populated) = cur.lower_slots_resident(n, old.populated);
        assert!(populated <= resident.len(), "populated past the lower half");
        assert!(resident[..populated].iter().all(|&r| r), "mark {mark}: a populated page is not resident");
        // Pages past the mark's are resident only if populated.
        let mark_page = (mark + 1) * slots / sys::PAGE + 1;
        let reach = mark_page + bucket::POPULATE_AHEAD / sys::PAGE;
        assert!(populated <= reach, "mark {mark}: {populated} pages populated, reach {reach}");
        if let Some(p) = resident.iter().rposition(|&r| r) {
            assert!(p < populated.max(mark_page + 1), "mark {mark}: page {p} resident, not populated");
        }
        // The memory counted for the array includes the populated pages.
        let to = old.arr.recycled_to();
        let counted = |p| cur.bytes_doubling(t.t.next_pool, n, mark, to, p);
        let beyond = resident[..populated].iter().enumerate().filter(|&(i, _)| i + 1 >= mark_page).count();
        assert!(counted(old.populated) >= counted(0) + beyond.saturating_sub(1) * sys::PAGE, "mark {mark}");
        ahead_seen += usize::from(populated > mark_page);
        checked += 1;
        t.insert_unchecked(k, k);
        k += 1;
    }
    t.check_now();
    assert!(checked > 100 && ahead_seen > checked / 2, "{ahead_seen} of {checked} writes found pages populated ahead");
}

/// Overflow buckets taken from a fresh mapping's pool fault in the pool's
/// next slot pages ahead of them (`BucketArray::populate_pool`; a chunk is
/// one page in tests): after each one, the page after its own is resident,
/// nothing past that is, and the memory counted for the array covers what
/// the kernel holds (pages faulted in ahead included).
#[test]
#[cfg(all(feature = "std", target_os = "linux", not(miri)))]
fn pool_buckets_fault_in_the_next_pool_page_ahead() {
    let mut t = T::new(mix);
    let mut k = t.start_mapped_doubling();
    // Not while a resize or a release runs: their writes may make a
    // memory system call of their own.
    while t.t.old.is_some() || t.t.releasing.is_some() {
        t.insert_unchecked(k, k);
        k += 1;
    }
    let slots = SlotLayout::<u64, u64>::SLOTS;
    let (mut used, mut checked) = (t.t.next_pool, 0);
    // Unchecked: the checker reads every unused pool header, which maps
    // the zero page under them.
    while t.t.old.is_none() && checked < 200 {
        t.insert_unchecked(k, k);
        k += 1;
        let cur = t.t.current.as_ref().expect("allocated");
        if t.t.old.is_some() || t.t.next_pool == used {
            continue;
        }
        used = t.t.next_pool;
        let (first, resident) = cur.pool_slots_resident();
        let last = cur.view.slots as usize + (used - 1) * slots;
        if last < first {
            continue;
        }
        let page = (last - first) / sys::PAGE;
        // From the first pool bucket handed out in a chunk on.
        if page + 1 < resident.len() && cur.pool_populated > 0 {
            assert!(resident[page + 1], "pool bucket {used}: the next pool page is not resident");
        }
        if let Some(r) = resident.iter().rposition(|&r| r) {
            assert!(r <= page + 1, "pool bucket {used}: page {r} resident, the last bucket's is {page}");
        }
        let (now, counted) = (cur.resident_now(), cur.bytes(used));
        // What memory accounting counts as faulted in ahead is what is.
        let ahead = cur.pool_populated_to();
        let resident_to = first + resident.iter().rposition(|&r| r).map_or(0, |r| r + 1) * sys::PAGE;
        assert_eq!(ahead.max((last + 1).next_multiple_of(sys::PAGE)), resident_to, "pool bucket {used}");
        assert!(now <= counted, "pool bucket {used}: {now} bytes resident, {counted} counted");
        checked += 1;
    }
    let populated = t.t.current.as_ref().map_or(0, |c| c.pool_populated);
    t.check_now();
    assert!(checked >= 64 && populated >= 2, "{checked} pool buckets checked, {populated} pages populated");
}

/// During a doubling into a fresh mapping, the memory counted for the new
/// array is the memory the kernel holds for it (`mincore`): the main
/// buckets evacuation has reached, the recycled slot pages and the pool in
/// use, give or take the pages of the bucket at the mark (counted before
/// the evacuation that touches them). Counting the whole main region
/// instead, as before, over-stated the map's peak memory by up to the new
/// array's size.
#[test]
#[cfg(all(feature = "std", target_os = "linux", not(miri)))]
fn doubling_counts_the_new_pages_it_touched() {
    let mut t = T::new(mix);
    let mut k = t.start_mapped_doubling();
    let mut checked = 0;
    while let Some(old) = &t.t.old {
        let cur = t.t.current.as_ref().expect("allocated");
        let (n, mark, to) = (old.arr.view.main, old.nevacuate, old.arr.recycled_to());
        let counted = cur.bytes_doubling(t.t.next_pool, n, mark, to, old.populated);
        let resident = cur.resident_now();
        assert!(resident <= counted, "mark {mark}/{n}: {resident} bytes resident, {counted} counted");
        // The bucket at the mark: its header page, link page and slot pages,
        // in each half.
        let slack = 2 * (2 + (16 * BUCKET_SLOTS).div_ceil(sys::PAGE) + 1) * sys::PAGE;
        assert!(counted - resident <= slack, "mark {mark}/{n}: {resident} bytes resident, {counted} counted");
        // (Recycled pages fill the upper half ahead of the mark.)
        assert!(counted < cur.bytes(t.t.next_pool) || 2 * mark >= n, "mark {mark}/{n}: the whole array counted");
        checked += 1;
        t.insert_unchecked(k, k);
        k += 1;
    }
    t.check_now();
    assert!(checked > 100, "{checked} checks");
    for i in 0..k {
        assert_eq!(t.get(i), Some(i));
    }
}
