//! The entry API.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;

use super::make_hasher;
use crate::raw;

/// A view into a single entry of a map, occupied or vacant; from
/// [`HashMap::entry`](super::HashMap::entry).
pub enum Entry<'a, K, V, S> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S>),
}

/// An entry whose key is present.
pub struct OccupiedEntry<'a, K, V, S> {
    pub(super) inner: raw::Occupied<'a, K, V>,
    /// The key passed to `entry` (the stored key stays in the map), for
    /// [`replace_key`](Self::replace_key).
    pub(super) key: Option<K>,
    /// The map's hasher, for an entry that becomes vacant
    /// ([`replace_entry_with`](Self::replace_entry_with)).
    pub(super) hash_builder: &'a S,
}

/// An entry whose key is absent.
pub struct VacantEntry<'a, K, V, S> {
    pub(super) inner: raw::Vacant<'a, K, V>,
    pub(super) key: K,
    pub(super) hash_builder: &'a S,
}

/// The error [`HashMap::try_insert`](super::HashMap::try_insert) returns
/// when the key is present: the entry and the value that was not inserted.
pub struct OccupiedError<'a, K, V, S> {
    /// The occupied entry.
    pub entry: OccupiedEntry<'a, K, V, S>,
    /// The value that was not inserted.
    pub value: V,
}

impl<'a, K, V, S> Entry<'a, K, V, S>
where
    K: Hash,
    S: BuildHasher,
{
    /// The value, inserting `default` if absent. May start a growth (see
    /// [`HashMap::insert`](super::HashMap::insert)).
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// *m.entry("a").or_insert(1) += 1;
    /// assert_eq!(m["a"], 2);
    /// ```
    #[inline]
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if absent.
    ///
    /// ```
    /// let mut m: tophash::HashMap<&str, Vec<u8>> = tophash::HashMap::new();
    /// m.entry("a").or_insert_with(Vec::new).push(1);
    /// assert_eq!(m["a"], [1]);
    /// ```
    #[inline]
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(&key)` if absent.
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// m.entry("abc").or_insert_with_key(|k| k.len());
    /// assert_eq!(m["abc"], 3);
    /// ```
    #[inline]
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let v = default(&e.key);
                e.insert(v)
            }
        }
    }

    /// The entry's key.
    ///
    /// ```
    /// let mut m: tophash::HashMap<&str, u8> = tophash::HashMap::new();
    /// assert_eq!(m.entry("a").key(), &"a");
    /// ```
    #[inline]
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }

    /// Runs `f` on the value if present.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([("a", 1)]);
    /// m.entry("a").and_modify(|v| *v += 1).or_insert(0);
    /// assert_eq!(m["a"], 2);
    /// ```
    #[inline]
    pub fn and_modify<F: FnOnce(&mut V)>(self, f: F) -> Self {
        match self {
            Entry::Occupied(mut e) => {
                f(e.get_mut());
                Entry::Occupied(e)
            }
            Entry::Vacant(e) => Entry::Vacant(e),
        }
    }

    /// [`OccupiedEntry::replace_entry_with`] on an occupied entry; a vacant
    /// one is returned as it is. O(1) average.
    ///
    /// ```
    /// let mut m = tophash::HashMap::from([("a", 1)]);
    /// m.entry("a").and_replace_entry_with(|_, v| if v > 0 { None } else { Some(v) });
    /// assert!(m.is_empty());
    /// ```
    #[inline]
    pub fn and_replace_entry_with<F: FnOnce(&K, V) -> Option<V>>(self, f: F) -> Self
    where
        K: Eq,
    {
        match self {
            Entry::Occupied(e) => e.replace_entry_with(f),
            Entry::Vacant(e) => Entry::Vacant(e),
        }
    }

    /// The occupied entry, inserting `default` first if the key is absent
    /// (hashbrown's `or_insert_entry`). O(1); an insert may start a growth
    /// (see [`HashMap::insert`](super::HashMap::insert)).
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// let e = m.entry("a").or_insert_entry(1);
    /// assert_eq!((e.key(), e.get()), (&"a", &1));
    /// let e = m.entry("a").or_insert_entry(5);
    /// assert_eq!(e.get(), &1);
    /// ```
    #[inline]
    pub fn or_insert_entry(self, default: V) -> OccupiedEntry<'a, K, V, S> {
        match self {
            Entry::Occupied(e) => e,
            Entry::Vacant(e) => e.insert_entry(default),
        }
    }

    /// Sets the value, inserting if absent, and returns the occupied entry.
    /// O(1); an insert may start a growth.
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// let e = m.entry("a").insert_entry(1);
    /// assert_eq!(e.get(), &1);
    /// ```
    #[inline]
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S> {
        match self {
            Entry::Occupied(mut e) => {
                e.insert(value);
                e
            }
            Entry::Vacant(e) => e.insert_entry(value),
        }
    }

    /// hashbrown's name for [`insert_entry`](Self::insert_entry) (as
    /// [`EntryRef::insert`](super::EntryRef::insert)), so code written for
    /// hashbrown compiles: sets the value, inserting if absent, and returns
    /// the occupied entry. O(1); an insert may start a growth.
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// let e = m.entry("a").insert(1);
    /// assert_eq!((e.key(), e.get()), (&"a", &1));
    /// m.entry("a").insert(2);
    /// assert_eq!(m["a"], 2);
    /// ```
    #[inline]
    pub fn insert(self, value: V) -> OccupiedEntry<'a, K, V, S> {
        self.insert_entry(value)
    }
}

impl<'a, K, V: Default, S> Entry<'a, K, V, S>
where
    K: Hash,
    S: BuildHasher,
{
    /// The value, inserting `V::default()` if absent.
    ///
    /// ```
    /// let mut m: tophash::HashMap<&str, u32> = tophash::HashMap::new();
    /// *m.entry("a").or_default() += 1;
    /// assert_eq!(m["a"], 1);
    /// ```
    #[inline]
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, K, V, S> OccupiedEntry<'a, K, V, S> {
    /// The stored key.
    #[inline]
    pub fn key(&self) -> &K {
        self.inner.key()
    }

    /// The value.
    #[inline]
    pub fn get(&self) -> &V {
        self.inner.get()
    }

    /// The value, mutably, for the entry's lifetime.
    #[inline]
    pub fn get_mut(&mut self) -> &mut V {
        self.inner.get_mut()
    }

    /// The value, mutably, for the map's borrow.
    #[inline]
    pub fn into_mut(self) -> &'a mut V {
        self.inner.into_mut()
    }

    /// The stored key, for the map's borrow (the set's `get_or_insert`).
    #[inline]
    pub(crate) fn into_key(self) -> &'a K {
        self.inner.into_key()
    }

    /// Sets the value, returning the old one.
    ///
    /// ```
    /// use tophash::hash_map::Entry;
    /// let mut m = tophash::HashMap::from([("a", 1)]);
    /// if let Entry::Occupied(mut e) = m.entry("a") {
    ///     assert_eq!(e.insert(2), 1);
    /// }
    /// assert_eq!(m["a"], 2);
    /// ```
    #[inline]
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Removes the entry, returning its value. O(1).
    ///
    /// ```
    /// use tophash::hash_map::Entry;
    /// let mut m = tophash::HashMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = m.entry("a") {
    ///     assert_eq!(e.remove(), 1);
    /// }
    /// assert!(m.is_empty());
    /// ```
    #[inline]
    pub fn remove(self) -> V {
        let (k, v) = self.remove_entry();
        // Dropped while `v` is a local, so a panicking key destructor cannot
        // leak `v` as a finished return value would be (rust-lang/rust#47949).
        drop(k);
        v
    }

    /// Removes the entry, returning the stored key and value. O(1).
    #[inline]
    pub fn remove_entry(self) -> (K, V) {
        let OccupiedEntry { inner, key, .. } = self;
        let kv = inner.remove();
        // The key passed to `entry`, dropped before `kv` is returned (see
        // `remove`).
        drop(key);
        kv
    }

    /// Replaces the stored key with the one passed to `entry`, returning the
    /// old stored key.
    ///
    /// # Panics
    /// If the entry did not come from [`HashMap::entry`](super::HashMap::entry)
    /// (for example from [`Entry::insert_entry`] or
    /// [`HashMap::entry_ref`](super::HashMap::entry_ref)), so there is no
    /// new key.
    ///
    /// ```
    /// use tophash::hash_map::Entry;
    /// use std::rc::Rc;
    /// let mut m: tophash::HashMap<Rc<str>, u8> = tophash::HashMap::new();
    /// let a: Rc<str> = Rc::from("a");
    /// m.insert(a.clone(), 1);
    /// if let Entry::Occupied(e) = m.entry(Rc::from("a")) {
    ///     let old = e.replace_key();
    ///     assert!(Rc::ptr_eq(&old, &a));
    /// }
    /// ```
    #[inline]
    pub fn replace_key(mut self) -> K {
        let k = self.key.take().expect("replace_key: the entry holds no new key");
        self.inner.replace_key(k)
    }
}

impl<'a, K: Eq + Hash, V, S: BuildHasher> OccupiedEntry<'a, K, V, S> {
    /// Calls `f` with the key and the value moved out: if it returns a
    /// value, that value takes the old one's place and the entry stays
    /// occupied; if it returns `None`, the entry is removed and a vacant
    /// entry for the stored key is returned. If `f` panics, the entry is
    /// removed. O(1) average; the removal case probes again for the vacant
    /// slot, which, like any write, may move up to two buckets of a resize
    /// in progress.
    ///
    /// ```
    /// use tophash::hash_map::Entry;
    /// let mut m = tophash::HashMap::from([("a", 1), ("b", 2)]);
    /// if let Entry::Occupied(e) = m.entry("a") {
    ///     let e = e.replace_entry_with(|_, v| Some(v * 10));
    ///     assert!(matches!(e, Entry::Occupied(_)));
    /// }
    /// if let Entry::Occupied(e) = m.entry("b") {
    ///     let e = e.replace_entry_with(|_, _| None);
    ///     assert!(matches!(e, Entry::Vacant(_)));
    /// }
    /// assert_eq!(m.get("a"), Some(&10));
    /// assert_eq!(m.get("b"), None);
    /// ```
    pub fn replace_entry_with<F: FnOnce(&K, V) -> Option<V>>(self, f: F) -> Entry<'a, K, V, S> {
        let OccupiedEntry { inner, key, hash_builder } = self;
        match inner.replace_with(f) {
            Ok(inner) => Entry::Occupied(OccupiedEntry { inner, key, hash_builder }),
            Err((stored, table)) => {
                drop(key);
                let hash = super::make_hash(hash_builder, &stored);
                match table.entry(hash, |k| *k == stored, make_hasher::<K, S>(hash_builder)) {
                    raw::Probe::Vacant(inner) => Entry::Vacant(VacantEntry { inner, key: stored, hash_builder }),
                    raw::Probe::Found(_) => unreachable!("a key just removed is found again"),
                }
            }
        }
    }
}

impl<'a, K, V, S> VacantEntry<'a, K, V, S> {
    /// The key that would be inserted.
    #[inline]
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Takes the key back without inserting.
    #[inline]
    pub fn into_key(self) -> K {
        self.key
    }
}

impl<'a, K: Hash, V, S: BuildHasher> VacantEntry<'a, K, V, S> {
    /// Inserts the value, returning a mutable reference to it. A growth
    /// triggered by this insert starts here (as in
    /// [`HashMap::insert`](super::HashMap::insert)); a vacant entry that is
    /// dropped changes nothing. O(1) average.
    ///
    /// ```
    /// use tophash::hash_map::Entry;
    /// let mut m = tophash::HashMap::new();
    /// if let Entry::Vacant(e) = m.entry("a") {
    ///     *e.insert(1) += 1;
    /// }
    /// assert_eq!(m["a"], 2);
    /// ```
    #[inline]
    pub fn insert(self, value: V) -> &'a mut V {
        self.insert_entry(value).into_mut()
    }

    /// Inserts the value, returning the occupied entry (std's
    /// `insert_entry`). O(1) average; a growth triggered by this insert
    /// starts here, as in [`insert`](Self::insert).
    ///
    /// ```
    /// use tophash::hash_map::Entry;
    /// let mut m = tophash::HashMap::new();
    /// if let Entry::Vacant(v) = m.entry("a") {
    ///     let mut o = v.insert_entry(1);
    ///     *o.get_mut() += 1;
    ///     assert_eq!(o.remove_entry(), ("a", 2));
    /// }
    /// assert!(m.is_empty());
    /// ```
    #[inline]
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S> {
        let hasher = make_hasher::<K, S>(self.hash_builder);
        let inner = self.inner.insert(self.key, value, hasher);
        OccupiedEntry { inner, key: None, hash_builder: self.hash_builder }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for Entry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for OccupiedEntry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry").field("key", self.key()).field("value", self.get()).finish()
    }
}

impl<K: fmt::Debug, V, S> fmt::Debug for VacantEntry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(self.key()).finish()
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for OccupiedError<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedError")
            .field("key", self.entry.key())
            .field("old_value", self.entry.get())
            .field("new_value", &self.value)
            .finish()
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Display for OccupiedError<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "failed to insert {:?}, key {:?} already exists with value {:?}",
            self.value,
            self.entry.key(),
            self.entry.get()
        )
    }
}
