//! Small HTML helpers for the experiments' report fragments.

use std::path::Path;

use anyhow::{Context, Result};

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

pub fn h3(s: &str) -> String {
    format!("<h3>{}</h3>\n", esc(s))
}

pub fn p(s: &str) -> String {
    format!("<p>{}</p>\n", esc(s))
}

pub fn pre(s: &str) -> String {
    format!("<pre>{}</pre>\n", esc(s))
}

/// A figure with the SVG file inlined (so the page needs no other file)
/// and a caption.
pub fn figure(svg: &Path, caption: &str) -> Result<String> {
    let text = std::fs::read_to_string(svg).with_context(|| format!("cannot read {}", svg.display()))?;
    let start = text.find("<svg").with_context(|| format!("{} holds no <svg> element", svg.display()))?;
    let name = svg.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(format!(
        "<figure data-file=\"{}\">\n{}\n<figcaption>{} <span class=\"file\">({})</span></figcaption>\n</figure>\n",
        esc(&name),
        text[start..].trim_end(),
        esc(caption),
        esc(&name)
    ))
}

/// Thousands separators: 1234567 -> "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_groups() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1387), "1,387");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
