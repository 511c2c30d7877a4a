//! Loom model tests of the concurrent engine: every interleaving (up to a
//! preemption bound) of the engine's atomics for a table of 2-4 buckets.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p tophash --features sync --test sync_loom --release
//! ```
//! (`scripts/loom.sh`). Under `cfg(loom)` the engine's atomics are loom's
//! and nothing is freed before the map drops, so these tests check the
//! protocol (claims, evacuation, the evacuated flag, lock order, what
//! readers find), not the collector.
//!
//! Keys hash to themselves ([`Identity`]), so key `k` is in old bucket
//! `k & 1` and new bucket `k & 3`.

#![cfg(all(loom, feature = "sync"))]

use std::hash::{BuildHasher, Hasher};

use loom::sync::Arc;
use loom::thread;
use tophash::sync::HashMap;

#[derive(Clone, Copy, Default)]
struct Identity;

#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        // The top byte varies too, so tophash bytes differ between keys.
        self.0 | (self.0 << 56)
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("u64 keys only")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl BuildHasher for Identity {
    type Hasher = IdentityHasher;
    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher(0)
    }
}

type Map = HashMap<u64, u64, Identity>;

/// Two old buckets, keys 0..4 in them, a resize to four buckets started
/// and nothing evacuated yet.
fn resizing_map() -> Map {
    let map = Map::with_capacity_and_hasher(9, Identity);
    assert_eq!(map.stats().buckets, 2);
    for k in 0..4 {
        map.insert(k, k + 100);
    }
    map.reserve(20);
    let s = map.stats();
    assert!(s.resizing.is_some() && s.old_buckets == 2 && s.old_evacuated == 0, "{s:?}");
    map
}

/// Runs `f` under loom with `LOOM_MAX_PREEMPTIONS`, else `bound`.
fn model_bound(bound: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(bound);
    }
    b.check(f);
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    model_bound(3, f)
}

/// Runs each job on a thread of its own against one shared map, joins them
/// in order, and hands the map back.
fn in_threads(map: Map, jobs: Vec<Box<dyn FnOnce(&Map) + Send>>) -> Map {
    let map = Arc::new(map);
    let threads: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            let m = Arc::clone(&map);
            thread::spawn(move || job(&m))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    Arc::try_unwrap(map).ok().expect("threads joined")
}

/// Two writers meet one resize: each claims up to two old buckets at the
/// cursor; between them every old bucket is evacuated exactly once, the
/// resize ends, and nothing is lost.
#[test]
fn two_writers_share_one_resize() {
    model(|| {
        let mut map = in_threads(
            resizing_map(),
            vec![Box::new(|m| assert!(m.insert(4, 104))), Box::new(|m| assert!(m.remove(&1)))],
        );
        map.check_invariants().unwrap();
        let s = map.stats();
        assert!(s.resizing.is_none(), "two writers evacuate both old buckets: {s:?}");
        assert_eq!(s.buckets_evacuated, 2);
        assert_eq!(s.len, 4);
        for (k, v) in [(0, 100), (2, 102), (3, 103), (4, 104)] {
            assert_eq!(map.get_cloned(&k), Some(v));
        }
        assert!(!map.contains_key(&1));
    });
}

/// A write into an old chain races that chain's evacuation: one thread
/// claims old bucket 0 at the cursor while another, finding the cursor
/// taken, writes key 4 (old bucket 0) and removes key 2 (old bucket 0) in
/// the old chain if it is not evacuated yet, else in the new array. Either
/// way the evacuation moves exactly what the chain holds when it takes the
/// lock, and afterwards every key is where a reader finds it.
#[test]
fn a_write_into_an_old_chain_races_its_evacuation() {
    model(|| {
        let evacuator: Box<dyn FnOnce(&Map) + Send> = Box::new(|m| {
            m.evacuate(1);
        });
        let writer: Box<dyn FnOnce(&Map) + Send> = Box::new(|m| {
            assert!(m.insert(4, 104));
            assert!(m.remove(&2));
        });
        let mut map = in_threads(resizing_map(), vec![evacuator, writer]);
        map.check_invariants().unwrap();
        assert_eq!(map.len(), 4);
        for (k, v) in [(0, Some(100)), (1, Some(101)), (2, None), (3, Some(103)), (4, Some(104))] {
            assert_eq!(map.get_cloned(&k), v, "key {k}");
        }
        while map.evacuate(1) > 0 {}
        map.check_invariants().unwrap();
        assert_eq!(map.get_cloned(&4), Some(104));
        assert!(!map.contains_key(&2));
    });
}

/// A reader racing an evacuation and a removal: a key that nobody removes
/// is always found; the removed key is found with its value or not at all.
#[test]
fn reader_races_evacuation_and_removal() {
    model(|| {
        let map = Arc::new(resizing_map());
        let m1 = Arc::clone(&map);
        let writer = thread::spawn(move || {
            // Claims and evacuates old buckets 0 (keys 0 and 2) and 1,
            // then removes 2 from the new array.
            assert!(m1.remove(&2));
        });
        // The reader runs on a spawned thread too: loom explored a single
        // interleaving when these reads ran on the model's main thread.
        let m2 = Arc::clone(&map);
        let reader = thread::spawn(move || {
            assert_eq!(m2.get_cloned(&0), Some(100));
            let r = m2.get_cloned(&2);
            assert!(r.is_none() || r == Some(102), "{r:?}");
            assert_eq!(m2.get_cloned(&3), Some(103));
        });
        writer.join().unwrap();
        reader.join().unwrap();
        assert!(!map.contains_key(&2));
    });
}

/// Two writers on the same key during a resize: `update` is atomic.
#[test]
fn updates_on_one_key_during_a_resize_both_count() {
    // Bound 2: with the lock bit in the link word every reader's load of
    // it is an interleaving point, and bound 3 took two minutes here.
    model_bound(2, || {
        let map = Arc::new(resizing_map());
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let m = Arc::clone(&map);
                thread::spawn(move || {
                    assert!(m.update(&2, |v| v + 1));
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(map.get_cloned(&2), Some(104));
    });
}

/// Three threads: two writers and a reader, two preemptions by default.
#[test]
fn three_threads_two_writers_and_a_reader() {
    model_bound(2, || {
        let reader: Box<dyn FnOnce(&Map) + Send> = Box::new(|m| {
            // One key of each old bucket (all four took 40 s here).
            for k in [0, 3] {
                assert_eq!(m.get_cloned(&k), Some(k + 100));
            }
        });
        let mut map = in_threads(
            resizing_map(),
            vec![
                Box::new(|m| {
                    m.insert(5, 105);
                }),
                Box::new(|m| {
                    m.insert(6, 106);
                }),
                reader,
            ],
        );
        map.check_invariants().unwrap();
        assert_eq!(map.len(), 6);
    });
}

/// A `clear` racing a writer in the middle of a resize: the write lands
/// before the clear (and is drained) or after it; the map is consistent
/// either way, and a later write drains the cleared arrays. The count of
/// evacuations in `stats` matches the observer's whether an evacuation
/// finished before the clear folded the resize's count or after.
#[test]
fn clear_races_a_writer_mid_resize() {
    model(|| {
        let mut map = resizing_map();
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let sink = std::sync::Arc::clone(&seen);
        map.set_observer(Some(Box::new(move |e: &tophash::stats::Event| {
            if matches!(e, tophash::stats::Event::Evacuated { .. }) {
                sink.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        })));
        let map = Arc::new(map);
        let m1 = Arc::clone(&map);
        let t = thread::spawn(move || {
            m1.insert(7, 107);
        });
        map.clear();
        t.join().unwrap();
        let mut map = Arc::try_unwrap(map).ok().expect("threads joined");
        map.check_invariants().unwrap();
        let n = map.len();
        assert!(n <= 1, "{n}");
        assert_eq!(map.contains_key(&7), n == 1);
        for k in 0..4 {
            assert!(!map.contains_key(&k));
        }
        assert_eq!(map.stats().buckets_evacuated, seen.load(std::sync::atomic::Ordering::Relaxed));
        for k in 10..14 {
            map.insert(k, k);
        }
        assert_eq!(map.stats().drain_jobs, 0);
        map.check_invariants().unwrap();
    });
}

/// A writer whose view of the table goes stale: it reads the state before
/// a resize starts and locks its bucket after another thread evacuated it.
/// It must see the bucket's `evacuated` flag and retry in the new array,
/// else its update is lost in the old one.
#[test]
fn a_write_with_a_stale_state_retries() {
    model(|| {
        let map = Arc::new(Map::with_capacity_and_hasher(0, Identity));
        for k in 0..8 {
            map.insert(k, k + 100);
        }
        assert_eq!(map.stats().buckets, 1);
        let m1 = Arc::clone(&map);
        let t = thread::spawn(move || {
            m1.insert(8, 108); // starts the doubling
            m1.insert(9, 109); // evacuates the one old bucket
        });
        assert!(map.update(&3, |v| v + 1));
        t.join().unwrap();
        let mut map = Arc::try_unwrap(map).ok().expect("threads joined");
        map.check_invariants().unwrap();
        assert_eq!(map.get_cloned(&3), Some(104));
        assert_eq!(map.len(), 10);
    });
}

/// An iteration racing the evacuation of both old buckets yields every key
/// present throughout exactly once, and the new key at most once.
#[test]
fn iteration_racing_an_evacuation_yields_each_key_once() {
    model(|| {
        let map = Arc::new(resizing_map());
        let m1 = Arc::clone(&map);
        let t = thread::spawn(move || {
            m1.insert(4, 104);
        });
        let m2 = Arc::clone(&map);
        let r = thread::spawn(move || m2.iter().map(|r| *r.key()).collect::<Vec<u64>>());
        t.join().unwrap();
        let mut seen = r.join().unwrap();
        seen.sort_unstable();
        assert!(seen == [0, 1, 2, 3] || seen == [0, 1, 2, 3, 4], "{seen:?}");
    });
}

/// An overwrite racing an iteration: the key is never missed. Here the new
/// slot is in the old one's bucket, so it is yielded exactly once, with the
/// old value or the new one (an overwrite into a later bucket may be
/// yielded twice; `tests/sync_model.rs` covers reuse of an earlier slot).
/// Every other key once. (Under a resize the overwrite lands in the new
/// array; see the evacuation test above.) Loom's collector frees nothing
/// before the map drops, so no dead slot is reused in these models.
#[test]
fn iteration_racing_an_overwrite_yields_the_key_at_least_once() {
    static OLD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static NEW: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    model(|| {
        let map = Map::with_capacity_and_hasher(9, Identity);
        for k in 0..4 {
            map.insert(k, k + 100);
        }
        let map = Arc::new(map);
        let m1 = Arc::clone(&map);
        let t = thread::spawn(move || {
            m1.insert(2, 202);
        });
        // On a spawned thread: loom explored a single interleaving when
        // the iteration ran on the model's main thread.
        let m2 = Arc::clone(&map);
        let r = thread::spawn(move || m2.iter().map(|r| (*r.key(), *r)).collect::<Vec<(u64, u64)>>());
        t.join().unwrap();
        let seen = r.join().unwrap();
        let twos: Vec<u64> = seen.iter().filter(|(k, _)| *k == 2).map(|(_, v)| *v).collect();
        // The new slot is in the old one's bucket: one store publishes it
        // and kills the old one, and the iterator reads the bucket's bytes
        // once, so it sees exactly one of the two.
        match twos[..] {
            [102] => OLD.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            [202] => NEW.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            _ => panic!("key 2 not yielded exactly once: {seen:?}"),
        };
        let mut others: Vec<u64> = seen.iter().map(|(k, _)| *k).filter(|k| *k != 2).collect();
        others.sort_unstable();
        assert_eq!(others, [0, 1, 3], "{seen:?}");
    });
    let (old, new) = (OLD.load(std::sync::atomic::Ordering::Relaxed), NEW.load(std::sync::atomic::Ordering::Relaxed));
    assert!(old > 0 && new > 0, "both outcomes explored: old {old}, new {new}");
}

/// The model explores more than one interleaving (a test that can fail if
/// loom's atomics were not the engine's).
#[test]
fn loom_explores_many_interleavings() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    model(|| {
        RUNS.fetch_add(1, Ordering::Relaxed);
        let map = Arc::new(resizing_map());
        let m1 = Arc::clone(&map);
        let t = thread::spawn(move || {
            m1.insert(4, 104);
        });
        map.insert(5, 105);
        t.join().unwrap();
    });
    let runs = RUNS.load(Ordering::Relaxed);
    eprintln!("interleavings explored: {runs}");
    assert!(runs > 20, "only {runs} interleavings");
}
