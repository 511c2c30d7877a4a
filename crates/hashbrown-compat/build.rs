//! Extracts hashbrown 0.17.1's own tests from its crate source (fetched by
//! cargo as a build-dependency) and writes them, for tophash, to `OUT_DIR`.
//!
//! What is copied and what is changed:
//!
//! * Every item of each test module (test functions and their helpers) is
//!   copied byte for byte from hashbrown's source, with two kinds of edit:
//!   `use` declarations are rewritten (`super::`/`crate::`/`hashbrown::`
//!   paths to tophash's, `stdalloc::` to `std::`), and the harness
//!   attributes of a test (`#[test]`, `#[should_panic]`, `#[ignore]`,
//!   `#[cfg_attr(miri, ignore)]`) are blanked, because the runner in
//!   `src/lib.rs` calls the tests itself; what they said is kept in the
//!   generated test table.
//! * An item is left out when it uses something only hashbrown has (the
//!   rules are `INTERNAL_IDENTS`, `INTERNAL_USE_ROOTS`, `PRIVATE_FIELDS`,
//!   `EXCLUDED_CFG_FEATURES` and `Source::whole_reason` below), or uses an
//!   item left out for that reason; or when it is listed in
//!   `missing-api.txt` (public hashbrown API that tophash does not have).
//!   Every left-out test is written to the exclusion table with its reason;
//!   nothing is dropped silently.
//!
//! Outputs in `OUT_DIR`: `hb_<label>.rs` per source (the module body and its
//! `TESTS` table), `hb_all.rs` (the modules and the `EXCLUDED` table), and
//! `hb_<label>.lines` (which generated lines belong to which item; read by
//! `src/bin/scan-missing.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use proc_macro2::{LineColumn, Span, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Attribute, Item, UseTree};

const HASHBROWN_VERSION: &str = "0.17.1";

/// Whether hashbrown's HashTable tests are compiled against
/// `tophash::hash_table::HashTable` (it exists since #18). Set to `false`,
/// each would count as public API tophash lacks.
const HASH_TABLE: bool = true;

/// One test module (or integration-test file) of hashbrown.
struct Source {
    /// Path inside hashbrown's crate.
    file: &'static str,
    /// The `mod` holding the tests, `None` for an integration-test file.
    module: Option<&'static str>,
    /// Our module name for it.
    label: &'static str,
    /// What `super::` meant there, as a tophash path.
    super_path: &'static str,
    /// Every test of the source is excluded for this reason.
    whole_reason: Option<&'static str>,
    /// Tests `tophash::hash_table::HashTable` (see `HASH_TABLE`).
    needs_hash_table: bool,
}

const SOURCES: &[Source] = &[
    Source {
        file: "src/map.rs",
        module: Some("test_map"),
        label: "map",
        super_path: "tophash::hash_map",
        whole_reason: None,
        needs_hash_table: false,
    },
    Source {
        file: "src/map.rs",
        module: Some("test_map_with_mmap_allocations"),
        label: "map_mmap",
        super_path: "tophash::hash_map",
        whole_reason: Some("allocator API: tests a custom `Allocator` (mmap) plugged into the map"),
        needs_hash_table: false,
    },
    Source {
        file: "src/set.rs",
        module: Some("test_set"),
        label: "set",
        super_path: "tophash::hash_set",
        whole_reason: None,
        needs_hash_table: false,
    },
    Source {
        file: "src/table.rs",
        module: Some("tests"),
        label: "table",
        super_path: "tophash::hash_table",
        whole_reason: None,
        needs_hash_table: true,
    },
    Source {
        file: "src/raw_entry.rs",
        module: Some("test_map"),
        label: "raw_entry",
        super_path: "tophash::hash_map",
        whole_reason: Some("raw-entry API (`raw_entry_mut`), hashbrown-only"),
        needs_hash_table: false,
    },
    Source {
        file: "src/raw.rs",
        module: Some("test_map"),
        label: "raw",
        super_path: "tophash::raw",
        whole_reason: Some("tests hashbrown's internal `RawTable` engine"),
        needs_hash_table: false,
    },
    Source {
        file: "tests/equivalent_trait.rs",
        module: None,
        label: "equivalent_trait",
        super_path: "tophash",
        whole_reason: None,
        needs_hash_table: false,
    },
    Source {
        file: "tests/hasher.rs",
        module: None,
        label: "hasher",
        super_path: "tophash",
        whole_reason: None,
        needs_hash_table: false,
    },
    Source {
        file: "tests/hasher_unwind.rs",
        module: None,
        label: "hasher_unwind",
        super_path: "tophash",
        whole_reason: None,
        needs_hash_table: false,
    },
    Source {
        file: "tests/set.rs",
        module: None,
        label: "set_integration",
        super_path: "tophash",
        whole_reason: None,
        needs_hash_table: false,
    },
    Source {
        file: "tests/serde.rs",
        module: None,
        label: "serde",
        super_path: "tophash",
        whole_reason: None,
        needs_hash_table: false,
    },
    Source {
        file: "tests/rayon.rs",
        module: None,
        label: "rayon",
        super_path: "tophash",
        whole_reason: None,
        needs_hash_table: false,
    },
];

/// Identifiers that only hashbrown has, each with the reason. An item whose
/// tokens (macro bodies included) contain one is left out.
const INTERNAL_IDENTS: &[(&str, &str)] = &[
    ("Allocator", "allocator API (`Allocator`)"),
    ("Global", "allocator API (`Global`)"),
    ("new_in", "allocator API (`new_in`)"),
    ("with_capacity_in", "allocator API (`with_capacity_in`)"),
    ("with_hasher_in", "allocator API (`with_hasher_in`)"),
    ("with_capacity_and_hasher_in", "allocator API (`with_capacity_and_hasher_in`)"),
    ("allocator", "allocator API (`allocator()`)"),
    ("bumpalo", "allocator API (bumpalo)"),
    ("RawTable", "hashbrown's internal `RawTable`"),
    ("raw_table", "hashbrown's internal `RawTable`"),
    ("raw_entry", "raw-entry API (hashbrown-only)"),
    ("raw_entry_mut", "raw-entry API (hashbrown-only)"),
    ("RawEntryMut", "raw-entry API (hashbrown-only)"),
    ("rustc_entry", "rustc-internal entry API (hashbrown-only)"),
    ("RustcEntry", "rustc-internal entry API (hashbrown-only)"),
    ("make_hash", "hashbrown's private `make_hash`"),
    ("make_hasher", "hashbrown's private `make_hasher`"),
    ("scopeguard", "hashbrown's private `scopeguard`"),
    ("prev_pow2", "hashbrown's private `raw::prev_pow2`"),
    ("num_buckets", "hashbrown's private `RawTable::num_buckets`"),
    ("raw_capacity", "hashbrown's private, test-only `HashMap::raw_capacity`"),
];

/// `use` paths rooted here import hashbrown internals: the imported names
/// become internal for the module (reason: the path).
const INTERNAL_USE_ROOTS: &[&str] = &[
    "crate::alloc",
    "crate::raw",
    "crate::scopeguard",
    "crate::map::make_hash",
    "crate::map::make_hasher",
    "crate::raw_entry",
    "crate::rustc_entry",
    "allocator_api2",
    "super::RawEntryMut",
];

/// Private fields of hashbrown's types; `.name` not followed by `(` reads one.
const PRIVATE_FIELDS: &[&str] = &["table", "map", "hash_builder", "alloc"];

/// `#[cfg(feature = ...)]` on an item: these exclude it, the others are
/// features this crate always turns on in tophash (`serde`, `rayon`) or
/// that hashbrown turns on by default (`raw-entry`, `equivalent`,
/// `default-hasher`), so the cfg is read as true.
const EXCLUDED_CFG_FEATURES: &[(&str, &str)] = &[
    ("nightly", "nightly-only (`feature = \"nightly\"`)"),
    ("allocator-api2", "allocator API (`feature = \"allocator-api2\"`)"),
    ("rustc-internal-api", "rustc-internal API"),
];
const TRUE_CFG_FEATURES: &[&str] = &["serde", "rayon", "raw-entry", "equivalent", "default-hasher", "inline-more"];

/// Names at hashbrown's crate root, imported from tophash's root.
const ROOT_NAMES: &[&str] = &["HashMap", "HashSet", "HashTable", "DefaultHashBuilder", "Equivalent", "TryReserveError"];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=HASHBROWN_COMPAT_MISSING");
    println!("cargo::rerun-if-env-changed=HASHBROWN_SRC");
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root = hashbrown_root(&manifest_dir);
    println!("cargo::rerun-if-changed={}", root.display());

    // The scan-missing tool points HASHBROWN_COMPAT_MISSING at the list it is
    // building, to find which tests do not compile.
    let missing_path =
        env::var_os("HASHBROWN_COMPAT_MISSING").map_or_else(|| manifest_dir.join("missing-api.txt"), PathBuf::from);
    println!("cargo::rerun-if-changed={}", missing_path.display());
    let missing = read_missing(&missing_path);
    let mut seen = BTreeSet::new();

    let mut all = String::new();
    let mut excluded = String::from("pub(crate) const EXCLUDED: &[hashbrown_compat::Excluded] = &[\n");
    for source in SOURCES {
        let path = root.join(source.file);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
        let items = match source.module {
            None => file.items,
            Some(name) => find_module(file.items, name)
                .unwrap_or_else(|| panic!("hashbrown {HASHBROWN_VERSION}: no `mod {name}` in {}", source.file)),
        };
        let generated = generate(source, &Text::new(&text), &items, &missing, &mut seen);
        fs::write(out_dir.join(format!("hb_{}.rs", source.label)), &generated.code).expect("writing OUT_DIR");
        fs::write(out_dir.join(format!("hb_{}.lines", source.label)), &generated.lines).expect("writing OUT_DIR");
        for (name, at, reason, kind) in &generated.excluded {
            writeln!(
                excluded,
                "    hashbrown_compat::Excluded {{ name: {name:?}, source: {at:?}, reason: {reason:?}, kind: hashbrown_compat::ExcludedKind::{kind:?} }},"
            )
            .unwrap();
        }
        writeln!(
            all,
            "/// hashbrown {HASHBROWN_VERSION}'s `{}`{}.\n#[allow(warnings, clippy::all, clippy::pedantic)]\nmod {} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/hb_{}.rs\"));\n}}\n",
            source.file,
            source.module.map(|m| format!(" `mod {m}`")).unwrap_or_default(),
            source.label,
            source.label,
        )
        .unwrap();
    }
    excluded.push_str("];\n");
    all.push_str(&excluded);
    all.push_str("pub(crate) const TESTS: &[&[hashbrown_compat::Test]] = &[\n");
    for source in SOURCES {
        writeln!(all, "    {}::TESTS,", source.label).unwrap();
    }
    all.push_str("];\n");
    fs::write(out_dir.join("hb_all.rs"), all).expect("writing OUT_DIR");

    let stale: Vec<_> = missing.keys().filter(|name| !seen.contains(*name)).collect();
    assert!(stale.is_empty(), "missing-api.txt names tests hashbrown {HASHBROWN_VERSION} does not have: {stale:?}");
}

/// hashbrown's crate directory: `HASHBROWN_SRC` if set, else the package
/// cargo resolved for our build-dependency (`cargo metadata`, offline first
/// since the build-dependency is already downloaded), else the registry
/// cache under `CARGO_HOME`.
fn hashbrown_root(manifest_dir: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("HASHBROWN_SRC") {
        return PathBuf::from(dir);
    }
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for offline in [true, false] {
        let mut cmd = Command::new(&cargo);
        cmd.args(["metadata", "--format-version", "1"]).current_dir(manifest_dir);
        if offline {
            cmd.arg("--offline");
        }
        let Ok(output) = cmd.output() else { continue };
        if !output.status.success() {
            continue;
        }
        let Ok(meta) = serde_json::from_slice::<serde_json::Value>(&output.stdout) else { continue };
        let found = meta["packages"].as_array().into_iter().flatten().find(|p| {
            p["name"] == "hashbrown"
                && p["version"] == HASHBROWN_VERSION
                && p["source"].as_str().is_some_and(|s| s.starts_with("registry+"))
        });
        if let Some(manifest) = found.and_then(|p| p["manifest_path"].as_str()) {
            return Path::new(manifest).parent().expect("a manifest has a directory").to_owned();
        }
    }
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = cargo_home.join("registry/src");
    for index in fs::read_dir(&registry).into_iter().flatten().flatten() {
        let dir = index.path().join(format!("hashbrown-{HASHBROWN_VERSION}"));
        if dir.join("Cargo.toml").is_file() {
            return dir;
        }
    }
    panic!(
        "hashbrown {HASHBROWN_VERSION}'s source not found (cargo metadata, {}); set HASHBROWN_SRC",
        registry.display()
    )
}

/// `missing-api.txt`: `<label>::<item name> <TAB> <missing item>` per line,
/// `#` comments. The item is a test, or a helper (whose users are then
/// excluded with it).
fn read_missing(path: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, item) = l.split_once('\t').unwrap_or_else(|| panic!("missing-api.txt: no TAB in {l:?}"));
            (name.trim().to_owned(), item.trim().to_owned())
        })
        .collect()
}

fn find_module(items: Vec<Item>, name: &str) -> Option<Vec<Item>> {
    items.into_iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.map(|(_, items)| items),
        _ => None,
    })
}

/// The source text with token positions turned into byte offsets.
struct Text<'a> {
    src: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Text<'a> {
    fn new(src: &'a str) -> Self {
        let line_starts = std::iter::once(0).chain(src.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Text { src, line_starts }
    }

    fn offset(&self, at: LineColumn) -> usize {
        let start = self.line_starts[at.line - 1];
        self.src[start..].char_indices().nth(at.column).map_or(self.src.len(), |(i, _)| start + i)
    }

    fn range(&self, span: Span) -> std::ops::Range<usize> {
        self.offset(span.start())..self.offset(span.end())
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Uses a hashbrown-only internal or API.
    Internal,
    /// Public hashbrown API tophash does not have (missing-api.txt).
    MissingApi,
}

struct Generated {
    code: String,
    lines: String,
    /// (test name, source location, reason, kind)
    excluded: Vec<(String, String, String, Kind)>,
}

/// One item of a test module and what it needs.
struct Entry {
    item: Item,
    /// Names it defines (fn, struct, static, ...).
    defines: Vec<String>,
    idents: BTreeSet<String>,
    /// Names a `use` inside the item imports (they shadow module imports).
    local_imports: BTreeSet<String>,
    private_field: Option<String>,
}

fn generate(
    source: &Source,
    text: &Text<'_>,
    items: &[Item],
    missing: &BTreeMap<String, String>,
    seen: &mut BTreeSet<String>,
) -> Generated {
    let at = |span: Span| format!("hashbrown-{HASHBROWN_VERSION}/{}:{}", source.file, span.start().line);
    let mut uses = Vec::new();
    // Names imported by the module's `use` lines from hashbrown internals.
    let mut internal_names: BTreeMap<String, String> = BTreeMap::new();
    let mut entries = Vec::new();
    for item in items {
        match item {
            // A file's own `#![...]` attributes are not items; `use` lines at
            // module level are rewritten below.
            Item::Use(u) => {
                if let Some(reason) = excluded_by_cfg(&u.attrs) {
                    for leaf in leaves(&u.tree) {
                        internal_names.insert(leaf.name(), reason.clone());
                    }
                    continue;
                }
                for leaf in leaves(&u.tree) {
                    if source.whole_reason.is_some() || (source.needs_hash_table && !HASH_TABLE) {
                        continue;
                    }
                    match rewrite_leaf(&leaf, source.super_path) {
                        Ok(line) => uses.push(line),
                        Err(reason) => {
                            internal_names.insert(leaf.name(), reason);
                        }
                    }
                }
            }
            _ => {
                let mut idents = BTreeSet::new();
                let mut private_field = None;
                collect_idents(item.to_token_stream_full(), &mut idents, &mut private_field);
                let mut local = LocalUses::default();
                local.visit_item(item);
                entries.push(Entry {
                    item: item.clone(),
                    defines: defines(item),
                    idents,
                    local_imports: local.names,
                    private_field,
                });
            }
        }
    }

    // Exclusion reasons, to a fixpoint: an item using an excluded item is
    // excluded too.
    let internal = |e: &Entry| -> Option<String> {
        if let Some(r) = source.whole_reason {
            return Some(r.to_owned());
        }
        if let Some(r) = excluded_by_cfg(item_attrs(&e.item)) {
            return Some(r);
        }
        for (ident, reason) in INTERNAL_IDENTS {
            if e.idents.contains(*ident) && !e.local_imports.contains(*ident) {
                return Some((*reason).to_owned());
            }
        }
        for (name, reason) in &internal_names {
            if e.idents.contains(name) && !e.local_imports.contains(name) {
                return Some(format!("{reason} (imported as `{name}`)"));
            }
        }
        e.private_field.as_ref().map(|f| format!("reads hashbrown's private field `.{f}`"))
    };
    let mut reasons: Vec<Option<(String, Kind)>> = entries
        .iter()
        .map(|e| {
            if let Some(r) = internal(e) {
                return Some((r, Kind::Internal));
            }
            if source.needs_hash_table && !HASH_TABLE {
                let reason = "tophash has no `hash_table::HashTable` yet (build.rs: HASH_TABLE = false)";
                return Some((reason.to_owned(), Kind::MissingApi));
            }
            let name = format!("{}::{}", source.label, e.defines.first()?);
            missing.get(&name).map(|item| (format!("tophash lacks: {item}"), Kind::MissingApi))
        })
        .collect();
    for e in &entries {
        if let Some(first) = e.defines.first() {
            seen.insert(format!("{}::{first}", source.label));
        }
    }
    loop {
        let excluded_names: BTreeMap<String, (String, Kind)> = entries
            .iter()
            .zip(&reasons)
            .filter_map(|(e, r)| r.as_ref().map(|r| (e, r)))
            .flat_map(|(e, r)| e.defines.iter().map(move |d| (d.clone(), r.clone())))
            .collect();
        let mut changed = false;
        for (e, r) in entries.iter().zip(reasons.iter_mut()) {
            if r.is_some() {
                continue;
            }
            if let Some((name, why)) =
                excluded_names.iter().find(|(n, _)| e.idents.contains(*n) && !e.defines.contains(n))
            {
                *r = Some((format!("uses helper `{name}` ({})", why.0), why.1));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let mut code = format!(
        "// Generated by crates/hashbrown-compat/build.rs from hashbrown-{HASHBROWN_VERSION}/{}{}.\n// Only `use` lines are rewritten; harness attributes are blanked.\n",
        source.file,
        source.module.map(|m| format!(" `mod {m}`")).unwrap_or_default()
    );
    for line in &uses {
        code.push_str(line);
        code.push('\n');
    }
    let mut lines = String::new();
    let mut table = String::from("pub(crate) const TESTS: &[hashbrown_compat::Test] = &[\n");
    let mut excluded = Vec::new();
    for (e, reason) in entries.iter().zip(&reasons) {
        let test = test_attrs(&e.item);
        let span = e.item.span();
        if let Some(test) = &test {
            let name = format!("{}::{}", source.label, e.defines[0]);
            if let Some((reason, kind)) = reason {
                excluded.push((name, at(span), reason.clone(), *kind));
                continue;
            }
            let cfgs: String = test.cfgs.iter().map(|c| format!("{c} ")).collect();
            let should_panic = match &test.should_panic {
                None => "None".to_owned(),
                Some(expected) => format!("Some({expected:?})"),
            };
            writeln!(
                table,
                "    {cfgs}hashbrown_compat::Test {{ name: {name:?}, source: {:?}, run: {}, should_panic: {should_panic}, ignore: {} }},",
                at(span),
                e.defines[0],
                test.ignore
            )
            .unwrap();
        } else if reason.is_some() {
            continue;
        }
        // Copy the item's text, harness attributes blanked with spaces (so
        // columns stay those of hashbrown's file).
        let range = text.range(span);
        let mut body = text.src[range.clone()].to_owned();
        let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        if let Some(test) = &test {
            for r in &test.blank {
                let r = text.range(*r);
                edits.push((r.start - range.start..r.end - range.start, String::new()));
            }
        }
        let mut inner = InnerUses { found: Vec::new() };
        inner.visit_item(&e.item);
        for u in inner.found {
            let r = text.range(u.span());
            let mut lines_out = Vec::new();
            for leaf in leaves(&u.tree) {
                // An inner import of an internal excluded its item above.
                if let Ok(line) = rewrite_leaf(&leaf, source.super_path) {
                    lines_out.push(line);
                }
            }
            edits.push((r.start - range.start..r.end - range.start, lines_out.join(" ")));
        }
        edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        for (r, replacement) in edits {
            let replacement = if replacement.is_empty() { " ".repeat(r.len()) } else { replacement };
            body.replace_range(r, &replacement);
        }
        let first = code.lines().count() + 2;
        writeln!(code, "// {}", at(span)).unwrap();
        code.push_str(&body);
        code.push('\n');
        let last = code.lines().count();
        let name = e.defines.first().cloned().unwrap_or_else(|| "<impl>".to_owned());
        writeln!(lines, "{first} {last} {}::{name}", source.label).unwrap();
    }
    table.push_str("];\n");
    code.push_str(&table);
    Generated { code, lines, excluded }
}

/// The harness attributes of a `#[test]` fn, or `None` for other items.
struct TestAttrs {
    should_panic: Option<String>,
    ignore: bool,
    cfgs: Vec<String>,
    blank: Vec<Span>,
}

fn test_attrs(item: &Item) -> Option<TestAttrs> {
    let Item::Fn(f) = item else { return None };
    let mut test = TestAttrs { should_panic: None, ignore: false, cfgs: Vec::new(), blank: Vec::new() };
    let mut is_test = false;
    for attr in &f.attrs {
        let path = attr.path();
        if path.is_ident("test") {
            is_test = true;
            test.blank.push(attr.span());
        } else if path.is_ident("should_panic") {
            test.should_panic = Some(should_panic_expected(attr));
            test.blank.push(attr.span());
        } else if path.is_ident("ignore") {
            test.ignore = true;
            test.blank.push(attr.span());
        } else if path.is_ident("cfg_attr") && attr_text(attr).contains("ignore") {
            // `#[cfg_attr(miri, ignore)]`: this crate does not run under Miri.
            test.blank.push(attr.span());
        } else if path.is_ident("cfg") {
            test.cfgs.push(attr_text(attr));
        }
    }
    is_test.then_some(test)
}

fn attr_text(attr: &Attribute) -> String {
    quote_attr(attr)
}

fn quote_attr(attr: &Attribute) -> String {
    let mut ts = TokenStream::new();
    quote::ToTokens::to_tokens(attr, &mut ts);
    ts.to_string()
}

/// `""` for a bare `#[should_panic]`, else the expected message.
fn should_panic_expected(attr: &Attribute) -> String {
    match &attr.meta {
        syn::Meta::Path(_) => String::new(),
        syn::Meta::NameValue(nv) => lit_str(&nv.value).unwrap_or_default(),
        syn::Meta::List(_) => {
            let mut expected = String::new();
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("expected") {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    expected = value.value();
                }
                Ok(())
            });
            expected
        }
    }
}

fn lit_str(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
        _ => None,
    }
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        _ => &[],
    }
}

/// The reason a `#[cfg(...)]` excludes an item, if it does: the predicate
/// is false when hashbrown-only features are off (`EXCLUDED_CFG_FEATURES`)
/// and ours are on (`TRUE_CFG_FEATURES`); other keys (`unix`, `miri`,
/// `panic`) are left to the compiler (the attribute stays on the item).
fn excluded_by_cfg(attrs: &[Attribute]) -> Option<String> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("cfg")) {
        let Ok(meta) = attr.parse_args::<syn::Meta>() else { continue };
        let mut off = Vec::new();
        if eval_cfg(&meta, &mut off) == Some(false) {
            let reason = off
                .first()
                .map_or("cfg", |f| EXCLUDED_CFG_FEATURES.iter().find(|(n, _)| n == f).map_or("cfg", |(_, r)| r));
            return Some(reason.to_owned());
        }
    }
    None
}

/// `Some(value)` if the features decide the predicate, `None` if it
/// depends on other keys; `off` collects the hashbrown-only features named.
fn eval_cfg(meta: &syn::Meta, off: &mut Vec<String>) -> Option<bool> {
    match meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("feature") => {
            let feature = lit_str(&nv.value).expect("feature = \"...\"");
            if EXCLUDED_CFG_FEATURES.iter().any(|(f, _)| *f == feature) {
                off.push(feature);
                Some(false)
            } else if TRUE_CFG_FEATURES.contains(&feature.as_str()) {
                Some(true)
            } else {
                panic!(
                    "build.rs: no rule for feature {feature:?}; add it to EXCLUDED_CFG_FEATURES or TRUE_CFG_FEATURES"
                )
            }
        }
        syn::Meta::List(list) => {
            let args: Vec<syn::Meta> = list
                .parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .map(|p| p.into_iter().collect())
                .unwrap_or_default();
            let values: Vec<Option<bool>> = args.iter().map(|m| eval_cfg(m, off)).collect();
            if list.path.is_ident("all") {
                if values.contains(&Some(false)) {
                    Some(false)
                } else if values.iter().all(|v| *v == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            } else if list.path.is_ident("any") {
                if values.contains(&Some(true)) {
                    Some(true)
                } else if values.iter().all(|v| *v == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            } else if list.path.is_ident("not") {
                values.first().copied().flatten().map(|v| !v)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn defines(item: &Item) -> Vec<String> {
    match item {
        Item::Fn(i) => vec![i.sig.ident.to_string()],
        Item::Struct(i) => vec![i.ident.to_string()],
        Item::Enum(i) => vec![i.ident.to_string()],
        Item::Const(i) => vec![i.ident.to_string()],
        Item::Static(i) => vec![i.ident.to_string()],
        Item::Type(i) => vec![i.ident.to_string()],
        Item::Trait(i) => vec![i.ident.to_string()],
        Item::Macro(i) => {
            if let Some(ident) = &i.ident {
                // macro_rules! name
                return vec![ident.to_string()];
            }
            // thread_local! { static NAME: ... }
            let mut names = Vec::new();
            let mut tokens = i.mac.tokens.clone().into_iter().peekable();
            while let Some(t) = tokens.next() {
                if matches!(&t, TokenTree::Ident(id) if id == "static")
                    && let Some(TokenTree::Ident(name)) = tokens.peek()
                {
                    names.push(name.to_string());
                }
            }
            names
        }
        _ => Vec::new(),
    }
}

trait FullTokens {
    fn to_token_stream_full(&self) -> TokenStream;
}

impl FullTokens for Item {
    fn to_token_stream_full(&self) -> TokenStream {
        let mut ts = TokenStream::new();
        quote::ToTokens::to_tokens(self, &mut ts);
        ts
    }
}

/// Every identifier in the tokens (macro bodies included), and the first
/// private-field read (`.table` etc. not followed by `(`).
fn collect_idents(tokens: TokenStream, idents: &mut BTreeSet<String>, private_field: &mut Option<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Ident(id) => {
                let name = id.to_string();
                let after_dot = i > 0 && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '.');
                let called = matches!(tokens.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis)
                    || matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if after_dot && !called && private_field.is_none() && PRIVATE_FIELDS.contains(&name.as_str()) {
                    *private_field = Some(name.clone());
                }
                idents.insert(name);
            }
            TokenTree::Group(g) => collect_idents(g.stream(), idents, private_field),
            _ => {}
        }
    }
}

/// Names imported by `use` declarations inside an item.
#[derive(Default)]
struct LocalUses {
    names: BTreeSet<String>,
}

impl<'ast> Visit<'ast> for LocalUses {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.names.extend(leaves(&u.tree).iter().map(Leaf::name));
    }
}

/// `use` declarations inside an item (to rewrite).
struct InnerUses {
    found: Vec<syn::ItemUse>,
}

impl<'ast> Visit<'ast> for InnerUses {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.found.push(u.clone());
    }
}

/// One imported name: its path, the name, and `as` or glob.
struct Leaf {
    path: Vec<String>,
    last: String,
    rename: Option<String>,
}

impl Leaf {
    /// The name the import binds (`*` for a glob).
    fn name(&self) -> String {
        self.rename.clone().unwrap_or_else(|| self.last.clone())
    }
}

fn leaves(tree: &UseTree) -> Vec<Leaf> {
    fn walk(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<Leaf>) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                walk(&p.tree, prefix, out);
                prefix.pop();
            }
            UseTree::Name(n) => out.push(Leaf { path: prefix.clone(), last: n.ident.to_string(), rename: None }),
            UseTree::Rename(r) => {
                out.push(Leaf { path: prefix.clone(), last: r.ident.to_string(), rename: Some(r.rename.to_string()) })
            }
            UseTree::Glob(_) => out.push(Leaf { path: prefix.clone(), last: "*".to_owned(), rename: None }),
            UseTree::Group(g) => g.items.iter().for_each(|t| walk(t, prefix, out)),
        }
    }
    let mut out = Vec::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

/// The tophash `use` line for one hashbrown import, or why there is none.
fn rewrite_leaf(leaf: &Leaf, super_path: &str) -> Result<String, String> {
    let full: Vec<&str> = leaf.path.iter().map(String::as_str).chain([leaf.last.as_str()]).collect();
    let joined = full.join("::");
    if let Some(root) = INTERNAL_USE_ROOTS.iter().find(|r| joined == **r || joined.starts_with(&format!("{r}::"))) {
        return Err(format!("hashbrown-only `{root}`"));
    }
    let mapped: Vec<String> = match full.as_slice() {
        ["super", name] if ROOT_NAMES.contains(name) => vec!["tophash".into(), (*name).into()],
        ["super", rest @ ..] => {
            super_path.split("::").map(str::to_owned).chain(rest.iter().map(|s| (*s).to_owned())).collect()
        }
        ["crate" | "hashbrown", "map", rest @ ..] => {
            ["tophash", "hash_map"].into_iter().chain(rest.iter().copied()).map(str::to_owned).collect()
        }
        ["crate" | "hashbrown", "set", rest @ ..] => {
            ["tophash", "hash_set"].into_iter().chain(rest.iter().copied()).map(str::to_owned).collect()
        }
        ["crate" | "hashbrown", "table", rest @ ..] => {
            ["tophash", "hash_table"].into_iter().chain(rest.iter().copied()).map(str::to_owned).collect()
        }
        ["crate" | "hashbrown", rest @ ..] => {
            ["tophash"].into_iter().chain(rest.iter().copied()).map(str::to_owned).collect()
        }
        ["stdalloc", rest @ ..] => ["std"].into_iter().chain(rest.iter().copied()).map(str::to_owned).collect(),
        other => other.iter().map(|s| (*s).to_owned()).collect(),
    };
    let mut line = format!("use {}", mapped.join("::"));
    if let Some(rename) = &leaf.rename {
        write!(line, " as {rename}").unwrap();
    }
    line.push(';');
    Ok(line)
}
