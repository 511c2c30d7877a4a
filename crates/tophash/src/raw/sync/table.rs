//! Lookups and the one write path (insert, overwrite, remove, and the
//! conditional writes behind `update`, `get_or_insert_with`, `compute`).

use alloc::boxed::Box;

use super::atomic::Ordering;
use super::bucket::{Bucket, Entry};
use super::reclaim::Guard;
use super::{over_load, tophash, EntryRef, Expect, Find, Group, Outcome, RawSyncTable, Snap, Tag};
use super::{EMPTY_ONE, EMPTY_REST, MIN_TOPHASH};
use crate::types::ResizeKind;

/// Scans one chain for `hash` without a lock (a reader's scan): per bucket
/// one load of the tophash word and one compare of its eight bytes, then
/// the candidates' entries. A bucket holding an `EMPTY_REST` byte ends the
/// chain (a chain gains an overflow bucket only when it has no empty slot,
/// and no live slot follows an `EMPTY_REST`: invariant 9).
fn scan<'g, K, V>(head: &'g Bucket<K, V>, hash: u64, eq: &mut dyn FnMut(&K) -> bool) -> Option<&'g Entry<K, V>> {
    let want = Tag::splat(tophash(hash));
    let mut b = Some(head);
    while let Some(bb) = b {
        let g = Group::load(&bb.tops(Ordering::Acquire));
        for i in g.match_byte(want) {
            if let Some(e) = bb.entry(i) {
                if e.hash() == hash && eq(e.key()) {
                    return Some(e);
                }
            }
        }
        if g.match_empty_rest().lowest().is_some() {
            return None;
        }
        b = bb.next();
    }
    None
}

/// Where a locked probe found the key, and where a new entry would go.
struct Probe<'g, K, V> {
    found: Option<(&'g Bucket<K, V>, usize)>,
    empty: Option<(&'g Bucket<K, V>, usize)>,
    tail: &'g Bucket<K, V>,
}

impl<K, V> RawSyncTable<K, V> {
    /// The entry for `hash`/`eq` under guard `g`.
    pub(super) fn find_in<'g>(
        &self,
        g: &'g Guard<'_>,
        hash: u64,
        eq: &mut dyn FnMut(&K) -> bool,
    ) -> Option<&'g Entry<K, V>> {
        let s = self.state(g).get();
        if let Some(old) = s.old() {
            let ob = old.bucket_for(hash);
            // SeqCst: the gate of invariant 8; a reader that sees it clear
            // may follow the old chain, whose overflow buckets are retired
            // only after it is set.
            if !ob.evacuated.load(Ordering::SeqCst) {
                return scan(ob, hash, eq);
            }
        }
        scan(s.current().bucket_for(hash), hash, eq)
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

    /// The entry, held by a guard of its own.
    pub(crate) fn get(&self, hash: u64, mut eq: impl FnMut(&K) -> bool) -> Option<EntryRef<'_, K, V>> {
        let g = self.guard();
        let e = self.find_in(&g, hash, &mut eq)?;
        // SAFETY: `e` was loaded under `g`, which is alive; the new guard
        // nests inside it on this thread.
        Some(unsafe { EntryRef::new(self.guard(), e) })
    }

    /// An entry reference that outlives `g`.
    fn hold(&self, _g: &Guard<'_>, e: &Entry<K, V>) -> EntryRef<'_, K, V> {
        // SAFETY: callers pass entries loaded (or published) under `_g`,
        // which is alive; the new guard nests inside it.
        unsafe { EntryRef::new(self.guard(), e) }
    }

    /// The write path. Under the lock of the key's bucket: find the key; if
    /// `expect` holds, put `new` in its place (or remove it if `new` is
    /// `None`). During a resize it first evacuates the key's old bucket and
    /// claims at most one more; it drains at most `DRAIN_STEP` cleared
    /// buckets; after inserting a new key it may start a resize.
    ///
    /// O(1) average: one chain under its lock, plus at most two old chains
    /// evacuated and two cleared buckets drained.
    pub(crate) fn write(
        &self,
        hash: u64,
        mut find: Find<'_, K>,
        expect: Expect,
        new: Option<Box<Entry<K, V>>>,
    ) -> Outcome<'_, K, V> {
        let g = self.guard();
        let top = tophash(hash);
        loop {
            let s = self.state(&g);
            if s.old().is_some() {
                self.evacuate_for(&g, s, hash);
                self.claim_one(&g, s);
            }
            self.drain_some(&g);
            let arr = s.current();
            let head = arr.bucket_for(hash);
            let lock = head.lock();
            if head.evacuated.load(Ordering::Acquire) {
                // The state we read is stale: this bucket was evacuated or
                // drained. Start over from the published state.
                drop(lock);
                continue;
            }
            let p = probe(head, hash, top, &mut find, new.as_deref());
            // The raw pointer as stored: what a retire frees.
            let current = p.found.map(|(b, i)| (b, i, b.slots[i].load(Ordering::Relaxed)));
            let ok = match (expect, current) {
                (Expect::Any, _) => true,
                (Expect::Absent, c) => c.is_none(),
                (Expect::Present(id), Some((_, _, e))) => e as usize == id,
                (Expect::Present(_), None) => false,
            };
            if !ok {
                drop(lock);
                // SAFETY: a found slot holds a published entry, loaded under
                // `g` (invariant 2).
                return Outcome::Mismatch { current: current.map(|(_, _, e)| self.hold(&g, unsafe { &*e })) };
            }
            let gen = s.generation();
            let (previous, inserted, grown_len) = match (current, new) {
                (Some((b, i, e)), Some(n)) => {
                    let n = Box::into_raw(n);
                    b.slots[i].store(n, Ordering::Release);
                    // SAFETY: `n` was just published under `g`.
                    (Some(e), Some(unsafe { &*n }), None)
                }
                (Some((b, i, e)), None) => {
                    b.set_top(i, EMPTY_ONE, Ordering::Release);
                    b.slots[i].store(core::ptr::null_mut(), Ordering::Release);
                    gen.len.fetch_sub(1, Ordering::Relaxed);
                    (Some(e), None, None)
                }
                (None, Some(n)) => {
                    let n = Box::into_raw(n);
                    match p.empty {
                        Some((b, i)) => {
                            b.slots[i].store(n, Ordering::Release);
                            b.set_top(i, top, Ordering::Release);
                        }
                        None => self.link_overflow(arr, p.tail, n, top),
                    }
                    let len = gen.len.fetch_add(1, Ordering::Relaxed) + 1;
                    // SAFETY: `n` was just published under `g`.
                    (None, Some(unsafe { &*n }), Some(len))
                }
                (None, None) => (None, None, None),
            };
            drop(lock);
            // SAFETY: a found slot holds a published entry, loaded under `g`.
            let previous = previous.map(|p| (p, unsafe { &*p }));
            if let Some((prev, _)) = previous {
                // SAFETY: `prev` was unlinked under the lock above (its slot
                // now holds another pointer or null); its owner was this
                // chain (invariant 8), and only this write unlinked it.
                unsafe { g.retire_box(prev) };
            }
            if let Some(len) = grown_len {
                self.maybe_grow(&g, s, len);
            }
            self.unmapper.unmap_some(super::UNMAP_BUDGET);
            return Outcome::Done {
                previous: previous.map(|(_, e)| self.hold(&g, e)),
                inserted: inserted.map(|e| self.hold(&g, e)),
            };
        }
    }

    /// Appends a new overflow bucket holding `n` to the chain ending in
    /// `tail` (whose lock the caller holds through the chain's head).
    pub(super) fn link_overflow(
        &self,
        arr: &super::BucketArray<K, V>,
        tail: &Bucket<K, V>,
        n: *mut Entry<K, V>,
        top: u8,
    ) {
        let ob = Bucket::new();
        ob.slots[0].store(n, Ordering::Relaxed);
        ob.set_top(0, top, Ordering::Relaxed);
        // Release: publishes the bucket's contents with the link.
        tail.overflow.store(Box::into_raw(Box::new(ob)), Ordering::Release);
        arr.noverflow.fetch_add(1, Ordering::Relaxed);
    }

    /// Go 1.19's triggers, after an insert of a new key made `len` entries.
    fn maybe_grow(&self, g: &Guard<'_>, s: Snap<'_, K, V>, len: usize) {
        if s.old().is_some() {
            return;
        }
        let cur = s.current();
        let b = cur.b();
        if over_load(len, b) {
            self.start_resize(g, s, b + 1, ResizeKind::Double);
        } else if cur.noverflow.load(Ordering::Relaxed) >= cur.len() {
            self.start_resize(g, s, b, ResizeKind::SameSize);
        }
    }
}

/// The locked probe of a chain: the key's slot, the chain's first empty
/// slot, and its last bucket. Stops at the first `EMPTY_REST`.
fn probe<'g, K, V>(
    head: &'g Bucket<K, V>,
    hash: u64,
    top: u8,
    find: &mut Find<'_, K>,
    new: Option<&Entry<K, V>>,
) -> Probe<'g, K, V> {
    let mut p = Probe { found: None, empty: None, tail: head };
    let mut b = Some(head);
    'chain: while let Some(bb) = b {
        p.tail = bb;
        let tops = bb.tops(Ordering::Relaxed);
        for (i, &t) in tops.iter().enumerate() {
            if t < MIN_TOPHASH {
                if p.empty.is_none() {
                    p.empty = Some((bb, i));
                }
                if t == EMPTY_REST {
                    break 'chain;
                }
                continue;
            }
            if t != top {
                continue;
            }
            let Some(e) = bb.entry(i) else { continue };
            if e.hash() != hash {
                continue;
            }
            let hit = match find {
                Find::NewKey(eq) => eq(e.key(), new.expect("NewKey writes carry an entry").key()),
                Find::Query(eq) => eq(e.key()),
            };
            if hit {
                p.found = Some((bb, i));
                return p;
            }
        }
        b = bb.next();
    }
    p
}
