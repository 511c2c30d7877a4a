// Temporary probe (not committed): time the insert that starts a doubling.
use std::time::Instant;
fn splitmix(i: u64) -> u64 {
    let mut z = (i + 1).wrapping_mul(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}
fn faults() -> i64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u.ru_minflt
}
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n: u64 = a[1].parse().unwrap(); // the index of the insert that starts a doubling
    let extra: u64 = a.get(2).map(|s| s.parse().unwrap()).unwrap_or(4);
    let s = foldhash::fast::FixedState::with_seed(0x7470686173682121);
    let mut m: tophash::HashMap<u64, u64, _> = tophash::HashMap::with_hasher(s);
    for i in 0..n {
        m.insert(splitmix(i), i);
    }
    for i in n..n + extra {
        let f = faults();
        let t = Instant::now();
        m.insert(splitmix(i), i);
        let d = t.elapsed();
        let f2 = faults();
        println!("#{i}: {:?} {} faults", d, f2 - f);
    }
}
