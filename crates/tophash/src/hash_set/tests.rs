//! The set against std's `HashSet` through the shared model runner
//! ([`run_set`] in `crate::testing`, which the fuzz target `set_ops` drives
//! too): property tests under deterministic, random and weak hashers, the
//! set's special cases as named operation sequences, proof that the runner
//! catches a set that misbehaves, and what operations as data cannot say
//! (borrowed lookups, broken queries, drops, panics, traits).

extern crate std;

use core::cell::Cell;
use core::hash::{BuildHasher, Hash, Hasher};
use std::collections::HashSet as StdSet;
use std::format;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::string::{String, ToString};
use std::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::testing::assert_covered;
use crate::testing::strategy::{any_fixed, any_weak, observe_cases, set_fifo, set_ops, Mix};
use crate::testing::{
    check_set, quiet_planned_panics, run_set, Fixed, Id, Ledger, Observed, SetOp, SetOperator, Tagged, Tracked, PLANNED,
};

fn t(id: u16, tag: u32) -> Tagged {
    Tagged { id, tag }
}

/// Two empty sets with the hasher `s`.
fn empty_pair<S: Clone>(s: S) -> [HashSet<Tagged, S>; 2] {
    [HashSet::with_hasher(s.clone()), HashSet::with_hasher(s)]
}

/// Inserts `make(0)`, `make(1)`, ... into `s` until it holds more than
/// `min_len` elements and a resize is in progress; panics after 100,000
/// inserts (a set that stopped growing).
fn grow_until_resizing<T: Eq + Hash, S: BuildHasher>(s: &mut HashSet<T, S>, min_len: usize, make: impl Fn(u32) -> T) {
    let mut id = 0;
    while !(s.is_resizing() && s.len() > min_len) {
        assert!(id < 100_000, "no resize in progress after {id} inserts, len {}", s.len());
        s.insert(make(id));
        id += 1;
    }
}

/// Runs `cases` random cases of `(hasher, ops)` on a fresh pair of sets;
/// panics with the shrunk failing case. Returns what the cases observed.
fn check_set_model<S, H, O>(hasher: H, ops: O, cases: u32, seed: Option<u64>) -> Observed
where
    S: BuildHasher + Clone + Default + core::fmt::Debug,
    H: Strategy<Value = S>,
    O: Strategy<Value = Vec<SetOp>>,
{
    observe_cases(
        (hasher, ops),
        cases,
        seed,
        |(s, ops)| run_set(&ops, &mut empty_pair(s)),
        |(s, ops)| {
            let list: String = ops.iter().map(|o| format!("\n    SetOp::{o:?},")).collect();
            format!("hasher {s:?}\nops ({}): {list}", ops.len())
        },
    )
}

/// Cases per model test; 2 under Miri (`scripts/miri.sh`), which runs them
/// about a thousand times slower.
const CASES: u32 = if cfg!(miri) { 2 } else { 128 };

#[test]
fn set_model_fixed_hasher_growing() {
    let o = check_set_model(any_fixed(), set_ops(Mix::GROW, 100..400), CASES, None);
    assert_covered!(o.resizes[0] > CASES as usize / 2 && o.ops_while_resizing > o.ops / 50, "{o:?}");
    assert_covered!(o.max_len > 100, "{o:?}");
}

/// The default hasher (one random seed per test run).
#[test]
fn set_model_default_hasher_churn() {
    let o = check_set_model(Just(DefaultHashBuilder::default()), set_ops(Mix::CHURN, 200..500), CASES, None);
    assert_covered!(o.ops_while_resizing > 0 && o.resizes[3] > 0, "shrinks: {o:?}");
}

/// Both weak hashers: long chains, keys compared in every slot.
#[test]
fn set_model_weak_hashers() {
    let o = check_set_model(any_weak(), set_ops(Mix::GROW, 100..400), CASES, None);
    assert_covered!(o.ops_with_overflow > o.ops / 4 && o.ops_while_resizing > 0, "{o:?}");
}

/// FIFO churn just under a capacity limit: same-size growth, with every
/// set call mixed in.
#[test]
fn set_model_fifo_same_size_growth() {
    let fifo = prop_oneof![set_fifo(Mix::FIFO_SIDE, 19..25, 250..450), set_fifo(Mix::FIFO_SIDE, 42..50, 250..450)];
    let o = check_set_model(any_fixed(), fifo, CASES, Some(3));
    assert_covered!(o.resizes[1] > 0 && o.ops_while_same_size > 0, "{o:?}");
}

/// A few long runs over a wide key range, so that the sets grow past a
/// thousand elements and later calls meet doublings of large tables in
/// progress.
#[test]
fn set_model_over_a_thousand_elements() {
    let mix = Mix { keys: 6000, insert: 70, remove: 20, other: 10, reset: 0 };
    let o = check_set_model(any_fixed(), set_ops(mix, 4000..4500), 3, Some(7));
    assert_covered!(o.max_len > 1000 && o.ops_while_resizing > 100, "{o:?}");
}

/// The runner's check catches an element missing from the set, an extra
/// one, and the wrong one of two equal elements.
#[test]
fn check_set_catches_a_wrong_element() {
    let set: HashSet<Tagged, Fixed> = (0..50).map(|id| t(id, 1)).collect();
    let model: StdSet<Tagged> = set.iter().copied().collect();
    assert_eq!(check_set(&set, &model, true), Ok(()));
    for (what, edit) in [
        ("the set lacks an element", (|m| assert!(m.insert(t(50, 1)))) as fn(&mut StdSet<Tagged>)),
        ("the set has an extra element", |m| assert!(m.remove(&t(7, 0)))),
        ("the set stores the other of two equal elements", |m| assert!(m.replace(t(7, 2)).is_some())),
    ] {
        let mut wrong = model.clone();
        edit(&mut wrong);
        assert!(check_set(&set, &wrong, false).is_err(), "{what}");
    }
}

/// A hasher whose seed moves on every 64 hashes, so a set that uses it
/// loses track of the elements it holds: `run_set` must stop at the first
/// operation that shows it.
#[derive(Clone, Debug, Default)]
struct Forgetful(Rc<Cell<u64>>);

impl BuildHasher for Forgetful {
    type Hasher = <Fixed as BuildHasher>::Hasher;

    fn build_hasher(&self) -> Self::Hasher {
        self.0.set(self.0.get() + 1);
        Fixed(self.0.get() / 64).build_hasher()
    }
}

#[test]
fn runner_detects_a_set_that_loses_elements() {
    let ops: Vec<SetOp> = (0..100).flat_map(|id| [SetOp::Insert(id, 0), SetOp::Contains(id / 2)]).collect();
    let r = catch_unwind(AssertUnwindSafe(|| run_set(&ops, &mut empty_pair(Forgetful::default()))));
    let msg = *r.expect_err("the runner must fail").downcast::<String>().unwrap();
    // Under Miri the whole-set check runs every 16th operation only
    // (`full_check_after`), so a lookup's own comparison catches the loss
    // first.
    assert!(msg.starts_with("after op #") || cfg!(miri), "{msg}");
    // The same operations pass with a hasher that keeps its seed.
    run_set(&ops, &mut empty_pair(Fixed(0)));
}

/// `insert` keeps the stored element; `replace` swaps the new one in and
/// returns the old; `get_or_insert*` return the stored one.
#[test]
fn insert_keeps_and_replace_swaps_the_stored_element() {
    use SetOp::*;
    let ops = [
        Insert(1, 10),
        Insert(1, 11),
        Get(1),
        Replace(1, 12),
        GetOrInsert(1, 13),
        GetOrInsertWith(1, 14),
        Extend { elems: std::vec![(1, 15), (2, 20)], borrowed: true },
        Take(1),
        GetOrInsertWith(4, 40),
        GetOrInsert(3, 30),
        Replace(2, 21),
    ];
    let mut sets = empty_pair(Fixed(0));
    run_set(&ops, &mut sets);
    let mut got: Vec<(u16, u32)> = sets[0].iter().map(|x| (x.id, x.tag)).collect();
    got.sort_unstable();
    assert_eq!(got, [(2, 21), (3, 30), (4, 40)]);
}

/// The set algebra between two sets caught mid-resize, in either role,
/// moves nothing (the runner checks that every read leaves the resize
/// state as it was).
#[test]
fn set_algebra_mid_resize() {
    let mut a: HashSet<Tagged, Fixed> = HashSet::with_hasher(Fixed(0));
    grow_until_resizing(&mut a, 100, |id| t(id as u16, 1));
    let mut b = HashSet::with_hasher(Fixed(0));
    b.extend((50..400).step_by(3).map(|id| t(id, 2)));
    b.reserve(1000);
    assert!(b.is_resizing());
    let ops: Vec<SetOp> = [SetOperator::Or, SetOperator::And, SetOperator::Xor, SetOperator::Sub]
        .into_iter()
        .flat_map(|how| [SetOp::Algebra, SetOp::Operator(how), SetOp::Iterate, SetOp::SwapSets])
        .collect();
    let mut sets = [a, b];
    run_set(&ops, &mut sets);
    assert!(sets[0].is_resizing() && sets[1].is_resizing());
}

#[test]
fn lookups_by_borrowed_form() {
    let mut s: HashSet<String> = ["a", "bb", "ccc"].iter().map(|x| x.to_string()).collect();
    assert!(s.contains("bb"));
    assert_eq!(s.get("ccc").map(String::as_str), Some("ccc"));
    assert_eq!(s.get_or_insert_with("dddd", str::to_string), "dddd");
    assert!(s.remove("a"));
    assert_eq!(s.take("bb").as_deref(), Some("bb"));
    let mut rest: Vec<&str> = s.iter().map(String::as_str).collect();
    rest.sort_unstable();
    assert_eq!(rest, ["ccc", "dddd"]);
}

#[test]
#[should_panic(expected = "not equivalent")]
fn get_or_insert_with_rejects_a_different_value() {
    let mut s = HashSet::new();
    s.get_or_insert_with(&Id(1), |_| t(2, 0));
}

/// Equivalent to a `Tagged` but hashes differently (a broken query).
struct Skewed(u16);

impl Hash for Skewed {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (self.0, 0xdead_u32).hash(h);
    }
}

impl Equivalent<Tagged> for Skewed {
    fn equivalent(&self, k: &Tagged) -> bool {
        self.0 == k.id
    }
}

#[test]
fn get_or_insert_with_rejects_a_differently_hashing_value() {
    let mut s: HashSet<Tagged, Fixed> = (100..200).map(|id| t(id, 0)).collect();
    let r = catch_unwind(AssertUnwindSafe(|| {
        s.get_or_insert_with(&Skewed(1), |q| t(q.0, 1));
    }));
    let msg = *r.unwrap_err().downcast::<&str>().unwrap();
    assert!(msg.contains("does not hash like"), "{msg}");
    // The element went in through its own hash, so the set is sound.
    s.map.check_invariants().unwrap();
    assert_eq!(s.get(&Id(1)).unwrap().tag, 1);
}

/// A `Drain` or `IntoIter` dropped half-consumed drops the rest, once each,
/// also mid-resize; the drained set stays usable.
#[test]
fn drain_and_into_iter_dropped_half_consumed() {
    let l = Ledger::new();
    let mut s: HashSet<Tracked, Fixed> = HashSet::with_hasher(Fixed(0));
    grow_until_resizing(&mut s, 100, |id| l.make(id));
    let n = s.len();
    let mut d = s.drain();
    let first: Vec<Tracked> = d.by_ref().take(30).collect();
    assert_eq!(format!("{d:?}"), format!("Drain {{ remaining: {}, .. }}", n - 30));
    l.assert(n);
    drop(d);
    l.assert(30);
    drop(first);
    l.assert(0);
    assert!(s.is_empty() && s.iter().next().is_none());
    s.map.check_invariants().unwrap();
    s.extend((0..40).map(|id| l.make(id)));
    let mut it = s.into_iter();
    let some: Vec<Tracked> = it.by_ref().take(10).collect();
    assert_eq!(it.len(), 30);
    drop(it);
    l.assert(10);
    drop(some);
    l.assert(0);
}

#[test]
fn extract_if_and_retain_survive_a_panicking_predicate() {
    quiet_planned_panics();
    let mut s: HashSet<u32> = (0..100).collect();
    let mut out = Vec::new();
    let mut seen = 0;
    let r = catch_unwind(AssertUnwindSafe(|| {
        for x in s.extract_if(|_| {
            seen += 1;
            assert!(seen < 50, "{PLANNED}");
            true
        }) {
            out.push(x);
        }
    }));
    assert!(r.is_err());
    assert_eq!((out.len(), s.len()), (49, 51));
    s.map.check_invariants().unwrap();

    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut seen = 0;
        s.retain(|_| {
            seen += 1;
            assert!(seen < 20, "{PLANNED}");
            false
        });
    }));
    assert!(r.is_err());
    assert_eq!(s.len(), 32);
    s.map.check_invariants().unwrap();
}

/// Old buckets a clone of `s` still has to evacuate, counted in steps.
fn unevacuated<T: Eq + Hash + Clone, S: BuildHasher + Clone>(s: &HashSet<T, S>) -> usize {
    s.clone().evacuate(usize::MAX)
}

/// Each kind of write made mid-resize evacuates (reads moving nothing is
/// checked by the runner after every read).
#[test]
fn writes_make_resize_progress() {
    let mut s: HashSet<u32> = HashSet::new();
    grow_until_resizing(&mut s, 1000, |id| id);
    assert!(unevacuated(&s) > 6);
    type Write = dyn Fn(&mut HashSet<u32>);
    let writes: [&Write; 6] = [
        &|s| assert!(!s.insert(0)),
        &|s| assert!(s.remove(&1)),
        &|s| assert!(s.take(&2).is_some()),
        &|s| assert!(s.replace(3).is_some()),
        &|s| assert_eq!(*s.get_or_insert(4), 4),
        &|s| assert_eq!(*s.get_or_insert_with(&u32::MAX, |&q| q), u32::MAX),
    ];
    for w in writes {
        let before = unevacuated(&s);
        w(&mut s);
        assert!(unevacuated(&s) < before);
    }
    s.finish_resize();
    assert_eq!(unevacuated(&s), 0);
    s.map.check_invariants().unwrap();
}

#[test]
fn capacity_reserve_and_shrink() {
    let mut s: HashSet<u64> = HashSet::new();
    assert_eq!(s.capacity(), 0);
    s.reserve(1000);
    let cap = s.capacity();
    assert!(cap >= 1000);
    s.extend(0..1000);
    assert_eq!(s.capacity(), cap, "no growth within the reserve");
    assert_eq!(s.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow));
    s.retain(|&x| x < 10);
    s.shrink_to(100);
    assert!(s.capacity() >= 100 && s.capacity() < cap);
    // Mid-resize, a further shrink waits for the current one.
    s.shrink_to_fit();
    s.finish_resize();
    assert!(s.capacity() < 100);
    s.clear();
    s.shrink_to_fit();
    assert_eq!(s.capacity(), 0);
    s.map.check_invariants().unwrap();
    assert!(HashSet::<u8>::with_capacity(100).capacity() >= 100);
    let h: HashSet<u8, Fixed> = HashSet::with_capacity_and_hasher(10, Fixed(3));
    assert!(h.capacity() >= 10 && h.hasher().0 == 3);
}

/// A `reserve` made while a shrink is queued behind a resize must keep its
/// promise once the queued shrink would start.
#[test]
fn reserve_overrides_a_queued_shrink() {
    let mut s: HashSet<u32> = HashSet::new();
    grow_until_resizing(&mut s, 50, |id| id);
    s.retain(|&x| x < 5);
    s.shrink_to_fit(); // queued behind the growth
    s.reserve(50);
    s.finish_resize();
    assert!(s.capacity() >= 55, "capacity {} after reserve(50) with 5 elements", s.capacity());
    let cap = s.capacity();
    s.extend(1000..1050);
    assert_eq!(s.capacity(), cap, "no growth within the reserve");
}

#[test]
fn traits() {
    // Default, FromIterator, From<[T; N]>, Extend (owned and borrowed).
    let d: HashSet<u8, Fixed> = HashSet::default();
    assert!(d.is_empty());
    let mut s = HashSet::from([3, 1, 2, 3]);
    assert_eq!(s.len(), 3);
    s.extend([4, 5]);
    s.extend(&[5, 6]);
    s.extend([7].iter());
    let mut all: Vec<i32> = (&s).into_iter().copied().collect();
    all.sort_unstable();
    assert_eq!(all, [1, 2, 3, 4, 5, 6, 7]);

    // Equal contents whatever the insertion order; clone_from makes an
    // equal, independent set.
    let x: HashSet<i32> = (0..100).collect();
    let mut y: HashSet<i32> = (0..100).rev().collect();
    assert_eq!(x, y);
    y.remove(&50);
    assert_ne!(x, y);
    y.clone_from(&x);
    assert_eq!(x, y);

    // Debug as a set; iterators as lists.
    assert_eq!(format!("{:?}", HashSet::from([1])), "{1}");
    assert_eq!(format!("{:?}", HashSet::<u8>::new()), "{}");
    let one = HashSet::from([1]);
    let two = HashSet::from([2]);
    assert_eq!(format!("{:?}", one.iter()), "[1]");
    assert_eq!(format!("{:?}", one.clone().into_iter()), "[1]");
    let u = format!("{:?}", one.union(&two));
    assert!(u == "[1, 2]" || u == "[2, 1]", "{u}");
    assert_eq!(format!("{:?}", one.intersection(&one)), "[1]");
    assert_eq!(format!("{:?}", one.difference(&two)), "[1]");
    assert_eq!(format!("{:?}", one.symmetric_difference(&one)), "[]");
    assert_eq!(format!("{:?}", one.union(&one)), "[1]");
    let mut c = one.clone();
    assert_eq!(format!("{:?}", c.extract_if(|_| false)), "ExtractIf { .. }");

    // Default iterator.
    let mut e: Iter<'_, u8> = Iter::default();
    assert_eq!(e.len(), 0);
    assert_eq!(e.next(), None);
}

#[test]
fn zero_sized_elements() {
    let mut s = HashSet::new();
    assert!(s.insert(()));
    assert!(!s.insert(()));
    assert_eq!(s.len(), 1);
    assert!(s.contains(&()));
    assert_eq!(s.get_or_insert(()), &());
    assert_eq!(s.replace(()), Some(()));
    assert_eq!(s.take(&()), Some(()));
    assert!(s.is_empty());
    s.map.check_invariants().unwrap();
}

#[test]
fn send_and_sync_follow_std() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<HashSet<u8>>();
    send_sync::<Iter<'static, u8>>();
    send_sync::<IntoIter<u8>>();
    send_sync::<Drain<'static, u8>>();
    send_sync::<Union<'static, u8, DefaultHashBuilder>>();
    send_sync::<Intersection<'static, u8, DefaultHashBuilder>>();
    send_sync::<Difference<'static, u8, DefaultHashBuilder>>();
    send_sync::<SymmetricDifference<'static, u8, DefaultHashBuilder>>();
    send_sync::<ExtractIf<'static, u8, fn(&u8) -> bool>>();
    send_sync::<Entry<'static, u8, DefaultHashBuilder>>();
}

/// `Default` for the set's iterators (std since 1.83): nothing to yield.
#[test]
fn default_iterators_are_empty() {
    let mut it = Iter::<'_, String>::default();
    assert_eq!((it.len(), it.next()), (0, None));
    let mut it = IntoIter::<String>::default();
    assert_eq!((it.len(), it.next()), (0, None));
    assert_eq!(format!("{:?}", IntoIter::<u8>::default()), "[]");
}

/// Two sets of `u32` caught mid-resize, with overlapping elements, and
/// std's copies of them.
fn overlapping_resizing_pair() -> ([HashSet<u32>; 2], [StdSet<u32>; 2]) {
    let mut a = HashSet::new();
    grow_until_resizing(&mut a, 100, |id| id * 2);
    let mut b = HashSet::new();
    grow_until_resizing(&mut b, 100, |id| id * 3);
    let std = [a.iter().copied().collect(), b.iter().copied().collect()];
    ([a, b], std)
}

/// `|= &= ^= -=` give std's results (and the binary operators' results),
/// starting from sets in the middle of a resize, in either order.
#[test]
fn assign_operators_match_std() {
    let ([a, b], [sa, sb]) = overlapping_resizing_pair();
    assert!(a.is_resizing() && b.is_resizing());
    for (x, y, sx, sy) in [(&a, &b, &sa, &sb), (&b, &a, &sb, &sa)] {
        type AssignOp = fn(&mut HashSet<u32>, &HashSet<u32>);
        let cases: [(AssignOp, StdSet<u32>, HashSet<u32>); 4] = [
            (|l, r| *l |= r, sx | sy, x | y),
            (|l, r| *l &= r, sx & sy, x & y),
            (|l, r| *l ^= r, sx ^ sy, x ^ y),
            (|l, r| *l -= r, sx - sy, x - y),
        ];
        for (op, want, binary) in cases {
            let mut got = x.clone();
            op(&mut got, y);
            got.map.check_invariants().unwrap();
            assert_eq!(got.iter().copied().collect::<StdSet<u32>>(), want);
            assert_eq!(got, binary);
        }
    }
    // `-=` walks whichever side is smaller: both branches.
    let mut small = HashSet::from([2, 3, 5]);
    small -= &a;
    assert_eq!(small, HashSet::from([3, 5]));
}

/// The set's entry API against std: present elements are found (and keep
/// their stored value), absent ones inserted or handed back, removal
/// through an occupied entry, also mid-resize.
#[test]
fn entry_api_matches_std() {
    let ([mut a, _], [mut sa, _]) = overlapping_resizing_pair();
    for x in 0..400u32 {
        match (x % 4, a.entry(x)) {
            (0, Entry::Occupied(e)) => {
                assert_eq!(e.remove(), x);
                assert!(sa.remove(&x));
            }
            (1, e) => {
                assert_eq!(e.get(), &x);
                let o = e.insert();
                assert_eq!(o.get(), &x);
                sa.insert(x);
            }
            (2, e) => {
                e.or_insert();
                sa.insert(x);
            }
            (_, Entry::Vacant(v)) => {
                assert!(!sa.contains(&x));
                assert_eq!(v.into_value(), x);
            }
            (_, Entry::Occupied(o)) => assert!(sa.contains(o.get())),
        }
        a.map.check_invariants().unwrap();
    }
    assert_eq!(a.iter().copied().collect::<StdSet<u32>>(), sa);

    // The stored element is the one kept, not the probe.
    let first: Rc<str> = Rc::from("k");
    let mut s = HashSet::from([first.clone()]);
    match s.entry(Rc::from("k")) {
        Entry::Occupied(e) => assert!(Rc::ptr_eq(e.get(), &first)),
        Entry::Vacant(_) => panic!("present element reported vacant"),
    }
    s.entry(Rc::from("k")).or_insert();
    assert!(Rc::ptr_eq(s.get("k").unwrap(), &first));
    assert_eq!(format!("{:?}", s.entry(Rc::from("z"))), "Entry(VacantEntry(\"z\"))");
}

/// `extract_if` holds its predicate unboxed: `Send`/`Sync` follow it, and
/// it removes exactly the matching elements, mid-resize too.
#[test]
fn extract_if_is_generic_and_send() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let ([mut a, _], [sa, _]) = overlapping_resizing_pair();
    let it = a.extract_if(|x| x % 3 == 0);
    send_sync(&it);
    let mut out: Vec<u32> = it.collect();
    out.sort_unstable();
    let mut want: Vec<u32> = sa.iter().copied().filter(|x| x % 3 == 0).collect();
    want.sort_unstable();
    assert_eq!(out, want);
    assert_eq!(a.len(), sa.len() - want.len());
    a.map.check_invariants().unwrap();
}

/// The resize controls and views are the map's.
#[test]
fn introspection_delegates_to_the_map() {
    let ([mut a, _], _) = overlapping_resizing_pair();
    assert_eq!(a.stats(), a.map.stats());
    assert_eq!(a.allocated_bytes(), a.map.allocated_bytes());
    assert_eq!(a.bucket_views().len(), a.map.bucket_views().len());
    assert_eq!(a.debug_internals().to_string(), a.map.debug_internals().to_string());
    assert_eq!(a.shape().hit_probe, a.map.shape().hit_probe);
    assert!(a.is_resizing());
    while a.is_resizing() {
        #[cfg(feature = "std")]
        a.evacuate_for(std::time::Duration::from_micros(10));
        #[cfg(not(feature = "std"))]
        a.evacuate(16);
    }
    a.map.check_invariants().unwrap();
}
