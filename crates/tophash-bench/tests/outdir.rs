//! `--out` never deletes or replaces a user's files: a binary asked to
//! write into a non-empty directory it did not write refuses in one line
//! and leaves it alone; with `--force` it only adds its own files.

use std::path::Path;
use std::process::{Command, Output};

/// A tiny comparison (one map, 1K keys, one round) into `out`.
fn compare(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compare"))
        .args(["--sizes", "1K", "--runs", "1", "--min-ops", "1K", "--key-kind", "u64_seq", "--maps", "tophash"])
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("the compare binary runs")
}

#[test]
fn a_users_directory_is_refused_and_kept_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("docs");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.md"), "mine").unwrap();
    std::fs::write(out.join("table.md"), "my own table").unwrap();

    let refused = compare(&out, &[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "wrote into a user's directory: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.starts_with("compare: error: ") && stderr.contains("--force"), "{stderr}");
    let mut left: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    left.sort();
    assert_eq!(left, ["notes.md", "table.md"], "the directory is as it was");
    assert_eq!(std::fs::read_to_string(out.join("table.md")).unwrap(), "my own table");
    let siblings: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(siblings, ["docs"], "no staging directory left behind");

    let forced = compare(&out, &["--force"]);
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
    assert_eq!(std::fs::read_to_string(out.join("notes.md")).unwrap(), "mine", "--force only adds");
    for f in ["table.md", "results.csv", "results.json"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(std::fs::read_to_string(out.join("table.md")).unwrap().starts_with("| workload |"));
    // Now the directory is the tool's: a second run needs no --force.
    assert!(compare(&out, &[]).status.success());
    assert_eq!(std::fs::read_to_string(out.join("notes.md")).unwrap(), "mine");
}
