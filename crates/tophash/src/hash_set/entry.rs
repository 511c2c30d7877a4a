//! The set's entry API: the map's entries for `HashMap<T, (), S>`, seen as
//! elements (hashbrown's `hash_set::Entry` shape).

use core::fmt;
use core::hash::{BuildHasher, Hash};

use crate::hash_map;

/// A view into one element's place in a set, present or absent; from
/// [`HashSet::entry`](super::HashSet::entry).
pub enum Entry<'a, T, S> {
    /// An equal element is in the set.
    Occupied(OccupiedEntry<'a, T, S>),
    /// No equal element is in the set.
    Vacant(VacantEntry<'a, T, S>),
}

/// An entry whose element is present.
pub struct OccupiedEntry<'a, T, S> {
    pub(super) inner: hash_map::OccupiedEntry<'a, T, (), S>,
}

/// An entry whose element is absent.
pub struct VacantEntry<'a, T, S> {
    pub(super) inner: hash_map::VacantEntry<'a, T, (), S>,
}

impl<'a, T: Hash, S: BuildHasher> Entry<'a, T, S> {
    /// Inserts the element if absent and returns the occupied entry. An
    /// insert is a write: it may start a growth (see
    /// [`HashSet::insert`](super::HashSet::insert)). O(1).
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// let e = s.entry("a").insert();
    /// assert_eq!(e.get(), &"a");
    /// assert!(s.contains("a"));
    /// ```
    #[inline]
    pub fn insert(self) -> OccupiedEntry<'a, T, S> {
        match self {
            Entry::Occupied(e) => e,
            Entry::Vacant(e) => e.insert(),
        }
    }

    /// Inserts the element if absent; a present element is kept and the
    /// entry's value dropped. O(1).
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// s.entry(1).or_insert();
    /// s.entry(1).or_insert();
    /// assert_eq!(s.len(), 1);
    /// ```
    #[inline]
    pub fn or_insert(self) {
        if let Entry::Vacant(e) = self {
            e.insert();
        }
    }
}

impl<T, S> Entry<'_, T, S> {
    /// The stored element if present, else the value passed to `entry`.
    /// O(1).
    ///
    /// ```
    /// let mut s = tophash::HashSet::from([1]);
    /// assert_eq!(s.entry(1).get(), &1);
    /// assert_eq!(s.entry(2).get(), &2);
    /// ```
    #[inline]
    pub fn get(&self) -> &T {
        match self {
            Entry::Occupied(e) => e.get(),
            Entry::Vacant(e) => e.get(),
        }
    }
}

impl<T, S> OccupiedEntry<'_, T, S> {
    /// The stored element. O(1).
    ///
    /// ```
    /// use tophash::hash_set::Entry;
    /// let mut s = tophash::HashSet::from([String::from("a")]);
    /// if let Entry::Occupied(e) = s.entry(String::from("a")) {
    ///     assert_eq!(e.get(), "a");
    /// }
    /// ```
    #[inline]
    pub fn get(&self) -> &T {
        self.inner.key()
    }

    /// Removes the stored element and returns it. O(1).
    ///
    /// ```
    /// use tophash::hash_set::Entry;
    /// let mut s = tophash::HashSet::from([1, 2]);
    /// if let Entry::Occupied(e) = s.entry(1) {
    ///     assert_eq!(e.remove(), 1);
    /// }
    /// assert_eq!(s.len(), 1);
    /// ```
    #[inline]
    pub fn remove(self) -> T {
        self.inner.remove_entry().0
    }
}

impl<'a, T, S> VacantEntry<'a, T, S> {
    /// The value that would be inserted. O(1).
    ///
    /// ```
    /// use tophash::hash_set::Entry;
    /// let mut s: tophash::HashSet<u8> = tophash::HashSet::new();
    /// if let Entry::Vacant(e) = s.entry(3) {
    ///     assert_eq!(e.get(), &3);
    /// }
    /// ```
    #[inline]
    pub fn get(&self) -> &T {
        self.inner.key()
    }

    /// Takes the value back without inserting. O(1).
    ///
    /// ```
    /// use tophash::hash_set::Entry;
    /// let mut s: tophash::HashSet<String> = tophash::HashSet::new();
    /// if let Entry::Vacant(e) = s.entry(String::from("x")) {
    ///     assert_eq!(e.into_value(), "x");
    /// }
    /// assert!(s.is_empty());
    /// ```
    #[inline]
    pub fn into_value(self) -> T {
        self.inner.into_key()
    }
}

impl<'a, T: Hash, S: BuildHasher> VacantEntry<'a, T, S> {
    /// Inserts the value, returning the occupied entry. O(1) average; a
    /// growth triggered by this insert starts here, as in
    /// [`HashSet::insert`](super::HashSet::insert).
    ///
    /// ```
    /// use tophash::hash_set::Entry;
    /// let mut s = tophash::HashSet::new();
    /// if let Entry::Vacant(e) = s.entry(7) {
    ///     assert_eq!(e.insert().get(), &7);
    /// }
    /// assert!(s.contains(&7));
    /// ```
    #[inline]
    pub fn insert(self) -> OccupiedEntry<'a, T, S> {
        OccupiedEntry { inner: self.inner.insert_entry(()) }
    }
}

impl<T: fmt::Debug, S> fmt::Debug for Entry<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<T: fmt::Debug, S> fmt::Debug for OccupiedEntry<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OccupiedEntry").field(self.get()).finish()
    }
}

impl<T: fmt::Debug, S> fmt::Debug for VacantEntry<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(self.get()).finish()
    }
}
