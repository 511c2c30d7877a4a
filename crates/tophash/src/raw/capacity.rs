//! Capacity changes asked for by the user or the shrink policy: `reserve`,
//! `shrink_to`, and the automatic shrink. Each allocates the new array and
//! starts (or queues) an incremental resize; none moves entries itself.

use super::bucket::BucketArray;
use super::{b_for, capacity_for, over_load, Fallibility, RawTable};
use crate::types::{Reason, ResizeKind, TryReserveError};
use alloc::boxed::Box;

impl<K, V> RawTable<K, V> {
    /// Makes room for `additional` more entries without a growth trigger
    /// firing on the load factor. If a resize is under way, the larger array
    /// is allocated now and its resize starts when the current one ends.
    pub(crate) fn reserve(&mut self, additional: usize, fallibility: Fallibility) -> Result<(), TryReserveError> {
        let need =
            self.count.checked_add(additional).ok_or_else(|| fallibility.failed(TryReserveError::CapacityOverflow))?;
        let cur_b = match &self.current {
            None => {
                if need > 0 {
                    // Install in place: the observer and policy stay.
                    let b = b_for(need).map_err(|e| fallibility.failed(e))?;
                    self.install(BucketArray::new_zeroed_heap_for(b, need).map_err(|e| fallibility.failed(e))?);
                }
                return Ok(());
            }
            Some(a) => a.b,
        };
        // The table ends up with the queued array if there is one, so that
        // is the one that must hold `need`.
        let end_b = self.queued.as_ref().map_or(cur_b, |q| q.0.b);
        if !over_load(need, end_b) {
            return Ok(());
        }
        if !over_load(need, cur_b) {
            // A queued shrink would undo this reserve: drop it.
            if let Some(p) = self.queued.take().map(|q| q.0) {
                // SAFETY: a queued array was never used.
                unsafe { p.free() };
            }
            return Ok(());
        }
        let b = b_for(need).map_err(|e| fallibility.failed(e))?;
        // Allocate first: failure leaves the table as it was. The array is
        // zeroed without a pass over it, so this is O(1) for large sizes.
        let new = self.take_array(b).map_err(|e| fallibility.failed(e))?;
        self.resize_now_or_next(new, ResizeKind::Reserve, Reason::Reserve);
        Ok(())
    }

    /// Starts a resize to `new`, or, if one is under way, queues it to
    /// start when that one ends (replacing any queued one).
    fn resize_now_or_next(&mut self, new: BucketArray<K, V>, kind: ResizeKind, reason: Reason) {
        if self.old.is_some() {
            if let Some(prev) = self.queued.replace(Box::new((new, kind))).map(|q| q.0) {
                // SAFETY: a queued array holds no entries and no chains.
                unsafe { prev.free() };
            }
        } else {
            self.begin_resize_with(new, kind, reason);
        }
    }

    /// Starts shrinking to the fewest buckets whose capacity holds
    /// `max(len, min_capacity)`; frees everything if that is zero.
    pub(crate) fn shrink_to(&mut self, min_capacity: usize) {
        let need = self.count.max(min_capacity);
        if need == 0 {
            // No entries: give all memory back (the observer and policy stay).
            self.forget_entries_and_free();
            return;
        }
        let Some(cur) = &self.current else { return };
        let Ok(b) = b_for(need) else { return };
        if b >= cur.b {
            return;
        }
        // Shrinking is an optimisation: if memory is short, skip it.
        if let Ok(new) = BucketArray::new_zeroed(b) {
            self.resize_now_or_next(new, ResizeKind::Shrink, Reason::ShrinkTo);
        }
    }

    /// The automatic shrink policy (off unless `set_auto_shrink`): once a
    /// removal leaves the table under 10% of its capacity (Redis's
    /// `HASHTABLE_MIN_FILL`) and no resize is under way, start shrinking to
    /// the fewest buckets that hold twice the entries, so the table is about
    /// half full afterwards and neither grows nor shrinks again soon.
    #[inline]
    pub(crate) fn maybe_auto_shrink(&mut self) {
        if self.auto_shrink_due(self.count) {
            self.auto_shrink_now();
        }
    }

    /// Whether `maybe_auto_shrink` acts on a table of `count` entries.
    #[inline(always)]
    pub(crate) fn auto_shrink_due(&self, count: usize) -> bool {
        self.auto_shrink && count * 10 < self.load_limit && self.load_limit > capacity_for(0)
    }

    #[cold]
    fn auto_shrink_now(&mut self) {
        if self.old.is_some() || self.queued.is_some() {
            return;
        }
        let Ok(b) = b_for(self.count.saturating_mul(2)) else { return };
        if self.current.as_ref().is_some_and(|c| b < c.b) {
            if let Ok(new) = BucketArray::new_zeroed(b) {
                self.begin_resize_with(new, ResizeKind::Shrink, Reason::AutoShrink);
            }
        }
    }
}
