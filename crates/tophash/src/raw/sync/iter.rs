//! Weakly consistent iteration, bounded work per bucket, never evacuating.

use core::ptr::NonNull;

use super::atomic::Ordering;
use super::bucket::{Bucket, BucketArray};
use super::reclaim::Guard;
use super::{EntryRef, Group, RawSyncTable, State};

/// Walks the state captured at its creation, one *group* at a time: old
/// bucket `i` and the new buckets `j` with `j & old_mask == i` (during a
/// resize), or one bucket of the current array (without). A group whose
/// old bucket is not yet evacuated when the walk reaches it is read from
/// the old chain alone, else from its new chains alone: a new chain takes
/// entries of that group only after the old bucket's flag is set
/// (invariant 6), so no key is read from both.
pub(crate) struct RawIter<'t, K, V> {
    table: &'t RawSyncTable<K, V>,
    /// Keeps everything the iteration reaches alive.
    _guard: Guard<'t>,
    state: *const State<K, V>,
    /// The group: an old bucket during a resize, else a current bucket.
    group: usize,
    /// Which new bucket of the group (`group + member · old_len`); unused
    /// on the old side.
    member: usize,
    /// Whether the group is read from its old chain.
    old_side: bool,
    /// The chain position: a bucket of the chain being walked and its live
    /// slots not yet yielded, read from one load of its tophash word (so an
    /// overwrite within the bucket, one store, is seen whole: the old slot
    /// or the new one).
    at: Option<(Bucket<'t, K, V>, u8)>,
}

impl<K, V> RawSyncTable<K, V> {
    /// An iterator over the table as it is now (weakly consistent).
    pub(crate) fn iter(&self) -> RawIter<'_, K, V> {
        let guard = self.guard();
        let state = self.state(&guard).ptr.cast_const();
        RawIter { table: self, _guard: guard, state, group: 0, member: 0, old_side: false, at: None }
    }
}

impl<'t, K, V> RawIter<'t, K, V> {
    fn state(&self) -> &State<K, V> {
        // SAFETY: loaded under `self._guard`, which lives as long as `self`.
        unsafe { &*self.state }
    }

    /// The head of the next chain to walk, or `None` at the end.
    fn next_chain(&mut self) -> Option<Bucket<'t, K, V>> {
        // SAFETY: loaded under `self._guard`, which lives as long as the
        // iterator, so for `'t` as far as the iterator can use it.
        let s: &'t State<K, V> = unsafe { &*self.state };
        let cur = s.current();
        let Some(old) = s.old() else {
            return (self.group < cur.len()).then(|| cur.bucket(self.group));
        };
        if self.group >= old.len() {
            return None;
        }
        if self.member == 0 && !self.old_side {
            // A group's side is decided once, when the walk reaches it.
            self.old_side = !old.gate(self.group).is_evacuated(Ordering::SeqCst);
            if self.old_side {
                return Some(old.bucket(self.group));
            }
        }
        Some(cur.bucket(self.group + self.member * old.len()))
    }

    /// The array of the chain being walked.
    fn chain_array(&self) -> &'t BucketArray<K, V> {
        // SAFETY: loaded under `self._guard`, which lives as long as the
        // iterator, so for `'t` as far as the iterator can use it.
        let s: &'t State<K, V> = unsafe { &*self.state };
        match s.old() {
            Some(old) if self.old_side => old,
            _ => s.current(),
        }
    }

    /// Moves past the chain just walked.
    fn chain_done(&mut self) {
        let s = self.state();
        let per_group = s.old().map_or(1, |old| s.current().len() / old.len());
        self.member += 1;
        if self.old_side || self.member == per_group {
            self.group += 1;
            self.member = 0;
            self.old_side = false;
        }
    }

    /// The next entry. Amortised O(1) per bucket of the current array; one
    /// call may pass over many empty buckets of a sparse table.
    pub(crate) fn next_entry(&mut self) -> Option<EntryRef<'t, K, V>> {
        loop {
            let Some((bucket, live)) = self.at else {
                let head = self.next_chain()?;
                self.at = Some((head, live_slots(head)));
                continue;
            };
            if live == 0 {
                match bucket.next(self.chain_array()) {
                    Some(n) => self.at = Some((n, live_slots(n))),
                    None => {
                        self.at = None;
                        self.chain_done();
                    }
                }
                continue;
            }
            let slot = live.trailing_zeros() as usize;
            self.at = Some((bucket, live & (live - 1)));
            // SAFETY: the byte was seen live with an Acquire load, and the
            // slot's bytes stay as they were while `self._guard` lives: a
            // slot killed since is reused only after every thread that was
            // inside the collector at the kill has left (`reuse.rs`).
            let e = unsafe { bucket.entry(slot) };
            // SAFETY: `e` was loaded under `self._guard`, alive; the new
            // guard nests inside it.
            return Some(unsafe { EntryRef::new(self.table.guard(), NonNull::from(e)) });
        }
    }
}

/// The live slots of `b`, from one Acquire load of its tophash word.
fn live_slots<K, V>(b: Bucket<'_, K, V>) -> u8 {
    Group::load(&b.tops(Ordering::Acquire)).match_full().byte()
}
