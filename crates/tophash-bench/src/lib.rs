//! The measuring side of tophash: the pieces of the throughput benchmarks
//! (deterministic key sets, one trait over every map under test, the
//! workloads), the per-insert latency harness, and what the binaries share.
//!
//! The Criterion benches (`benches/*.rs`) and the `compare` runner
//! (`src/bin/compare/`) use [`keys`], [`maps`] and [`work`], and the Go
//! program in `go/compare` re-implements [`keys`] with the same formulas,
//! so every implementation sees the same keys in the same order and must
//! produce the same checksums. The `latency` binary and `tophash-lab
//! latency` both run [`latency`].
//!
//! * [`keys`]: u64 keys (sequential and splitmix64-random) and String keys
//!   from the Debian `wamerican` word list, plus the lookup permutation.
//! * [`maps`]: [`maps::BenchMap`], implemented for tophash, hashbrown, std
//!   (foldhash and SipHash), griddle, indexmap and `BTreeMap`.
//! * [`work`]: the workloads, each returning a checksum, and the expected
//!   checksum computed from the formulas alone.
//! * [`size`]: counts as written on a command line (`100K`, `10M`), for
//!   every binary of this crate and the lab.
//! * [`outdir`]: output directories written whole or not at all, that
//!   never delete or replace a file they did not write.
//! * [`latency`]: the one per-insert latency harness: maps, clock, timing
//!   loop, reproducible maximum, CSV and SVG.
//! * [`go`]: finding Go 1.19 (or `go` on `PATH`) and building the Go side.
//! * [`cli`]: clap's errors and the binaries' errors on one line.
//! * [`conc`]: the concurrent throughput runner (bustle workloads over
//!   dashmap, papaya, scc, flurry and `RwLock<hashbrown>`), the `conc`
//!   binary's library.
//! * [`runqueue`]: busy time (wall time minus the time the thread waited
//!   for a CPU), the clock of both the runner and the Criterion benches.

pub mod cli;
pub mod conc;
pub mod go;
pub mod keys;
pub mod latency;
pub mod maps;
pub mod outdir;
pub mod runqueue;
pub mod size;
pub mod work;

// The workspace README's usage snippet is compiled and run as a doctest
// here, in a crate that is never published (the library's own doctest is
// its crate README, which a packaged copy carries).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct WorkspaceReadmeDoctests;

/// The median of the rounds of a measurement (every runner reports it);
/// NaN for no values.
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The CPU model from `/proc/cpuinfo` ("unknown CPU" where it cannot be read).
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|r| r.trim_start_matches([' ', '\t', ':']).to_string()))
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
