//! Running targets outside libFuzzer: replaying files, counting
//! executions for `scripts/fuzz.sh`, and the table of targets.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::map::{collide, large, map_ops, types};
use crate::set::set_ops;

/// Counts executions and operations, and writes the totals to the file
/// named by `TOPHASH_FUZZ_STATS` (every 64 executions) for `scripts/fuzz.sh`.
pub fn record(ops: usize) {
    static EXECS: AtomicU64 = AtomicU64::new(0);
    static OPS: AtomicU64 = AtomicU64::new(0);
    let e = EXECS.fetch_add(1, Ordering::Relaxed) + 1;
    let o = OPS.fetch_add(ops as u64, Ordering::Relaxed) + ops as u64;
    if e % 64 == 1 {
        if let Some(path) = std::env::var_os("TOPHASH_FUZZ_STATS") {
            // Best effort: a failed write only loses the count.
            let _ = std::fs::write(path, format!("{e} {o}\n"));
        }
    }
}

/// The `main` of a target built without `--cfg fuzzing`: replays every file
/// named on the command line (directories: every file in them) and prints
/// how many inputs and operations ran.
pub fn replay_main(name: &str, target: fn(&[u8]) -> usize) {
    let mut files = Vec::new();
    for arg in std::env::args_os().skip(1) {
        let p = std::path::PathBuf::from(arg);
        if p.is_dir() {
            let mut v: Vec<_> = std::fs::read_dir(&p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .map(|e| e.expect("a directory entry").path())
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            files.extend(v);
        } else {
            files.push(p);
        }
    }
    let mut ops = 0;
    for f in &files {
        let data = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        ops += target(&data);
    }
    println!("{name}: {} inputs, {ops} operations, all clean", files.len());
}

/// A fuzz target: runs one input, returns the operations applied.
pub type Target = fn(&[u8]) -> usize;

/// Every target by name, for the replay test and tools.
pub const TARGETS: &[(&str, Target)] =
    &[("map_ops", map_ops), ("collide", collide), ("types", types), ("large", large), ("set_ops", set_ops)];
