//! `report`: not written yet.

pub mod html;
pub mod limits;
pub mod plot;
pub mod progress;
pub mod table;

use std::path::Path;

use anyhow::{bail, Result};

use super::Outcome;

/// Options of `tophash-lab report`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Args {}

/// Runs the experiment, writing into `dir`.
pub fn run(_args: &Args, _dir: &Path) -> Result<Outcome> {
    bail!("the report experiment is not written yet")
}
