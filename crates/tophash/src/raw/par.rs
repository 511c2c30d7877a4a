//! Iteration over a range of chain heads, which splits in halves: the
//! engine's part of parallel iteration (the `rayon` feature). It knows
//! nothing of rayon; `src/rayon/` drives it.
//!
//! As in [`iter`](super::iter), a borrowed table does not change shape, so
//! every entry is in exactly one chain: a chain of an old bucket at or
//! above the evacuation mark (not yet evacuated), or a chain of the current
//! array. Number those chain heads `0..n`, the old array's from the mark
//! first and then the current array's: two disjoint ranges of heads hold
//! disjoint sets of entries, and a range can be cut anywhere. Nothing here
//! evacuates, rehashes, or reads below the mark (where old buckets may be
//! released).
//!
//! As in `iter`'s pool order, the current array's used pool buckets are
//! heads of their own after its main buckets, and its chain walks stop at
//! a pool bucket: every pool bucket below `next_pool` lies in exactly one
//! chain (invariant 7), so each bucket is still visited by one head.

use core::marker::PhantomData;
use core::ops::ControlFlow;

use super::bucket::{header, ArrayView, RUN_BUCKETS};
use super::tophash::{BUCKET_SLOTS, EMPTY_REST};
use super::{RawTable, Slot};

/// Chain heads `lo..hi` of a table whose shape is frozen for as long as
/// this lives: indices below `old.main` are old buckets (`lo` starts at
/// the mark), the rest current buckets at `i - old.main`, main buckets and
/// then the used pool buckets.
struct Heads<K, V> {
    old: ArrayView<K, V>,
    current: ArrayView<K, V>,
    lo: usize,
    hi: usize,
    /// The table has no stand-alone overflow bucket, so the current
    /// array's chains end in the pool and its links are not read (as in
    /// `RawIter`).
    linkless: bool,
}

impl<K, V> Clone for Heads<K, V> {
    fn clone(&self) -> Self {
        Heads { ..*self }
    }
}

impl<K, V> Heads<K, V> {
    fn new(t: &RawTable<K, V>) -> Self {
        let old = t.old.as_ref().map_or(ArrayView::empty(), |o| o.arr.view);
        let current = t.current.as_ref().map_or(ArrayView::empty(), |a| a.view);
        // An empty table has no chain worth a task; a range of no heads
        // yields nothing.
        let heads = if t.current.is_some() { t.next_pool } else { 0 };
        let (lo, hi) =
            if t.count == 0 { (0, 0) } else { (t.old.as_ref().map_or(0, |o| o.nevacuate), old.main + heads) };
        Heads { old, current, lo, hi, linkless: t.standalone == 0 }
    }

    /// The two halves, or `self` alone when it has at most one head.
    fn split(self) -> (Self, Option<Self>) {
        if self.hi - self.lo < 2 {
            return (self, None);
        }
        let mid = self.lo + (self.hi - self.lo) / 2;
        (Heads { hi: mid, ..self.clone() }, Some(Heads { lo: mid, ..self }))
    }

    /// Folds `f` over the live slots of the range's chains until it
    /// breaks. Internal iteration: nothing but the loop indices is kept
    /// between slots. Main buckets go a run at a time, as in
    /// [`RawIter`](super::iter::RawIter)'s `fold` (`RUN_BUCKETS`): the
    /// run's main slots through one mask, then its chains; in the current
    /// array, then the pool buckets one by one.
    fn fold_slots<B>(self, mut acc: B, mut f: impl FnMut(B, Slot<K, V>) -> ControlFlow<B, B>) -> B {
        let old_main = self.old.main;
        let parts = [
            (self.old, self.lo.min(old_main), self.hi.min(old_main), false),
            (self.current, self.lo.saturating_sub(old_main), self.hi.saturating_sub(old_main), true),
        ];
        for (arr, lo, hi, pooled) in parts {
            let links = !(pooled && self.linkless);
            // Runs end with the main buckets; pool heads come one by one.
            let runs_end = hi.min(arr.main);
            let mut i = lo;
            while i < hi {
                // SAFETY (the three blocks below): heads `lo..hi` are main
                // buckets of `arr`, old ones at or above the mark (not
                // released), or used pool buckets of the current array (in
                // its chains, invariant 7), and the table is borrowed
                // (frozen) while `self` lives.
                let (mut live, mut linked) = if i + RUN_BUCKETS <= runs_end {
                    if !pooled && i + 2 * RUN_BUCKETS <= runs_end {
                        // SAFETY: as said; the next run lies below `hi`.
                        unsafe { arr.prefetch_next_run_chains(i) };
                    }
                    if links {
                        // SAFETY: as said; `i + RUN_BUCKETS <= hi`.
                        let (live, any) = unsafe { arr.run_live(i) };
                        // SAFETY: as said.
                        (live, if any { unsafe { arr.run_links(i) } } else { 0 })
                    } else {
                        // SAFETY: as said.
                        (unsafe { arr.run_mask(i) }, 0)
                    }
                } else {
                    // SAFETY: as said.
                    let live = unsafe { header::group(arr.hdr(i)) }.match_full().byte();
                    (u64::from(live), u8::from(links))
                };
                // SAFETY: as above.
                let first = unsafe { arr.bucket(i) };
                while live != 0 {
                    let s = live.trailing_zeros() as usize;
                    live &= live - 1;
                    // SAFETY: bit `s` is a live slot of bucket `i + s / 8` (of a run of
                    // main buckets, or head `i` itself).
                    let b = unsafe { first.of_slot(s) };
                    match f(acc, Slot { head: b.hdr, bucket: b, index: s % BUCKET_SLOTS }) {
                        ControlFlow::Continue(a) => acc = a,
                        ControlFlow::Break(a) => return a,
                    }
                }
                while linked != 0 {
                    let k = linked.trailing_zeros() as usize;
                    linked &= linked - 1;
                    // SAFETY: as above.
                    let head = unsafe { arr.bucket(i + k) };
                    let mut b = head;
                    loop {
                        // SAFETY: `b` is a live bucket of a chain of `arr`;
                        // `f` cannot change the borrowed table.
                        let next = unsafe {
                            if header::top(b.hdr, BUCKET_SLOTS - 1) == EMPTY_REST {
                                None
                            } else {
                                arr.next(b)
                            }
                        };
                        let Some(n) = next else { break };
                        if pooled && arr.contains(n.hdr) {
                            break;
                        }
                        b = n;
                        // SAFETY: as above.
                        let mask = unsafe { header::group(b.hdr) }.match_full();
                        for index in mask {
                            match f(acc, Slot { head: head.hdr, bucket: b, index }) {
                                ControlFlow::Continue(a) => acc = a,
                                ControlFlow::Break(a) => return a,
                            }
                        }
                    }
                }
                i += if i + RUN_BUCKETS <= runs_end { RUN_BUCKETS } else { 1 };
            }
        }
        acc
    }
}

/// Shared access to the entries of a range of chain heads of a table
/// borrowed for `'a`; splits in halves.
pub(crate) struct RefHeads<'a, K, V> {
    heads: Heads<K, V>,
    marker: PhantomData<(&'a K, &'a V)>,
}

/// Mutable access to the values of a range of chain heads of a table
/// mutably borrowed for `'a`; splits in halves.
pub(crate) struct MutHeads<'a, K, V> {
    heads: Heads<K, V>,
    marker: PhantomData<(&'a K, &'a mut V)>,
}

// SAFETY: a `RefHeads` hands out `&'a K` and `&'a V` only, so it may move
// to (or be shared with) another thread when those references may, that
// is when `K` and `V` are `Sync` (std's bounds for `hash_map::Iter`).
unsafe impl<K: Sync, V: Sync> Send for RefHeads<'_, K, V> {}
// SAFETY: as above; `&RefHeads` gives access to nothing.
unsafe impl<K: Sync, V: Sync> Sync for RefHeads<'_, K, V> {}
// SAFETY: a `MutHeads` hands out `&'a K` and `&'a mut V`, each slot once
// (ranges from `split` are disjoint): sendable when `K: Sync` and
// `V: Send` (std's bounds for `hash_map::IterMut`).
unsafe impl<K: Sync, V: Send> Send for MutHeads<'_, K, V> {}
// SAFETY: `&MutHeads` gives access to nothing.
unsafe impl<K: Sync, V: Sync> Sync for MutHeads<'_, K, V> {}

impl<K, V> Clone for RefHeads<'_, K, V> {
    fn clone(&self) -> Self {
        RefHeads { heads: self.heads.clone(), marker: PhantomData }
    }
}

impl<K, V> RawTable<K, V> {
    /// Pool buckets the current array has handed out (each a head here).
    #[cfg(test)]
    pub(crate) fn pool_buckets_used(&self) -> usize {
        self.current.as_ref().map_or(0, |c| self.next_pool - c.buckets())
    }

    /// Every chain head of the table, for parallel iteration. O(1); never
    /// moves a bucket.
    pub(crate) fn par_heads(&self) -> RefHeads<'_, K, V> {
        RefHeads { heads: Heads::new(self), marker: PhantomData }
    }

    /// Every chain head, with mutable values. O(1); never moves a bucket.
    pub(crate) fn par_heads_mut(&mut self) -> MutHeads<'_, K, V> {
        MutHeads { heads: Heads::new(self), marker: PhantomData }
    }
}

impl<'a, K, V> RefHeads<'a, K, V> {
    /// The two halves of the range, or `self` alone if it has one head.
    pub(crate) fn split(self) -> (Self, Option<Self>) {
        let (a, b) = self.heads.split();
        (RefHeads { heads: a, marker: PhantomData }, b.map(|heads| RefHeads { heads, marker: PhantomData }))
    }

    /// Folds `f` over the range's entries until it breaks.
    pub(crate) fn fold_while<B>(self, init: B, mut f: impl FnMut(B, (&'a K, &'a V)) -> ControlFlow<B, B>) -> B {
        // SAFETY: each slot is live in a table borrowed for `'a`.
        self.heads.fold_slots(init, |acc, s| f(acc, unsafe { (s.key(), s.val()) }))
    }

    /// Calls `f` on each of the range's entries.
    pub(crate) fn for_each(self, mut f: impl FnMut((&'a K, &'a V))) {
        self.fold_while((), |(), e| {
            f(e);
            ControlFlow::Continue(())
        });
    }
}

impl<'a, K, V> MutHeads<'a, K, V> {
    /// A shared view of the same range, for `Debug`.
    pub(crate) fn as_ref(&self) -> RefHeads<'_, K, V> {
        RefHeads { heads: self.heads.clone(), marker: PhantomData }
    }

    /// The two halves of the range, or `self` alone if it has one head.
    pub(crate) fn split(self) -> (Self, Option<Self>) {
        let (a, b) = self.heads.split();
        (MutHeads { heads: a, marker: PhantomData }, b.map(|heads| MutHeads { heads, marker: PhantomData }))
    }

    /// Folds `f` over the range's entries, values mutable, until it breaks.
    pub(crate) fn fold_while<B>(self, init: B, mut f: impl FnMut(B, (&'a K, &'a mut V)) -> ControlFlow<B, B>) -> B {
        // SAFETY: each slot is live in a table mutably borrowed for `'a`,
        // and visited once by this range and by no other (ranges from
        // `split` are disjoint, and chains of distinct heads share no
        // bucket), so the `&mut V` are unique.
        self.heads.fold_slots(init, |acc, s| f(acc, unsafe { (s.key(), s.val_mut()) }))
    }
}
