//! The set against `std::collections::HashSet` as an oracle: every method
//! on the same inputs, with the table's invariants checked after each
//! operation, under the default hasher and under a weak one that piles
//! elements into a few long chains.

extern crate std;

use core::cell::Cell;
use core::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet as StdSet;
use std::format;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;

/// Equal and hashed by `id` only, so `tag` shows which of two equal
/// elements the set stored.
#[derive(Clone, Copy, Debug)]
struct Tagged {
    id: u16,
    tag: u32,
}

impl PartialEq for Tagged {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Tagged {}

impl Hash for Tagged {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.id.hash(h);
    }
}

fn t(id: u16, tag: u32) -> Tagged {
    Tagged { id, tag }
}

/// A borrowed-style query: hashes like a `Tagged` with the same id.
struct Id(u16);

impl Hash for Id {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.hash(h);
    }
}

impl Equivalent<Tagged> for Id {
    fn equivalent(&self, k: &Tagged) -> bool {
        self.0 == k.id
    }
}

/// A hasher that keeps two low bits and two top bits of a weak hash:
/// every element lands in one of four chains and one of four tophash
/// values, so chains overflow and keys are compared a lot.
#[derive(Clone, Copy, Default)]
struct Weak(u64);

impl Hasher for Weak {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.wrapping_mul(31).wrapping_add(u64::from(b));
        }
    }

    fn finish(&self) -> u64 {
        (self.0 & 3) | ((self.0 >> 2) & 3) << 62
    }
}

type WeakState = BuildHasherDefault<Weak>;
type Deterministic = BuildHasherDefault<DefaultHasher>;

fn check<S: BuildHasher>(s: &HashSet<Tagged, S>, o: &StdSet<Tagged>) {
    if let Err(e) = s.map.check_invariants() {
        panic!("{e}");
    }
    assert_eq!(s.len(), o.len());
    assert_eq!(s.is_empty(), o.is_empty());
    assert!(s.capacity() >= s.len());
    assert_eq!(s.iter().len(), s.len());
    assert_eq!(tags(s.iter()), tags(o.iter()));
}

/// `(id, tag)` pairs, sorted.
fn tags<'a>(it: impl IntoIterator<Item = &'a Tagged>) -> Vec<(u16, u32)> {
    let mut v: Vec<_> = it.into_iter().map(|x| (x.id, x.tag)).collect();
    v.sort_unstable();
    v
}

fn sorted<T: Ord>(it: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = it.into_iter().collect();
    v.sort();
    v
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u16, u32),
    Replace(u16, u32),
    Remove(u16),
    Take(u16),
    Contains(u16),
    Get(u16),
    GetOrInsert(u16, u32),
    GetOrInsertWith(u16, u32),
    Extend(Vec<(u16, u32)>),
    Retain(u16),
    ExtractIf(u16, usize),
    Drain(usize),
    Clear,
    Reserve(u16),
    TryReserve(u16),
    ShrinkTo(u16),
    ShrinkToFit,
    Evacuate(u8),
    FinishResize,
    Clone,
    CloneFrom,
}

/// Applies `op` to the set and the oracle, checking every return value.
fn apply<S: BuildHasher + Default + Clone>(s: &mut HashSet<Tagged, S>, o: &mut StdSet<Tagged>, op: &Op) {
    match *op {
        Op::Insert(id, tag) => assert_eq!(s.insert(t(id, tag)), o.insert(t(id, tag))),
        Op::Replace(id, tag) => {
            assert_eq!(s.replace(t(id, tag)).map(|x| x.tag), o.replace(t(id, tag)).map(|x| x.tag));
        }
        Op::Remove(id) => {
            let want = o.remove(&t(id, 0));
            if id % 2 == 0 {
                assert_eq!(s.remove(&Id(id)), want);
            } else {
                assert_eq!(s.remove(&t(id, 0)), want);
            }
        }
        Op::Take(id) => assert_eq!(s.take(&Id(id)).map(|x| x.tag), o.take(&t(id, 0)).map(|x| x.tag)),
        Op::Contains(id) => {
            assert_eq!(s.contains(&Id(id)), o.contains(&t(id, 0)));
            assert_eq!(s.contains(&t(id, 7)), o.contains(&t(id, 0)));
        }
        Op::Get(id) => assert_eq!(s.get(&Id(id)).map(|x| x.tag), o.get(&t(id, 0)).map(|x| x.tag)),
        Op::GetOrInsert(id, tag) => {
            let got = *s.get_or_insert(t(id, tag));
            if !o.contains(&got) {
                o.insert(t(id, tag));
            }
            assert_eq!((got.id, got.tag), (id, o.get(&t(id, 0)).unwrap().tag));
        }
        Op::GetOrInsertWith(id, tag) => {
            let mut called = false;
            let got = *s.get_or_insert_with(&Id(id), |q| {
                called = true;
                t(q.0, tag)
            });
            assert_eq!(called, !o.contains(&t(id, 0)));
            if called {
                o.insert(t(id, tag));
            }
            assert_eq!((got.id, got.tag), (id, o.get(&t(id, 0)).unwrap().tag));
        }
        Op::Extend(ref v) => {
            if v.len() % 2 == 0 {
                s.extend(v.iter().map(|&(id, tag)| t(id, tag)));
            } else {
                let items: Vec<Tagged> = v.iter().map(|&(id, tag)| t(id, tag)).collect();
                s.extend(&items);
            }
            o.extend(v.iter().map(|&(id, tag)| t(id, tag)));
        }
        Op::Retain(m) => {
            let m = m % 4 + 2;
            let mut visits = 0;
            s.retain(|x| {
                visits += 1;
                x.id % m != 0
            });
            assert_eq!(visits, o.len());
            o.retain(|x| x.id % m != 0);
        }
        Op::ExtractIf(m, limit) => {
            let m = m % 4 + 1;
            let before = s.len();
            let mut it = s.extract_if(|x| x.id % m == 0);
            let (lo, hi) = it.size_hint();
            assert_eq!((lo, hi), (0, Some(before)));
            let got: Vec<Tagged> = it.by_ref().take(limit).collect();
            drop(it);
            for g in &got {
                assert_eq!(g.id % m, 0);
                assert_eq!(o.take(g).map(|x| x.tag), Some(g.tag));
            }
            if got.len() < limit {
                // The pass completed: nothing matching is left.
                assert!(!s.iter().any(|x| x.id % m == 0));
            }
        }
        Op::Drain(limit) => {
            let n = s.len();
            let mut d = s.drain();
            assert_eq!(d.len(), n);
            let got: Vec<Tagged> = d.by_ref().take(limit).collect();
            assert_eq!(d.len(), n - got.len());
            drop(d);
            for g in &got {
                assert_eq!(o.take(g).map(|x| x.tag), Some(g.tag));
            }
            o.clear();
        }
        Op::Clear => {
            s.clear();
            o.clear();
        }
        Op::Reserve(n) => {
            s.reserve(usize::from(n));
            assert!(s.capacity() >= s.len() + usize::from(n));
        }
        Op::TryReserve(n) => {
            assert!(s.try_reserve(usize::from(n)).is_ok());
            assert!(s.capacity() >= s.len() + usize::from(n));
        }
        Op::ShrinkTo(n) => {
            // std: the capacity stays at least `min(n, capacity)` and `len`.
            let before = s.capacity();
            s.shrink_to(usize::from(n));
            assert!(s.capacity() >= usize::from(n).min(before).max(s.len()));
            assert!(s.capacity() <= before);
        }
        Op::ShrinkToFit => s.shrink_to_fit(),
        Op::Evacuate(n) => {
            let was = s.is_resizing();
            let moved = s.evacuate(usize::from(n));
            assert!(moved <= usize::from(n));
            if !was {
                assert_eq!(moved, 0);
            }
        }
        Op::FinishResize => {
            s.finish_resize();
            assert!(!s.is_resizing());
        }
        Op::Clone => {
            let c = s.clone();
            assert_eq!(c.is_resizing(), s.is_resizing());
            assert_eq!(c.capacity(), s.capacity());
            assert!(c == *s);
            *s = c;
        }
        Op::CloneFrom => {
            let mut c = HashSet::with_hasher(S::default());
            c.insert(t(9999, 0));
            c.clone_from(s);
            assert!(c == *s);
            *s = c;
        }
    }
}

fn run<S: BuildHasher + Default + Clone>(ops: &[Op]) {
    let mut s: HashSet<Tagged, S> = HashSet::default();
    let mut o = StdSet::new();
    for op in ops {
        apply(&mut s, &mut o, op);
        check(&s, &o);
    }
}

fn op_strategy(ids: u16) -> impl Strategy<Value = Op> {
    let id = move || 0..ids;
    prop_oneof![
        8 => (id(), any::<u32>()).prop_map(|(i, g)| Op::Insert(i, g)),
        2 => (id(), any::<u32>()).prop_map(|(i, g)| Op::Replace(i, g)),
        4 => id().prop_map(Op::Remove),
        2 => id().prop_map(Op::Take),
        2 => id().prop_map(Op::Contains),
        2 => id().prop_map(Op::Get),
        2 => (id(), any::<u32>()).prop_map(|(i, g)| Op::GetOrInsert(i, g)),
        2 => (id(), any::<u32>()).prop_map(|(i, g)| Op::GetOrInsertWith(i, g)),
        1 => proptest::collection::vec((id(), any::<u32>()), 0..40).prop_map(Op::Extend),
        1 => any::<u16>().prop_map(Op::Retain),
        1 => (any::<u16>(), 0..20usize).prop_map(|(m, l)| Op::ExtractIf(m, l)),
        1 => (0..20usize).prop_map(Op::Drain),
        1 => Just(Op::Clear),
        1 => (0..100u16).prop_map(Op::Reserve),
        1 => (0..100u16).prop_map(Op::TryReserve),
        1 => (0..60u16).prop_map(Op::ShrinkTo),
        1 => Just(Op::ShrinkToFit),
        1 => (0..4u8).prop_map(Op::Evacuate),
        1 => Just(Op::FinishResize),
        1 => Just(Op::Clone),
        1 => Just(Op::CloneFrom),
    ]
}

proptest! {
    #[test]
    fn model_default_hasher(ops in proptest::collection::vec(op_strategy(200), 0..300)) {
        run::<DefaultHashBuilder>(&ops);
    }

    #[test]
    fn model_weak_hasher(ops in proptest::collection::vec(op_strategy(64), 0..200)) {
        run::<WeakState>(&ops);
    }

    #[test]
    fn set_operations_match_std(
        a in proptest::collection::vec(0..120u16, 0..100),
        b in proptest::collection::vec(0..120u16, 0..100),
    ) {
        set_ops_against_std::<DefaultHashBuilder>(&a, &b);
        set_ops_against_std::<WeakState>(&a, &b);
    }
}

/// A longer deterministic run (xorshift) that reaches thousands of
/// elements, so growths, shrinks and same-size resizes all happen.
#[test]
fn long_model_run() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut s: HashSet<Tagged> = HashSet::new();
    let mut o = StdSet::new();
    let mut resizing_seen = 0;
    for step in 0..30_000u32 {
        let r = next();
        let id = (r >> 8) as u16 % 6000;
        let tag = (r >> 32) as u32;
        let op = match r % 100 {
            0..=54 => Op::Insert(id, tag),
            55..=79 => Op::Remove(id),
            80..=84 => Op::Replace(id, tag),
            85..=89 => Op::GetOrInsert(id, tag),
            90..=94 => Op::Contains(id),
            95 => Op::Take(id),
            96 => Op::Evacuate(3),
            97 if step % 7 == 0 => Op::ShrinkToFit,
            98 if step % 5 == 0 => Op::Retain(tag as u16),
            99 if step % 11 == 0 => Op::ExtractIf(tag as u16, 50),
            _ => Op::Get(id),
        };
        apply(&mut s, &mut o, &op);
        resizing_seen += usize::from(s.is_resizing());
        if step % 97 == 0 {
            check(&s, &o);
        } else {
            assert_eq!(s.len(), o.len());
        }
    }
    check(&s, &o);
    assert!(resizing_seen > 100, "{resizing_seen}");
}

fn set_ops_against_std<S: BuildHasher + Default + Clone>(a: &[u16], b: &[u16]) {
    let sa: HashSet<u16, S> = a.iter().copied().collect();
    let sb: HashSet<u16, S> = b.iter().copied().collect();
    let oa: StdSet<u16> = a.iter().copied().collect();
    let ob: StdSet<u16> = b.iter().copied().collect();

    assert_eq!(sorted(sa.union(&sb).copied()), sorted(oa.union(&ob).copied()));
    assert_eq!(sorted(sa.intersection(&sb).copied()), sorted(oa.intersection(&ob).copied()));
    assert_eq!(sorted(sa.difference(&sb).copied()), sorted(oa.difference(&ob).copied()));
    assert_eq!(sorted(sb.difference(&sa).copied()), sorted(ob.difference(&oa).copied()));
    assert_eq!(sorted(sa.symmetric_difference(&sb).copied()), sorted(oa.symmetric_difference(&ob).copied()));

    // `fold` (overridden) agrees with `next`.
    assert_eq!(fold_sum(sa.intersection(&sb)), next_sum(sa.intersection(&sb)));
    assert_eq!(fold_sum(sa.difference(&sb)), next_sum(sa.difference(&sb)));
    assert_eq!(fold_sum(sa.union(&sb)), next_sum(sa.union(&sb)));
    assert_eq!(fold_sum(sa.symmetric_difference(&sb)), next_sum(sa.symmetric_difference(&sb)));

    let ops: [(HashSet<u16, S>, StdSet<u16>); 4] =
        [(&sa | &sb, &oa | &ob), (&sa & &sb, &oa & &ob), (&sa ^ &sb, &oa ^ &ob), (&sa - &sb, &oa - &ob)];
    for (ours, std) in &ops {
        assert_eq!(sorted(ours.iter().copied()), sorted(std.iter().copied()));
        ours.map.check_invariants().unwrap();
    }

    assert_eq!(sa.is_subset(&sb), oa.is_subset(&ob));
    assert_eq!(sb.is_subset(&sa), ob.is_subset(&oa));
    assert_eq!(sa.is_superset(&sb), oa.is_superset(&ob));
    assert_eq!(sa.is_disjoint(&sb), oa.is_disjoint(&ob));
    assert_eq!(sb.is_disjoint(&sa), ob.is_disjoint(&oa));
    assert_eq!(sa == sb, oa == ob);
    let inter = &sa & &sb;
    assert!(inter.is_subset(&sa) && inter.is_subset(&sb));
    assert!(sa.is_superset(&inter));
    assert!((&sa - &sb).is_disjoint(&sb));

    // Intersection walks the smaller set.
    assert_eq!(sa.intersection(&sb).size_hint().1, Some(sa.len().min(sb.len())));
    assert_eq!(sb.intersection(&sa).size_hint().1, Some(sa.len().min(sb.len())));

    check_size_hints(sa.union(&sb));
    check_size_hints(sa.intersection(&sb));
    check_size_hints(sa.difference(&sb));
    check_size_hints(sb.difference(&sa));
    check_size_hints(sa.symmetric_difference(&sb));
    check_size_hints(sa.iter());
}

fn fold_sum<'a>(it: impl Iterator<Item = &'a u16>) -> u64 {
    it.fold(0, |n, &x| n + u64::from(x))
}

/// Sums through `next` (a `for` loop), not `fold`.
fn next_sum<'a>(it: impl Iterator<Item = &'a u16>) -> u64 {
    let mut n = 0;
    for &x in it {
        n += u64::from(x);
    }
    n
}

/// At every step: the hint bounds what is left, a clone yields what is
/// left, and after the end the iterator stays exhausted.
fn check_size_hints<'a, I>(mut it: I)
where
    I: Iterator<Item = &'a u16> + Clone + core::iter::FusedIterator,
{
    loop {
        let left = it.clone().count();
        let (lo, hi) = it.size_hint();
        assert!(lo <= left, "lower bound {lo} > {left}");
        assert!(hi.map_or(true, |hi| hi >= left), "upper bound {hi:?} < {left}");
        if it.next().is_none() {
            break;
        }
    }
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None);
}

#[test]
fn set_ops_mid_resize() {
    // Sets caught mid-resize, with the other one in either role.
    let mut a: HashSet<u16> = HashSet::new();
    let mut n = 0;
    while !(a.is_resizing() && a.len() > 100) {
        a.insert(n);
        n += 1;
    }
    let b: HashSet<u16> = (50..400).step_by(3).collect();
    let oa: StdSet<u16> = a.iter().copied().collect();
    let ob: StdSet<u16> = b.iter().copied().collect();
    assert!(a.is_resizing());
    assert_eq!(sorted((&a | &b).into_iter()), sorted(&oa | &ob));
    assert_eq!(sorted((&a & &b).into_iter()), sorted(&oa & &ob));
    assert_eq!(sorted((&b & &a).into_iter()), sorted(&oa & &ob));
    assert_eq!(sorted((&a ^ &b).into_iter()), sorted(&oa ^ &ob));
    assert_eq!(sorted((&a - &b).into_iter()), sorted(&oa - &ob));
    assert_eq!(sorted((&b - &a).into_iter()), sorted(&ob - &oa));
    assert!(a.is_resizing(), "set operations only read");
}

#[test]
fn relations() {
    let empty: HashSet<i32> = HashSet::new();
    let a = HashSet::from([1, 2, 3]);
    let b = HashSet::from([1, 2, 3, 4]);
    let c = HashSet::from([5]);
    assert!(empty.is_subset(&empty) && empty.is_subset(&a) && !a.is_subset(&empty));
    assert!(empty.is_disjoint(&empty) && empty.is_disjoint(&a) && a.is_disjoint(&empty));
    assert!(a.is_subset(&b) && !b.is_subset(&a));
    assert!(b.is_superset(&a) && !a.is_superset(&b));
    assert!(a.is_subset(&a) && a.is_superset(&a));
    assert!(a.is_disjoint(&c) && !a.is_disjoint(&b));
    // Equal contents, different hashers' seeds and insertion orders.
    let x: HashSet<i32> = (0..100).collect();
    let y: HashSet<i32> = (0..100).rev().collect();
    assert_eq!(x, y);
    let mut z = y.clone();
    z.remove(&50);
    assert_ne!(x, z);
    z.insert(100);
    assert_ne!(x, z);
}

#[test]
fn insert_keeps_and_replace_swaps_the_stored_element() {
    let mut s = HashSet::new();
    assert!(s.insert(t(1, 10)));
    assert!(!s.insert(t(1, 11)));
    assert_eq!(s.get(&Id(1)).unwrap().tag, 10);
    assert_eq!(s.replace(t(1, 12)).unwrap().tag, 10);
    assert_eq!(s.get(&Id(1)).unwrap().tag, 12);
    assert_eq!(s.get_or_insert(t(1, 13)).tag, 12);
    assert_eq!(s.get_or_insert_with(&Id(1), |_| unreachable!()).tag, 12);
    assert_eq!(s.take(&Id(1)).unwrap().tag, 12);
    assert!(s.is_empty());
    assert_eq!(s.get_or_insert_with(&Id(2), |q| t(q.0, 20)).tag, 20);
    assert_eq!(s.get_or_insert(t(3, 30)).tag, 30);
    assert_eq!(tags(&s), [(2, 20), (3, 30)]);
}

#[test]
fn lookups_by_borrowed_form() {
    let mut s: HashSet<String> = ["a", "bb", "ccc"].iter().map(|x| x.to_string()).collect();
    assert!(s.contains("bb"));
    assert_eq!(s.get("ccc").map(String::as_str), Some("ccc"));
    assert_eq!(s.get_or_insert_with("dddd", str::to_string), "dddd");
    assert!(s.remove("a"));
    assert_eq!(s.take("bb").as_deref(), Some("bb"));
    assert_eq!(sorted(s.iter().cloned()), ["ccc", "dddd"]);
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
    let mut s: HashSet<Tagged, Deterministic> = (100..200).map(|id| t(id, 0)).collect();
    let r = catch_unwind(AssertUnwindSafe(|| {
        s.get_or_insert_with(&Skewed(1), |q| t(q.0, 1));
    }));
    let msg = *r.unwrap_err().downcast::<&str>().unwrap();
    assert!(msg.contains("does not hash like"), "{msg}");
    // The element went in through its own hash, so the set is sound.
    s.map.check_invariants().unwrap();
    assert_eq!(s.get(&Id(1)).unwrap().tag, 1);
}

/// Counts drops through a shared counter.
struct Counted {
    id: u32,
    drops: Rc<Cell<usize>>,
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Counted {}

impl Hash for Counted {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.id.hash(h);
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

fn counted_set(n: u32, drops: &Rc<Cell<usize>>) -> HashSet<Counted> {
    (0..n).map(|id| Counted { id, drops: drops.clone() }).collect()
}

#[test]
fn drain_dropped_half_consumed() {
    let drops = Rc::new(Cell::new(0));
    let mut s = counted_set(100, &drops);
    let mut id = 100;
    while !s.is_resizing() {
        s.insert(Counted { id, drops: drops.clone() });
        id += 1;
    }
    let n = s.len();
    let cap = s.capacity();
    {
        let mut d = s.drain();
        assert_eq!(d.size_hint(), (n, Some(n)));
        let first: Vec<Counted> = d.by_ref().take(30).collect();
        assert_eq!(d.len(), n - 30);
        assert_eq!(format!("{d:?}"), format!("Drain {{ remaining: {}, .. }}", n - 30));
        assert_eq!(drops.get(), 0);
        drop(d);
        assert_eq!(drops.get(), n - 30, "the rest are dropped with the Drain");
        drop(first);
    }
    assert_eq!(drops.get(), n);
    assert!(s.is_empty());
    assert_eq!(s.iter().count(), 0);
    assert!(s.capacity() <= cap);
    s.map.check_invariants().unwrap();
    // Still usable.
    s.extend((0..50).map(|id| Counted { id, drops: drops.clone() }));
    assert_eq!(s.len(), 50);
    s.map.check_invariants().unwrap();
    drop(s);
    assert_eq!(drops.get(), n + 50);
}

#[test]
fn into_iter_dropped_half_consumed() {
    let drops = Rc::new(Cell::new(0));
    let s = counted_set(40, &drops);
    let mut it = s.into_iter();
    assert_eq!(it.len(), 40);
    let some: Vec<Counted> = it.by_ref().take(10).collect();
    assert_eq!(it.len(), 30);
    drop(it);
    assert_eq!(drops.get(), 30);
    drop(some);
    assert_eq!(drops.get(), 40);
}

#[test]
fn extract_if_dropped_early_keeps_the_rest() {
    let mut s: HashSet<u32> = (0..200).collect();
    let taken: Vec<u32> = s.extract_if(|x| x % 2 == 0).take(10).collect();
    assert_eq!(taken.len(), 10);
    assert!(taken.iter().all(|x| x % 2 == 0));
    assert_eq!(s.len(), 190);
    assert!(taken.iter().all(|x| !s.contains(x)));
    s.map.check_invariants().unwrap();
    // A full pass removes every match and nothing else.
    let rest: Vec<u32> = s.extract_if(|x| x % 2 == 0).collect();
    assert_eq!(rest.len(), 90);
    assert_eq!(sorted(s.iter().copied()), (0..200).filter(|x| x % 2 == 1).collect::<Vec<_>>());
    s.map.check_invariants().unwrap();
    // Extracting everything leaves an empty, sound set.
    let mut it = s.extract_if(|_| true);
    assert_eq!(format!("{it:?}"), "ExtractIf { .. }");
    assert_eq!(it.by_ref().count(), 100);
    assert_eq!(it.next(), None);
    drop(it);
    assert!(s.is_empty());
    s.map.check_invariants().unwrap();
}

#[test]
fn extract_if_and_retain_survive_a_panicking_predicate() {
    let mut s: HashSet<u32> = (0..100).collect();
    let mut out = Vec::new();
    let mut seen = 0;
    let r = catch_unwind(AssertUnwindSafe(|| {
        for x in s.extract_if(|_| {
            seen += 1;
            assert!(seen < 50, "planned");
            true
        }) {
            out.push(x);
        }
    }));
    assert!(r.is_err());
    assert_eq!(out.len(), 49);
    assert_eq!(s.len(), 51);
    s.map.check_invariants().unwrap();

    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut seen = 0;
        s.retain(|_| {
            seen += 1;
            assert!(seen < 20, "planned");
            false
        });
    }));
    assert!(r.is_err());
    assert_eq!(s.len(), 32);
    s.map.check_invariants().unwrap();
}

#[test]
fn retain_visits_each_once() {
    let mut s: HashSet<u32> = (0..1000).collect();
    let mut seen = StdSet::new();
    s.retain(|&x| {
        assert!(seen.insert(x));
        x % 3 == 0
    });
    assert_eq!(seen.len(), 1000);
    assert_eq!(s.len(), 334);
    assert!(s.iter().all(|x| x % 3 == 0));
    s.map.check_invariants().unwrap();
}

/// Old buckets a clone of `s` still has to evacuate, counted in steps.
fn pending<T: Eq + Hash + Clone, S: BuildHasher + Clone>(s: &HashSet<T, S>) -> usize {
    s.clone().evacuate(usize::MAX)
}

#[test]
fn reads_never_move_buckets_and_writes_do() {
    let mut s: HashSet<u32> = HashSet::new();
    let mut n = 0;
    while !(s.is_resizing() && s.len() > 1000) {
        s.insert(n);
        n += 1;
    }
    let before = pending(&s);
    assert!(before > 2);
    for i in 0..2 * n {
        assert_eq!(s.contains(&i), i < n);
        assert_eq!(s.get(&i).is_some(), i < n);
    }
    let _ = s.iter().count();
    let other: HashSet<u32> = (0..n / 2).collect();
    assert!(other.is_subset(&s) && !s.is_disjoint(&other));
    let _ = (s.union(&other).count(), s.intersection(&other).count(), s.difference(&other).count());
    let _ = s.symmetric_difference(&other).count();
    assert_eq!(pending(&s), before, "reads moved buckets");

    // Each kind of write makes progress.
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
        let before = pending(&s);
        if before == 0 {
            break;
        }
        w(&mut s);
        assert!(pending(&s) < before);
    }
    // `evacuate` and `finish_resize` end it.
    assert!(s.evacuate(1) <= 1);
    s.finish_resize();
    assert_eq!(pending(&s), 0);
    assert!(!s.is_resizing());
    s.map.check_invariants().unwrap();
}

#[test]
fn capacity_reserve_and_shrink() {
    let mut s: HashSet<u64> = HashSet::new();
    assert_eq!(s.capacity(), 0);
    s.reserve(1000);
    let cap = s.capacity();
    assert!(cap >= 1000);
    for i in 0..1000 {
        s.insert(i);
    }
    assert_eq!(s.capacity(), cap, "no growth within the reserve");
    assert_eq!(s.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow));
    s.retain(|&x| x < 10);
    s.shrink_to(100);
    assert!(s.capacity() >= 100 && s.capacity() < cap);
    // Mid-resize, a further shrink waits for the current one.
    s.shrink_to_fit();
    s.finish_resize();
    assert!(s.capacity() < 100);
    assert_eq!(sorted(s.iter().copied()), (0..10).collect::<Vec<_>>());
    s.clear();
    s.shrink_to_fit();
    assert_eq!(s.capacity(), 0);
    s.map.check_invariants().unwrap();

    let w: HashSet<u8> = HashSet::with_capacity(100);
    assert!(w.capacity() >= 100);
    let h: HashSet<u8, Deterministic> = HashSet::with_capacity_and_hasher(10, Deterministic::default());
    assert!(h.capacity() >= 10);
    let _: &Deterministic = h.hasher();
}

/// A `reserve` made while a shrink is queued behind a resize must keep its
/// promise once the queued shrink would start.
#[test]
fn reserve_overrides_a_queued_shrink() {
    let mut s: HashSet<u32> = HashSet::new();
    let mut n = 0;
    while !(s.is_resizing() && s.len() > 50) {
        s.insert(n);
        n += 1;
    }
    s.retain(|&x| x < 5);
    s.shrink_to_fit(); // queued behind the growth
    s.reserve(50);
    s.finish_resize();
    assert!(s.capacity() >= 55, "capacity {} after reserve(50) with 5 elements", s.capacity());
    let cap = s.capacity();
    for i in 0..50 {
        s.insert(1000 + i);
    }
    assert_eq!(s.capacity(), cap, "no growth within the reserve");
}

#[test]
fn traits() {
    // Default, FromIterator, From<[T; N]>, Extend (owned and borrowed).
    let d: HashSet<u8, WeakState> = HashSet::default();
    assert!(d.is_empty());
    let mut s = HashSet::from([3, 1, 2, 3]);
    assert_eq!(s.len(), 3);
    s.extend([4, 5]);
    s.extend(&[5, 6]);
    s.extend([7].iter());
    assert_eq!(sorted(s.iter().copied()), [1, 2, 3, 4, 5, 6, 7]);

    // IntoIterator for the set and for a reference to it.
    let mut n = 0;
    for x in &s {
        n += x;
    }
    assert_eq!(n, 28);
    assert_eq!(sorted(s.clone()), [1, 2, 3, 4, 5, 6, 7]);

    // Clone and clone_from make equal, independent sets.
    let mut c = s.clone();
    c.insert(8);
    assert_ne!(c, s);
    c.clone_from(&s);
    assert_eq!(c, s);
    c.map.check_invariants().unwrap();

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

    // Default iterator.
    let mut e: Iter<'_, u8> = Iter::default();
    assert_eq!(e.len(), 0);
    assert_eq!(e.next(), None);
}

#[test]
fn exact_sizes() {
    let s: HashSet<u32> = (0..500).collect();
    let mut it = s.iter();
    for left in (0..500).rev() {
        it.next().unwrap();
        assert_eq!(it.len(), left);
        assert_eq!(it.size_hint(), (left, Some(left)));
    }
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None);

    let mut into = s.clone().into_iter();
    assert_eq!(into.size_hint(), (500, Some(500)));
    into.nth(99);
    assert_eq!(into.len(), 400);
    assert_eq!(into.by_ref().count(), 400);
    assert_eq!(into.next(), None);

    let mut c = s.clone();
    let mut d = c.drain();
    d.nth(9);
    assert_eq!(d.len(), 490);
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
}
