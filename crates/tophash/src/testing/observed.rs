//! What a model run saw: a [`ResizeState`] snapshot of the table before and
//! after each operation tells which resize an operation started, and
//! [`Observed`] counts the states a run reached, so that a test can prove its
//! generator reaches them instead of testing nothing.

use crate::hash_map::HashMap;
use crate::stats::{ResizeProgress, Stats};
use crate::ResizeKind;

/// A table's resize state, read through the O(1) [`HashMap::stats`]: enough
/// to tell, from snapshots before and after an operation, whether it
/// started a resize, moved buckets or queued one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResizeState {
    /// The resize in progress: kind, old and new `B`, buckets evacuated,
    /// evacuation mark.
    pub resize: Option<ResizeProgress>,
    /// `B` of the current array; `None` while nothing is allocated.
    pub b: Option<u8>,
    /// Overflow buckets in the current array's chains.
    pub overflow_buckets: usize,
    /// Kind of the resize queued to start when the current one ends.
    pub queued: Option<ResizeKind>,
}

/// The resize state of `map`'s table. O(1).
pub fn resize_state<K, V, S>(map: &HashMap<K, V, S>) -> ResizeState {
    ResizeState::of_stats(&map.stats())
}

impl ResizeState {
    /// The resize state a [`Stats`] snapshot shows (of a map, a set or a
    /// `HashTable`).
    pub fn of_stats(s: &Stats) -> ResizeState {
        ResizeState {
            resize: s.resize,
            b: (s.buckets > 0).then_some(s.b),
            overflow_buckets: s.overflow_buckets,
            queued: s.queued.map(|(kind, _)| kind),
        }
    }

    /// The kind of the resize in progress in `after` that was not in
    /// progress in `self`, if any (the same resize can only have moved its
    /// mark on).
    pub fn started(&self, after: &ResizeState) -> Option<ResizeKind> {
        let now = after.resize?;
        match self.resize {
            Some(was)
                if was.kind == now.kind
                    && (was.old_b, was.new_b) == (now.old_b, now.new_b)
                    && was.nevacuate <= now.nevacuate =>
            {
                None
            }
            _ => Some(now.kind),
        }
    }
}

/// What a run saw, to prove that the interesting states were reached.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// Operations applied.
    pub ops: usize,
    /// Operations applied while a resize was in progress.
    pub ops_while_resizing: usize,
    /// Resizes seen in progress after an operation, by kind
    /// (`Double`, `SameSize`, `Reserve`, `Shrink`).
    pub resizes: [usize; 4],
    /// Operations applied while a same-size resize was in progress.
    pub ops_while_same_size: usize,
    /// Operations after which the current array had an overflow bucket.
    pub ops_with_overflow: usize,
    /// Largest overflow count seen.
    pub max_overflow: usize,
    /// Largest `len` seen.
    pub max_len: usize,
    /// Operations after which a resize was queued behind the current one.
    pub ops_with_queued_resize: usize,
}

impl Observed {
    /// Adds another run's counts.
    pub fn merge(&mut self, o: &Observed) {
        self.ops += o.ops;
        self.ops_while_resizing += o.ops_while_resizing;
        for (a, b) in self.resizes.iter_mut().zip(o.resizes) {
            *a += b;
        }
        self.ops_while_same_size += o.ops_while_same_size;
        self.ops_with_overflow += o.ops_with_overflow;
        self.max_overflow = self.max_overflow.max(o.max_overflow);
        self.max_len = self.max_len.max(o.max_len);
        self.ops_with_queued_resize += o.ops_with_queued_resize;
    }

    /// Counts one operation that took the table from `before` to `after`
    /// and left `len` entries.
    pub fn record(&mut self, before: &ResizeState, after: &ResizeState, len: usize) {
        self.ops += 1;
        if let Some(r) = before.resize {
            self.ops_while_resizing += 1;
            if r.kind == ResizeKind::SameSize {
                self.ops_while_same_size += 1;
            }
        }
        if let Some(kind) = before.started(after) {
            self.resizes[kind_index(kind)] += 1;
        }
        if after.overflow_buckets > 0 {
            self.ops_with_overflow += 1;
        }
        self.max_overflow = self.max_overflow.max(after.overflow_buckets);
        self.max_len = self.max_len.max(len);
        if after.queued.is_some() {
            self.ops_with_queued_resize += 1;
        }
    }
}

fn kind_index(k: ResizeKind) -> usize {
    match k {
        ResizeKind::Double => 0,
        ResizeKind::SameSize => 1,
        ResizeKind::Reserve => 2,
        ResizeKind::Shrink => 3,
    }
}
