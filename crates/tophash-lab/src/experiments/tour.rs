//! `tour`: not written yet.

use std::path::Path;

use anyhow::{bail, Result};

use super::Outcome;

/// Options of `tophash-lab tour`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Args {}

/// Runs the experiment, writing into `dir`.
pub fn run(_args: &Args, _dir: &Path) -> Result<Outcome> {
    bail!("the tour experiment is not written yet")
}
