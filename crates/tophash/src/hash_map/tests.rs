//! `HashMap` behaviour next to std's: zero-sized and large keys and values,
//! formatting, equality, indexing, construction and extension, capacity
//! errors, auto traits and variance. The model-based, drop and panic suites
//! are in `crate::testing`.

use core::cell::Cell;
use core::hash::{Hash, Hasher};
use std::collections::HashMap as StdMap;
use std::format;
use std::string::{String, ToString};
use std::thread_local;
use std::vec::Vec;

use proptest::test_runner::{Config, RngAlgorithm, TestRunner};

use super::*;
use crate::testing::strategy::{ops, Mix};
use crate::testing::{run, Big, Colliding, Fixed, Plain};

fn ok<K: Hash + Eq, V, S: BuildHasher>(m: &HashMap<K, V, S>) {
    m.check_invariants().unwrap();
    assert_eq!(m.len(), m.iter().count());
}

fn sorted<K: Ord + Clone, V: Clone>(it: impl IntoIterator<Item = (K, V)>) -> Vec<(K, V)> {
    let mut v: Vec<_> = it.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Random operation sequences for a key/value pair of `Lift` types.
fn model<K, V, S>(s: S, cases: u32)
where
    K: crate::testing::Lift + Hash + Eq + Clone + fmt::Debug,
    V: crate::testing::Lift + Default + Clone + fmt::Debug,
    S: BuildHasher + Clone,
{
    // A sixteenth under Miri (scripts/miri.sh), which runs them about a
    // thousand times slower.
    let cases = if cfg!(miri) { cases.div_ceil(16) } else { cases };
    let config =
        Config { cases, failure_persistence: None, rng_algorithm: RngAlgorithm::XorShift, ..Config::default() };
    TestRunner::new(config)
        .run(&ops(Mix::GROW, 50..250), |ops| {
            let mut m: HashMap<K, V, S> = HashMap::with_hasher(s.clone());
            run(&ops, &mut m, &Plain);
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// Zero-sized keys and values

thread_local! {
    static ZST_DROPS: Cell<usize> = const { Cell::new(0) };
}

/// A zero-sized value that counts its drops.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Z;

impl Drop for Z {
    fn drop(&mut self) {
        ZST_DROPS.with(|d| d.set(d.get() + 1));
    }
}

fn zst_drops() -> usize {
    ZST_DROPS.with(|d| d.get())
}

#[test]
fn unit_keys_and_values() {
    let mut m: HashMap<(), ()> = HashMap::new();
    assert_eq!(m.insert((), ()), None);
    assert_eq!(m.insert((), ()), Some(()));
    assert_eq!(m.len(), 1);
    assert_eq!(m.get(&()), Some(&()));
    assert_eq!(m.iter().collect::<Vec<_>>(), [(&(), &())]);
    assert_eq!(format!("{m:?}"), "{(): ()}");
    let c = m.clone();
    assert_eq!(c, m);
    assert_eq!(m.remove(&()), Some(()));
    assert!(m.is_empty());
    *m.entry(()).or_default() = ();
    assert_eq!(m.drain().count(), 1);
    ok(&m);
    model::<(), (), _>(Fixed(1), 32);
}

#[test]
fn zero_sized_values_across_growths() {
    let mut m: HashMap<u64, ()> = HashMap::new();
    for i in 0..2000u64 {
        assert_eq!(m.insert(i, ()), None);
        if i % 97 == 0 {
            ok(&m);
        }
    }
    assert_eq!(m.len(), 2000);
    assert!((0..2000).all(|i| m.contains_key(&i)));
    m.retain(|k, _| k % 3 == 0);
    m.shrink_to_fit();
    ok(&m);
    assert_eq!(m.keys().count(), 667);
    m.finish_resize();
    ok(&m);
    model::<u64, (), _>(Colliding { bucket_bits: 2 }, 32);
}

#[test]
fn zero_sized_keys_and_values_with_drop() {
    let before = zst_drops();
    {
        let mut m: HashMap<u64, Z> = HashMap::new();
        for i in 0..100 {
            m.insert(i, Z);
        }
        // Overwrite: the old value comes back and is dropped here.
        drop(m.insert(5, Z));
        assert_eq!(zst_drops() - before, 1);
        drop(m.remove(&6));
        assert_eq!(zst_drops() - before, 2);
        let c = m.clone_map_with(|_| Z);
        drop(c);
        assert_eq!(zst_drops() - before, 2 + 99);
    }
    assert_eq!(zst_drops() - before, 2 + 99 + 99);

    // A zero-sized key: every key is equal.
    let mut m: HashMap<Z, u32> = HashMap::new();
    let before = zst_drops();
    m.insert(Z, 1);
    m.insert(Z, 2); // the new key is dropped, the stored one kept
    assert_eq!(zst_drops() - before, 1);
    let probe = Z;
    assert_eq!(m[&probe], 2);
    assert_eq!(m.remove_entry(&probe), Some((Z, 2)));
    assert_eq!(zst_drops() - before, 3); // the entry's key and the `Z` compared with it
    assert!(m.is_empty());
    drop(probe);
    assert_eq!(zst_drops() - before, 4);
}

impl<K: Clone, V, S: Clone> HashMap<K, V, S> {
    /// A copy with values made by `f` (for `Z`, which is not `Clone`).
    fn clone_map_with(&self, f: impl Fn(&V) -> V) -> Self {
        HashMap { hash_builder: self.hash_builder.clone(), table: self.table.clone_with(|k, v| (k.clone(), f(v))) }
    }
}

// ---------------------------------------------------------------------------
// Large keys and values

#[test]
fn large_values_inline() {
    let mut m: HashMap<u32, [u64; 64]> = HashMap::new();
    let val = |i: u32| core::array::from_fn::<u64, 64, _>(|j| i as u64 * 1000 + j as u64);
    for i in 0..500 {
        m.insert(i, val(i));
    }
    ok(&m);
    let c = m.clone();
    for i in (0..500).step_by(2) {
        assert_eq!(m.remove(&i), Some(val(i)));
    }
    m.shrink_to_fit();
    m.finish_resize();
    ok(&m);
    assert!((1..500).step_by(2).all(|i| m[&i] == val(i)));
    assert!((0..500).all(|i| c[&i] == val(i)));
    model::<u16, Big, _>(Fixed(2), 32);
}

#[test]
fn string_keys_and_large_keys() {
    let mut m: HashMap<String, usize> = HashMap::new();
    for i in 0..300 {
        m.insert(format!("key number {i} {}", "x".repeat(i % 50)), i);
    }
    ok(&m);
    // Lookups by `&str` through `Equivalent`.
    assert_eq!(m.get("key number 7 xxxxxxx"), Some(&7));
    assert_eq!(m.remove("key number 8 xxxxxxxx"), Some(8));
    assert!(!m.contains_key("key number 8 xxxxxxxx"));
    model::<String, u32, _>(Fixed(3), 32);
    model::<String, Big, _>(Colliding { bucket_bits: 3 }, 16);

    let mut big: HashMap<[u64; 40], u8> = HashMap::new();
    for i in 0..200u64 {
        big.insert([i; 40], i as u8);
    }
    ok(&big);
    assert_eq!(big[&[77; 40]], 77);
}

// ---------------------------------------------------------------------------
// Behaviour next to std

#[test]
fn debug_output_matches_std() {
    let m = HashMap::from([(1, "a")]);
    let s = StdMap::from([(1, "a")]);
    assert_eq!(format!("{m:?}"), format!("{s:?}"));
    assert_eq!(format!("{m:#?}"), format!("{s:#?}"));
    assert_eq!(format!("{:?}", m.iter()), format!("{:?}", s.iter()));
    assert_eq!(format!("{:?}", m.keys()), format!("{:?}", s.keys()));
    assert_eq!(format!("{:?}", m.values()), format!("{:?}", s.values()));
    let e: HashMap<u8, u8> = HashMap::new();
    assert_eq!(format!("{e:?}"), "{}");
    // Several entries: the same entries, in some order.
    let m: HashMap<u32, u32> = (0..20).map(|i| (i, i * i)).collect();
    let text = format!("{m:?}");
    assert!(text.starts_with('{') && text.ends_with('}'));
    let mut parts: Vec<&str> = text[1..text.len() - 1].split(", ").collect();
    parts.sort_unstable();
    let mut want: Vec<String> = (0..20).map(|i| format!("{i}: {}", i * i)).collect();
    want.sort_unstable();
    assert_eq!(parts, want);
    // Entry and OccupiedError formatting.
    let mut m = HashMap::from([(1, 10)]);
    assert_eq!(format!("{:?}", m.entry(1)), "Entry(OccupiedEntry { key: 1, value: 10 })");
    assert_eq!(format!("{:?}", m.entry(2)), "Entry(VacantEntry(2))");
    let err = m.try_insert(1, 11).unwrap_err();
    assert_eq!(err.to_string(), "failed to insert 11, key 1 already exists with value 10");
}

#[test]
fn equality_ignores_order_capacity_and_resize_state() {
    let a: HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    let mut b: HashMap<u32, u32> = HashMap::with_capacity(1000);
    for i in (0..100).rev() {
        b.insert(i, i);
    }
    let mut c = HashMap::new();
    for i in 0..200 {
        c.insert(i, i);
    }
    c.retain(|k, _| *k < 100);
    c.shrink_to_fit();
    assert!(c.is_resizing());
    assert_eq!(a, b);
    assert_eq!(a, c);
    b.insert(5, 6);
    assert_ne!(a, b);
    b.insert(5, 5);
    b.insert(100, 100);
    assert_ne!(a, b);
    assert_eq!(HashMap::<u8, u8>::new(), HashMap::default());
}

#[test]
#[should_panic(expected = "no entry found for key")]
fn index_of_a_missing_key_panics() {
    let m = HashMap::from([(1, 2)]);
    assert_eq!(m[&1], 2);
    let _ = m[&3];
}

#[test]
fn from_array_and_from_iter_keep_the_last_duplicate() {
    let m = HashMap::from([(1, 'a'), (2, 'b'), (1, 'c')]);
    let s = StdMap::from([(1, 'a'), (2, 'b'), (1, 'c')]);
    assert_eq!(sorted(m.clone()), sorted(s.clone()));
    let m: HashMap<_, _> = [(3, 'x'), (3, 'y')].into_iter().collect();
    assert_eq!(sorted(m), [(3, 'y')]);
    let m: HashMap<u32, u32, Fixed> = (0..1000).map(|i| (i % 300, i)).collect();
    let s: StdMap<u32, u32> = (0..1000).map(|i| (i % 300, i)).collect();
    assert_eq!(sorted(m), sorted(s));
}

#[test]
fn extend_variants() {
    let pairs: Vec<(u32, u32)> = (0..50).map(|i| (i % 40, i)).collect();
    let mut m = HashMap::from([(1000, 1)]);
    let mut s = StdMap::from([(1000, 1)]);
    m.extend(pairs.iter().copied());
    s.extend(pairs.iter().copied());
    m.extend(pairs.iter().map(|(k, v)| (k, v)));
    s.extend(pairs.iter().map(|(k, v)| (k, v)));
    m.extend(&pairs);
    // std has no `Extend<&(K, V)>`.
    s.extend(pairs.iter().copied());
    // An iterator whose size hint is wrong in both directions.
    m.extend((0..500).filter(|i| i % 7 == 0).map(|i| (i, i)));
    s.extend((0..500).filter(|i| i % 7 == 0).map(|i| (i, i)));
    m.extend(core::iter::repeat_n((9999, 1), 3));
    s.extend(core::iter::repeat_n((9999, 1), 3));
    ok(&m);
    assert_eq!(sorted(m), sorted(s));
}

#[test]
fn capacity_errors() {
    let mut m: HashMap<u64, u64> = HashMap::new();
    assert_eq!(m.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow));
    assert_eq!(m.try_reserve(usize::MAX / 2), Err(TryReserveError::CapacityOverflow));
    m.insert(1, 1);
    assert_eq!(m.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow));
    assert_eq!(m.try_reserve(1 << 62), Err(TryReserveError::CapacityOverflow));
    // A failed reservation changes nothing.
    assert_eq!(m.len(), 1);
    ok(&m);
    assert!(m.try_reserve(100).is_ok() && m.capacity() >= 101);
    let mut s: StdMap<u64, u64> = StdMap::new();
    assert!(s.try_reserve(usize::MAX).is_err());
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn with_capacity_usize_max_panics() {
    let _m: HashMap<u64, u64> = HashMap::with_capacity(usize::MAX);
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn reserve_usize_max_panics() {
    let mut m: HashMap<u64, u64> = HashMap::from([(1, 1)]);
    m.reserve(usize::MAX);
}

#[test]
fn clear_keeps_the_array_and_shrink_frees_it() {
    let mut m: HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    let cap = m.capacity();
    m.clear();
    assert!(m.is_empty() && !m.is_resizing());
    assert_eq!(m.capacity(), cap);
    m.shrink_to_fit();
    assert_eq!(m.capacity(), 0);
    assert_eq!(m.allocated_bytes(), 0);
}

#[test]
fn iterators_know_their_length() {
    // One at a time: the 53rd insert starts a doubling (`collect` would
    // reserve for all of them first).
    let mut m = HashMap::new();
    for i in 0..53u32 {
        m.insert(i, i);
    }
    assert!(m.is_resizing());
    let mut it = m.iter();
    for left in (0..53).rev() {
        it.next().unwrap();
        assert_eq!(it.len(), left);
    }
    assert!(it.next().is_none() && it.next().is_none());
    assert_eq!(m.iter_mut().len(), 53);
    assert_eq!(m.values_mut().len(), 53);
    assert_eq!(m.drain().len(), 53);
}

/// `Default` for every iterator (std since 1.83): nothing to yield, a
/// length of 0, and fused.
#[test]
fn default_iterators_are_empty() {
    fn empty<I: Iterator + ExactSizeIterator + Default>() {
        let mut it = I::default();
        assert_eq!(it.len(), 0);
        assert!(it.next().is_none() && it.next().is_none());
    }
    empty::<Iter<'_, String, String>>();
    empty::<IterMut<'_, String, String>>();
    empty::<IntoIter<String, String>>();
    empty::<Keys<'_, String, String>>();
    empty::<Values<'_, String, String>>();
    empty::<ValuesMut<'_, String, String>>();
    empty::<IntoKeys<String, String>>();
    empty::<IntoValues<String, String>>();
    assert_eq!(format!("{:?}", IntoIter::<u8, u8>::default()), "[]");
    assert_eq!(format!("{:?}", ValuesMut::<u8, u8>::default()), "[]");
}

#[test]
fn get_disjoint_mut_panics_on_equal_present_keys_only() {
    let mut m = HashMap::from([(1, 1), (2, 2)]);
    let [a, b] = m.get_disjoint_mut([&1, &3]);
    assert_eq!((a, b), (Some(&mut 1), None));
    // Equal absent keys are fine (as in std and hashbrown).
    assert_eq!(m.get_disjoint_mut([&7, &7]), [None, None]);
    let r = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
        let _ = m.get_disjoint_mut([&1, &1]);
    }));
    assert!(r.is_err());
    ok(&m);
}

/// The key-value and hashbrown-named variants find the same entries as
/// `get_disjoint_mut`, also mid-resize (keys in old, not yet evacuated
/// buckets), and panic on the same overlaps.
#[test]
#[allow(deprecated)]
fn disjoint_variants_agree_mid_resize() {
    let mut m = HashMap::new();
    for i in 0..53u32 {
        m.insert(i, i * 10);
    }
    assert!(m.is_resizing());
    for probe in [[0u32, 52, 99], [7, 8, 9], [100, 101, 3]] {
        let expect: Vec<Option<u32>> = probe.iter().map(|k| m.get(k).copied()).collect();
        let got: Vec<Option<(u32, u32)>> =
            m.get_disjoint_key_value_mut([&probe[0], &probe[1], &probe[2]]).map(|e| e.map(|(k, v)| (*k, *v))).to_vec();
        assert_eq!(got, probe.iter().zip(&expect).map(|(k, v)| v.map(|v| (*k, v))).collect::<Vec<_>>());
        let got: Vec<Option<u32>> = m.get_many_mut([&probe[0], &probe[1], &probe[2]]).map(|v| v.copied()).to_vec();
        assert_eq!(got, expect);
        let got: Vec<Option<u32>> =
            m.get_many_key_value_mut([&probe[0], &probe[1], &probe[2]]).map(|e| e.map(|(_, v)| *v)).to_vec();
        assert_eq!(got, expect);
    }
    for (k, v) in m.get_disjoint_key_value_mut([&1, &2]).into_iter().flatten() {
        *v = *k;
    }
    assert_eq!((m[&1], m[&2]), (1, 2));
    let (k, v) = m.get_key_value_mut(&3).unwrap();
    *v = *k + 1;
    assert_eq!(m[&3], 4);
    assert!(m.get_key_value_mut(&1000).is_none());
    for overlapping in [
        std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
            let _ = m.get_disjoint_key_value_mut([&5, &5]);
        })),
        std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
            let _ = m.get_many_mut([&5, &5]);
        })),
        std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
            let _ = m.get_many_key_value_mut([&5, &5]);
        })),
    ] {
        assert!(overlapping.is_err());
    }
    assert!(m.is_resizing(), "lookups must not evacuate");
    ok(&m);
}

/// `or_insert_entry` keeps a present value (and its stored key) and
/// inserts an absent one, also into a map in the middle of a resize.
#[test]
fn or_insert_entry_keeps_present_and_inserts_absent() {
    let mut m = HashMap::new();
    for i in 0..53u32 {
        m.insert(i, i);
    }
    assert!(m.is_resizing());
    let e = m.entry(5).or_insert_entry(500);
    assert_eq!((*e.key(), *e.get()), (5, 5));
    let mut e = m.entry(60).or_insert_entry(600);
    assert_eq!((*e.key(), *e.get()), (60, 600));
    *e.get_mut() += 1;
    assert_eq!((m.len(), m[&60], m[&5]), (54, 601, 5));
    ok(&m);
}

thread_local! {
    static CONVERSIONS: Cell<usize> = const { Cell::new(0) };
}

/// A `String` key that counts its conversions from `&str`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Counted(String);

impl From<&str> for Counted {
    fn from(s: &str) -> Self {
        CONVERSIONS.with(|c| c.set(c.get() + 1));
        Counted(s.to_string())
    }
}

impl core::borrow::Borrow<str> for Counted {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// `entry_ref` against std's `entry` on a map in the middle of a resize:
/// same values, and the owned key is made exactly once per insert of an
/// absent key (never for a present one).
#[test]
fn entry_ref_matches_std_and_converts_only_on_insert() {
    let mut m: HashMap<Counted, u32> = HashMap::new();
    let mut model: StdMap<String, u32> = StdMap::new();
    let mut id = 0u32;
    while !(m.is_resizing() && m.len() > 100) {
        m.insert(Counted(id.to_string()), id);
        model.insert(id.to_string(), id);
        id += 1;
    }
    CONVERSIONS.with(|c| c.set(0));
    let mut inserted = 0;
    for i in 0..(id + 200) {
        let k = (i * 7 % (id + 100)).to_string();
        let absent = !model.contains_key(&k);
        assert_eq!(m.entry_ref(k.as_str()).key(), k.as_str());
        let got = match i % 5 {
            0 => *m.entry_ref(k.as_str()).or_insert(i),
            1 => *m.entry_ref(k.as_str()).or_insert_with(|| i),
            2 => *m.entry_ref(k.as_str()).or_insert_with_key(|q| q.len() as u32),
            3 => *m.entry_ref(k.as_str()).and_modify(|v| *v += 1).or_default(),
            _ => *m.entry_ref(k.as_str()).insert(i).get(),
        };
        let want = match i % 5 {
            0 | 1 => *model.entry(k.clone()).or_insert(i),
            2 => *model.entry(k.clone()).or_insert(k.len() as u32),
            3 => *model.entry(k.clone()).and_modify(|v| *v += 1).or_default(),
            _ => *model.entry(k.clone()).and_modify(|v| *v = i).or_insert(i),
        };
        assert_eq!(got, want, "key {k}, step {i}");
        inserted += usize::from(absent);
        assert_eq!(CONVERSIONS.with(Cell::get), inserted, "conversions after step {i}");
    }
    assert!(inserted > 50);
    ok(&m);
    assert_eq!(sorted(m.iter().map(|(k, v)| (k.0.clone(), *v))), sorted(model.iter().map(|(k, v)| (k.clone(), *v))));
    assert_eq!(format!("{:?}", m.entry_ref("nope")), "EntryRef(VacantEntryRef(\"nope\"))");
}

// ---------------------------------------------------------------------------
// Compile-time checks

/// Regression: `Entry` (through `VacantEntry`, whose engine handle held raw
/// pointers without `Send`/`Sync` impls) was neither `Send` nor `Sync`,
/// unlike std's. Compile-time; found by `auto_traits` below.
#[test]
fn regression_entry_is_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Entry<'static, u64, String, DefaultHashBuilder>>();
    send_sync::<VacantEntry<'static, u64, String, DefaultHashBuilder>>();
    send_sync::<OccupiedEntry<'static, u64, String, DefaultHashBuilder>>();
}

/// Regression: `Drain` was invariant in `K` and `V` (the engine held the
/// drained table as `&'a mut`), while std's is covariant, so code that
/// shortens `Drain<'_, &'static str, _>` compiled with std only.
/// Compile-time; found by `variance` below.
#[test]
fn regression_drain_is_covariant() {
    fn shorten<'a>(d: Drain<'a, &'static str, &'static str>) -> Drain<'a, &'a str, &'a str> {
        d
    }
    let mut m = HashMap::from([("k", "v")]);
    let local = String::from("x");
    let mut d = shorten(m.drain());
    assert_eq!(d.next(), Some(("k", "v")));
    assert!(d.all(|(k, _)| k != local.as_str()));
    drop(d);
    assert!(m.is_empty());
    m.insert("again", "works");
    ok(&m);
}

#[allow(dead_code)]
fn auto_traits() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<HashMap<u64, String>>();
    sync::<HashMap<u64, String>>();
    send::<Iter<'static, u64, String>>();
    sync::<Iter<'static, u64, String>>();
    send::<IterMut<'static, u64, String>>();
    sync::<IterMut<'static, u64, String>>();
    send::<IntoIter<u64, String>>();
    sync::<IntoIter<u64, String>>();
    send::<Drain<'static, u64, String>>();
    sync::<Drain<'static, u64, String>>();
    send::<Keys<'static, u64, String>>();
    send::<Values<'static, u64, String>>();
    send::<ValuesMut<'static, u64, String>>();
    send::<IntoKeys<u64, String>>();
    send::<IntoValues<u64, String>>();
    send::<Entry<'static, u64, String, DefaultHashBuilder>>();
    sync::<Entry<'static, u64, String, DefaultHashBuilder>>();
    send::<EntryRef<'static, 'static, String, str, String, DefaultHashBuilder>>();
    sync::<EntryRef<'static, 'static, String, str, String, DefaultHashBuilder>>();
    send::<ExtractIf<'static, u64, String, fn(&u64, &mut String) -> bool>>();
}

/// Covariance in the lifetimes of keys and values, as std's types have.
#[allow(dead_code)]
fn variance() {
    fn map<'a>(m: HashMap<&'static str, &'static str>) -> HashMap<&'a str, &'a str> {
        m
    }
    fn iter<'a, 'b>(i: Iter<'b, &'static str, &'static str>) -> Iter<'b, &'a str, &'a str> {
        i
    }
    fn into_iter<'a>(i: IntoIter<&'static str, &'static str>) -> IntoIter<&'a str, &'a str> {
        i
    }
    fn keys<'a, 'b>(i: Keys<'b, &'static str, &'static str>) -> Keys<'b, &'a str, &'a str> {
        i
    }
    fn values<'a, 'b>(i: Values<'b, &'static str, &'static str>) -> Values<'b, &'a str, &'a str> {
        i
    }
    fn into_keys<'a>(i: IntoKeys<&'static str, &'static str>) -> IntoKeys<&'a str, &'a str> {
        i
    }
    fn into_values<'a>(i: IntoValues<&'static str, &'static str>) -> IntoValues<&'a str, &'a str> {
        i
    }
    fn drain<'a, 'b>(d: Drain<'b, &'static str, &'static str>) -> Drain<'b, &'a str, &'a str> {
        d
    }
}

/// A hasher that ignores part of the key still gives a consistent map.
#[test]
fn hash_impl_that_ignores_fields() {
    #[derive(Debug, Clone)]
    struct K(u32, u32);
    impl Hash for K {
        fn hash<H: Hasher>(&self, h: &mut H) {
            self.0.hash(h);
        }
    }
    impl PartialEq for K {
        fn eq(&self, o: &Self) -> bool {
            self.0 == o.0 && self.1 == o.1
        }
    }
    impl Eq for K {}
    let mut m = HashMap::new();
    for i in 0..400 {
        m.insert(K(i % 3, i), i);
    }
    ok(&m);
    assert_eq!(m.len(), 400);
    assert_eq!(m[&K(1, 100)], 100);
    assert_eq!(m.get(&K(1, 101)), None);
}

// ---------------------------------------------------------------------------
// A panicking observer

/// Which events an observer panics at.
type PanicsAt = fn(&crate::stats::Event) -> bool;

/// An observer that counts the events it is given and panics at those `on`
/// selects.
fn panicking_observer(
    seen: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    on: PanicsAt,
) -> Option<alloc::boxed::Box<dyn crate::stats::Observer>> {
    Some(alloc::boxed::Box::new(move |e: &crate::stats::Event| {
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if on(e) {
            panic!("{} in the observer", crate::testing::PLANNED);
        }
    }))
}

/// The hasher panics while an insert evacuates an old bucket, and the
/// observer panics at every event: unwinding from the hasher must not call
/// the observer (a panic while unwinding aborts the process), and the table
/// stays consistent. Before the evacuation guard stopped calling the
/// observer, this test aborted the test binary.
#[test]
fn a_panicking_observer_does_not_abort_an_unwinding_evacuation() {
    use crate::testing::{PanicSwitch, Panicky};
    use std::panic::{catch_unwind, AssertUnwindSafe};
    crate::testing::quiet_planned_panics();
    let p = Panicky { inner: Fixed(7), switch: PanicSwitch::new() };
    let mut m: HashMap<u64, u64, _> = HashMap::with_hasher(p.clone());
    let mut k = 0;
    while !m.is_resizing() {
        m.insert(k, k);
        k += 1;
    }
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    m.set_observer(panicking_observer(seen.clone(), |_| true));
    // The insert hashes its key (call 0), then evacuation rehashes the old
    // bucket's entries: call 1 panics mid-bucket.
    p.switch.arm(1);
    let r = catch_unwind(AssertUnwindSafe(|| m.insert(u64::MAX, 0)));
    assert!(r.is_err() && p.switch.disarm(), "the hasher's panic propagates");
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 0, "no event while unwinding");
    ok(&m);
    assert!(!m.contains_key(&u64::MAX));
    // Writes go on; the resize finishes (the observer is gone).
    m.set_observer(None);
    m.finish_resize();
    ok(&m);
}

/// An observer that panics at each kind of event in turn leaves the map
/// whole: every entry still there, invariants intact, and later writes
/// work. A panic at `ResizeStart` used to unwind with the old array (all the
/// entries) held in a local and lose it.
#[test]
fn a_panicking_observer_leaves_the_map_whole() {
    use crate::stats::Event;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    crate::testing::quiet_planned_panics();
    let kinds: [(&str, PanicsAt); 4] = [
        ("ResizeStart", |e| matches!(e, Event::ResizeStart { .. })),
        ("Evacuated", |e| matches!(e, Event::Evacuated { .. })),
        ("ResizeEnd", |e| matches!(e, Event::ResizeEnd { .. })),
        ("OverflowAlloc", |e| matches!(e, Event::OverflowAlloc { .. })),
    ];
    for (name, on) in kinds {
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut m: HashMap<u64, u64, _> = HashMap::with_hasher(Colliding { bucket_bits: 3 });
        m.set_observer(panicking_observer(seen.clone(), on));
        let (mut panics, mut present) = (0, Vec::new());
        for k in 0..3_000u64 {
            let before = m.len();
            match catch_unwind(AssertUnwindSafe(|| m.insert(k, k))) {
                Ok(_) => assert_eq!(m.len(), before + 1, "{name}: key {k}"),
                Err(_) => {
                    panics += 1;
                    // A write may have been cut short: the key is in or out.
                    assert!(m.len() == before || m.len() == before + 1 && m.get(&k) == Some(&k), "{name}: key {k}");
                }
            }
            if m.len() > before {
                present.push(k);
            }
            ok(&m);
            for j in present.iter().step_by(97) {
                assert_eq!(m.get(j), Some(j), "{name}: key {j} lost after inserting {k}");
            }
            // A queued shrink makes `ResizeEnd` start another resize. These
            // calls deliver events too, so they may panic as well.
            if k % 500 == 250 {
                let _ = catch_unwind(AssertUnwindSafe(|| m.reserve(4_000)));
                ok(&m);
                let _ = catch_unwind(AssertUnwindSafe(|| m.shrink_to(0)));
                ok(&m);
            }
        }
        assert_eq!(m.len(), present.len(), "{name}");
        assert!(panics > 3, "{name}: the observer panicked only {panics} times");
        m.set_observer(None);
        m.finish_resize();
        ok(&m);
    }
}

/// `replace_entry_with` against std's map, on a map in the middle of a
/// resize, with values that count their drops: `Some` keeps the entry with
/// the new value, `None` removes it and hands back a vacant entry that
/// inserts again, a panic in the closure removes it. No value is dropped
/// twice or leaked, and the table is whole after every step.
#[test]
fn replace_entry_with_keeps_removes_or_drops_on_panic() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::rc::Rc;
    let live = Rc::new(());
    let mut m: HashMap<u64, (u64, Rc<()>)> = HashMap::new();
    let mut model: StdMap<u64, u64> = StdMap::new();
    let mut k = 0;
    // Under Miri (its unwinding and the checker after every step are slow)
    // the first resize past 40 entries, from 8 buckets: still mid-resize.
    let least = if cfg!(miri) { 40 } else { 300 };
    while !(m.is_resizing() && m.len() > least) {
        m.insert(k, (k, live.clone()));
        model.insert(k, k);
        k += 1;
    }
    let mut removed_again = 0;
    for k in 0..k {
        match k % 4 {
            0 => {
                let e = m.entry(k).and_replace_entry_with(|key, (v, rc)| Some((v + key, rc)));
                assert!(matches!(e, Entry::Occupied(_)));
                *model.get_mut(&k).unwrap() += k;
            }
            1 => {
                let e = m.entry(k).and_replace_entry_with(|_, _| None);
                let Entry::Vacant(v) = e else { panic!("{k} still occupied") };
                assert_eq!(*v.key(), k);
                model.remove(&k);
            }
            2 => {
                let e = m.entry(k).and_replace_entry_with(|_, _| None);
                let Entry::Vacant(v) = e else { panic!("{k} still occupied") };
                v.insert((7, live.clone()));
                *model.get_mut(&k).unwrap() = 7;
                removed_again += 1;
            }
            _ => {
                let r = catch_unwind(AssertUnwindSafe(|| {
                    m.entry(k).and_replace_entry_with(|_, _| -> Option<(u64, Rc<()>)> { panic!("closure") });
                }));
                assert!(r.is_err());
                model.remove(&k);
            }
        }
        ok(&m);
        assert_eq!(Rc::strong_count(&live), m.len() + 1, "after key {k}");
    }
    assert!(removed_again > 0);
    assert_eq!(sorted(m.iter().map(|(k, v)| (*k, v.0))), sorted(model.iter().map(|(k, v)| (*k, *v))));
}

/// `insert` and `remove` decide their common case inline (a key in its main
/// bucket, a table not resizing); the cases they hand to the general path
/// still do what it does: a removal that leaves an automatic shrink due
/// starts it, an insert past the load limit starts a growth, and an
/// overwrite keeps the stored key.
#[test]
fn inline_insert_and_remove_keep_the_general_paths_duties() {
    let n: u64 = if cfg!(miri) { 1_000 } else { 10_000 };
    let mut m = HashMap::new();
    m.set_auto_shrink(true);
    for k in 0..n {
        assert_eq!(m.insert(k, k), None);
    }
    ok(&m);
    m.finish_resize();
    let full = m.capacity();
    assert_eq!(m.insert(7, 70), Some(7));
    let mut shrank_at = None;
    for k in 0..n {
        assert_eq!(m.remove(&k), Some(if k == 7 { 70 } else { k }));
        assert_eq!(m.remove(&k), None);
        if m.is_resizing() {
            shrank_at = Some(m.len());
            break;
        }
    }
    // The first removal that leaves the map under 10% of its capacity.
    let left = shrank_at.expect("no shrink started");
    assert!(left * 10 < full && (left + 1) * 10 >= full, "shrink at {left} of {full}");
    ok(&m);
    let mut grew = false;
    for k in 0..10 * n {
        let b = m.stats().b;
        m.insert(k, k);
        grew |= m.stats().b > b;
    }
    assert!(grew);
    ok(&m);
}
