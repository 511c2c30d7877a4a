//! The claims the experiments check, by name. Each name is a heading of
//! [`DOC`], which says where the claim was published, what the lab
//! measured and which subcommand checks it; the experiments print the
//! names, and the tour and the report print the path.

/// The page that explains every claim, from the repository's root.
pub const DOC: &str = "docs/claims.md";

/// Checked by `grow` (tophash and Go 1.19), `trace` and `flame`.
pub const TWO_REHASHES: &str = "A single insert can trigger two rehashes";
/// Checked by `grow` (every growth, and B after every insert against Go 1.19).
pub const GROWTH_TRIGGERS: &str =
    "A map doubles past load 6.5 and grows in place when overflow buckets reach the bucket count";
/// Checked by `hashdist`.
pub const HASH_VARIANCES: &str = "FNV-1a, MurmurHash3 and xxHash spread keys with variances 1284.6, 312.9 and 89.3";
/// Checked by `hashdist`; this project's own note, not an article's.
pub const FOLDHASH_RATIO: &str = "foldhash's fast hash gives sequential u64 keys 1.22 times uniform hashing's variance";
/// Checked by `probes`.
pub const PROBE_TABLE: &str =
    "The tophash filter cuts probes from 3.2 to 1.8 at load 0.7 and from 8.1 to 2.9 at load 0.9";
/// Checked by `layout`.
pub const BUCKET_LAYOUT: &str =
    "A bucket holds tophash bytes at 0, keys at 8, values after the keys, the overflow pointer last";
/// Checked by `layout` (and Go 1.19 through `go/lab-grow`).
pub const HMAP_OFFSETS: &str = "hmap keeps count at offset 8 and buckets at offset 24";
/// Checked by `layout` (the cache lines touched, not the misses).
pub const ALIGNMENT_MISSES: &str =
    "Aligning 32-byte keys and 40-byte values to 64 bytes cuts L1 misses from 18.7% to 2.1%";

/// Every claim, in the order of [`DOC`].
#[cfg(test)]
pub const ALL: [&str; 8] = [
    TWO_REHASHES,
    GROWTH_TRIGGERS,
    HASH_VARIANCES,
    FOLDHASH_RATIO,
    PROBE_TABLE,
    BUCKET_LAYOUT,
    HMAP_OFFSETS,
    ALIGNMENT_MISSES,
];

/// The line the tour and the report end with.
pub fn footer() -> String {
    format!("The claims the experiments check, where each was published and what the lab found: {DOC}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_claim_is_a_section_of_the_page_in_order() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(DOC);
        let page = std::fs::read_to_string(&path).unwrap();
        let headings: Vec<&str> = page.lines().filter_map(|l| l.strip_prefix("## ")).collect();
        let claims: Vec<&str> = headings.iter().copied().filter(|h| ALL.contains(h)).collect();
        assert_eq!(claims, ALL, "the claims' sections of {DOC}: {headings:?}");
    }
}
