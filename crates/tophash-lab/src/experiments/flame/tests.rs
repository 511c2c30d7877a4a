use super::*;

#[test]
fn bad_arguments_are_refused() {
    for bad in [
        &["x", "--keys", "0"][..],
        &["x", "--keys", "-1"],
        &["x", "--keys", "ten"],
        &["x", "--min-samples", "0"],
        &["x", "--frequency", "0"],
        &["x", "--key-kind", "float"],
    ] {
        assert!(crate::experiments::parse_args::<Args>(bad).is_err(), "{bad:?}");
    }
    assert_eq!(crate::experiments::parse_args::<Args>(&["x", "--key-kind", "u64"]).unwrap().key_kind, KeyKind::U64);
}

#[test]
fn scripts_are_cut_out() {
    assert_eq!(
        without_script("<svg onload=\"init(evt)\">a<script x>v</script>b<script>c</script></svg>"),
        "<svg>ab</svg>"
    );
    assert_eq!(without_script("<svg>a<script>unclosed"), "<svg>a");
}

#[test]
fn frame_names_lose_their_hash_and_semicolons() {
    assert_eq!(
        clean("tophash::raw::RawTable<K,V>::grow_work::h0123456789abcdef"),
        "tophash::raw::RawTable<K,V>::grow_work"
    );
    assert_eq!(clean("a;b::hzz"), "a:b::hzz");
    assert_eq!(clean("<T as core::Foo>::bar"), "<T as core::Foo>::bar");
}

#[test]
fn folded_stacks_are_counted_by_self_and_total() {
    let dir = std::env::temp_dir().join(format!("tophash-lab-flame-folded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("folded.txt");
    std::fs::write(
        &p,
        "t;experiments::flame::workload;insert;grow_work;evacuate 5\nt;experiments::flame::workload;insert 3\nt;experiments::flame::workload;insert;hash;hash 2\n",
    )
    .unwrap();
    let stacks = read_folded(&p).unwrap();
    let s = FrameStats::of(&stacks);
    assert_eq!(s.total, 10);
    assert_eq!(s.self_samples["evacuate"], 5);
    assert_eq!(s.self_samples["insert"], 3);
    assert_eq!(s.total_samples["insert"], 10);
    assert_eq!(s.total_samples["hash"], 2, "a frame twice on one stack counts once");
    assert_eq!(s.total_samples["t"], 10);
    assert!(!s.below_workload.contains_key("t"), "frames above the workload are not ranked");
    assert_eq!(s.below_workload["insert"], 10);
    assert_eq!(group_samples(&stacks, &[&["grow_work"], &["evacuate"]]), 5);
    assert_eq!(group_samples(&stacks, &[&["insert", "hash"]]), 2);
    assert_eq!(group_samples(&stacks, &[&["grow_work", "hash"]]), 0);
    std::fs::write(&p, "main;insert x\n").unwrap();
    assert!(read_folded(&p).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(shorten("abcdefghij", 6), "ab…hij");
    assert_eq!(shorten("abc", 6), "abc");
}

#[test]
fn a_short_profile_samples_the_workload() {
    let dir = std::env::temp_dir().join(format!("tophash-lab-flame-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let args = Args { keys: 20_000, key_kind: KeyKind::U64, min_samples: 20, frequency: 997, max_seconds: 60 };
    let out = run(&args, &dir).unwrap();
    let stacks = read_folded(&dir.join("folded.txt")).unwrap();
    let total: u64 = stacks.iter().map(|(_, c)| c).sum();
    assert!(total >= 20, "{total} samples");
    assert!(stacks.iter().all(|(f, _)| f.first().is_some_and(|r| r == THREAD)), "only the workload thread");
    assert!(
        stacks.iter().any(|(f, _)| f.get(1).is_some_and(|w| w.contains(WORKLOAD_FRAME))),
        "start-up frames left out"
    );
    let stat = std::fs::read_to_string(dir.join("flame-static.svg")).unwrap();
    assert!(!stat.contains("init(evt)") && !stat.contains("<script"));
    assert!(!out.html.contains("<script"), "the report page holds no scripts");
    for f in ["flame.svg", "flame-static.svg"] {
        let s = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(s.contains("<svg"), "{f}");
    }
    assert!(out.text.contains("growth: grow_work / evacuate"));
    assert!(out.html.contains("<svg"));
    std::fs::remove_dir_all(&dir).unwrap();
}
