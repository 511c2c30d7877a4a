//! Comparing what a collection's iteration yields with a model's entries:
//! one check shared by the map and set runners.

use core::fmt::Debug;
use std::collections::BTreeSet;
use std::format;
use std::string::String;
use std::vec::Vec;

use super::{splitmix64, Key, Val};

/// Checks that `ours`, an iteration over a collection that reports `len`
/// entries, reports its exact remaining size at every step, yields no key
/// twice, yields `len` entries, stays exhausted after its end, and yields
/// exactly the entries of `model` (in any order). O(len).
///
/// A bitmap of the `u16` keys finds a repeat, and an order-independent
/// fingerprint compares the entry sets (sorting both sides took most of a
/// debug build's run time); only on a mismatch are both sides sorted to say
/// where they differ.
pub fn same_entries<I, M>(len: usize, ours: I, model: M) -> Result<(), String>
where
    I: Iterator<Item = (Key, Val)> + Clone,
    M: Iterator<Item = (Key, Val)> + Clone,
{
    let mut seen = std::vec![0u64; 1 << 10];
    let mut print = 0u64;
    let mut n = 0;
    let mut it = ours.clone();
    loop {
        let left = len.checked_sub(n).ok_or_else(|| format!("len {len} but iteration yields more"))?;
        if it.size_hint() != (left, Some(left)) {
            return Err(format!("after {n} of {len} entries the size hint is {:?}", it.size_hint()));
        }
        let Some((k, v)) = it.next() else { break };
        let (word, bit) = (k as usize / 64, 1u64 << (k % 64));
        if seen[word] & bit != 0 {
            return Err(format!("iteration yields key {k} twice"));
        }
        seen[word] |= bit;
        n += 1;
        print = print.wrapping_add(fingerprint(k, v));
    }
    if n != len {
        return Err(format!("len {len} but iteration yields {n}"));
    }
    if it.next().is_some() {
        return Err(String::from("iteration resumes after its end"));
    }
    // Internal iteration (`fold`, which `sum`, `for_each` and `count` use)
    // walks the table its own way: it must yield the same entries, also
    // when started part-way through (here after every third step).
    let folded = |it: I| it.fold((0usize, 0u64), |(c, p), (k, v)| (c + 1, p.wrapping_add(fingerprint(k, v))));
    if folded(ours.clone()) != (n, print) {
        return Err(format!("fold yields {:?} entries/fingerprint, next() ({n}, {print})", folded(ours.clone())));
    }
    let mut partial = ours.clone();
    let mut skipped = (0usize, 0u64);
    for step in 0..len.min(7) {
        if step % 3 == 2 {
            let (c, p) = folded(partial.clone());
            if (c + skipped.0, p.wrapping_add(skipped.1)) != (n, print) {
                return Err(format!("fold after {} next() calls yields {c} more entries of {n}", skipped.0));
            }
        }
        let (k, v) = partial.next().expect("len entries");
        skipped = (skipped.0 + 1, skipped.1.wrapping_add(fingerprint(k, v)));
    }
    if print != model.clone().fold(0u64, |p, (k, v)| p.wrapping_add(fingerprint(k, v))) {
        let (ours, want) = (sorted(ours), sorted(model));
        let i = (0..ours.len().max(want.len())).find(|&i| ours.get(i) != want.get(i));
        let diff = i.map(|i| (ours.get(i), want.get(i)));
        return Err(format!("iteration differs from the model; first difference (ours, model): {diff:?}"));
    }
    Ok(())
}

/// Pulls up to `take` entries from `it`, an iterator that hands out a
/// collection's entries whose model held `model_len`, and checks that each
/// is the model's entry for its key (`model(key)`), that no key comes
/// twice, and that the iterator's exact size counts down; returns the
/// entries pulled. Panics naming `op`.
pub fn pull_entries<I>(
    it: &mut I,
    take: u8,
    model_len: usize,
    model: impl Fn(Key) -> Option<Val>,
    op: &dyn Debug,
) -> Vec<(Key, Val)>
where
    I: ExactSizeIterator<Item = (Key, Val)>,
{
    let mut pulled = Vec::new();
    let mut keys = BTreeSet::new();
    for _ in 0..take {
        let Some((k, v)) = it.next() else { break };
        assert_eq!(model(k), Some(v), "{op:?} yielded {k} => {v}");
        assert!(keys.insert(k), "{op:?} yielded {k} twice");
        pulled.push((k, v));
        assert_eq!(it.len(), model_len - pulled.len(), "{op:?}: exact size");
    }
    pulled
}

/// A well-mixed hash of one entry.
fn fingerprint(k: Key, v: Val) -> u64 {
    splitmix64((k as u64) << 32 | v as u64)
}

/// The entries, sorted.
pub fn sorted(entries: impl IntoIterator<Item = (Key, Val)>) -> Vec<(Key, Val)> {
    let mut v: Vec<_> = entries.into_iter().collect();
    v.sort_unstable();
    v
}
