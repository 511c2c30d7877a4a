//! `tour`: a short guided demonstration in the terminal (the default
//! command): a small map's buckets, a growth step by step, a mid-size
//! growth summary, the map's stats and shape, and where the files went.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use tophash::stats::Event;
use tophash::HashMap;

use super::grow::narrate;
use super::report::html::{self, thousands};
use super::report::limits;
use super::Outcome;

/// Options of `tophash-lab tour`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// Keys for the mid-size part of the tour.
    #[arg(long, short = 'n', value_name = "COUNT", default_value_t = 100_000, value_parser = tophash_bench::size::parser(100, 100_000_000))]
    pub keys: u64,
}

fn rule(s: &mut String, title: &str) {
    let _ = writeln!(s, "\n== {title} {}\n", "=".repeat(70usize.saturating_sub(title.len() + 4)));
}

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    limits::ensure_fits(&format!("--keys {}", args.keys), args.keys, 256)?;
    let mut s = String::new();
    let mut drawings = String::new();
    let _ = writeln!(
        s,
        "tophash is Go 1.19's classic map in Rust: 2^B buckets of 8 slots, one tophash byte per slot, overflow \
         chains, at most 6.5 entries per bucket, and growth that moves old buckets a few at a time."
    );

    // 1. A small map.
    rule(&mut s, "1. Eight keys in one bucket");
    let log: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = log.clone();
    let mut m: HashMap<String, u64> = HashMap::new();
    m.set_observer(Some(Box::new(move |e: &Event| sink.lock().unwrap_or_else(|p| p.into_inner()).push(*e))));
    for i in 0..8 {
        m.insert(format!("k{i}"), i);
    }
    let d = m.debug_internals().to_string();
    let _ = writeln!(
        s,
        "Keys \"k0\"..\"k7\": each slot shows its key's tophash (the hash's top byte); \"..\" is an empty slot.\n\n{d}"
    );
    drawings.push_str(&d);
    m.insert("k8".into(), 8);
    let d = m.debug_internals().to_string();
    let _ = writeln!(
        s,
        "\"k8\" is a 9th key for 8 slots: the insert doubles the table to 2 buckets and, with only one old bucket, \
         finishes moving it at once:\n\n{d}"
    );
    drawings.push_str(&d);

    // 2. A growth step by step: from 4 to 8 buckets.
    rule(&mut s, "2. A growth, step by step");
    log.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let mut i = 9u64;
    let mut steps = 0;
    let mut most = 0;
    loop {
        let before = m.stats();
        m.insert(format!("k{i}"), i);
        i += 1;
        let events = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
        if steps > 0 || m.is_resizing() {
            most = most.max(events.iter().filter(|e| matches!(e, Event::Evacuated { .. })).count());
        }
        let started = events.iter().find_map(|e| match *e {
            Event::ResizeStart { old_b, new_b, len, .. } => Some((old_b, new_b, len)),
            _ => None,
        });
        if let Some((old_b, new_b, len)) = started {
            if old_b < 2 {
                continue;
            }
            let _ = writeln!(
                s,
                "Insert #{i} (\"k{}\"): {} entries are in {} buckets and {} > 6.5 x {} = {}, so the insert starts a \
                 doubling to {} buckets. It moves only the two old buckets at the evacuation mark (Go 1.19 \
                 moves the key's old bucket and one at the mark); moved old buckets are marked evacuated (their entries went to the same index or \
                 to index + {}), the rest wait for later writes:\n",
                i - 1,
                len,
                before.buckets,
                len + 1,
                before.buckets,
                super::load_limit(old_b),
                1usize << new_b,
                1usize << old_b
            );
        }
        if m.is_resizing() || started.is_some() || steps > 0 {
            let d = m.debug_internals().to_string();
            if steps > 0 {
                let _ = writeln!(s, "Insert #{i} moves up to two more old buckets:\n");
            }
            let _ = writeln!(s, "{d}");
            drawings.push_str(&d);
            steps += 1;
        }
        if steps > 0 && !m.is_resizing() {
            let _ = writeln!(
                s,
                "The growth ended at insert #{i}: {steps} inserts, none of them moved more than {most} old buckets."
            );
            break;
        }
        if i > 1000 {
            break;
        }
    }

    // 3. A mid-size run.
    rule(&mut s, &format!("3. {} inserts", thousands(args.keys)));
    let nar = narrate::run(args.keys, |i| i, 0);
    let t = nar.growth_table();
    let last = t.rows.len().saturating_sub(5);
    let mut short = t.clone();
    short.rows = t.rows[last..].to_vec();
    let by_load = nar.growths.iter().filter(|g| g.reason == tophash::stats::Reason::LoadFactor).count();
    let _ = writeln!(
        s,
        "{} growths, {} of them started by the load factor. The last {}:\n\n{}",
        nar.growths.len(),
        by_load,
        short.rows.len(),
        short.text()
    );
    if let Some(g) = nar.growths.iter().max_by_key(|g| g.old_b) {
        let most = g.ops.iter().map(|o| o.buckets.len()).max().unwrap_or(0);
        let _ = writeln!(
            s,
            "The biggest moved {} old buckets over {} inserts, at most {most} per insert: no insert rehashed the \
             whole table.",
            thousands(1u64 << g.old_b),
            g.end_insert.map_or("the remaining".into(), |e| thousands(e - g.start_insert + 1))
        );
    }

    // 4. Stats and shape.
    rule(&mut s, "4. What the map reports about itself");
    let st = &nar.last;
    let sh = &nar.shape;
    let _ = writeln!(
        s,
        "stats() (O(1)): len {}, B {} ({} buckets), load {:.2} of {}, {} overflow buckets, capacity {}, {} bytes held, \
         resizing: {}.",
        thousands(st.len as u64),
        st.b,
        thousands(st.buckets as u64),
        st.load,
        st.max_load,
        thousands(st.overflow_buckets as u64),
        thousands(st.capacity as u64),
        thousands(st.allocated_bytes as u64),
        match st.resize {
            Some(r) => format!("{:?} {}/{} old buckets evacuated", r.kind, r.evacuated, r.total),
            None => "no".into(),
        }
    );
    let _ = writeln!(
        s,
        "shape() (walks every bucket): {:.1}% of chains have an overflow bucket; {:.1} bytes per entry ({:.1} beyond \
         the keys and values); a hit checks {:.2} entries (Go's hitprobe) but compares {:.4} keys thanks to the \
         tophash bytes; a miss checks {:.2} entries (missprobe).",
        sh.overflow_pct, sh.bytes_per_entry, sh.overhead_per_entry, sh.hit_probe, sh.hit_key_compares, sh.miss_probe
    );
    let hist: Vec<String> =
        sh.slots_used.iter().enumerate().filter(|(_, c)| **c > 0).map(|(k, c)| format!("{k}:{c}")).collect();
    let _ = writeln!(s, "Buckets by slots used (slots:buckets): {}.", hist.join(" "));

    // 5. Files.
    rule(&mut s, "5. Files, and what to run next");
    let bt = dir.join("buckets.txt");
    std::fs::write(&bt, &drawings)?;
    let gc = dir.join("growths.csv");
    t.write_csv(&gc)?;
    let ic = dir.join("inserts.csv");
    nar.write_inserts_csv(&ic)?;
    let files = vec![bt, gc, ic];
    let _ = writeln!(s, "This tour wrote buckets.txt (the bucket drawings), growths.csv and inserts.csv.");
    let _ = writeln!(
        s,
        "Each experiment writes its CSV/JSON data and SVG pictures to lab-out/<name> (or --out DIR):\n  \
         grow       every growth narrated; whether a single insert can trigger two rehashes, on tophash and Go 1.19\n  \
         probes     keys compared per lookup with and without the tophash filter, beside Go's table\n  \
         layout     bucket layout, padding and cache lines, Go's and ours\n  \
         trace      a workload's resizes as Chrome trace JSON\n  \
         hashdist   bucket distribution of several hash functions\n  \
         latency    per-insert latency against other maps\n  \
         flame      a CPU flame graph of an insert-heavy workload\n  \
         concurrent threads sharing a growth's evacuation: CAS claims and conflicts (tophash::sync)\n  \
         report     all of them in one HTML page: tophash-lab report --out lab-out/report"
    );
    let _ = writeln!(s, "\n{}", crate::claims::footer());
    let page = html::pre(&s);
    Ok(Outcome { text: s, html: page, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_with_where_the_claims_are() {
        let tmp = tempfile::tempdir().unwrap();
        let out = run(&Args { keys: 1000 }, tmp.path()).unwrap();
        assert!(out.text.ends_with(&format!("{}\n", crate::claims::footer())), "{}", out.text);
        assert!(out.files.iter().all(|f| f.is_file()));
    }
}
