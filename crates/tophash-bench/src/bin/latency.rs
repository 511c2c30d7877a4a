//! Per-insert latency harness ("No pause anywhere"): how long the slowest
//! insert takes while filling an empty map, for tophash, hashbrown, std,
//! griddle and Go 1.19's runtime map.
//!
//! One command (builds everything, installs Go 1.19 if it can, runs):
//!
//! ```text
//! scripts/latency.sh                 # u64 × 1M, u64 × 10M, String × 1M
//! scripts/latency.sh --huge          # also u64 × 100M (needs ~16 GiB free)
//! scripts/latency.sh plot            # redraw the SVGs from the CSVs
//! scripts/latency.sh --help          # every option
//! ```
//!
//! The harness is `tophash_bench::latency` (workloads, clock, timing loop,
//! CSV and plot are described there). Each map runs `--runs` times in a
//! child process of its own (this binary re-executed as `latency child …`,
//! or `go/latency`'s binary, built here with the Go found: Debian's Go 1.19,
//! else `go` on `PATH`), which leaves its latencies in a raw file and
//! reports the clock's cost, its RSS before the first insert and its peak
//! RSS (`VmHWM`) after the last. The parent then writes, under `--out`
//! (default `target/latency/`, through `tophash_bench::outdir`: a directory
//! it did not write is refused unless `--force`):
//!
//! * `results.md`: per workload a markdown table of p50, p99, p99.9,
//!   p99.99, max, sum, peak RSS, Δ RSS and each ratio to hashbrown (the max
//!   ratio is the headline), plus the slowest inserts and what the map was
//!   doing in each (growth started / finished, capacity change, and with
//!   `--faults` the page faults taken). The same is printed to stdout.
//! * `results.json`: the same numbers, machine-readable.
//! * `csv/<map>-<keys>-<n>.csv`: the latencies (see
//!   `tophash_bench::latency::data`).
//! * `latency-<keys>-<n>.svg`: latency against insert index, one panel per
//!   map, log y (redrawn from the CSVs by `latency plot`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use clap::parser::ValueSource;
use clap::{Args, Parser, Subcommand};

use tophash_bench::go::{self, workspace_path};
use tophash_bench::latency::child::{self, ChildReport};
use tophash_bench::latency::report::{self, MapResult};
use tophash_bench::latency::runs::{self, RunSet, Stats};
use tophash_bench::latency::{data, plot, sys, timing, KeyKind, MapKind, Workload, HASH_SEED};
use tophash_bench::{cli, outdir, size};

/// Counts allocations so that the children can say which slow inserts
/// allocated or freed a large block (see `sys::CountingAlloc`).
#[global_allocator]
static ALLOC: sys::CountingAlloc = sys::CountingAlloc;

#[derive(Parser, Debug)]
#[command(
    name = "latency",
    version,
    about = "Per-insert latency of tophash, hashbrown, std, griddle and Go's map, filling an empty map",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the harness (also what runs when no subcommand is given).
    Run(RunArgs),
    /// Redraw the SVGs from the CSV files under --out, in place.
    Plot {
        /// Directory holding csv/ (and receiving the SVGs).
        #[arg(long, default_value = "target/latency")]
        out: PathBuf,
        /// Write into --out even if this tool did not write it.
        #[arg(long)]
        force: bool,
    },
    /// One map's workload (spawned by the harness).
    #[command(hide = true)]
    Child {
        #[arg(long)]
        map: MapKind,
        #[arg(long)]
        keys: KeyKind,
        #[arg(long, value_parser = size::parser(1, MAX_SIZE))]
        n: u64,
        #[arg(long)]
        raw: PathBuf,
        #[arg(long)]
        faults: bool,
    },
}

/// A list of workload sizes.
#[derive(Clone, Debug)]
struct Sizes(Vec<u64>);

#[derive(Args, Debug, Clone)]
struct RunArgs {
    /// u64-key workload sizes, comma-separated (1K, 10M, …); `none` for no
    /// u64 workload.
    #[arg(long, default_value = "1M,10M", value_parser = parse_sizes)]
    sizes: Sizes,
    /// String-key workload sizes, as --sizes.
    #[arg(long, default_value = "1M", value_parser = parse_sizes)]
    string_sizes: Sizes,
    /// Also run 100M u64 keys, where hashbrown's slowest insert takes
    /// seconds (about 16 GiB at the peak; skipped with a warning when
    /// MemAvailable is short).
    #[arg(long)]
    huge: bool,
    /// Maps to run, comma-separated, in this order.
    #[arg(long, value_delimiter = ',', default_value = "tophash,hashbrown,std,griddle,go")]
    maps: Vec<MapKind>,
    /// Output directory.
    #[arg(long, default_value = "target/latency")]
    out: PathBuf,
    /// Write into --out even if this tool did not write it (only adds and
    /// replaces files of the same names).
    #[arg(long)]
    force: bool,
    /// The Go toolchain that builds go/latency [default: /usr/lib/go-1.19/bin/go, else go on PATH].
    #[arg(long, conflicts_with = "no_go")]
    go: Option<PathBuf>,
    /// Leave Go's map out.
    #[arg(long)]
    no_go: bool,
    /// Diagnostic: count minor page faults around each insert of the Rust
    /// maps (outside the timed region) and show them for the slowest ones.
    /// Makes the run several times longer.
    #[arg(long)]
    faults: bool,
    /// Runs per map and workload, each in a fresh process (see "repro max"
    /// in the output).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: u32,
    /// Do not draw the SVGs.
    #[arg(long)]
    no_plot: bool,
    /// Keep the children's raw latency files (<out>/raw/*.bin, u64 LE ns).
    #[arg(long)]
    keep_raw: bool,
}

const HUGE: u64 = 100_000_000;
const MAX_SIZE: u64 = 1_000_000_000;

fn parse_sizes(s: &str) -> Result<Sizes, String> {
    if s.trim() == "none" {
        return Ok(Sizes(Vec::new()));
    }
    let mut v = s.split(',').map(|x| size::parse_size(x, 1, MAX_SIZE)).collect::<Result<Vec<_>, _>>()?;
    v.sort_unstable();
    v.dedup();
    Ok(Sizes(v))
}

fn main() -> ExitCode {
    let (cli, matches) = match cli::parse::<Cli>("latency") {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    let result = match cli.command {
        None => run(cli.run, &matches),
        Some(Cmd::Run(args)) => run(args, matches.subcommand_matches("run").unwrap_or(&matches)),
        Some(Cmd::Plot { out, force }) => redraw(&out, force).map(|paths| {
            for p in paths {
                println!("wrote {}", p.display());
            }
            true
        }),
        Some(Cmd::Child { map, keys, n, raw, faults }) => child::run(map, keys, n, &raw, faults).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => cli::fail("latency", &e),
    }
}

/// Rough peak memory of the hungriest map (old and new arrays alive during
/// growth, Go's GC slack) plus the sample buffer, bytes per insert.
fn bytes_needed(w: &Workload) -> u64 {
    let per = match w.keys {
        KeyKind::U64 => 160,
        KeyKind::String => 260,
    };
    w.n * per
}

/// The workloads to run: the sizes asked for, less those that do not fit
/// in the available memory (with a warning each).
fn workloads(args: &RunArgs) -> Result<Vec<Workload>> {
    let mut sizes = args.sizes.0.clone();
    if args.huge && !sizes.contains(&HUGE) {
        sizes.push(HUGE);
    }
    let mut workloads: Vec<Workload> = sizes.iter().map(|&n| Workload { keys: KeyKind::U64, n }).collect();
    workloads.extend(args.string_sizes.0.iter().map(|&n| Workload { keys: KeyKind::String, n }));
    ensure!(!workloads.is_empty(), "nothing to run: --sizes and --string-sizes are both none");
    if let Some(avail) = sys::mem_available_kib() {
        workloads.retain(|w| {
            let need = bytes_needed(w);
            let ok = need / 1024 < avail;
            if !ok {
                eprintln!(
                    "latency: warning: skipping {}: needs about {:.1} GiB, MemAvailable is {:.1} GiB",
                    w.label(),
                    need as f64 / (1u64 << 30) as f64,
                    avail as f64 / (1u64 << 20) as f64
                );
            }
            ok
        });
        ensure!(!workloads.is_empty(), "no workload fits in the available memory");
    }
    Ok(workloads)
}

/// What every child of one run shares.
struct Plan<'a> {
    args: &'a RunArgs,
    /// This executable, for the Rust children.
    exe: PathBuf,
    /// go/latency's binary, if Go runs.
    go_bin: Option<PathBuf>,
}

/// Runs every selected map on every workload; `Ok(false)` if any child
/// failed (the others still ran and were reported).
fn run(args: RunArgs, matches: &clap::ArgMatches) -> Result<bool> {
    let workloads = workloads(&args)?;
    let mut maps = Vec::new();
    for m in &args.maps {
        if !maps.contains(m) {
            maps.push(*m);
        }
    }
    let wants_go = maps.contains(&MapKind::Go) && !args.no_go;
    let named_go = matches.value_source("maps") == Some(ValueSource::CommandLine) && maps.contains(&MapKind::Go);
    let go = go::resolve("latency", wants_go, named_go || args.go.is_some(), args.go.as_deref())?;
    let go_bin = match &go {
        Some(g) => {
            let bin = workspace_path("target/go-build/go-latency");
            g.build(&workspace_path("go/latency"), &bin)?;
            Some(bin)
        }
        None => None,
    };
    maps.retain(|m| *m != MapKind::Go || go_bin.is_some());
    ensure!(!maps.is_empty(), "no map to run");
    let plan = Plan { args: &args, exe: std::env::current_exe().context("finding this executable")?, go_bin };
    let built = outdir::build(&args.out, args.force, |dir| run_all(&plan, dir, &workloads, &maps))?;
    let (md, all_ok) = built.value;
    print!("{md}");
    let csv_dir = args.out.join("csv");
    let csvs = built.files.iter().filter(|f| f.starts_with(&csv_dir)).count();
    println!("\nwrote {csvs} CSV file(s) in {}", csv_dir.display());
    for f in built.files.iter().filter(|f| !f.starts_with(&csv_dir)) {
        println!("wrote {}", f.display());
    }
    Ok(all_ok)
}

/// One workload's results: the maps that ran and the ones that failed.
type Section = (Workload, Vec<MapResult>, Vec<(MapKind, String)>);

/// Runs everything into `dir`; returns the markdown and whether every
/// child succeeded.
fn run_all(plan: &Plan<'_>, dir: &Path, workloads: &[Workload], maps: &[MapKind]) -> Result<(String, bool)> {
    let raw_dir = dir.join("raw");
    fs::create_dir_all(&raw_dir).with_context(|| format!("creating {}", raw_dir.display()))?;
    let total = workloads.len() * maps.len();
    eprintln!("latency: {total} map × workload pairs, {} run(s) each", plan.args.runs);
    let (mut step, mut all_ok, mut sections) = (0, true, Vec::new());
    let started = Instant::now();
    for w in workloads {
        let (mut results, mut failed) = (Vec::new(), Vec::new());
        for &m in maps {
            step += 1;
            eprint!("[{step}/{total}] {} · {m} … ", w.label());
            let t = Instant::now();
            match run_map(plan, dir, w, m) {
                Ok(r) => {
                    let maxes: Vec<String> = r.run_max.iter().map(|&x| report::fmt_ns(x as f64)).collect();
                    eprintln!(
                        "{:.1} s; p50 {}, max per run {}, reproducible max {}",
                        t.elapsed().as_secs_f64(),
                        report::fmt_ns(r.stats.p50 as f64),
                        maxes.join(" / "),
                        report::fmt_ns(r.repro_max as f64)
                    );
                    results.push(r);
                }
                Err(e) => {
                    eprintln!("FAILED: {e:#}");
                    failed.push((m, format!("{e:#}")));
                    all_ok = false;
                }
            }
        }
        sections.push((*w, results, failed));
    }
    eprintln!("all runs took {:.0} s", started.elapsed().as_secs_f64());
    if !plan.args.keep_raw {
        let _ = fs::remove_dir(&raw_dir);
    }
    let md = render_markdown(&sections);
    fs::write(dir.join("results.md"), &md).context("writing results.md")?;
    let json: Vec<_> =
        sections.iter().map(|(w, r, f)| serde_json::json!({ "workload": w, "results": r, "failed": f })).collect();
    fs::write(dir.join("results.json"), serde_json::to_string_pretty(&json)?).context("writing results.json")?;
    if !plan.args.no_plot && sections.iter().any(|s| !s.1.is_empty()) {
        plot::plot_all(dir, dir, &label)?;
    }
    Ok((md, all_ok))
}

/// A map's caption in the plots.
fn label(name: &str) -> String {
    MapKind::from_name(name).map_or_else(|| name.to_owned(), |m| m.label().to_owned())
}

/// Redraws the SVGs of `out` from its CSVs: the files of the run that wrote
/// `out` are carried over (hard links, or copies) and the SVGs drawn anew,
/// all through `outdir`, so a failure leaves `out` as it was.
fn redraw(out: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let redrawn: Vec<PathBuf> =
        data::find_csvs(out)?.keys().map(|w| PathBuf::from(format!("latency-{}.svg", w.stem()))).collect();
    outdir::build(out, force, |staging| {
        carry_over(out, staging, &redrawn)?;
        plot::plot_all(out, staging, &label)?;
        Ok(())
    })?;
    Ok(redrawn.iter().map(|r| out.join(r)).collect())
}

/// Links (or copies) into `staging` every file the manifest of `out`
/// lists, except `skip`.
fn carry_over(out: &Path, staging: &Path, skip: &[PathBuf]) -> Result<()> {
    let Ok(list) = fs::read_to_string(out.join(outdir::MANIFEST)) else { return Ok(()) };
    for rel in list.lines().map(PathBuf::from).filter(|r| !r.as_os_str().is_empty() && !skip.contains(r)) {
        let (from, to) = (out.join(&rel), staging.join(&rel));
        if !from.is_file() {
            continue;
        }
        if let Some(d) = to.parent() {
            fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to).with_context(|| format!("copying {}", from.display()))?;
        }
    }
    Ok(())
}

/// Spawns one child and reads back its report and raw latencies.
fn spawn_child(plan: &Plan<'_>, raw: &Path, w: &Workload, m: MapKind) -> Result<(ChildReport, Vec<u64>)> {
    let n = w.n.to_string();
    let mut cmd = match (m, &plan.go_bin) {
        (MapKind::Go, Some(bin)) => {
            let mut c = Process::new(bin);
            c.args(["-keys", w.keys.name(), "-n", &n, "-raw"]).arg(raw);
            c
        }
        (MapKind::Go, None) => bail!("Go's map without a Go binary"),
        _ => {
            let mut c = Process::new(&plan.exe);
            c.args(["child", "--map", m.name(), "--keys", w.keys.name(), "--n", &n, "--raw"]).arg(raw);
            if plan.args.faults {
                c.arg("--faults");
            }
            c
        }
    };
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    ensure!(out.status.success(), "child exited with {}", out.status);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty()).context("child printed no report")?;
    let child: ChildReport = serde_json::from_str(line).with_context(|| format!("child's report {line:?}"))?;
    ensure!(
        child.map == m && child.keys == w.keys && child.n == w.n,
        "child reported {} {} × {}, expected {m} {} × {}",
        child.map,
        child.keys.name(),
        child.n,
        w.keys.name(),
        w.n
    );
    let samples = child::read_raw(raw, w.n)?;
    if !plan.args.keep_raw {
        let _ = fs::remove_file(raw);
    }
    Ok((child, samples))
}

/// Runs one map `--runs` times on one workload; writes its CSV.
fn run_map(plan: &Plan<'_>, dir: &Path, w: &Workload, m: MapKind) -> Result<MapResult> {
    let mut set = RunSet::default();
    let mut children = Vec::new();
    for r in 0..plan.args.runs {
        let raw = dir.join("raw").join(format!("{m}-{}.run{r}.bin", w.stem()));
        let (child, samples) = spawn_child(plan, &raw, w, m)?;
        set.add(&samples);
        children.push(child);
    }
    let n = usize::try_from(w.n).context("n does not fit in usize")?;
    let phases = children.last().and_then(|c| timing::phases(c.initial_phase, &c.transitions, n));
    data::write_csv(&data::csv_path(dir, m.name(), w), &set, phases.as_deref())?;
    let slowest = runs::slowest(&set.fastest, 5).into_iter().map(|(i, ns)| (i, ns, note_for(&children, i))).collect();
    let (repro_max_index, repro_max) = set.repro_max();
    let median = |f: fn(&ChildReport) -> u64| {
        let mut v: Vec<u64> = children.iter().map(f).collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    Ok(MapResult {
        map: m,
        stats: Stats::median_of(&set.per_run),
        run_max: set.run_max(),
        repro_max,
        repro_max_index,
        peak_rss_kib: median(|c| c.peak_rss_kib),
        base_rss_kib: median(|c| c.base_rss_kib),
        slowest,
        children,
    })
}

/// What the map did during insert `i`, from the children's transition and
/// slow-insert records: a recorded note if any run has one for `i`, else the
/// resize under way at `i` in the first run, if one was recorded.
fn note_for(children: &[ChildReport], i: u64) -> String {
    let recorded = children
        .iter()
        .flat_map(|c| c.transitions.iter().chain(&c.events))
        .find(|e| e.index == i && !e.note.is_empty())
        .map(|e| e.note.clone());
    if let Some(n) = recorded {
        return n;
    }
    // The last transition at or before `i` that left a resize running.
    let Some(c) = children.first() else { return String::new() };
    let first_part = |e: &timing::Event| e.note.split("; ").next().unwrap_or("").to_string();
    let last = c
        .transitions
        .iter()
        .filter(|e| e.index <= i && (first_part(e).ends_with(" started") || first_part(e).ends_with(" finished")))
        .max_by_key(|e| e.index);
    match last.map(|e| (e.index, first_part(e))) {
        Some((at, n)) if n.ends_with(" started") => {
            let what = n.rsplit(" and ").next().unwrap_or(&n).trim_end_matches(" started");
            format!("during the {what} started at #{at}")
        }
        _ => String::new(),
    }
}

fn render_markdown(sections: &[Section]) -> String {
    let mut s = String::from("## Insert latency: tophash vs hashbrown, std, griddle, Go 1.19\n\n");
    let args: String = std::env::args().skip(1).map(|a| format!(" {a}")).collect();
    s += &format!("- command: `scripts/latency.sh{args}` (it runs `target/release/latency{args}`)\n");
    s += &format!("- machine: {}\n", machine());
    s += "- workload: insert `key(i)`, value `i`, for `i` in `0..n` into a map created empty (no size hint); \
          `key(i) = splitmix64(i)` (SplitMix64 seeded with 0, i-th output); String keys = `key(i)` as 16 lowercase \
          hex digits, built before timing\n";
    s += &format!(
        "- hasher: every Rust map (std too) uses `foldhash::fast::FixedState::with_seed({HASH_SEED:#x})`; Go uses \
         its runtime hash (cannot be replaced)\n"
    );
    s += &clock_lines(sections.iter().flat_map(|(_, r, _)| r).flat_map(|r| &r.children));
    s += "- columns: percentiles by nearest rank over every insert of a run, then the median over the runs; \
          max = median of the runs' slowest inserts; repro max = the slowest *reproducible* insert (per insert \
          index the minimum over the runs, then the maximum: noise rarely hits one index in every run, the map's \
          own work does); sum = total time inside insert; peak RSS = VmHWM of the map's own process; Δ RSS = peak \
          minus RSS just before the first insert (keys and sample buffer excluded); `÷hb` = this map's value \
          divided by hashbrown's (below 1 is faster)\n\n";
    for (w, r, f) in sections {
        s += &report::markdown(w, r, f);
        s += "\n";
    }
    s
}

/// One line per clock the children used: its cost and resolution.
fn clock_lines<'a>(children: impl Iterator<Item = &'a ChildReport>) -> String {
    let mut clocks: Vec<(String, Vec<&ChildReport>)> = Vec::new();
    for c in children {
        let name = if c.runtime.is_empty() {
            format!("Rust: {}", c.clock)
        } else {
            format!("Go ({}): {}", c.runtime, c.clock)
        };
        match clocks.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(c),
            None => clocks.push((name, vec![c])),
        }
    }
    let mut s = String::new();
    for (name, v) in &clocks {
        let range = |f: fn(&ChildReport) -> f64| {
            let lo = v.iter().map(|c| f(c)).fold(f64::INFINITY, f64::min);
            let hi = v.iter().map(|c| f(c)).fold(0.0, f64::max);
            if (hi - lo).abs() < 0.05 {
                format!("{lo:.1}")
            } else {
                format!("{lo:.1}–{hi:.1}")
            }
        };
        s += &format!(
            "- clock {name}: cost of two back-to-back reads, median {} ns, mean {} ns; resolution {} ns \
             (over {} child processes; every latency below includes about one such cost)\n",
            range(|c| c.clock_overhead_ns),
            range(|c| c.clock_overhead_mean_ns),
            range(|c| c.clock_resolution_ns),
            v.len()
        );
    }
    s
}

fn machine() -> String {
    let cpu = tophash_bench::cpu_model();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).unwrap_or_default();
    let thp = fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    format!("{cpu}, {cpus} CPUs, Linux {kernel}, THP {thp}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_lists() {
        assert_eq!(parse_sizes("10M,1M,1M").unwrap().0, vec![1_000_000, 10_000_000]);
        assert!(parse_sizes("none").unwrap().0.is_empty());
        assert!(parse_sizes("1M,").is_err());
        assert!(parse_sizes("2G").unwrap_err().contains("out of range"));
    }
}
