//! Read-only views of a map's internals: an O(1) [`Stats`] snapshot, an
//! O(buckets) [`Shape`] walk with the columns of the load-factor table in
//! Go's `map.go`, per-bucket [`BucketView`]s, and growth [`Event`]s delivered
//! to an [`Observer`].
//!
//! Everything here is built from what the engine reports (its counters and
//! a walk over every chain's slot states); the engine knows nothing of these
//! types.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

#[cfg(test)]
mod tests;

use crate::raw::{ChainReport, RawTable};
pub use crate::types::{Event, Observer, Reason, ResizeKind, SlotState};

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
    /// `b` of the next doubling's array, if it is mapped already: an insert
    /// seven eighths of the way to a doubling maps it ahead (arrays too
    /// large for the reuse cache only; a few of its pages are touched and
    /// counted in `allocated_bytes`).
    pub next_array_mapped: Option<u8>,
    /// Bytes of memory held: bucket arrays and stand-alone overflow buckets
    /// (see [`HashMap::allocated_bytes`](crate::HashMap::allocated_bytes)
    /// for what counts in a mapped array).
    pub allocated_bytes: usize,
    /// Bytes of memory pages that doublings moved from the old array to the
    /// new one instead of handing them back to the OS and faulting in fresh
    /// ones, over the map's life (Linux, arrays of 128 KiB and more): the
    /// slot pages that evacuation leaves behind become the new array's
    /// upper half.
    pub recycled_bytes: usize,
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
    /// The evacuation mark (Go's `nevacuate`): every old bucket below it
    /// is evacuated.
    pub nevacuate: usize,
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
                ", resizing {:?} B {} -> {}: {}/{} old buckets evacuated (nevacuate {})",
                r.kind, r.old_b, r.new_b, r.evacuated, r.total, r.nevacuate
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

impl Stats {
    /// The O(1) snapshot of `t`.
    pub(crate) fn of<K, V>(t: &RawTable<K, V>) -> Stats {
        let c = t.counters();
        Stats {
            len: c.len,
            b: c.b,
            buckets: c.buckets,
            overflow_buckets: c.overflow_buckets,
            load: if c.buckets == 0 { 0.0 } else { c.len as f64 / c.buckets as f64 },
            // Before the first insert: the one bucket it will allocate.
            max_load: if c.buckets == 0 { 8.0 } else { c.load_limit as f64 / c.buckets as f64 },
            capacity: c.capacity,
            resize: c.resize.map(|r| ResizeProgress {
                kind: r.kind,
                old_b: r.old_b,
                new_b: r.new_b,
                evacuated: r.evacuated,
                total: r.total,
                nevacuate: r.nevacuate,
            }),
            queued: c.queued,
            releasing: c.releasing,
            next_array_mapped: c.next_mapped,
            allocated_bytes: c.allocated_bytes,
            recycled_bytes: c.recycled_bytes,
        }
    }
}

impl BucketView {
    /// Every chain of `t`, old array first while resizing. O(buckets).
    pub(crate) fn all_of<K, V>(t: &RawTable<K, V>) -> Vec<BucketView> {
        let mut out = Vec::new();
        t.for_each_chain(|c| {
            out.push(BucketView {
                array: if c.old { Which::Old } else { Which::Current },
                index: c.index,
                evacuated: c.evacuated,
                chain: c.buckets.to_vec(),
            })
        });
        out
    }
}

impl Shape {
    /// The shape of `t` from one walk over its live chains (the current
    /// array's and the old array's not yet evacuated). O(buckets + len).
    pub(crate) fn of<K, V>(t: &RawTable<K, V>) -> Shape {
        let mut w = Walk { chain_lengths: vec![0], ..Walk::default() };
        let mut main = 0;
        t.for_each_chain(|c| {
            if !c.old {
                main += 1;
            }
            if !c.evacuated {
                w.chain(&c);
            }
        });
        let len = t.len();
        let per = |x: f64| if len == 0 { 0.0 } else { x / len as f64 };
        let bytes = t.counters().allocated_bytes as f64;
        let payload = len * (core::mem::size_of::<K>() + core::mem::size_of::<V>());
        Shape {
            len,
            chains: w.chains,
            chain_lengths: w.chain_lengths,
            slots_used: w.slots_used,
            overflow_pct: if w.chains == 0 { 0.0 } else { 100.0 * w.with_overflow as f64 / w.chains as f64 },
            bytes_per_entry: per(bytes),
            overhead_per_entry: per(bytes - payload as f64),
            hit_probe: per(w.hit_checked as f64),
            miss_probe: if main == 0 { 0.0 } else { w.current_live as f64 / main as f64 },
            hit_key_compares: per((len + w.false_matches) as f64),
            tophash_false_match_rate: if len == 0 {
                0.0
            } else {
                w.false_matches as f64 / (len + w.false_matches) as f64
            },
        }
    }
}

/// Running sums of [`Shape::of`]'s walk.
#[derive(Default)]
struct Walk {
    chains: usize,
    with_overflow: usize,
    chain_lengths: Vec<usize>,
    slots_used: [usize; 9],
    /// Sum over live entries of their 1-based position among the chain's
    /// live entries.
    hit_checked: usize,
    /// Sum over live entries of earlier live entries with the same tophash.
    false_matches: usize,
    /// Live entries in current-array chains.
    current_live: usize,
}

impl Walk {
    fn chain(&mut self, c: &ChainReport<'_>) {
        let n = c.buckets.len();
        self.chains += 1;
        if n > 1 {
            self.with_overflow += 1;
        }
        if self.chain_lengths.len() <= n {
            self.chain_lengths.resize(n + 1, 0);
        }
        self.chain_lengths[n] += 1;
        let mut seen = [0u16; 256];
        let mut pos = 0;
        for b in c.buckets {
            let mut used = 0;
            for s in b {
                if let SlotState::Occupied(t) = *s {
                    used += 1;
                    pos += 1;
                    self.hit_checked += pos;
                    self.false_matches += seen[t as usize] as usize;
                    seen[t as usize] += 1;
                }
            }
            self.slots_used[used] += 1;
        }
        if !c.old {
            self.current_live += pos;
        }
    }
}
