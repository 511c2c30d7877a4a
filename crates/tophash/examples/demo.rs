//! Fills a tophash map and a std HashMap with the same million keys, one
//! insert at a time, and prints what tophash did (each growth: which insert
//! started it, buckets before and after, how many writes the evacuation
//! took) and the slowest single insert of each map.
//!
//! Run: `cargo run --release -p tophash --example demo [-- N]`

use std::collections::HashMap as StdMap;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use tophash::HashMap;

fn main() {
    let n: u64 = match std::env::args().nth(1) {
        None => 1_000_000,
        Some(s) => match s.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("demo: N must be a positive integer, got {s:?}");
                std::process::exit(2);
            }
        },
    };
    let hasher = foldhash::fast::FixedState::with_seed(42);
    let keys: Vec<u64> = (0..n).map(|i| hasher.hash_one(i)).collect();

    println!("tophash demo: inserting {n} u64 keys one at a time\n");
    println!("{:>10}  {:>9} -> {:>9}  {:>12}  {:>10}", "insert #", "capacity", "capacity", "writes to", "slowest");
    println!("{:>10}  {:>9}    {:>9}  {:>12}  {:>10}", "", "before", "after", "finish move", "in window");

    let mut m: HashMap<u64, u64, _> = HashMap::with_hasher(hasher.clone());
    let mut worst = Duration::ZERO;
    let mut growths = 0;
    let mut window: Option<(u64, usize, Duration)> = None;
    let start = Instant::now();
    for (i, &k) in keys.iter().enumerate() {
        let cap = m.capacity();
        let t = Instant::now();
        m.insert(k, i as u64);
        let dt = t.elapsed();
        worst = worst.max(dt);
        if let Some((_, _, w)) = window.as_mut() {
            *w = (*w).max(dt);
        }
        if window.is_none() && (m.is_resizing() || m.capacity() != cap) {
            growths += 1;
            window = Some((i as u64 + 1, cap, dt));
        }
        if let Some((at, before, w)) = window {
            if !m.is_resizing() {
                let writes = i as u64 + 2 - at;
                println!("{at:>10}  {before:>9} -> {:>9}  {writes:>12}  {w:>10.2?}", m.capacity());
                window = None;
            }
        }
    }
    let total = start.elapsed();
    assert_eq!(m.len() as u64, n);
    let found = keys.iter().filter(|&k| m.contains_key(k)).count();
    assert_eq!(found as u64, n, "every key must be found");

    let mut s: StdMap<u64, u64, _> = StdMap::with_hasher(hasher);
    let mut std_worst = Duration::ZERO;
    let std_start = Instant::now();
    for (i, &k) in keys.iter().enumerate() {
        let t = Instant::now();
        s.insert(k, i as u64);
        std_worst = std_worst.max(t.elapsed());
    }
    let std_total = std_start.elapsed();
    assert_eq!(s.len(), m.len());

    println!();
    println!("tophash: {growths} growths, {:.1} ns/insert, slowest insert {worst:.2?}", per(total, n));
    println!("std    : {:.1} ns/insert, slowest insert {std_worst:.2?}", per(std_total, n));
    println!(
        "std's slowest insert is {:.0}x tophash's (wall clock, one run; see the latency harness for the full study)",
        std_worst.as_secs_f64() / worst.as_secs_f64()
    );
}

fn per(d: Duration, n: u64) -> f64 {
    d.as_nanos() as f64 / n as f64
}
