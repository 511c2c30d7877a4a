//! Every parallel operation against its sequential counterpart, on maps
//! and sets at rest, in the middle of a resize, with long overflow chains,
//! and empty; and the engine's head ranges split down to single chains.

use core::hash::BuildHasher;
use std::vec::Vec;

use ::rayon::prelude::*;

use crate::testing::{Colliding, Fixed};
use crate::{HashMap, HashSet};

type Map<S> = HashMap<u64, u64, S>;

/// Inserts `k → k * 3` for `k = 0, 1, ...` until the map is resizing and
/// holds more than `min_len` entries.
fn resizing<S: BuildHasher>(mut m: Map<S>, min_len: u64) -> Map<S> {
    let mut k = 0;
    while !(m.is_resizing() && m.len() as u64 > min_len) {
        assert!(k < 1_000_000, "no resize in progress after {k} inserts");
        m.insert(k, k * 3);
        k += 1;
    }
    m
}

/// Maps of every interesting shape, each with its name; the test checks
/// that the shape is what the name says.
fn maps() -> Vec<(&'static str, Map<Fixed>)> {
    let mut at_rest: Map<Fixed> = (0..5000).map(|k| (k, k * 3)).collect();
    at_rest.finish_resize();
    assert!(!at_rest.is_resizing());
    let mid = resizing(HashMap::with_hasher(Fixed(7)), 3000);
    let r = mid.stats().resize.unwrap();
    assert!(r.evacuated * 2 < r.total, "most old chains still to walk: {r:?}");
    std::vec![
        ("at rest", at_rest),
        ("mid-resize", mid),
        ("empty", HashMap::with_hasher(Fixed(7))),
        ("one entry", [(1, 2)].into_iter().collect()),
    ]
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v
}

/// Splits a head range down to single chains; returns the entries of each
/// leaf, concatenated, and how many leaves there were.
fn split_all(h: crate::raw::RefHeads<'_, u64, u64>, out: &mut Vec<(u64, u64)>) -> usize {
    match h.split() {
        (a, Some(b)) => split_all(a, out) + split_all(b, out),
        (a, None) => {
            a.for_each(|(k, v)| out.push((*k, *v)));
            1
        }
    }
}

/// Splits `m`'s head range down to single chains and checks that the
/// leaves yield every entry exactly once, one leaf per head (old heads
/// from the mark on, plus the current array's main buckets and used pool
/// buckets).
fn check_leaves<S: BuildHasher>(name: &str, m: &Map<S>) {
    let mut got = Vec::new();
    let leaves = split_all(m.table.par_heads(), &mut got);
    let want: Vec<(u64, u64)> = m.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(got.len(), want.len(), "{name}: an entry missed or yielded twice");
    assert_eq!(sorted(got), sorted(want), "{name}");
    let stats = m.stats();
    let heads = stats.resize.map_or(0, |r| r.total - r.nevacuate) + stats.buckets + m.table.pool_buckets_used();
    if stats.len > 0 {
        assert_eq!(leaves, heads, "{name}: one leaf per chain head");
    }
}

/// The engine's ranges cover old chains not yet evacuated and overflow
/// chains, and split without overlap.
#[test]
fn head_ranges_split_to_single_chains_cover_every_entry_once() {
    for (name, m) in maps() {
        check_leaves(name, &m);
    }
    let colliding = resizing(HashMap::with_hasher(Colliding { bucket_bits: 2 }), 200);
    assert!(colliding.stats().overflow_buckets > colliding.table.pool_buckets_used());
    assert!(colliding.table.pool_buckets_used() > 0, "pool buckets and stand-alone ones both");
    check_leaves("colliding mid-resize", &colliding);
}

/// The engine's mutable ranges, two halves walked on two threads at once,
/// on a map mid-resize; small enough for Miri (`cargo +nightly miri test
/// -p tophash --features rayon --lib mutable_halves`), which checks that
/// the `&mut V` of disjoint ranges never alias and that the walks do not
/// race.
#[test]
fn mutable_halves_on_two_threads() {
    let mut m = resizing(HashMap::with_hasher(Fixed(7)), 26);
    let want = sorted(m.iter().map(|(k, v)| (*k, v + k)).collect());
    let (a, b) = m.table.par_heads_mut().split();
    let b = b.expect("a resizing map has more than one chain head");
    std::thread::scope(|s| {
        for half in [a, b] {
            s.spawn(move || {
                half.fold_while((), |(), (k, v)| {
                    *v += k;
                    core::ops::ControlFlow::Continue(())
                })
            });
        }
    });
    assert!(m.is_resizing());
    assert_eq!(sorted(m.iter().map(|(k, v)| (*k, *v)).collect()), want);
    let (a, b) = m.table.par_heads().split();
    let b = b.unwrap();
    let counts = std::thread::scope(|s| {
        let x = s.spawn(move || a.fold_while(0, |n, _| core::ops::ControlFlow::Continue(n + 1)));
        let y = s.spawn(move || b.fold_while(0, |n, _| core::ops::ControlFlow::Continue(n + 1)));
        (x.join().unwrap(), y.join().unwrap())
    });
    assert_eq!(counts.0 + counts.1, m.len());
}

/// Every parallel map operation gives its sequential result, and the
/// reading ones move no bucket (the resize state is unchanged).
#[test]
fn map_parallel_ops_match_sequential() {
    let pool = ::rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
    pool.install(|| {
        for (name, m) in maps() {
            let before = m.stats();
            let pairs = sorted(m.iter().map(|(k, v)| (*k, *v)).collect());
            assert_eq!(sorted(m.par_iter().map(|(k, v)| (*k, *v)).collect()), pairs, "{name}: par_iter");
            assert_eq!(sorted(m.par_keys().copied().collect()), sorted(m.keys().copied().collect()), "{name}");
            assert_eq!(sorted(m.par_values().copied().collect()), sorted(m.values().copied().collect()), "{name}");
            assert_eq!(m.par_iter().count(), m.len(), "{name}");
            for probe in [0, 4999, 1_000_000] {
                let seq = m.iter().any(|(k, _)| *k == probe);
                assert_eq!(m.par_iter().any(|(k, _)| *k == probe), seq, "{name}: any {probe}");
                assert_eq!(m.par_iter().find_any(|(k, _)| **k == probe).is_some(), seq, "{name}: find_any {probe}");
            }
            assert!(m.par_eq(&m.clone()) && m.par_eq(&m.iter().map(|(k, v)| (*k, *v)).collect()), "{name}");
            if let Some((&k, _)) = m.iter().next() {
                let mut other = m.clone();
                other.insert(k, u64::MAX);
                assert!(!m.par_eq(&other), "{name}: par_eq missed a changed value");
            }
            assert_eq!(m.stats(), before, "{name}: a parallel read moved buckets");

            let mut a = m.clone();
            let mut b = m.clone();
            a.par_iter_mut().for_each(|(k, v)| *v += k);
            b.iter_mut().for_each(|(k, v)| *v += k);
            assert!(a.par_eq(&b) && a == b, "{name}: par_iter_mut");
            a.par_values_mut().for_each(|v| *v *= 2);
            b.values_mut().for_each(|v| *v *= 2);
            assert!(a == b, "{name}: par_values_mut");
            assert_eq!(a.stats().resize, before.resize, "{name}: a mutable parallel pass moved buckets");

            assert_eq!(sorted(m.clone().into_par_iter().collect()), pairs, "{name}: into_par_iter");
            let mut d = m.clone();
            assert_eq!(sorted(d.par_drain().collect()), pairs, "{name}: par_drain");
            assert!(d.is_empty());
            d.check_invariants().unwrap();

            let collected: Map<Fixed> = m.par_iter().map(|(k, v)| (*k, *v)).collect();
            assert!(collected == m, "{name}: from_par_iter");
            let mut e: Map<Fixed> = HashMap::with_hasher(Fixed(1));
            e.par_extend(m.par_iter());
            e.par_extend(pairs.par_iter().map(|&(k, v)| (k + 1_000_000, v)));
            let mut f: Map<Fixed> = HashMap::with_hasher(Fixed(1));
            f.extend(m.iter());
            f.extend(pairs.iter().map(|&(k, v)| (k + 1_000_000, v)));
            assert!(e == f, "{name}: par_extend");
            e.check_invariants().unwrap();
        }
    });
}

/// Every parallel set operation gives its sequential result, for pairs of
/// sets at rest and mid-resize, and moves no bucket.
#[test]
fn set_parallel_ops_match_sequential() {
    let sets: Vec<(&str, HashSet<u64, Fixed>)> = maps()
        .into_iter()
        .map(|(name, m)| (name, HashSet { map: m.into_iter().map(|(k, v)| (k / 2 + v % 5, ())).collect() }))
        .collect();
    let mut mid: HashSet<u64, Fixed> = HashSet::with_hasher(Fixed(7));
    let mut k = 0;
    while !(mid.is_resizing() && mid.len() > 1000) {
        mid.insert(k * 3);
        k += 1;
    }
    let mut all = sets;
    all.push(("mid-resize, multiples of 3", mid));
    for (na, a) in &all {
        for (nb, b) in &all {
            let (sa, sb) = (a.stats(), b.stats());
            let seq = |it: &mut dyn Iterator<Item = &u64>| sorted(it.copied().collect::<Vec<u64>>());
            assert_eq!(sorted(a.par_union(b).copied().collect()), seq(&mut a.union(b)), "{na} | {nb}");
            assert_eq!(sorted(a.par_intersection(b).copied().collect()), seq(&mut a.intersection(b)), "{na} & {nb}");
            assert_eq!(sorted(a.par_difference(b).copied().collect()), seq(&mut a.difference(b)), "{na} - {nb}");
            assert_eq!(
                sorted(a.par_symmetric_difference(b).copied().collect()),
                seq(&mut a.symmetric_difference(b)),
                "{na} ^ {nb}"
            );
            assert_eq!(a.par_is_subset(b), a.is_subset(b), "{na} <= {nb}");
            assert_eq!(a.par_is_superset(b), a.is_superset(b), "{na} >= {nb}");
            assert_eq!(a.par_is_disjoint(b), a.is_disjoint(b), "{na} disjoint {nb}");
            assert_eq!(a.par_eq(b), a == b, "{na} == {nb}");
            assert_eq!((a.stats(), b.stats()), (sa, sb), "{na}, {nb}: a parallel read moved buckets");
        }
        let items = sorted(a.iter().copied().collect());
        assert_eq!(sorted(a.par_iter().copied().collect()), items, "{na}: par_iter");
        assert_eq!(sorted(a.clone().into_par_iter().collect()), items, "{na}: into_par_iter");
        let mut d = a.clone();
        assert_eq!(sorted(d.par_drain().collect()), items, "{na}: par_drain");
        assert!(d.is_empty());
        let c: HashSet<u64, Fixed> = a.par_iter().copied().collect();
        assert!(c == *a, "{na}: from_par_iter");
        let mut e: HashSet<u64, Fixed> = HashSet::with_hasher(Fixed(2));
        e.par_extend(a.par_iter());
        e.par_extend(items.par_iter().map(|x| x + 1_000_000));
        let mut f: HashSet<u64, Fixed> = HashSet::with_hasher(Fixed(2));
        f.extend(items.iter().flat_map(|&x| [x, x + 1_000_000]));
        assert!(e == f, "{na}: par_extend");
    }
}

#[test]
fn debug_lists_the_entries() {
    let mut m: Map<Fixed> = [(1, 2)].into_iter().collect();
    assert_eq!(std::format!("{:?}", m.par_iter()), "[(1, 2)]");
    assert_eq!(std::format!("{:?}", m.par_keys()), "[1]");
    assert_eq!(std::format!("{:?}", m.par_values()), "[2]");
    assert_eq!(std::format!("{:?}", m.par_iter_mut()), "[(1, 2)]");
    assert_eq!(std::format!("{:?}", m.par_values_mut()), "[2]");
    assert_eq!(std::format!("{:?}", m.clone().into_par_iter()), "[(1, 2)]");
    assert_eq!(std::format!("{:?}", m.par_drain()), "[(1, 2)]");
    let s: HashSet<u64, Fixed> = [7].into_iter().collect();
    assert_eq!(std::format!("{:?}", s.par_iter()), "[7]");
}

#[allow(dead_code)]
fn send_and_sync_follow_std() {
    fn send_sync<T: Send + Sync>() {}
    use super::{map, set};
    send_sync::<map::ParIter<'static, u8, u8>>();
    send_sync::<map::ParIterMut<'static, u8, u8>>();
    send_sync::<map::ParKeys<'static, u8, u8>>();
    send_sync::<map::ParValuesMut<'static, u8, u8>>();
    send_sync::<map::IntoParIter<u8, u8>>();
    send_sync::<map::ParDrain<'static, u8, u8>>();
    send_sync::<set::ParIter<'static, u8>>();
    send_sync::<set::ParUnion<'static, u8, Fixed>>();
}
