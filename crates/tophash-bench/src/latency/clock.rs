//! The harness's one clock: `quanta`'s raw TSC read, ordered with `lfence`
//! on x86-64, and the measured cost of reading it.
//!
//! Why the fences: `rdtsc` is not an ordered instruction. Unfenced, the
//! out-of-order core may read the counter before the instructions ahead of
//! it have finished, or start the insert's work before the first read, so
//! a latency could lose the insert's last cache misses or gain the
//! bookkeeping before it. `lfence; rdtsc; lfence` makes each read wait for
//! everything before it and keeps everything after it from starting early
//! (Linux's vDSO `clock_gettime`, behind Go's `nanotime`, orders its TSC
//! read the same way). The fences cost a few nanoseconds, which the
//! calibration ([`Clock::calibrate`]) measures with the same two reads the
//! timed loop makes, so every figure states what it includes.

use quanta::Clock as Quanta;
use serde::{Deserialize, Serialize};

/// The clock of the timed loop.
#[derive(Debug, Clone)]
pub struct Clock {
    quanta: Quanta,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// The clock and its own cost, as measured by [`Clock::calibrate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockInfo {
    /// What is read: the TSC (with its frequency) or `quanta`'s fallback.
    pub source: String,
    /// Median cost of two back-to-back [`Clock::stamp`]s, ns: about what
    /// every latency includes.
    pub median_ns: f64,
    /// Their mean, leaving out pairs of 1 µs or more (interrupts), ns;
    /// finer than the resolution when the clock ticks coarsely.
    pub mean_ns: f64,
    /// The step the clock advances by: the greatest common divisor of the
    /// differences seen in at least 1% of the pairs, ns.
    pub resolution_ns: f64,
}

impl Clock {
    /// `quanta`'s clock (it calibrates the TSC against the OS clock once).
    pub fn new() -> Clock {
        Clock { quanta: Quanta::new() }
    }

    /// One ordered read, in ticks (see the module docs). O(1), a few ns.
    #[inline(always)]
    pub fn stamp(&self) -> u64 {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `lfence` (SSE2) is part of the x86-64 baseline; it has no
        // operands and only orders instructions.
        unsafe {
            core::arch::x86_64::_mm_lfence();
        }
        let t = self.quanta.raw();
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        unsafe {
            core::arch::x86_64::_mm_lfence();
        }
        t
    }

    /// Nanoseconds between two [`Clock::stamp`]s.
    #[inline(always)]
    pub fn nanos(&self, start: u64, end: u64) -> u64 {
        self.quanta.delta_as_nanos(start, end)
    }

    /// Measures two back-to-back [`Clock::stamp`]s `reps` times. Deltas are
    /// kept in ticks and scaled once, so a coarse tick still shows in the
    /// mean. They go into a small on-stack histogram rather than a large
    /// buffer: freeing a large (mmapped) buffer would raise glibc's mmap
    /// threshold and change where the maps' arrays come from. O(reps);
    /// 2^20 reps take a few tens of ms.
    pub fn calibrate(&self, reps: u64) -> ClockInfo {
        const BINS: usize = 4096;
        let reps = reps.max(1);
        let mut hist = [0u64; BINS];
        for _ in 0..reps {
            let a = self.stamp();
            let b = self.stamp();
            hist[(b.wrapping_sub(a) as usize).min(BINS - 1)] += 1;
        }
        let step = hist.iter().enumerate().filter(|&(_, &c)| c * 100 >= reps).fold(0, |g, (t, _)| gcd(g, t as u64));
        const SCALE: u64 = 1 << 32;
        let ns_per_tick = self.quanta.delta_as_nanos(0, SCALE) as f64 / SCALE as f64;
        let mut seen = 0;
        let median = hist.iter().position(|&c| {
            seen += c;
            seen * 2 > reps
        });
        let cut = ((1000.0 / ns_per_tick) as usize).clamp(1, BINS - 1);
        let (sum, kept) =
            hist[..cut].iter().enumerate().fold((0u64, 0u64), |(s, k), (t, &c)| (s + t as u64 * c, k + c));
        let source = if (ns_per_tick - 1.0).abs() < 0.005 {
            "quanta raw (clock_gettime MONOTONIC: no invariant TSC)".to_string()
        } else {
            format!("quanta raw + lfence (rdtsc, TSC at {:.2} GHz)", 1.0 / ns_per_tick)
        };
        ClockInfo {
            source,
            median_ns: median.unwrap_or(BINS - 1) as f64 * ns_per_tick,
            mean_ns: sum as f64 / kept.max(1) as f64 * ns_per_tick,
            resolution_ns: step as f64 * ns_per_tick,
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_cheap_measured_and_monotonic() {
        let c = Clock::new();
        let ci = c.calibrate(10_000);
        assert!(ci.median_ns > 0.0 && ci.median_ns < 10_000.0, "{ci:?}");
        assert!(ci.resolution_ns <= ci.median_ns, "{ci:?}");
        let a = c.stamp();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = c.stamp();
        assert!(c.nanos(a, b) >= 1_000_000, "2 ms of sleep measured as {} ns", c.nanos(a, b));
        assert_eq!(gcd(12, 18), 6);
        assert_eq!(gcd(0, 7), 7);
    }
}
