//! The workloads, as plain functions over [`BenchMap`], each returning a
//! checksum that [`Workload::expected`] predicts from `n` alone.
//!
//! Timed regions contain only map operations: owned keys (Strings) are
//! cloned beforehand and moved in with `Vec::drain`, and maps are dropped
//! after the clock stops. The Go program implements the same workloads.
//!
//! | workload | timed operation (n = map size) | checksum |
//! |---|---|---|
//! | `insert` | `n` inserts of `keys` into an empty map | fresh inserts = n |
//! | `insert_presized` | the same into a map made with capacity `n` | fresh inserts = n |
//! | `lookup_hit` | `get` of every key, in `lookup` order | Σ values = n(n-1)/2 |
//! | `lookup_miss` | `get` of `n` absent keys (`miss`) | keys found = 0 |
//! | `remove` | `remove` of every key, in `lookup` order | Σ removed values = n(n-1)/2 |
//! | `churn` | at size n: `remove(keys[j])` then `insert(fresh[j], j)`, j in 0..n; one op = the pair | Σ removed values = n(n-1)/2 |
//! | `iterate` | one full `iter()` pass | Σ values = n(n-1)/2 |
//! | `clone` | `clone()` of the map; ns per entry | Σ values of the clone = n(n-1)/2 |

use std::fmt;

use crate::maps::BenchMap;

/// One timed workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// Insert from empty.
    Insert,
    /// Insert into a map presized for `n`.
    InsertPresized,
    /// Successful lookups.
    LookupHit,
    /// Failed lookups.
    LookupMiss,
    /// Remove every key.
    Remove,
    /// Remove the oldest key and insert a new one, at steady size.
    Churn,
    /// Iterate over every entry.
    Iterate,
    /// Clone the whole map.
    Clone,
}

impl Workload {
    /// All workloads, in table order.
    pub const ALL: [Workload; 8] = [
        Workload::Insert,
        Workload::InsertPresized,
        Workload::LookupHit,
        Workload::LookupMiss,
        Workload::Remove,
        Workload::Churn,
        Workload::Iterate,
        Workload::Clone,
    ];

    /// The name used in CLIs, JSON, Criterion ids and by the Go program.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Insert => "insert",
            Workload::InsertPresized => "insert_presized",
            Workload::LookupHit => "lookup_hit",
            Workload::LookupMiss => "lookup_miss",
            Workload::Remove => "remove",
            Workload::Churn => "churn",
            Workload::Iterate => "iterate",
            Workload::Clone => "clone",
        }
    }

    /// Inverse of [`Workload::name`].
    pub fn parse(s: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == s)
    }

    /// The checksum a correct map produces at size `n`.
    pub fn expected(self, n: usize) -> u64 {
        match self {
            Workload::Insert | Workload::InsertPresized => n as u64,
            Workload::LookupMiss => 0,
            Workload::LookupHit | Workload::Remove | Workload::Churn | Workload::Iterate | Workload::Clone => {
                index_sum(n)
            }
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `0 + 1 + ... + (n-1)`, wrapping: the sum of the values of a full map.
pub fn index_sum(n: usize) -> u64 {
    let n = n as u128;
    (n * n.saturating_sub(1) / 2) as u64
}

/// Inserts `keys` with values `0, 1, 2, ...`; returns how many were new.
#[inline]
pub fn fill<K, M: BenchMap<K>>(m: &mut M, keys: impl IntoIterator<Item = K>) -> u64 {
    let mut fresh = 0;
    for (i, k) in keys.into_iter().enumerate() {
        fresh += u64::from(m.insert(k, i as u64).is_none());
    }
    fresh
}

/// An empty map filled with `keys` (values = indices), for untimed setup.
///
/// # Panics
/// If the map lost or merged keys.
pub fn build<K: Clone, M: BenchMap<K>>(keys: &[K]) -> M {
    let mut m = M::empty();
    let fresh = fill(&mut m, keys.iter().cloned());
    assert!(fresh == keys.len() as u64 && m.len() == keys.len(), "{}: building the map lost keys", M::ID);
    m
}

/// Σ values of the keys found (`lookup_hit`; for `lookup_miss` use
/// [`count_found`]).
#[inline]
pub fn sum_found<K, M: BenchMap<K>>(m: &M, keys: &[K]) -> u64 {
    keys.iter().fold(0u64, |s, k| s.wrapping_add(m.get(k).unwrap_or(0)))
}

/// How many of `keys` are present.
#[inline]
pub fn count_found<K, M: BenchMap<K>>(m: &M, keys: &[K]) -> u64 {
    keys.iter().fold(0u64, |c, k| c + u64::from(m.get(k).is_some()))
}

/// Removes `keys`; returns Σ removed values.
#[inline]
pub fn remove_all<K, M: BenchMap<K>>(m: &mut M, keys: &[K]) -> u64 {
    keys.iter().fold(0u64, |s, k| s.wrapping_add(m.remove(k).unwrap_or(0)))
}

/// Steady-size churn: for each `j`, removes `old[j]` and inserts the `j`-th
/// of `new` with value `j`. Returns Σ removed values.
#[inline]
pub fn churn<K, M: BenchMap<K>>(m: &mut M, old: &[K], new: impl IntoIterator<Item = K>) -> u64 {
    let mut sum = 0u64;
    for (j, (o, k)) in old.iter().zip(new).enumerate() {
        sum = sum.wrapping_add(m.remove(o).unwrap_or(0));
        m.insert(k, j as u64);
    }
    sum
}

/// One `iter()` pass: Σ values. Returns `u64::MAX` if the number of entries
/// visited differs from `len()`, which no correct map produces for `n > 1`.
#[inline]
pub fn iterate<K, M: BenchMap<K>>(m: &M) -> u64 {
    let (count, sum) = m.iter_sum();
    if count == m.len() {
        sum
    } else {
        u64::MAX
    }
}

/// Fails with a message naming the map, workload and size unless
/// `checksum` is what a correct map produces.
pub fn verify(map: &str, w: Workload, n: usize, checksum: u64) -> Result<(), String> {
    let expected = w.expected(n);
    if checksum == expected {
        Ok(())
    } else {
        Err(format!("{map}: {w} at n={n}: checksum {checksum} != expected {expected}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyKind, KeySet, Words};
    use crate::maps::{BTree, Griddle, Hashbrown, IndexMapFold, StdFold, StdSip, Tophash};

    /// Runs every workload once, untimed, and checks its checksum: the
    /// correctness half of the benchmarks, as a test.
    fn all_workloads<K: Clone, M: BenchMap<K>>(ks: &KeySet<K>) {
        let n = ks.len();
        let ok = |w: Workload, c: u64| verify(M::ID, w, n, c).unwrap();
        let mut m = M::empty();
        ok(Workload::Insert, fill(&mut m, ks.keys.clone()));
        if let Some(mut p) = M::presized(n) {
            ok(Workload::InsertPresized, fill(&mut p, ks.keys.clone()));
        }
        ok(Workload::LookupHit, sum_found(&m, &ks.lookup));
        ok(Workload::LookupMiss, count_found(&m, &ks.miss));
        ok(Workload::Iterate, iterate(&m));
        ok(Workload::Clone, iterate(&m.clone()));
        let mut c = build::<K, M>(&ks.keys);
        ok(Workload::Churn, churn(&mut c, &ks.keys, ks.fresh.clone()));
        assert_eq!(c.len(), n);
        assert_eq!(count_found(&c, &ks.fresh), n as u64);
        ok(Workload::Remove, remove_all(&mut m, &ks.lookup));
        assert!(m.is_empty());
    }

    fn every_map<K: Clone + Ord + std::hash::Hash>(ks: &KeySet<K>) {
        all_workloads::<K, Tophash<K>>(ks);
        all_workloads::<K, Hashbrown<K>>(ks);
        all_workloads::<K, StdFold<K>>(ks);
        all_workloads::<K, StdSip<K>>(ks);
        all_workloads::<K, Griddle<K>>(ks);
        all_workloads::<K, IndexMapFold<K>>(ks);
        all_workloads::<K, BTree<K>>(ks);
    }

    #[test]
    fn every_map_passes_every_workload() {
        for n in [0, 1, 9, 1000, 20_000] {
            every_map(&KeySet::u64(KeyKind::U64Seq, n));
            every_map(&KeySet::u64(KeyKind::U64Rand, n));
        }
        let words = Words::from_lines((0..5000).map(|i| format!("w{i}"))).unwrap();
        for n in [0, 1, 9, 1000, 12_000] {
            every_map(&KeySet::strings(&words, n));
        }
    }

    #[test]
    fn expected_sums() {
        assert_eq!(index_sum(0), 0);
        assert_eq!(index_sum(1), 0);
        assert_eq!(index_sum(1000), 499_500);
        assert_eq!(Workload::Insert.expected(7), 7);
        assert!(verify("x", Workload::LookupMiss, 5, 1).is_err());
    }
}
