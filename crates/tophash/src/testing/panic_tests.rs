//! Panic safety: `Hash`, `Eq`, `Clone`, `Drop` and the `BuildHasher` panic at
//! every call index of an operation in turn (`n = 0, 1, ...` until the
//! operation completes without reaching the `n`-th call), for inserts,
//! overwrites, growth and shrink evacuation, clone, clone_from, retain,
//! extract_if, drain and the rest.
//!
//! After each caught panic this asserts:
//!
//! * `check_invariants()` holds and `len` equals what iteration yields;
//! * no value was dropped twice, and the live `Tracked` values are exactly
//!   the maps' entries: nothing leaked. (`Tracked` records its drop before
//!   its `Drop` panics, so a panicking value counts as dropped; its fields
//!   are dropped by the unwinding drop glue.)
//! * no entry vanished except those the operation removes by design, and,
//!   when the hasher (or `Hash`) panicked during a resize, entries of *one*
//!   old bucket: the engine's documented choice is to drop the not yet
//!   moved entries of the bucket being evacuated. The exact set, the rest
//!   of that bucket's chain from the entry whose hash panicked, is checked
//!   by `hasher_panic_drops_exactly_the_rest_of_the_bucket`;
//! * the map still works (insert, get, remove, finish a resize), and
//!   dropping it leaves no live value.

use core::fmt::Debug;
use core::hash::BuildHasher;
use std::collections::BTreeSet;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::vec::Vec;

use super::{quiet_planned_panics, Colliding, Fixed, Ledger, PanicSwitch, Panicky, SameTop, Tracked};
use crate::HashMap;

type Map<H> = HashMap<Tracked, Tracked, Panicky<H>>;

/// Value ids are key ids plus this.
const VAL: u32 = 100_000;
/// Keys the operations insert are at least this.
const NEW: u32 = 50_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Site {
    Hasher,
    Hash,
    Eq,
    Clone,
    Drop,
}

const SITES: [Site; 5] = [Site::Hasher, Site::Hash, Site::Eq, Site::Clone, Site::Drop];

fn put<H: BuildHasher>(m: &mut Map<H>, l: &'static Ledger, id: u32) -> Option<Tracked> {
    m.insert(l.make(id), l.make(id + VAL))
}

fn filled<H: BuildHasher + Clone>(l: &'static Ledger, p: &Panicky<H>, ids: core::ops::Range<u32>) -> Map<H> {
    let mut m = HashMap::with_hasher(p.clone());
    for id in ids {
        put(&mut m, l, id);
    }
    m
}

/// Keys `0..53`: the 53rd started a doubling from 8 to 16 buckets, 6 old
/// buckets are still to move.
fn mid_resize<H: BuildHasher + Clone>(l: &'static Ledger, p: &Panicky<H>) -> Map<H> {
    let m = filled(l, p, 0..53);
    assert!(m.is_resizing());
    m
}

/// 12 entries shrinking from 16 buckets to 2, nothing moved yet.
fn shrinking<H: BuildHasher + Clone>(l: &'static Ledger, p: &Panicky<H>) -> Map<H> {
    let mut m = filled(l, p, 0..100);
    m.finish_resize();
    m.retain(|k, _| k.id < 12);
    m.shrink_to_fit();
    assert!(m.is_resizing());
    m
}

/// One operation under test: its maps, the call, and which keys of `map`
/// it removes by design.
struct Scenario<H> {
    name: &'static str,
    setup: Setup<H>,
    op: Call<H>,
    may_remove: fn(u32) -> bool,
}

type Setup<H> = fn(&'static Ledger, &Panicky<H>) -> (Map<H>, Map<H>);
type Call<H> = fn(&mut Map<H>, &mut Map<H>, &'static Ledger);

fn sc<H>(name: &'static str, setup: Setup<H>, op: Call<H>, may_remove: fn(u32) -> bool) -> Scenario<H> {
    Scenario { name, setup, op, may_remove }
}

fn scenarios<H: BuildHasher + Clone + 'static>() -> Vec<Scenario<H>> {
    fn nothing(_: u32) -> bool {
        false
    }
    fn all(_: u32) -> bool {
        true
    }
    fn empty<H: Clone>(p: &Panicky<H>) -> Map<H> {
        HashMap::with_hasher(p.clone())
    }
    let small = |l, p: &Panicky<H>| (filled(l, p, 0..5), empty(p));
    let full = |l, p: &Panicky<H>| {
        let mut m = filled(l, p, 0..26);
        m.finish_resize();
        (m, empty(p))
    };
    let mid = |l, p: &Panicky<H>| (mid_resize(l, p), empty(p));
    // 16 main buckets, not resizing: `clone` writes the copy's headers
    // itself instead of zeroing them first.
    let steady = |l, p: &Panicky<H>| {
        let mut m = filled(l, p, 0..53);
        m.finish_resize();
        (m, empty(p))
    };
    let shrink = |l, p: &Panicky<H>| (shrinking(l, p), empty(p));
    std::vec![
        sc("insert", small, |m, _, l| drop(put(m, l, NEW)), nothing),
        sc("insert starting a growth", full, |m, _, l| drop(put(m, l, NEW)), nothing),
        sc(
            "insert mid-growth",
            mid,
            |m, _, l| {
                put(m, l, NEW);
                put(m, l, NEW + 1);
            },
            nothing
        ),
        sc("overwrite mid-growth", mid, |m, _, l| drop(put(m, l, 7)), nothing),
        sc(
            "remove mid-growth",
            mid,
            |m, _, l| {
                m.remove(&l.make(7));
                m.remove_entry(&l.make(40));
            },
            |id| id == 7 || id == 40
        ),
        sc(
            "insert and remove mid-shrink",
            shrink,
            |m, _, l| {
                put(m, l, NEW);
                m.remove(&l.make(3));
            },
            |id| id == 3
        ),
        sc(
            "shrink_to_fit mid-growth",
            |l, p| {
                let mut m = mid_resize(l, p);
                m.retain(|k, _| k.id < 20);
                (m, empty(p))
            },
            |m, _, _| {
                m.shrink_to_fit();
                m.finish_resize();
            },
            nothing
        ),
        sc("finish_resize", mid, |m, _, _| m.finish_resize(), nothing),
        sc(
            "evacuate",
            mid,
            |m, _, _| {
                m.evacuate(3);
            },
            nothing
        ),
        sc(
            "reserve mid-growth",
            mid,
            |m, _, l| {
                m.reserve(500);
                put(m, l, NEW);
                m.finish_resize();
            },
            nothing
        ),
        sc("clone", mid, |m, _, _| drop(m.clone()), nothing),
        sc("clone not resizing", steady, |m, _, _| drop(m.clone()), nothing),
        sc(
            "clone_from",
            |l, p| (filled(l, p, 0..20), {
                let mut src = filled(l, p, 1000..1053);
                src.remove(&l.make(1001));
                src
            }),
            |m, o, _| m.clone_from(o),
            all
        ),
        sc("retain", mid, |m, _, _| m.retain(|k, _| k.id % 3 != 0), |id| id % 3 == 0),
        sc(
            "extract_if half-consumed",
            mid,
            |m, _, _| m.extract_if(|k, _| k.id % 2 == 0).take(5).for_each(drop),
            |id| id % 2 == 0
        ),
        sc("drain half-consumed", mid, |m, _, _| m.drain().take(10).for_each(drop), all),
        sc("clear", mid, |m, _, _| m.clear(), all),
        sc(
            "into_iter half-consumed",
            mid,
            |m, _, _| {
                let owned = core::mem::replace(m, HashMap::with_hasher(m.hasher().clone()));
                owned.into_iter().take(10).for_each(drop);
            },
            all
        ),
        sc("drop", mid, |m, _, _| drop(core::mem::replace(m, HashMap::with_hasher(m.hasher().clone()))), all),
        sc(
            "entry",
            mid,
            |m, _, l| {
                *m.entry(l.make(7)).or_insert(l.make(1)) = l.make(2);
                m.entry(l.make(NEW)).or_insert_with(|| l.make(3));
            },
            nothing
        ),
        sc("extend mid-growth", mid, |m, _, l| m.extend((NEW..NEW + 20).map(|i| (l.make(i), l.make(i)))), nothing),
        sc(
            "lookups mid-growth",
            mid,
            |m, _, l| {
                for id in [3, 50, 60, NEW] {
                    m.get(&l.make(id));
                    m.contains_key(&l.make(id));
                }
            },
            nothing
        ),
    ]
}

fn ids<H>(m: &Map<H>) -> BTreeSet<u32> {
    m.keys().map(|k| k.id).collect()
}

fn arm(site: Site, l: &'static Ledger, p: &PanicSwitch, n: usize) {
    match site {
        Site::Hasher => p.arm(n),
        Site::Hash => l.hash.arm(n),
        Site::Eq => l.eq.arm(n),
        Site::Clone => l.clone.arm(n),
        Site::Drop => l.drop.arm(n),
    }
}

/// `m` is consistent and usable.
fn sound<H: BuildHasher + Clone>(m: &mut Map<H>, l: &'static Ledger, what: &str) {
    if let Err(e) = m.check_invariants() {
        panic!("{what}: {e}");
    }
    assert_eq!(m.len(), m.iter().count(), "{what}");
    assert!(put(m, l, 60_000).is_none(), "{what}");
    assert_eq!(m.get(&l.make(60_000)).map(|v| v.id), Some(60_000 + VAL), "{what}");
    assert!(m.remove(&l.make(60_000)).is_some(), "{what}");
    m.finish_resize();
    m.check_invariants().unwrap_or_else(|e| panic!("{what}: after finish_resize: {e}"));
}

/// Runs `sc` with a panic at call `n = 0, 1, ...` of `site` until it
/// completes; returns how many panics it caught.
fn sweep<H: BuildHasher + Clone + Debug + 'static>(hasher: &H, sc: &Scenario<H>, site: Site) -> usize {
    for n in 0.. {
        let what = std::format!("{} / {site:?} panic at call {n} / {hasher:?}", sc.name);
        let l = Ledger::new();
        let p = Panicky { inner: hasher.clone(), switch: PanicSwitch::new() };
        let (mut map, mut other) = (sc.setup)(l, &p);
        let before = ids(&map);
        // The arrays a resize under way, or one the operation starts, moves
        // entries out of.
        let c = map.table.counters();
        let masks = [c.resize.map(|r| (1 << r.old_b) - 1), (c.buckets > 0).then_some(c.buckets - 1)];
        arm(site, l, &p.switch, n);
        let r = catch_unwind(AssertUnwindSafe(|| (sc.op)(&mut map, &mut other, l)));
        let fired = l.disarm_all() | p.switch.disarm();
        match r {
            Ok(()) => assert!(!fired, "{what}: a planned panic was swallowed"),
            Err(e) if !fired => resume_unwind(e),
            Err(_) => {}
        }
        for m in [&map, &other] {
            m.check_invariants().unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(m.len(), m.iter().count(), "{what}");
        }
        assert_eq!(l.double_drops(), 0, "{what}: double drop");
        assert_eq!(l.live(), 2 * (map.len() + other.len()), "{what}: live values vs entries");
        // What vanished, beyond what the operation removes by design.
        let after = ids(&map);
        let lost: Vec<u32> = before.difference(&after).copied().filter(|&id| !(sc.may_remove)(id)).collect();
        assert!(after.iter().all(|id| before.contains(id) || *id >= NEW || (sc.may_remove)(*id)), "{what}");
        if !lost.is_empty() {
            assert!(fired && matches!(site, Site::Hasher | Site::Hash), "{what}: lost {lost:?}");
            let one_bucket = |mask: usize| {
                let bucket = |id: u32| p.inner.hash_one(l.make(id)) as usize & mask;
                lost.iter().all(|&id| bucket(id) == bucket(lost[0]))
            };
            assert!(masks.into_iter().flatten().any(one_bucket), "{what}: lost {lost:?}, not from one old bucket");
        }
        sound(&mut map, l, &what);
        sound(&mut other, l, &what);
        drop((map, other));
        l.assert(0);
        if !fired {
            return n;
        }
    }
    unreachable!()
}

fn matrix<H: BuildHasher + Clone + Debug + 'static>(hasher: H) {
    quiet_planned_panics();
    for sc in scenarios::<H>() {
        for site in SITES {
            sweep(&hasher, &sc, site);
        }
    }
}

#[test]
fn every_panic_site_fixed_hasher() {
    matrix(Fixed(7));
}

/// Four chains and one top byte: long overflow chains, and `Eq` runs on
/// every slot a lookup passes.
#[test]
fn every_panic_site_colliding_same_top() {
    matrix(SameTop { bucket_bits: 2 });
}

/// The sweep reaches the calls it is meant to: the hasher during growth
/// evacuation, `Clone` in clone, `Drop` in clear.
#[test]
fn sweeps_reach_the_interesting_calls() {
    quiet_planned_panics();
    let all = scenarios::<Fixed>();
    let by_name = |name: &str| all.iter().find(|s| s.name == name).expect("a scenario");
    // An insert mid-growth hashes its key, then up to two old buckets' keys.
    assert!(sweep(&Fixed(7), by_name("insert mid-growth"), Site::Hasher) > 3);
    assert!(sweep(&Fixed(7), by_name("finish_resize"), Site::Hasher) > 20);
    assert!(sweep(&Fixed(7), by_name("insert and remove mid-shrink"), Site::Hasher) > 1);
    assert!(sweep(&Fixed(7), by_name("clone"), Site::Clone) > 50);
    assert!(sweep(&Fixed(7), by_name("clone not resizing"), Site::Clone) > 100);
    assert!(sweep(&Fixed(7), by_name("clone_from"), Site::Clone) > 50);
    assert!(sweep(&Fixed(7), by_name("clear"), Site::Drop) > 50);
    assert!(sweep(&Fixed(7), by_name("retain"), Site::Drop) > 10);
}

/// The documented choice, exactly: when the hasher panics while an old
/// bucket is evacuated, the entries of that bucket's chain from the one
/// whose hash panicked on are dropped (once each), every other entry stays,
/// and the bucket counts as evacuated. An insert of a new key hashes the
/// key (call 0), then evacuates old bucket `i` at the evacuation mark (one
/// call per entry, in chain order): a panic at call `n + 1` stops at the
/// chain's `n`-th entry.
#[test]
fn hasher_panic_drops_exactly_the_rest_of_the_bucket() {
    quiet_planned_panics();
    type One = fn(&'static Ledger, &Panicky<Colliding>) -> Map<Colliding>;
    let setups: [(&str, One); 2] = [("doubling", mid_resize), ("shrink", shrinking)];
    for bucket_bits in [2, 56] {
        let hasher = Colliding { bucket_bits };
        for (name, setup) in setups {
            let mut caught = 0;
            for n in 0.. {
                let what = std::format!("{name}, bucket bits {bucket_bits}, panic at entry {n}");
                let l = Ledger::new();
                let p = Panicky { inner: hasher, switch: PanicSwitch::new() };
                let mut map = setup(l, &p);
                let old = map.table.counters().resize.expect("resizing");
                let mask = (1 << old.old_b) - 1;
                let bucket = |k: &Tracked| hasher.hash_one(k) as usize & mask;
                // The unevacuated old bucket with the most entries, brought
                // to the mark (the write evacuates the mark's bucket first).
                // Iteration walks an old bucket's chain in order: the order
                // in which evacuation hashes its keys.
                let mut chains = std::vec![Vec::new(); mask + 1];
                for k in map.keys() {
                    chains[bucket(k)].push(k.id);
                }
                let i = (old.nevacuate..=mask)
                    .filter(|&i| !map.table.old_bucket_evacuated(i))
                    .max_by_key(|&i| chains[i].len())
                    .unwrap();
                while map.table.counters().resize.expect("resizing").nevacuate < i {
                    map.evacuate(1);
                }
                let chain = core::mem::take(&mut chains[i]);
                if n == chain.len() {
                    break;
                }
                let key = (NEW..).find(|&id| bucket(&l.make(id)) == i).unwrap();
                let before = ids(&map);
                p.switch.arm(n + 1);
                let r = catch_unwind(AssertUnwindSafe(|| put(&mut map, l, key)));
                assert!(r.is_err() && p.switch.disarm(), "{what}");
                caught += 1;
                let lost: Vec<u32> = before.difference(&ids(&map)).copied().collect();
                let mut want = chain[n..].to_vec();
                want.sort_unstable();
                assert_eq!(lost, want, "{what}: chain {chain:?}");
                assert!(!map.contains_key(&l.make(key)), "{what}");
                l.assert(2 * map.len());
                assert!(map.table.old_bucket_evacuated(i), "{what}: the bucket was not finished");
                sound(&mut map, l, &what);
                drop(map);
                l.assert(0);
            }
            assert!(caught >= 2, "{name}, bucket bits {bucket_bits}: only {caught} entries in the bucket");
        }
    }
}

/// A panicking `retain` predicate or `extract_if` predicate leaves the map
/// consistent with every entry it had not removed yet.
#[test]
fn panicking_predicates() {
    quiet_planned_panics();
    for stop in [0, 1, 7, 30, 52] {
        let l = Ledger::new();
        let p = Panicky { inner: Fixed(3), switch: PanicSwitch::new() };
        let mut m = mid_resize(l, &p);
        let mut seen = 0;
        let r = catch_unwind(AssertUnwindSafe(|| {
            m.retain(|k, _| {
                seen += 1;
                if seen > stop {
                    panic!("{} in retain", super::PLANNED);
                }
                k.id % 2 == 0
            })
        }));
        assert!(r.is_err());
        let removed = 53 - m.len();
        assert!(removed <= stop, "removed {removed} after {stop} calls");
        l.assert(2 * m.len());
        sound(&mut m, l, "retain");
        let r = catch_unwind(AssertUnwindSafe(|| {
            let mut calls = 0;
            m.extract_if(|_, _| {
                calls += 1;
                if calls > stop {
                    panic!("{} in extract_if", super::PLANNED);
                }
                true
            })
            .for_each(drop)
        }));
        assert!(r.is_err() || m.is_empty());
        l.assert(2 * m.len());
        sound(&mut m, l, "extract_if");
        drop(m);
        l.assert(0);
    }
}

/// `clone_from` whose `Clone` panics leaves the target as it was
/// (documented on `HashMap::clone_from`).
#[test]
fn clone_from_panic_leaves_the_target_unchanged() {
    quiet_planned_panics();
    for n in [0, 1, 10, 50, 100] {
        let l = Ledger::new();
        let p = Panicky { inner: Fixed(5), switch: PanicSwitch::new() };
        let mut target = filled(l, &p, 0..20);
        let source = mid_resize(l, &p);
        let before: Vec<(u32, u32)> = {
            let mut v: Vec<_> = target.iter().map(|(k, v)| (k.id, v.id)).collect();
            v.sort_unstable();
            v
        };
        l.clone.arm(n);
        let r = catch_unwind(AssertUnwindSafe(|| target.clone_from(&source)));
        assert!(r.is_err() && l.clone.disarm());
        let mut after: Vec<_> = target.iter().map(|(k, v)| (k.id, v.id)).collect();
        after.sort_unstable();
        assert_eq!(after, before);
        l.assert(2 * (target.len() + source.len()));
        sound(&mut target, l, "clone_from");
        drop((target, source));
        l.assert(0);
    }
}

/// Regression: a value the map hands back was leaked when another
/// destructor panicked while the call returned. Rust leaks a function's
/// finished return value if a local's destructor then panics
/// (rust-lang/rust#47949), and `insert` returned `Some(old)` before its
/// unneeded `key` parameter was dropped; `remove` (`.map(|(_, v)| v)`),
/// `OccupiedEntry::remove`/`remove_entry` (the key passed to `entry`) and
/// `into_keys`/`into_values` had the same shape. Found by the panic matrix
/// ("overwrite mid-growth / Drop panic at call 0": one value more live than
/// the map held). The map now drops those first, while the value to return
/// is still a local that unwinding drops.
#[test]
fn regression_return_value_leaked_when_a_destructor_panics() {
    quiet_planned_panics();
    type Op = fn(&mut Map<Fixed>, &'static Ledger);
    let ops: [(&str, Op); 6] = [
        ("insert over a present key", |m, l| drop(put(m, l, 7))),
        ("remove", |m, l| drop(m.remove(&l.make(7)))),
        ("OccupiedEntry::remove", |m, l| match m.entry(l.make(7)) {
            crate::hash_map::Entry::Occupied(e) => drop(e.remove()),
            crate::hash_map::Entry::Vacant(_) => unreachable!(),
        }),
        ("OccupiedEntry::remove_entry", |m, l| match m.entry(l.make(7)) {
            crate::hash_map::Entry::Occupied(e) => drop(e.remove_entry()),
            crate::hash_map::Entry::Vacant(_) => unreachable!(),
        }),
        ("into_keys", |m, _| drop(core::mem::take(m).into_keys().next())),
        ("into_values", |m, _| drop(core::mem::take(m).into_values().next())),
    ];
    for (name, op) in ops {
        for n in 0..3 {
            let l = Ledger::new();
            let mut m = filled(l, &Panicky { inner: Fixed(1), switch: PanicSwitch::new() }, 0..20);
            l.drop.arm(n);
            let r = catch_unwind(AssertUnwindSafe(|| op(&mut m, l)));
            let fired = l.drop.disarm();
            assert_eq!(r.is_err(), fired, "{name}, drop {n}");
            assert_eq!(l.live(), 2 * m.len(), "{name}: drop {n} panicked; live values vs entries");
            drop(m);
            l.assert(0);
        }
    }
}
