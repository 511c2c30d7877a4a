//! The entry API by borrowed key: [`HashMap::entry_ref`](super::HashMap::entry_ref)
//! looks a key up by `&Q` and builds the owned key (`K::from(&Q)`) only
//! when it inserts.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};

use super::{OccupiedEntry, VacantEntry};
use crate::raw;

/// A view into a single entry of a map, found by a borrowed key; from
/// [`HashMap::entry_ref`](super::HashMap::entry_ref). A present key gives
/// the same [`OccupiedEntry`] as [`HashMap::entry`](super::HashMap::entry)
/// (as in hashbrown 0.15).
pub enum EntryRef<'a, 'b, K, Q: ?Sized, V, S> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S>),
    /// The key is absent; the owned key is made only if it is inserted.
    Vacant(VacantEntryRef<'a, 'b, K, Q, V, S>),
}

/// An absent key, held by reference until it is inserted.
pub struct VacantEntryRef<'a, 'b, K, Q: ?Sized, V, S> {
    pub(super) inner: raw::Vacant<'a, K, V>,
    pub(super) key: &'b Q,
    pub(super) hash_builder: &'a S,
}

impl<'a, 'b, K, Q, V, S> EntryRef<'a, 'b, K, Q, V, S>
where
    K: Hash + From<&'b Q>,
    Q: ?Sized,
    S: BuildHasher,
{
    /// The value, inserting `default` (under `K::from(key)`) if absent.
    /// O(1); an insert may start a growth (see
    /// [`HashMap::insert`](super::HashMap::insert)).
    ///
    /// ```
    /// let mut m: tophash::HashMap<String, u32> = tophash::HashMap::new();
    /// *m.entry_ref("a").or_insert(1) += 1;
    /// *m.entry_ref("a").or_insert(1) += 1;
    /// assert_eq!(m["a"], 3);
    /// ```
    #[inline]
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if absent. O(1).
    ///
    /// ```
    /// let mut m: tophash::HashMap<String, Vec<u8>> = tophash::HashMap::new();
    /// m.entry_ref("a").or_insert_with(Vec::new).push(1);
    /// assert_eq!(m["a"], [1]);
    /// ```
    #[inline]
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(key)` if absent; `default` sees the
    /// borrowed key. O(1).
    ///
    /// ```
    /// let mut m: tophash::HashMap<String, usize> = tophash::HashMap::new();
    /// m.entry_ref("abc").or_insert_with_key(|k| k.len());
    /// assert_eq!(m["abc"], 3);
    /// ```
    #[inline]
    pub fn or_insert_with_key<F: FnOnce(&Q) -> V>(self, default: F) -> &'a mut V {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => {
                let v = default(e.key);
                e.insert(v)
            }
        }
    }

    /// Sets the value, inserting if absent, and returns the occupied entry.
    /// O(1); an insert may start a growth.
    ///
    /// ```
    /// let mut m: tophash::HashMap<String, u32> = tophash::HashMap::new();
    /// let e = m.entry_ref("a").insert(1);
    /// assert_eq!((e.key().as_str(), e.get()), ("a", &1));
    /// m.entry_ref("a").insert(2);
    /// assert_eq!(m["a"], 2);
    /// ```
    #[inline]
    pub fn insert(self, value: V) -> OccupiedEntry<'a, K, V, S> {
        match self {
            EntryRef::Occupied(mut e) => {
                e.insert(value);
                e
            }
            EntryRef::Vacant(e) => e.insert_entry(value),
        }
    }

    /// Runs `f` on the value if present. O(1).
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([(String::from("a"), 1)]);
    /// m.entry_ref("a").and_modify(|v| *v += 1).or_insert(0);
    /// m.entry_ref("b").and_modify(|v| *v += 1).or_insert(0);
    /// assert_eq!((m["a"], m["b"]), (2, 0));
    /// ```
    #[inline]
    pub fn and_modify<F: FnOnce(&mut V)>(self, f: F) -> Self {
        match self {
            EntryRef::Occupied(mut e) => {
                f(e.get_mut());
                EntryRef::Occupied(e)
            }
            EntryRef::Vacant(e) => EntryRef::Vacant(e),
        }
    }
}

impl<'a, 'b, K, Q, V, S> EntryRef<'a, 'b, K, Q, V, S>
where
    K: Hash + From<&'b Q>,
    Q: ?Sized,
    V: Default,
    S: BuildHasher,
{
    /// The value, inserting `V::default()` if absent. O(1).
    ///
    /// ```
    /// let mut m: tophash::HashMap<String, u32> = tophash::HashMap::new();
    /// for w in ["a", "b", "a"] {
    ///     *m.entry_ref(w).or_default() += 1;
    /// }
    /// assert_eq!((m["a"], m["b"]), (2, 1));
    /// ```
    #[inline]
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<K, Q: ?Sized, V, S> EntryRef<'_, '_, K, Q, V, S> {
    /// The entry's key: the stored one if present (borrowed as `Q`), else
    /// the one passed to `entry_ref`. O(1).
    ///
    /// ```
    /// let mut m: tophash::HashMap<String, u8> = tophash::HashMap::new();
    /// assert_eq!(m.entry_ref("a").key(), "a");
    /// ```
    #[inline]
    pub fn key(&self) -> &Q
    where
        K: Borrow<Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.key().borrow(),
            EntryRef::Vacant(e) => e.key,
        }
    }
}

impl<'a, 'b, K, Q: ?Sized, V, S> VacantEntryRef<'a, 'b, K, Q, V, S> {
    /// The borrowed key that would be inserted (converted). O(1).
    ///
    /// ```
    /// use tophash::hash_map::EntryRef;
    /// let mut m: tophash::HashMap<String, u8> = tophash::HashMap::new();
    /// if let EntryRef::Vacant(v) = m.entry_ref("a") {
    ///     assert_eq!(v.key(), "a");
    /// }
    /// ```
    #[inline]
    pub fn key(&self) -> &'b Q {
        self.key
    }
}

impl<'a, 'b, K, Q, V, S> VacantEntryRef<'a, 'b, K, Q, V, S>
where
    K: Hash + From<&'b Q>,
    Q: ?Sized,
    S: BuildHasher,
{
    /// Inserts `K::from(key)` with the value, returning a mutable reference
    /// to the value. O(1) average; a growth triggered by this insert
    /// starts here, as in [`HashMap::insert`](super::HashMap::insert).
    ///
    /// `K::from(key)` must hash and compare like `key` (the lookup's hash
    /// is reused), as for [`Equivalent`](crate::Equivalent).
    ///
    /// ```
    /// use tophash::hash_map::EntryRef;
    /// let mut m: tophash::HashMap<String, u8> = tophash::HashMap::new();
    /// if let EntryRef::Vacant(v) = m.entry_ref("a") {
    ///     *v.insert(1) += 1;
    /// }
    /// assert_eq!(m["a"], 2);
    /// ```
    #[inline]
    pub fn insert(self, value: V) -> &'a mut V {
        self.insert_entry(value).into_mut()
    }

    /// Inserts `K::from(key)` with the value, returning the occupied entry.
    /// O(1) average; as [`insert`](Self::insert).
    ///
    /// ```
    /// use tophash::hash_map::EntryRef;
    /// let mut m: tophash::HashMap<String, u8> = tophash::HashMap::new();
    /// if let EntryRef::Vacant(v) = m.entry_ref("a") {
    ///     assert_eq!(v.insert_entry(1).remove_entry(), (String::from("a"), 1));
    /// }
    /// assert!(m.is_empty());
    /// ```
    #[inline]
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S> {
        // The owned key made now, the insert is `entry`'s.
        VacantEntry { inner: self.inner, key: K::from(self.key), hash_builder: self.hash_builder }.insert_entry(value)
    }
}

impl<K: fmt::Debug, Q: fmt::Debug + ?Sized, V: fmt::Debug, S> fmt::Debug for EntryRef<'_, '_, K, Q, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryRef::Occupied(e) => f.debug_tuple("EntryRef").field(e).finish(),
            EntryRef::Vacant(e) => f.debug_tuple("EntryRef").field(e).finish(),
        }
    }
}

impl<K, Q: fmt::Debug + ?Sized, V, S> fmt::Debug for VacantEntryRef<'_, '_, K, Q, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntryRef").field(&self.key).finish()
    }
}
