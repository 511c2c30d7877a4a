//! Test support shared by the unit, property and fuzz tests. Not public API:
//! compiled for `cfg(test)` and for the `__testing` feature (the fuzz crate).
//!
//! * [`hashers`](self::hashers): [`Fixed`] (deterministic foldhash),
//!   [`Colliding`] (few distinct low bits: long overflow chains), [`SameTop`]
//!   (also one top byte: every tophash matches, so keys are compared in
//!   every slot), [`Weak`] (either), [`Panicky`] (panics at a chosen call);
//!   [`splitmix64`], the one mixer for test keys, seeds and fingerprints.
//! * [`Tracked`]: a key/value type counting clones and drops, whose `Hash`,
//!   `Eq`, `Clone` and `Drop` panic on demand.
//! * [`codec`](self::codec): the model's [`Key`] and [`Val`] numbers and how
//!   they map to the types under test ([`Lift`], [`Codec`]); the set's
//!   [`Tagged`] elements.
//! * [`map_model`](self::map_model): [`Op`] and [`run`], every map API call
//!   as data, applied to a [`HashMap`](crate::HashMap) and std's `HashMap`
//!   in lockstep. After *every* operation the runner checks the engine's
//!   invariants (`check_invariants`), that `len` equals what iteration
//!   yields, that iteration yields no key twice, and that both maps hold the
//!   same entries.
//! * [`set_model`](self::set_model): [`SetOp`] and [`run_set`], the same for
//!   two `HashSet`s against two std `HashSet`s (the one set oracle of the
//!   unit, property and fuzz tests).
//! * [`compare`](self::compare) and [`capacity`](self::capacity): the
//!   iteration-against-model check and the capacity calls' checks both
//!   runners share.
//! * [`observed`](self::observed): [`ResizeState`] snapshots and the
//!   [`Observed`] counts that prove a run reached the states it is for.
//!
//! The runner works on any key and value type through a [`Codec`] that maps
//! the model's `u16` keys and `u32` values to them and back, so the same
//! operation sequences drive `u64`, zero-sized, large, `String` and
//! [`Tracked`] entries. The model stores *canonical* values (`lower(lift(x))`),
//! so a zero-sized type simply maps everything to 0.

/// `assert!` for what a model test's cases reached (resizes, overflow,
/// same-size growth): skipped under Miri (`scripts/miri.sh`), whose two
/// cases per test are not expected to reach every state. There the tests
/// run for undefined behaviour and their model checks; the normal suite
/// asserts the coverage.
#[cfg(test)]
macro_rules! assert_covered {
    ($($arg:tt)*) => {
        if !cfg!(miri) {
            assert!($($arg)*);
        }
    };
}
#[cfg(test)]
pub(crate) use assert_covered;

pub mod capacity;
pub mod codec;
pub mod compare;
pub mod hashers;
pub mod map_model;
pub mod observed;
pub mod set_model;
mod tracked;

pub use capacity::{apply_capacity, Capacity, CapacityOp};
pub use codec::{Big, Codec, Id, Key, Lift, Plain, Tagged, TrackedCodec, Val};
pub use hashers::{splitmix64, Colliding, Fixed, Panicky, SameTop, Shaped, Weak, SAME_TOP};

/// Whether the model runners check the whole table after operation `i`
/// of `n`: after every one, except under Miri (`scripts/miri.sh`), which
/// runs code about a thousand times slower and would spend nearly all of
/// it in the O(table) check: there after every 16th and the last.
pub fn full_check_after(i: usize, n: usize) -> bool {
    !cfg!(miri) || i % 16 == 15 || i + 1 == n
}
pub use map_model::{check, run, Op};
pub use observed::{resize_state, Observed, ResizeState};
pub use set_model::{check_set, run_set, SetOp, SetOperator};
pub use tracked::{quiet_planned_panics, Ledger, PanicSwitch, Tracked, PLANNED};

#[cfg(test)]
mod drop_tests;
#[cfg(test)]
mod hashers_tests;
#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod panic_tests;
#[cfg(test)]
pub(crate) mod strategy;
