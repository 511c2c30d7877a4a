//! Weakly consistent iteration, bounded work per bucket, never evacuating.

use super::atomic::Ordering;
use super::bucket::Bucket;
use super::reclaim::Guard;
use super::{EntryRef, RawSyncTable, State, BUCKET_SLOTS, MIN_TOPHASH};

/// Walks the state captured at its creation: bucket `j` of the current
/// array, or during a resize the old chain `j & old_mask` filtered to the
/// entries that belong to `j` when that old bucket is not yet evacuated.
pub(crate) struct RawIter<'t, K, V> {
    table: &'t RawSyncTable<K, V>,
    /// Keeps everything the iteration reaches alive.
    _guard: Guard<'t>,
    state: *const State<K, V>,
    /// The current array's bucket being walked.
    index: usize,
    /// The chain position: a bucket of the chain being walked and a slot.
    at: Option<(*const Bucket<K, V>, usize)>,
    /// Whether the chain is an old one, filtered to bucket `index`.
    filtered: bool,
}

impl<K, V> RawSyncTable<K, V> {
    /// An iterator over the table as it is now (weakly consistent).
    pub(crate) fn iter(&self) -> RawIter<'_, K, V> {
        let guard = self.guard();
        let state = self.state(&guard).ptr.cast_const();
        RawIter { table: self, _guard: guard, state, index: 0, at: None, filtered: false }
    }
}

impl<'t, K, V> RawIter<'t, K, V> {
    fn state(&self) -> &State<K, V> {
        // SAFETY: loaded under `self._guard`, which lives as long as `self`.
        unsafe { &*self.state }
    }

    /// The next entry. Amortised O(1) per bucket of the current array; one
    /// call may pass over many empty buckets of a sparse table.
    pub(crate) fn next_entry(&mut self) -> Option<EntryRef<'t, K, V>> {
        loop {
            let Some((b, slot)) = self.at else {
                let s = self.state();
                let cur = s.current();
                if self.index >= cur.len() {
                    return None;
                }
                let (head, filtered) = match s.old() {
                    Some(old) if !old.bucket(self.index & old.mask()).evacuated.load(Ordering::SeqCst) => {
                        (old.bucket(self.index & old.mask()), true)
                    }
                    _ => (cur.bucket(self.index), false),
                };
                self.at = Some((core::ptr::from_ref(head), 0));
                self.filtered = filtered;
                continue;
            };
            // SAFETY: chain buckets reached under `self._guard` stay alive
            // while it lives (invariant 8: retired only through the
            // collector, after their gate was set).
            let bucket = unsafe { &*b };
            if slot == BUCKET_SLOTS {
                match bucket.next() {
                    Some(n) => self.at = Some((core::ptr::from_ref(n), 0)),
                    None => {
                        self.at = None;
                        self.index += 1;
                    }
                }
                continue;
            }
            self.at = Some((b, slot + 1));
            if bucket.top(slot, Ordering::Acquire) < MIN_TOPHASH {
                continue;
            }
            let Some(e) = bucket.entry(slot) else { continue };
            if self.filtered && (e.hash() as usize & self.state().current().mask()) != self.index {
                continue;
            }
            // SAFETY: `e` was loaded under `self._guard`, alive; the new
            // guard nests inside it.
            return Some(unsafe { EntryRef::new(self.table.guard(), e) });
        }
    }
}
