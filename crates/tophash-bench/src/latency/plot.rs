//! The one SVG of per-insert latency against insert index: one panel per
//! map, log y, the same y range in every panel of a workload so that
//! heights compare, drawn from the CSV files ([`data`](super::data)) alone
//! so that it can always be redrawn.
//!
//! Each panel has [`COLUMNS`] columns along x; per column it draws the
//! slowest insert of any run (light), the slowest reproducible insert
//! (full colour) and the median reproducible latency (grey), and shades
//! the inserts during which the map was resizing (yellow) or releasing an
//! old array (blue), for maps that show it.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use plotters::prelude::*;

use super::data::{find_csvs, read_csv, Row};
use super::maps::{PHASE_RELEASING, PHASE_RESIZING};
use super::report::fmt_ns;
use super::Workload;

/// Columns per panel.
pub const COLUMNS: usize = 1000;
const WIDTH: u32 = 1200;
const PANEL_HEIGHT: u32 = 230;
const TITLE_HEIGHT: u32 = 40;

/// One map's panel: its name (for the colour), a label and its CSV rows.
#[derive(Clone, Debug)]
pub struct Panel {
    /// The map's short name.
    pub name: String,
    /// What the map is, for the caption.
    pub label: String,
    /// Its rows, as [`read_csv`] returns them.
    pub rows: Vec<Row>,
}

fn color(name: &str) -> RGBColor {
    match name {
        "tophash" => RGBColor(0xd6, 0x27, 0x28),
        "hashbrown" => RGBColor(0x1f, 0x77, 0xb4),
        "std" => RGBColor(0x9a, 0x4d, 0xc0),
        "griddle" => RGBColor(0x2c, 0xa0, 0x2c),
        "go" => RGBColor(0x00, 0x9c, 0xb4),
        _ => RGBColor(0xff, 0x7f, 0x0e),
    }
}

/// Draws one SVG per workload found in `<from>/csv`, as
/// `<to>/latency-<keys>-<n>.svg`; `label` gives each map name's caption.
/// Returns the paths written.
pub fn plot_all(from: &Path, to: &Path, label: &dyn Fn(&str) -> String) -> Result<Vec<PathBuf>> {
    let groups = find_csvs(from)?;
    if groups.is_empty() {
        bail!("no CSV files named <map>-<keys>-<n>.csv in {}", from.join("csv").display());
    }
    let mut written = Vec::new();
    for (w, maps) in groups {
        let mut panels = Vec::new();
        for (name, p) in maps {
            panels.push(Panel { label: label(&name), rows: read_csv(&p)?, name });
        }
        let path = to.join(format!("latency-{}.svg", w.stem()));
        plot(&path, &w, &panels)?;
        written.push(path);
    }
    Ok(written)
}

/// One x column of a panel.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Col {
    x: f64,
    max: u64,
    repro: u64,
    median: u64,
}

/// The panel's columns (rows merged per column of `n / COLUMNS` inserts),
/// and its slowest insert of any run and slowest reproducible one, as
/// (index, ns).
fn columns(rows: &[Row], n: u64) -> (Vec<Col>, (u64, u64), (u64, u64)) {
    let width = (n as f64 / COLUMNS as f64).max(1.0);
    let mut cols: Vec<(usize, Col, Vec<u64>)> = Vec::new();
    let (mut max, mut repro) = ((0, 0), (0, 0));
    for r in rows {
        let c = (r.first_index as f64 / width) as usize;
        if cols.last().map(|l| l.0) != Some(c) {
            cols.push((c, Col { x: (c as f64 + 0.5) * width, max: 0, repro: 0, median: 0 }, Vec::new()));
        }
        let (_, col, medians) = cols.last_mut().expect("pushed above");
        col.max = col.max.max(r.max_ns);
        col.repro = col.repro.max(r.repro_max_ns);
        medians.push(r.repro_median_ns);
        if r.max_ns > max.1 {
            max = (r.max_index, r.max_ns);
        }
        if r.repro_max_ns > repro.1 {
            repro = (r.repro_max_index, r.repro_max_ns);
        }
    }
    let cols = cols
        .into_iter()
        .map(|(_, mut col, mut medians)| {
            let mid = medians.len() / 2;
            col.median = *medians.select_nth_unstable(mid).1;
            col
        })
        .collect();
    (cols, max, repro)
}

/// Maximal runs of rows whose phase has `bit`, as insert ranges `[a, b)`.
fn shaded(rows: &[Row], bit: u8) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for r in rows.iter().filter(|r| r.phase.is_some_and(|p| p & bit != 0)) {
        let end = r.first_index + r.inserts;
        match out.last_mut() {
            Some(last) if last.1 == r.first_index => last.1 = end,
            _ => out.push((r.first_index, end)),
        }
    }
    out
}

/// Draws `panels` (one workload) into `path`.
pub fn plot(path: &Path, w: &Workload, panels: &[Panel]) -> Result<()> {
    ensure!(!panels.is_empty() && panels.iter().all(|p| !p.rows.is_empty()), "no latencies to plot");
    let drawn: Vec<_> = panels.iter().map(|p| (p, columns(&p.rows, w.n))).collect();
    let ymax = drawn.iter().map(|(_, c)| c.1 .1).max().unwrap_or(1).max(10) as f64 * 2.0;
    let ymin = drawn.iter().flat_map(|(_, c)| c.0.iter().map(|c| c.median)).min().unwrap_or(10).max(1) as f64 / 2.0;
    let height = TITLE_HEIGHT + PANEL_HEIGHT * panels.len() as u32;
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (title, body) = root.split_vertically(TITLE_HEIGHT);
    title.draw_text(
        &format!(
            "Per-insert latency, {} into an empty map. Per x column, log y: reproducible max (dark), \
             max of any run (light), reproducible median (grey)",
            w.label()
        ),
        &("sans-serif", 18).into_text_style(&title),
        (20, 12),
    )?;
    for (area, (panel, (cols, max, repro))) in body.split_evenly((panels.len(), 1)).iter().zip(&drawn) {
        let caption = format!(
            "{}: slowest reproducible insert {} at #{}; slowest of any run {} at #{}",
            panel.label,
            fmt_ns(repro.1 as f64),
            repro.0,
            fmt_ns(max.1 as f64),
            max.0
        );
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 15))
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
            .x_label_formatter(&|x| axis_count(*x))
            .y_label_formatter(&|y| fmt_ns(*y))
            .y_desc("ns / insert")
            .draw()?;
        for (bit, shade) in
            [(PHASE_RESIZING, RGBColor(0xff, 0xe9, 0x9a)), (PHASE_RELEASING, RGBColor(0xcf, 0xe3, 0xf7))]
        {
            chart.draw_series(
                shaded(&panel.rows, bit)
                    .into_iter()
                    .map(|(a, b)| Rectangle::new([(a as f64, ymin), (b as f64, ymax)], shade.mix(0.6).filled())),
            )?;
        }
        let c = color(&panel.name);
        let line = |f: fn(&Col) -> u64| cols.iter().map(move |col| (col.x, f(col) as f64)).collect::<Vec<_>>();
        chart.draw_series(LineSeries::new(line(|c| c.max), c.mix(0.35).stroke_width(1)))?;
        chart.draw_series(LineSeries::new(line(|c| c.median), RGBColor(0x80, 0x80, 0x80).stroke_width(1)))?;
        chart.draw_series(LineSeries::new(line(|c| c.repro), c.stroke_width(1)))?;
        chart.draw_series(std::iter::once(Circle::new((repro.0 as f64, repro.1 as f64), 3, c.filled())))?;
    }
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// An x-axis label: `200k`, `2.5M`.
fn axis_count(v: f64) -> String {
    let trim = |v: f64| {
        let s = format!("{v:.1}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if v >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::data::{rows, write_csv};
    use crate::latency::runs::RunSet;
    use crate::latency::KeyKind;

    #[test]
    fn columns_and_shading_cover_every_row() {
        let mut set = RunSet::default();
        set.add(&(0..10).collect::<Vec<u64>>());
        let r = rows(&set, Some(&[0, 1, 1, 3, 2, 0, 1, 0, 0, 0]));
        assert_eq!(shaded(&r, PHASE_RESIZING), vec![(1, 4), (6, 7)]);
        assert_eq!(shaded(&r, PHASE_RELEASING), vec![(3, 5)]);
        assert!(shaded(&rows(&set, None), PHASE_RESIZING).is_empty());
        let (cols, max, repro) = columns(&r, 10);
        assert_eq!(cols.len(), 10, "fewer inserts than columns: one column each");
        assert_eq!((max, repro), ((9, 9), (9, 9)));
        assert_eq!(cols[3], Col { x: 3.5, max: 3, repro: 3, median: 3 });
        assert_eq!(axis_count(200_000.0), "200k");
        assert_eq!(axis_count(2_500_000.0), "2.5M");
    }

    #[test]
    fn plots_are_drawn_from_the_csv_files() {
        let dir = tempfile::tempdir().unwrap();
        let w = Workload { keys: KeyKind::U64, n: 3000 };
        for name in ["tophash", "mine"] {
            let mut set = RunSet::default();
            set.add(&(0..3000).map(|i| 50 + i % 7).collect::<Vec<u64>>());
            write_csv(&crate::latency::data::csv_path(dir.path(), name, &w), &set, None).unwrap();
        }
        let written = plot_all(dir.path(), dir.path(), &|m| format!("the {m} map")).unwrap();
        assert_eq!(written, vec![dir.path().join("latency-u64-3000.svg")]);
        let svg = std::fs::read_to_string(&written[0]).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("the mine map") && svg.contains("the tophash map"));
        let empty = tempfile::tempdir().unwrap();
        std::fs::create_dir(empty.path().join("csv")).unwrap();
        assert!(plot_all(empty.path(), empty.path(), &|m| m.to_owned())
            .unwrap_err()
            .to_string()
            .starts_with("no CSV files"));
    }
}
