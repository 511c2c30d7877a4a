//! Parallel iterators over a [`HashSet`]; also at `tophash::hash_set::rayon`.

use alloc::vec::Vec;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use ::rayon::iter::plumbing::UnindexedConsumer;
use ::rayon::iter::{FromParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};

use super::map;
use crate::hash_set::HashSet;

/// Parallel iterator over `&T`; from the set's `par_iter` (rayon's
/// `IntoParallelRefIterator`).
pub struct ParIter<'a, T> {
    inner: map::ParKeys<'a, T, ()>,
}

/// Owning parallel iterator; from the set's `into_par_iter`. The elements
/// were moved into a `Vec` when it was made.
pub struct IntoParIter<T> {
    items: Vec<T>,
}

/// Draining parallel iterator; from [`HashSet::par_drain`]. The set was
/// emptied when it was made; elements not consumed are dropped with it.
pub struct ParDrain<'a, T> {
    items: Vec<T>,
    marker: PhantomData<&'a mut HashSet<T>>,
}

/// Parallel union; from [`HashSet::par_union`].
pub struct ParUnion<'a, T, S> {
    a: &'a HashSet<T, S>,
    b: &'a HashSet<T, S>,
}

/// Parallel intersection; from [`HashSet::par_intersection`].
pub struct ParIntersection<'a, T, S> {
    a: &'a HashSet<T, S>,
    b: &'a HashSet<T, S>,
}

/// Parallel difference; from [`HashSet::par_difference`].
pub struct ParDifference<'a, T, S> {
    a: &'a HashSet<T, S>,
    b: &'a HashSet<T, S>,
}

/// Parallel symmetric difference; from
/// [`HashSet::par_symmetric_difference`].
pub struct ParSymmetricDifference<'a, T, S> {
    a: &'a HashSet<T, S>,
    b: &'a HashSet<T, S>,
}

impl<'a, T: Sync> ParallelIterator for ParIter<'a, T> {
    type Item = &'a T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.drive_unindexed(consumer)
    }
}

impl<T: Send> ParallelIterator for IntoParIter<T> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.items.into_par_iter().drive_unindexed(consumer)
    }
}

impl<T: Send> ParallelIterator for ParDrain<'_, T> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.items.into_par_iter().drive_unindexed(consumer)
    }
}

impl<'a, T, S> ParallelIterator for ParUnion<'a, T, S>
where
    T: Eq + Hash + Sync,
    S: BuildHasher + Sync,
{
    type Item = &'a T;

    /// The larger set, then the smaller one's elements missing from it.
    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        let (large, small) = if self.a.len() >= self.b.len() { (self.a, self.b) } else { (self.b, self.a) };
        large.into_par_iter().chain(small.par_difference(large)).drive_unindexed(consumer)
    }
}

impl<'a, T, S> ParallelIterator for ParIntersection<'a, T, S>
where
    T: Eq + Hash + Sync,
    S: BuildHasher + Sync,
{
    type Item = &'a T;

    /// The smaller set's elements found in the larger.
    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        let (small, large) = if self.a.len() <= self.b.len() { (self.a, self.b) } else { (self.b, self.a) };
        small.into_par_iter().filter(|v| large.contains(*v)).drive_unindexed(consumer)
    }
}

impl<'a, T, S> ParallelIterator for ParDifference<'a, T, S>
where
    T: Eq + Hash + Sync,
    S: BuildHasher + Sync,
{
    type Item = &'a T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        let other = self.b;
        self.a.into_par_iter().filter(|v| !other.contains(*v)).drive_unindexed(consumer)
    }
}

impl<'a, T, S> ParallelIterator for ParSymmetricDifference<'a, T, S>
where
    T: Eq + Hash + Sync,
    S: BuildHasher + Sync,
{
    type Item = &'a T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.a.par_difference(self.b).chain(self.b.par_difference(self.a)).drive_unindexed(consumer)
    }
}

impl<T> Clone for ParIter<'_, T> {
    fn clone(&self) -> Self {
        ParIter { inner: self.inner.clone() }
    }
}

impl<T: fmt::Debug> fmt::Debug for ParIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for IntoParIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.items).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for ParDrain<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.items).finish()
    }
}

/// `Debug` for the lazy set operations: their operands.
macro_rules! debug_operands {
    ($($name:ident),*) => {$(
        impl<T: fmt::Debug, S> fmt::Debug for $name<'_, T, S> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("a", self.a).field("b", self.b).finish()
            }
        }
    )*};
}

debug_operands!(ParUnion, ParIntersection, ParDifference, ParSymmetricDifference);

impl<T, S> HashSet<T, S>
where
    T: Eq + Hash + Sync,
    S: BuildHasher + Sync,
{
    /// The elements in `self` or `other`, in parallel: the larger set, then
    /// the smaller one's elements missing from it. O(buckets + len) of both
    /// in work; reads only, never moves buckets.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let a: tophash::HashSet<u32> = (0..10).collect();
    /// let b: tophash::HashSet<u32> = (5..15).collect();
    /// assert_eq!(a.par_union(&b).count(), 15);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_union<'a>(&'a self, other: &'a Self) -> ParUnion<'a, T, S> {
        ParUnion { a: self, b: other }
    }

    /// The elements in both sets, in parallel: the smaller set's, looked up
    /// in the larger. O(buckets + len) of the smaller in work; reads only.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let a: tophash::HashSet<u32> = (0..10).collect();
    /// let b: tophash::HashSet<u32> = (5..15).collect();
    /// assert_eq!(a.par_intersection(&b).copied().sum::<u32>(), 35);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_intersection<'a>(&'a self, other: &'a Self) -> ParIntersection<'a, T, S> {
        ParIntersection { a: self, b: other }
    }

    /// The elements in `self` but not in `other`, in parallel.
    /// O(buckets + len) of `self` in work; reads only.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let a: tophash::HashSet<u32> = (0..10).collect();
    /// let b: tophash::HashSet<u32> = (5..15).collect();
    /// assert_eq!(a.par_difference(&b).copied().max(), Some(4));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_difference<'a>(&'a self, other: &'a Self) -> ParDifference<'a, T, S> {
        ParDifference { a: self, b: other }
    }

    /// The elements in exactly one of the sets, in parallel.
    /// O(buckets + len) of both in work; reads only.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let a: tophash::HashSet<u32> = (0..10).collect();
    /// let b: tophash::HashSet<u32> = (5..15).collect();
    /// assert_eq!(a.par_symmetric_difference(&b).count(), 10);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_symmetric_difference<'a>(&'a self, other: &'a Self) -> ParSymmetricDifference<'a, T, S> {
        ParSymmetricDifference { a: self, b: other }
    }

    /// Whether the sets share no element, checked in parallel over the
    /// smaller. O(min len) average work; reads only.
    ///
    /// ```
    /// let a: tophash::HashSet<u32> = (0..10).collect();
    /// let b: tophash::HashSet<u32> = (10..15).collect();
    /// assert!(a.par_is_disjoint(&b));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_is_disjoint(&self, other: &Self) -> bool {
        let (small, large) = if self.len() <= other.len() { (self, other) } else { (other, self) };
        small.into_par_iter().all(|v| !large.contains(v))
    }

    /// Whether every element of `self` is in `other`, checked in parallel.
    /// O(len) average work (O(1) when `self` is the larger); reads only.
    ///
    /// ```
    /// let a: tophash::HashSet<u32> = (0..10).collect();
    /// let b: tophash::HashSet<u32> = (0..5).collect();
    /// assert!(b.par_is_subset(&a) && !a.par_is_subset(&b));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_is_subset(&self, other: &Self) -> bool {
        self.len() <= other.len() && self.into_par_iter().all(|v| other.contains(v))
    }

    /// Whether every element of `other` is in `self`, checked in parallel.
    /// O(len of `other`) average work; reads only.
    ///
    /// ```
    /// let a: tophash::HashSet<u32> = (0..10).collect();
    /// let b: tophash::HashSet<u32> = (0..5).collect();
    /// assert!(a.par_is_superset(&b));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_is_superset(&self, other: &Self) -> bool {
        other.par_is_subset(self)
    }

    /// `self == other`, checked in parallel. O(len) average work; reads
    /// only.
    ///
    /// ```
    /// let a: tophash::HashSet<u32> = (0..10).collect();
    /// assert!(a.par_eq(&a.clone()));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.par_is_subset(other)
    }
}

impl<T: Send, S> HashSet<T, S> {
    /// Removes every element, for consumption in parallel. Sequential
    /// O(buckets + len) when called: the elements are moved into a `Vec`
    /// (the set keeps its bucket array), which rayon then splits.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let mut s: tophash::HashSet<u32> = (0..100).collect();
    /// assert_eq!(s.par_drain().sum::<u32>(), 4950);
    /// assert!(s.is_empty());
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_drain(&mut self) -> ParDrain<'_, T> {
        ParDrain { items: self.drain().collect(), marker: PhantomData }
    }
}

impl<T: Send, S> IntoParallelIterator for HashSet<T, S> {
    type Item = T;
    type Iter = IntoParIter<T>;

    /// Consumes the set: its elements are moved into a `Vec` (sequential
    /// O(buckets + len)), which rayon splits.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let s: tophash::HashSet<u32> = (0..100).collect();
    /// assert_eq!(s.into_par_iter().max(), Some(99));
    /// ```
    fn into_par_iter(self) -> IntoParIter<T> {
        IntoParIter { items: self.into_iter().collect() }
    }
}

impl<'a, T: Sync, S> IntoParallelIterator for &'a HashSet<T, S> {
    type Item = &'a T;
    type Iter = ParIter<'a, T>;

    /// The set's `par_iter`: O(1) to make, then O(buckets + len) of work
    /// split by chains (old chains not yet evacuated included); never moves
    /// buckets.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let s: tophash::HashSet<u32> = (0..100).collect();
    /// assert_eq!(s.par_iter().filter(|x| **x < 10).count(), 10);
    /// ```
    fn into_par_iter(self) -> ParIter<'a, T> {
        ParIter { inner: self.map.par_keys() }
    }
}

impl<T, S> FromParallelIterator<T> for HashSet<T, S>
where
    T: Eq + Hash + Send,
    S: BuildHasher + Default,
{
    /// Collects in parallel into a `Vec`, then inserts on the calling
    /// thread.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let s: tophash::HashSet<u32> = (0..100u32).into_par_iter().map(|x| x % 10).collect();
    /// assert_eq!(s.len(), 10);
    /// ```
    fn from_par_iter<I: IntoParallelIterator<Item = T>>(par_iter: I) -> Self {
        let mut s = HashSet::with_hasher(S::default());
        s.par_extend(par_iter);
        s
    }
}

impl<T, S> ParallelExtend<T> for HashSet<T, S>
where
    T: Eq + Hash + Send,
    S: BuildHasher,
{
    /// Produces the elements in parallel into a `Vec`, then inserts them on
    /// the calling thread as [`Extend`] does.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let mut s = tophash::HashSet::new();
    /// s.par_extend((0..100u32).into_par_iter());
    /// assert!(s.contains(&99));
    /// ```
    fn par_extend<I: IntoParallelIterator<Item = T>>(&mut self, par_iter: I) {
        let items: Vec<T> = par_iter.into_par_iter().collect();
        self.extend(items);
    }
}

impl<'a, T, S> ParallelExtend<&'a T> for HashSet<T, S>
where
    T: Eq + Hash + Copy + Sync,
    S: BuildHasher,
{
    /// As the owned `par_extend`: the references are gathered in parallel,
    /// then the elements copied in on the calling thread.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let a: tophash::HashSet<u32> = (0..10).collect();
    /// let mut b = tophash::HashSet::new();
    /// b.par_extend(a.par_iter());
    /// assert!(a.par_eq(&b));
    /// ```
    fn par_extend<I: IntoParallelIterator<Item = &'a T>>(&mut self, par_iter: I) {
        let items: Vec<&'a T> = par_iter.into_par_iter().collect();
        self.extend(items);
    }
}
