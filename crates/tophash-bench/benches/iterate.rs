//! Iteration throughput: one full `iter()` pass over an n-entry map built
//! by inserting from empty, summing the values. Varies: map (tophash,
//! hashbrown, std; all foldhash), key kind (sequential u64, random u64,
//! word-list Strings) and n (1K, 100K). Checksum: the pass must visit
//! `len()` entries whose values sum to n(n-1)/2.

mod common;

use common::{Bencher, Criterion, Key, Workload};
use criterion::{black_box, criterion_group, criterion_main};
use tophash_bench::keys::KeySet;
use tophash_bench::maps::BenchMap;
use tophash_bench::work::{build, index_sum, iterate};

struct Iterate;

impl Workload for Iterate {
    const NAME: &'static str = "iterate";
    fn bench<K: Key, M: BenchMap<K>>(b: &mut Bencher<'_>, ks: &KeySet<K>) {
        let m: M = build(&ks.keys);
        let expected = index_sum(ks.len());
        b.iter(|| {
            let s = iterate(black_box(&m));
            assert_eq!(s, expected, "{}: iteration missed or repeated entries", M::ID);
            s
        });
    }
}

fn benches(c: &mut Criterion) {
    common::run::<Iterate>(c);
}

criterion_group! { name = iterate_benches; config = common::config(); targets = benches }
criterion_main!(iterate_benches);
