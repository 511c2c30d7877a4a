//! Reusing dead slots once no reader can still be reading them.
//!
//! A removal kills its slot (the byte leaves the live range) but the key
//! and value stay readable, because a reader that saw the byte live may be
//! reading them; Go instead reuses the slot at once. Never reusing them
//! made churn costly: every insert took a fresh slot, chains grew overflow
//! buckets of dead slots, and a same-size resize copied the whole table
//! to shed them (exchange-like churn at 1M keys in `docs/log.md`, session
//! 15). A dead slot may be written again once every thread that was inside
//! the collector when it died has left: a *grace period*.
//!
//! The map counts **epochs** ([`Clock`]). Moving from epoch `e` to `e + 1`
//! retires a token through the collector; the token's drop, which the
//! collector runs once every thread active at the retire has left, records
//! `graced = e + 1`. The clock moves on only once the previous token is
//! graced, so `graced` is `epoch` or `epoch - 1`. A chain's gate keeps a
//! *kill stamp*: the epoch of its latest kill, modulo 64 (six spare bits
//! of the byte that holds its lock). Its dead slots are all reusable once
//! `graced >= stamp + 1`: always if the stamp is two or more epochs old,
//! if one old only when `graced == epoch`, never if current (a stamp 64 or
//! 65 epochs old reads as current or one old: it waits, which is only
//! slower). Why that suffices: the killer reads the epoch *after* its kill,
//! in one total order (`SeqCst` on both sides), so the move to `stamp + 1`
//! and its token come after the kill; a reader that saw the slot live
//! entered before the kill, so it has either left before the token's
//! retire or is counted by it. Stamps only grow: each killer of a chain
//! holds its lock, which orders its epoch read after the previous one's.
//!
//! A new kill restamps the whole chain, which would hold back its older
//! dead slots too; so a write that finds the old stamp graced first turns
//! the `EMPTY_ONE` bytes of the bucket it stores into [`FREE`] (dead and
//! past its grace: reusable whatever the stamp), in the same store.
//!
//! Moving the clock flushes the thread's batch, which costs a `membarrier`
//! system call: a move took 0.6 µs on one thread and 9.5 µs with a second
//! thread running reads (`docs/log.md`, session 15). So only writes that
//! met dead slots they could not reuse ("frustrated") try it: every
//! [`tick_every`](super::BucketArray)th overflow bucket such a write links,
//! and otherwise those whose hash has ten given bits zero ([`TRY_MASK`]).
//!
//! A write reuses a slot under the chain's lock only. An overwrite (the
//! key live in slot `f`) reuses only a slot of `f`'s bucket (published and
//! killed in one store of its tophash word) or of a later bucket: a reader
//! or iterator walks a chain forwards and reads each bucket's word once,
//! so it meets the new slot after it passed the old one, or sees the swap
//! whole, and never misses the key (it may see it twice).

use alloc::boxed::Box;
use alloc::sync::Arc;

use super::atomic::{AtomicUsize, Ordering};
use super::bucket::{with_byte, Bucket, GateLock};
use super::reclaim::Guard;
use super::{Group, Tag, EMPTY_ONE};

/// Of the hash bits 40..50, the frustrated writes whose bits are all zero
/// try to move the clock: one in 1,024.
const TRY_MASK: u64 = 0x3ff << 40;

/// Zero-sized objects retired with each token, so that its batch can be
/// handed over while up to `PAD + 1` threads are inside the collector.
const PAD: usize = 31;

/// A retired nothing (see [`PAD`]).
struct Pad;

/// The byte of a dead slot known to be past its grace period: reusable
/// whatever the chain's stamp says (a later kill restamps the chain).
pub(super) const FREE: u8 = 2;

/// `w`, a bucket's word of tophash bytes whose chain's stamp is past its
/// grace, with its `EMPTY_ONE` bytes turned `FREE`.
#[inline]
pub(super) fn free(mut w: u64) -> u64 {
    for i in Group::load(&w.to_le_bytes()).match_byte(Tag::splat(EMPTY_ONE)) {
        w = with_byte(w, i, FREE);
    }
    w
}

/// Kill stamps count epochs modulo this (the gate's six spare bits).
const STAMPS: usize = 64;

/// The map's epochs. Shared with the tokens in flight, so a token dropped
/// by the collector's own drop (with the map) still has them.
#[derive(Debug, Default)]
struct Ages {
    epoch: AtomicUsize,
    graced: AtomicUsize,
}

/// The map's epoch clock.
#[derive(Debug, Default)]
pub(super) struct Clock(Arc<Ages>);

/// Retired when the clock moves to epoch `.1`: dropped once the threads
/// that were active then have all left.
struct Token(Arc<Ages>, usize);

impl Drop for Token {
    fn drop(&mut self) {
        // Release: the readers' leaving happened before this drop (the
        // collector's traversal acquires it); writers acquire `graced`.
        self.0.graced.fetch_max(self.1, Ordering::Release);
    }
}

impl Clock {
    /// Kills slot `i` of `b` (or, with `new = Some((j, top))`, publishes
    /// slot `j` with byte `top` and kills `i` in the same store), and
    /// stamps the chain. The caller holds the chain's lock (`lock`) and
    /// `i` is live.
    #[inline]
    pub(super) fn kill<K, V>(&self, lock: &GateLock<'_>, b: Bucket<'_, K, V>, i: usize, new: Option<(usize, u8)>) {
        let mut w = b.word(Ordering::Relaxed);
        // The stamp is about to cover this kill: dead slots of the bucket
        // that its old stamp let go become `FREE` first, so they stay
        // reusable.
        if Group::load(&w.to_le_bytes()).match_byte(Tag::splat(EMPTY_ONE)).lowest().is_some() && self.graced(lock) {
            w = free(w);
        }
        w = with_byte(w, i, EMPTY_ONE);
        if let Some((j, top)) = new {
            w = with_byte(w, j, top);
        }
        // SeqCst, with the load below: the epoch is read after the kill, in
        // the total order the clock's move (SeqCst) takes part in.
        b.store_word(w, Ordering::SeqCst);
        let e = self.0.epoch.load(Ordering::SeqCst);
        lock.set_stamp((e % STAMPS) as u8);
    }

    /// The slots of `g`, a bucket of the chain locked by `lock`, that a
    /// write may fill: `FREE` ones, and `EMPTY_ONE` ones once the chain's
    /// stamp is past its grace (then also `true`: the caller should turn
    /// the bucket's other `EMPTY_ONE` slots `FREE` when it stores its
    /// bytes, see [`free`]).
    #[inline]
    pub(super) fn reusable(&self, lock: &GateLock<'_>, g: Group) -> (u8, bool) {
        let dead = Self::dead(g);
        if dead == 0 {
            return (0, false);
        }
        let freed = g.match_byte(Tag::splat(FREE)).byte();
        if dead == freed {
            return (freed, false);
        }
        if self.graced(lock) {
            (dead, true)
        } else {
            (freed, false)
        }
    }

    /// Whether the dead slots of the chain locked by `lock` are past their
    /// grace period. Two loads of a line that changes once per move.
    #[inline]
    pub(super) fn graced(&self, lock: &GateLock<'_>) -> bool {
        let e = self.0.epoch.load(Ordering::Acquire);
        // Acquire: the token's drop, after the readers it waited for.
        let graced = self.0.graced.load(Ordering::Acquire);
        let age = e.wrapping_sub(usize::from(lock.stamp())) % STAMPS;
        let over = age >= 2 || (age == 1 && graced == e);
        #[cfg(tophash_tsan)]
        if over {
            super::reclaim::tsan::graced();
        }
        over
    }

    /// The dead slots of `g` (written, not live).
    #[inline]
    pub(super) fn dead(g: Group) -> u8 {
        !g.match_empty_rest().byte() & !g.match_full().byte()
    }

    /// Called by a frustrated write: with a one-in-1,024 sample of hashes,
    /// moves the clock on if the previous move is graced. Returns whether
    /// it moved.
    #[inline]
    pub(super) fn maybe_tick(&self, g: &Guard<'_>, hash: u64) -> bool {
        if hash & TRY_MASK != 0 {
            return false;
        }
        self.tick(g)
    }

    /// Moves the clock on if the previous move is graced.
    #[cold]
    pub(super) fn tick(&self, g: &Guard<'_>) -> bool {
        let e = self.0.epoch.load(Ordering::Acquire);
        if self.0.graced.load(Ordering::Acquire) != e {
            return false;
        }
        if self.0.epoch.compare_exchange(e, e + 1, Ordering::SeqCst, Ordering::Relaxed).is_err() {
            return false;
        }
        let t = Box::into_raw(Box::new(Token(Arc::clone(&self.0), e + 1)));
        // SAFETY: a fresh box, retired once and reachable by nobody else.
        unsafe { g.retire_box(t) };
        // seize hands a batch over only once it holds an object for each
        // active thread (each links the batch into one thread's list); a
        // lone token would wait for other objects to be retired, which a
        // map of `u64`s may never do. Zero-sized padding fills it.
        for _ in 0..PAD {
            // SAFETY: a box of a zero-sized type (no allocation), retired
            // once.
            unsafe { g.retire_box(Box::into_raw(Box::new(Pad))) };
        }
        // The token should not wait for a full batch of other objects.
        g.flush();
        true
    }

    /// The current epoch (for stats).
    pub(super) fn epoch(&self) -> usize {
        self.0.epoch.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `free` turns every `EMPTY_ONE` byte `FREE` and leaves the others.
    #[test]
    fn free_turns_only_empty_one() {
        let bytes = [EMPTY_ONE, 0, FREE, 0x80, EMPTY_ONE, 0xff, EMPTY_ONE, 9];
        let want = [FREE, 0, FREE, 0x80, FREE, 0xff, FREE, 9];
        assert_eq!(free(u64::from_le_bytes(bytes)).to_le_bytes(), want);
        assert_eq!(free(0), 0);
    }
}
