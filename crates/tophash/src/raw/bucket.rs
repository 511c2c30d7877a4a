//! Bucket layout and bucket-array allocation.
//!
//! ```text
//! offset 0   tophash: [u8; 8]          one byte per slot: state or hash top byte
//! offset 8   overflow: *mut Bucket     next bucket of the chain, or null
//! offset 16  keys: [K; 8]              (MaybeUninit; live iff tophash >= 5)
//!            vals: [V; 8]
//! ```
//!
//! Go puts the overflow pointer at the *end* of the bucket; we put it right
//! after the tophash bytes so that a lookup that misses (no tophash matches,
//! chain ends) reads one 16-byte header and touches one cache line. Keys and
//! values stay in separate arrays, as in Go, so `(u64, u8)` entries cost 9
//! bytes, not a padded 16.

use core::alloc::Layout;
use core::mem::MaybeUninit;
use core::ptr::{self, NonNull};

use super::tophash::{Group, BUCKET_SLOTS, EVACUATED_EMPTY, EVACUATED_X};
use crate::TryReserveError;

#[repr(C)]
pub(crate) struct Bucket<K, V> {
    pub(crate) tophash: [u8; BUCKET_SLOTS],
    pub(crate) overflow: *mut Bucket<K, V>,
    pub(crate) keys: [MaybeUninit<K>; BUCKET_SLOTS],
    pub(crate) vals: [MaybeUninit<V>; BUCKET_SLOTS],
}

/// Raw accessors on a bucket pointer. They never create references to the
/// whole bucket, only to the one field or slot asked for, so that a `&K`
/// handed to a caller never aliases a `&mut` to its neighbours.
///
/// # Safety (for every function here)
/// `b` points to a live, initialised bucket header of a table that the caller
/// may access in the way the function's name says (read or write), and `i` is
/// below `BUCKET_SLOTS`.
pub(crate) mod at {
    use super::*;

    #[inline(always)]
    pub(crate) unsafe fn group<K, V>(b: *const Bucket<K, V>) -> Group {
        // SAFETY: per module contract `b` is a live bucket; `tophash` is
        // plain bytes.
        unsafe { Group::load(&(*b).tophash) }
    }

    #[inline(always)]
    pub(crate) unsafe fn top<K, V>(b: *const Bucket<K, V>, i: usize) -> u8 {
        // SAFETY: module contract.
        unsafe { (*b).tophash[i] }
    }

    #[inline(always)]
    pub(crate) unsafe fn set_top<K, V>(b: *mut Bucket<K, V>, i: usize, t: u8) {
        // SAFETY: module contract (write access).
        unsafe { (*b).tophash[i] = t }
    }

    #[inline(always)]
    pub(crate) unsafe fn overflow<K, V>(b: *const Bucket<K, V>) -> *mut Bucket<K, V> {
        // SAFETY: module contract.
        unsafe { (*b).overflow }
    }

    #[inline(always)]
    pub(crate) unsafe fn set_overflow<K, V>(b: *mut Bucket<K, V>, next: *mut Bucket<K, V>) {
        // SAFETY: module contract (write access).
        unsafe { (*b).overflow = next }
    }

    #[inline(always)]
    pub(crate) unsafe fn key<K, V>(b: *mut Bucket<K, V>, i: usize) -> *mut K {
        // SAFETY: module contract; `addr_of_mut!` projects without creating a
        // reference, `MaybeUninit<K>` has `K`'s layout, and `i < 8` stays in
        // the array.
        unsafe { ptr::addr_of_mut!((*b).keys).cast::<K>().add(i) }
    }

    #[inline(always)]
    pub(crate) unsafe fn val<K, V>(b: *mut Bucket<K, V>, i: usize) -> *mut V {
        // SAFETY: as for `key`.
        unsafe { ptr::addr_of_mut!((*b).vals).cast::<V>().add(i) }
    }

    /// Whether the head bucket `b` of an old-array chain has been evacuated.
    /// Evacuation of a bucket runs to completion (even when the hasher
    /// panics) and marks every slot of it, so slot 0 tells (Go's
    /// `evacuated`).
    #[inline(always)]
    pub(crate) unsafe fn is_evacuated<K, V>(b: *const Bucket<K, V>) -> bool {
        // SAFETY: module contract.
        let t = unsafe { top(b, 0) };
        (EVACUATED_X..=EVACUATED_EMPTY).contains(&t)
    }
}

/// Number of buckets, main plus preallocated overflow, that an array of
/// `2^b` main buckets holds: Go's `makeBucketArray` adds `2^(b-4)` spare
/// overflow buckets once `b >= 4`.
#[inline]
pub(crate) fn array_len(b: u8) -> Option<usize> {
    let main = 1usize.checked_shl(b as u32)?;
    if (b as u32) >= usize::BITS {
        return None;
    }
    let spare = if b >= 4 { main >> 4 } else { 0 };
    main.checked_add(spare)
}

/// One contiguous allocation of `2^b` buckets followed by the preallocated
/// overflow pool. Owned by `RawTable`; freed explicitly (never on drop) so
/// that the table decides when its memory goes.
pub(crate) struct BucketArray<K, V> {
    ptr: NonNull<Bucket<K, V>>,
    /// log2 of the number of main buckets (Go's `B`).
    pub(crate) b: u8,
    /// Main plus preallocated overflow buckets.
    pub(crate) len: usize,
}

impl<K, V> BucketArray<K, V> {
    pub(crate) fn layout(b: u8) -> Result<Layout, TryReserveError> {
        let len = array_len(b).ok_or(TryReserveError::CapacityOverflow)?;
        // `Layout::array` refuses sizes over isize::MAX.
        Layout::array::<Bucket<K, V>>(len).map_err(|_| TryReserveError::CapacityOverflow)
    }

    /// Allocates a zeroed array: every tophash is `EMPTY_REST` (0) and every
    /// overflow link null, with no initialisation pass. For large arrays the
    /// allocator hands out fresh zero pages from the OS, so this costs O(1)
    /// until the pages are touched.
    pub(crate) fn new_zeroed(b: u8) -> Result<Self, TryReserveError> {
        let layout = Self::layout(b)?;
        let len = array_len(b).ok_or(TryReserveError::CapacityOverflow)?;
        // SAFETY: a bucket is at least 16 bytes, so `layout` is non-zero-sized.
        let raw = unsafe { alloc::alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(raw.cast::<Bucket<K, V>>()).ok_or(TryReserveError::AllocError { layout })?;
        Ok(BucketArray { ptr, b, len })
    }

    /// Number of main buckets, `2^b`.
    #[inline(always)]
    pub(crate) fn buckets(&self) -> usize {
        1usize << self.b
    }

    #[inline(always)]
    pub(crate) fn mask(&self) -> usize {
        self.buckets() - 1
    }

    /// Pointer to bucket `i` (main or pool).
    ///
    /// # Safety
    /// `i < self.len`.
    #[inline(always)]
    pub(crate) unsafe fn bucket(&self, i: usize) -> *mut Bucket<K, V> {
        debug_assert!(i < self.len);
        // SAFETY: caller guarantees `i` is inside the allocation.
        unsafe { self.ptr.as_ptr().add(i) }
    }

    /// Whether `p` is one of this array's buckets (so it must not be freed on
    /// its own).
    #[inline]
    pub(crate) fn contains(&self, p: *const Bucket<K, V>) -> bool {
        let start = self.ptr.as_ptr() as usize;
        let end = start + self.len * core::mem::size_of::<Bucket<K, V>>();
        (start..end).contains(&(p as usize))
    }

    /// Frees the array itself. Entries and stand-alone overflow buckets must
    /// have been dealt with by the caller.
    ///
    /// # Safety
    /// Called once; no pointer into the array is used afterwards.
    pub(crate) unsafe fn free(self) {
        let layout = Self::layout(self.b).expect("layout was valid at allocation");
        // SAFETY: allocated in `new_zeroed` with this same layout.
        unsafe { alloc::alloc::dealloc(self.ptr.as_ptr().cast(), layout) }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.len * core::mem::size_of::<Bucket<K, V>>()
    }
}

/// Allocates one zeroed stand-alone overflow bucket.
pub(crate) fn alloc_overflow<K, V>() -> *mut Bucket<K, V> {
    let layout = Layout::new::<Bucket<K, V>>();
    // SAFETY: a bucket is at least 16 bytes.
    let p = unsafe { alloc::alloc::alloc_zeroed(layout) };
    if p.is_null() {
        alloc::alloc::handle_alloc_error(layout);
    }
    p.cast()
}

/// Frees a stand-alone overflow bucket.
///
/// # Safety
/// `p` came from `alloc_overflow`, holds no live entry that still needs
/// dropping, and is not used afterwards.
pub(crate) unsafe fn free_overflow<K, V>(p: *mut Bucket<K, V>) {
    // SAFETY: caller contract; same layout as in `alloc_overflow`.
    unsafe { alloc::alloc::dealloc(p.cast(), Layout::new::<Bucket<K, V>>()) }
}
