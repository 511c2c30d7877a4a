//! Running the plan: every (workload, threads) cell for every map,
//! `runs` rounds, the median kept.
//!
//! Within a (workload, threads) pair the rounds alternate the maps: round
//! `r` starts with the `r`-th map and goes round the list, so no map is
//! always the first after a key generation or always the last before the
//! next workload. All maps of one round run with the same bustle seed
//! (hence, at one thread, the same keys and the same operation sequence);
//! each round has its own seed.
//!
//! ## Answers are checked
//!
//! bustle itself asserts the result of every operation in the timed loop
//! (read `bustle::mix` in bustle 0.5.1): each insert must report a new key,
//! each remove of a key its thread inserted must succeed (and a remove on
//! a thread's empty range must fail), and each read and update must find a
//! key exactly when it is among the thread's live keys; the prefill asserts
//! every insert as well. A map that loses, duplicates or invents a key
//! therefore panics inside bustle's worker thread, and [`measure`] turns
//! that into an `Err` naming the failed check: a wrong map cannot post a
//! number. The test `a_map_that_loses_keys_is_caught` plants such a map.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, Once, PoisonError};
use std::time::Duration;

use anyhow::{bail, Result};
use bustle::{Collection, CollectionHandle, Measurement};

use crate::conc::clock::{self, Clocked};
use crate::conc::peers::Peer;
use crate::conc::workloads::{ConcWorkload, Job, Scale};
use crate::median;

/// What to measure.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Plan {
    /// Workloads, in row order.
    pub workloads: Vec<ConcWorkload>,
    /// Thread counts, in row order within a workload.
    pub threads: Vec<usize>,
    /// Maps, in column order.
    pub maps: Vec<Peer>,
    /// Rounds per cell; the table shows the median.
    pub runs: u32,
    /// Capacity and operations per run.
    pub scale: Scale,
}

/// One (workload, threads, map) cell: every round and their median.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Cell {
    pub workload: ConcWorkload,
    pub threads: usize,
    pub map: Peer,
    /// Operations per round (bustle's `total_ops`).
    pub ops: u64,
    /// Each round's throughput over the workers' window, millions of
    /// operations per second.
    pub rounds_mops: Vec<f64>,
    /// The median of `rounds_mops`: the table's figure.
    pub median_mops: f64,
    /// The median round's time per operation per thread, in ns.
    pub median_latency_ns: f64,
    /// Each round's throughput by bustle's own clock (its main thread's;
    /// see [`crate::conc::clock`] for why it is not the figure).
    pub rounds_bustle_mops: Vec<f64>,
}

/// Refuses thread counts above `cores`: with more threads than cores the
/// run measures the scheduler's time slices, not the map.
pub fn check_threads(threads: &[usize], cores: usize) -> Result<(), String> {
    match threads.iter().find(|&&t| t > cores) {
        Some(t) => Err(format!(
            "--threads {t} is more than this machine's {cores} cores; more threads than cores would measure the scheduler"
        )),
        None => Ok(()),
    }
}

/// Parses one `--threads` value: a count from 1 to `max`.
pub fn parse_threads(s: &str, max: usize) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("'{s}' is not a thread count (1 to {max})")),
    }
}

/// Each item once, in first-seen order (repeated `--maps`, `--threads`,
/// ... values run once).
pub fn dedup<T: PartialEq + Copy>(items: &[T]) -> Vec<T> {
    let mut v = Vec::new();
    for &i in items {
        if !v.contains(&i) {
            v.push(i);
        }
    }
    v
}

/// The cores this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Runs every cell of `plan`; `progress` hears about each (workload,
/// threads) pair before it runs. Stops at the first map that fails
/// bustle's checks, naming it.
pub fn run_plan(plan: &Plan, mut progress: impl FnMut(ConcWorkload, usize)) -> Result<Vec<Cell>> {
    let mut cells = Vec::new();
    for &workload in &plan.workloads {
        for &threads in &plan.threads {
            progress(workload, threads);
            let mut rounds: Vec<Vec<Timing>> = vec![Vec::new(); plan.maps.len()];
            for round in 0..plan.runs as usize {
                let w = workload.build(threads, plan.scale, seed(round));
                for k in 0..plan.maps.len() {
                    let i = (round + k) % plan.maps.len();
                    let map = plan.maps[i];
                    match map.run(&w) {
                        Ok(m) => rounds[i].push(m),
                        Err(e) => bail!(
                            "{} failed a result check in {} at {threads} thread(s), round {}: {e}",
                            map.name(),
                            workload.name(),
                            round + 1
                        ),
                    }
                }
            }
            for (i, ms) in rounds.into_iter().enumerate() {
                cells.push(cell(workload, threads, plan.maps[i], &ms));
            }
        }
    }
    Ok(cells)
}

/// The cell of one map's rounds.
fn cell(workload: ConcWorkload, threads: usize, map: Peer, ts: &[Timing]) -> Cell {
    let mut by_speed: Vec<&Timing> = ts.iter().collect();
    by_speed.sort_by(|a, b| a.mops().total_cmp(&b.mops()));
    let rounds_mops: Vec<f64> = ts.iter().map(Timing::mops).collect();
    // With an even count the median is the mean of the middle two; the
    // latency is then the lower middle round's.
    let middle = by_speed.get((by_speed.len().max(1) - 1) / 2);
    Cell {
        workload,
        threads,
        map,
        ops: ts.first().map_or(0, |t| t.ops),
        median_mops: median(&rounds_mops),
        median_latency_ns: middle.map_or(f64::NAN, |t| t.latency_ns()),
        rounds_mops,
        rounds_bustle_mops: ts.iter().map(|t| t.bustle.throughput / 1e6).collect(),
    }
}

/// Round `round`'s bustle seed: splitmix64 of the round, spread over 32 bytes.
fn seed(round: usize) -> [u8; 32] {
    let mut x = 0x7095_C0DE_0000_0000u64 ^ round as u64;
    let mut out = [0u8; 32];
    for chunk in out.chunks_exact_mut(8) {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

/// The first panic message since the last [`measure`] took it.
static PANIC_MESSAGE: Mutex<Option<String>> = Mutex::new(None);

/// Installs (once) a panic hook that records each panic's message and
/// location for [`measure`]; with `quiet` it prints nothing (the runner
/// then reports the failure in one line), otherwise it also runs the
/// previous hook.
pub fn record_panics(quiet: bool) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = payload_text(info.payload());
            let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            let mut slot = PANIC_MESSAGE.lock().unwrap_or_else(PoisonError::into_inner);
            slot.get_or_insert_with(|| format!("{text}{at}"));
            drop(slot);
            if !quiet {
                previous(info);
            }
        }));
    });
}

fn payload_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// One run's figures.
#[derive(Clone, Debug)]
pub struct Timing {
    /// Worker threads.
    pub threads: usize,
    /// Operations performed in the timed mix (all threads).
    pub ops: u64,
    /// The workers' window (see [`crate::conc::clock`]).
    pub window: Duration,
    /// bustle's own measurement (its main thread's clock), for comparison.
    pub bustle: Measurement,
}

impl Timing {
    /// Millions of operations per second over the workers' window.
    pub fn mops(&self) -> f64 {
        self.ops as f64 / self.window.as_secs_f64() / 1e6
    }

    /// Mean time per operation per thread (bustle's latency, over the
    /// workers' window), in ns.
    pub fn latency_ns(&self) -> f64 {
        self.window.as_nanos() as f64 * self.threads as f64 / self.ops as f64
    }
}

/// Runs `job` once on a fresh `C`, clocked from the worker threads
/// ([`crate::conc::clock`]). bustle asserts every operation's result
/// (module docs); a failed assertion panics in bustle's worker thread and
/// again in bustle's `join().unwrap()`, and comes back here as `Err` with
/// the first panic's message: the worker's, when [`record_panics`] is
/// installed.
pub fn measure<C>(job: &Job) -> Result<Timing, String>
where
    C: Collection,
    <C::Handle as CollectionHandle>::Key: Send + std::fmt::Debug,
{
    PANIC_MESSAGE.lock().unwrap_or_else(PoisonError::into_inner).take();
    let (result, window) = clock::run(job.threads, job.ops_per_thread, || {
        catch_unwind(AssertUnwindSafe(|| job.bustle.run_silently::<Clocked<C>>()))
    });
    let bustle = result.map_err(|payload| {
        let recorded = PANIC_MESSAGE.lock().unwrap_or_else(PoisonError::into_inner).take();
        recorded.unwrap_or_else(|| payload_text(payload.as_ref())).replace('\n', " ")
    })?;
    let window = window.ok_or("a worker thread did not report its window (bustle changed how it runs the mix?)")?;
    Ok(Timing { threads: job.threads, ops: job.ops_per_thread * job.threads as u64, window, bustle })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::time::Instant;

    /// A tiny scale: 2^10 capacity, 2^11 operations; each run takes well
    /// under a millisecond.
    const TINY: Scale = Scale { capacity_log2: 10, ops_scale: 2.0 };

    #[test]
    fn every_peer_runs_every_workload_at_one_and_two_threads() {
        for &map in Peer::ALL {
            let start = Instant::now();
            for w in ConcWorkload::ALL {
                for threads in [1, 2] {
                    let t = map.run(&w.build(threads, TINY, seed(0))).unwrap_or_else(|e| panic!("{map:?} {w:?}: {e}"));
                    assert_eq!(t.bustle.total_ops, TINY.total_ops(), "{map:?} {w:?} {threads}");
                    assert_eq!(t.ops, TINY.total_ops(), "{map:?} {w:?} {threads}");
                    assert!(t.mops() > 0.0 && t.mops().is_finite());
                    assert!(t.window <= t.bustle.spent * 2 + Duration::from_millis(50), "{t:?}");
                }
            }
            let took = start.elapsed();
            assert!(took.as_secs_f64() < 1.0, "{map:?} took {took:?} for 8 tiny runs");
        }
    }

    #[test]
    fn grow_from_empty_runs_as_many_operations_as_rapid_grow() {
        let scale = Scale { capacity_log2: 12, ops_scale: 1.0 };
        let rapid = Peer::DashMap.run(&ConcWorkload::RapidGrow.build(1, scale, seed(1))).unwrap();
        let empty = Peer::DashMap.run(&ConcWorkload::GrowFromEmpty.build(1, scale, seed(1))).unwrap();
        assert_eq!(rapid.bustle.total_ops, 4096);
        assert_eq!(empty.bustle.total_ops, rapid.bustle.total_ops);
        assert_eq!(empty.ops, rapid.ops);
    }

    /// `RwLock<HashMap>` that forgets every 97th key it is given.
    #[derive(Clone)]
    struct LosesKeys(Arc<Mutex<(HashMap<u64, u64>, u64)>>);

    impl Collection for LosesKeys {
        type Handle = Self;
        fn with_capacity(capacity: usize) -> Self {
            Self(Arc::new(Mutex::new((HashMap::with_capacity(capacity), 0))))
        }
        fn pin(&self) -> Self {
            self.clone()
        }
    }

    impl CollectionHandle for LosesKeys {
        type Key = u64;
        fn get(&mut self, key: &u64) -> bool {
            self.0.lock().unwrap().0.contains_key(key)
        }
        fn insert(&mut self, key: &u64) -> bool {
            let mut g = self.0.lock().unwrap();
            g.1 += 1;
            if g.1.is_multiple_of(97) {
                return true; // claims the insert, keeps nothing
            }
            g.0.insert(*key, 0).is_none()
        }
        fn remove(&mut self, key: &u64) -> bool {
            self.0.lock().unwrap().0.remove(key).is_some()
        }
        fn update(&mut self, key: &u64) -> bool {
            self.0.lock().unwrap().0.get_mut(key).map(|v| *v += 1).is_some()
        }
    }

    #[test]
    fn a_map_that_loses_keys_is_caught() {
        record_panics(false);
        for w in [ConcWorkload::ReadHeavy, ConcWorkload::Exchange, ConcWorkload::GrowFromEmpty] {
            let e = measure::<LosesKeys>(&w.build(1, TINY, seed(2))).expect_err("a lost key must fail bustle's checks");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn rounds_alternate_and_cells_keep_the_median() {
        let plan = Plan {
            workloads: vec![ConcWorkload::ReadHeavy],
            threads: vec![1],
            maps: vec![Peer::RwLockHashbrown, Peer::DashMap],
            runs: 3,
            scale: TINY,
        };
        let mut seen = Vec::new();
        let cells = run_plan(&plan, |w, t| seen.push((w, t))).unwrap();
        assert_eq!(seen, vec![(ConcWorkload::ReadHeavy, 1)]);
        assert_eq!(cells.len(), 2);
        for c in &cells {
            assert_eq!(c.rounds_mops.len(), 3);
            assert_eq!(c.median_mops, median(&c.rounds_mops));
        }
        assert_ne!(seed(0), seed(1));
    }

    #[test]
    fn more_threads_than_cores_is_one_line_refusal() {
        assert!(check_threads(&[1, 2], 2).is_ok());
        let e = check_threads(&[1, 3], 2).unwrap_err();
        assert_eq!(
            e,
            "--threads 3 is more than this machine's 2 cores; more threads than cores would measure the scheduler"
        );
    }
}
