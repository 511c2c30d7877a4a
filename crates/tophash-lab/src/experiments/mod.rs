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
