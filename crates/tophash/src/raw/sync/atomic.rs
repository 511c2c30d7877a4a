//! The atomics the concurrent engine uses: `core`'s normally, loom's under
//! `cfg(loom)` so that the loom model tests (`tests/sync_loom.rs`) explore
//! every interleaving of the engine's own loads and stores.

#[cfg(loom)]
pub(super) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};

#[cfg(not(loom))]
pub(super) use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};

/// How many times a bucket lock is retried with a spin hint before the
/// thread yields its time slice instead. A lock is held for one bounded
/// bucket operation, so a short spin usually suffices; yielding keeps a
/// preempted holder from being starved by spinners on a 2-core machine.
#[cfg(not(loom))]
const SPINS: u32 = 64;

/// One failed attempt at a lock: spin briefly, then yield.
#[inline]
pub(super) fn backoff(attempt: u32) {
    #[cfg(loom)]
    {
        let _ = attempt;
        loom::thread::yield_now();
    }
    #[cfg(not(loom))]
    {
        if attempt < SPINS {
            core::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}
