//! Insert throughput: `n` inserts of distinct keys (values = indices)
//! into (a) an empty map, which grows as it goes, and (b) a map presized
//! with capacity `n`. Varies: map (tophash, hashbrown, std; all foldhash),
//! key kind (sequential u64, random u64, word-list Strings) and n (1K,
//! 100K; 10M random u64 for insert-from-empty with `TOPHASH_BENCH_10M=1`).
//! Keys are cloned before the clock starts and maps dropped after it stops.
//! Checksum: every insert must report a new key and `len()` must be n.

mod common;

use common::{batch, Bencher, Criterion, Key, Workload};
use criterion::{criterion_group, criterion_main};
use tophash_bench::keys::KeySet;
use tophash_bench::maps::BenchMap;
use tophash_bench::work::fill;

struct Insert;

impl Workload for Insert {
    const NAME: &'static str = "insert";
    const BIG: bool = true;
    fn bench<K: Key, M: BenchMap<K>>(b: &mut Bencher<'_>, ks: &KeySet<K>) {
        let n = ks.len();
        b.iter_batched(
            || ks.keys.clone(),
            |mut owned| {
                let mut m = M::empty();
                assert_eq!(fill(&mut m, owned.drain(..)), n as u64, "{}: lost inserts", M::ID);
                assert_eq!(m.len(), n);
                (m, owned)
            },
            batch(n),
        );
    }
}

struct InsertPresized;

impl Workload for InsertPresized {
    const NAME: &'static str = "insert_presized";
    fn bench<K: Key, M: BenchMap<K>>(b: &mut Bencher<'_>, ks: &KeySet<K>) {
        let n = ks.len();
        b.iter_batched(
            || ks.keys.clone(),
            |mut owned| {
                let mut m = M::presized(n).expect("hash maps have a capacity");
                assert_eq!(fill(&mut m, owned.drain(..)), n as u64, "{}: lost inserts", M::ID);
                assert_eq!(m.len(), n);
                (m, owned)
            },
            batch(n),
        );
    }
}

fn benches(c: &mut Criterion) {
    common::run::<Insert>(c);
    common::run::<InsertPresized>(c);
}

criterion_group! { name = insert; config = common::config(); targets = benches }
criterion_main!(insert);
