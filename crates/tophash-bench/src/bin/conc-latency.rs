//! `conc-latency`: per-insert latency of concurrent maps while threads
//! fill one empty map (issue #17): dashmap and papaya by default, scc and
//! `RwLock<hashbrown>` on request, tophash's concurrent map when it
//! exists.
//!
//! ```text
//! cargo run --release -p tophash-bench --bin conc-latency -- --quick
//! cargo run --release -p tophash-bench --bin conc-latency              # 1 × 10M and 2 × 5M
//! cargo run --release -p tophash-bench --bin conc-latency -- --maps dashmap --threads 2 --runs 5
//! ```
//!
//! (`scripts/conc-latency.sh` builds and runs it.) For each thread count
//! T, each map runs `--runs` times (the maps alternating): T threads
//! insert `--keys` keys between them into one fresh map, every insert
//! timed, then the map is checked (exactly the inserted keys, each with
//! its value) and a wrong answer stops the run with a one-line error. The
//! method (sequence numbers, windows of sizes, the reproducible maximum)
//! is in `tophash_bench::conc::latency`.
//!
//! Results go to `--out` (default `target/conc-latency`, written through
//! `tophash_bench::outdir`: a directory this tool did not write is refused
//! unless `--force`): `table.md` (also printed), `runs.csv`,
//! `csv/<map>@<T>t-u64-<keys>.csv` (the latency harness's CSV format, one
//! row per window of sizes) and `latency-u64-<keys>.svg` (drawn from those
//! files, a panel per map and thread count; `latency plot --out
//! target/conc-latency` redraws it, captions then naming the files).
//!
//! Threads: at most this machine's cores, as for `conc`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::builder::ArgPredicate;
use clap::Parser;
use tophash_bench::conc::latency::maps::FillKind;
use tophash_bench::conc::latency::{self, report, Plan};
use tophash_bench::conc::report::Machine;
use tophash_bench::conc::runner;
use tophash_bench::latency::clock::Clock;
use tophash_bench::latency::data::ROWS_MAX;
use tophash_bench::{cli, outdir, size};

#[derive(Parser, Debug)]
#[command(
    name = "conc-latency",
    version,
    about = "Per-insert latency of concurrent maps (dashmap, papaya, ...) filled by 1 or more threads; one markdown table, CSV and SVG"
)]
struct Cli {
    /// Maps, comma-separated
    #[arg(long, value_delimiter = ',', value_enum, default_value = "tophash-sync,dashmap,papaya")]
    maps: Vec<FillKind>,
    /// Thread counts, comma-separated; none above this machine's cores
    #[arg(long, value_delimiter = ',', value_parser = parse_threads, default_value = "1,2")]
    threads: Vec<usize>,
    /// Keys per run, split evenly over the threads (10M = 1 × 10M and 2 × 5M)
    #[arg(long, value_parser = size::parser(1_000, 1_000_000_000),
          default_value = "10M", default_value_if("quick", ArgPredicate::IsPresent, Some("500K")))]
    keys: u64,
    /// Runs per map and thread count; the reproducible maximum needs at least 2
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: u32,
    /// Windows of map sizes (sequence numbers) the reproducible maximum is taken over
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=ROWS_MAX as u64))]
    windows: u64,
    /// Short run: 500K keys (2 × 250K); seconds, not minutes
    #[arg(long)]
    quick: bool,
    /// Output directory for table.md, runs.csv, csv/ and the SVG
    #[arg(long, default_value = "target/conc-latency")]
    out: PathBuf,
    /// Write into --out even if this tool did not write it (only adds and
    /// replaces files of the same names)
    #[arg(long)]
    force: bool,
}

/// A `--threads` value, 1 to 255 (each insert records its thread in a byte).
fn parse_threads(s: &str) -> Result<usize, String> {
    runner::parse_threads(s, 255)
}

/// The plan the command line asks for on a machine of `cores` cores;
/// every refusal is one line.
fn plan(cli: &Cli, cores: usize) -> Result<Plan, String> {
    let threads = runner::dedup(&cli.threads);
    runner::check_threads(&threads, cores)?;
    if cli.windows > cli.keys {
        return Err(format!("--windows {} is more than --keys {}: a window needs an insert", cli.windows, cli.keys));
    }
    Ok(Plan { maps: runner::dedup(&cli.maps), threads, n: cli.keys, runs: cli.runs, windows: cli.windows })
}

fn run(cli: &Cli, cores: usize, quiet: bool) -> Result<String> {
    let plan = plan(cli, cores).map_err(anyhow::Error::msg)?;
    let machine = Machine::detect();
    let clock = Clock::new();
    let info = latency::calibrate(&clock);
    let built = outdir::build(&cli.out, cli.force, |dir| {
        let cells = latency::run_plan(&plan, &clock, |line| {
            if !quiet {
                eprintln!("conc-latency: {line}");
            }
        })?;
        let md = report::table(&cells, &plan, &machine, &info);
        std::fs::write(dir.join("table.md"), &md).context("writing table.md")?;
        report::write_runs_csv(&dir.join("runs.csv"), &cells)?;
        latency::write_data(dir, &cells, plan.n)?;
        Ok(md)
    })?;
    Ok(built.value)
}

fn main() -> ExitCode {
    let cli = match cli::parse::<Cli>("conc-latency") {
        Ok((cli, _)) => cli,
        Err(code) => return code,
    };
    match run(&cli, runner::cores(), false) {
        Ok(md) => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(md.as_bytes()).and_then(|()| stdout.flush());
            eprintln!("conc-latency: wrote table.md, runs.csv, csv/ and the SVG to {}", cli.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => cli::fail("conc-latency", &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tophash_bench::latency::data::read_csv;

    fn parse(words: &[&str]) -> Cli {
        cli::parse_from::<Cli, _, _>("conc-latency", words).expect("parses").0
    }

    /// The binary's one-line error for `words`.
    fn usage_error(words: &[&str]) -> String {
        cli::usage_error::<Cli>(words).unwrap_or_else(|| panic!("{words:?} must be refused"))
    }

    #[test]
    fn defaults_quick_and_refusals() {
        let full = plan(&parse(&["conc-latency"]), 2).unwrap();
        assert_eq!(
            full,
            Plan {
                maps: vec![FillKind::TophashSync, FillKind::DashMap, FillKind::Papaya],
                threads: vec![1, 2],
                n: 10_000_000,
                runs: 3,
                windows: 1000
            }
        );
        assert_eq!(plan(&parse(&["conc-latency", "--quick"]), 2).unwrap().n, 500_000);
        assert_eq!(plan(&parse(&["conc-latency", "--quick", "--keys", "2K"]), 2).unwrap().n, 2_000);
        let e = plan(&parse(&["conc-latency", "--threads", "2,3"]), 2).unwrap_err();
        assert!(e.starts_with("--threads 3 is more than this machine's 2 cores"), "{e}");
        let e = plan(&parse(&["conc-latency", "--keys", "1K", "--windows", "2000"]), 2).unwrap_err();
        assert_eq!(e, "--windows 2000 is more than --keys 1000: a window needs an insert");
        for bad in [
            &["conc-latency", "--keys", "ten"][..],
            &["conc-latency", "--runs", "0"],
            &["conc-latency", "--threads", "0"],
        ] {
            usage_error(bad);
        }
        assert!(usage_error(&["conc-latency", "--maps", "java"]).contains("invalid value 'java'"));
    }

    #[test]
    fn a_tiny_run_writes_checked_results() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let out_s = out.to_str().unwrap();
        let words = ["conc-latency", "--quick", "--keys", "20K", "--windows", "50", "--runs", "2", "--out", out_s];
        let md = run(&parse(&words), 2, true).unwrap();
        assert!(md.contains("| dashmap 6 | 2 × 10.0K |") && md.contains("| papaya 0.2 | 1 × 20.0K |"), "{md}");
        assert!(md.contains("| tophash::sync | 2 × 10.0K |"), "{md}");
        for name in ["tophash_sync@1t", "tophash_sync@2t", "dashmap@1t", "dashmap@2t", "papaya@1t", "papaya@2t"] {
            let rows = read_csv(&out.join("csv").join(format!("{name}-u64-20000.csv"))).unwrap();
            assert_eq!(rows.len(), 50, "{name}: one row per window");
            assert_eq!(rows.iter().map(|r| r.inserts).sum::<u64>(), 20_000);
            assert!(rows.iter().all(|r| r.repro_max_ns <= r.max_ns && r.repro_median_ns <= r.repro_max_ns));
        }
        let found = tophash_bench::latency::data::find_csvs(&out).unwrap();
        assert_eq!(found.values().map(Vec::len).collect::<Vec<_>>(), [6], "`latency plot` finds every file");
        let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
        assert_eq!(runs.lines().count(), 1 + 6 * 2, "a row per map, thread count and run");
        assert!(std::fs::read_to_string(out.join("latency-u64-20000.svg")).unwrap().starts_with("<svg"));
        // A directory it did not write is refused, and left alone.
        let theirs = tmp.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
        let words =
            ["conc-latency", "--keys", "2K", "--windows", "10", "--runs", "1", "--out", theirs.to_str().unwrap()];
        let e = run(&parse(&words), 2, true).unwrap_err().to_string();
        assert!(e.contains("is not empty and was not written by tophash"), "{e}");
        assert_eq!(std::fs::read_to_string(theirs.join("notes.txt")).unwrap(), "mine");
    }
}
