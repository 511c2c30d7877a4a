//! The concurrent bucket: a writer lock, the `evacuated` flag, eight
//! atomic tophash bytes, an atomic overflow link and eight inline,
//! write-once slots; the entry; the bucket array.
//!
//! All-zero bytes are a valid empty bucket (unlocked, not evacuated, eight
//! `EMPTY_REST` bytes, a null link, slots not yet written), so an array is fresh zero pages: an
//! OS mapping from `raw/sys.rs` for a large array (O(1) in its size, and
//! handed back piecemeal when freed), `alloc_zeroed` for a small one. Under loom atomics are not plain
//! integers, so arrays are built bucket by bucket there.

use alloc::boxed::Box;
use core::ptr::NonNull;

use super::atomic::{backoff, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use super::prefetch;
use super::BUCKET_SLOTS;
use super::{sys, Unmapper};

/// A key and its value, stored inline in a bucket slot. A slot is written
/// once in its array's life and never again (the chain's next unwritten
/// slot takes the next insert; a removed slot stays dead), so a reader that
/// saw the slot's tophash byte live reads bytes no writer changes. An
/// overwrite, `update` or `compute` writes a new slot and kills the old
/// one. Evacuation copies the bytes into the new array and hands ownership
/// over with them: the old slot keeps its copy for readers mid-scan and is
/// never dropped.
pub(crate) struct Entry<K, V> {
    key: K,
    value: V,
}

impl<K, V> Entry<K, V> {
    /// A new, unpublished entry.
    pub(crate) fn new(key: K, value: V) -> Self {
        Entry { key, value }
    }

    pub(crate) fn key(&self) -> &K {
        &self.key
    }

    pub(crate) fn value(&self) -> &V {
        &self.value
    }
}

/// A slot's storage: uninitialised until its tophash byte is first set.
type Slot<K, V> = core::cell::UnsafeCell<core::mem::MaybeUninit<Entry<K, V>>>;

/// One bucket of eight slots (Go's `bmap`), with what a concurrent writer
/// needs besides: a lock bit and the `evacuated` flag, kept in the low bits
/// of the overflow link (a bucket is 8-aligned), so the header is two words
/// and a bucket of `u64` pairs is 144 bytes.
pub(super) struct Bucket<K, V> {
    /// Go's `tophash`, slot `i` in bits `8i..8i + 8`: `EMPTY_REST` for a
    /// slot never written, `EMPTY_ONE` for a dead one (removed, replaced,
    /// or abandoned by an undone evacuation), else the live entry's byte.
    /// One word, so a reader tests all eight slots with one load and one
    /// SIMD compare and sees the eight bytes as of one moment. Written only
    /// by the holder of the chain's lock (or by the creator of a bucket not
    /// yet published), so a write is a plain load, byte replace and store
    /// that loses no other update.
    tophash: AtomicU64,
    /// The next bucket of the chain (Go's `overflow`), or null, with two
    /// flags in its low bits, used on a chain's head only:
    /// * [`LOCKED`]: the writer lock. Writers hold it for one bounded
    ///   bucket operation; readers never take it.
    /// * [`EVACUATED`]: set once, under the lock, when the bucket stops
    ///   owning its entries: it was evacuated into a newer array, or
    ///   drained after a `clear`. A writer that locks a bucket re-checks it
    ///   and retries from the table state if it is set.
    ///
    /// Only the holder of the chain's lock changes the links of its chain,
    /// so it writes the word with a plain store that keeps the flags.
    link: AtomicPtr<Bucket<K, V>>,
    /// The entries, inline; slot `i` is initialised once its byte has left
    /// `EMPTY_REST` (invariant 2).
    slots: [Slot<K, V>; BUCKET_SLOTS],
}

/// The lock bit of a chain head's link.
const LOCKED: usize = 1;
/// The `evacuated` bit of a chain head's link.
const EVACUATED: usize = 2;
const FLAGS: usize = LOCKED | EVACUATED;

impl<K, V> Bucket<K, V> {
    pub(super) fn new() -> Self {
        Bucket {
            tophash: AtomicU64::new(0),
            link: AtomicPtr::new(core::ptr::null_mut()),
            slots: [const { core::cell::UnsafeCell::new(core::mem::MaybeUninit::uninit()) }; BUCKET_SLOTS],
        }
    }

    /// Takes the bucket's writer lock: spins briefly, then yields.
    pub(super) fn lock(&self) -> BucketLock<'_, K, V> {
        let mut attempt = 0;
        loop {
            let p = self.link.load(Ordering::Relaxed);
            if p.addr() & LOCKED == 0
                && self
                    .link
                    .compare_exchange_weak(p, p.map_addr(|a| a | LOCKED), Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return BucketLock(self);
            }
            backoff(attempt);
            attempt = attempt.saturating_add(1);
        }
    }

    /// Whether the bucket's `evacuated` flag is set.
    #[inline]
    pub(super) fn is_evacuated(&self, order: Ordering) -> bool {
        self.link.load(order).addr() & EVACUATED != 0
    }

    /// Sets the `evacuated` flag (Release): a thread that sees it set sees
    /// everything this one did before. The caller holds the lock.
    pub(super) fn set_evacuated(&self) {
        let p = self.link.load(Ordering::Relaxed);
        self.link.store(p.map_addr(|a| a | EVACUATED), Ordering::Release);
    }

    /// The next bucket's pointer (flags stripped).
    #[inline]
    pub(super) fn next_ptr(&self, order: Ordering) -> *mut Bucket<K, V> {
        self.link.load(order).map_addr(|a| a & !FLAGS)
    }

    /// Links `next` after this bucket (Release: publishes its contents),
    /// keeping this bucket's flags. The caller holds the chain's lock.
    pub(super) fn set_next(&self, next: *mut Bucket<K, V>) {
        let flags = self.link.load(Ordering::Relaxed).addr() & FLAGS;
        self.link.store(next.map_addr(|a| a | flags), Ordering::Release);
    }

    /// The eight tophash bytes, slot `i` at index `i`, as of one load.
    #[inline]
    pub(super) fn tops(&self, order: Ordering) -> [u8; BUCKET_SLOTS] {
        self.tophash.load(order).to_le_bytes()
    }

    /// Slot `i`'s tophash byte.
    #[inline]
    pub(super) fn top(&self, i: usize, order: Ordering) -> u8 {
        self.tops(order)[i]
    }

    /// Sets slot `i`'s tophash byte, publishing with `order`. Only the
    /// holder of the chain's lock, or the creator of an unpublished bucket,
    /// calls this (see the field): no other write can come between the
    /// load and the store.
    #[inline]
    pub(super) fn set_top(&self, i: usize, t: u8, order: Ordering) {
        let mut b = self.tophash.load(Ordering::Relaxed).to_le_bytes();
        b[i] = t;
        self.tophash.store(u64::from_le_bytes(b), order);
    }

    /// Sets two slots' bytes in one store (an overwrite within one bucket:
    /// a reader sees either the old entry live or the new one, never both
    /// or neither). Same rule as `set_top`.
    #[inline]
    pub(super) fn set_tops(&self, (i, ti): (usize, u8), (j, tj): (usize, u8), order: Ordering) {
        let mut b = self.tophash.load(Ordering::Relaxed).to_le_bytes();
        b[i] = ti;
        b[j] = tj;
        self.tophash.store(u64::from_le_bytes(b), order);
    }

    /// Resets every byte to `EMPTY_REST` (an undone evacuation's
    /// destination, which no other thread has read).
    pub(super) fn reset_tops(&self) {
        self.tophash.store(0, Ordering::Release);
    }

    /// Whether the lock is held (for the quiescent checker).
    pub(super) fn is_locked(&self) -> bool {
        self.link.load(Ordering::Relaxed).addr() & LOCKED != 0
    }

    /// The next bucket of the chain.
    pub(super) fn next(&self) -> Option<&Bucket<K, V>> {
        let p = self.next_ptr(Ordering::SeqCst);
        // SAFETY: an overflow link is null or points at a bucket that lives
        // at least as long as the guard under which its chain was reached:
        // overflow buckets are retired only through the collector, after the
        // `evacuated` gate of their chain's head is set (invariant 8).
        unsafe { p.as_ref() }
    }

    /// Starts loading the bucket's cache lines past the one holding its
    /// header, so that the miss on the slot a lookup then reads overlaps
    /// the header's instead of following it (which slot is known only once
    /// the header is in; where the slots are, from the address alone).
    #[inline(always)]
    pub(super) fn prefetch_slots(&self) {
        let p = core::ptr::from_ref(self).cast::<u8>();
        let size = core::mem::size_of::<Self>();
        let mut off = 64;
        while off < size && off < 256 {
            prefetch(p.wrapping_add(off));
            off += 64;
        }
        prefetch(p.wrapping_add(size - 1));
    }

    /// The entry in slot `i`.
    ///
    /// # Safety
    ///
    /// The caller saw slot `i`'s byte leave `EMPTY_REST` with an Acquire
    /// load (or holds the chain's lock and so wrote it, or is alone in the
    /// table): the slot was initialised before that byte was published,
    /// and a slot is never written again while its array lives.
    #[inline]
    pub(super) unsafe fn entry(&self, i: usize) -> &Entry<K, V> {
        // SAFETY: the caller's contract: initialised, and never written
        // again while `self` lives (write-once slots, invariant 2).
        unsafe { (*self.slots[i].get()).assume_init_ref() }
    }

    /// A raw pointer to slot `i`'s entry (initialised or not).
    #[inline]
    pub(super) fn slot_ptr(&self, i: usize) -> NonNull<Entry<K, V>> {
        // SAFETY: a pointer into `self`, which is a reference: not null.
        unsafe { NonNull::new_unchecked(self.slots[i].get().cast()) }
    }

    /// Copies the entry at `src` into slot `i`, which must be unwritten,
    /// as untyped bytes: the copy and the original share every pointer
    /// inside the entry (a `Box` in a key or value is not re-asserted as
    /// unique by the move), so readers may go on reading the original
    /// while the copy becomes the owner. The caller publishes the slot by
    /// setting its byte afterwards.
    ///
    /// # Safety
    ///
    /// As [`write_slot`](Self::write_slot), and `src` is an initialised
    /// entry that is not dropped again through its old place.
    #[inline]
    pub(super) unsafe fn copy_slot(&self, i: usize, src: *const Entry<K, V>) {
        // SAFETY: the caller's contract; `MaybeUninit` has the entry's
        // layout, and the slots do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(src.cast::<core::mem::MaybeUninit<Entry<K, V>>>(), self.slots[i].get(), 1)
        }
    }

    /// Writes slot `i`, which must be unwritten (`EMPTY_REST`), with `e`;
    /// the caller publishes it by setting the byte afterwards.
    ///
    /// # Safety
    ///
    /// The caller holds the chain's lock (or created the bucket and has not
    /// published it) and slot `i`'s byte is `EMPTY_REST`: no reader reads
    /// the slot before its byte is set.
    #[inline]
    pub(super) unsafe fn write_slot(&self, i: usize, e: Entry<K, V>) {
        // SAFETY: the caller's contract; the slot is uninitialised storage
        // of the right type and alignment.
        unsafe { self.slot_ptr(i).as_ptr().write(e) }
    }
}

/// A held bucket lock; released on drop, also when a user `Eq` panics
/// while the lock is held.
pub(super) struct BucketLock<'a, K, V>(&'a Bucket<K, V>);

impl<K, V> Drop for BucketLock<'_, K, V> {
    fn drop(&mut self) {
        // Only the holder writes the word while the bit is set.
        let p = self.0.link.load(Ordering::Relaxed);
        self.0.link.store(p.map_addr(|a| a & !LOCKED), Ordering::Release);
    }
}

/// Array size from which lookups prefetch slot lines. A random hit in
/// 786K u64 entries (37.7 MB of buckets), one thread: 86.8 -> 81.9 ns
/// (medians of 9); in 12K (590 KB) it cost 13.4 -> 14.3 ns, where the
/// lines are cached anyway (`docs/log.md`, session 9).
const PREFETCH_MIN: usize = 4 << 20;

/// The overflow pool of an array of `n` buckets (`BucketArray::pool`).
fn pool_for(n: usize) -> usize {
    n / 4
}

/// An array of `2^b` buckets (Go's `buckets`/`oldbuckets`).
pub(super) struct BucketArray<K, V> {
    b: u8,
    buckets: core::ptr::NonNull<Bucket<K, V>>,
    /// The table's unmapper, if the array is an OS mapping (`raw/sys.rs`):
    /// dropping the array queues its pages there, and later writes unmap
    /// them a budget at a time. The unmapper is boxed by the table and
    /// outlives every array (it is the table's last field to drop).
    unmapper: *const Unmapper,
    /// Overflow buckets linked into chains of this array (exact; Go's
    /// `noverflow`). Written by writers only.
    pub(super) noverflow: AtomicUsize,
    /// Of those, the ones linked because slots are written once: the chain
    /// had a dead slot, or the write replaced a live one. An eighth of the
    /// bucket count starts a same-size resize (`maybe_grow`).
    pub(super) dead_overflow: AtomicUsize,
    /// The most entries the array holds before a doubling starts (Go's
    /// `overLoadFactor`, worked out once instead of on every insert).
    pub(super) grow_at: usize,
    /// `dead_overflow` at which a same-size resize starts.
    pub(super) dead_at: usize,
    /// Whether lookups prefetch a bucket's slot lines with its header
    /// (`Bucket::prefetch_slots`): only when the array outgrows the caches
    /// that would otherwise hold them.
    pub(super) prefetch: bool,
    /// Overflow buckets carved from the array's own storage, after its
    /// `2^b` buckets: `2^b / 4` of them (a fill at load 6.5 needs about a
    /// fifth, Poisson). They are freed with the array, so a chain's
    /// overflow buckets need no retiring of their own, and a write that
    /// links one calls no allocator; zero pages until used. Past the pool,
    /// overflow buckets are boxed.
    pool: usize,
    /// The next pool bucket to hand out (may run past `pool`).
    pool_next: AtomicUsize,
}

impl<K, V> BucketArray<K, V> {
    /// A zeroed array of `2^b` buckets, boxed: O(1) for large arrays (fresh
    /// zero pages), O(buckets) under loom. Arrays of `sys::MAP_MIN` bytes or
    /// more are mapped from the OS, so that `unmapper` can take their pages
    /// back piecemeal when the array is dropped; smaller ones (and all of
    /// them where mapping is unavailable) come from `alloc_zeroed`.
    pub(super) fn new(b: u8, unmapper: &Unmapper) -> Box<Self> {
        let n = 1usize.checked_shl(u32::from(b)).expect("bucket count overflows usize");
        let pool = pool_for(n);
        #[cfg(not(loom))]
        let (buckets, unmapper) = {
            let layout = Self::layout(n + pool).expect("bucket array too large");
            let mapped = if sys::AVAILABLE && layout.size() >= sys::MAP_MIN && layout.align() <= sys::PAGE {
                sys::map(layout.size()).cast::<Bucket<K, V>>()
            } else {
                core::ptr::null_mut()
            };
            match core::ptr::NonNull::new(mapped) {
                Some(p) => (p, unmapper as *const Unmapper),
                None => {
                    // SAFETY: the layout has a non-zero size (a bucket is at
                    // least 16 bytes and n >= 1), and all-zero bytes are a
                    // valid `Bucket` (atomics of zero, a null pointer, slots
                    // that are `MaybeUninit`), so the
                    // memory is initialised. (So are a fresh mapping's.)
                    let p = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<Bucket<K, V>>();
                    let p = core::ptr::NonNull::new(p).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
                    (p, core::ptr::null())
                }
            }
        };
        #[cfg(loom)]
        let (buckets, unmapper) = {
            let _ = unmapper;
            let v: Box<[Bucket<K, V>]> = (0..n + pool).map(|_| Bucket::new()).collect();
            (
                core::ptr::NonNull::new(Box::into_raw(v).cast::<Bucket<K, V>>()).expect("Box is non-null"),
                core::ptr::null(),
            )
        };
        Box::new(BucketArray {
            b,
            buckets,
            unmapper,
            noverflow: AtomicUsize::new(0),
            dead_overflow: AtomicUsize::new(0),
            grow_at: super::load_limit(b).max(BUCKET_SLOTS),
            dead_at: (n / 8).max(1),
            prefetch: n.saturating_mul(core::mem::size_of::<Bucket<K, V>>()) >= PREFETCH_MIN,
            pool,
            pool_next: AtomicUsize::new(0),
        })
    }

    fn layout(buckets: usize) -> Option<core::alloc::Layout> {
        core::alloc::Layout::array::<Bucket<K, V>>(buckets).ok()
    }

    /// A fresh, empty, unpublished overflow bucket for a chain of this
    /// array: the pool's next one, or a boxed one once the pool is used up.
    pub(super) fn alloc_overflow(&self) -> *mut Bucket<K, V> {
        let i = self.pool_next.fetch_add(1, Ordering::Relaxed);
        if i < self.pool {
            // SAFETY: pool bucket `i` is in bounds (the storage holds
            // `len + pool` buckets), all zero (never handed out before:
            // `pool_next` only grows), and lives as long as the array.
            unsafe { self.buckets.as_ptr().add(self.len() + i) }
        } else {
            Box::into_raw(Box::new(Bucket::new()))
        }
    }

    /// Whether overflow bucket `p` of this array's chains is boxed (freed on
    /// its own) rather than from the pool (freed with the array).
    pub(super) fn is_boxed(&self, p: *const Bucket<K, V>) -> bool {
        let start = self.buckets.as_ptr().wrapping_add(self.len()).cast_const();
        !(start..start.wrapping_add(self.pool)).contains(&p)
    }

    /// Whether an array of `2^b` buckets can be allocated at all (its size
    /// fits `isize`); checked before anything is claimed, so `reserve(huge)`
    /// panics with nothing changed.
    pub(super) fn fits(b: u8) -> bool {
        1usize.checked_shl(u32::from(b)).is_some_and(|n| Self::layout(n + pool_for(n)).is_some())
    }

    pub(super) fn b(&self) -> u8 {
        self.b
    }

    pub(super) fn len(&self) -> usize {
        1 << self.b
    }

    pub(super) fn mask(&self) -> usize {
        self.len() - 1
    }

    /// Bucket `i`.
    pub(super) fn bucket(&self, i: usize) -> &Bucket<K, V> {
        assert!(i < self.len(), "bucket index out of range");
        // SAFETY: `i` is in bounds and the array's buckets are initialised
        // and live as long as the array.
        unsafe { &*self.buckets.as_ptr().add(i) }
    }

    /// The bucket the hash selects.
    #[inline]
    pub(super) fn bucket_for(&self, hash: u64) -> &Bucket<K, V> {
        // SAFETY: masked, the index is below `2^b`, so in bounds; the
        // array's buckets are initialised and live as long as it does.
        unsafe { &*self.buckets.as_ptr().add(hash as usize & self.mask()) }
    }
}

impl<K, V> Drop for BucketArray<K, V> {
    /// Frees the array's own storage only (its buckets and its pool of
    /// overflow buckets): not its boxed overflow buckets and not its
    /// entries, which are owned as invariant 8 says and freed by whoever
    /// owns them. O(1): one deallocation, or for a mapped array one push on
    /// the unmapper's queue.
    fn drop(&mut self) {
        let n = self.len() + self.pool;
        #[cfg(not(loom))]
        {
            let layout = Self::layout(n).expect("allocated with this layout");
            if self.unmapper.is_null() {
                // SAFETY: allocated in `new` with this layout by
                // `alloc_zeroed`; buckets have no drop glue (atomics, a raw
                // pointer and `MaybeUninit` slots; the entries' owners drop
                // them, invariant 8).
                unsafe { std::alloc::dealloc(self.buckets.as_ptr().cast(), layout) }
            } else {
                // SAFETY: the array is one whole mapping from `sys::map` of
                // this size (the kernel maps whole pages), queued once, here,
                // and not used again; the unmapper outlives every array of
                // its table (field comment).
                unsafe {
                    (*self.unmapper).push(self.buckets.as_ptr().cast(), layout.size().next_multiple_of(sys::PAGE))
                }
            }
        }
        #[cfg(loom)]
        {
            let slice = core::ptr::slice_from_raw_parts_mut(self.buckets.as_ptr(), n);
            // SAFETY: built in `new` from a boxed slice of exactly n buckets.
            drop(unsafe { Box::from_raw(slice) });
        }
    }
}
