//! What `HashMap` has beyond std's API: control over resizes (moving old
//! buckets when the caller chooses, finishing a resize, shrinking
//! automatically) and read-only views of the table (stats, shape, bucket
//! views, a text drawing, growth events). None of these hashes a key except
//! the evacuating ones, which rehash the entries they move.

use core::hash::{BuildHasher, Hash};

use super::{make_hasher, HashMap};

impl<K, V, S> HashMap<K, V, S> {
    /// Bytes of memory the map holds: its bucket arrays (during a resize,
    /// old and new) plus stand-alone overflow buckets. O(1).
    ///
    /// Large arrays are mapped from the OS and populated as they are used:
    /// for those, this counts the pages holding buckets handed out so far
    /// (main buckets and the overflow pool up to its last used bucket), not
    /// the untouched rest of the mapping, and not pages already handed back.
    /// During a doubling into a mapped array, only the new main buckets that
    /// evacuation has reached count (no write touches the others yet), plus
    /// the old array's dead slot pages moved into the new one: what the
    /// kernel holds for it, to within the pages of the bucket at the mark
    /// (checked against `mincore` in the tests).
    /// The next doubling's array, once mapped ahead of it (see
    /// [`Stats::next_array_mapped`](crate::stats::Stats::next_array_mapped)),
    /// counts the few pages touched so far.
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// assert_eq!(m.allocated_bytes(), 0);
    /// m.insert(1u64, 1u64);
    /// assert!(m.allocated_bytes() > 0);
    /// ```
    pub fn allocated_bytes(&self) -> usize {
        self.table.counters().allocated_bytes
    }

    /// hashbrown's name for [`allocated_bytes`](Self::allocated_bytes), so
    /// code written for hashbrown compiles: the bytes the map holds, for
    /// memory profiling. O(1).
    ///
    /// ```
    /// let m = tophash::HashMap::<u32, u32>::with_capacity(1);
    /// assert_eq!(m.allocation_size(), m.allocated_bytes());
    /// assert_eq!(tophash::HashMap::<u32, u32>::new().allocation_size(), 0);
    /// ```
    #[inline]
    pub fn allocation_size(&self) -> usize {
        self.allocated_bytes()
    }

    /// An O(1) snapshot: length, buckets, overflow buckets, load, resize
    /// progress, memory held. Reads counters only.
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// for i in 0..27 { m.insert(i, i); }
    /// let s = m.stats();
    /// assert_eq!((s.len, s.b, s.buckets), (27, 3, 8));
    /// let r = s.resize.expect("the 27th insert started a doubling");
    /// assert_eq!((r.old_b, r.new_b, r.total), (2, 3, 4));
    /// ```
    pub fn stats(&self) -> crate::stats::Stats {
        crate::stats::Stats::of(&self.table)
    }

    /// The table's shape from a full walk, O(buckets + len): chain-length
    /// and slots-used histograms, `%overflow`, bytes per entry, and the
    /// probe counts of Go's load-factor table (`hitprobe`, `missprobe`),
    /// plus key comparisons with the tophash filter. Hashes nothing.
    ///
    /// ```
    /// let m: tophash::HashMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    /// let s = m.shape();
    /// assert!(s.hit_probe >= 1.0 && s.hit_probe <= s.miss_probe + 1.0);
    /// // Every bucket (main or overflow) is counted once in each histogram.
    /// let buckets: usize = s.chain_lengths.iter().enumerate().map(|(n, c)| n * c).sum();
    /// assert_eq!(s.slots_used.iter().sum::<usize>(), buckets);
    /// ```
    pub fn shape(&self) -> crate::stats::Shape {
        crate::stats::Shape::of(&self.table)
    }

    /// Every chain's tophash states, old array first while resizing.
    /// O(buckets); for teaching and debugging.
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// m.insert("a", 1);
    /// let v = m.bucket_views();
    /// assert_eq!(v.len(), 1);
    /// assert_eq!(v[0].occupied(), 1);
    /// ```
    pub fn bucket_views(&self) -> alloc::vec::Vec<crate::stats::BucketView> {
        crate::stats::BucketView::all_of(&self.table)
    }

    /// A text drawing of every bucket (tophash bytes, states, overflow
    /// chains), meant for small maps: `println!("{}", m.debug_internals())`.
    /// O(buckets).
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// for i in 0..3 { m.insert(i, ()); }
    /// let text = m.debug_internals().to_string();
    /// assert!(text.starts_with("B=0 (1 buckets), 3 entries"));
    /// ```
    pub fn debug_internals(&self) -> crate::stats::Internals {
        crate::stats::Internals {
            stats: crate::stats::Stats::of(&self.table),
            views: crate::stats::BucketView::all_of(&self.table),
        }
    }

    /// Sets the observer that receives growth [events](crate::stats::Event)
    /// (resize start and end, each evacuated bucket, overflow allocation),
    /// returning the previous one. Costs one branch on those rare paths;
    /// lookups never look at it. Not carried over by `clone`.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use tophash::stats::Event;
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let sink = log.clone();
    /// let mut m = tophash::HashMap::new();
    /// m.set_observer(Some(Box::new(move |e: &Event| sink.lock().unwrap().push(*e))));
    /// for i in 0..9 { m.insert(i, ()); }
    /// assert!(matches!(log.lock().unwrap()[0], Event::ResizeStart { old_b: 0, new_b: 1, len: 8, .. }));
    /// ```
    pub fn set_observer(
        &mut self,
        observer: Option<alloc::boxed::Box<dyn crate::stats::Observer>>,
    ) -> Option<alloc::boxed::Box<dyn crate::stats::Observer>> {
        self.table.replace_observer(observer)
    }

    /// Turns the automatic shrink policy on or off (off by default, as in
    /// std). When on, a removal that leaves the map under 10% of its
    /// capacity (Redis's threshold) starts an incremental shrink to about
    /// half full, so a map that empties out gives memory back without a
    /// pause and without flapping between sizes. O(1).
    ///
    /// ```
    /// let mut m: tophash::HashMap<u32, u32> = (0..10_000).map(|i| (i, i)).collect();
    /// m.set_auto_shrink(true);
    /// for i in 0..9_990 {
    ///     m.remove(&i);
    /// }
    /// m.finish_resize(); // completes the shrink that started on the way down
    /// m.remove(&9_990); // under 10% again: the next shrink starts
    /// m.finish_resize();
    /// assert!(m.capacity() < 100);
    /// ```
    pub fn set_auto_shrink(&mut self, on: bool) {
        self.table.set_auto_shrink(on);
    }

    /// Whether a resize (growth or shrink) is in progress. O(1).
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// // 26 keys fill 4 buckets; the 27th starts a doubling to 8 buckets and
    /// // moves two of the four old ones.
    /// for i in 0..27 { m.insert(i, ()); }
    /// assert!(m.is_resizing());
    /// m.insert(27, ());
    /// m.insert(28, ());
    /// assert!(!m.is_resizing());
    /// ```
    #[inline]
    pub fn is_resizing(&self) -> bool {
        self.table.is_resizing()
    }
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// Evacuates up to `n` old buckets now, without a write (like the
    /// rehash step Redis runs from its cron). Returns how many it moved;
    /// 0 when no resize is in progress. O(n · bucket chain).
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// for i in 0..9 { m.insert(i, ()); }
    /// while m.evacuate(1) > 0 {}
    /// assert!(!m.is_resizing());
    /// ```
    pub fn evacuate(&mut self, n: usize) -> usize {
        let hasher = make_hasher::<K, S>(&self.hash_builder);
        self.table.evacuate_at_mark(n, &hasher)
    }

    /// Evacuates old buckets until `budget` has elapsed or the resize is
    /// over (the time-budgeted rehash Redis runs from its cron). Checks the
    /// clock every 16 buckets, so it may overrun by the time those take.
    /// Returns how many buckets it moved.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut m = tophash::HashMap::new();
    /// for i in 0..100_000 { m.insert(i, i); }
    /// while m.is_resizing() {
    ///     m.evacuate_for(Duration::from_micros(100));
    /// }
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn evacuate_for(&mut self, budget: std::time::Duration) -> usize {
        let start = std::time::Instant::now();
        let mut moved = 0;
        while self.is_resizing() {
            moved += self.evacuate(16);
            if start.elapsed() >= budget {
                break;
            }
        }
        moved
    }

    /// Finishes any resize in progress now. O(old buckets).
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// for i in 0..9 { m.insert(i, ()); }
    /// m.finish_resize();
    /// assert!(!m.is_resizing());
    /// ```
    pub fn finish_resize(&mut self) {
        let hasher = make_hasher::<K, S>(&self.hash_builder);
        self.table.finish_resize(&hasher);
    }

    /// Walks every bucket and checks the engine's numbered invariants
    /// (see the design notes in `src/raw/mod.rs`). O(buckets + len). Used by
    /// tests and fuzzers; returns a description of the first violation.
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), alloc::string::String> {
        self.table.check_invariants(make_hasher::<K, S>(&self.hash_builder))
    }
}
