//! Drop accounting: every key and value the map is given is dropped exactly
//! once, by the map or by whoever it hands the entry to, through every API
//! that moves or destroys entries, also mid-resize, with overflow chains,
//! and for iterators dropped half-consumed.
//!
//! Each test keeps the [`Ledger`] invariant "live values == 2 × entries in
//! the maps + values the test holds" and ends with `assert(0)` after the
//! maps are gone. A double drop is counted per instance (serial), so it is
//! reported, not just observed as a wrong total.

use core::hash::BuildHasher;
use core::mem;
use std::format;
use std::vec::Vec;

use super::strategy::{observe_cases, ops, Mix};
use super::{run, Colliding, Fixed, Ledger, Tracked, TrackedCodec};
use crate::hash_map::Entry;
use crate::HashMap;

type Map<S = Fixed> = HashMap<Tracked, Tracked, S>;

/// Value ids are key ids plus this, so keys and values are told apart.
const VAL: u32 = 100_000;

fn entry(l: &'static Ledger, id: u32) -> (Tracked, Tracked) {
    (l.make(id), l.make(id + VAL))
}

/// A map with keys `0..n` and the hasher `s`.
fn filled<S: BuildHasher>(l: &'static Ledger, n: u32, s: S) -> Map<S> {
    let mut m = HashMap::with_hasher(s);
    for i in 0..n {
        let (k, v) = entry(l, i);
        assert!(m.insert(k, v).is_none());
    }
    m
}

/// A map in the middle of a doubling from 8 to 16 buckets (the 53rd key
/// starts it; each later write moves at most two of the 8 old buckets).
fn mid_resize<S: BuildHasher>(l: &'static Ledger, s: S) -> Map<S> {
    let m = filled(l, 53, s);
    assert!(m.is_resizing());
    m
}

/// The maps the scenarios run on: small, mid-resize, and mid-resize with
/// overflow chains (4 chains for 53 keys).
fn shapes(l: &'static Ledger) -> Vec<Map<Colliding>> {
    std::vec![
        filled(l, 0, Colliding { bucket_bits: 56 }),
        filled(l, 5, Colliding { bucket_bits: 56 }),
        mid_resize(l, Colliding { bucket_bits: 56 }),
        mid_resize(l, Colliding { bucket_bits: 2 }),
    ]
}

fn ok<K: core::hash::Hash + Eq, V, S: BuildHasher>(m: &HashMap<K, V, S>) {
    m.check_invariants().unwrap();
    assert_eq!(m.len(), m.iter().count());
}

/// Runs `f` on each shape. `f` returns the values it took out of the map
/// and still holds, and how many it leaked on purpose; the ledger must count
/// exactly those plus the map's entries, and after the map and the held
/// values are dropped, only the leaked ones.
fn each_shape(f: impl Fn(&'static Ledger, &mut Map<Colliding>) -> (Vec<Tracked>, usize)) {
    for i in 0..4 {
        let l = Ledger::new();
        let mut m = shapes(l).swap_remove(i);
        l.assert(2 * m.len());
        let (held, leaked) = f(l, &mut m);
        ok(&m);
        l.assert(2 * m.len() + held.len() + leaked);
        drop(m);
        l.assert(held.len() + leaked);
        drop(held);
        l.assert(leaked);
    }
}

fn none() -> (Vec<Tracked>, usize) {
    (Vec::new(), 0)
}

fn flat(entries: impl IntoIterator<Item = (Tracked, Tracked)>) -> (Vec<Tracked>, usize) {
    (entries.into_iter().flat_map(|(k, v)| [k, v]).collect(), 0)
}

#[test]
fn drop_of_the_map_drops_every_entry() {
    each_shape(|_, _| none());
}

#[test]
fn insert_new_and_overwrite() {
    each_shape(|l, m| {
        let n = m.len() as u32;
        let (k, v) = entry(l, 900);
        assert!(m.insert(k, v).is_none());
        // Overwrite: the map keeps its stored key, drops the new one, and
        // hands back the old value.
        let stored = m.get_key_value(&l.make(900)).map(|(k, _)| k.serial()).unwrap();
        let (k, v) = entry(l, 900);
        let old = m.insert(k, v).expect("present");
        assert_eq!(old.id, 900 + VAL);
        assert_eq!(m.get_key_value(&l.make(900)).map(|(k, _)| k.serial()).unwrap(), stored);
        let mut held = std::vec![old];
        for i in 0..n {
            let (k, v) = entry(l, i);
            held.extend(m.insert(k, v));
        }
        (held, 0)
    });
}

#[test]
fn remove_and_remove_entry() {
    each_shape(|l, m| {
        let n = m.len() as u32;
        let mut held = Vec::new();
        for i in (0..n).step_by(2) {
            held.push(m.remove(&l.make(i)).expect("present"));
        }
        for i in (1..n).step_by(2) {
            let (k, v) = m.remove_entry(&l.make(i)).expect("present");
            held.extend([k, v]);
        }
        assert!(m.remove(&l.make(n + 1)).is_none());
        (held, 0)
    });
}

#[test]
fn clear_also_mid_resize() {
    each_shape(|l, m| {
        m.clear();
        l.assert(0);
        let (k, v) = entry(l, 1);
        m.insert(k, v);
        none()
    });
}

#[test]
fn drain_full_half_and_leaked() {
    // Fully consumed: the test holds every entry.
    each_shape(|_, m| flat(m.drain().collect::<Vec<_>>()));
    // Dropped half-consumed: the `Drain` drops the rest.
    each_shape(|_, m| {
        let n = m.len();
        let mut d = m.drain();
        let held: Vec<_> = d.by_ref().take(n / 2).collect();
        assert_eq!(d.len(), n - held.len());
        drop(d);
        flat(held)
    });
    // Leaked: the map is left empty and usable; the entries leak (as with
    // std), none is dropped.
    each_shape(|l, m| {
        let n = m.len();
        mem::forget(m.drain());
        assert!(m.is_empty());
        ok(m);
        let (k, v) = entry(l, 1);
        m.insert(k, v);
        (Vec::new(), 2 * n)
    });
}

#[test]
fn retain_and_extract_if() {
    each_shape(|_, m| {
        m.retain(|k, _| k.id % 3 != 0);
        none()
    });
    // Fully consumed and dropped at once, half-consumed and held, dropped
    // before the first `next`.
    each_shape(|_, m| {
        m.extract_if(|k, _| k.id % 2 == 0).for_each(drop);
        none()
    });
    each_shape(|_, m| flat(m.extract_if(|k, _| k.id % 2 == 0).take(5).collect::<Vec<_>>()));
    each_shape(|_, m| {
        drop(m.extract_if(|_, _| true));
        none()
    });
}

#[test]
fn into_iter_full_and_half() {
    for take in [0, 1, 10, usize::MAX] {
        each_shape(|_, m| {
            let owned = mem::replace(m, HashMap::with_hasher(*m.hasher()));
            let mut it = owned.into_iter();
            let held: Vec<_> = it.by_ref().take(take).collect();
            drop(it);
            flat(held)
        });
        each_shape(|_, m| {
            let owned = mem::replace(m, HashMap::with_hasher(*m.hasher()));
            (owned.into_keys().take(take).collect(), 0)
        });
        each_shape(|_, m| {
            let owned = mem::replace(m, HashMap::with_hasher(*m.hasher()));
            (owned.into_values().take(take).collect(), 0)
        });
    }
}

#[test]
fn clone_and_clone_from() {
    each_shape(|l, m| {
        let c = m.clone();
        ok(&c);
        l.assert(4 * m.len());
        drop(c);
        none()
    });
    // clone_from drops the target's entries and clones the source's.
    each_shape(|l, m| {
        let mut target = filled(l, 30, *m.hasher());
        target.clone_from(m);
        ok(&target);
        assert_eq!(target.len(), m.len());
        l.assert(4 * m.len());
        flat(target)
    });
}

#[test]
fn entry_api() {
    each_shape(|l, m| {
        // Present key: `or_insert` drops the key and the default it was
        // given.
        if !m.is_empty() {
            *m.entry(l.make(0)).or_insert(l.make(7)) = l.make(8);
        }
        // Absent: both are stored.
        m.entry(l.make(800)).or_insert(l.make(800 + VAL));
        m.entry(l.make(801)).or_insert_with(|| l.make(801 + VAL));
        m.entry(l.make(802)).or_insert_with_key(|k| l.make(k.id + VAL));
        m.entry(l.make(802)).and_modify(|v| *v = l.make(5)).or_insert_with(|| unreachable!());
        drop(m.entry(l.make(803)).insert_entry(l.make(1)));
        drop(m.entry(l.make(803)).insert_entry(l.make(2)));
        // A vacant entry dropped, or turned back into its key.
        drop(m.entry(l.make(804)));
        let Entry::Vacant(e) = m.entry(l.make(805)) else { panic!("805 is absent") };
        drop(e.into_key());
        // replace_key hands back the stored key.
        let Entry::Occupied(e) = m.entry(l.make(800)) else { panic!("800 is present") };
        let old = e.replace_key();
        // Occupied removal.
        let Entry::Occupied(e) = m.entry(l.make(801)) else { panic!("801 is present") };
        let (k, v) = e.remove_entry();
        // try_insert: the error carries the value back; its entry holds
        // the key that was passed and drops it.
        let err = m.try_insert(l.make(802), l.make(3)).unwrap_err();
        (std::vec![old, k, v, err.value], 0)
    });
}

#[test]
fn resizing_calls_drop_nothing() {
    each_shape(|l, m| {
        m.reserve(500);
        m.evacuate(3);
        m.finish_resize();
        m.retain(|k, _| k.id < 10);
        m.shrink_to_fit();
        for i in 600..700 {
            let (k, v) = entry(l, i);
            m.insert(k, v);
        }
        m.shrink_to(0);
        m.set_auto_shrink(true);
        let mut held = Vec::new();
        for i in 600..690 {
            held.extend(m.remove(&l.make(i)));
        }
        (held, 0)
    });
}

/// Random operation sequences on `Tracked` entries (with the model check
/// after every operation): afterwards exactly the map's entries are live,
/// and nothing after the map is dropped.
#[test]
fn random_ops_leave_no_leak_and_no_double_drop() {
    let strategy = (0..3u32, ops(Mix::GROW, 50..250));
    let test = |(bits, ops): (u32, Vec<_>)| {
        let l = Ledger::new();
        let mut m: Map<Colliding> = HashMap::with_hasher(Colliding { bucket_bits: [1, 3, 56][bits as usize] });
        let observed = run(&ops, &mut m, &TrackedCodec(l));
        l.assert(2 * m.len());
        drop(m);
        l.assert(0);
        observed
    };
    // Two cases under Miri (scripts/miri.sh), which runs them about a
    // thousand times slower.
    let cases = if cfg!(miri) { 2 } else { 64 };
    observe_cases(strategy, cases, None, test, |input| format!("{input:?}"));
}
