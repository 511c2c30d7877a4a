//! Output directories that never lose a user's files.
//!
//! Every command that writes results (the lab's experiments, the `latency`
//! and `compare` binaries) writes them through [`build`]:
//!
//! * The files are first written into a staging directory beside `out`;
//!   if the run fails, the staging directory is removed and `out` is left
//!   exactly as it was. No half-written file ever appears in `out`.
//! * `out` may be missing (it is created), empty, or a directory this
//!   module wrote before: it keeps a manifest, [`MANIFEST`], of the files it
//!   wrote there. A re-run replaces those files and removes the ones the new
//!   run did not write again; every other file in `out` is left alone.
//! * A non-empty directory without a manifest is refused with a one-line
//!   error unless `force` is set; with `force` the new files are moved in
//!   (replacing files of the same names) and nothing else is touched.
//!
//! Nothing is ever deleted that this module did not write.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The manifest's file name inside an output directory: one relative path
/// per line, the files the last run wrote.
pub const MANIFEST: &str = ".tophash-out";

/// What a successful [`build`] returns: the closure's value and the files
/// now in `out` that the run wrote, in sorted order.
#[derive(Debug)]
pub struct Built<T> {
    /// The closure's result.
    pub value: T,
    /// Every file written, as a path under `out`.
    pub files: Vec<PathBuf>,
}

/// Runs `f` with a fresh staging directory and moves what it wrote into
/// `out` (see the module docs for the rules). `f` writes files anywhere
/// under the path it is given; paths it returns inside its value that point
/// into staging can be mapped with [`relocate`].
pub fn build<T>(out: &Path, force: bool, f: impl FnOnce(&Path) -> Result<T>) -> Result<Built<T>> {
    let previous = check_target(out, force)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let made_parent = !parent.exists();
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = out.file_name().context("the output path has no final component")?.to_string_lossy().into_owned();
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if staging.exists() {
        // Only a run of this process id could have made it: ours, stale.
        fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
    }
    fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
    let result = f(&staging).and_then(|value| {
        let written = files_under(&staging)?;
        install(&staging, out, &written, previous.as_ref())?;
        Ok(Built { value, files: written.iter().map(|r| out.join(r)).collect() })
    });
    let _ = fs::remove_dir_all(&staging);
    if result.is_err() && made_parent {
        // Removes the parent only if nothing else is in it.
        let _ = fs::remove_dir(&parent);
    }
    result
}

/// Maps a path written under `staging` to where it now is under `out`;
/// other paths are returned unchanged.
pub fn relocate(p: &Path, staging: &Path, out: &Path) -> PathBuf {
    p.strip_prefix(staging).map(|r| out.join(r)).unwrap_or_else(|_| p.to_path_buf())
}

/// Decides whether `out` may be written: returns the previous manifest's
/// files if `out` is ours, `None` if it is missing, empty, or forced.
fn check_target(out: &Path, force: bool) -> Result<Option<BTreeSet<PathBuf>>> {
    if !out.exists() {
        return Ok(None);
    }
    if !out.is_dir() {
        bail!("{} exists and is not a directory", out.display());
    }
    let manifest = out.join(MANIFEST);
    if manifest.is_file() {
        let text = fs::read_to_string(&manifest).with_context(|| format!("cannot read {}", manifest.display()))?;
        let files = text.lines().filter(|l| !l.is_empty()).map(PathBuf::from).collect::<BTreeSet<_>>();
        if let Some(bad) = files.iter().find(|p| !is_plain_relative(p)) {
            bail!(
                "{} lists {}, which is not a plain relative path; not touching it",
                manifest.display(),
                bad.display()
            );
        }
        return Ok(Some(files));
    }
    let empty = fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))?.next().is_none();
    if empty || force {
        return Ok(None);
    }
    bail!(
        "{} is not empty and was not written by tophash; choose another output directory or pass --force to add files to it",
        out.display()
    )
}

/// A relative path with only normal components (no `..`, no root).
fn is_plain_relative(p: &Path) -> bool {
    p.components().all(|c| matches!(c, std::path::Component::Normal(_))) && p.components().next().is_some()
}

/// The files under `dir`, as sorted paths relative to it.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        let abs = dir.join(&rel);
        for entry in fs::read_dir(&abs).with_context(|| format!("cannot read {}", abs.display()))? {
            let entry = entry?;
            let r = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                todo.push(r);
            } else {
                out.push(r);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Moves the staged files into `out`, removes the files of the previous
/// manifest that were not written again, and writes the new manifest.
fn install(staging: &Path, out: &Path, written: &[PathBuf], previous: Option<&BTreeSet<PathBuf>>) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for r in written {
        let to = out.join(r);
        if let Some(d) = to.parent() {
            fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        }
        if to.is_dir() {
            bail!("cannot write {}: a directory of that name exists", to.display());
        }
        fs::rename(staging.join(r), &to).with_context(|| format!("cannot move a result into {}", to.display()))?;
    }
    if let Some(prev) = previous {
        let now: BTreeSet<&PathBuf> = written.iter().collect();
        for stale in prev.iter().filter(|p| !now.contains(p)) {
            // Ours (listed by the manifest we wrote); already gone is fine.
            let _ = fs::remove_file(out.join(stale));
        }
    }
    let list: String = written.iter().map(|p| format!("{}\n", p.display())).collect();
    let tmp = out.join(format!("{MANIFEST}.tmp-{}", std::process::id()));
    fs::write(&tmp, list).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, out.join(MANIFEST)).with_context(|| format!("cannot write {}", out.join(MANIFEST).display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tophash-outdir-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn write(d: &Path, name: &str, text: &str) -> Result<()> {
        fs::write(d.join(name), text)?;
        Ok(())
    }

    #[test]
    fn failure_leaves_nothing_behind() {
        let root = scratch("fail");
        let out = root.join("new");
        let r = build(&out, false, |d| -> Result<()> {
            write(d, "half.csv", "a,b\n")?;
            bail!("boom")
        });
        assert!(r.is_err());
        assert!(!out.exists());
        assert_eq!(fs::read_dir(&root).unwrap().count(), 0, "no staging directory left");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_users_directory_is_refused_without_force_and_kept_with_it() {
        let root = scratch("user");
        let out = root.join("docs");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("notes.md"), "mine").unwrap();
        let e = build(&out, false, |d| write(d, "x.csv", "1")).unwrap_err();
        assert!(e.to_string().contains("is not empty and was not written by tophash"), "{e}");
        assert_eq!(fs::read_to_string(out.join("notes.md")).unwrap(), "mine");
        assert!(!out.join("x.csv").exists());

        let built = build(&out, true, |d| write(d, "x.csv", "1")).unwrap();
        assert_eq!(built.files, vec![out.join("x.csv")]);
        assert_eq!(fs::read_to_string(out.join("notes.md")).unwrap(), "mine", "forced runs only add");
        // Now ours: a second run needs no --force and still keeps the note.
        build(&out, false, |d| write(d, "y.csv", "2")).unwrap();
        assert!(!out.join("x.csv").exists(), "the file of the previous run is replaced");
        assert_eq!(fs::read_to_string(out.join("y.csv")).unwrap(), "2");
        assert_eq!(fs::read_to_string(out.join("notes.md")).unwrap(), "mine");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn reruns_replace_their_own_files_and_nothing_else() {
        let root = scratch("rerun");
        let out = root.join("lab-out");
        build(&out, false, |d| {
            fs::create_dir(d.join("csv"))?;
            write(&d.join("csv"), "a.csv", "1")?;
            write(d, "plot.svg", "<svg/>")
        })
        .unwrap();
        fs::write(out.join("csv").join("added-by-user.txt"), "keep").unwrap();
        let built = build(&out, false, |d| write(d, "plot.svg", "<svg>2</svg>")).unwrap();
        assert_eq!(built.files, vec![out.join("plot.svg")]);
        assert!(!out.join("csv/a.csv").exists());
        assert_eq!(fs::read_to_string(out.join("csv/added-by-user.txt")).unwrap(), "keep");
        assert_eq!(fs::read_to_string(out.join("plot.svg")).unwrap(), "<svg>2</svg>");
        // A failed re-run leaves the previous results in place.
        assert!(build(&out, false, |d| -> Result<()> {
            write(d, "plot.svg", "half")?;
            bail!("boom")
        })
        .is_err());
        assert_eq!(fs::read_to_string(out.join("plot.svg")).unwrap(), "<svg>2</svg>");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_file_or_a_tampered_manifest_is_refused() {
        let root = scratch("odd");
        let file = root.join("f");
        fs::write(&file, "x").unwrap();
        let e = build(&file, true, |d| write(d, "a", "1")).unwrap_err();
        assert!(e.to_string().contains("is not a directory"), "{e}");
        let out = root.join("d");
        fs::create_dir(&out).unwrap();
        fs::write(out.join(MANIFEST), "../../etc/passwd\n").unwrap();
        let e = build(&out, false, |d| write(d, "a", "1")).unwrap_err();
        assert!(e.to_string().contains("not a plain relative path"), "{e}");
        fs::remove_dir_all(&root).unwrap();
    }
}
