//! Read-only views of a map's internals: an O(1) [`Stats`] snapshot, an
//! O(buckets) [`Shape`] walk with the columns of the load-factor table in
//! Go's `map.go`, per-bucket [`BucketView`]s, and growth [`Event`]s delivered
//! to an [`Observer`].

use alloc::vec::Vec;
use core::fmt;

#[cfg(test)]
mod tests;

pub use crate::raw::tophash::SlotState;
pub use crate::raw::ResizeKind;

/// An O(1) snapshot of a map's state; from [`HashMap::stats`](crate::HashMap::stats).
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    /// Live entries.
    pub len: usize,
    /// log2 of the number of buckets of the current array (during a
    /// resize, the new one); 0 when nothing is allocated.
    pub b: u8,
    /// Buckets of the current array (`2^b`, or 0 when nothing is
    /// allocated).
    pub buckets: usize,
    /// Overflow buckets linked into the current array's chains (Go's
    /// `noverflow`), pooled or stand-alone.
    pub overflow_buckets: usize,
    /// `len / buckets`: average entries per bucket.
    pub load: f64,
    /// The load at which an insert starts a doubling: 6.5 (8 for a single
    /// bucket).
    pub max_load: f64,
    /// Entries the map holds before its next doubling.
    pub capacity: usize,
    /// The resize under way, if any.
    pub resize: Option<ResizeProgress>,
    /// A resize queued behind the current one (by `reserve` or
    /// `shrink_to`), as (kind, new `b`).
    pub queued: Option<(ResizeKind, u8)>,
    /// Whether an old array is still being handed back to the OS.
    pub releasing: bool,
    /// Bytes of memory held: bucket arrays and stand-alone overflow buckets
    /// (see [`HashMap::allocated_bytes`](crate::HashMap::allocated_bytes)
    /// for what counts in a mapped array).
    pub allocated_bytes: usize,
}

/// Progress of a resize.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResizeProgress {
    /// What the resize does.
    pub kind: ResizeKind,
    /// `b` of the array being evacuated.
    pub old_b: u8,
    /// `b` of the array being filled.
    pub new_b: u8,
    /// Old buckets evacuated so far (by the mark or by writes to them).
    pub evacuated: usize,
    /// Old buckets in all.
    pub total: usize,
    /// The evacuation mark: every old bucket below it is evacuated.
    pub mark: usize,
}

/// The shape of a table, from a full walk; from
/// [`HashMap::shape`](crate::HashMap::shape). The first four probe columns
/// are those of Go's `map.go` load-factor table.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// Live entries.
    pub len: usize,
    /// Chains walked: main buckets of the current array plus unevacuated
    /// old buckets.
    pub chains: usize,
    /// `chain_lengths[n]` = chains of `n` buckets (index 0 unused).
    pub chain_lengths: Vec<usize>,
    /// `slots_used[n]` = buckets (main or overflow) with `n` live slots.
    pub slots_used: [usize; 9],
    /// Percentage of chains with at least one overflow bucket (Go's
    /// `%overflow`).
    pub overflow_pct: f64,
    /// Bytes held per live entry (all memory, divided by `len`).
    pub bytes_per_entry: f64,
    /// Bytes per entry beyond the keys and values themselves (Go's
    /// `bytes/entry` column, "overhead bytes used per key/elem pair").
    pub overhead_per_entry: f64,
    /// Entries checked (tophash bytes examined up to and including the
    /// match) to find a present key, averaged over all keys (Go's
    /// `hitprobe`).
    pub hit_probe: f64,
    /// Entries checked for an absent key that lands in a random chain: the
    /// average number of live entries per chain (Go's `missprobe`).
    pub miss_probe: f64,
    /// Key comparisons to find a present key, with the tophash filter:
    /// 1 plus earlier entries of the chain with the same tophash.
    pub hit_key_compares: f64,
    /// Of the tophash matches met while finding every present key, the
    /// fraction whose keys differ.
    pub tophash_false_match_rate: f64,
}

/// Which array a [`BucketView`] belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The array being evacuated during a resize.
    Old,
    /// The current array.
    Current,
}

/// One chain: a main bucket and its overflow buckets; from
/// [`HashMap::bucket_views`](crate::HashMap::bucket_views).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketView {
    /// Which array.
    pub array: Which,
    /// Main bucket index.
    pub index: usize,
    /// For old buckets: whether evacuated. Evacuated buckets below the mark
    /// may have had their memory handed back, so their `chain` is empty.
    pub evacuated: bool,
    /// The tophash state of every slot of every bucket of the chain.
    pub chain: Vec<[SlotState; 8]>,
}

impl BucketView {
    /// Live entries in the chain.
    pub fn occupied(&self) -> usize {
        self.chain.iter().flatten().filter(|s| s.is_occupied()).count()
    }
}

/// Why a resize started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// A new key would pass 6.5 entries per bucket (Go's `overLoadFactor`).
    LoadFactor,
    /// As many overflow buckets as buckets (Go's `tooManyOverflowBuckets`).
    TooManyOverflow,
    /// `reserve` / `try_reserve`.
    Reserve,
    /// `shrink_to` / `shrink_to_fit`.
    ShrinkTo,
    /// The automatic shrink policy (`set_auto_shrink`).
    AutoShrink,
}

/// Something the map did; delivered to an [`Observer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A resize began: the new array is allocated, nothing moved yet.
    ResizeStart {
        /// What the resize does.
        kind: ResizeKind,
        /// Why it started.
        reason: Reason,
        /// `b` before.
        old_b: u8,
        /// `b` after.
        new_b: u8,
        /// Entries at the start.
        len: usize,
    },
    /// One old bucket was evacuated.
    Evacuated {
        /// Its index in the old array.
        old_bucket: usize,
        /// Entries it moved.
        entries: usize,
        /// Old buckets evacuated so far, this one included.
        done: usize,
        /// Old buckets in all.
        total: usize,
    },
    /// The mark passed the last old bucket.
    ResizeEnd {
        /// What the resize did.
        kind: ResizeKind,
        /// `b` now.
        b: u8,
        /// Entries at the end.
        len: usize,
    },
    /// An overflow bucket was linked into a chain of the current array.
    OverflowAlloc {
        /// Whether it came from the array's preallocated pool (else a
        /// stand-alone allocation).
        pooled: bool,
        /// Overflow buckets in the current array now.
        overflow_buckets: usize,
    },
}

/// Receives a map's [`Event`]s; set with
/// [`HashMap::set_observer`](crate::HashMap::set_observer). Called only on
/// rare paths (resizes and overflow allocation), never by lookups.
pub trait Observer: Send {
    /// Called once per event, in order.
    fn event(&mut self, e: &Event);
}

impl<F: FnMut(&Event) + Send> Observer for F {
    fn event(&mut self, e: &Event) {
        self(e)
    }
}

impl fmt::Display for SlotState {
    /// Two characters: `..` empty-rest, `--` empty-one, `eX`/`eY`/`e_`
    /// evacuated X/Y/empty, or the tophash byte in hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotState::EmptyRest => f.write_str(".."),
            SlotState::EmptyOne => f.write_str("--"),
            SlotState::EvacuatedX => f.write_str("eX"),
            SlotState::EvacuatedY => f.write_str("eY"),
            SlotState::EvacuatedEmpty => f.write_str("e_"),
            SlotState::Occupied(t) => write!(f, "{t:02x}"),
        }
    }
}

/// A text drawing of a map's buckets; from
/// [`HashMap::debug_internals`](crate::HashMap::debug_internals).
pub struct Internals {
    pub(crate) stats: Stats,
    pub(crate) views: Vec<BucketView>,
}

impl fmt::Display for Internals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        write!(
            f,
            "B={} ({} buckets), {} entries, load {:.2}/{}, {} overflow buckets",
            s.b, s.buckets, s.len, s.load, s.max_load, s.overflow_buckets
        )?;
        if let Some(r) = &s.resize {
            write!(
                f,
                ", resizing {:?} B {} -> {}: {}/{} old buckets evacuated (mark {})",
                r.kind, r.old_b, r.new_b, r.evacuated, r.total, r.mark
            )?;
        }
        writeln!(f)?;
        for v in &self.views {
            let name = match v.array {
                Which::Old => "old",
                Which::Current => "cur",
            };
            write!(f, "{name}[{:>3}]", v.index)?;
            if v.chain.is_empty() {
                writeln!(f, " evacuated")?;
                continue;
            }
            for (n, b) in v.chain.iter().enumerate() {
                f.write_str(if n == 0 { " [" } else { " -> [" })?;
                for (i, slot) in b.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{slot}")?;
                }
                f.write_str("]")?;
            }
            writeln!(f)?;
        }
        f.write_str("legend: .. empty-rest, -- empty-one, eX/eY/e_ evacuated to X/Y/empty, hex = tophash\n")
    }
}

impl fmt::Debug for Internals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
