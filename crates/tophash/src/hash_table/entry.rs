//! The table's entry types. Each holds the engine's handle (a slot or a
//! vacancy of the borrowed table) and, where an insert may still follow,
//! the hasher the entry was made with: inserting may start a growth, which
//! evacuates with it.

use core::fmt;

use super::HashTable;
use crate::raw::{self, Probe};

/// A view of one element's place, occupied or vacant; from
/// [`HashTable::entry`]. `H` is the hasher the entry was made with.
pub enum Entry<'a, T, H> {
    /// An element matched.
    Occupied(OccupiedEntry<'a, T, H>),
    /// No element matched.
    Vacant(VacantEntry<'a, T, H>),
}

/// An element of the table, borrowed with the table; from
/// [`HashTable::entry`], [`HashTable::find_entry`] or
/// [`HashTable::insert_unique`].
pub struct OccupiedEntry<'a, T, H> {
    pub(super) inner: raw::Occupied<'a, T, ()>,
    /// The element's hash, to find the vacancy again after `remove`.
    pub(super) hash: u64,
    pub(super) hasher: H,
}

/// Where an absent element goes; from [`HashTable::entry`] or
/// [`OccupiedEntry::remove`].
pub struct VacantEntry<'a, T, H> {
    pub(super) inner: raw::Vacant<'a, T, ()>,
    pub(super) hash: u64,
    pub(super) hasher: H,
}

/// The table, borrowed after [`HashTable::find_entry`] found no match.
pub struct AbsentEntry<'a, T> {
    pub(super) table: &'a mut HashTable<T>,
}

impl<'a, T, H: Fn(&T) -> u64> Entry<'a, T, H> {
    /// Sets the element (dropping the old one if occupied) and returns its
    /// entry. May start a growth, as [`VacantEntry::insert`]. O(1)
    /// amortised.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// let e = t.entry(1, |e: &(u64, char)| e.0 == 1, |e| e.0).insert((1, 'a'));
    /// assert_eq!(*e.get(), (1, 'a'));
    /// ```
    #[inline]
    pub fn insert(self, value: T) -> OccupiedEntry<'a, T, H> {
        match self {
            Entry::Occupied(mut o) => {
                *o.get_mut() = value;
                o
            }
            Entry::Vacant(v) => v.insert(value),
        }
    }

    /// The element, inserting `default` if vacant. O(1) amortised.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// t.entry(1, |&(k, _)| k == 1, |e: &(u64, u32)| e.0).or_insert((1, 0)).get_mut().1 += 5;
    /// assert_eq!(t.find(1, |e| e.0 == 1), Some(&(1, 5)));
    /// ```
    #[inline]
    pub fn or_insert(self, default: T) -> OccupiedEntry<'a, T, H> {
        match self {
            Entry::Occupied(o) => o,
            Entry::Vacant(v) => v.insert(default),
        }
    }

    /// The element, inserting `default()` if vacant. O(1) amortised.
    ///
    /// ```
    /// let mut t: tophash::HashTable<(u64, Vec<u8>)> = tophash::HashTable::new();
    /// t.entry(1, |e| e.0 == 1, |e| e.0).or_insert_with(|| (1, Vec::new())).get_mut().1.push(7);
    /// assert_eq!(t.find(1, |e| e.0 == 1).unwrap().1, [7]);
    /// ```
    #[inline]
    pub fn or_insert_with(self, default: impl FnOnce() -> T) -> OccupiedEntry<'a, T, H> {
        match self {
            Entry::Occupied(o) => o,
            Entry::Vacant(v) => v.insert(default()),
        }
    }

    /// Calls `f` on the element if occupied. O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// t.insert_unique(1, (1u64, 0u32), |e| e.0);
    /// t.entry(1, |e| e.0 == 1, |e| e.0).and_modify(|e| e.1 += 1).or_insert((1, 0));
    /// assert_eq!(t.find(1, |e| e.0 == 1), Some(&(1, 1)));
    /// ```
    #[inline]
    pub fn and_modify(self, f: impl FnOnce(&mut T)) -> Self {
        match self {
            Entry::Occupied(mut o) => {
                f(o.get_mut());
                Entry::Occupied(o)
            }
            v => v,
        }
    }
}

impl<'a, T, H> Entry<'a, T, H> {
    /// Gives the entry up and returns the table's borrow. O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// let table = t.entry(1, |&x| x == 1, |&x: &u64| x).into_table();
    /// assert!(table.is_empty());
    /// ```
    #[inline]
    pub fn into_table(self) -> &'a mut HashTable<T> {
        match self {
            Entry::Occupied(o) => o.into_table(),
            Entry::Vacant(v) => v.into_table(),
        }
    }
}

impl<'a, T, H> OccupiedEntry<'a, T, H> {
    /// The element. O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// assert_eq!(*t.insert_unique(2, 2u64, |&x| x).get(), 2);
    /// ```
    #[inline]
    pub fn get(&self) -> &T {
        self.inner.key()
    }

    /// The element, mutable (changing its hash or equality is a logic
    /// error, as for [`HashTable::find_mut`]). O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// t.insert_unique(2, (2u64, 0), |e| e.0).get_mut().1 = 9;
    /// assert_eq!(t.find(2, |e| e.0 == 2), Some(&(2, 9)));
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.key_mut()
    }

    /// The element, mutable for the table's borrow. O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// let e: &mut (u64, u32) = t.insert_unique(2, (2, 0), |e| e.0).into_mut();
    /// e.1 = 3;
    /// assert_eq!(t.find(2, |e| e.0 == 2), Some(&(2, 3)));
    /// ```
    #[inline]
    pub fn into_mut(self) -> &'a mut T {
        self.inner.into_key_mut()
    }

    /// Gives the entry up and returns the table's borrow. O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// let table = t.insert_unique(2, 2u64, |&x| x).into_table();
    /// assert_eq!(table.len(), 1);
    /// ```
    #[inline]
    pub fn into_table(self) -> &'a mut HashTable<T> {
        HashTable::from_raw_mut(self.inner.into_table())
    }
}

impl<'a, T, H: Fn(&T) -> u64> OccupiedEntry<'a, T, H> {
    /// Removes the element, returning it and the [`VacantEntry`] where it
    /// was. **O(1)** average: the removal itself moves nothing, then the
    /// vacancy is found again by walking the element's chain (the slot
    /// just emptied may not be the chain's first empty one), which moves
    /// at most one more old bucket of a resize in progress.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// let (x, vacant) = t.insert_unique(4, 4u64, |&x| x).remove();
    /// assert_eq!(x, 4);
    /// assert!(vacant.into_table().is_empty());
    /// ```
    pub fn remove(self) -> (T, VacantEntry<'a, T, H>) {
        let OccupiedEntry { inner, hash, hasher } = self;
        let ((value, ()), table) = inner.remove_in();
        match table.entry(hash, |_| false, &hasher) {
            Probe::Vacant(inner) => (value, VacantEntry { inner, hash, hasher }),
            Probe::Found(_) => unreachable!("an equality test that is never true found an element"),
        }
    }
}

impl<'a, T, H: Fn(&T) -> u64> VacantEntry<'a, T, H> {
    /// Inserts `value` here. If Go's growth triggers fire (load factor
    /// 6.5, or as many overflow buckets as buckets), first starts a growth,
    /// which allocates the new array and moves two old buckets (rehashing
    /// with the entry's hasher). **O(1)** amortised; never a full rehash.
    ///
    /// ```
    /// use tophash::hash_table::Entry;
    /// let mut t = tophash::HashTable::new();
    /// if let Entry::Vacant(v) = t.entry(8, |&x| x == 8, |&x: &u64| x) {
    ///     assert_eq!(*v.insert(8).get(), 8);
    /// }
    /// ```
    #[inline]
    pub fn insert(self, value: T) -> OccupiedEntry<'a, T, H> {
        let VacantEntry { inner, hash, hasher } = self;
        let inner = inner.insert(value, (), &hasher);
        OccupiedEntry { inner, hash, hasher }
    }
}

impl<'a, T, H> VacantEntry<'a, T, H> {
    /// Gives the entry up and returns the table's borrow. O(1).
    ///
    /// ```
    /// use tophash::hash_table::Entry;
    /// let mut t = tophash::HashTable::new();
    /// if let Entry::Vacant(v) = t.entry(8, |&x| x == 8, |&x: &u64| x) {
    ///     assert!(v.into_table().is_empty());
    /// }
    /// ```
    #[inline]
    pub fn into_table(self) -> &'a mut HashTable<T> {
        HashTable::from_raw_mut(self.inner.into_table())
    }
}

impl<'a, T> AbsentEntry<'a, T> {
    /// Gives the entry up and returns the table's borrow. O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// let absent = t.find_entry(3, |&x| x == 3, |&x: &u64| x).unwrap_err();
    /// assert!(absent.into_table().is_empty());
    /// ```
    #[inline]
    pub fn into_table(self) -> &'a mut HashTable<T> {
        self.table
    }
}

impl<T: fmt::Debug, H> fmt::Debug for Entry<'_, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(o) => f.debug_tuple("Entry").field(o).finish(),
            Entry::Vacant(v) => f.debug_tuple("Entry").field(v).finish(),
        }
    }
}

impl<T: fmt::Debug, H> fmt::Debug for OccupiedEntry<'_, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry").field("value", self.get()).finish_non_exhaustive()
    }
}

impl<T, H> fmt::Debug for VacantEntry<'_, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VacantEntry").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for AbsentEntry<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbsentEntry").finish_non_exhaustive()
    }
}
