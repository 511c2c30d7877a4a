//! Finding keys and the places to insert them: lookups (`find`, which never
//! moves anything), the write probe (`probe_write`, in the key's chain
//! wherever it is: the old array's until its old bucket is evacuated),
//! inserting into a vacancy (and the growth trigger), and removal with
//! Go's `emptyRest` upkeep where lookups read it.

use core::ptr;

use super::bucket::{filter_bit, header, prefetch, ArrayView, BucketArray, BucketRef, Header, FILTERED};
use super::tophash::{tag, tophash, Group, BUCKET_SLOTS, EMPTY_ONE, EMPTY_REST};
use super::{infallible, over_load, too_many_overflow, RawProbe, RawTable, Slot, Vacancy};
use crate::types::{Reason, ResizeKind};

/// A header address has room for a slot index in its low bits.
const HEADER_HOLDS_INDEX: () = assert!(core::mem::align_of::<Header>() >= BUCKET_SLOTS);

impl<K, V> RawTable<K, V> {
    /// The array and main-bucket index where `hash`'s chain is now: the old
    /// array while its bucket is not yet evacuated, else the current one.
    #[inline(always)]
    pub(super) fn home(&self, cur: ArrayView<K, V>, hash: u64) -> (ArrayView<K, V>, usize) {
        if let Some(old) = &self.old {
            let oi = hash as usize & old.arr.mask();
            if !old.is_evacuated(oi) {
                return (old.arr.view, oi);
            }
        }
        (cur, hash as usize & cur.mask())
    }

    /// Starts loading `hash`'s main bucket where its chain is now (header,
    /// link and slots), for a write about to do its share of a resize
    /// first. That share runs about a thousand instructions, more than the
    /// core looks ahead, so a key's misses requested only after it were
    /// waited for in full, write after write; requested before it, they
    /// overlap it. The chain may move while the share runs (its old bucket
    /// is evacuated if it was at the mark): then this loaded the old copy,
    /// a hint wasted.
    #[inline(always)]
    pub(super) fn prefetch_home(&self, hash: u64) {
        let Some(cur) = &self.current else { return };
        let (arr, i) = self.home(cur.view, hash);
        // SAFETY: `i` is a main bucket of `arr`, an array of the table not
        // released at `i` (`home` names an old bucket only while it is not
        // evacuated); only addresses are formed.
        unsafe {
            let b = arr.bucket(i);
            prefetch(b.hdr.cast());
            prefetch(arr.link_at(i).cast());
            b.prefetch_slots();
        }
    }

    /// Finds the live slot whose key satisfies `eq`, reading the old array
    /// where the key's old bucket is not evacuated yet. Never moves anything.
    ///
    /// A lookup in DRAM is bound by how many of them the core keeps in
    /// flight, so every instruction on the common path counts: that path
    /// is a table not resizing and a chain of one bucket, entered by
    /// testing `steady_view`'s pointer, which the path loads anyway. A lookup
    /// during a resize (`find_slow`) and the rest of a chain (`find_chain`)
    /// run out of line. A match's bit is cleared only after its key
    /// compared unequal, which a hit never needs.
    ///
    /// Callgrind, 1M random u64 keys: 37.6 -> 32.5 instructions per hit and
    /// 33.5 -> 28.4 per miss against testing `old` and `current` inline
    /// (and LLVM now hoists `steady_view`'s fields out of a caller's loop).
    /// `compare --sizes 1K,100K,1M --workloads lookup_hit,lookup_miss`,
    /// 4 runs alternating with the previous binary: tophash / hashbrown
    /// geomean, hits 1.29 -> 1.23, misses 1.15 -> 1.00.
    #[inline]
    pub(super) fn find(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Slot<K, V>> {
        let steady = self.steady_view;
        if steady.hdrs.is_null() {
            return self.find_slow(hash, eq);
        }
        self.find_from(steady, hash as usize & steady.mask(), hash, eq)
    }

    /// `find` while a resize is under way (the key's chain is in the old
    /// array until its old bucket is evacuated) or before the first insert.
    #[inline(never)]
    fn find_slow(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Slot<K, V>> {
        let cur = self.current.as_ref()?.view;
        let (arr, i) = self.home(cur, hash);
        self.find_from(arr, i, hash, eq)
    }

    /// `find` in chain `i` of `arr`, the key's home (see `home`): the main
    /// bucket here, the rest of the chain out of line.
    #[inline(always)]
    fn find_from(
        &self,
        arr: ArrayView<K, V>,
        i: usize,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
    ) -> Option<Slot<K, V>> {
        let top = tag(hash);
        // SAFETY: `i` is a main bucket of `arr`; matched slots are live.
        unsafe {
            let b = arr.bucket(i);
            let g = header::group(b.hdr);
            let mut m = g.match_byte(top);
            while let Some(j) = m.lowest() {
                if eq(&*b.key(j)) {
                    return Some(Slot { head: b.hdr, bucket: b, index: j });
                }
                m = m.without_lowest();
            }
            // Invariant 2: if any slot is EMPTY_REST the last one is, and
            // nothing later in the chain is live.
            if g.last_is_empty_rest() {
                return None;
            }
            let (found, slots) = self.find_chain(hash, eq);
            if found == 0 {
                return None;
            }
            let hdr = (found & !(BUCKET_SLOTS - 1)) as *mut Header;
            Some(Slot { head: b.hdr, bucket: BucketRef::new(hdr, slots), index: found & (BUCKET_SLOTS - 1) })
        }
    }

    /// `find` past the main bucket, which holds no match and does not end
    /// its chain. Returns the matching bucket's header address with the
    /// slot index in its low three bits (headers are 8-byte aligned, see
    /// `HEADER_HOLDS_INDEX`) and the bucket's slots, or `(0, null)`. Two
    /// words come back in registers: a larger result went through the
    /// stack and gave every lookup a stack frame, and so did passing the
    /// array view in.
    #[inline(never)]
    fn find_chain(&self, hash: u64, mut eq: impl FnMut(&K) -> bool) -> (usize, *mut u8) {
        let () = HEADER_HOLDS_INDEX;
        let Some(cur) = self.current.as_ref() else { return (0, ptr::null_mut()) };
        let (arr, i) = self.home(cur.view, hash);
        let top = tag(hash);
        // SAFETY: `i` is a main bucket of `arr`; later buckets are reached
        // through the chain's links; matched slots are live.
        unsafe {
            // Invariant 16: no overflow entry has the hash's filter bit, so
            // the overflow buckets need not be read (a miss in a full main
            // bucket; the filter is tested here, out of line, because the
            // test inline kept more values in registers across every lookup
            // and cost hits: 1K u64 hits 1.09 -> 1.21 of hashbrown's time).
            if !arr.chain_may_hold(i, hash) {
                return (0, ptr::null_mut());
            }
            let mut b = arr.bucket(i);
            while let Some(n) = arr.next(b) {
                b = n;
                // The slot lines are requested with the header, not after
                // its match: one dependent load fewer for a hit in an
                // overflow bucket (hits at 100K keys, 6.1 a bucket, 4.78-4.92
                // -> 4.58-4.59 ns; misses 6.56-6.57 -> 6.70-6.81; the log,
                // session 18).
                b.prefetch_slots();
                for j in header::group(b.hdr).match_byte(top) {
                    if eq(&*b.key(j)) {
                        return (b.hdr as usize | j, b.slots);
                    }
                }
                if header::top(b.hdr, BUCKET_SLOTS - 1) == EMPTY_REST {
                    break;
                }
            }
            (0, ptr::null_mut())
        }
    }

    /// Looks for the key in `arr`, the array holding its chain (see `home`),
    /// remembering where it would be inserted.
    ///
    /// The common case, a chain of one bucket, is decided here without
    /// tracking state across buckets: if the main bucket's last slot is
    /// `EMPTY_REST` the chain ends in it (invariant 2), so its first empty
    /// slot is the chain's first. Otherwise `probe_chain` walks on from the
    /// next bucket, without searching the main bucket again.
    #[inline]
    pub(super) fn probe_write(
        &mut self,
        arr: ArrayView<K, V>,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
    ) -> RawProbe<K, V> {
        // SAFETY: `arr` holds the key's chain (caller); matched slots are
        // live.
        let (b, g, found) = unsafe { scan_main(arr, hash, &mut eq) };
        if let Some(j) = found {
            return RawProbe::Found(Slot { head: b.hdr, bucket: b, index: j });
        }
        if g.last_is_empty_rest() {
            // Slot 7 is empty, so some slot is, and `j < 8`.
            let j = g.match_full().lowest_unset();
            return RawProbe::Vacant(Vacancy { head: b.hdr, empty: Some((b, j)), tail: b.hdr });
        }
        self.probe_chain(b, hash, eq)
    }

    /// `probe_write` past main bucket `main`, which holds no match and does
    /// not end its chain with `EMPTY_REST`: notes its first empty slot and
    /// walks the rest of the chain.
    #[inline(never)]
    fn probe_chain(&self, main: BucketRef<K, V>, hash: u64, mut eq: impl FnMut(&K) -> bool) -> RawProbe<K, V> {
        // The chain's array, found here: a view passed in went through the
        // stack, and made the caller copy it there on every write.
        let cur = self.current.as_ref().expect("probing a table with no array").view;
        let (arr, _) = self.home(cur, hash);
        let top = tag(hash);
        let head = main.hdr;
        // SAFETY: `main` is a live main bucket; later buckets are reached
        // through the chain's links; matched slots are live.
        unsafe {
            let mut empty = header::group(head).match_empty().lowest().map(|j| (main, j));
            let mut b = main;
            while let Some(n) = arr.next(b) {
                b = n;
                // As in `find_chain`: a removal or overwrite of a key in an
                // overflow bucket need not wait for the header to ask for
                // the slot (removals at 100K keys 8.31-8.71 -> 7.89-8.07 ns;
                // the log, session 18).
                b.prefetch_slots();
                let g = header::group(b.hdr);
                if empty.is_none() {
                    if let Some(j) = g.match_empty().lowest() {
                        empty = Some((b, j));
                    }
                }
                for j in g.match_byte(top) {
                    if eq(&*b.key(j)) {
                        return RawProbe::Found(Slot { head, bucket: b, index: j });
                    }
                }
                if header::top(b.hdr, BUCKET_SLOTS - 1) == EMPTY_REST {
                    break;
                }
            }
            RawProbe::Vacant(Vacancy { head, empty, tail: b.hdr })
        }
    }

    /// Whether `hash`'s chain is in the old array (its old bucket is not
    /// evacuated yet).
    fn in_old_chain(&self, hash: u64) -> bool {
        self.old.as_ref().is_some_and(|o| !o.is_evacuated(hash as usize & o.arr.mask()))
    }

    /// Where a key known to be absent goes: the first empty slot of its
    /// chain where the chain is now (see `home`).
    pub(super) fn vacancy(&self, hash: u64) -> Vacancy<K, V> {
        let cur = self.current.as_ref().expect("vacancy needs an allocated table").view;
        let (arr, i) = self.home(cur, hash);
        // SAFETY: `i` is a main bucket; links lead through the chain.
        unsafe {
            let head = arr.hdr(i);
            let mut b = arr.bucket(i);
            loop {
                if let Some(j) = header::group(b.hdr).match_empty().lowest() {
                    return Vacancy { head, empty: Some((b, j)), tail: b.hdr };
                }
                match arr.next(b) {
                    Some(n) => b = n,
                    None => return Vacancy { head, empty: None, tail: b.hdr },
                }
            }
        }
    }

    /// The array a write may use without first doing resize or release
    /// work: the current one of a table not resizing (so it holds every
    /// key's chain) and not handing pages back. `None` during a resize, a
    /// release, or before the first insert.
    #[inline(always)]
    pub(super) fn write_view(&self) -> Option<ArrayView<K, V>> {
        let steady = self.steady_view;
        (!steady.hdrs.is_null() && self.releasing.is_none()).then_some(steady)
    }

    /// The start of `insert_fast` and `remove_fast`: `scan_main` of the
    /// key's main bucket in the `write_view`. `None` sends the write to the
    /// general path.
    #[inline(always)]
    fn steady_main(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<(BucketRef<K, V>, Group, Option<usize>)> {
        let steady = self.write_view()?;
        // SAFETY: the `write_view` holds every key's chain.
        Some(unsafe { scan_main(steady, hash, eq) })
    }

    /// Writes an absent key into main bucket `b` of the `write_view`, whose
    /// states are `g`, if `b` ends its chain with an empty slot (its last
    /// slot is `EMPTY_REST`) and no growth trigger is due: into its first
    /// empty slot, the chain's, where `insert_vacant` would write too.
    /// Returns the slot, else `key` and `val` with nothing changed.
    ///
    /// # Safety
    /// `b` is the key's main bucket in the `write_view`, `g` its states, and
    /// the key is not in `b`'s chain.
    #[inline(always)]
    unsafe fn write_in_main(
        &mut self,
        b: BucketRef<K, V>,
        g: Group,
        hash: u64,
        key: K,
        val: V,
    ) -> Result<usize, (K, V)> {
        if !g.last_is_empty_rest() || self.count >= self.slow_insert_at {
            return Err((key, val));
        }
        let j = g.match_full().lowest_unset();
        // SAFETY: `b`'s last slot is `EMPTY_REST`, so `b` ends the chain
        // (invariant 2) and slot `j`, its first empty one, is the chain's.
        unsafe { self.write_slot(b.hdr, b, j, hash, key, val) };
        Ok(j)
    }

    /// An insert's common case, decided and done inline: the table is not
    /// resizing or handing pages back, and the key's main bucket either
    /// holds the key (its value is replaced, see `replace_value`) or ends
    /// its chain with an empty slot and no growth trigger is due (the key
    /// goes into the first empty slot, the chain's, where the general path
    /// would write too). Keys that own heap memory are not compared here
    /// (`compares_inline`): a slot with the key's tag sends them on. In
    /// every other case nothing has changed and `key` and `val` come back,
    /// with what the caller should try next ([`Handback`]).
    /// `same(stored, new)` compares keys.
    ///
    /// Why a path of its own: the general path calls out of line on its rare
    /// branches, so the compiler gave every insert the frame those calls
    /// need (six callee-saved registers pushed and popped: 20 of the 80
    /// instructions of an insert into a presized table of 1M u64 keys,
    /// callgrind). Nothing here calls before the decision, so a caller
    /// whose fallback is a tail call needs no frame on this path: refilling
    /// a cleared presized table of 1M u64 keys took 86.1 -> 58.5
    /// instructions an insert (hashbrown 67.4), and removing them 68.8 ->
    /// 60.2 (`remove_fast`; hashbrown 61).
    ///
    /// Why heap-owning keys are not compared here: their comparison is a
    /// call (`String`'s is `bcmp`), which made everything the path holds
    /// live across it, so the compiler kept the header, the bucket and the
    /// tag on the stack for every insert, matched or not. 1,000 `String`
    /// keys into a presized map: 109.2 -> 86.2 instructions, 31.9 -> 18.2
    /// loads and 17.6 -> 7.9 stores an insert (callgrind; hashbrown 104.0,
    /// 24.2, 13.2). A `String` insert that replaces a present key paid for
    /// it: 20.5 -> 22.8 ns (hashbrown 20.0); `HashMap::insert_matched`
    /// won back half of that (see there).
    #[inline(always)]
    pub(crate) fn insert_fast(
        &mut self,
        hash: u64,
        mut same: impl FnMut(&K, &K) -> bool,
        key: K,
        val: V,
    ) -> Result<Option<V>, (K, V, Handback)> {
        let Some(steady) = self.write_view() else { return Err((key, val, Handback::Other)) };
        // SAFETY: the `write_view` is live and holds every key's chain;
        // matched slots are live. Past the match, no slot of `b` holds the
        // key, so the key is absent if `b` ends its chain.
        unsafe {
            let (b, g) = main_bucket(steady, hash);
            let m = g.match_byte(tag(hash));
            if compares_inline::<K>() {
                for j in m {
                    if same(&*b.key(j), &key) {
                        return Ok(Some(replace_value(b, j, key, val)));
                    }
                }
            } else if m.byte() != 0 {
                // Written as a test of its own, not as `steady_main` with a
                // comparison that is never made: that form cost the
                // `String` insert above 5 instructions and 3 loads more.
                return Err((key, val, Handback::TagInMain));
            }
            self.write_in_main(b, g, hash, key, val).map(|_| None).map_err(|(k, v)| (k, v, Handback::Other))
        }
    }

    /// The value of the key if it is in its main bucket of the
    /// `write_view`; `None` if it is not there, or the table is resizing or
    /// handing pages back. For an insert that `insert_fast` handed back
    /// with [`Handback::TagInMain`]: most such keys are there (an update).
    #[inline(always)]
    pub(crate) fn main_value_mut(&mut self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<&mut V> {
        let (b, _, found) = self.steady_main(hash, eq)?;
        // SAFETY: a live slot of `b` (`steady_main`), borrowed with `self`.
        found.map(|j| unsafe { &mut *b.val(j) })
    }

    /// `insert_unique`'s common case (the caller knows the key is absent),
    /// decided and done inline: the table is not resizing or handing pages
    /// back, no growth trigger is due, and the key's main bucket ends its
    /// chain with an empty slot, the chain's first, which is where the
    /// general path (`entry`, then `insert_vacant`) would write too. No
    /// slot is compared. Otherwise nothing has changed and `key` and `val`
    /// come back.
    ///
    /// Through the general path an element cost 98 instructions against
    /// hashbrown's 60 (callgrind, `HashTable<(String, u64)>` presized for
    /// 1,000 elements, hashes computed before).
    #[inline(always)]
    pub(crate) fn insert_unique_fast(&mut self, hash: u64, key: K, val: V) -> Result<Slot<K, V>, (K, V)> {
        let Some(steady) = self.write_view() else { return Err((key, val)) };
        // SAFETY: `hash & mask` is a main bucket of the `write_view`, a live
        // array; the caller knows the key is absent.
        unsafe {
            let b = steady.bucket(hash as usize & steady.mask());
            let j = self.write_in_main(b, header::group(b.hdr), hash, key, val)?;
            Ok(Slot { head: b.hdr, bucket: b, index: j })
        }
    }

    /// A removal's common case, decided and done inline as `insert_fast`
    /// is: the table is not resizing or handing pages back, and the key is
    /// in its main bucket (removed and returned) and the removal leaves no
    /// automatic shrink due, or is absent from a chain that ends in its
    /// main bucket (`Ok(None)`). Else `Err(())`, nothing changed, for the
    /// general path (`entry`, then `remove` and `maybe_auto_shrink`).
    #[inline(always)]
    pub(crate) fn remove_fast(&mut self, hash: u64, eq: impl FnMut(&K) -> bool) -> Result<Option<(K, V)>, ()> {
        let Some((b, g, found)) = self.steady_main(hash, eq) else { return Err(()) };
        match found {
            // The general path removes it and starts the shrink.
            Some(_) if self.auto_shrink_due(self.count - 1) => Err(()),
            // SAFETY: a live slot of main bucket `b`, so `b` heads its chain.
            Some(j) => Ok(Some(unsafe { self.remove_in(self.steady_view, Slot { head: b.hdr, bucket: b, index: j }) })),
            None if g.last_is_empty_rest() => Ok(None),
            None => Err(()),
        }
    }

    /// Inserts an absent key at the spot `probe_write` found, first starting
    /// a growth if Go's triggers say so (then the spot is looked up again in
    /// the new array). Returns the slot written.
    ///
    /// The common case (no trigger, an empty slot found) writes inline;
    /// everything else is one out-of-line call, so that the spot found need
    /// not be kept in memory across calls (callgrind: the merged version
    /// stored and reloaded the whole `Vacancy` on every insert).
    #[inline(always)]
    pub(super) fn insert_vacant(
        &mut self,
        hash: u64,
        vac: Vacancy<K, V>,
        key: K,
        val: V,
        hasher: impl Fn(&K) -> u64,
    ) -> Slot<K, V> {
        match vac.empty {
            Some((b, i)) if self.count < self.slow_insert_at => {
                // SAFETY: `(b, i)` is an empty slot of a live chain of the
                // current array; writing key and value then the tophash
                // makes it live.
                unsafe { self.write_slot(vac.head, b, i, hash, key, val) };
                Slot { head: vac.head, bucket: b, index: i }
            }
            _ => self.insert_slow(hash, key, val, &hasher),
        }
    }

    /// `insert_vacant`'s other cases: a growth trigger fired (or the table
    /// has no array yet), or the chain is full and needs an overflow bucket.
    /// Finds the spot again rather than taking it as an argument (a chain
    /// walk on a rare path), which keeps the common path free of stores.
    #[inline(never)]
    fn insert_slow(&mut self, hash: u64, key: K, val: V, hasher: &impl Fn(&K) -> u64) -> Slot<K, V> {
        let vac =
            if self.count >= self.slow_insert_at { self.grow_for_insert(hash, hasher) } else { self.vacancy(hash) };
        let (b, i) = match vac.empty {
            Some(spot) => spot,
            None if self.in_old_chain(hash) => (self.link_old_overflow(vac.tail), 0),
            None => (self.new_overflow(vac.tail), 0),
        };
        // SAFETY: as in `insert_vacant`: an empty slot of a live current
        // chain (found again after a growth, or a fresh overflow bucket).
        unsafe { self.write_slot(vac.head, b, i, hash, key, val) };
        Slot { head: vac.head, bucket: b, index: i }
    }

    /// Makes empty slot `i` of `b` live with `key → val`; in an overflow
    /// bucket, also adds the tophash to the chain's filter (invariant 16).
    ///
    /// # Safety
    /// `(b, i)` is an empty slot of the live chain headed by `head`, where
    /// `hash`'s key belongs.
    #[inline(always)]
    unsafe fn write_slot(&mut self, head: *mut Header, b: BucketRef<K, V>, i: usize, hash: u64, key: K, val: V) {
        // SAFETY: per the contract the slot is in bounds and empty.
        unsafe {
            b.key(i).write(key);
            b.val(i).write(val);
            header::set_top(b.hdr, i, tophash(hash));
        }
        self.count += 1;
        if b.hdr != head {
            self.filter_overflow_entry(head, b.hdr, hash);
        }
    }

    /// Adds `hash`, whose entry was just written to overflow bucket `b` of
    /// the chain headed by `head`, to the chain's filter, and sets the
    /// chain's append position from `b` if it is the first overflow bucket
    /// (invariant 17; a write past the first overflow bucket found it full,
    /// so the position stays unknown).
    #[inline(never)]
    fn filter_overflow_entry(&mut self, head: *mut Header, b: *mut Header, hash: u64) {
        let arr = self.chain_array(head);
        // SAFETY: `head` is a main bucket of `arr`, whose chain goes on past
        // it (an overflow bucket was written); `b` is a live bucket of it.
        unsafe {
            let fill = if FILTERED && arr.overflow(head) == b { append_fill(header::group(b)) } else { 0 };
            arr.set_fill(head, fill, filter_bit(hash));
        }
    }

    /// An insert past `insert_fast`, still without resize work or the
    /// general probe: in a table not resizing or handing pages back, a key
    /// found in its main bucket has its value replaced (the new key dropped
    /// before the old value is returned, as `HashMap::insert` does), and an
    /// absent key is written where `insert_vacant` would write it if that
    /// place is known from the main bucket and its link alone:
    /// - the main bucket ends its chain with an empty slot: its first;
    /// - the main bucket is full, the chain's filter rules the key out of
    ///   the overflow buckets and the link holds the append position
    ///   (invariant 17): that slot of the first overflow bucket, the
    ///   chain's first empty one, as Go's `mapassign` would choose, with no
    ///   overflow header read.
    ///
    /// An absent key needs no growth trigger due. Else nothing changes and
    /// `key` and `val` come back. `same(stored, new)` compares keys.
    ///
    /// At load 6.5 a third of main buckets are full; through the general
    /// probe an insert there waits on the main header, the link and then
    /// the overflow bucket's header, three memory latencies in a row. Here
    /// the third is a store, which does not wait.
    #[inline]
    pub(crate) fn insert_steady(
        &mut self,
        hash: u64,
        mut same: impl FnMut(&K, &K) -> bool,
        key: K,
        val: V,
    ) -> Result<Option<V>, (K, V)> {
        let Some((b, g, found)) = self.steady_main(hash, |k| same(k, &key)) else { return Err((key, val)) };
        if let Some(j) = found {
            // SAFETY: a live slot of `b` (`steady_main`).
            return Ok(Some(unsafe { replace_value(b, j, key, val) }));
        }
        if g.last_is_empty_rest() {
            // SAFETY: `b` is the key's main bucket in the `write_view`
            // (`steady_main`), with states `g`, and holds no match.
            return unsafe { self.write_in_main(b, g, hash, key, val) }.map(|_| None);
        }
        if !FILTERED || self.count >= self.slow_insert_at || g.match_empty().byte() != 0 {
            return Err((key, val));
        }
        let steady = self.steady_view;
        // SAFETY: `steady_main` read main bucket `b` of `steady`, the
        // current array of a table not resizing, so it heads the key's
        // chain; it is full and holds no match. `append_spot` names the
        // first overflow bucket of that chain and its first empty slot,
        // which is the chain's first empty slot; the filter says no
        // overflow entry has the key's hash bit, so the key is absent.
        unsafe {
            let Some((oh, j)) = steady.append_spot(hash as usize & steady.mask(), hash) else { return Err((key, val)) };
            let ob = steady.resolve(oh);
            ob.key(j).write(key);
            ob.val(j).write(val);
            header::set_top(oh, j, tophash(hash));
            self.count += 1;
            steady.set_fill(b.hdr, if j + 1 < BUCKET_SLOTS { j + 1 } else { 0 }, filter_bit(hash));
        }
        Ok(None)
    }

    /// The rare path of an insert: allocate the first array, or start a
    /// growth (Go's `hashGrow` + `goto again`), then find the spot anew.
    #[cold]
    #[inline(never)]
    fn grow_for_insert(&mut self, hash: u64, hasher: &impl Fn(&K) -> u64) -> Vacancy<K, V> {
        match &self.current {
            None => self.install(infallible(BucketArray::new_zeroed(0))),
            Some(cur) if self.old.is_none() => {
                let cur_b = cur.b;
                let (b, kind, reason) = if over_load(self.count + 1, cur_b) {
                    (cur_b + 1, ResizeKind::Double, Reason::LoadFactor)
                } else if too_many_overflow(self.noverflow, cur_b) {
                    (cur_b, ResizeKind::SameSize, Reason::TooManyOverflow)
                } else {
                    // Seven eighths of the way to a doubling: map the next
                    // array, unless taking this key's spot faulted in pool
                    // pages (`populate_pool`), one memory system call being
                    // a write's share; the next insert comes back here.
                    let populated = cur.pool_populated;
                    let spot = self.vacancy(hash);
                    if self.current.as_ref().is_some_and(|c| c.pool_populated == populated) {
                        self.prepare_next();
                    }
                    return spot;
                };
                infallible(self.start_resize(b, kind, reason));
                self.grow_work(hasher);
            }
            // Resizing already (a shrink whose target filled up, or a
            // reserve): no new resize until it ends, as in Go.
            Some(_) => {}
        }
        self.vacancy(hash)
    }

    /// Removes a live slot, returning its entry (Go's `mapdelete` after the
    /// search).
    ///
    /// # Safety
    /// `slot` is live in this table and was found since the table last
    /// changed.
    pub(super) unsafe fn remove(&mut self, slot: Slot<K, V>) -> (K, V) {
        // SAFETY: caller contract; `chain_array` holds the slot's chain.
        unsafe { self.remove_in(self.chain_array(slot.head), slot) }
    }

    /// [`remove`](Self::remove) of a slot of a chain of `arr`, with no call
    /// on the way (`remove_fast`).
    ///
    /// # Safety
    /// As for `remove`; `arr` is the array of the slot's chain.
    #[inline(always)]
    unsafe fn remove_in(&mut self, arr: ArrayView<K, V>, slot: Slot<K, V>) -> (K, V) {
        // SAFETY: caller contract: the slot is live; marking it empty below
        // makes the table forget it, so the values are moved out exactly once.
        let kv = unsafe { (ptr::read(slot.bucket.key(slot.index)), ptr::read(slot.bucket.val(slot.index))) };
        // SAFETY: caller contract; its entry was just moved out.
        unsafe { self.vacate_in(arr, slot) };
        kv
    }

    /// Forgets a live slot whose key and value the caller has moved out
    /// (or will, before anything reads the slot again).
    ///
    /// # Safety
    /// As for [`remove`](Self::remove).
    pub(super) unsafe fn vacate(&mut self, slot: Slot<K, V>) {
        // SAFETY: caller contract; `chain_array` holds the slot's chain.
        unsafe { self.vacate_in(self.chain_array(slot.head), slot) }
    }

    /// [`vacate`](Self::vacate) of a slot of a chain of `arr`.
    ///
    /// # Safety
    /// As for `vacate`; `arr` is the array of the slot's chain.
    #[inline(always)]
    unsafe fn vacate_in(&mut self, arr: ArrayView<K, V>, slot: Slot<K, V>) {
        self.count -= 1;
        // SAFETY: the slot belongs to the chain headed by `slot.head`, a
        // chain of `arr` (caller).
        unsafe { mark_deleted(arr, slot.head, slot.bucket.hdr, slot.index) };
    }

    /// The array whose chain main bucket `head` heads: the old one or the
    /// current one.
    #[inline(always)]
    fn chain_array(&self, head: *mut Header) -> ArrayView<K, V> {
        let arr = match &self.old {
            Some(o) if o.arr.view.contains(head) => o.arr.view,
            _ => self.current.as_ref().expect("a live slot has an array").view,
        };
        // A chain's head is a main bucket: a slot from a pool-order walk
        // (`RawIter::new`) may carry a pool bucket instead and is not for
        // removal. Checked before the slot is touched.
        debug_assert!(
            arr.contains(head) && (head as usize - arr.hdrs as usize) / super::bucket::HEADER < arr.main,
            "a slot removed with a head that is not a main bucket"
        );
        arr
    }
}

/// Why `RawTable::insert_fast` handed an insert back, and so where the
/// caller goes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handback {
    /// A key that owns heap memory, not compared inline (`compares_inline`),
    /// whose tag is in its main bucket of the `write_view`: most likely the
    /// key itself, an update. `RawTable::main_value_mut` decides, then the
    /// general path if it is not there.
    TagInMain,
    /// Anything else: the general path (`insert_steady`, then `entry`).
    Other,
}

/// Replaces the value of live slot `j` of `b` with `val` and returns the
/// old one, as `HashMap::insert` does for a present key: the stored key is
/// kept, and the new `key` is dropped while the old value is still a
/// local, so a panic in its destructor drops that value instead of leaking
/// a finished return value (rust-lang/rust#47949).
///
/// # Safety
/// Slot `j` of `b` is live.
#[inline(always)]
unsafe fn replace_value<K, V>(b: BucketRef<K, V>, j: usize, key: K, val: V) -> V {
    // SAFETY: a live slot (caller).
    let old = core::mem::replace(unsafe { &mut *b.val(j) }, val);
    drop(key);
    old
}

/// Whether `insert_fast` compares keys itself: for keys that own no heap
/// memory, whose comparison is usually a few inline instructions. Keys that
/// do (`String`, `Vec`) compare through a call (`bcmp`), and a call on the
/// path makes the compiler keep everything the path holds on the stack for
/// every insert; those keys leave comparing to `insert_steady`.
const fn compares_inline<K>() -> bool {
    !core::mem::needs_drop::<K>()
}

/// The write probe's first step: main bucket `hash & mask` of `arr`, its
/// states, and the slot there whose key satisfies `eq`, if any.
///
/// A write touches a slot line whatever the header says (the key to
/// compare, or the empty slot to fill), so the bucket's slot lines are
/// requested first, and their misses overlap the header's (`compare.sh`,
/// 100K and 1M entries: remove 1.62x -> 1.33x hashbrown, presized insert
/// 1.40x -> 1.18x, churn 1.28x -> 0.99x). `find` does not: there a miss
/// needs only the header, and the extra line cost misses at 1M as much as
/// it saved hits.
///
/// # Safety
/// `arr` is live and holds the key's chain (see `RawTable::home`).
#[inline(always)]
unsafe fn scan_main<K, V>(
    arr: ArrayView<K, V>,
    hash: u64,
    mut eq: impl FnMut(&K) -> bool,
) -> (BucketRef<K, V>, Group, Option<usize>) {
    // SAFETY: `hash & mask` is a main bucket of a live array (caller);
    // matched slots are live.
    unsafe {
        let (b, g) = main_bucket(arr, hash);
        for j in g.match_byte(tag(hash)) {
            if eq(&*b.key(j)) {
                return (b, g, Some(j));
            }
        }
        (b, g, None)
    }
}

/// Main bucket `hash & mask` of `arr`, its slot lines requested (see
/// `scan_main`), and its states.
///
/// # Safety
/// `arr` is live.
#[inline(always)]
unsafe fn main_bucket<K, V>(arr: ArrayView<K, V>, hash: u64) -> (BucketRef<K, V>, Group) {
    // SAFETY: `hash & mask` is a main bucket of a live array (caller).
    unsafe {
        let b = arr.bucket(hash as usize & arr.mask());
        b.prefetch_slots();
        (b, header::group(b.hdr))
    }
}

/// The append position of a chain's first overflow bucket with states
/// `g` (invariant 17): `v` if slots `0..v` are live and the rest
/// `EMPTY_REST`, for `0 < v < 8`; else 0 (not known).
#[inline(always)]
fn append_fill(g: Group) -> usize {
    let full = g.match_full().byte();
    let v = full.trailing_ones() as usize;
    if v > 0 && v < BUCKET_SLOTS && full == (1u8 << v) - 1 && g.match_empty_rest().byte() == !full {
        v
    } else {
        0
    }
}

/// Marks slot `i` of the bucket with header `b` deleted: `EMPTY_REST` if
/// everything after it in the chain is (invariant 2), else `EMPTY_ONE`.
///
/// Go's `mapdelete` then walks back over the `EMPTY_ONE` slots before the
/// vacated one and turns them into `EMPTY_REST` too, so that its slot-by-
/// slot scans stop early. Lookups here test a bucket's eight states at once
/// and read `EMPTY_REST` only in a bucket's last slot, to end the chain, so
/// only that slot's state is kept exact (invariant 3): the walk back is
/// left out, and only a deletion that leaves an overflow bucket with
/// nothing live and nothing after it goes back, out of line, to the bucket
/// before it in the chain. Removing 100K random u64 keys in random order:
/// 71.6 -> 63.0 instructions and 0.86 -> 0.14 mispredicted branches per
/// removal without the step back (callgrind; hashbrown 60.2 and 0.51),
/// 71.5 and 0.17 with it; the walk's data-dependent exits were most of the
/// mispredicts. Doing the walk with one word operation instead,
/// branch-free, cost 113 instructions. The step back is tested for only in
/// overflow buckets, behind a branch of its own: testing every removal
/// without a branch cost 79 instructions, and time at 1K.
///
/// # Safety
/// `b` is in the live chain headed by `head` and its slot `i` was just
/// vacated.
#[inline(always)]
unsafe fn mark_deleted<K, V>(arr: ArrayView<K, V>, head: *mut Header, b: *mut Header, i: usize) {
    // SAFETY: every header touched is `b`, its overflow, or (out of line)
    // found by walking the chain from `head`, which contains `b`.
    unsafe {
        let g = header::group(b);
        let rest_follows = if i == BUCKET_SLOTS - 1 {
            let o = arr.overflow(b);
            o.is_null() || header::top(o, 0) == EMPTY_REST
        } else {
            header::top(b, i + 1) == EMPTY_REST
        };
        header::set_top(b, i, if rest_follows { EMPTY_REST } else { EMPTY_ONE });
        if b != head {
            // The chain's append position, if known, may be this slot's
            // bucket's (invariant 17): forget it.
            arr.set_fill(head, 0, 0);
            // From the states read before the store (a byte store then a
            // load of the whole group would wait for the store to retire).
            let none_live = g.match_full().byte() & !(1 << i) == 0;
            let ends_rest = if i == BUCKET_SLOTS - 1 { rest_follows } else { g.last_is_empty_rest() };
            if none_live & ends_rest {
                empty_overflow_bucket(arr, head, b);
            }
        }
    }
}

/// Overflow bucket `c` of the chain headed by `head` holds nothing live and
/// ends the used part of the chain: all of it becomes `EMPTY_REST`, and so
/// does the last slot of the bucket before it if that is `EMPTY_ONE`; and
/// on back while that bucket is an overflow bucket with nothing live
/// (invariant 3).
///
/// # Safety
/// `c` is an overflow bucket (not `head`) of the live chain headed by
/// `head`, with no live slot and `EMPTY_REST` in its last slot.
#[cold]
#[inline(never)]
unsafe fn empty_overflow_bucket<K, V>(arr: ArrayView<K, V>, head: *mut Header, mut c: *mut Header) {
    // SAFETY: every header touched is found by walking the chain from
    // `head`, which contains `c` (caller contract).
    unsafe {
        loop {
            (*c).tophash = [EMPTY_REST; BUCKET_SLOTS];
            let mut p = head;
            while arr.overflow(p) != c {
                p = arr.overflow(p);
            }
            if header::top(p, BUCKET_SLOTS - 1) != EMPTY_ONE {
                return;
            }
            header::set_top(p, BUCKET_SLOTS - 1, EMPTY_REST);
            if p == head || header::group(p).match_full().byte() != 0 {
                return;
            }
            c = p;
        }
    }
}
