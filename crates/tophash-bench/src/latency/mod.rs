//! The per-insert latency harness: one for the whole workspace. The
//! `latency` binary of this crate runs it with one child process per map
//! and run, Go 1.19's map alongside (`go/latency`); `tophash-lab latency`
//! runs it in its own process, with a map of its own added
//! ([`MapFamily`]).
//!
//! A workload ([`Workload`]) inserts `key(i)` with value `i`, for `i` in
//! `0..n` and in that order, into a map created empty with no size hint,
//! and times every insert on its own. `key(i)` is
//! [`splitmix64`](crate::keys::splitmix64)`(i)` for u64 keys and that
//! number as 16 lowercase hex digits for String keys ([`string_key`]),
//! built before the timing starts. Every Rust map hashes with foldhash 0.2's
//! fast hasher under one fixed seed ([`HASH_SEED`]).
//!
//! The parts, in the order a run uses them:
//!
//! * [`clock`]: the one clock (`quanta`'s raw TSC read between `lfence`s)
//!   and the measured cost of reading it.
//! * [`maps`]: what the timed loop needs from a map ([`TimedMap`]), the maps
//!   this crate knows ([`MapKind`]) and how a caller adds its own
//!   ([`MapFamily`], [`Family`], [`MapUnderTest`]).
//! * [`timing`]: the one timing loop, [`timing::measure`], and what it
//!   reports besides the latencies (slow inserts, changes of the map's
//!   shape, RSS, page faults).
//! * [`runs`]: the runs of one map combined insert by insert: the
//!   reproducible latency (per insert the fastest of the runs), the
//!   reproducible maximum, percentiles.
//! * [`data`]: the one CSV format, its writer and its reader.
//! * [`plot`]: the one SVG, drawn from the CSV files alone.
//! * [`child`]: the child-process protocol of the `latency` binary (also
//!   spoken by `go/latency`).
//! * [`report`]: number formats and the `latency` binary's markdown.
//! * [`sys`]: RSS, page faults and allocation counters of this process.

pub mod child;
pub mod clock;
pub mod data;
pub mod maps;
pub mod plot;
pub mod report;
pub mod runs;
pub mod sys;
pub mod timing;

use std::fmt;

use clap::ValueEnum;
use foldhash::fast::FixedState;
use serde::{Deserialize, Serialize};

pub use maps::{Family, MapFamily, MapKind, MapUnderTest, Phase, Resize, TimedMap};

use crate::keys::splitmix64;

/// The seed of the one hasher every Rust map gets (foldhash 0.2's fast
/// hasher), so that all maps hash alike and every run of a map places the
/// same keys in the same buckets.
pub const HASH_SEED: u64 = 0x7470_6861_7368_2121;

/// The hasher of every Rust map under test: foldhash fast, [`HASH_SEED`].
pub fn hasher() -> FixedState {
    FixedState::with_seed(HASH_SEED)
}

/// The `String` key for index `i`: `splitmix64(i)` as 16 lowercase hex
/// digits (Go: `hexKey(splitmix64(i))`). One allocation.
pub fn string_key(i: u64) -> String {
    format!("{:016x}", splitmix64(i))
}

/// Key type of a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `u64` keys: `splitmix64(i)`.
    U64,
    /// `String` keys: `splitmix64(i)` as 16 lowercase hex digits.
    String,
}

impl KeyKind {
    /// The name in file names, flags and JSON.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::U64 => "u64",
            KeyKind::String => "string",
        }
    }

    /// Inverse of [`KeyKind::name`].
    pub fn from_name(s: &str) -> Option<KeyKind> {
        [KeyKind::U64, KeyKind::String].into_iter().find(|k| k.name() == s)
    }
}

/// One workload: insert keys `0..n` (by the key formula) into an empty map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Workload {
    /// Which keys.
    pub keys: KeyKind,
    /// How many inserts.
    pub n: u64,
}

impl Workload {
    /// File-name stem: `u64-10000000`.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.keys.name(), self.n)
    }

    /// Parses [`stem`](Self::stem).
    pub fn from_stem(s: &str) -> Option<Workload> {
        let (k, n) = s.split_once('-')?;
        Some(Workload { keys: KeyKind::from_name(k)?, n: n.parse().ok().filter(|&n| n > 0)? })
    }

    /// Human label: `u64 keys × 10M`.
    pub fn label(&self) -> String {
        format!("{} keys × {}", self.keys.name(), crate::size::display(self.n))
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_keys_and_stems() {
        assert_eq!(string_key(0), "e220a8397b1dcdaf");
        let w = Workload { keys: KeyKind::String, n: 10_000_000 };
        assert_eq!(w.stem(), "string-10000000");
        assert_eq!(Workload::from_stem(&w.stem()), Some(w));
        assert_eq!(w.label(), "string keys × 10M");
        assert_eq!(Workload::from_stem("u64-0"), None);
        assert_eq!(Workload::from_stem("int-5"), None);
    }
}
