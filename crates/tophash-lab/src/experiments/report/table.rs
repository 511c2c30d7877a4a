//! A table of strings shown three ways: aligned text for the terminal, an
//! HTML `<table>` for the report, and a CSV file for the data.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use super::html::esc;

/// Column headers and rows of cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table { headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len(), "row width");
        self.rows.push(cells);
    }

    /// Columns padded to their widest cell; cells that look numeric are
    /// right-aligned.
    pub fn text(&self) -> String {
        let n = self.headers.len();
        let mut w = vec![0; n];
        for r in std::iter::once(&self.headers).chain(&self.rows) {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, r: &[String]| {
            let mut s = String::new();
            for (i, c) in r.iter().enumerate() {
                if i > 0 {
                    s.push_str("  ");
                }
                if numeric(c) {
                    let _ = write!(s, "{c:>width$}", width = w[i]);
                } else {
                    let _ = write!(s, "{c:<width$}", width = w[i]);
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(&mut out, &self.headers);
        let rule: Vec<String> = w.iter().map(|&k| "-".repeat(k)).collect();
        line(&mut out, &rule);
        for r in &self.rows {
            line(&mut out, r);
        }
        out
    }

    pub fn html(&self) -> String {
        let mut s = String::from("<table>\n<thead><tr>");
        for h in &self.headers {
            let _ = write!(s, "<th>{}</th>", esc(h));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for r in &self.rows {
            s.push_str("<tr>");
            for c in r {
                let class = if numeric(c) { " class=\"num\"" } else { "" };
                let _ = write!(s, "<td{class}>{}</td>", esc(c));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
        s
    }

    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
        w.write_record(&self.headers)?;
        for r in &self.rows {
            w.write_record(r)?;
        }
        w.flush().with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

fn numeric(c: &str) -> bool {
    let t = c.trim_end_matches(['%', 'x']).replace(',', "");
    !t.is_empty() && t.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_and_escapes() {
        let mut t = Table::new(&["name", "n"]);
        t.row(vec!["a<b".into(), "1".into()]);
        t.row(vec!["long name".into(), "1,234".into()]);
        let text = t.text();
        assert_eq!(text.lines().nth(3).unwrap(), "long name  1,234");
        assert_eq!(text.lines().nth(2).unwrap(), "a<b            1");
        assert!(t.html().contains("<td>a&lt;b</td>"));
    }
}
