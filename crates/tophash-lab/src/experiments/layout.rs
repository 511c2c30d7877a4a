//! `layout`: bucket size, field offsets, padding and cache lines for given
//! key and value sizes, in Go's layout (`tophash[8]`, `keys[8]`,
//! `elems[8]`, overflow pointer; keys/elems over 128 bytes stored through
//! a pointer) and in tophash's (8-byte headers in a dense array, overflow
//! links in an array of their own, slots as
//! `(K, V)` pairs when that adds no padding, else keys then values), both
//! from the same struct-layout rule. Concrete Rust types are checked
//! against the real map's allocation, and Go's formula against Go 1.19's
//! own map types when Go is installed.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{ensure, Result};

use super::grow::go;
use super::report::html;
use super::report::plot::{self, Chart, Line};
use super::report::table::Table;
use super::Outcome;
use crate::claims;

/// Options of `tophash-lab layout`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// Key size in bytes (0: a zero-sized type such as `()`).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(0..=65_536))]
    pub key_size: u64,
    /// Key alignment in bytes (a power of two) [default: the largest power of two <= 8 dividing the size].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub key_align: Option<u64>,
    /// Value size in bytes (0: a zero-sized type).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(0..=65_536))]
    pub value_size: u64,
    /// Value alignment in bytes (a power of two) [default: as for keys].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub value_align: Option<u64>,
    /// Cache line size in bytes.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(16..=4096))]
    pub cache_line: u64,
    #[command(flatten)]
    pub go: go::GoArgs,
}

fn natural_align(size: u64) -> u64 {
    if size == 0 {
        1
    } else {
        (1u64 << size.trailing_zeros()).min(8)
    }
}

fn round_up(n: u64, a: u64) -> u64 {
    n.div_ceil(a) * a
}

/// A field placed by the C/Go/`repr(C)` rule: at the next multiple of its
/// alignment.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub offset: u64,
    pub size: u64,
    pub pad_before: u64,
}

/// A struct's fields, size (rounded to its alignment) and alignment.
#[derive(Debug, Clone)]
pub struct Struct {
    pub fields: Vec<Field>,
    pub size: u64,
    pub align: u64,
    pub tail_pad: u64,
}

pub fn lay_out(fields: &[(&str, u64, u64)]) -> Struct {
    let mut off = 0;
    let mut align = 1;
    let mut out = Vec::new();
    for &(name, size, a) in fields {
        let at = round_up(off, a);
        out.push(Field { name: name.to_owned(), offset: at, size, pad_before: at - off });
        off = at + size;
        align = align.max(a);
    }
    let size = round_up(off, align);
    Struct { fields: out, size, align, tail_pad: size - off }
}

/// Key and value sizes and alignments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kv {
    pub ks: u64,
    pub ka: u64,
    pub vs: u64,
    pub va: u64,
}

/// Go's `bmap` for these keys and values (cmd/compile's MapBucketType).
pub fn go_bucket(kv: Kv) -> (Struct, bool, bool) {
    let ind_k = kv.ks > 128;
    let ind_v = kv.vs > 128;
    let (ks, ka) = if ind_k { (8, 8) } else { (kv.ks, kv.ka) };
    let (vs, va) = if ind_v { (8, 8) } else { (kv.vs, kv.va) };
    let s = lay_out(&[
        ("tophash [8]uint8", 8, 1),
        (if ind_k { "keys [8]*K" } else { "keys [8]K" }, 8 * ks, ka),
        (if ind_v { "elems [8]*V" } else { "elems [8]V" }, 8 * vs, va),
        ("overflow *bmap", 8, 8),
    ]);
    (s, ind_k, ind_v)
}

/// tophash's slot layout (`raw::bucket::Lay`): paired or split, the slots
/// struct, and the pair struct when paired.
#[derive(Debug, Clone)]
pub struct Ours {
    pub paired: bool,
    pub pair: Struct,
    pub slots: Struct,
    /// Offset of the slots region in an array of `len` buckets.
    pub align: u64,
}

/// Bytes of a tophash header (the tophash bytes) and of an overflow link,
/// each in a region of its own.
pub const HEADER: u64 = 8;
pub const LINK: u64 = 8;

pub fn ours(kv: Kv) -> Ours {
    let pair = lay_out(&[("K", kv.ks, kv.ka), ("V", kv.vs, kv.va)]);
    let paired = pair.size == kv.ks + kv.vs;
    let slots = if paired {
        lay_out(&[("[(K, V); 8]", 8 * pair.size, pair.align)])
    } else {
        lay_out(&[("keys [K; 8]", 8 * kv.ks, kv.ka), ("values [V; 8]", 8 * kv.vs, kv.va)])
    };
    Ours { paired, pair, slots, align: kv.ka.max(kv.va).max(8) }
}

/// Bytes of a tophash array of `len` buckets (headers, links, then slots).
pub fn ours_array_bytes(kv: Kv, len: u64) -> u64 {
    let o = ours(kv);
    round_up(len * (HEADER + LINK), o.align) + len * o.slots.size
}

/// Distinct cache lines covering the byte ranges `(start, len)`.
fn lines(ranges: &[(u64, u64)], cl: u64) -> u64 {
    let mut v: Vec<u64> = Vec::new();
    for &(s, n) in ranges {
        if n == 0 {
            continue;
        }
        for l in s / cl..=(s + n - 1) / cl {
            v.push(l);
        }
    }
    v.sort_unstable();
    v.dedup();
    v.len() as u64
}

/// Cache lines touched per lookup, averaged over bucket positions in an
/// array that starts on a line boundary (and over slots for a hit).
#[derive(Debug, Clone, Copy)]
pub struct Touch {
    pub hit: f64,
    pub miss_not_full: f64,
    pub miss_full: f64,
    pub bucket_span_max: u64,
}

fn period(stride: u64, cl: u64) -> u64 {
    if stride == 0 {
        return 1;
    }
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    cl / gcd(stride % cl, cl).max(1)
}

pub fn go_touch(kv: Kv, cl: u64) -> Touch {
    let (s, ind_k, ind_v) = go_bucket(kv);
    let g = s.size;
    let (ko, es) = (s.fields[1].offset, s.fields[2].offset);
    let kslot = s.fields[1].size / 8;
    let vslot = s.fields[2].size / 8;
    let per = period(g, cl);
    let (mut hit, mut mnf, mut mf, mut span) = (0.0, 0.0, 0.0, 0);
    for i in 0..per {
        let b = i * g;
        span = span.max(lines(&[(b, g)], cl));
        for j in 0..8 {
            // Indirect keys/elems cost one more line each, elsewhere.
            let extra = u64::from(ind_k) + u64::from(ind_v);
            hit += (lines(&[(b, 8), (b + ko + j * kslot, kslot), (b + es + j * vslot, vslot)], cl) + extra) as f64;
        }
        mnf += lines(&[(b, 8)], cl) as f64;
        mf += lines(&[(b, 8), (b + g - 8, 8)], cl) as f64;
    }
    let p = per as f64;
    Touch { hit: hit / (8.0 * p), miss_not_full: mnf / p, miss_full: mf / p, bucket_span_max: span }
}

pub fn ours_touch(kv: Kv, cl: u64) -> Touch {
    let o = ours(kv);
    let sz = o.slots.size;
    let per = period(sz, cl).max(period(HEADER, cl));
    // The slots region starts at a multiple of the alignment after the
    // headers; with many buckets it is far away, so place it on its own
    // line boundary.
    let base = 1 << 40;
    let (mut hit, mut span) = (0.0, 0);
    for i in 0..per {
        let h = i * HEADER;
        let s = base + i * sz;
        span = span.max(lines(&[(s, sz)], cl));
        for j in 0..8 {
            let r = if o.paired {
                vec![(h, HEADER), (s + j * o.pair.size, kv.ks + kv.vs)]
            } else {
                vec![(h, HEADER), (s + j * kv.ks, kv.ks), (s + o.slots.fields[1].offset + j * kv.vs, kv.vs)]
            };
            hit += lines(&r, cl) as f64;
        }
    }
    // A miss reads the header; past a full bucket, also its overflow link,
    // a line of the links region.
    let miss = (0..per).map(|i| lines(&[(i * HEADER, HEADER)], cl)).sum::<u64>() as f64 / per as f64;
    Touch { hit: hit / (8.0 * per as f64), miss_not_full: miss, miss_full: miss + 1.0, bucket_span_max: span }
}

fn kv_of(args: &Args) -> Result<Kv> {
    let ka = args.key_align.unwrap_or_else(|| natural_align(args.key_size));
    let va = args.value_align.unwrap_or_else(|| natural_align(args.value_size));
    ensure!(ka.is_power_of_two(), "--key-align {ka} is not a power of two");
    ensure!(va.is_power_of_two(), "--value-align {va} is not a power of two");
    ensure!(args.key_size.is_multiple_of(ka), "--key-size {} is not a multiple of --key-align {ka}", args.key_size);
    ensure!(
        args.value_size.is_multiple_of(va),
        "--value-size {} is not a multiple of --value-align {va}",
        args.value_size
    );
    ensure!(args.cache_line.is_power_of_two(), "--cache-line {} is not a power of two", args.cache_line);
    Ok(Kv { ks: args.key_size, ka, vs: args.value_size, va })
}

fn fields_table(s: &Struct, base_name: &str) -> Table {
    let mut t = Table::new(&["field", "offset", "size", "padding before"]);
    for f in &s.fields {
        t.row(vec![f.name.clone(), f.offset.to_string(), f.size.to_string(), f.pad_before.to_string()]);
    }
    if s.tail_pad > 0 {
        t.row(vec!["(tail padding)".into(), (s.size - s.tail_pad).to_string(), s.tail_pad.to_string(), "-".into()]);
    }
    t.row(vec![format!("{base_name} total"), "-".into(), s.size.to_string(), "-".into()]);
    t
}

/// Real sizes of concrete Rust types, and the real map's allocation
/// against the formula.
fn concrete<K: std::hash::Hash + Eq, V>(name: &str) -> (String, Kv, u64, u64) {
    let kv = Kv {
        ks: std::mem::size_of::<K>() as u64,
        ka: std::mem::align_of::<K>() as u64,
        vs: std::mem::size_of::<V>() as u64,
        va: std::mem::align_of::<V>() as u64,
    };
    // 2^6 main buckets + 2^2 preallocated overflow buckets: the fewest
    // entries that need 2^6 buckets, a load of 3.3, for which the presized
    // pool (sized for the overflow buckets the entries are expected to
    // need) is Go's `2^(B-4)`.
    let m: tophash::HashMap<K, V> = tophash::HashMap::with_capacity(super::load_limit(5) as usize + 1);
    assert_eq!(m.stats().buckets, 64);
    (name.to_owned(), kv, ours_array_bytes(kv, 68), m.allocated_bytes() as u64)
}

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    let kv = kv_of(args)?;
    let cl = args.cache_line;
    let (gs, ind_k, ind_v) = go_bucket(kv);
    let o = ours(kv);
    let gt = go_touch(kv, cl);
    let ot = ours_touch(kv, cl);
    let mut s = String::new();
    let mut page = String::new();
    let _ = writeln!(
        s,
        "Keys of {} bytes (align {}), values of {} bytes (align {}), {}-byte cache lines.\n",
        kv.ks, kv.ka, kv.vs, kv.va, cl
    );
    page.push_str(&html::p(s.trim()));
    let gtab = fields_table(&gs, "bucket");
    let _ = writeln!(
        s,
        "Go 1.19 bucket (bmap){}:",
        match (ind_k, ind_v) {
            (false, false) => String::new(),
            (k, v) => format!(
                " - {} over 128 bytes, stored through a pointer",
                [(k, "keys"), (v, "values")].iter().filter(|x| x.0).map(|x| x.1).collect::<Vec<_>>().join(" and ")
            ),
        }
    );
    s.push_str(&gtab.text());
    page.push_str(&html::h3("Go 1.19's bucket"));
    page.push_str(&gtab.html());
    let header = lay_out(&[("tophash [u8; 8]", 8, 8)]);
    let htab = fields_table(&header, "header");
    let stab = fields_table(&o.slots, "slots");
    let _ = writeln!(
        s,
        "\ntophash header (in the dense header array; a miss reads only this, and the bucket's overflow \
         link, 8 bytes in the links array, only when the bucket is full):"
    );
    s.push_str(&htab.text());
    let _ = writeln!(
        s,
        "\ntophash slots ({}):",
        if o.paired {
            format!("paired: (K, V) is {} bytes with no padding", o.pair.size)
        } else {
            format!(
                "split as in Go: (K, V) would be {} bytes, {} of them padding",
                o.pair.size,
                o.pair.size - kv.ks - kv.vs
            )
        }
    );
    s.push_str(&stab.text());
    page.push_str(&html::h3("tophash's header and slots"));
    page.push_str(&htab.html());
    page.push_str(&stab.html());

    let mut sum = Table::new(&[
        "layout",
        "bytes per bucket",
        "padding per bucket",
        "cache lines per bucket (max spanned)",
        "lines touched: hit",
        "lines touched: miss, bucket not full",
        "lines touched: miss, full bucket",
    ]);
    let pad_go: u64 = gs.fields.iter().map(|f| f.pad_before).sum::<u64>() + gs.tail_pad;
    let pad_ours: u64 = o.slots.fields.iter().map(|f| f.pad_before).sum::<u64>()
        + o.slots.tail_pad
        + if o.paired { 8 * (o.pair.size - kv.ks - kv.vs) } else { 0 };
    sum.row(vec![
        "Go 1.19".into(),
        gs.size.to_string(),
        pad_go.to_string(),
        format!("{:.2} ({})", gs.size as f64 / cl as f64, gt.bucket_span_max),
        format!("{:.2}", gt.hit),
        format!("{:.2}", gt.miss_not_full),
        format!("{:.2}", gt.miss_full),
    ]);
    sum.row(vec![
        "tophash".into(),
        format!("{} ({} header + {} link + {} slots)", HEADER + LINK + o.slots.size, HEADER, LINK, o.slots.size),
        pad_ours.to_string(),
        format!("{:.2} ({})", (HEADER + LINK + o.slots.size) as f64 / cl as f64, ot.bucket_span_max),
        format!("{:.2}", ot.hit),
        format!("{:.2}", ot.miss_not_full),
        format!("{:.2}", ot.miss_full),
    ]);
    let _ = writeln!(
        s,
        "\nCache lines per lookup (averaged over bucket positions in a line-aligned array, and over the 8 slots for a \
         hit; an indirect key or value costs one more line; a longer chain repeats the miss cost per bucket):"
    );
    s.push_str(&sum.text());
    page.push_str(&html::h3("Bytes and cache lines"));
    page.push_str(&sum.html());

    // Concrete Rust types: the formula against the real map.
    let rows = vec![
        concrete::<u64, u64>("u64 -> u64"),
        concrete::<u32, u32>("u32 -> u32"),
        concrete::<u64, u8>("u64 -> u8"),
        concrete::<u8, u64>("u8 -> u64"),
        concrete::<String, u64>("String -> u64"),
        concrete::<[u8; 32], [u8; 40]>("[u8; 32] -> [u8; 40]"),
        concrete::<u128, u64>("u128 -> u64"),
        concrete::<[u8; 129], u64>("[u8; 129] -> u64"),
        concrete::<u64, [u8; 200]>("u64 -> [u8; 200]"),
    ];
    // The nearest Go map types, with Go's own sizes (a Go string is 16
    // bytes, a Rust String 24).
    let kvg = |ks, ka, vs, va| Kv { ks, ka, vs, va };
    let go_names = [
        ("map[uint64]uint64", kvg(8, 8, 8, 8)),
        ("map[uint32]uint32", kvg(4, 4, 4, 4)),
        ("map[uint64]uint8", kvg(8, 8, 1, 1)),
        ("map[uint8]uint64", kvg(1, 1, 8, 8)),
        ("map[string]int", kvg(16, 8, 8, 8)),
        ("map[[32]byte][40]byte", kvg(32, 1, 40, 1)),
        ("", kvg(0, 1, 0, 1)),
        ("map[[129]byte]uint64", kvg(129, 1, 8, 8)),
        ("map[uint64][200]byte", kvg(8, 8, 200, 1)),
    ];
    let go_real = match go::build(&args.go)? {
        Ok(g) => {
            let stat = g.run(&["-static".into()])?;
            let offsets = g.run(&["-offsets".into()])?;
            let mut spec_line = None;
            if kv.ka <= 8 && kv.va <= 8 {
                let spec = format!("{}:{}:{}:{}", kv.ks, kv.ka, kv.vs, kv.va);
                spec_line = Some(g.run(&["-layout".into(), spec])?);
            }
            Ok((stat, spec_line, g.go.clone(), offsets))
        }
        Err(why) => Err(why),
    };
    let go_size = |name: &str| -> Option<u64> {
        let (stat, _, _, _) = go_real.as_ref().ok()?;
        stat.lines().find(|l| l.split_whitespace().next() == Some(name))?.split_whitespace().nth(3)?.parse().ok()
    };
    let mut ct = Table::new(&[
        "Rust types",
        "K size/align",
        "V size/align",
        "slots",
        "tophash array of 64+4 buckets: formula",
        "allocated",
        "Go type",
        "Go bucket: formula",
        "Go 1.19 maptype.bucketsize",
    ]);
    let mut all_ok = true;
    for ((name, kv2, formula, real), (gname, gkv)) in rows.iter().zip(go_names) {
        all_ok &= formula == real;
        let gf = go_bucket(gkv).0.size;
        let gr = if gname.is_empty() { None } else { go_size(gname) };
        if let Some(r) = gr {
            all_ok &= r == gf;
        }
        ct.row(vec![
            name.clone(),
            format!("{}/{}", kv2.ks, kv2.ka),
            format!("{}/{}", kv2.vs, kv2.va),
            if ours(*kv2).paired { "paired".into() } else { "split".into() },
            formula.to_string(),
            real.to_string(),
            if gname.is_empty() { "(none: Go aligns to 8 at most)".into() } else { gname.to_owned() },
            if gname.is_empty() { "-".into() } else { gf.to_string() },
            gr.map_or("-".into(), |v| v.to_string()),
        ]);
    }
    let _ = writeln!(s, "\nThe formulas against the real thing (tophash: allocated_bytes of a 64-bucket map; Go: the runtime's map type):");
    s.push_str(&ct.text());
    match &go_real {
        Ok((_, spec, go, _)) => {
            let _ = writeln!(
                s,
                "Go ({}) {}; every formula {}.",
                go.describe(),
                match spec.as_deref().and_then(|l| l.split_whitespace().nth(3)) {
                    Some(b) =>
                        format!("bucket for the chosen sizes via reflect.MapOf: {b} bytes (formula {})", gs.size),
                    None => "has no type with the chosen alignment".to_owned(),
                },
                if all_ok { "matches" } else { "does NOT match - see the table" }
            );
        }
        Err(why) => {
            let _ = writeln!(
                s,
                "Go check not run: {why}. tophash formulas {}.",
                if all_ok { "match" } else { "do NOT match" }
            );
        }
    }
    page.push_str(&html::h3("Formulas against the real allocation and Go's own map types"));
    page.push_str(&ct.html());
    page.push_str(&html::p(s.lines().last().unwrap_or("")));

    // The articles' claims on layout (see `docs/claims.md`).
    let a = Kv { ks: 32, ka: 8, vs: 40, va: 8 };
    let (ga, gb) = (go_touch(a, 64), ours_touch(a, 64));
    let mut art = Table::new(&["claim", "what we find"]);
    art.row(vec![
        claims::BUCKET_LAYOUT.into(),
        format!(
            "agrees: for these sizes keys at {}, elems at {}, overflow at {}",
            gs.fields[1].offset, gs.fields[2].offset, gs.fields[3].offset
        ),
    ]);
    art.row(vec![
        claims::ALIGNMENT_MISSES.into(),
        format!(
            "not measured here (needs hardware counters); the layout fixes the lines a hit touches: Go {:.2}, \
             tophash {:.2} (a {}-byte pair aligned to 64 bytes would take {} bytes per entry)",
            ga.hit,
            gb.hit,
            a.ks + a.vs,
            round_up(a.ks + a.vs, 64)
        ),
    ]);
    let hmap = lay_out(&[
        ("count", 8, 8),
        ("flags", 1, 1),
        ("B", 1, 1),
        ("noverflow", 2, 2),
        ("hash0", 4, 4),
        ("buckets", 8, 8),
        ("oldbuckets", 8, 8),
        ("nevacuate", 8, 8),
        ("extra", 8, 8),
    ]);
    let formula: Vec<String> = hmap.fields.iter().map(|f| format!("{} {}", f.name, f.offset)).collect();
    let measured = match &go_real {
        Ok((_, _, go, offsets)) => {
            let same = offsets.lines().zip(&formula).all(|(a, b)| a.trim() == b);
            format!(
                "; {} (go/lab-grow, unsafe.Offsetof on the mirror struct): {}",
                go.version,
                if same { "the same" } else { "DIFFERENT" }
            )
        }
        Err(_) => String::new(),
    };
    art.row(vec![
        claims::HMAP_OFFSETS.into(),
        format!("said of Go 1.22; Go 1.19's map.go field order gives {}{measured}", formula[..6].join(", ")),
    ]);
    let _ = writeln!(s, "\nClaims about the layout:");
    s.push_str(&art.text());
    page.push_str(&html::h3("Claims about the layout"));
    page.push_str(&art.html());

    // Sweep over value sizes for the chosen key.
    let sweep_csv = dir.join("sweep.csv");
    let mut w = csv::Writer::from_path(&sweep_csv)?;
    w.write_record([
        "value_size",
        "go_bucket_bytes",
        "tophash_bucket_bytes",
        "go_hit_lines",
        "tophash_hit_lines",
        "go_miss_full_lines",
        "tophash_miss_lines",
    ])?;
    for vs in (1..=32).chain((40..=256).step_by(8)) {
        let k2 = Kv { vs, va: natural_align(vs), ..kv };
        let (g2, t2) = (go_touch(k2, cl), ours_touch(k2, cl));
        w.write_record([
            vs.to_string(),
            go_bucket(k2).0.size.to_string(),
            (HEADER + LINK + ours(k2).slots.size).to_string(),
            format!("{:.4}", g2.hit),
            format!("{:.4}", t2.hit),
            format!("{:.4}", g2.miss_full),
            format!("{:.4}", t2.miss_full),
        ])?;
    }
    w.flush()?;
    let csv_path = dir.join("layout.csv");
    sum.write_csv(&csv_path)?;
    let concrete_csv = dir.join("concrete.csv");
    ct.write_csv(&concrete_csv)?;
    let b_svg = dir.join("bucket_bytes.svg");
    plot::draw(
        &sweep_csv,
        &Chart {
            title: format!("Bytes per bucket for {}-byte keys, by value size", kv.ks),
            x: "value_size".into(),
            x_desc: "value size (bytes)".into(),
            y_desc: "bytes per bucket".into(),
            lines: vec![
                Line::new("go_bucket_bytes", "Go 1.19 (values > 128 B via pointer)"),
                Line::new("tophash_bucket_bytes", "tophash (header + link + slots)"),
            ],
            hlines: vec![],
            y_from_zero: true,
        },
        &b_svg,
    )?;
    let l_svg = dir.join("cache_lines.svg");
    plot::draw(
        &sweep_csv,
        &Chart {
            title: format!("Cache lines touched per lookup, {}-byte keys, {}-byte lines", kv.ks, cl),
            x: "value_size".into(),
            x_desc: "value size (bytes)".into(),
            y_desc: "cache lines".into(),
            lines: vec![
                Line::new("go_hit_lines", "Go 1.19: hit"),
                Line::new("tophash_hit_lines", "tophash: hit"),
                Line::new("go_miss_full_lines", "Go 1.19: miss at a full bucket").dashed(),
                Line::new("tophash_miss_lines", "tophash: miss").dashed(),
            ],
            hlines: vec![],
            y_from_zero: true,
        },
        &l_svg,
    )?;
    page.push_str(&html::figure(&b_svg, "Bucket bytes by value size (the chosen key size).")?);
    page.push_str(&html::figure(&l_svg, "Cache lines touched by a hit and a miss, by value size.")?);
    Ok(Outcome { text: s, html: page, files: vec![csv_path, concrete_csv, sweep_csv, b_svg, l_svg] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_match_go_and_the_crate() {
        let kv = |ks, ka, vs, va| Kv { ks, ka, vs, va };
        assert_eq!(go_bucket(kv(8, 8, 8, 8)).0.size, 144);
        assert_eq!(go_bucket(kv(8, 8, 1, 1)).0.size, 88);
        assert_eq!(go_bucket(kv(129, 1, 8, 8)).0.size, 144);
        // raw::bucket's compile-time checks.
        assert!(ours(kv(8, 8, 8, 8)).paired && ours(kv(8, 8, 8, 8)).slots.size == 128);
        let o = ours(kv(8, 8, 1, 1));
        assert!(!o.paired && o.slots.size == 72 && o.slots.fields[1].offset == 64);
        let o = ours(kv(1, 1, 8, 8));
        assert!(!o.paired && o.slots.fields[1].offset == 8 && o.slots.size == 72);
        for (_, _, formula, real) in [concrete::<u64, u8>("a"), concrete::<String, u64>("b"), concrete::<u128, u8>("c")]
        {
            assert_eq!(formula, real);
        }
        // A miss reads one header line in tophash, and past a full bucket
        // one line of the links array.
        let t = ours_touch(kv(8, 8, 8, 8), 64);
        assert_eq!((t.miss_not_full, t.miss_full), (1.0, 2.0));
    }
}
