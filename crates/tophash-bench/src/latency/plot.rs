//! SVG of per-insert latency against insert index, one panel per map, log
//! y axis (the same y range in every panel of a workload, so heights
//! compare), drawn from the CSV files alone so it can be regenerated with
//! `latency plot`.
//!
//! Each panel has `COLUMNS` columns along x; per column it draws the
//! slowest insert of the last run (light colour), the slowest reproducible
//! insert (per-index minimum over the runs; full colour) and the median
//! insert of the last run (grey). With the decimated CSV format the grey
//! line is the median of the windows' medians.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use plotters::prelude::*;

use super::report::{fmt_count, fmt_ns, read_csv, Row};
use super::{MapKind, Workload};

const COLUMNS: usize = 1000;
const WIDTH: u32 = 1200;
const PANEL_HEIGHT: u32 = 230;
const TITLE_HEIGHT: u32 = 40;

fn color(m: MapKind) -> RGBColor {
    match m {
        MapKind::Tophash => RGBColor(0xd6, 0x27, 0x28),
        MapKind::Hashbrown => RGBColor(0x1f, 0x77, 0xb4),
        MapKind::Std => RGBColor(0x9a, 0x4d, 0xc0),
        MapKind::Griddle => RGBColor(0x2c, 0xa0, 0x2c),
        MapKind::Go => RGBColor(0x00, 0x9c, 0xb4),
    }
}

/// Finds every `<csv_dir>/<map>-<keys>-<n>.csv`, grouped by workload.
pub fn find_csvs(csv_dir: &Path) -> Result<BTreeMap<Workload, Vec<(MapKind, PathBuf)>>> {
    let mut out: BTreeMap<Workload, Vec<(MapKind, PathBuf)>> = BTreeMap::new();
    let rd = fs::read_dir(csv_dir).with_context(|| format!("reading {}", csv_dir.display()))?;
    for e in rd {
        let p = e?.path();
        let Some(stem) = p.file_name().and_then(|s| s.to_str()).and_then(|s| s.strip_suffix(".csv")) else {
            continue;
        };
        let Some((m, w)) = stem.split_once('-') else { continue };
        if let (Some(m), Some(w)) = (MapKind::from_name(m), Workload::from_stem(w)) {
            out.entry(w).or_default().push((m, p));
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    Ok(out)
}

/// Draws one SVG per workload found in `<out>/csv`; returns their paths.
pub fn plot_all(out: &Path) -> Result<Vec<PathBuf>> {
    let groups = find_csvs(&out.join("csv"))?;
    if groups.is_empty() {
        bail!("no CSV files named <map>-<keys>-<n>.csv in {}", out.join("csv").display());
    }
    let mut written = Vec::new();
    for (w, maps) in groups {
        let path = out.join(format!("latency-{}.svg", w.stem()));
        plot_workload(&path, &w, &maps)?;
        written.push(path);
    }
    Ok(written)
}

/// One x column of a panel.
struct Col {
    x: f64,
    max: u64,
    repro: u64,
    median: u64,
}

/// One map's panel.
struct Series {
    map: MapKind,
    cols: Vec<Col>,
    /// The slowest insert of the last run and the slowest reproducible
    /// one, as (index, ns).
    max: (u64, u64),
    repro: (u64, u64),
}

fn columns(map: MapKind, rows: &[Row], n: u64) -> Series {
    let width = (n as f64 / COLUMNS as f64).max(1.0);
    let mut cols: Vec<(usize, Col, Vec<u64>)> = Vec::new();
    let mut max = (0, 0);
    let mut repro = (0, 0);
    for r in rows {
        let c = (r.start as f64 / width) as usize;
        if cols.last().map(|l| l.0) != Some(c) {
            cols.push((c, Col { x: (c as f64 + 0.5) * width, max: 0, repro: 0, median: 0 }, Vec::new()));
        }
        let (_, col, meds) = cols.last_mut().expect("pushed above");
        col.max = col.max.max(r.max_ns);
        col.repro = col.repro.max(r.repro_max_ns);
        meds.push(r.median_ns);
        if r.max_ns > max.1 {
            max = (r.max_index, r.max_ns);
        }
        if r.repro_max_ns > repro.1 {
            repro = (r.repro_max_index, r.repro_max_ns);
        }
    }
    let cols = cols
        .into_iter()
        .map(|(_, mut col, mut meds)| {
            let mid = meds.len() / 2;
            col.median = *meds.select_nth_unstable(mid).1;
            col
        })
        .collect();
    Series { map, cols, max, repro }
}

fn plot_workload(path: &Path, w: &Workload, maps: &[(MapKind, PathBuf)]) -> Result<()> {
    let mut series = Vec::new();
    for (m, p) in maps {
        let rows = read_csv(p)?;
        series.push(columns(*m, &rows, w.n));
    }
    let ymax = series.iter().map(|s| s.max.1).max().unwrap_or(1).max(10) as f64 * 2.0;
    let ymin = series.iter().flat_map(|s| s.cols.iter().map(|c| c.median)).min().unwrap_or(10).max(1) as f64 / 2.0;
    let height = TITLE_HEIGHT + PANEL_HEIGHT * series.len() as u32;
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (title, body) = root.split_vertically(TITLE_HEIGHT);
    title.draw_text(
        &format!(
            "Per-insert latency, {} into an empty map. Per x column, log y: reproducible max (dark), \
             last run's max (light), median (grey)",
            w.label()
        ),
        &("sans-serif", 18).into_text_style(&title),
        (20, 12),
    )?;
    let panels = body.split_evenly((series.len(), 1));
    for (area, s) in panels.iter().zip(&series) {
        let c = color(s.map);
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!(
                    "{}: slowest reproducible insert {} at #{}; slowest in last run {} at #{}",
                    s.map,
                    fmt_ns(s.repro.1 as f64),
                    s.repro.0,
                    fmt_ns(s.max.1 as f64),
                    s.max.0
                ),
                ("sans-serif", 15),
            )
            .margin_left(10)
            .margin_right(20)
            .margin_top(4)
            .x_label_area_size(28)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..w.n as f64, (ymin..ymax).log_scale())?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
            .x_labels(11)
            .y_labels(8)
            .x_label_formatter(&|x| fmt_count(*x as u64))
            .y_label_formatter(&|y| fmt_ns(*y))
            .y_desc("ns / insert")
            .draw()?;
        let light = c.mix(0.35);
        chart.draw_series(LineSeries::new(s.cols.iter().map(|c| (c.x, c.max as f64)), light.stroke_width(1)))?;
        chart.draw_series(LineSeries::new(
            s.cols.iter().map(|c| (c.x, c.median as f64)),
            RGBColor(0x80, 0x80, 0x80).stroke_width(1),
        ))?;
        chart.draw_series(LineSeries::new(s.cols.iter().map(|c| (c.x, c.repro as f64)), c.stroke_width(1)))?;
        chart.draw_series(std::iter::once(Circle::new((s.repro.0 as f64, s.repro.1 as f64), 3, c.filled())))?;
    }
    root.present().with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
