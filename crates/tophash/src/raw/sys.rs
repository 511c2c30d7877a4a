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
//! Elsewhere (other OSes, `no_std`) every function here declines and the
//! global allocator is used.

/// Arrays at least this large are mapped directly. Tests map from 16 KiB
/// so that page release happens in nearly every test.
pub(crate) const MAP_MIN: usize = if cfg!(test) { 16 << 10 } else { 1 << 20 };

/// Page size assumed for release granularity (the smallest Linux page).
pub(crate) const PAGE: usize = 4096;

#[cfg(all(feature = "std", target_os = "linux"))]
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

    pub(crate) const AVAILABLE: bool = true;
}

#[cfg(not(all(feature = "std", target_os = "linux")))]
mod imp {
    pub(crate) fn map(_size: usize) -> *mut u8 {
        core::ptr::null_mut()
    }

    /// # Safety
    /// Never called: `map` never succeeds here.
    pub(crate) unsafe fn unmap(_p: *mut u8, _size: usize) {}

    pub(crate) const AVAILABLE: bool = false;
}

pub(crate) use imp::{map, unmap, AVAILABLE};
