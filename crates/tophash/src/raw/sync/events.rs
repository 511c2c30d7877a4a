//! Observer events: each delivered by the thread that did the work, as
//! soon as that work is done and the thread holds no bucket lock, so an
//! observer may call into the map and a panicking observer finds it
//! consistent. An overflow bucket is linked under its chain's lock, so its
//! event waits until the caller has unlocked.
//!
//! Without an observer an event costs one test of the observer field, on
//! paths a write takes only when it evacuates, links an overflow bucket or
//! may start a resize. Evacuation counts the overflow buckets it links in
//! one word on the link path and reports them after unlocking; the entries
//! it moved are counted from the frozen old chain, and only for an
//! observer. Gathering each write's events in a buffer of its own and
//! delivering them at the end of the call cost 8.7 more instructions a
//! write even with no observer (callgrind, an exchange-like probe of 1.19M
//! writes, 345.7M against 354.6M); the other variants measured are in
//! `docs/log.md`, session 11.

use super::bucket::{Bucket, BucketArray};
use super::{Group, Ordering, RawSyncTable};
use crate::types::Event;

impl<K, V> RawSyncTable<K, V> {
    /// Delivers the event `f` makes, if an observer listens. The caller
    /// holds no bucket lock.
    #[inline]
    pub(super) fn emit(&self, f: impl FnOnce() -> Event) {
        if let Some(o) = &self.observer {
            o.event(&f());
        }
    }

    /// Delivers `OverflowAlloc` for the overflow bucket this thread linked
    /// after `tail`, a bucket of a chain of `arr` it has since unlocked.
    /// `overflow_buckets` is the array's count when delivered (other
    /// threads may have linked more since).
    #[cold]
    #[inline(never)]
    pub(super) fn emit_overflow(&self, arr: &BucketArray<K, V>, tail: Bucket<'_, K, V>) {
        let linked = tail.link(arr, Ordering::Acquire);
        self.emit(|| Event::OverflowAlloc {
            pooled: arr.is_pooled(linked),
            overflow_buckets: arr.noverflow.load(Ordering::Relaxed),
        });
    }

    /// Delivers the events of one evacuation of old bucket `i` (chain
    /// `head`): `OverflowAlloc` for the overflow buckets it linked into
    /// `arr` (`linked`: ones from the chunks in the low 32 bits, pooled
    /// ones in the high 32), pooled ones first (the pool is used up before
    /// the chunks), then `Evacuated`. The caller holds no bucket lock.
    #[cold]
    #[inline(never)]
    pub(super) fn emit_evacuated(
        &self,
        arr: &BucketArray<K, V>,
        linked: u64,
        (old, head): (&BucketArray<K, V>, Bucket<'_, K, V>),
        i: usize,
        (evacuated, total): (usize, usize),
    ) {
        let n = arr.noverflow.load(Ordering::Relaxed);
        for (pooled, count) in [(true, linked >> 32), (false, linked & u64::from(u32::MAX))] {
            for _ in 0..count {
                self.emit(|| Event::OverflowAlloc { pooled, overflow_buckets: n });
            }
        }
        self.emit(|| Event::Evacuated { old_bucket: i, entries: live_in_chain(old, head), evacuated, total });
    }
}

/// The live slots of an evacuated old chain: the entries its evacuation
/// copied (the chain is frozen once flagged, its slots keep their bytes,
/// and its overflow buckets live as long as its array, which the caller's
/// guard keeps).
/// O(chain); for the observer only, so evacuation keeps no count.
fn live_in_chain<K, V>(old: &BucketArray<K, V>, head: Bucket<'_, K, V>) -> usize {
    let mut n = 0;
    let mut b = Some(head);
    while let Some(bb) = b {
        let group = Group::load(&bb.tops(Ordering::Acquire));
        n += group.match_full().len();
        b = if group.match_empty_rest().lowest().is_some() { None } else { bb.next(old) };
    }
    n
}
