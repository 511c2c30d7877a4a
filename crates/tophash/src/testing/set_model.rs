//! The set's model runner: [`SetOp`] (every `HashSet` call as data) and
//! [`run_set`], which applies operations to a pair of
//! `HashSet<Tagged, S>` and a pair of std `HashSet`s in lockstep and calls
//! [`check_set`] after every one. The unit and property tests of
//! `hash_set/tests.rs` and the fuzz target `set_ops` both drive it.
//!
//! The elements are [`Tagged`]: equal and hashed by `id` only, so the `tag`
//! shows which of two equal elements a set stores and returns (`insert`
//! keeps the stored one, `replace` swaps it in), and the model, std's set,
//! says which one it should be. Two sets make the set algebra (`union`,
//! `is_subset`, `&a | &b`, ...) run between sets that each grew, shrank
//! or stopped mid-resize on their own; the operations apply to the first
//! set, and [`SetOp::SwapSets`] exchanges the two.

use core::fmt::Debug;
use core::hash::BuildHasher;
use core::iter::FusedIterator;
use std::collections::HashSet as StdSet;
use std::format;
use std::string::String;
use std::vec::Vec;

use super::compare::{pull_entries, same_entries, sorted};
use super::{apply_capacity, resize_state, CapacityOp, Id, Key, Observed, Tagged, Val};
use crate::HashSet;

fn t(id: Key, tag: Val) -> Tagged {
    Tagged { id, tag }
}

fn pair(x: &Tagged) -> (Key, Val) {
    (x.id, x.tag)
}

/// A binary set operator, building a new set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOperator {
    /// `&a | &b`.
    Or,
    /// `&a & &b`.
    And,
    /// `&a ^ &b`.
    Xor,
    /// `&a - &b`.
    Sub,
}

/// One call of the set's API on the first of the runner's two sets, with
/// its arguments (`(id, tag)` for an element, `id` for a query). `take`
/// fields say how many items to pull from an iterator before dropping it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetOp {
    /// `insert`.
    Insert(Key, Val),
    /// `replace`.
    Replace(Key, Val),
    /// `remove`, by an [`Id`] query for an even id, by a `Tagged` for an
    /// odd one.
    Remove(Key),
    /// `take`.
    Take(Key),
    /// `contains`, by an [`Id`] and by a `Tagged` with another tag.
    Contains(Key),
    /// `get`.
    Get(Key),
    /// `get_or_insert`.
    GetOrInsert(Key, Val),
    /// `get_or_insert_with`, which must call its closure only when the
    /// element is absent.
    GetOrInsertWith(Key, Val),
    /// `extend` with these elements, owned or (`borrowed`) by reference.
    Extend {
        /// The elements.
        elems: Vec<(Key, Val)>,
        /// Through `Extend<&T>`.
        borrowed: bool,
    },
    /// `retain` keeping ids with `id % modulus != rem`; it must visit each
    /// element once.
    Retain {
        /// Divisor (0 is read as 1).
        modulus: u8,
        /// Remainder of the ids removed.
        rem: u8,
    },
    /// `extract_if` of ids with `id % modulus == rem`, `take` items pulled.
    ExtractIf {
        /// Divisor (0 is read as 1).
        modulus: u8,
        /// Remainder of the ids extracted.
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
    /// A capacity or resize call, checked as for the map.
    Capacity(CapacityOp),
    /// `clone`, compared; if `replace`, the set is replaced by its clone.
    Clone {
        /// Continue with the clone.
        replace: bool,
    },
    /// `clone_from` into a set with other elements; if `replace`, the set
    /// is replaced by the target.
    CloneFrom {
        /// Continue with the target.
        replace: bool,
    },
    /// The second set becomes a copy of the first (`clone_from`).
    CloneIntoOther,
    /// The two sets change places: later operations apply to the other.
    SwapSets,
    /// `iter` and `&set` iteration: size hints at every step, clones of a
    /// half-used iterator, `fold` against `next`.
    Iterate,
    /// `into_iter` of a clone, `take` items pulled, the rest collected
    /// into a new set (`FromIterator`).
    IntoIter {
        /// Items pulled.
        take: u8,
    },
    /// `union`, `intersection`, `difference` (both ways) and
    /// `symmetric_difference` with the second set, as [`SetOp::Iterate`]
    /// checks iterators; `is_subset`, `is_superset`, `is_disjoint`, `==`.
    Algebra,
    /// The operator applied to the two sets; the new set is checked.
    Operator(SetOperator),
}

impl SetOp {
    /// Whether the call only reads the first set: it must not move a
    /// bucket.
    pub fn only_reads(&self) -> bool {
        use SetOp::*;
        matches!(
            self,
            Contains(_)
                | Get(_)
                | Clone { replace: false }
                | CloneIntoOther
                | Iterate
                | IntoIter { .. }
                | Algebra
                | Operator(_)
        )
    }
}

/// Applies `ops` to `sets` and to two std `HashSet` models (seeded with the
/// sets' elements) in lockstep, asserting equal results and calling
/// [`check_set`] after every operation (the lookup of every element after
/// every fourth and the last one; under Miri see
/// [`full_check_after`](super::full_check_after)), and that a call that only reads moved
/// nothing. Panics with the operation's index and the failure. Returns
/// what the first set went through.
pub fn run_set<S>(ops: &[SetOp], sets: &mut [HashSet<Tagged, S>; 2]) -> Observed
where
    S: BuildHasher + Clone + Default,
{
    let mut models = [0, 1].map(|i| sets[i].iter().copied().collect::<StdSet<Tagged>>());
    for i in 0..2 {
        if let Err(e) = check_set(&sets[i], &models[i], true) {
            panic!("set {i} before the first op: {e}");
        }
    }
    let mut obs = Observed::default();
    for (i, op) in ops.iter().enumerate() {
        let before = resize_state(&sets[0].map);
        if *op == SetOp::SwapSets {
            sets.swap(0, 1);
            models.swap(0, 1);
        } else {
            apply(op, sets, &mut models);
        }
        let after = resize_state(&sets[0].map);
        let lookups = i % 4 == 3 || i + 1 == ops.len();
        let full = super::full_check_after(i, ops.len());
        let checked = (if full { check_set(&sets[0], &models[0], lookups) } else { Ok(()) })
            .and_then(|()| {
                let moved = op.only_reads() && before != after;
                if moved {
                    Err(String::from("a call that only reads moved buckets"))
                } else {
                    Ok(())
                }
            })
            .and_then(|()| match op {
                SetOp::CloneIntoOther if full => {
                    check_set(&sets[1], &models[1], lookups).map_err(|e| format!("the other set: {e}"))
                }
                _ => Ok(()),
            });
        if let Err(e) = checked {
            panic!("after op #{i} {op:?}: {e}\n(resize state before {before:?}, after {after:?})");
        }
        obs.record(if *op == SetOp::SwapSets { &after } else { &before }, &after, sets[0].len());
    }
    obs
}

/// Checks everything that must hold between operations: the engine's
/// invariants, `len`, `is_empty` and `capacity`, that iteration reports
/// its exact size at every step and yields each element of the model once
/// (the same tag too), and, if `lookups`, that `get` finds every element.
pub fn check_set<S: BuildHasher>(
    set: &HashSet<Tagged, S>,
    model: &StdSet<Tagged>,
    lookups: bool,
) -> Result<(), String> {
    set.map.check_invariants()?;
    if set.len() != model.len() || set.is_empty() != model.is_empty() {
        return Err(format!("len {} (is_empty {}) but the model holds {}", set.len(), set.is_empty(), model.len()));
    }
    if set.capacity() < set.len() {
        return Err(format!("capacity {} below len {}", set.capacity(), set.len()));
    }
    same_entries(set.len(), set.iter().map(pair), model.iter().map(pair))?;
    for x in model.iter().filter(|_| lookups) {
        let got = set.get(&Id(x.id)).map(pair);
        if got != Some(pair(x)) || !set.contains(&t(x.id, !x.tag)) {
            return Err(format!("get({}) is {got:?}, the model has {x:?}", x.id));
        }
    }
    Ok(())
}

/// Applies one operation to the first set and model and compares the
/// results.
fn apply<S>(op: &SetOp, sets: &mut [HashSet<Tagged, S>; 2], models: &mut [StdSet<Tagged>; 2])
where
    S: BuildHasher + Clone + Default,
{
    let ([s, other], [o, other_model]) = (sets, models);
    match *op {
        SetOp::Insert(id, tag) => assert_eq!(s.insert(t(id, tag)), o.insert(t(id, tag)), "{op:?}"),
        SetOp::Replace(id, tag) => {
            assert_eq!(s.replace(t(id, tag)).map(|x| pair(&x)), o.replace(t(id, tag)).map(|x| pair(&x)), "{op:?}");
        }
        SetOp::Remove(id) => {
            let got = if id % 2 == 0 { s.remove(&Id(id)) } else { s.remove(&t(id, 0)) };
            assert_eq!(got, o.remove(&t(id, 0)), "{op:?}");
        }
        SetOp::Take(id) => assert_eq!(s.take(&Id(id)).map(|x| pair(&x)), o.take(&t(id, 0)).map(|x| pair(&x)), "{op:?}"),
        SetOp::Contains(id) => {
            let want = o.contains(&t(id, 0));
            assert_eq!((s.contains(&Id(id)), s.contains(&t(id, 1))), (want, want), "{op:?}");
        }
        SetOp::Get(id) => assert_eq!(s.get(&Id(id)).map(pair), o.get(&t(id, 0)).map(pair), "{op:?}"),
        SetOp::GetOrInsert(id, tag) => {
            let got = pair(s.get_or_insert(t(id, tag)));
            o.insert(t(id, tag)); // keeps a present element
            assert_eq!(Some(got), o.get(&t(id, 0)).map(pair), "{op:?}");
        }
        SetOp::GetOrInsertWith(id, tag) => {
            let mut called = false;
            let got = pair(s.get_or_insert_with(&Id(id), |q| {
                called = true;
                t(q.0, tag)
            }));
            assert_eq!(called, o.insert(t(id, tag)), "{op:?}: the closure is called when the element is absent");
            assert_eq!(Some(got), o.get(&t(id, 0)).map(pair), "{op:?}");
        }
        SetOp::Extend { ref elems, borrowed } => {
            let elems: Vec<Tagged> = elems.iter().map(|&(id, tag)| t(id, tag)).collect();
            if borrowed {
                s.extend(&elems);
            } else {
                s.extend(elems.iter().copied());
            }
            o.extend(elems);
        }
        SetOp::Retain { modulus, rem } => {
            let (m, rem) = (modulus.max(1) as Key, rem as Key);
            let mut visited = StdSet::new();
            s.retain(|x| {
                assert!(visited.insert(x.id), "{op:?} visits {} twice", x.id);
                x.id % m != rem
            });
            assert_eq!(visited.len(), o.len(), "{op:?}: elements visited");
            o.retain(|x| x.id % m != rem);
        }
        SetOp::ExtractIf { modulus, rem, take } => {
            let (m, rem) = (modulus.max(1) as Key, rem as Key);
            let len = s.len();
            let mut it = s.extract_if(|x| x.id % m == rem);
            assert_eq!(it.size_hint(), (0, Some(len)), "{op:?}");
            let got: Vec<Tagged> = it.by_ref().take(take as usize).collect();
            drop(it);
            for x in &got {
                assert_eq!(x.id % m, rem, "{op:?} yielded {x:?}");
                assert_eq!(o.take(x).map(|y| pair(&y)), Some(pair(x)), "{op:?} yielded {x:?}");
            }
            if got.len() < take as usize {
                assert!(!o.iter().any(|x| x.id % m == rem), "{op:?} ended early");
            }
        }
        SetOp::Drain { take } => {
            let mut d = s.drain();
            assert_eq!(d.len(), o.len(), "{op:?}");
            pull_entries(&mut d.by_ref().map(|x| pair(&x)), take, o.len(), |k| model_tag(o, k), op);
            drop(d);
            o.clear();
        }
        SetOp::Clear => {
            s.clear();
            o.clear();
        }
        SetOp::Capacity(c) => apply_capacity(c, s, |n| o.try_reserve(n).is_ok()),
        SetOp::Clone { replace } => {
            let copy = s.clone();
            check_set(&copy, o, true).unwrap_or_else(|e| panic!("{op:?}: the clone: {e}"));
            let (ours, source) = (resize_state(&copy.map), resize_state(&s.map));
            assert_eq!(ours, source, "{op:?}: a clone keeps the resize state");
            assert!(copy == *s && copy.capacity() == s.capacity(), "{op:?}");
            if replace {
                *s = copy;
            }
        }
        SetOp::CloneFrom { replace } => {
            let mut target = HashSet::with_hasher(s.hasher().clone());
            target.extend((0..(o.len() as Key % 20)).map(|i| t(i.wrapping_mul(7919), 1)));
            target.clone_from(s);
            check_set(&target, o, true).unwrap_or_else(|e| panic!("{op:?}: the target: {e}"));
            if replace {
                *s = target;
            }
        }
        SetOp::CloneIntoOther => {
            other.clone_from(s);
            other_model.clone_from(o);
        }
        SetOp::SwapSets => unreachable!("the runner swaps the sets itself"),
        SetOp::Iterate => {
            check_iterator(s.iter(), o.iter(), op);
            check_iterator((&*s).into_iter(), o.iter(), op);
        }
        SetOp::IntoIter { take } => {
            let mut it = s.clone().into_iter();
            assert_eq!(it.len(), o.len(), "{op:?}");
            let pulled = pull_entries(&mut it.by_ref().map(|x| pair(&x)), take, o.len(), |k| model_tag(o, k), op);
            let rest: HashSet<Tagged, S> = it.collect();
            let mut want = o.clone();
            want.retain(|x| !pulled.iter().any(|&(id, _)| id == x.id));
            check_set(&rest, &want, true).unwrap_or_else(|e| panic!("{op:?}: the rest: {e}"));
        }
        SetOp::Algebra => {
            let (a, b, ma, mb) = (&*s, &*other, &*o, &*other_model);
            check_iterator(a.union(b), ma.union(mb), op);
            check_iterator(a.intersection(b), ma.intersection(mb), op);
            check_iterator(a.difference(b), ma.difference(mb), op);
            check_iterator(b.difference(a), mb.difference(ma), op);
            check_iterator(a.symmetric_difference(b), ma.symmetric_difference(mb), op);
            // Intersection walks the smaller set.
            assert_eq!(a.intersection(b).size_hint().1, Some(a.len().min(b.len())), "{op:?}");
            let ours = [a.is_subset(b), b.is_subset(a), a.is_superset(b), a.is_disjoint(b), b.is_disjoint(a), a == b];
            let want = [
                ma.is_subset(mb),
                mb.is_subset(ma),
                ma.is_superset(mb),
                ma.is_disjoint(mb),
                mb.is_disjoint(ma),
                ma == mb,
            ];
            assert_eq!(ours, want, "{op:?}: subset, superset, disjoint, eq");
        }
        SetOp::Operator(how) => {
            let (a, b, ma, mb) = (&*s, &*other, &*o, &*other_model);
            let (ours, want) = match how {
                SetOperator::Or => (a | b, ma | mb),
                SetOperator::And => (a & b, ma & mb),
                SetOperator::Xor => (a ^ b, ma ^ mb),
                SetOperator::Sub => (a - b, ma - mb),
            };
            check_set(&ours, &want, true).unwrap_or_else(|e| panic!("{op:?}: the result: {e}"));
        }
    }
}

/// The tag of the model's element with id `id`.
fn model_tag(model: &StdSet<Tagged>, id: Key) -> Option<Val> {
    model.get(&t(id, 0)).map(|x| x.tag)
}

/// Checks an iterator over elements against std's for the same call: the
/// same elements (tags too: which of two equal elements `union` and
/// `intersection` yield is std's choice, the larger and the smaller set's
/// respectively, and ours), size hints that bound what is left at every
/// step, a clone made halfway that yields what is left, `fold` (which the
/// set operations override) agreeing with `next`, and staying exhausted.
fn check_iterator<'a, I, M>(it: I, model: M, op: &SetOp)
where
    I: Iterator<Item = &'a Tagged> + Clone + FusedIterator,
    M: Iterator<Item = &'a Tagged>,
{
    let want = sorted(model.map(pair));
    let (mut it, mut left) = (it, want.len());
    assert_eq!(sorted(it.clone().map(pair)), want, "{op:?}: elements");
    loop {
        let (lo, hi) = it.size_hint();
        assert!(lo <= left && hi.is_none_or(|hi| hi >= left), "{op:?}: hint ({lo}, {hi:?}) with {left} left");
        if left == want.len() || left == want.len() / 2 {
            let folded = it.clone().fold(Vec::new(), |mut v, x| {
                v.push(pair(x));
                v
            });
            // A `for` loop calls `next`; `collect` would call `fold`.
            let mut by_next = Vec::new();
            for x in it.clone() {
                by_next.push(pair(x));
            }
            assert_eq!((folded.len(), &folded), (left, &by_next), "{op:?}: fold and next from a clone");
        }
        if it.next().is_none() {
            break;
        }
        left -= 1;
    }
    assert_eq!((it.next().is_none(), it.next().is_none()), (true, true), "{op:?}: fused");
}
