use super::*;

#[test]
fn default_matches_clap() {
    assert_eq!(crate::experiments::parse_args::<Args>(&["x"]).unwrap(), Args::default());
    for bad in [&["x", "--keys", "0"][..], &["x", "--keys", "-3"], &["x", "--keys", "1e5"], &["x", "--keys", "lots"]] {
        assert!(crate::experiments::parse_args::<Args>(bad).is_err(), "{bad:?}");
    }
    assert!(crate::experiments::parse_args::<Args>(&["x", "--runs", "0"]).is_err());
}

#[test]
fn os_counters_read_this_process() {
    let a = OsCounts::now();
    let v = vec![1u8; 8 << 20];
    std::hint::black_box(&v);
    let d = OsCounts::now().since(&a);
    if cfg!(target_os = "linux") {
        assert!(d.minor_faults > 0, "touching 8 MiB of fresh pages faults");
    }
}

#[test]
fn percentiles_are_nearest_rank() {
    let v: Vec<u64> = (1..=1000).collect();
    assert_eq!(percentile(&v, 0.5), 500);
    assert_eq!(percentile(&v, 0.99), 990);
    assert_eq!(percentile(&v, 0.999), 999);
    assert_eq!(percentile(&v, 1.0), 1000);
    assert_eq!(percentile(&[5], 0.999), 5);
    let runs = vec![vec![3, 9, 9, 1, 20_000], vec![4, 8, 90_000, 1, 30_000]];
    assert_eq!(minimum(&runs), vec![3, 8, 9, 1, 20_000]);
    let os = [
        OsCounts { minor_faults: 10, involuntary_switches: 1 },
        OsCounts { minor_faults: 20, involuntary_switches: 0 },
    ];
    let s = summarize(MapKind::Std, &runs, &os);
    assert_eq!((s.max_ns, s.max_at, s.slow, s.p50_ns, s.raw_max_ns), (20_000, 4, 1, 8, 90_000));
    assert_eq!((s.minor_faults_per_run, s.involuntary_switches, s.runs), (15, 1, 2));
    assert_eq!(s.total_ms, 0.020021);
}

#[test]
fn the_clock_is_cheap_and_measured() {
    let ci = clock_overhead(&Clock::new(), 10_000);
    assert!(ci.median_ns > 0.0 && ci.median_ns < 10_000.0, "{ci:?}");
    assert!(ci.step_ns > 0.0);
}

#[test]
fn a_small_run_writes_every_map_and_the_picture() {
    let dir = std::env::temp_dir().join(format!("tophash-lab-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = run(&Args { keys: 3000, runs: 2 }, &dir).unwrap();
    for m in MapKind::ALL {
        let series = read_series(m, &dir.join(csv_name(m))).unwrap();
        let runs = &series.runs;
        assert_eq!(runs.len(), 2);
        let shown = matches!(m, MapKind::Tophash | MapKind::Redis);
        assert_eq!(attribution(&series, 0).is_some(), shown, "{}", m.name());
        if shown {
            // 3,000 inserts from empty grow the map several times.
            assert!(series.phases.iter().any(|&p| p & PHASE_RESIZING != 0), "{}", m.name());
            let [all, a, b, c] = attribution(&series, 0).unwrap();
            assert_eq!((all, a + b + c), (3000, 3000));
        }
        assert!(runs.iter().all(|s| s.len() == 3000), "{}", m.name());
        assert!(runs.iter().flatten().all(|&ns| ns != u64::MAX));
        assert!(out.text.lines().any(|l| l.starts_with(m.name())), "{}", out.text);
    }
    let svg = std::fs::read_to_string(dir.join("latency.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    let mut r = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
    let sums: Vec<Summary> = r.deserialize().collect::<Result<_, _>>().unwrap();
    assert_eq!(sums.len(), 5);
    assert!(sums.iter().all(|s| s.p50_ns <= s.p99_ns && s.p99_ns <= s.p999_ns && s.p999_ns <= s.max_ns));
    assert!(out.text.contains("two back-to-back reads cost"));
    assert!(out.html.contains("<svg") && out.html.contains("<table>"));
    assert!(out.files.iter().all(|f| f.exists()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sizes_beyond_memory_are_refused() {
    let dir = std::env::temp_dir();
    let e = run(&Args { keys: MAX_KEYS, runs: 1 }, &dir).unwrap_err().to_string();
    assert!(e.contains("needs about"), "{e}");
}
