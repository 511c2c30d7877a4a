//! Iteration, also during a resize, without rehashing a key.
//!
//! Rust's borrow rules mean no evacuation runs while an iterator is alive,
//! so the table's shape is frozen. Every entry is then in exactly one place:
//! a not-yet-evacuated old bucket's chain or a current bucket's chain. The
//! iterator walks the old array's chains (evacuated buckets have no live
//! slot and no overflow), then the current array's.
//!
//! Main buckets are read a run of `RUN_BUCKETS` at a time: one mask for
//! all their live slots, then the overflow buckets of the run's chains. So
//! the order is not chain by chain, and each entry is still yielded once.
//!
//! The current array's pool buckets are read in address order after its
//! main buckets (*pool order*; invariant 7: those below `next_pool` are
//! exactly its chains' pool buckets), and its chain walks stop at a pool
//! bucket: only stand-alone overflow buckets are reached through links.
//! A walk from each overflowed chain into the pool and back was out of the
//! order the hardware prefetcher follows: a fold over 100K u64 entries
//! 0.95-0.96 -> 0.87 ns an entry (hashbrown 0.66), 1M 1.89-2.01 ->
//! 1.71-1.87 (hashbrown 1.74-1.80). A pool bucket's slots then come
//! without their chain's head, which removal needs, so `extract_if` walks
//! chain by chain ([`RawIter::for_removal`]).
//!
//! A table with no stand-alone overflow bucket (the usual case: a mapped
//! array's pool of `2^(B-1)` buckets is not used up at load 6.5, and a
//! presized array's pool is sized for its keys) is walked in pool order
//! without reading a link: every current chain then ends in the pool,
//! whose buckets come in address order anyway. Reading a run's eight
//! links and stepping into each overflowed chain only to stop at its pool
//! bucket cost a branch or two a run that no predictor learns (a run
//! links somewhere at 57-75% odds): `compare --workloads iterate`, three
//! alternations, medians of tophash ÷ hashbrown at 1K / 100K / 1M / 10M,
//! u64 random 1.13 / 1.31 / 1.14 / 1.53 -> 1.06 / 0.88 / 0.86 / 1.00,
//! u64 sequential 1.23 / 1.31 / 1.11 / 1.30 -> 1.01 / 1.01 / 0.86 / 0.88.

use core::marker::PhantomData;
use core::mem;
use core::ptr::{self, NonNull};

use super::bucket::{header, ArrayView, BucketRef, Header, RUN_BUCKETS};
use super::lifecycle::OnUnwind;
use super::tophash::{BUCKET_SLOTS, EMPTY_REST};
use super::{RawTable, Slot};

/// A cursor over a table's live slots. It holds raw pointers and no
/// lifetime: the wrappers in `map` tie it to a borrow (or ownership) of the
/// table and carry the right `Send`/`Sync` bounds through `PhantomData`.
pub(crate) struct RawIter<K, V> {
    old: ArrayView<K, V>,
    current: ArrayView<K, V>,
    /// Index of the next chain head: `0..old.main` in the old array, then
    /// the current array.
    next_head: usize,
    /// The array of the chain being walked.
    arr: ArrayView<K, V>,
    /// The head of the chain being walked, or null while `run` holds main
    /// buckets' slots (each its own head).
    head: *mut Header,
    /// The bucket being walked (the first of the run); meaningless (null)
    /// until the first advance, while `run` is still empty.
    bucket: BucketRef<K, V>,
    /// Live slots not yielded yet, of `bucket` alone (bits 0-7) or of the
    /// run of main buckets from `bucket` (bit `8k + j`: slot `j` of the
    /// `k`th; see `RUN_BUCKETS`), lowest first.
    run: u64,
    /// Index of `bucket` in `arr` while it starts a run.
    run_base: usize,
    /// The run's buckets (bit `k`) whose overflow buckets are still to be
    /// walked, after its main slots.
    chained: u8,
    /// Live slots after those of `run`. Counted down when a mask is
    /// loaded rather than per slot yielded, which kept a counter in memory
    /// on `next`'s path.
    rest: usize,
    /// In pool order, the current array's `next_pool`: heads go on past its
    /// main buckets through its pool buckets below this. 0 walking chain
    /// by chain.
    pool_end: usize,
    /// In pool order, the table has no stand-alone overflow bucket: a
    /// current chain's walk would stop at its first link, so links are not
    /// read at all.
    linkless: bool,
}

impl<K, V> Clone for RawIter<K, V> {
    fn clone(&self) -> Self {
        RawIter { ..*self }
    }
}

// SAFETY: a `RawIter` is a position, not an owner or a borrow; every public
// type that wraps it holds a `PhantomData` of the references (or values) it
// hands out, which gives that type std's `Send`/`Sync` bounds.
unsafe impl<K, V> Send for RawIter<K, V> {}
// SAFETY: as above.
unsafe impl<K, V> Sync for RawIter<K, V> {}
// SAFETY: a `Slot` is a position; its users hold the borrow of the table.
unsafe impl<K, V> Send for Slot<K, V> {}
// SAFETY: as above.
unsafe impl<K, V> Sync for Slot<K, V> {}

impl<K, V> RawIter<K, V> {
    /// A cursor over `t`'s live slots in pool order (see the module
    /// docs): a yielded slot's `head` is not its chain's head when it lies
    /// in a pool bucket, so the slots are not for removal. The caller must
    /// not change the table's shape while using it.
    pub(crate) fn new(t: &RawTable<K, V>) -> Self {
        let mut it = Self::for_removal(t);
        it.pool_end = t.next_pool;
        it.linkless = t.standalone == 0;
        it
    }

    /// A cursor over `t`'s live slots, chain by chain, each slot with its
    /// chain's head. The caller must not change the table's shape while
    /// using it, except by removing the slot just yielded
    /// (`RawTable::remove` rewrites that slot's state, the states of empty
    /// slots of its bucket, and last slots of buckets before it in its
    /// chain: never a live slot, nor the last slot of a bucket after it,
    /// which is what the cursor reads ahead).
    pub(crate) fn for_removal(t: &RawTable<K, V>) -> Self {
        let old = t.old.as_ref().map_or(ArrayView::empty(), |o| o.arr.view);
        let cur = t.current.as_ref().map_or(ArrayView::empty(), |a| a.view);
        RawIter {
            old,
            current: cur,
            // Old buckets below the mark are evacuated (and maybe released).
            next_head: t.old.as_ref().map_or(0, |o| o.nevacuate),
            arr: cur,
            head: ptr::null_mut(),
            bucket: BucketRef::standalone(ptr::null_mut()),
            run: 0,
            run_base: 0,
            chained: 0,
            rest: t.count,
            pool_end: 0,
            linkless: false,
        }
    }

    /// Whether walks in `arr` go in pool order: it is the current array and
    /// this cursor is not for removal.
    #[inline(always)]
    fn pooled(&self, arr: ArrayView<K, V>) -> bool {
        self.pool_end != 0 && arr.hdrs == self.current.hdrs
    }

    /// Whether a walk in `arr` reads links: not in pool order when the
    /// table has no stand-alone overflow bucket.
    #[inline(always)]
    fn walks_links(&self, arr: ArrayView<K, V>) -> bool {
        !(self.linkless && self.pooled(arr))
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.rest + self.run.count_ones() as usize
    }

    /// Moves on once the bucket (or run) under way is used up: to the next
    /// bucket of the chain being walked if it may hold entries (in pool
    /// order, not a pool bucket), else to the next overflow chain of the
    /// current run, else to the next head: a whole run of main buckets when
    /// one fits before the array's end, a single chain otherwise (in pool
    /// order, then the pool buckets one by one); the new mask's slots are
    /// taken off `rest`. Only called while `rest > 0`.
    ///
    /// Out of line: inlined into a `for` loop, its state filled the
    /// registers and the loop kept its sum and counters on the stack; a
    /// call once a mask runs out leaves `next` a short loop in registers.
    /// With `rest` (a248c72), a `for` loop summing 1K u64 values: 1.18 ->
    /// 0.99 ns an entry; 100K: 1.30 -> 1.11 (hashbrown 0.70 and 0.76-0.83).
    #[inline(never)]
    fn advance(&mut self) {
        // SAFETY: the bucket is null (before the first advance, and during a
        // run's main slots) or a live bucket of a chain of `arr`; the run's
        // buckets are main buckets of `arr`; while `rest > 0` a live slot
        // lies ahead, so `next_head` stays below the number of heads
        // (`old.main + cur.main`, or `old.main + pool_end` in pool order:
        // the pool buckets below `next_pool` are in the current chains,
        // invariant 7); heads at or after it are not released.
        unsafe {
            let b = self.bucket;
            if !self.head.is_null() && header::top(b.hdr, BUCKET_SLOTS - 1) != EMPTY_REST && self.walks_links(self.arr)
            {
                let n = self.arr.next(b).filter(|n| !(self.pooled(self.arr) && self.arr.contains(n.hdr)));
                if let Some(n) = n {
                    self.bucket = n;
                    self.run = u64::from(header::group(n.hdr).match_full().byte());
                    self.rest -= self.run.count_ones() as usize;
                    return;
                }
            }
            if self.chained != 0 {
                // The head's own slots came with the run: walk on from it.
                let k = self.chained.trailing_zeros() as usize;
                self.chained &= self.chained - 1;
                let h = self.arr.bucket(self.run_base + k);
                self.head = h.hdr;
                self.bucket = h;
                self.run = 0;
                return;
            }
            let (arr, i) = if self.next_head < self.old.main {
                (self.old, self.next_head)
            } else {
                (self.current, self.next_head - self.old.main)
            };
            self.arr = arr;
            if i + RUN_BUCKETS <= arr.main {
                let (live, linked) = if self.walks_links(arr) { arr.run_live(i) } else { (arr.run_mask(i), false) };
                if !self.pooled(arr) {
                    arr.prefetch_next_run_chains(i);
                }
                self.next_head += RUN_BUCKETS;
                self.run = live;
                self.rest -= live.count_ones() as usize;
                self.run_base = i;
                self.chained = if linked { arr.run_links(i) } else { 0 };
                self.bucket = arr.bucket(i);
                self.head = ptr::null_mut();
                return;
            }
            self.next_head += 1;
            let b = arr.bucket(i);
            self.head = b.hdr;
            self.bucket = b;
            self.run = u64::from(header::group(b.hdr).match_full().byte());
            self.rest -= self.run.count_ones() as usize;
        }
    }
}

impl<K, V> Iterator for RawIter<K, V> {
    type Item = Slot<K, V>;

    #[inline]
    fn next(&mut self) -> Option<Slot<K, V>> {
        // The common step, another live slot of the same bucket, first:
        // a nonempty mask means `bucket` is a live bucket of `arr`.
        loop {
            if self.run != 0 {
                let bit = self.run.trailing_zeros() as usize;
                self.run &= self.run - 1;
                // SAFETY: bit `8k + j` of `run` is a live slot `j` of the
                // `k`th bucket from `bucket`: of the run of main buckets, or
                // of `bucket` itself (`k = 0`).
                let b = unsafe {
                    // A live bucket is not null (said, so that the loop
                    // does not test the pointers it hands out).
                    core::hint::assert_unchecked(!self.bucket.slots.is_null());
                    self.bucket.of_slot_in_bounds(bit)
                };
                let head = if self.head.is_null() { b.hdr } else { self.head };
                return Some(Slot { head, bucket: b, index: bit % BUCKET_SLOTS });
            }
            if self.rest == 0 {
                return None;
            }
            self.advance();
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len();
        (n, Some(n))
    }

    /// Internal iteration (`fold`, and so `sum`, `for_each`, `count`...):
    /// what the cursor has under way, then every remaining run and chain in
    /// plain nested loops with the array and position in registers, the
    /// remaining count updated once per run or bucket. Callgrind and its
    /// branch model, 50 passes over 100K u64 entries: 11.0 instructions and
    /// 0.02 mispredicted branches per entry (hashbrown's fold 11.8 and
    /// 0.09; chain by chain 12.0 and 0.03; bucket by bucket, before runs,
    /// an earlier count read 13.1 and 0.24).
    #[inline]
    fn fold<B, F: FnMut(B, Slot<K, V>) -> B>(self, init: B, mut f: F) -> B {
        let mut acc = init;
        let mut remaining = self.rest;
        if remaining == 0 && self.run == 0 {
            return acc;
        }
        // SAFETY: `bucket` is live whenever it is not null, and then lies in
        // a chain of `arr` headed by `head`; a pending run's buckets are main
        // buckets of `arr`; chain heads are main buckets of their array, and
        // links lead through the chain; old heads at or after `next_head`
        // are at or above the mark (not released).
        unsafe {
            // What the cursor has under way: the rest of a run's main slots,
            // or of a chain, then the run's chains not yet started.
            let arr = self.arr;
            if self.head.is_null() {
                acc = run_slots(arr, self.run_base, self.run, acc, &mut f);
            } else {
                let mut m = self.run;
                while m != 0 {
                    let index = m.trailing_zeros() as usize;
                    m &= m - 1;
                    acc = f(acc, Slot { head: self.head, bucket: self.bucket, index });
                }
                acc = chain_rest(arr, self.head, self.bucket, self.pooled(arr), &mut remaining, acc, &mut f);
            }
            let mut chained = self.chained;
            while chained != 0 {
                let h = arr.bucket(self.run_base + chained.trailing_zeros() as usize);
                chained &= chained - 1;
                acc = chain_rest(arr, h.hdr, h, self.pooled(arr), &mut remaining, acc, &mut f);
            }
            let old_main = self.old.main;
            let parts = [
                (self.old, self.next_head.min(old_main), false),
                (self.current, self.next_head.saturating_sub(old_main), self.pool_end != 0),
            ];
            for (arr, start, pooled) in parts {
                let links = self.walks_links(arr);
                // Whole runs first, one mask for their main buckets' slots,
                // then their chains; the last few main buckets one by one;
                // in pool order, then the pool buckets.
                let mut i = start;
                while remaining != 0 && i + RUN_BUCKETS <= arr.main {
                    let (live, linked) = if links { arr.run_live(i) } else { (arr.run_mask(i), false) };
                    remaining -= live.count_ones() as usize;
                    if !pooled {
                        arr.prefetch_next_run_chains(i);
                    }
                    acc = run_slots(arr, i, live, acc, &mut f);
                    let mut chained = if linked { arr.run_links(i) } else { 0 };
                    while chained != 0 {
                        let h = arr.bucket(i + chained.trailing_zeros() as usize);
                        chained &= chained - 1;
                        acc = chain_rest(arr, h.hdr, h, pooled, &mut remaining, acc, &mut f);
                    }
                    i += RUN_BUCKETS;
                }
                let end = if pooled { self.pool_end } else { arr.main };
                while remaining != 0 && i < end {
                    let h = arr.bucket(i);
                    let mask = header::group(h.hdr).match_full();
                    remaining -= mask.len();
                    for index in mask {
                        acc = f(acc, Slot { head: h.hdr, bucket: h, index });
                    }
                    if links {
                        acc = chain_rest(arr, h.hdr, h, pooled, &mut remaining, acc, &mut f);
                    }
                    i += 1;
                }
            }
        }
        debug_assert_eq!(remaining, 0, "the table held fewer entries than its count");
        acc
    }
}

/// Folds the main-bucket slots of run mask `live` of `arr` (bit `8k + j`:
/// slot `j` of bucket `base + k`), lowest first as `next` does.
///
/// # Safety
/// Every bit of `live` is a live slot of a main bucket of `arr`.
#[inline(always)]
unsafe fn run_slots<K, V, B>(
    arr: ArrayView<K, V>,
    base: usize,
    mut live: u64,
    mut acc: B,
    f: &mut impl FnMut(B, Slot<K, V>) -> B,
) -> B {
    // SAFETY: caller contract: `base` is a main bucket of `arr`.
    let first = unsafe { arr.bucket(base) };
    while live != 0 {
        let s = live.trailing_zeros() as usize;
        live &= live - 1;
        // SAFETY: caller contract.
        let b = unsafe { first.of_slot(s) };
        acc = f(acc, Slot { head: b.hdr, bucket: b, index: s % BUCKET_SLOTS });
    }
    acc
}

/// Folds the live slots of the buckets after `b` in the chain headed by
/// `head`, unless the chain ends at an `EMPTY_REST` first (invariant 2),
/// or at a pool bucket of `arr` when `pooled`, taking them off
/// `remaining`.
///
/// # Safety
/// `b` is a live bucket of a chain of `arr` headed by `head`.
#[inline(always)]
unsafe fn chain_rest<K, V, B>(
    arr: ArrayView<K, V>,
    head: *mut Header,
    mut b: BucketRef<K, V>,
    pooled: bool,
    remaining: &mut usize,
    mut acc: B,
    f: &mut impl FnMut(B, Slot<K, V>) -> B,
) -> B {
    // SAFETY: caller contract; links lead through the chain.
    unsafe {
        while header::top(b.hdr, BUCKET_SLOTS - 1) != EMPTY_REST {
            let Some(n) = arr.next(b) else { break };
            if pooled && arr.contains(n.hdr) {
                break;
            }
            b = n;
            let mask = header::group(b.hdr).match_full();
            *remaining -= mask.len();
            for index in mask {
                acc = f(acc, Slot { head, bucket: b, index });
            }
        }
    }
    acc
}

/// Owns a table and yields its entries by value.
pub(crate) struct RawIntoIter<K, V> {
    iter: RawIter<K, V>,
    /// Kept only so that its drop frees the memory (its `count` is 0).
    _table: RawTable<K, V>,
}

impl<K, V> RawIntoIter<K, V> {
    pub(crate) fn new(mut table: RawTable<K, V>) -> Self {
        let iter = RawIter::new(&table);
        // The entries now belong to the cursor: the table's own drop only
        // frees memory, even if a destructor below panics.
        table.count = 0;
        RawIntoIter { iter, _table: table }
    }

    /// The entries not yet yielded, for `Debug`.
    pub(crate) fn rest(&self) -> super::RefIter<'_, K, V> {
        super::RefIter::from_raw(self.iter.clone())
    }
}

impl<K, V> Iterator for RawIntoIter<K, V> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        let s = self.iter.next()?;
        // SAFETY: each live slot is yielded once and the table forgets all
        // entries when this iterator drops, so each entry is moved out once.
        unsafe { Some((ptr::read(s.bucket.key(s.index)), ptr::read(s.bucket.val(s.index)))) }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

impl<K, V> Drop for RawIntoIter<K, V> {
    fn drop(&mut self) {
        // The `table` field's drop frees the memory afterwards.
        drop_rest(&mut self.iter);
    }
}

/// Takes a table's entries out, then hands the emptied table (its current
/// array kept) back to `orig`. If the `RawDrain` is leaked, `orig` stays an
/// empty, unallocated table.
pub(crate) struct RawDrain<'a, K, V> {
    iter: RawIter<K, V>,
    table: RawTable<K, V>,
    /// The drained table, mutably borrowed for `'a`. A pointer, not a
    /// `&'a mut`, so that `Drain` is covariant in `K` and `V` like std's
    /// (a `&mut` made it invariant): while the drain lives `orig` holds no
    /// entry, and only an emptied table is written back to it, so no value
    /// of a shortened type can reach the map.
    orig: NonNull<RawTable<K, V>>,
    marker: PhantomData<&'a RawTable<K, V>>,
}

// SAFETY: a `RawDrain` is an owned `RawTable<K, V>` plus the exclusive
// borrow `orig` stands for; both are `Send` exactly when `K` and `V` are.
unsafe impl<K: Send, V: Send> Send for RawDrain<'_, K, V> {}
// SAFETY: through `&RawDrain` only the remaining entries are read (`rest`),
// as through `&RawTable`.
unsafe impl<K: Sync, V: Sync> Sync for RawDrain<'_, K, V> {}

impl<'a, K, V> RawDrain<'a, K, V> {
    pub(crate) fn new(orig: &'a mut RawTable<K, V>) -> Self {
        let mut table = mem::replace(orig, RawTable::new());
        let iter = RawIter::new(&table);
        // As in `RawIntoIter::new`: the cursor owns the entries now.
        table.count = 0;
        RawDrain { iter, table, orig: NonNull::from(orig), marker: PhantomData }
    }

    /// The entries not yet yielded, for `Debug`.
    pub(crate) fn rest(&self) -> super::RefIter<'_, K, V> {
        super::RefIter::from_raw(self.iter.clone())
    }
}

impl<K, V> Iterator for RawDrain<'_, K, V> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        let s = self.iter.next()?;
        // SAFETY: as in `RawIntoIter::next`.
        unsafe { Some((ptr::read(s.bucket.key(s.index)), ptr::read(s.bucket.val(s.index)))) }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

impl<K, V> Drop for RawDrain<'_, K, V> {
    fn drop(&mut self) {
        // If a destructor panics, `drop_rest` drops the rest and the guard
        // hands the emptied table back while unwinding.
        let mut g = OnUnwind::new(self, RawDrain::restore);
        drop_rest(&mut g.target().iter);
        g.defuse().restore();
    }
}

impl<K, V> RawDrain<'_, K, V> {
    /// Empties the drained table (its entries were all moved out or
    /// dropped) and hands it back to the map it came from.
    fn restore(&mut self) {
        self.table.forget_entries_keep_array();
        // SAFETY: `orig` came from the `&'a mut` that `new` took and that
        // this drain holds for `'a`; nothing else reaches it.
        mem::swap(unsafe { self.orig.as_mut() }, &mut self.table);
    }
}

/// Drops every entry the cursor has not yielded yet; if one destructor
/// panics, keeps dropping the others (a second panic aborts, as in std).
/// The caller makes the table forget the entries.
pub(crate) fn drop_rest<K, V>(iter: &mut RawIter<K, V>) {
    if !mem::needs_drop::<K>() && !mem::needs_drop::<V>() {
        return;
    }
    fn drop_all<K, V>(iter: &mut RawIter<K, V>) {
        for s in iter.by_ref() {
            // SAFETY: each live slot is yielded once and its table forgets
            // it (the caller's contract).
            unsafe { super::lifecycle::drop_slot(s) };
        }
    }
    // If a destructor panics, the guard drops the others while unwinding.
    let mut g = OnUnwind::new(iter, drop_all);
    drop_all(g.target());
    g.defuse();
}
