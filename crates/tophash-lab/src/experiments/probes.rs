//! `probes`: how many entries and how many keys a lookup looks at, for
//! hits and misses, with and without the tophash filter, at the loads of
//! the load-factor table in Go's `map.go` (and the two loads of the claim
//! "The tophash filter cuts probes from 3.2 to 1.8 at load 0.7 and from 8.1
//! to 2.9 at load 0.9", `docs/claims.md`).
//!
//! "Without the filter" is the number of entries a lookup would have to
//! compare if it had no tophash bytes: Go's `hitprobe`/`missprobe`, from
//! `shape()`, and for misses also counted directly in the chain each
//! absent key hashes to. "With the filter" is the number of key
//! comparisons actually made, counted by a key type whose `Eq` increments
//! a counter.
//!
//! Loads above 6.5 never exist in the map: the insert that would make
//! `count > 6.5 · 2^B` doubles the table first. For those loads the same
//! keys' hashes are dealt into `2^B` chains in insertion order, exactly as
//! the map places them (no deletes); at loads the map can hold, this model
//! is computed too and must equal the map's own numbers.

use std::cell::Cell;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::Path;

use anyhow::{ensure, Result};
use tophash::{DefaultHashBuilder, HashMap};
use tophash_bench::keys::splitmix64;

use super::report::html::{self, thousands};
use super::report::limits;
use super::report::plot::{self, Chart, Line};
use super::report::table::Table;
use super::{load_limit, Outcome};
use crate::claims;

/// Options of `tophash-lab probes`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// B, the log2 of the bucket count of the maps measured (2^B buckets).
    #[arg(long, value_name = "B", default_value_t = 10, value_parser = clap::value_parser!(u8).range(1..=26))]
    pub log2_buckets: u8,
    /// Loads (average entries per bucket) to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = GO_TABLE.iter().map(|r| r.0).collect::<Vec<f64>>(), value_parser = parse_load)]
    pub loads: Vec<f64>,
    /// Runs per load, each on a fresh map with its own random hash seed; results are averaged.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,
    /// Absent keys looked up per map.
    #[arg(long, value_name = "COUNT", default_value_t = 5000, value_parser = tophash_bench::size::parser(1, 100_000_000))]
    pub misses: u64,
}

fn parse_load(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("'{s}' is not a number"))?;
    if !(v > 0.0 && v <= 16.0) {
        return Err(format!("load {s} is out of range (0 < load <= 16)"));
    }
    Ok(v)
}

/// Go 1.19's table from `runtime/map.go` (64-bit, 8-byte keys and elems):
/// load, %overflow, bytes/entry, hitprobe, missprobe.
pub const GO_TABLE: [(f64, f64, f64, f64, f64); 9] = [
    (4.00, 2.13, 20.77, 3.00, 4.00),
    (4.50, 4.05, 17.30, 3.25, 4.50),
    (5.00, 6.85, 14.77, 3.50, 5.00),
    (5.50, 10.55, 12.94, 3.75, 5.50),
    (6.00, 15.27, 11.67, 4.00, 6.00),
    (6.50, 20.90, 10.79, 4.25, 6.50),
    (7.00, 27.14, 10.15, 4.50, 7.00),
    (7.50, 34.03, 9.73, 4.75, 7.50),
    (8.00, 41.10, 9.40, 5.00, 8.00),
];

/// The article's probe table of [`claims::PROBE_TABLE`]: load factor (fraction of slots), average probes
/// without tophash, with tophash.
pub const ARTICLE_TABLE: [(f64, f64, f64); 2] = [(0.7, 3.2, 1.8), (0.9, 8.1, 2.9)];

thread_local! {
    static EQ_CALLS: Cell<u64> = const { Cell::new(0) };
}

/// A `u64` key whose `==` is counted (hashes exactly like a `u64`).
#[derive(Clone, Copy, Debug)]
pub struct Counted(pub u64);

impl Hash for Counted {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        EQ_CALLS.with(|c| c.set(c.get() + 1));
        self.0 == other.0
    }
}
impl Eq for Counted {}

fn eq_calls_reset() {
    EQ_CALLS.with(|c| c.set(0));
}
fn eq_calls() -> u64 {
    EQ_CALLS.with(Cell::get)
}

/// Go's bucket size for 8-byte keys and elems: tophash[8] + keys + elems +
/// overflow pointer (checked against Go's maptype by `layout`).
const GO_BUCKET_8_8: f64 = 144.0;

/// One measurement (a load, averaged over maps).
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub load: f64,
    pub n: u64,
    /// Whether a real map holds this load (else model only).
    pub in_map: bool,
    pub overflow_pct: f64,
    pub go_bytes_per_entry: f64,
    pub tophash_bytes_per_entry: Option<f64>,
    pub hit_probe: f64,
    pub miss_probe: f64,
    /// Entries in the chains the absent keys hashed to (measured per key).
    pub miss_scanned: f64,
    pub hit_eq: f64,
    pub miss_eq: f64,
    /// The model's hitprobe on the same hashes (equals `hit_probe` when in_map).
    pub model_hit_probe: f64,
    pub false_match_rate: f64,
}

#[derive(Default)]
struct Acc {
    overflow_pct: f64,
    go_bytes: f64,
    th_bytes: f64,
    hit_probe: f64,
    miss_probe: f64,
    miss_scanned: f64,
    hit_eq: f64,
    miss_eq: f64,
    model_hit: f64,
    false_rate: f64,
}

fn top(hash: u64) -> u8 {
    let t = (hash >> 56) as u8;
    if t < 5 {
        t + 5
    } else {
        t
    }
}

/// The model: hashes dealt into chains in order.
struct Model {
    chains: Vec<Vec<u8>>,
}

impl Model {
    fn new(b: u8, hashes: impl Iterator<Item = u64>) -> Self {
        let mask = (1u64 << b) - 1;
        let mut chains = vec![Vec::new(); 1 << b];
        for h in hashes {
            chains[(h & mask) as usize].push(top(h));
        }
        Model { chains }
    }
    fn n(&self) -> usize {
        self.chains.iter().map(Vec::len).sum()
    }
    fn overflow_pct(&self) -> f64 {
        100.0 * self.chains.iter().filter(|c| c.len() > 8).count() as f64 / self.chains.len() as f64
    }
    fn overflow_buckets(&self) -> usize {
        self.chains.iter().map(|c| c.len().div_ceil(8).saturating_sub(1)).sum()
    }
    fn hit_probe(&self) -> f64 {
        let s: usize = self.chains.iter().map(|c| c.len() * (c.len() + 1) / 2).sum();
        s as f64 / self.n() as f64
    }
    fn miss_probe(&self) -> f64 {
        self.n() as f64 / self.chains.len() as f64
    }
    /// Key comparisons to find every present key, with the filter.
    fn hit_eq(&self) -> f64 {
        let mut s = 0usize;
        for c in &self.chains {
            for (i, t) in c.iter().enumerate() {
                s += 1 + c[..i].iter().filter(|x| *x == t).count();
            }
        }
        s as f64 / self.n() as f64
    }
    /// (entries scanned, key comparisons) for an absent key with this hash.
    fn miss(&self, h: u64) -> (usize, usize) {
        let c = &self.chains[(h & (self.chains.len() as u64 - 1)) as usize];
        (c.len(), c.iter().filter(|&&t| t == top(h)).count())
    }
    fn go_bytes_per_entry(&self) -> f64 {
        GO_BUCKET_8_8 * (self.chains.len() + self.overflow_buckets()) as f64 / self.n() as f64 - 16.0
    }
}

/// Measures one load on `runs` maps.
pub fn measure(b: u8, load: f64, runs: u32, misses: u64) -> Result<Row> {
    let buckets = 1u64 << b;
    let n = (load * buckets as f64).round() as u64;
    ensure!(n >= 1, "load {load} with 2^{b} buckets means no keys");
    let in_map = n <= load_limit(b);
    let mut a = Acc::default();
    for run in 0..runs {
        let base = u64::from(run) << 40;
        // splitmix64 is a bijection: the keys and the absent keys are distinct.
        let keys: Vec<u64> = (0..n).map(|i| splitmix64(base + i)).collect();
        let absent: Vec<u64> = (0..misses).map(|j| splitmix64(base + n + j)).collect();
        let hb = DefaultHashBuilder::default();
        let model = Model::new(b, keys.iter().map(|&k| hb.hash_one(Counted(k))));
        a.model_hit += model.hit_probe();
        if in_map {
            let mut m: HashMap<Counted, u64, _> = HashMap::with_capacity_and_hasher(load_limit(b) as usize, hb.clone());
            for (i, &k) in keys.iter().enumerate() {
                m.insert(Counted(k), i as u64);
            }
            let st = m.stats();
            ensure!(st.b == b && st.resize.is_none(), "map has B = {} (expected {b})", st.b);
            let sh = m.shape();
            a.overflow_pct += sh.overflow_pct;
            a.th_bytes += sh.overhead_per_entry;
            a.hit_probe += sh.hit_probe;
            a.miss_probe += sh.miss_probe;
            a.false_rate += sh.tophash_false_match_rate;
            a.go_bytes += model.go_bytes_per_entry();
            // Entries in each absent key's chain, from the bucket views.
            let occupied: Vec<usize> = m.bucket_views().iter().map(|v| v.occupied()).collect();
            let scanned: usize =
                absent.iter().map(|&k| occupied[(m.hasher().hash_one(Counted(k)) & (buckets - 1)) as usize]).sum();
            a.miss_scanned += scanned as f64 / misses as f64;
            eq_calls_reset();
            for k in &keys {
                ensure!(m.get(&Counted(*k)).is_some(), "a present key was not found");
            }
            a.hit_eq += eq_calls() as f64 / n as f64;
            eq_calls_reset();
            for k in &absent {
                ensure!(m.get(&Counted(*k)).is_none(), "an absent key was found");
            }
            a.miss_eq += eq_calls() as f64 / misses as f64;
        } else {
            a.overflow_pct += model.overflow_pct();
            a.hit_probe += model.hit_probe();
            a.miss_probe += model.miss_probe();
            a.go_bytes += model.go_bytes_per_entry();
            let hit_eq = model.hit_eq();
            a.hit_eq += hit_eq;
            a.false_rate += (hit_eq - 1.0) / hit_eq;
            let (mut sc, mut eq) = (0usize, 0usize);
            for &k in &absent {
                let (s, e) = model.miss(hb.hash_one(Counted(k)));
                sc += s;
                eq += e;
            }
            a.miss_scanned += sc as f64 / misses as f64;
            a.miss_eq += eq as f64 / misses as f64;
        }
    }
    let r = f64::from(runs);
    Ok(Row {
        load,
        n,
        in_map,
        overflow_pct: a.overflow_pct / r,
        go_bytes_per_entry: a.go_bytes / r,
        tophash_bytes_per_entry: in_map.then_some(a.th_bytes / r),
        hit_probe: a.hit_probe / r,
        miss_probe: a.miss_probe / r,
        miss_scanned: a.miss_scanned / r,
        hit_eq: a.hit_eq / r,
        miss_eq: a.miss_eq / r,
        model_hit_probe: a.model_hit / r,
        false_match_rate: a.false_rate / r,
    })
}

fn f2(v: f64) -> String {
    format!("{v:.2}")
}

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    ensure!(!args.loads.is_empty(), "--loads needs at least one load");
    let max_load = args.loads.iter().copied().fold(0.0, f64::max).max(7.2);
    let n_max = (max_load * (1u64 << args.log2_buckets) as f64).ceil() as u64;
    // Keys, hashes, the map (~200 bytes per entry at most) and the absent keys.
    limits::ensure_fits(
        &format!("--log2-buckets {} ({n_max} keys at load {max_load})", args.log2_buckets),
        n_max,
        256,
    )?;
    limits::ensure_fits(&format!("--misses {}", args.misses), args.misses, 16)?;
    let mut loads = args.loads.clone();
    for (l, _, _) in ARTICLE_TABLE {
        loads.push(l * 8.0);
    }
    loads.sort_by(f64::total_cmp);
    loads.dedup();
    let pb = super::report::progress::bar(loads.len() as u64, if n_max > 2_000_000 { 1 } else { u64::MAX }, "loads");
    let mut rows = Vec::new();
    for &l in &loads {
        rows.push(measure(args.log2_buckets, l, args.runs, args.misses)?);
        pb.inc(1);
    }
    pb.finish_and_clear();

    let go_at = |l: f64| GO_TABLE.iter().find(|g| (g.0 - l).abs() < 1e-9);
    let mut t = Table::new(&[
        "load",
        "keys",
        "from",
        "%overflow",
        "bytes/entry (Go's 144-byte buckets)",
        "tophash bytes/entry",
        "hitprobe",
        "missprobe",
        "miss: entries in chain",
        "key compares per hit",
        "key compares per miss",
        "Go: %overflow",
        "Go: bytes/entry",
        "Go: hitprobe",
        "Go: missprobe",
    ]);
    let mut csv_t = Table::new(&[
        "load",
        "keys",
        "in_map",
        "overflow_pct",
        "go_bytes_per_entry",
        "tophash_bytes_per_entry",
        "hit_probe",
        "miss_probe",
        "miss_scanned",
        "hit_key_compares",
        "miss_key_compares",
        "model_hit_probe",
        "tophash_false_match_rate",
        "go_table_overflow_pct",
        "go_table_bytes_per_entry",
        "go_table_hitprobe",
        "go_table_missprobe",
    ]);
    for r in &rows {
        let g = go_at(r.load);
        let gs = |f: fn(&(f64, f64, f64, f64, f64)) -> f64| g.map_or(String::new(), |g| f2(f(g)));
        t.row(vec![
            f2(r.load),
            thousands(r.n),
            if r.in_map { "map".into() } else { "model".into() },
            f2(r.overflow_pct),
            f2(r.go_bytes_per_entry),
            r.tophash_bytes_per_entry.map_or("-".into(), f2),
            f2(r.hit_probe),
            f2(r.miss_probe),
            f2(r.miss_scanned),
            format!("{:.4}", r.hit_eq),
            format!("{:.4}", r.miss_eq),
            gs(|g| g.1),
            gs(|g| g.2),
            gs(|g| g.3),
            gs(|g| g.4),
        ]);
        csv_t.row(vec![
            r.load.to_string(),
            r.n.to_string(),
            u8::from(r.in_map).to_string(),
            format!("{:.6}", r.overflow_pct),
            format!("{:.6}", r.go_bytes_per_entry),
            r.tophash_bytes_per_entry.map_or(String::new(), |v| format!("{v:.6}")),
            format!("{:.6}", r.hit_probe),
            format!("{:.6}", r.miss_probe),
            format!("{:.6}", r.miss_scanned),
            format!("{:.6}", r.hit_eq),
            format!("{:.6}", r.miss_eq),
            format!("{:.6}", r.model_hit_probe),
            format!("{:.6}", r.false_match_rate),
            gs(|g| g.1),
            gs(|g| g.2),
            gs(|g| g.3),
            gs(|g| g.4),
        ]);
    }
    let csv_path = dir.join("probes.csv");
    csv_t.write_csv(&csv_path)?;

    // The article's table beside ours.
    let mut at = Table::new(&[
        "article load (of 8 slots)",
        "entries per bucket",
        "article: probes without tophash",
        "article: probes with tophash",
        "ours: entries scanned, hit / miss",
        "ours: key compares, hit / miss",
        "from",
    ]);
    for (l, without, with) in ARTICLE_TABLE {
        let per = l * 8.0;
        if let Some(r) = rows.iter().find(|r| (r.load - per).abs() < 1e-9) {
            at.row(vec![
                f2(l),
                format!("{per:.1}"),
                format!("{without:.1}"),
                format!("{with:.1}"),
                format!("{} / {}", f2(r.hit_probe), f2(r.miss_scanned)),
                format!("{:.3} / {:.3}", r.hit_eq, r.miss_eq),
                if r.in_map { "map".into() } else { "model".into() },
            ]);
        }
    }
    let model_ok = rows.iter().filter(|r| r.in_map).all(|r| (r.model_hit_probe - r.hit_probe).abs() < 1e-9);
    let at65 = rows.iter().find(|r| (r.load - 6.5).abs() < 1e-9);

    let mut s = String::new();
    let _ = writeln!(
        s,
        "Lookups in maps of 2^{} = {} buckets, u64 keys and values, {} map{} per load (own random seeds), {} absent keys per map.",
        args.log2_buckets,
        thousands(1 << args.log2_buckets),
        args.runs,
        if args.runs == 1 { "" } else { "s" },
        thousands(args.misses)
    );
    let _ = writeln!(
        s,
        "hitprobe/missprobe = entries a lookup would compare without the tophash filter (Go's columns); key compares = \
         Eq calls actually made, with the filter. \"model\" rows: loads above 6.5 never exist in the map (the insert \
         that would pass 6.5 x 2^B doubles it first), so the keys' hashes are dealt into 2^B chains as the map would."
    );
    s.push('\n');
    s.push_str(&t.text());
    s.push('\n');
    let _ = writeln!(
        s,
        "The model equals the map where both exist (hitprobe on the same hashes): {}.",
        if model_ok { "yes, at every load" } else { "NO - see probes.csv" }
    );
    if let Some(r) = at65 {
        let _ = writeln!(
            s,
            "At load 6.5 the filter cuts a hit from {:.2} entries to {:.4} key compares and a miss from {:.2} to {:.4}: \
             {:.2}% of the tophash matches met on the way to a present key were false.",
            r.hit_probe,
            r.hit_eq,
            r.miss_scanned,
            r.miss_eq,
            100.0 * r.false_match_rate
        );
    }
    let _ = writeln!(
        s,
        "Go's hitprobe and missprobe follow from the load alone (missprobe = load; hitprobe = 1 + load/2 for uniform \
         hashing); %overflow and bytes/entry depend on the hash, and tophash's bytes/entry also counts the \
         preallocated overflow pool (2^(B-4) buckets)."
    );
    s.push('\n');
    let _ = writeln!(
        s,
        "Claim \"{}\": the article's table beside ours (its load factor read as a fraction of the 8 slots):",
        claims::PROBE_TABLE
    );
    s.push_str(&at.text());
    let _ = writeln!(
        s,
        "The article's \"probes without tophash\" are not reproduced: a lookup without the filter compares every entry \
         up to the key (a hit) or the whole chain (a miss), and with the filter nearly always exactly one key per hit \
         and almost none per miss."
    );

    let svg = dir.join("probes.svg");
    plot::draw(
        &csv_path,
        &Chart {
            title: format!("Entries checked and keys compared per lookup, 2^{} buckets", args.log2_buckets),
            x: "load".into(),
            x_desc: "load (entries per bucket)".into(),
            y_desc: "per lookup".into(),
            lines: vec![
                Line::new("hit_probe", "hit: entries checked (no filter)"),
                Line::new("miss_scanned", "miss: entries checked (no filter)"),
                Line::new("hit_key_compares", "hit: key compares (tophash filter)"),
                Line::new("miss_key_compares", "miss: key compares (tophash filter)"),
                Line::new("go_table_hitprobe", "Go's table: hitprobe").dashed(),
                Line::new("go_table_missprobe", "Go's table: missprobe").dashed(),
            ],
            hlines: vec![(6.5, "6.5: maximum load".into())],
            y_from_zero: true,
        },
        &svg,
    )?;
    let ovf_svg = dir.join("overflow.svg");
    plot::draw(
        &csv_path,
        &Chart {
            title: "Chains with an overflow bucket, and overhead bytes per entry".into(),
            x: "load".into(),
            x_desc: "load (entries per bucket)".into(),
            y_desc: "% / bytes".into(),
            lines: vec![
                Line::new("overflow_pct", "%overflow (ours)"),
                Line::new("go_table_overflow_pct", "%overflow (Go's table)").dashed(),
                Line::new("go_bytes_per_entry", "bytes/entry, Go's 144-byte buckets (ours)"),
                Line::new("go_table_bytes_per_entry", "bytes/entry (Go's table)").dashed(),
                Line::new("tophash_bytes_per_entry", "tophash bytes/entry (allocated)"),
            ],
            hlines: vec![],
            y_from_zero: true,
        },
        &ovf_svg,
    )?;

    let mut page = String::new();
    let mut paras = s.split("\n\n");
    let intro = paras.next().unwrap_or("");
    for line in intro.lines() {
        page.push_str(&html::p(line));
    }
    page.push_str(&t.html());
    for line in
        s.lines().filter(|l| l.starts_with("The model") || l.starts_with("At load") || l.starts_with("Go's hit"))
    {
        page.push_str(&html::p(line));
    }
    page.push_str(&html::h3(&format!("Claim: {}", claims::PROBE_TABLE)));
    page.push_str(&at.html());
    page.push_str(&html::p(s.lines().last().unwrap_or("")));
    page.push_str(&html::figure(&svg, "Per lookup: entries checked without the filter, keys compared with it.")?);
    page.push_str(&html::figure(&ovf_svg, "%overflow and bytes per entry against Go's table.")?);
    Ok(Outcome { text: s, html: page, files: vec![csv_path, svg, ovf_svg] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_equals_map_and_filter_works() {
        let r = measure(6, 6.0, 1, 500).unwrap();
        assert!(r.in_map);
        assert!((r.model_hit_probe - r.hit_probe).abs() < 1e-9);
        assert!(r.hit_eq >= 1.0 && r.hit_eq < 1.2, "{}", r.hit_eq);
        assert!(r.miss_eq < 0.2, "{}", r.miss_eq);
        let hi = measure(6, 8.0, 1, 500).unwrap();
        assert!(!hi.in_map && (hi.miss_probe - 8.0).abs() < 1e-9);
    }
}
