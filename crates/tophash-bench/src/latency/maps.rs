//! The maps under test: what the timed loop needs from a map
//! ([`TimedMap`]), the maps this crate knows ([`MapKind`]), and how a
//! caller adds a map of its own without the harness knowing it:
//! implement [`TimedMap`] for the map and [`MapFamily`] for a marker type,
//! then hand `Family::<Marker>::boxed(name, label)` to the harness with the
//! others, as a `Box<dyn MapUnderTest>`. Only the outer call is dynamic;
//! the timed loop is compiled for the map's own type.

use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

use anyhow::Result;
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use super::timing::{self, Measured, Options};
use super::{hasher, string_key, KeyKind};
use crate::keys::splitmix64;
use crate::maps::{Griddle, Hashbrown, StdFold, Tophash};

/// [`Phase::bits`]: a resize (evacuation, rehash) is under way.
pub const PHASE_RESIZING: u8 = 1;
/// [`Phase::bits`]: a finished resize's old array is still being released (handed back to the OS).
pub const PHASE_RELEASING: u8 = 2;

/// What the timed loop calls on a map. Values are `u64`.
pub trait TimedMap<K> {
    /// Inserts (the timed call), returning the previous value.
    fn insert(&mut self, k: K, v: u64) -> Option<u64>;
    /// Number of entries.
    fn entries(&self) -> usize;
    /// Entries the map holds before it must grow (its own figure).
    fn capacity(&self) -> usize;
    /// The resize state, for maps that show it; [`Phase::UNKNOWN`] if not.
    fn phase(&self) -> Phase {
        Phase::UNKNOWN
    }
}

/// What a map shows of its resize state after an insert.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Phase {
    /// Whether the map reports its resize state at all.
    pub known: bool,
    /// The resize under way.
    pub resize: Option<Resize>,
    /// A finished resize's old array is still being released (handed back to the OS).
    pub releasing: bool,
    /// The next resize's array is allocated ahead (tophash maps it at 7/8
    /// of the way to a doubling).
    pub next_ready: bool,
}

/// A resize under way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resize {
    /// What kind: "doubling", "rehash", ...
    pub kind: &'static str,
    /// Buckets of the old array, as a power of two.
    pub old_b: u8,
    /// Buckets of the new array, as a power of two.
    pub new_b: u8,
    /// Old buckets moved so far.
    pub progress: usize,
}

impl fmt::Display for Resize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} 2^{}→2^{} buckets", self.kind, self.old_b, self.new_b)
    }
}

impl Phase {
    /// The phase of a map that shows nothing.
    pub const UNKNOWN: Phase = Phase { known: false, resize: None, releasing: false, next_ready: false };

    /// `PHASE_*` bits, `None` for a map that shows nothing.
    pub fn bits(&self) -> Option<u8> {
        self.known.then(|| {
            (if self.resize.is_some() { PHASE_RESIZING } else { 0 })
                | (if self.releasing { PHASE_RELEASING } else { 0 })
        })
    }

    /// Whether `after` differs from `self` by more than resize progress
    /// (progress going backwards is a new resize of the same sizes).
    pub fn changed(&self, after: &Phase) -> bool {
        let key = |p: &Phase| p.resize.map(|r| (r.kind, r.old_b, r.new_b));
        key(self) != key(after)
            || self.releasing != after.releasing
            || self.next_ready != after.next_ready
            || matches!((self.resize, after.resize), (Some(a), Some(b)) if b.progress < a.progress)
    }
}

/// A kind of map the harness can build empty for any key type: how a
/// caller adds its own map (see the module docs).
pub trait MapFamily: 'static {
    /// The map for keys `K`.
    type Map<K: Hash + Eq>: TimedMap<K>;
    /// A new, empty map with no size hint.
    fn empty<K: Hash + Eq>() -> Self::Map<K>;
}

/// A map the harness runs in this process: a name, a label, and one run
/// of a workload on a fresh map.
pub trait MapUnderTest {
    /// Short name for file names and tables (no `-`): `tophash`, `redis`.
    fn name(&self) -> &str;
    /// One line saying what the map is, for legends.
    fn label(&self) -> &str;
    /// One run: builds the keys (String keys before any timing), then
    /// fills an empty map with `samples.len()` of them through
    /// [`timing::measure`], one latency per insert into `samples`.
    fn measure(&self, keys: KeyKind, samples: &mut [u64], opts: &mut Options<'_>) -> Result<Measured>;
}

/// A [`MapFamily`] with its name and label: a [`MapUnderTest`].
pub struct Family<F> {
    name: String,
    label: String,
    family: PhantomData<fn() -> F>,
}

impl<F> fmt::Debug for Family<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family").field("name", &self.name).finish()
    }
}

impl<F: MapFamily> Family<F> {
    /// The family `F` as a map under test.
    pub fn boxed(name: &str, label: &str) -> Box<dyn MapUnderTest> {
        Box::new(Family::<F> { name: name.to_owned(), label: label.to_owned(), family: PhantomData })
    }
}

impl<F: MapFamily> MapUnderTest for Family<F> {
    fn name(&self) -> &str {
        &self.name
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn measure(&self, keys: KeyKind, samples: &mut [u64], opts: &mut Options<'_>) -> Result<Measured> {
        let n = samples.len() as u64;
        match keys {
            KeyKind::U64 => timing::measure(F::empty::<u64>(), (0..n).map(splitmix64), samples, opts),
            KeyKind::String => {
                let ks: Vec<String> = (0..n).map(string_key).collect();
                timing::measure(F::empty::<String>(), ks.into_iter(), samples, opts)
            }
        }
    }
}

/// The maps this crate knows. Each Rust one is a [`MapFamily`]; Go's map
/// runs in `go/latency`, a process of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MapKind {
    /// `tophash::HashMap` (this workspace).
    Tophash,
    /// `hashbrown::HashMap` 0.17: the baseline every ratio divides by.
    Hashbrown,
    /// `std::collections::HashMap` (hashbrown inside).
    Std,
    /// `griddle::HashMap` 0.5: hashbrown with incremental resizing.
    Griddle,
    /// Go 1.19's runtime map, through `go/latency`.
    Go,
}

impl MapKind {
    /// Every map, in table order.
    pub const ALL: [MapKind; 5] = [MapKind::Tophash, MapKind::Hashbrown, MapKind::Std, MapKind::Griddle, MapKind::Go];
    /// The maps that run in a Rust process.
    pub const RUST: [MapKind; 4] = [MapKind::Tophash, MapKind::Hashbrown, MapKind::Std, MapKind::Griddle];

    /// The name in flags, file names and JSON.
    pub fn name(self) -> &'static str {
        match self {
            MapKind::Tophash => "tophash",
            MapKind::Hashbrown => "hashbrown",
            MapKind::Std => "std",
            MapKind::Griddle => "griddle",
            MapKind::Go => "go",
        }
    }

    /// Inverse of [`MapKind::name`].
    pub fn from_name(s: &str) -> Option<MapKind> {
        MapKind::ALL.into_iter().find(|m| m.name() == s)
    }

    /// What the map is, in one line.
    pub fn label(self) -> &'static str {
        match self {
            MapKind::Tophash => "tophash (Go 1.19 map, incremental evacuation)",
            MapKind::Hashbrown => "hashbrown 0.17 (rehashes all at once)",
            MapKind::Std => "std HashMap (hashbrown inside)",
            MapKind::Griddle => "griddle 0.5 (hashbrown, incremental resize)",
            MapKind::Go => "Go 1.19 runtime map (incremental evacuation)",
        }
    }

    /// The map as a [`MapUnderTest`]; `None` for Go.
    pub fn under_test(self) -> Option<Box<dyn MapUnderTest>> {
        let (name, label) = (self.name(), self.label());
        match self {
            MapKind::Tophash => Some(Family::<TophashFamily>::boxed(name, label)),
            MapKind::Hashbrown => Some(Family::<HashbrownFamily>::boxed(name, label)),
            MapKind::Std => Some(Family::<StdFamily>::boxed(name, label)),
            MapKind::Griddle => Some(Family::<GriddleFamily>::boxed(name, label)),
            MapKind::Go => None,
        }
    }
}

impl fmt::Display for MapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Implements [`TimedMap`] for a map type with `insert`, `len` and
/// `capacity` of its own, and a [`MapFamily`] building it empty with
/// [`hasher`].
macro_rules! family {
    ($family:ident, $map:ident $(, |$m:ident| $phase:expr)?) => {
        #[doc = concat!("The [`MapFamily`] of [`", stringify!($map), "`].")]
        #[derive(Debug)]
        pub struct $family;

        impl MapFamily for $family {
            type Map<K: Hash + Eq> = $map<K>;
            fn empty<K: Hash + Eq>() -> $map<K> {
                $map::with_hasher(hasher())
            }
        }

        impl<K: Hash + Eq> TimedMap<K> for $map<K> {
            #[inline(always)]
            fn insert(&mut self, k: K, v: u64) -> Option<u64> {
                $map::insert(self, k, v)
            }
            fn entries(&self) -> usize {
                self.len()
            }
            fn capacity(&self) -> usize {
                $map::capacity(self)
            }
            $(fn phase(&self) -> Phase {
                let $m = self;
                $phase
            })?
        }
    };
}

family!(TophashFamily, Tophash, |m| tophash_phase(&m.stats()));
family!(HashbrownFamily, Hashbrown);
family!(StdFamily, StdFold);
family!(GriddleFamily, Griddle);

fn tophash_phase(st: &tophash::stats::Stats) -> Phase {
    let resize = st.resize.map(|r| Resize {
        kind: match r.kind {
            tophash::ResizeKind::Double => "doubling",
            tophash::ResizeKind::SameSize => "same-size resize",
            tophash::ResizeKind::Reserve => "reserve resize",
            tophash::ResizeKind::Shrink => "shrink",
        },
        old_b: r.old_b,
        new_b: r.new_b,
        progress: r.evacuated,
    });
    Phase { known: true, resize, releasing: st.releasing, next_ready: st.next_array_mapped.is_some() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_and_their_bits() {
        let r = Resize { kind: "doubling", old_b: 3, new_b: 4, progress: 2 };
        assert_eq!(r.to_string(), "doubling 2^3→2^4 buckets");
        let idle = Phase { known: true, ..Phase::UNKNOWN };
        let growing = Phase { resize: Some(r), ..idle };
        assert_eq!((Phase::UNKNOWN.bits(), idle.bits(), growing.bits()), (None, Some(0), Some(PHASE_RESIZING)));
        assert_eq!(Phase { releasing: true, ..growing }.bits(), Some(PHASE_RESIZING | PHASE_RELEASING));
        assert!(idle.changed(&growing) && growing.changed(&idle));
        let further = Phase { resize: Some(Resize { progress: 3, ..r }), ..idle };
        assert!(!growing.changed(&further), "progress alone is no change");
        assert!(further.changed(&growing), "progress going back is a new resize");
    }

    #[test]
    fn every_rust_map_is_under_test_and_go_is_not() {
        for m in MapKind::RUST {
            assert_eq!(m.under_test().map(|t| t.name().to_owned()), Some(m.name().to_owned()));
            assert_eq!(MapKind::from_name(m.name()), Some(m));
        }
        assert!(MapKind::Go.under_test().is_none());
        let t: Tophash<u64> = TophashFamily::empty();
        assert_eq!(TimedMap::<u64>::phase(&t).bits(), Some(0));
        let h: Hashbrown<u64> = HashbrownFamily::empty();
        assert_eq!(TimedMap::<u64>::phase(&h).bits(), None);
    }
}
