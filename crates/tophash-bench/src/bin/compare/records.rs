//! What a comparison run records (also what the Go program sends, one JSON
//! object per line), and its configuration.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The resolved configuration, as `results.json` records it.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub sizes: Vec<usize>,
    pub runs: u32,
    pub min_ops: usize,
    pub keys: Vec<String>,
    pub workloads: Vec<String>,
    pub maps: Vec<String>,
    pub words: PathBuf,
    pub out: PathBuf,
    /// What `go version` printed, if Go ran.
    pub go_version: Option<String>,
}

/// One (map, keys, size, workload): each round's figure and the median.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimeRecord {
    pub map: String,
    pub keys: String,
    pub size: usize,
    pub workload: String,
    /// Timed passes per round.
    pub iters: usize,
    pub rounds_ns_per_op: Vec<f64>,
    #[serde(default)]
    pub median_ns_per_op: f64,
    /// The last pass's checksum.
    pub checksum: u64,
}

/// One (map, keys, size): bytes after one build from empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemRecord {
    pub map: String,
    pub keys: String,
    pub size: usize,
    pub live_bytes: i64,
    /// The high-water mark during the build (Go has none).
    #[serde(default)]
    pub peak_bytes: Option<i64>,
}

/// A line of the Go program's output.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum GoLine {
    Time(TimeRecord),
    Mem(MemRecord),
}

/// Everything measured; `results.json`.
#[derive(Debug, Default, Serialize)]
pub struct Results {
    pub config: Option<Config>,
    pub times: Vec<TimeRecord>,
    pub memory: Vec<MemRecord>,
}
