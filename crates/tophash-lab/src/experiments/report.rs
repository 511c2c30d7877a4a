//! `report`: runs every experiment at its default (small) sizes, each into
//! its own subdirectory, and writes `report.html`: one self-contained page
//! (inline CSS and SVG, no script, nothing fetched) with each experiment's
//! tables and plots. An experiment that fails is shown as "not available:
//! <error>" and does not stop the others.

pub mod html;
pub mod limits;
pub mod plot;
pub mod progress;
pub mod table;

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use self::html::esc;
use self::table::Table;
use super::grow::go::GoArgs;
use super::{defaults, Outcome};

/// Options of `tophash-lab report`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Args {
    /// Run only these experiments (comma-separated names; default: all).
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(SECTIONS.map(|s| s.0)))]
    pub only: Vec<String>,
    /// Passed to the experiments that compare with Go 1.19 (grow, layout).
    #[command(flatten)]
    pub go: GoArgs,
}

/// Runs one section at its experiment's defaults (and the report's Go
/// flags) into the directory given.
type Runner = fn(&Args, &Path) -> Result<Outcome>;

/// The experiments in report order: name, heading, what it settles, runner.
const SECTIONS: [(&str, &str, &str, Runner); 9] = [
    ("tour", "Tour", "The guided demonstration the lab opens with.", |_, d| super::tour::run(&defaults()?, d)),
    (
        "grow",
        "Growth, insert by insert",
        "Which insert starts each growth and why, how evacuation proceeds, whether a single insert can trigger \
         two rehashes, and the bucket count against Go 1.19.",
        |a, d| super::grow::run(&super::grow::Args { go: a.go.clone(), ..defaults()? }, d),
    ),
    (
        "hashdist",
        "Hash distribution",
        "How evenly several hash functions spread keys over buckets (beside an article's variance table).",
        |_, d| super::hashdist::run(&defaults()?, d),
    ),
    (
        "probes",
        "Probes per lookup",
        "Entries checked and keys compared per hit and miss, with and without the tophash filter, beside Go's \
         load-factor table and an article's probe table.",
        |_, d| super::probes::run(&defaults()?, d),
    ),
    (
        "layout",
        "Memory layout",
        "Bucket size, offsets, padding and cache lines, Go's layout beside tophash's.",
        |a, d| super::layout::run(&super::layout::Args { go: a.go.clone(), ..defaults()? }, d),
    ),
    ("latency", "Insert latency", "Per-insert latency against other maps.", |_, d| {
        super::latency::run(&defaults()?, d)
    }),
    ("trace", "Growth trace", "A workload's resizes as Chrome trace JSON, with each resize's timestamps.", |_, d| {
        super::trace::run(&defaults()?, d)
    }),
    ("flame", "Flame graph", "A CPU flame graph of an insert-heavy workload.", |_, d| {
        super::flame::run(&defaults()?, d)
    }),
    (
        "concurrent",
        "Shared evacuation",
        "Threads filling one tophash::sync::HashMap: old buckets claimed with a CAS, claim conflicts and the delay \
         per evacuated bucket, beside an article's table.",
        |_, d| super::concurrent::run(&defaults()?, d),
    ),
];

const CSS: &str = "\
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d1d1f;background:#fff;margin:0}
main{max-width:1100px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:28px;margin:8px 0 4px}h2{font-size:22px;margin:40px 0 6px;border-bottom:2px solid #d62728;padding-bottom:4px}
h3{font-size:17px;margin:22px 0 6px}
.lede{color:#555;margin:0 0 8px}.meta{color:#666;font-size:13px}
nav ol{columns:2;padding-left:20px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13px;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f4f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{white-space:pre-wrap;background:#f7f7f9;border:1px solid #e3e3e8;padding:10px;overflow-x:auto;font-size:12px;line-height:1.35}
figure{margin:14px 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:13px}.file{color:#999}
.na{background:#fff4e5;border-left:4px solid #ff7f0e;padding:8px 12px}
.ok{color:#2ca02c}.bad{color:#d62728}
";

/// What happened to one section.
struct SectionRun {
    name: &'static str,
    title: &'static str,
    lede: &'static str,
    secs: f64,
    result: Result<Outcome, String>,
}

fn run_one(args: &Args, dir: &Path, f: Runner) -> Result<Outcome, String> {
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Err(format!("cannot create {}: {e}", dir.display()));
    }
    let r = match catch_unwind(AssertUnwindSafe(|| f(args, dir))) {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(e)) => Err(crate::one_line(&e)),
        Err(p) => Err(format!(
            "panicked: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    };
    if r.is_err() {
        let _ = std::fs::remove_dir_all(dir);
    }
    r
}

/// Runs the experiment, writing into `dir`.
pub fn run(args: &Args, dir: &Path) -> Result<Outcome> {
    let chosen: Vec<_> =
        SECTIONS.iter().filter(|s| args.only.is_empty() || args.only.iter().any(|o| o == s.0)).collect();
    if chosen.is_empty() {
        bail!("--only selected no experiment");
    }
    let pb = progress::bar(chosen.len() as u64, 1, "report");
    let started = Instant::now();
    let mut ran = Vec::new();
    for &&(name, title, lede, f) in &chosen {
        pb.set_message(name);
        let t0 = Instant::now();
        let result = run_one(args, &dir.join(name), f);
        ran.push(SectionRun { name, title, lede, secs: t0.elapsed().as_secs_f64(), result });
        pb.inc(1);
    }
    pb.finish_and_clear();

    let mut files: Vec<PathBuf> = Vec::new();
    let mut summary = Table::new(&["experiment", "status", "seconds", "files"]);
    let mut body = String::new();
    let mut nav = String::from("<nav><ol>\n");
    for d in &ran {
        let _ = writeln!(nav, "<li><a href=\"#{}\">{}</a></li>", d.name, esc(d.title));
        let _ = writeln!(
            body,
            "<section id=\"{}\">\n<h2>{}</h2>\n<p class=\"lede\">{}</p>",
            d.name,
            esc(d.title),
            esc(d.lede)
        );
        match &d.result {
            Ok(o) => {
                let links: Vec<String> = o
                    .files
                    .iter()
                    .filter_map(|p| p.strip_prefix(dir).ok())
                    .map(|r| {
                        let r = r.to_string_lossy();
                        format!("<a href=\"{}\">{}</a>", esc(&r), esc(&r))
                    })
                    .collect();
                let _ = writeln!(
                    body,
                    "<p class=\"meta\"><code>tophash-lab {}</code> at its default sizes, {:.1} s. Files: {}</p>",
                    d.name,
                    d.secs,
                    if links.is_empty() { "none".into() } else { links.join(", ") }
                );
                body.push_str(&o.html);
                summary.row(vec![d.name.into(), "ok".into(), format!("{:.1}", d.secs), o.files.len().to_string()]);
                files.extend(o.files.iter().cloned());
            }
            Err(e) => {
                let _ = writeln!(body, "<p class=\"na\">not available: {}</p>", esc(e));
                summary.row(vec![d.name.into(), format!("not available: {e}"), format!("{:.1}", d.secs), "0".into()]);
            }
        }
        body.push_str("</section>\n");
    }
    nav.push_str("</ol></nav>\n");
    let ok = ran.iter().filter(|d| d.result.is_ok()).count();
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>tophash lab report</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n\
         <h1>tophash lab report</h1>\n\
         <p class=\"lede\">Go 1.19's classic map (8-slot buckets, tophash bytes, overflow chains, load factor 6.5, \
         incremental evacuation) rebuilt in Rust as tophash, and the source articles' claims measured on it. \
         {ok} of {} experiments ran ({} {} build, {:.1} s in all); every number below was computed by this run.</p>\n\
         {nav}{summary}{body}<footer><p class=\"meta\">{footer}</p></footer>\n</main>\n</body>\n</html>\n",
        ran.len(),
        env!("CARGO_PKG_NAME"),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        started.elapsed().as_secs_f64(),
        summary = summary.html(),
        footer = esc(&crate::claims::footer()),
    );
    let path = dir.join("report.html");
    std::fs::write(&path, &page).with_context(|| format!("cannot write {}", path.display()))?;
    files.insert(0, path);
    let mut text = format!("Ran {ok} of {} experiments:\n\n", ran.len());
    text.push_str(&summary.text());
    text.push_str("\nOpen report.html in a browser: one page, no network needed.\n");
    let _ = writeln!(text, "{}", crate::claims::footer());
    Ok(Outcome { text, html: page, files })
}
