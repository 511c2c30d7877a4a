//! The table's iterators: the engine's cursors, yielding the elements
//! (stored as keys with `()` values).

use core::fmt;
use core::iter::FusedIterator;

use crate::raw;

/// Iterator over `&T`; from [`HashTable::iter`](super::HashTable::iter).
pub struct Iter<'a, T> {
    pub(super) inner: raw::RefIter<'a, T, ()>,
}

/// Iterator over `&mut T`; from
/// [`HashTable::iter_mut`](super::HashTable::iter_mut).
pub struct IterMut<'a, T> {
    pub(super) inner: raw::KeyMutIter<'a, T, ()>,
}

/// Iterator over the elements that may have a given hash; from
/// [`HashTable::iter_hash`](super::HashTable::iter_hash).
pub struct IterHash<'a, T> {
    pub(super) inner: raw::HashIter<'a, T, ()>,
}

/// As [`IterHash`], mutable; from
/// [`HashTable::iter_hash_mut`](super::HashTable::iter_hash_mut).
pub struct IterHashMut<'a, T> {
    pub(super) inner: raw::HashKeyMutIter<'a, T, ()>,
}

/// Owning iterator over `T`; from the table's `into_iter`.
pub struct IntoIter<T> {
    pub(super) inner: raw::RawIntoIter<T, ()>,
}

/// Draining iterator; from [`HashTable::drain`](super::HashTable::drain).
pub struct Drain<'a, T> {
    pub(super) inner: raw::RawDrain<'a, T, ()>,
}

/// Removing iterator; from
/// [`HashTable::extract_if`](super::HashTable::extract_if).
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ExtractIf<'a, T, F> {
    pub(super) inner: raw::ExtractIf<'a, T, (), F>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.inner.next().map(|(t, _)| t)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }

    #[inline]
    fn fold<B, F: FnMut(B, &'a T) -> B>(self, init: B, mut f: F) -> B {
        self.inner.fold(init, |acc, (t, _)| f(acc, t))
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Clone for Iter<'_, T> {
    #[inline]
    fn clone(&self) -> Self {
        Iter { inner: self.inner.clone() }
    }
}

impl<T> Default for Iter<'_, T> {
    /// An iterator with nothing to yield.
    #[inline]
    fn default() -> Self {
        Iter { inner: raw::RefIter::empty() }
    }
}

impl<T: fmt::Debug> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<'a, T> Iterator for IterMut<'a, T> {
    type Item = &'a mut T;

    #[inline]
    fn next(&mut self) -> Option<&'a mut T> {
        self.inner.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }

    #[inline]
    fn fold<B, F: FnMut(B, &'a mut T) -> B>(self, init: B, f: F) -> B {
        self.inner.fold(init, f)
    }
}

impl<T> ExactSizeIterator for IterMut<'_, T> {}
impl<T> FusedIterator for IterMut<'_, T> {}

impl<T: fmt::Debug> fmt::Debug for IterMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.rest().map(|(t, _)| t)).finish()
    }
}

impl<'a, T> Iterator for IterHash<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.inner.next().map(|(t, _)| t)
    }
}

impl<T> FusedIterator for IterHash<'_, T> {}

impl<T> fmt::Debug for IterHash<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterHash").finish_non_exhaustive()
    }
}

impl<'a, T> Iterator for IterHashMut<'a, T> {
    type Item = &'a mut T;

    #[inline]
    fn next(&mut self) -> Option<&'a mut T> {
        self.inner.next()
    }
}

impl<T> FusedIterator for IterHashMut<'_, T> {}

impl<T> fmt::Debug for IterHashMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterHashMut").finish_non_exhaustive()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|(t, ())| t)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}
impl<T> FusedIterator for IntoIter<T> {}

impl<T: fmt::Debug> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.rest().map(|(t, _)| t)).finish()
    }
}

impl<T> Iterator for Drain<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|(t, ())| t)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> ExactSizeIterator for Drain<'_, T> {}
impl<T> FusedIterator for Drain<'_, T> {}

impl<T: fmt::Debug> fmt::Debug for Drain<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.rest().map(|(t, _)| t)).finish()
    }
}

impl<T, F: FnMut(&mut T) -> bool> Iterator for ExtractIf<'_, T, F> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next_where(|pred, t, _| pred(t)).map(|(t, ())| t)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.bounds()
    }
}

impl<T, F: FnMut(&mut T) -> bool> FusedIterator for ExtractIf<'_, T, F> {}

impl<T, F> fmt::Debug for ExtractIf<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf").finish_non_exhaustive()
    }
}
