//! One module per experiment. Each has an `Args` (clap: its flags and their
//! defaults, which are the small sizes the report uses) and
//! `run(&Args, dir) -> Result<Outcome>`, which writes its data and pictures
//! into `dir` and returns what to show.

pub mod concurrent;
pub mod flame;
pub mod grow;
pub mod hashdist;
pub mod latency;
pub mod layout;
pub mod probes;
pub mod report;
pub mod tour;
pub mod trace;

use std::path::PathBuf;

/// Which keys an experiment inserts: the values of `--key-kind`, the same
/// in every experiment (each says in its help which u64 keys it uses).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Integer keys, as u64.
    U64,
    /// The strings "k0", "k1", ... (the articles' keys).
    String,
}

impl KeyKind {
    /// The name on the command line and in the output.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::U64 => "u64",
            KeyKind::String => "string",
        }
    }
}

/// The most entries a map of `2^b` buckets holds: 6.5 · 2^b (8 for one
/// bucket). The insert that would pass it starts a doubling (Go's
/// `overLoadFactor(count+1, B)`).
pub fn load_limit(b: u8) -> u64 {
    if b == 0 {
        8
    } else {
        13 << (b - 1)
    }
}

/// Parses command-line words (the first is the program name) as one
/// experiment's `Args`, flattened into a command as `main` does.
pub(crate) fn parse_args<A: clap::Args + clap::FromArgMatches>(words: &[&str]) -> Result<A, clap::Error> {
    let m = A::augment_args(clap::Command::new("x")).try_get_matches_from(words)?;
    A::from_arg_matches(&m)
}

/// An experiment's `Args` with every flag at its clap default: what the
/// experiment runs when given no flags (the tour as the default command,
/// the report's sections).
pub(crate) fn defaults<A: clap::Args + clap::FromArgMatches>() -> anyhow::Result<A> {
    parse_args(&["x"]).map_err(|e| anyhow::anyhow!("the defaults do not parse: {}", e.kind()))
}

/// What an experiment found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// For the terminal: tables and narration, ending in a newline.
    pub text: String,
    /// For the HTML report: a self-contained fragment (tables, inline SVG).
    pub html: String,
    /// Files written (data first, then pictures).
    pub files: Vec<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_experiments_defaults_parse() {
        // A flag without a default (or with one its own parser refuses)
        // would make the report and the default command fail.
        defaults::<tour::Args>().unwrap();
        defaults::<grow::Args>().unwrap();
        defaults::<hashdist::Args>().unwrap();
        defaults::<probes::Args>().unwrap();
        defaults::<layout::Args>().unwrap();
        defaults::<latency::Args>().unwrap();
        defaults::<trace::Args>().unwrap();
        defaults::<concurrent::Args>().unwrap();
        defaults::<flame::Args>().unwrap();
        defaults::<report::Args>().unwrap();
    }

    #[test]
    fn load_limit_is_where_the_map_doubles() {
        let mut m = tophash::HashMap::new();
        for b in 0..=12u8 {
            while (m.len() as u64) < load_limit(b) {
                m.insert(m.len() as u64, ());
            }
            assert_eq!(m.stats().b, b, "{} entries", m.len());
            m.insert(m.len() as u64, ());
            assert_eq!(m.stats().b, b + 1, "{} entries", m.len());
        }
    }

    #[test]
    fn counts_of_keys_take_size_suffixes_everywhere() {
        fn w<'a>(words: &[&'a str]) -> Vec<&'a str> {
            [&["x"][..], words].concat()
        }
        assert_eq!(parse_args::<tour::Args>(&w(&["-n", "1K"])).unwrap().keys, 1_000);
        assert_eq!(parse_args::<grow::Args>(&w(&["--keys", "1M"])).unwrap().keys, 1_000_000);
        assert_eq!(parse_args::<grow::Args>(&w(&["--claim-keys", "2K"])).unwrap().claim_keys, 2_000);
        assert_eq!(parse_args::<hashdist::Args>(&w(&["-n", "10K"])).unwrap().keys, 10_000);
        assert_eq!(parse_args::<probes::Args>(&w(&["--misses", "1K"])).unwrap().misses, 1_000);
        assert_eq!(parse_args::<trace::Args>(&w(&["-n", "1_000"])).unwrap().keys, 1_000);
        assert_eq!(parse_args::<flame::Args>(&w(&["-n", "5K"])).unwrap().keys, 5_000);
    }

    #[test]
    fn key_kinds_are_the_same_everywhere() {
        fn w(kind: &str) -> [&str; 3] {
            ["x", "--key-kind", kind]
        }
        for (name, kind) in [("u64", KeyKind::U64), ("string", KeyKind::String)] {
            assert_eq!(kind.name(), name);
            assert_eq!(parse_args::<grow::Args>(&w(name)).unwrap().key_kind, kind);
            assert_eq!(parse_args::<trace::Args>(&w(name)).unwrap().key_kind, kind);
            assert_eq!(parse_args::<flame::Args>(&w(name)).unwrap().key_kind, kind);
        }
    }
}
