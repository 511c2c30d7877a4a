//! Go 1.19 for the comparisons: finds the toolchain, builds
//! `go/lab-grow` (standard library only, offline) and runs it.
//!
//! Every experiment that runs Go (grow, layout, and the report, which
//! passes the flags on) takes [`GoArgs`]: `--go PATH` picks the toolchain,
//! `--no-go` skips Go. Without either, Debian's Go 1.19 is used, else a
//! `go` on `PATH` that is Go 1.19; without one, the experiment says so in
//! one line and runs the rest.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Where the Debian package `golang-1.19-go` installs Go.
pub const DEBIAN_GO: &str = "/usr/lib/go-1.19/bin/go";

/// The flags of the experiments that compare with Go 1.19.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct GoArgs {
    /// Go 1.19 toolchain [default: /usr/lib/go-1.19/bin/go, else `go` on PATH if it is Go 1.19].
    #[arg(long, value_name = "PATH")]
    pub go: Option<PathBuf>,
    /// Skip the comparisons with Go 1.19's own map.
    #[arg(long, conflicts_with = "go")]
    pub no_go: bool,
}

/// A Go 1.19 toolchain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// The `go` binary.
    pub path: PathBuf,
    /// What `go version` says after "go version ", e.g. "go1.19.8 linux/amd64".
    pub version: String,
}

impl Toolchain {
    /// The version and where it is, for the output: which Go ran.
    pub fn describe(&self) -> String {
        format!("{} at {}", self.version, self.path.display())
    }
}

/// A built `lab-grow`, removed when dropped.
#[derive(Debug)]
pub struct LabGrow {
    pub bin: PathBuf,
    /// The toolchain that built it.
    pub go: Toolchain,
}

impl Drop for LabGrow {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.bin);
    }
}

/// Why there is no Go side.
pub type Missing = String;

/// The Go program's source directory (in this repository).
fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../go/lab-grow")
}

/// What `go version` says, without its "go version " prefix.
fn version_of(go: &Path) -> Result<String> {
    let v = Command::new(go).arg("version").output().with_context(|| format!("cannot run {} version", go.display()))?;
    if !v.status.success() {
        bail!("{} version failed ({})", go.display(), v.status);
    }
    Ok(String::from_utf8_lossy(&v.stdout).trim().trim_start_matches("go version ").to_owned())
}

/// Go 1.19 itself, any patch release ("go1.19", "go1.19.8", not "go1.190").
fn is_go_1_19(version: &str) -> bool {
    let release = version.split_whitespace().next().unwrap_or("");
    release == "go1.19" || release.starts_with("go1.19.")
}

/// Finds Go 1.19: `explicit` (from `--go`), which must be Go 1.19 or it is
/// an error; else the first of `debian` and `go` on `path` (a `PATH`
/// value) that is Go 1.19, or `Ok(Err(why))` naming what was found instead.
pub fn find(
    explicit: Option<&Path>,
    debian: &Path,
    path: Option<&OsStr>,
) -> Result<std::result::Result<Toolchain, Missing>> {
    if let Some(go) = explicit {
        if !go.exists() {
            bail!("--go {}: not found", go.display());
        }
        let version = version_of(go).with_context(|| format!("--go {}", go.display()))?;
        if !is_go_1_19(&version) {
            bail!(
                "--go {} is {version}, not Go 1.19 (lab-grow reads Go 1.19's map header; only Go 1.9-1.23 have the classic map)",
                go.display()
            );
        }
        return Ok(Ok(Toolchain { path: go.to_path_buf(), version }));
    }
    let mut seen = Vec::new();
    if debian.is_file() {
        if let Some(found) = try_go(debian, &mut seen) {
            return Ok(Ok(found));
        }
    } else {
        seen.push(format!("no {}", debian.display()));
    }
    match path.and_then(|p| which::which_in("go", Some(p), "/").ok()) {
        Some(go) => {
            if let Some(found) = try_go(&go, &mut seen) {
                return Ok(Ok(found));
            }
        }
        None => seen.push("no go on PATH".to_owned()),
    }
    Ok(Err(format!("Go 1.19 not found ({}); `scripts/setup.sh go` installs it, --go PATH picks one", seen.join(", "))))
}

/// `go` if it is Go 1.19; else `None`, with what it is added to `seen`.
fn try_go(go: &Path, seen: &mut Vec<String>) -> Option<Toolchain> {
    match version_of(go) {
        Ok(version) if is_go_1_19(&version) => Some(Toolchain { path: go.to_path_buf(), version }),
        Ok(version) => {
            seen.push(format!("{} is {version}", go.display()));
            None
        }
        Err(e) => {
            seen.push(format!("{e:#}"));
            None
        }
    }
}

/// Finds Go 1.19 as [`find`] does (with Debian's path and this process's
/// `PATH`) and builds `lab-grow`. `Ok(Err(why))` when Go is skipped or
/// missing; `Err` when `--go` is wrong or the build fails.
pub fn build(args: &GoArgs) -> Result<std::result::Result<LabGrow, Missing>> {
    if args.no_go {
        return Ok(Err("skipped (--no-go)".to_owned()));
    }
    let go = match find(args.go.as_deref(), Path::new(DEBIAN_GO), std::env::var_os("PATH").as_deref())? {
        Ok(go) => go,
        Err(why) => return Ok(Err(why)),
    };
    let src = source_dir();
    if !src.join("main.go").exists() {
        return Ok(Err(format!("the Go program is not at {}", src.display())));
    }
    // Build beside this executable (target/<profile>/lab-go), one binary
    // per process so that concurrent runs do not race.
    let exe = std::env::current_exe().context("cannot locate this executable")?;
    let out = exe.parent().map(|p| p.join("lab-go")).unwrap_or_else(|| std::env::temp_dir().join("tophash-lab-go"));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let bin = out.join(format!("lab-grow-{}", std::process::id()));
    let mut cmd = Command::new(&go.path);
    cmd.args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local");
    if std::env::var_os("GOCACHE").is_none() {
        cmd.env("GOCACHE", out.join("cache"));
    }
    let o = cmd.output().with_context(|| format!("cannot run {} build", go.path.display()))?;
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr);
        bail!("go build in {} failed: {}", src.display(), err.lines().next().unwrap_or("").trim());
    }
    Ok(Ok(LabGrow { bin, go }))
}

impl LabGrow {
    /// Runs the program with `args`; returns its standard output.
    pub fn run(&self, args: &[String]) -> Result<String> {
        let o = Command::new(&self.bin)
            .args(args)
            .output()
            .with_context(|| format!("cannot run {}", self.bin.display()))?;
        if !o.status.success() {
            let err = String::from_utf8_lossy(&o.stderr);
            bail!("lab-grow {} failed: {}", args.join(" "), err.lines().next().unwrap_or("").trim());
        }
        String::from_utf8(o.stdout).context("lab-grow printed non-UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// A fake `go` in its own directory that prints `go version <version>`.
    fn fake_go(root: &Path, dir: &str, version: &str) -> PathBuf {
        let d = root.join(dir);
        std::fs::create_dir_all(&d).unwrap();
        let go = d.join("go");
        std::fs::write(&go, format!("#!/bin/sh\necho 'go version {version}'\n")).unwrap();
        std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
        go
    }

    #[test]
    fn finds_go_1_19_at_debians_path_then_on_path() {
        let tmp = tempfile::tempdir().unwrap();
        // Every script is written before any is run.
        let debian = fake_go(tmp.path(), "debian", "go1.19.8 linux/amd64");
        let path_19 = fake_go(tmp.path(), "path19", "go1.19.2 linux/amd64");
        let path_22 = fake_go(tmp.path(), "path22", "go1.22.1 linux/amd64");
        let nowhere = tmp.path().join("nowhere/go");
        let path_of = |go: &Path| go.parent().unwrap().as_os_str().to_owned();

        // Debian's first, even with another Go 1.19 on PATH.
        let found = find(None, &debian, Some(&path_of(&path_19))).unwrap().unwrap();
        assert_eq!(found, Toolchain { path: debian.clone(), version: "go1.19.8 linux/amd64".into() });
        // Then PATH.
        let found = find(None, &nowhere, Some(&path_of(&path_19))).unwrap().unwrap();
        assert_eq!(found.path, path_19);
        assert_eq!(found.describe(), format!("go1.19.2 linux/amd64 at {}", path_19.display()));
        // Another version on PATH is named, not used.
        let why = find(None, &nowhere, Some(&path_of(&path_22))).unwrap().unwrap_err();
        assert_eq!(
            why,
            format!(
                "Go 1.19 not found (no {}, {} is go1.22.1 linux/amd64); `scripts/setup.sh go` installs it, --go PATH \
                 picks one",
                nowhere.display(),
                path_22.display()
            )
        );
        let why = find(None, &nowhere, Some(OsStr::new(""))).unwrap().unwrap_err();
        assert!(why.starts_with(&format!("Go 1.19 not found (no {}, no go on PATH);", nowhere.display())), "{why}");

        // --go overrides, and a wrong --go is an error, not a skipped comparison.
        let found = find(Some(&path_19), &debian, None).unwrap().unwrap();
        assert_eq!(found.path, path_19);
        let e = find(Some(&path_22), &debian, None).unwrap_err().to_string();
        assert!(e.starts_with(&format!("--go {} is go1.22.1 linux/amd64, not Go 1.19", path_22.display())), "{e}");
        let e = find(Some(&nowhere), &debian, None).unwrap_err().to_string();
        assert_eq!(e, format!("--go {}: not found", nowhere.display()));
    }

    #[test]
    fn only_go_1_19_counts() {
        for v in ["go1.19", "go1.19.13 linux/amd64", "go1.19 linux/arm64"] {
            assert!(is_go_1_19(v), "{v}");
        }
        for v in ["go1.190", "go1.9.7", "go1.21.0 linux/amd64", "", "devel go1.19"] {
            assert!(!is_go_1_19(v), "{v}");
        }
    }

    #[test]
    fn no_go_skips_without_looking() {
        let args = GoArgs { go: Some(PathBuf::from("/nowhere/go")), no_go: true };
        assert_eq!(build(&args).unwrap().unwrap_err(), "skipped (--no-go)");
    }
}
