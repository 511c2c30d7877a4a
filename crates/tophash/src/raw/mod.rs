//! The table engine: Go's classic runtime map, in Rust.
//!
//! # Design
//!
//! A table is an array of `2^B` buckets (Go's `B`, here `b`). A bucket
//! holds eight slots: a header of eight *tophash* bytes and one overflow
//! link ([`bucket::Header`]), and eight keys and eight values. The low `B` bits of a key's
//! hash pick its bucket; the hash's top byte, moved past the five reserved
//! values, is stored in the slot's tophash byte so that a lookup compares
//! keys only where the byte matches. When all eight slots of a bucket are
//! taken, a further key goes into an *overflow* bucket linked from it; a
//! bucket and its overflow buckets form a *chain*.
//!
//! Tophash bytes below 5 are slot states ([`tophash`]):
//! `EMPTY_REST` (0: empty, and so is everything after it in the chain),
//! `EMPTY_ONE` (1: empty), and, only in an old array during a resize,
//! `EVACUATED_X`/`EVACUATED_Y`/`EVACUATED_EMPTY` (2, 3, 4).
//!
//! ## Growth
//!
//! Go 1.19's triggers. When an insert of a *new* key finds that
//! `count + 1 > 6.5 · 2^B` (and `> 8`), or that the table has as many
//! overflow buckets as buckets (see *Exact overflow count* below for how
//! that reads Go's `2^min(B, 15)`), and no resize is under way, it starts
//! one: doubling
//! for the load factor, same-size (compacting chains) for overflow. Starting
//! a resize only allocates the new array and keeps the old one; nothing
//! moves. From then on every insert or remove first *evacuates* the old
//! bucket its key hashes to, plus the old bucket at the evacuation mark
//! `nevacuate` (Go's `growWork`). Evacuating an old bucket rehashes each of
//! its entries, moves it to its bucket in the new array (on doubling, index
//! `i` "X" or `i + 2^(B-1)` "Y"), and marks the old slot evacuated. Lookups
//! during a resize read the old bucket if it is not yet evacuated, else the
//! new one. The resize ends when the mark passes the last old bucket.
//!
//! The same machinery runs any resize from `2^b_old` to `2^b_new` buckets:
//! doubling, same-size, a larger jump for `reserve`, and halving for
//! `shrink_to` (Go never shrinks, golang/go#20135). An entry always goes to
//! `hash & new_mask`, appended after the destination chain's last entry.
//!
//! Deletion marks a slot `EMPTY_ONE`, then turns the trailing run of empty
//! slots into `EMPTY_REST` so scans stop early. An insert takes the first
//! empty slot of the chain (after checking the key is absent).
//!
//! ## The load factor, measured
//!
//! Go's essay justifies 6.5 with a table; this is the same table measured
//! on this engine (`tophash-lab probes`, 2^10 buckets, `u64` keys and
//! values, 3 maps per load; run 2026-11-21). Columns as in Go:
//! `%overflow` = chains with an overflow bucket, `bytes/entry` = overhead
//! per entry with Go's 144-byte buckets, `hitprobe`/`missprobe` = entries a
//! lookup scans without the tophash filter. Our extra columns: key
//! comparisons actually made *with* the filter (an `Eq` that counts).
//! Loads above 6.5 never occur (the insert that would pass it doubles the
//! table), so those rows deal the same hashes into chains as the map would.
//!
//! | load | %overflow | bytes/entry | hitprobe | missprobe | compares/hit | compares/miss | Go's %overflow, bytes/entry, hitprobe, missprobe |
//! |-----:|----------:|------------:|---------:|----------:|-------------:|--------------:|:-------------------------------|
//! | 4.00 |  2.21 | 20.80 | 2.99 | 4.00 | 1.0070 | 0.0179 |  2.13, 20.77, 3.00, 4.00 |
//! | 5.00 |  6.71 | 14.73 | 3.51 | 5.00 | 1.0107 | 0.0201 |  6.85, 14.77, 3.50, 5.00 |
//! | 6.00 | 14.55 | 11.49 | 4.00 | 6.00 | 1.0133 | 0.0224 | 15.27, 11.67, 4.00, 6.00 |
//! | 6.50 | 21.09 | 10.84 | 4.25 | 6.50 | 1.0125 | 0.0268 | 20.90, 10.79, 4.25, 6.50 |
//! | 7.00 | 26.53 | 10.04 | 4.47 | 7.00 | 1.0155 | 0.0287 | 27.14, 10.15, 4.50, 7.00 |
//! | 8.00 | 40.62 |  9.40 | 5.00 | 8.00 | 1.0156 | 0.0331 | 41.10,  9.40, 5.00, 8.00 |
//!
//! The tophash filter is what makes 6.5 affordable: at 6.5 a hit compares
//! 1.0125 keys instead of scanning 4.25 entries, a miss 0.0268 instead of
//! 6.5.
//!
//! ## Go's names in this crate
//!
//! | Go (`runtime/map.go`)      | here                                   |
//! |----------------------------|----------------------------------------|
//! | `hmap.B`                   | `BucketArray::b`                       |
//! | `hmap.count`               | `RawTable::count`                      |
//! | `hmap.buckets`             | `RawTable::cur`                        |
//! | `hmap.oldbuckets`          | `RawTable::old` (`OldArray::arr`)      |
//! | `hmap.nevacuate`           | `OldArray::nevacuate`                  |
//! | `hmap.noverflow`           | `RawTable::noverflow` (exact, not approximate) |
//! | `mapextra.nextOverflow`    | `RawTable::next_pool`                  |
//! | `bmap.tophash`, overflow   | `Header::tophash`, `Header::overflow`  |
//! | `overLoadFactor`           | [`over_load`]                          |
//! | `tooManyOverflowBuckets`   | [`too_many_overflow`]                  |
//! | `hashGrow`                 | `RawTable::start_resize`               |
//! | `growWork`, `evacuate`     | `RawTable::grow_work`, `RawTable::evacuate` (in `grow.rs`) |
//! | `advanceEvacuationMark`    | `RawTable::advance_mark`               |
//! | `sameSizeGrow`             | [`ResizeKind::SameSize`]               |
//! | `makeBucketArray`          | `BucketArray::new_zeroed`              |
//! | `newoverflow`              | `RawTable::new_overflow`               |
//!
//! ## Where we differ from Go, and why
//!
//! * **Dense headers.** A bucket's header (tophash bytes and overflow link,
//!   16 bytes) is stored apart from its slots: an array keeps all headers
//!   together, then all slots ([`bucket`]). A miss reads one header from a
//!   region of 2 bytes per slot, which stays cached much longer than Go's
//!   144-byte buckets (`u64` keys and values); a hit reads the header and
//!   one slot.
//! * **Slot lines requested with the header.** Where a bucket's slots are
//!   follows from its index alone, so a write (and the evacuation of a
//!   bucket, and of its destinations) asks for the slot lines at the same
//!   time as the header, overlapping two memory latencies that would
//!   otherwise follow each other. Lookups do not: a miss needs only the
//!   header, and the extra traffic cost misses as much as it saved hits.
//! * **Pairs when free.** Keys and values are interleaved as `(K, V)` when
//!   that adds no padding, so a hit reads one slot line instead of two; else
//!   they are split as in Go.
//! * **SWAR.** The eight tophash bytes are loaded as one `u64` and matched
//!   all at once ([`tophash::Group`]); Go loops over bytes.
//! * **Zeroed allocation.** `EMPTY_REST` is 0 and a null link is 0, so an
//!   array needs no initialisation pass beyond zero headers. A growth array
//!   of 1 MiB or more is a fresh anonymous mapping ([`sys`]): zero pages, so
//!   starting a growth is O(1) in the table size, and its evacuated pages are
//!   unmapped a chunk per write. Smaller arrays, and the O(n) callers'
//!   (`with_capacity`, `clone`), come from the global allocator with only
//!   their headers zeroed.
//! * **A larger overflow pool for mapped arrays**: `2^(B-1)` buckets instead
//!   of Go's `2^(B-4)` ([`bucket::mapped_len`]). Untouched pages of a mapping
//!   hold no memory, so the pool costs only what is used, and at load 6.5 it
//!   covers the fifth of the chains that need an overflow bucket without the
//!   global allocator; frees of such buckets mid-growth had glibc trim its
//!   heap in one 0.16-1.3 ms `brk` call.
//! * **An evacuation bitmap.** Go learns whether an old bucket was
//!   evacuated from its first tophash byte. We keep that marking, and also
//!   one bit per bucket at the end of each array's allocation (zero pages
//!   for a mapped array, so O(1)), set when the bucket's evacuation
//!   finishes. A write during a resize first asks whether its key's old
//!   bucket is done: for a random key the header is a random memory
//!   access, the bitmap a few KiB in cache. When the bucket is not done,
//!   its header, slots and destinations are all requested at once instead
//!   of the slots only after the header has arrived.
//! * **Old overflow buckets are freed when their bucket is evacuated**, not
//!   when the whole resize ends (Go leaves this to its garbage collector).
//! * **Iteration does not rehash.** Rust iterators borrow the map, so no
//!   evacuation can happen mid-iteration. An iterator walks the not yet
//!   evacuated old buckets, then the whole new array; every entry is in
//!   exactly one of the two. Go must rehash keys to cope with growth
//!   between calls to `next`.
//! * **No iteration-order randomisation** (std does not promise any order
//!   either); the seed of the default hasher already varies it per map.
//! * **Exact overflow count.** Go keeps `noverflow` in a `uint16`: up to
//!   `B = 15` it counts exactly and triggers a same-size growth at `2^B`
//!   overflow buckets; from `B = 16` it adds 1 with probability
//!   `2^-(B-15)` (`incrnoverflow`), so its trigger at a count of `2^15`
//!   means about `2^B` real overflow buckets ("as many overflow buckets as
//!   buckets", its comment says). We count exactly in a `usize` and trigger
//!   at `2^B` for every `B`: Go's threshold without the randomness.
//!   Comparing an exact count with `2^15` instead would fire eight times
//!   too early at `B = 18`: `tophash-lab grow` caught a same-size growth at
//!   insert 1,552,664 of an insert-only workload that Go 1.19 never makes.
//! * **Large keys and values are stored inline.** Go boxes keys and values
//!   over 128 bytes. In Rust a user who wants that writes `Box<T>`; we never
//!   allocate behind the user's back, and keep one code path.
//! * **Resizes of any ratio**, including shrinking.
//! * **A panicking hasher during evacuation** drops the entries of that one
//!   old bucket that had not moved yet and finishes the bucket, so the table
//!   stays consistent (`len` equals what iteration yields). hashbrown makes
//!   the same choice when its hasher panics during a rehash.
//!
//! # Invariants
//!
//! `check::check_invariants` verifies all of these; the tests call it after
//! every operation.
//!
//! 1. `count` equals the number of live slots (tophash `>= MIN_TOPHASH`) in
//!    the chains of the current array plus those of unevacuated old buckets.
//! 2. In every chain, a slot after an `EMPTY_REST` slot (later in its bucket
//!    or in a later bucket of the chain) is `EMPTY_REST`.
//! 3. No `EMPTY_ONE` slot is directly followed, in chain order, by an
//!    `EMPTY_REST` slot or by the end of the chain (deletion converts such
//!    runs), so an `EMPTY_REST` marks exactly the end of the used part.
//! 4. A live slot's tophash equals `tophash(hash(key))`, and its chain's head
//!    index equals `hash & mask` of the array it is in.
//! 5. The current array holds no evacuated state.
//! 6. An old bucket is either *evacuated* (every slot of its head is an
//!    evacuated state and its overflow link is null) or holds only the states
//!    of a live bucket; every old bucket below `nevacuate` is evacuated; an
//!    `OldArray` exists only while `nevacuate` is below its bucket count.
//! 7. `noverflow` equals the number of overflow buckets in the current
//!    array's chains; pool buckets at or after `next_pool` are unused
//!    (all-zero headers).
//! 8. No two live keys are equal (checked by the model tests).
//! 9. `limit` is the capacity of the current array (0 when unallocated);
//!    `grow_at` is 0 when `noverflow` reached the same-size growth trigger
//!    outside a resize, else `limit`.
//! 10. `lone` counts the stand-alone overflow buckets in the current
//!     array's chains and the unevacuated old chains.
//! 11. The spare list holds `nspare <= lone` emptied stand-alone buckets.
//! 12. An old array's evacuation bit `i` is set exactly when old main
//!     bucket `i` is below `nevacuate` or evacuated; its pool buckets' bits,
//!     and every bit of the current and the queued array, are clear.
//! 13. `fast` is the current array's view while no resize runs, and a view
//!     with null `hdrs` during a resize or before the first insert.

mod access;
pub(crate) mod bucket;
mod check;
mod grow;
mod introspect;
pub(crate) mod iter;
mod sys;
pub(crate) mod tophash;

#[cfg(test)]
mod tests;

use core::marker::PhantomData;
use core::ptr;

use bucket::{alloc_overflow, at, ArrayView, BucketArray, BucketRef, Header};
use tophash::{tag, tophash, Tag, BUCKET_SLOTS, EMPTY_ONE, EMPTY_REST};

use crate::stats::{Event, Observer, Reason};
use crate::TryReserveError;

pub(crate) use access::{ExtractIf, MutIter, Occupied, Probe, RefIter, Vacant};
pub(crate) use iter::{RawDrain, RawIntoIter};

/// Load factor numerator and denominator: at most 6.5 entries per bucket on
/// average before doubling (Go's `loadFactorNum/loadFactorDen`).
pub(crate) const LOAD_FACTOR_NUM: usize = 13;
pub(crate) const LOAD_FACTOR_DEN: usize = 2;

/// How many entries a table of `2^b` buckets holds before an insert doubles
/// it: 8 for one bucket, `6.5 · 2^b` otherwise.
#[inline]
pub(crate) fn capacity_for(b: u8) -> usize {
    if b == 0 {
        return BUCKET_SLOTS;
    }
    let shift = (b - 1) as u32;
    // 6.5 · 2^b = 13 · 2^(b-1); 13 < 2^4, so it fits iff shift <= BITS - 4.
    const _: () = assert!(LOAD_FACTOR_NUM == 13 && LOAD_FACTOR_DEN == 2);
    if shift > usize::BITS - 4 {
        usize::MAX
    } else {
        LOAD_FACTOR_NUM << shift
    }
}

/// Go's `overLoadFactor(count, B)`: `count > 8 && count > 6.5 · 2^B`.
#[inline]
pub(crate) fn over_load(count: usize, b: u8) -> bool {
    count > capacity_for(b)
}

/// Go's `tooManyOverflowBuckets`: as many overflow buckets as main buckets.
/// Go caps its (approximate, from `B = 16`) counter's threshold at `2^15`;
/// with an exact count the same rule is `2^B` (see the essay).
#[inline]
pub(crate) fn too_many_overflow(noverflow: usize, b: u8) -> bool {
    noverflow >= overflow_limit(b)
}

/// The overflow-bucket count at which `too_many_overflow` turns true.
#[inline]
pub(crate) fn overflow_limit(b: u8) -> usize {
    // An array of 2^b buckets exists, so 2^b fits.
    1usize << b
}

/// Smallest `b` whose capacity holds `n` entries (Go's `makemap` loop).
pub(crate) fn b_for(n: usize) -> Result<u8, TryReserveError> {
    let mut b = 0u8;
    while over_load(n, b) {
        b += 1;
        if b as u32 >= usize::BITS - 1 {
            return Err(TryReserveError::CapacityOverflow);
        }
    }
    Ok(b)
}

/// What a resize under way is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResizeKind {
    /// Load factor exceeded: twice the buckets (Go's normal growth).
    Double,
    /// Too many overflow buckets: same bucket count, chains compacted
    /// (Go's `sameSizeGrow`).
    SameSize,
    /// `reserve`/`try_reserve` asked for more than one doubling at once.
    Reserve,
    /// `shrink_to`/`shrink_to_fit`: fewer buckets.
    Shrink,
}

/// The array being evacuated during a resize.
pub(crate) struct OldArray<K, V> {
    pub(crate) arr: BucketArray<K, V>,
    /// Progress counter: every old bucket below this has been evacuated.
    pub(crate) nevacuate: usize,
    pub(crate) kind: ResizeKind,
    /// Old buckets evacuated so far (below the mark or not).
    pub(crate) done: usize,
}

impl<K, V> OldArray<K, V> {
    fn new(mut arr: BucketArray<K, V>, kind: ResizeKind) -> Self {
        arr.bits_live = true;
        OldArray { arr, nevacuate: 0, kind, done: 0 }
    }

    /// Whether old bucket `i` has been evacuated: its bit (invariant 12),
    /// read from a region of one bit per bucket instead of from the bucket
    /// itself (whose pages may be released below the mark, and whose header
    /// is a random memory access above it).
    #[inline(always)]
    pub(crate) fn evacuated(&self, i: usize) -> bool {
        debug_assert!(i < self.arr.buckets());
        // SAFETY: `i` is a main bucket, below the array's length.
        unsafe { self.arr.bit(i) }
    }

    /// Records that old bucket `i` is evacuated.
    #[inline(always)]
    fn set_evacuated(&mut self, i: usize) {
        debug_assert!(i < self.arr.buckets());
        // SAFETY: as in `evacuated`.
        unsafe { self.arr.set_bit(i) }
    }

    /// Copies the bits of `src`, an old array of the same size.
    fn copy_bits_from(&mut self, src: &OldArray<K, V>) {
        debug_assert_eq!(self.arr.b, src.arr.b);
        // SAFETY: both arrays hold at least their `2^b` main buckets; the
        // clone's array is a new allocation.
        unsafe { self.arr.copy_bits_from(&src.arr, self.arr.buckets()) }
    }
}

/// A finished resize's old array, handed back to the OS a bounded chunk per
/// write before it is unmapped (only for mapped arrays).
pub(crate) struct Retired<K, V> {
    pub(crate) arr: BucketArray<K, V>,
}

/// A live or insertable slot: slot `index` of bucket `bucket`, in the chain
/// whose head header is `head`.
pub(crate) struct Slot<K, V> {
    pub(crate) head: *mut Header,
    pub(crate) bucket: BucketRef<K, V>,
    pub(crate) index: usize,
}

impl<K, V> Clone for Slot<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for Slot<K, V> {}

impl<K, V> Slot<K, V> {
    /// # Safety
    /// The slot is live in a table borrowed for `'a`.
    #[inline(always)]
    pub(super) unsafe fn key<'a>(self) -> &'a K {
        // SAFETY: caller contract: the slot is live, so the key is initialised.
        unsafe { &*self.bucket.key(self.index) }
    }

    /// # Safety
    /// The slot is live in a table borrowed for `'a`.
    #[inline(always)]
    pub(super) unsafe fn val<'a>(self) -> &'a V {
        // SAFETY: caller contract.
        unsafe { &*self.bucket.val(self.index) }
    }

    /// # Safety
    /// The slot is live in a table mutably borrowed for `'a`, and no other
    /// reference to this value exists.
    #[inline(always)]
    pub(super) unsafe fn val_mut<'a>(self) -> &'a mut V {
        // SAFETY: caller contract.
        unsafe { &mut *self.bucket.val(self.index) }
    }

    /// # Safety
    /// As for `val_mut`, for the key.
    #[inline(always)]
    pub(super) unsafe fn key_mut<'a>(self) -> &'a mut K {
        // SAFETY: caller contract.
        unsafe { &mut *self.bucket.key(self.index) }
    }
}

/// Where an absent key would go: the first empty slot of its chain, or, if
/// the chain is full, its last bucket (to link a new overflow bucket to).
pub(crate) struct Vacancy<K, V> {
    head: *mut Header,
    empty: Option<(BucketRef<K, V>, usize)>,
    tail: *mut Header,
}

impl<K, V> Vacancy<K, V> {
    /// Where a key goes in a table with no array yet: nowhere until the
    /// insert allocates one.
    pub(crate) const NO_ARRAY: Self = Vacancy { head: ptr::null_mut(), empty: None, tail: ptr::null_mut() };
}

// SAFETY: like `Slot`, a `Vacancy` is a position, not an owner; the
// `Vacant` that holds it also holds the `&mut RawTable`, which carries std's
// bounds. Without these, its raw pointers made `VacantEntry` (and so
// `Entry`) neither `Send` nor `Sync`, unlike std's.
unsafe impl<K, V> Send for Vacancy<K, V> {}
// SAFETY: as above.
unsafe impl<K, V> Sync for Vacancy<K, V> {}

/// The outcome of a probe for a write, inside the engine.
enum RawProbe<K, V> {
    Found(Slot<K, V>),
    Vacant(Vacancy<K, V>),
}

/// A header address has room for a slot index in its low bits.
const HEADER_HOLDS_INDEX: () = assert!(core::mem::align_of::<Header>() >= BUCKET_SLOTS);

/// The engine: buckets, growth and evacuation. Knows hashes and closures,
/// never `Hash` or `Eq`.
pub(crate) struct RawTable<K, V> {
    /// The current array's view while no resize runs; a view with null
    /// `hdrs` during a resize and before the first insert (invariant 13).
    /// `find` reads it, so that its common path tests a pointer it loads
    /// anyway instead of the two `Option`s.
    pub(crate) fast: ArrayView<K, V>,
    /// The current array (Go's `buckets`); `None` until the first insert.
    pub(crate) cur: Option<BucketArray<K, V>>,
    /// The array being evacuated (Go's `oldbuckets`), while resizing.
    pub(crate) old: Option<OldArray<K, V>>,
    /// Live entries (Go's `count`).
    pub(crate) count: usize,
    /// Overflow buckets in the current array's chains (Go's `noverflow`).
    pub(crate) noverflow: usize,
    /// Index in `cur` of the next unused preallocated overflow bucket.
    pub(crate) next_pool: usize,
    /// `capacity_for(cur.b)`, cached for the insert path (invariant 9).
    pub(crate) limit: usize,
    /// The count at which an insert takes the slow path: `limit`, or 0 once
    /// `noverflow` reached `2^min(b, 15)` outside a resize (Go's second
    /// trigger; no resize starts while one runs). Both of Go's growth
    /// triggers in one compare on the insert path (invariant 9).
    pub(crate) grow_at: usize,
    /// An old array whose resize ended, being handed back in chunks.
    pub(crate) retired: Option<Retired<K, V>>,
    /// A resize asked for (by `reserve` or `shrink_to`) while another was
    /// under way: its array is allocated already and it starts when the
    /// current one ends.
    pub(crate) pending: Option<(BucketArray<K, V>, ResizeKind)>,
    /// Whether removals may start a shrink (`set_auto_shrink`).
    pub(crate) auto_shrink: bool,
    /// Stand-alone overflow buckets alive in the current and old chains
    /// (for an O(1) byte count).
    pub(crate) lone: usize,
    /// Stand-alone overflow buckets freed by evacuation and kept for reuse,
    /// linked through their overflow field; at most `lone` of them.
    /// Evacuation frees old chains' buckets at about the rate the new array
    /// needs new ones, and handing them to the allocator and back made glibc
    /// trim and regrow its heap: `brk` calls of 0.15-1 ms in the middle of a
    /// growth (strace, 4M inserts).
    pub(crate) spare: *mut Header,
    pub(crate) nspare: usize,
    /// Receives growth events; only rare paths look at it.
    pub(crate) observer: Option<alloc::boxed::Box<dyn Observer>>,
    marker: PhantomData<(K, V)>,
}

// SAFETY: the table owns its keys and values like a `Vec<(K, V)>` would; the
// raw pointers are never shared outside it; the observer is `Send`.
unsafe impl<K: Send, V: Send> Send for RawTable<K, V> {}
// SAFETY: `&RawTable` only gives out `&K`/`&V`; the observer is reached only
// through `&mut RawTable`, so sharing `&RawTable` never shares it.
unsafe impl<K: Sync, V: Sync> Sync for RawTable<K, V> {}

/// Whether a failure should panic (std's `insert`) or be returned
/// (`try_reserve`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fallibility {
    Fallible,
    Infallible,
}

impl Fallibility {
    /// Returns `e` when fallible; panics (capacity overflow, as std does) or
    /// reports the allocation failure (`handle_alloc_error`) when not.
    #[cold]
    pub(crate) fn failed(self, e: TryReserveError) -> TryReserveError {
        match self {
            Fallibility::Fallible => e,
            Fallibility::Infallible => fail(e),
        }
    }
}

/// The infallible path's reaction to an error: std's panic message for an
/// impossible size, `handle_alloc_error` for a refused allocation.
#[cold]
pub(crate) fn fail(e: TryReserveError) -> ! {
    match e {
        TryReserveError::CapacityOverflow => panic!("capacity overflow"),
        TryReserveError::AllocError { layout } => alloc::alloc::handle_alloc_error(layout),
    }
}

/// Unwraps a result on the infallible path.
#[inline]
pub(crate) fn infallible<T>(r: Result<T, TryReserveError>) -> T {
    match r {
        Ok(t) => t,
        Err(e) => fail(e),
    }
}

impl<K, V> RawTable<K, V> {
    /// An empty table; allocates nothing.
    pub(crate) const fn new() -> Self {
        RawTable {
            fast: ArrayView::empty(),
            cur: None,
            old: None,
            count: 0,
            noverflow: 0,
            next_pool: 0,
            limit: 0,
            grow_at: 0,
            retired: None,
            pending: None,
            auto_shrink: false,
            lone: 0,
            spare: ptr::null_mut(),
            nspare: 0,
            observer: None,
            marker: PhantomData,
        }
    }

    /// A table that holds `n` entries before its first growth.
    pub(crate) fn with_capacity(n: usize, fallibility: Fallibility) -> Result<Self, TryReserveError> {
        let mut t = Self::new();
        if n > 0 {
            let b = b_for(n).map_err(|e| fallibility.failed(e))?;
            t.install(BucketArray::new_zeroed_heap(b).map_err(|e| fallibility.failed(e))?);
        }
        Ok(t)
    }

    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Entries the table holds before its next doubling: the capacity of
    /// the current (during a resize, the new) array, and never below `len`.
    pub(crate) fn capacity(&self) -> usize {
        let pending = self.pending.as_ref().map_or(0, |(a, _)| capacity_for(a.b));
        self.limit.max(pending).max(self.count)
    }

    pub(crate) fn is_resizing(&self) -> bool {
        self.old.is_some()
    }

    /// Makes `arr` the current array.
    fn install(&mut self, arr: BucketArray<K, V>) {
        self.next_pool = arr.buckets();
        self.noverflow = 0;
        self.limit = capacity_for(arr.b);
        self.cur = Some(arr);
        self.sync_resize_state();
    }

    /// Recomputes `grow_at` and `fast` after the current array, the resize
    /// state or `noverflow` changed (invariants 9 and 13).
    pub(crate) fn sync_resize_state(&mut self) {
        (self.grow_at, self.fast) = match (&self.cur, &self.old) {
            (Some(cur), None) if too_many_overflow(self.noverflow, cur.b) => (0, cur.view),
            (Some(cur), None) => (self.limit, cur.view),
            (Some(_), Some(_)) => (self.limit, ArrayView::empty()),
            (None, _) => (0, ArrayView::empty()),
        };
    }

    /// The array and main-bucket index where `hash`'s chain is now: the old
    /// array while its bucket is not yet evacuated, else the current one.
    #[inline(always)]
    fn home(&self, cur: ArrayView<K, V>, hash: u64) -> (ArrayView<K, V>, usize) {
        if let Some(old) = &self.old {
            let oi = hash as usize & old.arr.mask();
            if !old.evacuated(oi) {
                return (old.arr.view, oi);
            }
        }
        (cur, hash as usize & cur.mask())
    }

    /// Finds the live slot whose key satisfies `eq`, reading the old array
    /// where the key's old bucket is not evacuated yet. Never moves anything.
    ///
    /// A lookup in DRAM is bound by how many of them the core keeps in
    /// flight, so every instruction on the common path counts: that path
    /// is a table not resizing and a chain of one bucket, entered by
    /// testing `fast`'s pointer, which the path loads anyway. A lookup
    /// during a resize (`find_slow`) and the rest of a chain (`find_chain`)
    /// run out of line. A match's bit is cleared only after its key
    /// compared unequal, which a hit never needs.
    ///
    /// Callgrind, 1M random u64 keys: 37.6 -> 32.5 instructions per hit and
    /// 33.5 -> 28.4 per miss against testing `old` and `cur` inline (and
    /// LLVM now hoists `fast`'s fields out of a caller's loop).
    /// `compare --sizes 1K,100K,1M --workloads lookup_hit,lookup_miss`,
    /// 4 runs alternating with the previous binary: tophash / hashbrown
    /// geomean, hits 1.29 -> 1.23, misses 1.15 -> 1.00.
    #[inline]
    fn find(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Slot<K, V>> {
        let fast = self.fast;
        if fast.hdrs.is_null() {
            return self.find_slow(hash, eq);
        }
        self.find_from(fast, hash as usize & fast.mask(), hash, eq)
    }

    /// `find` while a resize is under way (the key's chain is in the old
    /// array until its old bucket is evacuated) or before the first insert.
    #[inline(never)]
    fn find_slow(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Slot<K, V>> {
        let cur = self.cur.as_ref()?.view;
        let (arr, i) = self.home(cur, hash);
        self.find_from(arr, i, hash, eq)
    }

    /// `find` in chain `i` of `arr`, the key's home (see `home`): the main
    /// bucket here, the rest of the chain out of line.
    #[inline(always)]
    fn find_from(
        &self,
        arr: ArrayView<K, V>,
        i: usize,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
    ) -> Option<Slot<K, V>> {
        let top = tag(hash);
        // SAFETY: `i` is a main bucket of `arr`; matched slots are live.
        unsafe {
            let b = arr.bucket(i);
            let g = at::group(b.hdr);
            let mut m = g.match_byte(top);
            while let Some(j) = m.lowest() {
                if eq(&*b.key(j)) {
                    return Some(Slot { head: b.hdr, bucket: b, index: j });
                }
                m = m.without_lowest();
            }
            // Invariant 2: if any slot is EMPTY_REST the last one is, and
            // nothing later in the chain is live.
            if g.last_is_empty_rest() {
                return None;
            }
            let (found, slots) = self.find_chain(hash, eq);
            if found == 0 {
                return None;
            }
            let hdr = (found & !(BUCKET_SLOTS - 1)) as *mut Header;
            Some(Slot { head: b.hdr, bucket: BucketRef::new(hdr, slots), index: found & (BUCKET_SLOTS - 1) })
        }
    }

    /// `find` past the main bucket, which holds no match and does not end
    /// its chain. Returns the matching bucket's header address with the
    /// slot index in its low three bits (headers are 8-byte aligned, see
    /// `HEADER_HOLDS_INDEX`) and the bucket's slots, or `(0, null)`. Two
    /// words come back in registers: a larger result went through the
    /// stack and gave every lookup a stack frame, and so did passing the
    /// array view in.
    #[inline(never)]
    fn find_chain(&self, hash: u64, mut eq: impl FnMut(&K) -> bool) -> (usize, *mut u8) {
        let () = HEADER_HOLDS_INDEX;
        let Some(cur) = self.cur.as_ref() else { return (0, ptr::null_mut()) };
        let (arr, i) = self.home(cur.view, hash);
        let top = tag(hash);
        // SAFETY: `i` is a main bucket of `arr`; later buckets are reached
        // through the chain's links; matched slots are live.
        unsafe {
            let mut b = arr.bucket(i);
            while let Some(n) = arr.next(b) {
                b = n;
                for j in at::group(b.hdr).match_byte(top) {
                    if eq(&*b.key(j)) {
                        return (b.hdr as usize | j, b.slots);
                    }
                }
                if at::top(b.hdr, BUCKET_SLOTS - 1) == EMPTY_REST {
                    break;
                }
            }
            (0, ptr::null_mut())
        }
    }

    /// Looks for the key in `arr`, the current array, remembering where it
    /// would be inserted. The key's old bucket, if any, must be evacuated.
    ///
    /// The common case, a chain of one bucket, is decided here without
    /// tracking state across buckets: if the main bucket's last slot is
    /// `EMPTY_REST` the chain ends in it (invariant 2), so its first empty
    /// slot is the chain's first. Otherwise `probe_chain` walks on from the
    /// next bucket, without searching the main bucket again.
    #[inline]
    fn probe_write(&mut self, arr: ArrayView<K, V>, hash: u64, mut eq: impl FnMut(&K) -> bool) -> RawProbe<K, V> {
        debug_assert!(self.old_bucket_evacuated(hash));
        let i = hash as usize & arr.mask();
        let top = tag(hash);
        // SAFETY: `i` is a main bucket and its link leads on through the
        // chain; matched slots are live.
        unsafe {
            let b = arr.bucket(i);
            // A write touches a slot line whatever the header says (the key
            // to compare, or the empty slot to fill): request the lines now
            // so that their misses overlap the header's (`compare.sh`, 100K
            // and 1M entries: remove 1.62x -> 1.33x hashbrown, presized
            // insert 1.40x -> 1.18x, churn 1.28x -> 0.99x). `find` does not:
            // there a miss needs only the header, and the extra line cost
            // misses at 1M as much as it saved hits.
            b.prefetch_slots();
            let g = at::group(b.hdr);
            for j in g.match_byte(top) {
                if eq(&*b.key(j)) {
                    return RawProbe::Found(Slot { head: b.hdr, bucket: b, index: j });
                }
            }
            if g.last_is_empty_rest() {
                // Slot 7 is empty, so some slot is, and `j < 8`.
                let j = g.match_full().lowest_unset();
                return RawProbe::Vacant(Vacancy { head: b.hdr, empty: Some((b, j)), tail: b.hdr });
            }
            self.probe_chain(b, top, eq)
        }
    }

    /// `probe_write` past main bucket `main`, which holds no match and does
    /// not end its chain with `EMPTY_REST`: notes its first empty slot and
    /// walks the rest of the chain.
    #[inline(never)]
    fn probe_chain(&self, main: BucketRef<K, V>, top: Tag, mut eq: impl FnMut(&K) -> bool) -> RawProbe<K, V> {
        // The current array, read here: a view passed in went through the
        // stack, and made the caller copy it there on every write.
        let arr = self.cur.as_ref().expect("probing a table with no array").view;
        let head = main.hdr;
        // SAFETY: `main` is a live main bucket; later buckets are reached
        // through the chain's links; matched slots are live.
        unsafe {
            let mut empty = at::group(head).match_empty().lowest().map(|j| (main, j));
            let mut b = main;
            while let Some(n) = arr.next(b) {
                b = n;
                let g = at::group(b.hdr);
                if empty.is_none() {
                    if let Some(j) = g.match_empty().lowest() {
                        empty = Some((b, j));
                    }
                }
                for j in g.match_byte(top) {
                    if eq(&*b.key(j)) {
                        return RawProbe::Found(Slot { head, bucket: b, index: j });
                    }
                }
                if at::top(b.hdr, BUCKET_SLOTS - 1) == EMPTY_REST {
                    break;
                }
            }
            RawProbe::Vacant(Vacancy { head, empty, tail: b.hdr })
        }
    }

    fn old_bucket_evacuated(&self, hash: u64) -> bool {
        match &self.old {
            None => true,
            Some(old) => old.evacuated(hash as usize & old.arr.mask()),
        }
    }

    /// Where a key known to be absent goes in the current array.
    fn vacancy(&self, hash: u64) -> Vacancy<K, V> {
        let arr = self.cur.as_ref().expect("vacancy needs an allocated table").view;
        let i = hash as usize & arr.mask();
        // SAFETY: `i` is a main bucket; links lead through the chain.
        unsafe {
            let head = arr.hdr(i);
            let mut b = arr.bucket(i);
            loop {
                if let Some(j) = at::group(b.hdr).match_empty().lowest() {
                    return Vacancy { head, empty: Some((b, j)), tail: b.hdr };
                }
                match arr.next(b) {
                    Some(n) => b = n,
                    None => return Vacancy { head, empty: None, tail: b.hdr },
                }
            }
        }
    }

    /// Inserts an absent key at the spot `probe_write` found, first starting
    /// a growth if Go's triggers say so (then the spot is looked up again in
    /// the new array). Returns the slot written.
    ///
    /// The common case (no trigger, an empty slot found) writes inline;
    /// everything else is one out-of-line call, so that the spot found need
    /// not be kept in memory across calls (callgrind: the merged version
    /// stored and reloaded the whole `Vacancy` on every insert).
    #[inline(always)]
    fn insert_vacant(
        &mut self,
        hash: u64,
        vac: Vacancy<K, V>,
        key: K,
        val: V,
        hasher: impl Fn(&K) -> u64,
    ) -> Slot<K, V> {
        match vac.empty {
            Some((b, i)) if self.count < self.grow_at => {
                // SAFETY: `(b, i)` is an empty slot of a live chain of the
                // current array; writing key and value then the tophash
                // makes it live.
                unsafe { self.write_slot(b, i, hash, key, val) };
                Slot { head: vac.head, bucket: b, index: i }
            }
            _ => self.insert_slow(hash, key, val, &hasher),
        }
    }

    /// `insert_vacant`'s other cases: a growth trigger fired (or the table
    /// has no array yet), or the chain is full and needs an overflow bucket.
    /// Finds the spot again rather than taking it as an argument (a chain
    /// walk on a rare path), which keeps the common path free of stores.
    #[inline(never)]
    fn insert_slow(&mut self, hash: u64, key: K, val: V, hasher: &impl Fn(&K) -> u64) -> Slot<K, V> {
        let vac = if self.count >= self.grow_at { self.grow_for_insert(hash, hasher) } else { self.vacancy(hash) };
        let (b, i) = match vac.empty {
            Some(spot) => spot,
            None => (self.new_overflow(vac.tail), 0),
        };
        // SAFETY: as in `insert_vacant`: an empty slot of a live current
        // chain (found again after a growth, or a fresh overflow bucket).
        unsafe { self.write_slot(b, i, hash, key, val) };
        Slot { head: vac.head, bucket: b, index: i }
    }

    /// Makes empty slot `i` of `b` live with `key → val`.
    ///
    /// # Safety
    /// `(b, i)` is an empty slot of a live chain of the current array, where
    /// `hash`'s key belongs.
    #[inline(always)]
    unsafe fn write_slot(&mut self, b: BucketRef<K, V>, i: usize, hash: u64, key: K, val: V) {
        // SAFETY: per the contract the slot is in bounds and empty.
        unsafe {
            b.key(i).write(key);
            b.val(i).write(val);
            at::set_top(b.hdr, i, tophash(hash));
        }
        self.count += 1;
    }

    /// The rare path of an insert: allocate the first array, or start a
    /// growth (Go's `hashGrow` + `goto again`), then find the spot anew.
    #[cold]
    #[inline(never)]
    fn grow_for_insert(&mut self, hash: u64, hasher: &impl Fn(&K) -> u64) -> Vacancy<K, V> {
        match &self.cur {
            None => self.install(infallible(BucketArray::new_zeroed(0))),
            Some(cur) if self.old.is_none() => {
                let cur_b = cur.b;
                let (b, kind, reason) = if over_load(self.count + 1, cur_b) {
                    (cur_b + 1, ResizeKind::Double, Reason::LoadFactor)
                } else {
                    debug_assert!(too_many_overflow(self.noverflow, cur_b));
                    (cur_b, ResizeKind::SameSize, Reason::TooManyOverflow)
                };
                infallible(self.start_resize(b, kind, reason));
                self.grow_work(hash, hasher);
            }
            // Resizing already (a shrink whose target filled up, or a
            // reserve): no new resize until it ends, as in Go.
            Some(_) => {}
        }
        self.vacancy(hash)
    }

    /// Links a fresh empty overflow bucket after header `tail`: from the
    /// array's preallocated pool while it lasts, else a new allocation (Go's
    /// `newoverflow`).
    pub(crate) fn new_overflow(&mut self, tail: *mut Header) -> BucketRef<K, V> {
        let arr = self.cur.as_ref().expect("overflow needs an allocated table").view;
        let pooled = self.next_pool < arr.len;
        let nb = if pooled {
            // SAFETY: `next_pool < len`; pool buckets past `next_pool` are
            // unused and zeroed (invariant 7).
            let b = unsafe { arr.bucket(self.next_pool) };
            self.next_pool += 1;
            b
        } else {
            self.lone += 1;
            BucketRef::lone(self.take_spare().unwrap_or_else(alloc_overflow::<K, V>))
        };
        // SAFETY: `tail` is the last header of a live chain.
        unsafe { at::set_overflow(tail, nb.hdr) };
        self.noverflow += 1;
        self.sync_resize_state();
        if self.observer.is_some() {
            self.emit(Event::OverflowAlloc { pooled, overflow_buckets: self.noverflow });
        }
        nb
    }

    /// A recycled stand-alone overflow bucket, reset to empty, if any.
    fn take_spare(&mut self) -> Option<*mut Header> {
        if self.spare.is_null() {
            return None;
        }
        let h = self.spare;
        // SAFETY: spare buckets are live allocations owned by this table,
        // holding no entries; their overflow field links the spare list.
        unsafe {
            self.spare = at::overflow(h);
            (*h).tophash = [EMPTY_REST; BUCKET_SLOTS];
            at::set_overflow(h, ptr::null_mut());
        }
        self.nspare -= 1;
        Some(h)
    }

    /// Keeps an emptied stand-alone overflow bucket for reuse, or frees it
    /// when the spare list already holds as many as are in use.
    ///
    /// # Safety
    /// `h` is a stand-alone overflow bucket of this table, unlinked from
    /// every chain, holding no entry that needs dropping.
    pub(crate) unsafe fn recycle(&mut self, h: *mut Header) {
        if self.nspare < self.lone {
            // SAFETY: per contract the bucket is ours and unused.
            unsafe { at::set_overflow(h, self.spare) };
            self.spare = h;
            self.nspare += 1;
        } else {
            // SAFETY: per contract.
            unsafe { bucket::free_overflow::<K, V>(h) };
        }
        // `lone` just fell: keep invariant 11.
        while self.nspare > self.lone {
            let h = self.take_spare().expect("nspare > 0");
            // SAFETY: taken from the spare list: ours, empty, unlinked.
            unsafe { bucket::free_overflow::<K, V>(h) };
        }
    }

    /// Frees the spare list.
    pub(crate) fn free_spare(&mut self) {
        while let Some(h) = self.take_spare() {
            // SAFETY: taken from the spare list: ours, empty, unlinked.
            unsafe { bucket::free_overflow::<K, V>(h) };
        }
    }

    /// Delivers an event to the observer. Callers test for an observer
    /// first, so a map without one pays one branch on a rare path.
    #[cold]
    #[inline(never)]
    pub(crate) fn emit(&mut self, e: Event) {
        if let Some(o) = self.observer.as_mut() {
            o.event(&e);
        }
    }

    /// Removes a live slot, returning its entry (Go's `mapdelete` after the
    /// search).
    ///
    /// # Safety
    /// `slot` is live in this table and was found since the table last
    /// changed.
    unsafe fn remove(&mut self, slot: Slot<K, V>) -> (K, V) {
        // SAFETY: caller contract: the slot is live; marking it empty below
        // makes the table forget it, so the values are moved out exactly once.
        let kv = unsafe { (ptr::read(slot.bucket.key(slot.index)), ptr::read(slot.bucket.val(slot.index))) };
        self.count -= 1;
        // SAFETY: the slot belongs to the chain headed by `slot.head`.
        unsafe { mark_deleted(slot.head, slot.bucket.hdr, slot.index) };
        kv
    }

    /// Makes room for `additional` more entries without a growth trigger
    /// firing on the load factor. If a resize is under way, the larger array
    /// is allocated now and its resize starts when the current one ends.
    pub(crate) fn reserve(&mut self, additional: usize, fallibility: Fallibility) -> Result<(), TryReserveError> {
        let need =
            self.count.checked_add(additional).ok_or_else(|| fallibility.failed(TryReserveError::CapacityOverflow))?;
        let cur_b = match &self.cur {
            None => {
                if need > 0 {
                    // Install in place: the observer and policy stay.
                    let b = b_for(need).map_err(|e| fallibility.failed(e))?;
                    self.install(BucketArray::new_zeroed_heap(b).map_err(|e| fallibility.failed(e))?);
                }
                return Ok(());
            }
            Some(a) => a.b,
        };
        // The table ends up with the queued array if there is one, so that
        // is the one that must hold `need`.
        let end_b = self.pending.as_ref().map_or(cur_b, |(a, _)| a.b);
        if !over_load(need, end_b) {
            return Ok(());
        }
        if !over_load(need, cur_b) {
            // A queued shrink would undo this reserve: drop it.
            if let Some((p, _)) = self.pending.take() {
                // SAFETY: a queued array was never used.
                unsafe { p.free() };
            }
            return Ok(());
        }
        let b = b_for(need).map_err(|e| fallibility.failed(e))?;
        // Allocate first: failure leaves the table as it was. The array is
        // zeroed without a pass over it, so this is O(1) for large sizes.
        let new = BucketArray::new_zeroed(b).map_err(|e| fallibility.failed(e))?;
        self.resize_now_or_next(new, ResizeKind::Reserve, Reason::Reserve);
        Ok(())
    }

    /// Starts a resize to `new`, or, if one is under way, queues it to
    /// start when that one ends (replacing any queued one).
    fn resize_now_or_next(&mut self, new: BucketArray<K, V>, kind: ResizeKind, reason: Reason) {
        if self.old.is_some() {
            if let Some((prev, _)) = self.pending.replace((new, kind)) {
                // SAFETY: a queued array holds no entries and no chains.
                unsafe { prev.free() };
            }
        } else {
            self.begin_resize_with(new, kind, reason);
        }
    }

    /// Starts shrinking to the fewest buckets whose capacity holds
    /// `max(len, min_capacity)`; frees everything if that is zero.
    pub(crate) fn shrink_to(&mut self, min_capacity: usize) {
        let need = self.count.max(min_capacity);
        if need == 0 {
            // No entries: give all memory back (the observer and policy stay).
            self.forget_entries_and_free();
            return;
        }
        let Some(cur) = &self.cur else { return };
        let Ok(b) = b_for(need) else { return };
        if b >= cur.b {
            return;
        }
        // Shrinking is an optimisation: if memory is short, skip it.
        if let Ok(new) = BucketArray::new_zeroed(b) {
            self.resize_now_or_next(new, ResizeKind::Shrink, Reason::ShrinkTo);
        }
    }

    /// The automatic shrink policy (off unless `set_auto_shrink`): once a
    /// removal leaves the table under 10% of its capacity (Redis's
    /// `HASHTABLE_MIN_FILL`) and no resize is under way, start shrinking to
    /// the fewest buckets that hold twice the entries, so the table is about
    /// half full afterwards and neither grows nor shrinks again soon.
    #[inline]
    pub(crate) fn maybe_auto_shrink(&mut self) {
        if self.auto_shrink && self.count * 10 < self.limit && self.limit > capacity_for(0) {
            self.auto_shrink_now();
        }
    }

    #[cold]
    fn auto_shrink_now(&mut self) {
        if self.old.is_some() || self.pending.is_some() {
            return;
        }
        let Ok(b) = b_for(self.count.saturating_mul(2)) else { return };
        if self.cur.as_ref().is_some_and(|c| b < c.b) {
            if let Ok(new) = BucketArray::new_zeroed(b) {
                self.begin_resize_with(new, ResizeKind::Shrink, Reason::AutoShrink);
            }
        }
    }

    /// Drops every entry and returns to one empty array of the same size.
    /// O(capacity).
    pub(crate) fn clear(&mut self) {
        struct Reset<'a, K, V>(&'a mut RawTable<K, V>);
        impl<K, V> Drop for Reset<'_, K, V> {
            fn drop(&mut self) {
                self.0.forget_entries_keep_array();
            }
        }
        let g = Reset(self);
        g.0.drop_entries();
    }

    /// Resets to an empty table keeping the current array, without dropping
    /// entries (the caller moved them out or dropped them).
    pub(crate) fn forget_entries_keep_array(&mut self) {
        self.free_side_arrays();
        if let Some(old) = self.old.take() {
            // SAFETY: entries were dealt with by the caller; the old array is
            // no longer referenced.
            unsafe { free_old(old, self.lone) };
        }
        if let Some(cur) = &self.cur {
            // SAFETY: frees stand-alone overflow buckets (no live entries any
            // more); then every header is zeroed, restoring invariant 7.
            unsafe { free_chains(cur.view, 0, self.lone) };
            self.lone = 0;
            cur.zero_headers(self.next_pool);
            self.next_pool = cur.buckets();
        }
        self.count = 0;
        self.noverflow = 0;
        self.sync_resize_state();
    }

    /// Frees all memory without dropping entries, leaving an unallocated
    /// table (used after the entries were moved out).
    pub(crate) fn forget_entries_and_free(&mut self) {
        self.count = 0;
        self.free_side_arrays();
        if let Some(old) = self.old.take() {
            // SAFETY: no live entries are left to drop, per caller.
            unsafe { free_old(old, self.lone) };
        }
        if let Some(cur) = self.cur.take() {
            // SAFETY: as above.
            unsafe { free_array_and_chains(cur, self.lone) };
        }
        self.noverflow = 0;
        self.next_pool = 0;
        self.limit = 0;
        self.grow_at = 0;
        self.fast = ArrayView::empty();
        self.lone = 0;
    }

    /// Frees the retired and the queued array (neither holds entries) and
    /// the spare overflow buckets.
    fn free_side_arrays(&mut self) {
        self.free_spare();
        if let Some(r) = self.retired.take() {
            // SAFETY: a retired array's buckets are all dead.
            unsafe { r.arr.free() };
        }
        if let Some((p, _)) = self.pending.take() {
            // SAFETY: a queued array was never used.
            unsafe { p.free() };
        }
    }

    /// Drops every live entry and sets `count` to 0. The caller then makes
    /// the arrays forget the entries (also when a destructor panics).
    fn drop_entries(&mut self) {
        let mut it = iter::RawIter::new(self);
        self.count = 0;
        iter::drop_rest(&mut it);
    }

    /// Copies the table's exact shape (arrays, chains, pool use, resize
    /// state), cloning each entry with `f`. If `f` panics, the entries
    /// cloned so far are dropped and the memory freed.
    pub(crate) fn clone_with(&self, f: impl Fn(&K, &V) -> (K, V)) -> Self {
        let mut new = Self::new();
        let Some(cur) = &self.cur else { return new };
        // Pool buckets keep their indices in the copy, so each copy holds at
        // least as many as its source handed out (a mapped source's pool is
        // larger than a heap array's; see `bucket::mapped_len`).
        new.install(infallible(BucketArray::new_zeroed_heap_len(cur.b, self.next_pool)));
        new.next_pool = self.next_pool;
        if let Some(old) = &self.old {
            let mut arr = infallible(BucketArray::new_zeroed_heap_len(old.arr.b, old.arr.used));
            arr.used = old.arr.used;
            let mut o = OldArray::new(arr, old.kind);
            o.nevacuate = old.nevacuate;
            o.copy_bits_from(old);
            new.old = Some(o);
        }
        if let Some((p, kind)) = &self.pending {
            new.pending = Some((infallible(BucketArray::new_zeroed_heap(p.b)), *kind));
        }
        new.auto_shrink = self.auto_shrink;
        // `lone` is set before copying: if `f` panics, dropping `new` frees
        // the stand-alone overflow buckets linked so far only when `lone` is
        // nonzero (`free_chains` skips the walk at 0). Set after the copy, a
        // panicking clone leaked them (valgrind on the panic-safety tests;
        // `every_panic_site_colliding_same_top`).
        new.lone = self.lone;
        // From here `new` is dropped correctly at any point: it holds exactly
        // the entries counted so far, each in a slot marked live.
        if let (Some(src), Some(dst)) = (&self.old, &new.old) {
            // SAFETY: both arrays were just allocated zeroed with `src`'s `b`;
            // old buckets below the mark are dead and not read.
            unsafe { clone_array(src.arr.view, dst.arr.view, src.nevacuate, &mut new.count, &f) };
        }
        if let Some(dst) = &new.cur {
            // SAFETY: as above.
            unsafe { clone_array(cur.view, dst.view, 0, &mut new.count, &f) };
        }
        new.noverflow = self.noverflow;
        new.sync_resize_state();
        new
    }
}

impl<K, V> Drop for RawTable<K, V> {
    fn drop(&mut self) {
        // If dropping an entry panics, `drop_entries` keeps dropping the
        // rest; the memory is freed by this guard in any case.
        struct Free<'a, K, V>(&'a mut RawTable<K, V>);
        impl<K, V> Drop for Free<'_, K, V> {
            fn drop(&mut self) {
                self.0.forget_entries_and_free();
            }
        }
        let g = Free(self);
        g.0.drop_entries();
    }
}

/// Drops a live slot's key and value. If the key's destructor panics the
/// value is still dropped (tuple drop glue).
///
/// # Safety
/// The slot is live and is forgotten by its table afterwards.
unsafe fn drop_slot<K, V>(s: Slot<K, V>) {
    // SAFETY: caller contract.
    unsafe { drop((ptr::read(s.bucket.key(s.index)), ptr::read(s.bucket.val(s.index)))) }
}

/// Marks slot `i` of the bucket with header `b` deleted and turns a
/// trailing run of empty slots into `EMPTY_REST` (invariants 2 and 3).
///
/// # Safety
/// `b` is in the live chain headed by `head` and its slot `i` was just
/// vacated.
unsafe fn mark_deleted(head: *mut Header, mut b: *mut Header, mut i: usize) {
    // SAFETY: every header touched is `b`, its overflow, or found by walking
    // the chain from `head`, which contains `b`.
    unsafe {
        at::set_top(b, i, EMPTY_ONE);
        let next_rest = if i == BUCKET_SLOTS - 1 {
            let o = at::overflow(b);
            o.is_null() || at::top(o, 0) == EMPTY_REST
        } else {
            at::top(b, i + 1) == EMPTY_REST
        };
        if !next_rest {
            return;
        }
        loop {
            at::set_top(b, i, EMPTY_REST);
            if i == 0 {
                if b == head {
                    return;
                }
                let c = b;
                b = head;
                while at::overflow(b) != c {
                    b = at::overflow(b);
                }
                i = BUCKET_SLOTS - 1;
            } else {
                i -= 1;
            }
            if at::top(b, i) != EMPTY_ONE {
                return;
            }
        }
    }
}

/// Calls `f` on the header of every stand-alone (not pooled) overflow
/// bucket of the chains of `arr`'s main buckets `from..`. Reads each link
/// before calling `f`, so `f` may free the bucket.
pub(crate) fn for_each_standalone<K, V>(arr: ArrayView<K, V>, from: usize, mut f: impl FnMut(*mut Header)) {
    for i in from..arr.main {
        // SAFETY: `i` is a main bucket; links are null or live headers.
        let mut p = unsafe { at::overflow(arr.hdr(i)) };
        while !p.is_null() {
            // SAFETY: `p` is a live header of the chain.
            let next = unsafe { at::overflow(p) };
            if !arr.contains(p) {
                f(p);
            }
            p = next;
        }
    }
}

/// Frees the stand-alone overflow buckets of the chains of `arr`'s main
/// buckets `from..`. `lone` is the table's count of them (invariant 10):
/// when it is 0 there is nothing to free and the walk is skipped. The walk
/// reads every head's header, so without this check dropping an *empty*
/// map that had reserved a huge, lazily mapped array (`try_reserve(1 << 40)`
/// where the OS overcommits) read terabytes of never-touched pages and took
/// minutes (regression test: `tests/hostile.rs`,
/// `dropping_a_huge_empty_reservation_is_cheap`).
///
/// # Safety
/// No live entry in those buckets still needs dropping, and the chains are
/// not walked again before their heads' links are reset.
unsafe fn free_chains<K, V>(arr: ArrayView<K, V>, from: usize, lone: usize) {
    if lone == 0 {
        return;
    }
    // SAFETY: caller contract; each link is read before its bucket is freed.
    for_each_standalone(arr, from, |h| unsafe { bucket::free_overflow::<K, V>(h) });
}

/// # Safety
/// As for `free_chains`; `arr` is not used afterwards.
unsafe fn free_array_and_chains<K, V>(arr: BucketArray<K, V>, lone: usize) {
    // SAFETY: caller contract.
    unsafe {
        free_chains(arr.view, 0, lone);
        arr.free();
    }
}

/// Frees an old array; buckets below its mark were evacuated, their chains
/// freed then, and their pages possibly released, so they are not walked.
///
/// # Safety
/// As for `free_chains`.
unsafe fn free_old<K, V>(old: OldArray<K, V>, lone: usize) {
    // SAFETY: caller contract.
    unsafe {
        free_chains(old.arr.view, old.nevacuate, lone);
        old.arr.free();
    }
}

/// Copies `src`'s chains into the zeroed `dst` of the same size, cloning
/// live entries; mirrors pool use so that `next_pool` stays meaningful.
///
/// # Safety
/// `dst` is zeroed, has `src`'s `b` and at least every bucket `src` handed
/// out, buckets of `src` from `from` on are readable, and `count` is the live
/// count of the table owning `dst`.
unsafe fn clone_array<K, V>(
    src: ArrayView<K, V>,
    dst: ArrayView<K, V>,
    from: usize,
    count: &mut usize,
    f: &impl Fn(&K, &V) -> (K, V),
) {
    for i in from..src.main {
        // SAFETY: `i` is a main bucket of both arrays; every `sb` is a live
        // bucket of src's chain, every `db` a bucket of dst we just linked.
        // A slot's tophash is written only after its entry is, so a panic in
        // `f` leaves `dst` with exactly `count` live slots.
        unsafe {
            let mut sb = src.bucket(i);
            let mut db = dst.bucket(i);
            loop {
                // Copy every slot state, live slots blanked to EMPTY_ONE until
                // their entry is cloned: a panic in `f` leaves exactly the
                // cloned entries live (the partial table is only dropped).
                let tops = (*sb.hdr).tophash;
                let live = at::group(sb.hdr).match_full();
                let mut blank = tops;
                for j in live {
                    blank[j] = EMPTY_ONE;
                }
                (*db.hdr).tophash = blank;
                for j in live {
                    let (k, v) = f(&*sb.key(j), &*sb.val(j));
                    db.key(j).write(k);
                    db.val(j).write(v);
                    *count += 1;
                    at::set_top(db.hdr, j, tops[j]);
                }
                let Some(next) = src.next(sb) else { break };
                let nd = if src.contains(next.hdr) {
                    dst.bucket((next.hdr as usize - src.hdrs as usize) / bucket::HEADER)
                } else {
                    BucketRef::lone(alloc_overflow::<K, V>())
                };
                at::set_overflow(db.hdr, nd.hdr);
                sb = next;
                db = nd;
            }
        }
    }
}
