//! Per-insert latency harness ("No pause anywhere"): how long the slowest
//! insert takes while filling an empty map, for tophash, hashbrown, std,
//! griddle and Go 1.19's runtime map.
//!
//! One command (builds everything, installs Go 1.19 if missing, runs):
//!
//! ```text
//! scripts/latency.sh                 # u64 × 1M, u64 × 10M, String × 1M
//! scripts/latency.sh --huge          # also u64 × 50M (needs ~8 GiB free)
//! scripts/latency.sh plot            # redraw the SVGs from the CSVs
//! scripts/latency.sh --help          # every option
//! ```
//!
//! Workloads: insert `key(i)` with value `i` for `i` in `0..n`, in order,
//! into a map created empty with no size hint. `key(i) = splitmix64(i)`
//! (the `i`-th output of SplitMix64 seeded with 0; see `keys.rs`); String
//! keys are that number as 16 lowercase hex digits, built before timing.
//! Every Rust map uses foldhash 0.2's fast `FixedState` with one fixed seed;
//! Go's map uses its own hash (aeshash, per-map random seed), which Go does
//! not let a program replace.
//!
//! Each map runs in a child process of its own (this binary re-executed as
//! `latency child …`, or `go/latency`'s binary), which times every insert
//! on its own with `quanta`'s raw TSC reads (Go: `runtime.nanotime`),
//! reports the clock's own cost, its RSS before the first insert and its
//! peak RSS (`VmHWM`) after the last, and leaves the latencies in a raw
//! file. The parent then writes, under `--out` (default `target/latency/`):
//!
//! * `results.md`: per workload a markdown table of p50, p99, p99.9,
//!   p99.99, max, sum, peak RSS, Δ RSS and each ratio to hashbrown (the max
//!   ratio is the headline), plus the slowest inserts and what the map was
//!   doing in each (growth started / finished, capacity change, and with
//!   `--faults` the page faults taken). The same is printed to stdout.
//! * `results.json`: the same numbers, machine-readable.
//! * `csv/<map>-<keys>-<n>.csv`: the latencies (ns per insert index; above
//!   1M inserts decimated to 1M windows that keep each window's max; see
//!   `report.rs`).
//! * `latency-<keys>-<n>.svg`: latency against insert index, one panel per
//!   map, log y (redrawn from the CSVs by `latency plot`).

#[path = "../latency/mod.rs"]
mod latency;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use latency::child::{self, ChildReport, HASH_SEED};
use latency::report::{self, MapResult};
use latency::{plot, sys, KeyKind, MapKind, Workload};

/// Counts allocations so that the children can say which slow inserts
/// allocated or freed a large block (see `sys::CountingAlloc`).
#[global_allocator]
static ALLOC: sys::CountingAlloc = sys::CountingAlloc;

#[derive(Parser, Debug)]
#[command(
    name = "latency",
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
    /// Redraw the SVGs from the CSV files under --out.
    Plot {
        /// Directory holding csv/ (and receiving the SVGs).
        #[arg(long, default_value = "target/latency")]
        out: PathBuf,
    },
    /// One map's workload (spawned by the harness).
    #[command(hide = true)]
    Child {
        #[arg(long)]
        map: MapKind,
        #[arg(long)]
        keys: KeyKind,
        #[arg(long, value_parser = parse_size)]
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
    /// u64-key workload sizes, comma-separated; k and M suffixes allowed
    /// (10M = 10,000,000); `none` for no u64 workload.
    #[arg(long, default_value = "1M,10M", value_parser = parse_sizes)]
    sizes: Sizes,
    /// String-key workload sizes, as --sizes.
    #[arg(long, default_value = "1M", value_parser = parse_sizes)]
    string_sizes: Sizes,
    /// Also run 50M u64 keys (about 8 GiB; skipped with a warning when
    /// MemAvailable is short).
    #[arg(long)]
    huge: bool,
    /// Maps to run, comma-separated, in this order.
    #[arg(long, value_delimiter = ',', default_value = "tophash,hashbrown,std,griddle,go")]
    maps: Vec<MapKind>,
    /// Output directory.
    #[arg(long, default_value = "target/latency")]
    out: PathBuf,
    /// The Go harness binary (scripts/latency.sh builds it here).
    #[arg(long, default_value = "target/latency/go-latency")]
    go_bin: PathBuf,
    /// Diagnostic: count minor page faults around each insert of the Rust
    /// maps (outside the timed region) and show them for the slowest ones.
    /// Makes the run several times longer.
    #[arg(long)]
    faults: bool,
    /// Runs per map and workload, each in a fresh process (see "repro max"
    /// in the output).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: u32,
    /// Do not draw the SVGs.
    #[arg(long)]
    no_plot: bool,
    /// Keep the children's raw latency files (<out>/raw/*.bin, u64 LE ns).
    #[arg(long)]
    keep_raw: bool,
}

const HUGE: u64 = 50_000_000;
const MAX_SIZE: u64 = 1_000_000_000;

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let (digits, mul) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1_000),
        Some((i, 'm' | 'M')) => (&t[..i], 1_000_000),
        _ => (&t[..], 1),
    };
    let v: u64 = digits.parse().map_err(|_| format!("{s:?} is not a number of inserts (like 1000000, 10M, 500k)"))?;
    let v = v.checked_mul(mul).filter(|&v| v <= MAX_SIZE).ok_or_else(|| format!("{s:?} is over {MAX_SIZE} inserts"))?;
    if v == 0 {
        return Err("a size must be at least 1".to_string());
    }
    Ok(v)
}

fn parse_sizes(s: &str) -> Result<Sizes, String> {
    if s.trim() == "none" {
        return Ok(Sizes(Vec::new()));
    }
    let mut v = s.split(',').map(parse_size).collect::<Result<Vec<_>, _>>()?;
    v.sort_unstable();
    v.dedup();
    Ok(Sizes(v))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.render().to_string();
            let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments").trim();
            // Keep clap's list of accepted values on the same line.
            match text.lines().map(str::trim).find(|l| l.starts_with("[possible values")) {
                Some(values) => eprintln!("latency: {line} {values}"),
                None => eprintln!("latency: {line}"),
            }
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        None => run(cli.run),
        Some(Cmd::Run(args)) => run(args),
        Some(Cmd::Plot { out }) => plot::plot_all(&out).map(|paths| {
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
        Err(e) => {
            eprintln!("latency: error: {e:#}");
            ExitCode::FAILURE
        }
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

/// Runs every selected map on every workload; `Ok(false)` if any child
/// failed (the others still ran and were reported).
fn run(args: RunArgs) -> Result<bool> {
    let mut sizes = args.sizes.0.clone();
    if args.huge && !sizes.contains(&HUGE) {
        sizes.push(HUGE);
    }
    let mut workloads: Vec<Workload> = sizes.iter().map(|&n| Workload { keys: KeyKind::U64, n }).collect();
    workloads.extend(args.string_sizes.0.iter().map(|&n| Workload { keys: KeyKind::String, n }));
    if workloads.is_empty() {
        bail!("nothing to run: --sizes and --string-sizes are both none");
    }
    let mut maps = Vec::new();
    for m in &args.maps {
        if !maps.contains(m) {
            maps.push(*m);
        }
    }
    if maps.is_empty() {
        bail!("--maps is empty");
    }
    if maps.contains(&MapKind::Go) && !args.go_bin.is_file() {
        bail!(
            "Go harness binary {} not found: build it with scripts/latency.sh (or `go build -o {} .` in go/latency), \
             or leave go out of --maps",
            args.go_bin.display(),
            args.go_bin.display()
        );
    }
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
        if workloads.is_empty() {
            bail!("no workload fits in the available memory");
        }
    }
    let csv_dir = args.out.join("csv");
    let raw_dir = args.out.join("raw");
    for d in [&csv_dir, &raw_dir] {
        fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let exe = std::env::current_exe().context("finding this executable")?;

    let total = workloads.len() * maps.len();
    eprintln!("latency: {total} map × workload pairs, {} run(s) each, output in {}", args.repeat, args.out.display());
    let mut step = 0;
    let mut sections = Vec::new();
    let mut all_ok = true;
    let started = Instant::now();
    for w in &workloads {
        let mut results = Vec::new();
        let mut failed = Vec::new();
        for &m in &maps {
            step += 1;
            eprint!("[{step}/{total}] {} · {m} … ", w.label());
            let t = Instant::now();
            match run_map(&exe, &args, &raw_dir, &csv_dir, w, m) {
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
    if !args.keep_raw {
        let _ = fs::remove_dir(&raw_dir);
    }

    let md = render_markdown(&sections);
    print!("{md}");
    let md_path = args.out.join("results.md");
    fs::write(&md_path, &md).with_context(|| format!("writing {}", md_path.display()))?;
    let json: Vec<_> =
        sections.iter().map(|(w, r, f)| serde_json::json!({ "workload": w, "results": r, "failed": f })).collect();
    let json_path = args.out.join("results.json");
    fs::write(&json_path, serde_json::to_string_pretty(&json)?)
        .with_context(|| format!("writing {}", json_path.display()))?;
    println!("\nwrote {} and {}; CSVs in {}", md_path.display(), json_path.display(), csv_dir.display());
    if !args.no_plot {
        for p in plot::plot_all(&args.out)? {
            println!("wrote {}", p.display());
        }
    }
    Ok(all_ok)
}

/// Spawns one child and reads back its report and raw latencies.
fn spawn_child(exe: &Path, args: &RunArgs, raw: &Path, w: &Workload, m: MapKind) -> Result<(ChildReport, Vec<u64>)> {
    let n = w.n.to_string();
    let mut cmd = if m == MapKind::Go {
        let mut c = Process::new(&args.go_bin);
        c.args(["-keys", w.keys.name(), "-n", &n, "-raw"]).arg(raw);
        c
    } else {
        let mut c = Process::new(exe);
        c.args(["child", "--map", m.name(), "--keys", w.keys.name(), "--n", &n, "--raw"]).arg(raw);
        if args.faults {
            c.arg("--faults");
        }
        c
    };
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!("child exited with {}", out.status);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty()).context("child printed no report")?;
    let child: ChildReport = serde_json::from_str(line).with_context(|| format!("child's report {line:?}"))?;
    if child.map != m || child.keys != w.keys || child.n != w.n {
        bail!(
            "child reported {} {} × {}, expected {m} {} × {}",
            child.map,
            child.keys.name(),
            child.n,
            w.keys.name(),
            w.n
        );
    }
    let samples = report::read_raw(raw, w.n)?;
    if !args.keep_raw {
        let _ = fs::remove_file(raw);
    }
    Ok((child, samples))
}

/// Runs one map `--repeat` times on one workload; writes its CSV.
fn run_map(exe: &Path, args: &RunArgs, raw_dir: &Path, csv_dir: &Path, w: &Workload, m: MapKind) -> Result<MapResult> {
    let stem = format!("{m}-{}", w.stem());
    let mut children = Vec::new();
    let mut stats = Vec::new();
    let mut repro: Vec<u64> = Vec::new();
    let mut last = Vec::new();
    for r in 0..args.repeat {
        let raw = raw_dir.join(format!("{stem}.run{r}.bin"));
        let (child, samples) = spawn_child(exe, args, &raw, w, m)?;
        if repro.is_empty() {
            repro = samples.clone();
        } else {
            repro.iter_mut().zip(&samples).for_each(|(a, &b)| *a = (*a).min(b));
        }
        let mut sorted = samples.clone();
        stats.push(report::stats(&mut sorted));
        children.push(child);
        last = samples;
    }
    report::write_csv(&csv_dir.join(format!("{stem}.csv")), &last, &repro)?;
    let slowest: Vec<(u64, u64, String)> =
        report::slowest(&repro, 5).into_iter().map(|(i, ns)| (i, ns, note_for(&children, i))).collect();
    let (repro_max_index, repro_max) = slowest.first().map(|s| (s.0, s.1)).unwrap_or((0, 0));
    let median = |f: fn(&ChildReport) -> u64| {
        let mut v: Vec<u64> = children.iter().map(f).collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    Ok(MapResult {
        map: m,
        stats: report::Stats::median_of(&stats),
        run_max: stats.iter().map(|s| s.max).collect(),
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
    let first_part = |e: &child::Event| e.note.split("; ").next().unwrap_or("").to_string();
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

/// One workload's results: the maps that ran and the ones that failed.
type Section = (Workload, Vec<MapResult>, Vec<(MapKind, String)>);

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
    let children = sections.iter().flat_map(|(_, r, _)| r).flat_map(|r| &r.children);
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

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|r| r.trim_start_matches([' ', '\t', ':']).to_string()))
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
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
    fn sizes() {
        assert_eq!(parse_size("10M"), Ok(10_000_000));
        assert_eq!(parse_size("500k"), Ok(500_000));
        assert_eq!(parse_size("1_000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("ten").is_err());
        assert!(parse_size("-5").is_err());
        assert!(parse_size("2000M").is_err());
        assert_eq!(parse_sizes("10M,1M,1M").unwrap().0, vec![1_000_000, 10_000_000]);
        assert!(parse_sizes("none").unwrap().0.is_empty());
        assert!(parse_sizes("1M,").is_err());
    }
}
