//! `trace`: a workload's growth events as Chrome Trace Event JSON (opens in
//! Perfetto or chrome://tracing), and each growth's start and end times
//! read back from the recording (the claim "A single insert can trigger two
//! rehashes", `docs/claims.md`, says to take the two rehash timestamps from
//! a trace).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use tophash::stats::{Event, Reason};
use tophash::trace::TraceRecorder;
use tophash::{HashMap, ResizeKind};

use super::report::html::{self, thousands};
use super::report::limits;
use super::report::plot::{self, Chart, Line};
use super::report::table::Table;
use super::{KeyKind, Outcome};

/// Options of `tophash-lab trace`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// Keys to insert into an empty map.
    #[arg(long, short = 'n', value_name = "COUNT", default_value_t = 100_000, value_parser = tophash_bench::size::parser(1, 1_000_000_000))]
    pub keys: u64,
    /// Keys: "k0", "k1", ... (string) or 0, 1, 2, ... (u64).
    #[arg(long, value_enum, default_value_t = KeyKind::U64)]
    pub key_kind: KeyKind,
}

/// One resize as read from the recording.
#[derive(Debug, Clone)]
pub struct Span {
    pub kind: ResizeKind,
    pub reason: Reason,
    pub old_b: u8,
    pub new_b: u8,
    pub start: Duration,
    pub end: Option<Duration>,
    pub start_insert: u64,
    pub end_insert: Option<u64>,
}

/// Inserts the keys with a recorder attached; returns it and the run's
/// wall time.
fn workload(args: &Args) -> (TraceRecorder, Duration) {
    let rec = TraceRecorder::new();
    let pb = super::report::progress::bar(args.keys, 2_000_000, "inserting");
    let t0 = Instant::now();
    match args.key_kind {
        KeyKind::U64 => {
            let mut m: HashMap<u64, u64> = HashMap::new();
            m.set_observer(Some(Box::new(rec.clone())));
            for i in 0..args.keys {
                m.insert(i, i);
                if i % 65536 == 0 {
                    pb.set_position(i);
                }
            }
        }
        KeyKind::String => {
            let mut m: HashMap<String, u64> = HashMap::new();
            m.set_observer(Some(Box::new(rec.clone())));
            for i in 0..args.keys {
                m.insert(format!("k{i}"), i);
                if i % 65536 == 0 {
                    pb.set_position(i);
                }
            }
        }
    }
    let wall = t0.elapsed();
    pb.finish_and_clear();
    (rec, wall)
}

/// The resizes in a recording. Events come during an insert, before its
/// key is counted, so an event with `len` entries belongs to insert
/// `len + 1`.
pub fn spans(events: &[(Duration, Event)]) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for (t, e) in events {
        match *e {
            Event::ResizeStart { kind, reason, old_b, new_b, len } => out.push(Span {
                kind,
                reason,
                old_b,
                new_b,
                start: *t,
                end: None,
                start_insert: len as u64 + 1,
                end_insert: None,
            }),
            Event::ResizeEnd { len, .. } => {
                if let Some(s) = out.last_mut() {
                    s.end = Some(*t);
                    s.end_insert = Some(len as u64 + 1);
                }
            }
            _ => {}
        }
    }
    out
}

fn us(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1000.0
}

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    limits::ensure_fits(&format!("--keys {}", args.keys), args.keys, 160)?;
    let (rec, wall) = workload(args);
    let events = rec.events();
    let trace_path = dir.join("trace.json");
    let f = std::fs::File::create(&trace_path).with_context(|| format!("cannot write {}", trace_path.display()))?;
    rec.write_chrome_json(std::io::BufWriter::new(f))?;
    // Read the file back: what a trace viewer sees.
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace_path)?)?;
    let te = doc["traceEvents"].as_array().context("trace.json has no traceEvents array")?;
    let begins: Vec<f64> = te.iter().filter(|e| e["ph"] == "B").filter_map(|e| e["ts"].as_f64()).collect();
    let ends: Vec<f64> = te.iter().filter(|e| e["ph"] == "E").filter_map(|e| e["ts"].as_f64()).collect();
    let sp = spans(&events);
    ensure!(begins.len() == sp.len(), "trace.json has {} resize begins, the recorder {}", begins.len(), sp.len());

    let mut t = Table::new(&[
        "resize",
        "kind",
        "why",
        "B",
        "begins (us)",
        "ends (us)",
        "duration (us)",
        "starts at insert #",
        "ends at insert #",
        "inserts spanned",
    ]);
    let mut csv_t = Table::new(&[
        "resize",
        "kind",
        "reason",
        "old_b",
        "new_b",
        "begin_us",
        "end_us",
        "duration_us",
        "start_insert",
        "end_insert",
    ]);
    for (k, s) in sp.iter().enumerate() {
        let dur = s.end.map(|e| e - s.start);
        t.row(vec![
            (k + 1).to_string(),
            format!("{:?}", s.kind),
            format!("{:?}", s.reason),
            format!("{} -> {}", s.old_b, s.new_b),
            format!("{:.1}", us(s.start)),
            s.end.map_or("(open)".into(), |e| format!("{:.1}", us(e))),
            dur.map_or("-".into(), |d| format!("{:.1}", us(d))),
            thousands(s.start_insert),
            s.end_insert.map_or("-".into(), thousands),
            s.end_insert.map_or("-".into(), |e| thousands(e - s.start_insert + 1)),
        ]);
        csv_t.row(vec![
            (k + 1).to_string(),
            format!("{:?}", s.kind),
            format!("{:?}", s.reason),
            s.old_b.to_string(),
            s.new_b.to_string(),
            format!("{:.3}", us(s.start)),
            s.end.map_or(String::new(), |e| format!("{:.3}", us(e))),
            dur.map_or(String::new(), |d| format!("{:.3}", us(d))),
            s.start_insert.to_string(),
            s.end_insert.map_or(String::new(), |e| e.to_string()),
        ]);
    }
    let growths_csv = dir.join("resizes.csv");
    csv_t.write_csv(&growths_csv)?;

    // Evacuation progress over time, from the counter events.
    let evac_csv = dir.join("evacuation.csv");
    let mut w = csv::Writer::from_path(&evac_csv)?;
    w.write_record(["t_ms", "old_buckets_left", "b"])?;
    let mut b = 0u8;
    let step = (events.len() / 20_000).max(1);
    for (i, (tt, e)) in events.iter().enumerate() {
        match *e {
            Event::ResizeStart { new_b, old_b, .. } => {
                b = new_b;
                w.write_record([format!("{:.4}", us(*tt) / 1000.0), (1u64 << old_b).to_string(), b.to_string()])?;
            }
            Event::Evacuated { evacuated, total, .. } if i % step == 0 || evacuated == total => {
                w.write_record([format!("{:.4}", us(*tt) / 1000.0), (total - evacuated).to_string(), b.to_string()])?;
            }
            _ => {}
        }
    }
    w.flush()?;
    let svg = dir.join("evacuation.svg");
    plot::draw(
        &evac_csv,
        &Chart {
            title: format!("Old buckets left to evacuate over time, {} inserts", thousands(args.keys)),
            x: "t_ms".into(),
            x_desc: "time since the first insert (ms)".into(),
            y_desc: "old buckets left".into(),
            lines: vec![Line::new("old_buckets_left", "old buckets left")],
            hlines: vec![],
            y_from_zero: true,
        },
        &svg,
    )?;

    let starts: std::collections::BTreeSet<u64> = sp.iter().map(|s| s.start_insert).collect();
    let under: Duration = sp.iter().filter_map(|s| s.end.map(|e| e - s.start)).sum();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} keys inserted into an empty map with a TraceRecorder observer ({} build), {:.1} ms in all.",
        thousands(args.keys),
        args.key_kind.name(),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        wall.as_secs_f64() * 1000.0
    );
    let _ = writeln!(
        s,
        "trace.json: {} events ({} resize begin/end pairs, {} evacuation counters, {} overflow instants); open it in \
         Perfetto (ui.perfetto.dev) or chrome://tracing.",
        thousands(te.len() as u64),
        begins.len().min(ends.len()),
        thousands(te.iter().filter(|e| e["ph"] == "C").count() as u64),
        thousands(te.iter().filter(|e| e["ph"] == "i").count() as u64)
    );
    s.push('\n');
    s.push_str(&t.text());
    s.push('\n');
    let _ = writeln!(
        s,
        "Each resize is one begin/end pair; {} resizes began at {} different inserts, so no insert began two. \
         Resizes were under way for {:.1} ms of the {:.1} ms, spread over the inserts that evacuated their buckets.",
        sp.len(),
        starts.len(),
        under.as_secs_f64() * 1000.0,
        wall.as_secs_f64() * 1000.0
    );
    let mut page = html::p(s.lines().next().unwrap_or(""));
    page.push_str(&html::p(s.lines().nth(1).unwrap_or("")));
    page.push_str(&t.html());
    page.push_str(&html::p(s.lines().last().unwrap_or("")));
    page.push_str(&html::figure(
        &svg,
        "Evacuation progress over time: each resize's old buckets drain over later inserts.",
    )?);
    Ok(Outcome { text: s, html: page, files: vec![trace_path, growths_csv, evac_csv, svg] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_have_go_start_points() {
        let (rec, _) = workload(&Args { keys: 2000, key_kind: KeyKind::U64 });
        let sp = spans(&rec.events());
        let starts: Vec<u64> = sp.iter().map(|s| s.start_insert).collect();
        assert_eq!(starts, [9, 14, 27, 53, 105, 209, 417, 833, 1665]);
        assert!(sp.iter().all(|s| s.end.is_some_and(|e| e >= s.start)));
    }
}
