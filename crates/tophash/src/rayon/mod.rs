//! Parallel iterators for [`HashMap`](crate::HashMap) and
//! [`HashSet`](crate::HashSet) with [rayon] (the `rayon` feature), the same
//! traits and methods as hashbrown's `rayon` feature: `par_iter`,
//! `par_iter_mut`, `into_par_iter`, `par_keys`, `par_values`,
//! `par_values_mut`, `par_drain`, `par_extend`, `collect`, and the set's
//! parallel algebra.
//!
//! How the work is split: a borrowed map does not change shape, so each
//! entry lies in exactly one chain, headed either by an old bucket not yet
//! evacuated (during a resize) or by a bucket of the current array. The
//! parallel iterators split the list of those chain heads in halves, as
//! far as rayon asks; each task walks its chains. Nothing is evacuated or
//! rehashed, also mid-resize. A split is by chains, not by entries, so the
//! halves hold about equal numbers of entries only on average.
//!
//! Owning iterators (`into_par_iter` on a map or set, `par_drain`) first
//! move the entries into a `Vec` in one sequential pass, then split that.
//!
//! ```
//! use rayon::prelude::*;
//! use tophash::HashMap;
//!
//! let m: HashMap<u32, u32> = (0..1000u32).into_par_iter().map(|i| (i, i * 2)).collect();
//! let sum: u32 = m.par_iter().map(|(_, v)| *v).sum();
//! assert_eq!(sum, 999 * 1000);
//! ```

pub mod map;
pub mod set;
#[cfg(test)]
mod tests;
