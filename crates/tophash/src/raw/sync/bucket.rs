//! The concurrent bucket: eight atomic tophash bytes (its header), a
//! 32-bit overflow link, and a body of eight inline slots (rewritten only
//! after a grace period, `reuse.rs`); a chain head's *gate* (its writer
//! lock and `evacuated` flag); the entry; the bucket array, whose chain
//! heads keep their headers in one region, their gates in the next, their
//! bodies and their links in two more, so that a lookup that misses reads
//! eight bytes of a dense region and a write locks a byte of another; and
//! the array's overflow buckets, numbered by the links: a pool carved from
//! the array's allocation, then chunks allocated as needed.
//!
//! All-zero bytes are a valid empty bucket (unlocked, not evacuated, eight
//! `EMPTY_REST` bytes, no link, slots not yet written), so an array is
//! fresh zero pages: an OS mapping from `raw/sys.rs` for a large array
//! (O(1) in its size, and handed back piecemeal when freed), `alloc_zeroed`
//! for a small one. Under loom atomics are not plain integers, so arrays
//! are built bucket by bucket there.

use alloc::boxed::Box;
use core::ptr::NonNull;

use super::atomic::{backoff, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
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

/// A bucket's eight slots.
pub(super) type Slots<K, V> = [Slot<K, V>; BUCKET_SLOTS];

/// A bucket's tophash word: all a lookup that misses reads of a chain's
/// head. Heads keep theirs in the array's header region, eight bytes a
/// bucket, so those stay in the cache when the slots do not.
///
/// Go's `tophash`, slot `i` in bits `8i..8i + 8`: `EMPTY_REST` for a slot
/// never written, `EMPTY_ONE` for a dead one (removed, replaced, or
/// abandoned by an undone evacuation), `FREE` for a dead one known to be
/// past its grace period (`reuse.rs`), else the live entry's byte. One
/// word, so a reader tests all eight slots with one load and one SIMD
/// compare and sees the eight bytes as of one moment. Written only by the
/// holder of the chain's lock, by the creator of a bucket not yet
/// published, or by the evacuation filling a new chain that nobody else
/// may touch before its old bucket is flagged, so a write is a plain load,
/// byte replace and store that loses no other update.
pub(super) struct Header(AtomicU64);

impl Header {
    #[cfg(loom)]
    fn new() -> Self {
        Header(AtomicU64::new(0))
    }
}

/// A bucket's overflow link (Go's `overflow`): 0 for none, else the number
/// of the chain's next bucket among its array's overflow buckets, plus one
/// (`BucketArray::overflow`). Four bytes rather than a pointer: a chain
/// head keeps its link in a region of its own, four bytes a bucket, so the
/// heads' bodies are their slots alone (see `BucketArray`). Only the holder
/// of the chain's lock changes the links of its chain.
pub(super) struct Link(AtomicU32);

impl Link {
    #[cfg(loom)]
    fn new() -> Self {
        Link(AtomicU32::new(0))
    }
}

/// The rest of a bucket (Go's `bmap` without its `tophash` and its link):
/// the eight slots.
#[repr(C)]
pub(super) struct Body<K, V> {
    /// The entries, inline; slot `i` is initialised once its byte has left
    /// `EMPTY_REST` (invariant 2).
    slots: Slots<K, V>,
}

impl<K, V> Body<K, V> {
    #[cfg(loom)]
    fn new() -> Self {
        Body { slots: new_slots() }
    }
}

/// An overflow bucket: its header, link and body in one place, from the
/// array's pool or one of its chunks. All-zero bytes are an empty one.
#[repr(C)]
pub(super) struct Overflow<K, V> {
    hdr: Header,
    link: Link,
    body: Body<K, V>,
}

impl<K, V> Overflow<K, V> {
    #[cfg(loom)]
    fn new() -> Self {
        Overflow { hdr: Header::new(), link: Link::new(), body: Body::new() }
    }

    /// The bucket this is.
    fn bucket(&self) -> Bucket<'_, K, V> {
        Bucket { hdr: &self.hdr, body: &self.body }
    }
}

/// Eight unwritten slots.
#[cfg(loom)]
fn new_slots<K, V>() -> Slots<K, V> {
    [const { core::cell::UnsafeCell::new(core::mem::MaybeUninit::uninit()) }; BUCKET_SLOTS]
}

/// One bucket of eight slots: its header and its body, wherever each
/// lives (apart for a chain's head, together for an overflow bucket). A
/// pair of references, copied freely; its link is found through its array
/// (`BucketArray::link_of`), which the chain-following paths have at hand.
/// A third reference, to the link, grew `find_map`'s frame enough to bring
/// back the slow entry into the collector that `scan` describes: hits at
/// 2M keys 68.1 against 55.7 ns (`docs/log.md`, session 16).
pub(super) struct Bucket<'a, K, V> {
    hdr: &'a Header,
    body: &'a Body<K, V>,
}

impl<K, V> Clone for Bucket<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for Bucket<'_, K, V> {}

/// A chain head's gate: one byte in the array's gate region, two flags.
/// * [`LOCKED`]: the writer lock. Writers hold it for one bounded bucket
///   operation; readers never take it.
/// * [`EVACUATED`]: set once, under the lock, when the chain stops owning
///   its entries: it was evacuated into a newer array, or drained after a
///   `clear`. A writer that locks a chain re-checks it and retries from the
///   table state if it is set; a reader checks it before following an old
///   chain (invariant 8).
///
/// Why a region of its own rather than low bits of the head's link, where
/// they were: a write then locks a byte of a dense region (an eighth of
/// the headers' size) instead of the first line of the head's
/// body, which at a million keys is a cache miss the write waits for even
/// when its slot lies on another line (`docs/log.md`, session 14).
pub(super) struct Gate(AtomicU8);

/// The lock bit of a gate.
const LOCKED: u8 = 1;
/// The `evacuated` bit of a gate.
const EVACUATED: u8 = 2;
/// The gate's other six bits: the chain's *kill stamp*, the epoch of its
/// latest kill modulo 64 (`reuse.rs`).
const STAMP_SHIFT: u32 = 2;

impl Gate {
    #[cfg(loom)]
    fn new() -> Self {
        Gate(AtomicU8::new(0))
    }

    /// Takes the chain's writer lock: spins briefly, then yields.
    #[inline]
    pub(super) fn lock(&self) -> GateLock<'_> {
        let g = &self.0;
        let mut attempt = 0;
        loop {
            let v = g.load(Ordering::Relaxed);
            if v & LOCKED == 0 && g.compare_exchange_weak(v, v | LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                return GateLock(self);
            }
            backoff(attempt);
            attempt = attempt.saturating_add(1);
        }
    }

    /// Whether the chain's `evacuated` flag is set.
    #[inline]
    pub(super) fn is_evacuated(&self, order: Ordering) -> bool {
        self.0.load(order) & EVACUATED != 0
    }

    /// Sets the `evacuated` flag (Release): a thread that sees it set sees
    /// everything this one did before. The caller holds the lock (so is the
    /// only writer of the byte).
    pub(super) fn set_evacuated(&self) {
        let v = self.0.load(Ordering::Relaxed);
        self.0.store(v | EVACUATED, Ordering::Release);
    }

    /// Whether the lock is held (for the quiescent checker).
    pub(super) fn is_locked(&self) -> bool {
        self.0.load(Ordering::Relaxed) & LOCKED != 0
    }
}

/// A held chain lock; released on drop, also when a user `Eq` panics while
/// the lock is held.
pub(super) struct GateLock<'a>(&'a Gate);

impl GateLock<'_> {
    /// The chain's kill stamp (`reuse.rs`): the epoch, modulo 64, in which
    /// its latest kill happened; 0 in a chain that never had one.
    #[inline]
    pub(super) fn stamp(&self) -> u8 {
        // Relaxed: the holder's own byte; the previous holder's store came
        // before its unlock (Release), which the lock acquired.
        self.0 .0.load(Ordering::Relaxed) >> STAMP_SHIFT
    }

    /// Sets the chain's kill stamp (only the holder writes the byte).
    #[inline]
    pub(super) fn set_stamp(&self, stamp: u8) {
        let v = self.0 .0.load(Ordering::Relaxed);
        let mask = (1u8 << STAMP_SHIFT) - 1;
        self.0 .0.store((v & mask) | (stamp << STAMP_SHIFT), Ordering::Relaxed);
    }
}

impl Drop for GateLock<'_> {
    #[inline]
    fn drop(&mut self) {
        // Only the holder writes the byte while the bit is set.
        let v = self.0 .0.load(Ordering::Relaxed);
        self.0 .0.store(v & !LOCKED, Ordering::Release);
    }
}

/// `w`, a word of tophash bytes (little-endian: slot `i` in bits `8i..`),
/// with slot `i`'s byte replaced by `t`.
#[inline]
pub(super) fn with_byte(w: u64, i: usize, t: u8) -> u64 {
    let shift = (i % BUCKET_SLOTS) * 8;
    (w & !(0xff << shift)) | (u64::from(t) << shift)
}

impl<'a, K, V> Bucket<'a, K, V> {
    /// The bucket's identity (its header's address).
    pub(super) fn addr(self) -> usize {
        core::ptr::from_ref(self.hdr).addr()
    }

    /// Whether `self` and `other` are the same bucket.
    #[inline]
    pub(super) fn same(self, other: Bucket<'_, K, V>) -> bool {
        core::ptr::eq(self.hdr, other.hdr)
    }

    /// The link to the next bucket (0 for none; `BucketArray::overflow`),
    /// for a bucket of a chain of `arr`.
    #[inline]
    pub(super) fn link(self, arr: &BucketArray<K, V>, order: Ordering) -> u32 {
        arr.link_of(self).0.load(order)
    }

    /// Links the overflow bucket `link` of `arr` after this bucket, one of
    /// `arr`'s (Release: publishes its contents). The caller holds the
    /// chain's lock, or is the only writer of a chain nobody reads yet.
    pub(super) fn set_link(self, arr: &BucketArray<K, V>, link: u32) {
        arr.link_of(self).0.store(link, Ordering::Release);
    }

    /// The eight tophash bytes, slot `i` at index `i`, as of one load.
    #[inline]
    pub(super) fn tops(self, order: Ordering) -> [u8; BUCKET_SLOTS] {
        self.hdr.0.load(order).to_le_bytes()
    }

    /// Slot `i`'s tophash byte.
    #[inline]
    pub(super) fn top(self, i: usize, order: Ordering) -> u8 {
        self.tops(order)[i]
    }

    /// Sets slot `i`'s tophash byte, publishing with `order`. Only the
    /// chain's one writer calls this: the holder of its lock, the creator
    /// of an unpublished bucket, or the evacuation that fills a new chain
    /// (see the field), so no other write comes between the load and the
    /// store. The byte is replaced in a register (`with_byte`), not through
    /// a byte store to a copy on the stack: reloading the word from that
    /// copy waited for the narrower store (`docs/log.md`, session 17).
    #[inline]
    pub(super) fn set_top(self, i: usize, t: u8, order: Ordering) {
        let w = self.hdr.0.load(Ordering::Relaxed);
        self.hdr.0.store(with_byte(w, i, t), order);
    }

    /// The word of tophash bytes, for a writer to edit with [`with_byte`]
    /// and store with [`store_word`](Bucket::store_word) (same rule as
    /// `set_top`).
    #[inline]
    pub(super) fn word(self, order: Ordering) -> u64 {
        self.hdr.0.load(order)
    }

    /// Stores a word of tophash bytes (same rule as `set_top`): an
    /// overwrite within one bucket publishes the new slot and kills the old
    /// one in one store, so a reader sees either the old entry live or the
    /// new one, never both or neither.
    #[inline]
    pub(super) fn store_word(self, w: u64, order: Ordering) {
        self.hdr.0.store(w, order);
    }

    /// Resets every byte to `EMPTY_REST` (an undone evacuation's
    /// destination, which no other thread has read).
    pub(super) fn reset_tops(self) {
        self.hdr.0.store(0, Ordering::Release);
    }

    /// Sets all eight bytes in one store (Release): an evacuation's
    /// destination bucket, which no other thread writes or reads before the
    /// old bucket is flagged, gets its bytes gathered and stored once.
    pub(super) fn publish_tops(self, word: u64) {
        self.hdr.0.store(word, Ordering::Release);
    }

    /// The next bucket of the chain, a chain of `arr`.
    #[inline]
    pub(super) fn next(self, arr: &'a BucketArray<K, V>) -> Option<Bucket<'a, K, V>> {
        match self.link(arr, Ordering::SeqCst) {
            0 => None,
            l => Some(arr.overflow(l)),
        }
    }

    /// Starts loading the first cache line of the bucket's body (its first
    /// slots), so that a hit's miss on its slot overlaps the
    /// header's instead of following it: which slot is known only once the
    /// header is in, where the body is from the index alone.
    #[inline(always)]
    pub(super) fn prefetch_body(self) {
        prefetch(core::ptr::from_ref(self.body).cast());
    }

    /// Starts loading the bucket's header: a write asks for it before it
    /// takes the chain's lock, whose locked instruction would otherwise
    /// let the header's miss start only once its own had ended.
    #[inline(always)]
    pub(super) fn prefetch_header(self) {
        prefetch(core::ptr::from_ref(self.hdr).cast());
    }

    /// The entry in slot `i`.
    ///
    /// # Safety
    ///
    /// The caller saw slot `i`'s byte leave `EMPTY_REST` with an Acquire
    /// load (or holds the chain's lock and so wrote it, or is alone in the
    /// table): the slot was initialised before that byte was published,
    /// and it is written again only after every thread that was inside the
    /// collector when it died has left (`reuse.rs`), so not while the
    /// caller's guard lives.
    #[inline]
    pub(super) unsafe fn entry(self, i: usize) -> &'a Entry<K, V> {
        // SAFETY: the caller's contract: initialised, and not written again
        // while the caller's guard lives (invariant 1).
        unsafe { (*self.body.slots[i].get()).assume_init_ref() }
    }

    /// A raw pointer to slot `i`'s entry (initialised or not).
    #[inline]
    pub(super) fn slot_ptr(self, i: usize) -> NonNull<Entry<K, V>> {
        // SAFETY: a pointer into `self.body.slots`, a reference: not null.
        unsafe { NonNull::new_unchecked(self.body.slots[i].get().cast()) }
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
    pub(super) unsafe fn copy_slot(self, i: usize, src: *const Entry<K, V>) {
        // SAFETY: the caller's contract; `MaybeUninit` has the entry's
        // layout, and the slots do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(
                src.cast::<core::mem::MaybeUninit<Entry<K, V>>>(),
                self.body.slots[i].get(),
                1,
            )
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
    pub(super) unsafe fn write_slot(self, i: usize, e: Entry<K, V>) {
        // SAFETY: the caller's contract; the slot is uninitialised storage
        // of the right type and alignment.
        unsafe { self.slot_ptr(i).as_ptr().write(e) }
    }
}

/// Size of the bodies region from which lookups prefetch a head's body
/// with its header (measured in `docs/log.md`, session 9: where the bodies
/// fit the caches, the hint only costs instructions).
const PREFETCH_MIN: usize = 4 << 20;

/// Arrays at least this large are mapped from the OS: fresh zero pages,
/// written one at a time as the array fills, and handed back a budget per
/// write. Arrays below 1 MiB came from `alloc_zeroed`: with two threads
/// the first 20,000 inserts (arrays of 2^10 to 2^12 buckets, 150 to 740
/// KB) held the slowest reproducible inserts in three sittings of four
/// (133-486 us), and in neither of two sittings once arrays were mapped
/// from 64 KiB (`docs/log.md`, session 10; why the allocator's blocks
/// were slow was not measured). Tests use `sys::MAP_MIN` (16 KiB).
// Under loom arrays are boxed, never mapped: the mapping items go unused.
#[cfg_attr(loom, allow(dead_code))]
const MAP_MIN: usize = if cfg!(test) { sys::MAP_MIN } else { 64 << 10 };

/// The overflow pool of an array of `n` buckets (`BucketArray::pool`).
fn pool_for(n: usize) -> usize {
    n / 4
}

/// Buckets in chunk 0 of an array's overflow buckets past its pool; chunk
/// `k` holds `CHUNK0 << k`.
const CHUNK0: usize = 8;

/// Chunks an array can have: enough for every bucket a `u32` link names
/// (`CHUNK0 · (2^30 - 1) > 2^32`).
const CHUNKS: usize = 30;

/// The chunk holding overflow bucket `j` past the pool, and its place
/// there.
#[inline]
fn chunk_of(j: usize) -> (usize, usize) {
    let k = (j / CHUNK0 + 1).ilog2() as usize;
    (k, j - CHUNK0 * ((1 << k) - 1))
}

/// The layout of chunk `k`.
#[cfg_attr(loom, allow(dead_code))]
fn chunk_layout<K, V>(k: usize) -> core::alloc::Layout {
    core::alloc::Layout::array::<Overflow<K, V>>(CHUNK0 << k).expect("a chunk's size fits isize")
}

/// Whether an allocation of this layout (an array or a chunk) is mapped
/// from the OS rather than taken from `alloc_zeroed`: decided by size
/// alone, so that freeing a chunk knows without a record.
#[cfg_attr(loom, allow(dead_code))]
fn mappable(layout: core::alloc::Layout) -> bool {
    sys::AVAILABLE && layout.size() >= MAP_MIN && layout.align() <= sys::PAGE
}

/// A zeroed chunk `k`: fresh zero pages if large (O(1) in its size, as for
/// arrays), else from `alloc_zeroed`.
fn new_chunk<K, V>(k: usize) -> *mut Overflow<K, V> {
    #[cfg(not(loom))]
    {
        let layout = chunk_layout::<K, V>(k);
        let p = if mappable(layout) {
            sys::map(layout.size())
        } else {
            // SAFETY: a chunk has a non-zero size, and all-zero bytes are
            // empty overflow buckets (atomics of zero, `MaybeUninit` slots).
            unsafe { std::alloc::alloc_zeroed(layout) }
        };
        if p.is_null() {
            std::alloc::handle_alloc_error(layout)
        }
        p.cast()
    }
    #[cfg(loom)]
    {
        let c: Box<[Overflow<K, V>]> = (0..CHUNK0 << k).map(|_| Overflow::new()).collect();
        Box::into_raw(c).cast()
    }
}

/// Frees chunk `k` at `p`: a mapped one through `unmapper` (page by page,
/// a budget per write, as arrays are) or, with none, at once.
///
/// # Safety
///
/// `p` came from `new_chunk::<K, V>(k)`, is freed once, and nothing in it
/// is used again; `unmapper` is null or outlives the call's queue.
unsafe fn free_chunk<K, V>(p: *mut Overflow<K, V>, k: usize, unmapper: *const Unmapper) {
    #[cfg(not(loom))]
    {
        let layout = chunk_layout::<K, V>(k);
        let size = layout.size().next_multiple_of(sys::PAGE);
        if !mappable(layout) {
            // SAFETY: allocated by `alloc_zeroed` with this layout (the
            // caller's contract); no drop glue (entries are owned elsewhere).
            unsafe { std::alloc::dealloc(p.cast(), layout) }
        } else if unmapper.is_null() {
            // SAFETY: one whole mapping of this size, never used again.
            unsafe { sys::unmap(p.cast(), size) }
        } else {
            // SAFETY: as above; the unmapper outlives every array of its
            // table.
            unsafe { (*unmapper).push(p.cast(), size) }
        }
    }
    #[cfg(loom)]
    {
        let _ = unmapper;
        // SAFETY: built in `new_chunk` from a boxed slice of this length.
        unsafe { drop(Box::from_raw(core::ptr::slice_from_raw_parts_mut(p, CHUNK0 << k))) }
    }
}

/// Where an array's five regions start in its one allocation.
#[cfg_attr(loom, allow(dead_code))]
struct Regions {
    layout: core::alloc::Layout,
    gates: usize,
    links: usize,
    bodies: usize,
    pool: usize,
}

/// An array of `2^b` buckets (Go's `buckets`/`oldbuckets`): one allocation
/// of five regions, the `2^b` heads' headers, their gates, their bodies,
/// their links, and the pool of overflow buckets; and, past the pool,
/// chunks of overflow buckets allocated as needed.
///
/// Why links of four bytes in a region of their own: a head with its link
/// in its body took 136 bytes for u64 pairs, 8 of them for the link, and
/// the array's resident bytes are its heads' (a fill at load 4.8 links an
/// overflow bucket for about one head in twenty). As numbers into the
/// pool and chunks the links take 4 bytes a head, and the bodies are the
/// slots alone: 32.1 -> 31.2 B/entry at 10 M keys (`conc-latency`, one
/// thread; `docs/log.md`, session 16). The price is a line: a write or an
/// evacuation that follows a full head's link reads the links region,
/// where the link used to share the body's first line. Large arrays have
/// writes and evacuations prefetch it with the header and the body.
///
/// `repr(C)`, in this field order: the fields every operation reads come
/// first, in the struct's first two cache lines, and the chunk directory
/// last (left to the compiler, it put the directory first and the hot
/// fields at offsets 240-354).
#[repr(C)]
pub(super) struct BucketArray<K, V> {
    /// `2^b - 1`, kept rather than worked out from `b` on every access
    /// (callgrind: 1.816G -> 1.767G instructions growing 3.1M keys from
    /// empty). Reducing slot numbers modulo 8 to drop their bounds tests
    /// as well measured worse (1.812G, and +2.3% on exchange).
    mask: usize,
    /// Header `i` of the heads; the allocation starts here.
    headers: NonNull<Header>,
    /// Gate of head `i`.
    gates: NonNull<Gate>,
    /// Link of head `i`.
    links: NonNull<Link>,
    /// Body of head `i`.
    bodies: NonNull<Body<K, V>>,
    /// Overflow buckets carved from the array's own storage: `2^b / 4` of
    /// them (a fill at load 6.5 needs about a fifth, Poisson), overflow
    /// buckets `0..pool`. They are freed with the array, so a chain's
    /// overflow buckets need no retiring of their own, and a write that
    /// links one calls no allocator; zero pages until used.
    pool_base: NonNull<Overflow<K, V>>,
    /// The pool's size.
    pool: usize,
    /// The most entries the array holds before a doubling starts (Go's
    /// `overLoadFactor`, worked out once instead of on every insert).
    pub(super) grow_at: usize,
    /// `dead_overflow` at which a same-size resize starts.
    pub(super) dead_at: usize,
    /// Every this many `dead_overflow` links whose chain held dead slots
    /// not yet reusable, the linking write moves the dead-slot clock
    /// (`reuse.rs`): 64 chances before the same-size trigger.
    pub(super) tick_every: usize,
    /// The table's unmapper: dropping the array queues its pages there if
    /// it is an OS mapping (`mapped`, `raw/sys.rs`), and those of its
    /// mapped chunks; later writes unmap them a budget at a time. The
    /// unmapper is boxed by the table and outlives every array (it is the
    /// table's last field to drop).
    #[cfg_attr(loom, allow(dead_code))]
    unmapper: *const Unmapper,
    /// Whether lookups prefetch a head's body with its header
    /// (`Bucket::prefetch_body`): only when the bodies outgrow the caches
    /// that would otherwise hold them.
    pub(super) prefetch: bool,
    /// Whether the array's own allocation is an OS mapping.
    #[cfg_attr(loom, allow(dead_code))]
    mapped: bool,
    b: u8,
    /// Overflow buckets past the pool: chunk `k` holds the `CHUNK0 << k`
    /// after those of chunk `k - 1`, null until a write first needs one of
    /// them. Freed with the array, like the pool.
    chunks: [AtomicPtr<Overflow<K, V>>; CHUNKS],
    /// Overflow buckets linked into chains of this array (exact; Go's
    /// `noverflow`). Written by writers only.
    pub(super) noverflow: AtomicUsize,
    /// Of those, the ones linked because a dead slot could not be reused
    /// yet: the chain had dead slots still in their grace period, or the
    /// write replaced a live one. An eighth of the bucket count starts a
    /// same-size resize (`maybe_grow`).
    pub(super) dead_overflow: AtomicUsize,
    /// The number of the next overflow bucket to hand out: in the pool
    /// while below `pool`, else in the chunks.
    pool_next: AtomicUsize,
}

impl<K, V> BucketArray<K, V> {
    /// A zeroed array of `2^b` buckets, boxed: O(1) for large arrays (fresh
    /// zero pages), O(buckets) under loom. Arrays of `MAP_MIN` bytes or
    /// more are mapped from the OS, so that `unmapper` can take their pages
    /// back piecemeal when the array is dropped; smaller ones (and all of
    /// them where mapping is unavailable) come from `alloc_zeroed`.
    pub(super) fn new(b: u8, unmapper: &Unmapper) -> Box<Self> {
        let n = 1usize.checked_shl(u32::from(b)).expect("bucket count overflows usize");
        let pool = pool_for(n);
        #[cfg(not(loom))]
        let (headers, gates, links, bodies, pool_base, mapped) = {
            let r = Self::regions(n, pool).expect("bucket array too large");
            let layout = r.layout;
            let mapped = if mappable(layout) { sys::map(layout.size()) } else { core::ptr::null_mut() };
            let (base, mapped) = match NonNull::new(mapped) {
                Some(p) => (p, true),
                None => {
                    // SAFETY: the layout has a non-zero size (n >= 1), and
                    // all-zero bytes are valid headers, gates and links
                    // (atomics of zero) and slots (`MaybeUninit`), so the
                    // memory is initialised. (So are a fresh mapping's.)
                    let p = unsafe { std::alloc::alloc_zeroed(layout) };
                    (NonNull::new(p).unwrap_or_else(|| std::alloc::handle_alloc_error(layout)), false)
                }
            };
            // SAFETY: the four offsets come from the layout the allocation
            // was made with, so they stay inside it.
            unsafe {
                (
                    base.cast(),
                    base.add(r.gates).cast(),
                    base.add(r.links).cast(),
                    base.add(r.bodies).cast(),
                    base.add(r.pool).cast(),
                    mapped,
                )
            }
        };
        #[cfg(loom)]
        let (headers, gates, links, bodies, pool_base, mapped) = {
            let h: Box<[Header]> = (0..n).map(|_| Header::new()).collect();
            let t: Box<[Gate]> = (0..n).map(|_| Gate::new()).collect();
            let l: Box<[Link]> = (0..n).map(|_| Link::new()).collect();
            let s: Box<[Body<K, V>]> = (0..n).map(|_| Body::new()).collect();
            let o: Box<[Overflow<K, V>]> = (0..pool).map(|_| Overflow::new()).collect();
            (
                NonNull::new(Box::into_raw(h).cast::<Header>()).expect("Box is non-null"),
                NonNull::new(Box::into_raw(t).cast::<Gate>()).expect("Box is non-null"),
                NonNull::new(Box::into_raw(l).cast::<Link>()).expect("Box is non-null"),
                NonNull::new(Box::into_raw(s).cast::<Body<K, V>>()).expect("Box is non-null"),
                NonNull::new(Box::into_raw(o).cast::<Overflow<K, V>>()).expect("Box is non-null"),
                false,
            )
        };
        Box::new(BucketArray {
            b,
            mask: n - 1,
            headers,
            gates,
            links,
            bodies,
            pool_base,
            chunks: core::array::from_fn(|_| AtomicPtr::new(core::ptr::null_mut())),
            unmapper: core::ptr::from_ref(unmapper),
            mapped,
            noverflow: AtomicUsize::new(0),
            dead_overflow: AtomicUsize::new(0),
            grow_at: super::grow_at(b),
            dead_at: (n / 8).max(1),
            tick_every: (n / 8 / 64).max(1),
            prefetch: n.saturating_mul(core::mem::size_of::<Body<K, V>>()) >= PREFETCH_MIN,
            pool,
            pool_next: AtomicUsize::new(0),
        })
    }

    /// The one allocation of `n` heads and a pool of `pool`: headers, then
    /// gates, then bodies, then links, then overflow buckets.
    fn regions(n: usize, pool: usize) -> Option<Regions> {
        use core::alloc::Layout;
        let (l, gates) = Layout::array::<Header>(n).ok()?.extend(Layout::array::<Gate>(n).ok()?).ok()?;
        let (l, bodies) = l.extend(Layout::array::<Body<K, V>>(n).ok()?).ok()?;
        let (l, links) = l.extend(Layout::array::<Link>(n).ok()?).ok()?;
        let (layout, pool) = l.extend(Layout::array::<Overflow<K, V>>(pool).ok()?).ok()?;
        Some(Regions { layout, gates, links, bodies, pool })
    }

    /// A fresh, empty, unpublished overflow bucket for a chain of this
    /// array, as the link that names it: the pool's next one, or past the
    /// pool the next one of the chunks (the first write to need a chunk
    /// allocates it: O(1) in its size, as arrays are).
    pub(super) fn alloc_overflow(&self) -> u32 {
        let i = self.pool_next.fetch_add(1, Ordering::Relaxed);
        if i >= self.pool {
            self.ensure_chunk(i - self.pool);
        }
        i.checked_add(1).and_then(|l| u32::try_from(l).ok()).expect("more overflow buckets than a link numbers")
    }

    /// Makes sure the chunk of overflow bucket `j` past the pool exists.
    #[cold]
    #[inline(never)]
    fn ensure_chunk(&self, j: usize) {
        let (k, _) = chunk_of(j);
        let slot = self.chunks.get(k).expect("more overflow buckets than a link numbers");
        if slot.load(Ordering::Acquire).is_null() {
            let c = new_chunk::<K, V>(k);
            // AcqRel: publishes the chunk's zeroed bytes to whoever loads
            // the pointer; a loser frees its own, never seen by anyone.
            if slot.compare_exchange(core::ptr::null_mut(), c, Ordering::AcqRel, Ordering::Acquire).is_err() {
                // SAFETY: made just now by `new_chunk(k)`, never published.
                unsafe { free_chunk(c, k, core::ptr::null()) };
            }
        }
    }

    /// The overflow bucket `link` (nonzero) names.
    #[inline]
    pub(super) fn overflow(&self, link: u32) -> Bucket<'_, K, V> {
        let i = (link as usize).wrapping_sub(1);
        if i < self.pool {
            // SAFETY: pool bucket `i` is in bounds and lives as long as the
            // array (all-zero bytes are an empty bucket).
            unsafe { &*self.pool_base.as_ptr().add(i) }.bucket()
        } else {
            self.chunk_bucket(i - self.pool).bucket()
        }
    }

    /// Overflow bucket `j` past the pool.
    #[inline(never)]
    fn chunk_bucket(&self, j: usize) -> &Overflow<K, V> {
        let (k, at) = chunk_of(j);
        // Acquire: the link naming the bucket was published (Release) by a
        // writer that had loaded or installed the chunk's pointer, so this
        // load sees it, and the chunk's zeroed bytes with it.
        let c = self.chunks[k].load(Ordering::Acquire);
        assert!(!c.is_null(), "a link names a bucket of a chunk not allocated");
        // SAFETY: `at < CHUNK0 << k` (`chunk_of`); the chunk lives as long
        // as the array.
        unsafe { &*c.add(at) }
    }

    /// Bucket `b`'s link, `b` being a bucket of this array's chains: a
    /// head's in the links region, an overflow bucket's in the bucket (whose
    /// header is its first field). Told apart by `b`'s address, and reached
    /// through the array's own pointers.
    #[inline]
    fn link_of(&self, b: Bucket<'_, K, V>) -> &Link {
        let a = b.addr();
        let off = a.wrapping_sub(self.headers.as_ptr().addr());
        if off < self.len() * core::mem::size_of::<Header>() {
            // SAFETY: `b` is head `off / 8`, in bounds; its link lives as
            // long as the array.
            return unsafe { &*self.links.as_ptr().add(off / core::mem::size_of::<Header>()) };
        }
        let size = core::mem::size_of::<Overflow<K, V>>();
        let off = a.wrapping_sub(self.pool_base.as_ptr().addr());
        let o = if off < self.pool * size {
            // SAFETY: `b` is pool bucket `off / size`, in bounds.
            unsafe { &*self.pool_base.as_ptr().add(off / size) }
        } else {
            self.chunk_bucket_at(a)
        };
        &o.link
    }

    /// The chunk bucket whose address is `a`.
    #[inline(never)]
    fn chunk_bucket_at(&self, a: usize) -> &Overflow<K, V> {
        let size = core::mem::size_of::<Overflow<K, V>>();
        for (k, c) in self.chunks.iter().enumerate() {
            let c = c.load(Ordering::Acquire);
            let off = a.wrapping_sub(c.addr());
            if !c.is_null() && off < (CHUNK0 << k) * size {
                // SAFETY: bucket `off / size` of chunk `k`, in bounds, alive
                // as long as the array.
                return unsafe { &*c.add(off / size) };
            }
        }
        panic!("a bucket of no array's storage")
    }

    /// Whether overflow bucket `link` comes from the pool (else a chunk).
    pub(super) fn is_pooled(&self, link: u32) -> bool {
        (link as usize).wrapping_sub(1) < self.pool
    }

    /// Whether an array of `2^b` buckets can be allocated at all (its size
    /// fits `isize`); checked before anything is claimed, so `reserve(huge)`
    /// panics with nothing changed.
    pub(super) fn fits(b: u8) -> bool {
        1usize.checked_shl(u32::from(b)).is_some_and(|n| Self::regions(n, pool_for(n)).is_some())
    }

    #[inline]
    pub(super) fn b(&self) -> u8 {
        self.b
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.mask + 1
    }

    #[inline]
    pub(super) fn mask(&self) -> usize {
        self.mask
    }

    /// Head bucket `i`.
    #[inline]
    pub(super) fn bucket(&self, i: usize) -> Bucket<'_, K, V> {
        assert!(i <= self.mask, "bucket index out of range");
        // SAFETY: `i` is in bounds.
        unsafe { self.head(i) }
    }

    /// The head bucket the hash selects.
    #[inline]
    pub(super) fn bucket_for(&self, hash: u64) -> Bucket<'_, K, V> {
        // SAFETY: masked, the index is below `2^b`.
        unsafe { self.head(hash as usize & self.mask()) }
    }

    /// Head `i`'s gate.
    #[inline]
    pub(super) fn gate(&self, i: usize) -> &Gate {
        assert!(i <= self.mask, "bucket index out of range");
        // SAFETY: `i` is in bounds; gates are initialised (all-zero bytes
        // are an open gate) and live as long as the array.
        unsafe { &*self.gates.as_ptr().add(i) }
    }

    /// Starts loading head `i & mask`'s link (`i` may be a hash).
    #[inline(always)]
    pub(super) fn prefetch_link(&self, i: usize) {
        prefetch(self.links.as_ptr().wrapping_add(i & self.mask()).cast());
    }

    /// The gate of the head the hash selects.
    #[inline]
    pub(super) fn gate_for(&self, hash: u64) -> &Gate {
        // SAFETY: masked, the index is below `2^b`.
        unsafe { &*self.gates.as_ptr().add(hash as usize & self.mask()) }
    }

    /// Head bucket `i`, unchecked.
    ///
    /// # Safety
    ///
    /// `i < 2^b`.
    #[inline]
    unsafe fn head(&self, i: usize) -> Bucket<'_, K, V> {
        // SAFETY: in bounds (the caller's contract); headers, links and
        // slots are initialised and live as long as the array.
        unsafe { Bucket { hdr: &*self.headers.as_ptr().add(i), body: &*self.bodies.as_ptr().add(i) } }
    }
}

impl<K, V> Drop for BucketArray<K, V> {
    /// Frees the array's own storage only (its heads, its pool and its
    /// chunks of overflow buckets), not its entries, which are owned as
    /// invariant 8 says and freed by whoever owns them. O(1) in the array's
    /// size: one deallocation, or for a mapped array one push on the
    /// unmapper's queue, and as many for its chunks (at most `CHUNKS`).
    fn drop(&mut self) {
        for (k, c) in self.chunks.iter().enumerate() {
            let p = c.load(Ordering::Acquire);
            if !p.is_null() {
                // SAFETY: installed by `ensure_chunk` from `new_chunk(k)`,
                // freed once, here; the unmapper outlives every array of its
                // table (field comment).
                unsafe { free_chunk(p, k, self.unmapper) };
            }
        }
        #[cfg(not(loom))]
        {
            let layout = Self::regions(self.len(), self.pool).expect("allocated with this layout").layout;
            if !self.mapped {
                // SAFETY: allocated in `new` with this layout by
                // `alloc_zeroed`, starting at the headers; nothing in it has
                // drop glue (atomics and `MaybeUninit` slots; the entries'
                // owners drop them, invariant 8).
                unsafe { std::alloc::dealloc(self.headers.as_ptr().cast(), layout) }
            } else {
                // SAFETY: the array is one whole mapping from `sys::map` of
                // this size (the kernel maps whole pages), queued once, here,
                // and not used again; the unmapper outlives every array of
                // its table (field comment).
                unsafe {
                    (*self.unmapper).push(self.headers.as_ptr().cast(), layout.size().next_multiple_of(sys::PAGE))
                }
            }
        }
        #[cfg(loom)]
        {
            let n = self.len();
            // SAFETY: built in `new` from boxed slices of exactly these
            // lengths, freed once, here.
            unsafe {
                drop(Box::from_raw(core::ptr::slice_from_raw_parts_mut(self.headers.as_ptr(), n)));
                drop(Box::from_raw(core::ptr::slice_from_raw_parts_mut(self.gates.as_ptr(), n)));
                drop(Box::from_raw(core::ptr::slice_from_raw_parts_mut(self.links.as_ptr(), n)));
                drop(Box::from_raw(core::ptr::slice_from_raw_parts_mut(self.bodies.as_ptr(), n)));
                drop(Box::from_raw(core::ptr::slice_from_raw_parts_mut(self.pool_base.as_ptr(), self.pool)));
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// `with_byte` replaces exactly slot `i`'s byte, as a byte store to
    /// the little-endian word would.
    #[test]
    fn with_byte_replaces_one_byte() {
        let w = u64::from_le_bytes([0, 1, 2, 0x80, 0xff, 7, 2, 1]);
        for i in 0..BUCKET_SLOTS {
            for t in [0u8, 1, 2, 0x5a, 0xff] {
                let mut want = w.to_le_bytes();
                want[i] = t;
                assert_eq!(with_byte(w, i, t).to_le_bytes(), want, "slot {i}, byte {t}");
            }
        }
    }

    /// Chunk `k` holds overflow buckets `CHUNK0 · (2^k - 1)` to
    /// `CHUNK0 · (2^(k+1) - 1)` past the pool, and the last chunk reaches
    /// past every number a link can name.
    #[test]
    fn chunks_number_every_link() {
        let mut start = 0;
        for k in 0..CHUNKS {
            let len = CHUNK0 << k;
            assert_eq!(chunk_of(start), (k, 0));
            assert_eq!(chunk_of(start + len - 1), (k, len - 1));
            start += len;
        }
        assert!(start > u32::MAX as usize);
    }

    /// Past the pool, overflow buckets come from chunks: each fresh and
    /// distinct, and its link found again from the bucket.
    #[test]
    fn overflow_buckets_past_the_pool_come_from_chunks() {
        let u = Unmapper::new();
        let arr = BucketArray::<u64, u64>::new(4, &u);
        let mut seen = alloc::collections::BTreeSet::new();
        let mut prev = arr.bucket(0);
        // 300: into chunk 5, whose 18 KiB are mapped (tests map from 16 KiB).
        for n in 1..=300u32 {
            let link = arr.alloc_overflow();
            assert_eq!(link, n);
            assert_eq!(arr.is_pooled(link), (link as usize) <= arr.pool);
            let b = arr.overflow(link);
            assert!(seen.insert(b.addr()), "overflow bucket {n} handed out twice");
            assert_eq!(b.tops(Ordering::Relaxed), [0; BUCKET_SLOTS]);
            prev.set_link(&arr, link);
            assert_eq!(prev.next(&arr).map(Bucket::addr), Some(b.addr()));
            prev = b;
        }
        assert!(prev.next(&arr).is_none());
    }
}
