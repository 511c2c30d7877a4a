//! `grow`: insert keys one at a time and narrate every growth (which insert
//! starts it and why, B before and after, the buckets each later insert
//! evacuates, when it ends), draw small maps' buckets, settle the claim
//! "A single insert can trigger two rehashes" (its 1,387th insert; see
//! `docs/claims.md`) on tophash and on Go 1.19, show a same-size growth
//! made by churn, and compare the bucket count after every insert with Go
//! 1.19's own map ("A map doubles past load 6.5 and grows in place when
//! overflow buckets reach the bucket count").

pub mod go;
pub mod narrate;

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{ensure, Result};

use super::report::html::{self, esc, thousands};
use super::report::limits;
use super::report::plot::{self, Chart, Line};
use super::report::table::Table;
use super::{KeyKind, Outcome};
use crate::claims;

use narrate::Narration;

/// Options of `tophash-lab grow`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// Keys to insert, one at a time.
    #[arg(long, short = 'n', value_name = "COUNT", default_value_t = 2000, value_parser = tophash_bench::size::parser(1, 1_000_000_000))]
    pub keys: u64,
    /// Keys: "k0", "k1", ... (string, the articles' keys) or 0, 1, 2, ... (u64; Go's side uses int, also 64 bits).
    #[arg(long, value_enum, default_value_t = KeyKind::String)]
    pub key_kind: KeyKind,
    /// Draw the buckets as text around growths of maps with at most this many buckets (0: never).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(0..=1024))]
    pub draw_buckets: u64,
    /// Show every insert of every evacuation (default: the first few of each growth).
    #[arg(long)]
    pub verbose: bool,
    /// Keys in the map before the "trigger" insert of the two-rehash claim.
    #[arg(long, value_name = "COUNT", default_value_t = 1386, value_parser = tophash_bench::size::parser(1, 10_000_000))]
    pub claim_keys: u64,
    /// Runs of the claim, each on a fresh map with its own random hash seed, in tophash and in Go.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub claim_runs: u64,
    #[command(flatten)]
    pub go: go::GoArgs,
}

/// Bytes per key a run may hold (map, key strings, the per-insert log and
/// the Go side's output), for the memory check.
const BYTES_PER_KEY: u64 = 256;

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    limits::ensure_fits(&format!("--keys {}", args.keys), args.keys, BYTES_PER_KEY)?;
    let claim_work = args.claim_keys.saturating_mul(args.claim_runs);
    ensure!(
        claim_work <= 2_000_000_000,
        "--claim-keys {} x --claim-runs {} = {claim_work} inserts is too much work (at most 2,000,000,000)",
        args.claim_keys,
        args.claim_runs
    );
    limits::ensure_fits(&format!("--claim-keys {}", args.claim_keys), args.claim_keys, BYTES_PER_KEY)?;

    let mut text = String::new();
    let mut page = String::new();
    let mut files = Vec::new();

    // 1. The narrated run.
    let nar = match args.key_kind {
        KeyKind::String => narrate::run(args.keys, |i| format!("k{i}"), args.draw_buckets as usize),
        KeyKind::U64 => narrate::run(args.keys, |i| i, args.draw_buckets as usize),
    };
    let head = format!(
        "Inserting {} {} keys one at a time into an empty tophash::HashMap\n\n",
        thousands(args.keys),
        args.key_kind.name()
    );
    text.push_str(&head);
    let story = nar.story(args.verbose);
    text.push_str(&story);
    page.push_str(&html::h3(&format!("{} {} keys, one at a time", thousands(args.keys), args.key_kind.name())));
    page.push_str(&html::pre(&nar.story(false)));
    let gt = nar.growth_table();
    let triggers = format!("Why each growth started (the claim \"{}\"):", claims::GROWTH_TRIGGERS);
    let _ = writeln!(text, "\n{triggers}");
    text.push_str(&gt.text());
    page.push_str(&html::p(&triggers));
    page.push_str(&gt.html());
    if !nar.drawings.is_empty() {
        text.push_str("\nThe buckets around the growths of the smallest maps (one line per chain: eight tophash bytes per bucket, -> an overflow bucket):\n\n");
        text.push_str(&nar.drawings_text());
    }

    let inserts_csv = dir.join("inserts.csv");
    nar.write_inserts_csv(&inserts_csv)?;
    let growths_csv = dir.join("growths.csv");
    gt.write_csv(&growths_csv)?;
    let evac_csv = dir.join("evacuations.csv");
    nar.write_evacuations_csv(&evac_csv)?;
    files.extend([inserts_csv.clone(), growths_csv, evac_csv]);
    if !nar.drawings.is_empty() {
        let p = dir.join("buckets.txt");
        std::fs::write(&p, nar.drawings_text())?;
        files.push(p);
    }

    // 2. The claim that a single insert can trigger two rehashes.
    let claim = claim_tophash(args.claim_keys, args.claim_runs);
    let go = go::build(&args.go)?;
    let go_claim = match &go {
        Ok(g) => Some(claim_go(g, args.claim_keys, args.claim_runs)?),
        Err(_) => None,
    };
    let (ct, cp, claim_table) = claim_story(args, &claim, go_claim.as_ref(), go.as_ref().err());
    text.push('\n');
    text.push_str(&ct);
    page.push_str(&cp);
    let claim_csv = dir.join("claim.csv");
    claim_table.write_csv(&claim_csv)?;
    files.push(claim_csv);

    // 3. Same-size growth, made by churn.
    let churn = narrate::churn_demo(3, args.draw_buckets as usize);
    text.push('\n');
    text.push_str(&churn.0);
    page.push_str(&html::h3("A same-size growth, made by deletes and inserts"));
    page.push_str(&html::pre(&churn.0));
    let churn_csv = dir.join("churn.csv");
    churn.1.write_csv(&churn_csv)?;
    files.push(churn_csv);

    // 4. Bucket count after every insert: tophash vs Go 1.19.
    let cmp_csv = dir.join("b_compare.csv");
    let (gt_text, gt_html) = match &go {
        Ok(g) => compare_with_go(g, args, &nar, &cmp_csv)?,
        Err(why) => {
            let t = format!("Go 1.19 comparison: not run: {why}.\n");
            (t.clone(), html::p(&t))
        }
    };
    if cmp_csv.exists() {
        files.push(cmp_csv.clone());
    }
    text.push('\n');
    text.push_str(&gt_text);
    page.push_str(&html::h3("Bucket count after every insert: tophash and Go 1.19"));
    page.push_str(&gt_html);

    // Pictures, drawn from the CSV files above.
    let load_svg = dir.join("load.svg");
    plot::draw(
        &inserts_csv,
        &Chart {
            title: format!("Load (entries per bucket) while inserting {} keys", thousands(args.keys)),
            x: "insert".into(),
            x_desc: "insert #".into(),
            y_desc: "entries / bucket".into(),
            lines: vec![Line::new("load", "load = len / 2^B")],
            hlines: vec![(6.5, "6.5: a doubling starts".into())],
            y_from_zero: true,
        },
        &load_svg,
    )?;
    let b_svg = dir.join("b.svg");
    let mut lines = vec![Line::new("b", "tophash B").step()];
    let mut b_src = inserts_csv.clone();
    if cmp_csv.exists() {
        b_src = cmp_csv.clone();
        lines = vec![Line::new("tophash_b", "tophash B").step(), Line::new("go_b", "Go 1.19 B").step().dashed()];
    }
    plot::draw(
        &b_src,
        &Chart {
            title: "B (log2 of the bucket count) after each insert".into(),
            x: "insert".into(),
            x_desc: "insert #".into(),
            y_desc: "B".into(),
            lines,
            hlines: vec![],
            y_from_zero: true,
        },
        &b_svg,
    )?;
    let left_svg = dir.join("evacuation.svg");
    plot::draw(
        &inserts_csv,
        &Chart {
            title: "Old buckets not yet evacuated (each write moves up to two)".into(),
            x: "insert".into(),
            x_desc: "insert #".into(),
            y_desc: "old buckets left".into(),
            lines: vec![Line::new("old_left", "old buckets left")],
            hlines: vec![],
            y_from_zero: true,
        },
        &left_svg,
    )?;
    page.push_str(&html::figure(&load_svg, "Load after each insert: it climbs to 6.5 and halves at each doubling.")?);
    page.push_str(&html::figure(&b_svg, "B after each insert.")?);
    page.push_str(&html::figure(&left_svg, "Evacuation progress: old buckets left after each insert.")?);
    if !nar.drawings.is_empty() {
        page.push_str(&html::h3("Buckets around the first growths"));
        page.push_str(&html::pre(&nar.drawings_text()));
    }
    files.extend([load_svg, b_svg, left_svg]);
    Ok(Outcome { text, html: page, files })
}

/// One map of the claim experiment, tophash or Go.
#[derive(Debug, Clone)]
pub struct ClaimRun {
    pub b_before: u8,
    pub overflow_before: usize,
    pub resizing_before: bool,
    pub b_after: u8,
    pub resizing_after: bool,
    /// Resizes the trigger insert started.
    pub started: usize,
    /// The insert that started the next resize.
    pub next_growth: u64,
    /// Resizes started by any single insert, at most (tophash only).
    pub max_started_per_insert: usize,
}

/// The two-rehash claim's experiment on tophash: `prefill` keys "k0".., then "trigger",
/// then more keys until the next resize starts; `runs` maps.
pub fn claim_tophash(prefill: u64, runs: u64) -> Vec<ClaimRun> {
    use std::sync::{Arc, Mutex};
    use tophash::stats::Event;
    (0..runs)
        .map(|_| {
            let starts = Arc::new(Mutex::new(0usize));
            let sink = starts.clone();
            let mut m: tophash::HashMap<String, u64> = tophash::HashMap::new();
            m.set_observer(Some(Box::new(move |e: &Event| {
                if matches!(e, Event::ResizeStart { .. }) {
                    *sink.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                }
            })));
            let take = || std::mem::take(&mut *starts.lock().unwrap_or_else(|p| p.into_inner()));
            let mut max_per = 0;
            for i in 0..prefill {
                m.insert(format!("k{i}"), i);
                max_per = max_per.max(take());
            }
            let before = m.stats();
            m.insert("trigger".to_owned(), 999);
            let started = take();
            max_per = max_per.max(started);
            let after = m.stats();
            let mut next_growth = 0;
            let mut i = prefill;
            while next_growth == 0 && i < 64 * prefill + 64 {
                m.insert(format!("k{i}"), i);
                i += 1;
                let s = take();
                max_per = max_per.max(s);
                if s > 0 {
                    next_growth = m.len() as u64;
                }
            }
            ClaimRun {
                b_before: before.b,
                overflow_before: before.overflow_buckets,
                resizing_before: before.resize.is_some(),
                b_after: after.b,
                resizing_after: after.resize.is_some(),
                started,
                next_growth,
                max_started_per_insert: max_per,
            }
        })
        .collect()
}

/// The same on Go 1.19's map, through `lab-grow -claim`.
pub fn claim_go(g: &go::LabGrow, prefill: u64, runs: u64) -> Result<Vec<ClaimRun>> {
    let out = g.run(&["-claim".into(), prefill.to_string(), "-runs".into(), runs.to_string()])?;
    let mut v = Vec::new();
    for line in out.lines() {
        let n: Vec<u64> =
            line.split_whitespace().filter(|t| *t != "|").map(|t| t.parse::<u64>()).collect::<Result<_, _>>()?;
        ensure!(n.len() == 10, "unexpected lab-grow -claim line: {line}");
        v.push(ClaimRun {
            b_before: n[1] as u8,
            overflow_before: n[2] as usize,
            resizing_before: n[3] != 0,
            b_after: n[4] as u8,
            resizing_after: n[6] != 0,
            started: n[8] as usize,
            next_growth: n[9],
            max_started_per_insert: 0,
        });
    }
    ensure!(v.len() as u64 == runs, "lab-grow -claim printed {} runs, expected {runs}", v.len());
    Ok(v)
}

fn range<T: Ord + Copy + std::fmt::Display>(xs: impl Iterator<Item = T>) -> String {
    let v: Vec<T> = xs.collect();
    let (lo, hi) = (v.iter().min().copied(), v.iter().max().copied());
    match (lo, hi) {
        (Some(a), Some(b)) if a == b => format!("{a}"),
        (Some(a), Some(b)) => format!("{a}..{b}"),
        _ => "-".into(),
    }
}

fn count(runs: &[ClaimRun], f: impl Fn(&ClaimRun) -> bool) -> String {
    format!("{}/{}", runs.iter().filter(|r| f(r)).count(), runs.len())
}

/// The claim section: terminal text, HTML, and the data table.
fn claim_story(
    args: &Args,
    ours: &[ClaimRun],
    go: Option<&Vec<ClaimRun>>,
    go_missing: Option<&String>,
) -> (String, String, Table) {
    let p = args.claim_keys;
    let nth = p + 1;
    let started_col = format!("resizes started by insert #{nth}");
    let mut t = Table::new(&[
        "map",
        "maps",
        "B before",
        "overflow buckets before",
        "resizing before",
        &started_col,
        "B after",
        "resizing after",
        "next growth starts at insert #",
    ]);
    let mut row = |name: &str, runs: &[ClaimRun]| {
        t.row(vec![
            name.to_owned(),
            runs.len().to_string(),
            range(runs.iter().map(|r| r.b_before)),
            range(runs.iter().map(|r| r.overflow_before)),
            count(runs, |r| r.resizing_before),
            range(runs.iter().map(|r| r.started)),
            range(runs.iter().map(|r| r.b_after)),
            count(runs, |r| r.resizing_after),
            range(runs.iter().map(|r| r.next_growth)),
        ]);
    };
    row("tophash", ours);
    if let Some(g) = go {
        row("Go 1.19", g);
    }
    let b = ours.first().map_or(0, |r| r.b_before);
    let cap = super::load_limit(b);
    let threshold = 1u64 << b;
    let max_ovf = nth / 8;
    let max_per = ours.iter().map(|r| r.max_started_per_insert).max().unwrap_or(0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Claim \"{}\": the {}th insert into a map of {} keys",
        claims::TWO_REHASHES,
        thousands(nth),
        thousands(p)
    );
    let _ = writeln!(s, "triggers a same-size growth and then a doubling. Measured on {} maps", ours.len());
    let _ = writeln!(s, "(each with its own random hash seed), keys \"k0\"..\"k{}\" then \"trigger\":", p - 1);
    s.push('\n');
    s.push_str(&t.text());
    s.push('\n');
    let _ = writeln!(
        s,
        "- A doubling needs count+1 > 6.5 x 2^B: with B = {b} that is {} > {}, the {}th insert, not the {}th.",
        thousands(cap + 1),
        thousands(cap),
        thousands(cap + 1),
        thousands(nth)
    );
    let _ = writeln!(
        s,
        "- A same-size growth needs as many overflow buckets as buckets, 2^B = {threshold} (Go: its counter reaching \
         2^min(B,15), exact below B = 16). An overflow bucket is linked only behind \
         8 full slots, so without deletes {} keys make at most {} of them: it cannot happen here.",
        thousands(nth),
        max_ovf
    );
    let _ = writeln!(
        s,
        "- One insert starts at most one growth: Go's mapassign calls hashGrow only if !h.growing(), picks the kind \
         once by overLoadFactor(count+1, B), and a same-size growth leaves B and count as they were, so it is never \
         followed by a doubling in the same insert. tophash does the same: the most resizes any single insert \
         started in these runs was {max_per}."
    );
    match (go, go_missing) {
        (Some(g), _) => {
            let agree = g.iter().all(|r| r.started == 0) && ours.iter().all(|r| r.started == 0);
            let _ = writeln!(
                s,
                "- Verdict: the claim is {}. Insert #{} started {} resizes in tophash and {} in Go 1.19.",
                if agree { "false" } else { "not what we measured either way; see the table" },
                thousands(nth),
                range(ours.iter().map(|r| r.started)),
                range(g.iter().map(|r| r.started))
            );
        }
        (None, why) => {
            let _ = writeln!(
                s,
                "- Verdict (tophash only; Go 1.19 not run: {}): insert #{} started {} resizes.",
                why.map(String::as_str).unwrap_or("unavailable"),
                thousands(nth),
                range(ours.iter().map(|r| r.started))
            );
        }
    }
    let mut page = html::h3(&format!("Claim: {} (insert #{})", claims::TWO_REHASHES, thousands(nth)));
    let mut first = true;
    for para in s.split("\n\n") {
        if first {
            page.push_str(&html::p(para.trim()));
            first = false;
        } else if para.contains("- ") {
            let (table_part, rest) = para.split_at(para.find("- ").unwrap_or(0));
            if !table_part.trim().is_empty() {
                page.push_str(&t.html());
            }
            page.push_str("<ul>\n");
            for item in rest.split("\n- ").map(|x| x.trim_start_matches("- ").trim()) {
                if !item.is_empty() {
                    let _ = writeln!(page, "<li>{}</li>", esc(item));
                }
            }
            page.push_str("</ul>\n");
        }
    }
    (s, page, t)
}

/// Runs Go's `-seq` with the same keys and compares B after every insert.
fn compare_with_go(g: &go::LabGrow, args: &Args, nar: &Narration, csv_path: &Path) -> Result<(String, String)> {
    let pb = super::report::progress::bar(args.keys, 1_000_000, "Go 1.19");
    pb.set_position(0);
    let go_keys = match args.key_kind {
        KeyKind::U64 => "int",
        KeyKind::String => "string",
    };
    let out = g.run(&["-seq".into(), args.keys.to_string(), "-keys".into(), go_keys.into()])?;
    pb.finish_and_clear();
    let mut go_b = Vec::with_capacity(args.keys as usize);
    let mut go_starts: Vec<(u64, u8, u8, bool)> = Vec::new();
    let mut go_ends: Vec<u64> = Vec::new();
    let (mut prev_b, mut prev_growing) = (0u8, false);
    for line in out.lines() {
        let n: Vec<u64> = line.split_whitespace().map(|t| t.parse::<u64>()).collect::<Result<_, _>>()?;
        ensure!(n.len() == 6, "unexpected lab-grow -seq line: {line}");
        let (i, b, growing, same) = (n[0], n[1] as u8, n[3] != 0, n[4] != 0);
        if b != prev_b || (growing && !prev_growing) {
            go_starts.push((i, prev_b, b, same));
        }
        if (prev_growing || b != prev_b) && !growing {
            go_ends.push(i);
        }
        go_b.push(b);
        prev_b = b;
        prev_growing = growing;
    }
    ensure!(go_b.len() as u64 == args.keys, "lab-grow printed {} inserts, expected {}", go_b.len(), args.keys);
    let ours = &nar.b_after;
    let mismatch = ours.iter().zip(&go_b).position(|(a, b)| a != b);
    // The CSV: every insert where either B changes, plus a sample.
    let step = (args.keys / 5000).max(1) as usize;
    let mut w = csv::Writer::from_path(csv_path)?;
    w.write_record(["insert", "tophash_b", "go_b"])?;
    for i in 0..ours.len() {
        let changed = i == 0 || ours[i] != ours[i - 1] || go_b[i] != go_b[i - 1];
        if changed || i % step == 0 || i + 1 == ours.len() {
            w.write_record([(i + 1).to_string(), ours[i].to_string(), go_b[i].to_string()])?;
        }
    }
    w.flush()?;
    let mut t = Table::new(&[
        "growth",
        "B",
        "tophash: starts at insert #",
        "Go 1.19: starts at insert #",
        "tophash: ends at insert #",
        "Go 1.19: ends at insert #",
    ]);
    for (k, gr) in nar.growths.iter().enumerate() {
        let gs = go_starts.get(k);
        t.row(vec![
            (k + 1).to_string(),
            match gr.kind {
                tophash::ResizeKind::SameSize => format!("{} -> {} (tophash: same-size)", gr.old_b, gr.new_b),
                _ => format!("{} -> {}", gr.old_b, gr.new_b),
            },
            thousands(gr.start_insert),
            gs.map_or("-".into(), |s| thousands(s.0)),
            gr.end_insert.map_or("(not yet)".into(), thousands),
            go_ends.get(k).map_or("(not yet)".into(), |&e| thousands(e)),
        ]);
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Bucket count after every insert, tophash vs {} (same {} keys):",
        g.go.describe(),
        args.key_kind.name()
    );
    match mismatch {
        None => {
            let _ = writeln!(
                s,
                "B after each of the {} inserts: identical ({} growths in Go 1.19, {} in tophash, {} of them doublings).",
                thousands(args.keys),
                go_starts.len(),
                nar.growths.len(),
                nar.growths.iter().filter(|g| g.kind == tophash::ResizeKind::Double).count()
            );
        }
        Some(i) => {
            let _ = writeln!(
                s,
                "B differs first after insert #{}: tophash B = {}, Go B = {}.",
                thousands(i as u64 + 1),
                ours[i],
                go_b[i]
            );
        }
    }
    s.push_str(&t.text());
    for g in nar.growths.iter().filter(|g| g.kind == tophash::ResizeKind::SameSize) {
        let _ = writeln!(
            s,
            "tophash started a same-size growth at insert #{} ({} overflow buckets >= 2^B = {}, B = {}) with no \
             deletes; Go 1.19's trigger is the same rule, read through its approximate counter.",
            thousands(g.start_insert),
            g.overflow_at_start,
            1u64 << g.old_b,
            g.old_b
        );
    }
    let _ = writeln!(
        s,
        "Starts are fixed by the count (Go's overLoadFactor); ends may differ, since each write evacuates the two old \
         buckets at the mark in tophash and the key's old bucket plus the one at the mark in Go 1.19."
    );
    let mut page = html::p(s.lines().nth(1).unwrap_or(""));
    page.push_str(&t.html());
    for line in s.lines().filter(|l| l.starts_with("tophash started") || l.starts_with("Starts are")) {
        page.push_str(&html::p(line));
    }
    Ok((s, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trigger_insert_starts_nothing() {
        let runs = claim_tophash(1386, 3);
        for r in &runs {
            assert_eq!((r.b_before, r.b_after, r.started), (8, 8, 0));
            assert_eq!(r.next_growth, 1665);
            assert_eq!(r.max_started_per_insert, 1);
        }
    }
}
