//! `compare`: one process, one table. Runs the workloads of
//! `tophash_bench::work` on tophash, hashbrown, std (foldhash and SipHash),
//! griddle, indexmap and `BTreeMap`, plus Go 1.19's runtime map through the
//! Go program in `go/compare`, and prints a markdown table of median ns/op
//! (and each map's ratio to hashbrown) with memory per entry.
//!
//! ```text
//! cargo run --release -p tophash-bench --bin compare -- --quick
//! cargo run --release -p tophash-bench --bin compare -- --sizes 1K,100K,1M --runs 5
//! ```
//!
//! (`scripts/compare.sh` installs Go 1.19 and the word list first, where it
//! can.) Go is Debian's Go 1.19, else `go` on `PATH`, else `--go PATH`;
//! without one the runner says so and runs the Rust maps only, unless Go
//! was asked for (`--go`, or `go` in `--maps`).
//!
//! Method, per (key kind, size n): one untimed build per map measures its
//! memory, then `--runs` rounds in which the maps take turns (table order
//! on even rounds, reversed on odd ones, so that a slow spell of a shared
//! machine falls on every map), each map's round running every workload.
//! Within a round a workload
//! is timed over `ceil(min_ops / n)` passes of n operations, clocked per
//! pass (per group of passes covering >= 10,000 operations for lookups and
//! iteration); the round's figure is the median of those samples,
//! and the table shows the median round, in ns per operation. Each sample
//! is wall time minus the time the thread sat runnable waiting for a CPU
//! (`/proc/thread-self/schedstat`), so other processes on a shared machine
//! do not inflate it (they still share caches and memory bandwidth); the
//! Go program does the same on its locked OS thread.
//! Every pass's checksum is verified, Go's too, and Go's checksums must
//! equal the Rust maps'. All foldhash maps share one fixed seed.
//!
//! Memory: a counting global allocator, switched on only around one
//! untimed build from empty, records the bytes live after the build
//! (`live`) and their high-water mark during it (`peak`, which includes the
//! old table while a resize is under way); each divided by n. tophash maps
//! bucket arrays of 1 MiB and more straight from the OS, out of the
//! allocator's sight, so for it the runner also takes the map's own
//! `allocated_bytes()` (after the build, and at every capacity change for
//! the peak) and keeps the larger figure. Go's `live` is the HeapAlloc
//! delta around the same build after `runtime.GC()`; Go has no peak here.
//! String keys are created before the measurement, so their heap bytes are
//! not counted, only the map's entries (a Rust `String` is 24 bytes, a Go
//! string header 16).
//!
//! Results also go to `--out` (default `target/compare`, written through
//! `tophash_bench::outdir`: a directory this tool did not write is refused
//! unless `--force`): `results.json`, `results.csv`, `table.md`.
//!
//! The pieces: [`alloc`] (the counting allocator), [`measure`] (the Rust
//! maps), [`go`] (the Go program), [`records`] (what is recorded),
//! [`output`] (table and CSV).

mod alloc;
mod go;
mod measure;
mod output;
mod records;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{ensure, Context, Result};
use clap::builder::ArgPredicate;
use clap::parser::ValueSource;
use clap::{ArgMatches, Parser};
use tophash_bench::go::workspace_path;
use tophash_bench::keys::{KeyKind, KeySet, Words, MAX_SIZE, WORDS_PATH};
use tophash_bench::work::Workload;
use tophash_bench::{cli, outdir, size};

use records::{Config, Results};

#[global_allocator]
static ALLOC: alloc::CountingAlloc = alloc::CountingAlloc;

#[derive(Parser, Debug)]
#[command(
    name = "compare",
    version,
    about = "Compare tophash with hashbrown, std, griddle, indexmap, BTreeMap and Go 1.19's map; print one markdown table"
)]
struct Cli {
    /// Map sizes, comma-separated; K and M suffixes allowed
    #[arg(long, value_delimiter = ',', value_parser = parse_size,
          default_value = "1K,100K,1M,10M", default_value_if("quick", ArgPredicate::IsPresent, Some("1K,100K")))]
    sizes: Vec<usize>,
    /// Rounds per (keys, size, map); the table shows the median
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    runs: u32,
    /// Repeat each timed pass until it covers this many operations
    #[arg(long, value_parser = parse_size,
          default_value = "1M", default_value_if("quick", ArgPredicate::IsPresent, Some("200K")))]
    min_ops: usize,
    /// Small, fast configuration: sizes 1K,100K and 200K operations per timed pass
    #[arg(long)]
    quick: bool,
    /// Key kinds, comma-separated: u64_seq, u64_rand, string
    #[arg(long, value_delimiter = ',', value_parser = parse_kind, default_value = "u64_seq,u64_rand,string")]
    key_kind: Vec<KeyKind>,
    /// Workloads, comma-separated: insert, insert_presized, lookup_hit, lookup_miss, remove, churn, iterate, clone
    #[arg(long, value_delimiter = ',', value_parser = parse_workload,
          default_value = "insert,insert_presized,lookup_hit,lookup_miss,remove,churn,iterate,clone")]
    workloads: Vec<Workload>,
    /// Maps, comma-separated: tophash, hashbrown, std_fold, std_sip, griddle, indexmap, btreemap, go
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(MAP_IDS),
          default_value = "tophash,hashbrown,std_fold,std_sip,griddle,indexmap,btreemap,go")]
    maps: Vec<String>,
    /// Output directory for results.json, results.csv and table.md
    #[arg(long, default_value = "target/compare")]
    out: PathBuf,
    /// Write into --out even if this tool did not write it (only adds and
    /// replaces files of the same names)
    #[arg(long)]
    force: bool,
    /// Word list for string keys (Debian package wamerican)
    #[arg(long, default_value = WORDS_PATH)]
    words: PathBuf,
    /// Go toolchain to build go/compare with [default: /usr/lib/go-1.19/bin/go, else go on PATH]
    #[arg(long, conflicts_with = "no_go")]
    go: Option<PathBuf>,
    /// Leave Go's map out
    #[arg(long)]
    no_go: bool,
    /// Directory of the Go program [default: <workspace>/go/compare]
    #[arg(long)]
    go_src: Option<PathBuf>,
}

/// A size for --sizes and --min-ops: `tophash_bench::size`, as `usize`.
fn parse_size(s: &str) -> Result<usize, String> {
    size::parse_size(s, 1, MAX_SIZE as u64).map(|n| n as usize)
}

fn parse_kind(s: &str) -> Result<KeyKind, String> {
    KeyKind::parse(s.trim()).ok_or_else(|| format!("unknown key kind '{s}' (u64_seq, u64_rand, string)"))
}

fn parse_workload(s: &str) -> Result<Workload, String> {
    Workload::parse(s.trim()).ok_or_else(|| {
        let all: Vec<_> = Workload::ALL.iter().map(|w| w.name()).collect();
        format!("unknown workload '{s}' ({})", all.join(", "))
    })
}

/// Map ids in table order; "go" is the Go program.
const MAP_IDS: [&str; 8] = ["tophash", "hashbrown", "std_fold", "std_sip", "griddle", "indexmap", "btreemap", "go"];

/// Each item once, in first-seen order.
fn dedup(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for i in items {
        if !v.contains(&i) {
            v.push(i);
        }
    }
    v
}

fn run(cli: Cli, matches: &ArgMatches) -> Result<()> {
    let mut cfg = Config {
        sizes: cli.sizes,
        runs: cli.runs,
        min_ops: cli.min_ops,
        keys: dedup(cli.key_kind.iter().map(|k| k.name().to_owned())),
        workloads: dedup(cli.workloads.iter().map(|w| w.name().to_owned())),
        maps: dedup(cli.maps),
        words: cli.words,
        out: cli.out,
        go_version: None,
    };
    // Fail on missing inputs before measuring anything.
    let words = if cfg.keys.iter().any(|k| k == "string") {
        Some(Words::load(&cfg.words).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    let wants_go = cfg.maps.iter().any(|m| m == "go") && !cli.no_go;
    let named_go = matches.value_source("maps") == Some(ValueSource::CommandLine) && wants_go;
    let go_bin = match tophash_bench::go::resolve("compare", wants_go, named_go || cli.go.is_some(), cli.go.as_deref())?
    {
        Some(go) => {
            let bin = workspace_path("target/go-build/go-compare");
            go.build(&cli.go_src.unwrap_or_else(|| workspace_path("go/compare")), &bin)?;
            cfg.go_version = Some(go.version);
            Some(bin)
        }
        None => None,
    };
    cfg.maps.retain(|m| m != "go" || go_bin.is_some());
    ensure!(!cfg.maps.is_empty(), "no map to run");
    let out = cfg.out.clone();
    let built = outdir::build(&out, cli.force, |dir| measure_all(&cfg, go_bin.as_deref(), words.as_ref(), dir))?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(built.value.as_bytes())?;
    stdout.flush()?;
    eprintln!("compare: wrote table.md, results.csv, results.json to {}", out.display());
    Ok(())
}

/// Measures Go (if it runs) and the Rust maps, checks Go's checksums
/// against theirs, and writes the results into `dir`; returns the table.
fn measure_all(cfg: &Config, go_bin: Option<&Path>, words: Option<&Words>, dir: &Path) -> Result<String> {
    let mut res = Results::default();
    if let Some(bin) = go_bin {
        go::run_go(bin, cfg, &mut res)?;
    }
    for kind in cfg.keys.iter().filter_map(|k| KeyKind::parse(k)) {
        for &n in &cfg.sizes {
            eprintln!("rust: {kind} n={n}");
            if kind == KeyKind::Str {
                let ks = KeySet::strings(words.context("word list not loaded")?, n);
                measure::run_rust(&ks, kind, cfg, &mut res)?;
            } else {
                let ks = KeySet::u64(kind, n);
                measure::run_rust(&ks, kind, cfg, &mut res)?;
            }
        }
    }
    go::cross_check(&res)?;
    let md = output::table(&res, cfg);
    std::fs::write(dir.join("table.md"), &md).context("writing table.md")?;
    output::write_csv(&dir.join("results.csv"), &res, cfg)?;
    res.config = Some(cfg.clone());
    std::fs::write(dir.join("results.json"), serde_json::to_string_pretty(&res)?).context("writing results.json")?;
    Ok(md)
}

fn main() -> ExitCode {
    let (cli, matches) = match cli::parse::<Cli>("compare") {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    match run(cli, &matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cli::fail("compare", &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Cli {
        cli::parse_from::<Cli, _, _>("compare", words).expect("parses").0
    }

    #[test]
    fn defaults_are_declared_to_clap_and_quick_changes_them() {
        let full = parse(&["compare"]);
        assert_eq!((full.sizes, full.min_ops, full.runs), (vec![1_000, 100_000, 1_000_000, 10_000_000], 1_000_000, 3));
        let quick = parse(&["compare", "--quick"]);
        assert_eq!((quick.sizes, quick.min_ops), (vec![1_000, 100_000], 200_000));
        let mine = parse(&["compare", "--quick", "--sizes", "2K", "--min-ops", "5K"]);
        assert_eq!((mine.sizes, mine.min_ops), (vec![2_000], 5_000));
        assert_eq!(parse(&["compare"]).maps.len(), MAP_IDS.len());
        for bad in
            [&["compare", "--sizes", "0"][..], &["compare", "--maps", "java"], &["compare", "--go", "x", "--no-go"]]
        {
            assert!(cli::parse_from::<Cli, _, _>("compare", bad).is_err(), "{bad:?}");
        }
    }
}
