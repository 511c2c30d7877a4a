//! What `HashTable` has beyond hashbrown's API, as the map has it: control
//! over resizes (moving old buckets when the caller chooses, finishing a
//! resize, shrinking automatically) and read-only views of the table
//! (stats, shape, bucket views, a text drawing, growth events). Only the
//! evacuating calls take a hasher; the rest hash nothing.

use super::HashTable;

impl<T> HashTable<T> {
    /// Whether a resize (growth or shrink) is in progress. O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// // The 27th element starts a doubling from 4 to 8 buckets.
    /// for i in 0..27u64 { t.insert_unique(i, i, |&x| x); }
    /// assert!(t.is_resizing());
    /// ```
    #[inline]
    pub fn is_resizing(&self) -> bool {
        self.raw().is_resizing()
    }

    /// Evacuates up to `n` old buckets at the evacuation mark now, without
    /// a write, rehashing their elements with `hasher`. Returns how many it
    /// moved; 0 when no resize is in progress. O(n · chain length).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..9u64 { t.insert_unique(i, i, |&x| x); }
    /// while t.evacuate(1, |&x| x) > 0 {}
    /// assert!(!t.is_resizing());
    /// ```
    pub fn evacuate(&mut self, n: usize, hasher: impl Fn(&T) -> u64) -> usize {
        self.raw_mut().evacuate_at_mark(n, &hasher)
    }

    /// Finishes any resize in progress now, rehashing with `hasher`.
    /// O(old buckets + elements moved).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..9u64 { t.insert_unique(i, i, |&x| x); }
    /// t.finish_resize(|&x| x);
    /// assert!(!t.is_resizing());
    /// ```
    pub fn finish_resize(&mut self, hasher: impl Fn(&T) -> u64) {
        self.raw_mut().finish_resize(&hasher);
    }

    /// Bytes of memory the table holds: its bucket arrays (during a resize,
    /// old and new) plus stand-alone overflow buckets, counted as for
    /// [`HashMap::allocated_bytes`](crate::HashMap::allocated_bytes). O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// assert_eq!(t.allocated_bytes(), 0);
    /// t.insert_unique(1, 1u64, |&x| x);
    /// assert!(t.allocated_bytes() > 0);
    /// ```
    pub fn allocated_bytes(&self) -> usize {
        self.raw().counters().allocated_bytes
    }

    /// hashbrown's name for [`allocated_bytes`](Self::allocated_bytes),
    /// which it is. O(1).
    ///
    /// ```
    /// let t: tophash::HashTable<u64> = tophash::HashTable::with_capacity(10);
    /// assert_eq!(t.allocation_size(), t.allocated_bytes());
    /// ```
    pub fn allocation_size(&self) -> usize {
        self.allocated_bytes()
    }

    /// An O(1) snapshot: length, buckets, overflow buckets, load, resize
    /// progress, memory held (as [`HashMap::stats`](crate::HashMap::stats)).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..27u64 { t.insert_unique(i, i, |&x| x); }
    /// let s = t.stats();
    /// assert_eq!((s.len, s.buckets), (27, 8));
    /// assert!(s.resize.is_some());
    /// ```
    pub fn stats(&self) -> crate::stats::Stats {
        crate::stats::Stats::of(self.raw())
    }

    /// Walks every bucket and checks the engine's numbered invariants with
    /// `hasher` (see `src/raw/mod.rs`). O(buckets + len). For tests and
    /// fuzzers; returns a description of the first violation.
    #[doc(hidden)]
    pub fn check_invariants(&self, hasher: impl Fn(&T) -> u64) -> Result<(), alloc::string::String> {
        self.raw().check_invariants(hasher)
    }

    /// The table's shape from a full walk, O(buckets + len), as
    /// [`HashMap::shape`](crate::HashMap::shape): chain-length and
    /// slots-used histograms, `%overflow`, bytes per entry, probe counts.
    /// Hashes nothing.
    ///
    /// ```
    /// let mix = |&x: &u64| x.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..1000u64 { t.insert_unique(mix(&i), i, mix); }
    /// let s = t.shape();
    /// let buckets: usize = s.chain_lengths.iter().enumerate().map(|(n, c)| n * c).sum();
    /// assert_eq!(s.slots_used.iter().sum::<usize>(), buckets);
    /// ```
    pub fn shape(&self) -> crate::stats::Shape {
        crate::stats::Shape::of(self.raw())
    }

    /// Every chain's tophash states, old array first while resizing.
    /// O(buckets); for teaching and debugging.
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// t.insert_unique(1, 1u64, |&x| x);
    /// let v = t.bucket_views();
    /// assert_eq!((v.len(), v[0].occupied()), (1, 1));
    /// ```
    pub fn bucket_views(&self) -> alloc::vec::Vec<crate::stats::BucketView> {
        crate::stats::BucketView::all_of(self.raw())
    }

    /// A text drawing of every bucket, for small tables:
    /// `println!("{}", t.debug_internals())`. O(buckets).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..3u64 { t.insert_unique(i, i, |&x| x); }
    /// assert!(t.debug_internals().to_string().starts_with("B=0 (1 buckets), 3 entries"));
    /// ```
    pub fn debug_internals(&self) -> crate::stats::Internals {
        crate::stats::Internals {
            stats: crate::stats::Stats::of(self.raw()),
            views: crate::stats::BucketView::all_of(self.raw()),
        }
    }

    /// Sets the observer that receives growth [events](crate::stats::Event),
    /// returning the previous one, as
    /// [`HashMap::set_observer`](crate::HashMap::set_observer). Costs one
    /// branch on those rare paths; not carried over by `clone`.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use tophash::stats::Event;
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let sink = log.clone();
    /// let mut t = tophash::HashTable::new();
    /// t.set_observer(Some(Box::new(move |e: &Event| sink.lock().unwrap().push(*e))));
    /// for i in 0..9u64 { t.insert_unique(i, i, |&x| x); }
    /// assert!(matches!(log.lock().unwrap()[0], Event::ResizeStart { old_b: 0, new_b: 1, len: 8, .. }));
    /// ```
    pub fn set_observer(
        &mut self,
        observer: Option<alloc::boxed::Box<dyn crate::stats::Observer>>,
    ) -> Option<alloc::boxed::Box<dyn crate::stats::Observer>> {
        self.raw_mut().replace_observer(observer)
    }

    /// Turns the automatic shrink policy on or off (off by default), as
    /// [`HashMap::set_auto_shrink`](crate::HashMap::set_auto_shrink): a
    /// removal that leaves the table under 10% of its capacity starts an
    /// incremental shrink to about half full. O(1).
    ///
    /// ```
    /// let mut t = tophash::HashTable::new();
    /// for i in 0..1000u64 { t.insert_unique(i, i, |&x| x); }
    /// t.set_auto_shrink(true);
    /// for i in 0..995u64 {
    ///     let _ = t.find_entry(i, |&x| x == i, |&x| x).unwrap().remove();
    /// }
    /// t.finish_resize(|&x| x);
    /// assert!(t.capacity() < 1000);
    /// ```
    pub fn set_auto_shrink(&mut self, on: bool) {
        self.raw_mut().set_auto_shrink(on);
    }
}
