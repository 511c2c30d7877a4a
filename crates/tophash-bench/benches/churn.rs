//! Insert/remove churn at steady size: starting from an n-entry map (built
//! by inserting `keys`, untimed), n steps of "remove the oldest key
//! (`keys[j]`), insert a new one (`fresh[j]`, value j)", so the map holds
//! n entries throughout while every key is replaced once. One element of
//! throughput is one remove+insert pair. This is where tombstones (hashbrown)
//! and emptied slots / overflow buckets (tophash, Go) show. Varies: map
//! (tophash, hashbrown, std; all foldhash), key kind (sequential u64,
//! random u64, word-list Strings) and n (1K, 100K). Checksum: the removed
//! values must sum to n(n-1)/2 and `len()` must stay n.

mod common;

use common::{batch, Bencher, Criterion, Key, Workload};
use criterion::{criterion_group, criterion_main};
use tophash_bench::keys::KeySet;
use tophash_bench::maps::BenchMap;
use tophash_bench::work::{build, churn, index_sum};

struct Churn;

impl Workload for Churn {
    const NAME: &'static str = "churn";
    fn bench<K: Key, M: BenchMap<K>>(b: &mut Bencher<'_>, ks: &KeySet<K>) {
        let n = ks.len();
        let expected = index_sum(n);
        b.iter_batched(
            || (build::<K, M>(&ks.keys), ks.fresh.clone()),
            |(mut m, mut fresh)| {
                assert_eq!(churn(&mut m, &ks.keys, fresh.drain(..)), expected, "{}: wrong values removed", M::ID);
                assert_eq!(m.len(), n);
                (m, fresh)
            },
            batch(n),
        );
    }
}

fn benches(c: &mut Criterion) {
    common::run::<Churn>(c);
}

criterion_group! { name = churn_benches; config = common::config(); targets = benches }
criterion_main!(churn_benches);
