//! Inserting keys one at a time into a `tophash::HashMap` with an observer,
//! and telling what each growth did.

use std::fmt::{Debug, Write as _};
use std::hash::Hash;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use tophash::stats::{Event, Reason, Stats};
use tophash::{HashMap, ResizeKind};

use crate::experiments::report::html::thousands;
use crate::experiments::report::table::Table;

/// Evacuation steps kept per growth (the rest are only counted).
const OPS_KEPT: usize = 1 << 16;

/// One write's evacuation work during a growth.
#[derive(Debug, Clone)]
pub struct Op {
    pub insert: u64,
    /// (old bucket, entries moved).
    pub buckets: Vec<(usize, usize)>,
    /// Old buckets evacuated after this write, of `total`.
    pub evacuated: usize,
    pub total: usize,
}

/// One resize, from its start to its end.
#[derive(Debug, Clone)]
pub struct Growth {
    pub kind: ResizeKind,
    pub reason: Reason,
    pub old_b: u8,
    pub new_b: u8,
    pub len_at_start: usize,
    pub overflow_at_start: usize,
    pub start_insert: u64,
    pub start_key: String,
    pub end_insert: Option<u64>,
    pub ops: Vec<Op>,
    pub last_op: Option<Op>,
    pub op_count: usize,
}

/// Everything a narrated run saw.
#[derive(Debug)]
pub struct Narration {
    pub n: u64,
    pub growths: Vec<Growth>,
    /// B after each insert.
    pub b_after: Vec<u8>,
    /// Sampled rows of inserts.csv.
    rows: Vec<[String; 9]>,
    /// (title, drawing).
    pub drawings: Vec<(String, String)>,
    pub last: Stats,
    pub shape: tophash::stats::Shape,
}

fn kind_name(k: ResizeKind) -> &'static str {
    match k {
        ResizeKind::Double => "doubling",
        ResizeKind::SameSize => "same-size",
        ResizeKind::Reserve => "reserve",
        ResizeKind::Shrink => "shrink",
    }
}

/// Why a resize started, with the numbers.
fn why(g: &Growth) -> String {
    match g.reason {
        Reason::LoadFactor if g.old_b == 0 => {
            format!("count+1 = {} > 8 (one bucket holds 8)", g.len_at_start + 1)
        }
        Reason::LoadFactor => format!(
            "count+1 = {} > 6.5 x 2^{} = {}",
            thousands(g.len_at_start as u64 + 1),
            g.old_b,
            thousands(crate::experiments::load_limit(g.old_b))
        ),
        Reason::TooManyOverflow => {
            format!("{} overflow buckets >= 2^B = {}", g.overflow_at_start, 1u64 << g.old_b)
        }
        r => format!("{r:?}"),
    }
}

/// Inserts `key(0)..key(n-1)`; draws the buckets around growths while the
/// map has at most `draw` buckets.
pub fn run<K: Hash + Eq + Debug>(n: u64, key: impl Fn(u64) -> K, draw: usize) -> Narration {
    let log: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = log.clone();
    let mut m: HashMap<K, u64> = HashMap::new();
    m.set_observer(Some(Box::new(move |e: &Event| sink.lock().unwrap_or_else(|p| p.into_inner()).push(*e))));
    let mut growths: Vec<Growth> = Vec::new();
    let mut b_after = Vec::with_capacity(n as usize);
    let mut rows = Vec::new();
    let mut drawings = Vec::new();
    let step = (n / 20_000).max(1);
    let pb = crate::experiments::report::progress::bar(n, 2_000_000, "inserting");
    let mut prev = m.stats();
    let mut prev_drawing = String::new();
    for i in 0..n {
        let k = key(i);
        let key_text = format!("{k:?}");
        let small = prev.buckets <= draw && draw > 0;
        if small {
            prev_drawing = m.debug_internals().to_string();
        }
        m.insert(k, i);
        let insert = i + 1;
        let events = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
        let mut op: Option<Op> = None;
        let (mut started, mut ended) = (false, false);
        let mut event_names = Vec::new();
        for e in &events {
            match *e {
                Event::ResizeStart { kind, reason, old_b, new_b, len } => {
                    started = true;
                    event_names.push("start");
                    growths.push(Growth {
                        kind,
                        reason,
                        old_b,
                        new_b,
                        len_at_start: len,
                        overflow_at_start: prev.overflow_buckets,
                        start_insert: insert,
                        start_key: key_text.clone(),
                        end_insert: None,
                        ops: Vec::new(),
                        last_op: None,
                        op_count: 0,
                    });
                }
                Event::Evacuated { old_bucket, entries, evacuated, total } => {
                    let o = op.get_or_insert(Op { insert, buckets: Vec::new(), evacuated, total });
                    o.buckets.push((old_bucket, entries));
                    o.evacuated = evacuated;
                }
                Event::ResizeEnd { .. } => {
                    ended = true;
                    event_names.push("end");
                    if let Some(g) = growths.last_mut() {
                        g.end_insert = Some(insert);
                    }
                }
                Event::OverflowAlloc { .. } => event_names.push("overflow"),
            }
        }
        let moved = op.as_ref().map_or(0, |o| o.buckets.len());
        if let (Some(o), Some(g)) = (op, growths.last_mut()) {
            g.op_count += 1;
            if g.ops.len() < OPS_KEPT {
                g.ops.push(o.clone());
            }
            g.last_op = Some(o);
        }
        let s = m.stats();
        b_after.push(s.b);
        if insert % step == 0 || started || ended || insert == n || (s.resize.is_some() && s.buckets <= 4096) {
            let left = s.resize.map_or(0, |r| r.total - r.evacuated);
            rows.push([
                insert.to_string(),
                s.len.to_string(),
                s.b.to_string(),
                s.buckets.to_string(),
                s.overflow_buckets.to_string(),
                format!("{:.4}", s.load),
                left.to_string(),
                moved.to_string(),
                event_names.join(" "),
            ]);
        }
        if small && (started || ended) {
            let g = growths.last().expect("a growth started or ended");
            let big = (1usize << g.old_b).max(1 << g.new_b);
            if big <= draw {
                if started {
                    drawings.push((format!("just before insert #{insert}"), prev_drawing.clone()));
                }
                let what = match (started, ended) {
                    (true, true) => "the growth started and ended",
                    (true, false) => "the growth started",
                    _ => "the growth ended",
                };
                drawings.push((format!("after insert #{insert} {key_text}: {what}"), m.debug_internals().to_string()));
            }
        }
        prev = s;
        pb.inc(1);
    }
    pb.finish_and_clear();
    let shape = m.shape();
    Narration { n, growths, b_after, rows, drawings, last: prev, shape }
}

impl Narration {
    /// Every growth: why it started, what each insert moved, when it ended.
    pub fn story(&self, verbose: bool) -> String {
        let mut s = String::new();
        for (k, g) in self.growths.iter().enumerate() {
            let old_n = 1u64 << g.old_b;
            let _ = writeln!(
                s,
                "Growth {} at insert #{} (key {}): {} -> {}, B {} -> {} ({} -> {} buckets); {} entries to move out of {} old bucket{}",
                k + 1,
                thousands(g.start_insert),
                g.start_key,
                why(g),
                kind_name(g.kind),
                g.old_b,
                g.new_b,
                thousands(old_n),
                thousands(1u64 << g.new_b),
                thousands(g.len_at_start as u64),
                thousands(old_n),
                if old_n == 1 { "" } else { "s" }
            );
            let show = if verbose { usize::MAX } else { 3 };
            for o in g.ops.iter().take(show) {
                s.push_str(&op_line(o));
            }
            if g.op_count > show {
                if g.op_count > show + 1 {
                    let _ = writeln!(s, "  ... {} more inserts ...", thousands((g.op_count - show - 1) as u64));
                }
                if let Some(o) = &g.last_op {
                    s.push_str(&op_line(o));
                }
            }
            match g.end_insert {
                Some(e) => {
                    let _ = writeln!(
                        s,
                        "  ended at insert #{}: {} insert{} evacuated the {} old bucket{}",
                        thousands(e),
                        thousands(e - g.start_insert + 1),
                        if e == g.start_insert { "" } else { "s" },
                        thousands(old_n),
                        if old_n == 1 { "" } else { "s" }
                    );
                }
                None => {
                    let left = self.last.resize.map_or(0, |r| r.total - r.evacuated);
                    let _ = writeln!(
                        s,
                        "  still under way after the last insert: {} old buckets left",
                        thousands(left as u64)
                    );
                }
            }
        }
        let l = &self.last;
        let _ = writeln!(
            s,
            "After {} inserts: B = {} ({} buckets), load {:.2}, {} overflow buckets ({:.1}% of chains overflow), \
             {} growth{}.",
            thousands(self.n),
            l.b,
            thousands(l.buckets as u64),
            l.load,
            thousands(l.overflow_buckets as u64),
            self.shape.overflow_pct,
            self.growths.len(),
            if self.growths.len() == 1 { "" } else { "s" }
        );
        s
    }

    pub fn growth_table(&self) -> Table {
        let mut t = Table::new(&[
            "growth",
            "kind",
            "why",
            "starts at insert #",
            "B",
            "old buckets",
            "ends at insert #",
            "inserts it took",
            "most buckets moved by one insert",
        ]);
        for (k, g) in self.growths.iter().enumerate() {
            let most = g.ops.iter().map(|o| o.buckets.len()).max().unwrap_or(0);
            t.row(vec![
                (k + 1).to_string(),
                kind_name(g.kind).to_owned(),
                why(g),
                thousands(g.start_insert),
                format!("{} -> {}", g.old_b, g.new_b),
                thousands(1u64 << g.old_b),
                g.end_insert.map_or("(not yet)".into(), thousands),
                g.end_insert.map_or("-".into(), |e| thousands(e - g.start_insert + 1)),
                most.to_string(),
            ]);
        }
        t
    }

    pub fn write_inserts_csv(&self, path: &Path) -> Result<()> {
        let mut w = csv::Writer::from_path(path)?;
        w.write_record([
            "insert",
            "len",
            "b",
            "buckets",
            "overflow_buckets",
            "load",
            "old_left",
            "buckets_evacuated",
            "events",
        ])?;
        for r in &self.rows {
            w.write_record(r)?;
        }
        w.flush()?;
        Ok(())
    }

    pub fn write_evacuations_csv(&self, path: &Path) -> Result<()> {
        let mut w = csv::Writer::from_path(path)?;
        w.write_record(["growth", "insert", "old_bucket", "entries", "evacuated", "total"])?;
        for (k, g) in self.growths.iter().enumerate() {
            for o in &g.ops {
                for &(b, e) in &o.buckets {
                    w.write_record([
                        (k + 1).to_string(),
                        o.insert.to_string(),
                        b.to_string(),
                        e.to_string(),
                        o.evacuated.to_string(),
                        o.total.to_string(),
                    ])?;
                }
            }
        }
        w.flush()?;
        Ok(())
    }

    pub fn drawings_text(&self) -> String {
        let mut s = String::new();
        for (title, d) in &self.drawings {
            let _ = writeln!(s, "-- {title}\n{d}");
        }
        s
    }
}

fn op_line(o: &Op) -> String {
    let parts: Vec<String> = o.buckets.iter().map(|(b, e)| format!("old bucket {b} ({e} entries)")).collect();
    format!(
        "  insert #{}: evacuated {} -> {}/{} evacuated\n",
        thousands(o.insert),
        parts.join(", "),
        o.evacuated,
        o.total
    )
}

/// A same-size growth made by churn: a map of `2^b` buckets filled to 6
/// per bucket, then "remove the oldest key, insert a new one" until a
/// same-size growth starts and ends. Returns the story and the per-op data.
pub fn churn_demo(b: u8, draw: usize) -> (String, Table) {
    let log: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = log.clone();
    let buckets = 1usize << b;
    let mut m: HashMap<u64, u64> = HashMap::with_capacity(crate::experiments::load_limit(b) as usize);
    let fill = 6 * buckets as u64;
    for i in 0..fill {
        m.insert(i, i);
    }
    m.set_observer(Some(Box::new(move |e: &Event| sink.lock().unwrap_or_else(|p| p.into_inner()).push(*e))));
    let start = m.stats();
    let mut t = Table::new(&["op", "len", "overflow_buckets", "resizing", "events"]);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} keys in {} buckets (B = {}, load {:.2}); then repeat: remove the oldest key, insert a new one.",
        fill, buckets, start.b, start.load
    );
    let _ = writeln!(
        s,
        "The count stays at {fill}, so no doubling; but a key removed from one chain frees a slot there, while the new \
         key may land in a full chain and need an overflow bucket. Overflow buckets pile up until there are 2^B = {}.",
        1u64 << b.min(15)
    );
    let mut before_drawing = String::new();
    let (mut started_at, mut ended_at) = (None, None);
    let mut ovf_before = 0;
    let mut drawings = String::new();
    for op in 1..=100_000u64 {
        if started_at.is_none() && buckets <= draw {
            before_drawing = m.debug_internals().to_string();
        }
        let before = m.stats();
        m.remove(&(op - 1));
        m.insert(fill + op - 1, op);
        let events = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
        let mut names = Vec::new();
        for e in &events {
            match e {
                Event::ResizeStart { kind, old_b, new_b, .. } => {
                    names.push("start");
                    started_at = Some(op);
                    ovf_before = before.overflow_buckets;
                    let _ = writeln!(
                        s,
                        "Op #{op}: the insert found {} overflow buckets >= 2^{} = {} -> {} growth, B {} -> {}.",
                        before.overflow_buckets,
                        old_b,
                        1u64 << old_b.min(&15),
                        kind_name(*kind),
                        old_b,
                        new_b
                    );
                    if buckets <= draw {
                        let _ = writeln!(drawings, "-- before op #{op}\n{before_drawing}");
                    }
                }
                Event::ResizeEnd { .. } => {
                    names.push("end");
                    ended_at = Some(op);
                }
                Event::OverflowAlloc { .. } => names.push("overflow"),
                Event::Evacuated { .. } => {}
            }
        }
        let st = m.stats();
        t.row(vec![
            op.to_string(),
            st.len.to_string(),
            st.overflow_buckets.to_string(),
            u8::from(st.resize.is_some()).to_string(),
            names.join(" "),
        ]);
        if ended_at.is_some() {
            let sh = m.shape();
            let _ = writeln!(
                s,
                "Op #{op}: the same-size growth ended ({} ops); overflow buckets {} -> {}, longest chain now {} bucket{}.",
                op - started_at.unwrap_or(op) + 1,
                ovf_before,
                st.overflow_buckets,
                sh.chain_lengths.len() - 1,
                if sh.chain_lengths.len() == 2 { "" } else { "s" }
            );
            if buckets <= draw {
                let _ = writeln!(drawings, "-- after op #{op}\n{}", m.debug_internals());
            }
            break;
        }
    }
    if started_at.is_none() {
        let _ = writeln!(s, "No same-size growth in 100,000 ops (the hash spread the keys too evenly).");
    }
    s.push_str(&drawings);
    (s, t)
}
