//! A concurrent hash map whose writers share the evacuation
//! (`sync` feature).
//!
//! [`HashMap`] is Go's classic map made concurrent: 8-slot buckets with
//! tophash bytes, overflow chains, load factor 6.5 and same-size growth,
//! and incremental growth in which *every writer that meets a growth claims
//! at most two old buckets* (at the shared cursor `nevacuate`, advanced
//! with a CAS), evacuates them and goes on; a key whose old bucket is not
//! evacuated yet is written in its old chain. No thread
//! ever waits for a whole growth, and no call, iteration included, does
//! O(n) work (except `Drop`). Reads take no lock and write no cache line
//! that other readers write. The engine's design essay and its numbered
//! invariants are in `src/raw/sync/mod.rs`.
//!
//! ```
//! use std::sync::Arc;
//! use tophash::sync::HashMap;
//!
//! let map = Arc::new(HashMap::new());
//! let handles: Vec<_> = (0..4u64)
//!     .map(|t| {
//!         let map = Arc::clone(&map);
//!         std::thread::spawn(move || {
//!             for i in 0..1000 {
//!                 map.insert(t * 1000 + i, i);
//!             }
//!         })
//!     })
//!     .collect();
//! for h in handles {
//!     h.join().unwrap();
//! }
//! assert_eq!(map.len(), 4000);
//! assert_eq!(*map.get(&2500).unwrap(), 500);
//! ```
//!
//! # Choices
//!
//! * [`get`](HashMap::get) returns a [`Ref`], a reference guard: holding it
//!   never blocks or deadlocks another call, it only delays the freeing of
//!   entries retired while it lives. [`get_cloned`](HashMap::get_cloned)
//!   returns a clone instead.
//! * [`insert`](HashMap::insert) and [`remove`](HashMap::remove) return
//!   `bool` (whether the key was new / was there): values cannot be moved
//!   out, since a reader may still be looking at them.
//!   [`remove_cloned`](HashMap::remove_cloned) returns a clone.
//! * Entries live inline in the buckets, and a slot is rewritten only once
//!   no reader can still be reading it: [`update`](HashMap::update) and
//!   [`compute`](HashMap::compute) write a
//!   new entry (cloning the key) in place of the key's old one if that is
//!   still the one their closure saw, else they run the closure again on
//!   the newer entry. Closures never run
//!   under a lock, so a closure may call into the map without deadlocking,
//!   and they are `FnMut`, as they may run more than once.
//! * Reclamation is `seize`'s, one collector per map.
//! * Growth [events](crate::stats::Event) go to a [`SyncObserver`] set with
//!   [`set_observer`](HashMap::set_observer), each delivered by the thread
//!   that did the work, as soon as it holds no lock of the map.
//!
//! # Not (yet) here
//!
//! No shrinking, no `Entry` API, no `rayon` or `serde` support.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::ops::Deref;

use equivalent::Equivalent;

use crate::raw::sync::{Entry, EntryRef, Expect, NewKey, Query, RawIter, RawSyncTable};
use crate::types::ResizeKind;
pub use crate::types::SyncObserver;
use crate::DefaultHashBuilder;

/// A concurrent hash map: Go's classic design, with the evacuation of a
/// growth shared by the writers. `Send + Sync` when `K`, `V` and `S` are;
/// every method takes `&self`.
pub struct HashMap<K, V, S = DefaultHashBuilder> {
    raw: RawSyncTable<K, V>,
    hash_builder: S,
}

/// A reference to a value in a [`HashMap`], holding the reclamation guard
/// that keeps the entry alive. Holding one never blocks another call; it
/// delays the freeing of entries removed or replaced while it lives. Not
/// `Send`: the guard belongs to the thread. `key`, `value` and `Deref` are
/// O(1).
///
/// ```
/// let map = tophash::sync::HashMap::new();
/// map.insert("k", 1);
/// let r = map.get("k").unwrap();
/// map.remove("k"); // does not wait for `r`
/// assert_eq!((*r.key(), *r.value(), *r), ("k", 1, 1));
/// ```
pub struct Ref<'a, K, V> {
    raw: EntryRef<'a, K, V>,
}

impl<K, V> Ref<'_, K, V> {
    /// The key.
    pub fn key(&self) -> &K {
        self.raw.entry().key()
    }

    /// The value.
    pub fn value(&self) -> &V {
        self.raw.entry().value()
    }
}

impl<K, V> Deref for Ref<'_, K, V> {
    type Target = V;

    fn deref(&self) -> &V {
        self.value()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Ref<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Ref").field(self.key()).field(self.value()).finish()
    }
}

/// A snapshot of a map's sizes and lifetime growth counters, taken
/// without locks while other threads may be writing.
///
/// ```
/// let map = tophash::sync::HashMap::new();
/// for i in 0..1000 { map.insert(i, i); }
/// let s = map.stats();
/// assert_eq!(s.len, 1000);
/// assert!(s.claims + s.claim_conflicts > 0 && s.buckets_evacuated > 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Entries.
    pub len: usize,
    /// `B`: the current array has `2^B` buckets.
    pub b: u8,
    /// Buckets in the current array.
    pub buckets: usize,
    /// Overflow buckets linked into the current array's chains.
    pub overflow_buckets: usize,
    /// The resize under way, if any.
    pub resizing: Option<ResizeKind>,
    /// Buckets of the old array (0 without a resize).
    pub old_buckets: usize,
    /// Old buckets evacuated so far in the resize under way.
    pub old_evacuated: usize,
    /// Resizes started over the map's life.
    pub resizes: usize,
    /// Old buckets evacuated over the map's life.
    pub buckets_evacuated: usize,
    /// Old buckets claimed at the cursor (a successful CAS on `nevacuate`).
    pub claims: usize,
    /// Failed claim CASes (another thread advanced the cursor first).
    pub claim_conflicts: usize,
    /// Cleared arrays still being drained.
    pub drain_jobs: usize,
    /// Bytes of freed bucket arrays (large ones, mapped from the OS) whose
    /// pages are still to be handed back: each write hands back at most
    /// 64 KiB of them, so no single call unmaps a whole array.
    pub unmap_queued_bytes: usize,
    /// Moves of the clock that lets a removed entry's slot be written
    /// again once no reader can still be reading it (a sample of writes
    /// that met dead slots they could not yet reuse move it).
    pub reuse_epochs: usize,
}

fn make_hash<Q: Hash + ?Sized, S: BuildHasher>(s: &S, q: &Q) -> u64 {
    s.hash_one(q)
}

impl<K, V> HashMap<K, V, DefaultHashBuilder> {
    /// An empty map with one bucket. O(1).
    ///
    /// ```
    /// let map: tophash::sync::HashMap<u32, u32> = tophash::sync::HashMap::new();
    /// assert!(map.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_capacity_and_hasher(0, DefaultHashBuilder::default())
    }

    /// An empty map that holds `capacity` entries without growing. The
    /// array is zero-allocated: O(1) for large capacities (fresh zero
    /// pages), O(buckets) below the allocator's mapping threshold. Panics
    /// with "capacity overflow" if no array that large can exist.
    ///
    /// ```
    /// let map: tophash::sync::HashMap<u32, u32> = tophash::sync::HashMap::with_capacity(1000);
    /// assert!(map.stats().buckets >= 1000 / 7);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }
}

impl<K, V, S> HashMap<K, V, S> {
    /// An empty map with the given hasher. O(1).
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let map: tophash::sync::HashMap<u32, u32, RandomState> = tophash::sync::HashMap::with_hasher(RandomState::new());
    /// map.insert(1, 2);
    /// ```
    pub fn with_hasher(hash_builder: S) -> Self {
        Self::with_capacity_and_hasher(0, hash_builder)
    }

    /// An empty map for `capacity` entries with the given hasher; cost as
    /// [`with_capacity`](HashMap::with_capacity).
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let map: tophash::sync::HashMap<u32, u32, _> = tophash::sync::HashMap::with_capacity_and_hasher(10, RandomState::new());
    /// assert_eq!(map.stats().buckets, 2);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        HashMap { raw: RawSyncTable::with_capacity(capacity), hash_builder }
    }

    /// The map's hasher. O(1).
    ///
    /// ```
    /// let map: tophash::sync::HashMap<u32, u32> = tophash::sync::HashMap::new();
    /// let _ = map.hasher();
    /// ```
    pub fn hasher(&self) -> &S {
        &self.hash_builder
    }

    /// Entries now; a snapshot while other threads write. O(1) (the sum of
    /// nine counters: writers count on their own cache lines), no shared
    /// write.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// map.insert("a", 1);
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether [`len`](HashMap::len) is 0. O(1).
    ///
    /// ```
    /// let map: tophash::sync::HashMap<u8, u8> = tophash::sync::HashMap::new();
    /// assert!(map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every entry. O(1): publishes a fresh one-bucket table and
    /// queues the old arrays, which later writes drain a few buckets at a
    /// time (and `Drop` at the end). Writes that overlap the call may land
    /// before it.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// map.insert(1, 1);
    /// map.clear();
    /// assert!(map.is_empty() && map.get(&1).is_none());
    /// ```
    pub fn clear(&self) {
        self.raw.clear()
    }

    /// Whether a resize is under way. O(1).
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// for i in 0..9 { map.insert(i, i); }
    /// assert!(map.is_resizing()); // the ninth key passed 6.5 per bucket
    /// ```
    pub fn is_resizing(&self) -> bool {
        self.raw.is_resizing()
    }

    /// Sizes, the resize under way, and lifetime counters (resizes, buckets
    /// evacuated, claims, claim conflicts). O(1), no locks.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// for i in 0..100 { map.insert(i, i); }
    /// let s = map.stats();
    /// assert_eq!(s.len, 100);
    /// assert!(s.resizes >= 4);
    /// ```
    pub fn stats(&self) -> Stats {
        let r = self.raw.stats();
        Stats {
            len: r.len,
            b: r.b,
            buckets: r.buckets,
            overflow_buckets: r.overflow_buckets,
            resizing: r.resizing,
            old_buckets: r.old_buckets,
            old_evacuated: r.old_evacuated,
            resizes: r.resizes,
            buckets_evacuated: r.buckets_evacuated,
            claims: r.claims,
            claim_conflicts: r.claim_conflicts,
            drain_jobs: r.drain_jobs,
            unmap_queued_bytes: r.unmap_queued_bytes,
            reuse_epochs: r.reuse_epochs,
        }
    }

    /// Sets the observer that receives growth [events](crate::stats::Event)
    /// (resize start and end, each evacuated old bucket, each overflow
    /// bucket linked), returning the previous one. Takes `&mut self`: set it
    /// before sharing the map. Without an observer a write pays one branch
    /// per event it would have made; reads never look at it.
    ///
    /// The thread that did the work delivers each event as soon as it holds
    /// no lock of the map (so the observer may call the map); events of
    /// different threads interleave, see [`SyncObserver`]. An
    /// `OverflowAlloc`'s `overflow_buckets` is the array's count when it is
    /// delivered. `ResizeStart::len` counts the insert that
    /// triggered the doubling (the single-threaded map starts before it);
    /// the engine's own same-size trigger (dead slots, see the engine's
    /// essay) is reported as [`Reason::TooManyOverflow`](crate::stats::Reason).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use tophash::stats::Event;
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let sink = Arc::clone(&log);
    /// let mut map = tophash::sync::HashMap::new();
    /// map.set_observer(Some(Box::new(move |e: &Event| sink.lock().unwrap().push(*e))));
    /// let map = Arc::new(map);
    /// for i in 0..9 { map.insert(i, ()); } // the ninth goes to an overflow bucket
    /// let log = log.lock().unwrap();
    /// assert!(matches!(log[0], Event::OverflowAlloc { overflow_buckets: 1, .. }));
    /// assert!(matches!(log[1], Event::ResizeStart { old_b: 0, new_b: 1, len: 9, .. }));
    /// ```
    pub fn set_observer(
        &mut self,
        observer: Option<alloc::boxed::Box<dyn SyncObserver>>,
    ) -> Option<alloc::boxed::Box<dyn SyncObserver>> {
        self.raw.replace_observer(observer)
    }

    /// An iterator over the entries as [`Ref`]s. Weakly consistent: a key
    /// present for the whole iteration is yielded once, or twice if it is
    /// overwritten (by `insert`, `update` or `compute`) after the iterator
    /// passed it: an overwrite writes a new slot in the key's bucket (the
    /// iterator sees the old or the new one) or later in its chain, so a
    /// second time carries the newer value. Keys inserted or removed
    /// meanwhile may or may not be yielded. It never evacuates or waits for
    /// a growth. Each `next` is amortised O(1) per bucket (a
    /// sparse table's empty buckets are passed over in that call).
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// for i in 0..20 { map.insert(i, i * 2); }
    /// let sum: u32 = map.iter().map(|r| *r).sum();
    /// assert_eq!(sum, 380);
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter { raw: self.raw.iter() }
    }
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// The map's hash of a stored key (what evacuation rehashes with).
    fn hash_of(&self) -> impl Fn(&K) -> u64 + '_ {
        |k: &K| make_hash(&self.hash_builder, k)
    }

    /// Helps a resize under way: claims and evacuates up to `n` old buckets
    /// at the shared cursor (and drains cleared buckets). Returns how many
    /// it evacuated; 0 without a resize. O(n) chains.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// for i in 0..9 { map.insert(i, i); }
    /// while map.is_resizing() { map.evacuate(8); }
    /// assert_eq!(map.stats().buckets, 2);
    /// ```
    pub fn evacuate(&self, n: usize) -> usize {
        self.raw.evacuate_some(n, &self.hash_of())
    }

    /// Inserts or overwrites; returns whether the key was new. Overwriting
    /// replaces the stored key too and frees the old entry once no reader
    /// holds it. O(1) average; during a resize it evacuates at most two old
    /// buckets; inserting a new key may start a resize (O(1)).
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// assert!(map.insert("k", 1));
    /// assert!(!map.insert("k", 2));
    /// assert_eq!(*map.get("k").unwrap(), 2);
    /// ```
    pub fn insert(&self, key: K, value: V) -> bool {
        let hash = make_hash(&self.hash_builder, &key);
        let eq = |a: &K, b: &K| a == b;
        !self.raw.write(hash, NewKey(eq), Expect::Any, Some(Entry::new(key, value)), &self.hash_of()).found_key()
    }

    /// A reference guard to the key's value. O(1) average, no lock, no
    /// shared write.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// map.insert(String::from("a"), 1);
    /// assert_eq!(*map.get("a").unwrap(), 1);
    /// ```
    pub fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<Ref<'_, K, V>> {
        let hash = make_hash(&self.hash_builder, key);
        self.raw.get(hash, |k| key.equivalent(k)).map(|raw| Ref { raw })
    }

    /// A clone of the key's value. O(1) average plus the clone.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// map.insert(1, vec![1, 2]);
    /// assert_eq!(map.get_cloned(&1), Some(vec![1, 2]));
    /// ```
    pub fn get_cloned<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V>
    where
        V: Clone,
    {
        let hash = make_hash(&self.hash_builder, key);
        self.raw.find_map(hash, |k| key.equivalent(k), |e| e.value().clone())
    }

    /// Whether the key is present. O(1) average, no lock, no shared write.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// map.insert(1, ());
    /// assert!(map.contains_key(&1) && !map.contains_key(&2));
    /// ```
    pub fn contains_key<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        let hash = make_hash(&self.hash_builder, key);
        self.raw.find_map(hash, |k| key.equivalent(k), |_| ()).is_some()
    }

    /// Removes the key; returns whether it was present. The entry is freed
    /// once no reader holds it. O(1) average, plus growth work as
    /// [`insert`](HashMap::insert).
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// map.insert(1, 1);
    /// assert!(map.remove(&1));
    /// assert!(!map.remove(&1));
    /// ```
    pub fn remove<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        let hash = make_hash(&self.hash_builder, key);
        let mut eq = |k: &K| key.equivalent(k);
        self.raw.write(hash, Query(&mut eq), Expect::Any, None, &self.hash_of()).found_key()
    }

    /// Removes the key and returns a clone of its value. Cost as
    /// [`remove`](HashMap::remove) plus the clone.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// map.insert(1, "one");
    /// assert_eq!(map.remove_cloned(&1), Some("one"));
    /// ```
    pub fn remove_cloned<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V>
    where
        V: Clone,
    {
        let hash = make_hash(&self.hash_builder, key);
        let mut eq = |k: &K| key.equivalent(k);
        self.raw
            .write(hash, Query(&mut eq), Expect::Any, None, &self.hash_of())
            .into_found()
            .map(|p| p.entry().value().clone())
    }

    /// Makes room for `additional` more entries: starts a resize to the
    /// size that holds `len + additional`, incremental like any other
    /// (later writes evacuate it). If a resize already runs it only helps
    /// it (one claim) and does not start another. O(1).
    ///
    /// Panics with "capacity overflow" if no array that large can exist,
    /// before it changes anything.
    ///
    /// ```
    /// let map: tophash::sync::HashMap<u32, u32> = tophash::sync::HashMap::new();
    /// map.reserve(1000);
    /// assert!(map.is_resizing());
    /// while map.evacuate(64) > 0 {}
    /// assert!(map.stats().buckets * 13 / 2 >= 1000);
    /// ```
    pub fn reserve(&self, additional: usize) {
        self.raw.reserve(additional, &self.hash_of());
    }

    /// Replaces the key's value with `f(&old)`; returns whether the key was
    /// present. `f` runs outside any lock, on the entry current at the
    /// time; if another write replaced that entry before the swap, `f`
    /// runs again on the newer one. Cost: one key clone per attempt, plus a
    /// write.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// map.insert("hits", 1);
    /// assert!(map.update("hits", |v| v + 1));
    /// assert_eq!(*map.get("hits").unwrap(), 2);
    /// assert!(!map.update("misses", |v| v + 1));
    /// ```
    pub fn update<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q, mut f: impl FnMut(&V) -> V) -> bool
    where
        K: Clone,
    {
        let hash = make_hash(&self.hash_builder, key);
        let mut seen = self.raw.get(hash, |k| key.equivalent(k));
        loop {
            let Some(cur) = seen else { return false };
            let e = cur.entry();
            let new = Entry::new(e.key().clone(), f(e.value()));
            let mut eq = |k: &K| key.equivalent(k);
            let o = self.raw.write(hash, Query(&mut eq), Expect::Present(cur.id()), Some(new), &self.hash_of());
            if o.done {
                return true;
            }
            seen = o.into_found();
        }
    }

    /// The key's value, inserting `f()` first if the key is absent. `f`
    /// runs at most once, outside any lock; if another thread inserts the
    /// key meanwhile, its value wins and `f`'s is dropped. Cost as
    /// [`insert`](HashMap::insert).
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// assert_eq!(*map.get_or_insert_with(1, || 10), 10);
    /// assert_eq!(*map.get_or_insert_with(1, || 20), 10);
    /// ```
    pub fn get_or_insert_with(&self, key: K, f: impl FnOnce() -> V) -> Ref<'_, K, V> {
        let hash = make_hash(&self.hash_builder, &key);
        if let Some(raw) = self.raw.get(hash, |k| *k == key) {
            return Ref { raw };
        }
        let eq = |a: &K, b: &K| a == b;
        let o = self.raw.write(hash, NewKey(eq), Expect::Absent, Some(Entry::new(key, f())), &self.hash_of());
        let raw = if o.done {
            o.into_inserted().expect("an insert publishes an entry")
        } else {
            o.into_found().expect("Absent fails only on a present key")
        };
        Ref { raw }
    }

    /// Sets the key's entry to `f(current value)`: `Some(v)` stores `v`,
    /// `None` removes the key (or leaves it absent). Returns the stored
    /// value's reference, or `None` if the key is absent afterwards. `f`
    /// runs outside any lock and again if another write changed the key's
    /// entry in between (so it is `FnMut`, and `K: Clone`). Cost: one key
    /// clone per attempt, plus a write.
    ///
    /// ```
    /// let map = tophash::sync::HashMap::new();
    /// let r = map.compute(7, |v| Some(v.copied().unwrap_or(0) + 1));
    /// assert_eq!(r.as_deref(), Some(&1));
    /// assert!(map.compute(7, |_| None).is_none());
    /// assert!(!map.contains_key(&7));
    /// ```
    pub fn compute(&self, key: K, mut f: impl FnMut(Option<&V>) -> Option<V>) -> Option<Ref<'_, K, V>>
    where
        K: Clone,
    {
        let hash = make_hash(&self.hash_builder, &key);
        let mut seen = self.raw.get(hash, |k| *k == key);
        loop {
            let expect = seen.as_ref().map_or(Expect::Absent, |r| Expect::Present(r.id()));
            let new = f(seen.as_ref().map(|r| r.entry().value())).map(|v| Entry::new(key.clone(), v));
            let mut eq = |k: &K| *k == key;
            let o = self.raw.write(hash, Query(&mut eq), expect, new, &self.hash_of());
            if o.done {
                return o.into_inserted().map(|raw| Ref { raw });
            }
            seen = o.into_found();
        }
    }

    /// Moves the clock of dead slots on now, if its previous move is past
    /// its grace period; returns whether it moved. Writes move it on their
    /// own, on a sample (see the engine's `reuse.rs`); tests call this to
    /// make reuse happen at known points. O(1) plus one batch handed to
    /// the collector.
    #[doc(hidden)]
    pub fn tick_reuse_clock(&self) -> bool {
        self.raw.tick_reuse_clock()
    }

    /// Checks the engine's invariants (numbered in `src/raw/sync/mod.rs`)
    /// on a quiescent map (`&mut`: no other thread inside). O(n). For
    /// tests.
    #[doc(hidden)]
    pub fn check_invariants(&mut self) -> Result<(), alloc::string::String> {
        let hb = &self.hash_builder;
        self.raw.check(&|k: &K| make_hash(hb, k), &|a: &K, b: &K| a == b)
    }
}

/// An iterator over a [`HashMap`]'s entries; see [`HashMap::iter`] for its
/// guarantees and cost. It holds a reclamation guard, never a lock.
///
/// ```
/// let map = tophash::sync::HashMap::new();
/// map.insert(1, 'a');
/// let mut it = map.iter();
/// map.insert(2, 'b'); // writers go on while the iterator lives
/// assert!(it.next().is_some());
/// ```
pub struct Iter<'a, K, V> {
    raw: RawIter<'a, K, V>,
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = Ref<'a, K, V>;

    fn next(&mut self) -> Option<Ref<'a, K, V>> {
        self.raw.next_entry().map(|raw| Ref { raw })
    }
}

impl<K, V> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for HashMap<K, V, S> {
    /// The entries, as a weakly consistent snapshot. O(n).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for r in self.iter() {
            m.entry(r.key(), r.value());
        }
        m.finish()
    }
}

impl<K, V, S: Default> Default for HashMap<K, V, S> {
    /// An empty map with the default hasher. O(1).
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K: Hash + Eq, V, S: BuildHasher + Default> FromIterator<(K, V)> for HashMap<K, V, S> {
    /// Collects pairs; later duplicates overwrite earlier ones. O(n).
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        map.extend(iter);
        map
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> Extend<(K, V)> for HashMap<K, V, S> {
    /// Inserts each pair. O(n).
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        (&*self).extend(iter)
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> Extend<(K, V)> for &HashMap<K, V, S> {
    /// Inserts each pair through a shared reference. O(n).
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}
