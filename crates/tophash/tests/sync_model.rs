//! `tophash::sync::HashMap` on one thread against `std`'s HashMap: random
//! operations (proptest), the invariant checker after every operation,
//! including mid-resize states and `clear`/`reserve`/`evacuate`, and the
//! observer's events checked against the map's counters after every one.
//!
//! Keys hash through [`Weak`], which keeps only a few distinct low bits
//! for small keys, so chains overflow, same-size growths happen, and most
//! operations run while a resize is under way.

#![cfg(feature = "sync")]

use std::collections::{HashMap as Model, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use tophash::stats::{Event, Reason, ResizeKind};
use tophash::sync::HashMap;

/// A hasher that makes many keys share a bucket: hash = (k % 7) | (k << 40).
#[derive(Clone, Copy, Default, Debug)]
struct Weak;

#[derive(Default)]
struct WeakHasher(u64);

impl Hasher for WeakHasher {
    fn finish(&self) -> u64 {
        (self.0 % 7) | (self.0 << 40) | (self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) & 0xff00_0000_0000_0000)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.wrapping_mul(31).wrapping_add(u64::from(*b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
}

impl BuildHasher for Weak {
    type Hasher = WeakHasher;
    fn build_hasher(&self) -> WeakHasher {
        WeakHasher::default()
    }
}

/// A stored value: `u32` itself (no drop glue: removed slots need no
/// reclamation) or [`Counted`] (heap-owning: every removal, overwrite and
/// clear hands its old value to the collector).
trait Val: Clone + core::fmt::Debug {
    fn of(v: u32) -> Self;
    fn get(&self) -> u32;
}

impl Val for u32 {
    fn of(v: u32) -> Self {
        v
    }
    fn get(&self) -> u32 {
        *self
    }
}

thread_local!(static LIVE: std::cell::Cell<isize> = const { std::cell::Cell::new(0) });

/// A value that owns heap memory (a double drop is a double free, which
/// Miri, AddressSanitizer and valgrind report) and counts the live ones on
/// its thread (the model runs on one thread), so a leaked or twice-dropped
/// value fails the run.
#[derive(Debug)]
struct Counted(Box<u32>);

impl Val for Counted {
    fn of(v: u32) -> Self {
        LIVE.with(|l| l.set(l.get() + 1));
        Counted(Box::new(v))
    }
    fn get(&self) -> u32 {
        *self.0
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted::of(*self.0)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        LIVE.with(|l| l.set(l.get() - 1));
    }
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u32, u32),
    Remove(u32),
    RemoveCloned(u32),
    Get(u32),
    Update(u32, u32),
    GetOrInsert(u32, u32),
    Compute(u32, Option<u32>),
    Iter,
    Clear,
    Reserve(u16),
    Evacuate(u8),
    /// Moves the dead-slot clock, so that later writes reuse dead slots.
    Tick,
}

fn op(keys: u32) -> impl Strategy<Value = Op> {
    prop_oneof![
        20 => (0..keys, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        8 => (0..keys).prop_map(Op::Remove),
        2 => (0..keys).prop_map(Op::RemoveCloned),
        8 => (0..keys).prop_map(Op::Get),
        4 => (0..keys, any::<u32>()).prop_map(|(k, v)| Op::Update(k, v)),
        3 => (0..keys, any::<u32>()).prop_map(|(k, v)| Op::GetOrInsert(k, v)),
        3 => (0..keys, proptest::option::of(any::<u32>())).prop_map(|(k, v)| Op::Compute(k, v)),
        1 => Just(Op::Iter),
        1 => Just(Op::Clear),
        1 => (0u16..300).prop_map(Op::Reserve),
        2 => (0u8..4).prop_map(Op::Evacuate),
        3 => Just(Op::Tick),
    ]
}

/// Runs `ops` on both maps; the checker and a full comparison after each.
fn run<S: BuildHasher + Default, V: Val>(ops: &[Op]) -> Result<(), TestCaseError> {
    let live_before = LIVE.with(std::cell::Cell::get);
    run_map::<S, V>(ops)?;
    prop_assert_eq!(LIVE.with(std::cell::Cell::get), live_before, "values leaked or dropped twice");
    Ok(())
}

/// The resize under way, as the events tell it.
struct Resize {
    kind: ResizeKind,
    new_b: u8,
    total: usize,
    /// The `evacuated` count the next `Evacuated` must carry.
    next: usize,
    buckets: HashSet<usize>,
}

/// Replays one thread's events (`None`: the test called `clear`, which
/// abandons a resize) and checks each against the one before: a resize
/// starts only when none runs, with the kind, reason and sizes that go
/// together; its old buckets are evacuated once each, counted 1, 2, ...,
/// each moving exactly the keys of that old bucket (writes go to a key's
/// old chain until it is evacuated); it ends right after the last.
#[derive(Default)]
struct EventCheck {
    resize: Option<Resize>,
    starts: usize,
    evacuated: usize,
    seen: usize,
}

impl EventCheck {
    /// `before`: the hashes of the keys the map held before the operation
    /// whose events these are. On one thread its evacuations come before
    /// its own write, so they move exactly those keys.
    fn replay(&mut self, log: &[Option<Event>], before: &[u64]) -> Result<(), String> {
        for (n, e) in log.iter().enumerate().skip(self.seen) {
            self.step(e, before).map_err(|m| format!("event {n} ({e:?}): {m}"))?;
        }
        self.seen = log.len();
        Ok(())
    }

    fn step(&mut self, e: &Option<Event>, before: &[u64]) -> Result<(), String> {
        let Some(e) = e else {
            self.resize = None;
            return Ok(());
        };
        match *e {
            Event::ResizeStart { kind, reason, old_b, new_b, .. } => {
                if self.resize.is_some() {
                    return Err("a resize started during another".into());
                }
                let fits = match kind {
                    ResizeKind::Double => new_b == old_b + 1 && reason == Reason::LoadFactor,
                    ResizeKind::SameSize => new_b == old_b && reason == Reason::TooManyOverflow,
                    ResizeKind::Reserve => new_b > old_b && reason == Reason::Reserve,
                    ResizeKind::Shrink => false,
                };
                if !fits {
                    return Err("kind, reason and sizes do not go together".into());
                }
                self.starts += 1;
                self.resize = Some(Resize { kind, new_b, total: 1 << old_b, next: 1, buckets: HashSet::new() });
            }
            Event::Evacuated { old_bucket, entries, evacuated, total } => {
                let r = self.resize.as_mut().ok_or("evacuated without a resize")?;
                if total != r.total || evacuated != r.next || old_bucket >= total || !r.buckets.insert(old_bucket) {
                    return Err(format!("expected count {} of {}, a new bucket", r.next, r.total));
                }
                let keys = before.iter().filter(|&&h| h as usize & (total - 1) == old_bucket).count();
                if entries != keys {
                    return Err(format!("moved {entries} entries, the old bucket held {keys}"));
                }
                r.next += 1;
                self.evacuated += 1;
            }
            Event::ResizeEnd { kind, b, .. } => {
                let r = self.resize.take().ok_or("an end without a resize")?;
                if kind != r.kind || b != r.new_b || r.next != r.total + 1 {
                    return Err(format!("ended after {} of {} buckets", r.next - 1, r.total));
                }
            }
            Event::OverflowAlloc { overflow_buckets, .. } => {
                if overflow_buckets == 0 {
                    return Err("no overflow bucket counted".into());
                }
            }
        }
        Ok(())
    }

    /// The replayed events agree with the map's own counters and state.
    fn matches<V, S>(&self, map: &HashMap<u32, V, S>) -> Result<(), String> {
        let s = map.stats();
        let running = self.resize.as_ref().map(|r| r.kind);
        if (self.starts, self.evacuated, running) != (s.resizes, s.buckets_evacuated, s.resizing) {
            return Err(format!(
                "events: {} resizes, {} evacuated, running {running:?}; stats: {s:?}",
                self.starts, self.evacuated
            ));
        }
        Ok(())
    }
}

fn run_map<S: BuildHasher + Default, V: Val>(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut map: HashMap<u32, V, S> = HashMap::default();
    let log: Arc<Mutex<Vec<Option<Event>>>> = Arc::default();
    let sink = Arc::clone(&log);
    map.set_observer(Some(Box::new(move |e: &Event| sink.lock().unwrap().push(Some(*e)))));
    let mut events = EventCheck::default();
    let mut model = Model::new();
    let mut saw_resize = false;
    for (n, op) in ops.iter().enumerate() {
        let before: Vec<u64> = model.keys().map(|k| map.hasher().hash_one(k)).collect();
        match *op {
            Op::Insert(k, v) => prop_assert_eq!(map.insert(k, V::of(v)), model.insert(k, v).is_none()),
            Op::Remove(k) => prop_assert_eq!(map.remove(&k), model.remove(&k).is_some()),
            Op::RemoveCloned(k) => prop_assert_eq!(map.remove_cloned(&k).map(|v| v.get()), model.remove(&k)),
            Op::Get(k) => {
                prop_assert_eq!(map.get(&k).map(|r| r.get()), model.get(&k).copied());
                prop_assert_eq!(map.get_cloned(&k).map(|v| v.get()), model.get(&k).copied());
                prop_assert_eq!(map.contains_key(&k), model.contains_key(&k));
            }
            Op::Update(k, d) => {
                let was = model.get(&k).copied();
                prop_assert_eq!(map.update(&k, |v| V::of(v.get().wrapping_add(d))), was.is_some());
                if let Some(v) = was {
                    model.insert(k, v.wrapping_add(d));
                }
            }
            Op::GetOrInsert(k, v) => {
                let got = map.get_or_insert_with(k, || V::of(v)).get();
                prop_assert_eq!(got, *model.entry(k).or_insert(v));
            }
            Op::Compute(k, v) => {
                let got =
                    map.compute(k, |old| v.map(|v| V::of(v.wrapping_add(old.map_or(0, Val::get))))).map(|r| r.get());
                let want = v.map(|v| v.wrapping_add(model.get(&k).copied().unwrap_or(0)));
                match want {
                    Some(w) => model.insert(k, w),
                    None => model.remove(&k),
                };
                prop_assert_eq!(got, want);
            }
            Op::Iter => {
                let mut seen: Vec<(u32, u32)> = map.iter().map(|r| (*r.key(), r.get())).collect();
                seen.sort_unstable();
                let mut want: Vec<(u32, u32)> = model.iter().map(|(k, v)| (*k, *v)).collect();
                want.sort_unstable();
                prop_assert_eq!(seen, want);
            }
            Op::Clear => {
                map.clear();
                log.lock().unwrap().push(None);
                model.clear();
            }
            Op::Reserve(n) => map.reserve(usize::from(n)),
            Op::Evacuate(n) => {
                map.evacuate(usize::from(n));
            }
            Op::Tick => {
                // On one thread every earlier move is graced by now.
                prop_assert!(map.tick_reuse_clock());
            }
        }
        saw_resize |= map.is_resizing();
        if let Err(e) = map.check_invariants() {
            return Err(TestCaseError::fail(format!("after op {n} ({op:?}): {e}")));
        }
        if let Err(e) = events.replay(&log.lock().unwrap(), &before).and_then(|()| events.matches(&map)) {
            return Err(TestCaseError::fail(format!("after op {n} ({op:?}): {e}")));
        }
        prop_assert_eq!(map.len(), model.len(), "len after op {} ({:?})", n, op);
    }
    for (k, v) in &model {
        prop_assert_eq!(map.get_cloned(k).map(|v| v.get()), Some(*v));
    }
    let _ = saw_resize;
    Ok(())
}

fn cases() -> u32 {
    if cfg!(miri) {
        2
    } else {
        64
    }
}

fn ops_len() -> usize {
    if cfg!(miri) {
        60
    } else {
        400
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn model_with_colliding_hashes(ops in proptest::collection::vec(op(200), 1..ops_len())) {
        run::<Weak, u32>(&ops)?;
    }

    #[test]
    fn model_with_colliding_hashes_and_heap_values(ops in proptest::collection::vec(op(200), 1..ops_len())) {
        run::<Weak, Counted>(&ops)?;
    }

    #[test]
    fn model_with_the_default_hasher(ops in proptest::collection::vec(op(1000), 1..ops_len())) {
        run::<tophash::DefaultHashBuilder, u32>(&ops)?;
    }
}

/// The model runs reach the states they are meant to test: a resize under
/// way, same-size growth, claims, overflow buckets past the array's pool
/// (from its chunks), and a clear with a drain pending.
#[test]
fn the_interesting_states_are_reached() {
    let mut map: HashMap<u32, u32, Weak> = HashMap::default();
    let chunked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::clone(&chunked);
    map.set_observer(Some(Box::new(move |e: &Event| {
        if let Event::OverflowAlloc { pooled: false, .. } = e {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    })));
    let n = if cfg!(miri) { 60 } else { 600 };
    let mut mid_resize = 0;
    for k in 0..n {
        map.insert(k, k);
        if map.is_resizing() {
            mid_resize += 1;
        }
        map.check_invariants().unwrap();
    }
    let s = map.stats();
    assert!(mid_resize > 0 && s.resizes > 0 && s.claims > 0, "{s:?}");
    // Same keys, one bucket each of 7: chains overflow, same-size growth.
    assert!(s.overflow_buckets > 0 || s.resizes > 3, "{s:?}");
    assert!(chunked.load(std::sync::atomic::Ordering::Relaxed) > 0, "no overflow bucket came from a chunk");
    map.clear();
    assert!(map.is_empty());
    assert!(map.stats().drain_jobs >= 1);
    for k in 0..n {
        map.insert(k, k + 1);
        map.check_invariants().unwrap();
    }
    assert_eq!(map.stats().drain_jobs, 0, "writes drain the cleared arrays");
    assert_eq!(map.len(), n as usize);
    while map.evacuate(8) > 0 {}
    map.reserve(10 * n as usize);
    assert!(map.is_resizing());
    map.check_invariants().unwrap();
    while map.evacuate(3) > 0 {
        map.check_invariants().unwrap();
    }
    assert!(!map.is_resizing());
    for k in 0..n {
        assert_eq!(map.get_cloned(&k), Some(k + 1));
    }
}

/// The checker can fail: once the hasher changes its mind about a key, the
/// stored entry's tophash byte no longer matches (invariant 2).
#[test]
fn the_checker_catches_a_wrong_hash() {
    use std::cell::Cell;
    thread_local!(static SALT: Cell<u64> = const { Cell::new(0) });
    #[derive(Default, Clone)]
    struct Salted;
    struct SaltedHasher(u64);
    impl Hasher for SaltedHasher {
        fn finish(&self) -> u64 {
            self.0 ^ SALT.with(Cell::get)
        }
        fn write(&mut self, b: &[u8]) {
            for x in b {
                self.0 = self.0.wrapping_mul(131).wrapping_add(u64::from(*x));
            }
        }
    }
    impl BuildHasher for Salted {
        type Hasher = SaltedHasher;
        fn build_hasher(&self) -> SaltedHasher {
            SaltedHasher(0)
        }
    }
    let mut map: HashMap<u32, u32, Salted> = HashMap::default();
    map.insert(1, 1);
    map.check_invariants().unwrap();
    SALT.with(|s| s.set(0x55 << 56));
    let e = map.check_invariants().unwrap_err();
    assert!(e.contains("invariant 2"), "{e}");
}

/// Old arrays of a megabyte and more are mapped from the OS, and their
/// pages go back a budget per write (64 KiB), never a whole array in one
/// call: filling 300K keys frees the arrays of 2^14 buckets and more, the
/// queue of their pages never shrinks by more than the budget in one
/// write, and further writes empty it.
#[test]
#[cfg_attr(miri, ignore = "300K inserts; under Miri sys.rs's unit test checks the unmapper")]
fn freed_arrays_go_back_to_the_os_a_budget_per_write() {
    const BUDGET: usize = 64 << 10;
    let mut map = HashMap::new();
    let (mut most, mut before) = (0, 0);
    for k in 0..300_000u64 {
        map.insert(k, k);
        let now = map.stats().unmap_queued_bytes;
        assert!(now + BUDGET >= before, "one insert unmapped {} bytes", before - now);
        (most, before) = (most.max(now), now);
    }
    assert!(most > BUDGET, "no array's pages were ever queued: {:?}", map.stats());
    let mut writes = 0;
    while map.stats().unmap_queued_bytes > 0 {
        let now = map.stats().unmap_queued_bytes;
        map.insert(writes % 300_000, writes);
        assert!(map.stats().unmap_queued_bytes + BUDGET >= now);
        writes += 1;
        assert!(writes <= 1 + most as u64 / BUDGET as u64, "the queue did not drain");
    }
    map.check_invariants().unwrap();
}

/// A fixed, well-mixing hasher (SplitMix64's finaliser), so that the churn
/// tests below see the same chains on every run.
#[derive(Clone, Copy, Default, Debug)]
struct Mix;

#[derive(Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl BuildHasher for Mix {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher::default()
    }
}

/// Insert/remove churn at a fixed size: `live` keys, then each step
/// inserts a new key and removes the oldest. Returns the most overflow
/// buckets seen and the stats at the end.
fn churn(map: &HashMap<u64, u64, Mix>, n: u64, live: u64) -> (usize, tophash::sync::Stats) {
    for i in 0..live {
        map.insert(i, i);
    }
    let mut most = 0;
    for i in live..live + 2 * n {
        map.insert(i, i);
        assert!(map.remove(&(i - live)));
        most = most.max(map.stats().overflow_buckets);
    }
    (most, map.stats())
}

/// Churn reuses dead slots once the clock has moved past their grace
/// period (writes move it themselves), so chains keep their length and no
/// resize runs.
#[test]
fn churn_reuses_dead_slots() {
    let n: u64 = if cfg!(miri) { 512 } else { 1 << 14 };
    let mut map: HashMap<u64, u64, Mix> = HashMap::with_capacity_and_hasher(n as usize, Mix);
    let buckets = map.stats().buckets;
    let (most, s) = churn(&map, n, n * 3 / 4);
    assert_eq!(s.len, (n * 3 / 4) as usize);
    assert!(s.reuse_epochs >= 2, "the clock never moved: {s:?}");
    assert_eq!((s.buckets, s.resizes), (buckets, 0), "dead slots were not reused: {s:?}");
    assert!(most * 8 <= buckets, "{most} overflow buckets for {buckets} buckets: {s:?}");
    map.check_invariants().unwrap();
}

/// While a thread holds a guard (here a `Ref`), no slot killed meanwhile
/// may be reused: the `Ref` keeps reading its entry, removed and churned
/// past, unchanged. Dead slots then lengthen chains until a same-size
/// resize sheds them once they have cost an eighth as many overflow
/// buckets as buckets (without that trigger this run ends with about 0.8
/// overflow buckets per bucket; Go's own trigger waits for 1).
#[test]
fn a_held_guard_stops_reuse_and_the_same_size_trigger_bounds_chains() {
    let n: u64 = if cfg!(miri) { 512 } else { 1 << 14 };
    let live = n * 3 / 4;
    let mut map: HashMap<u64, u64, Mix> = HashMap::with_capacity_and_hasher(n as usize, Mix);
    let buckets = map.stats().buckets;
    map.insert(u64::MAX, 7);
    let held = map.get(&u64::MAX).unwrap();
    assert!(map.remove(&u64::MAX));
    let (most, s) = churn(&map, n, live);
    assert_eq!((*held.key(), *held.value()), (u64::MAX, 7), "a slot was reused under a live guard");
    assert!(!map.tick_reuse_clock(), "a move was graced while a guard it waits for lives");
    drop(held);
    assert_eq!(s.len, live as usize);
    assert_eq!(s.buckets, buckets, "churn at a fixed size must not double: {s:?}");
    assert!(s.resizes >= 1, "no same-size resize: {s:?}");
    assert!(most * 4 <= buckets, "{most} overflow buckets for {buckets} buckets: {s:?}");
    map.check_invariants().unwrap();
}

/// All keys in chain 0, each with its own tophash byte.
#[derive(Clone, Copy, Default, Debug)]
struct OneChain;

#[derive(Default)]
struct OneChainHasher(u64);

impl Hasher for OneChainHasher {
    fn finish(&self) -> u64 {
        (self.0 * 7 + 13) << 56
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl BuildHasher for OneChain {
    type Hasher = OneChainHasher;
    fn build_hasher(&self) -> OneChainHasher {
        OneChainHasher::default()
    }
}

/// An overwrite never moves its key to a slot a forward walk has passed:
/// an iterator past the chain's head still meets a key overwritten in the
/// chain's last bucket, although the head has dead slots ready for reuse.
#[test]
fn an_overwrite_never_moves_its_key_behind_an_iterator() {
    let mut map: HashMap<u64, u64, OneChain> = HashMap::with_capacity_and_hasher(64, OneChain);
    for k in 0..20 {
        map.insert(k, k);
    }
    for k in 0..4 {
        assert!(map.remove(&k));
    }
    // Two moves: the head's dead slots are past their grace.
    assert!(map.tick_reuse_clock() && map.tick_reuse_clock());
    map.check_invariants().unwrap();
    let mut seen = HashSet::new();
    {
        let mut it = map.iter();
        // The head's four live entries, then one of the next bucket.
        for r in it.by_ref().take(5) {
            seen.insert(*r.key());
        }
        assert!(!map.insert(19, 190), "an overwrite");
        assert!(map.insert(100, 1000), "a new key takes a head slot");
        seen.extend(it.map(|r| *r.key()));
    }
    for k in 4..20 {
        assert!(seen.contains(&k), "key {k} was present throughout but not yielded");
    }
    assert_eq!(map.get_cloned(&19), Some(190));
    map.check_invariants().unwrap();
}
