//! Memory accounting through a counting global allocator: what a map
//! allocates is freed even when a panic interrupts it. (One test per file
//! here: the counter is process-wide, though it counts only the test's own
//! thread.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hash::{BuildHasher, Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicIsize, Ordering};

use tophash::HashMap;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    /// Whether this thread's allocations count: only the test's own
    /// thread's, so that an allocation another thread of the test process
    /// makes meanwhile does not look like a leak (seen once in three runs
    /// under valgrind, which schedules the threads differently).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

/// Adds `bytes` to `LIVE` if this thread's allocations count.
fn count(bytes: isize) {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        LIVE.fetch_add(bytes, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` with the caller's arguments,
// so `System`'s guarantees are ours; the counter does not touch the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize);
        // SAFETY: forwarded under the caller's contract.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize);
        // SAFETY: forwarded under the caller's contract.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        count(-(l.size() as isize));
        // SAFETY: forwarded under the caller's contract.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        count(new as isize - l.size() as isize);
        // SAFETY: forwarded under the caller's contract.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

thread_local! {
    static CLONES_LEFT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// A key whose `clone` panics once `CLONES_LEFT` runs out.
#[derive(PartialEq, Eq, Hash, Debug)]
struct Key(u32);

impl Clone for Key {
    fn clone(&self) -> Self {
        CLONES_LEFT.with(|c| {
            if c.get() == 0 {
                panic!("planned clone panic");
            }
            c.set(c.get() - 1);
        });
        Key(self.0)
    }
}

/// Every key in one bucket: long chains of stand-alone overflow buckets.
#[derive(Clone, Default)]
struct OneBucket;

impl BuildHasher for OneBucket {
    type Hasher = Top;
    fn build_hasher(&self) -> Top {
        Top(0)
    }
}

struct Top(u64);

impl Hasher for Top {
    fn write(&mut self, b: &[u8]) {
        for &x in b {
            self.0 = (self.0 ^ x as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        // Low bits 0 (one chain), top byte varies.
        self.0 & (0xff << 56)
    }
}

/// Regression: `clone` set the new table's stand-alone overflow count only
/// after copying, so a `Clone` that panicked midway left the copy's
/// overflow buckets unfreed (valgrind: "definitely lost" under
/// `RawTable::clone_with`).
#[test]
fn a_panicking_clone_frees_every_overflow_bucket_it_linked() {
    COUNTED.with(|c| c.set(true));
    let mut m: HashMap<Key, u64, OneBucket> = HashMap::with_hasher(OneBucket);
    for i in 0..200 {
        m.insert(Key(i), i as u64);
    }
    m.check_invariants().unwrap();
    assert!(m.stats().overflow_buckets > 10);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut results = Vec::new();
    for fail_at in [0, 1, 9, 50, 120, 199] {
        let before = LIVE.load(Ordering::Relaxed);
        CLONES_LEFT.with(|c| c.set(fail_at));
        let r = catch_unwind(AssertUnwindSafe(|| m.clone()));
        CLONES_LEFT.with(|c| c.set(usize::MAX));
        let panicked = r.is_err();
        drop(r); // the panic's payload
        results.push((fail_at, panicked, LIVE.load(Ordering::Relaxed) - before));
    }
    std::panic::set_hook(default_hook);
    for (fail_at, panicked, leaked) in results {
        assert!(panicked, "clone #{fail_at} should have panicked");
        assert_eq!(leaked, 0, "a clone panicking at entry {fail_at} leaked {leaked} bytes");
    }
    let c = m.clone();
    assert_eq!(c.len(), 200);
}
