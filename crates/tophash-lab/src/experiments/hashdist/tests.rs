use std::path::PathBuf;

use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tophash-lab-hashdist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn small() -> Args {
    Args { keys: 3000, buckets: 64, data: None, sweep: 2, seed: Some(0x5eed) }
}

#[test]
fn defaults_are_the_articles_sizes() {
    let d: Args = crate::experiments::defaults().unwrap();
    assert_eq!(d.keys, ARTICLE_N, "the article's 100,000 keys");
    assert_eq!(d.buckets, ARTICLE_M, "the article's 1,024 buckets");
}

#[test]
fn bad_arguments_are_refused() {
    for bad in [&["x", "--keys", "0"][..], &["x", "--keys", "-5"], &["x", "--keys", "many"], &["x", "--buckets", "1"]] {
        assert!(crate::experiments::parse_args::<Args>(bad).is_err(), "{bad:?}");
    }
    assert_eq!(crate::experiments::parse_args::<Args>(&["x", "--seed", "0xff"]).unwrap().seed, Some(255));
    assert!(crate::experiments::parse_args::<Args>(&["x", "--seed", "0xzz"]).is_err());
    let dir = temp_dir("bad");
    let e = run(&Args { buckets: 1000, ..small() }, &dir).unwrap_err().to_string();
    assert!(e.contains("not a power of two"), "{e}");
    let e = run(&Args { data: Some(dir.join("nope.txt")), ..small() }, &dir).unwrap_err();
    assert!(format!("{e:#}").contains("cannot read --data"), "{e:#}");
    std::fs::write(dir.join("empty.txt"), "").unwrap();
    let e = run(&Args { data: Some(dir.join("empty.txt")), ..small() }, &dir).unwrap_err().to_string();
    assert!(e.contains("holds no keys"), "{e}");
    let e = run(&Args { keys: 1_000_000_000, ..small() }, &dir).unwrap_err().to_string();
    assert!(e.contains("needs about"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn writes_data_pictures_and_the_article_table() {
    let dir = temp_dir("run");
    let out = run(&small(), &dir).unwrap();
    let rows: Vec<Row> = read_rows(&dir.join("hashdist.csv")).unwrap();
    // Two key sets; FNV once, nine seeded functions twice.
    assert_eq!(rows.len(), 2 * (1 + 2 * 9));
    for r in &rows {
        assert_eq!(r.keys, 3000);
        assert_eq!(r.buckets, 64);
        assert!((r.low_ratio - r.low_chi2 / 63.0).abs() < 1e-9, "ratio = χ²/df");
        assert!(r.low_max as f64 >= 3000.0 / 64.0);
    }
    let sweep: Vec<SweepRow> = read_rows(&dir.join("sweep.csv")).unwrap();
    assert_eq!(sweep.len(), 2 * 9 * 2);
    for f in ["ratio-urls.svg", "ratio-u64seq.svg", "sweep.svg", "loads-urls.svg", "loads-u64seq.svg"] {
        let s = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(s.starts_with("<svg"), "{f}");
    }
    for f in ["article.csv", "loads-urls.csv", "buckets-urls.csv", "tophash-u64seq.csv"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    assert!(out.files.iter().all(|f| f.exists()));
    assert!(out.text.contains(&format!("Claim \"{}\": the article's table beside ours", claims::HASH_VARIANCES)));
    assert!(out.text.contains("1284.6"));
    assert!(out.text.contains("foldhash fast, sequential u64 keys"));
    assert!(out.html.contains("<svg") && out.html.contains("<table>"));
    // The same seed gives the same numbers.
    let dir2 = temp_dir("run2");
    run(&small(), &dir2).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("hashdist.csv")).unwrap(),
        std::fs::read_to_string(dir2.join("hashdist.csv")).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&dir2).unwrap();
}

#[test]
fn data_file_keys_replace_the_urls() {
    let dir = temp_dir("data");
    let words: String = (0..500).map(|i| format!("word{i}\n")).chain(["word1\n".to_string()]).collect();
    std::fs::write(dir.join("words.txt"), words).unwrap();
    let out = run(&Args { data: Some(dir.join("words.txt")), keys: 100, sweep: 0, ..small() }, &dir.join("out")).ok();
    // `run` writes into an existing directory.
    assert!(out.is_none());
    std::fs::create_dir(dir.join("out")).unwrap();
    let out =
        run(&Args { data: Some(dir.join("words.txt")), keys: 100, sweep: 0, ..small() }, &dir.join("out")).unwrap();
    assert!(out.text.contains("501 non-empty lines, 500 distinct keys"), "{}", out.text);
    let rows: Vec<Row> = read_rows(&dir.join("out/hashdist.csv")).unwrap();
    assert!(rows.iter().any(|r| r.keyset == "data" && r.keys == 500));
    assert!(rows.iter().any(|r| r.keyset == "u64seq" && r.keys == 100));
    assert!(!dir.join("out/sweep.csv").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_identity_like_hash_is_too_even_on_sequential_keys() {
    // Sequential keys through a bijection of the low bits fill every
    // bucket equally: variance 0, flagged "too even".
    let counts = vec![10u64; 64];
    let d = Dist::of(&counts);
    assert_eq!(stats::reading(d.p, d.p_low), "too even");
    assert_eq!(occupancy(&[0, 2, 2, 1]), vec![1, 1, 2]);
}

#[test]
fn medians() {
    assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
    assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
}
