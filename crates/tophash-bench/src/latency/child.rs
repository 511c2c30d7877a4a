//! One map's runs in processes of their own: the `latency` binary runs
//! itself as `latency child …` (or `go/latency`'s binary for Go) once per
//! map and run, so that each run's peak RSS is its own and no allocator
//! state carries over from another map.
//!
//! The child times every insert through [`timing::measure`], writes the
//! latencies (little-endian `u64` ns, one per insert) to a raw file and
//! prints one JSON line ([`ChildReport`]) for the parent.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::clock::Clock;
use super::timing::{Event, Options};
use super::{KeyKind, MapKind};

/// What a child (Rust or Go) reports on stdout, as one JSON line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChildReport {
    /// The map that ran.
    pub map: MapKind,
    /// Its keys.
    pub keys: KeyKind,
    /// Inserts.
    pub n: u64,
    /// Which clock timed the inserts.
    pub clock: String,
    /// Median cost of two back-to-back clock reads, ns.
    pub clock_overhead_ns: f64,
    /// Mean of the same (finer than the resolution when the clock ticks
    /// coarsely), ns.
    #[serde(default)]
    pub clock_overhead_mean_ns: f64,
    /// The clock's step (gcd of the back-to-back differences), ns.
    #[serde(default)]
    pub clock_resolution_ns: f64,
    /// RSS after the keys and the sample buffer were built, before the
    /// first insert (KiB).
    pub base_rss_kib: u64,
    /// Peak RSS (`VmHWM`) after the last insert, map still alive (KiB).
    pub peak_rss_kib: u64,
    /// The slowest inserts, with what the map did during them (Rust maps).
    #[serde(default)]
    pub events: Vec<Event>,
    /// Every insert during which the map visibly changed shape: a resize
    /// started or finished, the capacity grew past the length, or a block
    /// of 1 MiB or more was allocated or freed (Rust maps).
    #[serde(default)]
    pub transitions: Vec<Event>,
    /// Minor page faults of the whole timed loop.
    #[serde(default)]
    pub minor_faults: u64,
    /// Voluntary context switches of the whole timed loop.
    #[serde(default)]
    pub voluntary_switches: u64,
    /// Involuntary context switches (preemptions) of the whole timed loop.
    #[serde(default)]
    pub involuntary_switches: u64,
    /// The map's `PHASE_*` bits before the first insert (Rust maps that
    /// show them); with `transitions` they give the phase of every insert.
    #[serde(default)]
    pub initial_phase: Option<u8>,
    /// Go's runtime version, for the Go child.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub runtime: String,
}

/// Runs `map`'s workload once and writes the raw latencies to `raw`; the
/// report goes to stdout.
pub fn run(map: MapKind, keys: KeyKind, n: u64, raw: &Path, faults: bool) -> Result<()> {
    let Some(subject) = map.under_test() else { bail!("the Go map runs in go/latency, not in a Rust child") };
    if n == 0 {
        bail!("--n must be at least 1");
    }
    let clock = Clock::new();
    let ci = clock.calibrate(1 << 20);
    let len = usize::try_from(n).context("--n does not fit in usize")?;
    // Written, not just allocated, so that its pages are resident before
    // the baseline reading and never fault inside the timed loop.
    let mut samples = vec![u64::MAX; len];
    let mut opts = Options { clock: &clock, faults, progress: &mut |_| {} };
    let m = subject.measure(keys, &mut samples, &mut opts)?;
    write_raw(raw, &samples)?;
    let report = ChildReport {
        map,
        keys,
        n,
        clock: ci.source,
        clock_overhead_ns: ci.median_ns,
        clock_overhead_mean_ns: ci.mean_ns,
        clock_resolution_ns: ci.resolution_ns,
        base_rss_kib: m.base_rss_kib,
        peak_rss_kib: m.peak_rss_kib,
        events: m.events,
        transitions: m.transitions,
        minor_faults: m.usage.minor_faults,
        voluntary_switches: m.usage.voluntary_switches,
        involuntary_switches: m.usage.involuntary_switches,
        initial_phase: m.initial_phase,
        runtime: String::new(),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn write_raw(path: &Path, samples: &[u64]) -> Result<()> {
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    for s in samples {
        w.write_all(&s.to_le_bytes())?;
    }
    w.flush().with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Reads a raw file of `n` little-endian `u64` ns.
pub fn read_raw(path: &Path, n: u64) -> Result<Vec<u64>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() as u64 != n * 8 {
        bail!("{} has {} bytes, expected {} (8 per insert)", path.display(), bytes.len(), n * 8);
    }
    Ok(bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_files_round_trip_and_go_reports_parse() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.bin");
        write_raw(&p, &[1, 2, u64::MAX]).unwrap();
        assert_eq!(read_raw(&p, 3).unwrap(), vec![1, 2, u64::MAX]);
        assert!(read_raw(&p, 4).unwrap_err().to_string().contains("expected 32"));
        // What go/latency prints: no events, transitions or phase.
        let go = r#"{"map":"go","keys":"u64","n":5,"clock":"nanotime","clock_overhead_ns":20,"clock_overhead_mean_ns":21,"clock_resolution_ns":1,"base_rss_kib":1,"peak_rss_kib":2,"minor_faults":3,"voluntary_switches":0,"involuntary_switches":1,"runtime":"go1.19.8"}"#;
        let r: ChildReport = serde_json::from_str(go).unwrap();
        assert_eq!((r.map, r.initial_phase, r.transitions.len()), (MapKind::Go, None, 0));
    }
}
