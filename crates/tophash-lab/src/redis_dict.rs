//! A reference of Redis 7's `dict` (`src/dict.c`, 7.0), in safe Rust: the
//! other incremental-rehash design the source articles describe, to run
//! beside tophash in the latency experiment.
//!
//! What is kept from Redis, with its names:
//!
//! * Two tables `ht[0]` and `ht[1]` of `2^exp` buckets each; separate
//!   chaining, **new entries at the head** of their bucket's list
//!   (`dictAddRaw`: "recently added entries are accessed more frequently").
//! * `rehashidx`: `None` (Redis: `-1`) when no rehash is under way, else the
//!   next `ht[0]` bucket to move. While rehashing, every insert, lookup
//!   ([`Dict::find`]) and delete first calls `_dictRehashStep`, which moves
//!   **one** non-empty bucket (`dictRehash(d, 1)`), visiting at most
//!   `n * 10` empty buckets on the way. New entries go to `ht[1]`. When
//!   `ht[0]` is empty, `ht[1]` becomes `ht[0]` and `rehashidx` goes back to
//!   `None`.
//! * `_dictExpandIfNeeded`, called by every insert (even one that replaces
//!   an existing key, as `_dictKeyIndex` expands before it searches): an
//!   empty dict gets 4 buckets (`DICT_HT_INITIAL_SIZE`); otherwise, when
//!   `used >= size` and either resizing is allowed ([`Dict::set_resize_allowed`],
//!   Redis's global `dict_can_resize`, switched off while a fork child
//!   saves) or `used / size > dict_force_resize_ratio` (5), the dict expands
//!   to the next power of two `>= used + 1` (Redis 7's `dictExpand(d,
//!   used + 1)`; Redis 6 asked for `used * 2`, which gives the same size).
//! * `dictExpand` fails while rehashing, when the size is below `used`, and
//!   when the new size equals the current one; the first table of an empty
//!   dict is installed directly, without a rehash.
//! * Shrinking is the server's business, not the dict's: Redis's
//!   `htNeedsResize` (`size > 4` and fill `used * 100 / size` below
//!   `HASHTABLE_MIN_FILL`, 10 %) followed by `dictResize` (expand to
//!   `max(used, 4)`), called from `serverCron` and after deletes in the
//!   hash, set and sorted-set types: [`Dict::needs_resize`],
//!   [`Dict::resize`] and the two together in [`Dict::shrink_if_needed`].
//! * `dictRehashMilliseconds`: rehash in batches of 100 buckets until the
//!   time budget is spent ([`Dict::rehash_for`]); `serverCron` gives it 1 ms
//!   per database when `activerehashing` is on.
//! * The hash is not stored: moving a bucket recomputes each key's hash,
//!   as `dictRehash` calls `dictHashKey`.
//!
//! What is left out: safe iterators' `pauserehash` (a Rust iterator borrows
//! the dict, so no rehash step can run during iteration), `dictScan`,
//! random sampling, entry metadata, `dictTypeExpandAllowed` (always yes) and
//! the two-phase unlink API. [`Dict::get`] is a lookup without the rehash
//! step (it takes `&self`); [`Dict::find`] is Redis's `dictFind`, with it.
//!
//! Tables are allocated zeroed, as `zcalloc` does: `vec![None; n]` of an
//! `Option<Box<_>>` is a zeroed allocation (no initialisation pass), so an
//! expansion costs what Redis's does, not a loop over the new buckets.

// A complete reference of the dict's API; the lab's experiments use part of
// it and the tests the rest.
#![cfg_attr(not(test), allow(dead_code))]

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::time::{Duration, Instant};

/// `DICT_HT_INITIAL_EXP`: the first table has `2^2` buckets.
pub const INITIAL_EXP: u32 = 2;
/// `DICT_HT_INITIAL_SIZE`.
pub const INITIAL_SIZE: usize = 1 << INITIAL_EXP;
/// `dict_force_resize_ratio`: expand even when resizing is not allowed
/// once `used / size` exceeds this.
pub const FORCE_RESIZE_RATIO: usize = 5;
/// `HASHTABLE_MIN_FILL` (server.h): shrink below this fill, in percent.
pub const MIN_FILL_PERCENT: usize = 10;
/// Buckets per batch in `dictRehashMilliseconds`.
const BATCH: usize = 100;

type Link<K, V> = Option<Box<Node<K, V>>>;

/// `dictEntry`: key, value, next entry of the bucket's list.
struct Node<K, V> {
    key: K,
    value: V,
    next: Link<K, V>,
}

/// Only so that `vec![None; n]` can build a table: that clones `None`
/// links and never a node, and `Option<Box<_>>` is then allocated zeroed
/// (`zcalloc`). No code path clones a `Some` link.
impl<K, V> Clone for Node<K, V> {
    fn clone(&self) -> Self {
        unreachable!("dict nodes are never cloned; only empty links are")
    }
}

/// `dictht` (Redis 7 keeps the fields in `dict` itself): the buckets and
/// how many entries they hold. `buckets.len()` is 0 or a power of two.
struct Table<K, V> {
    buckets: Vec<Link<K, V>>,
    used: usize,
}

impl<K, V> Table<K, V> {
    fn empty() -> Self {
        Table { buckets: Vec::new(), used: 0 }
    }

    fn with_size(size: usize) -> Self {
        debug_assert!(size.is_power_of_two());
        Table { buckets: vec![None; size], used: 0 }
    }

    fn size(&self) -> usize {
        self.buckets.len()
    }

    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }
}

impl<K, V> Drop for Table<K, V> {
    /// Frees each list iteratively: a long chain (resizing switched off,
    /// or a poor hasher) must not recurse once per node.
    fn drop(&mut self) {
        for b in &mut self.buckets {
            let mut link = b.take();
            while let Some(mut node) = link {
                link = node.next.take();
            }
        }
    }
}

/// Why [`Dict::expand`] or [`Dict::resize`] refused (`DICT_ERR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpandError {
    /// A rehash is under way.
    Rehashing,
    /// The requested size is below the number of entries.
    TooSmall,
    /// The table already has that many buckets.
    SameSize,
    /// The size overflows (`newsize < size`).
    Overflow,
    /// Resizing is switched off (`dict_can_resize == 0`; `dictResize` only).
    NotAllowed,
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExpandError::Rehashing => "a rehash is under way",
            ExpandError::TooSmall => "size below the number of entries",
            ExpandError::SameSize => "the table already has that size",
            ExpandError::Overflow => "size overflows",
            ExpandError::NotAllowed => "resizing is not allowed",
        })
    }
}

impl std::error::Error for ExpandError {}

/// Redis 7's `dict`, generic over the key, the value and the hasher.
pub struct Dict<K, V, S = RandomState> {
    ht: [Table<K, V>; 2],
    /// `rehashidx`: `None` for Redis's `-1`.
    rehashidx: Option<usize>,
    /// `dict_can_resize` (global in Redis, per dict here).
    resize_allowed: bool,
    hash_builder: S,
}

impl<K, V> Dict<K, V, RandomState> {
    /// An empty dict with std's SipHash hasher (no table until the first
    /// insert).
    pub fn new() -> Self {
        Self::with_hasher(RandomState::new())
    }
}

impl<K, V> Default for Dict<K, V, RandomState> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V, S> Dict<K, V, S> {
    /// An empty dict hashing with `hash_builder`.
    pub fn with_hasher(hash_builder: S) -> Self {
        Dict { ht: [Table::empty(), Table::empty()], rehashidx: None, resize_allowed: true, hash_builder }
    }

    /// `dictSize`: entries in both tables.
    pub fn len(&self) -> usize {
        self.ht[0].used + self.ht[1].used
    }

    /// True if the dict holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `dictIsRehashing`.
    pub fn is_rehashing(&self) -> bool {
        self.rehashidx.is_some()
    }

    /// `rehashidx`: the next `ht[0]` bucket to move, while rehashing.
    pub fn rehash_index(&self) -> Option<usize> {
        self.rehashidx
    }

    /// `dictSlots`: buckets of both tables.
    pub fn slots(&self) -> usize {
        self.ht[0].size() + self.ht[1].size()
    }

    /// Buckets of `ht[0]` and of `ht[1]` (0 when absent).
    pub fn table_sizes(&self) -> [usize; 2] {
        [self.ht[0].size(), self.ht[1].size()]
    }

    /// Entries in `ht[0]` and in `ht[1]`.
    pub fn table_used(&self) -> [usize; 2] {
        [self.ht[0].used, self.ht[1].used]
    }

    /// `dictEnableResize` / `dictDisableResize`. With resizing off, the dict
    /// still expands once `used / size > 5`.
    pub fn set_resize_allowed(&mut self, allowed: bool) {
        self.resize_allowed = allowed;
    }

    /// `htNeedsResize` (server.c): more than 4 slots and less than 10 %
    /// of them used.
    pub fn needs_resize(&self) -> bool {
        let size = self.slots();
        size > INITIAL_SIZE && self.len() * 100 / size < MIN_FILL_PERCENT
    }

    /// Every entry, `ht[0]` first, each bucket's list from its head.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter { tables: [&self.ht[0].buckets, &self.ht[1].buckets], table: 0, bucket: 0, node: None, left: self.len() }
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> Dict<K, V, S> {
    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hash_builder.hash_one(key)
    }

    /// `dictExpand`: start a rehash into a table of the next power of two
    /// `>= size` buckets (at least 4), or install the first table.
    pub fn expand(&mut self, size: usize) -> Result<(), ExpandError> {
        if self.is_rehashing() {
            return Err(ExpandError::Rehashing);
        }
        if self.ht[0].used > size {
            return Err(ExpandError::TooSmall);
        }
        let new_size = next_size(size).ok_or(ExpandError::Overflow)?;
        if new_size == self.ht[0].size() {
            return Err(ExpandError::SameSize);
        }
        let table = Table::with_size(new_size);
        if self.ht[0].size() == 0 {
            // First initialisation: not a rehash.
            self.ht[0] = table;
        } else {
            self.ht[1] = table;
            self.rehashidx = Some(0);
        }
        Ok(())
    }

    /// `dictResize`: resize to `max(len, 4)` buckets (rounded up to a power
    /// of two), normally to shrink after deletes.
    pub fn resize(&mut self) -> Result<(), ExpandError> {
        if !self.resize_allowed {
            return Err(ExpandError::NotAllowed);
        }
        if self.is_rehashing() {
            return Err(ExpandError::Rehashing);
        }
        self.expand(self.ht[0].used.max(INITIAL_SIZE))
    }

    /// `if (htNeedsResize(d)) dictResize(d);`, as Redis runs after deletes
    /// and from `serverCron`. True if a (shrinking) rehash was started.
    pub fn shrink_if_needed(&mut self) -> bool {
        self.needs_resize() && self.resize().is_ok()
    }

    /// `_dictExpandIfNeeded`.
    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let size = self.ht[0].size();
        if size == 0 {
            let _ = self.expand(INITIAL_SIZE);
            return;
        }
        let used = self.ht[0].used;
        if used >= size && (self.resize_allowed || used / size > FORCE_RESIZE_RATIO) {
            let _ = self.expand(used + 1);
        }
    }

    /// `dictRehash(d, n)`: moves up to `n` non-empty buckets of `ht[0]` to
    /// `ht[1]`, visiting at most `n * 10` empty ones. Returns true if there
    /// is more to move.
    pub fn rehash(&mut self, n: usize) -> bool {
        let Some(mut idx) = self.rehashidx else { return false };
        let mut empty_visits = n.saturating_mul(10);
        let [ht0, ht1] = &mut self.ht;
        let mut n = n;
        while n > 0 && ht0.used != 0 {
            n -= 1;
            assert!(idx < ht0.size(), "rehashidx {idx} past ht[0] with {} entries left", ht0.used);
            while ht0.buckets[idx].is_none() {
                idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.rehashidx = Some(idx);
                    return true;
                }
            }
            let mask = ht1.mask();
            let mut de = ht0.buckets[idx].take();
            while let Some(mut node) = de {
                de = node.next.take();
                let h = self.hash_builder.hash_one(&node.key) as usize & mask;
                node.next = ht1.buckets[h].take();
                ht1.buckets[h] = Some(node);
                ht0.used -= 1;
                ht1.used += 1;
            }
            idx += 1;
        }
        if ht0.used == 0 {
            // Done: ht[1] becomes ht[0]; the old array is freed here.
            self.ht[0] = std::mem::replace(&mut self.ht[1], Table::empty());
            self.rehashidx = None;
            return false;
        }
        self.rehashidx = Some(idx);
        true
    }

    /// `dictRehashMilliseconds`: rehash in batches of 100 buckets until
    /// `budget` has passed; returns the buckets asked for (100 per batch,
    /// as Redis counts).
    pub fn rehash_for(&mut self, budget: Duration) -> usize {
        let start = Instant::now();
        let mut rehashes = 0;
        while self.rehash(BATCH) {
            rehashes += BATCH;
            if start.elapsed() > budget {
                break;
            }
        }
        rehashes
    }

    /// `_dictRehashStep`.
    fn rehash_step(&mut self) {
        if self.is_rehashing() {
            self.rehash(1);
        }
    }

    /// Where `key` lives: (table, bucket) or `None`.
    fn locate<Q>(&self, hash: u64, key: &Q) -> Option<&Node<K, V>>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        for t in 0..=1 {
            let table = &self.ht[t];
            if table.size() == 0 {
                return None;
            }
            let mut he = table.buckets[hash as usize & table.mask()].as_deref();
            while let Some(node) = he {
                if node.key.borrow() == key {
                    return Some(node);
                }
                he = node.next.as_deref();
            }
            if !self.is_rehashing() {
                return None;
            }
        }
        None
    }

    fn locate_mut<Q>(&mut self, hash: u64, key: &Q) -> Option<&mut Node<K, V>>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let rehashing = self.is_rehashing();
        for table in &mut self.ht {
            if table.size() == 0 {
                return None;
            }
            let mask = table.mask();
            let mut he = table.buckets[hash as usize & mask].as_deref_mut();
            while let Some(node) = he {
                if node.key.borrow() == key {
                    return Some(node);
                }
                he = node.next.as_deref_mut();
            }
            if !rehashing {
                return None;
            }
        }
        None
    }

    /// `dictReplace`: `dictAddRaw` (one rehash step, expand if needed, add
    /// at the head of `ht[1]`'s bucket while rehashing, else `ht[0]`'s), or
    /// overwrite the value of an existing key. Returns the old value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.rehash_step();
        let hash = self.hash(&key);
        // `_dictKeyIndex` expands before it searches.
        self.expand_if_needed();
        if let Some(node) = self.locate_mut(hash, &key) {
            return Some(std::mem::replace(&mut node.value, value));
        }
        let t = usize::from(self.is_rehashing());
        let table = &mut self.ht[t];
        let idx = hash as usize & table.mask();
        let next = table.buckets[idx].take();
        table.buckets[idx] = Some(Box::new(Node { key, value, next }));
        table.used += 1;
        None
    }

    /// `dictFind`: one rehash step, then the lookup.
    pub fn find<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let hash = self.hash(key);
        self.locate(hash, key).map(|n| &n.value)
    }

    /// A lookup without the rehash step (Redis has none: every `dictFind`
    /// steps; this one takes `&self`).
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.is_empty() {
            return None;
        }
        self.locate(self.hash(key), key).map(|n| &n.value)
    }

    /// True if `key` is present (no rehash step).
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    /// `dictDelete`: one rehash step, then unlink the key's entry from
    /// whichever table holds it. Never shrinks; see
    /// [`shrink_if_needed`](Self::shrink_if_needed).
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let hash = self.hash(key);
        let rehashing = self.is_rehashing();
        for table in &mut self.ht {
            if table.size() == 0 {
                return None;
            }
            let idx = hash as usize & table.mask();
            let mut link = &mut table.buckets[idx];
            loop {
                let found = match link {
                    None => break,
                    Some(node) => node.key.borrow() == key,
                };
                if found {
                    let mut node = link.take().expect("matched a node");
                    *link = node.next.take();
                    table.used -= 1;
                    return Some(node.value);
                }
                link = &mut link.as_mut().expect("matched a node").next;
            }
            if !rehashing {
                return None;
            }
        }
        None
    }
}

/// The table size `_dictNextExp` picks for `size`: the next power of two
/// `>= size`, at least 4.
fn next_size(size: usize) -> Option<usize> {
    size.max(INITIAL_SIZE).checked_next_power_of_two()
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for Dict<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Iterator over a [`Dict`]'s entries.
pub struct Iter<'a, K, V> {
    tables: [&'a [Link<K, V>]; 2],
    table: usize,
    bucket: usize,
    node: Option<&'a Node<K, V>>,
    left: usize,
}

impl<K, V> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("table", &self.table).field("bucket", &self.bucket).finish_non_exhaustive()
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(node) = self.node {
                self.node = node.next.as_deref();
                self.left -= 1;
                return Some((&node.key, &node.value));
            }
            if self.table > 1 {
                return None;
            }
            let buckets = self.tables[self.table];
            if self.bucket < buckets.len() {
                self.node = buckets[self.bucket].as_deref();
                self.bucket += 1;
            } else {
                self.table += 1;
                self.bucket = 0;
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

#[cfg(test)]
mod tests;
