//! Lookup throughput on a map of n entries built by inserting from empty:
//! (a) hits, every key once, in a permuted order unrelated to insertion;
//! (b) misses, n keys that are absent (`key(n + perm(j))`). Varies: map
//! (tophash, hashbrown, std; all foldhash), key kind (sequential u64,
//! random u64, word-list Strings) and n (1K, 100K; 10M random u64 with
//! `TOPHASH_BENCH_10M=1`). A map built by inserts may still be mid-resize
//! (tophash evacuates incrementally), which is what a program would see.
//! Checksum: the sum of the values found must be n(n-1)/2 for hits and no
//! key may be found for misses.

mod common;

use common::{Bencher, Criterion, Key, Workload};
use criterion::{black_box, criterion_group, criterion_main};
use tophash_bench::keys::KeySet;
use tophash_bench::maps::BenchMap;
use tophash_bench::work::{build, count_found, index_sum, sum_found};

struct LookupHit;

impl Workload for LookupHit {
    const NAME: &'static str = "lookup_hit";
    const BIG: bool = true;
    fn bench<K: Key, M: BenchMap<K>>(b: &mut Bencher<'_>, ks: &KeySet<K>) {
        let m: M = build(&ks.keys);
        let expected = index_sum(ks.len());
        b.iter(|| {
            let s = sum_found(black_box(&m), &ks.lookup);
            assert_eq!(s, expected, "{}: wrong values found", M::ID);
            s
        });
    }
}

struct LookupMiss;

impl Workload for LookupMiss {
    const NAME: &'static str = "lookup_miss";
    const BIG: bool = true;
    fn bench<K: Key, M: BenchMap<K>>(b: &mut Bencher<'_>, ks: &KeySet<K>) {
        let m: M = build(&ks.keys);
        b.iter(|| {
            let c = count_found(black_box(&m), &ks.miss);
            assert_eq!(c, 0, "{}: found absent keys", M::ID);
            c
        });
    }
}

fn benches(c: &mut Criterion) {
    common::run::<LookupHit>(c);
    common::run::<LookupMiss>(c);
}

criterion_group! { name = lookup; config = common::config(); targets = benches }
criterion_main!(lookup);
