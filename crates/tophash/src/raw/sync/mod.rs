//! The concurrent engine behind `tophash::sync::HashMap`: Go's classic map
//! shared by threads, whose writers share the evacuation.
//!
//! # Design
//!
//! The layout is the single-threaded engine's (see `raw/mod.rs`): an array
//! of `2^B` buckets of eight slots, a tophash byte per slot (the same
//! [`tophash`] function and reserved values: 0 `EMPTY_REST`, 1 `EMPTY_ONE`,
//! a live byte moved past 5), overflow chains, load factor 6.5, Go 1.19's
//! growth triggers, and incremental evacuation. What changes is that every
//! word a reader looks at is atomic ([`bucket::Bucket`]):
//!
//! * a bucket's *header* is its eight tophash bytes as one atomic word (a
//!   reader loads and compares them at once); its *body* is eight inline
//!   slots, each a key and its value ([`Entry`]); its overflow *link* is
//!   an atomic 32-bit number naming one of the array's overflow buckets
//!   (a pool carved from the array's allocation, then chunks allocated as
//!   needed, all freed with the array). A chain head also has a *gate*,
//!   one byte holding the chain's writer **lock** (spin briefly, then
//!   yield) and its **`evacuated`** flag. The heads' headers sit in one
//!   region of the array, eight bytes each, their gates in the next, one
//!   byte each, then their bodies and their links, four bytes each: a
//!   lookup that misses reads only a header, from a
//!   region a seventeenth the size of the bodies that stays in the cache (a
//!   random miss among 786K keys: 72.5 ns inline, 19.1 to 30.3 ns apart,
//!   `docs/log.md`), and a write locks a byte of a region an eighth the
//!   headers' size instead of waiting for the first line of a body;
//! * a slot is **rewritten only after a grace period**. An insert takes
//!   its chain's first reusable dead slot, else its first unwritten one
//!   (`EMPTY_REST`): it writes the entry, then publishes the slot's
//!   tophash byte (Release). A removal sets the byte to `EMPTY_ONE`; an
//!   overwrite, `update` or `compute` writes a new slot (in the old one's
//!   bucket or after it) and kills the old one. A dead slot becomes
//!   reusable once every thread that was inside the collector when it died
//!   has left ([`reuse`]: a clock of epochs moved through the collector,
//!   and each chain's gate stamped with the epoch of its latest kill). So a
//!   reader that saw a live byte (Acquire) reads bytes that no writer
//!   changes while its guard lives, with no lock and no torn read. Dead
//!   slots not yet reusable can still lengthen chains (while a guard is
//!   held, none is); the next resize copies live entries only, and Go's
//!   overflow trigger, or this engine's own (below), starts a same-size
//!   resize when they have;
//! * the table's *state* ([`State`]) is an immutable record behind one
//!   `AtomicPtr`: the current array, the old array while a resize runs,
//!   that resize's shared cursor `nevacuate` and its `evacuated` count, and
//!   the *generation* holding `len`. Starting or ending a resize and `clear`
//!   publish a new state with a compare-and-swap and retire the old one.
//!
//! **Reads** enter the collector (a write to the reading thread's own
//! reservation only), load the state, and if a resize runs and the key's
//! old bucket is not evacuated scan the old chain, else the new one: load a
//! bucket's tophash word, compare its eight bytes, then compare the keys of
//! the matching live slots, inline in the bucket. No read writes a shared
//! cache line or takes a lock, with one caveat from the collector: while
//! writers retire objects, `seize` (hyaline) links their batches into the
//! active readers' reservations, and a reader leaving last frees a batch.
//!
//! **Writes** (insert, remove, update, compute) run under the lock of the
//! key's bucket, for one bounded bucket operation. During a resize a write
//! asks for its own chain's lines, then claims *at most two* old buckets
//! (evacuating them is more work than the core looks ahead, so lines asked
//! for only after it were waited for in full), each by advancing `nevacuate`
//! with a CAS (a failed CAS is a *claim conflict*, retried at most
//! [`CLAIM_TRIES`] times), and evacuates them; then it writes into its
//! key's old chain if that is not evacuated yet, else into the new array.
//! Evacuation so happens at the cursor only, walking the old array and
//! the new one in address order (Go's `growWork` also evacuates the key's
//! own, random, old bucket: dropping that cut a 1M-key fill from empty by
//! 12%, `docs/log.md`, session 24). A write that locks a bucket whose
//! `evacuated` flag is set (evacuated since it looked, or its view of the
//! state was stale) unlocks and starts over from the state. `len` lives in
//! the state's generation, striped over per-thread cells ([`Generation`])
//! and changed under the bucket lock, so its sum never goes below 0. An
//! overwrite publishes the new slot before it kills the old one (in one
//! store when both are in one bucket), so a reader never misses the key. The
//! commonest writes take a short path under the lock, inlined into their
//! callers: an insert whose head has an unwritten slot and no byte equal
//! to the key's (the head is then the whole chain, invariant 9, and the
//! key is absent) writes that slot; a replacement of an expected entry in
//! the head writes the head's free slot and kills the old one in one
//! store; a removal whose key is in the head kills it. Everything else
//! runs the general probe of the whole chain, out of line (the short paths
//! cut a presized insert from 273 to 227 instructions, session 14; inlining
//! them cut bustle's exchange by 16% of its instructions, session 17:
//! `docs/log.md`).
//!
//! **Removed values.** A killed slot's key and value may still be read by
//! threads inside the collector, so they are dropped through it: moved
//! (bitwise) into a box that is retired. Types without drop glue (`u64`
//! keys and values, say) skip that: the bytes just stay in the dead slot.
//!
//! **Growth.** An insert of a new key that makes `len > 6.5·2^B` (and
//! `> 8`), or a write that links an overflow bucket and so brings the
//! overflow buckets to as many as buckets (or those that dead slots cost to
//! an eighth of them), starts a resize if none runs: doubling, or
//! same-size for overflow. Exactly one thread wins the CAS on the state's
//! `start_claimed` flag; it allocates
//! the new array zeroed (O(1) in the table size for large arrays: fresh
//! zero pages of an OS mapping) and publishes the new state. Evacuating old
//! bucket `i`: lock it, and for each live slot hash its key (as Go does;
//! nothing is stored beside the key) and copy the entry's bytes into the
//! first unwritten slot of its destination chain, without locking it (until
//! bucket `i` is flagged no other thread writes or reads its new buckets:
//! writers and readers go to a key's new chain only once its old bucket is
//! flagged); then set
//! `evacuated` (Release), which hands ownership to the copies, and unlock
//! (the chain's overflow buckets go with the old array). Old slots keep their bytes, so a
//! reader mid-scan of the old chain still finds its key; they are never
//! dropped. If the hasher panics mid-chain, the copies are undone (the new
//! chains of bucket `i` are reset: nobody reads them before the flag is
//! set) and the old bucket keeps its entries; since the cursor has passed
//! it, claims made after the cursor's end *sweep* the old array for such
//! buckets, so the resize still ends. The thread whose evacuation brings
//! the count to `2^B_old` publishes the state without the old array and
//! retires the old array: one deallocation of the array's storage. A large
//! array's pages are not unmapped in that call (an `munmap` of a 46 MB
//! array took 2.8 ms): they go to the table's [`Unmapper`] queue, and each
//! later write hands back at most 64 KiB of them.
//!
//! A write holds one lock at a time, and an evacuation only its old
//! bucket's: a new bucket takes entries from exactly one old
//! bucket (`k & old_mask`; arrays only grow, and evacuation takes the
//! destination's low bits from the old index, so even a `Hash` that is not
//! a function of the key cannot send an entry elsewhere), and writers touch
//! it only after that old bucket is evacuated (an evacuation without the
//! new bucket's lock ran 5.6% fewer instructions growing 3.1M keys from
//! empty, 2.034G -> 1.921G: one CAS less per entry moved). So no cycle of
//! waits exists.
//!
//! **Clear** publishes a fresh one-bucket state with a new generation (so
//! `len` is 0 at once) and queues the replaced arrays for *draining*:
//! later writes (and `evacuate`) each drain up to [`DRAIN_STEP`] buckets,
//! setting their `evacuated` flag and retiring their live entries; the
//! arrays (with their overflow buckets) are retired after their last
//! bucket. A
//! write that still held the replaced state sees the flag and starts over,
//! or lands in a not yet drained bucket (it overlapped the `clear`, so
//! linearises before it) and is drained with it.
//!
//! **Iteration** captures the state and walks it one *group* at a time:
//! during a resize, old bucket `i` with the new buckets `j & old_mask ==
//! i`; without one, a bucket of the current array. A group whose old bucket
//! is not evacuated when the walk reaches it is read from the old chain,
//! else from its new chains, never both; each bucket's tophash word is
//! read once. A key present for the whole iteration is yielded at least
//! once; it is yielded a second time (with its newer value) only if it is
//! overwritten into a later bucket of its chain after the walk passed its
//! slot (an overwrite within the bucket is one store: the walk sees the
//! old slot or the new one). The iterator never evacuates.
//!
//! ## Go's names here
//!
//! | Go (`runtime/map.go`) | here                                         |
//! |-----------------------|----------------------------------------------|
//! | `hmap.B`              | `BucketArray::b`                             |
//! | `hmap.count`          | `Generation::len`                            |
//! | `hmap.buckets`        | `State::current`                             |
//! | `hmap.oldbuckets`     | `State::old`                                 |
//! | `hmap.nevacuate`      | `State::nevacuate`, the *claim cursor*       |
//! | `hmap.noverflow`      | `BucketArray::noverflow` (exact)             |
//! | `bmap.tophash`, overflow | `Bucket::tops`, `Bucket::link` (a number: `BucketArray::overflow`) |
//! | `hashGrow`            | `RawSyncTable::start_resize`                 |
//! | `growWork`            | `RawSyncTable::help`: `claim_one` twice      |
//! | `evacuate`            | `RawSyncTable::evacuate` (one old bucket)    |
//! | `overLoadFactor`      | [`over_load`]                                |
//! | `sameSizeGrow`        | `ResizeKind::SameSize`                       |
//!
//! Where Go marks an old bucket evacuated in its first tophash byte, this
//! engine has a separate flag: old slots keep their bytes, so a reader
//! mid-scan of an old chain still finds its keys. Where Go reuses a
//! removed slot (`emptyOne`) at once, this engine waits for the readers
//! that may still be reading it ([`reuse`]).
//!
//! # Reclamation: `seize`
//!
//! Retired entries, arrays (with their overflow buckets) and states are freed through
//! a per-map `seize::Collector` ([`reclaim`]), chosen over crossbeam-epoch
//! because (1) entering it marks only the reading thread's own reservation,
//! so reads scale without a shared epoch line, and (2) it is per map: the
//! map's drop frees everything still retired, so `K` and `V` need not be
//! `'static` and nothing outlives the map (valgrind sees no leak at exit).
//! Retiring goes through the writer's guard (`defer_retire`), so no user
//! `Drop` runs while the engine holds a lock.
//!
//! A guard held by a user (a `Ref` from `get`, an iterator) never blocks
//! another call; it only delays the reclamation of what was retired while
//! it lived, so garbage is bounded by what the map retires during the
//! longest-held guard.
//!
//! # Invariants
//!
//! Checked on a quiescent table by [`RawSyncTable::check`].
//!
//! 1. **Grace**: a slot's byte goes `EMPTY_REST` → live → dead
//!    (`EMPTY_ONE`, then possibly `FREE`) → live → ..., never back to
//!    `EMPTY_REST` while its array lives; its bytes are written only on
//!    the steps to live, and a dead slot becomes live again only once
//!    every thread inside the collector at its death has left (a chain's
//!    stamp, or `FREE`, says so). (One exception: an undone evacuation
//!    resets destination chains that no other thread has read.)
//! 2. **Tophash**: a slot is initialised exactly when its byte is not
//!    `EMPTY_REST`; a live byte equals `tophash(hash(key))`.
//! 3. **Placement**: a live entry in an owning chain of an array is in the
//!    chain of bucket `hash & mask` of that array.
//! 4. **Uniqueness**: a key is in at most one live owning slot.
//! 5. **Count**: the generation's `len` equals the live owning slots.
//! 6. **Evacuation**: the current array has no flagged bucket. During a
//!    resize the flagged old buckets number `evacuated < 2^B_old`, every
//!    old bucket below the cursor `nevacuate` is flagged except at most
//!    `abandoned` (evacuations undone by a panicking hasher), and a new
//!    bucket whose old bucket is not flagged is empty.
//! 7. **Chains**: no overflow cycle; the current array's `noverflow` is the
//!    number of overflow buckets in its chains.
//! 8. **Ownership**: a bucket with its flag clear owns the entries in its
//!    chain's live slots; a flagged bucket owns nothing (its entries were
//!    copied or retired), though its slots keep their bytes for readers.
//!    Dead slots own nothing. Overflow buckets belong to their array (its
//!    pool and chunks) and are freed with it. Only an owner retires, once, after the unlink: a dead
//!    byte, or the `evacuated` flag, which a reader checks before following
//!    an old chain. An array's own storage never drops its slots.
//! 9. **Empty rest**: no written slot (live or dead) follows an unwritten
//!    one in a chain.
//! 10. **Locks**: no lock is held at rest; a thread holds at most one
//!     bucket lock, except that undoing an evacuation (a panicking hasher)
//!     locks its new buckets one at a time under the old one's.
//!
//! # Where this departs from the brief, and what is missing
//!
//! * `update` and `compute` take `FnMut` and run it outside any lock,
//!   swapping the new entry in only if the key's entry is still the one
//!   the closure saw (else it runs again on the newer entry). A `FnOnce`
//!   would have to run under the bucket lock, where a closure that calls
//!   the map on the same bucket deadlocks.
//! * Evacuation calls the hasher under the old bucket's lock (Go's way;
//!   the hash is not stored, to keep slots at key plus value). A hasher
//!   that calls back into the map on the same bucket deadlocks, like an
//!   `Eq` that does.
//! * `reserve` during a resize only helps it (one claim); it does not queue
//!   a second resize.
//! * A size that cannot exist (`reserve(usize::MAX)`) panics with
//!   "capacity overflow" before anything is claimed; a failed allocation
//!   aborts, as in std.
//! * Observer events are delivered by the thread that did the work, as soon
//!   as it holds no bucket lock ([`events`]): per thread in order, across
//!   threads interleaved, and possibly before the rest of the call that
//!   did the work (a write's evacuations come before its own write).
//! * Not here: shrinking (the single-threaded `shrink_to`), rayon and serde
//!   support, an `Entry` API.

mod atomic;
mod bucket;
mod check;
mod events;
mod grow;
mod iter;
mod reclaim;
mod reuse;
mod table;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use core::ptr::NonNull;
use std::sync::Mutex;

use crate::types::{ResizeKind, SyncObserver};

use super::bucket::prefetch;
use super::sys::{self, Unmapper};
use super::tophash::{tag, tophash, Group, Tag, BUCKET_SLOTS, EMPTY_ONE, EMPTY_REST, MIN_TOPHASH};
use atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use bucket::{Bucket, BucketArray};
use reclaim::Collector;

pub(crate) use bucket::Entry;
pub(crate) use iter::RawIter;
pub(crate) use reclaim::Guard;

/// How many times a write retries its claim CAS on `nevacuate` before it
/// goes on without claiming (each failure is counted as a claim conflict).
pub(super) const CLAIM_TRIES: usize = 4;

/// Buckets of cleared arrays drained per write.
pub(super) const DRAIN_STEP: usize = 2;

/// Cells of a generation's count ([`Generation`]).
const LEN_CELLS: usize = 8;

/// `len` of one generation: the states between two `clear`s share it.
///
/// A striped count: `len` plus the `cells`, each a signed count kept as a
/// wrapping `usize`. A write of a table whose load limit is under 512
/// entries (a batch of 1) adds to `len`; a larger table's writes
/// add to the cell of their thread (seize's thread number modulo
/// [`LEN_CELLS`]), which moves its count into `len` once it reaches the
/// batch, a 256th of the load limit. So two threads write two lines of
/// their own and meet on `len` once a batch: with one shared count bustle's
/// exchange at 2 threads ran 0.87-0.91 of dashmap's throughput, and 1.02-1.06
/// without it (`docs/log.md`, session 24). The sum is exact whenever no
/// write is under way. The growth trigger reads `len` plus its own cell: on
/// one thread the exact count, as Go's; with other writers, off by at
/// most the other cells' batches (a 256th of the limit each), so a doubling
/// may start that much early or late.
///
/// Every count on a line of its own: nothing a reader reads may share one.
/// The price is memory: nine lines, 1,152 bytes a map (one line before).
#[repr(align(128))]
struct Generation {
    len: AtomicUsize,
    cells: [LenCell; LEN_CELLS],
}

#[repr(align(128))]
struct LenCell(AtomicUsize);

// The size the docs above state (loom's atomics are larger).
#[cfg(not(loom))]
const _: () = assert!(core::mem::size_of::<Generation>() == 1152);

impl Generation {
    fn boxed() -> *mut Self {
        Box::into_raw(Box::new(Generation {
            len: AtomicUsize::new(0),
            cells: core::array::from_fn(|_| LenCell(AtomicUsize::new(0))),
        }))
    }

    /// Adds `delta` (+1 or -1, as a wrapping `usize`) for a write by the
    /// thread of `g` in a table whose batch is `batch`; returns the count
    /// the growth trigger goes by (see the type's docs).
    #[inline]
    fn add(&self, g: &Guard<'_>, delta: usize, batch: usize) -> usize {
        if batch <= 1 {
            return self.len.fetch_add(delta, Ordering::Relaxed).wrapping_add(delta);
        }
        let cell = &self.cells[g.thread() % LEN_CELLS].0;
        let mine = cell.fetch_add(delta, Ordering::Relaxed).wrapping_add(delta);
        if (mine as isize).unsigned_abs() >= batch {
            // Moves exactly what it takes out: the sum stays exact even if
            // another thread of this cell moves its own reading meanwhile.
            cell.fetch_sub(mine, Ordering::Relaxed);
            return self.len.fetch_add(mine, Ordering::Relaxed).wrapping_add(mine);
        }
        self.len.load(Ordering::Relaxed).wrapping_add(mine)
    }

    /// The count: `len` and every cell. O([`LEN_CELLS`]); exact when no
    /// write is under way, else a racy snapshot (never below 0).
    fn total(&self) -> usize {
        let sum = self
            .cells
            .iter()
            .fold(self.len.load(Ordering::Relaxed), |a, c| a.wrapping_add(c.0.load(Ordering::Relaxed)));
        (sum as isize).max(0) as usize
    }
}

/// The table's state, immutable once published except for its resize
/// progress, which sits on another cache line: readers read the first line
/// only, and writers meeting a resize write the second.
/// Go's `hmap` minus `count`.
#[repr(C, align(128))]
struct State<K, V> {
    /// The array writes go to (Go's `buckets`).
    current: *mut BucketArray<K, V>,
    /// The array being evacuated (Go's `oldbuckets`), or null.
    old: *mut BucketArray<K, V>,
    /// `len` lives here.
    generation: *mut Generation,
    /// What this resize does (meaningless without `old`).
    kind: ResizeKind,
    /// What writers write.
    progress: Progress,
}

/// A resize's shared progress (Go's `nevacuate` and friends).
#[repr(align(128))]
struct Progress {
    /// Without `old`: set by the one thread that starts the next resize.
    start_claimed: AtomicBool,
    /// With `old`: the claim cursor; old buckets below it have been claimed
    /// (Go's `nevacuate`; here claimed, evacuated once the claimer is done).
    nevacuate: AtomicUsize,
    /// With `old`: old buckets evacuated; the resize ends at `2^B_old`.
    evacuated: AtomicUsize,
    /// With `old`, once the cursor is past the end: where the next claim
    /// looks for an old bucket still unflagged (its evacuation was undone
    /// because the hasher panicked), modulo `2^B_old`.
    sweep: AtomicUsize,
    /// With `old`: evacuations undone because the hasher panicked.
    abandoned: AtomicUsize,
}

/// The bit of `Progress::evacuated` and `Progress::nevacuate` set once the
/// state is unpublished and both are folded into the table's `Counters`.
const SEALED: usize = 1 << (usize::BITS - 1);

impl Progress {
    /// Folds this resize's evacuations and claims (a successful claim
    /// advances the cursor by one, and the cursor only moves so) into the
    /// table's totals, and seals both: an evacuation finishing later counts
    /// itself, and no claim succeeds any more (the cursor reads past the
    /// end). Called once, by the thread whose CAS unpublished the state.
    /// The statistics counted there instead of on every evacuation and
    /// claim: two locked additions fewer on a line that both threads write
    /// during a resize (grow-from-empty at 2 threads +5%, `docs/log.md`,
    /// session 17).
    fn seal_into(&self, c: &Counters) {
        let evacuated = self.evacuated.fetch_or(SEALED, Ordering::AcqRel) & !SEALED;
        let claims = self.nevacuate.fetch_or(SEALED, Ordering::AcqRel) & !SEALED;
        // Release: `stats` reads these first, then the progress; if it sees
        // the addition it sees the seal, so it never counts twice.
        c.buckets_evacuated.fetch_add(evacuated, Ordering::Release);
        c.claims.fetch_add(claims, Ordering::Release);
    }

    /// Evacuations and claims of this resize not yet in the totals.
    fn unsealed(&self) -> (usize, usize) {
        let e = self.evacuated.load(Ordering::Acquire);
        let n = self.nevacuate.load(Ordering::Acquire);
        if e & SEALED != 0 {
            (0, 0)
        } else {
            (e, n)
        }
    }
}

impl<K, V> State<K, V> {
    fn boxed(
        current: *mut BucketArray<K, V>,
        old: *mut BucketArray<K, V>,
        generation: *mut Generation,
        kind: ResizeKind,
    ) -> *mut Self {
        Box::into_raw(Box::new(State {
            current,
            old,
            generation,
            kind,
            progress: Progress {
                start_claimed: AtomicBool::new(false),
                nevacuate: AtomicUsize::new(0),
                evacuated: AtomicUsize::new(0),
                sweep: AtomicUsize::new(0),
                abandoned: AtomicUsize::new(0),
            },
        }))
    }

    fn current(&self) -> &BucketArray<K, V> {
        // SAFETY: a state's arrays are retired only after the state itself
        // is unpublished (invariant 8), through the same collector, so they
        // live as long as the guard under which the state was loaded.
        unsafe { &*self.current }
    }

    fn old(&self) -> Option<&BucketArray<K, V>> {
        // SAFETY: as for `current`.
        unsafe { self.old.as_ref() }
    }

    fn generation(&self) -> &Generation {
        // SAFETY: a generation is retired only by the `clear` that
        // unpublished the last state referring to it, through the collector.
        unsafe { &*self.generation }
    }

    /// Counts a write's `delta` (+1 or -1, as a wrapping `usize`) by the
    /// thread of `g`, in batches of a 256th of the current array's load
    /// limit ([`Generation`]); returns the count the growth trigger goes by.
    #[inline]
    fn count(&self, g: &Guard<'_>, delta: usize) -> usize {
        self.generation().add(g, delta, self.current().grow_at >> 8)
    }
}

/// A loaded state: the pointer as published (what a CAS compares and a
/// retire frees) and, through `Deref`, the state, valid while the guard it
/// was loaded under lives.
struct Snap<'g, K, V> {
    ptr: *mut State<K, V>,
    _guard: core::marker::PhantomData<&'g State<K, V>>,
}

impl<'g, K, V> Snap<'g, K, V> {
    /// The state, for as long as the guard lives.
    fn get(self) -> &'g State<K, V> {
        // SAFETY: as in `deref`.
        unsafe { &*self.ptr }
    }
}

impl<K, V> Clone for Snap<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for Snap<'_, K, V> {}

impl<K, V> core::ops::Deref for Snap<'_, K, V> {
    type Target = State<K, V>;

    fn deref(&self) -> &State<K, V> {
        // SAFETY: the state pointer is never null, and a state is retired
        // only after a CAS unpublished it, through the collector, so it lives
        // at least as long as the guard this snapshot was loaded under.
        unsafe { &*self.ptr }
    }
}

/// A cleared state's arrays, drained a few buckets per write.
struct Drain<K, V> {
    /// Old array first (null if none), then the current one.
    arrays: [*mut BucketArray<K, V>; 2],
    /// Which of `arrays` is being drained.
    array: usize,
    /// The next bucket of it.
    next: usize,
}

/// Lifetime counters, written by writers only.
#[derive(Default)]
struct Counters {
    resizes: AtomicUsize,
    buckets_evacuated: AtomicUsize,
    claims: AtomicUsize,
    claim_conflicts: AtomicUsize,
}

/// The published state pointer. Not padded to a line of its own: aligning
/// the table's fields to 128 bytes cut two threads' `contains_key` from 15
/// to 5 M/s on the idle 2-core machine (unexplained; `sync_stress
/// rough_throughput`), while padding the state's and generation's written
/// fields (below) measured neutral and is kept for mixed workloads.
struct StateLine<K, V>(AtomicPtr<State<K, V>>);

impl<K, V> core::ops::Deref for StateLine<K, V> {
    type Target = AtomicPtr<State<K, V>>;

    fn deref(&self) -> &AtomicPtr<State<K, V>> {
        &self.0
    }
}

/// The concurrent table. Fields are private; the map layer uses methods.
pub(crate) struct RawSyncTable<K, V> {
    /// Read by every operation; written only when a resize starts or ends
    /// or on `clear`. On its own line.
    state: StateLine<K, V>,
    collector: Collector,
    /// Epochs of dead slots, for their reuse (`reuse.rs`).
    clock: reuse::Clock,
    drains: Mutex<VecDeque<Drain<K, V>>>,
    /// Jobs in `drains` (checked without the mutex).
    drain_jobs: AtomicUsize,
    counters: Counters,
    /// Receives growth events (`events.rs`); set only through `&mut`.
    observer: Option<Box<dyn SyncObserver>>,
    /// Pages of dropped mapped arrays, handed back a budget per write
    /// (`UNMAP_BUDGET`). Boxed, so arrays can point at it, and the last
    /// field: it drops after the collector, whose drop frees retired arrays
    /// into it, and its own drop unmaps what is left.
    unmapper: Box<Unmapper>,
}

/// Bytes of retired arrays' pages one write hands back to the OS at most:
/// the single-threaded engine's budget for the same work (`raw/grow.rs`).
const UNMAP_BUDGET: usize = if cfg!(test) { 8 << 10 } else { 64 << 10 };

// SAFETY: the table owns `K`s and `V`s that any thread may read (shared
// references through guards) and any thread may drop (reclamation runs on
// whichever thread leaves last); with `K, V: Send + Sync` that is sound.
// Its raw pointers are owned allocations managed by the collector.
unsafe impl<K: Send + Sync, V: Send + Sync> Send for RawSyncTable<K, V> {}
// SAFETY: as for `Send`; all shared mutation goes through atomics and
// bucket locks.
unsafe impl<K: Send + Sync, V: Send + Sync> Sync for RawSyncTable<K, V> {}

/// How a write finds the key it is about to write. Each caller's own
/// closure type, so that the write's short paths call it directly; the
/// general probe takes it as `dyn`.
pub(crate) trait Find<K> {
    /// Whether `stored` is the key; `new` is the key of the entry being
    /// written, if any.
    fn is_key(&mut self, stored: &K, new: Option<&K>) -> bool;
}

/// Compare stored keys with the key of the entry being written.
pub(crate) struct NewKey<F>(pub(crate) F);

/// Compare stored keys with a borrowed query.
pub(crate) struct Query<F>(pub(crate) F);

impl<K, F: Fn(&K, &K) -> bool> Find<K> for NewKey<F> {
    #[inline]
    fn is_key(&mut self, stored: &K, new: Option<&K>) -> bool {
        (self.0)(stored, new.expect("NewKey writes carry an entry"))
    }
}

impl<K, F: FnMut(&K) -> bool> Find<K> for Query<F> {
    #[inline]
    fn is_key(&mut self, stored: &K, _new: Option<&K>) -> bool {
        (self.0)(stored)
    }
}

/// What a write requires of the key's current entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Anything: insert or overwrite, remove if present.
    Any,
    /// The key must be absent.
    Absent,
    /// The key's entry must still be this one (an [`EntryRef::id`]).
    Present(usize),
}

impl Expect {
    /// Whether a write may go ahead, given the key's live entry under the
    /// chain's lock (a resize may have moved an expected entry since the
    /// caller saw it, to a new address: then it does not).
    #[inline]
    fn holds<K, V>(self, found: Option<NonNull<Entry<K, V>>>) -> bool {
        match self {
            Expect::Any => true,
            Expect::Absent => found.is_none(),
            Expect::Present(id) => found.is_some_and(|e| e.as_ptr() as usize == id),
        }
    }
}

/// What a write did, and the write's own guard, which keeps the entries
/// it names readable: a caller that wants one of them as an [`EntryRef`]
/// takes it with the guard (no second enter), and one that only asks
/// whether it happened drops both.
pub(crate) struct Outcome<'t, K, V> {
    guard: Guard<'t>,
    /// Whether `Expect` held, so the write happened. If not, nothing
    /// changed (the entry that was to be written is dropped).
    pub(crate) done: bool,
    /// The key's entry as the write found it: if `done`, the one replaced
    /// or removed (retired, but readable while `guard` lives); if not, the
    /// key's entry now.
    found: Option<NonNull<Entry<K, V>>>,
    /// The entry written, if any.
    inserted: Option<NonNull<Entry<K, V>>>,
}

impl<'t, K, V> Outcome<'t, K, V> {
    /// Whether the write found the key.
    pub(crate) fn found_key(&self) -> bool {
        self.found.is_some()
    }

    /// The entry the write found, held.
    pub(crate) fn into_found(self) -> Option<EntryRef<'t, K, V>> {
        self.found.map(|entry| EntryRef { _guard: self.guard, entry })
    }

    /// The entry the write published, held.
    pub(crate) fn into_inserted(self) -> Option<EntryRef<'t, K, V>> {
        self.inserted.map(|entry| EntryRef { _guard: self.guard, entry })
    }
}

/// A published entry and the guard that keeps it alive: what `get` hands
/// out. Holding it delays reclamation, never another call.
pub(crate) struct EntryRef<'t, K, V> {
    _guard: Guard<'t>,
    entry: NonNull<Entry<K, V>>,
}

impl<'t, K, V> EntryRef<'t, K, V> {
    /// # Safety
    ///
    /// `entry` was loaded from the table under `guard`, or under another
    /// live guard of this thread that `guard` nests in (so it is protected
    /// until `guard` drops).
    unsafe fn new(guard: Guard<'t>, entry: NonNull<Entry<K, V>>) -> Self {
        EntryRef { _guard: guard, entry }
    }

    pub(crate) fn entry(&self) -> &Entry<K, V> {
        // SAFETY: `new`'s contract: the entry is protected by `_guard`,
        // which lives as long as `self`.
        unsafe { self.entry.as_ref() }
    }

    /// The entry's identity, for [`Expect::Present`].
    pub(crate) fn id(&self) -> usize {
        self.entry.as_ptr() as usize
    }
}

/// What `stats()` reports, gathered without locks (a racy snapshot).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RawSyncStats {
    pub(crate) len: usize,
    pub(crate) b: u8,
    pub(crate) buckets: usize,
    pub(crate) overflow_buckets: usize,
    pub(crate) resizing: Option<ResizeKind>,
    pub(crate) old_buckets: usize,
    pub(crate) old_evacuated: usize,
    pub(crate) resizes: usize,
    pub(crate) buckets_evacuated: usize,
    pub(crate) claims: usize,
    pub(crate) claim_conflicts: usize,
    pub(crate) drain_jobs: usize,
    pub(crate) unmap_queued_bytes: usize,
    pub(crate) reuse_epochs: usize,
}

/// Go's `overLoadFactor`: whether `count` entries overload `2^b` buckets.
fn over_load(count: usize, b: u8) -> bool {
    count > grow_at(b)
}

/// The most entries `2^b` buckets hold before a doubling: the load limit,
/// and never below one bucket's slots.
fn grow_at(b: u8) -> usize {
    load_limit(b).max(BUCKET_SLOTS)
}

/// 6.5 entries per bucket, `13 · 2^b / 2`, saturating.
fn load_limit(b: u8) -> usize {
    let buckets = 1usize.checked_shl(u32::from(b)).unwrap_or(usize::MAX);
    (buckets / 2).saturating_mul(13).saturating_add(if buckets == 1 { 6 } else { 0 })
}

/// The smallest `b` whose load limit holds `count` (Go's `makemap` hint).
fn b_for(count: usize) -> u8 {
    let mut b = 0;
    while over_load(count, b) {
        b += 1;
    }
    b
}

impl<K, V> RawSyncTable<K, V> {
    /// An empty table sized for `capacity` entries: O(1) for a large
    /// capacity (zero pages), else O(buckets).
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let b = b_for(capacity);
        assert!(BucketArray::<K, V>::fits(b), "capacity overflow");
        let unmapper = Box::new(Unmapper::new());
        let current = Box::into_raw(BucketArray::new(b, &unmapper));
        let generation = Generation::boxed();
        RawSyncTable {
            state: StateLine(AtomicPtr::new(State::boxed(
                current,
                core::ptr::null_mut(),
                generation,
                ResizeKind::Double,
            ))),
            collector: Collector::new(),
            clock: reuse::Clock::default(),
            drains: Mutex::new(VecDeque::new()),
            drain_jobs: AtomicUsize::new(0),
            counters: Counters::default(),
            observer: None,
            unmapper,
        }
    }

    /// Sets the observer of growth events, returning the previous one.
    pub(crate) fn replace_observer(&mut self, o: Option<Box<dyn SyncObserver>>) -> Option<Box<dyn SyncObserver>> {
        core::mem::replace(&mut self.observer, o)
    }

    /// Enters the collector.
    #[inline]
    pub(crate) fn guard(&self) -> Guard<'_> {
        self.collector.enter()
    }

    /// The published state, valid while `g` lives.
    #[inline]
    fn state<'g>(&self, _g: &'g Guard<'_>) -> Snap<'g, K, V> {
        // SeqCst: a load that takes part in the collector's total order, so
        // a state retired before this thread entered is never returned.
        Snap { ptr: self.state.load(Ordering::SeqCst), _guard: core::marker::PhantomData }
    }

    /// Entries now (a racy snapshot during concurrent writes).
    pub(crate) fn len(&self) -> usize {
        let g = self.guard();
        self.state(&g).generation().total()
    }

    /// Whether a resize is under way.
    pub(crate) fn is_resizing(&self) -> bool {
        let g = self.guard();
        self.state(&g).old().is_some()
    }

    /// A snapshot of sizes and counters.
    pub(crate) fn stats(&self) -> RawSyncStats {
        let g = self.guard();
        let c = &self.counters;
        // The totals first, then the running resize's share (`seal_into`).
        let (folded_evacuated, folded_claims) =
            (c.buckets_evacuated.load(Ordering::Acquire), c.claims.load(Ordering::Acquire));
        let s = self.state(&g);
        let (running_evacuated, running_claims) = s.old().map_or((0, 0), |_| s.progress.unsealed());
        let cur = s.current();
        RawSyncStats {
            len: s.generation().total(),
            b: cur.b(),
            buckets: cur.len(),
            overflow_buckets: cur.noverflow.load(Ordering::Relaxed),
            resizing: s.old().map(|_| s.kind),
            old_buckets: s.old().map_or(0, |o| o.len()),
            old_evacuated: s.old().map_or(0, |_| s.progress.evacuated.load(Ordering::Relaxed) & !SEALED),
            resizes: c.resizes.load(Ordering::Relaxed),
            buckets_evacuated: folded_evacuated + running_evacuated,
            claims: folded_claims + running_claims,
            claim_conflicts: c.claim_conflicts.load(Ordering::Relaxed),
            drain_jobs: self.drain_jobs.load(Ordering::Relaxed),
            unmap_queued_bytes: self.unmapper.queued(),
            reuse_epochs: self.clock.epoch(),
        }
    }

    /// Moves the dead-slot clock on if its last move is graced (`reuse.rs`);
    /// writes do this themselves on a sample. For tests.
    pub(crate) fn tick_reuse_clock(&self) -> bool {
        let g = self.guard();
        self.clock.tick(&g)
    }
}

/// Frees what the unflagged buckets of `arr` own (invariant 8): their
/// entries and overflow buckets. Only with no other thread in the table.
fn free_owned<K, V>(arr: &BucketArray<K, V>) {
    for i in 0..arr.len() {
        let head = arr.bucket(i);
        if arr.gate(i).is_evacuated(Ordering::Relaxed) {
            continue;
        }
        free_entries(head);
        let mut b = head.next(arr);
        while let Some(bb) = b {
            free_entries(bb);
            b = bb.next(arr);
        }
    }
}

/// Drops the entries in one owning bucket's live slots.
fn free_entries<K, V>(b: Bucket<'_, K, V>) {
    for (s, &t) in b.tops(Ordering::Relaxed).iter().enumerate() {
        if t >= MIN_TOPHASH {
            // SAFETY: a live slot of an owning chain holds an initialised
            // entry owned by this chain only (invariant 8), and nobody else
            // is in the table; the slot's storage is not dropped again.
            unsafe { core::ptr::drop_in_place(b.slot_ptr(s).as_ptr()) };
        }
    }
}

impl<K, V> Drop for RawSyncTable<K, V> {
    /// O(n): frees every live entry, bucket and array; the collector's drop
    /// then frees what was retired.
    fn drop(&mut self) {
        let s = self.state.load(Ordering::Relaxed);
        // SAFETY: `&mut self`: no guard or thread is in the table; the
        // published state and its arrays and generation are owned by it.
        let state = unsafe { Box::from_raw(s) };
        for arr in [state.old, state.current] {
            if !arr.is_null() {
                // SAFETY: as above; each array is freed once, after what
                // its buckets own.
                let arr = unsafe { Box::from_raw(arr) };
                free_owned(&arr);
            }
        }
        // SAFETY: the published state's generation is owned by the table.
        drop(unsafe { Box::from_raw(state.generation) });
        let drains = core::mem::take(self.drains.get_mut().unwrap_or_else(|e| e.into_inner()));
        for d in drains {
            for arr in d.arrays {
                if !arr.is_null() {
                    // SAFETY: a queued array is owned by its drain job only.
                    let arr = unsafe { Box::from_raw(arr) };
                    free_owned(&arr);
                }
            }
        }
    }
}
