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
//! moves. From then on every insert or remove first *evacuates* the two
//! old buckets at the evacuation mark `nevacuate` (Go's `growWork`
//! evacuates the key's old bucket and the one at the mark; see *Evacuation
//! at the mark only* below). Evacuating an old bucket rehashes each of
//! its entries, moves it to its bucket in the new array (on doubling, index
//! `i` "X" or `i + 2^(B-1)` "Y"), and marks the old slot evacuated. Lookups
//! and writes during a resize use the key's old chain if its bucket is not
//! yet evacuated, else the new one. The resize ends when the mark passes
//! the last old bucket.
//!
//! The same machinery runs any resize from `2^b_old` to `2^b_new` buckets:
//! doubling, same-size, a larger jump for `reserve`, and halving for
//! `shrink_to` (Go never shrinks, golang/go#20135). An entry always goes to
//! `hash & new_mask`, appended after the destination chain's last entry.
//!
//! Deletion marks a slot `EMPTY_REST` when everything after it in the chain
//! is, else `EMPTY_ONE`. Go also turns the run of `EMPTY_ONE` slots before
//! it into `EMPTY_REST`, for its slot-by-slot scans; here a lookup tests a
//! bucket's eight states at once and reads `EMPTY_REST` only in a bucket's
//! last slot, to end the chain, so only that slot's state is kept exact
//! (invariant 3; the walk back cost most of a removal's mispredicted
//! branches). An insert takes the first empty slot of the chain (after
//! checking the key is absent).
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
//! | `hmap.buckets`             | `RawTable::current`                    |
//! | `hmap.oldbuckets`          | `RawTable::old` (`OldArray::arr`)      |
//! | `hmap.nevacuate`           | `OldArray::nevacuate`, "the evacuation mark" |
//! | `hmap.noverflow`           | `RawTable::noverflow` (exact, not approximate) |
//! | `mapextra.nextOverflow`    | `RawTable::next_pool`                  |
//! | `bmap.tophash`, overflow   | `Header::tophash`, `Header::overflow`  |
//! | `overLoadFactor`           | [`over_load`]                          |
//! | `tooManyOverflowBuckets`   | [`too_many_overflow`]                  |
//! | `hashGrow`                 | `RawTable::start_resize`               |
//! | `growWork`                 | `RawTable::grow_work`                  |
//! | `evacuate` (one old bucket)| `RawTable::evacuate_bucket`            |
//! | `advanceEvacuationMark`    | `RawTable::advance_mark`               |
//! | `sameSizeGrow`             | [`ResizeKind::SameSize`]               |
//! | `makeBucketArray`          | `BucketArray::new_zeroed`              |
//! | `newoverflow`              | `RawTable::new_overflow`               |
//!
//! Our own words, one per concept, in code, stats, docs and the lab alike:
//! an old bucket whose entries have all moved is *evacuated* (its bit is
//! set); a resize asked for while another runs is *queued* and starts when
//! that one ends; a finished resize's mapped old array is *releasing*: its
//! pages go back to the OS a bounded chunk per write. The public
//! `HashMap::evacuate(n)` evacuates up to `n` old buckets at the mark
//! (`RawTable::evacuate_at_mark`).
//!
//! ## Where the code is
//!
//! This module keeps the essay, the table's types and their invariants.
//! [`probe`]: lookups, the write probe, inserting and removing. [`grow`]:
//! starting a resize, evacuation, the mark, ending a resize.
//! [`overflow`]: overflow buckets (pool, stand-alone, spare list).
//! [`capacity`]: `reserve`, `shrink_to` and the shrink policy.
//! [`lifecycle`]: clear, clone, drop. [`bucket`] and [`tophash`]: the bucket
//! layout, the tophash byte and group matching; [`sys`]: OS mappings.
//! [`access`] and [`iter`]: the safe handles the map layer builds on;
//! [`shell`]: the public `HashTable<T>` type, a transparent shell over
//! `RawTable<T, ()>` whose methods live in `src/hash_table.rs`;
//! `par` (with the `rayon` feature): ranges of chain heads that split in
//! halves, for parallel iteration.
//! [`introspect`]: counters and chain walks for `stats.rs`. [`check`]: the
//! invariant walker.
//!
//! The engine imports nothing from the layers above it: only
//! `crate::types`, the leaf module of what it shares with the public API
//! (`tests/engine_boundary.rs` fails the build's tests otherwise). It knows
//! hashes and closures, never `Hash` or `Eq`.
//!
//! ## Where we differ from Go, and why
//!
//! * **Dense headers.** A bucket's header (its 8 tophash bytes) is stored
//!   apart from its slots, and its overflow link apart from both: an array
//!   keeps all headers together, then all links, then all slots
//!   ([`bucket`]). A miss reads one header from a region of 1 byte per
//!   slot (hashbrown's control bytes are as dense), which stays cached much
//!   longer than Go's 144-byte buckets (`u64` keys and values); a hit reads
//!   the header and one slot; only a walk past a full bucket reads a link.
//!   With the link in the header (16 bytes), the header region of a 1M-key
//!   table was 4 MiB and fell out of this VM's share of the last-level
//!   cache: 1M random hits took 33-40 ns against hashbrown's 26-31, and
//!   27-29 with 8-byte headers (see `docs/log.md`).
//! * **A filter in the head's link.** Go reads every overflow bucket's
//!   tophash bytes before it calls a key absent. Here a main bucket's link
//!   carries 16 bits above its pointer, one per top hash nibble of the
//!   entries written past it (invariant 16; x86_64, whose user addresses
//!   fit in 48 bits). A miss in a full main bucket reads the link and
//!   stops there unless its bit is set: one dependent load instead of two.
//!   Removals leave bits set; a doubling rebuilds them. 100K random u64
//!   misses: 6.7 -> 5.0 ns (hashbrown 6.2-7.2).
//! * **An append position in the head's link.** Below the filter, the
//!   link's three low bits (free: headers are 8-byte aligned) say which
//!   slot of the first overflow bucket comes next, when its slots fill
//!   from the front with no hole (invariant 17). An insert whose key's
//!   main bucket is full and whose filter rules the key out writes there
//!   from the link alone (`RawTable::insert_steady`): the overflow
//!   header is written, never read, so the write waits on two memory
//!   latencies (header, link) instead of three. Any other write past the
//!   main bucket resets the position (the general path sets it again from
//!   the bucket it wrote), and so does any removal there. `compare.sh
//!   --quick`, 5 alternations, random u64 keys at 100K: presized inserts
//!   1.14 -> 0.78 of hashbrown's time, churn 0.92 -> 0.58.
//! * **Slot lines requested with the header.** Where a bucket's slots are
//!   follows from its index alone, so a write (and the evacuation of a
//!   bucket, and of its destinations) asks for the slot lines at the same
//!   time as the header, overlapping two memory latencies that would
//!   otherwise follow each other. Lookups do not: a miss needs only the
//!   header, and the extra traffic cost misses as much as it saved hits.
//! * **Common writes without a frame.** An insert or removal that its key's
//!   main bucket decides, in a table not resizing, runs inline with no call
//!   (`RawTable::insert_fast`, `remove_fast`); everything else falls back to
//!   the general path out of line. The general path's rare calls had given
//!   every insert a stack frame: 20 of 80 instructions of a warm insert.
//! * **Evacuation without a frame.** In a doubling, an old bucket whose
//!   chain is the bucket alone (four in five at load 6.5) is moved inside
//!   `grow_work` itself (`RawTable::evacuate_head`); only longer chains go
//!   through `evacuate_next`. A 1M fill: 211.3M -> 196.6M instructions.
//! * **Pairs when free.** Keys and values are interleaved as `(K, V)` when
//!   that adds no padding, so a hit reads one slot line instead of two; else
//!   they are split as in Go.
//! * **SWAR.** The eight tophash bytes are loaded as one `u64` and matched
//!   all at once ([`tophash::Group`]); Go loops over bytes.
//! * **Zeroed allocation.** `EMPTY_REST` is 0 and a null link is 0, so an
//!   array needs no initialisation pass beyond zero headers. A growth array
//!   of 128 KiB or more (what glibc would `mmap` anyway) is a fresh
//!   anonymous mapping ([`sys`]): zero pages, so starting a growth is O(1)
//!   in the table size, and its evacuated pages are unmapped a chunk per
//!   write, in at most one system call a write. Smaller arrays, and the
//!   O(n) callers' (`with_capacity`, `clone`), come from the global
//!   allocator with only their headers zeroed.
//! * **Mappings reused across tables.** A freed mapped array of at most
//!   32 Ki buckets goes whole to a process-wide cache (at most 64 MiB) instead
//!   of back to the OS, and the next array of its size reuses it with only
//!   its headers zeroed (at most 512 KiB): warm pages instead of a page fault
//!   per 4 KiB, as the global allocator gives hashbrown ([`sys`]).
//! * **The next array mapped ahead.** An insert seven eighths of the way to
//!   a doubling maps the array that doubling will need (when it is too
//!   large for the reuse cache) and touches the pages its first evacuation
//!   writes ([`RawTable::prepare_next`]): the insert that starts the
//!   doubling then neither calls `mmap` (6-36 us here after many page
//!   faults) nor takes a dozen first-touch faults. Faulting in the whole
//!   array ahead was tried and cost 8% of insert throughput: pages zeroed
//!   long before they are written are no longer in cache.
//! * **Old slot pages move into the new array.** A doubling's evacuation
//!   empties the old array's slot region front to back at the pace it
//!   fills the new array's upper half (old bucket `i` feeds new buckets `i`
//!   and `i + n`). So the dead old slot pages are not unmapped: `mremap`
//!   moves them, stale bytes and all, to the new upper half just ahead of
//!   the writes ([`bucket::Recycle`]); a slot is read only once its tophash
//!   says it is live, and headers (a ninth of the memory, which must be
//!   zero) still come fresh. This VM charges about 3 us per first touch of
//!   a page (C probe: 62-74 us to unmap 64 KiB and fault in 64 KiB fresh,
//!   15-18 us to move 64 KiB and write it), and hashbrown's rehash
//!   faults in every page of its new table while the old one is still
//!   whole. A fill of 1M random u64 keys: 19,632 -> 12,632 page faults
//!   (the first chunk of each doubling is still unmapped: see
//!   `BucketArray::release_upto`); with the branch-free first bucket of
//!   `grow::split_chain`, inserts from empty went from 1.71-1.87x to
//!   1.50-1.52x hashbrown's time at 1M (`compare`, alternating binaries).
//! * **The other half faulted in ahead.** The new lower half's slot pages
//!   receive no recycled pages, and each first touch there faulted (1.5-2.8
//!   us a page here). A doubling's write that makes no other memory system
//!   call now faults in the next 64 KiB of them, up to 256 KiB past the
//!   mark, in one `MADV_POPULATE_WRITE` (1.24-1.27 us a page; C probe), so
//!   evacuation finds them there (`BucketArray::populate_ahead`; a kernel
//!   older than 5.14 refuses, and pages fault as before). `memp ph`, 10M
//!   u64 fills, 3 alternations: resizing 54.4-58.9 -> 52.8-54.2 ns per
//!   final entry; the reproducible slowest insert of `latency.sh` at 10M
//!   stayed at 41.4 us.
//! * **A larger overflow pool for mapped arrays**: `2^(B-1)` buckets instead
//!   of Go's `2^(B-4)` ([`bucket::mapped_len`]). Untouched pages of a mapping
//!   hold no memory, so the pool costs only what is used, and at load 6.5 it
//!   covers the fifth of the chains that need an overflow bucket without the
//!   global allocator; frees of such buckets mid-growth had glibc trim its
//!   heap in one 0.16-1.3 ms `brk` call. Its pages are faulted in a 16 KiB
//!   chunk ahead of use, by the first pool bucket handed out in a chunk, in
//!   writes that make no other memory system call
//!   (`BucketArray::populate_pool`): outside resizes they were a fill's
//!   only faults. `memp ph 10M`, ns per final entry outside resizes: with
//!   64 KiB chunks 38.7-41.8 -> 38.4-40.6 (3 alternations), but those
//!   writes became the slowest reproducible ones of a 10M fill (57.5 us);
//!   with 16 KiB, in a noisier sitting, 44.7-46.4 -> 44.0-45.4 (2).
//! * **Evacuation at the mark only.** Go's `growWork` evacuates the old
//!   bucket the written key hashes to, then the one at the mark. Here a
//!   write evacuates the two old buckets at the mark, and a key whose old
//!   bucket is not evacuated yet is written into that old chain (a full
//!   old chain gets a stand-alone overflow bucket, moved out with the rest
//!   of the chain when the mark reaches it). Evacuation so walks the old
//!   array, and both destination ranges of a doubling, in address order:
//!   the hardware prefetcher streams them, where Go's order evacuates a
//!   random old bucket into two random new ones on about half the writes
//!   of a resize. Each write still moves at most two old buckets, the
//!   resize ends after at most `2^(B_old-1)` writes instead of `2^B_old`,
//!   and what starts a resize (the count and the overflow count) is Go's.
//!   An old bucket is evacuated exactly when it is below the mark (or is
//!   the bucket at the mark whose evacuation a panicking hasher cut
//!   short), so no bitmap or per-bucket flag is needed to tell.
//!   Probe: `split` (not kept), fills of 1M/10M random u64 keys, 2 runs
//!   each alternating with Go's order: tophash ÷ hashbrown 1.53–1.70 →
//!   1.50–1.58 at 1M, 1.16–2.20 → 1.00–2.07 at 10M, with the resizing
//!   inserts' share of all insert cycles 78% → 72% and 70% → 62%.
//! * **A resizing write asks for its own bucket first.** A write's share
//!   of a resize (two old buckets, about a thousand instructions) is more
//!   than the core looks ahead, so the key's own misses, requested after
//!   it, were waited for in full on every write of a resize. The write now
//!   requests its bucket's header, link and slots before its share
//!   (`RawTable::prefetch_home`). `memp evr` (a doubling driven by fresh
//!   random inserts), 2^20 -> 2^21 buckets, alternated twice with the
//!   engine before this and the append position: 760-789 -> 589-668 ns
//!   a write; 10M u64 fills from empty, 1.47-1.57 -> 1.37 of hashbrown's
//!   time (`memp ph`, 3 alternations).
//! * **Old overflow buckets are freed when their bucket is evacuated**, not
//!   when the whole resize ends (Go leaves this to its garbage collector).
//! * **Iteration does not rehash.** Rust iterators borrow the map, so no
//!   evacuation can happen mid-iteration. An iterator walks the not yet
//!   evacuated old buckets, then the whole new array; every entry is in
//!   exactly one of the two. Go must rehash keys to cope with growth
//!   between calls to `next`. Iteration, clone and `par_iter` read the
//!   new array's overflow buckets from its pool in address order after
//!   its main buckets, not chain by chain (`iter.rs`).
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
//!   the same choice when its hasher panics during a rehash. That is the only
//!   work done while unwinding (`grow::EvacuationGuard`): the observer is
//!   not called then, so a panicking observer cannot turn the unwind into an
//!   abort, and the mark advances on a later write.
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
//! 3. A bucket's last slot is `EMPTY_ONE` only if a later slot of its chain
//!    is live, and an overflow bucket with nothing live whose last slot is
//!    `EMPTY_REST` is all `EMPTY_REST`: a chain ends, for a lookup, exactly
//!    at the bucket after which nothing is live. (Go keeps every run of
//!    `EMPTY_ONE` before an `EMPTY_REST` converted; within a bucket that
//!    buys nothing here.)
//! 4. A live slot's tophash equals `tophash(hash(key))`, and its chain's head
//!    index equals `hash & mask` of the array it is in.
//! 5. The current array holds no evacuated state.
//! 6. An old bucket is either *evacuated* (every slot of its head is an
//!    evacuated state and its overflow link is null) or holds only the states
//!    of a live bucket; every old bucket below `nevacuate` is evacuated; an
//!    `OldArray` exists only while `nevacuate` is below its bucket count.
//!    (Below the mark the memory is not read: its pages may be released.)
//! 7. `noverflow` equals the number of overflow buckets in the current
//!    array's chains; pool buckets before `next_pool` are all in those
//!    chains, those at or after it unused (all-zero headers).
//! 8. No two live keys are equal (checked by the model tests).
//! 9. `load_limit` is the capacity of the current array (0 when unallocated);
//!    `prepare_at` is seven eighths of it while the next doubling's array is
//!    to be mapped ahead and is not yet, else `load_limit`; `slow_insert_at`
//!    is 0 when `noverflow` reached the same-size growth trigger outside a
//!    resize, else `prepare_at` outside a resize and `load_limit` during one.
//! 10. `standalone` counts the stand-alone overflow buckets in the current
//!     array's chains and the unevacuated old chains.
//! 11. The spare list holds `spare_count <= standalone` emptied stand-alone buckets.
//! 12. No old bucket above `nevacuate` is evacuated (buckets are evacuated
//!     at the mark only; the bucket at the mark may be, after a hasher
//!     panicked during its evacuation).
//! 13. `steady_view` is the current array's view while no resize runs, and a view
//!     with null `hdrs` during a resize or before the first insert.
//! 14. A prepared array has `B` one above the current array's and holds no
//!     entry and no chain.
//! 15. An old array sends its dead slot pages to the current array exactly
//!     when both are mapped, it hands pages back early and the current array
//!     doubles it; its target is then the current array's upper-half slot
//!     region, the next page to fill inside it. A releasing array sends
//!     none.
//! 16. A main bucket's link carries its chain's filter (x86_64): the bit
//!     `filter_bit(hash)` of every live entry in the chain's overflow
//!     buckets is set (a bit may outlive its entry); a null link carries
//!     none, and an overflow bucket's link never does.
//! 17. A main bucket's link may carry, in its low three bits, its chain's
//!     append position `v` (x86_64; 0 means not known): when `v` is not 0,
//!     slots `0..v` of the first overflow bucket are live and the rest are
//!     `EMPTY_REST`. An overflow bucket's link never carries one.

mod access;
mod bucket;
mod capacity;
mod check;
mod grow;
mod introspect;
mod iter;
mod lifecycle;
mod overflow;
#[cfg(feature = "rayon")]
mod par;
mod probe;
mod shell;
#[cfg(feature = "sync")]
pub(crate) mod sync;
mod sys;
mod tophash;

#[cfg(test)]
mod tests;

use alloc::boxed::Box;
use core::marker::PhantomData;
use core::ptr;

use bucket::{header, ArrayView, BucketArray, BucketRef, Header};
use tophash::BUCKET_SLOTS;

use crate::types::{Event, Observer, ResizeKind, TryReserveError};

pub(crate) use access::{ExtractIf, HashIter, HashKeyMutIter, KeyMutIter, MutIter, Occupied, Probe, RefIter, Vacant};
pub(crate) use introspect::ChainReport;
pub(crate) use iter::{RawDrain, RawIntoIter};
#[cfg(feature = "rayon")]
pub(crate) use par::{MutHeads, RefHeads};
pub(crate) use probe::Handback;
pub use shell::HashTable;

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

/// The array being evacuated during a resize.
struct OldArray<K, V> {
    arr: BucketArray<K, V>,
    /// The evacuation mark (Go's `nevacuate`): every old bucket below it
    /// has been evacuated [6].
    nevacuate: usize,
    kind: ResizeKind,
    /// Old buckets evacuated so far, below the mark or not.
    evacuated: usize,
    /// Pages of the current array's lower-half slots faulted in ahead of
    /// the mark (`BucketArray::populate_ahead`): 32 bits, beside `kind`,
    /// keep the table's size.
    populated: u32,
}

impl<K, V> OldArray<K, V> {
    fn new(arr: BucketArray<K, V>, kind: ResizeKind) -> Self {
        OldArray { arr, nevacuate: 0, kind, evacuated: 0, populated: 0 }
    }

    /// Whether old bucket `i` has been evacuated: it is below the mark, or
    /// it is the bucket at the mark and its head says so (invariants 6 and
    /// 12). Buckets are evacuated only at the mark, so no bucket above it
    /// is; below it the pages may have been handed back and are not read.
    /// At or above the mark the head is the header a lookup or write of the
    /// bucket reads next anyway.
    #[inline(always)]
    fn is_evacuated(&self, i: usize) -> bool {
        debug_assert!(i < self.arr.buckets());
        // SAFETY: `i` is a main bucket at or above the mark, whose memory is
        // live.
        i < self.nevacuate || (i == self.nevacuate && unsafe { header::is_evacuated(self.arr.view.hdr(i)) })
    }
}

/// A finished resize's old array, handed back to the OS a bounded chunk per
/// write before it is unmapped (only for mapped arrays).
struct Releasing<K, V> {
    arr: BucketArray<K, V>,
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

/// The engine: buckets, growth and evacuation. Knows hashes and closures,
/// never `Hash` or `Eq`. Its fields are private to `raw/`; the layers above
/// reach it through methods. The numbers in brackets are the invariants
/// (see the module docs) that each field takes part in.
///
/// `repr(C)`, fields in the order written: what the inline insert and
/// removal read (the steady view, the count, the two limits, the shrink
/// flag, whether an array is being handed back) comes first, in one or two
/// cache lines (see `docs/log.md`, session 13).
#[repr(C)]
pub(crate) struct RawTable<K, V> {
    /// The current array's view while no resize runs; a view with null
    /// `hdrs` during a resize and before the first insert [13]. `find`
    /// reads it, so that its common path tests a pointer it loads anyway
    /// instead of the two `Option`s.
    steady_view: ArrayView<K, V>,
    /// Live entries (Go's `count`) [1].
    count: usize,
    /// The count at which an insert leaves the fast path: `load_limit`, or
    /// 0 once `noverflow` reached `2^B` outside a resize (Go's second
    /// trigger; no resize starts while one runs). Both of Go's growth
    /// triggers in one compare on the insert path; also `prepare_at` when
    /// that comes first [9].
    slow_insert_at: usize,
    /// `capacity_for(current.b)`: the entries the current array holds
    /// before an insert doubles it, cached for the insert path [9].
    load_limit: usize,
    /// Whether removals may start a shrink (`set_auto_shrink`).
    auto_shrink: bool,
    /// A finished resize's old array, being handed back to the OS in
    /// chunks, one per write. Boxed, as `queued` and `prepared` are: each
    /// exists only around a resize, and inline they made the table 97
    /// words (test `a_table_stays_small`).
    releasing: Option<Box<Releasing<K, V>>>,
    /// The current array (Go's `buckets`); `None` until the first insert.
    current: Option<BucketArray<K, V>>,
    /// The array being evacuated (Go's `oldbuckets`), while resizing.
    old: Option<OldArray<K, V>>,
    /// Overflow buckets in the current array's chains (Go's `noverflow`),
    /// counted exactly [7].
    noverflow: usize,
    /// Index in `current` of the next unused preallocated overflow bucket
    /// (Go's `nextOverflow`) [7].
    next_pool: usize,
    /// `prepare_start(current.b)`, cached: the count at which an insert
    /// maps the next doubling's array ahead (`load_limit` when there is
    /// nothing to map) [9].
    prepare_at: usize,
    /// A resize asked for (by `reserve` or `shrink_to`) while another was
    /// under way: its array is allocated already and it starts when the
    /// current one ends.
    queued: Option<Box<(BucketArray<K, V>, ResizeKind)>>,
    /// The array the next doubling will use, mapped ahead by the insert at
    /// `prepare_at` (`prepare_next`) [14].
    prepared: Option<Box<BucketArray<K, V>>>,
    /// Stand-alone overflow buckets (allocated one by one once the pool is
    /// used up) alive in the current and old chains [10].
    standalone: usize,
    /// Stand-alone overflow buckets freed by evacuation and kept for reuse,
    /// linked through their overflow field [11]. Evacuation frees old
    /// chains' buckets at about the rate the new array needs new ones, and
    /// handing them to the allocator and back made glibc trim and regrow its
    /// heap: `brk` calls of 0.15-1 ms in the middle of a growth (strace, 4M
    /// inserts).
    spare_list: *mut Header,
    /// Buckets on `spare_list`; at most `standalone` [11].
    spare_count: usize,
    /// Bytes of old arrays' slot pages moved into the arrays they doubled
    /// into instead of being handed back (`bucket::Recycle`), over the
    /// table's life.
    recycled: usize,
    /// Receives growth events; only rare paths look at it, and never while
    /// unwinding.
    observer: Option<Box<dyn Observer>>,
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
            steady_view: ArrayView::empty(),
            current: None,
            old: None,
            count: 0,
            noverflow: 0,
            next_pool: 0,
            load_limit: 0,
            slow_insert_at: 0,
            prepare_at: 0,
            releasing: None,
            queued: None,
            prepared: None,
            auto_shrink: false,
            standalone: 0,
            spare_list: ptr::null_mut(),
            spare_count: 0,
            recycled: 0,
            observer: None,
            marker: PhantomData,
        }
    }

    /// A table that holds `n` entries before its first growth.
    pub(crate) fn with_capacity(n: usize, fallibility: Fallibility) -> Result<Self, TryReserveError> {
        let mut t = Self::new();
        if n > 0 {
            let b = b_for(n).map_err(|e| fallibility.failed(e))?;
            t.install(BucketArray::new_zeroed_heap_for(b, n).map_err(|e| fallibility.failed(e))?);
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
        let queued = self.queued.as_ref().map_or(0, |q| capacity_for(q.0.b));
        self.load_limit.max(queued).max(self.count)
    }

    pub(crate) fn is_resizing(&self) -> bool {
        self.old.is_some()
    }

    /// Makes `arr` the current array.
    fn install(&mut self, arr: BucketArray<K, V>) {
        self.next_pool = arr.buckets();
        self.noverflow = 0;
        self.load_limit = capacity_for(arr.b);
        self.prepare_at = self.prepare_start(arr.b);
        self.current = Some(arr);
        self.sync_resize_state();
    }

    /// Recomputes `slow_insert_at` and `steady_view` after the current array, the resize
    /// state or `noverflow` changed (invariants 9 and 13).
    pub(crate) fn sync_resize_state(&mut self) {
        (self.slow_insert_at, self.steady_view) = match (&self.current, &self.old) {
            (Some(cur), None) if too_many_overflow(self.noverflow, cur.b) => (0, cur.view),
            (Some(cur), None) => (self.prepare_at, cur.view),
            (Some(_), Some(_)) => (self.load_limit, ArrayView::empty()),
            (None, _) => (0, ArrayView::empty()),
        };
    }

    /// Sets the observer of growth events, returning the previous one.
    pub(crate) fn replace_observer(&mut self, o: Option<Box<dyn Observer>>) -> Option<Box<dyn Observer>> {
        core::mem::replace(&mut self.observer, o)
    }

    /// Turns the automatic shrink policy on or off (see `maybe_auto_shrink`).
    pub(crate) fn set_auto_shrink(&mut self, on: bool) {
        self.auto_shrink = on;
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
}
