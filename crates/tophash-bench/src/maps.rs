//! One trait over every map under test, with values fixed to `u64`.
//!
//! All hash maps except [`StdSip`] hash with the same function:
//! foldhash 0.2's fast hasher with the fixed seed [`SEED`] ([`hasher`]), so
//! tophash vs hashbrown vs std vs griddle vs indexmap compares tables, not
//! hash functions. [`StdSip`] is std's default (SipHash-1-3, random keys).

use std::collections::BTreeMap;
use std::hash::Hash;

use foldhash::fast::FixedState;

/// The foldhash seed shared by every foldhash-hashed map.
pub const SEED: u64 = 0x5EED_7095_4A5C_0DE5;

/// The `BuildHasher` shared by every foldhash-hashed map.
#[inline]
pub fn hasher() -> FixedState {
    FixedState::with_seed(SEED)
}

/// tophash with foldhash.
pub type Tophash<K> = tophash::HashMap<K, u64, FixedState>;
/// hashbrown with foldhash.
pub type Hashbrown<K> = hashbrown::HashMap<K, u64, FixedState>;
/// std's `HashMap` (a hashbrown inside) with foldhash.
pub type StdFold<K> = std::collections::HashMap<K, u64, FixedState>;
/// std's `HashMap` with its default SipHash `RandomState`.
pub type StdSip<K> = std::collections::HashMap<K, u64, std::collections::hash_map::RandomState>;
/// griddle (hashbrown with incremental resize) with foldhash.
pub type Griddle<K> = griddle::HashMap<K, u64, FixedState>;
/// indexmap with foldhash (removal is `swap_remove`, O(1)).
pub type IndexMapFold<K> = indexmap::IndexMap<K, u64, FixedState>;
/// std's B-tree, for scale.
pub type BTree<K> = BTreeMap<K, u64>;

/// The operations the workloads need. Values are `u64`; keys are looked up
/// by `&K` (every map accepts that).
pub trait BenchMap<K>: Clone {
    /// Short identifier used in JSON, CSV and Criterion ids.
    const ID: &'static str;
    /// Column header in the markdown table.
    const LABEL: &'static str;
    /// An empty map.
    fn empty() -> Self;
    /// An empty map with room for `n` entries; `None` if the map has no
    /// notion of capacity (`BTreeMap`).
    fn presized(n: usize) -> Option<Self>;
    /// Inserts, returning the previous value.
    fn insert(&mut self, k: K, v: u64) -> Option<u64>;
    /// Looks `k` up.
    fn get(&self, k: &K) -> Option<u64>;
    /// Removes `k`, returning its value.
    fn remove(&mut self, k: &K) -> Option<u64>;
    /// Number of entries.
    fn len(&self) -> usize;
    /// True if empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Visits every entry through the map's `iter()`, returning (entries
    /// visited, wrapping sum of values).
    fn iter_sum(&self) -> (usize, u64);
    /// The map's capacity (`len()` for maps without one).
    fn capacity(&self) -> usize;
    /// Bytes the map says it holds, for maps that take memory the global
    /// allocator does not see: tophash maps large bucket arrays straight
    /// from the OS (`mmap`), so a counting `#[global_allocator]` misses them.
    fn held_bytes(&self) -> Option<usize> {
        None
    }
}

macro_rules! hash_bench_map {
    ($ty:ident, $id:literal, $label:literal, $new:expr, |$n:ident| $cap:expr, $remove:ident $(, $held:ident)?) => {
        impl<K: Hash + Eq + Clone> BenchMap<K> for $ty<K> {
            const ID: &'static str = $id;
            const LABEL: &'static str = $label;
            #[inline]
            fn empty() -> Self {
                $new
            }
            #[inline]
            fn presized($n: usize) -> Option<Self> {
                Some($cap)
            }
            #[inline]
            fn insert(&mut self, k: K, v: u64) -> Option<u64> {
                self.insert(k, v)
            }
            #[inline]
            fn get(&self, k: &K) -> Option<u64> {
                self.get(k).copied()
            }
            #[inline]
            fn remove(&mut self, k: &K) -> Option<u64> {
                self.$remove(k)
            }
            #[inline]
            fn len(&self) -> usize {
                self.len()
            }
            #[inline]
            fn iter_sum(&self) -> (usize, u64) {
                self.iter().fold((0, 0u64), |(c, s), (_, v)| (c + 1, s.wrapping_add(*v)))
            }
            #[inline]
            fn capacity(&self) -> usize {
                self.capacity()
            }
            $(
                #[inline]
                fn held_bytes(&self) -> Option<usize> {
                    Some(self.$held())
                }
            )?
        }
    };
}

hash_bench_map!(
    Tophash,
    "tophash",
    "tophash",
    Tophash::with_hasher(hasher()),
    |n| Tophash::with_capacity_and_hasher(n, hasher()),
    remove,
    allocated_bytes
);
hash_bench_map!(
    Hashbrown,
    "hashbrown",
    "hashbrown",
    Hashbrown::with_hasher(hasher()),
    |n| Hashbrown::with_capacity_and_hasher(n, hasher()),
    remove
);
hash_bench_map!(
    StdFold,
    "std_fold",
    "std (foldhash)",
    StdFold::with_hasher(hasher()),
    |n| StdFold::with_capacity_and_hasher(n, hasher()),
    remove
);
hash_bench_map!(
    StdSip,
    "std_sip",
    "std (SipHash)",
    StdSip::default(),
    |n| StdSip::with_capacity_and_hasher(n, Default::default()),
    remove
);
hash_bench_map!(
    Griddle,
    "griddle",
    "griddle",
    Griddle::with_hasher(hasher()),
    |n| Griddle::with_capacity_and_hasher(n, hasher()),
    remove
);
hash_bench_map!(
    IndexMapFold,
    "indexmap",
    "indexmap",
    IndexMapFold::with_hasher(hasher()),
    |n| IndexMapFold::with_capacity_and_hasher(n, hasher()),
    swap_remove
);

impl<K: Ord + Clone> BenchMap<K> for BTree<K> {
    const ID: &'static str = "btreemap";
    const LABEL: &'static str = "BTreeMap";
    #[inline]
    fn empty() -> Self {
        BTreeMap::new()
    }
    #[inline]
    fn presized(_: usize) -> Option<Self> {
        None
    }
    #[inline]
    fn insert(&mut self, k: K, v: u64) -> Option<u64> {
        self.insert(k, v)
    }
    #[inline]
    fn get(&self, k: &K) -> Option<u64> {
        self.get(k).copied()
    }
    #[inline]
    fn remove(&mut self, k: &K) -> Option<u64> {
        self.remove(k)
    }
    #[inline]
    fn len(&self) -> usize {
        self.len()
    }
    #[inline]
    fn iter_sum(&self) -> (usize, u64) {
        self.iter().fold((0, 0u64), |(c, s), (_, v)| (c + 1, s.wrapping_add(*v)))
    }
    #[inline]
    fn capacity(&self) -> usize {
        self.len()
    }
}
