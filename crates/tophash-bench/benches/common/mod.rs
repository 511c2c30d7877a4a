//! Shared driver of the Criterion benches (a module, not a bench target).
//!
//! Every bench runs on tophash, hashbrown and std's `HashMap`, all three
//! hashing with foldhash 0.2 under one fixed seed (`tophash_bench::maps`),
//! for three key kinds: sequential u64, splitmix64-random u64, and Strings
//! from the Debian `wamerican` word list (`/usr/share/dict/american-english`,
//! or `$TOPHASH_BENCH_WORDS`; the string benches are skipped with a warning
//! if it is missing). Sizes are 1K and 100K; with `TOPHASH_BENCH_10M=1` the
//! benches that opt in (`Workload::BIG`) also run at 10M, random u64 keys
//! only. Keys and orders are those of `tophash_bench::keys`.
//!
//! Benchmark ids read `<workload>/<keys>/<map>/<n>`, e.g.
//! `lookup_hit/u64_rand/tophash/100000`; throughput is per element, so
//! Criterion's "elem/s" is operations per second.
//!
//! Each routine asserts its checksum (`tophash_bench::work`): a broken map
//! fails the bench instead of posting a fast number.
//!
//! Times are busy time ([`BusyTime`]): wall time minus the time the thread
//! waited in the run queue for a CPU, the same clock as the `compare`
//! runner's, so another process taking the core mid-sample does not count
//! (it still shares caches and memory bandwidth). On an idle machine this
//! is wall time; where the kernel counter is missing it is wall time with
//! a warning.

#![allow(dead_code)] // each bench target uses a subset

use std::hash::Hash;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, BenchmarkId, SamplingMode, Throughput};
use tophash_bench::keys::{KeyKind, KeySet, Words, WORDS_PATH};
use tophash_bench::maps::{BenchMap, Hashbrown, StdFold, Tophash};
use tophash_bench::runqueue::{self, RunQueue};

/// Criterion driven by [`BusyTime`].
pub type Criterion = criterion::Criterion<BusyTime>;
/// A bench routine's handle, timed in [`BusyTime`].
pub type Bencher<'a> = criterion::Bencher<'a, BusyTime>;
type Group<'a> = criterion::BenchmarkGroup<'a, BusyTime>;

/// Criterion measurement: wall time minus the run-queue wait inside the
/// span (`tophash_bench::runqueue`), reported like wall time. Criterion
/// runs every routine on the thread that built the config, the thread
/// whose counter this reads.
pub struct BusyTime {
    runqueue: RunQueue,
}

/// Borrowed for its duration formatter.
static WALL: WallTime = WallTime;

impl Measurement for BusyTime {
    type Intermediate = (Option<u64>, Instant);
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        let waited = self.runqueue.delay();
        (waited, Instant::now())
    }

    fn end(&self, (waited, t): Self::Intermediate) -> Duration {
        let wall = t.elapsed();
        runqueue::busy(wall, waited, self.runqueue.delay()).0
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

/// Default sizes.
pub const SIZES: [usize; 2] = [1_000, 100_000];
/// The opt-in size.
pub const BIG: usize = 10_000_000;
/// Environment variable that enables [`BIG`].
pub const BIG_ENV: &str = "TOPHASH_BENCH_10M";
/// Environment variable overriding the word list path.
pub const WORDS_ENV: &str = "TOPHASH_BENCH_WORDS";

/// Keys every map accepts.
pub trait Key: Clone + Ord + Hash {}
impl<T: Clone + Ord + Hash> Key for T {}

/// One benchmark topic: what a routine does with a key set and a map type.
pub trait Workload {
    /// Group prefix, e.g. `lookup_hit`.
    const NAME: &'static str;
    /// Whether this workload also runs at 10M when [`BIG_ENV`] is set.
    const BIG: bool = false;
    /// Benchmarks map `M` on `ks`; must assert its checksum.
    fn bench<K: Key, M: BenchMap<K>>(b: &mut Bencher<'_>, ks: &KeySet<K>);
}

/// Criterion settings that keep the default `cargo bench` to minutes.
pub fn config() -> Criterion {
    let runqueue = RunQueue::open();
    if !runqueue.available() {
        eprintln!("warning: /proc/thread-self/schedstat unreadable: timing wall time, run-queue waits included");
    }
    criterion::Criterion::default()
        .with_measurement(BusyTime { runqueue })
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

/// `iter_batched` batch size: small maps batch, large ones go one by one.
pub fn batch(n: usize) -> BatchSize {
    if n <= 10_000 {
        BatchSize::SmallInput
    } else {
        BatchSize::PerIteration
    }
}

fn big_enabled() -> bool {
    std::env::var(BIG_ENV).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn words() -> Option<Words> {
    let path = std::env::var_os(WORDS_ENV).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(WORDS_PATH));
    match Words::load(&path) {
        Ok(w) => Some(w),
        Err(e) => {
            eprintln!("warning: skipping string-key benches: {e}");
            None
        }
    }
}

fn group<K: Key, W: Workload>(c: &mut Criterion, kind: KeyKind, sets: &[KeySet<K>]) {
    let mut g = c.benchmark_group(format!("{}/{}", W::NAME, kind));
    for ks in sets {
        let n = ks.len();
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1_000_000 {
            // Seconds per iteration: take 10 flat samples of one iteration.
            g.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(30));
        }
        bench_map::<K, Tophash<K>, W>(&mut g, ks);
        bench_map::<K, Hashbrown<K>, W>(&mut g, ks);
        bench_map::<K, StdFold<K>, W>(&mut g, ks);
    }
    g.finish();
}

fn bench_map<K: Key, M: BenchMap<K>, W: Workload>(g: &mut Group<'_>, ks: &KeySet<K>) {
    g.bench_with_input(BenchmarkId::new(M::ID, ks.len()), ks, |b, ks| W::bench::<K, M>(b, ks));
}

/// Runs workload `W` for every key kind and size.
pub fn run<W: Workload>(c: &mut Criterion) {
    let big = W::BIG && big_enabled();
    for kind in [KeyKind::U64Seq, KeyKind::U64Rand] {
        let mut sets: Vec<KeySet<u64>> = SIZES.iter().map(|&n| KeySet::u64(kind, n)).collect();
        if big && kind == KeyKind::U64Rand {
            sets.push(KeySet::u64(kind, BIG));
        }
        group::<u64, W>(c, kind, &sets);
    }
    if let Some(words) = words() {
        let sets: Vec<KeySet<String>> = SIZES.iter().map(|&n| KeySet::strings(&words, n)).collect();
        group::<String, W>(c, KeyKind::Str, &sets);
    }
}
