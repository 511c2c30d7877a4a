//! The concurrent throughput runner (issue #17), measuring today's
//! concurrent maps so tophash's concurrent map has numbers to meet.
//!
//! Built on `bustle` 0.5, the harness behind conc-map-bench (a port of
//! libcuckoo's universal benchmark): each run builds a fresh map with the
//! workload's initial capacity, prefills it, then `threads` threads each
//! run their share of a fixed operation mix over their own key range,
//! timed from the first thread's first operation to the last thread's last
//! one (by [`clock`], not bustle's main-thread clock: see there why). The
//! figure is operations ÷ that window, in millions of operations per
//! second (Mops/s).
//!
//! * [`workloads`]: conc-map-bench's `read-heavy`, `exchange` and
//!   `rapid-grow`, and our `grow-from-empty` (rapid-grow's mix from
//!   capacity 1); [`workloads::Scale`] sizes them.
//! * [`peers`]: the maps as bustle collections, all hashing with the same
//!   fixed-seed foldhash; [`peers::Peer`] lists them (adding tophash's map
//!   is one `Collection` impl and one line there).
//! * [`runner`]: the rounds (maps alternating, the median kept), the
//!   result checks (bustle asserts every operation's answer), the thread
//!   limit.
//! * [`clock`]: the window as the worker threads see it.
//! * [`report`]: the markdown table (ratios to `RwLock<hashbrown>`), the
//!   CSV and JSON, the machine line.
//! * [`latency`]: the concurrent per-insert *latency* runner (threads
//!   filling one empty map, every insert timed, the reproducible maximum
//!   per window of map sizes); the `conc-latency` binary's library.
//!
//! The binary is `src/bin/conc.rs`; `scripts/conc.sh` builds and runs it.
//!
//! What the numbers are not: bustle clocks wall time, so on a shared
//! machine another process's work lands in the figure (the table prints
//! the load average at the start); and with 2 cores only 1 and 2 threads
//! can be measured, which shows single-thread cost and first contention,
//! not scaling.

pub mod clock;
pub mod latency;
pub mod peers;
pub mod report;
pub mod runner;
pub mod workloads;
