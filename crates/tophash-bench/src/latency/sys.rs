//! Counters of the running process (Linux).

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A `Name:   123 kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in
/// KiB; `None` where procfs is missing.
pub fn status_kib(field: &str) -> Option<u64> {
    let s = fs::read_to_string("/proc/self/status").ok()?;
    kib_field(&s, field)
}

/// Hands the allocator's free memory back to the OS where it can
/// (glibc's `malloc_trim(0)`; elsewhere nothing), so that a resident-set
/// reading that follows counts what is in use, not what an earlier run
/// freed and the allocator kept.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes a padding size and has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `MemAvailable` of `/proc/meminfo`, in KiB.
pub fn mem_available_kib() -> Option<u64> {
    let s = fs::read_to_string("/proc/meminfo").ok()?;
    kib_field(&s, "MemAvailable")
}

fn kib_field(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Counters of the calling thread (`getrusage(RUSAGE_THREAD)`, one system
/// call).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub minor_faults: u64,
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
}

impl Usage {
    pub fn now() -> Usage {
        let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: `ru` is a valid, writable `rusage`; the call only writes it.
        let rc = unsafe { libc::getrusage(libc::RUSAGE_THREAD, ru.as_mut_ptr()) };
        if rc != 0 {
            return Usage::default();
        }
        // SAFETY: zero-initialised plain integers, filled in by the kernel.
        let ru = unsafe { ru.assume_init() };
        Usage {
            minor_faults: ru.ru_minflt as u64,
            voluntary_switches: ru.ru_nvcsw as u64,
            involuntary_switches: ru.ru_nivcsw as u64,
        }
    }

    /// The counts accumulated since `earlier`.
    pub fn since(&self, earlier: &Usage) -> Usage {
        Usage {
            minor_faults: self.minor_faults.saturating_sub(earlier.minor_faults),
            voluntary_switches: self.voluntary_switches.saturating_sub(earlier.voluntary_switches),
            involuntary_switches: self.involuntary_switches.saturating_sub(earlier.involuntary_switches),
        }
    }
}

/// Blocks at least this big are "large" (a bucket array or a table, not an
/// overflow bucket or a key).
pub const LARGE: usize = 1 << 20;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static LARGE_ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);
static LARGE_FREE_BYTES: AtomicU64 = AtomicU64::new(0);

/// The system allocator (glibc malloc, so `alloc_zeroed` is still
/// `calloc`), counting allocations and the bytes of large blocks allocated
/// and freed, so that a slow insert can be matched with "freed the old
/// 153 MiB array". One relaxed atomic add per call (two for large blocks).
#[derive(Debug)]
pub struct CountingAlloc;

#[inline(always)]
fn on_alloc(size: usize) {
    ALLOCS.fetch_add(1, Relaxed);
    if size >= LARGE {
        LARGE_ALLOC_BYTES.fetch_add(size as u64, Relaxed);
    }
}

#[inline(always)]
fn on_free(size: usize) {
    if size >= LARGE {
        LARGE_FREE_BYTES.fetch_add(size as u64, Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments, so
// `System`'s guarantees carry over; the counters have no effect on memory.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_free(layout.size());
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        on_free(layout.size());
        on_alloc(new_size);
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// A snapshot of [`CountingAlloc`]'s counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocCount {
    pub allocs: u64,
    pub large_alloc_bytes: u64,
    pub large_free_bytes: u64,
}

impl AllocCount {
    #[inline(always)]
    pub fn now() -> AllocCount {
        AllocCount {
            allocs: ALLOCS.load(Relaxed),
            large_alloc_bytes: LARGE_ALLOC_BYTES.load(Relaxed),
            large_free_bytes: LARGE_FREE_BYTES.load(Relaxed),
        }
    }

    pub fn since(&self, earlier: &AllocCount) -> AllocCount {
        AllocCount {
            allocs: self.allocs - earlier.allocs,
            large_alloc_bytes: self.large_alloc_bytes - earlier.large_alloc_bytes,
            large_free_bytes: self.large_free_bytes - earlier.large_free_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields() {
        let s = "Name:\tx\nVmHWM:\t  1234 kB\nVmRSS:\t  99 kB\n";
        assert_eq!(kib_field(s, "VmHWM"), Some(1234));
        assert_eq!(kib_field(s, "VmRSS"), Some(99));
        assert_eq!(kib_field(s, "VmSwap"), None);
    }
}
