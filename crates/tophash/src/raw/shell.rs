//! The public [`HashTable<T>`] type's definition: a transparent shell over
//! `RawTable<T, ()>`. Its methods are in `src/hash_table.rs`; it is defined
//! here only so that the engine's entry handles, which borrow the
//! `RawTable`, can hand that borrow back as `&mut HashTable<T>`
//! (`into_table`), a conversion that needs `repr(transparent)` and one
//! pointer cast. The engine still imports nothing from above it.

use super::RawTable;

/// A hash table of `T` with no hasher of its own: the caller passes each
/// element's hash and an equality test to every call, and a hasher
/// closure to every call that may move elements (hashbrown's `HashTable`,
/// on Go's bucket design).
///
/// Growth is incremental, as in [`HashMap`](crate::HashMap): a growth
/// allocates the new bucket array, then every later write (`entry`,
/// `find_entry`, `insert_unique`, removals) moves at most two old buckets,
/// rehashing their elements with the hasher that call was given. That is why
/// those calls take the hasher: it must agree with the hashes passed in.
/// Lookups (`find`, `find_mut`) never move anything.
///
/// ```
/// use tophash::hash_table::{Entry, HashTable};
/// use std::hash::BuildHasher;
///
/// let state = std::collections::hash_map::RandomState::new();
/// let hasher = |s: &String| state.hash_one(s);
/// let mut words: HashTable<String> = HashTable::new();
/// for w in ["apple", "pear", "apple"] {
///     let hash = state.hash_one(w);
///     if let Entry::Vacant(v) = words.entry(hash, |s| s == w, hasher) {
///         v.insert(w.to_string());
///     }
/// }
/// assert_eq!(words.len(), 2);
/// assert!(words.find(state.hash_one("pear"), |s| s == "pear").is_some());
/// ```
#[repr(transparent)]
pub struct HashTable<T> {
    raw: RawTable<T, ()>,
}

impl<T> HashTable<T> {
    /// Wraps an engine table.
    pub(crate) const fn from_raw(raw: RawTable<T, ()>) -> Self {
        HashTable { raw }
    }

    /// The engine table.
    #[inline(always)]
    pub(crate) fn raw(&self) -> &RawTable<T, ()> {
        &self.raw
    }

    /// The engine table, mutable.
    #[inline(always)]
    pub(crate) fn raw_mut(&mut self) -> &mut RawTable<T, ()> {
        &mut self.raw
    }

    /// The engine table, by value.
    #[inline(always)]
    pub(crate) fn into_raw(self) -> RawTable<T, ()> {
        self.raw
    }

    /// Views a borrowed engine table as the `HashTable` around it.
    #[inline(always)]
    pub(crate) fn from_raw_mut(raw: &mut RawTable<T, ()>) -> &mut Self {
        // SAFETY: `HashTable<T>` is `repr(transparent)` over its one field,
        // a `RawTable<T, ()>`, so both have one layout and every
        // `RawTable<T, ()>` is a valid `HashTable<T>` (the shell adds no
        // invariant); the returned borrow replaces `raw`'s for its lifetime.
        unsafe { &mut *(raw as *mut RawTable<T, ()>).cast::<HashTable<T>>() }
    }
}
