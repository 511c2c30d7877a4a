//! What a comparison writes: the markdown table (`table.md`, also printed)
//! and `results.csv`, both from the same rows; `results.json` is
//! [`Results`] itself.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use tophash_bench::maps::{BTree, BenchMap, Griddle, Hashbrown, IndexMapFold, StdFold, StdSip, Tophash};
use tophash_bench::size;

use crate::records::{Config, MemRecord, Results};
use crate::MAP_IDS;

/// One row of the table: a metric for one (keys, size), a value per map id.
struct Row {
    /// The metric as `results.csv` names it: `lookup_hit`, `memory_live`.
    metric: String,
    /// Its unit: `ns/op`, `B/entry`.
    unit: &'static str,
    keys: String,
    size: usize,
    values: BTreeMap<String, f64>,
}

impl Row {
    /// The metric as the table shows it: `lookup_hit (ns/op)`, `memory live (B/entry)`.
    fn title(&self) -> String {
        let m = if self.unit == "ns/op" { self.metric.clone() } else { self.metric.replace('_', " ") };
        format!("{m} ({})", self.unit)
    }
}

/// The table's rows: every timed workload, then memory live and peak.
fn rows(res: &Results, cfg: &Config) -> Vec<Row> {
    let mut out = Vec::new();
    for w in &cfg.workloads {
        for k in &cfg.keys {
            for &n in &cfg.sizes {
                let values: BTreeMap<String, f64> = res
                    .times
                    .iter()
                    .filter(|t| &t.workload == w && &t.keys == k && t.size == n)
                    .map(|t| (t.map.clone(), t.median_ns_per_op))
                    .collect();
                if !values.is_empty() {
                    out.push(Row { metric: w.clone(), unit: "ns/op", keys: k.clone(), size: n, values });
                }
            }
        }
    }
    type Metric = fn(&MemRecord) -> Option<f64>;
    let metrics: [(&str, Metric); 2] = [
        ("memory_live", |m| Some(m.live_bytes as f64 / m.size as f64)),
        ("memory_peak", |m| m.peak_bytes.map(|p| p as f64 / m.size as f64)),
    ];
    for (metric, f) in metrics {
        for k in &cfg.keys {
            for &n in &cfg.sizes {
                let values: BTreeMap<String, f64> = res
                    .memory
                    .iter()
                    .filter(|m| &m.keys == k && m.size == n)
                    .filter_map(|m| f(m).map(|v| (m.map.clone(), v)))
                    .collect();
                if !values.is_empty() {
                    out.push(Row { metric: metric.into(), unit: "B/entry", keys: k.clone(), size: n, values });
                }
            }
        }
    }
    out
}

/// A map id's column header.
fn label(id: &str, go_version: Option<&str>) -> String {
    match id {
        "tophash" => Tophash::<u64>::LABEL.into(),
        "hashbrown" => Hashbrown::<u64>::LABEL.into(),
        "std_fold" => StdFold::<u64>::LABEL.into(),
        "std_sip" => StdSip::<u64>::LABEL.into(),
        "griddle" => Griddle::<u64>::LABEL.into(),
        "indexmap" => IndexMapFold::<u64>::LABEL.into(),
        "btreemap" => BTree::<u64>::LABEL.into(),
        "go" => match go_version.and_then(|v| v.split_whitespace().nth(2)) {
            Some(v) => format!("Go {}", v.trim_start_matches("go")),
            None => "Go".into(),
        },
        other => other.into(),
    }
}

fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The markdown table: a row per metric × keys × size, a column per map
/// (value and ratio to hashbrown), and tophash ÷ Go when both ran.
pub fn table(res: &Results, cfg: &Config) -> String {
    let maps: Vec<&str> = MAP_IDS.iter().copied().filter(|id| cfg.maps.iter().any(|m| m == id)).collect();
    let go = maps.contains(&"go") && maps.contains(&"tophash");
    let mut s = String::from("| workload | keys | n |");
    for id in &maps {
        let _ = write!(s, " {} |", label(id, cfg.go_version.as_deref()));
    }
    if go {
        s.push_str(" tophash ÷ Go |");
    }
    s.push_str("\n|---|---|--:|");
    s.push_str(&"--:|".repeat(maps.len() + usize::from(go)));
    s.push('\n');
    for r in rows(res, cfg) {
        let _ = write!(s, "| {} | {} | {} |", r.title(), r.keys, size::display(r.size as u64));
        let base = r.values.get("hashbrown").copied();
        for id in &maps {
            match (r.values.get(*id), base) {
                (Some(&v), Some(b)) if b > 0.0 => {
                    let _ = write!(s, " {} ({:.2}×) |", fmt_num(v), v / b);
                }
                (Some(&v), _) => {
                    let _ = write!(s, " {} |", fmt_num(v));
                }
                (None, _) => s.push_str(" — |"),
            }
        }
        if go {
            match (r.values.get("tophash"), r.values.get("go")) {
                (Some(&t), Some(&g)) if g > 0.0 => {
                    let _ = write!(s, " {:.2}× |", t / g);
                }
                _ => s.push_str(" — |"),
            }
        }
        s.push('\n');
    }
    s
}

/// A line of `results.csv`: one map's value in one table row, with the
/// rounds behind it for timed workloads. Numbers keep the precision the
/// table was computed with (4 decimals; 3 for the rounds).
#[derive(Debug, Serialize)]
struct CsvLine<'a> {
    metric: &'a str,
    keys: &'a str,
    size: usize,
    map: &'a str,
    value: String,
    unit: &'a str,
    ratio_to_hashbrown: Option<String>,
    iters: Option<usize>,
    /// Each round's median ns/op, space-separated.
    rounds_ns_per_op: String,
}

/// Writes `results.csv`.
pub fn write_csv(path: &Path, res: &Results, cfg: &Config) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    for r in rows(res, cfg) {
        let base = r.values.get("hashbrown").copied().filter(|b| *b > 0.0);
        for (map, v) in &r.values {
            let t = res
                .times
                .iter()
                .find(|t| t.map == *map && t.keys == r.keys && t.size == r.size && t.workload == r.metric);
            let rounds = t.map(|t| t.rounds_ns_per_op.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(" "));
            w.serialize(CsvLine {
                metric: &r.metric,
                keys: &r.keys,
                size: r.size,
                map,
                value: format!("{v:.4}"),
                unit: r.unit,
                ratio_to_hashbrown: base.map(|b| format!("{:.4}", v / b)),
                iters: t.map(|t| t.iters),
                rounds_ns_per_op: rounds.unwrap_or_default(),
            })?;
        }
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
