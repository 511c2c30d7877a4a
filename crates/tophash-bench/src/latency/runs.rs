//! The runs of one map on one workload, combined insert by insert.
//!
//! Each map runs `R` times (`--runs`). The keys, their order and (for the
//! Rust maps) the hash seed are the same in every run, so a cost the map
//! itself causes (a rehash, freeing an array, a page fault at the same
//! spot) recurs at the same insert, while the machine's noise
//! (preemption, interrupts, the hypervisor) rarely hits the same insert
//! twice. Hence the *reproducible* latency of insert `i`: the fastest of
//! its `R` latencies, and the *reproducible maximum*: the slowest of those.
//! Go's map seeds its hash per process, so for Go only the growth points
//! themselves repeat.

use serde::{Deserialize, Serialize};

/// Summary of latencies (ns): percentiles by nearest rank.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// 99.99th percentile.
    pub p9999: u64,
    /// The slowest.
    pub max: u64,
    /// Mean.
    pub mean: f64,
    /// Sum of all latencies: the time spent inside insert.
    pub total_ns: u64,
}

/// The value at nearest rank `ceil(n · num / den)` of sorted `v`.
fn rank(v: &[u64], num: u128, den: u128) -> u64 {
    let n = v.len() as u128;
    let r = (n * num).div_ceil(den).clamp(1, n);
    v[(r - 1) as usize]
}

/// Summarises `samples` (sorts a copy: O(n log n) time, O(n) memory).
///
/// # Panics
/// If `samples` is empty.
pub fn stats(samples: &[u64]) -> Stats {
    assert!(!samples.is_empty(), "no latencies to summarise");
    let total: u128 = samples.iter().map(|&s| s as u128).sum();
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    Stats {
        p50: rank(&sorted, 1, 2),
        p99: rank(&sorted, 99, 100),
        p999: rank(&sorted, 999, 1000),
        p9999: rank(&sorted, 9999, 10000),
        max: *sorted.last().expect("non-empty"),
        mean: total as f64 / sorted.len() as f64,
        total_ns: total.min(u64::MAX as u128) as u64,
    }
}

impl Stats {
    /// The median over runs of each field.
    ///
    /// # Panics
    /// If `runs` is empty.
    pub fn median_of(runs: &[Stats]) -> Stats {
        assert!(!runs.is_empty(), "no runs");
        fn med<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
            v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
            v[v.len() / 2]
        }
        Stats {
            p50: med(runs.iter().map(|s| s.p50).collect()),
            p99: med(runs.iter().map(|s| s.p99).collect()),
            p999: med(runs.iter().map(|s| s.p999).collect()),
            p9999: med(runs.iter().map(|s| s.p9999).collect()),
            max: med(runs.iter().map(|s| s.max).collect()),
            mean: med(runs.iter().map(|s| s.mean).collect()),
            total_ns: med(runs.iter().map(|s| s.total_ns).collect()),
        }
    }
}

/// The `k` slowest inserts as `(index, ns)`, slowest first; the earlier
/// insert first among equals. O(n · k).
pub fn slowest(samples: &[u64], k: usize) -> Vec<(u64, u64)> {
    let mut top: Vec<(u64, u64)> = Vec::with_capacity(k + 1);
    for (i, &s) in samples.iter().enumerate() {
        if top.len() < k || top.last().is_some_and(|t| s > t.1) {
            let at = top.partition_point(|t| t.1 >= s);
            top.insert(at, (i as u64, s));
            top.truncate(k);
        }
    }
    top
}

/// The runs of one map on one workload: per insert the fastest and the
/// slowest latency over the runs, and each run's own summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSet {
    /// Per insert, the fastest of the runs: its reproducible latency.
    pub fastest: Vec<u64>,
    /// Per insert, the slowest of the runs.
    pub slowest: Vec<u64>,
    /// Each run's summary, in run order.
    pub per_run: Vec<Stats>,
}

impl RunSet {
    /// Adds one run's latencies. O(n log n).
    ///
    /// # Panics
    /// If `samples` is empty or its length differs from the earlier runs'.
    pub fn add(&mut self, samples: &[u64]) {
        if self.per_run.is_empty() {
            self.fastest = samples.to_vec();
            self.slowest = samples.to_vec();
        } else {
            assert_eq!(samples.len(), self.fastest.len(), "runs of one workload have one length");
            for ((lo, hi), &s) in self.fastest.iter_mut().zip(&mut self.slowest).zip(samples) {
                *lo = (*lo).min(s);
                *hi = (*hi).max(s);
            }
        }
        self.per_run.push(stats(samples));
    }

    /// The number of runs added.
    pub fn runs(&self) -> usize {
        self.per_run.len()
    }

    /// The reproducible maximum as `(index, ns)`: the slowest of the
    /// per-insert fastest latencies (the earliest such insert).
    pub fn repro_max(&self) -> (u64, u64) {
        slowest(&self.fastest, 1).first().copied().unwrap_or((0, 0))
    }

    /// Each run's slowest insert, ns.
    pub fn run_max(&self) -> Vec<u64> {
        self.per_run.iter().map(|s| s.max).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=10_000).rev().collect();
        let s = stats(&v);
        assert_eq!((s.p50, s.p99, s.p999, s.p9999, s.max), (5000, 9900, 9990, 9999, 10_000));
        assert_eq!((s.total_ns, s.mean), (50_005_000, 5000.5));
        let s = stats(&[7]);
        assert_eq!((s.p50, s.p9999, s.max), (7, 7, 7));
        let m = Stats::median_of(&[stats(&[1]), stats(&[9]), stats(&[4])]);
        assert_eq!((m.p50, m.max), (4, 4));
    }

    #[test]
    fn reproducible_maximum_is_the_slowest_of_the_fastest() {
        let mut set = RunSet::default();
        set.add(&[3, 9, 9, 1, 20_000]);
        set.add(&[4, 8, 90_000, 1, 30_000]);
        assert_eq!(set.fastest, vec![3, 8, 9, 1, 20_000]);
        assert_eq!(set.slowest, vec![4, 9, 90_000, 1, 30_000]);
        assert_eq!(set.repro_max(), (4, 20_000));
        assert_eq!(set.run_max(), vec![20_000, 90_000]);
        assert_eq!(set.runs(), 2);
        // Noise in one run only (90,000 at index 2) is not reproducible.
        let mut ties = RunSet::default();
        ties.add(&[5, 7, 7, 2]);
        assert_eq!(ties.repro_max(), (1, 7), "the earlier of equal inserts");
    }

    #[test]
    fn slowest_keeps_the_k_largest_in_order() {
        let v: Vec<u64> = (0..2_500_003u64).map(|i| if i == 1_234_567 { 999_999 } else { i % 97 }).collect();
        assert_eq!(slowest(&v, 2), vec![(1_234_567, 999_999), (96, 96)]);
        assert_eq!(slowest(&[1, 3, 3, 2], 3), vec![(1, 3), (2, 3), (3, 2)]);
        assert!(slowest(&[], 3).is_empty());
    }
}
