//! The latency harness's parts (used by `src/bin/latency.rs` through
//! `#[path]`; the crate has no library target).
//!
//! * [`keys`]: the key formula, shared with `go/latency/main.go`.
//! * [`child`]: one map's workload in its own process.
//! * [`report`]: percentiles, CSV files, the markdown table.
//! * [`plot`]: the SVG of latency against insert index.
//! * [`sys`]: RSS and page-fault counters of the running process.

pub mod child;
pub mod keys;
pub mod plot;
pub mod report;
pub mod sys;

use std::fmt;

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// A map under test. Each runs in its own child process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MapKind {
    /// `tophash::HashMap` (this workspace).
    Tophash,
    /// `hashbrown::HashMap` 0.17: the baseline every ratio divides by.
    Hashbrown,
    /// `std::collections::HashMap` (hashbrown inside).
    Std,
    /// `griddle::HashMap` 0.5: hashbrown with incremental resizing.
    Griddle,
    /// Go 1.19's runtime map, through `go/latency`.
    Go,
}

impl MapKind {
    pub const ALL: [MapKind; 5] = [MapKind::Tophash, MapKind::Hashbrown, MapKind::Std, MapKind::Griddle, MapKind::Go];

    pub fn name(self) -> &'static str {
        match self {
            MapKind::Tophash => "tophash",
            MapKind::Hashbrown => "hashbrown",
            MapKind::Std => "std",
            MapKind::Griddle => "griddle",
            MapKind::Go => "go",
        }
    }

    pub fn from_name(s: &str) -> Option<MapKind> {
        MapKind::ALL.into_iter().find(|m| m.name() == s)
    }
}

impl fmt::Display for MapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Key type of a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `u64` keys: `keys::splitmix64(i)`.
    U64,
    /// `String` keys: `keys::splitmix64(i)` as 16 lowercase hex digits.
    String,
}

impl KeyKind {
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::U64 => "u64",
            KeyKind::String => "string",
        }
    }

    pub fn from_name(s: &str) -> Option<KeyKind> {
        [KeyKind::U64, KeyKind::String].into_iter().find(|k| k.name() == s)
    }
}

/// One workload: insert keys `0..n` (by the key formula) into an empty map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Workload {
    pub keys: KeyKind,
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
        format!("{} keys × {}", self.keys.name(), report::fmt_count(self.n))
    }
}
