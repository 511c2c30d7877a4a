//! [`HashSet`]: std's API as a thin wrapper over [`HashMap<T, (), S>`].
//!
//! Every method forwards to the map, so costs and bucket movement are the
//! map's: reads never move anything, and each write made while a resize is
//! in progress first evacuates at most two old buckets.

mod entry;
mod internals;
mod iter;
#[cfg(test)]
mod tests;

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, BitXor, BitXorAssign, Sub, SubAssign};

use equivalent::Equivalent;

/// The set's parallel iterators (the `rayon` feature), where hashbrown has
/// them.
#[cfg(feature = "rayon")]
#[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
pub use crate::rayon::set as rayon;
pub use entry::{Entry, OccupiedEntry, VacantEntry};
pub use iter::{Difference, Drain, ExtractIf, Intersection, IntoIter, Iter, SymmetricDifference, Union};

use crate::hash_map::{self, HashMap};
use crate::{DefaultHashBuilder, TryReserveError};

/// A hash set with Go's classic bucket design and incremental growth.
///
/// The API is that of [`std::collections::HashSet`]; the set is a
/// [`HashMap<T, (), S>`], so what differs from std is the map's: a growth
/// allocates the new bucket array and then every later insert or remove
/// moves ("evacuates") at most two old buckets, so no single call rehashes
/// the whole set. Lookups never move anything. Each method's documentation
/// says what it costs and whether it may move buckets.
///
/// [`std::collections::HashSet`]: https://doc.rust-lang.org/std/collections/struct.HashSet.html
///
/// ```
/// use tophash::HashSet;
///
/// let mut books = HashSet::new();
/// books.insert("A Dance With Dragons");
/// books.insert("To Kill a Mockingbird");
/// assert!(books.contains("To Kill a Mockingbird"));
/// assert!(!books.insert("A Dance With Dragons"));
/// assert_eq!(books.len(), 2);
/// ```
pub struct HashSet<T, S = DefaultHashBuilder> {
    pub(crate) map: HashMap<T, (), S>,
}

impl<T> HashSet<T, DefaultHashBuilder> {
    /// An empty set. Allocates nothing until the first insert. O(1).
    ///
    /// ```
    /// let s: tophash::HashSet<u32> = tophash::HashSet::new();
    /// assert_eq!(s.capacity(), 0);
    /// ```
    #[inline]
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty set that holds at least `capacity` elements before it grows
    /// (as [`HashMap::with_capacity`]). One zeroed allocation.
    ///
    /// # Panics
    /// If the bucket array's size overflows `isize::MAX` bytes.
    ///
    /// ```
    /// let s: tophash::HashSet<u32> = tophash::HashSet::with_capacity(100);
    /// assert!(s.capacity() >= 100);
    /// ```
    #[inline]
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }
}

impl<T, S> HashSet<T, S> {
    /// An empty set using `hasher` to hash elements. Allocates nothing. O(1).
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let mut s = tophash::HashSet::with_hasher(RandomState::new());
    /// s.insert(1);
    /// assert!(s.contains(&1));
    /// ```
    #[inline]
    pub const fn with_hasher(hasher: S) -> Self {
        HashSet { map: HashMap::with_hasher(hasher) }
    }

    /// An empty set with room for `capacity` elements, using `hasher`. One
    /// zeroed allocation.
    ///
    /// # Panics
    /// As [`HashSet::with_capacity`].
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let s: tophash::HashSet<u8, _> = tophash::HashSet::with_capacity_and_hasher(10, RandomState::new());
    /// assert!(s.capacity() >= 10);
    /// ```
    #[inline]
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        HashSet { map: HashMap::with_capacity_and_hasher(capacity, hasher) }
    }

    /// The set's `BuildHasher`. O(1).
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let s: tophash::HashSet<u8, _> = tophash::HashSet::with_hasher(RandomState::new());
    /// let _: &RandomState = s.hasher();
    /// ```
    #[inline]
    pub fn hasher(&self) -> &S {
        self.map.hasher()
    }

    /// How many elements the set holds before an insert starts a doubling
    /// (as [`HashMap::capacity`]); never less than [`len`](Self::len). O(1).
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// for i in 0..9 { s.insert(i); }
    /// assert_eq!(s.capacity(), 13);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    /// Number of elements. O(1).
    ///
    /// ```
    /// let s = tophash::HashSet::from([1, 2, 3]);
    /// assert_eq!(s.len(), 3);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the set has no elements. O(1).
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// assert!(s.is_empty());
    /// s.insert(1);
    /// assert!(!s.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Iterates over the elements in arbitrary order. A full pass is
    /// O(buckets + len); it also works mid-resize and never moves buckets.
    ///
    /// ```
    /// let s = tophash::HashSet::from([1, 2, 3]);
    /// assert_eq!(s.iter().sum::<i32>(), 6);
    /// ```
    #[inline]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { inner: self.map.iter() }
    }

    /// Removes every element, yielding them; the set keeps its current
    /// bucket array. O(buckets + len) in total, including when the `Drain`
    /// is dropped early (the rest are dropped). If the `Drain` is leaked,
    /// the set is left empty and its memory leaks.
    ///
    /// ```
    /// let mut s = tophash::HashSet::from([1, 2]);
    /// let mut v: Vec<_> = s.drain().collect();
    /// v.sort();
    /// assert_eq!(v, [1, 2]);
    /// assert!(s.is_empty());
    /// ```
    #[inline]
    pub fn drain(&mut self) -> Drain<'_, T> {
        Drain { inner: self.map.drain() }
    }

    /// Keeps only the elements for which `f` returns true. O(buckets + len);
    /// never moves buckets (removals only mark slots empty).
    ///
    /// ```
    /// let mut s: tophash::HashSet<i32> = (0..8).collect();
    /// s.retain(|&x| x % 2 == 0);
    /// assert_eq!(s.len(), 4);
    /// ```
    #[inline]
    pub fn retain<F: FnMut(&T) -> bool>(&mut self, mut f: F) {
        self.map.retain(|k, _| f(k));
    }

    /// An iterator that removes and yields the elements for which `f`
    /// returns true. Elements not yet visited when it is dropped stay in the
    /// set. O(buckets + len) for a full pass; never moves buckets.
    ///
    /// The iterator holds `f` itself (nothing is boxed), so it is `Send`
    /// and `Sync` when `f` and `T` are.
    ///
    /// ```
    /// let mut s: tophash::HashSet<i32> = (0..8).collect();
    /// let mut odd: Vec<_> = s.extract_if(|x| x % 2 == 1).collect();
    /// odd.sort();
    /// assert_eq!(odd, [1, 3, 5, 7]);
    /// assert_eq!(s.len(), 4);
    /// ```
    #[inline]
    pub fn extract_if<F: FnMut(&T) -> bool>(&mut self, f: F) -> ExtractIf<'_, T, F> {
        ExtractIf { inner: self.map.table.extract_where(f) }
    }

    /// Removes every element, keeping the current bucket array (a resize in
    /// progress is abandoned and its old array freed). O(buckets + len).
    ///
    /// ```
    /// let mut s = tophash::HashSet::from([1, 2]);
    /// s.clear();
    /// assert!(s.is_empty());
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.map.clear();
    }
}

impl<T, S> HashSet<T, S>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    /// Makes room for at least `additional` more elements without a growth
    /// during those inserts (as [`HashMap::reserve`]). A new bucket array is
    /// allocated zeroed now and filled incrementally by later writes; if a
    /// resize is under way, the new array waits and its move starts when
    /// that one ends. Moves nothing itself.
    ///
    /// # Panics
    /// On capacity overflow; aborts through `handle_alloc_error` if the
    /// allocator refuses.
    ///
    /// ```
    /// let mut s: tophash::HashSet<u32> = tophash::HashSet::new();
    /// s.reserve(1000);
    /// assert!(s.capacity() >= 1000);
    /// ```
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
    }

    /// As [`reserve`](Self::reserve), but returns an error instead of
    /// panicking or aborting.
    ///
    /// ```
    /// use tophash::{HashSet, TryReserveError};
    /// let mut s: HashSet<u64> = HashSet::new();
    /// assert!(s.try_reserve(10).is_ok());
    /// assert_eq!(s.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow));
    /// ```
    #[inline]
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.map.try_reserve(additional)
    }

    /// Shrinks to the fewest buckets that hold `len` elements; an empty set
    /// frees all its memory. The smaller array is allocated now and elements
    /// move to it incrementally on later writes; if a resize is under way,
    /// the shrink starts when that one ends. Moves nothing itself.
    ///
    /// ```
    /// let mut s: tophash::HashSet<i32> = (0..1000).collect();
    /// s.retain(|&x| x < 10);
    /// s.shrink_to_fit();
    /// s.finish_resize(); // or let later writes move the elements
    /// assert!(s.capacity() < 100);
    /// assert!(s.contains(&3));
    /// ```
    #[inline]
    pub fn shrink_to_fit(&mut self) {
        self.map.shrink_to_fit();
    }

    /// Shrinks to the fewest buckets that hold `max(len, min_capacity)`
    /// elements, as [`shrink_to_fit`](Self::shrink_to_fit).
    ///
    /// ```
    /// let mut s: tophash::HashSet<i32> = (0..1000).collect();
    /// s.clear();
    /// s.shrink_to(50);
    /// assert!(s.capacity() >= 50 && s.capacity() < 1000);
    /// ```
    #[inline]
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.map.shrink_to(min_capacity);
    }

    /// Whether the set holds `value`. O(1) average; reads only, never moves
    /// buckets (mid-resize it reads the old bucket if not yet evacuated).
    ///
    /// ```
    /// let s = tophash::HashSet::from([String::from("a")]);
    /// assert!(s.contains("a"));
    /// assert!(!s.contains("b"));
    /// ```
    #[inline]
    pub fn contains<Q: Hash + Equivalent<T> + ?Sized>(&self, value: &Q) -> bool {
        self.map.contains_key(value)
    }

    /// The stored element equal to `value`, if any. O(1) average; never
    /// moves buckets.
    ///
    /// ```
    /// let s = tophash::HashSet::from([String::from("a")]);
    /// assert_eq!(s.get("a"), Some(&String::from("a")));
    /// assert_eq!(s.get("b"), None);
    /// ```
    #[inline]
    pub fn get<Q: Hash + Equivalent<T> + ?Sized>(&self, value: &Q) -> Option<&T> {
        self.map.get_key_value(value).map(|(k, _)| k)
    }

    /// The entry for `value`, to test for it and insert or remove it with
    /// one lookup (hashbrown's `HashSet::entry`). Like every write,
    /// evacuates up to two old buckets if a resize is in progress. O(1)
    /// average.
    ///
    /// ```
    /// use tophash::hash_set::Entry;
    /// let mut s = tophash::HashSet::from([1]);
    /// match s.entry(1) {
    ///     Entry::Occupied(e) => assert_eq!(e.remove(), 1),
    ///     Entry::Vacant(_) => unreachable!(),
    /// }
    /// s.entry(2).or_insert();
    /// assert_eq!(s, tophash::HashSet::from([2]));
    /// ```
    #[inline]
    pub fn entry(&mut self, value: T) -> Entry<'_, T, S> {
        match self.map.entry(value) {
            hash_map::Entry::Occupied(inner) => Entry::Occupied(OccupiedEntry { inner }),
            hash_map::Entry::Vacant(inner) => Entry::Vacant(VacantEntry { inner }),
        }
    }

    /// Adds `value`; returns whether it was absent. If an equal element is
    /// present it is kept and `value` is dropped (as in std). O(1) average.
    ///
    /// Growth: inserting a new element past [`capacity`](Self::capacity)
    /// (or into a table with too many overflow buckets) starts a resize,
    /// which only allocates. While a resize is in progress, each insert
    /// first evacuates at most two old buckets.
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// assert!(s.insert(1));
    /// assert!(!s.insert(1));
    /// ```
    #[inline]
    pub fn insert(&mut self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }

    /// Adds `value`, replacing and returning the stored element equal to it,
    /// if any. O(1) average; like every write, evacuates up to two old
    /// buckets during a resize, and may start a growth.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let a: Rc<str> = Rc::from("a");
    /// let mut s = tophash::HashSet::from([a.clone()]);
    /// let old = s.replace(Rc::from("a")).unwrap();
    /// assert!(Rc::ptr_eq(&old, &a));
    /// assert!(!Rc::ptr_eq(s.get("a").unwrap(), &a));
    /// assert_eq!(s.replace(Rc::from("b")), None);
    /// ```
    #[inline]
    pub fn replace(&mut self, value: T) -> Option<T> {
        match self.map.entry(value) {
            hash_map::Entry::Occupied(e) => Some(e.replace_key()),
            hash_map::Entry::Vacant(e) => {
                e.insert(());
                None
            }
        }
    }

    /// Removes `value`; returns whether it was present. O(1) average; like
    /// every write, evacuates up to two old buckets during a resize.
    ///
    /// ```
    /// let mut s = tophash::HashSet::from([1]);
    /// assert!(s.remove(&1));
    /// assert!(!s.remove(&1));
    /// ```
    #[inline]
    pub fn remove<Q: Hash + Equivalent<T> + ?Sized>(&mut self, value: &Q) -> bool {
        self.map.remove(value).is_some()
    }

    /// Removes and returns the stored element equal to `value`. O(1)
    /// average; like every write, evacuates up to two old buckets during a
    /// resize.
    ///
    /// ```
    /// let mut s = tophash::HashSet::from([String::from("a")]);
    /// assert_eq!(s.take("a"), Some(String::from("a")));
    /// assert_eq!(s.take("a"), None);
    /// ```
    #[inline]
    pub fn take<Q: Hash + Equivalent<T> + ?Sized>(&mut self, value: &Q) -> Option<T> {
        self.map.remove_entry(value).map(|(k, _)| k)
    }

    /// Inserts `value` if absent, then returns a reference to the stored
    /// element equal to it (`value` is dropped if one was present; hashbrown's
    /// `get_or_insert`). O(1) average; a write, so it evacuates up to two old
    /// buckets during a resize and may start a growth.
    ///
    /// ```
    /// let mut s = tophash::HashSet::from([1, 2]);
    /// assert_eq!(*s.get_or_insert(2), 2);
    /// assert_eq!(*s.get_or_insert(3), 3);
    /// assert_eq!(s.len(), 3);
    /// ```
    #[inline]
    pub fn get_or_insert(&mut self, value: T) -> &T {
        match self.map.entry(value) {
            hash_map::Entry::Occupied(e) => e.into_key(),
            hash_map::Entry::Vacant(e) => e.insert_entry(()).into_key(),
        }
    }

    /// Returns a reference to the stored element equal to `value`, first
    /// inserting `f(value)` if there is none (hashbrown's
    /// `get_or_insert_with`). O(1) average; when it inserts it is a write
    /// (evacuates up to two old buckets during a resize, may start a
    /// growth); when the element is present nothing moves.
    ///
    /// # Panics
    /// If `f(value)` is not equivalent to `value`, or does not hash like it
    /// (in that case after inserting it).
    ///
    /// ```
    /// let mut s: tophash::HashSet<String> = tophash::HashSet::new();
    /// let v = s.get_or_insert_with("abc", str::to_owned);
    /// assert_eq!(v, "abc");
    /// assert_eq!(s.len(), 1);
    /// ```
    #[inline]
    pub fn get_or_insert_with<Q, F>(&mut self, value: &Q, f: F) -> &T
    where
        Q: Hash + Equivalent<T> + ?Sized,
        F: FnOnce(&Q) -> T,
    {
        if !self.map.contains_key(value) {
            let new = f(value);
            assert!(value.equivalent(&new), "get_or_insert_with: the new value is not equivalent");
            self.map.insert(new, ());
        }
        match self.map.get_key_value(value) {
            Some((k, _)) => k,
            None => panic!("get_or_insert_with: the new value does not hash like the lookup value"),
        }
    }

    /// The elements in `self` or `other`, lazily, without duplicates. It
    /// walks the larger set, then the smaller one's elements missing from
    /// the larger: O(buckets + len) of both for a full pass. Reads only.
    ///
    /// ```
    /// let a = tophash::HashSet::from([1, 2, 3]);
    /// let b = tophash::HashSet::from([4, 2, 3, 4]);
    /// let mut u: Vec<_> = a.union(&b).copied().collect();
    /// u.sort();
    /// assert_eq!(u, [1, 2, 3, 4]);
    /// ```
    #[inline]
    pub fn union<'a>(&'a self, other: &'a Self) -> Union<'a, T, S> {
        let (large, small) = if self.len() >= other.len() { (self, other) } else { (other, self) };
        Union { iter: large.iter().chain(small.difference(large)) }
    }

    /// The elements in both sets, lazily. It walks the smaller set and looks
    /// each element up in the larger: O(buckets + len) of the smaller set
    /// for a full pass. Reads only.
    ///
    /// ```
    /// let a = tophash::HashSet::from([1, 2, 3]);
    /// let b = tophash::HashSet::from([4, 2, 3, 4]);
    /// let mut i: Vec<_> = a.intersection(&b).copied().collect();
    /// i.sort();
    /// assert_eq!(i, [2, 3]);
    /// ```
    #[inline]
    pub fn intersection<'a>(&'a self, other: &'a Self) -> Intersection<'a, T, S> {
        if self.len() <= other.len() {
            Intersection { iter: self.iter(), other }
        } else {
            Intersection { iter: other.iter(), other: self }
        }
    }

    /// The elements in `self` but not in `other`, lazily: O(buckets + len)
    /// of `self` for a full pass. Reads only.
    ///
    /// ```
    /// let a = tophash::HashSet::from([1, 2, 3]);
    /// let b = tophash::HashSet::from([4, 2, 3, 4]);
    /// assert_eq!(a.difference(&b).collect::<Vec<_>>(), [&1]);
    /// assert_eq!(b.difference(&a).collect::<Vec<_>>(), [&4]);
    /// ```
    #[inline]
    pub fn difference<'a>(&'a self, other: &'a Self) -> Difference<'a, T, S> {
        Difference { iter: self.iter(), other }
    }

    /// The elements in exactly one of the sets, lazily: O(buckets + len) of
    /// both for a full pass. Reads only.
    ///
    /// ```
    /// let a = tophash::HashSet::from([1, 2, 3]);
    /// let b = tophash::HashSet::from([4, 2, 3, 4]);
    /// let mut d: Vec<_> = a.symmetric_difference(&b).copied().collect();
    /// d.sort();
    /// assert_eq!(d, [1, 4]);
    /// ```
    #[inline]
    pub fn symmetric_difference<'a>(&'a self, other: &'a Self) -> SymmetricDifference<'a, T, S> {
        SymmetricDifference { iter: self.difference(other).chain(other.difference(self)) }
    }

    /// Whether every element of `self` is in `other`. O(len) average (O(1)
    /// when `self` is the larger); reads only.
    ///
    /// ```
    /// let sup = tophash::HashSet::from([1, 2, 3]);
    /// let mut s = tophash::HashSet::new();
    /// assert!(s.is_subset(&sup));
    /// s.insert(4);
    /// assert!(!s.is_subset(&sup));
    /// ```
    pub fn is_subset(&self, other: &Self) -> bool {
        self.len() <= other.len() && self.iter().all(|v| other.contains(v))
    }

    /// Whether every element of `other` is in `self`. O(len of `other`)
    /// average; reads only.
    ///
    /// ```
    /// let sub = tophash::HashSet::from([1, 2]);
    /// let mut s = tophash::HashSet::new();
    /// assert!(!s.is_superset(&sub));
    /// s.extend([0, 1, 2]);
    /// assert!(s.is_superset(&sub));
    /// ```
    #[inline]
    pub fn is_superset(&self, other: &Self) -> bool {
        other.is_subset(self)
    }

    /// Whether the sets have no element in common. Walks the smaller set:
    /// O(min len) average; reads only.
    ///
    /// ```
    /// let a = tophash::HashSet::from([1, 2, 3]);
    /// let mut b = tophash::HashSet::from([4]);
    /// assert!(a.is_disjoint(&b));
    /// b.insert(1);
    /// assert!(!a.is_disjoint(&b));
    /// ```
    pub fn is_disjoint(&self, other: &Self) -> bool {
        let (small, large) = if self.len() <= other.len() { (self, other) } else { (other, self) };
        small.iter().all(|v| !large.contains(v))
    }
}

impl<T: Clone, S: Clone> Clone for HashSet<T, S> {
    /// Copies the table's exact shape, including a resize in progress; no
    /// element is rehashed. O(buckets + len).
    #[inline]
    fn clone(&self) -> Self {
        HashSet { map: self.map.clone() }
    }

    /// O(buckets + len). If a clone panics, `self` is left unchanged.
    #[inline]
    fn clone_from(&mut self, source: &Self) {
        self.map.clone_from(&source.map);
    }
}

impl<T: fmt::Debug, S> fmt::Debug for HashSet<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T, S: Default> Default for HashSet<T, S> {
    /// An empty set with the default hasher. Allocates nothing.
    #[inline]
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<T: Eq + Hash, S: BuildHasher> PartialEq for HashSet<T, S> {
    /// Same length and every element of `self` in `other`. O(len) average.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.is_subset(other)
    }
}

impl<T: Eq + Hash, S: BuildHasher> Eq for HashSet<T, S> {}

impl<T: Eq + Hash, S: BuildHasher> Extend<T> for HashSet<T, S> {
    /// Reserves as the map's `extend` does, then inserts each element.
    #[inline]
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.map.extend(iter.into_iter().map(|k| (k, ())));
    }
}

impl<'a, T: Eq + Hash + Copy + 'a, S: BuildHasher> Extend<&'a T> for HashSet<T, S> {
    #[inline]
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

impl<T: Eq + Hash, S: BuildHasher + Default> FromIterator<T> for HashSet<T, S> {
    #[inline]
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut s = Self::with_hasher(S::default());
        s.extend(iter);
        s
    }
}

impl<T: Eq + Hash, const N: usize> From<[T; N]> for HashSet<T, DefaultHashBuilder> {
    /// ```
    /// let s = tophash::HashSet::from([1, 2, 3, 2]);
    /// assert_eq!(s.len(), 3);
    /// ```
    #[inline]
    fn from(arr: [T; N]) -> Self {
        arr.into_iter().collect()
    }
}

impl<T, S> From<HashMap<T, (), S>> for HashSet<T, S> {
    /// The map's keys as a set, as hashbrown's `From<HashMap<T, (), S>>`:
    /// the set takes over the map's table and hasher. O(1); allocates
    /// nothing and moves no bucket (a resize under way carries on).
    ///
    /// ```
    /// let m: tophash::HashMap<u32, ()> = (0..4).map(|k| (k, ())).collect();
    /// let s: tophash::HashSet<u32> = m.into();
    /// assert_eq!(s.len(), 4);
    /// assert!(s.contains(&3));
    /// ```
    #[inline]
    fn from(map: HashMap<T, (), S>) -> Self {
        HashSet { map }
    }
}

impl<'a, T, S> IntoIterator for &'a HashSet<T, S> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    #[inline]
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T, S> IntoIterator for HashSet<T, S> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    /// Consumes the set. O(buckets + len) for a full pass.
    ///
    /// ```
    /// let s = tophash::HashSet::from([1, 2]);
    /// let mut v: Vec<_> = s.into_iter().collect();
    /// v.sort();
    /// assert_eq!(v, [1, 2]);
    /// ```
    #[inline]
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { inner: self.map.into_keys() }
    }
}

impl<T, S> BitOr<&HashSet<T, S>> for &HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
{
    type Output = HashSet<T, S>;

    /// The union of `self` and `rhs` as a new set. O(len of both) average.
    ///
    /// ```
    /// let a = tophash::HashSet::from([1, 2]);
    /// let b = tophash::HashSet::from([2, 3]);
    /// assert_eq!(&a | &b, tophash::HashSet::from([1, 2, 3]));
    /// ```
    fn bitor(self, rhs: &HashSet<T, S>) -> HashSet<T, S> {
        self.union(rhs).cloned().collect()
    }
}

impl<T, S> BitAnd<&HashSet<T, S>> for &HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
{
    type Output = HashSet<T, S>;

    /// The intersection of `self` and `rhs` as a new set. O(min len)
    /// average.
    ///
    /// ```
    /// let a = tophash::HashSet::from([1, 2]);
    /// let b = tophash::HashSet::from([2, 3]);
    /// assert_eq!(&a & &b, tophash::HashSet::from([2]));
    /// ```
    fn bitand(self, rhs: &HashSet<T, S>) -> HashSet<T, S> {
        self.intersection(rhs).cloned().collect()
    }
}

impl<T, S> BitXor<&HashSet<T, S>> for &HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
{
    type Output = HashSet<T, S>;

    /// The symmetric difference of `self` and `rhs` as a new set. O(len of
    /// both) average.
    ///
    /// ```
    /// let a = tophash::HashSet::from([1, 2]);
    /// let b = tophash::HashSet::from([2, 3]);
    /// assert_eq!(&a ^ &b, tophash::HashSet::from([1, 3]));
    /// ```
    fn bitxor(self, rhs: &HashSet<T, S>) -> HashSet<T, S> {
        self.symmetric_difference(rhs).cloned().collect()
    }
}

impl<T, S> Sub<&HashSet<T, S>> for &HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
{
    type Output = HashSet<T, S>;

    /// The elements of `self` not in `rhs`, as a new set. O(len of `self`)
    /// average.
    ///
    /// ```
    /// let a = tophash::HashSet::from([1, 2]);
    /// let b = tophash::HashSet::from([2, 3]);
    /// assert_eq!(&a - &b, tophash::HashSet::from([1]));
    /// ```
    fn sub(self, rhs: &HashSet<T, S>) -> HashSet<T, S> {
        self.difference(rhs).cloned().collect()
    }
}

impl<T, S> BitOrAssign<&HashSet<T, S>> for HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher,
{
    /// Adds the elements of `rhs` missing from `self` (clones of them).
    /// O(len of `rhs`) average; each insert is a write (may start a growth
    /// or move up to two old buckets).
    ///
    /// ```
    /// let mut a = tophash::HashSet::from([1, 2]);
    /// a |= &tophash::HashSet::from([2, 3]);
    /// assert_eq!(a, tophash::HashSet::from([1, 2, 3]));
    /// ```
    fn bitor_assign(&mut self, rhs: &HashSet<T, S>) {
        for v in rhs {
            if !self.contains(v) {
                self.insert(v.clone());
            }
        }
    }
}

impl<T, S> BitAndAssign<&HashSet<T, S>> for HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher,
{
    /// Keeps only the elements also in `rhs`. O(buckets + len) of `self`,
    /// as [`retain`](HashSet::retain); moves no bucket.
    ///
    /// ```
    /// let mut a = tophash::HashSet::from([1, 2]);
    /// a &= &tophash::HashSet::from([2, 3]);
    /// assert_eq!(a, tophash::HashSet::from([2]));
    /// ```
    fn bitand_assign(&mut self, rhs: &HashSet<T, S>) {
        self.retain(|v| rhs.contains(v));
    }
}

impl<T, S> BitXorAssign<&HashSet<T, S>> for HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher,
{
    /// Removes the elements also in `rhs` and adds (clones of) those only
    /// in `rhs`. O(len of `rhs`) average, each step a write.
    ///
    /// ```
    /// let mut a = tophash::HashSet::from([1, 2]);
    /// a ^= &tophash::HashSet::from([2, 3]);
    /// assert_eq!(a, tophash::HashSet::from([1, 3]));
    /// ```
    fn bitxor_assign(&mut self, rhs: &HashSet<T, S>) {
        for v in rhs {
            if !self.remove(v) {
                self.insert(v.clone());
            }
        }
    }
}

impl<T, S> SubAssign<&HashSet<T, S>> for HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher,
{
    /// Removes the elements also in `rhs`. Walks the smaller side: removes
    /// each element of a smaller `rhs` (O(len of `rhs`), writes), else
    /// retains in `self` (O(buckets + len) of `self`, moves no bucket).
    ///
    /// ```
    /// let mut a = tophash::HashSet::from([1, 2]);
    /// a -= &tophash::HashSet::from([2, 3]);
    /// assert_eq!(a, tophash::HashSet::from([1]));
    /// ```
    fn sub_assign(&mut self, rhs: &HashSet<T, S>) {
        if rhs.len() < self.len() {
            for v in rhs {
                self.remove(v);
            }
        } else {
            self.retain(|v| !rhs.contains(v));
        }
    }
}
