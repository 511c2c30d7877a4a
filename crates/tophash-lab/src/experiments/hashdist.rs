//! `hashdist`: how evenly FNV-1a, MurmurHash3, xxHash (XXH32, XXH64, XXH3),
//! SipHash-1-3, foldhash and aHash spread keys over a map's buckets.
//!
//! For each key set (URL-like strings with a common prefix, as in the claim
//! "FNV-1a, MurmurHash3 and xxHash spread keys with variances 1284.6, 312.9
//! and 89.3" of `docs/claims.md`, or
//! `--data` keys; and sequential `u64`s) and each hash function, the keys'
//! hashes are counted into `--buckets` bins twice, as Go's map uses a hash:
//! by its **low bits** (`hash & (m − 1)`, the bucket index) and by its **top
//! byte** (256 bins, the tophash byte). Each count set is compared with
//! uniform hashing (variance, chi-square p-value, fullest bin; see
//! [`stats`]). Seeded functions run twice, with a fixed seed and with a seed
//! drawn for this run, and then over `--sweep` more random seeds, so that a
//! property of one seed is not taken for a property of the function.
//! That claim's variance table is printed beside ours, and the foldhash
//! claim is checked against the seed sweep.

pub mod hashes;
pub mod keys;
mod plot;
pub mod stats;

use std::fmt::Write as _;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context, Result};
use serde::{Deserialize, Serialize};

use super::report::html::{self, thousands};
use super::report::progress;
use super::report::table::Table;
use super::Outcome;
use crate::claims;

use hashes::{Family, Instance, Key, SeedKind};
use keys::{KeySet, Keys};
use stats::Dist;

/// Options of `tophash-lab hashdist`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// Keys per key set (URL-like strings, and sequential u64 keys 0..N).
    #[arg(long, short = 'n', value_name = "COUNT", default_value_t = DEFAULT_KEYS, value_parser = tophash_bench::size::parser(1, 1_000_000_000))]
    pub keys: u64,
    /// Buckets (a power of two): the low bits of each hash pick one.
    #[arg(long, short = 'm', default_value_t = DEFAULT_BUCKETS, value_parser = clap::value_parser!(u64).range(2..=MAX_BUCKETS))]
    pub buckets: u64,
    /// Read the string keys from FILE, one per line, instead of the URL-like keys.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Further random seeds per seeded hash function (0: no sweep).
    #[arg(long, default_value_t = DEFAULT_SWEEP, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub sweep: u64,
    /// The run's random seed (decimal or 0x hex), to repeat a run; default: a fresh one.
    #[arg(long, value_parser = parse_seed)]
    pub seed: Option<u64>,
}

const DEFAULT_KEYS: u64 = 100_000;
const DEFAULT_BUCKETS: u64 = 1024;
const DEFAULT_SWEEP: u64 = 8;
const MAX_BUCKETS: u64 = 1 << 26;
/// Per-bucket counts are written for tables up to this size.
const MAX_COUNTS_CSV: u64 = 1 << 16;

fn parse_seed(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    };
    r.map_err(|_| format!("'{s}' is not a 64-bit unsigned number (decimal or 0x hex)"))
}

/// The article's table of [`claims::HASH_VARIANCES`]: variance of the bucket loads of 100,000 URL
/// strings in 1,024 buckets.
pub const ARTICLE: [(&str, &str, f64); 3] =
    [("FNV-1a", "none", 1284.6), ("Murmur3", "fixed 0x9747b28c", 312.9), ("xxHash", "dynamic (per run)", 89.3)];
/// The article's key and bucket counts.
pub const ARTICLE_N: u64 = 100_000;
pub const ARTICLE_M: u64 = 1024;
/// The claim about foldhash's fast variant on sequential u64 keys.
pub const FOLDHASH_CLAIM: f64 = 1.22;

/// One hash function with one seed on one key set: the CSV row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub keyset: String,
    pub hash: String,
    pub id: String,
    #[serde(rename = "crate")]
    pub krate: String,
    pub bits: u32,
    pub input: String,
    pub seed_kind: String,
    /// Hex, empty when unseeded.
    pub seed: String,
    pub keys: u64,
    pub buckets: u64,
    pub low_variance: f64,
    pub low_expected_variance: f64,
    pub low_ratio: f64,
    pub low_chi2: f64,
    pub low_p: f64,
    pub low_p_low: f64,
    pub low_max: u64,
    pub low_expected_max: f64,
    pub low_empty: u64,
    pub top_variance: f64,
    pub top_expected_variance: f64,
    pub top_ratio: f64,
    pub top_chi2: f64,
    pub top_p: f64,
    pub top_p_low: f64,
    pub top_max: u64,
    pub top_expected_max: f64,
}

/// One seed of the sweep.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SweepRow {
    pub keyset: String,
    pub hash: String,
    pub id: String,
    pub run: u64,
    pub seed: String,
    pub buckets: u64,
    pub low_ratio: f64,
    pub low_p: f64,
    pub low_p_low: f64,
    pub top_ratio: f64,
    pub top_p: f64,
    pub top_p_low: f64,
}

/// A named CSV column of counts.
type Column = (String, Vec<u64>);
/// A CSV column name with its low-bit and top-byte counts.
type CountColumns = (String, Vec<u64>, Vec<u64>);

/// Counts of one hash function over one key set.
struct Counted {
    low: Vec<u64>,
    top: Vec<u64>,
}

fn count_keys<K: Key + ?Sized>(inst: &Instance, top_shift: u32, mask: u64, low: &mut [u64], top: &mut [u64], k: &K) {
    let h = inst.hash(k);
    low[(h & mask) as usize] += 1;
    top[((h >> top_shift) & 0xff) as usize] += 1;
}

fn count(inst: &Instance, bits: u32, set: &KeySet, m: u64) -> Counted {
    let mut low = vec![0u64; m as usize];
    let mut top = vec![0u64; 256];
    let mask = m - 1;
    let shift = bits - 8;
    match &set.keys {
        Keys::Strings(v) => {
            for k in v {
                count_keys(inst, shift, mask, &mut low, &mut top, k.as_str());
            }
        }
        Keys::Sequential(n) => {
            for k in 0..*n {
                count_keys(inst, shift, mask, &mut low, &mut top, &k);
            }
        }
    }
    Counted { low, top }
}

/// The run's random seed for `family` (and, for `run > 0`, the sweep's
/// `run`-th).
fn family_seed(run_seed: u64, family: usize, run: u64) -> u64 {
    tophash_bench::keys::splitmix64(run_seed ^ ((family as u64) << 48) ^ run.wrapping_mul(0x1_0000_0001))
}

fn fresh_seed() -> u64 {
    // std's RandomState keys come from the OS; hashing the time with one
    // gives a seed that differs between runs.
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    std::collections::hash_map::RandomState::new().hash_one(t)
}

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    ensure!(
        args.buckets.is_power_of_two(),
        "--buckets {} is not a power of two (the bucket index is hash & (buckets - 1))",
        args.buckets
    );
    let m = args.buckets;
    let (string_set, file_counts) = match &args.data {
        Some(p) => {
            let (s, c) = KeySet::from_file(p)?;
            (s, Some(c))
        }
        None => (KeySet::urls(args.keys)?, None),
    };
    let sets = [string_set, KeySet::sequential(args.keys)];
    let run_seed = args.seed.unwrap_or_else(fresh_seed);

    let seeded = Family::ALL.iter().filter(|f| f.seeded()).count() as u64;
    let passes_per_set = Family::ALL.len() as u64 + seeded + seeded * args.sweep;
    let total: u64 = sets.iter().map(|s| s.len().saturating_mul(passes_per_set)).sum();
    let pb = progress::bar(total, 50_000_000, "hashdist");

    let mut rows = Vec::new();
    let mut sweep = Vec::new();
    // Per key set: (column, occupancy histogram) and (column, low counts,
    // top counts).
    let mut loads: Vec<(String, Vec<Column>)> = Vec::new();
    let mut counts_csv: Vec<(String, Vec<CountColumns>)> = Vec::new();
    for set in &sets {
        let n = set.len();
        let low_emax = stats::expected_max(n, m);
        let top_emax = stats::expected_max(n, 256);
        let mut set_loads = Vec::new();
        let mut set_counts = Vec::new();
        for (fi, &f) in Family::ALL.iter().enumerate() {
            let kinds: &[SeedKind] = if f.seeded() { &[SeedKind::Fixed, SeedKind::Random] } else { &[SeedKind::None] };
            let rs = family_seed(run_seed, fi, 0);
            for &kind in kinds {
                let c = count(&f.instance(kind, rs), f.bits(), set, m);
                pb.inc(n);
                let (lo, tp) = (Dist::of(&c.low), Dist::of(&c.top));
                let column = if kind == SeedKind::Random { format!("{}_random", f.id()) } else { f.id().to_owned() };
                if kind != SeedKind::Random {
                    set_loads.push((column.clone(), occupancy(&c.low)));
                }
                set_counts.push((column, c.low, c.top));
                rows.push(Row {
                    keyset: set.id.clone(),
                    hash: f.name().into(),
                    id: f.id().into(),
                    krate: f.krate().into(),
                    bits: f.bits(),
                    input: f.input().into(),
                    seed_kind: kind.name().into(),
                    seed: f.seed_value(kind, rs).map(|s| format!("{s:#x}")).unwrap_or_default(),
                    keys: n,
                    buckets: m,
                    low_variance: lo.variance,
                    low_expected_variance: lo.expected_variance,
                    low_ratio: lo.ratio,
                    low_chi2: lo.chi2,
                    low_p: lo.p,
                    low_p_low: lo.p_low,
                    low_max: lo.max,
                    low_expected_max: low_emax,
                    low_empty: lo.empty,
                    top_variance: tp.variance,
                    top_expected_variance: tp.expected_variance,
                    top_ratio: tp.ratio,
                    top_chi2: tp.chi2,
                    top_p: tp.p,
                    top_p_low: tp.p_low,
                    top_max: tp.max,
                    top_expected_max: top_emax,
                });
            }
            if f.seeded() {
                for run in 1..=args.sweep {
                    let s = family_seed(run_seed, fi, run);
                    let c = count(&f.instance(SeedKind::Random, s), f.bits(), set, m);
                    pb.inc(n);
                    let (lo, tp) = (Dist::of(&c.low), Dist::of(&c.top));
                    sweep.push(SweepRow {
                        keyset: set.id.clone(),
                        hash: f.name().into(),
                        id: f.id().into(),
                        run,
                        seed: f.seed_value(SeedKind::Random, s).map(|s| format!("{s:#x}")).unwrap_or_default(),
                        buckets: m,
                        low_ratio: lo.ratio,
                        low_p: lo.p,
                        low_p_low: lo.p_low,
                        top_ratio: tp.ratio,
                        top_p: tp.p,
                        top_p_low: tp.p_low,
                    });
                }
            }
        }
        loads.push((set.id.clone(), set_loads));
        counts_csv.push((set.id.clone(), set_counts));
    }
    pb.finish_and_clear();

    // Data files.
    let mut files = Vec::new();
    let rows_csv = dir.join("hashdist.csv");
    write_rows(&rows_csv, &rows)?;
    files.push(rows_csv.clone());
    let sweep_csv = dir.join("sweep.csv");
    if !sweep.is_empty() {
        write_rows(&sweep_csv, &sweep)?;
        files.push(sweep_csv.clone());
    }
    let article_csv = dir.join("article.csv");
    let article = article_table(&rows, &sets[0]);
    article.write_csv(&article_csv)?;
    files.push(article_csv);
    let mut loads_csvs = Vec::new();
    for (set_id, cols) in &loads {
        let n = sets.iter().find(|s| &s.id == set_id).map(KeySet::len).unwrap_or(0);
        let p = dir.join(format!("loads-{set_id}.csv"));
        write_loads(&p, n, m, cols)?;
        files.push(p.clone());
        loads_csvs.push((set_id.clone(), p));
    }
    for (set_id, cols) in &counts_csv {
        if m <= MAX_COUNTS_CSV {
            let p = dir.join(format!("buckets-{set_id}.csv"));
            write_counts(&p, cols.iter().map(|(c, low, _)| (c.as_str(), low.as_slice())))?;
            files.push(p);
        }
        let p = dir.join(format!("tophash-{set_id}.csv"));
        write_counts(&p, cols.iter().map(|(c, _, top)| (c.as_str(), top.as_slice())))?;
        files.push(p);
    }

    // Pictures, drawn from the files just written.
    let rows_back: Vec<Row> = read_rows(&rows_csv)?;
    let sweep_back: Vec<SweepRow> = if sweep.is_empty() { Vec::new() } else { read_rows(&sweep_csv)? };
    let mut svgs = Vec::new();
    for set in &sets {
        let p = dir.join(format!("ratio-{}.svg", set.id));
        plot::ratios(&rows_back, &set.id, &set.title, &p)?;
        svgs.push((p, format!("Variance of the bucket counts over uniform hashing's, {} (low bits: {} buckets; top byte: 256). The bands are uniform hashing's central 99 %.", set.label, thousands(m))));
    }
    if !sweep_back.is_empty() {
        let p = dir.join("sweep.svg");
        plot::sweep(&sweep_back, &sets.iter().map(|s| (s.id.clone(), s.title.clone())).collect::<Vec<_>>(), &p)?;
        svgs.push((
            p,
            format!("Low-bit variance ratio of each seeded function over {} random seeds per key set.", args.sweep),
        ));
    }
    for (set_id, p) in &loads_csvs {
        let label = sets.iter().find(|s| &s.id == set_id).map(|s| s.label.clone()).unwrap_or_default();
        let title = sets.iter().find(|s| &s.id == set_id).map(|s| s.title.clone()).unwrap_or_default();
        let svg = p.with_extension("svg");
        plot::loads(p, &title, &svg)?;
        svgs.push((
            svg,
            format!("How many buckets hold k keys, {label}, fixed seeds, against uniform hashing (dashed)."),
        ));
    }
    files.extend(svgs.iter().map(|(p, _)| p.clone()));

    // Text and HTML.
    let mut text = String::new();
    let mut page = String::new();
    let intro = format!(
        "Bucket distribution: {} hash functions, {} buckets (low bits: hash & {}) and the top byte (256 tophash values).\nRun seed {run_seed:#x} (--seed {run_seed:#x} repeats this run); random-seed rows and the {}-seed sweep derive their seeds from it.\n",
        Family::ALL.len(),
        thousands(m),
        m - 1,
        args.sweep
    );
    text.push_str(&intro);
    page.push_str(&html::p(&intro));
    if let (Some(c), Some(p)) = (file_counts, &args.data) {
        let s = format!(
            "--data {}: {} non-empty lines, {} distinct keys (each counted once, as a map holds it).\n",
            p.display(),
            thousands(c.lines),
            thousands(c.distinct)
        );
        text.push_str(&s);
        page.push_str(&html::p(&s));
    }
    for set in &sets {
        let set_rows: Vec<&Row> = rows.iter().filter(|r| r.keyset == set.id).collect();
        let n = set.len();
        let (lo99, hi99) = stats::ratio_interval(m, 0.01);
        let (tlo99, thi99) = stats::ratio_interval(256, 0.01);
        let head = format!(
            "{} ({} keys). Uniform hashing: low-bit variance {:.2} (ratio 99% interval {:.3}–{:.3}, expected fullest bucket ≈ {:.1}); top byte variance {:.2} (ratio {:.3}–{:.3}, fullest ≈ {:.1}).",
            set.label,
            thousands(n),
            set_rows.first().map(|r| r.low_expected_variance).unwrap_or(f64::NAN),
            lo99,
            hi99,
            set_rows.first().map(|r| r.low_expected_max).unwrap_or(f64::NAN),
            set_rows.first().map(|r| r.top_expected_variance).unwrap_or(f64::NAN),
            tlo99,
            thi99,
            set_rows.first().map(|r| r.top_expected_max).unwrap_or(f64::NAN),
        );
        let t = rows_table(&set_rows);
        let _ = write!(text, "\n{head}\n\n{}", t.text());
        page.push_str(&html::h3(&format!("{} ({} keys)", set.label, thousands(n))));
        page.push_str(&html::p(&head));
        page.push_str(&t.html());
    }
    if !sweep.is_empty() {
        let t = sweep_table(&sweep, &sets);
        let s = format!(
            "\nSeed sweep: each seeded function over {} more random seeds (ratio = observed / uniform variance of the counts; \"uneven\" and \"too even\" count the seeds whose upper or lower chi-square tail is below 0.01, each expected in 1 % of seeds by chance).\n\n",
            args.sweep
        );
        text.push_str(&s);
        text.push_str(&t.text());
        page.push_str(&html::h3("Seed sweep"));
        page.push_str(&html::p(s.trim()));
        page.push_str(&t.html());
    }
    let claim = foldhash_claim(&rows, &sweep, m, args.sweep);
    let _ = write!(text, "\nClaim \"{}\": {claim}\n", claims::FOLDHASH_RATIO);
    page.push_str(&html::h3(&format!("Claim: {}", claims::FOLDHASH_RATIO)));
    page.push_str(&html::p(&claim));
    let article_note = article_note(&sets[0], m);
    let _ = write!(
        text,
        "\nClaim \"{}\": the article's table beside ours ({article_note}):\n\n{}",
        claims::HASH_VARIANCES,
        article.text()
    );
    page.push_str(&html::h3(&format!("Claim: {}", claims::HASH_VARIANCES)));
    page.push_str(&html::p(&article_note));
    page.push_str(&article.html());
    for (p, caption) in &svgs {
        page.push_str(&html::figure(p, caption)?);
    }
    Ok(Outcome { text, html: page, files })
}

/// Buckets holding exactly k keys, for k = 0..=max.
fn occupancy(counts: &[u64]) -> Vec<u64> {
    let max = counts.iter().copied().max().unwrap_or(0) as usize;
    let mut h = vec![0u64; max + 1];
    for &c in counts {
        h[c as usize] += 1;
    }
    h
}

fn write_rows<T: Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    for r in rows {
        w.serialize(r)?;
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn read_rows<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let mut r = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    r.deserialize().collect::<Result<Vec<T>, _>>().with_context(|| format!("bad CSV in {}", path.display()))
}

/// `load,expected,<column>...`: buckets holding `load` keys, from the
/// smallest load any column has (or uniform hashing expects at least 0.01
/// buckets of) to the largest.
fn write_loads(path: &Path, n: u64, m: u64, cols: &[Column]) -> Result<()> {
    let max = cols.iter().map(|(_, h)| h.len()).max().unwrap_or(1);
    let first_seen = cols.iter().filter_map(|(_, h)| h.iter().position(|&b| b > 0)).min().unwrap_or(0);
    let first_expected = (0..max).find(|&k| stats::expected_bins_with(n, m, k as u64) >= 0.01).unwrap_or(max);
    let min = first_seen.min(first_expected);
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut head = vec!["load".to_owned(), "expected".to_owned()];
    head.extend(cols.iter().map(|(c, _)| c.clone()));
    w.write_record(&head)?;
    for k in min..max {
        let mut rec = vec![k.to_string(), format!("{:.4}", stats::expected_bins_with(n, m, k as u64))];
        rec.extend(cols.iter().map(|(_, h)| h.get(k).copied().unwrap_or(0).to_string()));
        w.write_record(&rec)?;
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `bucket,<column>...`: keys per bucket.
fn write_counts<'a>(path: &Path, cols: impl Iterator<Item = (&'a str, &'a [u64])>) -> Result<()> {
    let cols: Vec<_> = cols.collect();
    let len = cols.first().map(|(_, c)| c.len()).unwrap_or(0);
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut head = vec!["bucket"];
    head.extend(cols.iter().map(|(c, _)| *c));
    w.write_record(&head)?;
    for i in 0..len {
        let mut rec = vec![i.to_string()];
        rec.extend(cols.iter().map(|(_, c)| c[i].to_string()));
        w.write_record(&rec)?;
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A p-value for people: three decimals, or scientific when small.
pub fn fmt_p(p: f64) -> String {
    if p == 0.0 {
        "<1e-300".into()
    } else if p < 1e-3 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

fn seed_label(r: &Row) -> String {
    match r.seed_kind.as_str() {
        "none" => "none".into(),
        kind => format!("{kind} {}", r.seed),
    }
}

fn rows_table(rows: &[&Row]) -> Table {
    let mut t = Table::new(&[
        "hash",
        "seed",
        "low: variance",
        "×uniform",
        "p",
        "fullest",
        "reading",
        "top byte: ×uniform",
        "p",
        "fullest",
        "reading",
    ]);
    for r in rows {
        let lo = stats::reading(r.low_p, r.low_p_low);
        let tp = stats::reading(r.top_p, r.top_p_low);
        t.row(vec![
            r.hash.clone(),
            seed_label(r),
            format!("{:.1}", r.low_variance),
            format!("{:.3}", r.low_ratio),
            fmt_p(r.low_p),
            r.low_max.to_string(),
            lo.into(),
            format!("{:.3}", r.top_ratio),
            fmt_p(r.top_p),
            r.top_max.to_string(),
            tp.into(),
        ]);
    }
    t
}

fn sweep_table(sweep: &[SweepRow], sets: &[KeySet]) -> Table {
    let mut t = Table::new(&[
        "key set",
        "hash",
        "seeds",
        "low ×uniform: median",
        "min",
        "max",
        "uneven",
        "too even",
        "top ×uniform: median",
        "min",
        "max",
        "uneven",
        "too even",
    ]);
    for set in sets {
        for f in Family::ALL.iter().filter(|f| f.seeded()) {
            let rs: Vec<&SweepRow> = sweep.iter().filter(|r| r.keyset == set.id && r.id == f.id()).collect();
            if rs.is_empty() {
                continue;
            }
            let s = |g: fn(&SweepRow) -> f64| {
                let mut v: Vec<f64> = rs.iter().map(|r| g(r)).collect();
                v.sort_by(f64::total_cmp);
                (median(&v), v[0], v[v.len() - 1])
            };
            let (lm, ll, lh) = s(|r| r.low_ratio);
            let (tm, tl, th) = s(|r| r.top_ratio);
            let count = |g: fn(&SweepRow) -> f64| rs.iter().filter(|r| g(r) < 0.01).count().to_string();
            t.row(vec![
                set.id.clone(),
                f.name().into(),
                rs.len().to_string(),
                format!("{lm:.3}"),
                format!("{ll:.3}"),
                format!("{lh:.3}"),
                count(|r| r.low_p),
                count(|r| r.low_p_low),
                format!("{tm:.3}"),
                format!("{tl:.3}"),
                format!("{th:.3}"),
                count(|r| r.top_p),
                count(|r| r.top_p_low),
            ]);
        }
    }
    t
}

/// The median of sorted values.
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// What our run says about the 1.22× claim.
fn foldhash_claim(rows: &[Row], sweep: &[SweepRow], m: u64, nsweep: u64) -> String {
    let pick =
        |kind: &str| rows.iter().find(|r| r.keyset == "u64seq" && r.id == "foldhash_fast" && r.seed_kind == kind);
    let (Some(fixed), Some(random)) = (pick("fixed"), pick("random")) else {
        return "foldhash fast: no rows".into();
    };
    let (lo99, hi99) = stats::ratio_interval(m, 0.01);
    let mut s = format!(
        "foldhash fast, sequential u64 keys, low bits ({} buckets): variance {:.3}× uniform with the fixed seed (p = {}), {:.3}× with this run's random seed (p = {}); uniform hashing's 99% interval is {:.3}–{:.3}.",
        thousands(m),
        fixed.low_ratio,
        fmt_p(fixed.low_p),
        random.low_ratio,
        fmt_p(random.low_p),
        lo99,
        hi99
    );
    let sw: Vec<f64> =
        sweep.iter().filter(|r| r.keyset == "u64seq" && r.id == "foldhash_fast").map(|r| r.low_ratio).collect();
    if !sw.is_empty() {
        let mut v = sw.clone();
        v.sort_by(f64::total_cmp);
        let (lo, hi) = (v.iter().filter(|&&r| r < lo99).count(), v.iter().filter(|&&r| r > hi99).count());
        let _ = write!(
            s,
            " Over {nsweep} more random seeds: {:.3}–{:.3}, median {:.3}; {lo} below and {hi} above that interval.",
            v[0],
            v[v.len() - 1],
            median(&v)
        );
    }
    let claim_p = stats::ratio_p(FOLDHASH_CLAIM, m);
    let all: Vec<f64> = [fixed.low_ratio, random.low_ratio].into_iter().chain(sw.iter().copied()).collect();
    let near = all.iter().filter(|&&r| (r - FOLDHASH_CLAIM).abs() <= 0.05).count();
    let _ = write!(
        s,
        " The claimed {FOLDHASH_CLAIM}× would have p = {} under uniform hashing at this bucket count; {near} of our {} measurements lie within ±0.05 of it.",
        fmt_p(claim_p),
        all.len()
    );
    s
}

fn article_note(set: &KeySet, m: u64) -> String {
    let ours = format!("ours: {}, {} keys, {} buckets", set.label, thousands(set.len()), thousands(m));
    let exp = ARTICLE_N as f64 / ARTICLE_M as f64 * (1.0 - 1.0 / ARTICLE_M as f64);
    format!(
        "the article: 100,000 URL strings, 1,024 buckets, uniform variance {exp:.2}; its ×uniform and p are computed here from its variance; {ours}"
    )
}

/// The article's rows with ours for the closest function and seed.
fn article_table(rows: &[Row], set: &KeySet) -> Table {
    let exp = ARTICLE_N as f64 / ARTICLE_M as f64 * (1.0 - 1.0 / ARTICLE_M as f64);
    let mut t = Table::new(&[
        "article: hash",
        "seed",
        "variance",
        "×uniform",
        "p",
        "ours: hash",
        "seed",
        "variance",
        "×uniform",
        "p",
    ]);
    let ours = [("fnv1a64", "none"), ("murmur3_32", "fixed"), ("xxh32", "random")];
    for ((name, seed, var), (id, kind)) in ARTICLE.iter().zip(ours) {
        let ratio = var / exp;
        let mut row = vec![
            name.to_string(),
            seed.to_string(),
            format!("{var:.1}"),
            format!("{ratio:.3}"),
            fmt_p(stats::ratio_p(ratio, ARTICLE_M)),
        ];
        match rows.iter().find(|r| r.keyset == set.id && r.id == id && r.seed_kind == kind) {
            Some(r) => row.extend([
                r.hash.clone(),
                seed_label(r),
                format!("{:.1}", r.low_variance),
                format!("{:.3}", r.low_ratio),
                fmt_p(r.low_p),
            ]),
            None => row.extend(vec![String::from("-"); 5]),
        }
        t.row(row);
    }
    t
}

#[cfg(test)]
mod tests;
