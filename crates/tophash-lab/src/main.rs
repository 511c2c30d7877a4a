//! `tophash-lab`: the source articles' experiments, measured on tophash.
//!
//! Every subcommand prints what it found, writes its data (CSV/JSON) and
//! any pictures (SVG drawn from that data) into `--out DIR` (default
//! `lab-out/<subcommand>`), and exits non-zero with a one-line error on bad
//! input. Output directories are built aside and moved into place only when
//! complete, so a failed run never leaves a half-written directory.

mod experiments;
mod outdir;
mod redis_dict;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use experiments::Outcome;

#[derive(Parser, Debug)]
#[command(
    name = "tophash-lab",
    version,
    about = "Go's classic map, taken apart: the source articles' experiments measured on tophash"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Where to write data and pictures (default: lab-out/<subcommand>).
    #[arg(long, global = true)]
    out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// A short guided demonstration in the terminal (the default).
    Tour(experiments::tour::Args),
    /// Insert keys one at a time and narrate every growth.
    Grow(experiments::grow::Args),
    /// Bucket distribution of FNV-1a, MurmurHash3, xxHash, SipHash, foldhash, aHash.
    Hashdist(experiments::hashdist::Args),
    /// Keys compared per lookup, with and without the tophash filter.
    Probes(experiments::probes::Args),
    /// Bucket size, field offsets, padding and cache lines.
    Layout(experiments::layout::Args),
    /// Per-insert latency: tophash vs hashbrown, std, griddle and a Redis-style dict.
    Latency(experiments::latency::Args),
    /// A workload's growth events as Chrome trace JSON.
    Trace(experiments::trace::Args),
    /// A CPU flame graph of an insert-heavy workload.
    Flame(experiments::flame::Args),
    /// Run everything at small sizes and write one self-contained HTML page.
    Report(experiments::report::Args),
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Tour(_) => "tour",
            Command::Grow(_) => "grow",
            Command::Hashdist(_) => "hashdist",
            Command::Probes(_) => "probes",
            Command::Layout(_) => "layout",
            Command::Latency(_) => "latency",
            Command::Trace(_) => "trace",
            Command::Flame(_) => "flame",
            Command::Report(_) => "report",
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // A usage error: clap's first line, without its usage block.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("tophash-lab: {} (see --help)", first.trim_start_matches("error: ").trim());
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Tour(experiments::tour::Args::default()));
    let out = cli.out.unwrap_or_else(|| PathBuf::from("lab-out").join(command.name()));
    match run(&command, &out) {
        Ok(outcome) => {
            // The results are on disk already; a closed stdout (`| head`)
            // only cuts the printout short, so write errors are ignored
            // rather than panicking as print! would.
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(outcome.text.as_bytes());
            if !outcome.files.is_empty() {
                let _ = writeln!(stdout, "\nwrote {} file(s) to {}", outcome.files.len(), out.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tophash-lab {}: error: {}", command.name(), one_line(&e));
            ExitCode::FAILURE
        }
    }
}

fn run(command: &Command, out: &std::path::Path) -> anyhow::Result<Outcome> {
    outdir::build(out, |dir| match command {
        Command::Tour(a) => experiments::tour::run(a, dir),
        Command::Grow(a) => experiments::grow::run(a, dir),
        Command::Hashdist(a) => experiments::hashdist::run(a, dir),
        Command::Probes(a) => experiments::probes::run(a, dir),
        Command::Layout(a) => experiments::layout::run(a, dir),
        Command::Latency(a) => experiments::latency::run(a, dir),
        Command::Trace(a) => experiments::trace::run(a, dir),
        Command::Flame(a) => experiments::flame::run(a, dir),
        Command::Report(a) => experiments::report::run(a, dir),
    })
}

/// The error and its causes on one line.
fn one_line(e: &anyhow::Error) -> String {
    e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ").replace('\n', " ")
}
