use super::*;
use crate::experiments::parse_args;

#[test]
fn flags_take_sizes_and_refuse_nonsense() {
    let a = parse_args::<Args>(&["x", "-n", "1M", "--key-kind", "string", "--runs", "2"]).unwrap();
    assert_eq!((a.keys, a.key_kind, a.runs), (1_000_000, KeyKind::String, 2));
    assert_eq!(parse_args::<Args>(&["x", "--keys", "1_500K"]).unwrap().keys, 1_500_000);
    let d: Args = crate::experiments::defaults().unwrap();
    assert_eq!((d.keys, d.key_kind, d.runs), (200_000, KeyKind::U64, 3), "clap's declared defaults");
    for bad in [
        &["x", "--keys", "0"][..],
        &["x", "--keys", "-3"],
        &["x", "--keys", "1e5"],
        &["x", "--keys", "lots"],
        &["x", "--keys", "2G"],
        &["x", "--runs", "0"],
        &["x", "--key-kind", "int"],
    ] {
        assert!(parse_args::<Args>(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn the_dict_shows_its_rehash() {
    let mut d = RedisFamily::empty::<u64>();
    assert_eq!(TimedMap::phase(&d).bits(), Some(0));
    let mut seen = false;
    for i in 0..100u64 {
        TimedMap::insert(&mut d, i, i);
        if let Some(r) = TimedMap::<u64>::phase(&d).resize {
            seen = true;
            assert_eq!((r.kind, r.new_b), ("rehash", r.old_b + 1), "{r:?}");
            assert_eq!(TimedMap::<u64>::capacity(&d), 1 << r.new_b);
        }
    }
    assert!(seen, "100 inserts from empty rehash the dict");
    assert_eq!(TimedMap::<u64>::entries(&d), 100);
}

#[test]
fn attribution_counts_the_state_before_or_after() {
    let fastest = [5, 2000, 3000, 4000, 10, 5000];
    let phases = [0, 0, PHASE_RESIZING, 0, PHASE_RELEASING, PHASE_RELEASING];
    // 1: neither; 2: resizing after; 3: resizing before; 5: releasing.
    assert_eq!(attribution(&fastest, Some(&phases), 1000), Some([4, 2, 1, 1]));
    assert_eq!(attribution(&fastest, None, 1000), None);
}

#[test]
fn a_small_run_writes_every_map_and_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let args = Args { keys: 3000, key_kind: KeyKind::U64, runs: 2 };
    let out = run(&args, dir).unwrap();
    let w = Workload { keys: KeyKind::U64, n: 3000 };
    for m in maps_under_test() {
        let rows = data::read_csv(&data::csv_path(dir, m.name(), &w)).unwrap();
        assert_eq!(rows.len(), 3000, "{}", m.name());
        assert!(rows.iter().all(|r| r.repro_max_ns <= r.max_ns && r.max_ns != u64::MAX), "{}", m.name());
        let shown = matches!(m.name(), "tophash" | "redis");
        assert_eq!(rows.iter().all(|r| r.phase.is_some()), shown, "{}", m.name());
        if shown {
            // 3,000 inserts from empty grow the map several times.
            assert!(rows.iter().any(|r| r.phase.is_some_and(|p| p & PHASE_RESIZING != 0)), "{}", m.name());
        }
        assert!(out.text.lines().any(|l| l.starts_with(m.name())), "{}", out.text);
    }
    let svg = std::fs::read_to_string(dir.join("latency-u64-3000.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Redis 7 dict reference"));
    let mut r = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
    let sums: Vec<Summary> = r.deserialize().collect::<Result<_, _>>().unwrap();
    assert_eq!(sums.len(), 5);
    assert!(sums.iter().all(|s| s.p50_ns <= s.p99_ns && s.p99_ns <= s.p999_ns && s.p999_ns <= s.max_ns));
    assert!(sums.iter().all(|s| s.max_ns <= s.raw_max_ns && s.runs == 2 && s.keys == 3000));
    assert!(out.text.contains("two back-to-back reads cost"));
    assert!(out.text.contains("inserts ≥ 1 µs"), "the attribution table is printed");
    assert!(out.html.contains("<svg") && out.html.contains("<table>"));
    assert!(out.files.iter().all(|f| f.exists()));
}

#[test]
fn sizes_beyond_memory_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = run(&Args { keys: MAX_KEYS, key_kind: KeyKind::U64, runs: 1 }, dir.path()).unwrap_err().to_string();
    assert!(e.contains("needs about"), "{e}");
}
