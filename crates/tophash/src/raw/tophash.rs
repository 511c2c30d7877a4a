//! The tophash byte, its reserved values, and SWAR matching of a bucket's
//! eight tophash bytes as one `u64`.
//!
//! Go's `tophash` array doubles as the slot state: values below
//! [`MIN_TOPHASH`] are states, values from it up are the top byte of a live
//! entry's hash. This module defines that encoding, its names and the
//! group matches over it; the rest of the engine compares bytes with these
//! names only (`grow.rs` and `bucket.rs` order them: a byte below
//! `EVACUATED_X` is empty, below `MIN_TOPHASH` a state), and the public API
//! sees them as `SlotState`.

use crate::types::SlotState;

/// Slot is empty and so is every higher slot of this bucket and every slot of
/// its overflow buckets (Go's `emptyRest`). Zero, so a zeroed allocation is a
/// table of empty buckets.
pub(crate) const EMPTY_REST: u8 = 0;
/// Slot is empty; live entries may follow it (Go's `emptyOne`).
pub(crate) const EMPTY_ONE: u8 = 1;
/// Old-array slot whose entry moved to the destination bucket with the same
/// index in the new array (Go's `evacuatedX`, the "low half").
pub(crate) const EVACUATED_X: u8 = 2;
/// Old-array slot whose entry moved to a destination with another index
/// (Go's `evacuatedY`; on doubling, the "high half" at `index + old_len`).
pub(crate) const EVACUATED_Y: u8 = 3;
/// Old-array slot that was empty when its bucket was evacuated (Go's
/// `evacuatedEmpty`).
pub(crate) const EVACUATED_EMPTY: u8 = 4;
/// Smallest tophash of a live entry (Go's `minTopHash`).
pub(crate) const MIN_TOPHASH: u8 = 5;

/// Number of slots in a bucket (Go's `bucketCnt`).
pub(crate) const BUCKET_SLOTS: usize = 8;

/// The tophash of a hash: its top byte, moved past the reserved states
/// (Go's `tophash`: below `MIN_TOPHASH`, add `MIN_TOPHASH`).
#[inline(always)]
pub(crate) fn tophash(hash: u64) -> u8 {
    tag(hash).byte()
}

/// A hash's tophash repeated in all eight bytes of a word: what a group
/// match compares a bucket's header against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tag(u64);

impl Tag {
    /// `top` in every byte.
    #[inline(always)]
    pub(crate) const fn splat(top: u8) -> Tag {
        Tag(0x0101_0101_0101_0101 * top as u64)
    }

    /// The tophash byte itself.
    #[inline(always)]
    pub(crate) fn byte(self) -> u8 {
        self.0 as u8
    }
}

/// The tag of a hash, read from a table of 256 words (2 KiB) rather than
/// computed. Computing it cost every lookup the remap (LLVM: shift, add,
/// compare, zero-extend, conditional move) and the byte's broadcast into a
/// vector register (`movd`, `punpcklbw`, `pshuflw`, `pshufd`); the table
/// costs a shift and one load straight into the register. The table is a
/// `const`, not a `static`: another crate's static is reached through the
/// GOT in a position-independent binary, one more load on the path.
/// Callgrind, 1M random u64 keys, foldhash: 41.6 -> 38.6 instructions per
/// hit, 37.6 -> 34.5 per miss (from a 256-byte table of bytes).
#[inline(always)]
pub(crate) fn tag(hash: u64) -> Tag {
    Tag(TAGS[(hash >> 56) as usize])
}

/// `TAGS[top]` is the tag of a hash whose top byte is `top`.
const TAGS: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let top = if i < MIN_TOPHASH as usize { i as u8 + MIN_TOPHASH } else { i as u8 };
        t[i] = Tag::splat(top).0;
        i += 1;
    }
    t
};

/// What a tophash byte says, in the public vocabulary.
pub(crate) fn slot_state(b: u8) -> SlotState {
    match b {
        EMPTY_REST => SlotState::EmptyRest,
        EMPTY_ONE => SlotState::EmptyOne,
        EVACUATED_X => SlotState::EvacuatedX,
        EVACUATED_Y => SlotState::EvacuatedY,
        EVACUATED_EMPTY => SlotState::EvacuatedEmpty,
        h => SlotState::Occupied(h),
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(crate) use sse2::{run_full, Group};
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
pub(crate) use swar::{run_full, Group};

/// SSE2 (every x86_64 CPU has it): the eight tophash bytes in the low half
/// of an XMM register; one compare and one `pmovmskb` answer a question
/// about all eight slots, one bit per slot. Measured on lookups of 1M u64
/// keys with callgrind, this is several instructions shorter than SWAR,
/// which needs a multiply to broadcast the byte and five ops per mask.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_cvtsi128_si64, _mm_cvtsi64_si128, _mm_loadu_si128, _mm_max_epu8,
        _mm_movemask_epi8, _mm_set1_epi8, _mm_setzero_si128,
    };

    use super::{Tag, BUCKET_SLOTS, EMPTY_REST, MIN_TOPHASH};

    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Group(__m128i);

    impl Group {
        #[inline(always)]
        pub(crate) fn load(bytes: &[u8; BUCKET_SLOTS]) -> Group {
            // SAFETY: this module is compiled only when SSE2 is enabled for
            // the whole build, so the instruction exists.
            Group(unsafe { _mm_cvtsi64_si128(i64::from_le_bytes(*bytes)) })
        }

        /// Slots whose tophash is `tag`'s byte.
        #[inline(always)]
        pub(crate) fn match_byte(self, tag: Tag) -> BitMask {
            // SAFETY: SSE2 is enabled for the build (module cfg). The upper
            // halves of both registers are zero and compare equal: the cast
            // to `u8` keeps the eight slots' bits only.
            BitMask(unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(self.0, _mm_cvtsi64_si128(tag.0 as i64))) } as u8)
        }

        /// Whether slot 7 is `EMPTY_REST` (which, by invariant 2, ends the
        /// chain).
        #[inline(always)]
        pub(crate) fn last_is_empty_rest(self) -> bool {
            // SAFETY: SSE2 is enabled for the build (module cfg).
            (unsafe { _mm_cvtsi128_si64(self.0) } as u64) >> 56 == u64::from(EMPTY_REST)
        }

        /// Slots holding a live entry (tophash >= `MIN_TOPHASH`, unsigned).
        #[inline(always)]
        pub(crate) fn match_full(self) -> BitMask {
            let x = self.0;
            // SAFETY: SSE2 is enabled for the build (module cfg).
            let m = unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(MIN_TOPHASH as i8)), x)) };
            BitMask(m as u8)
        }

        /// Slots that can take an insert (in a live bucket, the empty ones).
        #[inline(always)]
        pub(crate) fn match_empty(self) -> BitMask {
            BitMask(!self.match_full().0)
        }

        /// Slots marked `emptyRest` (zero).
        #[inline(always)]
        pub(crate) fn match_empty_rest(self) -> BitMask {
            // SAFETY: SSE2 is enabled for the build (module cfg).
            BitMask(unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(self.0, _mm_setzero_si128())) } as u8)
        }
    }

    /// The live slots of eight consecutive headers (a run of main buckets)
    /// as one mask, bit `8k + j` for slot `j` of the `k`th: four 16-byte
    /// compares, where eight `match_full`s load and compare a header each.
    /// A fold over 1K u64 entries: 0.90 -> 0.84 ns an entry.
    #[inline(always)]
    pub(crate) fn run_full(bytes: &[u8; 8 * BUCKET_SLOTS]) -> u64 {
        let mut m = 0u64;
        for q in 0..4 {
            // SAFETY: SSE2 is enabled for the build (module cfg); the 16
            // bytes at `16 * q` lie inside the 64-byte array (an unaligned
            // load).
            let f = unsafe {
                let x = _mm_loadu_si128(bytes.as_ptr().add(16 * q).cast::<__m128i>());
                _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(MIN_TOPHASH as i8)), x))
            };
            m |= u64::from(f as u16) << (16 * q);
        }
        m
    }

    /// A set of slot indices, bit `i` for slot `i`; iterates lowest first.
    /// A `u8`: every `pmovmskb` result is cut to the eight slots' bits (the
    /// upper half of a group register is zero and must not count) by a
    /// cast, which costs no instruction, where a mask costs one.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) struct BitMask(pub(crate) u8);

    impl BitMask {
        #[inline(always)]
        pub(crate) fn lowest(self) -> Option<usize> {
            if self.0 == 0 {
                None
            } else {
                Some(self.0.trailing_zeros() as usize)
            }
        }

        /// The mask without its lowest set bit.
        #[inline(always)]
        pub(crate) fn without_lowest(self) -> BitMask {
            BitMask(self.0 & self.0.wrapping_sub(1))
        }

        /// How many slots the set holds.
        #[inline(always)]
        pub(crate) fn len(self) -> usize {
            self.0.count_ones() as usize
        }

        /// The lowest slot *not* in the set, or `BUCKET_SLOTS` if all are:
        /// of `match_full`, the first empty slot, in two instructions.
        #[inline(always)]
        pub(crate) fn lowest_unset(self) -> usize {
            (!u32::from(self.0)).trailing_zeros() as usize
        }

        /// The set as eight bits, bit `i` for slot `i` (to pack several
        /// buckets' masks into one word).
        #[inline(always)]
        pub(crate) fn byte(self) -> u8 {
            self.0
        }
    }

    impl Iterator for BitMask {
        type Item = usize;

        #[inline(always)]
        fn next(&mut self) -> Option<usize> {
            let i = self.lowest()?;
            *self = self.without_lowest();
            Some(i)
        }
    }
}

/// The portable fallback: the eight tophash bytes as one little-endian
/// word (SWAR). Every mask is *exact*: bit `8*i+7` is set iff slot `i`
/// answers yes, with no false positives from borrows between bytes.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
mod swar {
    use super::{Tag, BUCKET_SLOTS, EMPTY_REST, MIN_TOPHASH};

    const LSB: u64 = 0x0101_0101_0101_0101;
    const MSB: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Group(u64);

    impl Group {
        #[inline(always)]
        pub(crate) fn load(bytes: &[u8; BUCKET_SLOTS]) -> Group {
            Group(u64::from_le_bytes(*bytes))
        }

        /// High bit of each byte that is zero.
        #[inline(always)]
        fn zero_bytes(x: u64) -> u64 {
            // (b & 0x7f) + 0x7f sets the high bit iff the low seven bits are
            // not all zero, and cannot carry into the next byte; or-ing `x`
            // adds the byte's own high bit. So the high bit is clear exactly
            // for b == 0.
            !(((x & LOW7).wrapping_add(LOW7)) | x) & MSB
        }

        /// Slots whose tophash is `tag`'s byte.
        #[inline(always)]
        pub(crate) fn match_byte(self, tag: Tag) -> BitMask {
            BitMask(Self::zero_bytes(self.0 ^ tag.0))
        }

        /// Whether slot 7 is `EMPTY_REST` (which, by invariant 2, ends the
        /// chain).
        #[inline(always)]
        pub(crate) fn last_is_empty_rest(self) -> bool {
            self.0 >> 56 == u64::from(EMPTY_REST)
        }

        /// Slots holding a live entry (tophash >= `MIN_TOPHASH`).
        #[inline(always)]
        pub(crate) fn match_full(self) -> BitMask {
            // With every byte's high bit forced on, subtracting 5 cannot
            // borrow across bytes; the high bit survives iff the low seven
            // bits are >= 5. Or-ing `x` keeps bytes that were >= 0x80.
            let x = self.0;
            BitMask((x | ((x | MSB).wrapping_sub(LSB * MIN_TOPHASH as u64))) & MSB)
        }

        /// Slots that can take an insert (in a live bucket, the empty ones).
        #[inline(always)]
        pub(crate) fn match_empty(self) -> BitMask {
            BitMask(!self.match_full().0 & MSB)
        }

        /// Slots marked `emptyRest`.
        #[inline(always)]
        pub(crate) fn match_empty_rest(self) -> BitMask {
            BitMask(Self::zero_bytes(self.0))
        }
    }

    /// The live slots of eight consecutive headers as one mask, bit `8k + j`
    /// for slot `j` of the `k`th.
    #[inline(always)]
    pub(crate) fn run_full(bytes: &[u8; 8 * BUCKET_SLOTS]) -> u64 {
        let mut m = 0u64;
        for (k, h) in bytes.chunks_exact(BUCKET_SLOTS).enumerate() {
            let g = Group(u64::from_le_bytes(h.try_into().expect("chunks of eight")));
            m |= u64::from(g.match_full().byte()) << (BUCKET_SLOTS * k);
        }
        m
    }

    /// A set of slot indices, one per byte's high bit; iterates lowest first.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) struct BitMask(pub(crate) u64);

    impl BitMask {
        #[inline(always)]
        pub(crate) fn lowest(self) -> Option<usize> {
            if self.0 == 0 {
                None
            } else {
                Some(self.0.trailing_zeros() as usize / 8)
            }
        }

        /// The mask without its lowest set bit.
        #[inline(always)]
        pub(crate) fn without_lowest(self) -> BitMask {
            BitMask(self.0 & self.0.wrapping_sub(1))
        }

        /// How many slots the set holds.
        #[inline(always)]
        pub(crate) fn len(self) -> usize {
            self.0.count_ones() as usize
        }

        /// The lowest slot *not* in the set, or `BUCKET_SLOTS` if all are.
        #[inline(always)]
        pub(crate) fn lowest_unset(self) -> usize {
            (!self.0 & MSB).trailing_zeros() as usize / 8
        }

        /// The set as eight bits, bit `i` for slot `i`: the multiply moves
        /// byte `i`'s bit (at `8i` after the shift) to bit `56 + i`, and no
        /// two partial products meet there.
        #[inline(always)]
        pub(crate) fn byte(self) -> u8 {
            ((self.0 >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
        }
    }

    impl Iterator for BitMask {
        type Item = usize;

        #[inline(always)]
        fn next(&mut self) -> Option<usize> {
            let i = self.lowest()?;
            *self = self.without_lowest();
            Some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// The naive oracle: one byte at a time.
    fn naive(bytes: [u8; 8], pred: impl Fn(u8) -> bool) -> Vec<usize> {
        (0..8).filter(|&i| pred(bytes[i])).collect()
    }

    fn patterns() -> Vec<[u8; 8]> {
        let interesting = [0u8, 1, 2, 3, 4, 5, 6, 0x7f, 0x80, 0x81, 0x84, 0x85, 0xfe, 0xff];
        let mut out = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        // A tenth under Miri (scripts/miri.sh), which runs a thousand times
        // slower.
        for _ in 0..if cfg!(miri) { 2_000 } else { 20_000 } {
            let mut b = [0u8; 8];
            for x in b.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *x = if seed & 1 == 0 {
                    interesting[(seed >> 8) as usize % interesting.len()]
                } else {
                    (seed >> 16) as u8
                };
            }
            out.push(b);
        }
        out
    }

    /// Checks one implementation's masks against the oracle.
    macro_rules! check_against_oracle {
        ($group:ty) => {
            for b in patterns() {
                let g = <$group>::load(&b);
                assert_eq!(g.match_full().collect::<Vec<_>>(), naive(b, |x| x >= MIN_TOPHASH));
                assert_eq!(g.match_empty().collect::<Vec<_>>(), naive(b, |x| x < MIN_TOPHASH));
                assert_eq!(g.match_empty_rest().collect::<Vec<_>>(), naive(b, |x| x == 0));
                let first_empty = naive(b, |x| x < MIN_TOPHASH).first().copied().unwrap_or(BUCKET_SLOTS);
                assert_eq!(g.match_full().lowest_unset(), first_empty, "{b:?}");
                assert_eq!(g.last_is_empty_rest(), b[7] == EMPTY_REST, "{b:?}");
                let packed = g.match_full().byte();
                assert_eq!((0..8).filter(|i| packed >> i & 1 == 1).collect::<Vec<_>>(), naive(b, |x| x >= MIN_TOPHASH));
                for top in [5u8, 6, 0x7f, 0x80, 0xff, b[3].max(5)] {
                    let m = g.match_byte(Tag::splat(top));
                    assert_eq!(m.collect::<Vec<_>>(), naive(b, |x| x == top), "{b:?} {top}");
                    // `without_lowest` steps through the same slots as the iterator.
                    let (mut stepped, mut w) = (Vec::new(), m);
                    while let Some(j) = w.lowest() {
                        stepped.push(j);
                        w = w.without_lowest();
                    }
                    assert_eq!(stepped, naive(b, |x| x == top), "{b:?} {top}");
                }
            }
        };
    }

    #[test]
    fn swar_masks_agree_with_naive_oracle() {
        check_against_oracle!(super::swar::Group);
    }

    /// A run's mask is its eight headers' `match_full` masks side by side,
    /// for both implementations.
    #[test]
    fn run_masks_agree_with_naive_oracle() {
        let p = patterns();
        for run in p.chunks_exact(8) {
            let mut bytes = [0u8; 64];
            let mut want = 0u64;
            for (k, b) in run.iter().enumerate() {
                bytes[8 * k..8 * k + 8].copy_from_slice(b);
                for j in naive(*b, |x| x >= MIN_TOPHASH) {
                    want |= 1 << (8 * k + j);
                }
            }
            assert_eq!(super::swar::run_full(&bytes), want, "{run:?}");
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            assert_eq!(super::sse2::run_full(&bytes), want, "{run:?}");
        }
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[test]
    fn sse2_masks_agree_with_naive_oracle() {
        check_against_oracle!(super::sse2::Group);
    }

    #[test]
    fn tophash_skips_reserved_values() {
        // Go's mapping exactly: the reserved values 0..5 become 5..10, the
        // rest stay, whatever the hash's other bytes are.
        for top in 0u64..=255 {
            for low in [0, 0x1234, u64::MAX >> 8] {
                let t = tophash(top << 56 | low);
                assert!(t >= MIN_TOPHASH);
                let want = if top < MIN_TOPHASH as u64 { top + MIN_TOPHASH as u64 } else { top };
                assert_eq!(t as u64, want, "top byte {top:#04x}");
            }
        }
    }
}
