//! HashDoS: keys crafted to collide under one map's seed do not collide
//! under another's.
//!
//! The attack on a Go-style table: find keys whose hashes share their low
//! bits, so that they all land in one bucket and its overflow chain grows
//! without bound (every insert and lookup then walks the chain). With the
//! hasher of map A in hand, brute force finds such keys quickly (one key in
//! `2^LOW_BITS` qualifies). The default hasher seeds every map separately,
//! so the same keys spread normally in map B, and in a map hashed with
//! SipHash (std's `RandomState`).

use core::hash::BuildHasher;
use std::collections::hash_map::RandomState;

use tophash::{DefaultHashBuilder, HashMap};

/// Low hash bits the crafted keys share: one bucket for every table of up
/// to `2^LOW_BITS` buckets.
const LOW_BITS: u32 = 10;
const KEYS: usize = 1000;

/// Keys whose hash under `s` has `LOW_BITS` zero low bits.
fn colliding_keys<S: BuildHasher>(s: &S) -> Vec<u64> {
    let mask = (1u64 << LOW_BITS) - 1;
    (0u64..).filter(|k| s.hash_one(k) & mask == 0).take(KEYS).collect()
}

/// Longest chain (in buckets), overflow buckets, and Go's `hitprobe`
/// (entries examined to find a present key, on average) of a map holding
/// `keys`, after its last resize finished.
fn chains<S: BuildHasher>(s: S, keys: &[u64]) -> (usize, usize, f64) {
    let mut m = HashMap::with_hasher(s);
    for &k in keys {
        m.insert(k, k);
    }
    m.finish_resize();
    m.check_invariants().unwrap();
    let shape = m.shape();
    let longest = shape.chain_lengths.iter().rposition(|&n| n > 0).unwrap_or(0);
    (longest, m.stats().overflow_buckets, shape.hit_probe)
}

#[test]
fn keys_colliding_under_one_seed_do_not_collide_under_another() {
    let a = DefaultHashBuilder::default();
    let keys = colliding_keys(&a);

    // Map A (the seed the keys were crafted for): 1,000 keys into 2^8
    // buckets, all in bucket 0, one chain of 125 buckets.
    let (a_longest, a_overflow, a_probe) = chains(a, &keys);
    // Map B: another default-hasher map, another seed.
    let (b_longest, b_overflow, b_probe) = chains(DefaultHashBuilder::default(), &keys);
    // Map C: SipHash-1-3, std's RandomState.
    let (c_longest, c_overflow, c_probe) = chains(RandomState::new(), &keys);
    eprintln!("longest chain (buckets), overflow buckets, hit probe:");
    eprintln!("  A (crafted for):  {a_longest:4} {a_overflow:4} {a_probe:7.1}");
    eprintln!("  B (other seed):   {b_longest:4} {b_overflow:4} {b_probe:7.1}");
    eprintln!("  C (SipHash):      {c_longest:4} {c_overflow:4} {c_probe:7.1}");

    assert_eq!(a_longest, KEYS.div_ceil(8), "every crafted key is in one chain under A");
    assert_eq!(a_overflow, KEYS.div_ceil(8) - 1);
    assert!(a_probe > 400.0, "{a_probe}");
    // 1,000 well-spread keys in 256 buckets average 3.9 per bucket; a chain
    // needs an overflow bucket past 8 (a few percent of chains), and 3
    // buckets past 16, which a fair spread essentially never reaches.
    for (name, longest, overflow, probe) in
        [("B", b_longest, b_overflow, b_probe), ("C", c_longest, c_overflow, c_probe)]
    {
        assert!(longest <= 3, "{name}: a chain of {longest} buckets");
        assert!(overflow <= 40, "{name}: {overflow} overflow buckets");
        assert!(probe < 4.0, "{name}: hit probe {probe}");
    }
}

/// The seed is per map, not per process: two maps built one after the
/// other hash the same key differently (with overwhelming probability;
/// 8 keys must all agree by chance for this to fail).
#[test]
fn every_map_gets_its_own_seed() {
    let (a, b) = (DefaultHashBuilder::default(), DefaultHashBuilder::default());
    assert!((0u64..8).any(|k| a.hash_one(k) != b.hash_one(k)));
    let (m1, m2): (HashMap<u64, ()>, HashMap<u64, ()>) = (HashMap::new(), HashMap::new());
    assert!((0u64..8).any(|k| m1.hasher().hash_one(k) != m2.hasher().hash_one(k)));
}
