//! The experiment's pictures, each drawn from rows read back from the CSV
//! files the run wrote.

use std::path::Path;

use anyhow::{ensure, Context, Result};
use plotters::prelude::*;

use super::super::report::plot::{self as lineplot, Chart, Line};
use super::stats;
use super::{Row, SweepRow};

const LOW: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const TOP: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const ROW_H: u32 = 24;
/// Rows of height `ROW_H` kept free under the data for the legend.
const LEGEND_ROWS: i32 = 5;

/// A log-axis tick: 0.05, 0.5, 2, 20.
fn tick(x: f64) -> String {
    let s = if x >= 10.0 {
        format!("{x:.0}")
    } else if x >= 0.1 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// The x range of a log axis holding `values` and 1.
fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.7f64, 1.4f64);
    for v in values.filter(|v| v.is_finite()) {
        if v > 0.0 {
            lo = lo.min(v * 0.8);
        }
        hi = hi.max(v * 1.25);
    }
    (lo.max(1e-3), hi)
}

/// The variance ratio of every row of one key set, low bits and top byte,
/// with uniform hashing's central 99 % for each.
pub fn ratios(rows: &[Row], keyset: &str, label: &str, svg: &Path) -> Result<()> {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.keyset == keyset).collect();
    ensure!(!rows.is_empty(), "no rows for key set {keyset}");
    let n = rows.len() as i32;
    let m = rows[0].buckets;
    let (x0, x1) = log_range(rows.iter().flat_map(|r| [r.low_ratio, r.top_ratio]));
    let (l0, l1) = stats::ratio_interval(m, 0.01);
    let (t0, t1) = stats::ratio_interval(256, 0.01);
    let names: Vec<String> = rows.iter().map(|r| format!("{} ({})", r.hash, r.seed_kind)).collect();

    // Rows sit at y = 0..n; the legend gets the band below them.
    let root = SVGBackend::new(svg, (900, 90 + ROW_H * (n + LEGEND_ROWS) as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut c = ChartBuilder::on(&root)
        .caption(format!("Bucket-count variance / uniform: {label}"), ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(250)
        .build_cartesian_2d((x0..x1).log_scale(), -LEGEND_ROWS..n)?;
    c.configure_mesh()
        .disable_y_mesh()
        .y_labels((n + LEGEND_ROWS) as usize + 1)
        .y_label_formatter(&|y| {
            let i = n - 1 - *y;
            if (0..n).contains(&i) {
                names[i as usize].clone()
            } else {
                String::new()
            }
        })
        .x_labels(12)
        .x_label_formatter(&|x| tick(*x))
        .x_desc("observed variance / uniform variance (log scale)")
        .draw()?;
    c.draw_series([Rectangle::new([(t0, -1), (t1, n)], TOP.mix(0.10).filled())])?
        .label(format!("top byte, 256 bins: uniform 99% {t0:.2}–{t1:.2}"))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], TOP.mix(0.25).filled()));
    c.draw_series([Rectangle::new([(l0, -1), (l1, n)], LOW.mix(0.12).filled())])?
        .label(format!("low bits, {m} bins: uniform 99% {l0:.2}–{l1:.2}"))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], LOW.mix(0.3).filled()));
    c.draw_series([PathElement::new([(1.0, -1), (1.0, n)], BLACK.mix(0.5))])?;
    let clamp = |v: f64| if v.is_finite() && v > x0 { v } else { x0 };
    c.draw_series(
        rows.iter().enumerate().map(|(i, r)| Circle::new((clamp(r.low_ratio), n - 1 - i as i32), 5, LOW.filled())),
    )?
    .label("low bits (bucket index)")
    .legend(|(x, y)| Circle::new((x + 7, y), 5, LOW.filled()));
    c.draw_series(
        rows.iter()
            .enumerate()
            .map(|(i, r)| TriangleMarker::new((clamp(r.top_ratio), n - 1 - i as i32), 6, TOP.filled())),
    )?
    .label("top byte (tophash)")
    .legend(|(x, y)| TriangleMarker::new((x + 7, y), 6, TOP.filled()));
    c.configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(0xbb, 0xbb, 0xbb))
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 12))
        .draw()?;
    root.present().with_context(|| format!("cannot write {}", svg.display()))?;
    Ok(())
}

/// The sweep's low-bit ratios, one panel per key set, one line per
/// function.
pub fn sweep(rows: &[SweepRow], sets: &[(String, String)], svg: &Path) -> Result<()> {
    ensure!(!rows.is_empty(), "no sweep rows");
    let mut ids: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        if !ids.iter().any(|(id, _)| *id == r.id) {
            ids.push((&r.id, &r.hash));
        }
    }
    let n = ids.len() as i32;
    let m = rows[0].buckets;
    let (x0, x1) = log_range(rows.iter().map(|r| r.low_ratio));
    let (l0, l1) = stats::ratio_interval(m, 0.01);
    let panel_h = 70 + ROW_H * n as u32;
    let root = SVGBackend::new(svg, (900, panel_h * sets.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    for ((set, label), area) in sets.iter().zip(root.split_evenly((sets.len(), 1))) {
        let mut c = ChartBuilder::on(&area)
            .caption(format!("Low-bit variance / uniform over random seeds: {label}"), ("sans-serif", 15))
            .margin(10)
            .x_label_area_size(32)
            .y_label_area_size(200)
            .build_cartesian_2d((x0..x1).log_scale(), -1i32..n)?;
        c.configure_mesh()
            .disable_y_mesh()
            .y_labels(n as usize + 2)
            .y_label_formatter(&|y| {
                let i = n - 1 - *y;
                if (0..n).contains(&i) {
                    ids[i as usize].1.to_owned()
                } else {
                    String::new()
                }
            })
            .x_labels(12)
            .x_label_formatter(&|x| tick(*x))
            .x_desc("observed / uniform variance (log scale)")
            .draw()?;
        c.draw_series([Rectangle::new([(l0, -1), (l1, n)], LOW.mix(0.12).filled())])?;
        c.draw_series([PathElement::new([(1.0, -1), (1.0, n)], BLACK.mix(0.5))])?;
        c.draw_series(rows.iter().filter(|r| &r.keyset == set).map(|r| {
            let i = ids.iter().position(|(id, _)| *id == r.id).unwrap_or(0) as i32;
            let x = if r.low_ratio > x0 { r.low_ratio } else { x0 };
            Circle::new((x, n - 1 - i), 4, LOW.mix(0.6).filled())
        }))?;
    }
    root.present().with_context(|| format!("cannot write {}", svg.display()))?;
    Ok(())
}

/// Buckets holding k keys, from a `loads-*.csv` file.
pub fn loads(csv: &Path, label: &str, svg: &Path) -> Result<()> {
    let shown = ["fnv1a64", "murmur3_32", "xxh3", "siphash13", "foldhash_fast"];
    let mut lines: Vec<Line> = shown.iter().map(|c| Line::new(c, c)).collect();
    // Last, so that it is drawn over the others.
    lines.push(Line::new("expected", "uniform hashing (binomial)").dashed());
    let chart = Chart {
        title: format!("Buckets holding k keys: {label}"),
        x: "load".into(),
        x_desc: "keys in the bucket (k)".into(),
        y_desc: "buckets".into(),
        lines,
        hlines: Vec::new(),
        y_from_zero: true,
    };
    lineplot::draw(csv, &chart, svg)
}
