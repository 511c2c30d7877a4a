//! Hashers for tests: deterministic ([`Fixed`]), weak on purpose
//! ([`Colliding`], [`SameTop`], either as [`Weak`]), panicking at a chosen
//! call ([`Panicky`]), and the [`splitmix64`] mixer for test keys, seeds and
//! fingerprints.

use core::fmt::{self, Debug};
use core::hash::{BuildHasher, Hasher};

use foldhash::fast::{FixedState, FoldHasher};

use super::PanicSwitch;

/// The SplitMix64 increment: 2^64 divided by the golden ratio, odd.
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// One step of the SplitMix64 generator (Steele, Lea and Flood, 2014) from
/// state `x`: advances the state by the golden-ratio increment and returns
/// the finalised new state. `splitmix64(0)` is the generator's first output
/// when seeded with 0, and its `n`-th output (from 0) when seeded with `s`
/// is `splitmix64(s + n * 0x9e37_79b9_7f4a_7c15)` (wrapping).
///
/// A bijection on `u64` whose output bits all depend on every input bit:
/// the one mixer the crate's tests use for well-spread hashes, test keys
/// and fingerprints. O(1).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// foldhash with a fixed seed: deterministic across runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fixed(pub u64);

impl BuildHasher for Fixed {
    type Hasher = FoldHasher<'static>;

    fn build_hasher(&self) -> FoldHasher<'static> {
        FixedState::with_seed(self.0).build_hasher()
    }
}

/// Keeps only `bucket_bits` low bits of a deterministic hash (and its top
/// byte, so tophash bytes still differ): every key falls into one of
/// `2^bucket_bits` chains whatever the table size, which makes long
/// overflow chains.
#[derive(Clone, Copy, Debug)]
pub struct Colliding {
    /// How many low bits survive (at most 56).
    pub bucket_bits: u32,
}

/// As [`Colliding`], and also forces one top byte (a reserved one, 2, so the
/// tophash remapping is exercised too): every slot's tophash matches every
/// lookup, so the engine must compare keys to tell them apart.
#[derive(Clone, Copy, Debug)]
pub struct SameTop {
    /// How many low bits survive (at most 56).
    pub bucket_bits: u32,
}

/// The top byte [`SameTop`] forces.
pub const SAME_TOP: u8 = 2;

const TOP_BYTE: u64 = 0xff << 56;

/// The hasher of [`Colliding`] and [`SameTop`]: foldhash, then reshaped.
#[derive(Clone)]
pub struct Shaped {
    inner: FoldHasher<'static>,
    low_mask: u64,
    top: Option<u8>,
}

impl Debug for Shaped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shaped").field("low_mask", &self.low_mask).field("top", &self.top).finish_non_exhaustive()
    }
}

fn low_mask(bits: u32) -> u64 {
    assert!(bits <= 56, "bucket_bits must leave the top byte alone");
    (1u64 << bits) - 1
}

impl Hasher for Shaped {
    fn write(&mut self, bytes: &[u8]) {
        self.inner.write(bytes);
    }

    fn write_u64(&mut self, i: u64) {
        self.inner.write_u64(i);
    }

    fn write_u32(&mut self, i: u32) {
        self.inner.write_u32(i);
    }

    fn write_u16(&mut self, i: u16) {
        self.inner.write_u16(i);
    }

    fn finish(&self) -> u64 {
        let h = self.inner.finish();
        let top = match self.top {
            Some(t) => (t as u64) << 56,
            None => h & TOP_BYTE,
        };
        top | (h & self.low_mask)
    }
}

impl BuildHasher for Colliding {
    type Hasher = Shaped;

    fn build_hasher(&self) -> Shaped {
        Shaped { inner: Fixed(1).build_hasher(), low_mask: low_mask(self.bucket_bits), top: None }
    }
}

impl BuildHasher for SameTop {
    type Hasher = Shaped;

    fn build_hasher(&self) -> Shaped {
        Shaped { inner: Fixed(2).build_hasher(), low_mask: low_mask(self.bucket_bits), top: Some(SAME_TOP) }
    }
}

/// Either weak hasher, so one property test can draw both.
#[derive(Clone, Copy, Debug)]
pub enum Weak {
    /// See [`Colliding`].
    Colliding(Colliding),
    /// See [`SameTop`].
    SameTop(SameTop),
}

impl Default for Weak {
    /// `SameTop` with 2 bucket bits: four chains of keys that all share one
    /// tophash. (The set operators build their result with `S::default()`.)
    fn default() -> Self {
        Weak::SameTop(SameTop { bucket_bits: 2 })
    }
}

impl BuildHasher for Weak {
    type Hasher = Shaped;

    fn build_hasher(&self) -> Shaped {
        match self {
            Weak::Colliding(c) => c.build_hasher(),
            Weak::SameTop(s) => s.build_hasher(),
        }
    }
}

/// A `BuildHasher` wrapper whose `build_hasher` ticks a [`PanicSwitch`]: the
/// map builds one hasher per key it hashes, so arming the switch at `n`
/// makes the `n`-th hash computation panic.
#[derive(Clone, Debug, Default)]
pub struct Panicky<S> {
    /// The hasher that does the work.
    pub inner: S,
    /// Shared by clones of this `Panicky` (and so by a map's clones).
    pub switch: PanicSwitch,
}

impl<S: BuildHasher> BuildHasher for Panicky<S> {
    type Hasher = S::Hasher;

    fn build_hasher(&self) -> S::Hasher {
        self.switch.tick("BuildHasher");
        self.inner.build_hasher()
    }
}
