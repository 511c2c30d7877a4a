//! The capacity and resize calls the map and the set share, as data
//! ([`CapacityOp`]), with one check of their contract ([`apply_capacity`])
//! that both runners use, so the set's forwarding methods are held to
//! exactly what the map promises.

use core::hash::{BuildHasher, Hash};

use crate::{HashMap, HashSet, TryReserveError};

/// One capacity or resize call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacityOp {
    /// `reserve`.
    Reserve(u16),
    /// `try_reserve` (small, or hopeless: `>= 2^62`, so that std agrees).
    TryReserve(usize),
    /// `shrink_to`.
    ShrinkTo(u16),
    /// `shrink_to_fit`.
    ShrinkToFit,
    /// `evacuate(n)`.
    Evacuate(u8),
    /// `finish_resize`.
    FinishResize,
}

/// The calls [`apply_capacity`] makes, implemented by [`HashMap`] and
/// [`HashSet`] by forwarding to their own methods.
#[allow(missing_docs)]
pub trait Capacity {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool;
    fn capacity(&self) -> usize;
    fn is_resizing(&self) -> bool;
    fn reserve(&mut self, additional: usize);
    fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError>;
    fn shrink_to(&mut self, min_capacity: usize);
    fn shrink_to_fit(&mut self);
    fn evacuate(&mut self, n: usize) -> usize;
    fn finish_resize(&mut self);
}

macro_rules! forward_capacity {
    (impl[$($generics:tt)*] $ty:ty) => {
        impl<$($generics)*> Capacity for $ty {
            fn len(&self) -> usize { <$ty>::len(self) }
            fn is_empty(&self) -> bool { <$ty>::is_empty(self) }
            fn capacity(&self) -> usize { <$ty>::capacity(self) }
            fn is_resizing(&self) -> bool { <$ty>::is_resizing(self) }
            fn reserve(&mut self, additional: usize) { <$ty>::reserve(self, additional) }
            fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
                <$ty>::try_reserve(self, additional)
            }
            fn shrink_to(&mut self, min_capacity: usize) { <$ty>::shrink_to(self, min_capacity) }
            fn shrink_to_fit(&mut self) { <$ty>::shrink_to_fit(self) }
            fn evacuate(&mut self, n: usize) -> usize { <$ty>::evacuate(self, n) }
            fn finish_resize(&mut self) { <$ty>::finish_resize(self) }
        }
    };
}

forward_capacity!(impl[K: Eq + Hash, V, S: BuildHasher] HashMap<K, V, S>);
forward_capacity!(impl[T: Eq + Hash, S: BuildHasher] HashSet<T, S>);

/// Applies `op` to `table` and checks its contract: the capacity a reserve
/// promises, `try_reserve` failing exactly when std's does (`std_accepts`
/// answers for the same size) and only with `CapacityOverflow`, a shrink
/// that keeps `len` and `min(capacity, n)` and never grows, an empty table
/// freeing its memory, `evacuate` moving at least one and at most `n`
/// buckets while a resize is in progress and none otherwise, and
/// `finish_resize` ending it.
pub fn apply_capacity<T: Capacity>(op: CapacityOp, table: &mut T, std_accepts: impl FnOnce(usize) -> bool) {
    let cap = table.capacity();
    match op {
        CapacityOp::Reserve(n) => {
            table.reserve(n as usize);
            assert!(table.capacity() >= table.len() + n as usize, "{op:?}: capacity {}", table.capacity());
        }
        CapacityOp::TryReserve(n) => {
            let got = table.try_reserve(n);
            assert_eq!(got.is_ok(), std_accepts(n), "{op:?}: {got:?}");
            match got {
                Ok(()) => assert!(table.capacity() >= table.len() + n, "{op:?}"),
                Err(e) => assert_eq!(e, TryReserveError::CapacityOverflow, "{op:?}"),
            }
        }
        CapacityOp::ShrinkTo(n) => {
            table.shrink_to(n as usize);
            let now = table.capacity();
            assert!(now >= table.len().max(cap.min(n as usize)) && now <= cap, "{op:?}: capacity {cap} -> {now}");
        }
        CapacityOp::ShrinkToFit => {
            table.shrink_to_fit();
            if table.is_empty() {
                assert_eq!(table.capacity(), 0, "{op:?}: an empty table frees its memory");
            }
        }
        CapacityOp::Evacuate(n) => {
            let was = table.is_resizing();
            let moved = table.evacuate(n as usize);
            assert!(moved <= n as usize && (was || moved == 0), "{op:?} moved {moved}");
            assert!(!was || n == 0 || moved >= 1, "{op:?} moved nothing mid-resize");
            if moved < n as usize {
                assert!(!table.is_resizing(), "{op:?} stopped early mid-resize");
            }
        }
        CapacityOp::FinishResize => {
            table.finish_resize();
            assert!(!table.is_resizing(), "{op:?}");
        }
    }
}
