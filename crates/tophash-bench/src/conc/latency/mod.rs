//! The concurrent per-insert latency runner (issue #17): `threads` threads
//! fill one empty concurrent map with `n` keys between them, every insert
//! timed, and the slowest insert that recurs from run to run is found per
//! window of map sizes. The `conc-latency` binary runs it;
//! `scripts/conc-latency.sh` builds and runs that.
//!
//! What it shares with the single-threaded harness ([`crate::latency`]):
//! the keys (`key(i)` = [`splitmix64`](crate::keys::splitmix64)`(i)`,
//! value `i`; thread `t` of `T` inserts its own slice `t·n/T ..
//! (t+1)·n/T`), the clock ([`crate::latency::clock`]: a fenced TSC read
//! either side of each insert), the percentiles and the per-index minimum
//! ([`crate::latency::runs`]), the CSV format ([`crate::latency::data`],
//! one row per window) and the SVG ([`crate::latency::plot`], drawn from
//! those CSV files). What it shares with the throughput runner
//! ([`crate::conc`]): the thread limit, the machine line, the hasher
//! ([`crate::maps::hasher`]) and the way of running: in this process,
//! a fresh map per run, the maps alternating between rounds.
//!
//! ## Tying a latency to the map's size
//!
//! Before each insert the thread takes a sequence number from one shared
//! counter (`fetch_add`, outside the timed span); the number says how
//! many inserts started before this one, so about the map's size. With
//! one thread it is the insert index. With two it is not reproducible
//! insert by insert: whose insert meets a resize, and which sequence
//! number that insert gets, changes from run to run, so the per-index
//! minimum of the single-threaded harness would set a real pause against
//! the other runs' fast inserts at that index and hide it. Hence the
//! windows ([`windows`]): per window of sizes the slowest insert of each
//! run, the fastest of those over the runs, then the slowest window. The
//! report prints the per-index figure beside it, and each run's slowest
//! insert with its sequence number and thread, as the evidence.
//!
//! * [`maps`]: what the runner needs from a map ([`maps::FillMap`]), the
//!   maps (dashmap, papaya, scc, `RwLock<hashbrown>`) and how to add one.
//! * [`fill`]: one run: the threads, the timed loop, the answer check.
//! * [`windows`]: the runs of one map combined per window.
//! * [`report`]: the markdown table and the per-run CSV.
//!
//! Runs share the process: the allocator state one run leaves (glibc's
//! raised mmap threshold after a large free) is the next run's start, as
//! in the throughput runner; the first run of a map may see more page
//! faults than the others, which the per-window minimum discounts.

pub mod fill;
pub mod maps;
pub mod report;
pub mod windows;

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};

use crate::latency::clock::{Clock, ClockInfo};
use crate::latency::{data, plot, KeyKind, Workload};
use fill::Fill;
use maps::FillKind;
use windows::WindowSet;

/// What to run: every map at every thread count, `runs` times each.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The maps, in table order.
    pub maps: Vec<FillKind>,
    /// Thread counts (each at most the machine's cores).
    pub threads: Vec<usize>,
    /// Inserts per run, split over the threads.
    pub n: u64,
    /// Runs per map and thread count.
    pub runs: u32,
    /// Windows of the sequence axis (at most `n` and
    /// [`data::ROWS_MAX`]).
    pub windows: u64,
}

/// One map at one thread count: its runs.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The map.
    pub map: FillKind,
    /// Inserting threads.
    pub threads: usize,
    /// The runs, per window.
    pub set: WindowSet,
}

impl Cell {
    /// The CSV file's map name: `<map>@<threads>t`, a `-` in the map's
    /// name written `_` (the latency harness's file names split the map
    /// from the workload at the first `-`, so `latency plot` can redraw the
    /// SVG from these files).
    pub fn name(&self) -> String {
        format!("{}@{}t", self.map.name().replace('-', "_"), self.threads)
    }

    /// The panel caption: `dashmap 6, 2 threads × 5M`.
    pub fn label(&self) -> String {
        let per = crate::size::display(self.set.n / self.threads as u64);
        let s = if self.threads == 1 { "" } else { "s" };
        format!("{}, {} thread{s} × {per}", self.map.label(), self.threads)
    }
}

/// Runs `plan`: for each thread count, `runs` rounds of every map (the
/// maps alternating, so a disturbance of the machine spreads over them);
/// `progress` hears about each run after it ends. Stops at the first map
/// that fails the answer check, naming it.
pub fn run_plan(plan: &Plan, clock: &Clock, mut progress: impl FnMut(&str)) -> Result<Vec<Cell>> {
    let mut cells = Vec::new();
    for &threads in &plan.threads {
        let spec = Fill { threads, n: plan.n };
        let first = cells.len();
        for &map in &plan.maps {
            cells.push(Cell { map, threads, set: WindowSet::new(plan.n, plan.windows) });
        }
        for round in 0..plan.runs as usize {
            for k in 0..plan.maps.len() {
                let cell = &mut cells[first + (round + k) % plan.maps.len()];
                let run = cell.map.fill(&spec, clock).map_err(|e| {
                    anyhow!(
                        "{} failed the answer check at {threads} thread(s), run {}: {e}",
                        cell.map.name(),
                        round + 1
                    )
                })?;
                cell.set.add(&run);
                let last = cell.set.run_max.last().expect("added above");
                progress(&format!(
                    "{}, run {}/{}: slowest insert {} at seq {}, fill {}",
                    cell.label(),
                    round + 1,
                    plan.runs,
                    report::fmt_ns(last.ns as f64),
                    last.seq,
                    report::fmt_ns(run.wall_ns as f64),
                ));
            }
        }
    }
    Ok(cells)
}

/// Writes every cell's CSV (`<dir>/csv/<map>@<threads>t-u64-<n>.csv`) and
/// draws the one SVG (`<dir>/latency-u64-<n>.svg`, a panel per cell) from
/// those files. Returns the SVG's path.
pub fn write_data(dir: &Path, cells: &[Cell], n: u64) -> Result<PathBuf> {
    let w = Workload { keys: KeyKind::U64, n };
    let mut panels = Vec::new();
    for cell in cells {
        let path = data::csv_path(dir, &cell.name(), &w);
        data::write_rows(&path, &cell.set.rows())?;
        panels.push(plot::Panel {
            name: cell.map.name().to_owned(),
            label: cell.label(),
            rows: data::read_csv(&path)?,
        });
    }
    let svg = dir.join(format!("latency-{}.svg", w.stem()));
    plot::plot(&svg, &w, &panels)?;
    Ok(svg)
}

/// The clock and its cost, as every table states it.
pub fn calibrate(clock: &Clock) -> ClockInfo {
    clock.calibrate(1 << 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_the_latency_harness_split() {
        let cell = |map, threads| Cell { map, threads, set: WindowSet::new(10_000_000, 1000) };
        assert_eq!(cell(FillKind::RwLockHashbrown, 2).name(), "rwlock_hashbrown@2t");
        assert_eq!(cell(FillKind::DashMap, 1).name(), "dashmap@1t");
        assert_eq!(cell(FillKind::Papaya, 2).label(), "papaya 0.2, 2 threads × 5M");
        let w = Workload { keys: KeyKind::U64, n: 10_000_000 };
        let p = data::csv_path(Path::new("out"), &cell(FillKind::RwLockHashbrown, 2).name(), &w);
        let stem = p.file_stem().unwrap().to_str().unwrap();
        let (map, rest) = stem.split_once('-').unwrap();
        assert_eq!((map, Workload::from_stem(rest)), ("rwlock_hashbrown@2t", Some(w)));
    }
}
