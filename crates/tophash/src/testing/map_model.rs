//! The map's model runner: [`Op`] (every `HashMap` call as data) and
//! [`run`], which applies operations to a [`HashMap`] and std's `HashMap` in
//! lockstep and calls [`check`] after every one.

use core::fmt::Debug;
use core::hash::{BuildHasher, Hash};
use std::collections::HashMap as StdMap;
use std::format;
use std::string::String;
use std::vec::Vec;

use super::compare::{pull_entries, same_entries, sorted};
use super::{apply_capacity, resize_state, CapacityOp, Codec, Key, Observed, Val};
use crate::hash_map::{Entry, HashMap};

/// One call of the map's API, with its arguments. `take` fields say how many
/// items to pull from an iterator before dropping it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `insert`.
    Insert(Key, Val),
    /// `remove`.
    Remove(Key),
    /// `remove_entry`.
    RemoveEntry(Key),
    /// `get`.
    Get(Key),
    /// `get_mut`, storing the value if present.
    GetMut(Key, Val),
    /// `get_key_value`.
    GetKeyValue(Key),
    /// `contains_key`.
    ContainsKey(Key),
    /// `map[&k]`, only when the key is present.
    Index(Key),
    /// `entry(k).or_insert(v)`.
    OrInsert(Key, Val),
    /// `entry(k).or_insert_with_key(..)`.
    OrInsertWithKey(Key),
    /// `entry(k).and_modify(add v).or_insert(v)`.
    AndModify(Key, Val),
    /// `entry(k).or_default()`.
    OrDefault(Key),
    /// `entry(k).insert_entry(v)`.
    InsertEntry(Key, Val),
    /// `entry(k)`, then `OccupiedEntry::remove_entry` or
    /// `VacantEntry::into_key`.
    EntryRemove(Key),
    /// `entry(k)`, then `OccupiedEntry::replace_key`.
    ReplaceKey(Key),
    /// `try_insert`.
    TryInsert(Key, Val),
    /// `extend` with these pairs.
    Extend(Vec<(Key, Val)>),
    /// `retain` keeping keys with `k % modulus != rem`, adding 1 to the
    /// values it keeps.
    Retain {
        /// Divisor (0 is read as 1).
        modulus: u8,
        /// Remainder of the keys removed.
        rem: u8,
    },
    /// `extract_if` of keys with `k % modulus == rem`, `take` items pulled.
    ExtractIf {
        /// Divisor (0 is read as 1).
        modulus: u8,
        /// Remainder of the keys extracted.
        rem: u8,
        /// Items pulled before the iterator is dropped.
        take: u8,
    },
    /// `drain`, `take` items pulled before it is dropped.
    Drain {
        /// Items pulled.
        take: u8,
    },
    /// `clear`.
    Clear,
    /// A capacity or resize call, checked as for the set.
    Capacity(CapacityOp),
    /// `evacuate_for(Duration::ZERO)`: one round of 16 buckets (skipped
    /// without the `std` feature).
    EvacuateFor,
    /// `set_auto_shrink`.
    AutoShrink(bool),
    /// `clone`, compared; if `replace`, the map is replaced by its clone.
    Clone {
        /// Continue with the clone.
        replace: bool,
    },
    /// `clone_from` into a map with other entries; if `replace`, the map is
    /// replaced by the target.
    CloneFrom {
        /// Continue with the target.
        replace: bool,
    },
    /// `iter`, `keys`, `values` compared; `iter_mut` and `values_mut`
    /// change every value.
    Iterate,
    /// `into_iter` of a clone, `take` items pulled before it is dropped.
    IntoIter {
        /// Items pulled.
        take: u8,
    },
    /// `get_disjoint_mut` of two different keys, storing `v` and `v + 1`.
    GetDisjointMut(Key, Key, Val),
}

/// Checks everything that must hold between operations: the engine's
/// invariants, `len`, that iteration yields each of the model's entries
/// once, and that `get` finds every key.
pub fn check<K, V, S, C>(map: &HashMap<K, V, S>, model: &StdMap<Key, Val>, codec: &C) -> Result<(), String>
where
    K: Hash + Eq,
    S: BuildHasher,
    C: Codec<K, V>,
{
    check_with(map, model, codec, true)
}

/// [`check`], with the lookup of every key optional (it is half the cost of
/// a check; `check_invariants` already proves each key sits in the chain
/// its hash selects).
fn check_with<K, V, S, C>(
    map: &HashMap<K, V, S>,
    model: &StdMap<Key, Val>,
    codec: &C,
    lookups: bool,
) -> Result<(), String>
where
    K: Hash + Eq,
    S: BuildHasher,
    C: Codec<K, V>,
{
    map.check_invariants()?;
    if map.len() != model.len() {
        return Err(format!("len {} but the model holds {}", map.len(), model.len()));
    }
    let ours = map.iter().map(|(k, v)| (codec.key_of(k), codec.val_of(v)));
    same_entries(map.len(), ours, model.iter().map(|(&k, &v)| (k, v)))?;
    for (&k, &v) in model.iter().filter(|_| lookups) {
        let got = map.get(&codec.key(k)).map(|v| codec.val_of(v));
        if got != Some(v) {
            return Err(format!("get({k}) is {got:?}, the model has {v}"));
        }
    }
    Ok(())
}

/// A map's entries through the codec, sorted.
fn contents<K, V, S, C: Codec<K, V>>(map: &HashMap<K, V, S>, codec: &C) -> Vec<(Key, Val)> {
    sorted(map.iter().map(|(k, v)| (codec.key_of(k), codec.val_of(v))))
}

/// Applies `ops` to `map` and to a std `HashMap` model (seeded with `map`'s
/// entries) in lockstep, asserting equal results and calling [`check`] after
/// every operation (the lookup of every key after every fourth and the last
/// one; under Miri see [`full_check_after`](super::full_check_after)).
/// Panics with the operation's index and the failure.
pub fn run<K, V, S, C>(ops: &[Op], map: &mut HashMap<K, V, S>, codec: &C) -> Observed
where
    K: Hash + Eq + Clone + Debug,
    V: Clone + Debug,
    S: BuildHasher + Clone,
    C: Codec<K, V>,
{
    let mut model: StdMap<Key, Val> = map.iter().map(|(k, v)| (codec.key_of(k), codec.val_of(v))).collect();
    let mut obs = Observed::default();
    if let Err(e) = check(map, &model, codec) {
        panic!("before the first op: {e}");
    }
    for (i, op) in ops.iter().enumerate() {
        let before = resize_state(map);
        apply(op, map, &mut model, codec);
        let after = resize_state(map);
        if !super::full_check_after(i, ops.len()) {
        } else if let Err(e) = check_with(map, &model, codec, i % 4 == 3 || i + 1 == ops.len()) {
            panic!("after op #{i} {op:?}: {e}\n(resize state before {before:?}, after {after:?})");
        }
        obs.record(&before, &after, map.len());
    }
    obs
}

/// Applies one operation to both maps and compares the results.
fn apply<K, V, S, C>(op: &Op, map: &mut HashMap<K, V, S>, model: &mut StdMap<Key, Val>, c: &C)
where
    K: Hash + Eq + Clone + Debug,
    V: Clone + Debug,
    S: BuildHasher + Clone,
    C: Codec<K, V>,
{
    // Canonical model key and value.
    let ck = |k: Key| c.key_of(&c.key(k));
    let cv = |v: Val| c.val_of(&c.val(v));
    let kv = |(k, v): (K, V)| (c.key_of(&k), c.val_of(&v));
    match *op {
        Op::Insert(k, v) => {
            let got = map.insert(c.key(k), c.val(v)).map(|v| c.val_of(&v));
            assert_eq!(got, model.insert(ck(k), cv(v)), "{op:?}");
        }
        Op::Remove(k) => {
            let got = map.remove(&c.key(k)).map(|v| c.val_of(&v));
            assert_eq!(got, model.remove(&ck(k)), "{op:?}");
        }
        Op::RemoveEntry(k) => {
            let got = map.remove_entry(&c.key(k)).map(kv);
            assert_eq!(got, model.remove_entry(&ck(k)), "{op:?}");
        }
        Op::Get(k) => {
            let got = map.get(&c.key(k)).map(|v| c.val_of(v));
            assert_eq!(got, model.get(&ck(k)).copied(), "{op:?}");
        }
        Op::GetMut(k, v) => {
            let got = map.get_mut(&c.key(k)).map(|x| *x = c.val(v));
            let want = model.get_mut(&ck(k)).map(|x| *x = cv(v));
            assert_eq!(got, want, "{op:?}");
        }
        Op::GetKeyValue(k) => {
            let got = map.get_key_value(&c.key(k)).map(|(k, v)| (c.key_of(k), c.val_of(v)));
            assert_eq!(got, model.get_key_value(&ck(k)).map(|(&k, &v)| (k, v)), "{op:?}");
        }
        Op::ContainsKey(k) => {
            assert_eq!(map.contains_key(&c.key(k)), model.contains_key(&ck(k)), "{op:?}");
        }
        Op::Index(k) => {
            if let Some(&v) = model.get(&ck(k)) {
                assert_eq!(c.val_of(&map[&c.key(k)]), v, "{op:?}");
            }
        }
        Op::OrInsert(k, v) => {
            let got = c.val_of(map.entry(c.key(k)).or_insert(c.val(v)));
            assert_eq!(got, *model.entry(ck(k)).or_insert(cv(v)), "{op:?}");
        }
        Op::OrInsertWithKey(k) => {
            let f = |k: Key| (k as Val).wrapping_mul(7).wrapping_add(1);
            let got = c.val_of(map.entry(c.key(k)).or_insert_with_key(|key| c.val(f(c.key_of(key)))));
            assert_eq!(got, *model.entry(ck(k)).or_insert_with_key(|&key| cv(f(key))), "{op:?}");
        }
        Op::AndModify(k, v) => {
            let got = c.val_of(
                map.entry(c.key(k)).and_modify(|x| *x = c.val(c.val_of(x).wrapping_add(v))).or_insert(c.val(v)),
            );
            let want = *model.entry(ck(k)).and_modify(|x| *x = cv(x.wrapping_add(v))).or_insert(cv(v));
            assert_eq!(got, want, "{op:?}");
        }
        Op::OrDefault(k) => {
            let got = c.val_of(c.or_default(map.entry(c.key(k))));
            assert_eq!(got, *model.entry(ck(k)).or_insert(cv(0)), "{op:?}");
        }
        Op::InsertEntry(k, v) => {
            let e = map.entry(c.key(k)).insert_entry(c.val(v));
            let got = (c.key_of(e.key()), c.val_of(e.get()));
            model.insert(ck(k), cv(v));
            assert_eq!(got, (ck(k), cv(v)), "{op:?}");
        }
        Op::EntryRemove(k) => {
            let got = match map.entry(c.key(k)) {
                Entry::Occupied(e) => Some(kv(e.remove_entry())),
                Entry::Vacant(e) => {
                    assert_eq!(c.key_of(e.key()), ck(k), "{op:?}");
                    drop(e.into_key());
                    None
                }
            };
            assert_eq!(got, model.remove_entry(&ck(k)), "{op:?}");
        }
        Op::ReplaceKey(k) => {
            let got = match map.entry(c.key(k)) {
                Entry::Occupied(e) => Some(c.key_of(&e.replace_key())),
                Entry::Vacant(_) => None,
            };
            assert_eq!(got, model.contains_key(&ck(k)).then(|| ck(k)), "{op:?}");
        }
        Op::TryInsert(k, v) => {
            let got = match map.try_insert(c.key(k), c.val(v)) {
                Ok(x) => Ok(c.val_of(x)),
                Err(e) => Err((c.key_of(e.entry.key()), c.val_of(e.entry.get()), c.val_of(&e.value))),
            };
            let want = match model.get(&ck(k)) {
                Some(&old) => Err((ck(k), old, cv(v))),
                None => {
                    model.insert(ck(k), cv(v));
                    Ok(cv(v))
                }
            };
            assert_eq!(got, want, "{op:?}");
        }
        Op::Extend(ref pairs) => {
            map.extend(pairs.iter().map(|&(k, v)| (c.key(k), c.val(v))));
            model.extend(pairs.iter().map(|&(k, v)| (ck(k), cv(v))));
        }
        Op::Retain { modulus, rem } => {
            let m = modulus.max(1) as Key;
            let rem = rem as Key;
            map.retain(|k, v| {
                let keep = c.key_of(k) % m != rem;
                if keep {
                    *v = c.val(c.val_of(v).wrapping_add(1));
                }
                keep
            });
            model.retain(|&k, v| {
                let keep = k % m != rem;
                if keep {
                    *v = cv(v.wrapping_add(1));
                }
                keep
            });
        }
        Op::ExtractIf { modulus, rem, take } => {
            let m = modulus.max(1) as Key;
            let rem = rem as Key;
            let mut it = map.extract_if(|k, _| c.key_of(k) % m == rem);
            let mut exhausted = false;
            for _ in 0..take {
                let Some((k, v)) = it.next().map(kv) else {
                    exhausted = true;
                    break;
                };
                assert_eq!(k % m, rem, "{op:?} yielded {k}");
                assert_eq!(model.remove(&k), Some(v), "{op:?} yielded {k} => {v}");
            }
            drop(it);
            if exhausted {
                assert!(!model.keys().any(|k| k % m == rem), "{op:?} missed an entry");
            }
        }
        Op::Drain { take } => {
            let mut d = map.drain();
            assert_eq!(d.len(), model.len(), "{op:?}");
            pull_entries(&mut d.by_ref().map(kv), take, model.len(), |k| model.get(&k).copied(), op);
            drop(d);
            model.clear();
        }
        Op::Clear => {
            map.clear();
            model.clear();
        }
        Op::Capacity(c) => apply_capacity(c, map, |n| model.try_reserve(n).is_ok()),
        // `evacuate_for` needs a clock: without `std` (`cargo test
        // --no-default-features`) the call is skipped.
        #[cfg(not(feature = "std"))]
        Op::EvacuateFor => {}
        #[cfg(feature = "std")]
        Op::EvacuateFor => {
            let was = map.is_resizing();
            let moved = map.evacuate_for(std::time::Duration::ZERO);
            assert!(moved <= 16 && (moved > 0) == was, "{op:?} moved {moved}");
        }
        Op::AutoShrink(on) => map.set_auto_shrink(on),
        Op::Clone { replace } => {
            let copy = map.clone();
            check(&copy, model, c).unwrap_or_else(|e| panic!("{op:?}: the clone: {e}"));
            let (ours, source) = (resize_state(&copy), resize_state(map));
            assert_eq!(ours, source, "{op:?}: a clone keeps the resize state");
            if replace {
                *map = copy;
            }
        }
        Op::CloneFrom { replace } => {
            let mut target = HashMap::with_hasher(map.hasher().clone());
            for i in 0..(model.len() as Key % 20) {
                target.insert(c.key(i.wrapping_mul(7919)), c.val(i as Val));
            }
            target.clone_from(map);
            check(&target, model, c).unwrap_or_else(|e| panic!("{op:?}: the target: {e}"));
            if replace {
                *map = target;
            }
        }
        Op::Iterate => {
            let want = sorted(model.iter().map(|(&k, &v)| (k, v)));
            assert_eq!(contents(map, c), want, "{op:?}");
            assert_eq!(map.iter().len(), model.len(), "{op:?}");
            let bytes = map.allocated_bytes();
            assert_eq!(bytes == 0, map.capacity() == 0, "{op:?}: {bytes} bytes, capacity {}", map.capacity());
            let mut keys: Vec<Key> = map.keys().map(|k| c.key_of(k)).collect();
            keys.sort_unstable();
            assert_eq!(keys, want.iter().map(|p| p.0).collect::<Vec<_>>(), "{op:?}");
            let mut vals: Vec<Val> = map.values().map(|v| c.val_of(v)).collect();
            let mut want_vals: Vec<Val> = model.values().copied().collect();
            vals.sort_unstable();
            want_vals.sort_unstable();
            assert_eq!(vals, want_vals, "{op:?}");
            let mut n = 0;
            for (_, v) in map.iter_mut() {
                *v = c.val(c.val_of(v) ^ 1);
                n += 1;
            }
            assert_eq!(n, model.len(), "{op:?}");
            map.values_mut().for_each(|v| *v = c.val(c.val_of(v).wrapping_add(2)));
            model.values_mut().for_each(|v| *v = cv(cv(*v ^ 1).wrapping_add(2)));
        }
        Op::IntoIter { take } => {
            let mut it = map.clone().into_iter().map(kv);
            assert_eq!(it.len(), model.len(), "{op:?}");
            pull_entries(&mut it, take, model.len(), |k| model.get(&k).copied(), op);
        }
        Op::GetDisjointMut(a, b, v) => {
            if ck(a) == ck(b) {
                return;
            }
            let (ka, kb) = (c.key(a), c.key(b));
            let got = map.get_disjoint_mut([&ka, &kb]).map(|x| x.map(|x| *x = c.val(v)).is_some());
            // std's `get_disjoint_mut` is newer than this crate's MSRV; for
            // two distinct keys two `get_mut`s are the same thing.
            let want = [ck(a), ck(b)].map(|k| model.get_mut(&k).map(|x| *x = cv(v)).is_some());
            assert_eq!(got, want, "{op:?}");
        }
    }
}
