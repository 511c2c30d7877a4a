//! `tophash-lab`: the source articles' experiments, measured on tophash.
//!
//! Every subcommand prints what it found, writes its data (CSV/JSON) and
//! any pictures (SVG drawn from that data) into `--out DIR` (default
//! `lab-out/<subcommand>`), and exits non-zero with a one-line error on bad
//! input. The files go through [`tophash_bench::outdir::build`]: they are
//! written aside and moved into `DIR` only when the run succeeds, a re-run
//! replaces only the files the lab wrote there before, and a non-empty
//! directory the lab did not write is refused unless `--force` is given
//! (which adds the files and deletes nothing).

mod claims;
mod experiments;
mod redis_dict;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tophash_bench::outdir;

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
    /// Where to write data and pictures (default: lab-out/<subcommand>). A
    /// re-run replaces only the files the lab wrote there; a non-empty
    /// directory it did not write is refused without --force.
    #[arg(long, global = true, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write into a non-empty --out DIR that the lab did not write: adds
    /// (or replaces) the run's files and deletes nothing.
    #[arg(long, global = true)]
    force: bool,
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
    /// Threads sharing a growth's evacuation: claims, CAS conflicts, delay per bucket.
    Concurrent(experiments::concurrent::Args),
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
            Command::Concurrent(_) => "concurrent",
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
            eprintln!("tophash-lab: {}", usage_error_line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let command = match cli.command {
        Some(c) => c,
        None => match experiments::defaults() {
            Ok(a) => Command::Tour(a),
            Err(e) => {
                eprintln!("tophash-lab tour: error: {}", one_line(&e));
                return ExitCode::FAILURE;
            }
        },
    };
    let out = cli.out.unwrap_or_else(|| PathBuf::from("lab-out").join(command.name()));
    match run(&command, &out, cli.force) {
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

/// Runs `command` into a staging directory and moves its files into `out`
/// (see [`outdir::build`]); the outcome's files name their final place.
fn run(command: &Command, out: &Path, force: bool) -> anyhow::Result<Outcome> {
    let built = outdir::build(out, force, |dir| {
        let outcome = match command {
            Command::Tour(a) => experiments::tour::run(a, dir),
            Command::Grow(a) => experiments::grow::run(a, dir),
            Command::Hashdist(a) => experiments::hashdist::run(a, dir),
            Command::Probes(a) => experiments::probes::run(a, dir),
            Command::Layout(a) => experiments::layout::run(a, dir),
            Command::Latency(a) => experiments::latency::run(a, dir),
            Command::Trace(a) => experiments::trace::run(a, dir),
            Command::Flame(a) => experiments::flame::run(a, dir),
            Command::Concurrent(a) => experiments::concurrent::run(a, dir),
            Command::Report(a) => experiments::report::run(a, dir),
        }?;
        Ok((outcome, dir.to_path_buf()))
    })?;
    let (mut outcome, staging) = built.value;
    outcome.files = outcome.files.iter().map(|p| outdir::relocate(p, &staging, out)).collect();
    Ok(outcome)
}

/// A clap usage error on one line: its message, then its notes (possible
/// values, "a similar subcommand exists" and other tips), without the usage
/// block that follows them.
fn usage_error_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("invalid arguments").trim_start_matches("error:").trim();
    let mut parts = vec![first.to_owned()];
    for line in lines.map(str::trim) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if !line.is_empty() {
            parts.push(line.trim_start_matches("tip:").trim().to_owned());
        }
    }
    format!("{} (see --help)", parts.join("; "))
}

/// The error and its causes on one line (also a report section's failure).
pub(crate) fn one_line(e: &anyhow::Error) -> String {
    e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_keep_their_tips_on_one_line() {
        let e = Cli::try_parse_from(["tophash-lab", "gorw"]).unwrap_err();
        assert_eq!(
            usage_error_line(&e.to_string()),
            "unrecognized subcommand 'gorw'; a similar subcommand exists: 'grow' (see --help)"
        );
        let e = Cli::try_parse_from(["tophash-lab", "frobnicate"]).unwrap_err();
        assert_eq!(usage_error_line(&e.to_string()), "unrecognized subcommand 'frobnicate' (see --help)");
        let e = Cli::try_parse_from(["tophash-lab", "grow", "--kyes", "5"]).unwrap_err();
        assert_eq!(
            usage_error_line(&e.to_string()),
            "unexpected argument '--kyes' found; a similar argument exists: '--keys' (see --help)"
        );
    }

    #[test]
    fn outcome_files_name_their_final_place() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("layout");
        let args = experiments::parse_args::<experiments::layout::Args>(&["x", "--no-go"]).unwrap();
        let outcome = run(&Command::Layout(args), &out, false).unwrap();
        assert!(!outcome.files.is_empty());
        for f in &outcome.files {
            assert!(f.starts_with(&out), "{} is not under {}", f.display(), out.display());
            assert!(f.is_file(), "{} missing", f.display());
        }
        // Nothing but `out` is left beside it (no staging directory).
        let beside: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(beside, ["layout"]);
    }
}
