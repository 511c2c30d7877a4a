//! Memory straight from the OS for large bucket arrays (Linux with `std`),
//! so that neither starting nor ending a resize is an O(n) call.
//!
//! Why not the global allocator: glibc serves a large `calloc` from `mmap`
//! (fresh zero pages, no memset) only above its *dynamic* threshold, which
//! rises to the size of the last freed mapping (up to 32 MiB); below it a
//! `calloc` memsets the whole block, an O(n) pause at growth start. And
//! freeing a mapping unmaps all its pages at once, an O(n) pause at growth
//! end (1.6 ms for an 18 MB array, measured with `examples/demo.rs` before
//! this change). Mapping arrays ourselves gives O(1) zeroed allocation, and
//! pages of evacuated buckets are unmapped a chunk at a time as evacuation
//! passes them, so no single call tears down the whole array.
//!
//! Fresh pages are not free either: the first touch of each 4 KiB page
//! faults, about 1.2 us on this project's VM (a C probe touching 64 MiB;
//! `MADV_POPULATE_WRITE` in 64 KiB steps 0.86 us a page, transparent huge
//! pages 0.5 us per 4 KiB but 300 us per 2 MiB fault). A program that
//! builds maps over and over (a benchmark loop, a per-request map) would
//! fault every page of every array, where the global allocator hands
//! hashbrown the warm memory of the last map it freed. So whole mappings
//! of freed arrays up to a modest size (`bucket::reusable`) go to a reuse
//! cache of at most 64 MiB instead of back to the OS, and the next array
//! of the same size takes one from there, zeroing only its headers (at
//! most 512 KiB). Larger arrays, and arrays the full cache turns away,
//! are released page by page as before. The cache is process-wide, behind
//! a mutex tried (never waited for) only when an array is mapped or freed.
//!
//! Elsewhere (other OSes, `no_std`) every function here declines and the
//! global allocator is used.
//!
//! Under Miri a mapping is an allocation of the global allocator instead
//! (`miri` below): Miri models an allocation as one object and calls
//! releasing part of it undefined behaviour, while POSIX lets `munmap`
//! release any page-aligned part of a mapping. There, releasing part of a
//! mapping only counts the bytes, and the allocation is freed when every
//! byte has been released, so Miri checks the rest of the engine (and that
//! every mapping is released exactly once, in full) on the same code paths.

/// Arrays at least this large are mapped directly: glibc's initial `mmap`
/// threshold, so arrays it would have mapped and unmapped whole are mapped
/// here instead, released a chunk per write or kept whole for reuse. At
/// 1 MiB, the 2^12-bucket array of u64 pairs (590 KiB) came from glibc: its
/// allocation (a fresh mapping, headers zeroed: 19 page faults) and its
/// free (one `munmap` of all its pages) were the two slowest inserts of a
/// 2M-key fill, 48-66 and 72-113 us (`docs/log.md`, session 18). Tests map
/// from 16 KiB so that page release happens in nearly every test.
pub(crate) const MAP_MIN: usize = if cfg!(test) { 16 << 10 } else { 128 << 10 };

/// Page size assumed for release granularity (the smallest Linux page).
pub(crate) const PAGE: usize = 4096;

#[cfg(all(feature = "std", target_os = "linux", not(miri)))]
mod imp {
    /// A zeroed, private, anonymous mapping of `size` bytes (page aligned),
    /// or null.
    pub(crate) fn map(size: usize) -> *mut u8 {
        // SAFETY: an anonymous private mapping with no fixed address has no
        // preconditions; failure is reported as MAP_FAILED.
        let p = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                // No MAP_NORESERVE: with it the kernel skipped its overcommit
                // check, so `try_reserve(1 << 40)` "succeeded" with a 42 TB
                // mapping on a 24 GiB machine instead of returning
                // `AllocError` as std's map does (the pages are populated
                // lazily either way; tests/hostile.rs pins the error).
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            core::ptr::null_mut()
        } else {
            p.cast()
        }
    }

    /// # Safety
    /// `[p, p + size)` is page aligned, lies in a mapping returned by `map`,
    /// is still mapped, and is not used afterwards (unmapping part of a
    /// mapping is allowed; the rest stays).
    pub(crate) unsafe fn unmap(p: *mut u8, size: usize) {
        // SAFETY: caller contract.
        unsafe { libc::munmap(p.cast(), size) };
    }

    /// Moves the pages of `[src, src + size)` to `[dst, dst + size)`,
    /// replacing whatever was mapped there; `false` if the kernel refused
    /// (then nothing moved and the caller still owns `src`).
    ///
    /// # Safety
    /// `[src, src + size)` is as for [`unmap`]; `[dst, dst + size)` is page
    /// aligned, lies in another mapping returned by `map` and still mapped,
    /// and no one reads its bytes before writing them (they become `src`'s).
    pub(crate) unsafe fn remap(src: *mut u8, size: usize, dst: *mut u8) -> bool {
        // SAFETY: caller contract: both ranges are page aligned and ours;
        // MREMAP_FIXED replaces the pages at `dst`, which hold nothing read.
        let p = unsafe {
            libc::mremap(src.cast(), size, size, libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED, dst.cast::<libc::c_void>())
        };
        p != libc::MAP_FAILED
    }

    /// Faults in `[p, p + size)` now, ready to be written
    /// (`MADV_POPULATE_WRITE`, Linux 5.14 and later); `false` if the
    /// kernel refused, after which every later call declines at once (an
    /// older kernel refuses them all).
    ///
    /// # Safety
    /// `[p, p + size)` is page aligned and lies in a mapping returned by
    /// `map`, still mapped; its bytes do not change.
    pub(crate) unsafe fn populate(p: *mut u8, size: usize) -> bool {
        use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
        static REFUSED: AtomicBool = AtomicBool::new(false);
        if REFUSED.load(Relaxed) {
            return false;
        }
        // SAFETY: caller contract: our own mapped pages; populating them
        // leaves their contents as they are.
        let ok = unsafe { libc::madvise(p.cast(), size, libc::MADV_POPULATE_WRITE) } == 0;
        if !ok {
            REFUSED.store(true, Relaxed);
        }
        ok
    }

    pub(crate) const AVAILABLE: bool = true;
}

#[cfg(all(feature = "std", miri))]
mod imp {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    /// Live "mappings": start address -> (size, bytes released so far).
    static MAPPINGS: Mutex<BTreeMap<usize, (usize, usize)>> = Mutex::new(BTreeMap::new());

    fn layout(size: usize) -> std::alloc::Layout {
        std::alloc::Layout::from_size_align(size, super::PAGE).expect("mapping sizes are page multiples")
    }

    /// A zeroed, page-aligned allocation standing for a mapping, or null.
    /// Like the kernel, it rounds the length up to whole pages (the engine
    /// releases those whole pages).
    pub(crate) fn map(size: usize) -> *mut u8 {
        let size = size.next_multiple_of(super::PAGE);
        // SAFETY: `size` is nonzero (an array has at least one bucket).
        let p = unsafe { std::alloc::alloc_zeroed(layout(size)) };
        if !p.is_null() {
            MAPPINGS.lock().unwrap_or_else(|e| e.into_inner()).insert(p as usize, (size, 0));
        }
        p
    }

    /// Counts `[p, p + size)` as released; frees the allocation once all of
    /// it is.
    ///
    /// # Safety
    /// As for the Linux `unmap`: `[p, p + size)` lies in a mapping returned
    /// by `map`, has not been released before, and is not used afterwards.
    pub(crate) unsafe fn unmap(p: *mut u8, size: usize) {
        let mut maps = MAPPINGS.lock().unwrap_or_else(|e| e.into_inner());
        let (&base, entry) = maps.range_mut(..=p as usize).next_back().expect("unmap outside every mapping");
        assert!(p as usize + size <= base + entry.0, "unmap past the end of its mapping");
        entry.1 += size;
        assert!(entry.1 <= entry.0, "a mapping was released more than once");
        if entry.1 == entry.0 {
            let total = entry.0;
            maps.remove(&base);
            // SAFETY: `base` came from `alloc_zeroed` with this layout, and
            // every byte of it has been released by its owner.
            unsafe { std::alloc::dealloc(base as *mut u8, layout(total)) };
        }
    }

    /// Releases `[src, src + size)` as [`unmap`] does and leaves `dst`'s
    /// bytes as they are: Miri cannot move memory between allocations, and
    /// the caller promises to write the destination before reading it.
    ///
    /// # Safety
    /// As for the Linux `remap`.
    pub(crate) unsafe fn remap(src: *mut u8, size: usize, _dst: *mut u8) -> bool {
        // SAFETY: caller contract, as for `unmap`.
        unsafe { unmap(src, size) };
        true
    }

    /// Nothing to fault in: the allocation is all there.
    ///
    /// # Safety
    /// As for the Linux `populate`.
    pub(crate) unsafe fn populate(_p: *mut u8, _size: usize) -> bool {
        true
    }

    pub(crate) const AVAILABLE: bool = true;
}

#[cfg(not(all(feature = "std", target_os = "linux")))]
#[cfg(not(all(feature = "std", miri)))]
mod imp {
    pub(crate) fn map(_size: usize) -> *mut u8 {
        core::ptr::null_mut()
    }

    /// # Safety
    /// Never called: `map` never succeeds here.
    pub(crate) unsafe fn unmap(_p: *mut u8, _size: usize) {}

    /// # Safety
    /// Never called: `map` never succeeds here.
    pub(crate) unsafe fn remap(_src: *mut u8, _size: usize, _dst: *mut u8) -> bool {
        false
    }

    /// # Safety
    /// Never called: `map` never succeeds here.
    pub(crate) unsafe fn populate(_p: *mut u8, _size: usize) -> bool {
        false
    }

    pub(crate) const AVAILABLE: bool = false;
}

#[cfg(all(test, feature = "std"))]
pub(crate) use counted::{calls, map, populate, remap, unmap};
pub(crate) use imp::AVAILABLE;
#[cfg(not(all(test, feature = "std")))]
pub(crate) use imp::{map, populate, remap, unmap};

/// Under test, the functions above count the memory system calls each
/// thread makes, so that tests can bound the calls of one write.
#[cfg(all(test, feature = "std"))]
mod counted {
    use std::cell::Cell;

    std::thread_local! {
        static CALLS: Cell<usize> = const { Cell::new(0) };
    }

    fn count() {
        CALLS.with(|c| c.set(c.get() + 1));
    }

    /// Memory system calls this thread has made so far.
    pub(crate) fn calls() -> usize {
        CALLS.with(Cell::get)
    }

    pub(crate) fn map(size: usize) -> *mut u8 {
        count();
        super::imp::map(size)
    }

    /// # Safety
    /// As for `imp::unmap`.
    pub(crate) unsafe fn unmap(p: *mut u8, size: usize) {
        count();
        // SAFETY: caller contract.
        unsafe { super::imp::unmap(p, size) }
    }

    /// # Safety
    /// As for `imp::remap`.
    pub(crate) unsafe fn remap(src: *mut u8, size: usize, dst: *mut u8) -> bool {
        count();
        // SAFETY: caller contract.
        unsafe { super::imp::remap(src, size, dst) }
    }

    /// # Safety
    /// As for `imp::populate`.
    pub(crate) unsafe fn populate(p: *mut u8, size: usize) -> bool {
        count();
        // SAFETY: caller contract.
        unsafe { super::imp::populate(p, size) }
    }
}

/// Most bytes of whole mappings the reuse cache holds (the cache exists
/// with `std` only).
#[cfg(feature = "std")]
const CACHE_BYTES: usize = 64 << 20;

/// Whole mappings no table uses, kept for the next array of their size: a
/// list searched by size (it holds a few dozen at most), and the bytes it
/// holds.
pub(crate) struct Cache {
    maps: alloc::vec::Vec<(*mut u8, usize)>,
    bytes: usize,
    cap: usize,
}

// SAFETY: the cache owns its mappings outright (no table points into them);
// which thread hands them out does not matter.
unsafe impl Send for Cache {}

impl Cache {
    pub(crate) const fn new(cap: usize) -> Self {
        Cache { maps: alloc::vec::Vec::new(), bytes: 0, cap }
    }

    /// A cached mapping of exactly `size` bytes, or null.
    pub(crate) fn take(&mut self, size: usize) -> *mut u8 {
        let Some(i) = self.maps.iter().position(|&(_, n)| n == size) else { return core::ptr::null_mut() };
        let (p, n) = self.maps.swap_remove(i);
        self.bytes -= n;
        p
    }

    /// Keeps `(base, size)` if that stays within the cap; `false` leaves
    /// it with the caller.
    pub(crate) fn keep(&mut self, base: *mut u8, size: usize) -> bool {
        if self.bytes + size > self.cap || self.maps.try_reserve(1).is_err() {
            return false;
        }
        self.bytes += size;
        self.maps.push((base, size));
        true
    }
}

#[cfg(feature = "std")]
static CACHE: std::sync::Mutex<Cache> = std::sync::Mutex::new(Cache::new(CACHE_BYTES));

/// A whole mapping of `size` bytes from the reuse cache (see the module
/// docs), holding whatever its last user left in it, or null.
///
/// Neither this nor `cache` ever waits for the cache's lock: if another
/// thread holds it, the array is mapped (or released) as if the cache were
/// empty (or full). So no write waits on another thread, and a child
/// process forked while a thread held the lock cannot deadlock on it.
pub(crate) fn take_cached(size: usize) -> *mut u8 {
    #[cfg(feature = "std")]
    if let Ok(mut c) = CACHE.try_lock() {
        return c.take(size);
    }
    let _ = size;
    core::ptr::null_mut()
}

/// Offers a whole mapping to the reuse cache; `false` if it is full, and
/// the caller still owns the mapping.
///
/// # Safety
/// As for `unmap` of the whole mapping: `[base, base + size)` is one
/// mapping returned by `map`, none of it unmapped yet, not used afterwards
/// unless this returns `false`.
pub(crate) unsafe fn cache(base: *mut u8, size: usize) -> bool {
    #[cfg(feature = "std")]
    if let Ok(mut c) = CACHE.try_lock() {
        return c.keep(base, size);
    }
    let _ = (base, size);
    false
}

/// Whole mappings their owner has let go of, handed back to the OS a piece
/// at a time by later calls of [`unmap_some`](Unmapper::unmap_some). The
/// concurrent map's old arrays are freed by whichever thread's operation
/// the collector picks, in one call: unmapping a 46 MB array there took
/// 2.8 ms (`strace -T`, `conc-latency --threads 1`, 2^19 buckets), 11 ms
/// for 185 MB. Queued instead, each later write unmaps at most a budget.
///
/// Dropping the unmapper unmaps whatever is still queued.
#[cfg(feature = "sync")]
pub(crate) struct Unmapper {
    parts: std::sync::Mutex<Parts>,
    /// Bytes queued (read without the lock: zero means nothing to do).
    bytes: core::sync::atomic::AtomicUsize,
    /// Set while a thread unmaps a piece: one `munmap` at a time for this
    /// table's arrays (two tables still unmap independently). With two
    /// threads inserting, each unmapping its own piece, 40-50 of the ~2,900
    /// 64 KiB pieces of a 188 MB array took 0.5-8 ms each on this VM, and
    /// the slowest insert of every run was one of them; one at a time,
    /// 0-2 did (`docs/log.md`, session 10). Both calls need the address
    /// space's lock for writing; what the kernel did for so long was not
    /// measured.
    unmapping: core::sync::atomic::AtomicBool,
}

/// Queued page-aligned ranges, each part of a mapping from [`map`].
#[cfg(feature = "sync")]
struct Parts(alloc::vec::Vec<(*mut u8, usize)>);

// SAFETY: the queue owns its ranges outright (no table points into them);
// which thread unmaps them does not matter.
#[cfg(feature = "sync")]
unsafe impl Send for Parts {}

#[cfg(feature = "sync")]
impl Unmapper {
    pub(crate) fn new() -> Self {
        Unmapper {
            parts: std::sync::Mutex::new(Parts(alloc::vec::Vec::new())),
            bytes: 0.into(),
            unmapping: false.into(),
        }
    }

    fn parts(&self) -> std::sync::MutexGuard<'_, Parts> {
        self.parts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `[base, base + size)` to be unmapped later (or unmaps it now
    /// if the queue cannot grow). O(1) amortized; the lock is held for a
    /// push only.
    ///
    /// # Safety
    /// As for [`unmap`]: page aligned, inside a mapping from [`map`], not
    /// unmapped or queued before, and not used afterwards.
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) unsafe fn push(&self, base: *mut u8, size: usize) {
        use core::sync::atomic::Ordering::Relaxed;
        let mut q = self.parts();
        if q.0.try_reserve(1).is_ok() {
            q.0.push((base, size));
            self.bytes.fetch_add(size, Relaxed);
        } else {
            drop(q);
            // SAFETY: the caller's contract.
            unsafe { unmap(base, size) }
        }
    }

    /// Unmaps about `budget` bytes (whole pages, at least one) of the
    /// queue, if anything is queued and no other thread is unmapping (the
    /// `unmapping` flag is tried, never waited for). The queue's lock is
    /// held for the bookkeeping only, not for the system call.
    #[inline]
    pub(crate) fn unmap_some(&self, budget: usize) {
        if self.bytes.load(core::sync::atomic::Ordering::Relaxed) != 0 {
            self.unmap_queued(budget);
        }
    }

    /// `unmap_some` past its check that anything is queued.
    #[cold]
    fn unmap_queued(&self, budget: usize) {
        use core::sync::atomic::Ordering::Relaxed;
        use core::sync::atomic::Ordering::{Acquire, Release};
        if self.unmapping.swap(true, Acquire) {
            return;
        }
        let mut q = self.parts();
        if let Some(last) = q.0.last_mut() {
            let n = last.1.min(budget.max(PAGE).next_multiple_of(PAGE));
            let piece = last.0;
            last.0 = last.0.wrapping_add(n);
            last.1 -= n;
            if last.1 == 0 {
                q.0.pop();
            }
            self.bytes.fetch_sub(n, Relaxed);
            drop(q);
            // SAFETY: `[piece, piece + n)` is the page-aligned front of a
            // queued range (queued ranges and budgets are page multiples),
            // now taken off the queue, so unmapped once; its owner gave it
            // up in `push`.
            unsafe { unmap(piece, n) }
        }
        self.unmapping.store(false, Release);
    }

    /// Bytes queued and not yet unmapped.
    pub(crate) fn queued(&self) -> usize {
        self.bytes.load(core::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(feature = "sync")]
impl Drop for Unmapper {
    fn drop(&mut self) {
        let parts = self.parts.get_mut().unwrap_or_else(|e| e.into_inner());
        for (p, n) in core::mem::take(&mut parts.0) {
            // SAFETY: each queued range is unmapped once, here or by
            // `unmap_some`, which takes it off the queue first.
            unsafe { unmap(p, n) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cache;

    /// The unmapper hands a queued mapping back in budget-sized pieces of
    /// whole pages, front first, and its drop unmaps the rest.
    #[cfg(feature = "sync")]
    #[test]
    fn unmapper_hands_back_a_budget_at_a_time() {
        use super::{map, Unmapper, AVAILABLE, PAGE};
        if !AVAILABLE {
            return;
        }
        let u = Unmapper::new();
        u.unmap_some(PAGE); // nothing queued: nothing happens
        let (a, b) = (map(5 * PAGE), map(2 * PAGE));
        assert!(!a.is_null() && !b.is_null());
        // SAFETY: whole fresh mappings, queued once, not used again.
        unsafe {
            u.push(a, 5 * PAGE);
            u.push(b, 2 * PAGE);
        }
        assert_eq!(u.queued(), 7 * PAGE);
        u.unmap_some(1); // rounds up to one page
        assert_eq!(u.queued(), 6 * PAGE);
        u.unmap_some(3 * PAGE); // only `b`'s last page is left of it
        assert_eq!(u.queued(), 5 * PAGE);
        u.unmap_some(2 * PAGE);
        assert_eq!(u.queued(), 3 * PAGE);
        // While another thread unmaps (its flag set), a call does nothing:
        // two `munmap`s never run at once.
        u.unmapping.store(true, core::sync::atomic::Ordering::Relaxed);
        u.unmap_some(PAGE);
        assert_eq!(u.queued(), 3 * PAGE);
        u.unmapping.store(false, core::sync::atomic::Ordering::Relaxed);
        u.unmap_some(PAGE);
        assert_eq!(u.queued(), 2 * PAGE);
        drop(u); // unmaps `a`'s last two pages
    }

    /// The cache hands back exactly the size asked for, and never holds
    /// more than its cap.
    #[test]
    fn cache_takes_exact_sizes_within_its_cap() {
        let mut c = Cache::new(10 << 12);
        let at = |a: usize| core::ptr::null_mut::<u8>().wrapping_add(a);
        assert!(c.take(4096).is_null());
        assert!(c.keep(at(0x1000), 4 << 12));
        assert!(c.keep(at(0x9000), 4 << 12));
        assert!(!c.keep(at(0x20000), 4 << 12), "over the cap");
        assert!(c.keep(at(0x20000), 2 << 12), "exactly at the cap");
        assert!(c.take(3 << 12).is_null(), "no inexact match");
        assert_eq!(c.take(2 << 12), at(0x20000));
        let (a, b) = (c.take(4 << 12), c.take(4 << 12));
        assert!(a != b && [a, b].iter().all(|p| *p == at(0x1000) || *p == at(0x9000)));
        assert!(c.take(4 << 12).is_null());
        assert!(c.keep(at(0x1000), 10 << 12), "room again once taken");
    }
}
