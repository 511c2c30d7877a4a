//! A hash map built on Go's classic runtime map design, with the API of
//! `std::collections::HashMap`.
//!
//! Buckets of eight slots, a tophash byte per slot, overflow chains, a load
//! factor of 6.5, and *incremental* growth: when the map grows it allocates
//! the new bucket array and then moves ("evacuates") the old buckets a few
//! at a time on later inserts and removes, instead of rehashing everything
//! in one call. The design, its invariants and where it departs from Go are
//! described in the engine's source (`src/raw/mod.rs`).
//!
//! ```
//! use tophash::HashMap;
//!
//! let mut scores = HashMap::new();
//! scores.insert("blue", 10);
//! scores.insert("yellow", 50);
//! *scores.entry("blue").or_insert(0) += 5;
//! assert_eq!(scores["blue"], 15);
//! assert_eq!(scores.len(), 2);
//! ```
//!
//! [`HashTable`] is the same engine without a hasher of its own, for
//! elements that carry or compute their own hashes (interners, indexes
//! into a `Vec`): the caller passes the hash and an equality test to every
//! call, and the hasher to every call that may move elements, as with
//! hashbrown's `HashTable`.
//!
//! # Features
//!
//! * `std` (default): `std::error::Error` for [`TryReserveError`] and a
//!   randomly seeded default hasher. Without it the crate is `no_std` +
//!   `alloc`.
//! * `serde`: `Serialize`/`Deserialize` for [`HashMap`] and [`HashSet`].
//! * `rayon`: parallel iterators, `par_extend` and `collect` for
//!   [`HashMap`] and [`HashSet`] (module `rayon`), split by chains of
//!   buckets, also mid-resize.
//! * `sync`: `sync::HashMap`, a concurrent map whose writers share each
//!   growth's evacuation (claiming old buckets with a CAS on a shared
//!   cursor); memory reclaimed through `seize`. Needs `std`.
//! * `trace`: `trace::TraceRecorder`, growth events as Chrome Trace JSON.
//! * `tracing`: `trace::TracingObserver`, growth events as `tracing`
//!   events and spans.
//!
//! # Hashing and HashDoS
//!
//! [`DefaultHashBuilder`] is foldhash's `quality` `RandomState`.
//!
//! What it promises: every map gets its own random seed (Go's `hash0`), so
//! keys crafted to collide in one map do not collide in another. The attack
//! on this design is keys whose hashes share their low bits, which all land
//! in one bucket and grow its overflow chain; `tests/hashdos.rs` finds 1,000
//! such keys by brute force under one map's hasher (one chain of 125
//! buckets, 500 entries examined per lookup) and shows them spread normally
//! under another map's seed and under SipHash (longest chain 2 buckets,
//! about 3 entries per lookup). It is fast and its output is well mixed.
//!
//! What it does not promise: foldhash is not a cryptographic PRF, and its
//! seed is not a secret key in the cryptographic sense. It has not been
//! analysed against an attacker who can observe a long-lived map's hashes,
//! timings or iteration order (which follows the hash bits) and work back
//! to colliding keys, or who can choose keys for a map whose seed leaked.
//! Nothing in the map bounds a chain either: under such an attack each
//! lookup and insert into the targeted chain costs O(chain length), as in
//! Go (a doubling splits a chain only by one more hash bit, which such an
//! attacker controls too).
//!
//! When keys come from an adversary (network input, user-supplied
//! strings), hash them with SipHash-1-3 under a random 128-bit key, std's
//! `RandomState`:
//!
//! ```
//! use std::collections::hash_map::RandomState;
//! use tophash::HashMap;
//!
//! let mut headers: HashMap<String, String, RandomState> = HashMap::with_hasher(RandomState::new());
//! headers.insert("content-type".to_string(), "text/plain".to_string());
//! assert_eq!(headers["content-type"], "text/plain");
//! ```

#![no_std]
#![warn(missing_docs)]
// docs.rs builds with `--cfg docsrs`: items say which feature they need.
#![cfg_attr(docsrs, feature(doc_cfg))]
// Unsafe code lives in the engine only (`raw`, which allows it below); the
// compiler rejects it anywhere else.
#![deny(unsafe_code)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod hash_map;
pub mod hash_set;
pub mod hash_table;
#[allow(unsafe_code)]
mod raw;
#[cfg(feature = "rayon")]
#[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
pub mod rayon;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod stats;
#[cfg(feature = "sync")]
#[cfg_attr(docsrs, doc(cfg(feature = "sync")))]
pub mod sync;
#[cfg(any(test, feature = "__testing"))]
#[doc(hidden)]
pub mod testing;
#[cfg(any(feature = "trace", feature = "tracing"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "trace", feature = "tracing"))))]
pub mod trace;
mod types;

pub use equivalent::Equivalent;
pub use hash_map::HashMap;
pub use hash_set::HashSet;
pub use hash_table::HashTable;
pub use types::ResizeKind;
pub use types::TryReserveError;

// The crate README's usage snippet is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The default hasher: foldhash's randomly seeded `quality::RandomState`.
/// Each map built with it gets its own seed.
///
/// Not foldhash's `fast` variant, which hashbrown uses: a Go-style table
/// picks a bucket by the hash's low bits, and `fast`'s low bits are uneven
/// for sequential integer keys. Measured on keys `0..100_000` into 1,024
/// buckets over 300 seeds: the variance of bucket counts was outside
/// 0.85–1.15 times the uniform one for 269 seeds with `fast` (0.15× to
/// 2.5×) and for 1 with `quality` (`tophash-lab hashdist` shows the same
/// per hash function). `quality` adds one folded multiply per hash.
pub type DefaultHashBuilder = foldhash::quality::RandomState;
