//! The runner's clock: the timed window as the worker threads see it.
//!
//! bustle 0.5.1 times a run on its main thread: it releases the workers
//! through a barrier, *then* reads `Instant::now()`, and stops the clock at
//! a second barrier. With as many workers as cores (2 on this machine) the
//! main thread is a third runnable thread; when the scheduler leaves it
//! off the CPU after the release, the workers run (or finish) before the
//! clock starts. The first `--quick` smoke run showed it: dashmap
//! read-heavy at 2 threads came out at 71,624 Mops/s, a window of about
//! one microsecond for 65,536 operations.
//!
//! So each map runs wrapped in [`Clocked`]: its handle counts operations
//! and reads the clock at the thread's first and last operation of the
//! timed mix (bustle gives every thread exactly `total_ops / threads`
//! operations). The window is the earliest first operation to the latest
//! last one, and throughput is the operations done in it over its length.
//! The cost is one counter increment and two predictable branches per
//! operation, the same for every map. bustle's own figure is kept beside
//! ours in the CSV and JSON.
//!
//! bustle creates the collection inside `run_silently` and gives no way to
//! pass it anything, so the expected counts and the reported windows
//! travel through one static, `CURRENT`, that the handles lock at pin and
//! at drop (never in the timed loop). [`run`] holds a second lock for the
//! whole run: one run at a time per process (which a throughput
//! measurement wants anyway; parallel tests take turns).

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use bustle::{Collection, CollectionHandle};

/// What the handles of the current run need to know and what they report.
#[derive(Debug)]
struct RunClock {
    /// Worker threads of the run (bustle pins this many prefill handles
    /// first, joins them, then pins as many mix handles).
    threads: usize,
    /// Operations each mix thread performs.
    ops_per_thread: u64,
    /// Handles pinned so far in this run.
    pins: usize,
    /// Each finished mix thread's (first, last) operation time.
    windows: Vec<(Instant, Instant)>,
}

/// The current run's clock.
static CURRENT: Mutex<RunClock> = Mutex::new(RunClock { threads: 0, ops_per_thread: 0, pins: 0, windows: Vec::new() });

/// Held by [`run`] for a whole run.
static TURN: Mutex<()> = Mutex::new(());

fn current() -> std::sync::MutexGuard<'static, RunClock> {
    CURRENT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f` (one bustle run of `Clocked<C>`) with a fresh clock for
/// `threads` threads of `ops_per_thread` operations each; returns `f`'s
/// value and the window: earliest first operation to latest last
/// operation over the mix threads, `None` unless every mix thread
/// reported. Concurrent callers wait for each other.
pub fn run<R>(threads: usize, ops_per_thread: u64, f: impl FnOnce() -> R) -> (R, Option<Duration>) {
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    *current() = RunClock { threads, ops_per_thread, pins: 0, windows: Vec::new() };
    let value = f();
    let c = current();
    let window = if c.threads > 0 && c.windows.len() == c.threads {
        let first = c.windows.iter().map(|w| w.0).min();
        let last = c.windows.iter().map(|w| w.1).max();
        first.zip(last).map(|(a, b)| b.duration_since(a))
    } else {
        None
    };
    (value, window)
}

/// `C` with a handle that clocks its thread's operations.
#[derive(Debug)]
pub struct Clocked<C>(C);

impl<C: Collection> Collection for Clocked<C> {
    type Handle = ClockedHandle<C::Handle>;

    fn with_capacity(capacity: usize) -> Self {
        Clocked(C::with_capacity(capacity))
    }

    fn pin(&self) -> Self::Handle {
        let (mix, target) = {
            let mut c = current();
            let index = c.pins;
            c.pins += 1;
            (index >= c.threads, c.ops_per_thread)
        };
        ClockedHandle { inner: self.0.pin(), mix, target, done: 0, first: None, last: None }
    }
}

/// A handle that counts its operations and reads the clock at the first
/// and at the `target`-th (the thread's last in the mix).
#[derive(Debug)]
pub struct ClockedHandle<H> {
    inner: H,
    /// A mix handle (the prefill handles are not clocked).
    mix: bool,
    target: u64,
    done: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl<H> ClockedHandle<H> {
    #[inline(always)]
    fn before(&mut self) {
        if self.done == 0 {
            self.first = Some(Instant::now());
        }
    }

    #[inline(always)]
    fn after(&mut self) {
        self.done += 1;
        if self.done == self.target {
            self.last = Some(Instant::now());
        }
    }
}

impl<H> Drop for ClockedHandle<H> {
    fn drop(&mut self) {
        if let (true, Some(first), Some(last)) = (self.mix, self.first, self.last) {
            current().windows.push((first, last));
        }
    }
}

impl<H: CollectionHandle> CollectionHandle for ClockedHandle<H> {
    type Key = H::Key;

    fn get(&mut self, key: &Self::Key) -> bool {
        self.before();
        let r = self.inner.get(key);
        self.after();
        r
    }

    fn insert(&mut self, key: &Self::Key) -> bool {
        self.before();
        let r = self.inner.insert(key);
        self.after();
        r
    }

    fn remove(&mut self, key: &Self::Key) -> bool {
        self.before();
        let r = self.inner.remove(key);
        self.after();
        r
    }

    fn update(&mut self, key: &Self::Key) -> bool {
        self.before();
        let r = self.inner.update(key);
        self.after();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conc::runner::measure;
    use crate::conc::workloads::{ConcWorkload, Scale};
    use std::collections::HashSet;
    use std::sync::Arc;

    /// A set whose every operation busy-waits `SPIN`.
    #[derive(Clone)]
    struct Slow(Arc<Mutex<HashSet<u64>>>);

    const SPIN: Duration = Duration::from_micros(5);

    fn spin() {
        let t = Instant::now();
        while t.elapsed() < SPIN {}
    }

    impl Collection for Slow {
        type Handle = Self;
        fn with_capacity(n: usize) -> Self {
            Slow(Arc::new(Mutex::new(HashSet::with_capacity(n))))
        }
        fn pin(&self) -> Self {
            self.clone()
        }
    }

    impl CollectionHandle for Slow {
        type Key = u64;
        fn get(&mut self, k: &u64) -> bool {
            spin();
            self.0.lock().unwrap().contains(k)
        }
        fn insert(&mut self, k: &u64) -> bool {
            self.0.lock().unwrap().insert(*k)
        }
        fn remove(&mut self, k: &u64) -> bool {
            spin();
            self.0.lock().unwrap().remove(k)
        }
        fn update(&mut self, k: &u64) -> bool {
            spin();
            self.0.lock().unwrap().contains(k)
        }
    }

    #[test]
    fn the_window_covers_every_timed_operation_and_not_the_prefill() {
        // 2^10 capacity, 75 % prefilled (inserts do not spin, so the
        // prefill adds nothing), 512 operations per thread, 98 % of them
        // spinning reads.
        let job = ConcWorkload::ReadHeavy.build(2, Scale { capacity_log2: 10, ops_scale: 1.0 }, [7; 32]);
        assert_eq!(job.ops_per_thread, 512);
        let t = measure::<Slow>(&job).unwrap();
        let floor = SPIN * 500;
        assert!(t.window >= floor, "{:?} < {floor:?}", t.window);
        assert_eq!(t.ops, 1024);
    }
}
