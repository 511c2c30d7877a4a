//! What a run writes: the markdown table (`table.md`, also printed), the
//! same numbers one per line in `results.csv`, and everything in
//! `results.json`; plus the machine line they all carry.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::conc::peers::{Peer, BASELINE};
use crate::conc::runner::{Cell, Plan};
use crate::size;

/// The machine the numbers come from: CPU model, cores, kernel, and the
/// load average when the run started (another process on a 2-core
/// machine halves what two threads can do).
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub kernel: String,
    /// `/proc/loadavg`'s 1-minute figure at the start.
    pub load_1min: Option<f64>,
}

impl Machine {
    /// Reads `/proc`; missing files give "unknown" fields, not errors.
    pub fn detect() -> Machine {
        let cpu = crate::cpu_model();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let load_1min = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|f| f.parse().ok()));
        Machine { cpu, cores: crate::conc::runner::cores(), kernel, load_1min }
    }

    /// `machine: <cpu>, <n> cores, Linux <kernel>, load average <l> at the start`.
    pub fn line(&self) -> String {
        let load = self.load_1min.map(|l| format!(", load average {l:.2} at the start")).unwrap_or_default();
        format!("machine: {}, {} cores, Linux {}{load}", self.cpu, self.cores, self.kernel)
    }

    /// Which thread counts this machine allows and which ran.
    pub fn threads_note(&self, threads: &[usize]) -> String {
        let list: Vec<String> = threads.iter().map(|t| t.to_string()).collect();
        let (s, verb) = if threads.len() == 1 { ("", "is") } else { ("s", "are") };
        format!(
            "this machine has {} core{}, so only {} thread{s} {verb} measured (the runner refuses more threads than cores)",
            self.cores,
            if self.cores == 1 { "" } else { "s" },
            list.join(" and "),
        )
    }
}

fn fmt_mops(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The markdown table with its caption: a row per workload × threads, a
/// column per map, each cell the median Mops/s and, when the baseline
/// ran, the ratio map ÷ `RwLock<hashbrown>` (above 1 is faster).
pub fn table(cells: &[Cell], plan: &Plan, machine: &Machine) -> String {
    let base_ran = plan.maps.contains(&BASELINE);
    let mut s = format!(
        "Concurrent throughput, median of {} run{} per cell (bustle 0.5; initial capacity 2^{}, {} operations per run)\n\n",
        plan.runs,
        if plan.runs == 1 { "" } else { "s" },
        plan.scale.capacity_log2,
        size::display(plan.scale.total_ops()),
    );
    let _ = writeln!(s, "{}", machine.line());
    let _ = writeln!(s, "{}\n", machine.threads_note(&plan.threads));
    let unit =
        if base_ran { format!("Mops/s (× = ÷ {}, above 1 is faster)", BASELINE.label()) } else { "Mops/s".into() };
    let _ = write!(s, "| workload: {unit} | mix r/i/rm/u/up | threads |");
    for m in &plan.maps {
        let _ = write!(s, " {} |", m.label());
    }
    s.push_str("\n|---|---|--:|");
    s.push_str(&"--:|".repeat(plan.maps.len()));
    s.push('\n');
    for &w in &plan.workloads {
        for &t in &plan.threads {
            let find = |m: Peer| cells.iter().find(|c| c.workload == w && c.threads == t && c.map == m);
            if !plan.maps.iter().any(|&m| find(m).is_some()) {
                continue;
            }
            let base = find(BASELINE).map(|c| c.median_mops).filter(|b| *b > 0.0);
            let _ = write!(s, "| {} | {} | {t} |", w.name(), w.mix_label());
            for &m in &plan.maps {
                match (find(m), base) {
                    (Some(c), Some(b)) => {
                        let _ = write!(s, " {} ({:.2}×) |", fmt_mops(c.median_mops), c.median_mops / b);
                    }
                    (Some(c), None) => {
                        let _ = write!(s, " {} |", fmt_mops(c.median_mops));
                    }
                    (None, _) => s.push_str(" — |"),
                }
            }
            s.push('\n');
        }
    }
    s
}

/// A line of `results.csv`: one cell.
#[derive(Debug, Serialize)]
struct CsvLine<'a> {
    workload: &'a str,
    mix: String,
    threads: usize,
    map: &'a str,
    ops_per_run: u64,
    median_mops: String,
    ratio_to_baseline: Option<String>,
    median_latency_ns: String,
    /// Each round's Mops/s, space-separated, in round order.
    rounds_mops: String,
    /// The same rounds by bustle's main-thread clock.
    rounds_bustle_mops: String,
}

/// Writes `results.csv`.
pub fn write_csv(path: &Path, cells: &[Cell]) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    for c in cells {
        let base = cells
            .iter()
            .find(|b| b.workload == c.workload && b.threads == c.threads && b.map == BASELINE)
            .map(|b| b.median_mops)
            .filter(|b| *b > 0.0);
        w.serialize(CsvLine {
            workload: c.workload.name(),
            mix: c.workload.mix_label(),
            threads: c.threads,
            map: c.map.name(),
            ops_per_run: c.ops,
            median_mops: format!("{:.4}", c.median_mops),
            ratio_to_baseline: base.map(|b| format!("{:.4}", c.median_mops / b)),
            median_latency_ns: format!("{:.1}", c.median_latency_ns),
            rounds_mops: c.rounds_mops.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>().join(" "),
            rounds_bustle_mops: c.rounds_bustle_mops.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>().join(" "),
        })?;
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `results.json`: the plan, the machine, the baseline and every cell.
#[derive(Debug, Serialize)]
pub struct Results<'a> {
    pub plan: &'a Plan,
    pub machine: &'a Machine,
    pub baseline: &'static str,
    pub hasher: &'static str,
    pub cells: &'a [Cell],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conc::workloads::{ConcWorkload, Scale};

    fn cell(workload: ConcWorkload, threads: usize, map: Peer, mops: f64) -> Cell {
        Cell {
            workload,
            threads,
            map,
            ops: 65_536,
            rounds_mops: vec![mops],
            median_mops: mops,
            median_latency_ns: 1e3 / mops,
            rounds_bustle_mops: vec![mops],
        }
    }

    fn machine() -> Machine {
        Machine { cpu: "Test CPU".into(), cores: 2, kernel: "6.1.0".into(), load_1min: Some(1.0) }
    }

    #[test]
    fn table_has_a_row_per_workload_and_threads_and_ratios_to_the_baseline() {
        let plan = Plan {
            workloads: vec![ConcWorkload::ReadHeavy, ConcWorkload::GrowFromEmpty],
            threads: vec![1, 2],
            maps: vec![Peer::RwLockHashbrown, Peer::DashMap],
            runs: 3,
            scale: Scale::QUICK,
        };
        let cells = vec![
            cell(ConcWorkload::ReadHeavy, 1, Peer::RwLockHashbrown, 10.0),
            cell(ConcWorkload::ReadHeavy, 1, Peer::DashMap, 25.0),
            cell(ConcWorkload::ReadHeavy, 2, Peer::RwLockHashbrown, 8.0),
            cell(ConcWorkload::ReadHeavy, 2, Peer::DashMap, 4.0),
            cell(ConcWorkload::GrowFromEmpty, 1, Peer::DashMap, 123.4),
        ];
        let t = table(&cells, &plan, &machine());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "Concurrent throughput, median of 3 runs per cell (bustle 0.5; initial capacity 2^16, 65536 operations per run)"
        );
        assert_eq!(lines[2], "machine: Test CPU, 2 cores, Linux 6.1.0, load average 1.00 at the start");
        assert_eq!(
            lines[3],
            "this machine has 2 cores, so only 1 and 2 threads are measured (the runner refuses more threads than cores)"
        );
        let rows: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with('|')).collect();
        assert_eq!(
            rows,
            [
                "| workload: Mops/s (× = ÷ RwLock<hashbrown 0.17>, above 1 is faster) | mix r/i/rm/u/up | threads | RwLock<hashbrown 0.17> | dashmap 6 |",
                "|---|---|--:|--:|--:|",
                "| read-heavy | 98/1/1/0/0 | 1 | 10.0 (1.00×) | 25.0 (2.50×) |",
                "| read-heavy | 98/1/1/0/0 | 2 | 8.00 (1.00×) | 4.00 (0.50×) |",
                "| grow-from-empty | 5/80/5/10/0 | 1 | — | 123 |",
            ]
        );
    }

    #[test]
    fn without_the_baseline_there_are_no_ratios() {
        let plan = Plan {
            workloads: vec![ConcWorkload::Exchange],
            threads: vec![1],
            maps: vec![Peer::Papaya],
            runs: 1,
            scale: Scale::QUICK,
        };
        let t = table(&[cell(ConcWorkload::Exchange, 1, Peer::Papaya, 2.5)], &plan, &machine());
        assert!(t.contains("| workload: Mops/s | mix"), "{t}");
        assert!(t.contains("| exchange | 10/40/40/10/0 | 1 | 2.50 |"), "{t}");
        assert!(t.contains("median of 1 run per cell"), "{t}");
        assert!(t.contains("so only 1 thread is measured"), "{t}");
    }
}
