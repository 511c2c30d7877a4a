//! The fuzz harness: turns the fuzzer's bytes into operation sequences and
//! runs them on a `tophash::HashMap` (or `HashSet`) and on std's collection
//! in lockstep.
//!
//! The map targets reuse `tophash::testing`: its [`Op`] enum (every API call
//! as data) and its runner [`run`], which after *every* operation checks the
//! engine's invariants (`check_invariants`), that `len` equals what iteration
//! yields and that the entries equal the model's. On top of single calls the
//! decoder has macros that reach states random calls rarely do: a FIFO
//! (insert a fresh key, remove the oldest, which is what makes Go's same-size
//! growth fire) and bulk inserts or removes (large tables, mid-growth at a
//! high `B`). A few extra calls the `Op` enum lacks (stats, shape, bucket
//! views, observers, `into_keys`/`into_values`) are checked here.
//!
//! Every target is a plain function of `&[u8]`, so the same code runs under
//! libFuzzer (`fuzz_targets/*.rs` with `--cfg fuzzing`), in the corpus
//! replay test (`tests/corpus.rs`) and from the replay binaries (the same
//! targets built without `--cfg fuzzing`: `cargo run -p tophash-fuzz --bin
//! map_ops -- FILE_OR_DIR...`). Each returns the number of operations it
//! applied.
//!
//! The byte format is this crate's own (a first few configuration bytes, then
//! one opcode byte and its arguments per operation; reads past the end give
//! 0), so a committed corpus stays meaningful as long as this decoder does.
//! Changing the decoder invalidates the corpus's coverage, not its validity:
//! every input still decodes to *some* sequence.

use std::cell::Cell;
use std::collections::HashSet as StdSet;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use tophash::stats::Event;
use tophash::testing::{run, Big, Codec, Colliding, Fixed, Key, Lift, Observed, Op, Plain, SameTop, Val};
use tophash::{HashMap, HashSet, TryReserveError};

// ---------------------------------------------------------------------------
// Reading the input

/// The fuzzer's bytes as a stream of numbers; every read past the end is 0,
/// so any input decodes.
#[derive(Debug)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// The next four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A flag from one byte.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }
}

/// Key spaces a run draws from: tiny ones make every call hit an existing
/// key; the largest lets a table grow to `B` = 14.
const KEY_SPACES: [u32; 8] = [2, 8, 16, 64, 256, 1024, 4096, 65536];

/// One step of a decoded sequence.
#[derive(Clone, Debug)]
pub enum Step {
    /// Operations for [`run`].
    Ops(Vec<Op>),
    /// A call the `Op` enum lacks, checked by this harness.
    Extra(Extra),
}

/// Calls checked by this harness rather than by `tophash::testing::run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extra {
    /// `stats`, `shape`, `bucket_views`, `debug_internals`, compared with
    /// each other and with `len`, `capacity` and `allocated_bytes`.
    Introspect,
    /// Installs an observer that checks every event it is sent, or removes
    /// the one installed.
    ToggleObserver,
    /// `into_keys` and `into_values` of clones.
    IntoKeysValues,
}

/// How a decoder reads keys.
#[derive(Clone, Copy, Debug)]
pub struct Keys {
    space: u32,
}

impl Keys {
    /// Reads the key space from one byte.
    pub fn read(inp: &mut Input<'_>) -> Self {
        Keys { space: KEY_SPACES[inp.u8() as usize % KEY_SPACES.len()] }
    }

    fn key(self, inp: &mut Input<'_>) -> Key {
        (inp.u16() as u32 % self.space) as Key
    }

    fn wrap(self, k: u32) -> Key {
        (k % self.space) as Key
    }
}

/// Caps on the macros, per target.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most keys a bulk insert or remove touches.
    pub bulk: usize,
    /// Most steps of a FIFO.
    pub fifo: usize,
}

/// A scattering bijection of `t` (consecutive integers spread so evenly
/// under foldhash that a FIFO of them would never overflow a bucket).
fn scatter(t: u32) -> u32 {
    let k = t.wrapping_mul(0x9e37_79b1);
    k ^ (k >> 15)
}

fn value(inp: &mut Input<'_>) -> Val {
    // Small values half the time, so `AndModify` sums stay readable.
    let b = inp.u8();
    if b & 1 == 0 {
        (b >> 1) as Val
    } else {
        inp.u32()
    }
}

/// Decodes the rest of the input into steps (consecutive operations are
/// gathered into one `Step::Ops`).
pub fn decode(inp: &mut Input<'_>, keys: Keys, lim: Limits) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut ops = Vec::new();
    while !inp.is_empty() {
        let code = inp.u8();
        if let Some(extra) = decode_one(code, inp, keys, lim, &mut ops) {
            if !ops.is_empty() {
                steps.push(Step::Ops(std::mem::take(&mut ops)));
            }
            steps.push(Step::Extra(extra));
        }
    }
    if !ops.is_empty() {
        steps.push(Step::Ops(ops));
    }
    steps
}

fn decode_one(code: u8, inp: &mut Input<'_>, keys: Keys, lim: Limits, out: &mut Vec<Op>) -> Option<Extra> {
    let op = match code % 48 {
        0..=5 => Op::Insert(keys.key(inp), value(inp)),
        6 | 7 | 46 => Op::Remove(keys.key(inp)),
        8 => Op::RemoveEntry(keys.key(inp)),
        9 | 47 => Op::Get(keys.key(inp)),
        10 => Op::GetMut(keys.key(inp), value(inp)),
        11 => Op::GetKeyValue(keys.key(inp)),
        12 => Op::ContainsKey(keys.key(inp)),
        13 => Op::Index(keys.key(inp)),
        14 => Op::OrInsert(keys.key(inp), value(inp)),
        15 => Op::OrInsertWithKey(keys.key(inp)),
        16 => Op::AndModify(keys.key(inp), value(inp)),
        17 => Op::OrDefault(keys.key(inp)),
        18 => Op::InsertEntry(keys.key(inp), value(inp)),
        19 => Op::EntryRemove(keys.key(inp)),
        20 => Op::ReplaceKey(keys.key(inp)),
        21 => Op::TryInsert(keys.key(inp), value(inp)),
        22 => {
            let (k, stride, n, v) = (keys.key(inp) as u32, inp.u8() as u32 | 1, inp.u8() % 40, value(inp));
            Op::Extend((0..n as u32).map(|i| (keys.wrap(k + i * stride), v.wrapping_add(i))).collect())
        }
        23 => Op::Retain { modulus: inp.u8(), rem: inp.u8() % 8 },
        24 => Op::ExtractIf { modulus: inp.u8(), rem: inp.u8() % 8, take: inp.u8() },
        25 => Op::Drain { take: inp.u8() },
        26 => Op::Clear,
        27 => Op::Reserve(inp.u16()),
        // `try_reserve` only asks for sizes whose outcome std agrees on
        // (small, or impossible); the sizes in between are the hostile-size
        // tests' business (`crates/tophash/tests/hostile.rs`).
        28 => Op::TryReserve(match inp.u8() % 6 {
            0 => usize::MAX,
            1 => isize::MAX as usize,
            2 => (1 << 62) + inp.u8() as usize,
            _ => inp.u16() as usize,
        }),
        29 => Op::ShrinkTo(inp.u16()),
        30 => Op::ShrinkToFit,
        31 => Op::Evacuate(inp.u8()),
        32 => Op::EvacuateFor,
        33 => Op::AutoShrink(inp.bool()),
        34 => Op::FinishResize,
        35 => Op::Clone { replace: inp.bool() },
        36 => Op::CloneFrom { replace: inp.bool() },
        37 => Op::Iterate,
        38 => Op::IntoIter { take: inp.u8() },
        39 => Op::GetDisjointMut(keys.key(inp), keys.key(inp), value(inp)),
        40 => {
            // FIFO: step t inserts fresh key t and removes key t - window.
            let base = inp.u16() as u32;
            let window = 1 + inp.u8() as u32 % 64;
            let n = (inp.u16() as usize % lim.fifo) as u32;
            for t in 0..n {
                out.push(Op::Insert(keys.wrap(scatter(base + t)), t));
                if t >= window {
                    out.push(Op::Remove(keys.wrap(scatter(base + t - window))));
                }
            }
            return None;
        }
        41 | 42 => {
            // Bulk insert (one `extend`, or one insert per key when short)
            // or bulk remove.
            let (k, stride, n) = (keys.key(inp) as u32, inp.u8() as u32 | 1, inp.u16() as usize % lim.bulk);
            let ks = (0..n as u32).map(move |i| keys.wrap(k.wrapping_add(i.wrapping_mul(stride))));
            if code % 48 == 42 {
                // One check per remove: at most 256, or a large table makes
                // the input quadratic.
                out.extend(ks.take(256).map(Op::Remove));
            } else if n > 64 {
                out.push(Op::Extend(ks.map(|k| (k, k as Val)).collect()));
            } else {
                out.extend(ks.map(|k| Op::Insert(k, k as Val)));
            }
            return None;
        }
        43 => return Some(Extra::Introspect),
        44 => return Some(Extra::ToggleObserver),
        45 => return Some(Extra::IntoKeysValues),
        _ => unreachable!(),
    };
    out.push(op);
    None
}

// ---------------------------------------------------------------------------
// Running

/// Applies `steps` to `map` (and a std model inside [`run`]); returns what
/// the runs observed. Panics on any disagreement or broken invariant.
pub fn drive<K, V, S, C>(map: &mut HashMap<K, V, S>, steps: &[Step], codec: &C) -> Observed
where
    K: Hash + Eq + Clone + fmt::Debug,
    V: Clone + fmt::Debug,
    S: BuildHasher + Clone,
    C: Codec<K, V>,
{
    let mut obs = Observed::default();
    for step in steps {
        match step {
            Step::Ops(ops) => obs.merge(&run(ops, map, codec)),
            Step::Extra(e) => {
                extra(*e, map);
                obs.ops += 1;
            }
        }
    }
    obs
}

fn extra<K, V, S>(e: Extra, map: &mut HashMap<K, V, S>)
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher + Clone,
{
    match e {
        Extra::Introspect => {
            let s = map.stats();
            assert_eq!(s.len, map.len(), "stats().len");
            assert_eq!(s.capacity, map.capacity(), "stats().capacity");
            assert_eq!(s.allocated_bytes, map.allocated_bytes(), "stats().allocated_bytes");
            assert_eq!(s.resize.is_some(), map.is_resizing(), "stats().resize");
            assert!(s.capacity >= s.len, "{s:?}");
            let shape = map.shape();
            assert_eq!(shape.len, map.len(), "shape().len");
            let used: usize = shape.slots_used.iter().enumerate().map(|(n, c)| n * c).sum();
            assert_eq!(used, map.len(), "shape().slots_used");
            let views = map.bucket_views();
            let live: usize = views.iter().map(|v| v.occupied()).sum();
            assert_eq!(live, map.len(), "bucket_views() live slots");
            if map.len() <= 256 {
                let text = map.debug_internals().to_string();
                assert!(!text.is_empty());
            }
        }
        Extra::ToggleObserver => {
            if map.set_observer(None).is_none() {
                map.set_observer(Some(Box::new(check_event)));
            }
        }
        Extra::IntoKeysValues => {
            let n = map.len();
            assert_eq!(map.clone().into_keys().count(), n, "into_keys");
            assert_eq!(map.clone().into_values().count(), n, "into_values");
        }
    }
}

/// The observer installed by [`Extra::ToggleObserver`]: every event must be
/// self-consistent.
fn check_event(e: &Event) {
    match *e {
        Event::Evacuated { evacuated, total, entries, old_bucket } => {
            assert!(evacuated >= 1 && evacuated <= total && old_bucket < total, "{e:?}");
            // An old chain cannot hold more entries than the whole table.
            assert!(entries <= total.saturating_mul(8 * 64), "{e:?}");
        }
        Event::ResizeStart { old_b, new_b, .. } => assert!(old_b < 64 && new_b < 64, "{e:?}"),
        _ => {}
    }
}

fn start<K, V, S>(inp: &mut Input<'_>, s: S, max_cap: u16) -> HashMap<K, V, S> {
    match inp.u8() % 4 {
        0 => HashMap::with_capacity_and_hasher((inp.u16() % max_cap) as usize, s),
        _ => HashMap::with_hasher(s),
    }
}

/// Counts executions and operations, and writes the totals to the file
/// named by `TOPHASH_FUZZ_STATS` (every 64 executions) for `scripts/fuzz.sh`.
pub fn record(ops: usize) {
    static EXECS: AtomicU64 = AtomicU64::new(0);
    static OPS: AtomicU64 = AtomicU64::new(0);
    let e = EXECS.fetch_add(1, Ordering::Relaxed) + 1;
    let o = OPS.fetch_add(ops as u64, Ordering::Relaxed) + ops as u64;
    if e % 64 == 1 {
        if let Some(path) = std::env::var_os("TOPHASH_FUZZ_STATS") {
            // Best effort: a failed write only loses the count.
            let _ = std::fs::write(path, format!("{e} {o}\n"));
        }
    }
}

// ---------------------------------------------------------------------------
// The targets

/// `HashMap<u16, u32>` with a deterministic foldhash seed from the input:
/// every call, any key space, new or `with_capacity`.
pub fn map_ops(data: &[u8]) -> usize {
    let mut inp = Input::new(data);
    let seed = inp.u8() as u64;
    let mut map: HashMap<u16, u32, Fixed> = start(&mut inp, Fixed(seed), 2048);
    let keys = Keys::read(&mut inp);
    let steps = decode(&mut inp, keys, Limits { bulk: 1024, fifo: 1024 });
    drive(&mut map, &steps, &Plain).ops
}

/// Colliding hashers: keys fall into at most 2^6 chains whatever the table
/// size (long overflow chains, same-size growth), or also share one tophash
/// byte (every slot compared by key).
pub fn collide(data: &[u8]) -> usize {
    let mut inp = Input::new(data);
    let pick = inp.u8();
    let bits = (pick >> 2) as u32 % 7;
    let same_top = pick & 1 == 1;
    let keys = Keys { space: KEY_SPACES[inp.u8() as usize % 6] };
    let lim = Limits { bulk: 512, fifo: 1024 };
    if same_top {
        let mut map: HashMap<u16, u32, SameTop> = start(&mut inp, SameTop { bucket_bits: bits }, 512);
        let steps = decode(&mut inp, keys, lim);
        drive(&mut map, &steps, &Plain).ops
    } else {
        let mut map: HashMap<u16, u32, Colliding> = start(&mut inp, Colliding { bucket_bits: bits }, 512);
        let steps = decode(&mut inp, keys, lim);
        drive(&mut map, &steps, &Plain).ops
    }
}

/// Key and value types: zero-sized keys and/or values, `String`s, 512-byte
/// values, a padded pair (split layout), and drop-counted heap-owning
/// values (every value created is dropped exactly once by the end).
pub fn types(data: &[u8]) -> usize {
    let mut inp = Input::new(data);
    let pick = inp.u8();
    let keys = Keys::read(&mut inp);
    let lim = Limits { bulk: 256, fifo: 512 };
    let s = Fixed(pick as u64 >> 3);
    macro_rules! go {
        ($k:ty, $v:ty) => {
            go!($k, $v; Plain)
        };
        ($k:ty, $v:ty; $codec:expr) => {{
            let mut map: HashMap<$k, $v, Fixed> = start(&mut inp, s, 512);
            let steps = decode(&mut inp, keys, lim);
            drive(&mut map, &steps, &$codec).ops
        }};
    }
    match pick % 8 {
        0 => go!((), ()),
        1 => go!(u16, ()),
        2 => go!((), u32),
        3 => go!(String, String; NoDefault),
        4 => go!(u64, Byte),
        5 => go!(u16, Big),
        6 => {
            let before = Counted::live();
            let ops = go!(Counted, Counted);
            assert_eq!(Counted::live(), before, "every Counted value is dropped exactly once");
            ops
        }
        _ => go!(String, u64),
    }
}

/// Large tables: bulk inserts of up to 16,384 keys into `u64 → u64` or
/// `u16 → Big` maps (512-byte values, so that even a few thousand entries
/// take arrays large enough to be mapped from the OS and handed back page by
/// page as evacuation passes them), then any call mid-growth.
pub fn large(data: &[u8]) -> usize {
    let mut inp = Input::new(data);
    let pick = inp.u8();
    let s = Fixed(pick as u64 >> 1);
    let keys = Keys { space: KEY_SPACES[4 + inp.u8() as usize % 4] };
    let lim = Limits { bulk: 16384, fifo: 256 };
    if pick & 1 == 0 {
        let mut map: HashMap<u64, u64, Fixed> = start(&mut inp, s, u16::MAX);
        let steps = decode(&mut inp, keys, lim);
        drive(&mut map, &steps, &Plain).ops
    } else {
        let mut map: HashMap<u16, Big, Fixed> = start(&mut inp, s, 8192);
        let steps = decode(&mut inp, keys, lim);
        drive(&mut map, &steps, &Plain).ops
    }
}

/// The codec for [`Lift`] types whose `Default` does not lower to 0
/// (`String`): `Entry::or_default` is run as `or_insert_with(lift(0))`.
#[derive(Clone, Copy, Debug)]
pub struct NoDefault;

impl<K: Lift, V: Lift> Codec<K, V> for NoDefault {
    fn key(&self, k: Key) -> K {
        K::lift(k as u32)
    }
    fn key_of(&self, k: &K) -> Key {
        k.lower() as Key
    }
    fn val(&self, v: Val) -> V {
        V::lift(v)
    }
    fn val_of(&self, v: &V) -> Val {
        v.lower()
    }
}

/// A one-byte value: `(u64, Byte)` would pad, so the engine stores keys and
/// values in separate arrays (Go's layout).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Byte(pub u8);

impl Lift for Byte {
    fn lift(x: u32) -> Self {
        Byte(x as u8)
    }
    fn lower(&self) -> u32 {
        self.0 as u32
    }
}

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

/// A key or value that owns a heap allocation and counts live instances:
/// a leak shows in [`Counted::live`], a double drop as a double free (the
/// allocator aborts) or a negative count, a read of a dropped value as a
/// torn id.
pub struct Counted {
    id: u32,
    heap: Box<u32>,
}

impl Counted {
    /// Instances alive on this thread.
    pub fn live() -> isize {
        LIVE.with(|l| l.get())
    }

    fn new(id: u32) -> Self {
        LIVE.with(|l| l.set(l.get() + 1));
        Counted { id, heap: Box::new(id) }
    }
}

impl Lift for Counted {
    fn lift(x: u32) -> Self {
        Counted::new(x)
    }
    fn lower(&self) -> u32 {
        assert_eq!(*self.heap, self.id, "a Counted value was torn");
        self.id
    }
}

impl Default for Counted {
    fn default() -> Self {
        Counted::new(0)
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted::new(self.lower())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        LIVE.with(|l| l.set(l.get() - 1));
    }
}

impl PartialEq for Counted {
    fn eq(&self, o: &Self) -> bool {
        self.lower() == o.lower()
    }
}

impl Eq for Counted {}

impl Hash for Counted {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.lower().hash(h);
    }
}

impl fmt::Debug for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "C{}", self.id)
    }
}

// ---------------------------------------------------------------------------
// HashSet

/// `HashSet<u16>` against std's `HashSet`: two sets, every set call and the
/// set algebra between them (the set is a thin layer over the map, so this
/// mainly checks that layer).
pub fn set_ops(data: &[u8]) -> usize {
    let mut inp = Input::new(data);
    let s = Fixed(inp.u8() as u64);
    let keys = Keys::read(&mut inp);
    let mut sets: [HashSet<u16, Fixed>; 2] = [HashSet::with_hasher(s), HashSet::with_hasher(s)];
    let mut models: [StdSet<u16>; 2] = [StdSet::new(), StdSet::new()];
    let mut ops = 0;
    while !inp.is_empty() {
        let code = inp.u8();
        let w = (code >> 7) as usize;
        let k = keys.key(&mut inp);
        set_op(code & 0x7f, k, &mut inp, keys, w, &mut sets, &mut models);
        ops += 1;
        for (set, model) in sets.iter().zip(&models) {
            check_set(set, model);
        }
    }
    ops
}

#[allow(clippy::too_many_arguments)]
fn set_op(
    code: u8,
    k: u16,
    inp: &mut Input<'_>,
    keys: Keys,
    w: usize,
    sets: &mut [HashSet<u16, Fixed>; 2],
    models: &mut [StdSet<u16>; 2],
) {
    let (a, b) = (&sets[w], &sets[1 - w]);
    let (ma, mb) = (&models[w], &models[1 - w]);
    let sorted = |it: &mut dyn Iterator<Item = u16>| {
        let mut v: Vec<u16> = it.collect();
        v.sort_unstable();
        v
    };
    match code % 24 {
        0..=5 => assert_eq!(sets[w].insert(k), models[w].insert(k)),
        6..=8 => assert_eq!(sets[w].remove(&k), models[w].remove(&k)),
        9 => assert_eq!(sets[w].take(&k), models[w].take(&k)),
        10 => assert_eq!(sets[w].replace(k), models[w].replace(k)),
        11 => {
            assert_eq!(a.contains(&k), ma.contains(&k));
            assert_eq!(a.get(&k), ma.get(&k));
        }
        12 => {
            assert_eq!(*sets[w].get_or_insert(k), k);
            models[w].insert(k);
            assert_eq!(*sets[w].get_or_insert_with(&k.wrapping_add(1), |&x| x), k.wrapping_add(1));
            models[w].insert(k.wrapping_add(1));
        }
        13 => {
            assert_eq!(sorted(&mut a.union(b).copied()), sorted(&mut ma.union(mb).copied()));
            assert_eq!(sorted(&mut a.intersection(b).copied()), sorted(&mut ma.intersection(mb).copied()));
            assert_eq!(sorted(&mut a.difference(b).copied()), sorted(&mut ma.difference(mb).copied()));
            let (x, y) = (a.symmetric_difference(b).copied(), ma.symmetric_difference(mb).copied());
            assert_eq!(sorted(&mut { x }), sorted(&mut { y }));
            assert_eq!(a.is_subset(b), ma.is_subset(mb));
            assert_eq!(a.is_superset(b), ma.is_superset(mb));
            assert_eq!(a.is_disjoint(b), ma.is_disjoint(mb));
            assert_eq!(a == b, ma == mb);
        }
        14 => {
            let u = match inp.u8() % 4 {
                0 => a | b,
                1 => a & b,
                2 => a ^ b,
                _ => a - b,
            };
            let (mu, mut ours) = (u.len(), sorted(&mut u.into_iter()));
            ours.dedup();
            assert_eq!(ours.len(), mu);
        }
        15 => {
            let m = 1 + inp.u8() as u16 % 7;
            let r = k % m;
            sets[w].retain(|&x| x % m != r);
            models[w].retain(|&x| x % m != r);
        }
        16 => {
            let m = 1 + inp.u8() as u16 % 7;
            let r = k % m;
            let take = inp.u8() as usize;
            let got: Vec<u16> = sets[w].extract_if(|&x| x % m == r).take(take).collect();
            for x in &got {
                assert_eq!(x % m, r);
                assert!(models[w].remove(x), "extract_if yielded {x}");
            }
        }
        17 => {
            let take = inp.u8() as usize;
            let got: Vec<u16> = sets[w].drain().take(take).collect();
            assert!(got.iter().all(|x| models[w].contains(x)));
            models[w].clear();
        }
        18 => match inp.u8() % 5 {
            0 => sets[w].reserve(k as usize),
            1 => assert_eq!(sets[w].try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow)),
            2 => sets[w].shrink_to(k as usize),
            3 => sets[w].shrink_to_fit(),
            _ => {
                sets[w].clear();
                models[w].clear();
            }
        },
        19 => {
            let n = inp.u8() as usize;
            let moved = sets[w].evacuate(n);
            assert!(moved <= n);
            if inp.bool() {
                sets[w].finish_resize();
                assert!(!sets[w].is_resizing());
            }
        }
        20 => {
            // Bulk: extend by a run of keys.
            let (stride, n) = (inp.u8() as u32 | 1, inp.u16() % 512);
            let ks: Vec<u16> = (0..n as u32).map(|i| keys.wrap(k as u32 + i * stride)).collect();
            sets[w].extend(ks.iter().copied());
            models[w].extend(ks.iter().copied());
            sets[w].extend(&ks[..ks.len() / 2]);
        }
        21 => {
            let c = sets[w].clone();
            assert_eq!(c, sets[w]);
            if inp.bool() {
                sets[1 - w].clone_from(&c);
                models[1 - w] = models[w].clone();
            }
        }
        22 => {
            let all: Vec<u16> = sets[w].clone().into_iter().collect();
            assert_eq!(all.len(), models[w].len());
            let f: HashSet<u16, Fixed> = all.iter().copied().collect();
            assert_eq!(f.len(), all.len());
        }
        _ => {
            assert_eq!(sorted(&mut sets[w].iter().copied()), sorted(&mut models[w].iter().copied()));
        }
    }
}

fn check_set(set: &HashSet<u16, Fixed>, model: &StdSet<u16>) {
    assert_eq!(set.len(), model.len());
    assert_eq!(set.is_empty(), model.is_empty());
    assert!(set.capacity() >= set.len());
    let mut n = 0;
    for x in set {
        assert!(model.contains(x), "set yields {x}, which the model lacks");
        n += 1;
    }
    assert_eq!(n, model.len(), "set iteration");
}

// ---------------------------------------------------------------------------
// Replaying

/// The `main` of a target built without `--cfg fuzzing`: replays every file
/// named on the command line (directories: every file in them) and prints
/// how many inputs and operations ran.
pub fn replay_main(name: &str, target: fn(&[u8]) -> usize) {
    let mut files = Vec::new();
    for arg in std::env::args_os().skip(1) {
        let p = std::path::PathBuf::from(arg);
        if p.is_dir() {
            let mut v: Vec<_> = std::fs::read_dir(&p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .map(|e| e.expect("a directory entry").path())
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            files.extend(v);
        } else {
            files.push(p);
        }
    }
    let mut ops = 0;
    for f in &files {
        let data = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        ops += target(&data);
    }
    println!("{name}: {} inputs, {ops} operations, all clean", files.len());
}

/// A fuzz target: runs one input, returns the operations applied.
pub type Target = fn(&[u8]) -> usize;

/// Every target by name, for the replay test and tools.
pub const TARGETS: &[(&str, Target)] =
    &[("map_ops", map_ops), ("collide", collide), ("types", types), ("large", large), ("set_ops", set_ops)];
