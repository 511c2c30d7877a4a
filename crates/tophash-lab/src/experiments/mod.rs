//! One module per experiment. Each has an `Args` (clap, with `Default`
//! giving the small sizes the report uses) and
//! `run(&Args, dir) -> Result<Outcome>`, which writes its data and pictures
//! into `dir` and returns what to show.

pub mod flame;
pub mod grow;
pub mod hashdist;
pub mod latency;
pub mod layout;
pub mod probes;
pub mod report;
pub mod tour;
pub mod trace;

use std::path::PathBuf;

/// Parses command-line words (the first is the program name) as one
/// experiment's `Args`, flattened into a command as `main` does; for the
/// experiments' tests of their defaults and refusals.
#[cfg(test)]
pub(crate) fn parse_args<A: clap::Args + clap::FromArgMatches>(words: &[&str]) -> Result<A, clap::Error> {
    let m = A::augment_args(clap::Command::new("x")).try_get_matches_from(words)?;
    A::from_arg_matches(&m)
}

/// What an experiment found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// For the terminal: tables and narration, ending in a newline.
    pub text: String,
    /// For the HTML report: a self-contained fragment (tables, inline SVG).
    pub html: String,
    /// Files written (data first, then pictures).
    pub files: Vec<PathBuf>,
}
