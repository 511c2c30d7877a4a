//! Busy time: wall time minus the time the thread sat runnable, waiting for
//! a CPU.
//!
//! On a shared 2-core machine another process can take the core in the
//! middle of a timed span; the span then measures the other process too.
//! Linux counts, per thread, how long it waited in the run queue
//! (`/proc/thread-self/schedstat`, second field `run_delay`, in ns).
//! Reading it before and after a span and subtracting the difference
//! removes that wait; on an idle machine the difference is zero and the
//! result is plain wall time. Cache and memory-bandwidth interference from
//! a neighbour are not removed: compare ratios measured in one run.
//!
//! Both the `compare` runner and the Criterion benches (as a Criterion
//! `Measurement`) time through this module. Where the file is missing (not
//! Linux, or a kernel without scheduler statistics) [`RunQueue::delay`] is
//! `None` and [`busy`] returns plain wall time.

use std::fs::File;
use std::time::Duration;

/// The calling thread's run-queue counter.
///
/// Open it on the thread that will be timed: `thread-self` names the
/// thread that opens the file.
#[derive(Debug)]
pub struct RunQueue {
    file: Option<File>,
}

impl RunQueue {
    /// Opens `/proc/thread-self/schedstat`; never fails (see [`RunQueue::delay`]).
    pub fn open() -> RunQueue {
        RunQueue { file: File::open("/proc/thread-self/schedstat").ok() }
    }

    /// Whether the counter can be read here.
    pub fn available(&self) -> bool {
        self.delay().is_some()
    }

    /// Total ns this thread has waited for a CPU since it started, or
    /// `None` where the counter is unavailable. One `pread` system call.
    pub fn delay(&self) -> Option<u64> {
        use std::os::unix::fs::FileExt;
        let f = self.file.as_ref()?;
        let mut buf = [0u8; 96];
        let len = f.read_at(&mut buf, 0).ok()?;
        parse_run_delay(std::str::from_utf8(&buf[..len]).ok()?)
    }
}

/// The `run_delay` field of a schedstat line: `"<on-cpu ns> <run_delay ns>
/// <timeslices>"`.
pub fn parse_run_delay(line: &str) -> Option<u64> {
    let mut fields = line.split_whitespace();
    fields.next()?.parse::<u64>().ok()?;
    fields.next()?.parse().ok()
}

/// A span of `wall` time between counter readings `before` and `after`:
/// returns the busy time and the wait subtracted. A wait at least as long
/// as the span happened (partly) outside it, around the readings, so the
/// raw time is kept and nothing is subtracted: the caller's median or
/// Criterion's outlier analysis deals with that sample.
pub fn busy(wall: Duration, before: Option<u64>, after: Option<u64>) -> (Duration, Duration) {
    let waited = match (before, after) {
        (Some(a), Some(b)) => Duration::from_nanos(b.saturating_sub(a)),
        _ => Duration::ZERO,
    };
    if waited < wall {
        (wall - waited, waited)
    } else {
        (wall, Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_second_field() {
        assert_eq!(parse_run_delay("123456 7890 12\n"), Some(7890));
        assert_eq!(parse_run_delay("0 0 0"), Some(0));
        assert_eq!(parse_run_delay("123456"), None);
        assert_eq!(parse_run_delay("x 5 1"), None);
        assert_eq!(parse_run_delay("1 -5 1"), None);
        assert_eq!(parse_run_delay(""), None);
    }

    #[test]
    fn subtracts_a_wait_inside_the_span_only() {
        let ms = Duration::from_millis;
        // 3 ms of a 10 ms span were spent waiting.
        assert_eq!(busy(ms(10), Some(1_000_000), Some(4_000_000)), (ms(7), ms(3)));
        // No wait: wall time.
        assert_eq!(busy(ms(10), Some(5), Some(5)), (ms(10), Duration::ZERO));
        // A wait as long as the span cannot have been inside it.
        assert_eq!(busy(ms(10), Some(0), Some(10_000_000)), (ms(10), Duration::ZERO));
        assert_eq!(busy(ms(10), Some(0), Some(20_000_000)), (ms(10), Duration::ZERO));
        // Counter unavailable, or going backwards: wall time.
        assert_eq!(busy(ms(10), None, Some(5)), (ms(10), Duration::ZERO));
        assert_eq!(busy(ms(10), Some(9), Some(5)), (ms(10), Duration::ZERO));
    }

    #[test]
    fn the_live_counter_never_goes_backwards() {
        let rq = RunQueue::open();
        if cfg!(target_os = "linux") {
            assert!(rq.available(), "/proc/thread-self/schedstat is unreadable on this Linux");
        }
        if let Some(a) = rq.delay() {
            // Yield the CPU a few times so the counter may move.
            for _ in 0..100 {
                std::thread::yield_now();
            }
            assert!(rq.delay().unwrap() >= a);
        }
    }
}
