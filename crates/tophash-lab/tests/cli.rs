//! The command line end to end: bad input exits non-zero with exactly one
//! line on stderr and leaves no output directory behind, and a directory
//! the lab did not write is refused unless `--force` is given, which adds
//! files and deletes none.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_tophash-lab");

/// Runs the lab in an empty temporary directory (so the default
/// `lab-out/<cmd>` would land there) and checks the failure.
fn fails(args: &[&str], expect: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN).args(args).current_dir(tmp.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: stderr is not one line:\n{stderr}");
    assert!(stderr.contains(expect), "{args:?}: stderr lacks {expect:?}: {stderr}");
    assert!(stderr.starts_with("tophash-lab"), "{args:?}: {stderr}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "{args:?} left {left:?} behind");
}

/// The same with an explicit `--out`, which must not be created.
fn fails_out(args: &[&str], expect: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("nested").join("out");
    let mut all: Vec<&str> = args.to_vec();
    let t = target.to_str().unwrap().to_owned();
    all.extend(["--out", &t]);
    fails(&all, expect);
    assert!(!target.exists() && !Path::new(&tmp.path().join("nested")).exists(), "{args:?} created --out");
}

#[test]
fn unknown_subcommand() {
    fails(&["frobnicate"], "tophash-lab: unrecognized subcommand 'frobnicate' (see --help)");
    // clap's hint survives on the one line.
    fails(&["gorw"], "tophash-lab: unrecognized subcommand 'gorw'; a similar subcommand exists: 'grow' (see --help)");
}

#[test]
fn not_a_number() {
    fails(&["grow", "--keys", "many"], "many");
    fails(&["probes", "--loads", "4,x"], "not a number");
    fails(&["layout", "--key-size", "8b"], "8b");
}

#[test]
fn zero_sizes() {
    // Each flag's own message, with its own range.
    let zero =
        |args: &[&str], expect: &str| fails(args, &format!("tophash-lab: invalid value '0' for {expect} (see --help)"));
    zero(&["grow", "--keys", "0"], "'--keys <COUNT>': '0' is out of range: 1 to 1G");
    zero(&["trace", "--keys", "0"], "'--keys <COUNT>': '0' is out of range: 1 to 1G");
    zero(&["tour", "--keys", "0"], "'--keys <COUNT>': '0' is out of range: 100 to 100M");
    zero(&["flame", "-n", "0"], "'--keys <COUNT>': '0' is out of range: 1 to 100M");
    zero(&["hashdist", "-n", "0"], "'--keys <COUNT>': '0' is out of range: 1 to 1G");
    zero(&["grow", "--claim-keys", "0"], "'--claim-keys <COUNT>': '0' is out of range: 1 to 10M");
    zero(&["probes", "--misses", "0"], "'--misses <COUNT>': '0' is out of range: 1 to 100M");
    zero(&["probes", "--runs", "0"], "'--runs <RUNS>': 0 is not in 1..=1000");
    zero(&["probes", "--loads", "0"], "'--loads <LOADS>': load 0 is out of range (0 < load <= 16)");
}

#[test]
fn one_vocabulary_for_flags() {
    // Counts of keys take the size suffixes everywhere; only whole counts.
    fails(&["flame", "-n", "1.5M"], "'1.5M' is not a count (examples: 1000, 100K, 10M)");
    // One --key-kind, with the same values everywhere.
    for cmd in ["grow", "trace", "flame"] {
        fails(
            &[cmd, "--key-kind", "int"],
            "invalid value 'int' for '--key-kind <KEY_KIND>'; [possible values: u64, string]",
        );
    }
    // The old names are gone, not silently accepted.
    fails(&["probes", "--b", "3"], "unexpected argument '--b' found");
    fails(&["probes", "--reps", "3"], "unexpected argument '--reps' found");
}

#[test]
fn negative_sizes() {
    fails(&["grow", "--keys", "-5"], "-5");
    fails(&["trace", "--keys=-1"], "-1");
    fails(&["layout", "--value-size=-8"], "-8");
}

#[test]
fn huge_sizes() {
    // Past the flag's range.
    fails(&["grow", "--keys", "99999999999999999"], "99999999999999999");
    // In range, but more memory than any machine here has.
    fails_out(&["grow", "--keys", "1000000000", "--no-go"], "memory");
    fails_out(&["probes", "--log2-buckets", "26"], "memory");
    fails_out(&["trace", "--keys", "1000000000"], "memory");
}

#[test]
fn other_bad_input() {
    fails_out(&["layout", "--key-align", "3"], "power of two");
    fails_out(&["layout", "--key-size", "12", "--key-align", "8"], "multiple");
    fails(&["report", "--only", "nothing"], "nothing");
}

#[test]
fn go_flags() {
    // A --go that is not there is an error, not a skipped comparison.
    fails_out(&["layout", "--go", "/nowhere/go"], "tophash-lab layout: error: --go /nowhere/go: not found");
    fails_out(&["grow", "--go", "/nowhere/go"], "tophash-lab grow: error: --go /nowhere/go: not found");
    fails(&["layout", "--go", "/usr/bin/go", "--no-go"], "the argument '--go <PATH>' cannot be used with '--no-go'");
    fails(&["report", "--go", "/usr/bin/go", "--no-go"], "the argument '--go <PATH>' cannot be used with '--no-go'");
    // The report passes its Go flags to its sections (and goes on without the one that fails).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    let out = Command::new(BIN)
        .args(["report", "--only", "layout", "--go", "/nowhere/go", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("not available: --go /nowhere/go: not found"), "{stdout}");
    // It says where the claims are explained.
    assert!(stdout
        .lines()
        .any(|l| l.starts_with("The claims the experiments check") && l.ends_with(": docs/claims.md.")));
}

/// What `layout` writes.
const LAYOUT_FILES: [&str; 4] = ["layout.csv", "sweep.csv", "bucket_bytes.svg", "cache_lines.svg"];

/// Runs `layout` (quick, and without Go) into `out`, with more flags.
fn layout_into(out: &Path, flags: &[&str]) -> Output {
    Command::new(BIN).args(["layout", "--no-go"]).args(flags).arg("--out").arg(out).output().unwrap()
}

#[test]
fn help_and_a_small_run_succeed() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    let out = layout_into(&dir, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty());
    for f in LAYOUT_FILES {
        assert!(dir.join(f).exists(), "{f} missing");
    }
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// A temporary directory holding a user's folder `docs` with one file,
/// `notes.md`.
fn users_folder() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    std::fs::write(docs.join("notes.md"), "mine").unwrap();
    (tmp, docs)
}

#[test]
fn a_users_directory_is_refused_without_force() {
    let (tmp, docs) = users_folder();
    let out = layout_into(&docs, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a foreign directory was written: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "stderr is not one line:\n{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "tophash-lab layout: error: {} is not empty and was not written by tophash; choose another output \
             directory or pass --force to add files to it",
            docs.display()
        )
    );
    assert_eq!(std::fs::read_to_string(docs.join("notes.md")).unwrap(), "mine");
    assert_eq!(names(&docs), ["notes.md"], "files were added to the refused directory");
    assert_eq!(names(tmp.path()), ["docs"], "something was left beside it");
}

#[test]
fn force_adds_files_and_keeps_the_users() {
    let (tmp, docs) = users_folder();
    let out = layout_into(&docs, &["--force"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(docs.join("notes.md")).unwrap(), "mine");
    for f in LAYOUT_FILES {
        assert!(docs.join(f).is_file(), "{f} missing");
    }
    // Now the lab's (it keeps a manifest): a re-run needs no --force and
    // still leaves the user's file alone.
    let out = layout_into(&docs, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(docs.join("notes.md")).unwrap(), "mine");
    assert_eq!(names(tmp.path()), ["docs"], "something was left beside it");
}
