//! The hash functions under test, each from its own crate, with a fixed or
//! a per-run random seed.
//!
//! Two ways in, as the functions are used:
//!
//! * **bytes**: the key's bytes (a string's UTF-8, a `u64`'s eight
//!   little-endian bytes) through the crate's one-shot function (MurmurHash3,
//!   xxHash) or, for FNV-1a, `Hasher::write` of those bytes: the functions as
//!   a C or Go program would call them.
//! * **Hash**: `BuildHasher::hash_one(&key)`, what a Rust `HashMap<K, _>`
//!   computes (`str` writes its bytes then `0xff`; `u64` is one
//!   `write_u64`), for SipHash-1-3, foldhash and aHash.

use std::hash::{BuildHasher, Hash, Hasher};
use std::io::Cursor;

/// A key as both views: its bytes and its `Hash`.
pub trait Key: Hash {
    /// Calls `f` with the key's bytes.
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;
}

impl Key for str {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}

impl Key for u64 {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(&self.to_le_bytes())
    }
}

/// A hash function family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Fnv1a64,
    Murmur3X86_32,
    Murmur3X64_128,
    Xxh32,
    Xxh64,
    Xxh3,
    SipHash13,
    FoldhashFast,
    FoldhashQuality,
    AHash,
}

/// How a family is seeded in one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedKind {
    /// The family takes no seed (FNV-1a).
    None,
    /// A fixed seed: the article's for MurmurHash3, else 0.
    Fixed,
    /// Derived from the run's random seed.
    Random,
}

impl SeedKind {
    pub fn name(self) -> &'static str {
        match self {
            SeedKind::None => "none",
            SeedKind::Fixed => "fixed",
            SeedKind::Random => "random",
        }
    }
}

/// The fixed MurmurHash3 seed of the article's table ([`crate::claims::HASH_VARIANCES`]).
pub const ARTICLE_MURMUR_SEED: u32 = 0x9747_b28c;

impl Family {
    pub const ALL: [Family; 10] = [
        Family::Fnv1a64,
        Family::Murmur3X86_32,
        Family::Murmur3X64_128,
        Family::Xxh32,
        Family::Xxh64,
        Family::Xxh3,
        Family::SipHash13,
        Family::FoldhashFast,
        Family::FoldhashQuality,
        Family::AHash,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Fnv1a64 => "FNV-1a 64",
            Family::Murmur3X86_32 => "MurmurHash3 x86_32",
            Family::Murmur3X64_128 => "MurmurHash3 x64_128 (low 64)",
            Family::Xxh32 => "XXH32",
            Family::Xxh64 => "XXH64",
            Family::Xxh3 => "XXH3-64",
            Family::SipHash13 => "SipHash-1-3",
            Family::FoldhashFast => "foldhash fast",
            Family::FoldhashQuality => "foldhash quality",
            Family::AHash => {
                if cfg!(all(target_arch = "x86_64", target_feature = "aes")) {
                    "aHash (AES)"
                } else {
                    "aHash (fallback)"
                }
            }
        }
    }

    /// A short identifier for CSV column names and files.
    pub fn id(self) -> &'static str {
        match self {
            Family::Fnv1a64 => "fnv1a64",
            Family::Murmur3X86_32 => "murmur3_32",
            Family::Murmur3X64_128 => "murmur3_128",
            Family::Xxh32 => "xxh32",
            Family::Xxh64 => "xxh64",
            Family::Xxh3 => "xxh3",
            Family::SipHash13 => "siphash13",
            Family::FoldhashFast => "foldhash_fast",
            Family::FoldhashQuality => "foldhash_quality",
            Family::AHash => "ahash",
        }
    }

    pub fn krate(self) -> &'static str {
        match self {
            Family::Fnv1a64 => "fnv",
            Family::Murmur3X86_32 | Family::Murmur3X64_128 => "murmur3",
            Family::Xxh32 | Family::Xxh64 | Family::Xxh3 => "xxhash-rust",
            Family::SipHash13 => "siphasher",
            Family::FoldhashFast | Family::FoldhashQuality => "foldhash",
            Family::AHash => "ahash",
        }
    }

    /// Output width in bits.
    pub fn bits(self) -> u32 {
        match self {
            Family::Murmur3X86_32 | Family::Xxh32 => 32,
            _ => 64,
        }
    }

    /// How keys go in: "bytes" or "Hash" (see the module docs).
    pub fn input(self) -> &'static str {
        match self {
            Family::SipHash13 | Family::FoldhashFast | Family::FoldhashQuality | Family::AHash => "Hash",
            _ => "bytes",
        }
    }

    pub fn seeded(self) -> bool {
        self != Family::Fnv1a64
    }

    /// The seed a row of this kind uses, as printed: `random` is the run's
    /// seed for this family.
    pub fn seed_value(self, kind: SeedKind, random: u64) -> Option<u64> {
        match (kind, self) {
            (SeedKind::None, _) | (_, Family::Fnv1a64) => None,
            (SeedKind::Fixed, Family::Murmur3X86_32 | Family::Murmur3X64_128) => Some(ARTICLE_MURMUR_SEED as u64),
            (SeedKind::Fixed, _) => Some(0),
            (SeedKind::Random, Family::Murmur3X86_32 | Family::Murmur3X64_128 | Family::Xxh32) => {
                Some(random & 0xffff_ffff)
            }
            (SeedKind::Random, _) => Some(random),
        }
    }

    /// The function with the seed of a row of `kind` (see
    /// [`seed_value`](Self::seed_value)).
    pub fn instance(self, kind: SeedKind, random: u64) -> Instance {
        let s = self.seed_value(kind, random).unwrap_or(0);
        let fixed = kind != SeedKind::Random;
        match self {
            Family::Fnv1a64 => Instance::Fnv,
            Family::Murmur3X86_32 => Instance::Murmur32(s as u32),
            Family::Murmur3X64_128 => Instance::Murmur128(s as u32),
            Family::Xxh32 => Instance::Xxh32(s as u32),
            Family::Xxh64 => Instance::Xxh64(s),
            Family::Xxh3 => Instance::Xxh3(s),
            Family::SipHash13 => Instance::Sip13(s, split(s)),
            // Fixed: the crate's `FixedState` (fixed shared seed). Random: a
            // per-hasher seed and a shared seed, both random, as its
            // `RandomState` draws them.
            Family::FoldhashFast if fixed => Instance::FoldFastFixed(foldhash::fast::FixedState::with_seed(0)),
            Family::FoldhashFast => Instance::FoldFast(s, foldhash::SharedSeed::from_u64(split(s))),
            Family::FoldhashQuality if fixed => Instance::FoldQualityFixed(foldhash::quality::FixedState::with_seed(0)),
            Family::FoldhashQuality => Instance::FoldQuality(s, foldhash::SharedSeed::from_u64(split(s))),
            Family::AHash => {
                let k1 = split(s);
                let k2 = split(k1);
                let k3 = split(k2);
                Instance::AHash(Box::new(ahash::RandomState::with_seeds(s, k1, k2, k3)))
            }
        }
    }
}

/// A second, independent-looking key from one seed (SplitMix64's output
/// for `s`); 0 stays 0 so that a fixed seed 0 is all zeros.
fn split(s: u64) -> u64 {
    if s == 0 {
        return 0;
    }
    tophash_bench::keys::splitmix64(s)
}

/// A ready-to-call hash function.
#[derive(Debug)]
pub enum Instance {
    Fnv,
    Murmur32(u32),
    Murmur128(u32),
    Xxh32(u32),
    Xxh64(u64),
    Xxh3(u64),
    Sip13(u64, u64),
    FoldFastFixed(foldhash::fast::FixedState),
    FoldFast(u64, foldhash::SharedSeed),
    FoldQualityFixed(foldhash::quality::FixedState),
    FoldQuality(u64, foldhash::SharedSeed),
    AHash(Box<ahash::RandomState>),
}

impl Instance {
    /// The key's hash (32-bit functions zero-extended).
    #[inline]
    pub fn hash<K: Key + ?Sized>(&self, key: &K) -> u64 {
        match self {
            Instance::Fnv => key.with_bytes(|b| {
                let mut h = fnv::FnvHasher::default();
                h.write(b);
                h.finish()
            }),
            Instance::Murmur32(s) => key.with_bytes(|b| {
                murmur3::murmur3_32(&mut Cursor::new(b), *s).expect("reading a slice cannot fail") as u64
            }),
            Instance::Murmur128(s) => key.with_bytes(|b| {
                murmur3::murmur3_x64_128(&mut Cursor::new(b), *s).expect("reading a slice cannot fail") as u64
            }),
            Instance::Xxh32(s) => key.with_bytes(|b| xxhash_rust::xxh32::xxh32(b, *s) as u64),
            Instance::Xxh64(s) => key.with_bytes(|b| xxhash_rust::xxh64::xxh64(b, *s)),
            Instance::Xxh3(s) => key.with_bytes(|b| xxhash_rust::xxh3::xxh3_64_with_seed(b, *s)),
            Instance::Sip13(k0, k1) => {
                let mut h = siphasher::sip::SipHasher13::new_with_keys(*k0, *k1);
                key.hash(&mut h);
                h.finish()
            }
            Instance::FoldFastFixed(st) => st.hash_one(key),
            Instance::FoldFast(per, shared) => {
                let mut h = foldhash::fast::FoldHasher::with_seed(*per, shared);
                key.hash(&mut h);
                h.finish()
            }
            Instance::FoldQualityFixed(st) => st.hash_one(key),
            Instance::FoldQuality(per, shared) => {
                let mut h = foldhash::quality::FoldHasher::with_seed(*per, shared);
                key.hash(&mut h);
                h.finish()
            }
            Instance::AHash(st) => st.hash_one(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_give_their_reference_values() {
        // FNV-1a 64 of "a" (the published test vector).
        assert_eq!(Family::Fnv1a64.instance(SeedKind::None, 0).hash("a"), 0xaf63dc4c8601ec8c);
        // MurmurHash3 x86_32 of "" with seed 0 is 0; of "hello" with seed 0
        // is 0x248bfa47 (the reference implementation's values).
        assert_eq!(Family::Murmur3X86_32.instance(SeedKind::Random, 0).hash(""), 0);
        assert_eq!(Family::Murmur3X86_32.instance(SeedKind::Random, 0).hash("hello"), 0x248b_fa47);
        // XXH32("", 0) = 0x02CC5D05, XXH64("", 0) = 0xEF46DB3751D8E999,
        // XXH3-64("", 0) = 0x2D06800538D394C2.
        assert_eq!(Family::Xxh32.instance(SeedKind::Fixed, 0).hash(""), 0x02cc_5d05);
        assert_eq!(Family::Xxh64.instance(SeedKind::Fixed, 0).hash(""), 0xef46_db37_51d8_e999);
        assert_eq!(Family::Xxh3.instance(SeedKind::Fixed, 0).hash(""), 0x2d06_8005_38d3_94c2);
        // A u64 key is its eight little-endian bytes.
        assert_eq!(
            Family::Xxh64.instance(SeedKind::Fixed, 0).hash(&7u64),
            xxhash_rust::xxh64::xxh64(&7u64.to_le_bytes(), 0)
        );
        // The fixed foldhash rows are the crate's FixedState.
        assert_eq!(
            Family::FoldhashFast.instance(SeedKind::Fixed, 0).hash(&7u64),
            foldhash::fast::FixedState::with_seed(0).hash_one(7u64)
        );
    }

    #[test]
    fn seeds_change_seeded_hashes_only() {
        for f in Family::ALL {
            let a = f.instance(SeedKind::Fixed, 0).hash("key");
            let b = f.instance(SeedKind::Random, 0x1234_5678_9abc).hash("key");
            assert_eq!(a == b, !f.seeded(), "{}", f.name());
            if f.bits() == 32 {
                assert!(b <= u32::MAX as u64);
            }
        }
    }
}
