//! Deterministic key sets, shared with the Go program (`go/compare/main.go`).
//!
//! Every implementation (Rust and Go) derives its keys from these formulas,
//! so a key set is a pure function of its kind and size `n`:
//!
//! * `key(i)` for index `i`:
//!   * `u64_seq`: `i`.
//!   * `u64_rand`: `splitmix64(i)` = `mix((i + 1) · 0x9E3779B97F4A7C15 mod 2^64)`,
//!     the `i`-th output of the splitmix64 generator started at state 0, where
//!     `mix(z)`: `z = (z ^ z>>30) · 0xBF58476D1CE4E5B9; z = (z ^ z>>27) ·
//!     0x94D049BB133111EB; z ^ z>>31`. Both steps are bijections, so the
//!     keys are distinct.
//!   * `string`: with `W` words (file order, blank lines skipped) and
//!     `p = (i mod W) · stride(W) mod W`: `words[p]` for `i < W`, else
//!     `words[p] + "#" + decimal(i / W)`. The scramble spreads the
//!     alphabetical list; the suffix makes more than `W` distinct keys.
//! * `stride(m)`: the smallest `s ≥ 2654435761` with `gcd(s, m) = 1`, so
//!   `perm_m(j) = j · stride(m) mod m` is a permutation of `0..m`.
//! * The value stored with `key(i)` is always `i`.
//!
//! For a map of size `n`, the workloads use:
//!
//! * `keys[i] = key(i)`, `i in 0..n`: insertion order (and churn's removal
//!   order: oldest first).
//! * `lookup[j] = key(perm_n(j))`: hit lookups and removals, in an order
//!   unrelated to insertion (a `BTreeMap` gets no sequential-access gift).
//! * `miss[j] = key(n + perm_n(j))`: lookups that miss.
//! * `fresh[j] = key(n + j)`: the keys churn inserts (with value `j`).

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

/// Where Debian's `wamerican` package installs its word list (104,334 words).
pub const WORDS_PATH: &str = "/usr/share/dict/american-english";

/// The splitmix64 increment (golden ratio · 2^64).
pub const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The first stride candidate for [`stride`] (a prime, Knuth's multiplier).
pub const STRIDE_BASE: u64 = 2_654_435_761;

/// The splitmix64 finaliser (a bijection on `u64`).
#[inline]
pub const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `i`-th output of splitmix64 started at state 0: the one splitmix64 of
/// the workspace (the bench binaries, the latency harness and the lab).
/// Distinct `i` give distinct outputs. O(1).
#[inline]
pub const fn splitmix64(i: u64) -> u64 {
    mix(i.wrapping_add(1).wrapping_mul(GAMMA))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The smallest `s ≥ STRIDE_BASE` coprime with `m`.
pub fn stride(m: u64) -> u64 {
    let mut s = STRIDE_BASE;
    while gcd(s, m) != 1 {
        s += 1;
    }
    s
}

/// Largest supported key-set size: keeps `j · stride` below 2^64 in both
/// languages without 128-bit arithmetic.
pub const MAX_SIZE: usize = 1_000_000_000;

/// Which keys a workload uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// `0, 1, 2, ...`
    U64Seq,
    /// splitmix64 of the index.
    U64Rand,
    /// Words of the word list (scrambled, suffixed beyond its length).
    Str,
}

impl KeyKind {
    /// All kinds, in table order.
    pub const ALL: [KeyKind; 3] = [KeyKind::U64Seq, KeyKind::U64Rand, KeyKind::Str];

    /// The name used in CLIs, JSON and by the Go program.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::U64Seq => "u64_seq",
            KeyKind::U64Rand => "u64_rand",
            KeyKind::Str => "string",
        }
    }

    /// Inverse of [`KeyKind::name`].
    pub fn parse(s: &str) -> Option<KeyKind> {
        KeyKind::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `key(i)` for the u64 kinds.
///
/// # Panics
/// For [`KeyKind::Str`].
#[inline]
pub fn u64_key(kind: KeyKind, i: u64) -> u64 {
    match kind {
        KeyKind::U64Seq => i,
        KeyKind::U64Rand => splitmix64(i),
        KeyKind::Str => panic!("u64_key called for string keys"),
    }
}

/// The word list, ready for [`string_key`].
#[derive(Clone, Debug)]
pub struct Words {
    words: Vec<String>,
    stride: u64,
}

impl Words {
    /// Reads a word list: one word per line, `\r\n` accepted, blank lines
    /// skipped. Fails if the file is missing, empty, has duplicates, or a
    /// word contains `#` (which would break the uniqueness of suffixed keys).
    pub fn load(path: &Path) -> Result<Words, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!("cannot read word list {}: {e} (on Debian: apt-get install wamerican)", path.display())
        })?;
        Words::from_lines(text.lines().map(str::to_owned)).map_err(|e| format!("word list {}: {e}", path.display()))
    }

    /// As [`Words::load`], from already split lines.
    pub fn from_lines(lines: impl IntoIterator<Item = String>) -> Result<Words, String> {
        let words: Vec<String> = lines.into_iter().filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return Err("no words".into());
        }
        if let Some(w) = words.iter().find(|w| w.contains('#')) {
            return Err(format!("word {w:?} contains '#'"));
        }
        let mut seen = HashSet::with_capacity(words.len());
        if let Some(w) = words.iter().find(|w| !seen.insert(w.as_str())) {
            return Err(format!("duplicate word {w:?}"));
        }
        let stride = stride(words.len() as u64);
        Ok(Words { words, stride })
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Never true: [`Words::load`] rejects empty lists.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// `key(i)` for string keys.
    pub fn key(&self, i: u64) -> String {
        let w = self.words.len() as u64;
        let word = &self.words[((i % w) * self.stride % w) as usize];
        if i < w {
            word.clone()
        } else {
            format!("{word}#{}", i / w)
        }
    }
}

/// The keys of one (kind, size) combination, materialised in the orders the
/// workloads use (see the module documentation).
#[derive(Clone, Debug)]
pub struct KeySet<K> {
    /// `key(i)`, `i in 0..n`; stored with value `i`.
    pub keys: Vec<K>,
    /// `key(perm_n(j))`: hit lookups and removals.
    pub lookup: Vec<K>,
    /// `key(n + perm_n(j))`: missing keys.
    pub miss: Vec<K>,
    /// `key(n + j)`: keys churn inserts, with value `j`.
    pub fresh: Vec<K>,
}

impl<K> KeySet<K> {
    /// Builds a key set of size `n` from `key(i)`.
    ///
    /// # Panics
    /// If `n > MAX_SIZE`.
    pub fn build(n: usize, key: impl Fn(u64) -> K) -> KeySet<K> {
        assert!(n <= MAX_SIZE, "key set size {n} exceeds {MAX_SIZE}");
        let n64 = n as u64;
        let s = stride(n64.max(1));
        let perm = |j: u64| j * s % n64;
        KeySet {
            keys: (0..n64).map(&key).collect(),
            lookup: (0..n64).map(|j| key(perm(j))).collect(),
            miss: (0..n64).map(|j| key(n64 + perm(j))).collect(),
            fresh: (0..n64).map(|j| key(n64 + j)).collect(),
        }
    }

    /// `n`.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// `n == 0`.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl KeySet<u64> {
    /// The u64 key set of `kind` and size `n`.
    ///
    /// # Panics
    /// For [`KeyKind::Str`], or if `n > MAX_SIZE`.
    pub fn u64(kind: KeyKind, n: usize) -> KeySet<u64> {
        assert!(kind != KeyKind::Str, "KeySet::u64 called for string keys");
        KeySet::build(n, |i| u64_key(kind, i))
    }
}

impl KeySet<String> {
    /// The string key set of size `n`.
    ///
    /// # Panics
    /// If `n > MAX_SIZE`.
    pub fn strings(words: &Words, n: usize) -> KeySet<String> {
        KeySet::build(n, |i| words.key(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_reference_outputs() {
        // The first outputs of splitmix64 seeded with 0 (reference C code).
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(1), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(splitmix64(2), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn lookup_is_a_permutation_of_keys() {
        for n in [0, 1, 7, 1000, 4096] {
            let ks = KeySet::u64(KeyKind::U64Rand, n);
            let mut a = ks.keys.clone();
            let mut b = ks.lookup.clone();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b);
            let mut all: Vec<u64> = ks.keys.iter().chain(&ks.miss).copied().collect();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), 2 * n);
        }
    }

    #[test]
    fn string_keys_are_distinct_beyond_the_list() {
        let words = Words::from_lines(["b", "a", "c"].map(String::from)).unwrap();
        let ks = KeySet::strings(&words, 5);
        let mut all: Vec<&String> = ks.keys.iter().chain(&ks.miss).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 10);
        assert!(ks.keys[..3].iter().all(|k| !k.contains('#')));
        assert!(Words::from_lines(["a", "a"].map(String::from)).is_err());
        assert!(Words::from_lines(["a#1"].map(String::from)).is_err());
    }
}
