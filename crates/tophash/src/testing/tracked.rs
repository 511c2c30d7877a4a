//! A key/value type that counts its clones and drops, and panic switches
//! that make `Hash`, `Eq`, `Clone`, `Drop` (or, through `Panicky`, a
//! `BuildHasher`) panic at a chosen call.
//!
//! The ledger is leaked (`&'static`), not reference counted: a double drop of
//! a [`Tracked`] must be *counted*, and a reference-counted ledger would have
//! its count corrupted by the very bug the test looks for.

use core::cell::{Cell, RefCell};
use core::fmt;
use core::hash::{Hash, Hasher};
use std::boxed::Box;
use std::rc::Rc;
use std::vec::Vec;

/// A one-shot panic trigger shared by clones: after [`arm(n)`](Self::arm)
/// the call with index `n` (0-based, counted from the arming) to
/// [`tick`](Self::tick) panics, once. Counts every tick.
#[derive(Clone, Debug, Default)]
pub struct PanicSwitch(Rc<SwitchState>);

#[derive(Debug, Default)]
struct SwitchState {
    countdown: Cell<Option<usize>>,
    calls: Cell<usize>,
    fired: Cell<bool>,
}

/// The message prefix of every planned panic (the quiet panic hook hides
/// these).
pub const PLANNED: &str = "planned panic";

impl PanicSwitch {
    /// A disarmed switch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the `n`-th tick from now (0-based) panic; resets `fired`.
    pub fn arm(&self, n: usize) {
        self.0.countdown.set(Some(n));
        self.0.fired.set(false);
    }

    /// Disarms; returns whether the planned panic happened since `arm`.
    pub fn disarm(&self) -> bool {
        self.0.countdown.set(None);
        self.0.fired.replace(false)
    }

    /// Ticks counted so far.
    pub fn calls(&self) -> usize {
        self.0.calls.get()
    }

    /// Counts a call; panics if this is the armed one.
    pub fn tick(&self, what: &str) {
        self.0.calls.set(self.0.calls.get() + 1);
        match self.0.countdown.get() {
            Some(0) => {
                self.0.countdown.set(None);
                self.0.fired.set(true);
                panic!("{PLANNED} in {what}");
            }
            Some(n) => self.0.countdown.set(Some(n - 1)),
            None => {}
        }
    }
}

/// Silences the default panic hook's report for planned panics (thousands
/// of them in the panic tests); every other panic is reported as usual.
pub fn quiet_planned_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let p = info.payload();
            let msg = p.downcast_ref::<std::string::String>().map(|s| s.as_str()).or(p.downcast_ref::<&str>().copied());
            if !msg.is_some_and(|m| m.starts_with(PLANNED)) {
                default(info);
            }
        }));
    });
}

/// Counts the [`Tracked`] values created and dropped, and holds the panic
/// switches of their trait impls.
#[derive(Debug, Default)]
pub struct Ledger {
    /// `dropped[serial]`: how many times the value with that serial was
    /// dropped. Its length is the number of values ever created.
    dropped: RefCell<Vec<u32>>,
    live: Cell<usize>,
    double_drops: Cell<usize>,
    /// Ticked by `Hash::hash`.
    pub hash: PanicSwitch,
    /// Ticked by `PartialEq::eq`.
    pub eq: PanicSwitch,
    /// Ticked by `Clone::clone` (before the clone exists).
    pub clone: PanicSwitch,
    /// Ticked by `Drop::drop` (after the drop was recorded).
    pub drop: PanicSwitch,
}

impl Ledger {
    /// A fresh ledger, leaked so that values can point to it without a
    /// reference count.
    pub fn new() -> &'static Ledger {
        Box::leak(Box::default())
    }

    /// A new value with model id `id`.
    pub fn make(&'static self, id: u32) -> Tracked {
        let mut d = self.dropped.borrow_mut();
        let serial = d.len();
        d.push(0);
        self.live.set(self.live.get() + 1);
        Tracked { id, serial, ledger: self }
    }

    /// Values created and not yet dropped.
    pub fn live(&self) -> usize {
        self.live.get()
    }

    /// Values ever created.
    pub fn created(&self) -> usize {
        self.dropped.borrow().len()
    }

    /// Drops of a value that had already been dropped.
    pub fn double_drops(&self) -> usize {
        self.double_drops.get()
    }

    /// Panics unless no value was dropped twice and exactly `live` values
    /// are alive.
    #[track_caller]
    pub fn assert(&self, live: usize) {
        assert_eq!(self.double_drops(), 0, "double drop");
        assert_eq!(self.live(), live, "live Tracked values (created {})", self.created());
    }

    fn record_drop(&self, serial: usize) {
        let mut d = self.dropped.borrow_mut();
        d[serial] += 1;
        if d[serial] == 1 {
            self.live.set(self.live.get() - 1);
        } else {
            self.double_drops.set(self.double_drops.get() + 1);
        }
    }

    /// Disarms every switch of this ledger; returns whether any had fired.
    pub fn disarm_all(&self) -> bool {
        // Not short-circuiting: every switch must be disarmed.
        self.hash.disarm() | self.eq.disarm() | self.clone.disarm() | self.drop.disarm()
    }
}

/// A key or value that records its creation and drop in a [`Ledger`]. Equal
/// and hashed by `id` only; every instance (clones included) has its own
/// serial number, so a double drop is detected per instance.
pub struct Tracked {
    /// The model's key or value.
    pub id: u32,
    serial: usize,
    ledger: &'static Ledger,
}

impl Tracked {
    /// The ledger this value reports to.
    pub fn ledger(&self) -> &'static Ledger {
        self.ledger
    }

    /// This instance's serial number (each clone has its own).
    pub fn serial(&self) -> usize {
        self.serial
    }
}

impl fmt::Debug for Tracked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{}", self.id)
    }
}

impl Hash for Tracked {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.ledger.hash.tick("Hash");
        self.id.hash(state);
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        self.ledger.eq.tick("Eq");
        self.id == other.id
    }
}

impl Eq for Tracked {}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        self.ledger.clone.tick("Clone");
        self.ledger.make(self.id)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.ledger.record_drop(self.serial);
        self.ledger.drop.tick("Drop");
    }
}
