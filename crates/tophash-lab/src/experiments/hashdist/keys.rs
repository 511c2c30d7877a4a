//! The key sets: URL-like strings with a common prefix (the "100,000 URL
//! strings" of [`crate::claims::HASH_VARIANCES`]), real keys from a file, and
//! sequential `u64`s.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, ensure, Context, Result};

use super::super::report::limits;

/// The `i`-th URL-like key: one common prefix, then the index.
pub fn url(i: u64) -> String {
    format!("https://www.example.com/products/{i}")
}

/// The keys of one set.
#[derive(Debug)]
pub enum Keys {
    /// Distinct strings.
    Strings(Vec<String>),
    /// `0..n` as `u64`.
    Sequential(u64),
}

/// One key set and how it was made.
#[derive(Debug)]
pub struct KeySet {
    /// Short identifier (file names, CSV).
    pub id: String,
    /// What the keys are, for people.
    pub label: String,
    /// A few words for picture titles.
    pub title: String,
    pub keys: Keys,
}

impl KeySet {
    pub fn len(&self) -> u64 {
        match &self.keys {
            Keys::Strings(v) => v.len() as u64,
            Keys::Sequential(n) => *n,
        }
    }

    /// `n` URL-like keys.
    pub fn urls(n: u64) -> Result<KeySet> {
        // A key string, its `String` and the allocator's share.
        limits::ensure_fits("--keys", n, 96)?;
        let keys = (0..n).map(url).collect();
        Ok(KeySet {
            id: "urls".into(),
            label: format!("URL-like strings \"{}\" … \"{}\"", url(0), url(n.saturating_sub(1))),
            title: "URL-like strings".into(),
            keys: Keys::Strings(keys),
        })
    }

    /// `0..n` as `u64`.
    pub fn sequential(n: u64) -> KeySet {
        KeySet {
            id: "u64seq".into(),
            label: format!("sequential u64 keys 0 … {}", n.saturating_sub(1)),
            title: "sequential u64 keys".into(),
            keys: Keys::Sequential(n),
        }
    }

    /// One key per line of `path` (a trailing `\r` is dropped; empty lines
    /// are skipped; repeated keys count once, as a map holds them).
    pub fn from_file(path: &Path) -> Result<(KeySet, FileCounts)> {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read --data {}", path.display()))?;
        ensure!(meta.is_file(), "--data {} is not a file", path.display());
        // The text, each key's `String`, and the set that removes repeats.
        limits::ensure_fits("--data file size", meta.len(), 4)?;
        let bytes = std::fs::read(path).with_context(|| format!("cannot read --data {}", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!("--data {} is not UTF-8 text (at byte {})", path.display(), e.utf8_error().valid_up_to())
        })?;
        let mut lines = 0u64;
        let mut seen = HashSet::new();
        let mut keys = Vec::new();
        for line in text.lines() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            lines += 1;
            if seen.insert(line) {
                keys.push(line.to_owned());
            }
        }
        if keys.is_empty() {
            bail!("--data {} holds no keys (no non-empty line)", path.display());
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
        let counts = FileCounts { lines, distinct: keys.len() as u64 };
        Ok((
            KeySet {
                id: "data".into(),
                label: format!("keys from {name}"),
                title: format!("keys from {name}"),
                keys: Keys::Strings(keys),
            },
            counts,
        ))
    }
}

/// What a `--data` file held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileCounts {
    /// Non-empty lines.
    pub lines: u64,
    /// Distinct keys among them.
    pub distinct: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, body: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tophash-lab-hashdist-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    #[test]
    fn data_files() {
        let p = temp("k.txt", b"a\r\nb\n\na\nc");
        let (set, counts) = KeySet::from_file(&p).unwrap();
        assert_eq!(counts, FileCounts { lines: 4, distinct: 3 });
        match set.keys {
            Keys::Strings(v) => assert_eq!(v, ["a", "b", "c"]),
            Keys::Sequential(_) => panic!(),
        }
        let empty = temp("empty.txt", b"\n\n");
        assert!(KeySet::from_file(&empty).unwrap_err().to_string().contains("holds no keys"));
        let bad = temp("bad.txt", b"ok\n\xff\n");
        assert!(KeySet::from_file(&bad).unwrap_err().to_string().contains("not UTF-8"));
        let missing = p.with_file_name("missing.txt");
        assert!(KeySet::from_file(&missing).unwrap_err().to_string().contains("cannot read --data"));
        assert!(KeySet::from_file(p.parent().unwrap()).unwrap_err().to_string().contains("not a file"));
        std::fs::remove_dir_all(p.parent().unwrap()).unwrap();
    }

    #[test]
    fn urls_share_a_prefix() {
        let s = KeySet::urls(3).unwrap();
        assert_eq!(s.len(), 3);
        assert!(s.label.contains("https://www.example.com/products/2"));
        assert!(KeySet::urls(u64::MAX / 4).is_err());
    }
}
