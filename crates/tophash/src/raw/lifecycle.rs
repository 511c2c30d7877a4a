//! A table's lifecycle: clearing, cloning, dropping, and freeing every
//! array and chain.

use alloc::boxed::Box;
use core::ptr;

use super::bucket::{self, alloc_overflow, header, ArrayView, BucketArray, BucketRef, RUN_BUCKETS};
use super::overflow::{free_array_and_chains, free_chains, free_old};
use super::tophash::{BUCKET_SLOTS, EMPTY_ONE, MIN_TOPHASH};
use super::{infallible, iter, OldArray, RawTable, Slot};

impl<K, V> RawTable<K, V> {
    /// Drops every entry and returns to one empty array of the same size.
    /// O(capacity).
    pub(crate) fn clear(&mut self) {
        // If a destructor panics, `drop_entries` drops the rest and the
        // guard empties the table while unwinding.
        let mut g = OnUnwind::new(self, RawTable::forget_entries_keep_array);
        g.target().drop_entries();
        g.defuse().forget_entries_keep_array();
    }

    /// Resets to an empty table keeping the current array, without dropping
    /// entries (the caller moved them out or dropped them).
    pub(crate) fn forget_entries_keep_array(&mut self) {
        self.free_side_arrays();
        if let Some(old) = self.old.take() {
            // SAFETY: entries were dealt with by the caller; the old array is
            // no longer referenced.
            unsafe { free_old(old, self.standalone) };
        }
        if let Some(cur) = &self.current {
            // SAFETY: frees stand-alone overflow buckets (no live entries any
            // more); then every header is zeroed, restoring invariant 7.
            unsafe { free_chains(cur.view, 0, self.standalone) };
            self.standalone = 0;
            cur.zero_headers(self.next_pool);
            self.next_pool = cur.buckets();
            // The prepared array went with the side arrays.
            self.prepare_at = self.prepare_start(cur.b);
        }
        self.count = 0;
        self.noverflow = 0;
        self.sync_resize_state();
    }

    /// Frees all memory without dropping entries, leaving an unallocated
    /// table (used after the entries were moved out).
    pub(crate) fn forget_entries_and_free(&mut self) {
        self.count = 0;
        self.free_side_arrays();
        if let Some(old) = self.old.take() {
            // SAFETY: no live entries are left to drop, per caller.
            unsafe { free_old(old, self.standalone) };
        }
        if let Some(cur) = self.current.take() {
            // SAFETY: as above.
            unsafe { free_array_and_chains(cur, self.standalone) };
        }
        self.noverflow = 0;
        self.next_pool = 0;
        self.load_limit = 0;
        self.slow_insert_at = 0;
        self.prepare_at = 0;
        self.steady_view = ArrayView::empty();
        self.standalone = 0;
    }

    /// Frees the releasing, the queued and the prepared array (none holds
    /// entries) and the spare overflow buckets.
    pub(super) fn free_side_arrays(&mut self) {
        self.free_spare();
        if let Some(r) = self.releasing.take() {
            // SAFETY: a releasing array's buckets are all dead.
            unsafe { r.arr.free() };
        }
        if let Some(p) = self.queued.take().map(|q| q.0) {
            // SAFETY: a queued array was never used.
            unsafe { p.free() };
        }
        if let Some(p) = self.prepared.take() {
            // SAFETY: a prepared array holds no entries and no chains.
            unsafe { p.free() };
        }
    }

    /// Drops every live entry and sets `count` to 0. The caller then makes
    /// the arrays forget the entries (also when a destructor panics).
    pub(super) fn drop_entries(&mut self) {
        let mut it = iter::RawIter::new(self);
        self.count = 0;
        iter::drop_rest(&mut it);
    }

    /// Copies the table's exact shape (arrays, chains, pool use, resize
    /// state), cloning each entry with `f`. If `f` panics, the entries
    /// cloned so far are dropped and the memory freed.
    pub(crate) fn clone_with(&self, f: impl Fn(&K, &V) -> (K, V)) -> Self {
        let mut new = Self::new();
        let Some(cur) = &self.current else { return new };
        // Pool buckets keep their indices in the copy, so each copy holds at
        // least as many as its source handed out (a mapped source's pool is
        // larger than a heap array's; see `bucket::mapped_len`).
        // A table not resizing, the common case, gets its main headers
        // written by `clone_array` and none zeroed first. While resizing
        // (rare) allocations follow and the old array is cloned first: a
        // panic there would drop unwritten headers, so all are zeroed.
        let headers_unset = self.old.is_none() && self.queued.is_none() && cur.buckets() >= RUN_BUCKETS;
        new.install(infallible(if headers_unset {
            // SAFETY: `clone_array` below writes every main header first
            // thing, before `f` runs, and on unwinding zeroes those it has
            // not reached; nothing between here and there can fail.
            unsafe { BucketArray::new_heap_main_unset(cur.b, self.next_pool) }
        } else {
            BucketArray::new_zeroed_heap_len(cur.b, self.next_pool)
        }));
        new.next_pool = self.next_pool;
        if let Some(old) = &self.old {
            let mut arr = infallible(BucketArray::new_zeroed_heap_len(old.arr.b, old.arr.used));
            arr.used = old.arr.used;
            let mut o = OldArray::new(arr, old.kind);
            o.nevacuate = old.nevacuate;
            o.evacuated = old.evacuated;
            new.old = Some(o);
        }
        if let Some(q) = &self.queued {
            new.queued = Some(Box::new((infallible(BucketArray::new_zeroed_heap(q.0.b)), q.1)));
        }
        new.auto_shrink = self.auto_shrink;
        // `standalone` is set before copying: if `f` panics, dropping `new` frees
        // the stand-alone overflow buckets linked so far only when `standalone` is
        // nonzero (`free_chains` skips the walk at 0). Set after the copy, a
        // panicking clone leaked them (valgrind on the panic-safety tests;
        // `every_panic_site_colliding_same_top`).
        new.standalone = self.standalone;
        // From here `new` is dropped correctly at any point: it holds exactly
        // the entries counted so far, each in a slot marked live.
        if let (Some(src), Some(dst)) = (&self.old, &new.old) {
            // SAFETY: both arrays were just allocated zeroed with `src`'s `b`;
            // old buckets below the mark are dead and not read.
            unsafe { clone_array(src.arr.view, dst.arr.view, src.nevacuate, None, &mut new.count, &f) };
        }
        if let Some(dst) = &new.current {
            // SAFETY: as above.
            unsafe { clone_array(cur.view, dst.view, 0, Some(self.next_pool), &mut new.count, &f) };
        }
        new.noverflow = self.noverflow;
        new.sync_resize_state();
        new
    }
}

impl<K, V> Drop for RawTable<K, V> {
    fn drop(&mut self) {
        // If dropping an entry panics, `drop_entries` keeps dropping the
        // rest and the guard frees the memory while unwinding.
        let mut g = OnUnwind::new(self, RawTable::forget_entries_and_free);
        g.target().drop_entries();
        g.defuse().forget_entries_and_free();
    }
}

/// A drop guard that runs `undo` on its target only if dropped while a
/// panic unwinds: the normal path calls [`defuse`](Self::defuse) and goes
/// on in plain code, so no work hides in a destructor.
pub(super) struct OnUnwind<'a, T> {
    target: &'a mut T,
    undo: fn(&mut T),
}

impl<'a, T> OnUnwind<'a, T> {
    pub(super) fn new(target: &'a mut T, undo: fn(&mut T)) -> Self {
        OnUnwind { target, undo }
    }

    /// The guarded value, for the work that may panic.
    pub(super) fn target(&mut self) -> &mut T {
        self.target
    }

    /// Ends the guard without running `undo`, handing the target back.
    pub(super) fn defuse(self) -> &'a mut T {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped or used again, so the one
        // `&'a mut T` it held moves out exactly once.
        unsafe { ptr::read(&this.target) }
    }
}

impl<T> Drop for OnUnwind<'_, T> {
    fn drop(&mut self) {
        (self.undo)(self.target);
    }
}

/// Drops a live slot's key and value. If the key's destructor panics the
/// value is still dropped (tuple drop glue).
///
/// # Safety
/// The slot is live and is forgotten by its table afterwards.
pub(super) unsafe fn drop_slot<K, V>(s: Slot<K, V>) {
    // SAFETY: caller contract.
    unsafe { drop((ptr::read(s.bucket.key(s.index)), ptr::read(s.bucket.val(s.index)))) }
}

/// Copies `src`'s chains into `dst` of the same size, cloning live
/// entries; mirrors pool use so that `next_pool` stays meaningful.
///
/// Main buckets go a run at a time ([`RUN_BUCKETS`], as iteration reads
/// them): the run's headers are copied whole (slot states, and null links),
/// then its live entries are cloned through one mask, then the overflow
/// buckets of its chains. Callgrind, five clones of 100K u64 entries: 27.2
/// instructions per entry when headers were zeroed first and every live
/// slot was blanked, then marked live once its entry was written (hashbrown
/// 16.0).
///
/// If `f` panics, a guard blanks the run's slots not cloned yet and zeroes
/// the main headers after the run: `dst` then holds exactly the `count`
/// entries cloned so far, each in a slot marked live (the partial table is
/// only dropped). Chains past the main bucket keep the slower way: slot
/// states copied with live slots blanked, each marked live once cloned.
///
/// With `pool` (the current array's `next_pool`, every pool bucket below
/// it linked in a chain: invariant 7), overflow buckets of the pool are
/// not reached through their chains: a main or pool bucket linking into
/// the pool gets the same link in `dst`, and the pool's used buckets are
/// cloned after the main ones, in address order. A chain walk went to
/// the pool and back once per overflowed chain, out of the order the
/// hardware prefetcher follows (best of 300 clones of 100K u64 entries:
/// 1.22 -> 1.02 ns an entry; hashbrown 1.18-1.23). Until its turn, a
/// linked pool bucket of `dst` is zeroed: an empty bucket ending its
/// chain. Stand-alone buckets are still cloned chain by chain.
///
/// # Safety
/// `dst` has `src`'s `b` and at least every bucket `src` handed out; its
/// pool headers are zeroed, and its main headers from `from` on either
/// zeroed or unset (if unset, `from` is 0 and `src.main >= RUN_BUCKETS`);
/// buckets of `src` from `from` on are readable, and `count` is the live
/// count of the table owning `dst`. With `pool`, `from` is 0 and `src` is
/// the current array of a table whose `next_pool` is `pool`.
unsafe fn clone_array<K, V>(
    src: ArrayView<K, V>,
    dst: ArrayView<K, V>,
    from: usize,
    pool: Option<usize>,
    count: &mut usize,
    f: &impl Fn(&K, &V) -> (K, V),
) {
    let mut at = RunCursor { dst, run: from, live: 0 };
    let mut g = OnUnwind::new(&mut at, RunCursor::abandon);
    let at = g.target();
    // SAFETY: buckets `run..run + RUN_BUCKETS` are main buckets of both
    // arrays (same `b`), readable in `src` (at or after `from`); each bit of
    // `live` is a live slot of the run in `src`, whose tophash `dst` already
    // holds and whose key and value it does not yet.
    unsafe {
        while at.run + RUN_BUCKETS <= src.main {
            let i = at.run;
            // With a pool, the chains' pool buckets are read in the pool's
            // turn, not now.
            if pool.is_none() {
                src.prefetch_next_run_chains(i);
            }
            // The run's headers and links in two block writes of 64 bytes
            // (callgrind, ten clones of 100K u64 entries: 15.09M ->
            // 14.87M instructions against a store per header and link).
            ptr::copy_nonoverlapping(src.hdr(i), dst.hdr(i), RUN_BUCKETS);
            ptr::write_bytes(dst.link_at(i), 0, RUN_BUCKETS);
            let (live, linked) = src.run_live(i);
            at.live = live;
            let (sf, df) = (src.bucket(i), dst.bucket(i));
            while at.live != 0 {
                let s = at.live.trailing_zeros() as usize;
                let ((_, sk, sv), (_, dk, dv)) = (sf.slot_ptrs(s), df.slot_ptrs(s));
                let (k, v) = f(&*sk, &*sv);
                dk.write(k);
                dv.write(v);
                *count += 1;
                at.live &= at.live - 1;
            }
            let mut chained = if linked { src.run_links(i) } else { 0 };
            while chained != 0 {
                let k = i + chained.trailing_zeros() as usize;
                chained &= chained - 1;
                clone_chain_rest(src, dst, src.bucket(k), dst.bucket(k), pool.is_some(), count, f);
            }
            at.run += RUN_BUCKETS;
        }
    }
    let from = at.run;
    g.defuse();
    for i in from..src.main {
        // SAFETY: `i` is a main bucket of both arrays, readable in `src`,
        // zeroed in `dst` (an array with fewer than `RUN_BUCKETS` main
        // buckets, or one resizing, is allocated zeroed).
        unsafe {
            let (sb, db) = (src.bucket(i), dst.bucket(i));
            clone_bucket(sb, db, count, f);
            clone_chain_rest(src, dst, sb, db, pool.is_some(), count, f);
        }
    }
    if let Some(end) = pool {
        for p in src.main..end {
            // SAFETY: pool buckets below `next_pool` are live overflow
            // buckets of `src`'s chains (invariant 7), and the same
            // bucket of `dst` is zeroed and unused: linked from its
            // chain's previous bucket, or not yet.
            unsafe {
                let (sb, db) = (src.bucket(p), dst.bucket(p));
                clone_bucket(sb, db, count, f);
                clone_chain_rest(src, dst, sb, db, true, count, f);
            }
        }
    }
}

/// Where `clone_array` is: the run of main buckets at `run`, whose slots
/// in `live` are still to be cloned.
struct RunCursor<K, V> {
    dst: ArrayView<K, V>,
    run: usize,
    live: u64,
}

impl<K, V> RunCursor<K, V> {
    /// On unwinding out of `clone_array`: blanks the current run's slots
    /// not cloned (the one whose clone panicked included: its bit is
    /// cleared only after its entry is written) and zeroes the main headers
    /// and links after the run, which may be unset.
    fn abandon(&mut self) {
        let main = self.dst.main;
        // SAFETY: `run + RUN_BUCKETS <= main` whenever `live` is nonzero
        // (it is set only inside the run loop); headers from `run +
        // RUN_BUCKETS` to `main`, and their links, belong to the array and
        // are written whole.
        unsafe {
            let base = self.dst.hdr(self.run).cast::<u8>();
            while self.live != 0 {
                let s = self.live.trailing_zeros() as usize;
                self.live &= self.live - 1;
                *base.add(s / BUCKET_SLOTS * bucket::HEADER + s % BUCKET_SLOTS) = EMPTY_ONE;
            }
            let next = (self.run + RUN_BUCKETS).min(main);
            ptr::write_bytes(self.dst.hdr(next), 0, main - next);
            ptr::write_bytes(self.dst.link_at(next), 0, main - next);
        }
    }
}

/// Clones the chain after `sb` into new buckets linked after `db`: pool
/// buckets keep their index, stand-alone ones are allocated. With `pooled`
/// (`clone_array` with a pool), a pool bucket is only linked, not cloned
/// (that happens in the pool's turn), and the walk ends there.
///
/// # Safety
/// `sb` is a live bucket of `src` whose states and entries are copied to
/// `db`, a bucket of `dst` ending its chain; the rest as for `clone_array`.
#[inline(always)]
unsafe fn clone_chain_rest<K, V>(
    src: ArrayView<K, V>,
    dst: ArrayView<K, V>,
    mut sb: BucketRef<K, V>,
    mut db: BucketRef<K, V>,
    pooled: bool,
    count: &mut usize,
    f: &impl Fn(&K, &V) -> (K, V),
) {
    // SAFETY: every `sb` is a live bucket of src's chain, every `db` a
    // bucket of dst just linked (zeroed: a pool bucket of the zeroed array,
    // or a fresh stand-alone one).
    unsafe {
        while let Some(next) = src.next(sb) {
            let in_pool = src.contains(next.hdr);
            let nd = if in_pool {
                dst.bucket((next.hdr as usize - src.hdrs as usize) / bucket::HEADER)
            } else {
                BucketRef::standalone(alloc_overflow::<K, V>())
            };
            dst.set_overflow(db.hdr, nd.hdr);
            // A main bucket's filter goes with its chain (invariant 16; only
            // main buckets' links carry one).
            let bits = src.filter_of(sb.hdr);
            if bits != 0 {
                dst.add_filter(db.hdr, bits);
            }
            if in_pool && pooled {
                return;
            }
            (sb, db) = (next, nd);
            clone_bucket(sb, db, count, f);
        }
    }
}

/// Copies `sb`'s slot states to `db` (live ones blanked) and clones its
/// live entries.
///
/// # Safety
/// `sb` is a live bucket; `db` an unused bucket of the table owning
/// `count`.
#[inline(always)]
unsafe fn clone_bucket<K, V>(
    sb: BucketRef<K, V>,
    db: BucketRef<K, V>,
    count: &mut usize,
    f: &impl Fn(&K, &V) -> (K, V),
) {
    // SAFETY: caller contract.
    unsafe {
        (*db.hdr).tophash = blanked((*sb.hdr).tophash);
        for j in header::group(sb.hdr).match_full() {
            clone_slot(sb, db, j, count, f);
        }
    }
}

/// Clones live slot `j` of `sb` into blanked slot `j` of `db`, then marks
/// it live (so a panic in `f` leaves it blank).
///
/// # Safety
/// Slot `j` of `sb` is live, slot `j` of `db` blanked, `count` is the live
/// count of the table owning `db`.
#[inline(always)]
unsafe fn clone_slot<K, V>(
    sb: BucketRef<K, V>,
    db: BucketRef<K, V>,
    j: usize,
    count: &mut usize,
    f: &impl Fn(&K, &V) -> (K, V),
) {
    // SAFETY: caller contract.
    unsafe {
        let (k, v) = f(&*sb.key(j), &*sb.val(j));
        db.key(j).write(k);
        db.val(j).write(v);
        *count += 1;
        header::set_top(db.hdr, j, header::top(sb.hdr, j));
    }
}

/// A chain's slot states with every live slot turned `EMPTY_ONE` and every
/// other state kept (old chains above the mark may be evacuated already),
/// done on the eight bytes at once: a loop over the live slots cost
/// `clone` about 5 instructions per entry (callgrind).
#[inline(always)]
pub(super) fn blanked(tops: [u8; BUCKET_SLOTS]) -> [u8; BUCKET_SLOTS] {
    const _: () = assert!(EMPTY_ONE == 1 && MIN_TOPHASH == 5);
    let w = u64::from_le_bytes(tops);
    let low7 = 0x7f7f_7f7f_7f7f_7f7f_u64;
    // A byte's high bit ends up set exactly when the byte is >= 5: below
    // 0x80, adding 0x7b to its low seven bits carries into the high bit
    // (and never out of the byte); from 0x80 on, it was set.
    let live = (((w & low7).wrapping_add(0x7b7b_7b7b_7b7b_7b7b)) | w) & !low7;
    let ones = live >> 7;
    ((w & !(ones * 0xff)) | ones).to_le_bytes()
}
