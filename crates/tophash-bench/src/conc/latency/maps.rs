//! The concurrent maps the latency runner fills ([`FillMap`]) and the list
//! of them ([`FillKind`]).
//!
//! Each adapter is the plain use a reader of the map's docs would write,
//! as in [`crate::conc::peers`]: default settings, created empty with no
//! size hint, hashing with [`crate::maps::hasher`] (the fixed-seed
//! foldhash every concurrent peer uses). papaya is pinned per operation,
//! as in `peers`, so no guard is held across the fill.
//!
//! ## Adding a map (tophash's `sync::HashMap`, issue #17)
//!
//! Write one `impl FillMap for YourMap<u64, u64, FixedState>` below and
//! add one line to the `fill_maps!` list at the bottom (command-line name,
//! label, type); the macro derives the [`FillKind`] variant, its
//! `--maps` value and the dispatch to [`fill::run`].

use std::sync::{PoisonError, RwLock};

use foldhash::fast::FixedState;

use super::fill::{self, Fill, FillRun};
use crate::latency::clock::Clock;
use crate::maps::hasher;

/// A concurrent map the latency runner can fill: `u64` keys and values,
/// shared by reference between the inserting threads.
pub trait FillMap: Send + Sync + Sized {
    /// An empty map with no size hint, hashing with
    /// [`crate::maps::hasher`].
    fn empty() -> Self;
    /// Inserts `key` with `value` (the only call the timed loop makes).
    fn insert(&self, key: u64, value: u64);
    /// The value stored with `key` (for the answer check after a run).
    fn get(&self, key: u64) -> Option<u64>;
    /// The number of entries (for the answer check after a run).
    fn entry_count(&self) -> usize;
}

impl FillMap for tophash::sync::HashMap<u64, u64, FixedState> {
    fn empty() -> Self {
        tophash::sync::HashMap::with_hasher(hasher())
    }

    fn insert(&self, key: u64, value: u64) {
        tophash::sync::HashMap::insert(self, key, value);
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.get_cloned(&key)
    }

    fn entry_count(&self) -> usize {
        self.len()
    }
}

impl FillMap for dashmap::DashMap<u64, u64, FixedState> {
    fn empty() -> Self {
        dashmap::DashMap::with_hasher(hasher())
    }

    fn insert(&self, key: u64, value: u64) {
        dashmap::DashMap::insert(self, key, value);
    }

    fn get(&self, key: u64) -> Option<u64> {
        dashmap::DashMap::get(self, &key).map(|v| *v)
    }

    fn entry_count(&self) -> usize {
        dashmap::DashMap::len(self)
    }
}

impl FillMap for papaya::HashMap<u64, u64, FixedState> {
    fn empty() -> Self {
        papaya::HashMap::builder().hasher(hasher()).build()
    }

    fn insert(&self, key: u64, value: u64) {
        self.pin().insert(key, value);
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.pin().get(&key).copied()
    }

    fn entry_count(&self) -> usize {
        papaya::HashMap::len(self)
    }
}

impl FillMap for scc::HashMap<u64, u64, FixedState> {
    fn empty() -> Self {
        scc::HashMap::with_hasher(hasher())
    }

    fn insert(&self, key: u64, value: u64) {
        // A key is never inserted twice, so `Err` (key present) cannot
        // happen; the answer check after the run would catch it.
        let _ = self.insert_sync(key, value);
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.read_sync(&key, |_, v| *v)
    }

    fn entry_count(&self) -> usize {
        scc::HashMap::len(self)
    }
}

impl FillMap for RwLock<hashbrown::HashMap<u64, u64, FixedState>> {
    fn empty() -> Self {
        RwLock::new(hashbrown::HashMap::with_hasher(hasher()))
    }

    fn insert(&self, key: u64, value: u64) {
        self.write().unwrap_or_else(PoisonError::into_inner).insert(key, value);
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.read().unwrap_or_else(PoisonError::into_inner).get(&key).copied()
    }

    fn entry_count(&self) -> usize {
        self.read().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// Declares [`FillKind`] from one line per map:
/// `Variant = "cli-name", "label", MapType;`.
macro_rules! fill_maps {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $label:literal, $map:ty;)+) => {
        /// A map the latency runner can fill; the `--maps` values are
        /// [`FillKind::name`]s (the same names as [`crate::conc::peers::Peer`]'s).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum FillKind {
            $($(#[$doc])* $variant,)+
        }

        impl FillKind {
            /// Every map, in list order.
            pub const ALL: &'static [FillKind] = &[$(FillKind::$variant),+];

            /// The name on the command line and in file names.
            pub fn name(self) -> &'static str {
                match self {
                    $(FillKind::$variant => $name,)+
                }
            }

            /// The map and its major version.
            pub fn label(self) -> &'static str {
                match self {
                    $(FillKind::$variant => $label,)+
                }
            }

            /// Fills a fresh, empty map of this kind once (see
            /// [`fill::run`]); `Err` names what the answer check found.
            pub fn fill(self, spec: &Fill, clock: &Clock) -> Result<FillRun, String> {
                match self {
                    $(FillKind::$variant => fill::run::<$map>(spec, clock),)+
                }
            }
        }
    };
}

fill_maps! {
    /// `tophash::sync::HashMap` (writers share each growth's evacuation).
    TophashSync = "tophash-sync", "tophash::sync", tophash::sync::HashMap<u64, u64, FixedState>;
    /// `dashmap::DashMap` (sharded `RwLock`s over hashbrown tables).
    DashMap = "dashmap", "dashmap 6", dashmap::DashMap<u64, u64, FixedState>;
    /// `papaya::HashMap` (incremental resize).
    Papaya = "papaya", "papaya 0.2", papaya::HashMap<u64, u64, FixedState>;
    /// `scc::HashMap`.
    Scc = "scc", "scc 3", scc::HashMap<u64, u64, FixedState>;
    /// `std::sync::RwLock<hashbrown::HashMap>`, one lock for the whole map.
    RwLockHashbrown = "rwlock-hashbrown", "RwLock<hashbrown 0.17>", RwLock<hashbrown::HashMap<u64, u64, FixedState>>;
}

impl clap::ValueEnum for FillKind {
    fn value_variants<'a>() -> &'a [Self] {
        FillKind::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

impl serde::Serialize for FillKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
