//! [`HashMap`]: std's API over Go's bucketed, incrementally growing table.

mod entry;
mod entry_ref;
mod internals;
mod iter;
#[cfg(test)]
mod tests;

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;
use core::ops::Index;

use equivalent::Equivalent;

/// The map's parallel iterators (the `rayon` feature), where hashbrown has
/// them.
#[cfg(feature = "rayon")]
#[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
pub use crate::rayon::map as rayon;
pub use entry::{Entry, OccupiedEntry, OccupiedError, VacantEntry};
pub use entry_ref::{EntryRef, VacantEntryRef};
pub use iter::{Drain, ExtractIf, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut};

use crate::raw::{self, Fallibility, Handback, Probe, RawTable};
use crate::{DefaultHashBuilder, TryReserveError};

/// A hash map with Go's classic bucket design and incremental growth.
///
/// The API is that of [`std::collections::HashMap`]. What differs is *when*
/// work happens: a growth allocates the new bucket array (zeroed, so no pass
/// over it) and then every later insert or remove moves ("evacuates") at
/// most two old buckets, so no single call rehashes the whole map. Lookups
/// never move anything. Large arrays come straight from the OS and are
/// handed back a few pages per write as evacuation passes them, so ending a
/// resize is not a pause either. Mid-size arrays (up to 32 Ki buckets) are
/// kept whole when freed instead, in a process-wide cache of at most 64 MiB,
/// and reused by the next map that needs an array of their size: its pages
/// are warm, as memory from the global allocator is. Each method's
/// documentation says what it costs and whether it may move buckets.
///
/// Operations that are O(n) by nature stay O(n) and say so: `clear`,
/// `retain`, `drain`, `clone`, iteration, and dropping the map (which drops
/// every entry and frees every bucket).
///
/// [`std::collections::HashMap`]: https://doc.rust-lang.org/std/collections/struct.HashMap.html
///
/// ```
/// use tophash::HashMap;
///
/// let mut m: HashMap<u64, &str> = HashMap::new();
/// for i in 0..1000 {
///     m.insert(i, "x");
/// }
/// assert_eq!(m.len(), 1000);
/// assert_eq!(m.get(&7), Some(&"x"));
/// ```
pub struct HashMap<K, V, S = DefaultHashBuilder> {
    pub(crate) hash_builder: S,
    pub(crate) table: RawTable<K, V>,
}

#[inline]
pub(crate) fn make_hash<Q: Hash + ?Sized, S: BuildHasher>(s: &S, q: &Q) -> u64 {
    s.hash_one(q)
}

#[inline]
pub(crate) fn make_hasher<K: Hash, S: BuildHasher>(s: &S) -> impl Fn(&K) -> u64 + '_ {
    move |k| s.hash_one(k)
}

#[inline]
fn equivalent_key<Q: Equivalent<K> + ?Sized, K>(q: &Q) -> impl Fn(&K) -> bool + '_ {
    move |k| q.equivalent(k)
}

impl<K, V> HashMap<K, V, DefaultHashBuilder> {
    /// An empty map. Allocates nothing until the first insert.
    ///
    /// ```
    /// let m: tophash::HashMap<u32, u32> = tophash::HashMap::new();
    /// assert_eq!(m.capacity(), 0);
    /// ```
    #[inline]
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map that holds at least `capacity` entries before it grows:
    /// `2^B` buckets with the smallest `B` whose load limit (6.5 per bucket,
    /// 8 for one bucket) reaches `capacity`. One zeroed allocation.
    ///
    /// # Panics
    /// If the bucket array's size overflows `isize::MAX` bytes
    /// ("capacity overflow").
    ///
    /// ```
    /// let m: tophash::HashMap<u32, u32> = tophash::HashMap::with_capacity(100);
    /// assert!(m.capacity() >= 100);
    /// ```
    #[inline]
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }
}

impl<K, V, S> HashMap<K, V, S> {
    /// An empty map using `hash_builder` to hash keys. Allocates nothing.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let mut m = tophash::HashMap::with_hasher(RandomState::new());
    /// m.insert(1, 2);
    /// ```
    #[inline]
    pub const fn with_hasher(hash_builder: S) -> Self {
        HashMap { hash_builder, table: RawTable::new() }
    }

    /// An empty map with room for `capacity` entries, using `hash_builder`.
    ///
    /// # Panics
    /// As [`HashMap::with_capacity`].
    #[inline]
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        let table = raw::infallible(RawTable::with_capacity(capacity, Fallibility::Infallible));
        HashMap { hash_builder, table }
    }

    /// The map's `BuildHasher`.
    #[inline]
    pub fn hasher(&self) -> &S {
        &self.hash_builder
    }

    /// How many entries the map holds before an insert starts a doubling:
    /// 8 with one bucket, `6.5 · 2^B` with `2^B` buckets (during a resize,
    /// of the new array), and never less than [`len`](Self::len). O(1).
    ///
    /// After `n` inserts of distinct keys into a new map this matches Go
    /// 1.19's bucket counts: 9 keys need 2 buckets (capacity 13), 14 need 4.
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// for i in 0..9 { m.insert(i, ()); }
    /// assert_eq!(m.capacity(), 13);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// Number of entries. O(1).
    #[inline]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the map has no entries. O(1).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Iterates over `(&K, &V)` in arbitrary order. A full pass is
    /// O(buckets + len); it also works mid-resize and never rehashes.
    ///
    /// ```
    /// let m = tophash::HashMap::from([(1, 10), (2, 20)]);
    /// let sum: i32 = m.iter().map(|(_, v)| v).sum();
    /// assert_eq!(sum, 30);
    /// ```
    #[inline]
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter { inner: self.table.iter() }
    }

    /// Iterates over `(&K, &mut V)` in arbitrary order.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(1, 10), (2, 20)]);
    /// for (_, v) in m.iter_mut() { *v += 1; }
    /// assert_eq!(m[&1], 11);
    /// ```
    #[inline]
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut { inner: self.table.iter_mut() }
    }

    /// Iterates over the keys.
    ///
    /// ```
    /// let m = tophash::HashMap::from([(1, 'a')]);
    /// assert_eq!(m.keys().copied().collect::<Vec<_>>(), vec![1]);
    /// ```
    #[inline]
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys { inner: self.iter() }
    }

    /// Iterates over the values.
    ///
    /// ```
    /// let m = tophash::HashMap::from([(1, 'a')]);
    /// assert_eq!(m.values().copied().collect::<Vec<_>>(), vec!['a']);
    /// ```
    #[inline]
    pub fn values(&self) -> Values<'_, K, V> {
        Values { inner: self.iter() }
    }

    /// Iterates over mutable values.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(1, 1)]);
    /// m.values_mut().for_each(|v| *v *= 10);
    /// assert_eq!(m[&1], 10);
    /// ```
    #[inline]
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        ValuesMut { inner: self.iter_mut() }
    }

    /// Consumes the map into its keys. Dropping the iterator early drops the
    /// rest; freeing is O(buckets).
    ///
    /// ```
    /// let m = tophash::HashMap::from([(1, 'a')]);
    /// assert_eq!(m.into_keys().collect::<Vec<_>>(), vec![1]);
    /// ```
    #[inline]
    pub fn into_keys(self) -> IntoKeys<K, V> {
        IntoKeys { inner: self.into_iter() }
    }

    /// Consumes the map into its values.
    ///
    /// ```
    /// let m = tophash::HashMap::from([(1, 'a')]);
    /// assert_eq!(m.into_values().collect::<Vec<_>>(), vec!['a']);
    /// ```
    #[inline]
    pub fn into_values(self) -> IntoValues<K, V> {
        IntoValues { inner: self.into_iter() }
    }

    /// Removes every entry, yielding them; the map keeps its current bucket
    /// array. O(buckets + len) in total, including when the `Drain` is
    /// dropped early (the rest are dropped). If the `Drain` is leaked, the
    /// map is left empty and its memory leaks.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(1, 'a'), (2, 'b')]);
    /// let mut v: Vec<_> = m.drain().collect();
    /// v.sort();
    /// assert_eq!(v, [(1, 'a'), (2, 'b')]);
    /// assert!(m.is_empty());
    /// ```
    #[inline]
    pub fn drain(&mut self) -> Drain<'_, K, V> {
        Drain { inner: raw::RawDrain::new(&mut self.table) }
    }

    /// Keeps only the entries for which `f` returns true. O(buckets + len);
    /// never moves buckets (removals only mark slots empty).
    ///
    /// ```
    /// let mut m: tophash::HashMap<i32, i32> = (0..8).map(|x| (x, x)).collect();
    /// m.retain(|&k, _| k % 2 == 0);
    /// assert_eq!(m.len(), 4);
    /// ```
    pub fn retain<F: FnMut(&K, &mut V) -> bool>(&mut self, mut f: F) {
        self.table.extract_if(|k, v| !f(k, v)).for_each(drop);
        self.table.maybe_auto_shrink();
    }

    /// An iterator that removes and yields the entries for which `f`
    /// returns true. Entries not yet visited when it is dropped stay in the
    /// map. O(buckets + len) for a full pass; never moves buckets.
    ///
    /// ```
    /// let mut m: tophash::HashMap<i32, i32> = (0..8).map(|x| (x, x)).collect();
    /// let mut odd: Vec<_> = m.extract_if(|k, _| k % 2 == 1).map(|(k, _)| k).collect();
    /// odd.sort();
    /// assert_eq!(odd, [1, 3, 5, 7]);
    /// assert_eq!(m.len(), 4);
    /// ```
    #[inline]
    pub fn extract_if<F: FnMut(&K, &mut V) -> bool>(&mut self, f: F) -> ExtractIf<'_, K, V, F> {
        ExtractIf { inner: self.table.extract_if(f) }
    }

    /// Removes every entry, keeping the current bucket array (any resize in
    /// progress is abandoned and its old array freed). O(buckets + len).
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(1, 2)]);
    /// m.clear();
    /// assert!(m.is_empty());
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.table.clear();
    }
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// Makes room for at least `additional` more entries without a
    /// load-factor growth during those inserts (std's promise). If more
    /// buckets are needed, the new array is allocated zeroed (O(1) for
    /// large sizes) and the entries move incrementally on later writes. If a
    /// resize is already under way, the new one is queued (its array
    /// allocated now, so failure is reported now) and starts when the
    /// current one ends; a queued shrink that would undo the reservation is
    /// dropped.
    ///
    /// # Panics
    /// On capacity overflow; aborts through `handle_alloc_error` if the
    /// allocator refuses.
    ///
    /// ```
    /// let mut m: tophash::HashMap<u32, u32> = tophash::HashMap::new();
    /// m.reserve(1000);
    /// assert!(m.capacity() >= 1000);
    /// ```
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        raw::infallible(self.table.reserve(additional, Fallibility::Infallible));
    }

    /// As [`reserve`](Self::reserve), but returns an error instead of
    /// panicking or aborting.
    ///
    /// ```
    /// use tophash::{HashMap, TryReserveError};
    /// let mut m: HashMap<u64, u64> = HashMap::new();
    /// assert!(m.try_reserve(10).is_ok());
    /// assert_eq!(m.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow));
    /// ```
    #[inline]
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.table.reserve(additional, Fallibility::Fallible)
    }

    /// Shrinks to the fewest buckets that hold `len` entries; an empty map
    /// frees all its memory. The smaller array is allocated now and entries
    /// move to it incrementally on later writes, as in a growth (Go's maps
    /// never shrink). If a resize is already under way, the shrink is
    /// queued (its array allocated now) and starts when that one ends, so
    /// `capacity()` drops only then; `finish_resize` completes both at once.
    ///
    /// ```
    /// let mut m: tophash::HashMap<i32, i32> = (0..1000).map(|x| (x, x)).collect();
    /// m.retain(|&k, _| k < 10);
    /// m.shrink_to_fit();
    /// assert!(m.capacity() < 100);
    /// assert_eq!(m[&3], 3);
    /// ```
    #[inline]
    pub fn shrink_to_fit(&mut self) {
        self.shrink_to(0);
    }

    /// Shrinks to the fewest buckets that hold `max(len, min_capacity)`
    /// entries, as [`shrink_to_fit`](Self::shrink_to_fit).
    ///
    /// ```
    /// let mut m: tophash::HashMap<i32, i32> = (0..1000).map(|x| (x, x)).collect();
    /// m.clear();
    /// m.shrink_to(50);
    /// assert!(m.capacity() >= 50 && m.capacity() < 1000);
    /// ```
    #[inline]
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.table.shrink_to(min_capacity);
    }

    /// The entry for `key`, for in-place insert or update. Like every write,
    /// evacuates up to two old buckets if a resize is in progress. O(1)
    /// average.
    ///
    /// ```
    /// let mut counts = tophash::HashMap::new();
    /// for w in ["a", "b", "a"] {
    ///     *counts.entry(w).or_insert(0) += 1;
    /// }
    /// assert_eq!(counts["a"], 2);
    /// ```
    #[inline]
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S> {
        let hash = make_hash(&self.hash_builder, &key);
        let hasher = make_hasher::<K, S>(&self.hash_builder);
        match self.table.entry(hash, |k| *k == key, hasher) {
            Probe::Found(inner) => {
                Entry::Occupied(OccupiedEntry { inner, key: Some(key), hash_builder: &self.hash_builder })
            }
            Probe::Vacant(inner) => Entry::Vacant(VacantEntry { inner, key, hash_builder: &self.hash_builder }),
        }
    }

    /// The entry for a borrowed `key`: looks it up by `&Q` and converts it
    /// to an owned key (`K::from(key)`) only if an insert through the entry
    /// needs one (hashbrown's `entry_ref`), so a present `String` key costs
    /// no allocation. Like every write, evacuates up to two old buckets if a
    /// resize is in progress. O(1) average.
    ///
    /// A present key gives the same [`OccupiedEntry`] as
    /// [`entry`](Self::entry), without a new key for
    /// [`replace_key`](OccupiedEntry::replace_key).
    ///
    /// ```
    /// let mut counts: tophash::HashMap<String, u32> = tophash::HashMap::new();
    /// for w in "a b a".split(' ') {
    ///     *counts.entry_ref(w).or_insert(0) += 1;
    /// }
    /// assert_eq!(counts["a"], 2);
    /// ```
    #[inline]
    pub fn entry_ref<'a, 'b, Q>(&'a mut self, key: &'b Q) -> EntryRef<'a, 'b, K, Q, V, S>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = make_hash(&self.hash_builder, key);
        let hasher = make_hasher::<K, S>(&self.hash_builder);
        match self.table.entry(hash, equivalent_key(key), hasher) {
            Probe::Found(inner) => {
                EntryRef::Occupied(OccupiedEntry { inner, key: None, hash_builder: &self.hash_builder })
            }
            Probe::Vacant(inner) => EntryRef::Vacant(VacantEntryRef { inner, key, hash_builder: &self.hash_builder }),
        }
    }

    /// A reference to the value for `key`. Reads only: never moves buckets,
    /// also mid-resize (it reads the old bucket if not yet evacuated).
    /// O(1) average.
    ///
    /// ```
    /// let m = tophash::HashMap::from([("a", 1)]);
    /// assert_eq!(m.get("a"), Some(&1));
    /// assert_eq!(m.get("b"), None);
    /// ```
    #[inline]
    pub fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<&V> {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// The stored key and value for `key`. O(1) average.
    ///
    /// ```
    /// let m = tophash::HashMap::from([(String::from("a"), 1)]);
    /// assert_eq!(m.get_key_value("a"), Some((&"a".to_string(), &1)));
    /// ```
    #[inline]
    pub fn get_key_value<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<(&K, &V)> {
        let hash = make_hash(&self.hash_builder, key);
        self.table.get(hash, equivalent_key(key))
    }

    /// A mutable reference to the value for `key`. Never moves buckets.
    /// O(1) average.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(1, 1)]);
    /// *m.get_mut(&1).unwrap() += 1;
    /// assert_eq!(m[&1], 2);
    /// ```
    #[inline]
    pub fn get_mut<Q: Hash + Equivalent<K> + ?Sized>(&mut self, key: &Q) -> Option<&mut V> {
        let hash = make_hash(&self.hash_builder, key);
        self.table.get_mut(hash, equivalent_key(key)).map(|(_, v)| v)
    }

    /// The stored key and a mutable reference to the value for `key`
    /// (hashbrown's `get_key_value_mut`). Never moves buckets. O(1) average.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(String::from("a"), 1)]);
    /// let (k, v) = m.get_key_value_mut("a").unwrap();
    /// *v += k.len();
    /// assert_eq!(m["a"], 2);
    /// assert!(m.get_key_value_mut("b").is_none());
    /// ```
    #[inline]
    pub fn get_key_value_mut<Q: Hash + Equivalent<K> + ?Sized>(&mut self, key: &Q) -> Option<(&K, &mut V)> {
        let hash = make_hash(&self.hash_builder, key);
        self.table.get_mut(hash, equivalent_key(key))
    }

    /// Mutable references to the values of `N` keys at once (std's
    /// `get_disjoint_mut`): entry `i` is `None` when `ks[i]` is absent.
    /// `N` lookups, O(N) average, plus O(N²) pointer comparisons; never
    /// moves buckets.
    ///
    /// # Panics
    /// If two of the keys find the same entry (equal absent keys are
    /// allowed).
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(1, 10), (2, 20)]);
    /// let [a, b, c] = m.get_disjoint_mut([&1, &2, &3]);
    /// std::mem::swap(a.unwrap(), b.unwrap());
    /// assert!(c.is_none());
    /// assert_eq!(m[&1], 20);
    /// ```
    pub fn get_disjoint_mut<Q: Hash + Equivalent<K> + ?Sized, const N: usize>(
        &mut self,
        ks: [&Q; N],
    ) -> [Option<&'_ mut V>; N] {
        let hashes = ks.map(|k| make_hash(&self.hash_builder, k));
        self.table.get_disjoint_mut(hashes, |i, k| ks[i].equivalent(k)).map(|e| e.map(|(_, v)| v))
    }

    /// As [`get_disjoint_mut`](Self::get_disjoint_mut), with each value's
    /// stored key. Same cost; never moves buckets.
    ///
    /// # Panics
    /// If two of the keys find the same entry.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(1, 10), (2, 20)]);
    /// let [a, b] = m.get_disjoint_key_value_mut([&1, &3]);
    /// let (k, v) = a.unwrap();
    /// *v += *k;
    /// assert!(b.is_none());
    /// assert_eq!(m[&1], 11);
    /// ```
    pub fn get_disjoint_key_value_mut<Q: Hash + Equivalent<K> + ?Sized, const N: usize>(
        &mut self,
        ks: [&Q; N],
    ) -> [Option<(&'_ K, &'_ mut V)>; N] {
        let hashes = ks.map(|k| make_hash(&self.hash_builder, k));
        self.table.get_disjoint_mut(hashes, |i, k| ks[i].equivalent(k))
    }

    /// hashbrown 0.15's name for [`get_disjoint_mut`](Self::get_disjoint_mut),
    /// with its signature (an `Option` per key; panics if two keys find the
    /// same entry), kept so that code written for hashbrown 0.15 compiles.
    /// Same cost.
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// let mut m = tophash::HashMap::from([(1, 10), (2, 20)]);
    /// let [a, b] = m.get_many_mut([&1, &2]);
    /// std::mem::swap(a.unwrap(), b.unwrap());
    /// assert_eq!(m[&1], 20);
    /// ```
    #[deprecated(note = "use `get_disjoint_mut` (std's name) instead")]
    #[inline]
    pub fn get_many_mut<Q: Hash + Equivalent<K> + ?Sized, const N: usize>(
        &mut self,
        ks: [&Q; N],
    ) -> [Option<&'_ mut V>; N] {
        self.get_disjoint_mut(ks)
    }

    /// hashbrown 0.15's name for
    /// [`get_disjoint_key_value_mut`](Self::get_disjoint_key_value_mut),
    /// with its signature. Same cost.
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// let mut m = tophash::HashMap::from([(1, 10)]);
    /// let [a] = m.get_many_key_value_mut([&1]);
    /// assert_eq!(a, Some((&1, &mut 10)));
    /// ```
    #[deprecated(note = "use `get_disjoint_key_value_mut` instead")]
    #[inline]
    pub fn get_many_key_value_mut<Q: Hash + Equivalent<K> + ?Sized, const N: usize>(
        &mut self,
        ks: [&Q; N],
    ) -> [Option<(&'_ K, &'_ mut V)>; N] {
        self.get_disjoint_key_value_mut(ks)
    }

    /// Whether the map holds `key`. O(1) average; never moves buckets.
    ///
    /// ```
    /// let m = tophash::HashMap::from([(1, ())]);
    /// assert!(m.contains_key(&1));
    /// ```
    #[inline]
    pub fn contains_key<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        self.get_key_value(key).is_some()
    }

    /// Inserts `key → value`, returning the previous value if the key was
    /// present (the stored key is kept, as in std). O(1) average.
    ///
    /// Growth: an insert of a new key that would take the map past
    /// [`capacity`](Self::capacity), or that finds as many overflow buckets as
    /// buckets, starts a resize (one zeroed allocation, nothing moved).
    /// While a resize is in progress, each insert first evacuates the two
    /// old buckets at the evacuation mark (Go's `growWork` evacuates the
    /// key's old bucket and one at the mark).
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// assert_eq!(m.insert(1, "a"), None);
    /// assert_eq!(m.insert(1, "b"), Some("a"));
    /// ```
    #[inline]
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let hash = make_hash(&self.hash_builder, &key);
        match self.table.insert_fast(hash, |stored, new| stored == new, key, value) {
            Ok(old) => old,
            Err((key, value, Handback::TagInMain)) => self.insert_matched(hash, key, value),
            Err((key, value, Handback::Other)) => self.insert_general(hash, key, value),
        }
    }

    /// `insert` of a key that owns heap memory (`String`) whose tag
    /// `insert_fast` found in its main bucket: most likely an update.
    /// Replaces the value there if the key is in that bucket, else takes
    /// the general path.
    ///
    /// A function of its own because the general path's frame is large:
    /// six registers pushed, 232 bytes of stack, and eleven values stored
    /// there before its comparison loop for the paths after it. Callgrind,
    /// 1,000 `String` keys inserted a second time: 283.2 -> 267.4
    /// instructions an update (hashbrown 220.6), and a fresh insert 86.2 ->
    /// 86.8; time, five alternations: 22.60 -> 21.47 ns (hashbrown 20.01).
    /// It finds the main bucket again: handing it over from `insert_fast`
    /// would take an unsafe contract across the engine's boundary.
    #[inline(never)]
    fn insert_matched(&mut self, hash: u64, key: K, value: V) -> Option<V> {
        match self.table.main_value_mut(hash, |k| *k == key) {
            Some(v) => Some(replace_dropping_key(v, key, value)),
            None => self.insert_general(hash, key, value),
        }
    }

    /// `insert` past its inline common case (see `RawTable::insert_fast`):
    /// a key already present, a resize under way, a chain longer than its
    /// main bucket, a growth trigger due. Out of line so that the common
    /// case needs no frame.
    #[inline(never)]
    fn insert_general(&mut self, hash: u64, key: K, value: V) -> Option<V> {
        let (key, value) = match self.table.insert_steady(hash, |stored, new| stored == new, key, value) {
            Ok(old) => return old,
            Err(kv) => kv,
        };
        let hasher = make_hasher::<K, S>(&self.hash_builder);
        match self.table.entry(hash, |k| *k == key, &hasher) {
            Probe::Found(mut o) => Some(replace_dropping_key(o.get_mut(), key, value)),
            Probe::Vacant(v) => {
                v.insert(key, value, &hasher);
                None
            }
        }
    }

    /// Inserts `key → value` if the key is absent; otherwise returns the
    /// occupied entry and the value, changing nothing (hashbrown's
    /// `try_insert`). O(1) average.
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// assert_eq!(*m.try_insert(1, "a").unwrap(), "a");
    /// let err = m.try_insert(1, "b").unwrap_err();
    /// assert_eq!(err.value, "b");
    /// ```
    #[inline]
    pub fn try_insert(&mut self, key: K, value: V) -> Result<&mut V, OccupiedError<'_, K, V, S>> {
        match self.entry(key) {
            Entry::Occupied(entry) => Err(OccupiedError { entry, value }),
            Entry::Vacant(e) => Ok(e.insert(value)),
        }
    }

    /// Removes `key`, returning its value. Like every write, evacuates up to
    /// two old buckets during a resize. O(1) average.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(1, "a")]);
    /// assert_eq!(m.remove(&1), Some("a"));
    /// assert_eq!(m.remove(&1), None);
    /// ```
    #[inline]
    pub fn remove<Q: Hash + Equivalent<K> + ?Sized>(&mut self, key: &Q) -> Option<V> {
        let (k, v) = self.remove_entry(key)?;
        // Not `.map(|(_, v)| v)`: see `insert` (rust-lang/rust#47949).
        drop(k);
        Some(v)
    }

    /// Removes `key`, returning the stored key and value. O(1) average.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(1, "a")]);
    /// assert_eq!(m.remove_entry(&1), Some((1, "a")));
    /// ```
    #[inline]
    pub fn remove_entry<Q: Hash + Equivalent<K> + ?Sized>(&mut self, key: &Q) -> Option<(K, V)> {
        let hash = make_hash(&self.hash_builder, key);
        match self.table.remove_fast(hash, equivalent_key(key)) {
            Ok(found) => found,
            Err(()) => self.remove_general(hash, key),
        }
    }

    /// `remove_entry` past its inline common case (see `insert_general`).
    #[inline(never)]
    fn remove_general<Q: Equivalent<K> + ?Sized>(&mut self, hash: u64, key: &Q) -> Option<(K, V)> {
        let hasher = make_hasher::<K, S>(&self.hash_builder);
        match self.table.entry(hash, equivalent_key(key), hasher) {
            Probe::Found(o) => Some(o.remove()),
            Probe::Vacant(_) => None,
        }
    }
}

/// `insert`'s answer for a key already present: puts `value` in `slot`
/// and returns the old value, dropping the unneeded `key` before the
/// return value exists. If its destructor panics, the old value is still a
/// local and is dropped, whereas a finished return value would be leaked
/// (rust-lang/rust#47949). Same in `remove` and the entry API.
#[inline(always)]
fn replace_dropping_key<K, V>(slot: &mut V, key: K, value: V) -> V {
    let old = mem::replace(slot, value);
    drop(key);
    old
}

impl<K: Clone, V: Clone, S: Clone> Clone for HashMap<K, V, S> {
    /// Copies the table's exact shape, including a resize in progress; each
    /// entry is cloned in place, no key is rehashed. O(buckets + len).
    fn clone(&self) -> Self {
        HashMap { hash_builder: self.hash_builder.clone(), table: self.table.clone_with(|k, v| (k.clone(), v.clone())) }
    }

    /// O(buckets + len). If a clone panics, `self` is left unchanged.
    fn clone_from(&mut self, source: &Self) {
        let table = source.table.clone_with(|k, v| (k.clone(), v.clone()));
        self.hash_builder.clone_from(&source.hash_builder);
        self.table = table;
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for HashMap<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S: Default> Default for HashMap<K, V, S> {
    /// An empty map with the default hasher. Allocates nothing.
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K: Eq + Hash, V: PartialEq, S: BuildHasher> PartialEq for HashMap<K, V, S> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Eq + Hash, V: Eq, S: BuildHasher> Eq for HashMap<K, V, S> {}

impl<K, Q, V, S> Index<&Q> for HashMap<K, V, S>
where
    K: Eq + Hash,
    Q: Hash + Equivalent<K> + ?Sized,
    S: BuildHasher,
{
    type Output = V;

    /// # Panics
    /// If the key is not present.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

impl<K: Eq + Hash, V, S: BuildHasher> Extend<(K, V)> for HashMap<K, V, S> {
    /// Reserves for the iterator's lower size bound (half of it when the map
    /// is not empty, as hashbrown does), then inserts each pair.
    fn extend<T: IntoIterator<Item = (K, V)>>(&mut self, iter: T) {
        let iter = iter.into_iter();
        let hint = if self.is_empty() { iter.size_hint().0 } else { iter.size_hint().0.div_ceil(2) };
        self.reserve(hint);
        iter.for_each(|(k, v)| {
            self.insert(k, v);
        });
    }
}

impl<'a, K: Eq + Hash + Copy, V: Copy, S: BuildHasher> Extend<(&'a K, &'a V)> for HashMap<K, V, S> {
    fn extend<T: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: T) {
        self.extend(iter.into_iter().map(|(&k, &v)| (k, v)));
    }
}

impl<'a, K: Eq + Hash + Copy, V: Copy, S: BuildHasher> Extend<&'a (K, V)> for HashMap<K, V, S> {
    fn extend<T: IntoIterator<Item = &'a (K, V)>>(&mut self, iter: T) {
        self.extend(iter.into_iter().map(|&(k, v)| (k, v)));
    }
}

impl<K: Eq + Hash, V, S: BuildHasher + Default> FromIterator<(K, V)> for HashMap<K, V, S> {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut m = Self::with_hasher(S::default());
        m.extend(iter);
        m
    }
}

impl<K: Eq + Hash, V, const N: usize> From<[(K, V); N]> for HashMap<K, V, DefaultHashBuilder> {
    /// ```
    /// let m = tophash::HashMap::from([(1, 2), (3, 4)]);
    /// assert_eq!(m.len(), 2);
    /// ```
    fn from(arr: [(K, V); N]) -> Self {
        arr.into_iter().collect()
    }
}

impl<'a, K, V, S> IntoIterator for &'a HashMap<K, V, S> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K, V, S> IntoIterator for &'a mut HashMap<K, V, S> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;

    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}

impl<K, V, S> IntoIterator for HashMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    /// Consumes the map. O(buckets + len) for a full pass.
    fn into_iter(self) -> IntoIter<K, V> {
        IntoIter { inner: raw::RawIntoIter::new(self.table) }
    }
}
