//! Go 1.19 for the comparisons: finds the toolchain, builds
//! `go/lab-grow` (standard library only, offline) and runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Where the Debian package `golang-1.19-go` installs Go.
pub const DEBIAN_GO: &str = "/usr/lib/go-1.19/bin/go";

/// A built `lab-grow`, removed when dropped.
#[derive(Debug)]
pub struct LabGrow {
    pub bin: PathBuf,
    pub version: String,
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

/// Finds Go 1.19 (`explicit`, else Debian's) and builds `lab-grow`. `Ok(Err(why))`
/// when Go is not installed or not 1.19; `Err` when the build fails.
pub fn build(explicit: Option<&Path>) -> Result<std::result::Result<LabGrow, Missing>> {
    let go = match explicit {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(DEBIAN_GO),
    };
    if !go.exists() {
        return Ok(Err(format!(
            "Go 1.19 is not installed ({} not found; `scripts/setup.sh go` installs it)",
            go.display()
        )));
    }
    let v =
        Command::new(&go).arg("version").output().with_context(|| format!("cannot run {} version", go.display()))?;
    let version = String::from_utf8_lossy(&v.stdout).trim().trim_start_matches("go version ").to_owned();
    if !v.status.success() || !version.contains("go1.19") {
        return Ok(Err(format!(
            "{} is not Go 1.19 ({version}); only Go 1.9-1.23 have the classic map, and lab-grow reads 1.19's header",
            go.display()
        )));
    }
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
    let mut cmd = Command::new(&go);
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
    let o = cmd.output().with_context(|| format!("cannot run {} build", go.display()))?;
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr);
        bail!("go build in {} failed: {}", src.display(), err.lines().next().unwrap_or("").trim());
    }
    Ok(Ok(LabGrow { bin, version }))
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
