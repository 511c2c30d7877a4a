//! The key formula. `go/latency/main.go` implements the same two functions;
//! both sides insert `key(0), key(1), …, key(n-1)` in that order, with value
//! `i`.

/// The `i`-th output of a SplitMix64 generator seeded with 0 (all mod 2^64):
///
/// ```text
/// z = (i+1) · 0x9E3779B97F4A7C15
/// z = (z ^ (z >> 30)) · 0xBF58476D1CE4E5B9
/// z = (z ^ (z >> 27)) · 0x94D049BB133111EB
/// key = z ^ (z >> 31)
/// ```
///
/// Every step is a bijection of `u64`, so distinct `i` give distinct keys.
#[inline(always)]
pub const fn splitmix64(i: u64) -> u64 {
    let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `String` key for index `i`: `splitmix64(i)` as 16 lowercase hex
/// digits (Go: `hexKey(splitmix64(i))`).
pub fn string_key(i: u64) -> String {
    format!("{:016x}", splitmix64(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Reference outputs of SplitMix64 seeded with 0.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(1), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(string_key(0), "e220a8397b1dcdaf");
    }
}
