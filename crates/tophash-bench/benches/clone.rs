//! Clone throughput: `clone()` of an n-entry map built by inserting from
//! empty (for String keys this includes cloning every key); throughput is
//! per entry. Clones are dropped after the clock stops. Varies: map
//! (tophash, hashbrown, std; all foldhash), key kind (sequential u64,
//! random u64, word-list Strings) and n (1K, 100K). Checksum: a clone made
//! before timing must iterate to values summing to n(n-1)/2; every timed
//! clone must have `len()` n.

mod common;

use common::{batch, Bencher, Criterion, Key, Workload};
use criterion::{black_box, criterion_group, criterion_main};
use tophash_bench::keys::KeySet;
use tophash_bench::maps::BenchMap;
use tophash_bench::work::{build, index_sum, iterate};

struct CloneMap;

impl Workload for CloneMap {
    const NAME: &'static str = "clone";
    fn bench<K: Key, M: BenchMap<K>>(b: &mut Bencher<'_>, ks: &KeySet<K>) {
        let n = ks.len();
        let m: M = build(&ks.keys);
        assert_eq!(iterate(&m.clone()), index_sum(n), "{}: clone lost or changed entries", M::ID);
        // iter_batched drops each batch's clones after the clock stops, and
        // batches 100K-entry clones one by one so memory stays bounded.
        b.iter_batched(
            || (),
            |()| {
                let c = black_box(&m).clone();
                assert_eq!(c.len(), n, "{}: clone has the wrong length", M::ID);
                c
            },
            batch(n),
        );
    }
}

fn benches(c: &mut Criterion) {
    common::run::<CloneMap>(c);
}

criterion_group! { name = clone_benches; config = common::config(); targets = benches }
criterion_main!(clone_benches);
