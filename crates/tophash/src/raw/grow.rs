//! Starting a resize, evacuating old buckets, advancing the evacuation mark.

use core::ptr;

use super::bucket::{at, free_overflow, Bucket, BucketArray};
use super::tophash::{BUCKET_SLOTS, EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y, MIN_TOPHASH};
use super::{OldArray, RawTable, ResizeKind};
use crate::TryReserveError;

/// How far `advance_mark` looks past the bucket just evacuated for buckets
/// that writes already evacuated (Go's 1024): keeps one write's work bounded.
const MARK_SCAN_LIMIT: usize = 1024;

impl<K, V> RawTable<K, V> {
    /// Go's `hashGrow`: allocate the new array (zeroed, so O(1) for large
    /// sizes) and keep the current one as the old array. Moves nothing.
    pub(crate) fn start_resize(&mut self, b: u8, kind: ResizeKind) -> Result<(), TryReserveError> {
        debug_assert!(self.old.is_none());
        let new = BucketArray::new_zeroed(b)?;
        self.begin_resize_with(new, kind);
        Ok(())
    }

    /// Makes `new` the current array and the current one the old array.
    /// The caller has finished any earlier resize.
    pub(crate) fn begin_resize_with(&mut self, new: BucketArray<K, V>, kind: ResizeKind) {
        debug_assert!(self.old.is_none());
        let prev = self.cur.take();
        self.install(new);
        if let Some(arr) = prev {
            if self.count == 0 {
                // Nothing to move: drop the old array at once (its chains
                // hold no entries).
                // SAFETY: no live entries; the array is not referenced again.
                unsafe { super::free_array_and_chains(arr) };
            } else {
                self.old = Some(OldArray { arr, nevacuate: 0, kind });
            }
        }
    }

    /// Go's `growWork`: evacuate the old bucket `hash` maps to, then the one
    /// at the mark, so every write moves at least one bucket.
    #[inline(never)]
    pub(crate) fn grow_work(&mut self, hash: u64, hasher: &impl Fn(&K) -> u64) {
        let Some(old) = &self.old else { return };
        let i = hash as usize & old.arr.mask();
        self.evacuate(i, hasher);
        if let Some(old) = &self.old {
            let n = old.nevacuate;
            self.evacuate(n, hasher);
        }
    }

    /// Evacuates up to `n` old buckets at the mark. Returns how many it
    /// evacuated (fewer when the resize ends first).
    pub(crate) fn evacuate_steps(&mut self, n: usize, hasher: &impl Fn(&K) -> u64) -> usize {
        let mut done = 0;
        while done < n {
            let Some(old) = &self.old else { break };
            let i = old.nevacuate;
            self.evacuate(i, hasher);
            done += 1;
        }
        done
    }

    /// Evacuates every remaining old bucket. O(old buckets).
    pub(crate) fn finish_resize(&mut self, hasher: &impl Fn(&K) -> u64) {
        while let Some(old) = &self.old {
            let i = old.nevacuate;
            self.evacuate(i, hasher);
        }
    }

    /// Go's `evacuate`: move every entry of old bucket `i`'s chain to its
    /// bucket in the current array, mark each old slot, free the chain's
    /// stand-alone overflow buckets, and advance the mark if `i` is at it.
    pub(crate) fn evacuate(&mut self, i: usize, hasher: &impl Fn(&K) -> u64) {
        let old = self.old.as_ref().expect("evacuate outside a resize");
        // SAFETY: `i` is a main bucket of the old array (masked hash or the
        // mark, which is below the bucket count by invariant 6).
        let head = unsafe { old.arr.bucket(i) };
        // SAFETY: `head` is a live old bucket.
        if unsafe { !at::is_evacuated(head) } {
            let new_mask = self.cur.as_ref().expect("resizing table has a current array").mask();
            // If `hasher` panics, `Finish` drops the entries not yet moved
            // and marks their slots so the bucket still counts as evacuated.
            let mut guard = Finish { table: self, index: i, head, at: head, slot: 0 };
            let mut b = head;
            while !b.is_null() {
                for j in 0..BUCKET_SLOTS {
                    guard.at = b;
                    guard.slot = j;
                    // SAFETY: `b` is a bucket of old chain `i`; a live slot's
                    // key is initialised. The destination slot from
                    // `append_slot` is empty, so writing it leaks nothing, and
                    // the old slot is marked evacuated right after its entry
                    // was copied, so it is owned exactly once.
                    unsafe {
                        let t = at::top(b, j);
                        if t < MIN_TOPHASH {
                            at::set_top(b, j, EVACUATED_EMPTY);
                            continue;
                        }
                        let hash = hasher(&*at::key(b, j));
                        let d = hash as usize & new_mask;
                        let (db, dj) = guard.table.append_slot(d);
                        ptr::copy_nonoverlapping(at::key(b, j), at::key(db, dj), 1);
                        ptr::copy_nonoverlapping(at::val(b, j), at::val(db, dj), 1);
                        at::set_top(db, dj, t);
                        at::set_top(b, j, if d == i { EVACUATED_X } else { EVACUATED_Y });
                    }
                }
                // SAFETY: `b` is live; its link is null or the next bucket.
                b = unsafe { at::overflow(b) };
            }
            guard.slot = BUCKET_SLOTS;
            guard.at = ptr::null_mut();
            // Dropping the guard frees the chain and advances the mark.
            return;
        }
        self.after_evacuate(i);
    }

    /// After old bucket `i` is fully evacuated: advance the mark if it was
    /// at `i`.
    fn after_evacuate(&mut self, i: usize) {
        if self.old.as_ref().is_some_and(|o| o.nevacuate == i) {
            self.advance_mark();
        }
    }

    /// The first `EMPTY_REST` slot of destination chain `d`, linking a new
    /// overflow bucket when the chain is full. Appending there keeps
    /// invariants 2 and 3.
    fn append_slot(&mut self, d: usize) -> (*mut Bucket<K, V>, usize) {
        let cur = self.cur.as_ref().expect("resizing table has a current array");
        // SAFETY: `d` is masked by the current array's mask.
        let mut b = unsafe { cur.bucket(d) };
        loop {
            // SAFETY: `b` is a bucket of a live chain of the current array.
            unsafe {
                if let Some(j) = at::group(b).match_empty_rest().lowest() {
                    return (b, j);
                }
                let next = at::overflow(b);
                if next.is_null() {
                    return (self.new_overflow(b), 0);
                }
                b = next;
            }
        }
    }

    /// Go's `advanceEvacuationMark`: step past the bucket just evacuated and
    /// past up to `MARK_SCAN_LIMIT` more that writes already evacuated; when
    /// the mark passes the last old bucket the resize is over and the old
    /// array is freed.
    pub(crate) fn advance_mark(&mut self) {
        let Some(old) = self.old.as_mut() else { return };
        let n = old.arr.buckets();
        old.nevacuate += 1;
        let stop = (old.nevacuate + MARK_SCAN_LIMIT).min(n);
        // SAFETY: `nevacuate < stop <= n` inside the loop.
        while old.nevacuate < stop && unsafe { at::is_evacuated(old.arr.bucket(old.nevacuate)) } {
            old.nevacuate += 1;
        }
        if old.nevacuate == n {
            let old = self.old.take().expect("checked above");
            // SAFETY: every old bucket is evacuated: its entries moved and its
            // stand-alone overflow buckets were freed as it was evacuated.
            unsafe { old.arr.free() };
        }
    }
}

/// Completes an old bucket's evacuation, normally or while unwinding from a
/// panicking hasher.
struct Finish<'a, K, V> {
    table: &'a mut RawTable<K, V>,
    /// The old bucket's index and pointer.
    index: usize,
    head: *mut Bucket<K, V>,
    /// The bucket and slot being moved; null once every slot was handled.
    at: *mut Bucket<K, V>,
    slot: usize,
}

impl<K, V> Drop for Finish<'_, K, V> {
    fn drop(&mut self) {
        // Only while unwinding: the entries from `at/slot` on could not be
        // hashed, so their destination is unknown. Drop them (hashbrown does
        // the same) and mark the slots, keeping `count` exact.
        let mut b = self.at;
        let mut j = self.slot;
        while !b.is_null() {
            while j < BUCKET_SLOTS {
                // SAFETY: `b` is a bucket of the chain being evacuated; a slot
                // with a live tophash still owns its entry.
                unsafe {
                    if at::top(b, j) >= MIN_TOPHASH {
                        self.table.count -= 1;
                        at::set_top(b, j, EVACUATED_EMPTY);
                        super::drop_slot(super::Slot { head: self.head, bucket: b, index: j });
                    } else if at::top(b, j) < EVACUATED_X {
                        at::set_top(b, j, EVACUATED_EMPTY);
                    }
                }
                j += 1;
            }
            j = 0;
            // SAFETY: `b` is live.
            b = unsafe { at::overflow(b) };
        }
        let old = self.table.old.as_ref().expect("still resizing");
        // SAFETY: `head` is a main bucket of the old array; every entry of
        // its chain has been moved or dropped, so its stand-alone overflow
        // buckets hold nothing and can go.
        unsafe {
            let mut p = at::overflow(self.head);
            while !p.is_null() {
                let next = at::overflow(p);
                if !old.arr.contains(p) {
                    free_overflow(p);
                }
                p = next;
            }
            at::set_overflow(self.head, ptr::null_mut());
        }
        self.table.after_evacuate(self.index);
    }
}
