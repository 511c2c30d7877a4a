//! [`HashTable<T>`]: the engine with the hash, the equality test and the
//! hasher passed per call, hashbrown's replacement for its raw table API.
//!
//! Where hashbrown's signatures differ from these, it is because growth
//! here is incremental: every write may move old buckets and must rehash
//! what it moves, so the writing calls take the hasher (`find_entry` too,
//! as removing through it is a write), and the entry types carry it as
//! their type parameter `H` for the insert they may still make.

mod entry;
mod internals;
mod iter;
#[cfg(test)]
mod tests;

use core::fmt;

pub use crate::raw::HashTable;
pub use entry::{AbsentEntry, Entry, OccupiedEntry, VacantEntry};
pub use iter::{Drain, ExtractIf, IntoIter, Iter, IterHash, IterHashMut, IterMut};

use crate::raw::{self, Fallibility, Probe, RawTable};
use crate::TryReserveError;

impl<T> HashTable<T> {
    /// An empty table. Allocates nothing until the first insert.
    ///
    /// ```
    /// let t: tophash::HashTable<u32> = tophash::HashTable::new();
    /// assert_eq!((t.len(), t.capacity()), (0, 0));
    /// ```
    #[inline]
    pub const fn new() -> Self {
        HashTable::from_raw(RawTable::new())
    }

    /// An empty table that holds at least `capacity` elements before it
    /// grows: `2^B` buckets with the smallest `B` whose load limit (6.5 per
    /// bucket, 8 for one bucket) reaches `capacity`. One zeroed allocation.
    ///
    /// # Panics
    /// If the bucket array's size overflows `isize::MAX` bytes
    /// ("capacity overflow").
    ///
    /// ```
    /// let t: tophash::HashTable<u32> = tophash::HashTable::with_capacity(100);
    /// assert!(t.capacity() >= 100);
    /// ```
    #[inline]
    pub fn with_capacity(capacity: usize) -> Self {
        HashTable::from_raw(raw::infallible(RawTable::with_capacity(capacity, Fallibility::Infallible)))
    }

    /// Number of elements. O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// t.insert_unique(7, 'a', |_| 7);
    /// assert_eq!(t.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.raw().len()
    }

    /// Whether the table has no elements. O(1).
    ///
    /// ```
    /// let t: tophash::HashTable<u8> = tophash::HashTable::new();
    /// assert!(t.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many elements the table holds before an insert starts a
    /// doubling: 8 with one bucket, `6.5 · 2^B` with `2^B` buckets (during a
    /// resize, of the new array), never less than [`len`](Self::len). O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..9u64 { t.insert_unique(i, i, |&x| x); }
    /// assert_eq!(t.capacity(), 13);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.raw().capacity()
    }

    /// The element with hash `hash` for which `eq` returns true. **O(1)**
    /// average (the chain of `hash`); reads only, never moves a bucket.
    /// During a resize it looks in the old array where the element's old
    /// bucket has not moved yet.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// t.insert_unique(3, (3, "three"), |e| e.0);
    /// assert_eq!(t.find(3, |e| e.0 == 3), Some(&(3, "three")));
    /// assert_eq!(t.find(4, |e| e.0 == 4), None);
    /// ```
    #[inline]
    pub fn find(&self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&T> {
        self.raw().get(hash, eq).map(|(t, _)| t)
    }

    /// As [`find`](Self::find), mutable. The caller must not change the
    /// element in a way that changes its hash or equality (a logic error:
    /// the element may then be missed by lookups, never undefined
    /// behaviour). **O(1)** average; never moves a bucket.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// t.insert_unique(3, (3, 0), |e| e.0);
    /// t.find_mut(3, |e| e.0 == 3).unwrap().1 += 1;
    /// assert_eq!(t.find(3, |e| e.0 == 3), Some(&(3, 1)));
    /// ```
    #[inline]
    pub fn find_mut(&mut self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&mut T> {
        self.raw_mut().get_key_mut(hash, eq)
    }

    /// The element matching `eq` as an [`OccupiedEntry`] (to read, change
    /// or remove it), or an [`AbsentEntry`]. A write: first moves at most
    /// two old buckets of a resize in progress (`hash`'s and the one at the
    /// evacuation mark), rehashing their elements with `hasher`. **O(1)**
    /// average.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// t.insert_unique(5, 5u64, |&x| x);
    /// let removed = t.find_entry(5, |&x| x == 5, |&x| x).unwrap().remove().0;
    /// assert_eq!(removed, 5);
    /// assert!(t.find_entry(5, |&x| x == 5, |&x| x).is_err());
    /// ```
    #[inline]
    pub fn find_entry<H: Fn(&T) -> u64>(
        &mut self,
        hash: u64,
        eq: impl FnMut(&T) -> bool,
        hasher: H,
    ) -> Result<OccupiedEntry<'_, T, H>, AbsentEntry<'_, T>> {
        match self.raw_mut().entry(hash, eq, &hasher) {
            Probe::Found(inner) => Ok(OccupiedEntry { inner, hash, hasher }),
            Probe::Vacant(v) => Err(AbsentEntry { table: HashTable::from_raw_mut(v.into_table()) }),
        }
    }

    /// The entry for the element matching `eq`, occupied or vacant. A
    /// write: moves at most two old buckets of a resize in progress, as
    /// [`find_entry`](Self::find_entry). **O(1)** average. Inserting
    /// through the [`VacantEntry`] may start a growth (with `hasher`, which
    /// the entry keeps).
    ///
    /// ```
    /// use tophash::hash_table::{Entry, HashTable};
    /// let mut t = HashTable::new();
    /// for x in [1u64, 2, 1] {
    ///     match t.entry(x, |&(k, _)| k == x, |&(k, _)| k) {
    ///         Entry::Occupied(mut o) => o.get_mut().1 += 1,
    ///         Entry::Vacant(v) => { v.insert((x, 1)); }
    ///     }
    /// }
    /// assert_eq!(t.find(1, |e| e.0 == 1), Some(&(1, 2)));
    /// ```
    #[inline]
    pub fn entry<H: Fn(&T) -> u64>(&mut self, hash: u64, eq: impl FnMut(&T) -> bool, hasher: H) -> Entry<'_, T, H> {
        match self.raw_mut().entry(hash, eq, &hasher) {
            Probe::Found(inner) => Entry::Occupied(OccupiedEntry { inner, hash, hasher }),
            Probe::Vacant(inner) => Entry::Vacant(VacantEntry { inner, hash, hasher }),
        }
    }

    /// Inserts `value`, which the caller knows is not in the table (no
    /// equality test is made; inserting an equal element twice keeps both).
    /// Moves at most two old buckets of a resize in progress and may start
    /// a growth, rehashing with `hasher`. **O(1)** average.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// let e = t.insert_unique(9, 9u64, |&x| x);
    /// assert_eq!(*e.get(), 9);
    /// ```
    #[inline]
    pub fn insert_unique<H: Fn(&T) -> u64>(&mut self, hash: u64, value: T, hasher: H) -> OccupiedEntry<'_, T, H> {
        let inner = self.raw_mut().insert_unique(hash, value, (), &hasher);
        OccupiedEntry { inner, hash, hasher }
    }

    /// Iterates over `&T` in arbitrary order. A full pass is
    /// O(buckets + len); it also works mid-resize and never rehashes.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..3u64 { t.insert_unique(i, i, |&x| x); }
    /// assert_eq!(t.iter().sum::<u64>(), 3);
    /// ```
    #[inline]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { inner: self.raw().iter() }
    }

    /// Iterates over `&mut T` in arbitrary order (changing an element's
    /// hash or equality is a logic error, as for
    /// [`find_mut`](Self::find_mut)). O(buckets + len) for a full pass.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..3u64 { t.insert_unique(i, (i, 0), |e| e.0); }
    /// for e in t.iter_mut() { e.1 = 10; }
    /// assert_eq!(t.find(2, |e| e.0 == 2), Some(&(2, 10)));
    /// ```
    #[inline]
    pub fn iter_mut(&mut self) -> IterMut<'_, T> {
        IterMut { inner: self.raw_mut().iter_keys_mut() }
    }

    /// Iterates over the elements that may have hash `hash`: those in
    /// `hash`'s chain whose tophash byte (8 bits of the hash) is `hash`'s,
    /// in arbitrary order. Every element with that hash is among them; so
    /// is, rarely, another of the chain. **O(chain length)**, O(1) average;
    /// reads only, never moves a bucket (also mid-resize: it reads the
    /// chain where `find` would).
    ///
    /// ```
    /// use std::hash::BuildHasher;
    /// let s = std::collections::hash_map::RandomState::new();
    /// let mut t = tophash::HashTable::new();
    /// for x in [10u64, 20, 10] {
    ///     t.insert_unique(s.hash_one(x), x, |&x| s.hash_one(x));
    /// }
    /// // Every element with the hash, maybe a few others: test equality.
    /// assert_eq!(t.iter_hash(s.hash_one(10u64)).filter(|&&x| x == 10).count(), 2);
    /// ```
    #[inline]
    pub fn iter_hash(&self, hash: u64) -> IterHash<'_, T> {
        IterHash { inner: self.raw().iter_hash(hash) }
    }

    /// As [`iter_hash`](Self::iter_hash), mutable (changing an element's
    /// hash or equality is a logic error, as for
    /// [`find_mut`](Self::find_mut)). **O(chain length)**; never moves a
    /// bucket.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..3u32 { t.insert_unique(7, (7u64, i), |e| e.0); }
    /// for e in t.iter_hash_mut(7) { e.1 += 10; }
    /// let mut got: Vec<u32> = t.iter().map(|e| e.1).collect();
    /// got.sort();
    /// assert_eq!(got, [10, 11, 12]);
    /// ```
    #[inline]
    pub fn iter_hash_mut(&mut self, hash: u64) -> IterHashMut<'_, T> {
        IterHashMut { inner: self.raw_mut().iter_hash_keys_mut(hash) }
    }

    /// Keeps only the elements for which `f` returns true. O(buckets + len);
    /// moves no bucket (removing needs no hash). With
    /// [`set_auto_shrink`](Self::set_auto_shrink) on, may start a shrink at
    /// the end, as the map's `retain` does.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..10u64 { t.insert_unique(i, i, |&x| x); }
    /// t.retain(|x| *x % 2 == 0);
    /// assert_eq!(t.len(), 5);
    /// ```
    pub fn retain(&mut self, f: impl FnMut(&mut T) -> bool) {
        let mut removing = self.raw_mut().extract_where(f);
        while removing.next_where(|f, t, _| !f(t)).is_some() {}
        self.raw_mut().maybe_auto_shrink();
    }

    /// Removes every element, yielding them; the table keeps its memory.
    /// Dropping the iterator early drops the rest. O(buckets + len).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..3u64 { t.insert_unique(i, i, |&x| x); }
    /// let mut all: Vec<u64> = t.drain().collect();
    /// all.sort();
    /// assert_eq!(all, [0, 1, 2]);
    /// assert!(t.is_empty());
    /// ```
    #[inline]
    pub fn drain(&mut self) -> Drain<'_, T> {
        Drain { inner: raw::RawDrain::new(self.raw_mut()) }
    }

    /// Removes, lazily, the elements for which `f` returns true, yielding
    /// them; dropping the iterator keeps the elements it has not visited.
    /// O(buckets + len) for a full pass; moves no bucket.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..10u64 { t.insert_unique(i, i, |&x| x); }
    /// let mut odd: Vec<u64> = t.extract_if(|x| *x % 2 == 1).collect();
    /// odd.sort();
    /// assert_eq!(odd, [1, 3, 5, 7, 9]);
    /// assert_eq!(t.len(), 5);
    /// ```
    #[inline]
    pub fn extract_if<F: FnMut(&mut T) -> bool>(&mut self, f: F) -> ExtractIf<'_, T, F> {
        ExtractIf { inner: self.raw_mut().extract_where(f) }
    }

    /// Mutable references to `N` elements at once, looked up by
    /// `hashes[i]` and `eq(i, element)`; `None` where one is absent.
    /// O(N) lookups plus O(N²) comparisons of positions; never moves a
    /// bucket.
    ///
    /// # Panics
    /// If two lookups find the same element.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..4u64 { t.insert_unique(i, (i, 0), |e| e.0); }
    /// let [a, b, c] = t.get_disjoint_mut([1, 2, 9], |i, e| e.0 == [1, 2, 9][i]);
    /// a.unwrap().1 = 10;
    /// b.unwrap().1 = 20;
    /// assert!(c.is_none());
    /// assert_eq!(t.find(2, |e| e.0 == 2), Some(&(2, 20)));
    /// ```
    pub fn get_disjoint_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        eq: impl FnMut(usize, &T) -> bool,
    ) -> [Option<&mut T>; N] {
        self.raw_mut().get_disjoint_key_mut(hashes, eq)
    }

    /// hashbrown's earlier name for
    /// [`get_disjoint_mut`](Self::get_disjoint_mut), which it is.
    ///
    /// # Panics
    /// If two lookups find the same element.
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// let mut t = tophash::HashTable::new();
    /// t.insert_unique(1, 1u64, |&x| x);
    /// let [a] = t.get_many_mut([1], |_, &x| x == 1);
    /// assert_eq!(a, Some(&mut 1));
    /// ```
    #[deprecated(note = "use `get_disjoint_mut` instead")]
    pub fn get_many_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        eq: impl FnMut(usize, &T) -> bool,
    ) -> [Option<&mut T>; N] {
        self.get_disjoint_mut(hashes, eq)
    }

    /// Removes every element and keeps the current bucket array (any
    /// resize in progress is abandoned and its old array freed).
    /// O(buckets + len).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// t.insert_unique(1, 1u64, |&x| x);
    /// t.clear();
    /// assert!(t.is_empty());
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.raw_mut().clear();
    }

    /// Makes room for `additional` more elements before a load-factor
    /// growth. Allocates the new array (O(1) for large arrays, which are
    /// fresh zero pages) and starts an incremental resize, or queues it
    /// behind one under way; moves nothing itself, so `hasher` is not
    /// called here (it is taken for hashbrown's signature; later writes
    /// rehash with theirs).
    ///
    /// # Panics
    /// On capacity overflow, or (`handle_alloc_error`) when the allocation
    /// fails.
    ///
    /// ```
    /// let mut t: tophash::HashTable<u64> = tophash::HashTable::new();
    /// t.reserve(100, |&x| x);
    /// assert!(t.capacity() >= 100);
    /// ```
    #[inline]
    pub fn reserve(&mut self, additional: usize, hasher: impl Fn(&T) -> u64) {
        let _ = hasher;
        raw::infallible(self.raw_mut().reserve(additional, Fallibility::Infallible));
    }

    /// As [`reserve`](Self::reserve), returning the error instead of
    /// panicking; on error the table is unchanged.
    ///
    /// ```
    /// let mut t: tophash::HashTable<u64> = tophash::HashTable::new();
    /// assert!(t.try_reserve(10, |&x| x).is_ok());
    /// assert!(t.try_reserve(usize::MAX, |&x| x).is_err());
    /// ```
    #[inline]
    pub fn try_reserve(&mut self, additional: usize, hasher: impl Fn(&T) -> u64) -> Result<(), TryReserveError> {
        let _ = hasher;
        self.raw_mut().reserve(additional, Fallibility::Fallible)
    }

    /// Shrinks to the fewest buckets that hold [`len`](Self::len) elements:
    /// starts (or queues) an incremental shrink that later writes carry
    /// out; an empty table frees all its memory now. Moves nothing itself,
    /// so `hasher` is not called here. O(1) plus the new array's allocation.
    ///
    /// ```
    /// let mut t: tophash::HashTable<u64> = tophash::HashTable::with_capacity(1000);
    /// t.insert_unique(1, 1, |&x| x);
    /// t.shrink_to_fit(|&x| x);
    /// t.finish_resize(|&x| x);
    /// assert!(t.capacity() < 1000);
    /// ```
    #[inline]
    pub fn shrink_to_fit(&mut self, hasher: impl Fn(&T) -> u64) {
        self.shrink_to(0, hasher);
    }

    /// As [`shrink_to_fit`](Self::shrink_to_fit), keeping room for at least
    /// `min_capacity` elements (and `len`). Never grows.
    ///
    /// ```
    /// let mut t: tophash::HashTable<u64> = tophash::HashTable::with_capacity(1000);
    /// t.shrink_to(100, |&x| x);
    /// t.finish_resize(|&x| x);
    /// assert!(t.capacity() >= 100 && t.capacity() < 1000);
    /// ```
    #[inline]
    pub fn shrink_to(&mut self, min_capacity: usize, hasher: impl Fn(&T) -> u64) {
        let _ = hasher;
        self.raw_mut().shrink_to(min_capacity);
    }
}

impl<T> Default for HashTable<T> {
    /// An empty table; allocates nothing.
    #[inline]
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> Clone for HashTable<T> {
    /// A copy with the same buckets and resize state; clones every element
    /// and rehashes none. O(buckets + len).
    fn clone(&self) -> Self {
        HashTable::from_raw(self.raw().clone_with(|t, ()| (t.clone(), ())))
    }
}

impl<T: fmt::Debug> fmt::Debug for HashTable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T> IntoIterator for HashTable<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    /// Yields every element by value. O(buckets + len) for a full pass.
    #[inline]
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { inner: raw::RawIntoIter::new(self.into_raw()) }
    }
}

impl<'a, T> IntoIterator for &'a HashTable<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    #[inline]
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<'a, T> IntoIterator for &'a mut HashTable<T> {
    type Item = &'a mut T;
    type IntoIter = IterMut<'a, T>;

    #[inline]
    fn into_iter(self) -> IterMut<'a, T> {
        self.iter_mut()
    }
}
