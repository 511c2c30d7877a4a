//! The engine (`src/raw/`) depends on nothing above it, checked on its
//! source:
//!
//! 1. Every path that leaves the engine names `crate::types`, the leaf
//!    module of what the engine shares with the public API: no `crate::`
//!    path to anything else (`hash_map`, `hash_set`, `stats`, ...), no
//!    grouped `crate::{...}` import, no `super::super::`, and no `super::`
//!    in `raw/mod.rs` itself (there it means the crate root). The engine's
//!    own test file, `raw/tests.rs`, may also use the crate's test support
//!    (`crate::testing`), which is compiled for tests only.
//! 2. `types.rs` imports nothing from this crate.
//! 3. `RawTable`'s fields are private: the layers above reach the engine
//!    through methods only.
//!
//! Where unsafe code may appear is enforced by the compiler instead
//! (`#![deny(unsafe_code)]` at the crate root, allowed on `mod raw` only;
//! `tests/unsafe_discipline.rs` checks that this stays so).

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A line without its `//` comment (doc comments included); string
/// contents are kept out too, so messages do not count.
fn code(line: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_str, c) {
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => {
                in_str = false;
                out.push('"');
            }
            (true, _) => {}
            (false, '"') => {
                in_str = true;
                out.push('"');
            }
            (false, '/') if chars.peek() == Some(&'/') => break,
            (false, _) => out.push(c),
        }
    }
    out
}

/// The violations of rule 1 in one file of the engine.
fn outward_paths(file: &Path, text: &str) -> Vec<String> {
    let is_mod_rs = file.file_name().is_some_and(|n| n == "mod.rs") && file.parent() == Some(&src().join("raw"));
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let c = code(line);
        let at = || format!("{}:{}: {}", file.display(), n + 1, line.trim());
        for (i, _) in c.match_indices("crate::") {
            let before = c[..i].chars().next_back();
            if before.is_some_and(|b| b.is_alphanumeric() || b == '_' || b == '$') {
                continue;
            }
            let rest = &c[i + "crate::".len()..];
            let segment: String = rest.chars().take_while(|ch| ch.is_alphanumeric() || *ch == '_').collect();
            let test_only = file.file_name().is_some_and(|n| n == "tests.rs") && segment == "testing";
            if segment != "types" && !test_only {
                bad.push(at());
            }
        }
        if c.contains("super::super") || (is_mod_rs && c.contains("super::")) {
            bad.push(at());
        }
    }
    bad
}

#[test]
fn the_engine_imports_only_the_leaf_types_module() {
    let mut files = Vec::new();
    rust_files(&src().join("raw"), &mut files);
    assert!(files.len() >= 10, "found only {} engine files", files.len());
    let bad: Vec<String> = files.iter().flat_map(|f| outward_paths(f, &std::fs::read_to_string(f).unwrap())).collect();
    assert!(bad.is_empty(), "the engine reaches above itself:\n{}", bad.join("\n"));
}

#[test]
fn the_checker_catches_outward_paths() {
    let f = src().join("raw").join("probe.rs");
    let m = src().join("raw").join("mod.rs");
    assert!(outward_paths(&f, "use crate::types::Event;").is_empty());
    assert!(outward_paths(&f, "// see crate::stats::Stats").is_empty());
    assert!(outward_paths(&f, "let s = \"crate::stats\";").is_empty());
    assert_eq!(outward_paths(&f, "use crate::stats::Stats;").len(), 1);
    assert_eq!(outward_paths(&f, "    let s = crate::hash_map::make_hash(a, b);").len(), 1);
    assert_eq!(outward_paths(&f, "use crate::{types::Event, stats::Stats};").len(), 1);
    assert_eq!(outward_paths(&f, "use super::super::stats;").len(), 1);
    assert_eq!(outward_paths(&m, "use super::stats::Stats;").len(), 1);
    assert!(outward_paths(&f, "use super::bucket::Header;").is_empty());
    let t = src().join("raw").join("tests.rs");
    assert!(outward_paths(&t, "let h = crate::testing::splitmix64(k);").is_empty());
    assert_eq!(outward_paths(&f, "let h = crate::testing::splitmix64(k);").len(), 1);
    assert_eq!(outward_paths(&t, "use crate::stats::Stats;").len(), 1);
}

#[test]
fn the_leaf_module_imports_nothing_of_the_crate() {
    let text = std::fs::read_to_string(src().join("types.rs")).unwrap();
    let bad: Vec<&str> = text.lines().filter(|l| code(l).contains("crate::") || code(l).contains("super::")).collect();
    assert!(bad.is_empty(), "types.rs must stay a leaf:\n{}", bad.join("\n"));
}

#[test]
fn raw_table_fields_are_private() {
    let text = std::fs::read_to_string(src().join("raw").join("mod.rs")).unwrap();
    let start = text.find("pub(crate) struct RawTable<K, V> {").expect("RawTable is defined in raw/mod.rs");
    let body = &text[start..start + text[start..].find("\n}").unwrap()];
    let fields = body.lines().skip(1).filter(|l| code(l).contains(':')).count();
    assert!(fields >= 10, "found only {fields} fields");
    let public: Vec<&str> = body.lines().skip(1).filter(|l| code(l).trim_start().starts_with("pub")).collect();
    assert!(public.is_empty(), "RawTable fields visible outside raw/:\n{}", public.join("\n"));
}
