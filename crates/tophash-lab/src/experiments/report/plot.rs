//! Line charts drawn from a CSV file: the picture is made from the data
//! file the experiment wrote, never from numbers held aside.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use plotters::prelude::*;

/// One line: a CSV column (y) against the chart's x column.
#[derive(Debug, Clone)]
pub struct Line {
    pub col: String,
    pub label: String,
    /// Draw as steps (hold the value until the next x), e.g. for B.
    pub step: bool,
    /// Draw a dashed line (a reference, such as Go's own table).
    pub dashed: bool,
}

impl Line {
    pub fn new(col: &str, label: &str) -> Self {
        Line { col: col.into(), label: label.into(), step: false, dashed: false }
    }
    pub fn step(mut self) -> Self {
        self.step = true;
        self
    }
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub x: String,
    pub x_desc: String,
    pub y_desc: String,
    pub lines: Vec<Line>,
    /// Horizontal reference lines (y, label).
    pub hlines: Vec<(f64, String)>,
    /// Start the y axis at zero.
    pub y_from_zero: bool,
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0x7f, 0x7f, 0x7f),
];

/// The columns of a CSV file, by header; empty or non-numeric cells are
/// `None`.
pub fn read_columns(csv_path: &Path) -> Result<HashMap<String, Vec<Option<f64>>>> {
    let mut r = csv::Reader::from_path(csv_path).with_context(|| format!("cannot read {}", csv_path.display()))?;
    let headers: Vec<String> = r.headers()?.iter().map(str::to_owned).collect();
    let mut cols: Vec<Vec<Option<f64>>> = vec![Vec::new(); headers.len()];
    for rec in r.records() {
        let rec = rec.with_context(|| format!("bad CSV in {}", csv_path.display()))?;
        for (i, c) in cols.iter_mut().enumerate() {
            c.push(rec.get(i).and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.is_finite()));
        }
    }
    Ok(headers.into_iter().zip(cols).collect())
}

/// Draws `chart` from the columns of `csv_path` into `svg_path`.
pub fn draw(csv_path: &Path, chart: &Chart, svg_path: &Path) -> Result<()> {
    let cols = read_columns(csv_path)?;
    let xs = cols.get(&chart.x).with_context(|| format!("{} has no column {}", csv_path.display(), chart.x))?;
    let mut series = Vec::new();
    for l in &chart.lines {
        let ys = cols.get(&l.col).with_context(|| format!("{} has no column {}", csv_path.display(), l.col))?;
        let mut pts: Vec<(f64, f64)> = Vec::new();
        for (x, y) in xs.iter().zip(ys) {
            if let (Some(x), Some(y)) = (x, y) {
                if l.step {
                    if let Some(&(_, py)) = pts.last() {
                        pts.push((*x, py));
                    }
                }
                pts.push((*x, *y));
            }
        }
        series.push(pts);
    }
    let all = || series.iter().flatten();
    if all().next().is_none() {
        bail!("{}: nothing to plot for {}", csv_path.display(), chart.title);
    }
    let (mut x0, mut x1) = (f64::MAX, f64::MIN);
    let (mut y0, mut y1) = (f64::MAX, f64::MIN);
    for &(x, y) in all() {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    for (y, _) in &chart.hlines {
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    if chart.y_from_zero {
        y0 = y0.min(0.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.08).max(1e-9);
    let (y0, y1) = (if chart.y_from_zero && y0 >= 0.0 { 0.0 } else { y0 - pad }, y1 + pad);

    let root = SVGBackend::new(svg_path, (900, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut c = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    c.configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
        .x_desc(chart.x_desc.as_str())
        .y_desc(chart.y_desc.as_str())
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&|x| short(*x))
        .y_label_formatter(&|y| short(*y))
        .draw()?;
    for (i, (y, label)) in chart.hlines.iter().enumerate() {
        let color = RGBColor(0x55, 0x55, 0x55);
        c.draw_series(DashedLineSeries::new([(x0, *y), (x1, *y)], 6, 4, color.stroke_width(1)))?
            .label(label.clone())
            .legend(move |(x, yy)| PathElement::new([(x, yy), (x + 18, yy)], color.stroke_width(1)));
        let _ = i;
    }
    for (i, (l, pts)) in chart.lines.iter().zip(&series).enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let style = color.stroke_width(2);
        let drawn = if l.dashed {
            c.draw_series(DashedLineSeries::new(pts.iter().copied(), 8, 5, style))?
        } else {
            c.draw_series(LineSeries::new(pts.iter().copied(), style))?
        };
        drawn.label(l.label.clone()).legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
        if pts.len() <= 40 && !l.step {
            c.draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 3, color.filled())))?;
        }
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xbb, 0xbb, 0xbb))
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 13))
        .draw()?;
    root.present().with_context(|| format!("cannot write {}", svg_path.display()))?;
    Ok(())
}

/// Axis labels: 1500000 -> "1.5M", 0.25 -> "0.25".
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_from_csv() {
        let dir = std::env::temp_dir().join(format!("tophash-lab-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("d.csv");
        std::fs::write(&csv, "x,a,b\n1,2,\n2,3,4\n3,5,6\n").unwrap();
        let chart = Chart {
            title: "t".into(),
            x: "x".into(),
            x_desc: "x".into(),
            y_desc: "y".into(),
            lines: vec![Line::new("a", "A"), Line::new("b", "B").dashed()],
            hlines: vec![(6.5, "limit".into())],
            y_from_zero: true,
        };
        let svg = dir.join("d.svg");
        draw(&csv, &chart, &svg).unwrap();
        let s = std::fs::read_to_string(&svg).unwrap();
        assert!(s.starts_with("<svg") && s.contains("limit"));
        assert_eq!(short(1_500_000.0), "1.5M");
        assert_eq!(short(0.25), "0.25");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
