//! The crate's rules for unsafe code, checked on its source:
//!
//! 1. Unsafe code is allowed only under `src/raw/`: the crate root denies
//!    `unsafe_code` and allows it on `mod raw` alone, so the compiler
//!    rejects it anywhere else (the map and set layers are safe code over
//!    the engine's borrow-tied API). This checks that those attributes stay.
//! 2. Every `unsafe` block and `unsafe impl` under `src/raw/` is preceded by
//!    a `// SAFETY:` comment that says something (clippy's
//!    `undocumented_unsafe_blocks` enforces presence; this checks the text is
//!    not empty or a placeholder), and every `unsafe fn` has a `# Safety`
//!    section in its doc comment stating the caller's contract.
//! 3. The crate's lints deny `unsafe_op_in_unsafe_fn` and
//!    `clippy::undocumented_unsafe_blocks`: inherited from the workspace in
//!    the repository (where every member crate inherits them), written out
//!    in the crate's own manifest in a packaged copy.

use std::path::{Path, PathBuf};

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

/// The code part of a line: without a `//` comment and without the
/// contents of string literals (so neither prose nor messages count).
fn code(line: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_str {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    in_str = false;
                    out.push('"');
                }
                _ => {}
            }
        } else if c == '"' {
            in_str = true;
            out.push('"');
        } else if c == '/' && chars.peek() == Some(&'/') {
            break;
        } else {
            out.push(c);
        }
    }
    out
}

fn has_word(s: &str, w: &str) -> bool {
    s.match_indices(w).any(|(i, _)| {
        let before = s[..i].chars().next_back();
        let after = s[i + w.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn unsafe_code_is_allowed_only_on_the_engine() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    assert!(files.len() > 10, "found only {} source files", files.len());
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let lines: Vec<String> = lib.lines().map(|l| code(l).trim().to_string()).collect();
    assert!(lines.iter().any(|l| l == "#![deny(unsafe_code)]"), "lib.rs must deny unsafe_code");
    let mut allowed = Vec::new();
    for f in &files {
        for (n, line) in std::fs::read_to_string(f).unwrap().lines().enumerate() {
            let c = code(line);
            if c.contains("allow(unsafe_code)") {
                allowed.push((f.clone(), n));
            }
        }
    }
    let ok = allowed.len() == 1
        && allowed[0].0 == src().join("lib.rs")
        && lines.get(allowed[0].1 + 1).is_some_and(|next| next == "mod raw;");
    assert!(ok, "only `mod raw;` in lib.rs may allow unsafe code: {allowed:?}");
}

/// Whether a `SAFETY:` comment's text is a real argument rather than a
/// placeholder.
fn says_something(text: &str) -> bool {
    let t = text.trim().trim_end_matches('.').to_lowercase();
    t.len() >= 6
        && !["todo", "fixme", "xxx", "trust me", "should be fine", "safe", "ok"].iter().any(|p| t == *p)
        && !t.starts_with("todo")
}

/// Whether the doc comment ending at the end of `above` (attributes may
/// follow it) has a `# Safety` section.
fn has_safety_doc(above: &[&str]) -> bool {
    above
        .iter()
        .rev()
        .map(|l| l.trim())
        .take_while(|l| l.starts_with("///") || l.starts_with("#["))
        .any(|l| l.trim_start_matches('/').trim().starts_with("# Safety"))
}

#[test]
fn every_unsafe_block_in_raw_has_a_safety_argument() {
    let mut files = Vec::new();
    rust_files(&src().join("raw"), &mut files);
    let (mut blocks, mut fns, mut bad) = (0, 0, Vec::new());
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let c = code(line);
            if !has_word(&c, "unsafe") {
                continue;
            }
            let at = format!("{}:{}", f.display(), n + 1);
            if c.contains("unsafe fn") {
                fns += 1;
                // The doc comment (and attributes) directly above.
                // A module's `# Safety` section may state the contract of
                // every function in it (`bucket::at`).
                let indent = |l: &str| l.len() - l.trim_start().len();
                let module = lines[..n]
                    .iter()
                    .rposition(|l| indent(l) < indent(line) && has_word(&code(l), "mod") && l.ends_with('{'));
                if !has_safety_doc(&lines[..n]) && !module.is_some_and(|m| has_safety_doc(&lines[..m])) {
                    bad.push(format!("{at}: unsafe fn without a `# Safety` section"));
                }
            }
            let blocks_here = c.matches("unsafe {").count() + c.matches("unsafe impl").count();
            if blocks_here == 0 {
                continue;
            }
            blocks += blocks_here;
            // The SAFETY comment: on this line, or in the comment lines
            // above it (a statement may span a few lines before the block).
            let mut found = line.split_once("SAFETY:").map(|(_, t)| t.to_string());
            let mut i = n;
            while found.is_none() && i > 0 && n - i < 12 {
                i -= 1;
                let l = lines[i].trim();
                if let Some((_, t)) = l.split_once("// SAFETY:") {
                    // The argument may continue on the following comment lines.
                    let mut t = t.to_string();
                    for more in lines[i + 1..n].iter().map(|l| l.trim()) {
                        match more.strip_prefix("//") {
                            Some(m) if !m.starts_with('/') => t.push_str(m),
                            _ => break,
                        }
                    }
                    found = Some(t);
                } else if l.ends_with('}') && !l.starts_with("//") && l.len() == 1 {
                    break; // the end of an earlier block: no comment here
                }
            }
            match found {
                None => bad.push(format!("{at}: unsafe block without a SAFETY comment")),
                Some(t) if !says_something(&t) => bad.push(format!("{at}: empty SAFETY comment: {t:?}")),
                Some(_) => {}
            }
        }
    }
    eprintln!("src/raw: {blocks} unsafe blocks and impls, {fns} unsafe fns, each with its safety text");
    assert!(blocks > 50 && fns > 10, "found only {blocks} unsafe blocks and {fns} unsafe fns");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The `[name]` section of a manifest, without its header.
fn section(manifest: &str, name: &str) -> Option<String> {
    let header = format!("[{name}]\n");
    let at = if manifest.starts_with(&header) { 0 } else { manifest.find(&format!("\n{header}"))? + 1 };
    let rest = &manifest[at + header.len()..];
    Some(rest[..rest.find("\n[").unwrap_or(rest.len())].to_string())
}

fn denies(section: &str, lint: &str) -> bool {
    section.lines().any(|l| l.replace(' ', "") == format!("{lint}=\"deny\""))
}

#[test]
fn the_crate_denies_the_unsafe_lints() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let own = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let inherits = section(&own, "lints").is_some_and(|l| l.lines().any(|l| l.replace(' ', "") == "workspace=true"));
    if !inherits {
        // A packaged copy: cargo wrote the workspace's lints out here.
        let rust = section(&own, "lints.rust").expect("no [lints.rust] in the packaged manifest");
        let clippy = section(&own, "lints.clippy").expect("no [lints.clippy] in the packaged manifest");
        assert!(denies(&rust, "unsafe_op_in_unsafe_fn"), "{rust}");
        assert!(denies(&clippy, "undocumented_unsafe_blocks"), "{clippy}");
        return;
    }
    let root = dir.join("../..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let rust = section(&manifest, "workspace.lints.rust").expect("no [workspace.lints.rust]");
    let clippy = section(&manifest, "workspace.lints.clippy").expect("no [workspace.lints.clippy]");
    assert!(denies(&rust, "unsafe_op_in_unsafe_fn"), "{rust}");
    assert!(denies(&clippy, "undocumented_unsafe_blocks"), "{clippy}");
    let members = section(&manifest, "workspace").expect("no [workspace]");
    let list = &members[members.find("members").unwrap()..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    let crates: Vec<&str> = list.split(',').map(|s| s.trim().trim_matches('"')).filter(|s| !s.is_empty()).collect();
    assert!(crates.contains(&"crates/tophash"), "{crates:?}");
    for c in crates {
        let m = std::fs::read_to_string(root.join(c).join("Cargo.toml")).unwrap();
        let lints = section(&m, "lints").unwrap_or_else(|| panic!("{c}: no [lints] section"));
        assert!(
            lints.lines().any(|l| l.replace(' ', "") == "workspace=true"),
            "{c}: [lints] does not inherit the workspace's"
        );
    }
}
