//! The runs of one map at one thread count, combined per window of map
//! sizes: the reproducible maximum that survives two threads.
//!
//! The sequence axis `0..n` (about the map's size when an insert
//! started) is cut into windows of `width = ceil(n / windows)` sequence
//! numbers. For each run, each window keeps its slowest insert. The
//! window's *reproducible* latency is the fastest of those maxima over the
//! runs, and the *reproducible maximum* is the slowest window's. A pause
//! the map causes (a rehash at a given size) lands in the same window in
//! every run, even when a different thread, or a different insert of the
//! same thread, meets it; noise (preemption, interrupts) rarely hits the
//! same window in every run.
//!
//! The per-insert minimum of the single-threaded harness
//! ([`crate::latency::runs`]) is also kept, indexed by sequence number
//! (`per_insert`), to show what it would report: with two threads the
//! insert that meets a resize takes a slightly different sequence number
//! in each run, so each run's pause sits at an index where the other runs
//! were fast, and the per-index minimum drops it.
//!
//! A pause that falls on a window edge can land on either side of it from
//! run to run; with 1,000 windows the width (10,000 inserts at 10M) is
//! wide against that drift, and the report lists each run's slowest
//! insert with its sequence number, so a straddling pause shows.

use crate::latency::data::Row;
use crate::latency::runs::{slowest, RunSet};

use super::fill::FillRun;

/// One run seen per window.
#[derive(Clone, Debug, PartialEq)]
struct RunWindows {
    /// Per window, its slowest insert: (sequence number, ns).
    max: Vec<(u64, u64)>,
    /// Per window, its median latency, ns.
    median: Vec<u64>,
}

/// One run's slowest insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RunMax {
    /// Its latency, ns.
    pub ns: u64,
    /// Its sequence number.
    pub seq: u64,
    /// The thread that made it.
    pub thread: u8,
}

/// The runs of one map at one thread count.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowSet {
    /// Inserts per run.
    pub n: u64,
    /// Sequence numbers per window (the last window may be shorter).
    pub width: u64,
    /// Per window, the runs' window maxima: `fastest` is the reproducible
    /// latency of each window.
    pub by_window: RunSet,
    /// Per sequence number, the runs' latencies: each run's percentiles,
    /// and the per-insert minimum for comparison.
    pub per_insert: RunSet,
    /// Each run's slowest insert.
    pub run_max: Vec<RunMax>,
    /// Each run's wall time, ns.
    pub wall_ns: Vec<u64>,
    /// Each run's resident bytes of the filled map, where readable.
    pub map_bytes: Vec<u64>,
    runs: Vec<RunWindows>,
}

impl WindowSet {
    /// An empty set for runs of `n` inserts cut into (at most) `windows`
    /// windows.
    ///
    /// # Panics
    /// If `n` or `windows` is 0.
    pub fn new(n: u64, windows: u64) -> WindowSet {
        assert!(n > 0 && windows > 0, "no inserts or no windows");
        WindowSet {
            n,
            width: n.div_ceil(windows),
            by_window: RunSet::default(),
            per_insert: RunSet::default(),
            run_max: Vec::new(),
            wall_ns: Vec::new(),
            map_bytes: Vec::new(),
            runs: Vec::new(),
        }
    }

    /// The number of windows.
    pub fn windows(&self) -> usize {
        self.n.div_ceil(self.width) as usize
    }

    /// Adds one run. O(n log n) (the run's percentiles sort a copy).
    ///
    /// # Panics
    /// If the run does not have `n` inserts.
    pub fn add(&mut self, run: &FillRun) {
        assert_eq!(run.ns.len() as u64, self.n, "every run of a set has n inserts");
        let width = self.width as usize;
        let mut buf = Vec::with_capacity(width);
        let mut w = RunWindows { max: Vec::with_capacity(self.windows()), median: Vec::with_capacity(self.windows()) };
        for (c, chunk) in run.ns.chunks(width).enumerate() {
            let (j, ns) = slowest(chunk, 1)[0];
            w.max.push(((c * width) as u64 + j, ns));
            buf.clear();
            buf.extend_from_slice(chunk);
            let mid = buf.len() / 2;
            w.median.push(*buf.select_nth_unstable(mid).1);
        }
        self.by_window.add(&w.max.iter().map(|m| m.1).collect::<Vec<_>>());
        self.per_insert.add(&run.ns);
        let (seq, ns) = slowest(&run.ns, 1)[0];
        self.run_max.push(RunMax { ns, seq, thread: run.thread[seq as usize] });
        self.wall_ns.push(run.wall_ns);
        self.map_bytes.extend(run.map_bytes);
        self.runs.push(w);
    }

    /// The run whose maximum in window `w` is the fastest (the earliest
    /// among equals), or the slowest with `slow`.
    fn run_at(&self, w: usize, slow: bool) -> usize {
        let key = |r: &usize| self.runs[*r].max[w].1;
        let runs = 0..self.runs.len();
        if slow {
            runs.rev().max_by_key(key).unwrap_or(0)
        } else {
            runs.min_by_key(key).unwrap_or(0)
        }
    }

    /// The reproducible maximum: (window, sequence number of its slowest
    /// insert in the run where that window was fastest, ns).
    pub fn repro_max(&self) -> (usize, u64, u64) {
        let (w, ns) = self.by_window.repro_max();
        let w = w as usize;
        (w, self.runs.get(self.run_at(w, false)).map_or(0, |r| r.max[w].0), ns)
    }

    /// The rows of the one CSV format ([`crate::latency::data`]), one per
    /// window, the sequence number standing for the insert index:
    /// `first_index`/`inserts` the window, `repro_max_*` its reproducible
    /// latency (the fastest run's window maximum, at that run's sequence
    /// number), `repro_median_ns` the fastest run's window median, `max_*`
    /// its slowest insert in any run, `phase` empty.
    pub fn rows(&self) -> Vec<Row> {
        (0..self.windows())
            .map(|w| {
                let (fast, slow) = (&self.runs[self.run_at(w, false)], &self.runs[self.run_at(w, true)]);
                let first = w as u64 * self.width;
                Row {
                    first_index: first,
                    inserts: self.width.min(self.n - first),
                    repro_max_ns: fast.max[w].1,
                    repro_max_index: fast.max[w].0,
                    repro_median_ns: self.runs.iter().map(|r| r.median[w]).min().unwrap_or(0),
                    max_ns: slow.max[w].1,
                    max_index: slow.max[w].0,
                    phase: None,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of `n` inserts at 100 ns with a pause of `pause` ns at each
    /// of `at`.
    fn run(n: usize, at: &[usize], pause: u64) -> FillRun {
        let mut ns = vec![100; n];
        for &a in at {
            ns[a] = pause;
        }
        FillRun { ns, thread: (0..n).map(|i| (i % 2) as u8).collect(), wall_ns: 1, map_bytes: None }
    }

    #[test]
    fn a_pause_that_moves_between_runs_survives_the_window_minimum() {
        // A 30 ms rehash met at sequence number 5,003, 5,017 and 5,042 in
        // three runs (a different insert each time), plus a spike of noise at
        // 800 in one run only.
        let mut set = WindowSet::new(10_000, 100);
        set.add(&run(10_000, &[5_003], 30_000_000));
        set.add(&run(10_000, &[5_017, 800], 30_000_000));
        set.add(&run(10_000, &[5_042], 30_000_000));
        assert_eq!(set.windows(), 100);
        assert_eq!(set.repro_max(), (50, 5_003, 30_000_000), "the pause is reproducible");
        // The per-insert minimum loses it: no index was slow in every run.
        assert_eq!(set.per_insert.repro_max().1, 100);
        assert_eq!(set.run_max.iter().map(|m| m.seq).collect::<Vec<_>>(), [5_003, 800, 5_042]);
        assert_eq!(set.run_max[0].thread, 1);
        // The edge case the module docs name: a pause on either side of a
        // window edge in different runs is not reproducible per window.
        let mut edge = WindowSet::new(10_000, 100);
        edge.add(&run(10_000, &[4_998], 30_000_000));
        edge.add(&run(10_000, &[5_001], 30_000_000));
        assert_eq!(edge.repro_max().2, 100);
    }

    #[test]
    fn noise_in_one_run_is_not_reproducible() {
        let mut set = WindowSet::new(1_000, 10);
        set.add(&run(1_000, &[150], 9_000));
        set.add(&run(1_000, &[650], 9_000));
        assert_eq!(set.repro_max().2, 100);
        let rows = set.rows();
        assert_eq!(rows.len(), 10);
        assert_eq!(rows.iter().map(|r| r.inserts).sum::<u64>(), 1_000);
        assert_eq!((rows[1].max_ns, rows[1].max_index, rows[1].repro_max_ns), (9_000, 150, 100));
        assert_eq!(rows[6].max_index, 650);
    }

    #[test]
    fn the_last_window_may_be_shorter() {
        let mut set = WindowSet::new(1_001, 10);
        set.add(&run(1_001, &[1_000], 7_000));
        assert_eq!((set.width, set.windows()), (101, 10));
        let rows = set.rows();
        assert_eq!((rows[9].first_index, rows[9].inserts, rows[9].repro_max_index), (909, 92, 1_000));
        assert_eq!(set.repro_max(), (9, 1_000, 7_000));
    }
}
