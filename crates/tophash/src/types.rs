//! What the engine and the public API share: growth events and their
//! observer, resize kinds and reasons, slot states, and the reservation
//! error. A leaf: it imports nothing from this crate, so the engine
//! (`raw/`) can depend on it without depending on anything above itself.
//!
//! The public paths are `tophash::stats::{Event, Observer, Reason,
//! ResizeKind, SlotState}`, `tophash::sync::SyncObserver` and
//! `tophash::TryReserveError`.

use core::alloc::Layout;
use core::fmt;

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

/// Why a resize started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// A new key would pass 6.5 entries per bucket (Go's `overLoadFactor`).
    LoadFactor,
    /// As many overflow buckets as buckets (Go's `tooManyOverflowBuckets`).
    TooManyOverflow,
    /// `reserve` / `try_reserve`.
    Reserve,
    /// `shrink_to` / `shrink_to_fit`.
    ShrinkTo,
    /// The automatic shrink policy (`set_auto_shrink`).
    AutoShrink,
}

/// Something the map did; delivered to an [`Observer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A resize began: the new array is allocated, nothing moved yet.
    ResizeStart {
        /// What the resize does.
        kind: ResizeKind,
        /// Why it started.
        reason: Reason,
        /// `b` before.
        old_b: u8,
        /// `b` after.
        new_b: u8,
        /// Entries at the start.
        len: usize,
    },
    /// One old bucket was evacuated.
    Evacuated {
        /// Its index in the old array.
        old_bucket: usize,
        /// Entries it moved.
        entries: usize,
        /// Old buckets evacuated so far, this one included.
        evacuated: usize,
        /// Old buckets in all.
        total: usize,
    },
    /// The evacuation mark passed the last old bucket.
    ResizeEnd {
        /// What the resize did.
        kind: ResizeKind,
        /// `b` now.
        b: u8,
        /// Entries at the end.
        len: usize,
    },
    /// An overflow bucket was linked into a chain of the current array.
    OverflowAlloc {
        /// Whether it came from the array's preallocated pool (else a
        /// stand-alone allocation).
        pooled: bool,
        /// Overflow buckets in the current array now.
        overflow_buckets: usize,
    },
}

/// Receives a map's [`Event`]s; set with
/// [`HashMap::set_observer`](crate::HashMap::set_observer). Called only on
/// rare paths (resizes and overflow allocation), never by lookups, and never
/// while the map is unwinding from a panic (a panicking hasher): the events
/// of that call are not delivered.
///
/// If the observer itself panics, the panic propagates out of the map call
/// that delivered the event; the map has finished the work the event reports
/// and stays consistent.
pub trait Observer: Send {
    /// Called once per event, in order.
    fn event(&mut self, e: &Event);
}

impl<F: FnMut(&Event) + Send> Observer for F {
    fn event(&mut self, e: &Event) {
        self(e)
    }
}

/// Receives a concurrent map's [`Event`]s; set with
/// `tophash::sync::HashMap::set_observer` (`sync` feature). Shared by every
/// thread that writes to the map, so it takes `&self` and is `Sync`.
///
/// Each event is delivered by the thread whose call did the work, as soon
/// as that work is done and the thread holds no lock of the map, so the
/// observer may call into the map. That can be before the rest of the
/// call: a write's evacuations are reported before its own write is done.
/// One thread's events arrive in the order it did the work; events of
/// different threads interleave (another thread's `Evacuated` may arrive
/// after a `ResizeEnd`; the `evacuated` count in each says where it
/// stands). Never called while a call unwinds from a panic (a panicking
/// hasher). If the observer panics, the panic propagates out of the call
/// that delivered the event: the work that event reports is done and the
/// map is consistent, but the rest of that call (its own write, say) may
/// not have happened.
#[cfg(feature = "sync")]
pub trait SyncObserver: Send + Sync {
    /// Called once per event.
    fn event(&self, e: &Event);
}

#[cfg(feature = "sync")]
impl<F: Fn(&Event) + Send + Sync> SyncObserver for F {
    fn event(&self, e: &Event) {
        self(e)
    }
}

/// What a slot's tophash byte says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlotState {
    /// `emptyRest`: empty, and nothing after it in the chain is occupied.
    EmptyRest,
    /// `emptyOne`: empty; entries may follow.
    EmptyOne,
    /// `evacuatedX`: moved to the same index in the new array.
    EvacuatedX,
    /// `evacuatedY`: moved to another index in the new array.
    EvacuatedY,
    /// `evacuatedEmpty`: was empty when its bucket was evacuated.
    EvacuatedEmpty,
    /// A live entry whose hash's (adjusted) top byte is this value.
    Occupied(u8),
}

impl SlotState {
    /// Whether the slot holds a live entry.
    pub fn is_occupied(self) -> bool {
        matches!(self, SlotState::Occupied(_))
    }

    /// Whether the slot is marked evacuated (any of the three states).
    pub fn is_evacuated(self) -> bool {
        matches!(self, SlotState::EvacuatedX | SlotState::EvacuatedY | SlotState::EvacuatedEmpty)
    }
}

impl fmt::Display for SlotState {
    /// Two characters: `..` empty-rest, `--` empty-one, `eX`/`eY`/`e_`
    /// evacuated X/Y/empty, or the tophash byte in hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotState::EmptyRest => f.write_str(".."),
            SlotState::EmptyOne => f.write_str("--"),
            SlotState::EvacuatedX => f.write_str("eX"),
            SlotState::EvacuatedY => f.write_str("eY"),
            SlotState::EvacuatedEmpty => f.write_str("e_"),
            SlotState::Occupied(t) => write!(f, "{t:02x}"),
        }
    }
}

/// Why a `try_reserve` failed (the same variants as hashbrown's).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TryReserveError {
    /// The requested capacity cannot be represented: the bucket array would
    /// exceed `isize::MAX` bytes or the bucket count would overflow `usize`.
    CapacityOverflow,
    /// The allocator refused the bucket array.
    AllocError {
        /// The layout of the refused allocation.
        layout: Layout,
    },
}

impl fmt::Display for TryReserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryReserveError::CapacityOverflow => {
                f.write_str("memory allocation failed because the computed capacity exceeded the collection's maximum")
            }
            TryReserveError::AllocError { layout } => {
                write!(f, "memory allocation of {} bytes failed", layout.size())
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TryReserveError {}
