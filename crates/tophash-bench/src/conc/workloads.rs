//! The four workloads, as bustle [`Workload`]s.
//!
//! The first three are conc-map-bench's (operation percentages read /
//! insert / remove / update / upsert, bustle's [`Mix`] fields):
//!
//! | workload | mix | initial capacity | prefill |
//! |---|---|---|---|
//! | `read-heavy` | 98 / 1 / 1 / 0 / 0 | 2^capacity_log2 | 75 % |
//! | `exchange` | 10 / 40 / 40 / 10 / 0 | 2^capacity_log2 | 75 % |
//! | `rapid-grow` | 5 / 80 / 5 / 10 / 0 | 2^capacity_log2 | none |
//! | `grow-from-empty` | 5 / 80 / 5 / 10 / 0 | 1 (2^0) | none |
//!
//! `rapid-grow` is, despite its name, a map *presized* for 2^capacity_log2
//! entries that never outgrows its first table (80 % of the operations
//! insert, so with `ops_scale` 1.0 it ends about 75 % full). `grow-from-empty`
//! is ours: the same mix and the same number of operations on a map built
//! with capacity 1, the smallest bustle asks for, so every doubling on the
//! way up is paid inside the timed window. The two rows side by side
//! separate a map's growth cost from its insert cost.
//!
//! Both draw their keys from the same key space: bustle generates
//! `max(capacity, insert operations)` keys per run, rounded up per thread
//! to a power of two, and 80 % of 2^capacity_log2 rounds up to the same
//! power as 2^capacity_log2 itself (for `ops_scale` up to 1.2).

use bustle::{Mix, Workload};

/// Prefill of `read-heavy` and `exchange`, as in conc-map-bench.
pub const PREFILL: f64 = 0.75;

/// One of the four workloads of the runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum ConcWorkload {
    /// 98 % reads on a 75 % full map.
    ReadHeavy,
    /// Inserts and removes in balance on a 75 % full map.
    Exchange,
    /// 80 % inserts into an empty map presized for all of them.
    RapidGrow,
    /// `rapid-grow`'s mix into a map that starts at capacity 1.
    GrowFromEmpty,
}

impl ConcWorkload {
    /// Every workload, in table order.
    pub const ALL: [ConcWorkload; 4] =
        [ConcWorkload::ReadHeavy, ConcWorkload::Exchange, ConcWorkload::RapidGrow, ConcWorkload::GrowFromEmpty];

    /// The name on the command line and in the CSV/JSON.
    pub fn name(self) -> &'static str {
        match self {
            ConcWorkload::ReadHeavy => "read-heavy",
            ConcWorkload::Exchange => "exchange",
            ConcWorkload::RapidGrow => "rapid-grow",
            ConcWorkload::GrowFromEmpty => "grow-from-empty",
        }
    }

    /// The operation mix.
    pub fn mix(self) -> Mix {
        match self {
            ConcWorkload::ReadHeavy => Mix { read: 98, insert: 1, remove: 1, update: 0, upsert: 0 },
            ConcWorkload::Exchange => Mix { read: 10, insert: 40, remove: 40, update: 10, upsert: 0 },
            ConcWorkload::RapidGrow | ConcWorkload::GrowFromEmpty => {
                Mix { read: 5, insert: 80, remove: 5, update: 10, upsert: 0 }
            }
        }
    }

    /// The mix as the table shows it: `98/1/1/0/0` (read/insert/remove/update/upsert).
    pub fn mix_label(self) -> String {
        let m = self.mix();
        format!("{}/{}/{}/{}/{}", m.read, m.insert, m.remove, m.update, m.upsert)
    }

    /// The fraction of the initial capacity filled before the timed window.
    pub fn prefill(self) -> f64 {
        match self {
            ConcWorkload::ReadHeavy | ConcWorkload::Exchange => PREFILL,
            ConcWorkload::RapidGrow | ConcWorkload::GrowFromEmpty => 0.0,
        }
    }

    /// The bustle workload for `threads` threads at `scale`, seeded with
    /// `seed` (with one thread the operation sequence is then fixed).
    pub fn build(self, threads: usize, scale: Scale, seed: [u8; 32]) -> Job {
        let mut w = Workload::new(threads, self.mix());
        w.prefill_fraction(self.prefill()).seed(seed);
        match self {
            ConcWorkload::GrowFromEmpty => {
                // bustle counts operations as a multiple of the initial
                // capacity; at capacity 2^0 = 1 the multiple *is* the count.
                w.initial_capacity_log2(0).operations(scale.total_ops() as f64)
            }
            _ => w.initial_capacity_log2(scale.capacity_log2).operations(scale.ops_scale),
        };
        Job { bustle: w, threads, ops_per_thread: scale.total_ops() / threads as u64 }
    }
}

/// One run to do: the bustle workload and the counts the runner's clock
/// needs (bustle keeps them private).
#[derive(Clone, Copy, Debug)]
pub struct Job {
    /// What bustle runs.
    pub bustle: Workload,
    /// Worker threads.
    pub threads: usize,
    /// Operations each worker performs in the timed mix (bustle's
    /// `total_ops / threads`).
    pub ops_per_thread: u64,
}

impl serde::Serialize for ConcWorkload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// How big a run is: the initial capacity 2^`capacity_log2` (also the
/// prefill's and the key space's base) and the operations per run,
/// `ops_scale` × 2^`capacity_log2` (bustle's `operations` multiple).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Scale {
    /// log2 of the initial capacity (conc-map-bench: 25).
    pub capacity_log2: u8,
    /// Operations per run as a multiple of the initial capacity
    /// (conc-map-bench: 1.0).
    pub ops_scale: f64,
}

impl Scale {
    /// conc-map-bench's size: 2^25 capacity, 2^25 operations per run.
    pub const FULL: Scale = Scale { capacity_log2: 25, ops_scale: 1.0 };
    /// `--quick`: 2^16 capacity and operations, a few milliseconds a run.
    pub const QUICK: Scale = Scale { capacity_log2: 16, ops_scale: 1.0 };
    /// The most operations a run may have: bustle divides a `Duration` by
    /// the operation count cast to `u32`.
    pub const MAX_OPS: u64 = 1 << 31;
    /// The fewest: below this the timed window is mostly thread start-up.
    pub const MIN_OPS: u64 = 1_000;

    /// Operations per run, as bustle computes them.
    pub fn total_ops(self) -> u64 {
        ((1u64 << self.capacity_log2) as f64 * self.ops_scale) as u64
    }

    /// Refuses a scale bustle cannot run or that measures nothing, in one line.
    pub fn check(self) -> Result<(), String> {
        let n = self.total_ops();
        if !(Self::MIN_OPS..=Self::MAX_OPS).contains(&n) {
            return Err(format!(
                "2^{} × {} = {n} operations per run is out of range: {} to {}",
                self.capacity_log2,
                self.ops_scale,
                Self::MIN_OPS,
                Self::MAX_OPS
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_are_conc_map_benchs_and_add_up() {
        for w in ConcWorkload::ALL {
            let m = w.mix();
            assert_eq!(m.read + m.insert + m.remove + m.update + m.upsert, 100, "{w:?}");
        }
        assert_eq!(ConcWorkload::ReadHeavy.mix_label(), "98/1/1/0/0");
        assert_eq!(ConcWorkload::Exchange.mix_label(), "10/40/40/10/0");
        assert_eq!(ConcWorkload::RapidGrow.mix_label(), "5/80/5/10/0");
        assert_eq!(ConcWorkload::GrowFromEmpty.mix_label(), ConcWorkload::RapidGrow.mix_label());
    }

    #[test]
    fn scale_bounds() {
        assert_eq!(Scale::FULL.total_ops(), 1 << 25);
        assert!(Scale::QUICK.check().is_ok());
        let tiny = Scale { capacity_log2: 4, ops_scale: 1.0 };
        assert!(tiny.check().unwrap_err().contains("out of range"));
        let huge = Scale { capacity_log2: 30, ops_scale: 4.0 };
        assert!(huge.check().is_err());
    }
}
