//! The map targets: a decoder from bytes to [`Op`] sequences (plus a few
//! calls the `Op` enum lacks, checked here), and the targets `map_ops`,
//! `collide`, `types` and `large`, which run them through
//! `tophash::testing::run`.

use std::fmt;
use std::hash::{BuildHasher, Hash};

use tophash::stats::Event;
use tophash::testing::{run, Big, CapacityOp, Codec, Colliding, Fixed, Observed, Op, Plain, SameTop, Val};
use tophash::HashMap;

use crate::input::{scatter, value, Input, Keys, Limits, KEY_SPACES};
use crate::types::{Byte, Counted};

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
        27 => Op::Capacity(CapacityOp::Reserve(inp.u16())),
        // `try_reserve` only asks for sizes whose outcome std agrees on
        // (small, or impossible); the sizes in between are the hostile-size
        // tests' business (`crates/tophash/tests/hostile.rs`).
        28 => Op::Capacity(CapacityOp::TryReserve(match inp.u8() % 6 {
            0 => usize::MAX,
            1 => isize::MAX as usize,
            2 => (1 << 62) + inp.u8() as usize,
            _ => inp.u16() as usize,
        })),
        29 => Op::Capacity(CapacityOp::ShrinkTo(inp.u16())),
        30 => Op::Capacity(CapacityOp::ShrinkToFit),
        31 => Op::Capacity(CapacityOp::Evacuate(inp.u8())),
        32 => Op::EvacuateFor,
        33 => Op::AutoShrink(inp.bool()),
        34 => Op::Capacity(CapacityOp::FinishResize),
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
        ($k:ty, $v:ty) => {{
            let mut map: HashMap<$k, $v, Fixed> = start(&mut inp, s, 512);
            let steps = decode(&mut inp, keys, lim);
            drive(&mut map, &steps, &Plain).ops
        }};
    }
    match pick % 8 {
        0 => go!((), ()),
        1 => go!(u16, ()),
        2 => go!((), u32),
        3 => go!(String, String),
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
