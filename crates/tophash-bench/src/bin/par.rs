//! `par`: how `par_iter().sum()` scales with threads, for tophash's rayon
//! feature and hashbrown's (issue #18).
//!
//! ```text
//! cargo run --release -p tophash-bench --bin par
//! cargo run --release -p tophash-bench --bin par -- --sizes 100K,10M --runs 9
//! ```
//!
//! For each size, a map of that many random u64 keys (value `i` for the
//! `i`th key) is built once per map; then, `--runs` rounds, each timing one
//! sequential `iter().map(v).sum()` and one `par_iter().map(v).sum()` in a
//! rayon pool of each thread count (1 up to this machine's cores), the maps
//! and thread counts alternating within a round. Every sum is checked
//! against `n(n-1)/2`: a wrong answer stops the run with a one-line error.
//! The table shows per cell the median time per entry and the speedup over
//! the same map's sequential pass in the same rounds. With 2 cores, 2
//! threads is all this measures.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Parser;
use rayon::prelude::*;
use tophash_bench::keys::{u64_key, KeyKind};
use tophash_bench::{cli, cpu_model, median, size};

#[derive(Parser, Debug)]
#[command(name = "par", about = "par_iter().sum() against iter().sum(), tophash and hashbrown, 1..cores threads")]
struct Cli {
    /// Map sizes (entries), comma-separated: 100K, 1M, 10M...
    #[arg(long, value_delimiter = ',', default_value = "100K,1M,10M", value_parser = size::parser(1_000, 100_000_000))]
    sizes: Vec<u64>,
    /// Rounds per cell (the median is reported).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=1000))]
    runs: u32,
}

type Foldhash = foldhash::fast::FixedState;

/// Times `f` once, in nanoseconds per entry, checking its answer.
fn timed(n: u64, what: &str, f: impl FnOnce() -> u64) -> Result<f64> {
    let t = Instant::now();
    let sum = black_box(f());
    let ns = t.elapsed().as_nanos() as f64 / n as f64;
    let want = n * (n - 1) / 2;
    if sum != want {
        bail!("{what}: sum {sum} != expected {want}");
    }
    Ok(ns)
}

fn run(cli: Cli) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let pools: Vec<(usize, rayon::ThreadPool)> = (1..=cores)
        .map(|t| Ok((t, rayon::ThreadPoolBuilder::new().num_threads(t).build().context("building a rayon pool")?)))
        .collect::<Result<_>>()?;
    println!(
        "par_iter().sum() over u64 values, foldhash; {} rounds per cell, median; {}, {cores} cores",
        cli.runs,
        cpu_model()
    );
    println!();
    let mut head = String::from("| map | n | iter().sum() |");
    let mut rule = String::from("|---|--:|--:|");
    for (t, _) in &pools {
        head += &format!(" par_iter, {t} thread{} |", if *t == 1 { "" } else { "s" });
        rule += "--:|";
    }
    println!("{head}\n{rule}");
    for &n in &cli.sizes {
        let s = Foldhash::with_seed(7);
        let mut th: tophash::HashMap<u64, u64, _> = tophash::HashMap::with_hasher(s.clone());
        let mut hb: hashbrown::HashMap<u64, u64, _> = hashbrown::HashMap::with_hasher(s);
        for i in 0..n {
            let k = u64_key(KeyKind::U64Rand, i);
            th.insert(k, i);
            hb.insert(k, i);
        }
        // [map][0 = sequential, t = par with t threads] -> samples
        let mut samples = vec![vec![Vec::new(); pools.len() + 1]; 2];
        for _ in 0..cli.runs {
            samples[0][0].push(timed(n, "tophash iter", || th.values().copied().sum())?);
            samples[1][0].push(timed(n, "hashbrown iter", || hb.values().copied().sum())?);
            for (p, (t, pool)) in pools.iter().enumerate() {
                let what = format!("par_iter with {t} threads");
                samples[0][p + 1].push(pool.install(|| timed(n, &what, || th.par_iter().map(|(_, v)| *v).sum()))?);
                samples[1][p + 1].push(pool.install(|| timed(n, &what, || hb.par_iter().map(|(_, v)| *v).sum()))?);
            }
        }
        for (m, name) in ["tophash", "hashbrown"].iter().enumerate() {
            let seq = median(&samples[m][0]);
            let mut row = format!("| {name} | {} | {seq:.2} ns |", size::display(n));
            for cell in &samples[m][1..] {
                let med = median(cell);
                row += &format!(" {med:.2} ns ({:.2}×) |", seq / med);
            }
            println!("{row}");
        }
    }
    println!();
    println!("ns per entry; in parentheses the speedup over the same map's iter().sum() in the same rounds");
    Ok(())
}

fn main() -> ExitCode {
    let cli = match cli::parse::<Cli>("par") {
        Ok((cli, _)) => cli,
        Err(code) => return code,
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cli::fail("par", &e),
    }
}
