//! Growth shared by the writers: starting a resize (one CAS winner),
//! claiming old buckets with the `nevacuate` cursor, evacuating one old
//! bucket, ending the resize; and `clear`'s drain of replaced arrays.

use alloc::boxed::Box;
use std::sync::TryLockError;

use super::atomic::Ordering;
use super::bucket::{Bucket, BucketArray};
use super::reclaim::Guard;
use super::table::retire_entry;
use super::{b_for, Drain, Generation, RawSyncTable, Snap, State, CLAIM_TRIES, DRAIN_STEP, SEALED};
use super::{tophash, AtomicUsize, Group, MIN_TOPHASH};
use crate::types::{Event, Reason, ResizeKind};

impl<K, V> RawSyncTable<K, V> {
    /// Starts a resize of `s`'s array to `2^new_b` buckets, if `s` is still
    /// published, runs no resize, and this thread wins the `start_claimed`
    /// CAS. O(1) in the table size: one zeroed allocation, one state. The
    /// caller holds no bucket lock (the observer hears of the start).
    #[cold]
    #[inline(never)]
    pub(super) fn start_resize(
        &self,
        g: &Guard<'_>,
        s: Snap<'_, K, V>,
        new_b: u8,
        (kind, reason): (ResizeKind, Reason),
    ) -> bool {
        assert!(BucketArray::<K, V>::fits(new_b), "capacity overflow");
        if s.old().is_some()
            || s.progress.start_claimed.compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed).is_err()
        {
            return false;
        }
        let new = Box::into_raw(BucketArray::new(new_b, &self.unmapper));
        let next = State::boxed(new, s.current, s.generation, kind);
        let expected = s.ptr;
        match self.state.compare_exchange(expected, next, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => {
                self.counters.resizes.fetch_add(1, Ordering::Relaxed);
                // SAFETY: `s` was just unpublished by this CAS, which only
                // this thread won; it is boxed. Its arrays and generation
                // live on in `next`.
                unsafe { g.retire_box(expected) };
                self.emit(|| Event::ResizeStart {
                    kind,
                    reason,
                    old_b: s.current().b(),
                    new_b,
                    len: s.generation().total(),
                });
                true
            }
            Err(_) => {
                // A `clear` replaced `s`; nothing saw `next` or `new`.
                // SAFETY: both were made above and never published.
                unsafe {
                    drop(Box::from_raw(next));
                    drop(Box::from_raw(new));
                }
                false
            }
        }
    }

    /// Claims the old bucket at the cursor with a CAS and evacuates it; at
    /// most `CLAIM_TRIES` attempts, each failure a claim conflict. Once the
    /// cursor is past the end, takes one step of the sweep instead.
    /// Returns whether a bucket was claimed.
    pub(super) fn claim_one(&self, g: &Guard<'_>, s: Snap<'_, K, V>, hash_of: &impl Fn(&K) -> u64) -> bool {
        let old = s.old().expect("called during a resize");
        let old_len = old.len();
        for _ in 0..CLAIM_TRIES {
            let n = s.progress.nevacuate.load(Ordering::Acquire);
            if n >= old_len {
                return self.sweep_one(g, s, hash_of);
            }
            match s.progress.nevacuate.compare_exchange(n, n + 1, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => {
                    self.evacuate(g, s, n, hash_of);
                    return true;
                }
                Err(_) => {
                    self.counters.claim_conflicts.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        false
    }

    /// After the cursor: the buckets still unflagged are being evacuated by
    /// their claimers, or were left by an evacuation undone when the hasher
    /// panicked. Only in the second case does a resize need help to end:
    /// up to `CLAIM_TRIES` steps of a cyclic sweep evacuate the first
    /// unflagged bucket they land on (waiting for its lock if a claimer
    /// holds it). O(1) plus at most one chain.
    fn sweep_one(&self, g: &Guard<'_>, s: Snap<'_, K, V>, hash_of: &impl Fn(&K) -> u64) -> bool {
        if s.progress.abandoned.load(Ordering::Acquire) == 0 {
            return false;
        }
        let old = s.old().expect("called during a resize");
        for _ in 0..CLAIM_TRIES {
            let i = s.progress.sweep.fetch_add(1, Ordering::Relaxed) & old.mask();
            if !old.gate(i).is_evacuated(Ordering::Acquire) && self.evacuate(g, s, i, hash_of) {
                return true;
            }
        }
        false
    }

    /// Go's `evacuate` for one old bucket: copies each live entry into its
    /// bucket in the new array (hashing its key with `hash_of`, as Go
    /// does), sets the flag, which hands the entries' ownership to the
    /// copies (the chain's overflow buckets go with the old array), and ends
    /// the resize if
    /// this was the last bucket. Returns whether this call did the
    /// evacuation (false: done already). O(chain): one old chain, and no
    /// lock but its own. The caller holds no bucket lock (the observer
    /// hears of the overflow buckets linked, the evacuation and the end).
    ///
    /// If `hash_of` panics, the copies made so far are abandoned (the new
    /// chains of this old bucket are reset: no thread reads them before
    /// the flag is set) and the old bucket, still unflagged, keeps owning
    /// its entries.
    pub(super) fn evacuate(&self, g: &Guard<'_>, s: Snap<'_, K, V>, i: usize, hash_of: &impl Fn(&K) -> u64) -> bool {
        let old = s.old().expect("called during a resize");
        let new = s.current();
        let head = old.bucket(i);
        if old.prefetch {
            // Read once the head's slots are copied, if it is full: a line of
            // its own (`BucketArray`).
            old.prefetch_link(i);
        }
        let gate = old.gate(i);
        let lock = gate.lock();
        if gate.is_evacuated(Ordering::Relaxed) {
            return false;
        }
        let undo = Undo { new, i, old_len: old.len(), abandoned: &s.progress.abandoned };
        // The new buckets of old bucket `i`: those `j` with
        // `j & old_mask == i`. Taking the low bits from `i` keeps every copy
        // among them even for a `Hash` that is not a function of the key.
        let high = new.mask() & !old.mask();
        // Overflow buckets linked, for the observer: ones from chunks in the
        // low half, pooled ones in the high half (one register).
        let mut linked = 0u64;
        // No lock on the destinations: until old bucket `i` is flagged, this
        // thread (holding its lock) is the only one that may write its new
        // buckets, which start empty (invariant 6).
        if high & high.wrapping_sub(1) == 0 {
            // A doubling (two destinations) or a same-size resize (one:
            // `y` is `x` and never used): a cursor per destination.
            let mut x = Dest::new(new.bucket(i));
            let mut y = Dest::new(new.bucket(i | high));
            for_each_live(old, head, hash_of, |hash, src| {
                if hash as usize & high == 0 {
                    x.push(new, src, tophash(hash), self, &mut linked);
                } else {
                    y.push(new, src, tophash(hash), self, &mut linked);
                }
            });
            x.publish();
            y.publish();
        } else {
            // A `reserve` past the next doubling: any of `2^k` destinations.
            for_each_live(old, head, hash_of, |hash, src| {
                let dest = new.bucket((hash as usize & high) | i);
                append(new, dest, src, tophash(hash), self, &mut linked);
            });
        }
        undo.disarm();
        // Release: a reader or writer that sees the flag sees the entries in
        // the new array. From here the copies own the entries.
        gate.set_evacuated();
        drop(lock);
        let prev = s.progress.evacuated.fetch_add(1, Ordering::AcqRel);
        if prev & SEALED != 0 {
            // A `clear` unpublished the state and folded its count before
            // this evacuation finished (`Progress::seal_into`).
            self.counters.buckets_evacuated.fetch_add(1, Ordering::Release);
        }
        let done = (prev & !SEALED) + 1;
        let total = old.len();
        if self.observer.is_some() {
            self.emit_evacuated(new, linked, (old, head), i, (done, total));
        }
        if done == total {
            self.end_resize(g, s);
        }
        true
    }

    /// Publishes `s` without its old array and retires the old array and
    /// `s`. Fails harmlessly if a `clear` replaced `s` (the drain then owns
    /// the arrays).
    fn end_resize(&self, g: &Guard<'_>, s: Snap<'_, K, V>) {
        let next = State::boxed(s.current, core::ptr::null_mut(), s.generation, s.kind);
        let expected = s.ptr;
        match self.state.compare_exchange(expected, next, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => {
                s.progress.seal_into(&self.counters);
                // SAFETY: this CAS unpublished `s` and, with it, the last
                // reference to its old array, whose buckets are all flagged
                // and so own nothing (invariant 8). Both are boxed and
                // retired once, by the one thread whose CAS succeeded.
                unsafe {
                    g.retire_box(s.old);
                    g.retire_box(expected);
                }
                g.flush();
                // `s` is retired, but lives while `g` does.
                self.emit(|| Event::ResizeEnd { kind: s.kind, b: s.current().b(), len: s.generation().total() });
            }
            Err(_) => {
                // SAFETY: `next` was never published.
                drop(unsafe { Box::from_raw(next) });
            }
        }
    }

    /// Helps a resize under way: claims and evacuates up to `n` old
    /// buckets at the cursor, and drains cleared buckets. Returns the old
    /// buckets evacuated. O(n) chains.
    pub(crate) fn evacuate_some(&self, n: usize, hash_of: &impl Fn(&K) -> u64) -> usize {
        let g = self.guard();
        let mut moved = 0;
        for _ in 0..n {
            let s = self.state(&g);
            if s.old().is_none() {
                break;
            }
            if self.claim_one(&g, s, hash_of) {
                moved += 1;
            } else if s.progress.abandoned.load(Ordering::Relaxed) == 0 {
                // Nothing left to claim; the claimers finish the rest. (With
                // an undone evacuation the sweep goes on instead.)
                break;
            }
        }
        self.drain_some(&g);
        moved
    }

    /// Starts a resize to the size that holds `len + additional` entries,
    /// if it is larger than now and no resize runs (then it only helps the
    /// running one by one claim). Returns whether it started one.
    pub(crate) fn reserve(&self, additional: usize, hash_of: &impl Fn(&K) -> u64) -> bool {
        let g = self.guard();
        let s = self.state(&g);
        if s.old().is_some() {
            self.claim_one(&g, s, hash_of);
            return false;
        }
        let need = s.generation().total().saturating_add(additional);
        let b = b_for(need);
        b > s.current().b() && self.start_resize(&g, s, b, (ResizeKind::Reserve, Reason::Reserve))
    }

    /// Publishes an empty one-bucket state with a new generation (so `len`
    /// is 0 at once) and queues the replaced arrays for draining. O(1).
    pub(crate) fn clear(&self) {
        let g = self.guard();
        let generation = Generation::boxed();
        let fresh = State::boxed(
            Box::into_raw(BucketArray::new(0, &self.unmapper)),
            core::ptr::null_mut(),
            generation,
            ResizeKind::Double,
        );
        loop {
            let s = self.state(&g);
            let expected = s.ptr;
            if self.state.compare_exchange(expected, fresh, Ordering::SeqCst, Ordering::Relaxed).is_ok() {
                if s.old().is_some() {
                    s.progress.seal_into(&self.counters);
                }
                let mut q = match self.drains.lock() {
                    Ok(q) => q,
                    Err(poisoned) => poisoned.into_inner(),
                };
                q.push_back(Drain { arrays: [s.old, s.current], array: 0, next: 0 });
                self.drain_jobs.fetch_add(1, Ordering::Release);
                drop(q);
                // SAFETY: this CAS unpublished `s` and the last state that
                // referred to its generation (states of one generation
                // replace each other, and `clear` starts a new one); both
                // boxed, retired once by the CAS winner. The arrays now
                // belong to the drain job.
                unsafe {
                    g.retire_box(s.generation);
                    g.retire_box(expected);
                }
                break;
            }
        }
        self.drain_some(&g);
    }

    /// Drains up to `DRAIN_STEP` buckets of cleared arrays, if another
    /// thread is not draining. O(DRAIN_STEP chains).
    #[inline]
    pub(super) fn drain_some(&self, g: &Guard<'_>) {
        if self.drain_pending() {
            self.drain_queued(g);
        }
    }

    /// Whether a cleared array waits to be drained.
    #[inline]
    pub(super) fn drain_pending(&self) -> bool {
        self.drain_jobs.load(Ordering::Acquire) != 0
    }

    /// `drain_some` once a job is queued.
    #[cold]
    #[inline(never)]
    fn drain_queued(&self, g: &Guard<'_>) {
        let mut q = match self.drains.try_lock() {
            Ok(q) => q,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let mut budget = DRAIN_STEP;
        while budget > 0 {
            let Some(job) = q.front_mut() else { break };
            if job.array < 2 && job.arrays[job.array].is_null() {
                job.array += 1;
                continue;
            }
            if job.array == 2 {
                for arr in job.arrays {
                    if !arr.is_null() {
                        // SAFETY: every bucket of the array is flagged now
                        // (drained or evacuated), so it owns nothing; the job
                        // owned the array, and retires it once.
                        unsafe { g.retire_box(arr) };
                    }
                }
                g.flush();
                q.pop_front();
                self.drain_jobs.fetch_sub(1, Ordering::Release);
                continue;
            }
            // SAFETY: the job's arrays live until the job retires them above.
            let arr = unsafe { &*job.arrays[job.array] };
            if job.next == arr.len() {
                job.array += 1;
                job.next = 0;
                continue;
            }
            drain_bucket(g, arr, job.next);
            job.next += 1;
            budget -= 1;
        }
    }
}

/// Calls `f(hash, slot)` for each live slot of the chain `head`, whose lock
/// the caller holds, in chain order, hashing its key with `hash_of`.
#[inline]
fn for_each_live<K, V>(
    arr: &BucketArray<K, V>,
    head: Bucket<'_, K, V>,
    hash_of: &impl Fn(&K) -> u64,
    mut f: impl FnMut(u64, *const super::Entry<K, V>),
) {
    let mut b = Some(head);
    while let Some(bb) = b {
        let group = Group::load(&bb.tops(Ordering::Relaxed));
        for slot in group.match_full() {
            // SAFETY: a live slot seen under the chain's lock.
            let e = unsafe { bb.entry(slot) };
            f(hash_of(e.key()), bb.slot_ptr(slot).as_ptr());
        }
        // An unwritten slot ends the chain (invariant 9).
        b = if group.match_empty_rest().lowest().is_some() { None } else { bb.next(arr) };
    }
}

/// Where an evacuation writes next in one destination chain. The chain
/// starts empty and only this evacuation writes it until the old bucket is
/// flagged (invariant 6), so slots fill in order from the head without a
/// scan, and each bucket's tophash bytes are gathered in a register and
/// stored once.
struct Dest<'a, K, V> {
    b: Bucket<'a, K, V>,
    slot: usize,
    tops: u64,
}

impl<'a, K, V> Dest<'a, K, V> {
    fn new(b: Bucket<'a, K, V>) -> Self {
        Dest { b, slot: 0, tops: 0 }
    }

    /// Copies the entry at `src` (a live slot of the old chain being
    /// evacuated) with byte `top` into the next slot, linking an overflow
    /// bucket when the current one is full (counted in `linked` as in
    /// [`append`]).
    #[inline]
    fn push(
        &mut self,
        new: &'a BucketArray<K, V>,
        src: *const super::Entry<K, V>,
        top: u8,
        t: &RawSyncTable<K, V>,
        linked: &mut u64,
    ) {
        if self.slot == super::BUCKET_SLOTS {
            self.grow(new, src, top, t, linked);
            return;
        }
        // SAFETY: the slot is unwritten (the chain started empty and fills
        // in order) and this evacuation is its only writer; `src` is a live
        // slot of the chain whose lock the caller holds, and the copy is a
        // second owner only until the evacuation ends, when the flag makes
        // it the only one (or `Undo` forgets it).
        unsafe { self.b.copy_slot(self.slot, src) };
        self.tops |= u64::from(top) << (8 * self.slot);
        self.slot += 1;
    }

    /// `push` into a full bucket: publishes it and links an overflow bucket
    /// holding the entry.
    #[cold]
    #[inline(never)]
    fn grow(
        &mut self,
        new: &'a BucketArray<K, V>,
        src: *const super::Entry<K, V>,
        top: u8,
        t: &RawSyncTable<K, V>,
        linked: &mut u64,
    ) {
        self.publish();
        link_copy(new, self.b, src, top, t, linked);
        self.b = self.b.next(new).expect("an overflow bucket was just linked");
        self.slot = 1;
        self.tops = u64::from(top);
    }

    /// Stores the current bucket's gathered bytes.
    fn publish(&self) {
        if self.slot > 0 {
            self.b.publish_tops(self.tops);
        }
    }
}

/// Copies the entry at `src` with tophash `top` into the chain `dest` of
/// `new` (the caller holds the lock of `src`'s chain, the old bucket whose
/// evacuation is the only writer of `dest` until it is flagged):
/// its first unwritten slot, or a new overflow bucket, counted in `linked`
/// (ones from chunks in the low 32 bits, pooled ones in the high 32).
fn append<K, V>(
    new: &BucketArray<K, V>,
    dest: Bucket<'_, K, V>,
    src: *const super::Entry<K, V>,
    top: u8,
    t: &RawSyncTable<K, V>,
    linked: &mut u64,
) {
    let mut b = Some(dest);
    let mut tail = dest;
    while let Some(bb) = b {
        tail = bb;
        if let Some(i) = Group::load(&bb.tops(Ordering::Relaxed)).match_empty_rest().lowest() {
            // SAFETY: this evacuation is `dest`'s only writer (invariant 6:
            // no other thread writes it before the old bucket is flagged,
            // nor reads it) and the slot is unwritten; `src`
            // is a live slot of a chain whose lock the caller holds, and the
            // copy is a second owner only until the evacuation ends, when
            // the flag makes it the only one (or `Undo` forgets it).
            unsafe { bb.copy_slot(i, src) };
            bb.set_top(i, top, Ordering::Release);
            return;
        }
        b = bb.next(new);
    }
    link_copy(new, tail, src, top, t, linked);
}

/// Links a new overflow bucket after `tail`, the last bucket of a chain of
/// `new` that this evacuation alone writes, holding a copy of the entry at
/// `src` with byte `top`, and counts it in `linked` (ones from chunks in the
/// low 32 bits, pooled ones in the high 32).
fn link_copy<K, V>(
    new: &BucketArray<K, V>,
    tail: Bucket<'_, K, V>,
    src: *const super::Entry<K, V>,
    top: u8,
    t: &RawSyncTable<K, V>,
    linked: &mut u64,
) {
    t.link_overflow(new, tail, top, |b| {
        // SAFETY: the bucket is unpublished and its slot 0 unwritten; `src`
        // is a live slot of the chain whose lock the caller holds, and the
        // copy is a second owner only until the evacuation ends, when the
        // flag makes it the only one (or `Undo` forgets it).
        unsafe { b.copy_slot(0, src) }
    });
    *linked += if new.is_pooled(tail.link(new, Ordering::Relaxed)) { 1 << 32 } else { 1 };
}

/// Undoes a half-done evacuation of old bucket `i` if a hasher panics: the
/// new chains that take its entries are reset to empty, their copies
/// forgotten (the old chain still owns the entries) and their overflow
/// buckets freed at once: nobody reads those chains before the old bucket
/// is flagged (invariant 6).
struct Undo<'a, K, V> {
    new: &'a BucketArray<K, V>,
    i: usize,
    old_len: usize,
    /// Counted, so that claims sweep for the bucket once the cursor is past.
    abandoned: &'a AtomicUsize,
}

impl<K, V> Undo<'_, K, V> {
    /// The evacuation completed: nothing to undo. Forgotten rather than
    /// dropped (it owns nothing), so the common path makes no call to
    /// `drop`.
    fn disarm(self) {
        core::mem::forget(self);
    }
}

impl<K, V> Drop for Undo<'_, K, V> {
    fn drop(&mut self) {
        for j in (self.i..self.new.len()).step_by(self.old_len) {
            let head = self.new.bucket(j);
            let lock = self.new.gate(j).lock();
            let mut b = head.next(self.new);
            head.set_link(self.new, 0);
            while let Some(bb) = b {
                b = bb.next(self.new);
                self.new.noverflow.fetch_sub(1, Ordering::Relaxed);
            }
            head.reset_tops();
            drop(lock);
        }
        self.abandoned.fetch_add(1, Ordering::Release);
    }
}

/// Drains bucket `i` of a cleared array: flags it and retires what it owns.
fn drain_bucket<K, V>(g: &Guard<'_>, arr: &BucketArray<K, V>, i: usize) {
    let (head, gate) = (arr.bucket(i), arr.gate(i));
    let lock = gate.lock();
    if gate.is_evacuated(Ordering::Relaxed) {
        return;
    }
    gate.set_evacuated();
    drop(lock);
    retire_entries(g, head);
    let mut b = head.next(arr);
    while let Some(bb) = b {
        retire_entries(g, bb);
        b = bb.next(arr);
    }
}

/// Retires the entries in the live slots of one bucket whose chain's flag
/// this thread has just set.
fn retire_entries<K, V>(g: &Guard<'_>, b: Bucket<'_, K, V>) {
    for (i, &t) in b.tops(Ordering::Relaxed).iter().enumerate() {
        if t >= MIN_TOPHASH {
            // SAFETY: the chain owned this live entry until its flag was set
            // by this thread (invariant 8), and the array is unpublished, so
            // only threads already inside can reach it; the flag-setter
            // retires it once.
            unsafe { retire_entry(g, b.entry(i)) };
        }
    }
}
