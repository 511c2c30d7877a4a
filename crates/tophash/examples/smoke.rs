fn main() {
    let mut m = tophash::HashMap::new();
    let n: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    for i in 0..n {
        assert!(m.insert(i, i * 2).is_none());
        if i % 9973 == 0 {
            m.check_invariants().unwrap();
        }
    }
    assert_eq!(m.len() as u64, n);
    for i in 0..n {
        assert_eq!(m.get(&i), Some(&(i * 2)), "key {i}");
    }
    assert_eq!(m.iter().count() as u64, n);
    for i in (0..n).step_by(2) {
        assert_eq!(m.remove(&i), Some(i * 2));
    }
    m.check_invariants().unwrap();
    assert_eq!(m.len() as u64, n / 2);
    m.shrink_to_fit();
    for i in 0..n {
        assert_eq!(m.get(&i).is_some(), i % 2 == 1);
    }
    m.check_invariants().unwrap();
    let c = m.clone();
    assert_eq!(c, m);
    println!("ok len={} cap={}", m.len(), m.capacity());
}
