//! Finding and building Go for the Go side of the comparisons
//! (`go/compare`, `go/latency`).
//!
//! Go 1.19 is the one to compare with: its map is the classic bucketed
//! design tophash follows (Go 1.24 and later use Swiss tables). The
//! toolchain is looked for at [`DEBIAN_GO`] (Debian's `golang-1.19-go`,
//! which `scripts/setup.sh go` installs), else as `go` on `PATH`, unless a
//! path is given. [`resolve`] applies the binaries' rule: without Go they
//! say so in one line and run the Rust maps only, unless Go was asked for
//! explicitly, which is then an error.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

/// Where Debian's `golang-1.19-go` installs the toolchain.
pub const DEBIAN_GO: &str = "/usr/lib/go-1.19/bin/go";

/// A Go toolchain that answered `go version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Go {
    /// The `go` executable.
    pub path: PathBuf,
    /// What `go version` printed: `go version go1.19.8 linux/amd64`.
    pub version: String,
}

impl Go {
    /// Asks `path` for its version; fails if it does not run or answer.
    pub fn at(path: &Path) -> Result<Go> {
        let out =
            Command::new(path).arg("version").output().with_context(|| format!("cannot run {}", path.display()))?;
        ensure!(out.status.success(), "{} version failed ({})", path.display(), out.status);
        let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok(Go { path: path.to_owned(), version })
    }

    /// The release, `1.19.8`, if the version line names one.
    pub fn release(&self) -> Option<&str> {
        self.version.split_whitespace().nth(2).map(|v| v.trim_start_matches("go"))
    }

    /// Whether this is Go 1.19, whose map tophash follows.
    pub fn is_1_19(&self) -> bool {
        self.release().is_some_and(|r| r == "1.19" || r.starts_with("1.19."))
    }

    /// Builds the (standard-library only) program in `src` into `bin`:
    /// offline (`GOPROXY=off`), ignoring a caller's `GOFLAGS`, and never
    /// downloading another toolchain (`GOTOOLCHAIN=local`). `GOCACHE`
    /// defaults to `<bin's directory>/cache`.
    pub fn build(&self, src: &Path, bin: &Path) -> Result<()> {
        ensure!(src.join("main.go").is_file(), "Go program not found at {}", src.display());
        // Absolute: the build runs in `src`.
        let bin = std::path::absolute(bin).with_context(|| format!("resolving {}", bin.display()))?;
        let dir = bin.parent().context("the Go binary's path has no directory")?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut cmd = Command::new(&self.path);
        cmd.args(["build", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(src)
            .env("GOPROXY", "off")
            .env("GOFLAGS", "")
            .env("GOTOOLCHAIN", "local");
        if std::env::var_os("GOCACHE").is_none() {
            cmd.env("GOCACHE", dir.join("cache"));
        }
        let st = cmd.status().with_context(|| format!("cannot run {} build", self.path.display()))?;
        ensure!(st.success(), "go build in {} failed ({st})", src.display());
        Ok(())
    }
}

/// Finds Go: `explicit` if given (an error if it does not run), else
/// [`DEBIAN_GO`], else `go` on `PATH`; `None` if neither is there.
pub fn find(explicit: Option<&Path>) -> Result<Option<Go>> {
    find_among(explicit, &default_places())
}

/// Where Go is looked for when no path is given: [`DEBIAN_GO`], then `go`
/// on `PATH`.
fn default_places() -> Vec<PathBuf> {
    [Some(PathBuf::from(DEBIAN_GO)), which::which("go").ok()].into_iter().flatten().collect()
}

/// As [`find`], looking at `places` when no path is given.
fn find_among(explicit: Option<&Path>, places: &[PathBuf]) -> Result<Option<Go>> {
    if let Some(p) = explicit {
        return Go::at(p).map(Some);
    }
    for p in places.iter().filter(|p| p.is_file()) {
        if let Ok(go) = Go::at(p) {
            return Ok(Some(go));
        }
    }
    Ok(None)
}

/// The binaries' rule. `wanted`: Go is among the maps to run (and not
/// `--no-go`); `explicit`: the user asked for it (`--go PATH`, or `go`
/// named in `--maps`). Prints which Go runs (path and version), or that
/// none was found, on stderr as `<tool>: …`. Errors when Go was asked for
/// explicitly and none runs.
pub fn resolve(tool: &str, wanted: bool, explicit: bool, path: Option<&Path>) -> Result<Option<Go>> {
    resolve_among(tool, wanted, explicit, path, &default_places())
}

/// As [`resolve`], looking at `places` when no path is given.
fn resolve_among(
    tool: &str,
    wanted: bool,
    explicit: bool,
    path: Option<&Path>,
    places: &[PathBuf],
) -> Result<Option<Go>> {
    if !wanted {
        return Ok(None);
    }
    match find_among(path, places)? {
        Some(go) => {
            eprintln!("{tool}: Go: {} ({})", go.path.display(), go.version);
            if !go.is_1_19() {
                eprintln!(
                    "{tool}: warning: this is not Go 1.19; Go 1.24 and later have Swiss-table maps, not the classic design"
                );
            }
            Ok(Some(go))
        }
        None if explicit => {
            bail!("Go not found ({DEBIAN_GO} nor go on PATH): run scripts/setup.sh go, pass --go PATH, or pass --no-go")
        }
        None => {
            eprintln!("{tool}: Go not found ({DEBIAN_GO} nor go on PATH); running the Rust maps only");
            Ok(None)
        }
    }
}

/// A path in this workspace (the checkout this crate was built from):
/// `workspace_path("go/compare")`.
pub fn workspace_path(rel: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().and_then(Path::parent).unwrap_or(manifest).join(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_the_rule() {
        let go = |v: &str| Go { path: PathBuf::from("go"), version: v.to_owned() };
        assert!(go("go version go1.19.8 linux/amd64").is_1_19());
        assert!(go("go version go1.19 linux/amd64").is_1_19());
        assert!(!go("go version go1.190 linux/amd64").is_1_19());
        assert!(!go("go version go1.24.1 linux/amd64").is_1_19());
        assert_eq!(go("go version go1.24.1 linux/amd64").release(), Some("1.24.1"));
        assert_eq!(resolve("t", false, true, Some(Path::new("/nonexistent/go"))).unwrap(), None, "not wanted");
        let e = resolve("t", true, true, Some(Path::new("/nonexistent/go"))).unwrap_err();
        assert!(format!("{e:#}").contains("cannot run /nonexistent/go"), "{e:#}");
        assert!(workspace_path("go/latency").join("main.go").is_file());
        let nowhere = [PathBuf::from("/nonexistent/go")];
        assert_eq!(resolve_among("t", true, false, None, &nowhere).unwrap(), None, "Rust maps only");
        let e = resolve_among("t", true, true, None, &nowhere).unwrap_err().to_string();
        assert!(e.starts_with("Go not found") && e.contains("--no-go"), "{e}");
    }
}
