//! `HashTable` against std's `HashMap`: random operation sequences through
//! growth, shrinking and resizes in progress, with the engine's invariants
//! and the model's entries checked after every operation (the map's
//! harness: `same_entries`, `pull_entries`, `apply_capacity`, `Observed`);
//! a hasher that panics mid-evacuation; iteration mid-resize.

use core::hash::BuildHasher;
use std::collections::HashMap as StdMap;
use std::format;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::string::String;
use std::vec;
use std::vec::Vec;

use proptest::prelude::*;

use super::{Entry, HashTable};
use crate::testing::compare::{pull_entries, same_entries, sorted};
use crate::testing::strategy::{any_colliding, any_fixed, any_same_top, observe_cases};
use crate::testing::{
    apply_capacity, assert_covered, quiet_planned_panics, Capacity, CapacityOp, Fixed, Key, Ledger, Observed,
    PanicSwitch, Panicky, ResizeState, Tracked, Val,
};
use crate::TryReserveError;

/// The elements under test: a key and a value, hashed and compared by key.
type Elem = (Key, Val);

/// One `HashTable` call, with its arguments.
#[derive(Clone, Debug)]
enum TableOp {
    /// `insert_unique`, only when the key is absent (else `find_mut` sets
    /// the value: `insert_unique` of a present key keeps both, by design).
    InsertUnique(Key, Val),
    /// `find`.
    Find(Key),
    /// `find_mut`, storing the value.
    FindMut(Key, Val),
    /// `find_entry`, then `remove`, then (if `reinsert`) `insert` of
    /// `(key, val)` through the returned `VacantEntry`.
    FindEntryRemove { key: Key, val: Val, reinsert: bool },
    /// `entry`: set the value if occupied, insert if vacant.
    Entry(Key, Val),
    /// `iter_hash` of the key's hash (it must yield the key's element if
    /// present, only elements of the table, none twice), then
    /// `iter_hash_mut`, storing the value in the key's element.
    IterHash(Key, Val),
    /// `get_disjoint_mut` of two keys, storing the values (skipped when
    /// the keys are equal: that panics by contract).
    Disjoint(Key, Key, Val),
    /// `retain`, keeping keys with `k % modulus != rem`, adding 1 to the
    /// values it keeps.
    Retain { modulus: u8, rem: u8 },
    /// `extract_if` of keys with `k % modulus == rem`, `take` pulled.
    ExtractIf { modulus: u8, rem: u8, take: u8 },
    /// `drain`, `take` pulled before it is dropped.
    Drain { take: u8 },
    /// `clear`.
    Clear,
    /// `clone`, checked against the original.
    Clone,
    /// A capacity or resize call, checked by the map's `apply_capacity`.
    Capacity(CapacityOp),
}

/// A table and the hasher its calls are given, as the capacity checks see
/// it.
struct WithHasher<'a, S> {
    table: &'a mut HashTable<Elem>,
    s: &'a S,
}

impl<S: BuildHasher> Capacity for WithHasher<'_, S> {
    fn len(&self) -> usize {
        self.table.len()
    }
    fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
    fn capacity(&self) -> usize {
        self.table.capacity()
    }
    fn is_resizing(&self) -> bool {
        self.table.is_resizing()
    }
    fn reserve(&mut self, additional: usize) {
        let s = self.s;
        self.table.reserve(additional, |e| s.hash_one(e.0));
    }
    fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let s = self.s;
        self.table.try_reserve(additional, |e| s.hash_one(e.0))
    }
    fn shrink_to(&mut self, min_capacity: usize) {
        let s = self.s;
        self.table.shrink_to(min_capacity, |e| s.hash_one(e.0));
    }
    fn shrink_to_fit(&mut self) {
        let s = self.s;
        self.table.shrink_to_fit(|e| s.hash_one(e.0));
    }
    fn evacuate(&mut self, n: usize) -> usize {
        let s = self.s;
        self.table.evacuate(n, |e| s.hash_one(e.0))
    }
    fn finish_resize(&mut self) {
        let s = self.s;
        self.table.finish_resize(|e| s.hash_one(e.0));
    }
}

/// The table's invariants, and its elements against the model's.
fn check<S: BuildHasher>(t: &HashTable<Elem>, s: &S, model: &StdMap<Key, Val>) -> Result<(), String> {
    t.check_invariants(|e| s.hash_one(e.0))?;
    if t.len() != model.len() {
        return Err(format!("len {} but the model holds {}", t.len(), model.len()));
    }
    same_entries(t.len(), t.iter().copied(), model.iter().map(|(&k, &v)| (k, v)))
}

/// Applies `ops` to a fresh table (with room for `capacity`) and to a std
/// `HashMap` in lockstep, checking after every operation; panics naming
/// the operation. Returns what the run observed.
fn run<S: BuildHasher>(ops: &[TableOp], s: &S, capacity: usize) -> Observed {
    let mut t: HashTable<Elem> = HashTable::with_capacity(capacity);
    let mut model: StdMap<Key, Val> = StdMap::new();
    let mut obs = Observed::default();
    for (i, op) in ops.iter().enumerate() {
        let before = ResizeState::of_stats(&t.stats());
        apply(op, &mut t, s, &mut model);
        let after = ResizeState::of_stats(&t.stats());
        if let Err(e) = check(&t, s, &model) {
            panic!("after op #{i} {op:?}: {e}\n(resize state before {before:?}, after {after:?})");
        }
        obs.record(&before, &after, t.len());
    }
    obs
}

fn apply<S: BuildHasher>(op: &TableOp, t: &mut HashTable<Elem>, s: &S, model: &mut StdMap<Key, Val>) {
    let hash = |k: Key| s.hash_one(k);
    let hasher = |e: &Elem| s.hash_one(e.0);
    match *op {
        TableOp::InsertUnique(k, v) => {
            if model.contains_key(&k) {
                t.find_mut(hash(k), |e| e.0 == k).expect("present").1 = v;
            } else {
                assert_eq!(*t.insert_unique(hash(k), (k, v), hasher).get(), (k, v), "{op:?}");
            }
            model.insert(k, v);
        }
        TableOp::Find(k) => {
            assert_eq!(t.find(hash(k), |e| e.0 == k).map(|e| e.1), model.get(&k).copied(), "{op:?}");
        }
        TableOp::FindMut(k, v) => {
            let got = t.find_mut(hash(k), |e| e.0 == k).map(|e| core::mem::replace(&mut e.1, v));
            assert_eq!(got, model.get_mut(&k).map(|m| core::mem::replace(m, v)), "{op:?}");
        }
        TableOp::FindEntryRemove { key, val, reinsert } => match t.find_entry(hash(key), |e| e.0 == key, hasher) {
            Ok(o) => {
                let (removed, vacant) = o.remove();
                assert_eq!(Some(removed.1), model.remove(&key), "{op:?}");
                if reinsert {
                    assert_eq!(*vacant.insert((key, val)).get(), (key, val), "{op:?}");
                    model.insert(key, val);
                }
            }
            Err(absent) => {
                assert!(!model.contains_key(&key), "{op:?}");
                assert_eq!(absent.into_table().len(), model.len(), "{op:?}");
            }
        },
        TableOp::Entry(k, v) => match t.entry(hash(k), |e| e.0 == k, hasher) {
            Entry::Occupied(mut o) => {
                assert_eq!(model.insert(k, v), Some(o.get().1), "{op:?}");
                o.get_mut().1 = v;
            }
            Entry::Vacant(vac) => {
                assert_eq!(model.insert(k, v), None, "{op:?}");
                vac.insert((k, v));
            }
        },
        TableOp::IterHash(k, v) => {
            let got: Vec<Elem> = t.iter_hash(hash(k)).copied().collect();
            assert_eq!(got.iter().filter(|e| e.0 == k).count(), model.contains_key(&k) as usize, "{op:?}: {got:?}");
            for e in &got {
                assert_eq!(model.get(&e.0), Some(&e.1), "{op:?}: {got:?}");
            }
            assert_eq!(sorted(got.iter().copied()).windows(2).filter(|w| w[0].0 == w[1].0).count(), 0, "{op:?}");
            let mut n = 0;
            for e in t.iter_hash_mut(hash(k)) {
                n += 1;
                if e.0 == k {
                    e.1 = v;
                    model.insert(k, v);
                }
            }
            assert_eq!(n, got.len(), "{op:?}");
        }
        TableOp::Disjoint(a, b, v) => {
            if a != b {
                let keys = [a, b];
                let got = t.get_disjoint_mut([hash(a), hash(b)], |i, e| e.0 == keys[i]);
                for (j, e) in got.into_iter().enumerate() {
                    assert_eq!(e.is_some(), model.contains_key(&keys[j]), "{op:?}");
                    if let Some(e) = e {
                        e.1 = v;
                        model.insert(keys[j], v);
                    }
                }
            }
        }
        TableOp::Retain { modulus, rem } => {
            let m = modulus.max(1) as Key;
            t.retain(|e| {
                e.1 = e.1.wrapping_add(1);
                e.0 % m != rem as Key
            });
            model.retain(|k, v| {
                *v = v.wrapping_add(1);
                k % m != rem as Key
            });
        }
        TableOp::ExtractIf { modulus, rem, take } => {
            let m = modulus.max(1) as Key;
            let mut it = t.extract_if(|e| e.0 % m == rem as Key);
            let mut got = Vec::new();
            for _ in 0..take {
                match it.next() {
                    Some(e) => got.push(e),
                    None => break,
                }
            }
            drop(it);
            for (k, v) in &got {
                assert_eq!(k % m, rem as Key, "{op:?}");
                assert_eq!(model.remove(k), Some(*v), "{op:?}");
            }
        }
        TableOp::Drain { take } => {
            let len = model.len();
            let mut it = t.drain();
            let pulled = pull_entries(&mut it, take, len, |k| model.get(&k).copied(), op);
            drop(it);
            assert!(pulled.len() == len || pulled.len() == take as usize, "{op:?}");
            model.clear();
        }
        TableOp::Clear => {
            t.clear();
            model.clear();
        }
        TableOp::Clone => {
            let c = t.clone();
            c.check_invariants(hasher).unwrap_or_else(|e| panic!("{op:?}: the clone: {e}"));
            assert_eq!(sorted(c.iter().copied()), sorted(t.iter().copied()), "{op:?}");
            assert_eq!(c.is_resizing(), t.is_resizing(), "{op:?}");
        }
        TableOp::Capacity(c) => {
            apply_capacity(c, &mut WithHasher { table: t, s }, |n| model.try_reserve(n).is_ok());
        }
    }
}

/// Operations over keys `0..keys` (a quarter of them from the hot range
/// `0..16`), weighted towards inserts by `insert` out of 100.
fn ops(keys: Key, insert: u32, len: core::ops::Range<usize>) -> impl Strategy<Value = Vec<TableOp>> {
    let key = prop_oneof![3 => 0..keys, 1 => 0..16 as Key];
    let k = || key.clone();
    let v = any::<Val>;
    let capacity = prop_oneof![
        2 => (0..4u8).prop_map(CapacityOp::Evacuate),
        1 => Just(CapacityOp::FinishResize),
        1 => (0..200u16).prop_map(CapacityOp::Reserve),
        1 => prop_oneof![Just(usize::MAX), Just((1usize << 62) + 1), 0..200usize].prop_map(CapacityOp::TryReserve),
        1 => (0..200u16).prop_map(CapacityOp::ShrinkTo),
        1 => Just(CapacityOp::ShrinkToFit),
    ];
    let op = prop_oneof![
        insert / 2 => (k(), v()).prop_map(|(k, v)| TableOp::InsertUnique(k, v)),
        insert / 2 => (k(), v()).prop_map(|(k, v)| TableOp::Entry(k, v)),
        12 => (k(), v(), any::<bool>()).prop_map(|(key, val, reinsert)| TableOp::FindEntryRemove { key, val, reinsert }),
        8 => k().prop_map(TableOp::Find),
        4 => (k(), v()).prop_map(|(k, v)| TableOp::FindMut(k, v)),
        3 => (k(), k(), v()).prop_map(|(a, b, v)| TableOp::Disjoint(a, b, v)),
        4 => (k(), v()).prop_map(|(k, v)| TableOp::IterHash(k, v)),
        1 => (0..8u8, 0..8u8).prop_map(|(modulus, rem)| TableOp::Retain { modulus, rem }),
        2 => (0..8u8, 0..8u8, any::<u8>()).prop_map(|(modulus, rem, take)| TableOp::ExtractIf { modulus, rem, take }),
        1 => (0..40u8).prop_map(|take| TableOp::Drain { take }),
        1 => Just(TableOp::Clear),
        1 => Just(TableOp::Clone),
        6 => capacity.prop_map(TableOp::Capacity),
    ];
    proptest::collection::vec(op, len)
}

/// `n` cases, or 2 under Miri (`scripts/miri.sh`), as the map's model
/// tests do.
const fn cases(n: u32) -> u32 {
    if cfg!(miri) {
        2
    } else {
        n
    }
}

fn check_model<S: BuildHasher + Clone + core::fmt::Debug>(
    hasher: impl Strategy<Value = S>,
    ops: impl Strategy<Value = Vec<TableOp>>,
    cases: u32,
) -> Observed {
    observe_cases(
        (hasher, 0..40usize, ops),
        cases,
        None,
        |(s, capacity, ops)| run(&ops, &s, capacity),
        |(s, capacity, ops)| {
            let list: String = ops.iter().map(|o| format!("\n    TableOp::{o:?},")).collect();
            format!("hasher {s:?}, capacity {capacity}\nops ({}): {list}", ops.len())
        },
    )
}

#[test]
fn model_growing_fixed_hasher() {
    let obs = check_model(any_fixed(), ops(400, 60, 0..400), cases(128));
    assert_covered!(obs.resizes[0] > 0 && obs.ops_while_resizing > 100, "{obs:?}");
    assert_covered!(obs.resizes[2] > 0 && obs.resizes[3] > 0, "reserve and shrink resizes: {obs:?}");
    assert_covered!(obs.max_len > 60 && obs.ops_with_queued_resize > 0, "{obs:?}");
}

#[test]
fn model_churn_colliding_hasher() {
    // Few distinct low bits: long overflow chains, same-size growth.
    let obs = check_model(any_colliding(), ops(120, 40, 0..300), cases(128));
    assert_covered!(obs.ops_with_overflow > 100 && obs.ops_while_resizing > 50, "{obs:?}");
}

#[test]
fn model_same_top_hasher() {
    // Every tophash matches: the equality closure decides every lookup.
    let obs = check_model(any_same_top(), ops(200, 50, 0..300), cases(64));
    assert_covered!(obs.ops_with_overflow > 100, "{obs:?}");
}

/// The model runner fails on a divergence: a table whose element was
/// changed behind the model's back is reported.
#[test]
fn the_runner_detects_a_divergence() {
    let s = Fixed(1);
    let mut t: HashTable<Elem> = HashTable::new();
    let mut model = StdMap::new();
    for k in 0..30 {
        apply(&TableOp::InsertUnique(k, k as Val), &mut t, &s, &mut model);
    }
    assert!(check(&t, &s, &model).is_ok());
    t.find_mut(s.hash_one(7u16), |e| e.0 == 7).unwrap().1 = 1000;
    assert!(check(&t, &s, &model).unwrap_err().contains("differs from the model"));
}

/// A table of 53 elements mid-doubling from 8 to 16 buckets.
fn mid_resize<S: BuildHasher>(s: &S) -> HashTable<Elem> {
    let mut t = HashTable::new();
    for k in 0..53u16 {
        t.insert_unique(s.hash_one(k), (k, k as Val), |e: &Elem| s.hash_one(e.0));
    }
    assert!(t.is_resizing());
    t
}

#[test]
fn iteration_mid_resize_yields_every_element_once_and_iter_hash_finds_it() {
    let s = Fixed(9);
    let mut t = mid_resize(&s);
    let mut seen = 0;
    // Every step of the resize, from its first evacuation to its end.
    while t.is_resizing() {
        let keys: Vec<Key> = t.iter().map(|e| e.0).collect();
        assert_eq!(sorted(keys.iter().map(|&k| (k, 0))), sorted((0..53).map(|k| (k, 0))));
        let mut_keys: Vec<Key> = t.iter_mut().map(|e| e.0).collect();
        assert_eq!(mut_keys, keys, "iter_mut walks as iter does");
        assert_eq!(t.iter().len(), 53);
        for k in 0..53 {
            let hits = t.iter_hash(s.hash_one(k)).filter(|e| e.0 == k).count();
            assert_eq!(hits, 1, "iter_hash({k}) mid-resize");
        }
        t.evacuate(1, |e| s.hash_one(e.0));
        seen += 1;
    }
    assert!(seen >= 2, "the test saw {seen} states mid-resize");
    let mut owned: Vec<Key> = mid_resize(&s).into_iter().map(|e| e.0).collect();
    owned.sort_unstable();
    assert_eq!(owned, (0..53).collect::<Vec<_>>());
}

/// A hasher that panics during evacuation drops the rest of that one old
/// bucket (the engine's documented choice), leaks nothing, and leaves a
/// consistent, usable table.
#[test]
fn hasher_panic_mid_evacuation() {
    quiet_planned_panics();
    let p = Panicky { inner: Fixed(4), switch: PanicSwitch::new() };
    let mut caught = 0;
    for n in 0..6 {
        let l = Ledger::new();
        let hasher = |e: &Tracked| p.hash_one(e);
        let mut t: HashTable<Tracked> = HashTable::new();
        for id in 0..53 {
            let e = l.make(id);
            t.insert_unique(p.hash_one(&e), e, hasher);
        }
        assert!(t.is_resizing());
        let before = t.len();
        p.switch.arm(n);
        let e = l.make(1000);
        let h = Fixed(4).hash_one(&e);
        let r = catch_unwind(AssertUnwindSafe(|| {
            t.insert_unique(h, e, hasher);
        }));
        let fired = p.switch.disarm();
        assert_eq!(r.is_err(), fired, "n = {n}");
        caught += fired as usize;
        t.check_invariants(hasher).unwrap_or_else(|e| panic!("n = {n}: {e}"));
        assert_eq!(t.len(), t.iter().count(), "n = {n}");
        assert!(t.len() <= before + 1 && (fired || t.len() == before + 1), "n = {n}");
        assert_eq!(l.double_drops(), 0, "n = {n}");
        assert_eq!(l.live(), t.len(), "n = {n}: live values vs elements");
        // Still usable: insert, find, remove, finish the resize.
        let e = l.make(2000);
        let h = p.hash_one(&e);
        t.insert_unique(h, e, hasher);
        assert!(t.find(h, |x| x.id == 2000).is_some());
        assert!(t.find_entry(h, |x| x.id == 2000, hasher).is_ok_and(|o| o.remove().0.id == 2000));
        t.finish_resize(hasher);
        t.check_invariants(hasher).unwrap();
        drop(t);
        l.assert(0);
    }
    assert!(caught >= 2, "{caught} panics caught");
}

/// `remove` hands back a vacancy found again in the chain: with a chain
/// `[a, b]` and `b` removed, the empty run is `EMPTY_REST` and the
/// re-insert must go to the chain's first empty slot, not `b`'s.
#[test]
fn remove_then_reinsert_keeps_the_empty_rest_invariant() {
    let hasher = |e: &Elem| e.0 as u64 & !0xff; // one bucket, one tophash
    let mut t: HashTable<Elem> = HashTable::new();
    for k in 1..=3u16 {
        t.insert_unique(hasher(&(k, 0)), (k, 0), hasher);
    }
    // Free slot 1, then remove the last element: slots 1 and 2 end the chain.
    let _ = t.find_entry(hasher(&(2, 0)), |e| e.0 == 2, hasher).unwrap().remove();
    let (_, vacant) = t.find_entry(hasher(&(3, 0)), |e| e.0 == 3, hasher).unwrap().remove();
    vacant.insert((4, 0));
    t.check_invariants(hasher).unwrap();
    assert_eq!(sorted(t.iter().copied()), [(1, 0), (4, 0)]);
}

#[test]
#[should_panic(expected = "same entry")]
fn get_disjoint_mut_panics_on_overlap() {
    let mut t: HashTable<Elem> = HashTable::new();
    t.insert_unique(1, (1, 1), |e| e.0 as u64);
    let _ = t.get_disjoint_mut([1, 1], |_, e| e.0 == 1);
}

#[test]
fn zero_sized_elements() {
    // One hash for all: a hasher of `()` cannot tell them apart.
    let mut t: HashTable<()> = HashTable::new();
    for _ in 0..100 {
        t.insert_unique(7, (), |_| 7);
        t.check_invariants(|_| 7).unwrap();
    }
    assert_eq!(t.len(), 100);
    assert_eq!(t.iter().count(), 100);
    assert_eq!(t.drain().count(), 100);
}

/// The table, its entries and iterators are `Send` and `Sync` when `T` and
/// the hasher are, as hashbrown's are. Compile-time.
#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    type H = fn(&u64) -> u64;
    send_sync::<HashTable<u64>>();
    send_sync::<Entry<'static, u64, H>>();
    send_sync::<super::OccupiedEntry<'static, u64, H>>();
    send_sync::<super::VacantEntry<'static, u64, H>>();
    send_sync::<super::AbsentEntry<'static, u64>>();
    send_sync::<super::Iter<'static, u64>>();
    send_sync::<super::IterMut<'static, u64>>();
    send_sync::<super::Drain<'static, u64>>();
    send_sync::<super::IntoIter<u64>>();
    send_sync::<super::IterHash<'static, u64>>();
    send_sync::<super::IterHashMut<'static, u64>>();
}

/// Every entry type hands back a table that still works (the shell's
/// `from_raw_mut`, checked under Miri too), and the `Entry` helpers do
/// what their names say.
#[test]
fn entries_hand_the_table_back() {
    let s = Fixed(2);
    let h = |k: Key| s.hash_one(k);
    let hasher = |e: &Elem| s.hash_one(e.0);
    let mut t: HashTable<Elem> = HashTable::new();
    let table = t.insert_unique(h(1), (1, 10), hasher).into_table();
    table.insert_unique(h(2), (2, 20), hasher);
    let table = t.entry(h(3), |e| e.0 == 3, hasher).into_table();
    table.insert_unique(h(3), (3, 30), hasher);
    let table = t.entry(h(1), |e| e.0 == 1, hasher).into_table();
    assert_eq!(table.len(), 3);
    let (_, vacant) = t.find_entry(h(2), |e| e.0 == 2, hasher).unwrap().remove();
    vacant.into_table().insert_unique(h(4), (4, 40), hasher);
    let absent = t.find_entry(h(2), |e| e.0 == 2, hasher).unwrap_err();
    absent.into_table().insert_unique(h(2), (2, 21), hasher);
    t.entry(h(1), |e| e.0 == 1, hasher).and_modify(|e| e.1 += 1).or_insert((1, 0));
    t.entry(h(5), |e| e.0 == 5, hasher).and_modify(|e| e.1 += 1).or_insert_with(|| (5, 50));
    t.entry(h(3), |e| e.0 == 3, hasher).insert((3, 31));
    t.check_invariants(hasher).unwrap();
    assert_eq!(sorted(t.iter().copied()), [(1, 11), (2, 21), (3, 31), (4, 40), (5, 50)]);
}
