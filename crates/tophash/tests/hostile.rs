//! Hostile sizes: capacities nobody can have, capacities the machine cannot
//! back, the capacity arithmetic at `B >= 32`, and zero-sized keys and
//! values. Only the public API is used.
//!
//! What the map promises, as std's does:
//!
//! * A size whose bucket array would not fit in `isize::MAX` bytes (or whose
//!   entry count overflows `usize`) is `TryReserveError::CapacityOverflow`
//!   from `try_reserve`, and a panic with std's message "capacity overflow"
//!   from `with_capacity` and `reserve`.
//! * A representable size the allocator refuses is
//!   `TryReserveError::AllocError { layout }` from `try_reserve` (the map is
//!   left unchanged), and `handle_alloc_error` (an abort with "memory
//!   allocation of N bytes failed") from `with_capacity` and `reserve`.
//!
//! Large arrays are mapped straight from the OS (Linux, `std`); pages are
//! populated only when touched. Whether a mapping larger than the machine's
//! memory is refused is then the kernel's overcommit policy: the default
//! heuristic (`vm.overcommit_memory = 0`) and strict (`2`) modes refuse it,
//! so `try_reserve(1 << 40)` on a `u64 → u64` map (a 42 TB array) is an
//! `AllocError`, like std's map; under `1` ("always") it succeeds lazily,
//! touching nothing, and dropping it stays cheap. The tests accept exactly
//! those two outcomes, decided by the running kernel's setting. Arrays past
//! the 47-bit address space (128 TiB) are refused under every policy.

use std::alloc::Layout;
use std::collections::hash_map::RandomState;

use tophash::{HashMap, HashSet, TryReserveError};

/// What `try_reserve(n)` on a new map did.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Overflow,
    /// Refused; the size of the layout the allocator refused.
    AllocError(usize),
    /// Succeeded: `B` and bytes held.
    Reserved(u8, usize),
}

fn reserve_new<K: Eq + std::hash::Hash, V>(n: usize) -> Outcome {
    reserve_on(HashMap::<K, V>::new(), n)
}

/// `try_reserve(n)` on `m`. On an unallocated map the array comes from the
/// global allocator and its headers are zeroed (O(capacity), as
/// `with_capacity`); on an allocated one it is mapped and left untouched.
fn reserve_on<K: Eq + std::hash::Hash, V>(mut m: HashMap<K, V>, n: usize) -> Outcome {
    let len = m.len();
    match m.try_reserve(n) {
        Err(TryReserveError::CapacityOverflow) => Outcome::Overflow,
        Err(TryReserveError::AllocError { layout }) => {
            assert_eq!(m.len(), len, "a failed try_reserve leaves the map unchanged");
            if len == 0 {
                assert_eq!((m.capacity(), m.allocated_bytes()), (0, 0));
            }
            Outcome::AllocError(layout.size())
        }
        Ok(()) => {
            assert!(m.capacity() >= n);
            Outcome::Reserved(m.stats().b, m.allocated_bytes())
        }
    }
}

/// Go's `B` for `n` entries and the array's bytes, computed independently
/// of the crate in `u128` (so this cannot overflow where the crate might):
/// the smallest `B` with `n <= 8` (B = 0) or `n <= 6.5 * 2^B`, then
/// `2^B + 2^(B-4)` buckets (Go's preallocated overflow pool from `B = 4`),
/// each a 16-byte header plus `slot_bytes` of keys and values. `None` when
/// the array cannot be represented (`B >= 63` or more than `isize::MAX`
/// bytes), which must be `CapacityOverflow`.
fn expected(n: u128, slot_bytes: u128) -> Option<(u8, u128)> {
    let mut b = 0u32;
    while !(n <= 8 && b == 0 || b > 0 && n <= 13u128 << (b - 1)) {
        b += 1;
    }
    if b >= 63 {
        return None;
    }
    let buckets = (1u128 << b) + if b >= 4 { 1u128 << (b - 4) } else { 0 };
    let bytes = buckets * (16 + slot_bytes);
    (bytes <= isize::MAX as u128).then_some((b as u8, bytes))
}

/// Arrays whose Go layout is at least this large are mapped from the OS on
/// Linux when the map already has an array (`try_reserve` on an allocated
/// map, growth).
const MAP_MIN: u128 = 128 << 10;
const PAGE: u128 = 4096;

/// A mapped array of `2^b` main buckets: its pool is `2^(b-1)` buckets (not
/// Go's `2^(b-4)`), populated only when used. Returns the mapping's bytes
/// and the bytes it holds before any pool bucket is used (the pages of the
/// main buckets' headers and slots), or `None` past `isize::MAX` bytes.
fn mapped(b: u8, slot_bytes: u128) -> Option<(u128, u128)> {
    let main = 1u128 << b;
    let len = main + (main >> 1);
    let bytes = len * (16 + slot_bytes);
    let up = |x: u128| x.div_ceil(PAGE) * PAGE;
    let hdr_end = up(main * 16);
    let slots = len * 16;
    let held = hdr_end + (up(slots + main * slot_bytes) - (slots / PAGE * PAGE).max(hdr_end));
    (bytes <= isize::MAX as u128).then_some((bytes, held))
}

fn overcommit_always() -> bool {
    std::fs::read_to_string("/proc/sys/vm/overcommit_memory").is_ok_and(|s| s.trim() == "1")
}

/// Checks `try_reserve(n)` on a map holding `seed` (so the array is mapped
/// lazily: an array the machine can back costs nothing here) against
/// [`expected`] for one key/value type whose `(K, V)` pair has no padding
/// (so a bucket's slots are exactly `8 * (size_of K + size_of V)` bytes).
fn check_reserve<K: Eq + std::hash::Hash, V>(n: usize, seed: (K, V)) {
    let slot_bytes = 8 * (size_of::<K>() + size_of::<V>()) as u128;
    let mut m = HashMap::new();
    m.insert(seed.0, seed.1);
    let got = reserve_on(m, n);
    let what = format!("{}→{} try_reserve({n:#x}) = {got:?}", std::any::type_name::<K>(), std::any::type_name::<V>());
    let want = expected(n as u128 + 1, slot_bytes).and_then(|(b, bytes)| {
        if cfg!(target_os = "linux") && bytes >= MAP_MIN {
            mapped(b, slot_bytes).map(|(size, held)| (b, size, held))
        } else {
            Some((b, bytes, bytes))
        }
    });
    match want {
        None => assert_eq!(got, Outcome::Overflow, "{what}"),
        Some((b, bytes, held)) => match got {
            Outcome::Overflow => panic!("{what}: representable ({bytes} bytes, B = {b})"),
            Outcome::AllocError(size) => {
                assert_eq!(size as u128, bytes, "{what}: the refused layout is the array's");
                // Refused: more than this machine can back. Under
                // "always overcommit" only the address space limits.
                if overcommit_always() {
                    assert!(bytes > 1 << 47, "{what}: refused under vm.overcommit_memory = 1");
                }
            }
            Outcome::Reserved(got_b, got_bytes) => {
                // Held: the new array and the one-bucket old one.
                assert_eq!(got_b, b, "{what}");
                assert_eq!(got_bytes as u128, held + 16 + slot_bytes, "{what}");
                assert!(bytes < 1 << 47, "{what}: larger than the address space");
            }
        },
    }
}

#[test]
fn try_reserve_impossible_sizes_are_capacity_overflow() {
    for n in [usize::MAX, usize::MAX - 1, isize::MAX as usize, 1 << 62, (1 << 61) + 1] {
        assert_eq!(reserve_new::<u64, u64>(n), Outcome::Overflow, "{n:#x}");
        assert_eq!(reserve_new::<(), ()>(n), Outcome::Overflow, "{n:#x}");
        assert_eq!(reserve_new::<u8, [u64; 64]>(n), Outcome::Overflow, "{n:#x}");
    }
    // `len + additional` overflowing is the same error, and the map keeps
    // its entries, its shape and its usability.
    let mut m: HashMap<u64, u64> = (0..100).map(|i| (i, i)).collect();
    let (cap, bytes) = (m.capacity(), m.allocated_bytes());
    for n in [usize::MAX - 99, usize::MAX - 50, usize::MAX] {
        assert_eq!(m.try_reserve(n), Err(TryReserveError::CapacityOverflow));
    }
    assert_eq!((m.len(), m.capacity(), m.allocated_bytes()), (100, cap, bytes));
    m.check_invariants().unwrap();
    m.insert(100, 100);
    assert_eq!(m[&100], 100);

    let mut s: HashSet<()> = HashSet::new();
    assert_eq!(s.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow));
    assert!(s.insert(()));
}

#[test]
fn try_reserve_past_the_address_space_is_alloc_error() {
    // Representable layouts (under isize::MAX bytes) that no process can
    // map: 2^50 u64 pairs is a 2.6 PB array.
    for (n, want_b) in [(1usize << 50, 48u8), (1 << 55, 53), (1 << 57, 55)] {
        let got = reserve_new::<u64, u64>(n);
        let (b, bytes) = expected(n as u128, 128).expect("representable");
        assert_eq!(b, want_b);
        assert_eq!(got, Outcome::AllocError(bytes as usize), "{n:#x}");
    }
    // Zero-sized keys and values still need the 16-byte headers.
    let (_, bytes) = expected(1 << 58, 0).unwrap();
    assert_eq!(reserve_new::<(), ()>(1 << 58), Outcome::AllocError(bytes as usize));

    // A failed reservation on a map mid-resize leaves it as it was.
    let mut m: HashMap<u32, u32> = HashMap::new();
    for i in 0..27 {
        m.insert(i, i);
    }
    assert!(m.is_resizing());
    let before = m.stats();
    let e = m.try_reserve(1 << 58).unwrap_err();
    assert!(matches!(e, TryReserveError::AllocError { layout } if layout.size() > 1 << 47), "{e:?}");
    assert_eq!(format!("{:?}", m.stats()), format!("{before:?}"));
    m.check_invariants().unwrap();
    for i in 27..1000 {
        m.insert(i, i);
    }
    assert!((0..1000).all(|i| m[&i] == i));
}

#[test]
fn try_reserve_more_than_the_machine_is_alloc_error_or_lazy() {
    // 2^40 entries: B = 38, a 42 TB array. std's map returns AllocError;
    // so does this one, unless the kernel is set to always overcommit, in
    // which case the array is mapped, untouched, and freed cheaply.
    let n = 1usize << 40;
    let (b, go_bytes) = expected(n as u128, 128).unwrap();
    assert_eq!((b, go_bytes), (38, 42_056_319_762_432));
    // Mapped, so with the larger pool: 1.5 * 2^38 buckets, a 59 TB layout.
    let (bytes, _) = mapped(b, 128).unwrap();
    assert_eq!(bytes, 59_373_627_899_904);
    let mut m: HashMap<u64, u64> = HashMap::new();
    m.insert(7, 7);
    match m.try_reserve(n) {
        Err(TryReserveError::AllocError { layout }) => {
            assert!(!overcommit_always());
            assert_eq!(layout, Layout::from_size_align(bytes as usize, 8).unwrap());
            assert_eq!((m.len(), m.capacity(), m[&7]), (1, 8, 7));
        }
        Ok(()) => {
            assert!(overcommit_always(), "a 42 TB reservation succeeded without vm.overcommit_memory = 1");
            assert_eq!(m.stats().b, 38);
            assert!(m.capacity() > n && m[&7] == 7);
        }
        Err(e) => panic!("{e:?}"),
    }
}

/// The capacity arithmetic for every `B` up to 62, through `try_reserve`:
/// around each power of two and each load limit `6.5 · 2^B`, the refused
/// layout (or the reserved array) is exactly Go's, and nothing wraps into a
/// small allocation. Arrays the machine can back are mapped lazily and
/// freed untouched, so this is cheap.
#[test]
fn capacity_math_is_exact_up_to_b_62() {
    let mut ns = Vec::new();
    for k in 20..64u32 {
        let p = 1usize << k;
        ns.extend([p - 1, p, p + 1]);
        let limit = 13u128 << (k - 1);
        if limit < usize::MAX as u128 {
            ns.extend([limit as usize, limit as usize + 1]);
        }
    }
    ns.push(usize::MAX);
    for &n in &ns {
        check_reserve::<u64, u64>(n, (0, 0));
        check_reserve::<(), ()>(n, ((), ()));
        check_reserve::<u64, [u64; 64]>(n, (0, [0; 64]));
        check_reserve::<u8, ()>(n, (0, ()));
    }
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn with_capacity_usize_max_panics() {
    let _m: HashMap<u64, u64> = HashMap::with_capacity(usize::MAX);
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn with_capacity_isize_max_panics() {
    let _m: HashMap<(), ()> = HashMap::with_capacity(isize::MAX as usize);
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn reserve_usize_max_panics() {
    let mut m: HashMap<u64, u64> = HashMap::new();
    m.reserve(usize::MAX);
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn reserve_overflowing_len_panics() {
    let mut m: HashMap<u64, u64> = (0..10).map(|i| (i, i)).collect();
    m.reserve(usize::MAX - 5);
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn set_with_capacity_usize_max_panics() {
    let _s: HashSet<u8> = HashSet::with_capacity(usize::MAX);
}

/// The child half of [`with_capacity_unbackable_aborts_like_std`].
#[test]
#[ignore = "run as a child process by with_capacity_unbackable_aborts_like_std"]
fn child_with_capacity_unbackable() {
    if std::env::var_os("TOPHASH_HOSTILE_CHILD").is_some() {
        let m: HashMap<u64, u64> = HashMap::with_capacity(1 << 50);
        println!("unreachable: capacity {}", m.capacity());
    }
}

/// `with_capacity` of a representable but unbackable size reports the
/// allocation failure as std's collections do (`handle_alloc_error`, which
/// aborts), not with a panic or a silently smaller map.
#[test]
fn with_capacity_unbackable_aborts_like_std() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args(["--exact", "child_with_capacity_unbackable", "--ignored", "--nocapture", "--test-threads=1"])
        .env("TOPHASH_HOSTILE_CHILD", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (_, bytes) = expected(1 << 50, 128).unwrap();
    assert!(!out.status.success(), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(6), "SIGABRT expected: {:?}\n{stderr}", out.status);
    }
    assert!(stderr.contains(&format!("memory allocation of {bytes} bytes failed")), "{stderr}");
}

/// Minor page faults of this process so far (Linux).
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; minflt is field 10.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(7)?.parse().ok()
}

/// Regression: dropping (or clearing the entries of) an empty map that had
/// reserved a huge array walked every bucket header looking for overflow
/// buckets to free, reading every page of a lazily mapped array: minutes
/// and page tables for a 42 TB reservation. Now a map with no stand-alone
/// overflow bucket skips the walk. Measured in page faults: a walk of this
/// 1.1 GB array (all headers: zero-sized entries) faults ~270,000 pages.
#[test]
fn dropping_a_huge_empty_reservation_is_cheap() {
    let Some(before) = minor_faults() else { return };
    // Allocated first, so the reservation is mapped (untouched) rather than
    // taken from the heap with its headers zeroed.
    let mut m: HashMap<(), ()> = HashMap::from([((), ())]);
    if let Err(e) = m.try_reserve((13 << 25) - 1) {
        eprintln!("skipped: this machine refuses a 1.1 GB mapping ({e})");
        return;
    }
    assert_eq!(m.stats().b, 26);
    assert_eq!(m.remove(&()), Some(()));
    m.shrink_to_fit(); // empty: frees everything
    assert_eq!(m.capacity(), 0);
    m.insert((), ());
    m.try_reserve((13 << 25) - 1).unwrap();
    drop(m);
    let faults = minor_faults().unwrap() - before;
    // Other tests run in parallel threads of this process; they fault far
    // fewer pages than one walk would.
    assert!(faults < 50_000, "{faults} page faults to free an empty map");
}

#[test]
fn shrink_to_impossible_sizes_is_a_no_op() {
    let mut m: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    let cap = m.capacity();
    m.shrink_to(usize::MAX);
    m.shrink_to(isize::MAX as usize);
    assert_eq!(m.capacity(), cap);
    m.check_invariants().unwrap();
}

#[test]
fn zero_sized_keys_and_values() {
    // One possible key: the map holds at most one entry.
    let mut m: HashMap<(), ()> = HashMap::new();
    for _ in 0..1000 {
        m.insert((), ());
    }
    assert_eq!(m.len(), 1);
    assert_eq!(m.iter().count(), 1);
    assert_eq!(m.remove(&()), Some(()));
    assert!(m.is_empty());
    m.check_invariants().unwrap();

    let mut s: HashSet<()> = HashSet::new();
    assert!(s.insert(()));
    assert!(!s.insert(()));
    assert!(s.contains(&()));
    assert_eq!(s.len(), 1);
    assert!(s.remove(&()));
    assert!(s.is_empty());

    // Zero-sized values, many keys: through several doublings, removals and
    // shrinks. The array is headers only (16 bytes per bucket).
    let mut m: HashMap<u32, ()> = HashMap::new();
    for i in 0..100_000 {
        assert_eq!(m.insert(i, ()), None);
    }
    m.check_invariants().unwrap();
    assert_eq!(m.len(), 100_000);
    assert_eq!(m.iter().count(), 100_000);
    assert!((0..100_000).step_by(997).all(|i| m.contains_key(&i)));
    m.finish_resize();
    // No bytes for the values: a bucket is a 16-byte header and 8 keys.
    let st = m.stats();
    let buckets = (1usize << st.b) + (1 << (st.b - 4));
    assert!(st.allocated_bytes >= buckets * 48, "{st:?}");
    assert!(st.allocated_bytes <= (buckets + st.overflow_buckets) * 48, "{st:?}");
    m.retain(|k, _| k % 10 == 0);
    m.shrink_to_fit();
    m.finish_resize();
    m.check_invariants().unwrap();
    assert_eq!(m.len(), 10_000);

    // A zero-sized key with a value.
    let mut m: HashMap<(), u64, RandomState> = HashMap::with_hasher(RandomState::new());
    *m.entry(()).or_insert(0) += 5;
    *m.entry(()).or_insert(0) += 5;
    assert_eq!(m[&()], 10);

    // Zero-sized array values.
    let mut m: HashMap<u64, [u8; 0]> = (0..5000).map(|i| (i, [])).collect();
    m.check_invariants().unwrap();
    assert_eq!(m.drain().count(), 5000);
}
