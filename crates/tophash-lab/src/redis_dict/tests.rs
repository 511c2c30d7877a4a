use std::collections::HashMap as StdMap;
use std::fmt::Debug;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use super::*;

/// Hashes a `u64` to itself: the bucket of key `k` is `k & mask`.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdState = BuildHasherDefault<Identity>;

/// Every key hashes to 0: one long chain.
#[derive(Default)]
struct Constant;

impl Hasher for Constant {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, _: &[u8]) {}
}

fn fold() -> foldhash::fast::FixedState {
    foldhash::fast::FixedState::with_seed(0x5eed)
}

/// The SplitMix64 generator started at a seed (the bench crate's step and
/// finaliser), for reproducible random operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(tophash_bench::keys::GAMMA);
        tophash_bench::keys::mix(self.0)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Every structural invariant of the two tables.
fn check<K: Hash + Eq + Debug, V, S: BuildHasher>(d: &Dict<K, V, S>) {
    assert_eq!(d.rehashidx.is_some(), d.ht[1].size() > 0, "ht[1] exists exactly while rehashing");
    for (t, table) in d.ht.iter().enumerate() {
        let size = table.size();
        assert!(size == 0 || (size.is_power_of_two() && size >= INITIAL_SIZE), "table {t} has {size} buckets");
        let mut count = 0;
        for (i, b) in table.buckets.iter().enumerate() {
            if let (0, Some(r)) = (t, d.rehashidx) {
                assert!(i >= r || b.is_none(), "ht[0] bucket {i} below rehashidx {r} is not empty");
            }
            let mut he = b.as_deref();
            while let Some(n) = he {
                assert_eq!(d.hash(&n.key) as usize & table.mask(), i, "{:?} in the wrong bucket of ht[{t}]", n.key);
                count += 1;
                he = n.next.as_deref();
            }
        }
        assert_eq!(count, table.used, "ht[{t}].used");
    }
    if let Some(r) = d.rehashidx {
        assert!(r < d.ht[0].size() || d.ht[0].used == 0, "rehashidx {r} past ht[0]");
    }
    assert_eq!(d.iter().count(), d.len());
}

/// What a rehash step may have done between two states.
struct Before {
    rehashidx: Option<usize>,
    size0: usize,
    /// Non-empty `ht[0]` buckets at or after `rehashidx`.
    nonempty: Vec<usize>,
}

fn before<K, V, S>(d: &Dict<K, V, S>) -> Before {
    let r = d.rehashidx.unwrap_or(0);
    let nonempty = d.ht[0].buckets.iter().enumerate().skip(r).filter(|(_, b)| b.is_some()).map(|(i, _)| i).collect();
    Before { rehashidx: d.rehashidx, size0: d.ht[0].size(), nonempty }
}

/// One `_dictRehashStep`: at most one non-empty bucket moved and at most
/// ten empty ones visited.
fn check_one_step<K, V, S>(b: &Before, d: &Dict<K, V, S>) {
    let Some(r0) = b.rehashidx else { return };
    let same = d.ht[0].size() == b.size0 && d.rehashidx.is_some_and(|r1| r1 >= r0);
    if same {
        let r1 = d.rehashidx.unwrap();
        let moved = b.nonempty.iter().filter(|&&i| i < r1).count();
        assert!(moved <= 1, "one step moved {moved} buckets ({r0} -> {r1})");
        assert!(r1 - r0 <= 11, "one step advanced rehashidx {r0} -> {r1}");
    } else {
        // The rehash finished in this step (and maybe a new one started).
        assert!(b.nonempty.len() <= 1, "finished with {} non-empty buckets left", b.nonempty.len());
    }
}

#[test]
fn random_operations_match_std() {
    for seed in 0..4u64 {
        let mut rng = Rng(seed);
        let mut d: Dict<u64, u64, _> = Dict::with_hasher(fold());
        let mut model: StdMap<u64, u64> = StdMap::new();
        // Key space and bias toward inserts change over phases, so the
        // dict grows, shrinks and regrows.
        for step in 0..3600u64 {
            let phase = step / 600;
            let space = [64, 1500, 1500, 300, 1000, 16][phase as usize];
            let insert_pct = [70, 85, 20, 50, 90, 30][phase as usize];
            let k = rng.below(space);
            let b = before(&d);
            let op = rng.below(100);
            if op < insert_pct {
                let v = rng.next();
                assert_eq!(d.insert(k, v), model.insert(k, v), "insert {k}");
                check_one_step(&b, &d);
            } else if op < insert_pct + (100 - insert_pct) / 2 {
                assert_eq!(d.remove(&k), model.remove(&k), "remove {k}");
                check_one_step(&b, &d);
            } else if op.is_multiple_of(4) {
                assert_eq!(d.find(&k), model.get(&k), "find {k}");
                check_one_step(&b, &d);
            } else if op % 4 == 1 {
                assert_eq!(d.get(&k), model.get(&k), "get {k}");
                assert_eq!(d.rehashidx, b.rehashidx, "get takes no rehash step");
            } else if op % 4 == 2 {
                let needed = d.needs_resize() && !d.is_rehashing() && d.resize_allowed;
                let started = d.shrink_if_needed();
                if started {
                    assert!(d.is_rehashing());
                    assert!(d.ht[1].size() < d.ht[0].size(), "a resize after deletes shrinks");
                    assert_eq!(d.ht[1].size(), next_size(d.len()).unwrap());
                }
                assert!(!needed || started || d.ht[0].size() == next_size(d.len()).unwrap());
            } else {
                let allowed = rng.below(8) != 0;
                d.set_resize_allowed(allowed);
                d.rehash(rng.below(3) as usize);
            }
            assert_eq!(d.len(), model.len());
            check(&d);
        }
        let mut got: Vec<(u64, u64)> = d.iter().map(|(k, v)| (*k, *v)).collect();
        let mut want: Vec<(u64, u64)> = model.into_iter().collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "seed {seed}");
    }
}

#[test]
fn grows_to_the_next_power_of_two_when_full() {
    let mut d: Dict<u64, (), _> = Dict::with_hasher(fold());
    let mut starts = Vec::new();
    for i in 0..5000u64 {
        let was = d.is_rehashing();
        let (size0, used) = (d.ht[0].size(), d.len());
        d.insert(i, ());
        if d.is_rehashing() && !was {
            starts.push((i + 1, size0, d.ht[1].size()));
            assert_eq!(used, size0, "expands exactly when used reaches size");
        }
        if i % 97 == 0 {
            check(&d);
        }
    }
    assert_eq!(starts[0], (5, 4, 8), "the first table has 4 buckets; the 5th key doubles it");
    for w in &starts {
        assert_eq!(w.2, 2 * w.1, "{w:?}");
    }
    assert_eq!(starts.len(), 11, "4 -> 8192 buckets in eleven doublings: {starts:?}");
}

#[test]
fn forced_expansion_when_resizing_is_off() {
    let mut d: Dict<u64, (), _> = Dict::with_hasher(fold());
    d.set_resize_allowed(false);
    for i in 0..24u64 {
        d.insert(i, ());
        assert!(!d.is_rehashing(), "no expansion at {} entries in 4 buckets", i + 1);
    }
    // used / size = 24 / 4 = 6 > 5: the 25th insert forces an expansion
    // to the next power of two >= 25.
    d.insert(24, ());
    assert!(d.is_rehashing());
    assert_eq!(d.table_sizes(), [4, 32]);
    assert_eq!(d.resize(), Err(ExpandError::NotAllowed));
    check(&d);
}

#[test]
fn replacing_a_key_can_start_an_expansion() {
    let mut d: Dict<u64, u64, _> = Dict::with_hasher(fold());
    for i in 0..4 {
        d.insert(i, i);
    }
    assert!(!d.is_rehashing());
    assert_eq!(d.insert(0, 9), Some(0));
    assert!(d.is_rehashing(), "_dictKeyIndex expands before it finds the key");
    assert_eq!(d.len(), 4);
    check(&d);
}

#[test]
fn shrinks_below_ten_percent_fill() {
    let mut d: Dict<u64, u64, _> = Dict::with_hasher(fold());
    for i in 0..1000 {
        d.insert(i, i);
    }
    while d.rehash(100) {}
    assert_eq!(d.table_sizes(), [1024, 0]);
    for i in 0..920 {
        d.remove(&i);
    }
    // 80 of 1024 = 7.8 % < 10 %.
    assert!(d.needs_resize());
    assert!(d.shrink_if_needed());
    assert_eq!(d.table_sizes(), [1024, 128]);
    while d.rehash(1) {}
    assert_eq!(d.table_sizes(), [128, 0]);
    assert!(!d.needs_resize());
    assert_eq!(d.len(), 80);
    for i in 920..1000 {
        assert_eq!(d.get(&i), Some(&i));
    }
    check(&d);
}

#[test]
fn expand_refuses_what_redis_refuses() {
    let mut d: Dict<u64, (), _> = Dict::with_hasher(fold());
    assert_eq!(d.expand(3), Ok(()), "the first table is installed, not rehashed");
    assert_eq!(d.table_sizes(), [4, 0]);
    assert!(!d.is_rehashing());
    assert_eq!(d.expand(4), Err(ExpandError::SameSize));
    for i in 0..4 {
        d.insert(i, ());
    }
    assert_eq!(d.expand(2), Err(ExpandError::TooSmall));
    assert_eq!(d.expand(5), Ok(()));
    assert_eq!(d.table_sizes(), [4, 8]);
    assert_eq!(d.expand(64), Err(ExpandError::Rehashing));
    assert_eq!(d.expand(usize::MAX), Err(ExpandError::Rehashing));
    while d.rehash(1) {}
    assert_eq!(d.expand(usize::MAX), Err(ExpandError::Overflow));
}

#[test]
fn one_step_visits_at_most_ten_empty_buckets() {
    let mut d: Dict<u64, (), IdState> = Dict::default_identity();
    for k in 0..64 {
        d.insert(k, ());
    }
    while d.rehash(100) {}
    assert_eq!(d.table_sizes(), [64, 0]);
    for k in 0..40 {
        d.remove(&k);
    }
    d.expand(128).unwrap();
    assert_eq!(d.rehash_index(), Some(0));
    assert!(d.rehash(1));
    assert_eq!(d.rehash_index(), Some(10), "ten empty visits, then give up");
    assert_eq!(d.table_used(), [24, 0]);
    assert!(d.rehash(3));
    assert_eq!(d.rehash_index(), Some(40), "thirty more");
    assert_eq!(d.table_used(), [24, 0]);
    assert!(d.rehash(1));
    assert_eq!(d.rehash_index(), Some(41));
    assert_eq!(d.table_used(), [23, 1]);
    check(&d);
}

impl Dict<u64, (), IdState> {
    fn default_identity() -> Self {
        Dict::with_hasher(IdState::default())
    }
}

#[test]
fn time_budget_rehash_runs_batches_of_100() {
    let mut d: Dict<u64, (), _> = Dict::with_hasher(fold());
    for i in 0..100_000u64 {
        d.insert(i, ());
    }
    if !d.is_rehashing() {
        d.set_resize_allowed(true);
        d.expand(1 << 18).unwrap();
    }
    let left = d.table_used()[0];
    assert!(left > 100);
    assert_eq!(d.rehash_for(Duration::ZERO), 100, "one batch, then the budget is spent");
    assert!(d.table_used()[0] < left);
    d.rehash_for(Duration::from_secs(60));
    assert!(!d.is_rehashing());
    assert_eq!(d.len(), 100_000);
    check(&d);
}

#[test]
fn new_entries_go_to_the_head_of_their_bucket() {
    let mut d: Dict<u64, (), BuildHasherDefault<Constant>> = Dict::with_hasher(Default::default());
    for k in 1..=3 {
        d.insert(k, ());
    }
    let order: Vec<u64> = d.iter().map(|(k, _)| *k).collect();
    assert_eq!(order, [3, 2, 1]);
}

#[test]
fn a_long_chain_drops_without_recursion() {
    let mut d: Dict<u64, u64, BuildHasherDefault<Constant>> = Dict::with_hasher(Default::default());
    d.insert(0, 0);
    // Build a 1,000,000-node chain directly (inserting that many colliding
    // keys would search the chain each time).
    let head = &mut d.ht[0].buckets[0];
    for k in 1..1_000_000u64 {
        let next = head.take();
        *head = Some(Box::new(Node { key: k, value: k, next }));
    }
    d.ht[0].used = 1_000_000;
    assert_eq!(d.len(), 1_000_000);
    drop(d);
}

#[test]
fn lookups_borrow_str_for_string_keys() {
    let mut d: Dict<String, usize> = Dict::new();
    for (i, w) in ["alpha", "beta", "gamma"].into_iter().enumerate() {
        d.insert(w.to_string(), i);
    }
    assert_eq!(d.get("beta"), Some(&1));
    assert_eq!(d.find("gamma"), Some(&2));
    assert_eq!(d.remove("alpha"), Some(0));
    assert!(!d.contains_key("alpha"));
    assert_eq!(format!("{:?}", d.iter().count()), "2");
}
