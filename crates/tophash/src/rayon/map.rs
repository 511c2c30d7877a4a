//! Parallel iterators over a [`HashMap`]; also at `tophash::hash_map::rayon`.

use alloc::vec::Vec;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;
use core::ops::ControlFlow;

use ::rayon::iter::plumbing::{bridge_unindexed, Folder, UnindexedConsumer, UnindexedProducer};
use ::rayon::iter::{FromParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};

use crate::hash_map::HashMap;
use crate::raw;

/// Parallel iterator over `(&K, &V)`; from the map's `par_iter` (rayon's
/// `IntoParallelRefIterator`).
pub struct ParIter<'a, K, V> {
    heads: raw::RefHeads<'a, K, V>,
}

/// Parallel iterator over `(&K, &mut V)`; from the map's `par_iter_mut`
/// (rayon's `IntoParallelRefMutIterator`).
pub struct ParIterMut<'a, K, V> {
    heads: raw::MutHeads<'a, K, V>,
}

/// Parallel iterator over keys; from [`HashMap::par_keys`].
pub struct ParKeys<'a, K, V> {
    inner: ParIter<'a, K, V>,
}

/// Parallel iterator over values; from [`HashMap::par_values`].
pub struct ParValues<'a, K, V> {
    inner: ParIter<'a, K, V>,
}

/// Parallel iterator over mutable values; from [`HashMap::par_values_mut`].
pub struct ParValuesMut<'a, K, V> {
    inner: ParIterMut<'a, K, V>,
}

/// Owning parallel iterator over `(K, V)`; from the map's `into_par_iter`.
/// The entries were moved into a `Vec` when it was made.
pub struct IntoParIter<K, V> {
    entries: Vec<(K, V)>,
}

/// Draining parallel iterator over `(K, V)`; from [`HashMap::par_drain`].
/// The map was emptied when it was made; entries not consumed are dropped
/// with it.
pub struct ParDrain<'a, K, V> {
    entries: Vec<(K, V)>,
    marker: PhantomData<&'a mut HashMap<K, V>>,
}

/// Splits a range of chain heads for rayon.
struct RefProducer<'a, K, V>(raw::RefHeads<'a, K, V>);

/// Splits a range of chain heads for rayon, values mutable.
struct MutProducer<'a, K, V>(raw::MutHeads<'a, K, V>);

/// One step of a producer's fold: the folder takes the item, and the walk
/// stops once it is full (as rayon's `Folder::consume_iter` does).
fn consume<T, F: Folder<T>>(folder: F, item: T) -> ControlFlow<F, F> {
    let folder = folder.consume(item);
    if folder.full() {
        ControlFlow::Break(folder)
    } else {
        ControlFlow::Continue(folder)
    }
}

impl<'a, K: Sync, V: Sync> UnindexedProducer for RefProducer<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn split(self) -> (Self, Option<Self>) {
        let (a, b) = self.0.split();
        (RefProducer(a), b.map(RefProducer))
    }

    fn fold_with<F: Folder<Self::Item>>(self, folder: F) -> F {
        self.0.fold_while(folder, consume)
    }
}

impl<'a, K: Sync, V: Send> UnindexedProducer for MutProducer<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    fn split(self) -> (Self, Option<Self>) {
        let (a, b) = self.0.split();
        (MutProducer(a), b.map(MutProducer))
    }

    fn fold_with<F: Folder<Self::Item>>(self, folder: F) -> F {
        self.0.fold_while(folder, consume)
    }
}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParIter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        bridge_unindexed(RefProducer(self.heads), consumer)
    }
}

impl<'a, K: Sync, V: Send> ParallelIterator for ParIterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        bridge_unindexed(MutProducer(self.heads), consumer)
    }
}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParKeys<'a, K, V> {
    type Item = &'a K;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(k, _)| k).drive_unindexed(consumer)
    }
}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParValues<'a, K, V> {
    type Item = &'a V;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(_, v)| v).drive_unindexed(consumer)
    }
}

impl<'a, K: Sync, V: Send> ParallelIterator for ParValuesMut<'a, K, V> {
    type Item = &'a mut V;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(_, v)| v).drive_unindexed(consumer)
    }
}

impl<K: Send, V: Send> ParallelIterator for IntoParIter<K, V> {
    type Item = (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.entries.into_par_iter().drive_unindexed(consumer)
    }
}

impl<K: Send, V: Send> ParallelIterator for ParDrain<'_, K, V> {
    type Item = (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.entries.into_par_iter().drive_unindexed(consumer)
    }
}

impl<K, V> Clone for ParIter<'_, K, V> {
    fn clone(&self) -> Self {
        ParIter { heads: self.heads.clone() }
    }
}

impl<K, V> Clone for ParKeys<'_, K, V> {
    fn clone(&self) -> Self {
        ParKeys { inner: self.inner.clone() }
    }
}

impl<K, V> Clone for ParValues<'_, K, V> {
    fn clone(&self) -> Self {
        ParValues { inner: self.inner.clone() }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for ParIter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        self.heads.clone().for_each(|e| {
            list.entry(&e);
        });
        list.finish()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for ParIterMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        self.heads.as_ref().for_each(|e| {
            list.entry(&e);
        });
        list.finish()
    }
}

impl<K: fmt::Debug, V> fmt::Debug for ParKeys<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        self.inner.heads.clone().for_each(|(k, _)| {
            list.entry(k);
        });
        list.finish()
    }
}

impl<K, V: fmt::Debug> fmt::Debug for ParValues<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        self.inner.heads.clone().for_each(|(_, v)| {
            list.entry(v);
        });
        list.finish()
    }
}

impl<K, V: fmt::Debug> fmt::Debug for ParValuesMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        self.inner.heads.as_ref().for_each(|(_, v)| {
            list.entry(v);
        });
        list.finish()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for IntoParIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.entries).finish()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for ParDrain<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.entries).finish()
    }
}

impl<K: Sync, V: Sync, S> HashMap<K, V, S> {
    /// A parallel iterator over the keys. O(1) to make; the work is
    /// O(buckets + len) split over rayon's threads by chains. Never moves
    /// buckets, also mid-resize.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let m: tophash::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// assert_eq!(m.par_keys().copied().sum::<u32>(), 4950);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_keys(&self) -> ParKeys<'_, K, V> {
        ParKeys { inner: ParIter { heads: self.table.par_heads() } }
    }

    /// A parallel iterator over the values. Cost as
    /// [`par_keys`](Self::par_keys).
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let m: tophash::HashMap<u32, u32> = (0..100).map(|i| (i, 2 * i)).collect();
    /// assert_eq!(m.par_values().copied().sum::<u32>(), 9900);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_values(&self) -> ParValues<'_, K, V> {
        ParValues { inner: ParIter { heads: self.table.par_heads() } }
    }
}

impl<K: Sync, V: Send, S> HashMap<K, V, S> {
    /// A parallel iterator over mutable values. Cost as
    /// [`par_keys`](Self::par_keys); never moves buckets.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let mut m: tophash::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// m.par_values_mut().for_each(|v| *v *= 3);
    /// assert_eq!(m[&7], 21);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_values_mut(&mut self) -> ParValuesMut<'_, K, V> {
        ParValuesMut { inner: ParIterMut { heads: self.table.par_heads_mut() } }
    }
}

impl<K: Send, V: Send, S> HashMap<K, V, S> {
    /// Removes every entry, for consumption in parallel. Sequential
    /// O(buckets + len) when called: the entries are moved into a `Vec` (as
    /// [`drain`](Self::drain) would yield them; the map keeps its bucket
    /// array), which rayon then splits. Entries not consumed are dropped.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let mut m: tophash::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// let sum: u32 = m.par_drain().map(|(k, v)| k + v).sum();
    /// assert_eq!(sum, 9900);
    /// assert!(m.is_empty());
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_drain(&mut self) -> ParDrain<'_, K, V> {
        ParDrain { entries: self.drain().collect(), marker: PhantomData }
    }
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Eq + Hash + Sync,
    V: PartialEq + Sync,
    S: BuildHasher + Sync,
{
    /// `self == other`, with the lookups of `self`'s entries in `other`
    /// made in parallel. O(len) average work; reads only.
    ///
    /// ```
    /// let a: tophash::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// let mut b = a.clone();
    /// assert!(a.par_eq(&b));
    /// b.insert(5, 0);
    /// assert!(!a.par_eq(&b));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
    pub fn par_eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.into_par_iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Send, V: Send, S> IntoParallelIterator for HashMap<K, V, S> {
    type Item = (K, V);
    type Iter = IntoParIter<K, V>;

    /// Consumes the map: its entries are moved into a `Vec` (sequential
    /// O(buckets + len)), which rayon splits.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let m: tophash::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// let mut v: Vec<_> = m.into_par_iter().collect();
    /// v.sort();
    /// assert_eq!(v[99], (99, 99));
    /// ```
    fn into_par_iter(self) -> IntoParIter<K, V> {
        IntoParIter { entries: self.into_iter().collect() }
    }
}

impl<'a, K: Sync, V: Sync, S> IntoParallelIterator for &'a HashMap<K, V, S> {
    type Item = (&'a K, &'a V);
    type Iter = ParIter<'a, K, V>;

    /// The map's `par_iter`: O(1) to make, then O(buckets + len) of work
    /// split by chains (old chains not yet evacuated included); never moves
    /// buckets.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let m: tophash::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// assert_eq!(m.par_iter().filter(|(k, _)| *k % 2 == 0).count(), 50);
    /// ```
    fn into_par_iter(self) -> ParIter<'a, K, V> {
        ParIter { heads: self.table.par_heads() }
    }
}

impl<'a, K: Sync, V: Send, S> IntoParallelIterator for &'a mut HashMap<K, V, S> {
    type Item = (&'a K, &'a mut V);
    type Iter = ParIterMut<'a, K, V>;

    /// The map's `par_iter_mut`: as `par_iter`, values mutable.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let mut m: tophash::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// m.par_iter_mut().for_each(|(k, v)| *v += k);
    /// assert_eq!(m[&10], 20);
    /// ```
    fn into_par_iter(self) -> ParIterMut<'a, K, V> {
        ParIterMut { heads: self.table.par_heads_mut() }
    }
}

impl<K, V, S> FromParallelIterator<(K, V)> for HashMap<K, V, S>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher + Default,
{
    /// Collects in parallel into a `Vec`, then inserts on the calling
    /// thread (the table is not concurrent), as [`par_extend`](ParallelExtend::par_extend).
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let m: tophash::HashMap<u32, u32> = (0..100u32).into_par_iter().map(|i| (i, i)).collect();
    /// assert_eq!(m.len(), 100);
    /// ```
    fn from_par_iter<I: IntoParallelIterator<Item = (K, V)>>(par_iter: I) -> Self {
        let mut m = HashMap::with_hasher(S::default());
        m.par_extend(par_iter);
        m
    }
}

impl<K, V, S> ParallelExtend<(K, V)> for HashMap<K, V, S>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher,
{
    /// Produces the pairs in parallel into a `Vec`, then inserts them on
    /// the calling thread, as [`Extend`] does (reserving first; each insert
    /// O(1) average and may move up to two buckets of a resize).
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let mut m = tophash::HashMap::new();
    /// m.par_extend((0..100u32).into_par_iter().map(|i| (i, i)));
    /// assert_eq!(m[&42], 42);
    /// ```
    fn par_extend<I: IntoParallelIterator<Item = (K, V)>>(&mut self, par_iter: I) {
        let entries: Vec<(K, V)> = par_iter.into_par_iter().collect();
        self.extend(entries);
    }
}

impl<'a, K, V, S> ParallelExtend<(&'a K, &'a V)> for HashMap<K, V, S>
where
    K: Eq + Hash + Copy + Sync,
    V: Copy + Sync,
    S: BuildHasher,
{
    /// As the owned `par_extend`: the references are gathered in parallel,
    /// then the pairs are copied in on the calling thread.
    ///
    /// ```
    /// use rayon::prelude::*;
    /// let a: tophash::HashMap<u32, u32> = (0..10).map(|i| (i, i)).collect();
    /// let mut b = tophash::HashMap::new();
    /// b.par_extend(a.par_iter());
    /// assert!(a.par_eq(&b));
    /// ```
    fn par_extend<I: IntoParallelIterator<Item = (&'a K, &'a V)>>(&mut self, par_iter: I) {
        let entries: Vec<(&'a K, &'a V)> = par_iter.into_par_iter().collect();
        self.extend(entries);
    }
}
