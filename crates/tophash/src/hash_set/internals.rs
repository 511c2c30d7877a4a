//! What `HashSet` has beyond std's API, delegated to its map (see
//! `hash_map/internals.rs`): control over resizes and read-only views of
//! the table. The views hash nothing; the evacuating calls rehash the
//! elements they move.

use core::hash::{BuildHasher, Hash};

use super::HashSet;

impl<T, S> HashSet<T, S> {
    /// Whether a resize (growth or shrink) is in progress. O(1).
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// // The 27th element starts a doubling from 4 to 8 buckets; that insert
    /// // moves 2 of the 4 old buckets, and later writes move the rest.
    /// for i in 0..27 { s.insert(i); }
    /// assert!(s.is_resizing());
    /// for i in 27..30 { s.insert(i); }
    /// assert!(!s.is_resizing());
    /// ```
    #[inline]
    pub fn is_resizing(&self) -> bool {
        self.map.is_resizing()
    }

    /// Bytes of memory the set holds (as [`HashMap::allocated_bytes`]):
    /// bucket arrays, old and new during a resize, plus stand-alone
    /// overflow buckets. O(1).
    ///
    /// [`HashMap::allocated_bytes`]: crate::HashMap::allocated_bytes
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// assert_eq!(s.allocated_bytes(), 0);
    /// s.insert(1u64);
    /// assert!(s.allocated_bytes() > 0);
    /// ```
    #[inline]
    pub fn allocated_bytes(&self) -> usize {
        self.map.allocated_bytes()
    }

    /// hashbrown's name for [`allocated_bytes`](Self::allocated_bytes), so
    /// code written for hashbrown compiles: the bytes the set holds, for
    /// memory profiling. O(1).
    ///
    /// ```
    /// let s = tophash::HashSet::<u32>::with_capacity(1);
    /// assert_eq!(s.allocation_size(), s.allocated_bytes());
    /// assert_eq!(tophash::HashSet::<u32>::new().allocation_size(), 0);
    /// ```
    #[inline]
    pub fn allocation_size(&self) -> usize {
        self.map.allocated_bytes()
    }

    /// An O(1) snapshot: length, buckets, overflow buckets, load, resize
    /// progress, memory held (as [`HashMap::stats`](crate::HashMap::stats)).
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// for i in 0..27 { s.insert(i); }
    /// let st = s.stats();
    /// assert_eq!((st.len, st.b), (27, 3));
    /// assert!(st.resize.is_some());
    /// ```
    #[inline]
    pub fn stats(&self) -> crate::stats::Stats {
        self.map.stats()
    }

    /// The table's shape from a full walk (as
    /// [`HashMap::shape`](crate::HashMap::shape)). O(buckets + len); hashes
    /// nothing.
    ///
    /// ```
    /// let s: tophash::HashSet<u64> = (0..1000).collect();
    /// assert!(s.shape().hit_probe >= 1.0);
    /// ```
    #[inline]
    pub fn shape(&self) -> crate::stats::Shape {
        self.map.shape()
    }

    /// Every chain's tophash states, old array first while resizing (as
    /// [`HashMap::bucket_views`](crate::HashMap::bucket_views)). O(buckets).
    ///
    /// ```
    /// let s = tophash::HashSet::from(["a"]);
    /// assert_eq!(s.bucket_views()[0].occupied(), 1);
    /// ```
    #[inline]
    pub fn bucket_views(&self) -> alloc::vec::Vec<crate::stats::BucketView> {
        self.map.bucket_views()
    }

    /// A text drawing of every bucket, for small sets (as
    /// [`HashMap::debug_internals`](crate::HashMap::debug_internals)).
    /// O(buckets).
    ///
    /// ```
    /// let s = tophash::HashSet::from([1, 2, 3]);
    /// assert!(s.debug_internals().to_string().starts_with("B=0 (1 buckets), 3 entries"));
    /// ```
    #[inline]
    pub fn debug_internals(&self) -> crate::stats::Internals {
        self.map.debug_internals()
    }

    /// Sets the observer of growth [events](crate::stats::Event), returning
    /// the previous one (as
    /// [`HashMap::set_observer`](crate::HashMap::set_observer)). O(1); not
    /// carried over by `clone`.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use tophash::stats::Event;
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let sink = log.clone();
    /// let mut s = tophash::HashSet::new();
    /// s.set_observer(Some(Box::new(move |e: &Event| sink.lock().unwrap().push(*e))));
    /// for i in 0..9 { s.insert(i); }
    /// assert!(matches!(log.lock().unwrap()[0], Event::ResizeStart { old_b: 0, new_b: 1, .. }));
    /// ```
    #[inline]
    pub fn set_observer(
        &mut self,
        observer: Option<alloc::boxed::Box<dyn crate::stats::Observer>>,
    ) -> Option<alloc::boxed::Box<dyn crate::stats::Observer>> {
        self.map.set_observer(observer)
    }

    /// Turns the automatic shrink policy on or off (off by default; as
    /// [`HashMap::set_auto_shrink`](crate::HashMap::set_auto_shrink)): a
    /// removal that leaves the set under 10% of its capacity starts an
    /// incremental shrink. O(1).
    ///
    /// ```
    /// let mut s: tophash::HashSet<u32> = (0..10_000).collect();
    /// s.set_auto_shrink(true);
    /// for i in 0..9_990 { s.remove(&i); }
    /// s.finish_resize();
    /// s.remove(&9_990);
    /// s.finish_resize();
    /// assert!(s.capacity() < 100);
    /// ```
    #[inline]
    pub fn set_auto_shrink(&mut self, on: bool) {
        self.map.set_auto_shrink(on);
    }
}

impl<T, S> HashSet<T, S>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    /// Evacuates up to `n` old buckets now, without a write (as
    /// [`HashMap::evacuate`](crate::HashMap::evacuate)). Returns how many it moved; 0 when no resize
    /// is in progress. O(n · bucket chain).
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// for i in 0..27 { s.insert(i); }
    /// assert!(s.is_resizing());
    /// while s.evacuate(1) > 0 {}
    /// assert!(!s.is_resizing());
    /// assert_eq!(s.evacuate(1), 0);
    /// ```
    #[inline]
    pub fn evacuate(&mut self, n: usize) -> usize {
        self.map.evacuate(n)
    }

    /// Evacuates old buckets until `budget` has elapsed or the resize is
    /// over (as [`HashMap::evacuate_for`](crate::HashMap::evacuate_for)).
    /// Returns how many buckets it moved.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut s = tophash::HashSet::new();
    /// for i in 0..100_000 { s.insert(i); }
    /// while s.is_resizing() {
    ///     s.evacuate_for(Duration::from_micros(100));
    /// }
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    #[inline]
    pub fn evacuate_for(&mut self, budget: std::time::Duration) -> usize {
        self.map.evacuate_for(budget)
    }

    /// Finishes any resize in progress now. O(old buckets).
    ///
    /// ```
    /// let mut s = tophash::HashSet::new();
    /// for i in 0..27 { s.insert(i); }
    /// assert!(s.is_resizing());
    /// s.finish_resize();
    /// assert!(!s.is_resizing());
    /// ```
    #[inline]
    pub fn finish_resize(&mut self) {
        self.map.finish_resize();
    }
}
