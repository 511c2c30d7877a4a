//! The invariant walker for a quiescent table (`&mut self`: no other
//! thread is inside). Errors name the invariant they break.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::atomic::Ordering;
use super::bucket::{Bucket, BucketArray, Entry};
use super::reuse::FREE;
use super::{tophash, RawSyncTable, EMPTY_ONE, EMPTY_REST, MIN_TOPHASH};

impl<K, V> RawSyncTable<K, V> {
    /// Checks invariants 1-10 of the module docs. `hash_of` is the map's
    /// hasher, `eq` its key equality. O(n).
    pub(crate) fn check(&mut self, hash_of: &dyn Fn(&K) -> u64, eq: &dyn Fn(&K, &K) -> bool) -> Result<(), String> {
        let g = self.guard();
        let s = self.state(&g);
        let cur = s.current();
        let mut live: Vec<&Entry<K, V>> = Vec::new();
        // 6: the current array has no flagged bucket.
        for i in 0..cur.len() {
            if cur.gate(i).is_evacuated(Ordering::Relaxed) {
                return Err(format!("invariant 6: current bucket {i} is flagged evacuated"));
            }
        }
        let mut overflow = 0;
        if let Some(old) = s.old() {
            let flagged = (0..old.len()).filter(|&i| old.gate(i).is_evacuated(Ordering::Relaxed)).count();
            let count = s.progress.evacuated.load(Ordering::Relaxed);
            if flagged != count || count >= old.len() {
                return Err(format!("invariant 6: {flagged} old buckets flagged, count {count} of {}", old.len()));
            }
            let cursor = s.progress.nevacuate.load(Ordering::Relaxed).min(old.len());
            let left = (0..cursor).filter(|&i| !old.gate(i).is_evacuated(Ordering::Relaxed)).count();
            let abandoned = s.progress.abandoned.load(Ordering::Relaxed);
            if left > abandoned {
                return Err(format!(
                    "invariant 6: {left} old buckets below the cursor {cursor} are not evacuated, {abandoned} were undone"
                ));
            }
            for i in 0..old.len() {
                if !old.gate(i).is_evacuated(Ordering::Relaxed) {
                    walk(old, i, hash_of, &mut live, &mut 0)?;
                }
            }
            for k in 0..cur.len() {
                let src = old.gate(k & old.mask());
                if !src.is_evacuated(Ordering::Relaxed) && cur.bucket(k).top(0, Ordering::Relaxed) != EMPTY_REST {
                    return Err(format!("invariant 6: new bucket {k} has entries before its old bucket is evacuated"));
                }
            }
        }
        for k in 0..cur.len() {
            walk(cur, k, hash_of, &mut live, &mut overflow)?;
        }
        // 7: the overflow count.
        let counted = cur.noverflow.load(Ordering::Relaxed);
        if overflow != counted {
            return Err(format!("invariant 7: {overflow} overflow buckets in chains, noverflow says {counted}"));
        }
        // 4: each key once.
        let mut by_hash: BTreeMap<u64, Vec<&Entry<K, V>>> = BTreeMap::new();
        for e in &live {
            let same = by_hash.entry(hash_of(e.key())).or_default();
            if same.iter().any(|o| eq(o.key(), e.key())) {
                return Err(String::from("invariant 4: a key is in two live slots"));
            }
            same.push(e);
        }
        // 5: the count.
        let len = s.generation().total();
        if len != live.len() {
            return Err(format!("invariant 5: len is {len}, live entries {}", live.len()));
        }
        Ok(())
    }
}

/// Checks chain `i` of `arr` (invariants 2, 3, 7, 9, 10) and collects
/// its live entries.
fn walk<'a, K, V>(
    arr: &'a BucketArray<K, V>,
    i: usize,
    hash_of: &dyn Fn(&K) -> u64,
    live: &mut Vec<&'a Entry<K, V>>,
    overflow: &mut usize,
) -> Result<(), String> {
    let head = arr.bucket(i);
    let mut b: Option<Bucket<'a, K, V>> = Some(head);
    let mut seen_rest = false;
    let mut visited = BTreeSet::new();
    if arr.gate(i).is_locked() {
        return Err(format!("invariant 10: chain {i} is locked at rest"));
    }
    while let Some(bb) = b {
        for (s, &t) in bb.tops(Ordering::Relaxed).iter().enumerate() {
            if t == EMPTY_REST {
                seen_rest = true;
                continue;
            }
            if seen_rest {
                return Err(format!("invariant 9: chain {i} has a written slot after an unwritten one"));
            }
            if t < MIN_TOPHASH {
                if t != EMPTY_ONE && t != FREE {
                    return Err(format!("invariant 2: chain {i} slot {s} has byte {t}, neither live nor dead"));
                }
                continue;
            }
            // SAFETY: `&mut self`: no other thread is in the table, and a
            // live byte means an initialised slot (invariant 2).
            let e = unsafe { bb.entry(s) };
            let hash = hash_of(e.key());
            if tophash(hash) != t {
                return Err(format!("invariant 2: chain {i} slot byte {t} is not the entry's tophash"));
            }
            if hash as usize & arr.mask() != i {
                return Err(format!("invariant 3: an entry of bucket {} is in chain {i}", hash as usize & arr.mask()));
            }
            live.push(e);
        }
        b = bb.next(arr);
        if b.is_some() {
            *overflow += 1;
            // 7: no cycles.
            if !visited.insert(b.map(|n| n.addr())) {
                return Err(format!("invariant 7: chain {i} does not end"));
            }
        }
    }
    Ok(())
}
