//! Starting a resize, evacuating old buckets, advancing the evacuation mark.

use alloc::boxed::Box;
use core::ptr;

use super::bucket::{filter_bit, header, prefetch, ArrayView, BucketArray, BucketRef, Header};
use super::tophash::{BUCKET_SLOTS, EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y, MIN_TOPHASH};
use super::{over_load, OldArray, RawTable, Releasing, ResizeKind};
use crate::types::TryReserveError;
use crate::types::{Event, Reason};

/// Most bytes of an old array's pages unmapped per write: `munmap` cost
/// grows with the pages it drops. With 256 KiB the last writes of a 10M-key
/// doubling took 300-780 us each when another process competed for memory
/// (latency harness, reproducible over 3 runs); 64 KiB bounds that step 4x
/// tighter and still outpaces evacuation (each write passes about two
/// buckets, ~300 bytes; a jump of the mark is caught up over a few writes).
/// Tests use 8 KiB so that releasing arrays drain over many writes.
const RELEASE_BUDGET: usize = if cfg!(test) { 8 << 10 } else { 64 << 10 };

/// Least bytes handed back per system call while a resize runs (a page at a
/// time cost 17,890 system calls for a million inserts).
const RELEASE_BATCH: usize = if cfg!(test) { 4 << 10 } else { 64 << 10 };

/// Where the next entry for destination chain `idx` goes: slot `j` of `b`
/// (`j == 8`: `b` is the full last bucket; link a new one on next use).
struct Cursor<K, V> {
    idx: usize,
    b: BucketRef<K, V>,
    j: usize,
}

impl<K, V> Clone for Cursor<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for Cursor<K, V> {}

impl<K, V> RawTable<K, V> {
    /// Go's `hashGrow`: allocate the new array (zeroed, so O(1) for large
    /// sizes) and keep the current one as the old array. Moves nothing.
    ///
    /// A doubling takes the array mapped ahead (`prepare_next`).
    pub(crate) fn start_resize(&mut self, b: u8, kind: ResizeKind, reason: Reason) -> Result<(), TryReserveError> {
        debug_assert!(self.old.is_none());
        let new = self.take_array(b)?;
        self.begin_resize_with(new, kind, reason);
        Ok(())
    }

    /// An empty array of `2^b` buckets: the one prepared ahead if it has
    /// that size, else a new one.
    pub(crate) fn take_array(&mut self, b: u8) -> Result<BucketArray<K, V>, TryReserveError> {
        match self.prepared.take() {
            Some(p) if p.b == b => Ok(*p),
            other => {
                self.prepared = other;
                BucketArray::new_zeroed(b)
            }
        }
    }

    /// The count at which an insert maps the next doubling's array ahead
    /// (`prepare_next`), for a current array of `2^b` buckets: seven eighths
    /// of `load_limit` if that array will be a fresh mapping too large for
    /// the reuse cache and is not mapped yet; else `load_limit` [9].
    pub(crate) fn prepare_start(&self, b: u8) -> usize {
        if self.prepared.is_some() || !BucketArray::<K, V>::prepared_ahead(b + 1) {
            self.load_limit
        } else {
            self.load_limit - self.load_limit / 8
        }
    }

    /// Maps the next doubling's array ahead of the insert that starts the
    /// doubling, and faults in the pages that insert's first evacuation
    /// writes for certain: old bucket 0's destinations (new buckets 0 and
    /// `2^B`).
    /// Called once per doubling, by the insert that reaches `prepare_at`.
    ///
    /// Why: the insert that started a 10M-key doubling took 50 us
    /// reproducibly (latency harness), about 20 of them in `mmap` and the
    /// rest in 12 page faults. Mapped here, that insert took under the
    /// 37-42 us of the release `munmap` that follows it, which is then the
    /// slowest (see `docs/log.md`). Faulting in the whole array ahead
    /// instead cut that insert further but cost 8% of insert throughput at
    /// 1M keys: the pages, zeroed long before the doubling writes them,
    /// were no longer in cache.
    ///
    /// A failed mapping is not an error here: the doubling maps its array
    /// itself and reports a failure then.
    #[cold]
    #[inline(never)]
    pub(crate) fn prepare_next(&mut self) {
        let Some(cur) = &self.current else { return };
        if self.old.is_some() || self.prepared.is_some() || self.count < self.prepare_at {
            return;
        }
        if let Ok(next) = BucketArray::new_zeroed(cur.b + 1) {
            let main = next.buckets();
            next.prefault_buckets(0, 1);
            next.prefault_buckets(main / 2, main / 2 + 1);
            self.prepared = Some(Box::new(next));
        }
        // Mapped or not, this insert's part is done.
        self.prepare_at = self.load_limit;
        self.sync_resize_state();
    }

    /// Hands back a prepared array no resize will use, as a finished
    /// resize's old array (a few of its pages are faulted in).
    fn release_prepared(&mut self, arr: BucketArray<K, V>) {
        if arr.releasable() {
            self.release_old_pages(true);
            self.releasing = arr.cache_or_release().map(|arr| Box::new(Releasing { arr }));
        } else {
            // SAFETY: a prepared array holds no entries and no chains.
            unsafe { arr.free() };
        }
    }

    /// Makes `new` the current array and the current one the old array,
    /// then tells the observer. The caller has finished any earlier resize.
    pub(crate) fn begin_resize_with(&mut self, new: BucketArray<K, V>, kind: ResizeKind, reason: Reason) {
        let events = self.switch_arrays(new, kind, reason);
        self.emit_all(events);
    }

    /// `begin_resize_with` without the observer: returns the events to
    /// deliver (a resize with nothing to move starts and ends at once).
    fn switch_arrays(&mut self, new: BucketArray<K, V>, kind: ResizeKind, reason: Reason) -> [Option<Event>; 2] {
        debug_assert!(self.old.is_none());
        let prev = self.current.take();
        let used = self.next_pool;
        let new_b = new.b;
        // A prepared array serves the doubling after this resize only if
        // it has the size that doubling needs (a same-size growth keeps
        // it); else it goes back.
        if let Some(p) = self.prepared.take_if(|p| p.b != new_b + 1) {
            self.release_prepared(*p);
        }
        self.install(new);
        let Some(mut arr) = prev else { return [None, None] };
        arr.used = used;
        let start = Event::ResizeStart { kind, reason, old_b: arr.b, new_b, len: self.count };
        let mut end = None;
        if self.count == 0 {
            // Nothing to move: free the old array at once (its chains hold
            // no entries).
            // SAFETY: no live entries; the array is not referenced again.
            unsafe { super::overflow::free_array_and_chains(arr, self.standalone) };
            self.standalone = 0;
            self.free_spare();
            end = Some(Event::ResizeEnd { kind, b: new_b, len: 0 });
        } else {
            if let Some(cur) = &self.current {
                arr.recycle_into(cur);
            }
            self.old = Some(OldArray::new(arr, kind));
        }
        self.sync_resize_state();
        [Some(start), end]
    }

    /// Delivers `events` in order. Called only once the table is whole
    /// again: the observer is user code and may panic.
    fn emit_all(&mut self, events: [Option<Event>; 2]) {
        if self.observer.is_some() {
            for e in events.into_iter().flatten() {
                self.emit(e);
            }
        }
    }

    /// A write's share of a resize: evacuate the two old buckets at the
    /// mark (Go's `growWork` evacuates the key's old bucket and one at the
    /// mark; see the essay, *Evacuation at the mark only*). Also hands back
    /// one chunk of a releasing array's pages.
    #[inline(never)]
    pub(crate) fn grow_work(&mut self, hasher: &impl Fn(&K) -> u64) {
        for _ in 0..2 {
            if self.old.is_none() {
                break;
            }
            if !self.evacuate_head(hasher) {
                self.evacuate_next(hasher);
            }
        }
        // The next write evacuates the buckets now at the mark: start
        // loading them a write ahead.
        if let Some(old) = &self.old {
            let n = old.nevacuate;
            self.prefetch_evacuation(n);
            if n + 1 < old.arr.buckets() {
                self.prefetch_evacuation(n + 1);
            }
        }
        self.release_step();
    }

    /// `evacuate_next` inline, for the common case: a doubling with no
    /// observer, whose old bucket at the mark is a chain of one bucket
    /// (four in five at load 6.5), moved by `split_head` with nothing to
    /// link or free. Returns false, having done nothing, otherwise.
    ///
    /// Through `evacuate_next` a bucket cost about 400 instructions, half
    /// of them around its entries' moves (a frame, the table's fields
    /// loaded and spilled, the chain's bookkeeping). Callgrind, 1M u64
    /// inserts from empty: 211.3M -> 196.6M instructions in all,
    /// `grow_work` 115.0M -> 100.3M (`docs/log.md`, session 20).
    #[inline(always)]
    fn evacuate_head(&mut self, hasher: &impl Fn(&K) -> u64) -> bool {
        let (Some(o), Some(cur)) = (&self.old, &self.current) else { return false };
        let (old, cur, i) = (o.arr.view, cur.view, o.nevacuate);
        let n = old.main;
        // SAFETY: `i` is the mark, an old main bucket not released.
        if cur.main != 2 * n || self.observer.is_some() || unsafe { !(*old.link_at(i)).is_null() } || o.is_evacuated(i)
        {
            return false;
        }
        // If `hasher` panics, the guard finishes the bucket as in
        // `evacuate_next`.
        let guard = EvacuationGuard { table: self, index: i };
        // SAFETY: a doubling from `n` main buckets; `i` is the old head at
        // the mark, not evacuated, with no overflow bucket, and new buckets
        // `i` and `i + n` are empty (only this evacuation writes to them).
        unsafe { split_head(old.bucket(i), cur.bucket(i), n, hasher) };
        core::mem::forget(guard);
        // Nothing to retire (no overflow bucket, a null link): count it.
        self.old.as_mut().expect("resizing").evacuated += 1;
        self.advance_mark();
        true
    }

    /// Hands memory back to the OS in at most one system call: the old
    /// array's pages below the mark once a batch of them is due, else the
    /// next chunk (or leftover piece) of a releasing array. A write that
    /// made two or three such calls was among the slowest writes of a fill
    /// (see `BucketArray::release_upto`).
    pub(crate) fn release_step(&mut self) {
        if let Some(old) = self.old.as_mut() {
            let mark = old.nevacuate;
            if old.arr.release_due(mark) {
                // Buckets below the mark are dead and read by index only
                // (see `OldArray::evacuated`), so their pages can go back.
                // SAFETY: as just said; and the current array's buckets from
                // `n + mark` on are unwritten (writes reach a current chain
                // only once the old bucket feeding it is evacuated).
                let step = unsafe { old.arr.release_upto(mark, RELEASE_BUDGET, RELEASE_BATCH, &mut self.recycled) };
                if step.called {
                    return;
                }
            }
            let n = old.arr.view.main;
            if self.current.as_ref().is_some_and(|cur| cur.populate_ahead(n, mark, &mut old.populated)) {
                return;
            }
        }
        self.release_old_pages(false);
    }

    /// Starts loading what evacuating old bucket `i` reads and writes: its
    /// header and slots and, on a doubling, the headers and first slot lines of its
    /// two destinations. Without this the slots are requested only once the
    /// header is in (their live slots are known from it), two DRAM
    /// latencies in a row for a bucket chosen by a random key. The caller
    /// knows that `i` still needs work: it is the mark or the one after.
    #[inline(always)]
    fn prefetch_evacuation(&self, i: usize) {
        let (Some(old), Some(cur)) = (&self.old, &self.current) else { return };
        // SAFETY: `i` is a main bucket of the old array at or above the mark
        // (its pages are not released); only addresses are formed.
        let b = unsafe { old.arr.view.bucket(i) };
        prefetch(b.hdr.cast());
        b.prefetch_slots();
        if cur.b == old.arr.b + 1 {
            for d in [i, i + old.arr.buckets()] {
                // SAFETY: `d < 2^cur.b`, a main bucket of the current array.
                let nb = unsafe { cur.view.bucket(d) };
                prefetch(nb.hdr.cast());
                prefetch(nb.slots);
            }
        }
    }

    /// Hands back the next chunk of the releasing array's pages in one
    /// system call, then its leftover pieces one a call, and drops it once
    /// nothing is mapped; with `all`, everything at once (`free` unmaps
    /// whatever its cursors say is still mapped).
    pub(crate) fn release_old_pages(&mut self, all: bool) {
        let Some(r) = self.releasing.as_mut() else { return };
        if !all {
            let len = r.arr.view.len;
            // SAFETY: every bucket of a releasing array is dead (and it
            // recycles nothing: `end_resize` stopped that).
            let step = unsafe { r.arr.release_upto(len, RELEASE_BUDGET, 0, &mut self.recycled) };
            // SAFETY: as above, and `unmap_leftover` runs only once
            // `release_upto` is done.
            if step.called || !step.done || unsafe { r.arr.unmap_leftover() } {
                return;
            }
        }
        let r = self.releasing.take().expect("checked above");
        // SAFETY: dead buckets only; nothing points into the array.
        unsafe { r.arr.free() };
    }

    /// Evacuates up to `n` old buckets at the mark. Returns how many it
    /// evacuated (fewer when the resize ends first).
    pub(crate) fn evacuate_at_mark(&mut self, n: usize, hasher: &impl Fn(&K) -> u64) -> usize {
        let mut evacuated = 0;
        while evacuated < n {
            if self.old.is_none() {
                break;
            }
            self.evacuate_next(hasher);
            self.release_step();
            evacuated += 1;
        }
        evacuated
    }

    /// Evacuates every remaining old bucket, starts and finishes a queued
    /// resize too, and frees the old arrays. O(old buckets).
    pub(crate) fn finish_resize(&mut self, hasher: &impl Fn(&K) -> u64) {
        while self.old.is_some() {
            self.evacuate_next(hasher);
            self.release_old_pages(true);
        }
        self.release_old_pages(true);
    }

    /// Go's `evacuate`, of the old bucket at the mark: move every entry of
    /// its chain to its bucket in the current array, mark each old slot,
    /// free the chain's stand-alone overflow buckets, and advance the mark.
    ///
    /// Out of line: inlined twice into `grow_work` it moved the code of the
    /// 1K-entry benchmarks around it (`compare --sizes 1K`, u64 keys, 3
    /// alternations: lookup miss 0.79 -> 0.97 of hashbrown's time with it
    /// inlined, 0.80 without; remove 0.89 -> 1.19, 1.05 without), with no
    /// change in instructions or modelled branch misses.
    #[inline(never)]
    pub(crate) fn evacuate_next(&mut self, hasher: &impl Fn(&K) -> u64) {
        let o = self.old.as_ref().expect("evacuate outside a resize");
        // The mark is a main bucket of the old array (invariant 6).
        let i = o.nevacuate;
        if o.is_evacuated(i) {
            // A panicking hasher cut its evacuation short (invariant 12).
            self.advance_mark();
            return;
        }
        let old = o.arr.view;
        let new_mask = self.current.as_ref().expect("resizing table has a current array").mask();
        // Only if `hasher` panics does dropping `guard` do anything: it drops
        // the entries not yet moved (their destination is unknown) and
        // finishes the bucket's bookkeeping. The normal path disarms it and
        // finishes the bucket below, in plain code.
        let before = (self.noverflow, self.next_pool);
        let mut guard = EvacuationGuard { table: self, index: i };
        // Decided by the sizes, not the kind: a reserve of one doubling
        // splits buckets exactly as a load-factor doubling does.
        let n = old.main;
        let moved = if new_mask == 2 * n - 1 {
            // SAFETY: a doubling (the new array has twice the old one's main
            // buckets); `i` is an old main bucket not yet evacuated.
            unsafe { split_chain(&mut guard, old, i, n, hasher) }
        } else {
            // SAFETY: not a doubling; `i` is an old main bucket not yet
            // evacuated.
            unsafe { move_chain(&mut guard, old, i, new_mask, hasher) }
        };
        // Every entry moved: the guard has nothing to undo.
        core::mem::forget(guard);
        self.finish_evacuation(old, i, moved, before);
    }

    /// Records that old bucket `i`, whose entries have all moved, is
    /// evacuated: frees its chain, sets its bit, tells the observer, and
    /// advances the mark if `i` is at it.
    ///
    /// The observer hears of the bucket's evacuation only now, when the
    /// table is whole: first of the overflow buckets that the destinations
    /// needed (`before` is `(noverflow, next_pool)` from before the move;
    /// the pool is used up before any stand-alone bucket is allocated, so
    /// the order is known), then of the bucket itself. An observer that
    /// panics halfway through an evacuation would otherwise have cost the
    /// entries not yet moved.
    ///
    /// Inlined, with `retire_old_chain`: as calls they cost about 40
    /// instructions per evacuated bucket in register saves (callgrind,
    /// 100K inserts from empty).
    #[inline(always)]
    fn finish_evacuation(&mut self, old: ArrayView<K, V>, i: usize, moved: usize, before: (usize, usize)) {
        // SAFETY: every slot of old chain `i` is marked evacuated, so its
        // overflow buckets hold nothing.
        unsafe { self.retire_old_chain(old, i) };
        if self.observer.is_some() {
            let pooled = self.next_pool - before.1;
            for n in before.0 + 1..=self.noverflow {
                self.emit(Event::OverflowAlloc { pooled: n - before.0 <= pooled, overflow_buckets: n });
            }
            if let Some(o) = &self.old {
                let (evacuated, total) = (o.evacuated, o.arr.buckets());
                self.emit(Event::Evacuated { old_bucket: i, entries: moved, evacuated, total });
            }
        }
        self.advance_mark();
    }

    /// The bookkeeping shared by a finished and an abandoned evacuation of
    /// old bucket `i`: recycles the chain's stand-alone overflow buckets,
    /// cuts the head's link, and counts the bucket evacuated.
    ///
    /// # Safety
    /// Every slot of old chain `i` is marked evacuated (no entry is left in
    /// it), and `old` is the old array's view.
    #[inline(always)]
    unsafe fn retire_old_chain(&mut self, old: ArrayView<K, V>, i: usize) {
        // SAFETY: `i` is a main bucket of the old array, still allocated (the
        // mark is at or below it); the chain's buckets hold no entries, per
        // the contract, so its stand-alone buckets can be reused; each link
        // is read before its bucket is recycled.
        unsafe {
            let head = old.hdr(i);
            let mut p: *mut Header = old.overflow(head);
            while !p.is_null() {
                let next = old.overflow(p);
                if !old.contains(p) {
                    self.standalone -= 1;
                    self.recycle(p);
                }
                p = next;
            }
            old.set_overflow(head, ptr::null_mut());
        }
        if let Some(o) = self.old.as_mut() {
            o.evacuated += 1;
        }
    }
}

/// `evacuate_bucket`'s loop for every resize but a doubling: same-size
/// growth feeds only new bucket `i`, shrinks and reserve jumps any number
/// of chains. Cursor `x` serves destination `i`, cursor `y` any other,
/// re-aimed when the destination changes.
///
/// # Safety
/// The table is resizing from `old` to a current array with mask
/// `new_mask`, not a doubling, and old bucket `i` is not evacuated.
#[inline(always)]
unsafe fn move_chain<K, V>(
    guard: &mut EvacuationGuard<'_, K, V>,
    old: ArrayView<K, V>,
    i: usize,
    new_mask: usize,
    hasher: &impl Fn(&K) -> u64,
) -> usize {
    let mut moved = 0;
    let cur = guard.table.current.as_ref().expect("resizing table has a current array").view;
    {
        let (mut x, mut y) = guard.table.fresh_cursors(i);
        // SAFETY: `i` is a main bucket; the walk follows the chain's links.
        let mut b = unsafe { old.bucket(i) };
        loop {
            // SAFETY: `b` is a live bucket of old chain `i`. Each live slot's
            // entry is copied to an empty destination slot, then the old slot
            // is marked evacuated, so each entry is owned exactly once at
            // every point where `hasher` may panic.
            unsafe {
                let full = header::group(b.hdr).match_full();
                for j in full {
                    let t = header::top(b.hdr, j);
                    let hash = hasher(&*b.key(j));
                    let d = hash as usize & new_mask;
                    // Two copies of the same step rather than one through a
                    // reference chosen at run time: a reference to either
                    // cursor would keep both in memory (callgrind: 50
                    // instructions per moved entry with it, fewer without).
                    let (db, dj, mark) = if d == i {
                        let (db, dj) = guard.table.dest_slot(&mut x, d);
                        (db, dj, EVACUATED_X)
                    } else {
                        let (db, dj) = guard.table.dest_slot(&mut y, d);
                        (db, dj, EVACUATED_Y)
                    };
                    ptr::copy_nonoverlapping(b.key(j), db.key(dj), 1);
                    ptr::copy_nonoverlapping(b.val(j), db.val(dj), 1);
                    header::set_top(db.hdr, dj, t);
                    header::set_top(b.hdr, j, mark);
                    // Past the destination's main bucket: its filter
                    // (invariant 16).
                    let head = cur.hdr(d);
                    if db.hdr != head {
                        cur.add_filter(head, filter_bit(hash));
                    }
                }
                moved += full.len();
                // Old buckets hold only live and empty states, and every
                // live one is now marked X or Y: mark the rest empty.
                header::mark_rest_evacuated_empty(b.hdr);
                match old.next(b) {
                    Some(n) => b = n,
                    None => break,
                }
            }
        }
    }
    moved
}

impl<K, V> RawTable<K, V> {
    /// Cursors for old bucket `i`'s destinations outside a doubling (see
    /// `split_chain`). Same-size growth writes only into chains no one else
    /// writes to (a write reaches a current chain only once the old bucket
    /// feeding it is evacuated), so its
    /// cursor starts at slot 0 of the main bucket; other resizes find the
    /// append position on first use.
    #[inline(always)]
    fn fresh_cursors(&self, i: usize) -> (Cursor<K, V>, Cursor<K, V>) {
        let none = Cursor { idx: usize::MAX, b: BucketRef::standalone(ptr::null_mut()), j: 0 };
        let (Some(old), Some(cur)) = (&self.old, &self.current) else { return (none, none) };
        let at = |d: usize| {
            // SAFETY: `d` is a main bucket of the current array.
            Cursor { idx: d, b: unsafe { cur.view.bucket(d) }, j: 0 }
        };
        // Decided by the sizes, not the kind.
        if cur.b == old.arr.b {
            (at(i), none)
        } else {
            (none, none)
        }
    }

    /// The next free slot of destination chain `d`, through cursor `c`.
    #[inline(always)]
    fn dest_slot(&mut self, c: &mut Cursor<K, V>, d: usize) -> (BucketRef<K, V>, usize) {
        if c.idx != d || c.j == BUCKET_SLOTS {
            *c = self.refill(*c, d);
        }
        let spot = (c.b, c.j);
        c.j += 1;
        spot
    }

    /// Aims `c` at destination `d`'s append position, or past a full bucket:
    /// onto the chain's next bucket (a merge into an existing chain, empty
    /// from slot 0) or a newly linked overflow bucket.
    ///
    /// Takes and returns the cursor by value so that the hot loop never
    /// takes a cursor's address (which would keep it out of registers).
    #[cold]
    #[inline(never)]
    fn refill(&mut self, mut c: Cursor<K, V>, d: usize) -> Cursor<K, V> {
        if c.idx != d {
            c = self.append_cursor(d);
        }
        if c.j == BUCKET_SLOTS {
            c.b = self.next_dest(c.b);
            c.j = 0;
        }
        c
    }

    /// A cursor at the first `EMPTY_REST` slot of destination chain `d`.
    /// Appending there keeps invariants 2 and 3.
    fn append_cursor(&self, d: usize) -> Cursor<K, V> {
        let arr = self.current.as_ref().expect("resizing table has a current array").view;
        // SAFETY: `d` is masked by the current array's mask; the walk follows
        // the chain's links.
        unsafe {
            let mut b = arr.bucket(d);
            loop {
                if let Some(j) = header::group(b.hdr).match_empty_rest().lowest() {
                    return Cursor { idx: d, b, j };
                }
                match arr.next(b) {
                    Some(n) => b = n,
                    None => return Cursor { idx: d, b, j: BUCKET_SLOTS },
                }
            }
        }
    }

    /// Go's `advanceEvacuationMark`: step past the bucket just evacuated
    /// (no bucket past it is evacuated, so there is nothing to skip, where
    /// Go scans up to 1024); when the mark passes the last old bucket the
    /// resize is over and the old array is freed.
    pub(crate) fn advance_mark(&mut self) {
        let Some(old) = self.old.as_mut() else { return };
        let n = old.arr.buckets();
        old.nevacuate += 1;
        // The pages below the mark go back in the write's `release_step`.
        if old.nevacuate == n {
            self.end_resize();
        }
    }

    /// The mark passed the last old bucket: retire or free the old array
    /// (its entries moved and its stand-alone overflow buckets were freed as
    /// each bucket was evacuated), then start a queued resize.
    fn end_resize(&mut self) {
        let mut old = self.old.take().expect("ending a resize");
        old.arr.stop_recycling();
        let kind = old.kind;
        self.sync_resize_state();
        if old.arr.releasable() {
            // Unmapping now would drop every remaining page in one call;
            // hand them back a chunk per write instead, unless the array is
            // small enough to be kept whole for reuse. A releasing array
            // from an earlier resize is long drained by now (it needed far
            // fewer writes than this resize did); free whatever is left of
            // it.
            self.release_old_pages(true);
            self.releasing = old.arr.cache_or_release().map(|arr| Box::new(Releasing { arr }));
        } else {
            // SAFETY: as said above; a small array, freed at once.
            unsafe { old.arr.free() };
        }
        let end = Event::ResizeEnd { kind, b: self.current.as_ref().map_or(0, |c| c.b), len: self.count };
        let mut next = [None, None];
        if let Some((arr, kind)) = self.queued.take().map(|q| *q) {
            if kind == ResizeKind::Shrink && over_load(self.count, arr.b) {
                // The table grew since the shrink was asked for.
                // SAFETY: a queued array was never used.
                unsafe { arr.free() };
            } else {
                let reason = if kind == ResizeKind::Shrink { Reason::ShrinkTo } else { Reason::Reserve };
                next = self.switch_arrays(arr, kind, reason);
            }
        }
        // The table is whole (and the queued resize under way) before any
        // user code runs.
        self.emit_all([Some(end), None]);
        self.emit_all(next);
    }
}

/// `evacuate`'s loop for a doubling: old bucket `i`'s entries go to new
/// bucket `i` ("X") when hash bit `n` is clear and to `i + n` ("Y") when it
/// is set. Each destination chain is empty and only this evacuation writes
/// to it (a write reaches a current chain only once the old bucket feeding
/// it is evacuated).
///
/// The chain's first bucket (all of the chain in four cases of five at
/// load 6.5) moves without a branch on the hash bit: its at most eight
/// entries fit in the two empty destination buckets whichever way they
/// go, so each destination is a slot number counted from new bucket `i`
/// (bucket `i + n` starts at slot `8n`), one conditional move picks it and
/// no slot is checked for room. The bit is a coin flip that a branch
/// mispredicts half the time. Callgrind's branch model, 1M random u64
/// inserts from empty: 1.69M -> 0.71M mispredicts, 214.7M -> 228.7M
/// instructions; time per insert (median of 7 fills, 5 alternations) 99.4
/// -> 91.7 ns at 1M and 30.4 -> 23.4 ns at 100K. The later buckets of a
/// chain move through cursors (a bucket and a slot index, kept in
/// registers) that follow each destination chain and link overflow
/// buckets as they fill. Selecting a whole cursor per entry instead cost
/// more than the mispredicts (see `docs/log.md`).
///
/// The chain walk is written again here rather than shared with
/// `move_chain` through a helper taking a destination closure: tried, the
/// closure's captured cursors went to the stack.
///
/// # Safety
/// The table is doubling from `old` (`n` main buckets) and old bucket `i`
/// is not evacuated.
#[inline(always)]
unsafe fn split_chain<K, V>(
    guard: &mut EvacuationGuard<'_, K, V>,
    old: ArrayView<K, V>,
    i: usize,
    n: usize,
    hasher: &impl Fn(&K) -> u64,
) -> usize {
    let cur = guard.table.current.as_ref().expect("resizing table has a current array").view;
    // SAFETY: `i` and `i + n` are main buckets of the current array (it has
    // `2n`); the old walk follows the chain's links. Each live slot's entry
    // is copied to an empty destination slot, then the old slot is marked
    // evacuated, so each entry is owned exactly once at every point where
    // `hasher` may panic (as in `evacuate`).
    unsafe {
        let x0 = cur.bucket(i);
        let mut b = old.bucket(i);
        let (mut moved, xs, ys) = split_head(b, x0, n, hasher);
        // The rest of the chain (a fifth of chains at load 6.5): cursors
        // that follow each destination chain, linking overflow buckets as
        // they fill.
        let (mut xb, mut xj, mut yb, mut yj) = (x0, xs, cur.bucket(i + n), ys - n * BUCKET_SLOTS);
        let (xh, yh) = (x0.hdr, yb.hdr);
        while let Some(nb) = old.next(b) {
            b = nb;
            let full = header::group(b.hdr).match_full();
            for j in full {
                let hash = hasher(&*b.key(j));
                // The same step written out for each cursor (inlined, so
                // both stay in registers), not one through a reference
                // chosen at run time.
                if hash as usize & n == 0 {
                    move_entry(guard.table, cur, b, j, hash, (xh, &mut xb, &mut xj), EVACUATED_X);
                } else {
                    move_entry(guard.table, cur, b, j, hash, (yh, &mut yb, &mut yj), EVACUATED_Y);
                }
            }
            moved += full.len();
            header::mark_rest_evacuated_empty(b.hdr);
        }
        moved
    }
}

/// Moves the entries of old bucket `b`, the head of its chain in a
/// doubling from `n` main buckets, to the empty new buckets `x0` ("X",
/// same index) and the one `n` buckets after it ("Y"), marks each old slot
/// X or Y and the rest evacuated-empty; returns how many moved and the
/// next free slot of each destination, counted in slots from `x0`.
///
/// The at most 8 entries fit in the two empty destination buckets whichever
/// way they go, so no slot is checked for room, and the destination is
/// computed, not branched on (a hash bit is a coin flip, which a branch
/// mispredicts half the time): the next slot of each destination counted
/// as slots from `x0`, so bucket `i + n`'s slot 0 is slot `8n`.
///
/// # Safety
/// `b` is an old head not yet evacuated, `x0` and the bucket `n` after it
/// are the empty new buckets its entries go to (see `split_chain`); each
/// live slot's entry is copied to an empty destination slot, then the old
/// slot is marked evacuated, so each entry is owned exactly once at every
/// point where `hasher` may panic.
#[inline(always)]
unsafe fn split_head<K, V>(
    b: BucketRef<K, V>,
    x0: BucketRef<K, V>,
    n: usize,
    hasher: &impl Fn(&K) -> u64,
) -> (usize, usize, usize) {
    let (mut xs, mut ys) = (0usize, n * BUCKET_SLOTS);
    // SAFETY: caller contract.
    unsafe {
        let full = header::group(b.hdr).match_full();
        for j in full {
            let y = usize::from(hasher(&*b.key(j)) as usize & n != 0);
            let s = core::hint::select_unpredictable(y != 0, ys, xs);
            let (top, k, v) = x0.slot_ptrs(s);
            ptr::copy_nonoverlapping(b.key(j), k, 1);
            ptr::copy_nonoverlapping(b.val(j), v, 1);
            *top = header::top(b.hdr, j);
            header::set_top(b.hdr, j, EVACUATED_X + y as u8);
            xs += 1 - y;
            ys += y;
        }
        // Old buckets hold only live and empty states, and every live
        // one is now marked X or Y: mark the rest empty.
        header::mark_rest_evacuated_empty(b.hdr);
        (full.len(), xs, ys)
    }
}

/// Moves the entry in slot `j` of old bucket `b` to the cursor's slot
/// (past a full bucket first), then marks the old slot `mark`. An entry
/// written past the destination chain's head `head` goes into its filter
/// (invariant 16) by its hash, `hash`.
///
/// # Safety
/// Slot `j` of `b` is live; the cursor is the append position of the
/// entry's destination chain in the current array `cur`, headed by `head`.
#[inline(always)]
unsafe fn move_entry<K, V>(
    table: &mut RawTable<K, V>,
    cur: ArrayView<K, V>,
    b: BucketRef<K, V>,
    j: usize,
    hash: u64,
    (head, db, dj): (*mut Header, &mut BucketRef<K, V>, &mut usize),
    mark: u8,
) {
    if *dj == BUCKET_SLOTS {
        (*db, *dj) = (table.next_dest(*db), 0);
    }
    // SAFETY: caller contract: a live source slot and an empty destination
    // slot; the copy moves ownership, and the old slot's mark says so.
    // `head` is a main bucket of `cur` whose chain goes on past it when
    // `db` is not it.
    unsafe {
        ptr::copy_nonoverlapping(b.key(j), db.key(*dj), 1);
        ptr::copy_nonoverlapping(b.val(j), db.val(*dj), 1);
        header::set_top(db.hdr, *dj, header::top(b.hdr, j));
        header::set_top(b.hdr, j, mark);
        if db.hdr != head {
            cur.add_filter(head, filter_bit(hash));
        }
    }
    *dj += 1;
}

impl<K, V> RawTable<K, V> {
    /// The bucket after full destination bucket `c` in its current chain:
    /// the next one if the chain has it, else a newly linked overflow
    /// bucket.
    #[cold]
    #[inline(never)]
    fn next_dest(&mut self, c: BucketRef<K, V>) -> BucketRef<K, V> {
        let arr = self.current.as_ref().expect("resizing").view;
        // SAFETY: `c` is a live bucket of a current chain.
        match unsafe { arr.next(c) } {
            Some(n) => n,
            None => self.link_overflow(c.hdr),
        }
    }
}

/// Finishes an old bucket's evacuation when the user's hasher panics in the
/// middle of it. The normal path forgets it (`mem::forget`) and runs
/// `finish_evacuation` instead, so its drop runs only while unwinding. Two
/// words: a larger guard (the old view, a flag, a counter) cost about 30
/// instructions per evacuated bucket in stores and reloads (callgrind).
struct EvacuationGuard<'a, K, V> {
    table: &'a mut RawTable<K, V>,
    /// The old bucket being evacuated.
    index: usize,
}

impl<K, V> Drop for EvacuationGuard<'_, K, V> {
    /// Only while unwinding from `hasher`: drops the entries of the chain
    /// that had not moved (their destination is unknown; hashbrown does the
    /// same when its hasher panics mid-rehash), marks every slot evacuated,
    /// and does the bucket's bookkeeping, so that `count` stays exact and
    /// the table consistent. It calls no user code but those entries'
    /// destructors: the observer is not told, and the evacuation mark
    /// advances on a later write, when it finds the bucket evacuated.
    fn drop(&mut self) {
        let old = self.table.old.as_ref().expect("evacuating during a resize").arr.view;
        // SAFETY: `index` is a main bucket of the old array, still allocated
        // (the mark is at or below it). Every slot of the chain is either
        // marked evacuated (moved, or empty) or still owns its entry; the
        // latter are dropped once and their slots marked.
        unsafe {
            let head = old.hdr(self.index);
            let mut h = head;
            while !h.is_null() {
                let b = old.resolve(h);
                for j in 0..BUCKET_SLOTS {
                    let t = header::top(h, j);
                    if t >= MIN_TOPHASH {
                        self.table.count -= 1;
                        header::set_top(h, j, EVACUATED_EMPTY);
                        super::lifecycle::drop_slot(super::Slot { head, bucket: b, index: j });
                    } else if t < EVACUATED_X {
                        header::set_top(h, j, EVACUATED_EMPTY);
                    }
                }
                h = old.overflow(h);
            }
            self.table.retire_old_chain(old, self.index);
        }
    }
}
