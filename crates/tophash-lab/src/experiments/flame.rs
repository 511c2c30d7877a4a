//! `flame`: a CPU flame graph of an insert-heavy workload, the pprof flame
//! graph of growing inserts that comes with the claim "A single insert can
//! trigger two rehashes" (`docs/claims.md`), done on tophash: insert
//! `--keys` keys into an empty `tophash::HashMap`, which grows (and
//! evacuates) on the way, over and over until the sampling profiler has
//! `--min-samples` samples.
//!
//! The profiler is the `pprof` crate: `setitimer(ITIMER_PROF)` sends SIGPROF
//! at `--frequency` Hz of CPU time and the handler records the interrupted
//! thread's stack. The workload runs on a thread of its own with a known
//! name, and only that thread's samples are kept, so the main thread (which
//! only waits and counts) and anything else in the process stay out.
//!
//! Written: `folded.txt` (one line per distinct stack, root first, then its
//! sample count: the "folded stacks" format; the thread start-up frames
//! between the root and the workload function, the same on every stack,
//! are left out), `frames.csv` (per function:
//! samples where it is the leaf, samples where it is anywhere on the stack),
//! and `flame.svg`/`flame-static.svg` drawn by `inferno` from `folded.txt`
//! (the first with inferno's search and zoom script, the second without,
//! for the HTML report).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

use super::report::html::{self, thousands};
use super::report::limits;
use super::report::table::Table;
use super::{KeyKind, Outcome};

/// Options of `tophash-lab flame`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// Keys inserted into each fresh map (the map grows from empty to this).
    #[arg(long, short = 'n', value_name = "COUNT", default_value_t = DEFAULT_KEYS, value_parser = tophash_bench::size::parser(1, 100_000_000))]
    pub keys: u64,
    /// Keys: "k0", "k1", ... as `&str` (string, the articles' `fmt.Sprintf("k%d", i)`) or
    /// splitmix64(i) (u64); built before profiling.
    #[arg(long, value_enum, default_value_t = KeyKind::String)]
    pub key_kind: KeyKind,
    /// Repeat the workload until the workload thread has this many samples.
    #[arg(long, default_value_t = DEFAULT_MIN_SAMPLES, value_parser = clap::value_parser!(u64).range(10..=10_000_000))]
    pub min_samples: u64,
    /// Sampling frequency, Hz of CPU time.
    #[arg(long, default_value_t = DEFAULT_FREQUENCY, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub frequency: u32,
    /// Give up (with an error if nothing was sampled) after this many seconds.
    #[arg(long, default_value_t = DEFAULT_MAX_SECONDS, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub max_seconds: u64,
}

const DEFAULT_KEYS: u64 = 100_000;
const DEFAULT_MIN_SAMPLES: u64 = 500;
/// Not a round number, so that sampling does not run in step with
/// periodic work.
const DEFAULT_FREQUENCY: u32 = 997;
const DEFAULT_MAX_SECONDS: u64 = 60;

/// The workload thread's name; samples of other threads are dropped.
const THREAD: &str = "flame-workload";

/// Bytes per key: the key (a short `String`), the map's slot and its share
/// of the bucket arrays during growth.
const BYTES_PER_KEY: u64 = 128;

/// Groups of frames whose share of the samples is reported. A group is a
/// list of alternatives, each a list of patterns; a sample counts in the
/// group when, for some alternative, every pattern is a substring of some
/// frame of its stack. Groups overlap (evacuation happens inside insert).
pub const GROUPS: [(&str, &[&[&str]]); 8] = [
    ("HashMap::insert (everything under it)", &[&["HashMap<K,V,S>::insert"]]),
    ("growth: grow_work / evacuate", &[&["::grow_work"], &["::evacuate"]]),
    ("  of which hashing keys again", &[&["::evacuate", "foldhash::"], &["::evacuate", "core::hash::"]]),
    ("growth start: start_resize (new array)", &[&["::start_resize"]]),
    ("hashing, all (foldhash, Hash impls)", &[&["foldhash::"], &["core::hash::"], &["hash_one"]]),
    ("allocation (malloc, calloc, mmap)", &[&["malloc"], &["calloc"], &["mmap"], &["__rust_alloc"]]),
    ("releasing memory (free, munmap, madvise)", &[&["free"], &["munmap"], &["madvise"]]),
    ("dropping the map at the end of a round", &[&["drop_in_place<tophash"]]),
];

/// The workload function's frame: the "top frames by total" table ranks
/// only frames below it.
const WORKLOAD_FRAME: &str = "experiments::flame::workload";

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    limits::ensure_fits("--keys", args.keys, BYTES_PER_KEY)?;
    let profile = profile(args)?;
    let mut files = Vec::new();

    let folded_path = dir.join("folded.txt");
    let mut folded = String::new();
    for (stack, count) in &profile.stacks {
        let _ = writeln!(folded, "{stack} {count}");
    }
    std::fs::write(&folded_path, &folded).with_context(|| format!("cannot write {}", folded_path.display()))?;
    files.push(folded_path.clone());

    // Everything below is computed from folded.txt as written.
    let stacks = read_folded(&folded_path)?;
    let stats = FrameStats::of(&stacks);
    let frames_csv = dir.join("frames.csv");
    write_frames_csv(&frames_csv, &stats)?;
    files.push(frames_csv);

    let svg = dir.join("flame.svg");
    let static_svg = dir.join("flame-static.svg");
    let title = format!(
        "tophash: {} {} keys into an empty map, {} rounds ({} samples)",
        thousands(args.keys),
        key_kind_name(args.key_kind),
        thousands(profile.rounds),
        thousands(stats.total)
    );
    draw_flame(&folded_path, &title, &svg, true)?;
    draw_flame(&folded_path, &title, &static_svg, false)?;
    files.extend([svg, static_svg.clone()]);

    let cpu = match profile.usage {
        Some(u) => {
            let c = (u.user + u.system).as_secs_f64();
            format!(
                "; the workload thread used {:.2} s of CPU ({:.2} s user, {:.2} s in the kernel, {} minor page faults, {} per round), so {:.0} samples per CPU second",
                c,
                u.user.as_secs_f64(),
                u.system.as_secs_f64(),
                thousands(u.minor_faults),
                thousands(u.minor_faults / profile.rounds.max(1)),
                stats.total as f64 / c.max(1e-9)
            )
        }
        None => String::new(),
    };
    let head = format!(
        "CPU profile (pprof, SIGPROF asked for {} Hz of CPU time): {} rounds of inserting {} {} keys into an empty tophash::HashMap (default hasher), {:.2} s wall{cpu}; {} samples of the workload thread kept, {} of other threads dropped.\n",
        args.frequency,
        thousands(profile.rounds),
        thousands(args.keys),
        key_kind_name(args.key_kind),
        profile.elapsed.as_secs_f64(),
        thousands(stats.total),
        thousands(profile.dropped)
    );
    let groups = group_table(&stacks, stats.total);
    let top_self = top_table(&stats, true, 12);
    let top_total = top_table(&stats, false, 12);
    let mut text = head.clone();
    let _ = write!(
        text,
        "\nShare of samples by what is on the stack (groups overlap):\n\n{}\nTop frames by self samples (the function on top of the stack; inlined functions count as frames, and a sample taken while the kernel works for the thread, e.g. on a page fault, lands on the instruction that entered it):\n\n{}\nTop frames by total samples (anywhere on the stack below the workload loop):\n\n{}",
        groups.text(),
        top_self.text(),
        top_total.text()
    );
    let mut page = html::p(&head);
    page.push_str(&html::p("Share of samples by what is on the stack (groups overlap):"));
    page.push_str(&groups.html());
    page.push_str(&html::p("Top frames by self samples:"));
    page.push_str(&top_self.html());
    page.push_str(&html::figure(
        &static_svg,
        "CPU flame graph of the insert workload (width: share of samples; root at the bottom). flame.svg is the same graph with search and zoom.",
    )?);
    Ok(Outcome { text, html: page, files })
}

fn key_kind_name(k: KeyKind) -> &'static str {
    match k {
        KeyKind::String => "string (\"k0\", \"k1\", …)",
        KeyKind::U64 => "u64 (splitmix64)",
    }
}

/// What the profiler collected.
struct Profile {
    /// Folded stack (root first, `;`-separated) → samples, workload thread
    /// only, sorted by stack.
    stacks: BTreeMap<String, u64>,
    /// Samples of other threads.
    dropped: u64,
    rounds: u64,
    elapsed: Duration,
    /// What the workload thread used while profiled, where known.
    usage: Option<ThreadUsage>,
}

/// A thread's CPU time and minor page faults, from `/proc/thread-self/stat`
/// (fields 10, 14 and 15; times in USER_HZ ticks, 100 per second on Linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadUsage {
    pub minor_faults: u64,
    pub user: Duration,
    pub system: Duration,
}

impl ThreadUsage {
    /// The calling thread's.
    pub fn now() -> Option<ThreadUsage> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        // After the name, field 3 (state) is index 0.
        let f: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let num = |field: usize| f.get(field - 3).and_then(|v| v.parse::<u64>().ok());
        Some(ThreadUsage {
            minor_faults: num(10)?,
            user: Duration::from_millis(num(14)? * 10),
            system: Duration::from_millis(num(15)? * 10),
        })
    }

    pub fn since(&self, before: &ThreadUsage) -> ThreadUsage {
        ThreadUsage {
            minor_faults: self.minor_faults.saturating_sub(before.minor_faults),
            user: self.user.saturating_sub(before.user),
            system: self.system.saturating_sub(before.system),
        }
    }
}

fn profile(args: &Args) -> Result<Profile> {
    let n = args.keys;
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let kind = args.key_kind;
    let worker = {
        let (stop, rounds) = (stop.clone(), rounds.clone());
        std::thread::Builder::new()
            .name(THREAD.into())
            .spawn(move || {
                // Keys are made before the profiler starts.
                let strings: Vec<String> =
                    if kind == KeyKind::String { (0..n).map(|i| format!("k{i}")).collect() } else { Vec::new() };
                let ints: Vec<u64> = if kind == KeyKind::U64 {
                    (0..n).map(tophash_bench::keys::splitmix64).collect()
                } else {
                    Vec::new()
                };
                let _ = ready_tx.send(());
                if go_rx.recv().is_err() {
                    return None;
                }
                let before = ThreadUsage::now();
                loop {
                    match kind {
                        KeyKind::String => workload(strings.iter().map(String::as_str)),
                        KeyKind::U64 => workload(ints.iter().copied()),
                    }
                    rounds.fetch_add(1, Ordering::Relaxed);
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
                Some(ThreadUsage::now()?.since(&before?))
            })
            .context("cannot start the workload thread")?
    };
    ready_rx.recv().map_err(|_| anyhow!("the workload thread stopped before it started"))?;

    let guard = pprof::ProfilerGuardBuilder::default()
        .frequency(args.frequency as i32)
        .build()
        .map_err(|e| anyhow!("cannot start the pprof profiler: {e}"))?;
    let start = Instant::now();
    go_tx.send(()).map_err(|_| anyhow!("the workload thread stopped before it started"))?;
    let limit = Duration::from_secs(args.max_seconds);
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let report = guard.report().build_unresolved().map_err(|e| anyhow!("pprof: {e}"))?;
        let ours: isize = report
            .data
            .iter()
            .filter(|(f, _)| &f.thread_name[..f.thread_name_length] == THREAD.as_bytes())
            .map(|(_, c)| *c)
            .sum();
        if ours as u64 >= args.min_samples || start.elapsed() >= limit {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let usage = worker.join().map_err(|_| anyhow!("the workload thread panicked"))?;
    let elapsed = start.elapsed();
    let report = guard.report().build().map_err(|e| anyhow!("pprof: {e}"))?;
    drop(guard);

    let mut stacks = BTreeMap::new();
    let mut dropped = 0u64;
    for (frames, &count) in &report.data {
        let count = count.max(0) as u64;
        if frames.thread_name != THREAD {
            dropped += count;
            continue;
        }
        // The thread's name is the root, as in pprof's own flame graphs.
        let mut names = vec![THREAD.to_owned()];
        for frame in frames.frames.iter().rev() {
            for symbol in frame.iter().rev() {
                names.push(clean(&symbol.name()));
            }
        }
        if names.len() == 1 {
            names.push("[unknown]".into());
        }
        // The thread start-up frames between the root and the workload
        // function are the same on every stack; they are left out.
        if let Some(w) = names.iter().position(|f| f.contains(WORKLOAD_FRAME)) {
            names.drain(1..w);
        }
        *stacks.entry(names.join(";")).or_insert(0) += count;
    }
    if stacks.is_empty() {
        bail!(
            "pprof recorded no samples of the workload in {:.1} s (is SIGPROF blocked or ITIMER_PROF unavailable here?)",
            elapsed.as_secs_f64()
        );
    }
    Ok(Profile { stacks, dropped, rounds: rounds.load(Ordering::Relaxed), elapsed, usage })
}

/// One round: a fresh map, every key inserted, the map dropped.
#[inline(never)]
fn workload<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) {
    let mut m: tophash::HashMap<K, u64> = tophash::HashMap::new();
    for (i, k) in keys.enumerate() {
        m.insert(k, i as u64);
    }
    black_box(&m);
}

/// A frame name fit for the folded format (no `;`; spaces are fine, the
/// count is after the last one) without its trailing hash.
fn clean(name: &str) -> String {
    let name = match name.rfind("::h") {
        Some(i) if name.len() - i == 19 && name[i + 3..].bytes().all(|b| b.is_ascii_hexdigit()) => &name[..i],
        _ => name,
    };
    name.replace(';', ":")
}

/// Reads folded stacks: `frame;frame;… count` per line.
pub fn read_folded(path: &Path) -> Result<Vec<(Vec<String>, u64)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let (stack, count) =
            line.rsplit_once(' ').with_context(|| format!("{}:{}: no sample count", path.display(), i + 1))?;
        let count: u64 = count.parse().with_context(|| format!("{}:{}: bad sample count", path.display(), i + 1))?;
        out.push((stack.split(';').map(str::to_owned).collect(), count));
    }
    Ok(out)
}

/// Per-function sample counts.
#[derive(Debug, Default)]
pub struct FrameStats {
    pub total: u64,
    /// Samples with the function on top of the stack.
    pub self_samples: HashMap<String, u64>,
    /// Samples with the function anywhere on the stack (counted once per
    /// sample).
    pub total_samples: HashMap<String, u64>,
    /// The same, for frames below the workload function only (the frames
    /// above it, thread start-up, are on every stack).
    pub below_workload: HashMap<String, u64>,
}

impl FrameStats {
    pub fn of(stacks: &[(Vec<String>, u64)]) -> FrameStats {
        let mut s = FrameStats::default();
        for (frames, count) in stacks {
            s.total += count;
            if let Some(leaf) = frames.last() {
                *s.self_samples.entry(leaf.clone()).or_insert(0) += count;
            }
            let unique: HashSet<&String> = frames.iter().collect();
            for f in unique {
                *s.total_samples.entry(f.clone()).or_insert(0) += count;
            }
            if let Some(w) = frames.iter().position(|f| f.contains(WORKLOAD_FRAME)) {
                let below: HashSet<&String> = frames[w + 1..].iter().collect();
                for f in below {
                    *s.below_workload.entry(f.clone()).or_insert(0) += count;
                }
            }
        }
        s
    }
}

fn write_frames_csv(path: &Path, s: &FrameStats) -> Result<()> {
    let mut rows: Vec<(&String, u64, u64)> =
        s.total_samples.iter().map(|(f, &t)| (f, s.self_samples.get(f).copied().unwrap_or(0), t)).collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(b.0)));
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record(["frame", "self_samples", "total_samples", "self_share", "total_share"])?;
    for (f, sf, t) in rows {
        w.write_record([
            f.clone(),
            sf.to_string(),
            t.to_string(),
            format!("{:.4}", sf as f64 / s.total.max(1) as f64),
            format!("{:.4}", t as f64 / s.total.max(1) as f64),
        ])?;
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn pct(a: u64, total: u64) -> String {
    format!("{:.1}%", 100.0 * a as f64 / total.max(1) as f64)
}

/// Samples whose stack matches the group (see [`GROUPS`]).
pub fn group_samples(stacks: &[(Vec<String>, u64)], group: &[&[&str]]) -> u64 {
    let matches = |frames: &[String]| group.iter().any(|all| all.iter().all(|p| frames.iter().any(|f| f.contains(p))));
    stacks.iter().filter(|(frames, _)| matches(frames)).map(|(_, c)| c).sum()
}

fn group_table(stacks: &[(Vec<String>, u64)], total: u64) -> Table {
    let mut t = Table::new(&["on the stack", "samples", "share"]);
    for (name, group) in GROUPS {
        let n = group_samples(stacks, group);
        t.row(vec![name.into(), thousands(n), pct(n, total)]);
    }
    t.row(vec!["all samples".into(), thousands(total), pct(total, total)]);
    t
}

fn top_table(s: &FrameStats, by_self: bool, k: usize) -> Table {
    let map = if by_self { &s.self_samples } else { &s.below_workload };
    let mut v: Vec<(&String, u64)> = map.iter().map(|(f, &c)| (f, c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut t = Table::new(&["frame", "self", "total"]);
    for (f, _) in v.into_iter().take(k) {
        let sf = s.self_samples.get(f).copied().unwrap_or(0);
        let tt = s.total_samples.get(f).copied().unwrap_or(0);
        t.row(vec![shorten(f, 90), pct(sf, s.total), pct(tt, s.total)]);
    }
    t
}

/// At most `max` characters, cut in the middle.
fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_owned();
    }
    let keep_head = (max - 1) / 2;
    let keep_tail = max - 1 - keep_head;
    let head: String = s.chars().take(keep_head).collect();
    let tail: String = s.chars().skip(n - keep_tail).collect();
    format!("{head}…{tail}")
}

/// The SVG with every `<script>` element and the root's `onload` removed
/// (inferno keeps a few variables in a script even with `no_javascript`);
/// the report page holds no scripts.
pub fn without_script(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find("<script") {
        out.push_str(&rest[..i]);
        match rest[i..].find("</script>") {
            Some(j) => rest = &rest[i + j + "</script>".len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out.replacen(" onload=\"init(evt)\"", "", 1)
}

fn draw_flame(folded: &Path, title: &str, svg: &Path, javascript: bool) -> Result<()> {
    let text = std::fs::read_to_string(folded).with_context(|| format!("cannot read {}", folded.display()))?;
    let mut opts = inferno::flamegraph::Options::default();
    opts.title = title.to_owned();
    opts.deterministic = true;
    opts.no_javascript = !javascript;
    opts.count_name = "samples".into();
    let mut out = Vec::new();
    inferno::flamegraph::from_lines(&mut opts, text.lines(), &mut out)
        .map_err(|e| anyhow!("cannot draw {}: {e}", svg.display()))?;
    let mut svg_text = String::from_utf8(out).context("inferno wrote non-UTF-8 SVG")?;
    if !javascript {
        svg_text = without_script(&svg_text);
    }
    std::fs::write(svg, svg_text).with_context(|| format!("cannot write {}", svg.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests;
