//! Memory reclamation: who frees a retired entry, bucket array (with its
//! overflow buckets) or table state, and when.
//!
//! Normally this is a per-map `seize::Collector`. A reader *enters* it
//! (marks its own thread's reservation active: a write to a line only
//! that thread writes) and everything it loads stays valid until the
//! guard drops. A writer that unlinks an object *retires* it through its
//! guard (`defer_retire`): nothing is freed before that guard is dropped,
//! so no user `Drop` code runs while the engine holds a bucket lock, and
//! the object is freed once every thread that was active when it was
//! retired has left.
//!
//! Under `cfg(loom)` nothing is freed before the map drops: retired
//! objects are queued and freed by the collector's drop. Loom then models
//! only the engine's own atomics, and a use after a free that the real
//! collector would have delayed cannot hide behind the model.

/// Retired objects a thread gathers before it starts reclaiming them
/// (seize's batch size; its default is 32). Starting a batch costs a
/// `membarrier` system call, which interrupts every other thread of the
/// process: with removes retiring an entry each, `strace -c` counted 2,734
/// such calls in three 65,536-operation exchange runs at 2 threads. bustle's
/// exchange at 2 threads (`conc --quick --runs 3`, three sittings): batches
/// of 32 gave 4.1-4.6 Mops/s, 128 gave 8.4-9.3, 512 gave 10.7-13.1. The
/// price is memory: up to this many retired objects per thread wait for
/// their batch to fill (an old bucket array does not: its retirer flushes).
#[cfg(not(loom))]
const BATCH: usize = 256;

#[cfg(not(loom))]
mod imp {
    use core::marker::PhantomData;
    use seize::Guard as _;

    /// The map's collector.
    pub(crate) struct Collector(seize::Collector);

    /// A thread's active membership in a collector: objects loaded while it
    /// lives are not freed before it drops. Guards nest cheaply (a counter
    /// on the thread's own reservation). Not `Send`.
    pub(crate) struct Guard<'c>(seize::LocalGuard<'c>, PhantomData<*const ()>);

    impl Collector {
        pub(crate) fn new() -> Self {
            Collector(seize::Collector::new().batch_size(super::BATCH))
        }

        #[inline]
        pub(crate) fn enter(&self) -> Guard<'_> {
            #[cfg(tophash_tsan)]
            super::tsan::enter();
            Guard(self.0.enter(), PhantomData)
        }
    }

    #[cfg(tophash_tsan)]
    impl Drop for Guard<'_> {
        fn drop(&mut self) {
            super::tsan::leave();
        }
    }

    impl Guard<'_> {
        /// A small number naming the guard's thread, unique among live
        /// threads (seize's; reused after a thread exits).
        #[inline]
        pub(crate) fn thread(&self) -> usize {
            self.0.thread_id()
        }

        /// Starts reclaiming this thread's batch now instead of when it is
        /// full (an old bucket array was just retired: its bytes should not
        /// wait for `BATCH` smaller objects to follow it).
        pub(crate) fn flush(&self) {
            self.0.flush();
        }

        /// Retires a boxed object: it is dropped once no thread that could
        /// have loaded it is still active, and never before this guard drops.
        ///
        /// # Safety
        ///
        /// `ptr` came from `Box::into_raw`, is retired once, and is no longer
        /// reachable by a thread that enters after this call (its link is
        /// gone, or a gate a reader checks first says not to follow it).
        pub(crate) unsafe fn retire_box<T>(&self, ptr: *mut T) {
            // SAFETY: the caller's contract is seize's: a box, retired once,
            // unreachable for threads entering from now on.
            unsafe { self.0.defer_retire(ptr, seize::reclaim::boxed::<T>) }
        }
    }
}

/// ThreadSanitizer annotations, built only by `scripts/tsan.sh` (`--cfg
/// tophash_tsan`). seize orders a reader's leaving before the drop of what
/// it retired with fences, which TSan does not model; so a write that
/// reuses a dead slot once its grace period is over (`reuse.rs`) would be
/// reported as racing with the readers of the slot's old entry. Here a
/// thread's outermost guard *releases* a sync object when it drops, and a
/// write that finds a grace period over *acquires* it: TSan then orders
/// exactly the reads made inside guards that had ended before the check
/// before the reuse, and still reports a reuse that a live guard's reads
/// race with.
#[cfg(tophash_tsan)]
pub(crate) mod tsan {
    use core::cell::Cell;
    use core::ffi::c_void;

    extern "C" {
        fn __tsan_acquire(addr: *mut c_void);
        fn __tsan_release(addr: *mut c_void);
    }

    /// The sync object: any fixed address.
    static GRACE: u8 = 0;

    std::thread_local! {
        /// This thread's guards alive (they nest).
        static DEPTH: Cell<usize> = const { Cell::new(0) };
    }

    pub(crate) fn enter() {
        DEPTH.with(|d| d.set(d.get() + 1));
    }

    pub(crate) fn leave() {
        if DEPTH.with(|d| {
            d.set(d.get() - 1);
            d.get() == 0
        }) {
            // SAFETY: TSan's annotation reads nothing at the address; it
            // names a sync object.
            unsafe { __tsan_release(core::ptr::from_ref(&GRACE).cast_mut().cast()) }
        }
    }

    /// A write found a grace period over.
    pub(crate) fn graced() {
        // SAFETY: as in `leave`.
        unsafe { __tsan_acquire(core::ptr::from_ref(&GRACE).cast_mut().cast()) }
    }
}

#[cfg(loom)]
mod imp {
    use alloc::boxed::Box;
    use alloc::vec::Vec;
    use core::marker::PhantomData;
    use std::sync::Mutex;

    /// Frees a queued box.
    ///
    /// # Safety
    ///
    /// Called once, with the pointer it was queued with.
    type Free = unsafe fn(*mut ());

    struct Retired(*mut (), Free);

    // SAFETY: a retired pointer is only freed, by the collector's drop,
    // when the map (and so every thread's use of it) is gone.
    unsafe impl Send for Retired {}

    /// Under loom: a queue of retired boxes, freed when the map drops.
    pub(crate) struct Collector(Mutex<Vec<Retired>>);

    /// Under loom a guard protects everything: nothing is freed early.
    pub(crate) struct Guard<'c>(&'c Collector, PhantomData<*const ()>);

    /// # Safety
    ///
    /// `p` is a `Box<T>` turned into a raw pointer, freed once.
    unsafe fn drop_box<T>(p: *mut ()) {
        // SAFETY: the caller passes a pointer from `Box::into_raw`, once.
        drop(unsafe { Box::from_raw(p.cast::<T>()) })
    }

    impl Collector {
        pub(crate) fn new() -> Self {
            Collector(Mutex::new(Vec::new()))
        }

        pub(crate) fn enter(&self) -> Guard<'_> {
            Guard(self, PhantomData)
        }
    }

    impl Guard<'_> {
        /// Under loom every thread is number 0: the model's threads share
        /// one count cell, the case of more threads than cells.
        pub(crate) fn thread(&self) -> usize {
            0
        }

        /// Nothing to start: under loom nothing is freed before the map drops.
        pub(crate) fn flush(&self) {}

        /// # Safety
        ///
        /// As the real collector's: a box, retired once.
        pub(crate) unsafe fn retire_box<T>(&self, ptr: *mut T) {
            let mut q = self.0 .0.lock().unwrap_or_else(|e| e.into_inner());
            q.push(Retired(ptr.cast(), drop_box::<T>));
        }
    }

    impl Drop for Collector {
        fn drop(&mut self) {
            let q = core::mem::take(self.0.get_mut().unwrap_or_else(|e| e.into_inner()));
            for Retired(p, free) in q {
                // SAFETY: each queued pointer is a box retired once; the map
                // is being dropped, so no thread can still read it.
                unsafe { free(p) }
            }
        }
    }
}

pub(crate) use imp::{Collector, Guard};
