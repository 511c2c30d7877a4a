//! Read-only views of the table: the O(1) stats snapshot, the O(buckets)
//! shape walk, and bucket views. None of them hashes a key.

use alloc::vec;
use alloc::vec::Vec;

use super::bucket::{lone_bytes, ArrayView};
use super::tophash::{SlotState, MIN_TOPHASH};
use super::{capacity_for, RawTable};
use crate::stats::{BucketView, ResizeProgress, Shape, Stats, Which};

impl<K, V> RawTable<K, V> {
    /// O(1): counters kept by the table.
    pub(crate) fn stats(&self) -> Stats {
        let (b, buckets) = self.cur.as_ref().map_or((0, 0), |c| (c.b, c.buckets()));
        let resize = self.old.as_ref().map(|o| ResizeProgress {
            kind: o.kind,
            old_b: o.arr.b,
            new_b: b,
            evacuated: o.done,
            total: o.arr.buckets(),
            mark: o.nevacuate,
        });
        // The current array's pool use is `next_pool`; the others recorded
        // theirs when they stopped being current (a queued one has used none).
        let cur = self.cur.as_ref().map(|a| (a, self.next_pool));
        let others = [
            self.old.as_ref().map(|o| &o.arr),
            self.retired.as_ref().map(|r| &r.arr),
            self.pending.as_ref().map(|(a, _)| a),
        ];
        let bytes = cur
            .into_iter()
            .chain(others.into_iter().flatten().map(|a| (a, a.used)))
            .map(|(a, used)| a.bytes(used))
            .sum::<usize>()
            + (self.lone + self.nspare) * lone_bytes::<K, V>();
        Stats {
            len: self.count,
            b,
            buckets,
            overflow_buckets: self.noverflow,
            load: if buckets == 0 { 0.0 } else { self.count as f64 / buckets as f64 },
            max_load: if b == 0 { 8.0 } else { capacity_for(b) as f64 / buckets as f64 },
            capacity: self.capacity(),
            resize,
            queued: self.pending.as_ref().map(|(a, k)| (*k, a.b)),
            releasing: self.retired.is_some(),
            allocated_bytes: bytes,
        }
    }

    /// O(buckets + len): walks every live chain.
    pub(crate) fn shape(&self) -> Shape {
        let mut w = Walk { chain_lengths: vec![0], ..Walk::default() };
        if let Some(old) = &self.old {
            for i in old.nevacuate..old.arr.buckets() {
                if !old.evacuated(i) {
                    w.chain(old.arr.view, i, false);
                }
            }
        }
        let mut main = 0;
        if let Some(cur) = &self.cur {
            main = cur.buckets();
            for i in 0..main {
                w.chain(cur.view, i, true);
            }
        }
        let len = self.count;
        let per = |x: f64| if len == 0 { 0.0 } else { x / len as f64 };
        let bytes = self.stats().allocated_bytes as f64;
        Shape {
            len,
            chains: w.chains,
            chain_lengths: w.chain_lengths,
            slots_used: w.slots_used,
            overflow_pct: if w.chains == 0 { 0.0 } else { 100.0 * w.with_overflow as f64 / w.chains as f64 },
            bytes_per_entry: per(bytes),
            overhead_per_entry: per(bytes - (len * (core::mem::size_of::<K>() + core::mem::size_of::<V>())) as f64),
            hit_probe: per(w.hit_checked as f64),
            miss_probe: if main == 0 { 0.0 } else { w.cur_live as f64 / main as f64 },
            hit_key_compares: per((len + w.false_matches) as f64),
            tophash_false_match_rate: if len == 0 {
                0.0
            } else {
                w.false_matches as f64 / (len + w.false_matches) as f64
            },
        }
    }

    /// O(buckets): every chain of the old array (if resizing), then of the
    /// current one.
    pub(crate) fn views(&self) -> Vec<BucketView> {
        let mut out = Vec::new();
        if let Some(old) = &self.old {
            for i in 0..old.arr.buckets() {
                let evacuated = old.evacuated(i);
                // Below the mark the memory may have been handed back.
                let chain = if i < old.nevacuate { Vec::new() } else { chain_states(old.arr.view, i) };
                out.push(BucketView { array: Which::Old, index: i, evacuated, chain });
            }
        }
        if let Some(cur) = &self.cur {
            for i in 0..cur.buckets() {
                out.push(BucketView {
                    array: Which::Current,
                    index: i,
                    evacuated: false,
                    chain: chain_states(cur.view, i),
                });
            }
        }
        out
    }
}

/// The slot states of chain `i` of `arr`.
fn chain_states<K, V>(arr: ArrayView<K, V>, i: usize) -> Vec<[SlotState; 8]> {
    let mut out = Vec::new();
    // SAFETY: `i` is a main bucket of a live array, not released (callers
    // skip old buckets below the mark); links lead through the chain.
    let mut b = Some(unsafe { arr.bucket(i) });
    while let Some(bk) = b {
        // SAFETY: as above.
        let tops = unsafe { (*bk.hdr).tophash };
        out.push(tops.map(SlotState::from_byte));
        // SAFETY: as above.
        b = unsafe { arr.next(bk) };
    }
    out
}

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
    cur_live: usize,
}

impl Walk {
    fn chain<K, V>(&mut self, arr: ArrayView<K, V>, i: usize, current: bool) {
        let states = chain_states(arr, i);
        self.chains += 1;
        if states.len() > 1 {
            self.with_overflow += 1;
        }
        if self.chain_lengths.len() <= states.len() {
            self.chain_lengths.resize(states.len() + 1, 0);
        }
        self.chain_lengths[states.len()] += 1;
        let mut seen = [0u16; 256];
        let mut pos = 0;
        for b in &states {
            let mut used = 0;
            for s in b {
                if let SlotState::Occupied(t) = *s {
                    debug_assert!(t >= MIN_TOPHASH);
                    used += 1;
                    pos += 1;
                    self.hit_checked += pos;
                    self.false_matches += seen[t as usize] as usize;
                    seen[t as usize] += 1;
                }
            }
            self.slots_used[used] += 1;
        }
        if current {
            self.cur_live += pos;
        }
    }
}
