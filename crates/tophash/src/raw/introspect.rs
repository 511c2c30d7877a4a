//! What the engine reports about itself, for `stats.rs` to present: O(1)
//! counters and a walk over every chain's slot states. None of it hashes a
//! key or moves a bucket.

use alloc::vec::Vec;

use super::bucket::{standalone_bytes, ArrayView};
use super::tophash::{slot_state, BUCKET_SLOTS};
use super::{capacity_for, RawTable};
use crate::types::{ResizeKind, SlotState};

/// The engine's counters, read in O(1).
#[derive(Clone, Debug)]
pub(crate) struct Counters {
    /// Live entries.
    pub(crate) len: usize,
    /// `B` of the current array (0 when none is allocated).
    pub(crate) b: u8,
    /// Main buckets of the current array (0 when none is allocated).
    pub(crate) buckets: usize,
    /// Overflow buckets in the current array's chains (Go's `noverflow`).
    pub(crate) overflow_buckets: usize,
    /// Entries the current array holds before a doubling (Go's load factor
    /// times its buckets; 0 when none is allocated).
    pub(crate) load_limit: usize,
    /// `RawTable::capacity`.
    pub(crate) capacity: usize,
    /// The resize under way: kind, old and new `B`, old buckets evacuated,
    /// old buckets in all, and the evacuation mark.
    pub(crate) resize: Option<ResizeCounters>,
    /// A resize queued behind the current one: its kind and `B`.
    pub(crate) queued: Option<(ResizeKind, u8)>,
    /// Whether a finished resize's old array is still being released.
    pub(crate) releasing: bool,
    /// `B` of the next doubling's array, if it is mapped ahead.
    pub(crate) next_mapped: Option<u8>,
    /// Bytes held by bucket arrays and stand-alone overflow buckets.
    pub(crate) allocated_bytes: usize,
    /// Bytes of old slot pages moved into new arrays, over the table's life.
    pub(crate) recycled_bytes: usize,
}

/// A resize's progress, as the engine counts it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ResizeCounters {
    pub(crate) kind: ResizeKind,
    pub(crate) old_b: u8,
    pub(crate) new_b: u8,
    pub(crate) evacuated: usize,
    pub(crate) total: usize,
    pub(crate) nevacuate: usize,
}

/// One chain as [`RawTable::for_each_chain`] reports it.
pub(crate) struct ChainReport<'a> {
    /// Whether the chain is in the old array (during a resize).
    pub(crate) old: bool,
    /// Its main bucket's index in that array.
    pub(crate) index: usize,
    /// For an old chain: whether it has been evacuated.
    pub(crate) evacuated: bool,
    /// The slot states of each bucket of the chain, main bucket first.
    /// Empty for old chains below the evacuation mark, whose memory may
    /// have been handed back to the OS.
    pub(crate) buckets: &'a [[SlotState; BUCKET_SLOTS]],
}

impl<K, V> RawTable<K, V> {
    /// O(1): the counters the table keeps.
    pub(crate) fn counters(&self) -> Counters {
        let (b, buckets) = self.current.as_ref().map_or((0, 0), |c| (c.b, c.buckets()));
        let resize = self.old.as_ref().map(|o| ResizeCounters {
            kind: o.kind,
            old_b: o.arr.b,
            new_b: b,
            evacuated: o.evacuated,
            total: o.arr.buckets(),
            nevacuate: o.nevacuate,
        });
        Counters {
            len: self.count,
            b,
            buckets,
            overflow_buckets: self.noverflow,
            load_limit: if self.current.is_some() { capacity_for(b) } else { 0 },
            capacity: self.capacity(),
            resize,
            queued: self.queued.as_ref().map(|q| (q.1, q.0.b)),
            releasing: self.releasing.is_some(),
            next_mapped: self.prepared.as_ref().map(|p| p.b),
            allocated_bytes: self.allocated_bytes(),
            recycled_bytes: self.recycled,
        }
    }

    /// Whether old bucket `i` has been evacuated; true outside a resize
    /// (every old bucket is, then). O(1).
    ///
    /// # Panics
    /// If a resize is under way and `i` is not an old main bucket.
    #[cfg(test)]
    pub(crate) fn old_bucket_evacuated(&self, i: usize) -> bool {
        self.old.as_ref().is_none_or(|o| {
            assert!(i < o.arr.buckets(), "old bucket {i} out of range");
            o.is_evacuated(i)
        })
    }

    /// Bytes held by every array and stand-alone overflow bucket. O(1).
    pub(super) fn allocated_bytes(&self) -> usize {
        // The current array's pool use is `next_pool`; the others recorded
        // theirs when they stopped being current (a queued one has used none).
        // During a doubling, only the new main buckets evacuation has reached
        // hold memory (`bytes_doubling`).
        let current = self.current.as_ref().map_or(0, |a| match &self.old {
            Some(o) => a.bytes_doubling(self.next_pool, o.arr.view.main, o.nevacuate, o.arr.recycled_to(), o.populated),
            None => a.bytes(self.next_pool),
        });
        let others = [
            self.old.as_ref().map(|o| &o.arr),
            self.releasing.as_ref().map(|r| &r.arr),
            self.queued.as_ref().map(|q| &q.0),
        ];
        // A prepared array (always mapped) holds the pages faulted in
        // ahead: the header and slot pages of bucket 0 and bucket 2^B.
        let prepared = self.prepared.as_ref().map_or(0, |p| {
            let n = p.buckets() / 2;
            p.prefaulted_bytes(0, 1) + p.prefaulted_bytes(n, n + 1)
        });
        current
            + others.into_iter().flatten().map(|a| a.bytes(a.used)).sum::<usize>()
            + prepared
            + (self.standalone + self.spare_count) * standalone_bytes::<K, V>()
    }

    /// Calls `f` on every chain: each old one while resizing (in index
    /// order), then each of the current array. O(buckets).
    pub(crate) fn for_each_chain(&self, mut f: impl FnMut(ChainReport<'_>)) {
        let mut states = Vec::new();
        if let Some(old) = &self.old {
            for i in 0..old.arr.buckets() {
                states.clear();
                // Below the mark the memory may have been handed back.
                if i >= old.nevacuate {
                    chain_states(old.arr.view, i, &mut states);
                }
                f(ChainReport { old: true, index: i, evacuated: old.is_evacuated(i), buckets: &states });
            }
        }
        if let Some(cur) = &self.current {
            for i in 0..cur.buckets() {
                states.clear();
                chain_states(cur.view, i, &mut states);
                f(ChainReport { old: false, index: i, evacuated: false, buckets: &states });
            }
        }
    }
}

/// Appends the slot states of chain `i` of `arr` to `out`.
fn chain_states<K, V>(arr: ArrayView<K, V>, i: usize, out: &mut Vec<[SlotState; BUCKET_SLOTS]>) {
    // SAFETY: `i` is a main bucket of a live array, not released (callers
    // skip old buckets below the mark); links lead through the chain.
    let mut b = Some(unsafe { arr.bucket(i) });
    while let Some(bk) = b {
        // SAFETY: as above.
        let tops = unsafe { (*bk.hdr).tophash };
        out.push(tops.map(slot_state));
        // SAFETY: as above.
        b = unsafe { arr.next(bk) };
    }
}
