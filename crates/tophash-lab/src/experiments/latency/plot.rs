//! Latency against insert index, one panel per map, log y, the same y range
//! in every panel so that heights compare. Drawn from the latencies read
//! back from the per-map CSV files.

use std::path::Path;

use anyhow::{ensure, Context, Result};
use plotters::prelude::*;

use super::{fmt_ns, MapKind, Series, PHASE_RELEASING, PHASE_RESIZING, PHASE_UNKNOWN};

const COLUMNS: usize = 1000;
const WIDTH: u32 = 1100;
const PANEL_H: u32 = 210;

fn color(m: MapKind) -> RGBColor {
    match m {
        MapKind::Tophash => RGBColor(0xd6, 0x27, 0x28),
        MapKind::Hashbrown => RGBColor(0x1f, 0x77, 0xb4),
        MapKind::Std => RGBColor(0x94, 0x67, 0xbd),
        MapKind::Griddle => RGBColor(0x2c, 0xa0, 0x2c),
        MapKind::Redis => RGBColor(0xff, 0x7f, 0x0e),
    }
}

/// Per column of consecutive inserts: (first index, slowest, median).
pub fn columns(samples: &[u64], columns: usize) -> Vec<(u64, u64, u64)> {
    let n = samples.len();
    let cols = columns.min(n).max(1);
    let mut out = Vec::with_capacity(cols);
    let mut buf = Vec::new();
    for c in 0..cols {
        let (a, b) = (c * n / cols, ((c + 1) * n / cols).max(c * n / cols + 1).min(n));
        if a >= b {
            continue;
        }
        buf.clear();
        buf.extend_from_slice(&samples[a..b]);
        buf.sort_unstable();
        out.push((a as u64, buf[buf.len() - 1], buf[(buf.len() - 1) / 2]));
    }
    out
}

/// Maximal runs `[a, b)` of indices whose phase has `bit`.
pub fn intervals(phases: &[u8], bit: u8) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &p) in phases.iter().enumerate() {
        let on = p != PHASE_UNKNOWN && p & bit != 0;
        match (on, start) {
            (true, None) => start = Some(i),
            (false, Some(a)) => {
                out.push((a, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(a) = start {
        out.push((a, phases.len()));
    }
    out
}

/// Draws one panel per map (its runs and phases, as read from its CSV)
/// into `svg`.
pub fn panels(series: &[Series], svg: &Path) -> Result<()> {
    ensure!(
        !series.is_empty() && series.iter().all(|s| s.runs.first().is_some_and(|r| !r.is_empty())),
        "no latencies to plot"
    );
    let all = || series.iter().flat_map(|s| s.runs.iter().flatten().copied());
    let n = series.iter().flat_map(|s| s.runs.iter().map(Vec::len)).max().unwrap_or(1) as f64;
    let lo = all().filter(|&v| v > 0).min().unwrap_or(1).max(1) as f64;
    let hi = all().max().unwrap_or(1).max(2) as f64;
    let (y0, y1) = (lo * 0.8, hi * 1.5);
    let root = SVGBackend::new(svg, (WIDTH, PANEL_H * series.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    for (s, area) in series.iter().zip(root.split_evenly((series.len(), 1))) {
        let (map, runs) = (&s.map, &s.runs);
        let min = super::minimum(runs);
        let cols = columns(&min, COLUMNS);
        let raw: Vec<u64> = (0..min.len()).map(|i| runs.iter().map(|r| r[i]).max().unwrap_or(0)).collect();
        let raw_cols = columns(&raw, COLUMNS);
        let max = min.iter().copied().max().unwrap_or(0);
        let title = format!("{} — slowest insert (minimum over runs) {}", map.label(), fmt_ns(max as f64));
        let mut c = ChartBuilder::on(&area)
            .caption(title, ("sans-serif", 14))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..n, (y0..y1).log_scale())?;
        c.configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(0xe6, 0xe6, 0xe6))
            .x_labels(10)
            .y_labels(6)
            .x_label_formatter(&|x| short_count(*x))
            .y_label_formatter(&|y| fmt_ns(*y))
            .x_desc("insert index")
            .draw()?;
        for (bit, shade) in
            [(PHASE_RESIZING, RGBColor(0xff, 0xe9, 0x9a)), (PHASE_RELEASING, RGBColor(0xcf, 0xe3, 0xf7))]
        {
            c.draw_series(
                intervals(&s.phases, bit)
                    .into_iter()
                    .map(|(a, b)| Rectangle::new([(a as f64, y0), (b as f64, y1)], shade.mix(0.6).filled())),
            )?;
        }
        let col = color(*map);
        let y = |v: u64| (v as f64).max(y0);
        c.draw_series(LineSeries::new(raw_cols.iter().map(|&(x, mx, _)| (x as f64, y(mx))), col.mix(0.3)))?;
        c.draw_series(LineSeries::new(cols.iter().map(|&(x, mx, _)| (x as f64, y(mx))), col.stroke_width(1)))?;
        c.draw_series(LineSeries::new(
            cols.iter().map(|&(x, _, med)| (x as f64, y(med))),
            RGBColor(0x55, 0x55, 0x55).stroke_width(2),
        ))?;
    }
    root.present().with_context(|| format!("cannot write {}", svg.display()))?;
    Ok(())
}

fn short_count(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.1}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_cover_every_sample() {
        let s: Vec<u64> = (0..10).collect();
        assert_eq!(columns(&s, 5), vec![(0, 1, 0), (2, 3, 2), (4, 5, 4), (6, 7, 6), (8, 9, 8)]);
        assert_eq!(columns(&s, 100).len(), 10);
        assert_eq!(columns(&[7], 1000), vec![(0, 7, 7)]);
        assert_eq!(short_count(200_000.0), "200k");
        assert_eq!(intervals(&[0, 1, 1, 3, 2, 0, 1], PHASE_RESIZING), vec![(1, 4), (6, 7)]);
        assert_eq!(intervals(&[0, 1, 1, 3, 2, 0, 1], PHASE_RELEASING), vec![(3, 5)]);
        assert!(intervals(&[PHASE_UNKNOWN; 4], PHASE_RESIZING).is_empty());
    }
}
