//! Output directories that appear whole or not at all.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::experiments::Outcome;

/// Runs `f` with a fresh staging directory beside `out`; on success replaces
/// `out` with it (files keep their names relative to `out`), on failure
/// removes it and leaves `out` as it was.
pub fn build(out: &Path, f: impl FnOnce(&Path) -> Result<Outcome>) -> Result<Outcome> {
    if out.exists() && !out.is_dir() {
        bail!("--out {} exists and is not a directory", out.display());
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let made_parent = !parent.exists();
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = out.file_name().context("--out has no final component")?.to_string_lossy().into_owned();
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
    let result = f(&staging);
    match result {
        Ok(mut outcome) => {
            let backup = parent.join(format!(".{name}.old-{}", std::process::id()));
            if out.exists() {
                fs::rename(out, &backup).with_context(|| format!("cannot replace {}", out.display()))?;
            }
            if let Err(e) = fs::rename(&staging, out) {
                let _ = fs::rename(&backup, out);
                let _ = fs::remove_dir_all(&staging);
                return Err(e).with_context(|| format!("cannot move results into {}", out.display()));
            }
            let _ = fs::remove_dir_all(&backup);
            outcome.files = outcome
                .files
                .iter()
                .map(|p| p.strip_prefix(&staging).map(|r| out.join(r)).unwrap_or_else(|_| p.clone()))
                .collect();
            Ok(outcome)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            if made_parent {
                // Only removes it if still empty.
                let _ = fs::remove_dir(&parent);
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_leaves_nothing_behind() {
        let root = std::env::temp_dir().join(format!("tophash-lab-outdir-{}", std::process::id()));
        let out = root.join("x");
        let r = build(&out, |d| {
            fs::write(d.join("half.csv"), "a,b\n")?;
            bail!("boom")
        });
        assert!(r.is_err());
        assert!(!out.exists());
        // `build` made `root` (the parent) and so removes it again when empty.
        assert!(!root.exists() || fs::read_dir(&root).unwrap().count() == 0, "no staging directory left");
        let ok = build(&out, |d| {
            fs::write(d.join("whole.csv"), "a,b\n")?;
            Ok(Outcome { text: String::new(), html: String::new(), files: vec![d.join("whole.csv")] })
        })
        .unwrap();
        assert_eq!(ok.files, vec![out.join("whole.csv")]);
        assert!(out.join("whole.csv").exists());
        fs::remove_dir_all(&root).unwrap();
    }
}
