//! The map's iterators. Every one knows its exact length.

use core::fmt;
use core::iter::FusedIterator;

use crate::raw;

/// Iterator over `(&K, &V)`; from [`HashMap::iter`](super::HashMap::iter).
pub struct Iter<'a, K, V> {
    pub(super) inner: raw::RefIter<'a, K, V>,
}

/// Iterator over `(&K, &mut V)`; from
/// [`HashMap::iter_mut`](super::HashMap::iter_mut).
pub struct IterMut<'a, K, V> {
    pub(super) inner: raw::MutIter<'a, K, V>,
}

/// Owning iterator over `(K, V)`; from the map's `into_iter`.
pub struct IntoIter<K, V> {
    pub(super) inner: raw::RawIntoIter<K, V>,
}

/// Iterator over keys; from [`HashMap::keys`](super::HashMap::keys).
pub struct Keys<'a, K, V> {
    pub(super) inner: Iter<'a, K, V>,
}

/// Iterator over values; from [`HashMap::values`](super::HashMap::values).
pub struct Values<'a, K, V> {
    pub(super) inner: Iter<'a, K, V>,
}

/// Iterator over mutable values; from
/// [`HashMap::values_mut`](super::HashMap::values_mut).
pub struct ValuesMut<'a, K, V> {
    pub(super) inner: IterMut<'a, K, V>,
}

/// Owning iterator over keys; from
/// [`HashMap::into_keys`](super::HashMap::into_keys).
pub struct IntoKeys<K, V> {
    pub(super) inner: IntoIter<K, V>,
}

/// Owning iterator over values; from
/// [`HashMap::into_values`](super::HashMap::into_values).
pub struct IntoValues<K, V> {
    pub(super) inner: IntoIter<K, V>,
}

/// Draining iterator; from [`HashMap::drain`](super::HashMap::drain).
pub struct Drain<'a, K, V> {
    pub(super) inner: raw::RawDrain<'a, K, V>,
}

/// Removing iterator; from
/// [`HashMap::extract_if`](super::HashMap::extract_if).
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ExtractIf<'a, K, V, F> {
    pub(super) inner: raw::ExtractIf<'a, K, V, F>,
}

/// Implements `Iterator`, `ExactSizeIterator` and `FusedIterator` for an
/// iterator whose `inner` yields `$item` after mapping with `$f`.
macro_rules! exact_iter {
    ($name:ident<$($lt:lifetime,)? $($g:ident),*>, $item:ty, |$x:ident| $f:expr) => {
        impl<$($lt,)? $($g),*> Iterator for $name<$($lt,)? $($g),*> {
            type Item = $item;

            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.inner.next().map(|$x| $f)
            }

            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }

            #[inline]
            fn fold<B, G: FnMut(B, $item) -> B>(self, init: B, mut g: G) -> B {
                self.inner.fold(init, |acc, $x| g(acc, $f))
            }
        }

        impl<$($lt,)? $($g),*> ExactSizeIterator for $name<$($lt,)? $($g),*> {}
        impl<$($lt,)? $($g),*> FusedIterator for $name<$($lt,)? $($g),*> {}
    };
}

exact_iter!(Iter<'a, K, V>, (&'a K, &'a V), |x| x);
exact_iter!(IterMut<'a, K, V>, (&'a K, &'a mut V), |x| x);
exact_iter!(IntoIter<K, V>, (K, V), |x| x);
exact_iter!(Keys<'a, K, V>, &'a K, |x| x.0);
exact_iter!(Values<'a, K, V>, &'a V, |x| x.1);
exact_iter!(ValuesMut<'a, K, V>, &'a mut V, |x| x.1);
// The half not yielded is dropped before the closure returns: a value
// already returned would be leaked if that destructor panicked
// (rust-lang/rust#47949).
exact_iter!(IntoKeys<K, V>, K, |x| {
    let (k, v) = x;
    drop(v);
    k
});
exact_iter!(IntoValues<K, V>, V, |x| {
    let (k, v) = x;
    drop(k);
    v
});
exact_iter!(Drain<'a, K, V>, (K, V), |x| x);

impl<K, V, F: FnMut(&K, &mut V) -> bool> Iterator for ExtractIf<'_, K, V, F> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V, F: FnMut(&K, &mut V) -> bool> FusedIterator for ExtractIf<'_, K, V, F> {}

impl<K, V> Clone for Iter<'_, K, V> {
    fn clone(&self) -> Self {
        Iter { inner: self.inner.clone() }
    }
}

impl<K, V> Clone for Keys<'_, K, V> {
    fn clone(&self) -> Self {
        Keys { inner: self.inner.clone() }
    }
}

impl<K, V> Clone for Values<'_, K, V> {
    fn clone(&self) -> Self {
        Values { inner: self.inner.clone() }
    }
}

// `Default` for every iterator a map hands out by borrow or by value (std
// since 1.83): an iterator with nothing to yield. Each is O(1) and
// allocates nothing.

impl<K, V> Default for Iter<'_, K, V> {
    /// An empty iterator.
    ///
    /// ```
    /// let it: tophash::hash_map::Iter<'_, u8, u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    fn default() -> Self {
        Iter { inner: raw::RefIter::empty() }
    }
}

impl<K, V> Default for IterMut<'_, K, V> {
    /// An empty iterator.
    ///
    /// ```
    /// let it: tophash::hash_map::IterMut<'_, u8, u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    fn default() -> Self {
        IterMut { inner: raw::MutIter::empty() }
    }
}

impl<K, V> Default for IntoIter<K, V> {
    /// An empty iterator.
    ///
    /// ```
    /// let it: tophash::hash_map::IntoIter<u8, u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    fn default() -> Self {
        IntoIter { inner: raw::RawIntoIter::new(raw::RawTable::new()) }
    }
}

impl<K, V> Default for Keys<'_, K, V> {
    /// An empty iterator.
    ///
    /// ```
    /// let it: tophash::hash_map::Keys<'_, u8, u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    fn default() -> Self {
        Keys { inner: Iter::default() }
    }
}

impl<K, V> Default for Values<'_, K, V> {
    /// An empty iterator.
    ///
    /// ```
    /// let it: tophash::hash_map::Values<'_, u8, u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    fn default() -> Self {
        Values { inner: Iter::default() }
    }
}

impl<K, V> Default for ValuesMut<'_, K, V> {
    /// An empty iterator.
    ///
    /// ```
    /// let it: tophash::hash_map::ValuesMut<'_, u8, u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    fn default() -> Self {
        ValuesMut { inner: IterMut::default() }
    }
}

impl<K, V> Default for IntoKeys<K, V> {
    /// An empty iterator.
    ///
    /// ```
    /// let it: tophash::hash_map::IntoKeys<u8, u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    fn default() -> Self {
        IntoKeys { inner: IntoIter::default() }
    }
}

impl<K, V> Default for IntoValues<K, V> {
    /// An empty iterator.
    ///
    /// ```
    /// let it: tophash::hash_map::IntoValues<u8, u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    fn default() -> Self {
        IntoValues { inner: IntoIter::default() }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for IterMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.rest()).finish()
    }
}

impl<K: fmt::Debug, V> fmt::Debug for Keys<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<K, V: fmt::Debug> fmt::Debug for Values<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<K, V: fmt::Debug> fmt::Debug for ValuesMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.inner.rest().map(|(_, v)| v)).finish()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for IntoIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.rest()).finish()
    }
}

impl<K: fmt::Debug, V> fmt::Debug for IntoKeys<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.inner.rest().map(|(k, _)| k)).finish()
    }
}

impl<K, V: fmt::Debug> fmt::Debug for IntoValues<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.inner.rest().map(|(_, v)| v)).finish()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Drain<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.rest()).finish()
    }
}

impl<K, V, F> fmt::Debug for ExtractIf<'_, K, V, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf").finish_non_exhaustive()
    }
}
