//! Runs hashbrown 0.17.1's own tests against tophash (issue #18).
//!
//! `build.rs` takes the tests from hashbrown's crate source (a
//! build-dependency, so cargo fetches it like any other crate), keeps the
//! ones that use only public API, rewrites their `use` lines to tophash's
//! paths, and writes them to `OUT_DIR`; `tests/hashbrown.rs` includes them
//! and calls [`run`], the runner in this file. It runs every test in its own
//! process (hashbrown's tests keep state in thread-locals and print freely;
//! the output is shown only for a test that fails unexpectedly), compares the outcome with `known-failures.txt`, lists every excluded test
//! with its reason, and prints the count line:
//!
//! `hashbrown 0.17.1's public-API tests: N of M pass against tophash (...)`
//!
//! Files beside this crate's manifest:
//!
//! * `missing-api.txt`: public-API tests that do not compile against
//!   tophash, each with the compiler's error naming what tophash lacks.
//!   `cargo run -p hashbrown-compat --bin scan-missing` rebuilds it from the
//!   compiler's errors; `-- --check` (in `scripts/test.sh`) fails if it
//!   would change, so a gained or lost API is noticed.
//! * `known-failures.txt`: tests that compile but fail, each with the
//!   reason. The run fails if one of them passes (remove it) or if a test
//!   not listed fails.
//! * `excluded.txt`: every test not run, with its reason; the run fails if
//!   it differs from what `build.rs` excluded
//!   (`HASHBROWN_COMPAT_BLESS=1` rewrites it).
//!
//! hashbrown's HashTable tests (`src/table.rs`) are compiled once
//! `build.rs`'s `HASH_TABLE` is `true` (one line, for when tophash has
//! `hash_table::HashTable`); until then each counts as missing API.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::panic;
use std::path::Path;
use std::process::ExitCode;

/// The hashbrown release the tests come from (the build-dependency's pin).
pub const HASHBROWN_VERSION: &str = "0.17.1";

/// One of hashbrown's tests, compiled against tophash.
#[derive(Debug)]
pub struct Test {
    /// `<module label>::<fn name>`.
    pub name: &'static str,
    /// `hashbrown-0.17.1/<file>:<line>`.
    pub source: &'static str,
    /// The test function.
    pub run: fn(),
    /// `#[should_panic]`: `Some("")` for any panic, else the expected text.
    pub should_panic: Option<&'static str>,
    /// `#[ignore]`.
    pub ignore: bool,
}

/// Why a test of hashbrown's is not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcludedKind {
    /// It uses something only hashbrown has (internals, allocator API,
    /// raw entries, nightly): not part of the drop-in contract.
    Internal,
    /// It uses public hashbrown API that tophash does not have: counted
    /// against tophash.
    MissingApi,
}

/// A test `build.rs` did not compile, and why.
#[derive(Debug)]
pub struct Excluded {
    /// `<module label>::<fn name>`.
    pub name: &'static str,
    /// `hashbrown-0.17.1/<file>:<line>`.
    pub source: &'static str,
    /// The rule that excluded it.
    pub reason: &'static str,
    /// Whether it counts against tophash.
    pub kind: ExcludedKind,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Summary {
    /// Tests that passed.
    pub passed: usize,
    /// Tests compiled and run (passed or not), plus the public-API tests
    /// that do not compile: the M of "N of M".
    pub public_api: usize,
    /// Excluded for hashbrown-only internals: the K.
    pub internal: usize,
    /// Excluded because tophash lacks an item (part of M, not of N).
    pub missing_api: usize,
    /// Failed as `known-failures.txt` says.
    pub known_failures: usize,
    /// `#[ignore]`d in hashbrown (not run, not counted in M).
    pub ignored: usize,
    /// Outcomes that differ from the checked-in lists; empty on success.
    pub surprises: Vec<String>,
}

impl Summary {
    /// Adds one test's outcome, checked against its `known-failures.txt`
    /// entry (`known`); returns the status to print.
    pub fn record(&mut self, name: &str, outcome: Result<(), String>, known: Option<&str>) -> String {
        self.public_api += 1;
        match (outcome, known) {
            (Ok(()), None) => {
                self.passed += 1;
                "ok".to_owned()
            }
            (Ok(()), Some(_)) => {
                self.passed += 1;
                self.surprises.push(format!("{name} passes now: remove it from known-failures.txt"));
                "ok (but listed in known-failures.txt)".to_owned()
            }
            (Err(_), Some(reason)) => {
                self.known_failures += 1;
                format!("known failure ({reason})")
            }
            (Err(why), None) => {
                self.surprises.push(format!("{name} failed: {why}"));
                "FAILED".to_owned()
            }
        }
    }

    /// Counts the excluded tests: hashbrown-only ones apart, those needing
    /// API tophash lacks into M.
    pub fn count_excluded(&mut self, excluded: &[Excluded]) {
        for e in excluded {
            match e.kind {
                ExcludedKind::Internal => self.internal += 1,
                ExcludedKind::MissingApi => {
                    self.missing_api += 1;
                    self.public_api += 1;
                }
            }
        }
    }

    /// The count line for the README.
    pub fn count_line(&self) -> String {
        format!(
            "hashbrown {HASHBROWN_VERSION}'s public-API tests: {} of {} pass against tophash \
             ({} excluded for hashbrown-only internals, listed in crates/hashbrown-compat/excluded.txt; \
             of the {} that do not pass, {} need API tophash lacks (excluded.txt, missing-api.txt) and {} fail (known-failures.txt))",
            self.passed,
            self.public_api,
            self.internal,
            self.public_api - self.passed,
            self.missing_api,
            self.known_failures,
        )
    }
}

/// `known-failures.txt` / `missing-api.txt`: `<name> <TAB> <reason>` lines,
/// `#` comments.
pub fn read_list(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('\t') {
            Some((name, reason)) => (name.trim().to_owned(), reason.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

/// The exclusion list as written to `excluded.txt`.
pub fn excluded_text(excluded: &[Excluded]) -> String {
    let mut out = format!(
        "# hashbrown {HASHBROWN_VERSION}'s tests that crates/hashbrown-compat does not run, with the\n\
         # rule that excluded each (build.rs). Generated: HASHBROWN_COMPAT_BLESS=1 cargo test -p hashbrown-compat\n\
         # internal = uses something only hashbrown has; missing-api = public API tophash lacks.\n"
    );
    for e in excluded {
        let kind = match e.kind {
            ExcludedKind::Internal => "internal",
            ExcludedKind::MissingApi => "missing-api",
        };
        writeln!(out, "{}\t{kind}\t{}\t{}", e.name, e.reason, e.source).unwrap();
    }
    out
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// The argument that makes the test binary run one test in-process (the
/// runner starts itself once per test with it).
const RUN_ONE: &str = "--hashbrown-compat-run-one";

/// Whether a test behaved as its attributes say, as libtest judges it: `result`
/// is `Err(panic message)` if it panicked; `should_panic` as in [`Test`].
pub fn verdict(result: Result<(), String>, should_panic: Option<&str>) -> Result<(), String> {
    match (result, should_panic) {
        (Ok(()), None) => Ok(()),
        (Ok(()), Some(_)) => Err("did not panic (#[should_panic])".to_owned()),
        (Err(text), Some(expected)) if text.contains(expected) => Ok(()),
        (Err(text), Some(expected)) => Err(format!("panicked with {text:?}, expected {expected:?}")),
        (Err(text), None) => Err(format!("panicked: {text}")),
    }
}

/// In the child: runs one test, exits 0 if it behaved as its attributes
/// say, else prints what went wrong and exits 1.
fn run_in_child(test: &Test) -> ExitCode {
    let result = panic::catch_unwind(test.run).map_err(|p| payload_text(&*p));
    match verdict(result, test.should_panic) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("\n{RUN_ONE}: {why}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one test in a child process (its own process, as libtest gives each
/// test its own thread: hashbrown's tests keep state in thread-locals and
/// print freely; a child also survives an abort). `Ok` if it behaved as its
/// attributes say, else the tail of its output.
fn run_one(test: &Test) -> Result<(), String> {
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = std::process::Command::new(exe)
        .args([RUN_ONE, test.name])
        // The panic message, not a backtrace of the runner, unless asked.
        .env("RUST_BACKTRACE", std::env::var_os("HASHBROWN_COMPAT_BACKTRACE").unwrap_or_else(|| "0".into()))
        .output()
        .expect("starting the test binary");
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    let tail: Vec<&str> = text.lines().rev().take(12).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!("{} ({}); output ends:\n        {}", output.status, test.source, tail.join("\n        ")))
}

/// Runs the tests, checks the outcomes against the lists in `dir` (this
/// crate's directory) and prints a libtest-like report and the count line.
/// Non-flag arguments filter by name (then the lists are checked only for
/// the tests run); `--list` prints the names; `--skip NAME` skips.
pub fn run(tests: &[&[Test]], excluded: &[Excluded], dir: &Path) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut filters = Vec::new();
    let mut skips = Vec::new();
    let mut list = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--list" => list = true,
            "--skip" => skips.extend(it.next().cloned()),
            "--test-threads" | "--color" | "--format" | "-Z" | "--logfile" => {
                it.next();
            }
            a if a.starts_with('-') => {}
            a => filters.push(a.to_owned()),
        }
    }
    let all: Vec<&Test> = tests.iter().flat_map(|t| t.iter()).collect();
    if args.first().map(String::as_str) == Some(RUN_ONE) {
        let name = args.get(1).map(String::as_str).unwrap_or_default();
        let test = all.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no test named {name:?}"));
        return run_in_child(test);
    }
    if list {
        for t in &all {
            println!("{}: test", t.name);
        }
        return ExitCode::SUCCESS;
    }
    let selected: Vec<&Test> = all
        .iter()
        .copied()
        .filter(|t| filters.is_empty() || filters.iter().any(|f| t.name.contains(f.as_str())))
        .filter(|t| !skips.iter().any(|s| t.name.contains(s.as_str())))
        .collect();
    let whole_run = selected.len() == all.len();

    let known = read_list(&dir.join("known-failures.txt"));
    let mut summary = Summary::default();
    let names: BTreeSet<&str> = all.iter().map(|t| t.name).collect();
    for name in known.keys() {
        if !names.contains(name.as_str()) {
            summary.surprises.push(format!("known-failures.txt names {name}, which is not among the tests run"));
        }
    }

    println!("\nrunning {} of hashbrown {HASHBROWN_VERSION}'s tests against tophash", selected.len());
    for test in &selected {
        if test.ignore {
            summary.ignored += 1;
            println!("test {} ... ignored", test.name);
            continue;
        }
        let status = summary.record(test.name, run_one(test), known.get(test.name).map(String::as_str));
        println!("test {} ... {status}", test.name);
    }
    summary.count_excluded(excluded);
    println!("\nexcluded ({}):", excluded.len());
    for e in excluded {
        println!("  {}: {} [{}]", e.name, e.reason, e.source);
    }
    let text = excluded_text(excluded);
    let path = dir.join("excluded.txt");
    if std::env::var_os("HASHBROWN_COMPAT_BLESS").is_some() {
        std::fs::write(&path, &text).expect("writing excluded.txt");
    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        summary.surprises.push(format!(
            "{} differs from what build.rs excluded: review, then HASHBROWN_COMPAT_BLESS=1 cargo test -p hashbrown-compat",
            path.display()
        ));
    }

    if whole_run {
        println!("\n{}", summary.count_line());
    }
    if summary.surprises.is_empty() {
        println!(
            "\ntest result: ok. {} passed; {} known failures; {} ignored",
            summary.passed, summary.known_failures, summary.ignored
        );
        ExitCode::SUCCESS
    } else {
        println!("\nfailures:");
        for s in &summary.surprises {
            println!("    {s}");
        }
        println!("\ntest result: FAILED. {} unexpected outcomes", summary.surprises.len());
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_follows_should_panic() {
        assert!(verdict(Ok(()), None).is_ok());
        assert!(verdict(Err("boom".into()), None).is_err());
        assert!(verdict(Ok(()), Some("")).is_err(), "a should_panic test that returns fails");
        assert!(verdict(Err("boom".into()), Some("")).is_ok());
        assert!(verdict(Err("panic in drop".into()), Some("in drop")).is_ok());
        let wrong = verdict(Err("two keys refer to the same entry".into()), Some("duplicate keys found"));
        assert!(wrong.unwrap_err().contains("expected \"duplicate keys found\""));
    }

    /// Planted divergences from the lists are caught: an unlisted failure
    /// and a listed test that passes are surprises; a listed failure is not.
    #[test]
    fn record_flags_what_differs_from_known_failures() {
        let mut s = Summary::default();
        assert_eq!(s.record("a", Ok(()), None), "ok");
        assert!(s.surprises.is_empty());
        assert!(s.record("b", Err("boom".into()), Some("layout")).starts_with("known failure"));
        assert!(s.surprises.is_empty());
        assert_eq!(s.record("c", Err("boom".into()), None), "FAILED");
        assert_eq!(s.surprises.len(), 1);
        s.record("d", Ok(()), Some("layout"));
        assert_eq!(s.surprises.len(), 2);
        assert!(s.surprises[1].contains("remove it from known-failures.txt"));
        assert_eq!((s.passed, s.known_failures, s.public_api), (2, 1, 4));
    }

    #[test]
    fn count_line_counts_missing_api_against_tophash() {
        let mut s = Summary::default();
        s.record("a", Ok(()), None);
        s.record("b", Err("x".into()), Some("order"));
        let excluded = [
            Excluded { name: "c", source: "", reason: "raw", kind: ExcludedKind::Internal },
            Excluded { name: "d", source: "", reason: "lacks f", kind: ExcludedKind::MissingApi },
        ];
        s.count_excluded(&excluded);
        let line = s.count_line();
        assert!(line.contains(": 1 of 3 pass"), "{line}");
        assert!(line.contains("(1 excluded for hashbrown-only internals"), "{line}");
        assert!(line.contains("1 need API tophash lacks") && line.contains("1 fail"), "{line}");
    }

    #[test]
    fn lists_skip_comments_and_split_on_tab() {
        let dir = std::env::temp_dir().join(format!("hashbrown-compat-list-{}", std::process::id()));
        std::fs::write(&dir, "# comment\n\nmap::a\tsome reason\nset::b\n").unwrap();
        let list = read_list(&dir);
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(list.get("map::a").map(String::as_str), Some("some reason"));
        assert_eq!(list.get("set::b").map(String::as_str), Some(""));
        assert_eq!(list.len(), 2);
    }
}
