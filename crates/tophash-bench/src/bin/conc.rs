//! `conc`: concurrent throughput of dashmap, papaya, scc, flurry and
//! `RwLock<hashbrown::HashMap>` under bustle's workloads, in one table
//! (issue #17; tophash's concurrent map joins when it exists).
//!
//! ```text
//! cargo run --release -p tophash-bench --bin conc -- --quick
//! cargo run --release -p tophash-bench --bin conc -- --workloads read-heavy --maps dashmap,papaya --runs 5
//! ```
//!
//! (`scripts/conc.sh` builds and runs it.) For every workload × thread
//! count it runs each map `--runs` times, the maps alternating between
//! rounds, and prints ONE markdown table: a row per workload × threads, a
//! column per map, each cell the median Mops/s and its ratio to
//! `RwLock<hashbrown>` (map ÷ baseline: above 1 is faster). Above the table:
//! the scale, the machine (CPU, cores, kernel, load average) and the
//! thread counts measured. The method is in `tophash_bench::conc`; every
//! operation's answer is checked by bustle, and a map that fails a check
//! stops the run with a one-line error naming it.
//!
//! Threads: at most this machine's cores (`--threads 3` on 2 cores is
//! refused, not warned about: more threads than cores measures the
//! scheduler's time slices, not the map).
//!
//! Size: conc-map-bench's, 2^25 initial capacity and 2^25 operations per
//! run (`--capacity-log2`, `--ops-scale`); `--quick` makes it 2^16.
//!
//! Results also go to `--out` (default `target/conc`, written through
//! `tophash_bench::outdir`: a directory this tool did not write is refused
//! unless `--force`): `table.md`, `results.csv`, `results.json`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::builder::ArgPredicate;
use clap::Parser;
use tophash_bench::conc::peers::Peer;
use tophash_bench::conc::report::{self, Machine, Results};
use tophash_bench::conc::runner::{self, Plan};
use tophash_bench::conc::workloads::{ConcWorkload, Scale};
use tophash_bench::{cli, outdir};

#[derive(Parser, Debug)]
#[command(
    name = "conc",
    version,
    about = "Concurrent throughput (bustle) of dashmap, papaya, scc, flurry and RwLock<hashbrown>; print one markdown table"
)]
struct Cli {
    /// Thread counts, comma-separated; none above this machine's cores
    #[arg(long, value_delimiter = ',', value_parser = parse_threads, default_value = "1,2")]
    threads: Vec<usize>,
    /// Workloads, comma-separated
    #[arg(long, value_delimiter = ',', value_enum, default_value = "read-heavy,exchange,rapid-grow,grow-from-empty")]
    workloads: Vec<ConcWorkload>,
    /// Maps, comma-separated [default: all]
    #[arg(long, value_delimiter = ',', value_enum)]
    maps: Vec<Peer>,
    /// Runs per cell; the table shows the median
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    runs: u32,
    /// Initial capacity 2^N (also sizes the prefill and the key space)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(10..=28),
          default_value = "25", default_value_if("quick", ArgPredicate::IsPresent, Some("16")))]
    capacity_log2: u8,
    /// Operations per run, as a multiple of the initial capacity
    #[arg(long, value_name = "F", default_value_t = 1.0, value_parser = parse_ops_scale)]
    ops_scale: f64,
    /// Short run: initial capacity 2^16 (65536 operations per run); a few seconds in all
    #[arg(long)]
    quick: bool,
    /// Output directory for table.md, results.csv and results.json
    #[arg(long, default_value = "target/conc")]
    out: PathBuf,
    /// Write into --out even if this tool did not write it (only adds and
    /// replaces files of the same names)
    #[arg(long)]
    force: bool,
}

/// A `--threads` value, 1 to 1024.
fn parse_threads(s: &str) -> Result<usize, String> {
    runner::parse_threads(s, 1024)
}

fn parse_ops_scale(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!("'{s}' is not a positive multiple (examples: 1, 0.5, 2)")),
    }
}

/// The plan the command line asks for, checked against a machine of
/// `cores` cores; every refusal is one line.
fn plan(cli: &Cli, cores: usize) -> Result<Plan, String> {
    let threads = runner::dedup(&cli.threads);
    runner::check_threads(&threads, cores)?;
    let scale = Scale { capacity_log2: cli.capacity_log2, ops_scale: cli.ops_scale };
    scale.check()?;
    let maps = if cli.maps.is_empty() { Peer::ALL.to_vec() } else { runner::dedup(&cli.maps) };
    Ok(Plan { workloads: runner::dedup(&cli.workloads), threads, maps, runs: cli.runs, scale })
}

fn run(cli: Cli) -> Result<()> {
    let plan = plan(&cli, runner::cores()).map_err(anyhow::Error::msg)?;
    let machine = Machine::detect();
    runner::record_panics(true);
    let built = outdir::build(&cli.out, cli.force, |dir| {
        let cells = runner::run_plan(&plan, |w, t| eprintln!("conc: {} × {t} thread(s)", w.name()))?;
        let md = report::table(&cells, &plan, &machine);
        std::fs::write(dir.join("table.md"), &md).context("writing table.md")?;
        report::write_csv(&dir.join("results.csv"), &cells)?;
        let results = Results {
            plan: &plan,
            machine: &machine,
            baseline: tophash_bench::conc::peers::BASELINE.name(),
            hasher: "foldhash 0.2 fast::FixedState, fixed seed tophash_bench::maps::SEED, for every map",
            cells: &cells,
        };
        std::fs::write(dir.join("results.json"), serde_json::to_string_pretty(&results)?)
            .context("writing results.json")?;
        Ok(md)
    })?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(built.value.as_bytes())?;
    stdout.flush()?;
    eprintln!("conc: wrote table.md, results.csv, results.json to {}", cli.out.display());
    Ok(())
}

fn main() -> ExitCode {
    let cli = match cli::parse::<Cli>("conc") {
        Ok((cli, _)) => cli,
        Err(code) => return code,
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cli::fail("conc", &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(words: &[&str]) -> Cli {
        cli::parse_from::<Cli, _, _>("conc", words).expect("parses").0
    }

    /// The binary's one-line error for `words`.
    fn usage_error(words: &[&str]) -> String {
        cli::usage_error::<Cli>(words).unwrap_or_else(|| panic!("{words:?} must be refused"))
    }

    #[test]
    fn defaults_and_quick() {
        let full = plan(&parse(&["conc"]), 2).unwrap();
        assert_eq!(full.threads, vec![1, 2]);
        assert_eq!(full.workloads, ConcWorkload::ALL.to_vec());
        assert_eq!(full.maps, Peer::ALL.to_vec());
        assert_eq!((full.runs, full.scale), (3, Scale::FULL));
        let quick = plan(&parse(&["conc", "--quick"]), 2).unwrap();
        assert_eq!(quick.scale, Scale::QUICK);
        let mine = plan(&parse(&["conc", "--quick", "--capacity-log2", "12", "--ops-scale", "0.5"]), 2).unwrap();
        assert_eq!(mine.scale, Scale { capacity_log2: 12, ops_scale: 0.5 });
        let picked =
            plan(&parse(&["conc", "--maps", "scc,dashmap,scc", "--workloads", "exchange", "--threads", "2,1,2"]), 2)
                .unwrap();
        assert_eq!(picked.maps, vec![Peer::Scc, Peer::DashMap]);
        assert_eq!(picked.workloads, vec![ConcWorkload::Exchange]);
        assert_eq!(picked.threads, vec![2, 1]);
    }

    #[test]
    fn bad_thread_counts_are_refused_in_one_line() {
        for bad in ["0", "-1", "two", "", "1.5", "5000"] {
            let e = usage_error(&["conc", &format!("--threads={bad}")]);
            assert!(e.contains("is not a thread count (1 to 1024)"), "{bad}: {e}");
        }
        let e = plan(&parse(&["conc", "--threads", "1,3"]), 2).unwrap_err();
        assert!(e.starts_with("--threads 3 is more than this machine's 2 cores"), "{e}");
        assert!(!e.contains('\n'));
        assert!(plan(&parse(&["conc", "--threads", "3"]), 4).is_ok());
    }

    #[test]
    fn unknown_workloads_and_maps_are_refused_with_the_known_names() {
        let e = usage_error(&["conc", "--workloads", "read-heavy,write-heavy"]);
        assert!(e.contains("invalid value 'write-heavy' for '--workloads"), "{e}");
        let full = Cli::command().try_get_matches_from(["conc", "--maps", "java"]).unwrap_err().render().to_string();
        assert!(
            full.contains("[possible values: rwlock-hashbrown, dashmap, papaya, scc, flurry, tophash-sync]"),
            "the one-line error carries clap's list: {full}"
        );
        let e = usage_error(&["conc", "--workloads", "ReadHeavy"]);
        assert!(e.contains("invalid value 'ReadHeavy'"), "{e}");
    }

    #[test]
    fn bad_sizes_are_refused() {
        for bad in
            [&["conc", "--ops-scale", "0"][..], &["conc", "--ops-scale", "nan"], &["conc", "--capacity-log2", "40"]]
        {
            usage_error(bad);
        }
        let e = plan(&parse(&["conc", "--capacity-log2", "10", "--ops-scale", "0.5"]), 2).unwrap_err();
        assert!(e.contains("operations per run is out of range"), "{e}");
        let e = plan(&parse(&["conc", "--capacity-log2", "28", "--ops-scale", "16"]), 2).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
    }
}
