//! The set's iterators: the map's, without the `()` values, and the lazy
//! set operations.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::{Chain, FusedIterator};

use super::HashSet;
use crate::{hash_map, raw};

/// Iterator over `&T`; from [`HashSet::iter`].
pub struct Iter<'a, T> {
    pub(super) inner: hash_map::Iter<'a, T, ()>,
}

/// Owning iterator over `T`; from the set's `into_iter`.
pub struct IntoIter<T> {
    pub(super) inner: hash_map::IntoKeys<T, ()>,
}

/// Draining iterator; from [`HashSet::drain`].
pub struct Drain<'a, T> {
    pub(super) inner: hash_map::Drain<'a, T, ()>,
}

/// Removing iterator; from [`HashSet::extract_if`]. Holds the predicate
/// `F` itself, so it is `Send`/`Sync` when `F` (and `T`) are.
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ExtractIf<'a, T, F> {
    /// The engine's removing cursor over the set's map, holding `F`.
    pub(super) inner: raw::ExtractIf<'a, T, (), F>,
}

/// Lazy union; from [`HashSet::union`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Union<'a, T, S> {
    pub(super) iter: Chain<Iter<'a, T>, Difference<'a, T, S>>,
}

/// Lazy intersection; from [`HashSet::intersection`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Intersection<'a, T, S> {
    /// Iterator over the smaller set.
    pub(super) iter: Iter<'a, T>,
    /// The larger set.
    pub(super) other: &'a HashSet<T, S>,
}

/// Lazy difference; from [`HashSet::difference`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Difference<'a, T, S> {
    pub(super) iter: Iter<'a, T>,
    pub(super) other: &'a HashSet<T, S>,
}

/// Lazy symmetric difference; from [`HashSet::symmetric_difference`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct SymmetricDifference<'a, T, S> {
    pub(super) iter: Chain<Difference<'a, T, S>, Difference<'a, T, S>>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.inner.next().map(|(k, _)| k)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }

    #[inline]
    fn fold<B, F: FnMut(B, &'a T) -> B>(self, init: B, mut f: F) -> B {
        self.inner.fold(init, |acc, (k, _)| f(acc, k))
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
        Iter { inner: hash_map::Iter::default() }
    }
}

impl<T: fmt::Debug> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}
impl<T> FusedIterator for IntoIter<T> {}

impl<T> Default for IntoIter<T> {
    /// An iterator with nothing to yield. O(1); allocates nothing.
    ///
    /// ```
    /// let it: tophash::hash_set::IntoIter<u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    #[inline]
    fn default() -> Self {
        IntoIter { inner: hash_map::IntoKeys::default() }
    }
}

impl<T: fmt::Debug> fmt::Debug for IntoIter<T> {
    /// The elements not yet yielded, as a list.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T> Iterator for Drain<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|(k, _)| k)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> ExactSizeIterator for Drain<'_, T> {}
impl<T> FusedIterator for Drain<'_, T> {}

impl<T> fmt::Debug for Drain<'_, T> {
    /// How many elements are left. (The map's `Drain` offers no view of
    /// its remaining keys without their `()` values.)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain").field("remaining", &self.len()).finish_non_exhaustive()
    }
}

impl<T, F: FnMut(&T) -> bool> Iterator for ExtractIf<'_, T, F> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next_where(|pred, k, _| pred(k)).map(|(k, _)| k)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.bounds()
    }
}

impl<T, F: FnMut(&T) -> bool> FusedIterator for ExtractIf<'_, T, F> {}

impl<T, F> fmt::Debug for ExtractIf<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf").finish_non_exhaustive()
    }
}

impl<'a, T: Eq + Hash, S: BuildHasher> Iterator for Intersection<'a, T, S> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        let other = self.other;
        self.iter.find(|v| other.contains(*v))
    }

    /// At most the smaller set's remaining elements.
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.iter.size_hint().1)
    }

    #[inline]
    fn fold<B, G: FnMut(B, &'a T) -> B>(self, init: B, mut f: G) -> B {
        let other = self.other;
        self.iter.fold(init, |acc, v| if other.contains(v) { f(acc, v) } else { acc })
    }
}

impl<'a, T: Eq + Hash, S: BuildHasher> Iterator for Difference<'a, T, S> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        let other = self.other;
        self.iter.find(|v| !other.contains(*v))
    }

    /// Of the `r` elements left, at most `other.len()` are skipped.
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let r = self.iter.len();
        (r.saturating_sub(self.other.len()), Some(r))
    }

    #[inline]
    fn fold<B, G: FnMut(B, &'a T) -> B>(self, init: B, mut f: G) -> B {
        let other = self.other;
        self.iter.fold(init, |acc, v| if other.contains(v) { acc } else { f(acc, v) })
    }
}

impl<'a, T: Eq + Hash, S: BuildHasher> Iterator for Union<'a, T, S> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.iter.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }

    #[inline]
    fn fold<B, G: FnMut(B, &'a T) -> B>(self, init: B, f: G) -> B {
        self.iter.fold(init, f)
    }
}

impl<'a, T: Eq + Hash, S: BuildHasher> Iterator for SymmetricDifference<'a, T, S> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.iter.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }

    #[inline]
    fn fold<B, G: FnMut(B, &'a T) -> B>(self, init: B, f: G) -> B {
        self.iter.fold(init, f)
    }
}

impl<T: Eq + Hash, S: BuildHasher> FusedIterator for Intersection<'_, T, S> {}
impl<T: Eq + Hash, S: BuildHasher> FusedIterator for Difference<'_, T, S> {}
impl<T: Eq + Hash, S: BuildHasher> FusedIterator for Union<'_, T, S> {}
impl<T: Eq + Hash, S: BuildHasher> FusedIterator for SymmetricDifference<'_, T, S> {}

impl<T, S> Clone for Intersection<'_, T, S> {
    #[inline]
    fn clone(&self) -> Self {
        Intersection { iter: self.iter.clone(), other: self.other }
    }
}

impl<T, S> Clone for Difference<'_, T, S> {
    #[inline]
    fn clone(&self) -> Self {
        Difference { iter: self.iter.clone(), other: self.other }
    }
}

impl<T, S> Clone for Union<'_, T, S> {
    #[inline]
    fn clone(&self) -> Self {
        Union { iter: self.iter.clone() }
    }
}

impl<T, S> Clone for SymmetricDifference<'_, T, S> {
    #[inline]
    fn clone(&self) -> Self {
        SymmetricDifference { iter: self.iter.clone() }
    }
}

impl<T: fmt::Debug + Eq + Hash, S: BuildHasher> fmt::Debug for Intersection<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<T: fmt::Debug + Eq + Hash, S: BuildHasher> fmt::Debug for Difference<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<T: fmt::Debug + Eq + Hash, S: BuildHasher> fmt::Debug for Union<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<T: fmt::Debug + Eq + Hash, S: BuildHasher> fmt::Debug for SymmetricDifference<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
