//! `tophash::sync::HashMap` under 2-4 threads: per-key histories checked
//! against a sequential model, and the invariant checker on the quiescent
//! map after every round.
//!
//! * Disjoint keys: each thread owns its keys, so its own model predicts
//!   every read of them exactly, also mid-growth and mid-iteration.
//! * Shared keys: counters bumped with `update`/`compute` from all threads
//!   end at the total of the bumps, and every read of one is monotonic.
//! * Readers during growth find every key inserted before it started.
//!
//! Sizes shrink under Miri and ThreadSanitizer (`TOPHASH_STRESS_SMALL`).

#![cfg(feature = "sync")]

use std::collections::HashMap as Model;
use std::sync::atomic::{AtomicBool, Ordering};

use tophash::sync::HashMap;

fn small() -> bool {
    cfg!(miri) || std::env::var_os("TOPHASH_STRESS_SMALL").is_some()
}

/// xorshift: a per-thread random stream.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn disjoint_keys_match_each_threads_model() {
    let threads = 4u64;
    let (rounds, ops, keys) = if small() { (2, 150, 64) } else { (6, 6_000, 3_000) };
    let mut map: HashMap<u64, u64> = HashMap::new();
    let mut models: Vec<Model<u64, u64>> = (0..threads).map(|_| Model::new()).collect();
    for round in 0..rounds {
        std::thread::scope(|s| {
            for (t, model) in models.iter_mut().enumerate() {
                let map = &map;
                s.spawn(move || {
                    let t = t as u64;
                    let mut rng = Rng(0x9E37_79B9 ^ ((t + 1) * 7919 + round));
                    let key = |r: &mut Rng| r.below(keys) * threads + t;
                    for i in 0..ops {
                        let k = key(&mut rng);
                        match rng.below(100) {
                            0..=39 => assert_eq!(map.insert(k, i), model.insert(k, i).is_none()),
                            40..=54 => assert_eq!(map.remove(&k), model.remove(&k).is_some()),
                            55..=64 => {
                                let was = model.get(&k).copied();
                                assert_eq!(map.update(&k, |v| v + 1), was.is_some());
                                if let Some(v) = was {
                                    model.insert(k, v + 1);
                                }
                            }
                            65..=69 => {
                                let got = *map.get_or_insert_with(k, || i);
                                assert_eq!(got, *model.entry(k).or_insert(i));
                            }
                            70..=97 => assert_eq!(map.get_cloned(&k), model.get(&k).copied(), "thread {t} key {k}"),
                            98 => {
                                // Dead slots come back into use from here.
                                map.tick_reuse_clock();
                            }
                            _ => {
                                // This thread's keys do not change during its
                                // own iteration: each is yielded exactly once.
                                let mut mine: Vec<(u64, u64)> =
                                    map.iter().filter(|r| r.key() % threads == t).map(|r| (*r.key(), *r)).collect();
                                mine.sort_unstable();
                                let mut want: Vec<(u64, u64)> = model.iter().map(|(k, v)| (*k, *v)).collect();
                                want.sort_unstable();
                                assert_eq!(mine, want, "thread {t}'s keys in an iteration");
                            }
                        }
                    }
                });
            }
        });
        map.check_invariants().unwrap_or_else(|e| panic!("round {round}: {e}"));
        let total: usize = models.iter().map(Model::len).sum();
        assert_eq!(map.len(), total);
        for model in &models {
            for (k, v) in model {
                assert_eq!(map.get_cloned(k), Some(*v));
            }
        }
    }
    let s = map.stats();
    assert!(s.resizes > 0 && s.claims > 0 && s.reuse_epochs > 0, "{s:?}");
    eprintln!("disjoint: {s:?}");
}

#[test]
fn shared_counters_add_up_and_reads_are_monotonic() {
    let threads = 4u64;
    let (rounds, bumps, keys) = if small() { (2, 100, 16) } else { (4, 4_000, 500) };
    let mut map: HashMap<u64, u64> = HashMap::with_capacity(4);
    let mut expected = vec![0u64; keys as usize];
    for round in 0..rounds {
        let counts: Vec<Vec<u64>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                .map(|t| {
                    let map = &map;
                    s.spawn(move || {
                        let mut rng = Rng(0xDEAD_BEEF ^ ((t + 1) * 104_729 + round));
                        let mut mine = vec![0u64; keys as usize];
                        let mut last_seen = vec![0u64; keys as usize];
                        for _ in 0..bumps {
                            let k = rng.below(keys);
                            if rng.below(64) == 0 {
                                // Overwrites reuse dead slots from here: a
                                // reader must still never miss a key.
                                map.tick_reuse_clock();
                            }
                            match rng.below(4) {
                                0 => {
                                    map.compute(k, |v| Some(v.copied().unwrap_or(0) + 1));
                                    mine[k as usize] += 1;
                                }
                                1 => {
                                    if !map.update(&k, |v| v + 1) {
                                        map.compute(k, |v| Some(v.copied().unwrap_or(0) + 1));
                                    }
                                    mine[k as usize] += 1;
                                }
                                _ => {
                                    let v = map.get_cloned(&k).unwrap_or(0);
                                    assert!(
                                        v >= last_seen[k as usize],
                                        "key {k} went from {} to {v}",
                                        last_seen[k as usize]
                                    );
                                    last_seen[k as usize] = v;
                                }
                            }
                        }
                        mine
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for c in counts {
            for (k, n) in c.into_iter().enumerate() {
                expected[k] += n;
            }
        }
        map.check_invariants().unwrap_or_else(|e| panic!("round {round}: {e}"));
        for (k, n) in expected.iter().enumerate() {
            assert_eq!(map.get_cloned(&(k as u64)).unwrap_or(0), *n, "key {k}");
        }
    }
    eprintln!("shared: {:?}", map.stats());
}

#[test]
fn readers_during_growth_find_every_earlier_key() {
    let (rounds, before, during) = if small() { (2, 40u64, 200u64) } else { (4, 2_000, 40_000) };
    for round in 0..rounds {
        let mut map: HashMap<u64, u64> = HashMap::new();
        for k in 0..before {
            map.insert(k, k * 3);
        }
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            for r in 0..2 {
                let (map, done) = (&map, &done);
                s.spawn(move || {
                    let mut rng = Rng(77 + r + round);
                    let mut reads = 0u64;
                    while !done.load(Ordering::Acquire) || reads < 100 {
                        let k = rng.below(before);
                        assert_eq!(map.get_cloned(&k), Some(k * 3), "key {k} lost during growth");
                        reads += 1;
                    }
                });
            }
            let (map, done) = (&map, &done);
            s.spawn(move || {
                for k in before..before + during {
                    map.insert(k, k);
                    if k % 3 == 0 {
                        map.remove(&(k - 1));
                    }
                }
                done.store(true, Ordering::Release);
            });
            s.spawn(move || {
                // A second writer that only helps the growth along.
                let mut rng = Rng(5 + round);
                for _ in 0..during / 4 {
                    let k = before + during + rng.below(1000);
                    map.insert(k, k);
                    map.remove(&k);
                }
            });
        });
        map.check_invariants().unwrap_or_else(|e| panic!("round {round}: {e}"));
        let s = map.stats();
        assert!(s.resizes >= 3, "{s:?}");
        for k in 0..before {
            assert_eq!(map.get_cloned(&k), Some(k * 3));
        }
    }
}

#[test]
fn clear_and_reserve_race_with_writers() {
    let (rounds, ops) = if small() { (2, 200u64) } else { (4, 5_000) };
    let mut map: HashMap<u64, u64> = HashMap::new();
    for round in 0..rounds {
        std::thread::scope(|s| {
            for t in 0..3u64 {
                let map = &map;
                s.spawn(move || {
                    let mut rng = Rng(1234 + t + round * 10);
                    for i in 0..ops {
                        let k = rng.below(2_000);
                        match rng.below(200) {
                            0 if t == 0 => map.clear(),
                            1 if t == 1 => map.reserve(rng.below(20_000) as usize),
                            2 => {
                                map.evacuate(4);
                            }
                            3..=100 => {
                                map.insert(k, i);
                            }
                            101..=150 => {
                                map.remove(&k);
                            }
                            _ => {
                                if let Some(v) = map.get(&k) {
                                    assert!(*v < ops);
                                }
                            }
                        }
                    }
                });
            }
        });
        map.check_invariants().unwrap_or_else(|e| panic!("round {round}: {e}"));
        let n = map.iter().count();
        assert_eq!(n, map.len());
    }
}

#[test]
fn the_map_is_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<HashMap<String, Vec<u8>>>();
    both::<HashMap<u64, u64, std::collections::hash_map::RandomState>>();
}

/// A key whose `Eq` panics (when asked to) while the engine holds a bucket
/// lock: the lock is released on unwinding, so later calls on that bucket
/// neither deadlock nor see a broken table.
#[test]
fn a_panicking_eq_releases_the_bucket_lock() {
    use std::hash::{Hash, Hasher};
    use std::sync::atomic::AtomicBool;
    static PANIC: AtomicBool = AtomicBool::new(false);
    #[derive(Clone, Debug)]
    struct Touchy(u32);
    impl PartialEq for Touchy {
        fn eq(&self, o: &Self) -> bool {
            assert!(!PANIC.load(Ordering::Relaxed), "Eq panics on request");
            self.0 == o.0
        }
    }
    impl Eq for Touchy {}
    impl Hash for Touchy {
        fn hash<H: Hasher>(&self, h: &mut H) {
            h.write_u32(self.0 % 3);
        }
    }
    let mut map: HashMap<Touchy, u32> = HashMap::new();
    for k in 0..30 {
        map.insert(Touchy(k), k);
    }
    PANIC.store(true, Ordering::Relaxed);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| map.insert(Touchy(4), 0)));
    assert!(r.is_err());
    PANIC.store(false, Ordering::Relaxed);
    std::thread::scope(|s| {
        s.spawn(|| assert!(!map.insert(Touchy(4), 44)));
    });
    assert_eq!(map.get_cloned(&Touchy(4)), Some(44));
    map.check_invariants().unwrap();
    assert_eq!(map.len(), 30);
}

/// A key whose `Hash` panics (when asked to) while an evacuation holds
/// the old bucket's lock, after some of the bucket's entries were copied:
/// the copies are undone, the old bucket keeps its entries, and the
/// evacuation completes later. Values own heap memory, so a copy dropped
/// as well as its original would be a double free.
#[test]
fn a_panicking_hash_during_evacuation_undoes_the_copies() {
    use std::hash::{Hash, Hasher};
    use std::sync::atomic::AtomicU32;
    static PANIC_ON: AtomicU32 = AtomicU32::new(u32::MAX);
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Key(u32);
    impl Hash for Key {
        fn hash<H: Hasher>(&self, h: &mut H) {
            assert!(self.0 != PANIC_ON.load(Ordering::Relaxed), "Hash panics on request");
            h.write_u32(self.0 % 4);
        }
    }
    let mut map: HashMap<Key, String> = HashMap::new();
    for k in 0..40 {
        map.insert(Key(k), k.to_string());
    }
    while map.evacuate(64) > 0 {}
    map.reserve(1000);
    assert!(map.is_resizing());
    // Four chains of ten; key 39 is last in its chain.
    PANIC_ON.store(39, Ordering::Relaxed);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| while map.evacuate(64) > 0 {}));
    assert!(r.is_err(), "the hasher never ran during the evacuation");
    PANIC_ON.store(u32::MAX, Ordering::Relaxed);
    map.check_invariants().unwrap();
    assert!(map.is_resizing());
    for k in 0..40 {
        assert_eq!(map.get_cloned(&Key(k)), Some(k.to_string()));
    }
    while map.evacuate(64) > 0 {}
    assert!(!map.is_resizing());
    map.check_invariants().unwrap();
    assert_eq!(map.len(), 40);
    for k in 0..40 {
        assert!(map.remove(&Key(k)));
    }
    map.check_invariants().unwrap();
}

#[test]
fn debug_from_iterator_and_extend() {
    let mut map: HashMap<u32, u32> = (0..5).map(|k| (k, k * 10)).collect();
    map.extend([(5, 50), (0, 1)]);
    assert_eq!(map.len(), 6);
    assert_eq!(map.get_cloned(&0), Some(1));
    let text = format!("{map:?}");
    assert!(text.contains("5: 50") && text.starts_with('{'), "{text}");
    let r = map.get(&5).unwrap();
    assert_eq!(format!("{r:?}"), "Ref(5, 50)");
    drop(r);
    map.check_invariants().unwrap();
}

/// Not a benchmark (that is tophash-bench's job): a rough look at whether
/// reads scale and what a growth-heavy insert run costs, printed.
/// `cargo test -p tophash --features sync --release --test sync_stress -- --ignored --nocapture`
#[test]
#[ignore = "timing, run by hand in release"]
fn rough_throughput() {
    use std::time::Instant;
    let n = 1u64 << 20;
    let map: HashMap<u64, u64> = HashMap::with_capacity(n as usize);
    for k in 0..n {
        map.insert(k, k);
    }
    for threads in [1u64, 2] {
        let per = 4_000_000u64;
        let t0 = Instant::now();
        std::thread::scope(|s| {
            for t in 0..threads {
                let map = &map;
                s.spawn(move || {
                    let mut rng = Rng(t + 99);
                    let mut hits = 0u64;
                    for _ in 0..per {
                        hits += u64::from(map.contains_key(&rng.below(n)));
                    }
                    assert_eq!(hits, per);
                });
            }
        });
        let secs = t0.elapsed().as_secs_f64();
        eprintln!("contains_key, {threads} thread(s): {:.1} M lookups/s in all", (per * threads) as f64 / secs / 1e6);
    }
    {
        // One reader while one writer inserts and removes other keys: the
        // reader's cost of sharing lines with writers.
        let per = 4_000_000u64;
        let stop = AtomicBool::new(false);
        let t0 = Instant::now();
        let writes = std::thread::scope(|s| {
            let (map, stop) = (&map, &stop);
            let w = s.spawn(move || {
                let mut w = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    map.insert(n + w % 4096, w);
                    map.remove(&(n + (w + 2048) % 4096));
                    w += 1;
                }
                w
            });
            let mut rng = Rng(7);
            for _ in 0..per {
                assert!(map.contains_key(&rng.below(n)));
            }
            stop.store(true, Ordering::Relaxed);
            w.join().unwrap()
        });
        let secs = t0.elapsed().as_secs_f64();
        eprintln!(
            "contains_key beside a writer: {:.1} M lookups/s ({:.1} M writes/s)",
            per as f64 / secs / 1e6,
            2.0 * writes as f64 / secs / 1e6
        );
    }
    for threads in [1u64, 2] {
        let map: HashMap<u64, u64> = HashMap::new();
        let per = 1u64 << 20;
        let t0 = Instant::now();
        std::thread::scope(|s| {
            for t in 0..threads {
                let map = &map;
                s.spawn(move || {
                    for k in 0..per {
                        map.insert(k * threads + t, k);
                    }
                });
            }
        });
        let secs = t0.elapsed().as_secs_f64();
        let st = map.stats();
        eprintln!(
            "insert from empty, {threads} thread(s): {:.1} M inserts/s in all; {} resizes, {} claims, {} claim conflicts",
            (per * threads) as f64 / secs / 1e6,
            st.resizes,
            st.claims,
            st.claim_conflicts
        );
    }
}

/// An impossible size panics before anything is claimed: the map still
/// grows afterwards.
#[test]
fn an_impossible_reserve_panics_and_changes_nothing() {
    let map: HashMap<u64, u64> = HashMap::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| map.reserve(usize::MAX)));
    assert!(r.is_err());
    assert!(!map.is_resizing());
    for k in 0..100 {
        map.insert(k, k);
    }
    assert!(map.stats().resizes >= 4);
    let r = std::panic::catch_unwind(|| HashMap::<u64, u64>::with_capacity(usize::MAX));
    assert!(r.is_err());
}

/// A held `Ref` (and a live iterator) blocks nothing: growth, removal of
/// its key, overwrites and `clear` all complete, from this thread and
/// another, and the `Ref` still reads the value it was given.
#[test]
fn a_held_ref_blocks_nothing() {
    let map: HashMap<u64, String> = HashMap::new();
    map.insert(1, "one".to_string());
    let held = map.get(&1).unwrap();
    let mut it = map.iter();
    let first = it.next().unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            for k in 2..2_000 {
                map.insert(k, k.to_string());
            }
            map.insert(1, "uno".to_string());
        });
    });
    assert!(map.stats().resizes >= 5);
    assert!(map.remove(&1));
    map.clear();
    for k in 0..100 {
        map.insert(k, String::new());
    }
    assert_eq!(*held, "one");
    assert_eq!(held.key(), &1);
    assert_eq!(*first, "one");
    drop((held, first, it));
    assert_eq!(map.len(), 100);
}

/// Two threads fill one map with an observer that calls back into it
/// (reads, `len`, `stats`): no call deadlocks, and the events the threads
/// delivered, interleaved as they are, add up: each doubling starts once
/// and ends once, its old buckets are evacuated once each with the counts
/// 1..=total, and the totals match the map's counters.
#[test]
fn observer_events_from_two_threads_add_up() {
    use std::sync::{Arc, Mutex};
    use tophash::stats::{Event, ResizeKind};
    let per_thread = if small() { 300 } else { 40_000 };
    let log: Arc<Mutex<Vec<Event>>> = Arc::default();
    let map = Arc::new_cyclic(|me: &std::sync::Weak<HashMap<u64, u64>>| {
        let mut map = HashMap::new();
        let (me, sink) = (me.clone(), Arc::clone(&log));
        map.set_observer(Some(Box::new(move |e: &Event| {
            if let Some(map) = me.upgrade() {
                // Calls on the same map from inside a delivery: no lock
                // of the map is held here.
                let _ = (map.len(), map.contains_key(&0), map.get_cloned(&1), map.stats());
            }
            sink.lock().unwrap().push(*e);
        })));
        map
    });
    std::thread::scope(|s| {
        for t in 0..2u64 {
            let map = &map;
            s.spawn(move || {
                for i in 0..per_thread {
                    map.insert(i * 2 + t, i);
                }
            });
        }
    });
    while map.evacuate(64) > 0 {}
    let log = log.lock().unwrap();
    let stats = map.stats();
    let mut starts = std::collections::BTreeMap::new();
    let mut ends = std::collections::BTreeMap::new();
    let mut evacuated: std::collections::BTreeMap<usize, Vec<(usize, usize)>> = Default::default();
    for e in log.iter() {
        match *e {
            Event::ResizeStart { kind, old_b, new_b, .. } => {
                assert_eq!((kind, new_b), (ResizeKind::Double, old_b + 1), "random keys never fill a chain");
                assert!(starts.insert(1usize << old_b, new_b).is_none(), "two starts from 2^{old_b}");
            }
            Event::Evacuated { old_bucket, evacuated: n, total, .. } => {
                evacuated.entry(total).or_default().push((old_bucket, n));
            }
            Event::ResizeEnd { b, .. } => assert!(ends.insert(1usize << (b - 1), b).is_none()),
            Event::OverflowAlloc { .. } => {}
        }
    }
    assert_eq!(starts.len(), stats.resizes);
    assert_eq!(starts, ends, "each resize ends once");
    assert_eq!(evacuated.values().map(Vec::len).sum::<usize>(), stats.buckets_evacuated);
    for (total, mut got) in evacuated {
        got.sort_unstable();
        let want: Vec<usize> = (0..total).collect();
        assert_eq!(got.iter().map(|p| p.0).collect::<Vec<_>>(), want, "old buckets of 2^k = {total}");
        let mut counts: Vec<usize> = got.iter().map(|p| p.1).collect();
        counts.sort_unstable();
        assert_eq!(counts, (1..=total).collect::<Vec<_>>(), "counts of 2^k = {total}");
    }
    assert_eq!(map.len(), 2 * per_thread as usize);
    eprintln!("observer: {} events, {stats:?}", log.len());
}

/// An observer that panics: the panic leaves the call that delivered the
/// event, the map stays consistent, the work the event reported is done
/// (the resize goes on to its end), and later calls deliver again. The
/// panicking call's own insert may or may not have happened.
#[test]
fn a_panicking_observer_leaves_the_map_consistent() {
    use std::sync::atomic::AtomicUsize;
    use tophash::stats::Event;
    static SEEN: AtomicUsize = AtomicUsize::new(0);
    let mut map: HashMap<u64, String> = HashMap::new();
    map.set_observer(Some(Box::new(|e: &Event| {
        let n = SEEN.fetch_add(1, Ordering::Relaxed);
        assert!(n != 3, "observer panics at event {n}: {e:?}");
    })));
    let keys = if small() { 40 } else { 200u64 };
    let mut panicked = Vec::new();
    for k in 0..keys {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| map.insert(k, k.to_string())));
        if r.is_err() {
            panicked.push(k);
        }
        map.check_invariants().unwrap();
    }
    assert_eq!(panicked.len(), 1, "exactly one delivery panicked");
    assert!(SEEN.load(Ordering::Relaxed) > 4, "deliveries went on after the panic");
    for k in 0..keys {
        let got = map.get_cloned(&k);
        if panicked.contains(&k) {
            assert!(got.is_none() || got == Some(k.to_string()), "key {k}: {got:?}");
        } else {
            assert_eq!(got, Some(k.to_string()), "key {k}");
        }
    }
    assert!(map.len() as u64 >= keys - 1);
    while map.evacuate(64) > 0 {}
    assert!(!map.is_resizing());
    map.check_invariants().unwrap();
}
