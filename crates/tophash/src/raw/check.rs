//! The invariant walker: checks every numbered invariant of `raw/mod.rs` by
//! visiting every bucket. O(buckets + entries); tests call it after every
//! operation.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::bucket::{filter_bit, header, ArrayView, FILL_MASK};
use super::tophash::{tophash, BUCKET_SLOTS, EMPTY_ONE, EMPTY_REST, EVACUATED_EMPTY, EVACUATED_X, MIN_TOPHASH};
use super::RawTable;

impl<K, V> RawTable<K, V> {
    /// Walks the whole table and returns the first broken invariant.
    pub(crate) fn check_invariants(&self, hasher: impl Fn(&K) -> u64) -> Result<(), String> {
        let fast_ok = match (&self.current, &self.old) {
            (Some(cur), None) => same_view(self.steady_view, cur.view),
            _ => self.steady_view.hdrs.is_null(),
        };
        if !fast_ok {
            return Err(String::from("inv 13: steady_view is not the current array's view outside a resize"));
        }
        let Some(cur) = &self.current else {
            if self.old.is_some()
                || self.count != 0
                || self.noverflow != 0
                || self.load_limit != 0
                || self.slow_insert_at != 0
            {
                return Err(String::from("unallocated table with state"));
            }
            return Ok(());
        };
        let mut live = 0usize;

        if let Some(old) = &self.old {
            let n = old.arr.buckets();
            if old.nevacuate >= n {
                return Err(format!("inv 6: old array kept with nevacuate {} >= {n}", old.nevacuate));
            }
            // Buckets below the mark are evacuated by definition, and their
            // pages may have been handed back: they are not read.
            for i in old.nevacuate..n {
                // SAFETY: `i` is a main bucket of the old array.
                let head = unsafe { old.arr.view.hdr(i) };
                // SAFETY: `head` is a live bucket.
                let marked = unsafe { header::is_evacuated(head) };
                if marked && i != old.nevacuate {
                    return Err(format!("inv 12: old bucket {i} above the mark {} is evacuated", old.nevacuate));
                }
                if marked {
                    for j in 0..BUCKET_SLOTS {
                        // SAFETY: as above.
                        let t = unsafe { header::top(head, j) };
                        if !(EVACUATED_X..=EVACUATED_EMPTY).contains(&t) {
                            return Err(format!("inv 6: evacuated old bucket {i} slot {j} has tophash {t}"));
                        }
                    }
                    // SAFETY: as above.
                    if unsafe { !old.arr.view.overflow(head).is_null() } {
                        return Err(format!("inv 6: evacuated old bucket {i} keeps an overflow chain"));
                    }
                } else {
                    let (l, _) = check_chain(old.arr.view, i, &hasher, "old")?;
                    live += l;
                }
            }
        }

        let mut overflow = 0;
        for i in 0..cur.buckets() {
            let (l, o) = check_chain(cur.view, i, &hasher, "current")?;
            live += l;
            overflow += o;
        }
        if live != self.count {
            return Err(format!("inv 1: count is {} but {live} slots are live", self.count));
        }
        let mut standalone = 0;
        if let Some(old) = &self.old {
            super::overflow::for_each_standalone(old.arr.view, old.nevacuate, |_| standalone += 1);
        }
        let mut cur_standalone = 0;
        super::overflow::for_each_standalone(cur.view, 0, |_| cur_standalone += 1);
        standalone += cur_standalone;
        if standalone != self.standalone {
            return Err(format!(
                "inv 10: standalone is {} but chains hold {standalone} stand-alone buckets",
                self.standalone
            ));
        }
        let mut spare = 0;
        let mut h = self.spare_list;
        while !h.is_null() {
            spare += 1;
            // SAFETY: the spare list links live, unused buckets.
            h = unsafe { *header::standalone_link(h) };
        }
        if spare != self.spare_count || self.spare_count > self.standalone {
            return Err(format!(
                "inv 11: spare_count {} (list holds {spare}) must not exceed standalone {}",
                self.spare_count, self.standalone
            ));
        }
        if self.prepare_at != self.prepare_start(cur.b) {
            return Err(format!("inv 9: prepare_at {} for B = {}", self.prepare_at, cur.b));
        }
        if self.load_limit != super::capacity_for(cur.b) {
            return Err(format!("inv 9: limit {} for B = {}", self.load_limit, cur.b));
        }
        let too_many = self.old.is_none() && super::too_many_overflow(self.noverflow, cur.b);
        let expect = if too_many {
            0
        } else if self.old.is_none() {
            self.prepare_at
        } else {
            self.load_limit
        };
        if self.slow_insert_at != expect {
            return Err(format!(
                "inv 9: slow_insert_at {} with load_limit {} and {} overflow buckets",
                self.slow_insert_at, self.load_limit, self.noverflow
            ));
        }
        if let Some(p) = &self.prepared {
            if p.b != cur.b + 1 {
                return Err(format!("inv 14: prepared array B = {} (current {})", p.b, cur.b));
            }
            // SAFETY: `i < len` of the prepared array, which the table owns.
            let blank = |i| unsafe {
                let h = p.view.hdr(i);
                (0..BUCKET_SLOTS).all(|j| header::top(h, j) == EMPTY_REST) && (*p.view.link_at(i)).is_null()
            };
            if let Some(i) = (0..p.view.len).find(|&i| !blank(i)) {
                return Err(format!("inv 14: prepared array's bucket {i} is not empty"));
            }
        }
        if let Some(o) = &self.old {
            o.arr.check_recycling(cur).map_err(|e| format!("inv 15: {e}"))?;
        }
        if let Some(r) = &self.releasing {
            if r.arr.recycling() {
                return Err("inv 15: a releasing array still recycles".into());
            }
        }
        if overflow != self.noverflow {
            return Err(format!("inv 7: noverflow is {} but chains hold {overflow}", self.noverflow));
        }
        let len = cur.view.len;
        if self.next_pool < cur.buckets() || self.next_pool > len {
            return Err(format!("inv 7: next_pool {} outside the pool {}..{len}", self.next_pool, cur.buckets()));
        }
        // Pool buckets are handed out in order and never unlinked: those
        // below `next_pool` are exactly the chains' pool buckets (`clone`
        // copies them in address order on this account).
        if overflow - cur_standalone != self.next_pool - cur.buckets() {
            return Err(format!(
                "inv 7: chains hold {} pool buckets, but {} were handed out",
                overflow - cur_standalone,
                self.next_pool - cur.buckets()
            ));
        }
        for p in self.next_pool..len {
            // SAFETY: `p < len`.
            let (tops, link) = unsafe {
                let h = cur.view.hdr(p);
                ((*h).tophash, *cur.view.link_at(p))
            };
            if tops != [0; BUCKET_SLOTS] || !link.is_null() {
                return Err(format!("inv 7: unused pool bucket {p} is not zero"));
            }
        }
        Ok(())
    }
}

/// Whether `a` is the view `b` (field by field).
fn same_view<K, V>(a: ArrayView<K, V>, b: ArrayView<K, V>) -> bool {
    a.hdrs == b.hdrs && a.slots == b.slots && a.main == b.main && a.mask == b.mask && a.len == b.len
}

/// Checks invariants 2 to 5 on chain `i` of `arr`; returns its live slots
/// and overflow buckets.
fn check_chain<K, V>(
    arr: ArrayView<K, V>,
    i: usize,
    hasher: &impl Fn(&K) -> u64,
    which: &str,
) -> Result<(usize, usize), String> {
    let mut live = 0;
    let mut overflow = 0;
    let mut seen_rest = false;
    // Per bucket: whether its last slot is EMPTY_ONE, and its live slots.
    let mut lasts: Vec<(bool, usize)> = Vec::new();
    // SAFETY: `i` is a main bucket; links are null or live buckets.
    let mut bucket = Some(unsafe { arr.bucket(i) });
    let mut depth = 0usize;
    // Invariant 16: the filter bits the overflow entries need.
    let mut needed = 0usize;
    while let Some(b) = bucket {
        // SAFETY: `b` is a live bucket of the chain.
        let bits = unsafe { arr.filter_of(b.hdr) };
        if depth > 0 && bits != 0 {
            return Err(format!("inv 16: {which} bucket {i} depth {depth} has filter bits {bits:#x}"));
        }
        // SAFETY: as above.
        let fill = unsafe { *arr.link(b.hdr) }.addr() & FILL_MASK;
        if depth > 0 && fill != 0 {
            return Err(format!("inv 17: {which} bucket {i} depth {depth} has append position {fill}"));
        }
        for j in 0..BUCKET_SLOTS {
            // SAFETY: `b` is a live bucket of the chain.
            let t = unsafe { header::top(b.hdr, j) };
            if seen_rest && t != EMPTY_REST {
                return Err(format!("inv 2: {which} bucket {i} depth {depth} slot {j} is {t} after EMPTY_REST"));
            }
            match t {
                EMPTY_REST => seen_rest = true,
                EMPTY_ONE => {}
                t if t < MIN_TOPHASH => {
                    return Err(format!("inv 5: {which} bucket {i} holds evacuated state {t}"));
                }
                t => {
                    live += 1;
                    // SAFETY: live slot, key initialised.
                    let h = hasher(unsafe { &*b.key(j) });
                    if depth > 0 {
                        needed |= filter_bit(h);
                    }
                    if tophash(h) != t {
                        return Err(format!("inv 4: {which} bucket {i} slot {j} tophash {t} != {}", tophash(h)));
                    }
                    if h as usize & arr.mask() != i {
                        return Err(format!("inv 4: {which} key in bucket {i} hashes to {}", h as usize & arr.mask()));
                    }
                }
            }
        }
        // SAFETY: `b` is live.
        let tops = unsafe { (*b.hdr).tophash };
        let here = tops.iter().filter(|&&t| t >= MIN_TOPHASH).count();
        if depth > 0 && here == 0 && tops[BUCKET_SLOTS - 1] == EMPTY_REST && tops != [EMPTY_REST; BUCKET_SLOTS] {
            return Err(format!(
                "inv 3: {which} bucket {i} depth {depth}: nothing live, ends EMPTY_REST, not all EMPTY_REST"
            ));
        }
        lasts.push((tops[BUCKET_SLOTS - 1] == EMPTY_ONE, here));
        // SAFETY: `b` is live.
        bucket = unsafe { arr.next(b) };
        if bucket.is_some() {
            overflow += 1;
        }
        depth += 1;
    }
    // SAFETY: `i` is a main bucket.
    let (filter, first) = unsafe { (arr.filter_of(arr.hdr(i)), arr.first_overflow(i)) };
    if filter & needed != needed || (first.is_null() && filter != 0) {
        return Err(format!(
            "inv 16: {which} bucket {i}'s filter {filter:#x} (chain goes on: {}) lacks {:#x}",
            !first.is_null(),
            needed & !filter
        ));
    }
    // SAFETY: `i` is a main bucket; `first`, if not null, is its chain's
    // first overflow bucket.
    let fill = unsafe { arr.fill_of(arr.hdr(i)) };
    if fill != 0 {
        let ok = !first.is_null() && {
            // SAFETY: `first` is the chain's live first overflow bucket.
            let tops = unsafe { (*first).tophash };
            tops[..fill].iter().all(|&t| t >= MIN_TOPHASH) && tops[fill..].iter().all(|&t| t == EMPTY_REST)
        };
        if !ok {
            return Err(format!(
                "inv 17: {which} bucket {i}'s append position {fill} is not its first overflow bucket's"
            ));
        }
    }
    let mut live_after = 0;
    for (depth, &(last_empty_one, here)) in lasts.iter().enumerate().rev() {
        if last_empty_one && live_after == 0 {
            return Err(format!("inv 3: {which} bucket {i} depth {depth}: last slot EMPTY_ONE, nothing live after it"));
        }
        live_after += here;
    }
    Ok((live, overflow))
}
