//! Lookups and the one write path (insert, overwrite, remove, and the
//! conditional writes behind `update`, `get_or_insert_with`, `compute`).

use alloc::boxed::Box;
use core::ptr::NonNull;

use super::atomic::Ordering;
use super::bucket::{with_byte, Bucket, BucketArray, Entry, GateLock};
use super::reclaim::Guard;
use super::reuse::{free, Clock};
use super::{tag, EntryRef, Expect, Find, Group, Outcome, RawSyncTable, Snap, State, Tag};
use crate::types::{Reason, ResizeKind};

/// Scans one chain for `hash` without a lock (a reader's scan): per bucket
/// one load of the tophash word and one compare of its eight bytes, then
/// the candidates' keys. A bucket holding an `EMPTY_REST` byte ends the
/// chain (slots are written in chain order and a chain gains an overflow
/// bucket only when every slot is written: invariant 9).
///
/// The head inline, its overflow buckets out of line (`scan_overflow`,
/// which reads the head's link itself). Variants that read or decoded the
/// link in the caller grew `find_map`'s frame; the compiler then copied
/// seize's thread handle through the stack twice on entering the
/// collector, and hits at 1M-8M keys ran 15 ns (25%) slower with the same
/// instruction and cache-miss counts (`docs/log.md`, session 16). Check
/// that entry sequence after changing this path.
#[inline]
fn scan<'g, K, V>(
    arr: &'g BucketArray<K, V>,
    head: Bucket<'g, K, V>,
    hash: u64,
    eq: &mut dyn FnMut(&K) -> bool,
) -> Option<&'g Entry<K, V>> {
    let want = tag(hash);
    match scan_bucket(head, want, eq) {
        Ok(found) => found,
        Err(()) => scan_overflow(arr, head, want, eq),
    }
}

/// One bucket of a reader's scan: `Ok` with the entry, or `Ok(None)` if the
/// chain ends here, or `Err` to go on to the next bucket.
#[inline(always)]
fn scan_bucket<'g, K, V>(
    b: Bucket<'g, K, V>,
    want: Tag,
    eq: &mut dyn FnMut(&K) -> bool,
) -> Result<Option<&'g Entry<K, V>>, ()> {
    let g = Group::load(&b.tops(Ordering::Acquire));
    for i in g.match_byte(want) {
        // SAFETY: the byte was seen live with an Acquire load.
        let e = unsafe { b.entry(i) };
        if eq(e.key()) {
            return Ok(Some(e));
        }
    }
    if g.match_empty_rest().lowest().is_some() {
        return Ok(None);
    }
    Err(())
}

/// The rest of `scan`, past a full head.
#[inline(never)]
fn scan_overflow<'g, K, V>(
    arr: &'g BucketArray<K, V>,
    head: Bucket<'g, K, V>,
    want: Tag,
    eq: &mut dyn FnMut(&K) -> bool,
) -> Option<&'g Entry<K, V>> {
    let mut b = head.next(arr);
    while let Some(bb) = b {
        if let Ok(found) = scan_bucket(bb, want, eq) {
            return found;
        }
        b = bb.next(arr);
    }
    None
}

/// What a write did (`Outcome` without its guard).
struct Done<K, V> {
    done: bool,
    found: Option<NonNull<Entry<K, V>>>,
    inserted: Option<NonNull<Entry<K, V>>>,
}

/// Where a locked probe found the key, and where a new entry would go.
struct Probe<'g, K, V> {
    found: Option<(Bucket<'g, K, V>, usize)>,
    empty: Option<(Bucket<'g, K, V>, usize)>,
    tail: Bucket<'g, K, V>,
    /// Whether the chain holds a dead slot (which Go would reuse).
    dead: bool,
    /// The first dead slot past its grace period (`reuse.rs`), in the found
    /// slot's bucket or after it if any; looked for when the write has an
    /// entry.
    reuse: Option<(Bucket<'g, K, V>, usize)>,
    /// Whether the chain has dead slots none of which was reusable.
    frustrated: bool,
    /// Whether the chain's stamp was found past its grace (`reuse.rs`).
    graced: bool,
}

impl<K, V> RawSyncTable<K, V> {
    /// The entry for `hash`/`eq` under guard `g`. Always inlined, so that
    /// each caller's `eq` is called directly rather than through `dyn`.
    #[inline(always)]
    pub(super) fn find_in<'g>(
        &self,
        g: &'g Guard<'_>,
        hash: u64,
        eq: &mut dyn FnMut(&K) -> bool,
    ) -> Option<&'g Entry<K, V>> {
        let s = self.state(g).get();
        if let Some(old) = s.old() {
            // SeqCst: the gate of invariant 8; a reader that sees it clear
            // may follow the old chain, whose entries are retired only
            // after it is set.
            if !old.gate_for(hash).is_evacuated(Ordering::SeqCst) {
                return scan(old, old.bucket_for(hash), hash, eq);
            }
        }
        let cur = s.current();
        let head = cur.bucket_for(hash);
        if cur.prefetch {
            head.prefetch_body();
        }
        scan(cur, head, hash, eq)
    }

    /// Calls `f` on the entry, if any: no allocation, no shared write.
    pub(crate) fn find_map<R>(
        &self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        f: impl FnOnce(&Entry<K, V>) -> R,
    ) -> Option<R> {
        let g = self.guard();
        self.find_in(&g, hash, &mut eq).map(f)
    }

    /// The entry, held by the guard it was found under.
    pub(crate) fn get(&self, hash: u64, mut eq: impl FnMut(&K) -> bool) -> Option<EntryRef<'_, K, V>> {
        let g = self.guard();
        let e = NonNull::from(self.find_in(&g, hash, &mut eq)?);
        // SAFETY: `e` was loaded under `g`, which moves into the reference.
        Some(unsafe { EntryRef::new(g, e) })
    }

    /// The write path. Under the lock of the key's bucket: find the key; if
    /// `expect` holds, write `new` in its place (a new slot, the old one
    /// killed), or remove it if `new` is `None`. During a resize it first
    /// claims and evacuates at most two old buckets at the cursor (hashing
    /// their keys with `hash_of`), then writes in the key's old chain if it
    /// is not evacuated yet; it drains at most `DRAIN_STEP` cleared
    /// buckets; after inserting a new key it may start a resize.
    ///
    /// O(1) average: one chain under its lock, plus at most two old chains
    /// evacuated and two cleared buckets drained.
    ///
    /// Inlined into each caller, with the commonest writes finished in the
    /// chain's head (see `short_write`); everything else goes out of line
    /// (`help`, `write_locked`). When the whole path was one out-of-line
    /// function its fixed part ran 125 instructions a write, many of them
    /// spills of its 328-byte frame (`docs/log.md`, session 17).
    #[inline(always)]
    pub(crate) fn write(
        &self,
        hash: u64,
        mut find: impl Find<K>,
        expect: Expect,
        mut new: Option<Entry<K, V>>,
        hash_of: &impl Fn(&K) -> u64,
    ) -> Outcome<'_, K, V> {
        let g = self.guard();
        let done = loop {
            let s = self.state(&g);
            if s.old().is_some() || self.drain_pending() {
                // The key's lines first: the share of the resize is more
                // work than the core looks ahead, so asked for after it
                // their misses were waited for in full (if the share
                // evacuates the key's old bucket, they were loaded for
                // nothing).
                prefetch_home(s.get(), hash);
                self.help(&g, s, hash_of);
            }
            let arr = home(s.get(), hash);
            let head = arr.bucket_for(hash);
            if arr.prefetch {
                head.prefetch_body();
                // A full head's link is on a line of its own (`BucketArray`).
                arr.prefetch_link(hash as usize);
            }
            head.prefetch_header();
            let gate = arr.gate_for(hash);
            let lock = gate.lock();
            if gate.is_evacuated(Ordering::Acquire) {
                // Evacuated since we looked, or drained (the state we read
                // is stale). Start over from the published state.
                drop(lock);
                continue;
            }
            break match self.short_write(&g, s, head, lock, hash, &mut find, expect, &mut new) {
                Ok(done) => done,
                Err(lock) => self.write_locked(&g, s, arr, head, lock, hash, &mut find, expect, new),
            };
        };
        self.unmapper.unmap_some(super::UNMAP_BUDGET);
        Outcome { guard: g, done: done.done, found: done.found, inserted: done.inserted }
    }

    /// What a write during a resize or after a `clear` does first: claim
    /// and evacuate up to two old buckets at the cursor, and drain cleared
    /// buckets.
    ///
    /// Go's `growWork` evacuates the key's own old bucket first, then one
    /// at `nevacuate`. Here, as in the single-threaded engine, evacuation
    /// happens at the cursor only, and a key whose old bucket is not
    /// evacuated yet is written in its old chain: the key's bucket is a
    /// random one, three or more cache and TLB misses (old chain, two new
    /// heads) that the cursor's walk in address order does not pay
    /// (`docs/log.md`, session 24).
    #[inline(never)]
    fn help(&self, g: &Guard<'_>, s: Snap<'_, K, V>, hash_of: &impl Fn(&K) -> u64) {
        if s.old().is_some() && self.claim_one(g, s, hash_of) {
            self.claim_one(g, s, hash_of);
        }
        self.drain_some(g);
    }

    /// The commonest writes, in a few instructions under the chain's lock
    /// (released before any follow-up), or the lock back (nothing written)
    /// for the general probe. They all stay in the head: its byte matches
    /// are compared, the key is found or, if the head has an unwritten slot
    /// (then it is the whole chain, invariant 9), known absent, and a new
    /// entry goes in the head's first reusable dead slot, else its first
    /// unwritten one:
    ///
    /// * an insert of an absent key;
    /// * an overwrite, `update` or `compute` of an entry in the head: the
    ///   new slot is in the same bucket, so one store publishes it and
    ///   kills the old one;
    /// * a removal of a key in the head, or of a key known absent;
    /// * a write whose `expect` fails on what the head shows.
    ///
    /// Everything else (a full head with the key not in it, or with no slot
    /// for the new entry) takes `write_locked`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn short_write<'l>(
        &self,
        g: &Guard<'_>,
        s: Snap<'_, K, V>,
        head: Bucket<'_, K, V>,
        lock: GateLock<'l>,
        hash: u64,
        find: &mut impl Find<K>,
        expect: Expect,
        new: &mut Option<Entry<K, V>>,
    ) -> Result<Done<K, V>, GateLock<'l>> {
        let want = tag(hash);
        let word = Group::load(&head.tops(Ordering::Relaxed));
        let unwritten = word.match_empty_rest().lowest();
        // The key's live slot in the head, if any.
        let mut found = None;
        for i in word.match_byte(want) {
            // SAFETY: a live byte seen under the chain's lock.
            if is_key(find, unsafe { head.entry(i) }.key(), new.as_ref()) {
                found = Some(i);
                break;
            }
        }
        if found.is_none() && unwritten.is_none() {
            // The key may be further down the chain.
            return Err(lock);
        }
        let prev = found.map(|i| head.slot_ptr(i));
        if !expect.holds(prev) {
            drop(lock);
            return Ok(Done { done: false, found: prev, inserted: None });
        }
        let Some(n) = new.take() else {
            // A removal.
            if let Some(i) = found {
                self.clock.kill(&lock, head, i, None);
                s.count(g, usize::MAX);
            }
            drop(lock);
            if let Some(p) = prev {
                // SAFETY: as for `write_locked`'s found slot.
                unsafe { retire_entry(g, p.as_ref()) };
            }
            return Ok(Done { done: true, found: prev, inserted: None });
        };
        // A reusable dead slot comes before the first unwritten one
        // (invariant 9) and keeps the chain short.
        let (reuse, graced) = self.clock.reusable(&lock, word);
        let e = match unwritten {
            _ if reuse != 0 => reuse.trailing_zeros() as usize,
            Some(free) => free,
            None => {
                *new = Some(n);
                return Err(lock);
            }
        };
        // SAFETY: the lock is held and slot `e` is unwritten, or dead and
        // past its grace period (`reuse.rs`).
        unsafe { head.write_slot(e, n) };
        let len = match found {
            Some(i) => {
                self.clock.kill(&lock, head, i, Some((e, want.byte())));
                None
            }
            None => {
                publish(head, e, want.byte(), graced);
                Some(s.count(g, 1))
            }
        };
        drop(lock);
        if reuse == 0 && Clock::dead(word) != 0 {
            self.clock.maybe_tick(g, hash);
        }
        if let Some(p) = prev {
            // SAFETY: as for `write_locked`'s found slot.
            unsafe { retire_entry(g, p.as_ref()) };
        }
        if let Some(len) = len.filter(|&l| l > s.current().grow_at) {
            self.maybe_grow(g, s, len, false);
        }
        Ok(Done { done: true, found: prev, inserted: Some(head.slot_ptr(e)) })
    }

    /// The rest of `write` under the chain's lock: the general probe of the
    /// whole chain, then the write if `expect` holds.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn write_locked(
        &self,
        g: &Guard<'_>,
        s: Snap<'_, K, V>,
        arr: &BucketArray<K, V>,
        head: Bucket<'_, K, V>,
        lock: GateLock<'_>,
        hash: u64,
        find: &mut dyn Find<K>,
        expect: Expect,
        mut new: Option<Entry<K, V>>,
    ) -> Done<K, V> {
        let want = tag(hash);
        let top = want.byte();
        let p = probe(arr, head, want, find, new.as_ref(), (&self.clock, &lock));
        // A found slot is live, seen under the lock, and its array (or
        // overflow bucket) lives while `g` does.
        let previous = p.found.map(|(b, i)| b.slot_ptr(i));
        if !expect.holds(previous) {
            drop(lock);
            return Done { done: false, found: previous, inserted: None };
        }
        // An overflow bucket that the grace period cost: Go would have
        // reused the chain's dead slot, or overwritten in place.
        let target = p.reuse.or(p.empty);
        let dead_link = target.is_none() && new.is_some() && (p.dead || p.found.is_some());
        // A write that met dead slots it could not reuse may move the
        // clock (after the unlock): on every `tick_every`th link they
        // cost, else on a sample of hashes (`reuse.rs`).
        let frustrated = new.is_some() && p.reuse.is_none() && p.frustrated;
        let mut tick_now = false;
        if dead_link {
            let links = arr.dead_overflow.fetch_add(1, Ordering::Relaxed) + 1;
            tick_now = frustrated && links.is_multiple_of(arr.tick_every);
        }
        let inserted = new.take().map(|n| self.put(arr, &lock, &p, target, top, n));
        let grown_len = match (p.found, inserted) {
            (Some((fb, fi)), None) => {
                self.clock.kill(&lock, fb, fi, None);
                s.count(g, usize::MAX);
                None
            }
            (None, Some(_)) => Some(s.count(g, 1)),
            _ => None,
        };
        drop(lock);
        if tick_now {
            self.clock.tick(g);
        } else if frustrated {
            self.clock.maybe_tick(g, hash);
        }
        if let Some(prev) = previous {
            // SAFETY: the slot was killed above under the lock, by this
            // write only; its chain owned the entry (invariant 8), and it
            // is initialised because it was live.
            unsafe { retire_entry(g, prev.as_ref()) };
        }
        if grown_len.is_some() || dead_link {
            // Both mean `put` ran; with no slot to write it linked an
            // overflow bucket after the probe's tail (links are written
            // once, so it is still the tail's next).
            let linked = target.is_none();
            if linked {
                self.emit_overflow(arr, p.tail);
            }
            self.maybe_grow(g, s, grown_len.unwrap_or_else(|| s.generation().total()), linked);
        }
        // Both slots stay readable while `g` lives: the found one is
        // retired through `g`, the new one published under it.
        Done { done: true, found: previous, inserted }
    }

    /// Writes `n` into `target`, the probed chain's first reusable or
    /// unwritten slot (or, if `None`, a new overflow bucket) and publishes
    /// it; if the probe found the key, kills that slot after, in the same
    /// store when both are in one bucket, so a reader never misses the key
    /// (the target is in the found slot's bucket or after it: `probe`).
    /// The caller holds the chain's lock. Returns the new slot.
    fn put(
        &self,
        arr: &super::BucketArray<K, V>,
        lock: &GateLock<'_>,
        p: &Probe<'_, K, V>,
        target: Option<(Bucket<'_, K, V>, usize)>,
        top: u8,
        n: Entry<K, V>,
    ) -> NonNull<Entry<K, V>> {
        match target {
            Some((eb, ei)) => {
                // SAFETY: the lock is held and the slot is unwritten, or
                // dead and past its grace period (`probe`, `reuse.rs`).
                unsafe { eb.write_slot(ei, n) };
                match p.found {
                    Some((fb, fi)) if eb.same(fb) => self.clock.kill(lock, fb, fi, Some((ei, top))),
                    found => {
                        publish(eb, ei, top, p.graced);
                        if let Some((fb, fi)) = found {
                            self.clock.kill(lock, fb, fi, None);
                        }
                    }
                }
                eb.slot_ptr(ei)
            }
            None => {
                let slot = self.link_overflow(arr, p.tail, top, |b| {
                    // SAFETY: the bucket is unpublished and its slot 0 unwritten.
                    unsafe { b.write_slot(0, n) }
                });
                if let Some((fb, fi)) = p.found {
                    self.clock.kill(lock, fb, fi, None);
                }
                slot
            }
        }
    }

    /// Appends a new overflow bucket to the chain ending in `tail` (whose
    /// lock the caller holds through the chain's head), its first slot
    /// filled by `fill` and given byte `top`. Returns that slot.
    pub(super) fn link_overflow(
        &self,
        arr: &BucketArray<K, V>,
        tail: Bucket<'_, K, V>,
        top: u8,
        fill: impl FnOnce(Bucket<'_, K, V>),
    ) -> NonNull<Entry<K, V>> {
        let link = arr.alloc_overflow();
        // Fresh and not yet published: this thread is its only writer.
        let obr = arr.overflow(link);
        fill(obr);
        obr.set_top(0, top, Ordering::Relaxed);
        // Release: publishes the bucket's contents with the link.
        tail.set_link(arr, link);
        arr.noverflow.fetch_add(1, Ordering::Relaxed);
        obr.slot_ptr(0)
    }

    /// Go 1.19's triggers, after an insert of a new key made `len` entries,
    /// plus one of this engine's own: a same-size resize once dead slots
    /// have cost an eighth as many overflow buckets as the array has
    /// buckets (dead slots are reused only after a grace period, none while
    /// a guard is held, so churn could otherwise lengthen chains until Go's
    /// overflow trigger), reported to the observer as
    /// [`Reason::TooManyOverflow`].
    ///
    /// The overflow counts change only when a write links an overflow
    /// bucket (`linked`), and that write reads them after its own increment,
    /// so only it tests them (Go tests on every insert). One linked while a
    /// resize ran is tested at the array's next link.
    fn maybe_grow(&self, g: &Guard<'_>, s: Snap<'_, K, V>, len: usize, linked: bool) {
        if s.old().is_some() {
            return;
        }
        let cur = s.current();
        let b = cur.b();
        if len > cur.grow_at {
            self.start_resize(g, s, b + 1, (ResizeKind::Double, Reason::LoadFactor));
        } else if linked
            && (cur.noverflow.load(Ordering::Relaxed) >= cur.len()
                || cur.dead_overflow.load(Ordering::Relaxed) >= cur.dead_at)
        {
            self.start_resize(g, s, b, (ResizeKind::SameSize, Reason::TooManyOverflow));
        }
    }
}

/// The array holding `hash`'s chain in state `st`: the old one while the
/// key's old bucket is not evacuated (the cursor's evacuation moves it
/// later), else the current one.
#[inline(always)]
fn home<K, V>(st: &State<K, V>, hash: u64) -> &BucketArray<K, V> {
    match st.old() {
        Some(old) if !old.gate_for(hash).is_evacuated(Ordering::Acquire) => old,
        _ => st.current(),
    }
}

/// Starts loading the lines a write of `hash` in state `st` reads first:
/// its [`home`] chain's head header, and body and link where the array
/// prefetches them (`BucketArray::prefetch`).
#[cold]
#[inline(never)]
fn prefetch_home<K, V>(st: &State<K, V>, hash: u64) {
    let arr = home(st, hash);
    let head = arr.bucket_for(hash);
    head.prefetch_header();
    if arr.prefetch {
        head.prefetch_body();
        arr.prefetch_link(hash as usize);
    }
}

/// The locked probe of a chain: the key's live slot, the chain's first
/// unwritten slot (unwritten slots come last: invariant 9), its first
/// reusable dead slot (in the key's bucket or after it, for an overwrite)
/// and its last bucket. Stops at the first `EMPTY_REST`, or at the key
/// when there is nothing to write.
#[inline]
fn probe<'g, K, V>(
    arr: &'g BucketArray<K, V>,
    head: Bucket<'g, K, V>,
    want: Tag,
    find: &mut dyn Find<K>,
    new: Option<&Entry<K, V>>,
    (clock, lock): (&Clock, &GateLock<'_>),
) -> Probe<'g, K, V> {
    let mut p =
        Probe { found: None, empty: None, tail: head, dead: false, reuse: None, frustrated: false, graced: false };
    let mut bb = head;
    loop {
        p.tail = bb;
        let g = Group::load(&bb.tops(Ordering::Relaxed));
        // Slots before the first unwritten one are written (invariant 9),
        // so the key's byte and dead bytes can only be there.
        let dead = Clock::dead(g);
        p.dead |= dead != 0;
        let reuse = if new.is_some() {
            let (reuse, graced) = clock.reusable(lock, g);
            p.graced |= graced;
            reuse
        } else {
            0
        };
        p.frustrated |= dead != 0 && reuse == 0;
        if p.found.is_none() {
            for i in g.match_byte(want) {
                // SAFETY: a live byte seen under the chain's lock.
                let e = unsafe { bb.entry(i) };
                if is_key(find, e.key(), new) {
                    p.found = Some((bb, i));
                    if new.is_none() {
                        // A removal needs nothing past the key.
                        return p;
                    }
                    // An overwrite's new slot must be in the same bucket
                    // (one store publishes it and kills the old one) or
                    // after it, so that a forward walk cannot miss the key.
                    p.reuse = None;
                    break;
                }
            }
        }
        if p.reuse.is_none() && reuse != 0 {
            p.reuse = Some((bb, reuse.trailing_zeros() as usize));
        }
        if let Some(i) = g.match_empty_rest().lowest() {
            p.empty = Some((bb, i));
            return p;
        }
        match bb.next(arr) {
            Some(n) => bb = n,
            None => return p,
        }
    }
}

/// Publishes slot `i` of `b` with byte `top`; with `graced` (the chain's
/// stamp is past its grace), also turns the bucket's other `EMPTY_ONE`
/// slots `FREE`, in the same store (`reuse.rs`). The caller holds the lock.
#[inline]
fn publish<K, V>(b: Bucket<'_, K, V>, i: usize, top: u8, graced: bool) {
    if graced {
        let w = free(b.word(Ordering::Relaxed));
        b.store_word(with_byte(w, i, top), Ordering::Release);
    } else {
        b.set_top(i, top, Ordering::Release);
    }
}

/// Whether `stored` is the key a write looks for.
#[inline]
fn is_key<K, V>(find: &mut (impl Find<K> + ?Sized), stored: &K, new: Option<&Entry<K, V>>) -> bool {
    find.is_key(stored, new.map(Entry::key))
}

/// Hands a killed slot's entry to the collector: its key and value are
/// dropped once no thread that could still read the slot is active. An
/// entry without drop glue needs nothing (its bytes stay in the dead slot
/// until the array goes).
///
/// # Safety
///
/// `e` is a slot this thread has just killed (or flagged the chain of),
/// whose entry its chain owned; it is handed over once.
pub(super) unsafe fn retire_entry<K, V>(g: &Guard<'_>, e: &Entry<K, V>) {
    if core::mem::needs_drop::<Entry<K, V>>() {
        let mut owned = Box::new(Dead(core::mem::MaybeUninit::<Entry<K, V>>::uninit()));
        // SAFETY: the slot is dead and owned by nobody now, so this copy of
        // its bytes becomes the one owner; the slot's own bytes are never
        // dropped (invariant 8), and readers may go on reading them until
        // the collector drops the copy, after they leave. Copied as
        // `MaybeUninit` (untyped), so pointers inside keep the provenance
        // the readers use.
        unsafe { core::ptr::copy_nonoverlapping(core::ptr::from_ref(e).cast(), &raw mut owned.0, 1) };
        // SAFETY: a fresh box, retired once, reachable by nobody else.
        unsafe { g.retire_box(Box::into_raw(owned)) };
    }
}

/// A killed entry owned by the collector: dropped in place when reclaimed.
struct Dead<K, V>(core::mem::MaybeUninit<Entry<K, V>>);

impl<K, V> Drop for Dead<K, V> {
    fn drop(&mut self) {
        // SAFETY: only `retire_entry` makes a `Dead`, initialised from a
        // live entry that nothing else drops.
        unsafe { self.0.assume_init_drop() }
    }
}
