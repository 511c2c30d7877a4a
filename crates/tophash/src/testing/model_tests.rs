//! Model-based property tests: random operation sequences applied to the
//! map and to std's `HashMap` in lockstep by [`run`], which checks every
//! invariant after every operation.
//!
//! Each configuration asserts what its runs observed (resizes in progress,
//! overflow chains, ...), so a change that makes the generator miss those
//! states fails loudly instead of testing nothing;
//! [`observes_every_interesting_state`] pins the full set with a fixed seed.

use core::hash::BuildHasher;
use std::format;
use std::string::String;
use std::vec::Vec;

use proptest::prelude::*;

use super::strategy::{any_colliding, any_fixed, any_same_top, any_weak, fifo, observe_cases, ops, Mix};
use super::{run, Fixed, Observed, Op, Plain};
use crate::HashMap;

/// How a run's map is built.
#[derive(Clone, Copy, Debug)]
enum Start {
    New,
    WithCapacity(usize),
}

fn make<S>(start: Start, s: S) -> HashMap<u16, u32, S> {
    match start {
        Start::New => HashMap::with_hasher(s),
        Start::WithCapacity(n) => HashMap::with_capacity_and_hasher(n, s),
    }
}

fn start() -> impl Strategy<Value = Start> {
    prop_oneof![Just(Start::New), (0..40usize).prop_map(Start::WithCapacity)]
}

/// Runs `cases` random cases of `(hasher, start, ops)`; panics with the
/// shrunk failing case. Returns what all the cases observed together.
fn check_model<S, H, O>(hasher: H, ops: O, cases: u32, seed: Option<u64>) -> Observed
where
    S: BuildHasher + Clone + core::fmt::Debug,
    H: Strategy<Value = S>,
    O: Strategy<Value = Vec<Op>>,
{
    observe_cases(
        (hasher, start(), ops),
        cases,
        seed,
        |(s, start, ops)| run(&ops, &mut make(start, s), &Plain),
        |(s, start, ops)| format!("hasher {s:?}, start {start:?}\nops ({}): {}", ops.len(), list(ops)),
    )
}

/// One operation per line, for copying into a regression test.
fn list(ops: &[Op]) -> String {
    ops.iter().map(|o| format!("\n    Op::{o:?},")).collect()
}

/// FIFO windows just under the capacity of 4 and 8 buckets (26 and 52),
/// where same-size growth happens within a few hundred steps.
fn fifo_ops() -> impl Strategy<Value = Vec<Op>> {
    prop_oneof![fifo(Mix::FIFO_SIDE, 19..25, 250..450), fifo(Mix::FIFO_SIDE, 42..50, 250..450)]
}

/// Cases per model test; 2 under Miri (`scripts/miri.sh`), which runs them
/// about a thousand times slower.
const CASES: u32 = if cfg!(miri) { 2 } else { 256 };

#[test]
fn model_fixed_hasher_growing() {
    let o = check_model(any_fixed(), ops(Mix::GROW, 100..400), CASES, None);
    // Growths seen in progress after an operation (small ones finish inside
    // the insert that starts them).
    assert_covered!(o.resizes[0] + o.resizes[2] > CASES as usize, "{o:?}");
    assert_covered!(o.ops_while_resizing > o.ops / 50, "{o:?}");
    assert_covered!(o.max_len > 100, "{o:?}");
}

#[test]
fn model_fixed_hasher_churn() {
    let o = check_model(any_fixed(), ops(Mix::CHURN, 200..500), CASES, None);
    assert_covered!(o.ops_while_resizing > 0 && o.ops_with_overflow > 0, "{o:?}");
}

#[test]
fn model_fixed_hasher_fifo() {
    let o = check_model(any_fixed(), fifo_ops(), CASES, None);
    assert_covered!(o.resizes[1] > 0 && o.ops_while_same_size > 0, "{o:?}");
}

#[test]
fn model_colliding_hasher() {
    let o = check_model(any_colliding(), ops(Mix::GROW, 100..400), CASES, None);
    assert_covered!(o.ops_with_overflow > o.ops / 4, "{o:?}");
    assert_covered!(o.ops_while_resizing > 0, "{o:?}");
}

/// FIFO churn with both weak hashers: long chains that keep their
/// overflow buckets while the keys move on.
#[test]
fn model_weak_hasher_fifo() {
    let o = check_model(any_weak(), fifo_ops(), CASES, None);
    assert_covered!(o.ops_with_overflow > o.ops / 4 && o.ops_while_resizing > 0, "{o:?}");
}

#[test]
fn model_same_top_hasher() {
    let o = check_model(any_same_top(), ops(Mix::GROW, 100..400), CASES, None);
    assert_covered!(o.ops_with_overflow > 0 && o.ops_while_resizing > 0, "{o:?}");
}

/// With fixed seeds, the configurations above together reach every state
/// the engine distinguishes: each resize kind in progress, operations while
/// a same-size resize runs, and overflow chains. If the generator drifts
/// away from one of them, this fails.
#[test]
fn observes_every_interesting_state() {
    let mut o = Observed::default();
    o.merge(&check_model(any_fixed(), ops(Mix::GROW, 100..400), 24, Some(1)));
    o.merge(&check_model(any_fixed(), ops(Mix::CHURN, 200..500), 24, Some(2)));
    o.merge(&check_model(any_fixed(), fifo_ops(), 48, Some(3)));
    o.merge(&check_model(any_colliding(), ops(Mix::GROW, 100..400), 24, Some(4)));
    o.merge(&check_model(any_weak(), fifo_ops(), 48, Some(5)));
    o.merge(&check_model(any_same_top(), ops(Mix::GROW, 100..400), 24, Some(6)));
    std::eprintln!("observed: {o:?}");
    let [double, same_size, reserve, shrink] = o.resizes;
    assert!(double > 100, "doublings: {o:?}");
    assert!(same_size >= 10, "same-size growths: {o:?}");
    assert!(reserve > 0, "reserve jumps: {o:?}");
    assert!(shrink > 10, "shrinks: {o:?}");
    assert!(o.ops_while_resizing > 2000 && o.ops_while_resizing > o.ops / 40, "ops while resizing: {o:?}");
    assert!(o.ops_while_same_size >= 20, "ops during same-size growth: {o:?}");
    assert!(o.ops_with_overflow > o.ops / 10 && o.max_overflow >= 8, "overflow buckets: {o:?}");
    assert!(o.max_len > 150, "{o:?}");
    assert!(o.ops_with_queued_resize > 0, "resizes queued behind another: {o:?}");
}

/// The runner itself catches a wrong answer: a map whose model disagrees
/// (here, a model seeded with a different map) makes `run` panic.
#[test]
fn runner_detects_a_divergence() {
    let mut map: HashMap<u16, u32, Fixed> = HashMap::with_hasher(Fixed(0));
    map.insert(1, 1);
    let r = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
        // Seeded from `map`, so it agrees; then a direct write behind the
        // model's back must be caught by the next check.
        let ops: Vec<Op> = std::vec![Op::Get(1)];
        run(&ops, &mut map, &Plain);
        let mut model = std::collections::HashMap::new();
        model.insert(1u16, 2u32);
        super::check(&map, &model, &Plain)
    }));
    assert!(matches!(r, Ok(Err(_))), "{r:?}");
}
