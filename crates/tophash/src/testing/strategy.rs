//! proptest strategies for [`Op`] and [`SetOp`] sequences and for the test
//! hashers, and [`observe_cases`], the one way the model tests run them
//! (test builds only: proptest is a dev-dependency).
//!
//! An operation is drawn as a tuple of plain numbers and then built by a
//! table lookup, not with `prop_oneof!`/`Union`: a union of forty options
//! clones the test runner (config and RNG) for every option before the one
//! it picks, which in a debug build cost more than running the operations.
//! The pick shrinks towards the start of the table, so shrunk sequences are
//! made of inserts where possible.

use core::cell::RefCell;
use core::fmt::Debug;
use std::string::String;
use std::vec::Vec;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestError, TestRunner};

use super::{CapacityOp, Colliding, Fixed, Key, Observed, Op, SameTop, SetOp, SetOperator, Val, Weak};

/// The mix of operations a sequence draws from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mix {
    /// Keys are drawn from `0..keys`, and a quarter of the time from the
    /// hot range `0..16` so that updates and removes hit.
    pub(crate) keys: Key,
    /// Weight of inserts (and insert-like entry calls).
    pub(crate) insert: u32,
    /// Weight of removes.
    pub(crate) remove: u32,
    /// Weight of lookups, entry calls, iteration, clones and evacuation
    /// steps.
    pub(crate) other: u32,
    /// Weight of the calls that replace or empty the bucket array (clear,
    /// drain, reserve, shrink).
    pub(crate) reset: u32,
}

impl Mix {
    /// Grows across several doublings.
    pub(crate) const GROW: Mix = Mix { keys: 400, insert: 50, remove: 12, other: 34, reset: 4 };
    /// Inserts and removes balanced: a steady size with churn.
    pub(crate) const CHURN: Mix = Mix { keys: 120, insert: 40, remove: 40, other: 16, reset: 4 };
    /// Mostly lookups and other calls, for mixing into [`fifo`]: few extra
    /// entries (the FIFO's size must stay just under a capacity limit) and
    /// rare resets (they would undo the overflow buckets the FIFO builds).
    pub(crate) const FIFO_SIDE: Mix = Mix { keys: 8, insert: 4, remove: 12, other: 83, reset: 1 };
}

/// The raw numbers an operation is built from.
#[derive(Clone, Copy, Debug)]
struct Args {
    k: Key,
    k2: Key,
    v: Val,
    a: u8,
    b: u8,
    take: u8,
    flag: bool,
    n: u16,
}

/// Builds an operation from the raw numbers.
type Make<T> = fn(&Args) -> T;

/// The elements of an `extend`: `take % 24` keys from `k` with stride
/// `k2 | 1`, values from `v`.
fn run_of(x: &Args) -> Vec<(Key, Val)> {
    (0..x.take as Key % 24).map(|i| (x.k.wrapping_add(i.wrapping_mul(x.k2 | 1)), x.v.wrapping_add(i as Val))).collect()
}

const INSERTS: &[(u32, Make<Op>)] = &[
    (12, |x| Op::Insert(x.k, x.v)),
    (2, |x| Op::OrInsert(x.k, x.v)),
    (1, |x| Op::OrInsertWithKey(x.k)),
    (2, |x| Op::AndModify(x.k, x.v)),
    (1, |x| Op::OrDefault(x.k)),
    (1, |x| Op::InsertEntry(x.k, x.v)),
    (2, |x| Op::TryInsert(x.k, x.v)),
    (1, |x| Op::Extend(run_of(x))),
];

const REMOVES: &[(u32, Make<Op>)] =
    &[(6, |x| Op::Remove(x.k)), (2, |x| Op::RemoveEntry(x.k)), (2, |x| Op::EntryRemove(x.k))];

const OTHERS: &[(u32, Make<Op>)] = &[
    (8, |x| Op::Get(x.k)),
    (2, |x| Op::GetMut(x.k, x.v)),
    (2, |x| Op::GetKeyValue(x.k)),
    (2, |x| Op::ContainsKey(x.k)),
    (1, |x| Op::Index(x.k)),
    (1, |x| Op::ReplaceKey(x.k)),
    (1, |x| Op::GetDisjointMut(x.k, x.k2, x.v)),
    (1, |x| Op::Retain { modulus: x.a % 7 + 1, rem: x.b % 8 }),
    (1, |x| Op::ExtractIf { modulus: x.a % 7 + 1, rem: x.b % 8, take: x.take }),
    (2, |x| Op::Capacity(CapacityOp::Evacuate(x.a % 4))),
    (1, |_| Op::EvacuateFor),
    (1, |x| Op::AutoShrink(x.flag)),
    (1, |_| Op::Capacity(CapacityOp::FinishResize)),
    (1, |x| Op::Clone { replace: x.flag }),
    (1, |x| Op::CloneFrom { replace: x.flag }),
    (1, |_| Op::Iterate),
    (1, |x| Op::IntoIter { take: x.take }),
];

const RESETS: &[(u32, Make<Op>)] = &[
    (1, |x| Op::Drain { take: x.take }),
    (1, |_| Op::Clear),
    (1, |x| Op::Capacity(CapacityOp::Reserve(x.n))),
    (1, |x| Op::Capacity(CapacityOp::TryReserve(try_reserve_size(x)))),
    (1, |x| Op::Capacity(CapacityOp::ShrinkTo(x.n))),
    (1, |_| Op::Capacity(CapacityOp::ShrinkToFit)),
];

/// `try_reserve` sizes: small, or hopeless (`>= 2^62`), so that std agrees.
fn try_reserve_size(x: &Args) -> usize {
    match x.a % 4 {
        0 => usize::MAX,
        1 => (1 << 62) + x.n as usize,
        _ => x.n as usize,
    }
}

const SET_INSERTS: &[(u32, Make<SetOp>)] = &[
    (12, |x| SetOp::Insert(x.k, x.v)),
    (3, |x| SetOp::Replace(x.k, x.v)),
    (2, |x| SetOp::GetOrInsert(x.k, x.v)),
    (2, |x| SetOp::GetOrInsertWith(x.k, x.v)),
    (1, |x| SetOp::Extend { elems: run_of(x), borrowed: x.flag }),
];

const SET_REMOVES: &[(u32, Make<SetOp>)] = &[(6, |x| SetOp::Remove(x.k)), (3, |x| SetOp::Take(x.k))];

const SET_OTHERS: &[(u32, Make<SetOp>)] = &[
    (6, |x| SetOp::Contains(x.k)),
    (6, |x| SetOp::Get(x.k)),
    (1, |x| SetOp::Retain { modulus: x.a % 7 + 1, rem: x.b % 8 }),
    (1, |x| SetOp::ExtractIf { modulus: x.a % 7 + 1, rem: x.b % 8, take: x.take }),
    (2, |x| SetOp::Capacity(CapacityOp::Evacuate(x.a % 4))),
    (1, |_| SetOp::Capacity(CapacityOp::FinishResize)),
    (1, |x| SetOp::Clone { replace: x.flag }),
    (1, |x| SetOp::CloneFrom { replace: x.flag }),
    (1, |_| SetOp::CloneIntoOther),
    (2, |_| SetOp::SwapSets),
    (1, |_| SetOp::Iterate),
    (1, |x| SetOp::IntoIter { take: x.take }),
    (2, |_| SetOp::Algebra),
    (2, |x| SetOp::Operator([SetOperator::Or, SetOperator::And, SetOperator::Xor, SetOperator::Sub][x.a as usize % 4])),
];

const SET_RESETS: &[(u32, Make<SetOp>)] = &[
    (1, |x| SetOp::Drain { take: x.take }),
    (1, |_| SetOp::Clear),
    (1, |x| SetOp::Capacity(CapacityOp::Reserve(x.n))),
    (1, |x| SetOp::Capacity(CapacityOp::TryReserve(try_reserve_size(x)))),
    (1, |x| SetOp::Capacity(CapacityOp::ShrinkTo(x.n))),
    (1, |_| SetOp::Capacity(CapacityOp::ShrinkToFit)),
];

/// The cumulative weight table for `mix` over the four groups of one
/// operation type (inserts, removes, others, resets): each group gets its
/// share.
fn table<T>(mix: Mix, groups: [&[(u32, Make<T>)]; 4]) -> Vec<(u32, Make<T>)> {
    let mut out = Vec::new();
    let mut acc = 0;
    for (group, weight) in groups.into_iter().zip([mix.insert, mix.remove, mix.other, mix.reset]) {
        let total: u32 = group.iter().map(|g| g.0).sum();
        for &(w, make) in group {
            acc += (w * weight * 100 / total).max(1);
            out.push((acc, make));
        }
    }
    out
}

fn key(keys: Key) -> impl Strategy<Value = Key> {
    (0..4u8, 0..keys.max(1), 0..16 as Key).prop_map(|(d, a, b)| if d == 0 { b } else { a })
}

fn val() -> impl Strategy<Value = Val> {
    (any::<bool>(), 0..100 as Val, any::<Val>()).prop_map(|(small, a, b)| if small { a } else { b })
}

/// One operation drawn from `table`.
fn pick<T: Clone + core::fmt::Debug>(mix: Mix, table: Vec<(u32, Make<T>)>) -> impl Strategy<Value = T> {
    let total = table.last().expect("a non-empty table").0;
    let args = (key(mix.keys), key(mix.keys), val(), any::<u8>(), any::<u8>(), any::<u8>(), any::<bool>(), 0..300u16);
    (0..total, args).prop_map(move |(pick, (k, k2, v, a, b, take, flag, n))| {
        let i = table.partition_point(|&(acc, _)| acc <= pick);
        (table[i].1)(&Args { k, k2, v, a, b, take, flag, n })
    })
}

/// One map operation.
pub(crate) fn op(mix: Mix) -> impl Strategy<Value = Op> {
    pick(mix, table(mix, [INSERTS, REMOVES, OTHERS, RESETS]))
}

/// One set operation.
pub(crate) fn set_op(mix: Mix) -> impl Strategy<Value = SetOp> {
    pick(mix, table(mix, [SET_INSERTS, SET_REMOVES, SET_OTHERS, SET_RESETS]))
}

/// A sequence of set operations.
pub(crate) fn set_ops(mix: Mix, len: core::ops::Range<usize>) -> impl Strategy<Value = Vec<SetOp>> {
    prop::collection::vec(set_op(mix), len)
}

/// A sequence of map operations.
pub(crate) fn ops(mix: Mix, len: core::ops::Range<usize>) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(mix), len)
}

/// The FIFO stream's `t`-th key: a bijection of `t` that scatters
/// consecutive steps. (foldhash spreads *consecutive* integers so evenly over
/// the low bits that a FIFO of them never overflows a bucket.)
pub(crate) fn fifo_key(t: usize) -> Key {
    let k = (t as Key).wrapping_mul(0x9e37);
    k ^ (k >> 7)
}

/// A FIFO workload with random operations mixed in: step `t` inserts the
/// fresh key `fifo_key(t)`, removes the key inserted `window` steps
/// earlier, and one step in three also applies a random `op(mix)`.
///
/// This is the workload Go's same-size growth exists for: the size stays
/// near `window` while the keys keep changing, so chain after chain fills
/// past 8 slots and keeps its overflow bucket after its keys leave, until
/// the table holds as many overflow buckets as buckets. Uniformly random
/// keys from a small range almost never get there.
pub(crate) fn fifo(
    mix: Mix,
    window: core::ops::Range<usize>,
    steps: core::ops::Range<usize>,
) -> impl Strategy<Value = Vec<Op>> {
    fifo_of(op(mix), Op::Insert, Op::Remove, window, steps)
}

/// [`fifo`] for the set runner, with `set_op(mix)` mixed in.
pub(crate) fn set_fifo(
    mix: Mix,
    window: core::ops::Range<usize>,
    steps: core::ops::Range<usize>,
) -> impl Strategy<Value = Vec<SetOp>> {
    fifo_of(set_op(mix), SetOp::Insert, SetOp::Remove, window, steps)
}

fn fifo_of<T: Clone + core::fmt::Debug>(
    extra: impl Strategy<Value = T>,
    insert: fn(Key, Val) -> T,
    remove: fn(Key) -> T,
    window: core::ops::Range<usize>,
    steps: core::ops::Range<usize>,
) -> impl Strategy<Value = Vec<T>> {
    let step = (val(), extra, 0..3u8);
    (window, prop::collection::vec(step, steps)).prop_map(move |(window, steps)| {
        let mut out = Vec::with_capacity(steps.len() * 3);
        for (t, (v, extra, dice)) in steps.into_iter().enumerate() {
            out.push(insert(fifo_key(t), v));
            if t >= window {
                out.push(remove(fifo_key(t - window)));
            }
            if dice == 0 {
                out.push(extra);
            }
        }
        out
    })
}

/// [`Fixed`] with any seed.
pub(crate) fn any_fixed() -> impl Strategy<Value = Fixed> {
    any::<u64>().prop_map(Fixed)
}

/// [`Colliding`] with 0 to 3 bucket bits.
pub(crate) fn any_colliding() -> impl Strategy<Value = Colliding> {
    (0..4u32).prop_map(|bucket_bits| Colliding { bucket_bits })
}

/// [`SameTop`] with 0 to 3 bucket bits, or 56 (one tophash, chains as
/// foldhash spreads them).
pub(crate) fn any_same_top() -> impl Strategy<Value = SameTop> {
    prop_oneof![0..4u32, Just(56)].prop_map(|bucket_bits| SameTop { bucket_bits })
}

/// Either weak hasher.
pub(crate) fn any_weak() -> impl Strategy<Value = Weak> {
    prop_oneof![any_colliding().prop_map(Weak::Colliding), any_same_top().prop_map(Weak::SameTop)]
}

/// Runs `cases` random cases of `strategy` through `test` (from a fixed
/// `seed` if given) and returns what they observed together; on a failure,
/// panics with the shrunk input as `describe` writes it (operation lists
/// one per line, for pasting into a regression test).
pub(crate) fn observe_cases<T: Debug>(
    strategy: impl Strategy<Value = T>,
    cases: u32,
    seed: Option<u64>,
    test: impl Fn(T) -> Observed,
    describe: impl Fn(&T) -> String,
) -> Observed {
    // XorShift: the default ChaCha generator, unoptimised in a debug build,
    // would take most of the test's time.
    let mut config =
        Config { cases, failure_persistence: None, rng_algorithm: RngAlgorithm::XorShift, ..Config::default() };
    if let Some(seed) = seed {
        config.rng_seed = RngSeed::Fixed(seed);
    }
    let total = RefCell::new(Observed::default());
    let result = TestRunner::new(config).run(&strategy, |input| {
        total.borrow_mut().merge(&test(input));
        Ok(())
    });
    match result {
        Ok(()) => total.into_inner(),
        Err(TestError::Fail(why, input)) => panic!("model test failed: {why}\n{}", describe(&input)),
        Err(e) => panic!("{e}"),
    }
}
