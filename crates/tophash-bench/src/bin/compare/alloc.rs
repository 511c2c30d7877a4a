//! Memory of one untimed build: a counting global allocator, switched on
//! only around it (one relaxed load per call otherwise, during timed
//! passes).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

/// Forwards to `System`; while [`COUNTING`] is on, tracks bytes allocated
/// minus freed ([`CUR`]) and its maximum ([`PEAK`]). Off (one relaxed load
/// per call) during timed passes.
#[derive(Debug)]
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static CUR: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

#[inline]
fn count(allocated: usize, freed: usize) {
    if COUNTING.load(Relaxed) {
        let cur = CUR.fetch_add(allocated as isize - freed as isize, Relaxed) + allocated as isize - freed as isize;
        PEAK.fetch_max(cur, Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged and returns its result, so `System`'s guarantees carry over; the
// counting touches only atomics and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which
        // is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size(), 0);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`. Forwarding (instead of the default alloc +
        // memset) keeps calloc's lazily zeroed pages, which tophash relies on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size(), 0);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`,
        // with `layout` (the caller's contract).
        unsafe { System.dealloc(ptr, layout) };
        count(0, layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr`/`layout` come from this allocator (i.e. `System`)
        // and `new_size` satisfies `realloc`'s contract (the caller's).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size, layout.size());
        }
        p
    }
}

/// Bytes counted between [`window_start`] and [`window_stop`].
#[derive(Clone, Copy, Debug, Default)]
pub struct AllocStats {
    /// Bytes live at the stop.
    pub live: isize,
    /// The most bytes live at once.
    pub peak: isize,
}

/// Starts counting from zero.
pub fn window_start() {
    CUR.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
}

/// Stops counting; returns what was counted.
pub fn window_stop() -> AllocStats {
    COUNTING.store(false, Relaxed);
    AllocStats { live: CUR.load(Relaxed), peak: PEAK.load(Relaxed) }
}
