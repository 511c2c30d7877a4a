//! Bucket layout and bucket-array allocation.
//!
//! A bucket is Go's `bmap` split in two parts that live apart:
//!
//! ```text
//! Header (8 bytes)     Link (8 bytes)      Slots (8 keys and 8 values)
//!   tophash: [u8; 8]     *mut Header         paired:  [(K, V); 8]    if (K, V) has no padding
//!                                            split:   [K; 8], [V; 8] otherwise (Go's layout)
//! ```
//!
//! An array of `2^B` main buckets (plus Go's preallocated overflow pool) is
//! one allocation of three regions: all headers, densely packed, then all
//! overflow links, then all slots. A lookup that misses reads one 8-byte
//! header from a region one byte per slot wide (as dense as hashbrown's
//! control bytes), which stays in cache far longer than 144-byte Go buckets
//! do; a hit then reads one slot. The link, Go's `overflow` field, is read
//! only when a chain goes on past a bucket, so it lives apart and does not
//! take room in the cache lines every lookup reads. A main bucket's link
//! also carries, in its top 16 bits, a filter of the hashes in the chain's
//! overflow buckets ([`filter_bit`]), so that most misses past a full main
//! bucket stop at the link. A stand-alone overflow
//! bucket (allocated when the pool is used up) is one small allocation
//! holding its header, its link and its slots.
//!
//! Keys and values are stored as `(K, V)` pairs when that costs no padding,
//! so a hit touches one slot cache line instead of two; when pairing would
//! pad (say `(u64, u8)`), keys and values go in separate arrays as in Go.

use core::alloc::Layout;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr::{self, NonNull};

use super::sys;
use super::tophash::{run_full, Group, BUCKET_SLOTS, EMPTY_ONE, EMPTY_REST, EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y};
use crate::types::TryReserveError;

/// A bucket's control part: Go's `tophash` array. Its overflow link (the
/// next bucket of the chain, its header, or null) is kept apart: see
/// [`ArrayView::link`]. Aligned to 8 so that headers and links share
/// alignment and a header address has room for a slot index.
#[repr(C, align(8))]
pub(crate) struct Header {
    pub(crate) tophash: [u8; BUCKET_SLOTS],
}

pub(crate) const HEADER: usize = size_of::<Header>();
/// Bytes of one overflow link.
pub(crate) const LINK: usize = size_of::<*mut Header>();

/// Whether a main bucket's link carries its chain's filter (see
/// [`filter_bit`]): on x86_64, whose user-space addresses fit in 47 bits
/// (Linux hands out higher ones only to a caller that asks with an address
/// hint; nothing here does, and `set_link` checks it in debug builds).
/// Elsewhere every chain may hold every key, as before the filter.
pub(crate) const FILTERED: bool = cfg!(target_arch = "x86_64");

/// The link bits above the pointer that hold a chain's filter.
pub(crate) const FILTER_MASK: usize = if FILTERED { 0xffff << 48 } else { 0 };

/// The link bits below the pointer (a header is 8-byte aligned) that hold
/// a main bucket's append position in its first overflow bucket (see
/// [`ArrayView::append_spot`]); 0 when not known.
pub(crate) const FILL_MASK: usize = if FILTERED { BUCKET_SLOTS - 1 } else { 0 };

/// A main bucket's link holds, above its 48 pointer bits, one bit per
/// value of the top four hash bits of the entries written to its chain's
/// overflow buckets (bits may stay set after their entries go: a stale bit
/// costs a walk, never a wrong answer; invariant 16). A miss in a full
/// main bucket tests it and stops, where it read the overflow bucket's
/// header, a second dependent miss, before. Past `k` overflow entries with
/// independent hashes, a miss still walks with odds `1 - (15/16)^k`: 6%
/// for one entry, 12% for two.
#[inline(always)]
pub(crate) fn filter_bit(hash: u64) -> usize {
    if FILTERED {
        1 << (48 + (hash >> 60) as usize)
    } else {
        0
    }
}

/// The pointer part of a link word.
#[inline(always)]
fn link_ptr(w: *mut Header) -> *mut Header {
    w.map_addr(|a| a & !(FILTER_MASK | FILL_MASK))
}

/// Stores link `next` with filter bits `bits` at `p`.
///
/// # Safety
/// `p` is a link, writable.
#[inline(always)]
unsafe fn set_link(p: *mut *mut Header, next: *mut Header, bits: usize) {
    debug_assert!(next.addr() & FILTER_MASK == 0, "a bucket address above 48 bits");
    debug_assert!(next.addr() & FILL_MASK == 0, "a header not 8-byte aligned");
    // SAFETY: caller contract.
    unsafe { *p = next.map_addr(|a| a | bits) }
}

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

const fn round_up(n: usize, align: usize) -> usize {
    (n + align - 1) & !(align - 1)
}

/// Main buckets that iteration scans as one run: their slots'
/// live bits fill one `u64` (see [`ArrayView::run_live`]), so the loop over
/// a run's entries ends, and its exit mispredicts, about once per fifty
/// entries at full load instead of once per bucket, and the overflow links
/// are tested once per run. Cachegrind's branch model, a fold over 100K u64
/// entries: 0.24 mispredicts per entry bucket by bucket, 0.07 by runs
/// (hashbrown, over its 16-slot groups: 0.09).
pub(crate) const RUN_BUCKETS: usize = 8;

/// Arrays of at least this many main buckets have walks over their runs
/// load the next run's overflow buckets ahead (`prefetch_next_run_chains`).
/// Below it they mostly hit the caches, and reading the next run's links
/// a run early cost 1.35 instructions an entry (callgrind, iterating 1K
/// u64 entries; about 10%). From 2^15 down to 2^14: a fold over 100K u64
/// entries (2^14 buckets, 2.4 MB, past the second-level cache) 1.00-1.02
/// -> 0.96 ns an entry, a `for` loop 1.16-1.18 -> 1.11; a trial at 2^12
/// made 30K (2^13 buckets) slower. Tests use 64, so that their walks take
/// the path.
const PREFETCH_CHAINS_FROM: usize = if cfg!(test) { 64 } else { 1 << 14 };

/// The slot layout for `K` and `V`, computed at compile time.
pub(crate) struct SlotLayout<K, V>(PhantomData<(K, V)>);

impl<K, V> SlotLayout<K, V> {
    /// Offset of `V` in a `#[repr(C)] (K, V)` pair.
    const PAIR_VAL: usize = round_up(size_of::<K>(), align_of::<V>());
    const ALIGN: usize = max(align_of::<K>(), align_of::<V>());
    const PAIR: usize = round_up(Self::PAIR_VAL + size_of::<V>(), Self::ALIGN);
    /// Whether keys and values are interleaved (no padding lost).
    pub(crate) const PAIRED: bool = Self::PAIR == size_of::<K>() + size_of::<V>();
    pub(crate) const KEY_STRIDE: usize = if Self::PAIRED { Self::PAIR } else { size_of::<K>() };
    pub(crate) const VAL_STRIDE: usize = if Self::PAIRED { Self::PAIR } else { size_of::<V>() };
    pub(crate) const VAL_OFF: usize =
        if Self::PAIRED { Self::PAIR_VAL } else { round_up(BUCKET_SLOTS * size_of::<K>(), align_of::<V>()) };
    /// Bytes of one bucket's slots.
    pub(crate) const SLOTS: usize = round_up(
        if Self::PAIRED { BUCKET_SLOTS * Self::PAIR } else { Self::VAL_OFF + BUCKET_SLOTS * size_of::<V>() },
        Self::ALIGN,
    );
    /// Alignment of an array or stand-alone bucket allocation.
    pub(crate) const ALLOC_ALIGN: usize = max(align_of::<Header>(), Self::ALIGN);
    /// Offset of the slots in a stand-alone overflow bucket (after its
    /// header and link).
    pub(crate) const STANDALONE_SLOTS_OFFSET: usize = round_up(HEADER + LINK, Self::ALIGN);
}

/// A bucket: its header and its slots. Copyable position, owns nothing.
pub(crate) struct BucketRef<K, V> {
    pub(crate) hdr: *mut Header,
    pub(crate) slots: *mut u8,
    marker: PhantomData<(K, V)>,
}

impl<K, V> Clone for BucketRef<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for BucketRef<K, V> {}

impl<K, V> BucketRef<K, V> {
    /// The bucket with header `hdr` and slots at `slots`.
    #[inline(always)]
    pub(crate) fn new(hdr: *mut Header, slots: *mut u8) -> Self {
        BucketRef { hdr, slots, marker: PhantomData }
    }

    /// The stand-alone overflow bucket whose header is at `hdr`.
    #[inline(always)]
    pub(crate) fn standalone(hdr: *mut Header) -> Self {
        BucketRef {
            hdr,
            slots: hdr.cast::<u8>().wrapping_add(SlotLayout::<K, V>::STANDALONE_SLOTS_OFFSET),
            marker: PhantomData,
        }
    }

    /// Starts loading the bucket's slots (up to four cache lines) so that
    /// their misses overlap the header's instead of following it: which
    /// slot to read is known only once the header is in, but where the
    /// slots are is known from the index alone.
    #[inline(always)]
    pub(crate) fn prefetch_slots(self) {
        for line in 0..SlotLayout::<K, V>::SLOTS.div_ceil(64).min(4) {
            prefetch(self.slots.wrapping_add(line * 64));
        }
    }

    /// Slot `s` counted from this bucket's first slot across the buckets
    /// that follow it in its array (as [`of_slot`](Self::of_slot)): its
    /// tophash byte, key and value, each one offset from this bucket's
    /// base. With keys and values interleaved, slot `s`'s pair is at `s`
    /// pairs from the first: written so, the compiler shares one multiply
    /// between a source and a destination array (`clone`: 22 instructions
    /// per entry through `of_slot` and `key(s % 8)`, 15 so).
    ///
    /// # Safety
    /// As for [`of_slot`](Self::of_slot).
    #[inline(always)]
    pub(crate) unsafe fn slot_ptrs(self, s: usize) -> (*mut u8, *mut K, *mut V) {
        const { assert!(HEADER == BUCKET_SLOTS) };
        type L<K, V> = SlotLayout<K, V>;
        let (i, j) = (s / BUCKET_SLOTS, s % BUCKET_SLOTS);
        let (key, val) = if L::<K, V>::PAIRED && L::<K, V>::SLOTS == BUCKET_SLOTS * L::<K, V>::PAIR {
            (s * L::<K, V>::PAIR, s * L::<K, V>::PAIR + L::<K, V>::PAIR_VAL)
        } else {
            let base = i * L::<K, V>::SLOTS;
            (base + j * L::<K, V>::KEY_STRIDE, base + L::<K, V>::VAL_OFF + j * L::<K, V>::VAL_STRIDE)
        };
        // SAFETY: caller contract: bucket `i` after this one is in bounds of
        // both regions; headers are `repr(C)` and open with the tophash
        // bytes, so slot `j`'s byte of header `i` is `8 i + j` bytes on.
        unsafe { (self.hdr.cast::<u8>().add(i * HEADER + j), self.slots.add(key).cast(), self.slots.add(val).cast()) }
    }

    /// The bucket holding slot `s` counted from this bucket's first slot
    /// across the buckets that follow it in its array (bucket `s / 8` after
    /// this one). Where `SLOTS / 8` is exact, its slots pointer is written
    /// as `s * (SLOTS / 8)` bytes on, then back by `(s % 8) * (SLOTS / 8)`,
    /// in two wrapping steps: the compiler merges them with `key(s % 8)`'s
    /// offset into one multiply-add, where `(s & !7) * (SLOTS / 8)` left
    /// two masks and an add per entry (callgrind, five folds over 100K u64
    /// entries: 15.9 -> 12.1 instructions per entry; hashbrown 12.8).
    ///
    /// # Safety
    /// For `s >= 8`, this is a main bucket of an array with at least
    /// `s / 8` more buckets after it.
    #[inline(always)]
    pub(crate) unsafe fn of_slot(self, s: usize) -> BucketRef<K, V> {
        let (on, back) = Self::slot_steps(s);
        // SAFETY: caller contract: bucket `s / 8` after this one is in
        // bounds of both regions; `slots` is `s / 8 * SLOTS` bytes on.
        unsafe {
            BucketRef {
                hdr: self.hdr.add(s / BUCKET_SLOTS),
                slots: self.slots.wrapping_add(on).wrapping_sub(back),
                marker: PhantomData,
            }
        }
    }

    /// The two steps from this bucket's slots to those of the bucket holding
    /// slot `s`: `on` bytes forward, then `back` bytes back (see `of_slot`).
    #[inline(always)]
    fn slot_steps(s: usize) -> (usize, usize) {
        let per_slot = SlotLayout::<K, V>::SLOTS / BUCKET_SLOTS;
        if per_slot * BUCKET_SLOTS == SlotLayout::<K, V>::SLOTS {
            (s * per_slot, s % BUCKET_SLOTS * per_slot)
        } else {
            (s / BUCKET_SLOTS * SlotLayout::<K, V>::SLOTS, 0)
        }
    }

    /// [`of_slot`](Self::of_slot) in two in-bounds steps (`add`, `sub`),
    /// for `next`: with the bucket known not null, the compiler then knows
    /// the pointer is not, and a `for` loop's `Option` of references into
    /// the slots needs no test of its own (a loop of eight instructions an
    /// entry; over 1K u64 entries 0.98-1.00 -> 0.92 ns, 100K 1.06 -> 0.97).
    /// In `fold` the same steps were not merged and cost 0.83 -> 0.90.
    ///
    /// # Safety
    /// As for `of_slot`.
    #[inline(always)]
    pub(crate) unsafe fn of_slot_in_bounds(self, s: usize) -> BucketRef<K, V> {
        let (on, back) = Self::slot_steps(s);
        // SAFETY: caller contract: both steps stay inside the slots of bucket
        // `s / 8` after this one (`on` is that bucket's start plus less than
        // one bucket's slots), and so does the header.
        unsafe {
            BucketRef { hdr: self.hdr.add(s / BUCKET_SLOTS), slots: self.slots.add(on).sub(back), marker: PhantomData }
        }
    }

    /// # Safety
    /// The bucket is live and `i < 8`.
    #[inline(always)]
    pub(crate) unsafe fn key(self, i: usize) -> *mut K {
        // SAFETY: caller contract; `i * KEY_STRIDE` stays inside the slots.
        unsafe { self.slots.add(i * SlotLayout::<K, V>::KEY_STRIDE).cast::<K>() }
    }

    /// # Safety
    /// The bucket is live and `i < 8`.
    #[inline(always)]
    pub(crate) unsafe fn val(self, i: usize) -> *mut V {
        // SAFETY: caller contract; the offset stays inside the slots.
        unsafe { self.slots.add(SlotLayout::<K, V>::VAL_OFF + i * SlotLayout::<K, V>::VAL_STRIDE).cast::<V>() }
    }
}

/// Raw accessors on a header pointer.
///
/// # Safety (for every function here)
/// `h` points to a live header of a table that the caller may access in the
/// way the function's name says (read or write), and `i < BUCKET_SLOTS`.
pub(crate) mod header {
    use super::*;

    #[inline(always)]
    pub(crate) unsafe fn group(h: *const Header) -> Group {
        // SAFETY: per module contract `h` is a live header.
        unsafe { Group::load(&(*h).tophash) }
    }

    #[inline(always)]
    pub(crate) unsafe fn top(h: *const Header, i: usize) -> u8 {
        debug_assert!(i < BUCKET_SLOTS);
        // SAFETY: module contract: `h` is live and `i < 8`, so the byte is
        // inside its tophash array. Unchecked: the hot paths' indices come
        // from bit masks of 8 bits, which the compiler cannot see.
        unsafe { *(*h).tophash.as_ptr().add(i) }
    }

    #[inline(always)]
    pub(crate) unsafe fn set_top(h: *mut Header, i: usize, t: u8) {
        debug_assert!(i < BUCKET_SLOTS);
        // SAFETY: module contract (write access, `i < 8`).
        unsafe { *(*h).tophash.as_mut_ptr().add(i) = t }
    }

    /// The link of stand-alone overflow bucket `h`: right after its
    /// header. (An array bucket's link is elsewhere: [`ArrayView::link`].)
    #[inline(always)]
    pub(crate) fn standalone_link(h: *mut Header) -> *mut *mut Header {
        h.cast::<u8>().wrapping_add(HEADER).cast()
    }

    /// Marks every slot of old-array bucket `h` that is not `EVACUATED_X`
    /// or `EVACUATED_Y` as `EVACUATED_EMPTY`, all eight at once.
    ///
    /// # Safety
    /// Module contract (write access), and every slot of `h` holds one of
    /// `EMPTY_REST`, `EMPTY_ONE`, `EVACUATED_X`, `EVACUATED_Y` (an old
    /// bucket whose live entries were all moved and marked).
    #[inline(always)]
    pub(crate) unsafe fn mark_rest_evacuated_empty(h: *mut Header) {
        const LOW: u64 = u64::from_ne_bytes([1; BUCKET_SLOTS]);
        const EMPTY: u64 = u64::from_ne_bytes([EVACUATED_EMPTY; BUCKET_SLOTS]);
        const _: () = assert!(EMPTY_REST < 2 && EMPTY_ONE < 2 && EVACUATED_X & 2 == 2 && EVACUATED_Y & 2 == 2);
        // SAFETY: module contract.
        unsafe {
            let w = u64::from_ne_bytes((*h).tophash);
            debug_assert!((*h).tophash.iter().all(|&t| t <= EVACUATED_Y));
            // Bytes 2 and 3 (X, Y) have bit 1 set, bytes 0 and 1 do not:
            // keep the former, replace the latter.
            let keep = ((w >> 1) & LOW) * 0xff;
            (*h).tophash = ((w & keep) | (EMPTY & !keep)).to_ne_bytes();
        }
    }

    /// Whether old-array head `h` has been evacuated. Evacuation of a bucket
    /// runs to completion (even when the hasher panics) and marks every slot
    /// of it, so slot 0 tells (Go's `evacuated`).
    #[inline(always)]
    pub(crate) unsafe fn is_evacuated(h: *const Header) -> bool {
        // SAFETY: module contract.
        let t = unsafe { top(h, 0) };
        (EVACUATED_X..=EVACUATED_EMPTY).contains(&t)
    }
}

/// Number of buckets, main plus preallocated overflow, that an array of
/// `2^b` main buckets holds: Go's `makeBucketArray` adds `2^(b-4)` spare
/// overflow buckets once `b >= 4`.
#[inline]
pub(crate) fn array_len(b: u8) -> Option<usize> {
    if (b as u32) >= usize::BITS - 1 {
        return None;
    }
    let main = 1usize << b;
    let spare = if b >= 4 { main >> 4 } else { 0 };
    main.checked_add(spare)
}

/// Expected overflow buckets per main bucket, in 65536ths, at load `e / 8`
/// (`e` = 0..=52): with `X` a bucket's entries, Poisson with mean `e / 8`
/// for a hash that spreads keys evenly, a bucket needs one overflow bucket
/// for each `k >= 1` with `X > 8k`, so the fraction is the sum of
/// `P(X > 8k)` (rounded up). At load 6.1 it predicts 0.166 per main
/// bucket; 100K keys in 2^14 buckets used 2,695 (0.164).
const OVERFLOW_PER_MAIN: [u16; 53] = [
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 6, 10, 16, 25, 37, 53, 75, 104, 142, 190, 250, 323, 413, 520, 648, 797,
    971, 1172, 1401, 1660, 1952, 2278, 2639, 3037, 3474, 3949, 4464, 5020, 5615, 6252, 6928, 7644, 8399, 9193, 10023,
    10890, 11790, 12724, 13688,
];

/// Number of buckets of a heap array of `2^b` main buckets made to hold
/// `n` entries (`with_capacity`, `reserve` on an empty table): a pool large
/// enough for the overflow buckets that `n` well-spread keys are expected
/// to need, plus three standard deviations, where Go's `2^(b-4)` left most
/// of them to the global allocator one by one (a presized fill of 100K
/// keys: 1,671 of 2,695 overflow buckets, about 190 instructions each).
/// Go's pool when that is larger, and for `b < 4`.
pub(crate) fn presized_len(b: u8, n: usize) -> Option<usize> {
    let go = array_len(b)?;
    if b < 4 {
        return Some(go);
    }
    let main = 1usize << b;
    let eighths = n.saturating_mul(8).div_ceil(main).min(OVERFLOW_PER_MAIN.len() - 1);
    let mean = ((main as u128 * u128::from(OVERFLOW_PER_MAIN[eighths])) >> 16) as usize;
    let pool = mean + 3 * mean.isqrt();
    Some(go.max(main.checked_add(pool)?))
}

/// Number of buckets of a *mapped* array of `2^b` main buckets: the pool is
/// `2^(b-1)` buckets instead of Go's `2^(b-4)`. Pool buckets are handed out
/// in order and a mapping is populated only where it is touched, so the
/// larger pool costs address space, not memory, until it is used; it spares
/// the global allocator the stand-alone overflow buckets that Go's small
/// pool leaves to it (about a fifth of all buckets just before a doubling,
/// at load 6.5). Freeing those in the middle of a growth made glibc trim its
/// heap in one call: `brk` calls of 0.16-1.3 ms at the end of a 10M-key
/// doubling (`strace -k` on the latency harness's key sequence).
#[inline]
pub(crate) fn mapped_len(b: u8) -> Option<usize> {
    let go = array_len(b)?;
    if b == 0 {
        return Some(go);
    }
    (1usize << b).checked_add(1usize << (b - 1)).map(|n| n.max(go))
}

/// Where an array's parts are; copyable, owns nothing.
pub(crate) struct ArrayView<K, V> {
    pub(crate) hdrs: *mut Header,
    pub(crate) slots: *mut u8,
    /// Main buckets, `2^b`.
    pub(crate) main: usize,
    /// `main - 1`, kept for the lookup path.
    pub(crate) mask: usize,
    /// Main plus pool buckets.
    pub(crate) len: usize,
    marker: PhantomData<(K, V)>,
}

impl<K, V> Clone for ArrayView<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for ArrayView<K, V> {}

impl<K, V> ArrayView<K, V> {
    /// A view of nothing (for iterators over an unallocated table, and
    /// `RawTable::steady_view` during a resize).
    pub(crate) const fn empty() -> Self {
        ArrayView { hdrs: ptr::null_mut(), slots: ptr::null_mut(), main: 0, mask: 0, len: 0, marker: PhantomData }
    }

    #[inline(always)]
    pub(crate) fn mask(self) -> usize {
        self.mask
    }

    /// Bucket `i`, main (`i < main`) or pool (`i < len`).
    ///
    /// # Safety
    /// `i < len` of a live array.
    #[inline(always)]
    pub(crate) unsafe fn bucket(self, i: usize) -> BucketRef<K, V> {
        debug_assert!(i < self.len);
        // SAFETY: caller contract: `i` indexes both regions in bounds.
        unsafe {
            BucketRef {
                hdr: self.hdrs.add(i),
                slots: self.slots.add(i * SlotLayout::<K, V>::SLOTS),
                marker: PhantomData,
            }
        }
    }

    /// The live slots of main buckets `i..i + RUN_BUCKETS` as one mask
    /// (bit `8k + j` for slot `j` of bucket `i + k`), without their links.
    ///
    /// # Safety
    /// As for [`run_live`](Self::run_live).
    #[inline(always)]
    pub(crate) unsafe fn run_mask(self, i: usize) -> u64 {
        // SAFETY: as in `run_live`.
        run_full(unsafe { &*self.hdr(i).cast::<[u8; 8 * BUCKET_SLOTS]>() })
    }

    /// The live slots of main buckets `i..i + RUN_BUCKETS` as one mask
    /// (bit `8k + j` for slot `j` of bucket `i + k`), and whether any of
    /// them links to an overflow bucket. See [`RUN_BUCKETS`].
    ///
    /// # Safety
    /// `i + RUN_BUCKETS <= main` of a live array, none of them released.
    #[inline(always)]
    pub(crate) unsafe fn run_live(self, i: usize) -> (u64, bool) {
        const _: () = assert!(RUN_BUCKETS * HEADER == 8 * BUCKET_SLOTS);
        // SAFETY: headers `i..i + RUN_BUCKETS` are main headers, not
        // released (caller), and adjacent: 64 bytes of tophash states.
        let live = unsafe { self.run_mask(i) };
        let mut links = 0usize;
        for k in 0..RUN_BUCKETS {
            // SAFETY: `i + k` is a main bucket, not released (caller).
            links |= unsafe { *self.link_at(i + k) } as usize;
        }
        (live, links != 0)
    }

    /// Bit `k` set when main bucket `i + k` links to an overflow bucket,
    /// computed without a branch per bucket (for runs that `run_live`
    /// found links in).
    ///
    /// # Safety
    /// As for [`run_live`](Self::run_live).
    #[inline(always)]
    pub(crate) unsafe fn run_links(self, i: usize) -> u8 {
        let mut linked = 0u8;
        for k in 0..RUN_BUCKETS {
            // SAFETY: as in `run_live`.
            linked |= u8::from(unsafe { !(*self.link_at(i + k)).is_null() }) << k;
        }
        linked
    }

    /// Starts loading the first overflow bucket (header and slots) of each
    /// chain of the run of main buckets from `i`, for a walk that reaches
    /// them a run later: overflow buckets lie in the pool or the heap, out
    /// of the address order the hardware prefetcher follows, so otherwise
    /// each costs a miss of its own after the run's main slots. Iterating
    /// 10M random u64 entries (`fold`, median of 11 passes, three
    /// alternations): 5.3-6.7 ns an entry without, 3.5-3.8 with (hashbrown
    /// 2.9-3.3); 1M: 3.2-4.0 and 2.6-3.3 (hashbrown 3.0-3.4). Loading two
    /// or four runs ahead was no better than one.
    ///
    /// # Safety
    /// `i + RUN_BUCKETS <= main`, of a live array whose buckets from `i` are
    /// not released.
    #[inline(always)]
    unsafe fn prefetch_run_chains(self, i: usize) {
        // SAFETY: caller contract.
        let mut chained = unsafe { self.run_links(i) };
        while chained != 0 {
            let k = chained.trailing_zeros() as usize;
            chained &= chained - 1;
            // SAFETY: `i + k` is a main bucket (caller); its link is a live
            // bucket of its chain; only addresses are formed.
            unsafe {
                let o = self.first_overflow(i + k);
                prefetch(o.cast());
                self.resolve(o).prefetch_slots();
            }
        }
    }

    /// `prefetch_run_chains` of the run after the one at `i`, if it is a
    /// whole run of main buckets and the array is large enough for its
    /// overflow buckets to miss the caches.
    ///
    /// # Safety
    /// As for `prefetch_run_chains`, for the buckets from `i`.
    #[inline(always)]
    pub(crate) unsafe fn prefetch_next_run_chains(self, i: usize) {
        if self.main >= PREFETCH_CHAINS_FROM && i + 2 * RUN_BUCKETS <= self.main {
            // SAFETY: caller contract; the run lies below `main`.
            unsafe { self.prefetch_run_chains(i + RUN_BUCKETS) }
        }
    }

    /// Header of bucket `i`.
    ///
    /// # Safety
    /// `i < len` of a live array.
    #[inline(always)]
    pub(crate) unsafe fn hdr(self, i: usize) -> *mut Header {
        // SAFETY: caller contract.
        unsafe { self.hdrs.add(i) }
    }

    /// The overflow link of bucket `i`: the links region follows the
    /// headers, a link per bucket in the same order.
    ///
    /// # Safety
    /// `i < len` of a live array.
    #[inline(always)]
    pub(crate) unsafe fn link_at(self, i: usize) -> *mut *mut Header {
        // SAFETY: caller contract: the links region holds `len` links.
        unsafe { self.hdrs.cast::<u8>().add(self.len * HEADER).cast::<*mut Header>().add(i) }
    }

    /// The overflow link of the bucket whose header is `h`, in this array
    /// (the same offset from every header: the header region's size) or a
    /// stand-alone overflow bucket of one of its chains (right after its
    /// header).
    ///
    /// # Safety
    /// As for [`resolve`](Self::resolve).
    #[inline(always)]
    pub(crate) unsafe fn link(self, h: *mut Header) -> *mut *mut Header {
        if self.contains(h) {
            self.array_link(h)
        } else {
            header::standalone_link(h)
        }
    }

    /// The overflow link of header `h` of this array: the header region's
    /// size past it.
    #[inline(always)]
    fn array_link(self, h: *mut Header) -> *mut *mut Header {
        h.cast::<u8>().wrapping_add(self.len * HEADER).cast()
    }

    /// The bucket after header `h` in its chain (its header), or null.
    ///
    /// # Safety
    /// As for [`resolve`](Self::resolve).
    #[inline(always)]
    pub(crate) unsafe fn overflow(self, h: *mut Header) -> *mut Header {
        // SAFETY: caller contract.
        link_ptr(unsafe { *self.link(h) })
    }

    /// The first overflow bucket of main bucket `i`'s chain, or null.
    ///
    /// # Safety
    /// `i < len` of a live array.
    #[inline(always)]
    pub(crate) unsafe fn first_overflow(self, i: usize) -> *mut Header {
        // SAFETY: caller contract.
        link_ptr(unsafe { *self.link_at(i) })
    }

    /// Links header `next` (or null) after header `h`, keeping a main
    /// bucket's filter while its chain goes on (invariant 16).
    ///
    /// # Safety
    /// As for [`resolve`](Self::resolve), with write access.
    #[inline(always)]
    pub(crate) unsafe fn set_overflow(self, h: *mut Header, next: *mut Header) {
        // SAFETY: caller contract.
        unsafe {
            let p = self.link(h);
            let keep = if next.is_null() { 0 } else { (*p).addr() & FILTER_MASK };
            set_link(p, next, keep);
        }
    }

    /// Whether main bucket `i`'s chain may hold, past the main bucket, an
    /// entry whose hash is `hash`: its filter has the hash's bit (with no
    /// filter, whether the chain goes on).
    ///
    /// # Safety
    /// `i < len` of a live array.
    #[inline(always)]
    pub(crate) unsafe fn chain_may_hold(self, i: usize, hash: u64) -> bool {
        // SAFETY: caller contract.
        let w = unsafe { *self.link_at(i) }.addr();
        if FILTERED {
            w & filter_bit(hash) != 0
        } else {
            w != 0
        }
    }

    /// The filter bits of header `h`'s link (none for an overflow bucket).
    ///
    /// # Safety
    /// As for [`resolve`](Self::resolve).
    #[inline(always)]
    pub(crate) unsafe fn filter_of(self, h: *mut Header) -> usize {
        // SAFETY: caller contract.
        unsafe { *self.link(h) }.addr() & FILTER_MASK
    }

    /// Adds `bits` (from [`filter_bit`] or [`filter_of`](Self::filter_of))
    /// to the filter of main bucket `head`, whose chain goes on past it,
    /// for an entry just written past it: forgets the append position
    /// (invariant 17), which that write may have taken.
    ///
    /// # Safety
    /// `head` is a main bucket of this live array with a non-null link,
    /// with write access.
    #[inline(always)]
    pub(crate) unsafe fn add_filter(self, head: *mut Header, bits: usize) {
        // SAFETY: caller contract.
        debug_assert!(self.contains(head) && unsafe { !self.overflow(head).is_null() });
        // SAFETY: caller contract: `head` is a header of this array.
        unsafe {
            let p = self.array_link(head);
            *p = (*p).map_addr(|a| (a & !FILL_MASK) | bits);
        }
    }

    /// Where an entry absent from main bucket `i`'s overflow buckets goes
    /// when the main bucket is full: the first overflow bucket's header and
    /// its first empty slot, read from the link alone (invariant 17), with
    /// no overflow header read; `None` if the position is not known or the
    /// filter says `hash`'s key may be past the main bucket.
    ///
    /// # Safety
    /// `i < len` of a live array.
    #[inline(always)]
    pub(crate) unsafe fn append_spot(self, i: usize, hash: u64) -> Option<(*mut Header, usize)> {
        // SAFETY: caller contract.
        let w = unsafe { *self.link_at(i) };
        let fill = w.addr() & FILL_MASK;
        if !FILTERED || fill == 0 || w.addr() & filter_bit(hash) != 0 {
            return None;
        }
        Some((link_ptr(w), fill))
    }

    /// Sets main bucket `head`'s append position to `fill` (0: unknown),
    /// also adding `bits` to its filter.
    ///
    /// # Safety
    /// As for [`add_filter`](Self::add_filter); `fill` is 0, or slots
    /// `0..fill` of the first overflow bucket are live and the rest
    /// `EMPTY_REST` (invariant 17).
    #[inline(always)]
    pub(crate) unsafe fn set_fill(self, head: *mut Header, fill: usize, bits: usize) {
        debug_assert!(fill <= FILL_MASK);
        // SAFETY: caller contract: `head` is a header of this array.
        unsafe {
            let p = self.array_link(head);
            *p = (*p).map_addr(|a| (a & !FILL_MASK) | fill | bits);
        }
    }

    /// Main bucket `head`'s append position (0: unknown).
    ///
    /// # Safety
    /// `head` is a main bucket of this live array.
    #[inline(always)]
    pub(crate) unsafe fn fill_of(self, head: *mut Header) -> usize {
        // SAFETY: caller contract.
        unsafe { *self.array_link(head) }.addr() & FILL_MASK
    }

    /// Address of the links region (it follows the headers).
    #[inline(always)]
    pub(crate) fn links_start(self) -> usize {
        self.hdrs as usize + self.len * HEADER
    }

    /// Whether header `h` belongs to this array (main or pool).
    #[inline(always)]
    pub(crate) fn contains(self, h: *const Header) -> bool {
        (h as usize).wrapping_sub(self.hdrs as usize) < self.len * HEADER
    }

    /// The bucket whose header is `h`, which is in this array or a
    /// stand-alone overflow bucket of one of its chains.
    ///
    /// # Safety
    /// As stated; the array is live.
    #[inline(always)]
    pub(crate) unsafe fn resolve(self, h: *mut Header) -> BucketRef<K, V> {
        if self.contains(h) {
            let i = (h as usize - self.hdrs as usize) / HEADER;
            // SAFETY: `i < len` by `contains`.
            unsafe { self.bucket(i) }
        } else {
            BucketRef::standalone(h)
        }
    }

    /// The bucket after `b` in its chain, if any.
    ///
    /// # Safety
    /// `b` is a live bucket of one of this array's chains.
    #[inline(always)]
    pub(crate) unsafe fn next(self, b: BucketRef<K, V>) -> Option<BucketRef<K, V>> {
        // SAFETY: caller contract; links are null or headers of this array's
        // chains.
        unsafe {
            let h = self.overflow(b.hdr);
            if h.is_null() {
                None
            } else {
                Some(self.resolve(h))
            }
        }
    }
}

/// Asks the CPU to start loading the cache line holding `p`. A hint: it
/// never faults, so `p` may point anywhere.
#[inline(always)]
pub(crate) fn prefetch(p: *const u8) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    // SAFETY: `prefetcht0` has no architectural effect and does not fault,
    // whatever the address.
    unsafe {
        core::arch::x86_64::_mm_prefetch(p.cast::<i8>(), core::arch::x86_64::_MM_HINT_T0)
    };
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = p;
}

/// One allocation: `len` headers, then `len` buckets' slots. Owned by
/// `RawTable`; freed explicitly, never on drop. Large arrays are mapped from
/// the OS (see [`sys`]) and can hand pages back before they are freed.
pub(crate) struct BucketArray<K, V> {
    base: NonNull<u8>,
    /// log2 of the number of main buckets (Go's `B`).
    pub(crate) b: u8,
    pub(crate) view: ArrayView<K, V>,
    /// Whether `base` is an OS mapping (else the global allocator's).
    mapped: bool,
    /// For a mapped array: how far its header and slot regions have been
    /// unmapped already (buckets below that are dead).
    released: Released,
    /// Buckets (main, then pool) handed out, recorded when the array stops
    /// being the current one (the table tracks the current one's in
    /// `next_pool`); memory accounting counts these.
    pub(crate) used: usize,
    /// A mapped array small enough for the reuse cache (`reusable`): it
    /// releases no pages early, so that it is whole when freed.
    cacheable: bool,
    /// Pages of the pool's slot region, from its first whole page, that
    /// `populate_pool` faulted in (memory accounting counts them).
    pub(crate) pool_populated: u32,
}

/// Bytes of slot pages one `populate_ahead` call faults in, and how far
/// past the slots of the bucket at the mark it keeps them faulted in.
const POPULATE_CHUNK: usize = if cfg!(test) { 4 << 10 } else { 64 << 10 };
pub(crate) const POPULATE_AHEAD: usize = if cfg!(test) { 8 << 10 } else { 256 << 10 };
/// Bytes of pool slot pages one `populate_pool` call faults in (four
/// pages: a call is part of one insert).
const POOL_CHUNK: usize = if cfg!(test) { 4 << 10 } else { 16 << 10 };

/// Mapped arrays of at most this many buckets (main and pool) and bytes are
/// kept whole when freed, for the next array of the same size (`sys`'s
/// reuse cache). Reusing one zeroes its headers, at most 512 KiB here; a
/// fresh mapping costs a page fault per 4 KiB touched instead (about 1.2 us
/// each on this project's VM). Tests use 512 buckets and 128 KiB, so that
/// both kinds of array occur in them.
const REUSE_MAX_BUCKETS: usize = if cfg!(test) { 512 } else { 32 << 10 };
const REUSE_MAX_BYTES: usize = if cfg!(test) { 128 << 10 } else { 16 << 20 };

/// Whether a mapped array of `len` buckets in `size` bytes is kept whole
/// for reuse when freed.
fn reusable(len: usize, size: usize) -> bool {
    len <= REUSE_MAX_BUCKETS && size <= REUSE_MAX_BYTES
}

/// Where an array's parts go in its allocation.
pub(crate) struct ArrayLayout {
    pub(crate) layout: Layout,
    pub(crate) slots_off: usize,
    /// Buckets, main plus pool.
    pub(crate) len: usize,
}

impl<K, V> BucketArray<K, V> {
    /// Layout of the whole array and the offset of its slots region.
    pub(crate) fn layout(b: u8) -> Result<ArrayLayout, TryReserveError> {
        Self::layout_len(array_len(b).ok_or(TryReserveError::CapacityOverflow)?)
    }

    /// Layout of an array of `len` buckets (main and pool): `len` headers,
    /// `len` links, then `len` buckets' slots.
    pub(crate) fn layout_len(len: usize) -> Result<ArrayLayout, TryReserveError> {
        let hdr_bytes = len.checked_mul(HEADER + LINK).ok_or(TryReserveError::CapacityOverflow)?;
        let slots_off = hdr_bytes
            .checked_next_multiple_of(SlotLayout::<K, V>::ALLOC_ALIGN)
            .ok_or(TryReserveError::CapacityOverflow)?;
        let size = len
            .checked_mul(SlotLayout::<K, V>::SLOTS)
            .and_then(|s| s.checked_add(slots_off))
            .ok_or(TryReserveError::CapacityOverflow)?;
        let layout = Layout::from_size_align(size, SlotLayout::<K, V>::ALLOC_ALIGN)
            .map_err(|_| TryReserveError::CapacityOverflow)?;
        Ok(ArrayLayout { layout, slots_off, len })
    }

    /// Allocates an empty array: every tophash is `EMPTY_REST` (0) and every
    /// overflow link null, with no initialisation pass over the slots. A
    /// large array is a fresh mapping of zero pages, O(1) until the pages
    /// are touched, or a cached mapping of the same size that a freed array
    /// left (see `reusable`): its headers are zeroed (at most 512 KiB) and
    /// its pages are warm.
    pub(crate) fn new_zeroed(b: u8) -> Result<Self, TryReserveError> {
        Self::alloc(b, true, 0)
    }

    /// As [`new_zeroed`](Self::new_zeroed), but always from the global
    /// allocator, for callers that are O(capacity) anyway (`with_capacity`,
    /// `clone`): warm heap memory has no page faults to take, and this VM
    /// charged about 2.5 us per fault on a fresh mapping (a 100K-entry clone
    /// took 612 faults, 1.8 ms, where hashbrown's took none).
    pub(crate) fn new_zeroed_heap(b: u8) -> Result<Self, TryReserveError> {
        Self::alloc(b, false, 0)
    }

    /// As [`new_zeroed_heap`](Self::new_zeroed_heap), with the pool that `n`
    /// entries are expected to need (see [`presized_len`]).
    pub(crate) fn new_zeroed_heap_for(b: u8, n: usize) -> Result<Self, TryReserveError> {
        Self::alloc(b, false, presized_len(b, n).ok_or(TryReserveError::CapacityOverflow)?)
    }

    /// As [`new_zeroed_heap`](Self::new_zeroed_heap), with at least
    /// `min_len` buckets (a clone needs every pool bucket its source used).
    pub(crate) fn new_zeroed_heap_len(b: u8, min_len: usize) -> Result<Self, TryReserveError> {
        Self::alloc(b, false, min_len)
    }

    /// As [`new_zeroed_heap_len`](Self::new_zeroed_heap_len), but the main
    /// buckets' headers are left *uninitialised* (only the pool's are
    /// zeroed), for a clone that writes every one of them anyway: the
    /// zeroing pass was a tenth of a 100K-entry clone's instructions
    /// (callgrind). Their links are left unset too.
    ///
    /// # Safety
    /// Before anything reads a main bucket's header or link (dropping the
    /// array included), the caller writes it.
    pub(crate) unsafe fn new_heap_main_unset(b: u8, min_len: usize) -> Result<Self, TryReserveError> {
        Self::alloc_zeroing(b, false, min_len, 1usize << b)
    }

    fn alloc(b: u8, may_map: bool, min_len: usize) -> Result<Self, TryReserveError> {
        Self::alloc_zeroing(b, may_map, min_len, 0)
    }

    /// Allocates the array; a heap block gets its headers from `zero_from`
    /// on zeroed.
    fn alloc_zeroing(b: u8, may_map: bool, min_len: usize, zero_from: usize) -> Result<Self, TryReserveError> {
        let go = Self::layout(b)?;
        let mapped = may_map && sys::AVAILABLE && go.layout.size() >= sys::MAP_MIN && go.layout.align() <= sys::PAGE;
        let len = if mapped { mapped_len(b).ok_or(TryReserveError::CapacityOverflow)? } else { go.len.max(min_len) };
        let ArrayLayout { layout, slots_off, len } = Self::layout_len(len)?;
        let cacheable = mapped && reusable(len, layout.size());
        let raw = if mapped {
            let reused = if cacheable { sys::take_cached(layout.size()) } else { ptr::null_mut() };
            if reused.is_null() {
                sys::map(layout.size())
            } else {
                // SAFETY: a cached mapping of this array's size, so of this
                // layout.
                unsafe { Self::zero_used(reused, len, 0) };
                reused
            }
        } else {
            // SAFETY: there is at least one header, so the size is not 0.
            let p = unsafe { alloc::alloc::alloc(layout) };
            if !p.is_null() {
                // SAFETY: just allocated with this layout; `zero_from` is at
                // most `main <= len`.
                unsafe { Self::zero_used(p, len, zero_from) };
            }
            p
        };
        let base = NonNull::new(raw).ok_or(TryReserveError::AllocError { layout })?;
        let view = ArrayView {
            hdrs: raw.cast::<Header>(),
            // SAFETY: `slots_off <= size`.
            slots: unsafe { raw.add(slots_off) },
            main: 1usize << b,
            mask: (1usize << b) - 1,
            len,
            marker: PhantomData,
        };
        let released = Released {
            hdrs: (view.hdrs as usize).next_multiple_of(sys::PAGE),
            links: view.links_start().next_multiple_of(sys::PAGE),
            slots: (view.slots as usize).next_multiple_of(sys::PAGE),
            // Only mapped arrays that are not kept for reuse release pages.
            at: if mapped && !cacheable { 0 } else { usize::MAX },
            recycle: Recycle::NONE,
        };
        Ok(BucketArray { base, b, view, mapped, released, used: 1usize << b, cacheable, pool_populated: 0 })
    }

    /// Whether an array of `2^b` buckets would be a fresh mapping too large
    /// for the reuse cache: the arrays a table maps ahead of the doubling
    /// that needs them (`RawTable::prepare_next`).
    pub(crate) fn prepared_ahead(b: u8) -> bool {
        let Ok(go) = Self::layout(b) else { return false };
        let Some(len) = mapped_len(b) else { return false };
        let Ok(l) = Self::layout_len(len) else { return false };
        sys::AVAILABLE
            && go.layout.size() >= sys::MAP_MIN
            && go.layout.align() <= sys::PAGE
            && !reusable(l.len, l.layout.size())
    }

    /// Faults in the pages that hold the headers and slots of main buckets
    /// `from..to` (first touches of a fresh mapping), by writing a zero
    /// byte into each. Only for an array no entry was ever written to: its
    /// headers are zero, and its slots hold nothing (a slot is read only
    /// once its tophash says it is live). Not the links: a doubling writes
    /// a link only when it chains an overflow bucket, and faulting their
    /// pages in here too cost the insert that maps the array ahead about
    /// 15 us more (latency harness, 10M u64 keys: reproducible max 73.5 and
    /// 82.4 us against 60.5 without).
    pub(crate) fn prefault_buckets(&self, from: usize, to: usize) {
        let to = to.min(self.view.main);
        if from >= to {
            return;
        }
        let slot = SlotLayout::<K, V>::SLOTS;
        // SAFETY: `from < to <= main <= len`: both ranges lie in the header
        // and slot regions; zero is what the headers hold already, and
        // slot bytes of a never-used array are not read.
        unsafe {
            touch_pages(self.view.hdrs.cast::<u8>().add(from * HEADER), (to - from) * HEADER);
            touch_pages(self.view.slots.add(from * slot), (to - from) * slot);
        }
    }

    /// Zeroes what a block of memory used before needs zeroed to be an empty
    /// array: the headers (`EMPTY_REST`) and links (null) of buckets
    /// `from..len`. A slot
    /// is read only once its tophash says it is live, so the slots keep
    /// whatever they held: zeroing them too cost 15% of all instructions of
    /// a presized 100K-key insert run (callgrind).
    ///
    /// # Safety
    /// `p` is a block laid out by `layout_len(len)`: `len` headers and `len`
    /// links start it; `from <= len`.
    unsafe fn zero_used(p: *mut u8, len: usize, from: usize) {
        // SAFETY: per the contract, both ranges lie in the block.
        unsafe {
            ptr::write_bytes(p.cast::<Header>().add(from), 0, len - from);
            ptr::write_bytes(p.add(len * HEADER).cast::<*mut Header>().add(from), 0, len - from);
        }
    }

    #[inline(always)]
    pub(crate) fn buckets(&self) -> usize {
        self.view.main
    }

    #[inline(always)]
    pub(crate) fn mask(&self) -> usize {
        self.view.mask
    }

    /// For the current array of a doubling from `n` main buckets whose
    /// mark is at `mark`: faults in the next chunk of the lower half's slot
    /// pages (new buckets `0..n`, which evacuation writes front to back and
    /// which, unlike the upper half, receive no recycled pages) once the
    /// mark is within `POPULATE_AHEAD` bytes of it, in one system call;
    /// whether it made one. `populated` counts the pages done (from the
    /// region's first whole page; `u32::MAX` once the kernel refused). Only
    /// whole pages of the lower half: the page it shares with the upper
    /// half may receive a recycled page.
    ///
    /// A first touch of a fresh page faults, about 1.5-2.8 us each on this
    /// project's VM; `MADV_POPULATE_WRITE` over 64 KiB took 1.24-1.27 us a
    /// page (C probe over 1 GiB), and evacuation's writes then find the
    /// pages there.
    pub(crate) fn populate_ahead(&self, n: usize, mark: usize, populated: &mut u32) -> bool {
        if !self.mapped || self.cacheable || self.view.main != 2 * n || *populated == u32::MAX {
            return false;
        }
        let s = self.view.slots as usize;
        let slots = SlotLayout::<K, V>::SLOTS;
        let start = self.populated_to(*populated);
        let end = (s + n * slots) & !(sys::PAGE - 1);
        let want = (s + mark * slots + POPULATE_AHEAD).min(end);
        if start + POPULATE_CHUNK > want {
            return false;
        }
        // SAFETY: `[start, start + POPULATE_CHUNK)` is page aligned and lies
        // in this array's slot region below `end` (`want <= end`), which is
        // mapped for as long as the array is current and never handed back
        // or replaced (recycled pages go to the upper half, from `end` on).
        if unsafe { sys::populate(self.base.as_ptr().with_addr(start), POPULATE_CHUNK) } {
            *populated += (POPULATE_CHUNK / sys::PAGE) as u32;
        } else {
            // Refused (an older kernel): first touches fault as before.
            *populated = u32::MAX;
        }
        true
    }

    /// Pool bucket `p` (`>= main`) of the current array was just handed
    /// out, by a write that makes no other memory system call. Pool
    /// buckets go out in address order; when `p` is the first one whose
    /// slots start in a `POOL_CHUNK`-aligned chunk, the next chunk of the
    /// pool's slot pages is faulted in, in one system call, so that the
    /// pool buckets after `p` find their pages there (`pool_populated_to`).
    /// For a fresh mapping only: a reused one (`cacheable`) was touched
    /// before.
    ///
    /// Outside resizes, the faults of a fill are these pages, one a pool
    /// bucket's first touch of a page (10M u64 keys: 17,516 faults with
    /// 509,252 pool buckets linked; `docs/log.md`, session 22). The chunk
    /// is 16 KiB: with 64 KiB, such inserts became the slowest reproducible
    /// ones of a 10M fill (57.5 us against 40-45 us for a doubling's).
    pub(crate) fn populate_pool(&mut self, p: usize) {
        if !self.mapped || self.cacheable {
            return;
        }
        let slots = SlotLayout::<K, V>::SLOTS;
        let at = self.view.slots as usize + p * slots;
        let chunk = at / POOL_CHUNK;
        if p > self.view.main && (at - slots) / POOL_CHUNK == chunk {
            return;
        }
        let start = (chunk + 1) * POOL_CHUNK;
        let end = self.slots_end_page();
        if start >= end {
            return;
        }
        let len = POOL_CHUNK.min(end - start);
        // SAFETY: `[start, start + len)` is page aligned (chunks are page
        // multiples, `end` is aligned down) and lies in this array's pool
        // slot region past bucket `p`; the caller's array is current, so
        // none of its pages has been handed back.
        if unsafe { sys::populate(self.base.as_ptr().with_addr(start), len) } {
            self.pool_populated = ((start + len - self.pool_first_page()) / sys::PAGE) as u32;
        }
    }

    /// The first whole page of the pool's slot region.
    fn pool_first_page(&self) -> usize {
        (self.view.slots as usize + self.view.main * SlotLayout::<K, V>::SLOTS).next_multiple_of(sys::PAGE)
    }

    /// The end of the last whole page of the slot region.
    fn slots_end_page(&self) -> usize {
        (self.view.slots as usize + self.view.len * SlotLayout::<K, V>::SLOTS) & !(sys::PAGE - 1)
    }

    /// The end of the pool's slot pages `populate_pool` faulted in (0 if
    /// none).
    pub(crate) fn pool_populated_to(&self) -> usize {
        if self.pool_populated == 0 {
            return 0;
        }
        self.pool_first_page() + self.pool_populated as usize * sys::PAGE
    }

    /// The end of the slot pages `populate_ahead` faulted in, given its
    /// count of pages.
    fn populated_to(&self, populated: u32) -> usize {
        let first = (self.view.slots as usize).next_multiple_of(sys::PAGE);
        if populated == u32::MAX {
            first
        } else {
            first + populated as usize * sys::PAGE
        }
    }

    /// Bytes of the pages that `prefault_buckets(from, to)` touches.
    pub(crate) fn prefaulted_bytes(&self, from: usize, to: usize) -> usize {
        let to = to.min(self.view.main);
        if !self.mapped || from >= to {
            return 0;
        }
        let (h, s) = (self.view.hdrs as usize, self.view.slots as usize);
        let slots = SlotLayout::<K, V>::SLOTS;
        self.resident([(h + from * HEADER, h + to * HEADER), (s + from * slots, s + to * slots)])
    }

    /// Bytes of memory the array holds when its first `used` buckets (main,
    /// then pool) have been handed out: the whole block for a heap array; for
    /// a mapped one, the pages not yet handed back that hold those buckets
    /// (pages of a mapping past them were never touched, so they hold no
    /// memory).
    pub(crate) fn bytes(&self, used: usize) -> usize {
        if !self.mapped {
            return self.size();
        }
        let used = used.min(self.view.len);
        let (h, l, s) = (self.view.hdrs as usize, self.view.links_start(), self.view.slots as usize);
        let slots = SlotLayout::<K, V>::SLOTS;
        // The header region from the mapping's start, the links and the slot
        // region after it (a page two of them share counts once).
        self.resident([
            (self.base.as_ptr() as usize, h + used * HEADER),
            (l, l + used * LINK),
            (s, (s + used * slots).max(self.pool_populated_to())),
        ])
    }

    /// `bytes` for the current array of a doubling from `n` main buckets
    /// whose mark is at `mark`, with the old array's dead slot pages moved
    /// in up to address `recycled_to` (0 if none): a write reaches a new
    /// main bucket only once the old bucket feeding it is evacuated, so of
    /// the main buckets only `[0, mark]` and `[n, n + mark]` (the bucket at
    /// the mark included, whose first pages the doubling faults in ahead)
    /// have been touched; the rest of a fresh mapping holds no memory yet.
    /// An array the reuse cache may have handed out (`cacheable`) counts
    /// whole, as `bytes` does.
    pub(crate) fn bytes_doubling(
        &self,
        used: usize,
        n: usize,
        mark: usize,
        recycled_to: usize,
        populated: u32,
    ) -> usize {
        if !self.mapped || self.cacheable || self.view.main != 2 * n {
            return self.bytes(used);
        }
        let used = used.min(self.view.len).max(2 * n);
        let (h, l, s) = (self.view.hdrs as usize, self.view.links_start(), self.view.slots as usize);
        let slots = SlotLayout::<K, V>::SLOTS;
        let m = mark + 1;
        self.resident([
            (self.base.as_ptr() as usize, h + m * HEADER),
            (h + n * HEADER, h + (n + m) * HEADER),
            (h + 2 * n * HEADER, h + used * HEADER),
            (l, l + m * LINK),
            (l + n * LINK, l + (n + m) * LINK),
            (l + 2 * n * LINK, l + used * LINK),
            // Faulted in ahead (`populate_ahead`).
            (s, (s + m * slots).max(self.populated_to(populated))),
            (s + n * slots, (s + (n + m) * slots).max(recycled_to)),
            (s + 2 * n * slots, (s + used * slots).max(self.pool_populated_to())),
        ])
    }

    /// Bytes of the pages that the address ranges `[a, b)` touch (each
    /// rounded out to whole pages, overlaps counted once) and that are not
    /// handed back yet. A mapped array only.
    fn resident<const R: usize>(&self, ranges: [(usize, usize); R]) -> usize {
        let page_down = |a: usize| a & !(sys::PAGE - 1);
        let mut pages = ranges.map(|(a, b)| if b > a { (page_down(a), b.next_multiple_of(sys::PAGE)) } else { (0, 0) });
        pages.sort_unstable();
        let parts = self.mapped_parts(self.size());
        let overlap = |(p, n): (usize, usize), lo: usize, hi: usize| (p + n).min(hi).saturating_sub(p.max(lo));
        // Each range from where the ranges before it ended, so that pages
        // two ranges share count once.
        let mut done = 0;
        let mut total = 0;
        for (a, b) in pages {
            let lo = a.max(done);
            if b > lo {
                total += parts.iter().map(|&p| overlap(p, lo, b)).sum::<usize>();
                done = b;
            }
        }
        total
    }

    /// Bytes of the array's mapping that the kernel holds in memory now
    /// (`mincore`), for checking `bytes` against.
    #[cfg(all(test, feature = "std", target_os = "linux", not(miri)))]
    pub(crate) fn resident_now(&self) -> usize {
        assert!(self.mapped, "a heap array");
        self.mapped_parts(self.size())
            .into_iter()
            .filter(|&(_, n)| n > 0)
            // SAFETY: a page-aligned part of this array's mapping, not
            // unmapped.
            .map(|(p, n)| unsafe { resident_pages(p, n) }.iter().filter(|&&r| r).count() * sys::PAGE)
            .sum()
    }

    /// For the current array of a doubling from `n` main buckets: the
    /// whole pages of its lower-half slot region that the kernel holds now
    /// (`mincore`), and the end of the `populated` ones (see
    /// `populate_ahead`), as page counts from the region's first whole
    /// page.
    #[cfg(all(test, feature = "std", target_os = "linux", not(miri)))]
    pub(crate) fn lower_slots_resident(&self, n: usize, populated: u32) -> (alloc::vec::Vec<bool>, usize) {
        let first = (self.view.slots as usize).next_multiple_of(sys::PAGE);
        let end = (self.view.slots as usize + n * SlotLayout::<K, V>::SLOTS) & !(sys::PAGE - 1);
        // SAFETY: `[first, end)` is a page-aligned part of this current
        // array's slot region, all mapped.
        let resident = unsafe { resident_pages(first, end - first) };
        (resident, (self.populated_to(populated) - first) / sys::PAGE)
    }

    /// The first whole page of the pool's slot region, and whether each
    /// whole page of that region is in memory now (`mincore`).
    #[cfg(all(test, feature = "std", target_os = "linux", not(miri)))]
    pub(crate) fn pool_slots_resident(&self) -> (usize, alloc::vec::Vec<bool>) {
        let first = self.pool_first_page();
        let end = self.slots_end_page();
        // SAFETY: `[first, end)` is a page-aligned part of this array's
        // slot region; the pool's pages are mapped while the array is.
        (first, unsafe { resident_pages(first, end - first) })
    }

    /// Where the old array's dead slot pages moved into the new one have
    /// reached (an address; 0 when it recycles none).
    pub(crate) fn recycled_to(&self) -> usize {
        if self.recycling() {
            self.released.recycle.next
        } else {
            0
        }
    }

    /// Bytes of the array's mapping not handed back yet.
    #[cfg(test)]
    pub(crate) fn mapped_bytes(&self) -> usize {
        self.mapped_parts(self.size()).iter().map(|&(_, n)| n).sum()
    }

    /// Size of the whole block.
    fn size(&self) -> usize {
        Self::layout_len(self.view.len).map_or(0, |l| l.layout.size())
    }

    /// The parts of a mapping of `size` bytes not unmapped yet, as
    /// (address, length): before the header cursor's start, from the header
    /// cursor to the links region's first whole page, from the link cursor
    /// to the slot region's first whole page, and from the slot cursor to
    /// the end (each page aligned; empty parts have length 0).
    fn mapped_parts(&self, size: usize) -> [(usize, usize); 4] {
        let base = self.base.as_ptr() as usize;
        let end = (base + size).next_multiple_of(sys::PAGE);
        let h0 = (self.view.hdrs as usize).next_multiple_of(sys::PAGE);
        let s0 = (self.view.slots as usize).next_multiple_of(sys::PAGE);
        let r = self.released;
        let l0 = self.view.links_start().next_multiple_of(sys::PAGE);
        let parts = [(base, h0), (r.hdrs, l0.max(r.hdrs)), (r.links, s0.max(r.links)), (r.slots.max(s0), end)];
        parts.map(|(a, b)| (a, b.saturating_sub(a)))
    }

    /// Frees the array itself. Entries and stand-alone overflow buckets must
    /// have been dealt with by the caller.
    ///
    /// # Safety
    /// Called once; no pointer into the array is used afterwards.
    pub(crate) unsafe fn free(self) {
        let Some(this) = self.cache_or_release() else { return };
        let layout = Self::layout_len(this.view.len).expect("layout was valid at allocation").layout;
        if this.mapped {
            for (p, n) in this.mapped_parts(layout.size()).into_iter().filter(|&(_, n)| n > 0) {
                // SAFETY: each part is page aligned, inside the mapping made in
                // `new_zeroed`, and not unmapped yet.
                unsafe { sys::unmap(this.base.as_ptr().with_addr(p), n) }
            }
        } else {
            // SAFETY: allocated in `new_zeroed` with this same layout.
            unsafe { alloc::alloc::dealloc(this.base.as_ptr(), layout) }
        }
    }

    /// Whether pages can be handed back before `free`.
    pub(crate) fn releasable(&self) -> bool {
        self.mapped
    }

    /// For an array no table uses any more (a resize ended, or the table
    /// let go of it): a cacheable array goes to the reuse cache whole
    /// (`None`). Any other array, or a cacheable one the cache turns away,
    /// comes back, no longer cacheable, to be released page by page or
    /// freed.
    pub(crate) fn cache_or_release(mut self) -> Option<Self> {
        // SAFETY: a cacheable array has released no page (`release_upto`);
        // it is no one's any more, and is not used again once cached.
        if self.cacheable && unsafe { self.cache_whole() } {
            return None;
        }
        self.cacheable = false;
        Some(self)
    }

    /// Offers the whole mapping to the reuse cache; `true` if taken.
    ///
    /// # Safety
    /// The array is cacheable (no page released) and not used again if this
    /// returns `true`.
    unsafe fn cache_whole(&self) -> bool {
        let size = self.size();
        // SAFETY: per the contract, the whole mapping, none of it unmapped.
        unsafe { sys::cache(self.base.as_ptr(), size) }
    }

    /// While this array doubles into `next`, sends the pages of its slot
    /// region that evacuation leaves dead to the upper half of `next`'s
    /// slot region instead of back to the OS (see [`Recycle`]). Only
    /// between mapped arrays whose pages are released early.
    pub(crate) fn recycle_into(&mut self, next: &BucketArray<K, V>) {
        self.released.recycle = self.recycle_target(next);
    }

    /// The fresh [`Recycle`] of this array doubling into `next`:
    /// [`Recycle::NONE`] unless both are mapped, this one releases pages
    /// early, and `next` has twice its main buckets.
    fn recycle_target(&self, next: &BucketArray<K, V>) -> Recycle {
        if !(sys::AVAILABLE && self.mapped && !self.cacheable && next.mapped) || next.view.main != 2 * self.view.main {
            return Recycle::NONE;
        }
        let slots = SlotLayout::<K, V>::SLOTS;
        let base = next.view.slots as usize + self.view.main * slots;
        let end = (next.view.slots as usize + next.view.main * slots) & !(sys::PAGE - 1);
        Recycle { base, next: base.next_multiple_of(sys::PAGE), end }
    }

    /// Whether this array sends dead slot pages to another (invariant 15).
    pub(crate) fn recycling(&self) -> bool {
        self.released.recycle.end != 0
    }

    /// Invariant 15 for this old array and the current array `cur`: it
    /// recycles exactly when both are mapped, it releases pages early and
    /// `cur` doubles it; then its target is `cur`'s upper-half slot region,
    /// with the next page to fill inside it.
    pub(crate) fn check_recycling(&self, cur: &BucketArray<K, V>) -> Result<(), alloc::string::String> {
        let (r, e) = (self.released.recycle, self.recycle_target(cur));
        if (r.base, r.end) != (e.base, e.end) {
            return Err(alloc::format!(
                "recycle target {:#x}..{:#x}, expected {:#x}..{:#x}",
                r.base,
                r.end,
                e.base,
                e.end
            ));
        }
        if r.end != 0 && !(r.base <= r.next && r.next <= r.end + sys::PAGE && r.next.is_multiple_of(sys::PAGE)) {
            return Err(alloc::format!("next recycled page {:#x} outside {:#x}..{:#x}", r.next, r.base, r.end));
        }
        Ok(())
    }

    /// Ends [`recycle_into`](Self::recycle_into): the resize is over, and
    /// every bucket of the other array may be in use.
    pub(crate) fn stop_recycling(&mut self) {
        self.released.recycle = Recycle::NONE;
    }

    /// Unmaps whole pages that hold only buckets below `upto` (headers,
    /// links or slots) and were not unmapped yet: at most about `budget`
    /// bytes of one region, in one system call, and only once at least
    /// `batch` bytes of that region are due. Slot pages move to the array
    /// this one doubles into instead where [`Recycle`] has room for them;
    /// their bytes are added to `recycled`. Does nothing for arrays that
    /// are not mapped, nor for cacheable ones (kept whole for reuse).
    ///
    /// One call a write: on this VM a memory system call made from a
    /// stream of inserts took 5-25 us, some 35-70 us, where the same call
    /// in a tight loop takes 1.3-9 us (`docs/log.md`, session 18); a write
    /// that released two or three regions at once (every 8,192 buckets with
    /// 64 KiB batches) was among the slowest of a 2M-key fill.
    ///
    /// # Safety
    /// No bucket below `upto` is touched again: evacuated old buckets are
    /// known by index against the mark, never by content. (A stray read
    /// would fault, not read stale data.) While recycling, `upto` is the
    /// evacuation mark: the other array's upper-half buckets from `upto`
    /// on have not been written.
    pub(crate) unsafe fn release_upto(
        &mut self,
        upto: usize,
        budget: usize,
        batch: usize,
        recycled: &mut usize,
    ) -> Release {
        if !self.mapped || self.cacheable {
            return Release { called: false, done: true };
        }
        let v = self.view;
        let upto = upto.min(v.len);
        let h_end = (v.hdrs as usize + upto * HEADER) & !(sys::PAGE - 1);
        let l_end = (v.links_start() + upto * LINK) & !(sys::PAGE - 1);
        let s_end = (v.slots as usize + upto * SlotLayout::<K, V>::SLOTS) & !(sys::PAGE - 1);
        let mut called = false;
        let r = &mut self.released;
        // The first page of the other array's upper half that no write has
        // reached: its buckets from `upto` on are unwritten (caller).
        let unwritten = (r.recycle.base + upto * SlotLayout::<K, V>::SLOTS).next_multiple_of(sys::PAGE);
        // The first chunk is unmapped all the same: the first memory system
        // call of a doubling is its slowest write (it pays for the page
        // faults since the last one), and moving that chunk cost about 8 us
        // more than unmapping it (latency harness, 1M u64, 4 alternations of
        // 5 runs: reproducible max 45-53 us unmapped, 54-57 us moved).
        let first_slot_page = (v.slots as usize).next_multiple_of(sys::PAGE);
        for (cur, end, slots) in
            [(&mut r.hdrs, h_end, false), (&mut r.links, l_end, false), (&mut r.slots, s_end, true)]
        {
            if !called && *cur < end && budget > 0 && end - *cur >= batch {
                // Whole pages; an unlimited budget (`usize::MAX`) stays unlimited.
                let n = (end - *cur).min(budget.checked_next_multiple_of(sys::PAGE).unwrap_or(usize::MAX));
                let src = self.base.as_ptr().with_addr(*cur);
                let dst = r.recycle.next.max(unwritten);
                // SAFETY: `[cur, cur + n)` is page aligned, inside the
                // mapping (it ends at or before the page holding bucket
                // `upto`), not unmapped before (the cursor only grows), and
                // per the caller contract holds only dead buckets. A
                // destination is page aligned, inside the other array's
                // slot region (below `recycle.end`), past every page a
                // write has reached (`unwritten`), and not given pages
                // before (`recycle.next` only grows): slot bytes are read
                // only once their tophash says the slot is live, so the
                // moved pages' stale bytes are never read.
                unsafe {
                    if slots
                        && *cur != first_slot_page
                        && dst + n <= r.recycle.end
                        && sys::remap(src, n, src.with_addr(dst))
                    {
                        r.recycle.next = dst + n;
                        *recycled += n;
                    } else {
                        sys::unmap(src, n);
                    }
                }
                *cur += n;
                called = true;
            }
        }
        // The first bucket whose region end lies a whole batch past either
        // cursor (cursors and batches are page multiples).
        let step = batch.max(sys::PAGE);
        let due = |cur: usize, start: usize, stride: usize| (cur + step).saturating_sub(start).div_ceil(stride);
        r.at = due(r.hdrs, v.hdrs as usize, HEADER).min(due(r.links, v.links_start(), LINK)).min(due(
            r.slots,
            v.slots as usize,
            SlotLayout::<K, V>::SLOTS,
        ));
        Release { called, done: r.hdrs >= h_end && r.links >= l_end && r.slots >= s_end }
    }

    /// Unmaps one of the pieces a fully released array still maps (the
    /// pages its regions share, and the tail), so that freeing it makes no
    /// system call; `false` once there is none left.
    ///
    /// # Safety
    /// Every bucket of the array is dead and `release_upto(len, ..)` has
    /// reported it done.
    pub(crate) unsafe fn unmap_leftover(&mut self) -> bool {
        let size = self.size();
        let parts = self.mapped_parts(size);
        let Some(k) = parts.iter().position(|&(_, n)| n > 0) else { return false };
        let (p, n) = parts[k];
        // SAFETY: the part is page aligned, inside the mapping and not
        // unmapped yet (`mapped_parts`); per the contract it holds only dead
        // buckets.
        unsafe { sys::unmap(self.base.as_ptr().with_addr(p), n) };
        // Record it as `mapped_parts` reads the cursors: each part ends
        // where the next region's cursor takes over, and the first part
        // (before the headers) is empty, the headers starting the mapping.
        let r = &mut self.released;
        match k {
            1 => r.hdrs = p + n,
            2 => r.links = p + n,
            3 => r.slots = p + n,
            _ => unreachable!("the headers start the mapping"),
        }
        true
    }

    /// Whether `release_upto(upto, _, batch)` would hand back any page, for
    /// the `batch` it was last called with: false means a call would do
    /// nothing.
    #[inline(always)]
    pub(crate) fn release_due(&self, upto: usize) -> bool {
        upto >= self.released.at
    }

    /// Zeroes the first `upto` headers and links, making those buckets
    /// empty with no link (the rest are zero already: pool buckets past
    /// those handed out are never written).
    pub(crate) fn zero_headers(&self, upto: usize) {
        let upto = upto.min(self.view.len);
        // SAFETY: the header and link regions are `len` entries long each.
        unsafe {
            ptr::write_bytes(self.view.hdrs, 0, upto);
            ptr::write_bytes(self.view.link_at(0), 0, upto);
        }
    }
}

/// Writes a zero byte into every page that `[p, p + n)` overlaps, at the
/// first address of the range in that page: one page fault each, if the
/// page was not touched before.
///
/// # Safety
/// The range lies in one allocation, and zero may be written to any of its
/// bytes (they are zero already, or never read before written).
unsafe fn touch_pages(p: *mut u8, n: usize) {
    let (start, end) = (p as usize, p as usize + n);
    let mut a = start;
    while a < end {
        // SAFETY: `start <= a < end`, inside the range; per the contract.
        unsafe { ptr::write_volatile(p.with_addr(a), 0) };
        a = (a & !(sys::PAGE - 1)) + sys::PAGE;
    }
}

fn standalone_layout<K, V>() -> Layout {
    let size = round_up(
        SlotLayout::<K, V>::STANDALONE_SLOTS_OFFSET + SlotLayout::<K, V>::SLOTS,
        SlotLayout::<K, V>::ALLOC_ALIGN,
    );
    // A header plus one bucket's slots is far below isize::MAX for any type
    // that can exist, and the alignment is a power of two.
    Layout::from_size_align(size, SlotLayout::<K, V>::ALLOC_ALIGN).expect("bucket layout")
}

/// Allocates one zeroed stand-alone overflow bucket and returns its header.
pub(crate) fn alloc_overflow<K, V>() -> *mut Header {
    let layout = standalone_layout::<K, V>();
    // SAFETY: the layout holds at least a header and a link.
    let p = unsafe { alloc::alloc::alloc_zeroed(layout) };
    if p.is_null() {
        alloc::alloc::handle_alloc_error(layout);
    }
    p.cast()
}

/// Frees a stand-alone overflow bucket.
///
/// # Safety
/// `h` came from `alloc_overflow::<K, V>`, holds no live entry that still
/// needs dropping, and is not used afterwards.
pub(crate) unsafe fn free_overflow<K, V>(h: *mut Header) {
    // SAFETY: caller contract; same layout as in `alloc_overflow`.
    unsafe { alloc::alloc::dealloc(h.cast(), standalone_layout::<K, V>()) }
}

/// What one [`BucketArray::release_upto`] did: whether it made its system
/// call, and whether every page below its bound is now gone.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Release {
    pub(crate) called: bool,
    pub(crate) done: bool,
}

/// Whether each page of `[p, p + n)` is in memory now (`mincore`).
///
/// # Safety
/// `[p, p + n)` is page aligned and mapped.
#[cfg(all(test, feature = "std", target_os = "linux", not(miri)))]
unsafe fn resident_pages(p: usize, n: usize) -> alloc::vec::Vec<bool> {
    let mut vec = alloc::vec![0u8; n / sys::PAGE];
    // SAFETY: caller contract; `vec` has a byte per page.
    let rc = unsafe { libc::mincore(p as *mut libc::c_void, n, vec.as_mut_ptr()) };
    assert_eq!(rc, 0, "mincore failed");
    vec.iter().map(|&v| v & 1 == 1).collect()
}

/// How far an array's pages have been handed back: absolute addresses up
/// to which the header, link and slot regions are released. (Only whole
/// pages inside one region are; a page two regions share goes with the
/// array, or with `unmap_leftover` once the array is drained.)
#[derive(Clone, Copy, Debug)]
pub(crate) struct Released {
    hdrs: usize,
    links: usize,
    slots: usize,
    /// The mark from which a batched `release_upto` has pages to hand back
    /// (`usize::MAX`: never), so that the mark's advance, once per
    /// evacuated bucket, tests one number instead of computing both regions'
    /// ends (callgrind: 42 instructions a call before).
    at: usize,
    recycle: Recycle,
}

/// Where a doubling array's dead slot pages go: to the upper half of the
/// new array's slot region, which evacuation fills at the same pace as it
/// empties the old array (old bucket `i` feeds new buckets `i` and
/// `i + n`), a page fault per 4 KiB otherwise. `mremap` moves the pages
/// with their stale bytes, which is all slot memory needs (a slot is read
/// only once its tophash says it is live; headers are zeroed, so their
/// pages are still unmapped and the new ones faulted). A C probe on this
/// project's VM: 15-18 us per 64 KiB moved and then written, against
/// 62-74 us to unmap 64 KiB and fault in 64 KiB of fresh pages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Recycle {
    /// Address of the new array's upper-half slots (bucket `n`), unaligned.
    base: usize,
    /// Next page to receive moved pages (they go in address order).
    next: usize,
    /// End of the upper half, page aligned down; 0 when not recycling.
    end: usize,
}

impl Recycle {
    const NONE: Recycle = Recycle { base: 0, next: 0, end: 0 };
}

/// Bytes of one stand-alone overflow bucket.
pub(crate) fn standalone_bytes<K, V>() -> usize {
    standalone_layout::<K, V>().size()
}

// The slot layouts, checked when the crate compiles.
const _: () = {
    assert!(SlotLayout::<u64, u64>::PAIRED && SlotLayout::<u64, u64>::SLOTS == 128);
    assert!(SlotLayout::<u32, u32>::PAIRED);
    // (u64, u8) would pad to 16 bytes: Go's split layout, 8 keys then 8 bytes.
    assert!(
        !SlotLayout::<u64, u8>::PAIRED && SlotLayout::<u64, u8>::SLOTS == 72 && SlotLayout::<u64, u8>::VAL_OFF == 64
    );
    assert!(
        !SlotLayout::<u8, u64>::PAIRED && SlotLayout::<u8, u64>::VAL_OFF == 8 && SlotLayout::<u8, u64>::SLOTS == 72
    );
    assert!(SlotLayout::<(), ()>::PAIRED && SlotLayout::<(), ()>::SLOTS == 0);
    assert!(HEADER == 8 && LINK == 8);
};
