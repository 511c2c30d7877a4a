//! Remove throughput: every key of an n-entry map (built by inserting from
//! empty, untimed) removed in a permuted order, until the map is empty.
//! Varies: map (tophash, hashbrown, std; all foldhash), key kind
//! (sequential u64, random u64, word-list Strings) and n (1K, 100K; 10M
//! random u64 with `TOPHASH_BENCH_10M=1`). The emptied map is dropped after
//! the clock stops. Checksum: the removed values must sum to n(n-1)/2 and
//! the map must end empty.

mod common;

use common::{batch, Bencher, Criterion, Key, Workload};
use criterion::{criterion_group, criterion_main};
use tophash_bench::keys::KeySet;
use tophash_bench::maps::BenchMap;
use tophash_bench::work::{build, index_sum, remove_all};

struct Remove;

impl Workload for Remove {
    const NAME: &'static str = "remove";
    const BIG: bool = true;
    fn bench<K: Key, M: BenchMap<K>>(b: &mut Bencher<'_>, ks: &KeySet<K>) {
        let expected = index_sum(ks.len());
        b.iter_batched(
            || build::<K, M>(&ks.keys),
            |mut m| {
                assert_eq!(remove_all(&mut m, &ks.lookup), expected, "{}: wrong values removed", M::ID);
                assert!(m.is_empty());
                m
            },
            batch(ks.len()),
        );
    }
}

fn benches(c: &mut Criterion) {
    common::run::<Remove>(c);
}

criterion_group! { name = remove; config = common::config(); targets = benches }
criterion_main!(remove);
