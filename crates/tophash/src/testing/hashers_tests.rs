//! The test hashers and mixer do what the tests built on them assume.

use core::hash::BuildHasher;

use super::{splitmix64, Colliding, SameTop, SAME_TOP};

/// Reference outputs of the SplitMix64 generator, computed independently of
/// this crate with a Python transcription of Vigna's `splitmix64.c`
/// (`x += 0x9e3779b97f4a7c15`, then the two xor-shift-multiply rounds), for
/// the seeds 0 and 1234567. The n-th output from seed s is
/// `splitmix64(s + n * gamma)`.
#[test]
fn splitmix64_matches_the_reference_generator() {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    let reference: [(u64, [u64; 5]); 2] = [
        (
            0,
            [
                0xe220_a839_7b1d_cdaf,
                0x6e78_9e6a_a1b9_65f4,
                0x06c4_5d18_8009_454f,
                0xf88b_b8a8_724c_81ec,
                0x1b39_896a_51a8_749b,
            ],
        ),
        (
            1_234_567,
            [
                0x599e_d017_fb08_fc85,
                0x2c73_f084_5854_0fa5,
                0x883e_bce5_a3f2_7c77,
                0x3fbe_f740_e917_7b3f,
                0xe3b8_3467_08cb_5ecd,
            ],
        ),
    ];
    for (seed, outputs) in reference {
        for (n, want) in outputs.into_iter().enumerate() {
            let state = seed.wrapping_add((n as u64).wrapping_mul(GAMMA));
            assert_eq!(splitmix64(state), want, "seed {seed}, output {n}");
        }
    }
}

/// `Colliding` keeps `bucket_bits` low bits and the top byte; `SameTop` also
/// forces the top byte.
#[test]
fn weak_hashers_keep_their_shape() {
    let c = Colliding { bucket_bits: 3 };
    let s = SameTop { bucket_bits: 3 };
    let mut lows = std::collections::BTreeSet::new();
    for k in 0..1000u64 {
        let (hc, hs) = (c.hash_one(k), s.hash_one(k));
        assert_eq!(hc & 0x00ff_ffff_ffff_fff8, 0, "{hc:#x}");
        assert_eq!(hs & 0x00ff_ffff_ffff_fff8, 0, "{hs:#x}");
        assert_eq!((hs >> 56) as u8, SAME_TOP);
        lows.insert(hc & 7);
    }
    assert_eq!(lows.len(), 8, "every chain is used");
}
