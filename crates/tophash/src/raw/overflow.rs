//! Overflow buckets: linking a new one into a chain (from the array's
//! preallocated pool, else a stand-alone allocation), the spare list of
//! emptied stand-alone buckets kept for reuse, and freeing chains.

use core::ptr;

use super::bucket::{self, alloc_overflow, header, ArrayView, BucketArray, BucketRef, Header};
use super::tophash::{BUCKET_SLOTS, EMPTY_REST};
use super::{OldArray, RawTable};
use crate::types::Event;

impl<K, V> RawTable<K, V> {
    /// Links a fresh empty overflow bucket after header `tail` (Go's
    /// `newoverflow`) and tells the observer.
    pub(crate) fn new_overflow(&mut self, tail: *mut Header) -> BucketRef<K, V> {
        let nb = self.link_overflow(tail);
        if self.observer.is_some() {
            let pooled = self.current.as_ref().is_some_and(|c| c.view.contains(nb.hdr));
            self.emit(Event::OverflowAlloc { pooled, overflow_buckets: self.noverflow });
        }
        nb
    }

    /// `new_overflow` without the observer, for evacuation, which must not
    /// run user code halfway through a bucket (see
    /// `grow::RawTable::finish_evacuation`): from the array's preallocated
    /// pool while it lasts, then stand-alone buckets, so the pool's share
    /// of the buckets linked since a point is told by `next_pool`.
    pub(super) fn link_overflow(&mut self, tail: *mut Header) -> BucketRef<K, V> {
        let cur = self.current.as_mut().expect("overflow needs an allocated table");
        let arr = cur.view;
        let nb = if self.next_pool < arr.len {
            // SAFETY: `next_pool < len`; pool buckets past `next_pool` are
            // unused and zeroed (invariant 7).
            let b = unsafe { arr.bucket(self.next_pool) };
            // Outside resizes and releases: their writes may make a memory
            // system call of their own (one a write at most; `release_step`).
            if self.old.is_none() && self.releasing.is_none() {
                cur.populate_pool(self.next_pool);
            }
            self.next_pool += 1;
            b
        } else {
            self.standalone += 1;
            BucketRef::standalone(self.take_spare().unwrap_or_else(alloc_overflow::<K, V>))
        };
        // SAFETY: `tail` is the last header of a live chain of `arr`.
        unsafe { arr.set_overflow(tail, nb.hdr) };
        self.noverflow += 1;
        self.sync_resize_state();
        nb
    }

    /// Links an overflow bucket after header `tail` of an old chain not yet
    /// evacuated, for an insert whose old chain is full (see the essay,
    /// *Evacuation at the mark only*): the old array's next unused pool
    /// bucket while it has one, else a stand-alone bucket. It is not one of
    /// the current array's overflow buckets, so `noverflow` (Go's trigger of
    /// a same-size growth) does not count it.
    ///
    /// The old pool first because its buckets go away with the array: with
    /// stand-alone buckets, the ones recycled as the mark passed them were
    /// freed near the resize's end, and glibc trimmed its heap in one
    /// 185 µs call (`endprobe`, 10M-key fill, the insert 6 before the end of
    /// the 2^20 → 2^21 doubling, reproducibly).
    pub(super) fn link_old_overflow(&mut self, tail: *mut Header) -> BucketRef<K, V> {
        let old = &mut self.old.as_mut().expect("an old chain needs an old array").arr;
        let view = old.view;
        let nb = if old.used < old.view.len {
            // SAFETY: `used < len`; pool buckets past `used` were never
            // handed out, so they are zero: empty, with no link.
            let b = unsafe { old.view.bucket(old.used) };
            old.used += 1;
            b
        } else {
            self.standalone += 1;
            BucketRef::standalone(self.take_spare().unwrap_or_else(alloc_overflow::<K, V>))
        };
        // SAFETY: `tail` is the last header of a live old chain.
        unsafe { view.set_overflow(tail, nb.hdr) };
        nb
    }

    /// A recycled stand-alone overflow bucket, reset to empty, if any.
    pub(super) fn take_spare(&mut self) -> Option<*mut Header> {
        if self.spare_list.is_null() {
            return None;
        }
        let h = self.spare_list;
        // SAFETY: spare buckets are live allocations owned by this table,
        // holding no entries; their links link the spare list.
        unsafe {
            self.spare_list = *header::standalone_link(h);
            (*h).tophash = [EMPTY_REST; BUCKET_SLOTS];
            *header::standalone_link(h) = ptr::null_mut();
        }
        self.spare_count -= 1;
        Some(h)
    }

    /// Keeps an emptied stand-alone overflow bucket for reuse, or frees it
    /// when the spare list already holds as many as are in use.
    ///
    /// # Safety
    /// `h` is a stand-alone overflow bucket of this table, unlinked from
    /// every chain, holding no entry that needs dropping.
    pub(crate) unsafe fn recycle(&mut self, h: *mut Header) {
        if self.spare_count < self.standalone {
            // SAFETY: per contract the bucket is ours and unused.
            unsafe { *header::standalone_link(h) = self.spare_list };
            self.spare_list = h;
            self.spare_count += 1;
        } else {
            // SAFETY: per contract.
            unsafe { bucket::free_overflow::<K, V>(h) };
        }
        // `standalone` just fell: keep invariant 11.
        while self.spare_count > self.standalone {
            let h = self.take_spare().expect("spare_count > 0");
            // SAFETY: taken from the spare list: ours, empty, unlinked.
            unsafe { bucket::free_overflow::<K, V>(h) };
        }
    }

    /// Frees the spare list.
    pub(crate) fn free_spare(&mut self) {
        while let Some(h) = self.take_spare() {
            // SAFETY: taken from the spare list: ours, empty, unlinked.
            unsafe { bucket::free_overflow::<K, V>(h) };
        }
    }
}

/// Calls `f` on the header of every stand-alone (not pooled) overflow
/// bucket of the chains of `arr`'s main buckets `from..`. Reads each link
/// before calling `f`, so `f` may free the bucket.
pub(super) fn for_each_standalone<K, V>(arr: ArrayView<K, V>, from: usize, mut f: impl FnMut(*mut Header)) {
    for i in from..arr.main {
        // SAFETY: `i` is a main bucket; links are null or live headers.
        let mut p = unsafe { arr.first_overflow(i) };
        while !p.is_null() {
            // SAFETY: `p` is a live header of the chain.
            let next = unsafe { arr.overflow(p) };
            if !arr.contains(p) {
                f(p);
            }
            p = next;
        }
    }
}

/// Frees the stand-alone overflow buckets of the chains of `arr`'s main
/// buckets `from..`. `standalone` is the table's count of them (invariant 10):
/// when it is 0 there is nothing to free and the walk is skipped. The walk
/// reads every head's header, so without this check dropping an *empty*
/// map that had reserved a huge, lazily mapped array (`try_reserve(1 << 40)`
/// where the OS overcommits) read terabytes of never-touched pages and took
/// minutes (regression test: `tests/hostile.rs`,
/// `dropping_a_huge_empty_reservation_is_cheap`).
///
/// # Safety
/// No live entry in those buckets still needs dropping, and the chains are
/// not walked again before their heads' links are reset.
pub(super) unsafe fn free_chains<K, V>(arr: ArrayView<K, V>, from: usize, standalone: usize) {
    if standalone == 0 {
        return;
    }
    // SAFETY: caller contract; each link is read before its bucket is freed.
    for_each_standalone(arr, from, |h| unsafe { bucket::free_overflow::<K, V>(h) });
}

/// # Safety
/// As for `free_chains`; `arr` is not used afterwards.
pub(super) unsafe fn free_array_and_chains<K, V>(arr: BucketArray<K, V>, standalone: usize) {
    // SAFETY: caller contract.
    unsafe {
        free_chains(arr.view, 0, standalone);
        arr.free();
    }
}

/// Frees an old array; buckets below its mark were evacuated, their chains
/// freed then, and their pages possibly released, so they are not walked.
///
/// # Safety
/// As for `free_chains`.
pub(super) unsafe fn free_old<K, V>(old: OldArray<K, V>, standalone: usize) {
    // SAFETY: caller contract.
    unsafe {
        free_chains(old.arr.view, old.nevacuate, standalone);
        old.arr.free();
    }
}
