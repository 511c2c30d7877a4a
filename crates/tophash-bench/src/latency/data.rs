//! The one CSV format of per-insert latencies, its writer and its reader.
//!
//! One file per map and workload, `<dir>/csv/<map>-<keys>-<n>.csv`
//! ([`csv_path`]), one row per window of `w = ceil(n / 1,000,000)`
//! consecutive inserts (the last window may be shorter): up to a million
//! inserts a row is one insert, above that the file stays at a million
//! rows and every window keeps its slowest insert, so the maximum and
//! every spike survive. Columns ([`Row`]):
//!
//! | column | meaning |
//! |---|---|
//! | `first_index`, `inserts` | the window: inserts `first_index ..first_index + inserts` |
//! | `repro_max_ns`, `repro_max_index` | its slowest reproducible insert (per insert the fastest of the runs, see [`runs`](super::runs)) |
//! | `repro_median_ns` | the median of its reproducible latencies |
//! | `max_ns`, `max_index` | its slowest insert in any run |
//! | `phase` | `PHASE_*` bits seen in it (1: resizing, 2: releasing an old array), empty for maps that do not show their state |
//!
//! Summaries are computed from all samples before they are written; the
//! plot ([`plot`](super::plot)) is drawn from these files alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use serde::{Deserialize, Serialize};

use super::runs::RunSet;
use super::Workload;

/// Up to this many inserts, a row is one insert.
pub const ROWS_MAX: usize = 1_000_000;

/// The header [`write_csv`] writes: [`Row`]'s fields.
const HEADER: [&str; 8] =
    ["first_index", "inserts", "repro_max_ns", "repro_max_index", "repro_median_ns", "max_ns", "max_index", "phase"];

/// One CSV row: a window of consecutive inserts (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The window's first insert index.
    pub first_index: u64,
    /// Inserts in the window (1 up to [`ROWS_MAX`] inserts).
    pub inserts: u64,
    /// Its slowest reproducible latency, ns.
    pub repro_max_ns: u64,
    /// The insert with that latency.
    pub repro_max_index: u64,
    /// The median of its reproducible latencies, ns.
    pub repro_median_ns: u64,
    /// Its slowest latency in any run, ns.
    pub max_ns: u64,
    /// The insert with that latency.
    pub max_index: u64,
    /// `PHASE_*` bits seen in the window; `None` if the map shows none.
    pub phase: Option<u8>,
}

/// `<dir>/csv/<map>-<keys>-<n>.csv`.
pub fn csv_path(dir: &Path, map: &str, w: &Workload) -> PathBuf {
    dir.join("csv").join(format!("{map}-{}.csv", w.stem()))
}

/// The rows of one map's runs; `phases` (per insert, from the last run) is
/// `None` for maps that do not show their state. O(n).
pub fn rows(set: &RunSet, phases: Option<&[u8]>) -> Vec<Row> {
    let n = set.fastest.len();
    let win = n.div_ceil(ROWS_MAX).max(1);
    let argmax = |c: &[u64]| c.iter().enumerate().fold((0, 0), |acc, (j, &s)| if s > acc.1 { (j, s) } else { acc });
    let mut buf = Vec::with_capacity(win);
    let mut out = Vec::with_capacity(n.div_ceil(win));
    for (c, (fast, slow)) in set.fastest.chunks(win).zip(set.slowest.chunks(win)).enumerate() {
        let start = c * win;
        let (ri, rx) = argmax(fast);
        let (mi, mx) = argmax(slow);
        buf.clear();
        buf.extend_from_slice(fast);
        let mid = buf.len() / 2;
        let median = *buf.select_nth_unstable(mid).1;
        out.push(Row {
            first_index: start as u64,
            inserts: fast.len() as u64,
            repro_max_ns: rx,
            repro_max_index: (start + ri) as u64,
            repro_median_ns: median,
            max_ns: mx,
            max_index: (start + mi) as u64,
            phase: phases.map(|p| p[start..start + fast.len()].iter().fold(0, |a, &b| a | b)),
        });
    }
    out
}

/// Writes one map's runs to `path` (creating its directory).
pub fn write_csv(path: &Path, set: &RunSet, phases: Option<&[u8]>) -> Result<()> {
    write_rows(path, &rows(set, phases))
}

/// Writes rows of the one CSV format to `path` (creating its directory):
/// [`write_csv`]'s output, or rows a caller built itself (the concurrent
/// runner's windows, `conc::latency`).
pub fn write_rows(path: &Path, rows: &[Row]) -> Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    for r in rows {
        w.serialize(r).with_context(|| format!("cannot write {}", path.display()))?;
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads a file [`write_csv`] wrote; fails on any other header, a bad
/// field (naming the line), or no rows.
pub fn read_csv(path: &Path) -> Result<Vec<Row>> {
    let mut r = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let header: Vec<String> = r.headers()?.iter().map(str::to_owned).collect();
    ensure!(header == HEADER, "{}: not a latency CSV (header {:?})", path.display(), header.join(","));
    let rows = r.deserialize().collect::<Result<Vec<Row>, _>>().with_context(|| format!("{}", path.display()))?;
    if rows.is_empty() {
        bail!("{}: no rows", path.display());
    }
    Ok(rows)
}

/// Every `<out>/csv/<map>-<keys>-<n>.csv`, grouped by workload, maps in
/// name order.
pub fn find_csvs(out: &Path) -> Result<BTreeMap<Workload, Vec<(String, PathBuf)>>> {
    let dir = out.join("csv");
    let mut found: BTreeMap<Workload, Vec<(String, PathBuf)>> = BTreeMap::new();
    for e in std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let p = e?.path();
        let Some(stem) = p.file_name().and_then(|s| s.to_str()).and_then(|s| s.strip_suffix(".csv")) else {
            continue;
        };
        let Some((map, w)) = stem.split_once('-') else { continue };
        if let Some(w) = Workload::from_stem(w) {
            found.entry(w).or_default().push((map.to_owned(), p));
        }
    }
    for v in found.values_mut() {
        v.sort();
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::KeyKind;

    #[test]
    fn small_runs_are_written_insert_by_insert() {
        let dir = tempfile::tempdir().unwrap();
        let mut set = RunSet::default();
        set.add(&[5, 40, 7, 3]);
        set.add(&[6, 30, 9, 2]);
        let w = Workload { keys: KeyKind::U64, n: 4 };
        let p = csv_path(dir.path(), "toy", &w);
        write_csv(&p, &set, Some(&[0, 1, 3, 0])).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            text.lines().take(3).collect::<Vec<_>>(),
            [
                "first_index,inserts,repro_max_ns,repro_max_index,repro_median_ns,max_ns,max_index,phase",
                "0,1,5,0,5,6,0,0",
                "1,1,30,1,30,40,1,1"
            ]
        );
        let rows = read_csv(&p).unwrap();
        assert_eq!(rows[2].phase, Some(3));
        write_csv(&p, &set, None).unwrap();
        assert!(read_csv(&p).unwrap().iter().all(|r| r.phase.is_none()));
        let found = find_csvs(dir.path()).unwrap();
        assert_eq!(found[&w], vec![("toy".to_owned(), p)]);
    }

    #[test]
    fn large_runs_keep_every_windows_maximum() {
        let v: Vec<u64> = (0..2_500_003u64).map(|i| if i == 1_234_567 { 999_999 } else { i % 97 }).collect();
        let mut set = RunSet::default();
        set.add(&v);
        set.add(&v.iter().map(|x| x / 2).collect::<Vec<_>>());
        let rows = rows(&set, None);
        assert_eq!(rows.len(), 833_335, "windows of 3 inserts");
        assert_eq!(rows.iter().map(|r| r.inserts).sum::<u64>(), v.len() as u64);
        let top = rows.iter().max_by_key(|r| r.max_ns).unwrap();
        assert_eq!((top.max_index, top.max_ns), (1_234_567, 999_999));
        assert_eq!((top.repro_max_index, top.repro_max_ns), (1_234_567, 499_999));
    }

    #[test]
    fn other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "index,ns\n1,2\n").unwrap();
        assert!(read_csv(&p).unwrap_err().to_string().contains("not a latency CSV"));
        std::fs::write(&p, "first_index,inserts,repro_max_ns,repro_max_index,repro_median_ns,max_ns,max_index,phase\n")
            .unwrap();
        assert!(read_csv(&p).unwrap_err().to_string().ends_with("no rows"));
        std::fs::write(
            &p,
            "first_index,inserts,repro_max_ns,repro_max_index,repro_median_ns,max_ns,max_index,phase\n0,1,x,0,0,0,0,\n",
        )
        .unwrap();
        let e = format!("{:#}", read_csv(&p).unwrap_err());
        assert!(e.contains("line: 2"), "{e}");
    }
}
