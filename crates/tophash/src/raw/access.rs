//! The engine's safe surface: handles to slots and iterators whose lifetimes
//! carry the proof that a slot is live. The map layer builds std's API on
//! these without writing `unsafe`.

use core::marker::PhantomData;
use core::ptr;

use super::bucket::{header, ArrayView, BucketRef};
use super::iter::RawIter;
use super::tophash::{tag, Tag, BUCKET_SLOTS, EMPTY_REST};
use super::{RawProbe, RawTable, Slot, Vacancy};

impl<K, V> RawTable<K, V> {
    /// The entry matching `eq`, if any. Reads only; never moves a bucket.
    /// O(1) average.
    #[inline]
    pub(crate) fn get(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<(&K, &V)> {
        let s = self.find(hash, eq)?;
        // SAFETY: `find` returned a live slot of `self`, borrowed for the
        // returned lifetime.
        unsafe { Some((s.key(), s.val())) }
    }

    /// The entry matching `eq`, with its value mutable. Reads only.
    #[inline]
    pub(crate) fn get_mut(&mut self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<(&K, &mut V)> {
        let s = self.find(hash, eq)?;
        // SAFETY: live slot of `self`, which is mutably borrowed for the
        // returned lifetime, so the `&mut V` is unique.
        unsafe { Some((s.key(), s.val_mut())) }
    }

    /// The entry matching `eq`, with its key mutable (for `HashTable<T>`,
    /// whose elements are the keys). Reads only; never moves a bucket.
    ///
    /// A caller that changes the key so that it hashes differently breaks
    /// invariant 4 for that entry (it can then be missed by lookups and is
    /// moved by its new hash when evacuated), but not memory safety: every
    /// bucket index the engine computes is masked into its array, as it
    /// must be for a hasher that is not consistent.
    #[inline]
    pub(crate) fn get_key_mut(&mut self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<&mut K> {
        let s = self.find(hash, eq)?;
        // SAFETY: live slot of `self`, which is mutably borrowed for the
        // returned lifetime, so the `&mut K` is unique.
        unsafe { Some(s.key_mut()) }
    }

    /// The live slots of `N` lookups, checked pairwise distinct.
    ///
    /// # Panics
    /// If two of the lookups find the same entry.
    fn disjoint_slots<const N: usize>(
        &self,
        hashes: [u64; N],
        mut eq: impl FnMut(usize, &K) -> bool,
    ) -> [Option<Slot<K, V>>; N] {
        let slots: [Option<Slot<K, V>>; N] = core::array::from_fn(|i| self.find(hashes[i], |k| eq(i, k)));
        for (i, a) in slots.iter().enumerate() {
            for b in &slots[..i] {
                if let (Some(a), Some(b)) = (a, b) {
                    assert!(
                        a.bucket.hdr != b.bucket.hdr || a.index != b.index,
                        "get_disjoint_mut: duplicate keys found (two refer to the same entry)"
                    );
                }
            }
        }
        slots
    }

    /// `N` entries at once, by hash and per-index equality.
    ///
    /// # Panics
    /// If two of the lookups find the same entry.
    pub(crate) fn get_disjoint_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        eq: impl FnMut(usize, &K) -> bool,
    ) -> [Option<(&K, &mut V)>; N] {
        let slots = self.disjoint_slots(hashes, eq);
        // SAFETY: every slot is live in `self` (mutably borrowed for the
        // result's lifetime) and no two are the same, so the `&mut V` are
        // disjoint.
        slots.map(|s| s.map(|s| unsafe { (s.key(), s.val_mut()) }))
    }

    /// As [`get_disjoint_mut`](Self::get_disjoint_mut), with the keys
    /// mutable (see [`get_key_mut`](Self::get_key_mut)).
    ///
    /// # Panics
    /// If two of the lookups find the same entry.
    pub(crate) fn get_disjoint_key_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        eq: impl FnMut(usize, &K) -> bool,
    ) -> [Option<&mut K>; N] {
        let slots = self.disjoint_slots(hashes, eq);
        // SAFETY: as in `get_disjoint_mut`: distinct live slots of the
        // mutably borrowed `self`, so the `&mut K` are disjoint.
        slots.map(|s| s.map(|s| unsafe { s.key_mut() }))
    }

    /// Go's `mapassign`/`mapdelete` prologue: evacuate the two old buckets
    /// at the mark, then look for the key where its chain is (its old chain
    /// if that is not evacuated yet, else the current array's). O(1)
    /// average; moves at most two old buckets.
    #[inline]
    pub(crate) fn entry(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: impl Fn(&K) -> u64,
    ) -> Probe<'_, K, V> {
        // Without a `write_view` (a resize, a release, or no array yet) the
        // write first does its share of resize or release work, then reads
        // the current array.
        let arr = match self.write_view() {
            Some(steady) => steady,
            None => {
                self.prefetch_home(hash);
                self.grow_work(&hasher);
                match &self.current {
                    Some(cur) => self.home(cur.view, hash).0,
                    None => return Probe::Vacant(Vacant { table: self, hash, vac: Vacancy::NO_ARRAY }),
                }
            }
        };
        match self.probe_write(arr, hash, eq) {
            RawProbe::Found(slot) => Probe::Found(Occupied { table: self, slot }),
            RawProbe::Vacant(vac) => Probe::Vacant(Vacant { table: self, hash, vac }),
        }
    }

    /// Inserts a key the caller knows is absent (no key is compared): in
    /// the common case inline (`insert_unique_fast`), else as `entry` with
    /// an equality test that is never true, then its vacancy. O(1)
    /// average; moves at most two old buckets and may start a growth.
    #[inline]
    pub(crate) fn insert_unique(
        &mut self,
        hash: u64,
        key: K,
        val: V,
        hasher: impl Fn(&K) -> u64,
    ) -> Occupied<'_, K, V> {
        let (key, val) = match self.insert_unique_fast(hash, key, val) {
            Ok(slot) => return Occupied { table: self, slot },
            Err(kv) => kv,
        };
        match self.entry(hash, |_| false, &hasher) {
            Probe::Vacant(v) => v.insert(key, val, hasher),
            Probe::Found(_) => unreachable!("an equality test that is never true found an entry"),
        }
    }

    /// Iterates the live entries. O(buckets + len) in total.
    pub(crate) fn iter(&self) -> RefIter<'_, K, V> {
        RefIter { raw: RawIter::new(self), marker: PhantomData }
    }

    /// Iterates the live entries with mutable values.
    pub(crate) fn iter_mut(&mut self) -> MutIter<'_, K, V> {
        MutIter { raw: RawIter::new(self), marker: PhantomData }
    }

    /// Iterates the live keys, mutable (see [`get_key_mut`](Self::get_key_mut)).
    pub(crate) fn iter_keys_mut(&mut self) -> KeyMutIter<'_, K, V> {
        KeyMutIter { raw: RawIter::new(self), marker: PhantomData }
    }

    /// Iterates the live entries whose tophash byte is `hash`'s, in
    /// `hash`'s chain (in the old array while its old bucket is not
    /// evacuated): every entry whose hash may be `hash`, and few others.
    /// O(chain length); reads only.
    pub(crate) fn iter_hash(&self, hash: u64) -> HashIter<'_, K, V> {
        HashIter { cursor: HashCursor::new(self, hash), marker: PhantomData }
    }

    /// As [`iter_hash`](Self::iter_hash), with the keys mutable (see
    /// [`get_key_mut`](Self::get_key_mut)).
    pub(crate) fn iter_hash_keys_mut(&mut self, hash: u64) -> HashKeyMutIter<'_, K, V> {
        HashKeyMutIter { cursor: HashCursor::new(self, hash), marker: PhantomData }
    }

    /// Removes, lazily, the entries for which `pred` returns true.
    pub(crate) fn extract_if<F: FnMut(&K, &mut V) -> bool>(&mut self, pred: F) -> ExtractIf<'_, K, V, F> {
        self.extract_where(pred)
    }

    /// As [`extract_if`](Self::extract_if) for a predicate of any type,
    /// applied through an adapter by [`ExtractIf::next_where`] (the set's
    /// `FnMut(&T)`, kept unboxed).
    pub(crate) fn extract_where<F>(&mut self, pred: F) -> ExtractIf<'_, K, V, F> {
        ExtractIf { raw: RawIter::for_removal(self), table: self, pred }
    }
}

/// Result of [`RawTable::entry`].
pub(crate) enum Probe<'a, K, V> {
    Found(Occupied<'a, K, V>),
    Vacant(Vacant<'a, K, V>),
}

/// A live slot of a mutably borrowed table.
pub(crate) struct Occupied<'a, K, V> {
    table: &'a mut RawTable<K, V>,
    slot: Slot<K, V>,
}

impl<'a, K, V> Occupied<'a, K, V> {
    #[inline]
    pub(crate) fn key(&self) -> &K {
        // SAFETY: `slot` is live while `table` is borrowed by `self`.
        unsafe { self.slot.key() }
    }

    #[inline]
    pub(crate) fn get(&self) -> &V {
        // SAFETY: as in `key`.
        unsafe { self.slot.val() }
    }

    #[inline]
    pub(crate) fn get_mut(&mut self) -> &mut V {
        // SAFETY: live slot; `&mut self` makes the reference unique.
        unsafe { self.slot.val_mut() }
    }

    #[inline]
    pub(crate) fn into_key(self) -> &'a K {
        // SAFETY: live slot; the table stays borrowed for `'a` and `self` is
        // consumed, so only shared references to this key remain.
        unsafe { self.slot.key() }
    }

    #[inline]
    pub(crate) fn into_mut(self) -> &'a mut V {
        // SAFETY: live slot; the table stays mutably borrowed for `'a` and
        // `self` is consumed, so nothing else reaches this value.
        unsafe { self.slot.val_mut() }
    }

    /// The stored key, mutable (see [`RawTable::get_key_mut`]).
    #[inline]
    pub(crate) fn key_mut(&mut self) -> &mut K {
        // SAFETY: live slot; `&mut self` makes the reference unique.
        unsafe { self.slot.key_mut() }
    }

    /// The stored key, mutable for the table's borrow.
    #[inline]
    pub(crate) fn into_key_mut(self) -> &'a mut K {
        // SAFETY: as in `into_mut`, for the key.
        unsafe { self.slot.key_mut() }
    }

    /// Gives up the slot and returns the table's borrow.
    #[inline]
    pub(crate) fn into_table(self) -> &'a mut RawTable<K, V> {
        self.table
    }

    /// Replaces the stored key, returning the old one.
    #[inline]
    pub(crate) fn replace_key(&mut self, key: K) -> K {
        // SAFETY: live slot, uniquely borrowed; the caller passes an equal
        // key (same hash), so invariant 4 holds.
        unsafe { core::mem::replace(self.slot.key_mut(), key) }
    }

    /// Moves the value out and calls `f` with the key and it: a value `f`
    /// returns goes back into the same slot (the entry stays where it is);
    /// on `None` the entry is removed and its key handed back with the
    /// table. If `f` panics the entry is removed and its key dropped, and
    /// the table stays whole. O(1).
    pub(crate) fn replace_with(self, f: impl FnOnce(&K, V) -> Option<V>) -> Result<Self, (K, &'a mut RawTable<K, V>)> {
        /// The table and the slot whose value is out: dropped only while
        /// `f` unwinds, and then it removes the slot and drops its key.
        struct Out<'t, K, V> {
            table: &'t mut RawTable<K, V>,
            slot: Slot<K, V>,
        }
        impl<K, V> Drop for Out<'_, K, V> {
            fn drop(&mut self) {
                // SAFETY: the slot is live but its value was moved out (into
                // `f`); the key is moved out here and the slot forgotten.
                unsafe {
                    let key = ptr::read(self.slot.bucket.key(self.slot.index));
                    self.table.vacate(self.slot);
                    drop(key);
                }
            }
        }
        let Occupied { table, slot } = self;
        // SAFETY: the slot is live in `table`, borrowed for `'a`. Its value
        // is moved out; from here until it is written back or the slot is
        // vacated, `out` stands for the slot (its drop vacates it if `f`
        // unwinds), and nothing else reads it.
        let v = unsafe { ptr::read(slot.bucket.val(slot.index)) };
        let out = Out { table, slot };
        // SAFETY: the key is live and stays in place while `f` runs.
        let r = f(unsafe { slot.key() }, v);
        let out = core::mem::ManuallyDrop::new(out);
        // SAFETY: `out` is not dropped; its table reference moves out once.
        let table = unsafe { ptr::read(&out.table) };
        match r {
            Some(v) => {
                // SAFETY: the slot's value was moved out above; this puts
                // one back, so the slot is whole again.
                unsafe { slot.bucket.val(slot.index).write(v) };
                Ok(Occupied { table, slot })
            }
            None => {
                // SAFETY: the value is gone; the key moves out here, once,
                // and the slot is forgotten just after.
                let key = unsafe { ptr::read(slot.bucket.key(slot.index)) };
                // SAFETY: a live slot of `table` whose key and value were
                // both moved out.
                unsafe { table.vacate(slot) };
                table.maybe_auto_shrink();
                Err((key, table))
            }
        }
    }

    /// Removes the entry. O(1) (plus a walk along the chain when the
    /// removal empties an overflow bucket that ends it).
    #[inline]
    pub(crate) fn remove(self) -> (K, V) {
        // SAFETY: `slot` is live in `table` and nothing changed it since the
        // probe (the borrow was held).
        let kv = unsafe { self.table.remove(self.slot) };
        self.table.maybe_auto_shrink();
        kv
    }

    /// As [`remove`](Self::remove), also returning the table's borrow.
    #[inline]
    pub(crate) fn remove_in(self) -> ((K, V), &'a mut RawTable<K, V>) {
        // SAFETY: as in `remove`.
        let kv = unsafe { self.table.remove(self.slot) };
        self.table.maybe_auto_shrink();
        (kv, self.table)
    }
}

/// Where an absent key goes, in a mutably borrowed table.
pub(crate) struct Vacant<'a, K, V> {
    table: &'a mut RawTable<K, V>,
    hash: u64,
    vac: Vacancy<K, V>,
}

impl<'a, K, V> Vacant<'a, K, V> {
    /// Inserts the entry, first starting a growth if Go's triggers fire.
    #[inline]
    pub(crate) fn insert(self, key: K, val: V, hasher: impl Fn(&K) -> u64) -> Occupied<'a, K, V> {
        let slot = self.table.insert_vacant(self.hash, self.vac, key, val, hasher);
        Occupied { table: self.table, slot }
    }

    /// Gives up the vacancy and returns the table's borrow.
    #[inline]
    pub(crate) fn into_table(self) -> &'a mut RawTable<K, V> {
        self.table
    }
}

/// Shared iterator over a borrowed table's entries.
pub(crate) struct RefIter<'a, K, V> {
    raw: RawIter<K, V>,
    marker: PhantomData<(&'a K, &'a V)>,
}

impl<K, V> Clone for RefIter<'_, K, V> {
    fn clone(&self) -> Self {
        RefIter { raw: self.raw.clone(), marker: PhantomData }
    }
}

impl<'a, K, V> Iterator for RefIter<'a, K, V> {
    type Item = (&'a K, &'a V);

    #[inline]
    fn next(&mut self) -> Option<(&'a K, &'a V)> {
        let s = self.raw.next()?;
        // SAFETY: live slot of a table borrowed for `'a`.
        unsafe { Some((s.key(), s.val())) }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }

    #[inline]
    fn fold<B, F: FnMut(B, (&'a K, &'a V)) -> B>(self, init: B, mut f: F) -> B {
        // SAFETY: as in `next`.
        self.raw.fold(init, |acc, s| f(acc, unsafe { (s.key(), s.val()) }))
    }
}

/// Iterator over a mutably borrowed table's entries.
pub(crate) struct MutIter<'a, K, V> {
    raw: RawIter<K, V>,
    marker: PhantomData<(&'a K, &'a mut V)>,
}

impl<'a, K, V> MutIter<'a, K, V> {
    /// An iterator with nothing to yield (for `Default`).
    pub(crate) fn empty() -> Self {
        MutIter { raw: RawIter::new(&RawTable::new()), marker: PhantomData }
    }

    /// A shared view of what is left, for `Debug`.
    pub(crate) fn rest(&self) -> RefIter<'_, K, V> {
        RefIter::from_raw(self.raw.clone())
    }
}

impl<'a, K, V> Iterator for MutIter<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    #[inline]
    fn next(&mut self) -> Option<(&'a K, &'a mut V)> {
        let s = self.raw.next()?;
        // SAFETY: live slot of a table mutably borrowed for `'a`; each slot
        // is yielded once, so the `&mut V` are disjoint.
        unsafe { Some((s.key(), s.val_mut())) }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }

    #[inline]
    fn fold<B, F: FnMut(B, (&'a K, &'a mut V)) -> B>(self, init: B, mut f: F) -> B {
        // SAFETY: as in `next`.
        self.raw.fold(init, |acc, s| f(acc, unsafe { (s.key(), s.val_mut()) }))
    }
}

/// Iterator over a mutably borrowed table's keys, mutable.
pub(crate) struct KeyMutIter<'a, K, V> {
    raw: RawIter<K, V>,
    marker: PhantomData<(&'a mut K, &'a V)>,
}

impl<K, V> KeyMutIter<'_, K, V> {
    /// A shared view of what is left, for `Debug`.
    pub(crate) fn rest(&self) -> RefIter<'_, K, V> {
        RefIter::from_raw(self.raw.clone())
    }
}

impl<'a, K, V> Iterator for KeyMutIter<'a, K, V> {
    type Item = &'a mut K;

    #[inline]
    fn next(&mut self) -> Option<&'a mut K> {
        let s = self.raw.next()?;
        // SAFETY: live slot of a table mutably borrowed for `'a`; each slot
        // is yielded once, so the `&mut K` are disjoint.
        unsafe { Some(s.key_mut()) }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }

    #[inline]
    fn fold<B, F: FnMut(B, &'a mut K) -> B>(self, init: B, mut f: F) -> B {
        // SAFETY: as in `next`.
        self.raw.fold(init, |acc, s| f(acc, unsafe { s.key_mut() }))
    }
}

/// A position in one chain: the live slots whose tophash byte is a hash's
/// tag, bucket by bucket. Owns and borrows nothing; its wrappers hold the
/// table's borrow.
struct HashCursor<K, V> {
    arr: ArrayView<K, V>,
    head: *mut super::bucket::Header,
    /// The bucket being read; `None` once the chain is done.
    bucket: Option<BucketRef<K, V>>,
    /// Its matching slots not yet yielded, bit `i` for slot `i`.
    matches: u8,
    tag: Tag,
}

// SAFETY: a `HashCursor` is a position, like `RawIter`; the iterators that
// wrap it hold a `PhantomData` of what they hand out, which gives them
// std's `Send`/`Sync` bounds.
unsafe impl<K, V> Send for HashCursor<K, V> {}
// SAFETY: as above.
unsafe impl<K, V> Sync for HashCursor<K, V> {}

impl<K, V> HashCursor<K, V> {
    /// At the start of `hash`'s chain in `t`, where `find` would look.
    fn new(t: &RawTable<K, V>, hash: u64) -> Self {
        let top = tag(hash);
        let Some(cur) = t.current.as_ref() else {
            return HashCursor {
                arr: ArrayView::empty(),
                head: core::ptr::null_mut(),
                bucket: None,
                matches: 0,
                tag: top,
            };
        };
        let (arr, i) = t.home(cur.view, hash);
        // SAFETY: `home` returns a main bucket index of `arr`, an array of
        // `t` that lives while `t` is borrowed (the wrappers' contract).
        let b = unsafe { arr.bucket(i) };
        // SAFETY: `b` is a live bucket of `arr`.
        let matches = unsafe { header::group(b.hdr).match_byte(top).byte() };
        HashCursor { arr, head: b.hdr, bucket: Some(b), matches, tag: top }
    }

    /// The next matching live slot. The table must be unchanged since
    /// `new`.
    #[inline]
    fn next(&mut self) -> Option<Slot<K, V>> {
        loop {
            let b = self.bucket?;
            if self.matches != 0 {
                let index = self.matches.trailing_zeros() as usize;
                self.matches &= self.matches - 1;
                return Some(Slot { head: self.head, bucket: b, index });
            }
            // SAFETY: `b` is a live bucket of the chain; its link leads on
            // through the chain (invariant 2: nothing live follows an
            // `EMPTY_REST` last slot).
            unsafe {
                self.bucket = if header::top(b.hdr, BUCKET_SLOTS - 1) == EMPTY_REST { None } else { self.arr.next(b) };
                if let Some(n) = self.bucket {
                    self.matches = header::group(n.hdr).match_byte(self.tag).byte();
                }
            }
        }
    }
}

/// The entries of one chain whose tophash byte matches a hash's; from
/// [`RawTable::iter_hash`].
pub(crate) struct HashIter<'a, K, V> {
    cursor: HashCursor<K, V>,
    marker: PhantomData<(&'a K, &'a V)>,
}

impl<'a, K, V> Iterator for HashIter<'a, K, V> {
    type Item = (&'a K, &'a V);

    #[inline]
    fn next(&mut self) -> Option<(&'a K, &'a V)> {
        let s = self.cursor.next()?;
        // SAFETY: a matched (so live) slot of a table borrowed for `'a`.
        unsafe { Some((s.key(), s.val())) }
    }
}

/// As [`HashIter`], with the keys mutable; from
/// [`RawTable::iter_hash_keys_mut`].
pub(crate) struct HashKeyMutIter<'a, K, V> {
    cursor: HashCursor<K, V>,
    marker: PhantomData<(&'a mut K, &'a V)>,
}

impl<'a, K, V> Iterator for HashKeyMutIter<'a, K, V> {
    type Item = &'a mut K;

    #[inline]
    fn next(&mut self) -> Option<&'a mut K> {
        let s = self.cursor.next()?;
        // SAFETY: a live slot of a table mutably borrowed for `'a`; each
        // slot is yielded once, so the `&mut K` are disjoint.
        unsafe { Some(s.key_mut()) }
    }
}

/// Lazily removes the entries for which the predicate returns true; the
/// rest stay. Dropping it early keeps the entries not yet visited.
pub(crate) struct ExtractIf<'a, K, V, F> {
    table: &'a mut RawTable<K, V>,
    raw: RawIter<K, V>,
    pred: F,
}

impl<K, V, F> ExtractIf<'_, K, V, F> {
    /// Removes and returns the next entry for which `test(pred, key,
    /// value)` returns true: the stored predicate, called through an
    /// adapter, so a layer whose predicate has another signature (the
    /// set's `FnMut(&T)`) can keep it unboxed. The key is handed out
    /// mutable for `HashTable<T>`'s `FnMut(&mut T)` (see
    /// [`RawTable::get_key_mut`]).
    #[inline]
    pub(crate) fn next_where(&mut self, mut test: impl FnMut(&mut F, &mut K, &mut V) -> bool) -> Option<(K, V)> {
        for s in self.raw.by_ref() {
            // SAFETY: the cursor yields live slots of the mutably borrowed
            // table; removing the slot just yielded is allowed by
            // `RawIter::for_removal`'s contract. If `test` panics nothing changed.
            unsafe {
                if test(&mut self.pred, s.key_mut(), s.val_mut()) {
                    return Some(self.table.remove(s));
                }
            }
        }
        None
    }

    /// At most the entries not visited yet.
    #[inline]
    pub(crate) fn bounds(&self) -> (usize, Option<usize>) {
        (0, Some(self.raw.len()))
    }
}

impl<K, V, F: FnMut(&K, &mut V) -> bool> Iterator for ExtractIf<'_, K, V, F> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.next_where(|pred, k, v| pred(k, v))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.bounds()
    }
}

impl<'a, K, V> RefIter<'a, K, V> {
    /// Wraps a cursor over entries that stay live and unchanged for `'a`
    /// (the owner of the table is borrowed for `'a`).
    pub(super) fn from_raw(raw: RawIter<K, V>) -> Self {
        RefIter { raw, marker: PhantomData }
    }

    /// An iterator with nothing to yield (for `Default`).
    pub(crate) fn empty() -> Self {
        RefIter { raw: RawIter::new(&RawTable::new()), marker: PhantomData }
    }
}
