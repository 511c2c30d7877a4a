//! The set target: a decoder from bytes to [`SetOp`] sequences for the one
//! set oracle, `tophash::testing::run_set`, which the set's unit and
//! property tests drive too.
//!
//! The byte format predates the shared runner and is kept, so the committed
//! corpus (`corpus/set_ops/`) keeps its meaning: a seed byte, a key-space
//! byte, then per operation an opcode byte whose top bit picks one of two
//! sets (the decoder emits [`SetOp::SwapSets`] when it changes), a two-byte
//! key and the opcode's own bytes. Each element's tag is its operation's
//! index, so equal elements from different calls differ.

use tophash::testing::{run_set, CapacityOp, Fixed, Key, SetOp, SetOperator, Val};
use tophash::HashSet;

use crate::input::{Input, Keys};

/// `HashSet<Tagged>` against std's `HashSet`: two sets, every set call and
/// the set algebra between them (the set is a thin layer over the map, so
/// this mainly checks that layer).
pub fn set_ops(data: &[u8]) -> usize {
    let mut inp = Input::new(data);
    let s = Fixed(inp.u8() as u64);
    let keys = Keys::read(&mut inp);
    let ops = decode_set(&mut inp, keys);
    run_set(&ops, &mut [HashSet::with_hasher(s), HashSet::with_hasher(s)]);
    ops.len()
}

/// Decodes the rest of the input into set operations.
pub fn decode_set(inp: &mut Input<'_>, keys: Keys) -> Vec<SetOp> {
    let mut ops = Vec::new();
    let mut current = 0;
    while !inp.is_empty() {
        let code = inp.u8();
        let which = code >> 7;
        if which != current {
            ops.push(SetOp::SwapSets);
            current = which;
        }
        let k = keys.key(inp);
        let tag = ops.len() as Val;
        decode_one(code & 0x7f, k, tag, inp, keys, &mut ops);
    }
    ops
}

fn decode_one(code: u8, k: Key, tag: Val, inp: &mut Input<'_>, keys: Keys, out: &mut Vec<SetOp>) {
    let op = match code % 24 {
        0..=5 => SetOp::Insert(k, tag),
        6..=8 => SetOp::Remove(k),
        9 => SetOp::Take(k),
        10 => SetOp::Replace(k, tag),
        11 => {
            out.push(SetOp::Contains(k));
            SetOp::Get(k)
        }
        12 => {
            out.push(SetOp::GetOrInsert(k, tag));
            SetOp::GetOrInsertWith(k.wrapping_add(1), tag)
        }
        13 => SetOp::Algebra,
        14 => SetOp::Operator(
            [SetOperator::Or, SetOperator::And, SetOperator::Xor, SetOperator::Sub][inp.u8() as usize % 4],
        ),
        15 | 16 => {
            let m = 1 + inp.u8() % 7;
            let rem = (k % m as Key) as u8;
            if code % 24 == 15 {
                SetOp::Retain { modulus: m, rem }
            } else {
                SetOp::ExtractIf { modulus: m, rem, take: inp.u8() }
            }
        }
        17 => SetOp::Drain { take: inp.u8() },
        18 => match inp.u8() % 5 {
            0 => SetOp::Capacity(CapacityOp::Reserve(k)),
            1 => SetOp::Capacity(CapacityOp::TryReserve(usize::MAX)),
            2 => SetOp::Capacity(CapacityOp::ShrinkTo(k)),
            3 => SetOp::Capacity(CapacityOp::ShrinkToFit),
            _ => SetOp::Clear,
        },
        19 => {
            out.push(SetOp::Capacity(CapacityOp::Evacuate(inp.u8())));
            if !inp.bool() {
                return;
            }
            SetOp::Capacity(CapacityOp::FinishResize)
        }
        20 => {
            // Bulk: extend by a run of keys, then by reference with its
            // first half again.
            let (stride, n) = (inp.u8() as u32 | 1, inp.u16() % 512);
            let elems: Vec<(Key, Val)> = (0..n as u32).map(|i| (keys.wrap(k as u32 + i * stride), tag)).collect();
            let half = elems[..elems.len() / 2].to_vec();
            out.push(SetOp::Extend { elems, borrowed: false });
            SetOp::Extend { elems: half, borrowed: true }
        }
        21 => {
            out.push(SetOp::Clone { replace: false });
            if !inp.bool() {
                return;
            }
            SetOp::CloneIntoOther
        }
        22 => SetOp::IntoIter { take: k as u8 },
        _ => SetOp::Iterate,
    };
    out.push(op);
}
