//! The concurrent maps under test, each a [`bustle::Collection`].
//!
//! Keys and values are `u64`. Every map hashes with the same function,
//! [`crate::maps::hasher`] (foldhash 0.2's fast hasher with the fixed seed
//! the single-threaded `compare` runner uses), and is built with the
//! capacity bustle asks for (2^capacity_log2, or 1 for `grow-from-empty`).
//! Each adapter is the plain use a reader of the map's docs would write:
//! default settings, no tuning.
//!
//! * `rwlock-hashbrown`: `std::sync::RwLock<hashbrown::HashMap>` (std's
//!   futex RwLock, not parking_lot's), the baseline of the table's ratios:
//!   what a program has before it reaches for a concurrent map.
//! * `dashmap`: `DashMap` (sharded `RwLock`s over hashbrown tables).
//! * `papaya`: `papaya::HashMap` with its default resize mode (incremental:
//!   writers move 64 entries at a time while a resize is under way), pinned
//!   per operation, so no guard is held across the run.
//! * `scc`: `scc::HashMap`, its synchronous (`*_sync`) methods.
//! * `flurry`: `flurry::HashMap` (a port of Java's `ConcurrentHashMap`),
//!   pinned per operation.
//! * `tophash-sync`: `tophash::sync::HashMap`, this workspace's concurrent
//!   map (issue #17): plain `&self` calls, no guard; update through
//!   `update`, which publishes a new entry.
//!
//! Values: insert writes 0, update adds 1 (through each map's own
//! in-place update, never a remove-then-insert).
//!
//! ## Adding a map
//!
//! Write one `Collection` + `CollectionHandle` impl below and add one line
//! to the `peers!` list at the bottom: the line gives the command-line
//! name, the column label and the type, and the macro derives the enum
//! variant, its name, its `--maps` value and the dispatch to
//! `run_silently::<YourType>()`.

use std::sync::{Arc, PoisonError, RwLock};

use bustle::{Collection, CollectionHandle};
use foldhash::fast::FixedState;

use crate::conc::runner::{measure, Timing};
use crate::conc::workloads::Job;
use crate::maps::hasher;

/// `std::sync::RwLock<hashbrown::HashMap>`, one lock for the whole map.
#[derive(Clone, Debug)]
pub struct RwLockHashbrownTable(Arc<RwLock<hashbrown::HashMap<u64, u64, FixedState>>>);

impl Collection for RwLockHashbrownTable {
    type Handle = Self;

    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(RwLock::new(hashbrown::HashMap::with_capacity_and_hasher(capacity, hasher()))))
    }

    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl CollectionHandle for RwLockHashbrownTable {
    type Key = u64;

    fn get(&mut self, key: &u64) -> bool {
        self.0.read().unwrap_or_else(PoisonError::into_inner).contains_key(key)
    }

    fn insert(&mut self, key: &u64) -> bool {
        self.0.write().unwrap_or_else(PoisonError::into_inner).insert(*key, 0).is_none()
    }

    fn remove(&mut self, key: &u64) -> bool {
        self.0.write().unwrap_or_else(PoisonError::into_inner).remove(key).is_some()
    }

    fn update(&mut self, key: &u64) -> bool {
        self.0.write().unwrap_or_else(PoisonError::into_inner).get_mut(key).map(|v| *v += 1).is_some()
    }
}

/// `dashmap::DashMap`.
#[derive(Clone, Debug)]
pub struct DashMapTable(Arc<dashmap::DashMap<u64, u64, FixedState>>);

impl Collection for DashMapTable {
    type Handle = Self;

    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(dashmap::DashMap::with_capacity_and_hasher(capacity, hasher())))
    }

    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl CollectionHandle for DashMapTable {
    type Key = u64;

    fn get(&mut self, key: &u64) -> bool {
        self.0.get(key).is_some()
    }

    fn insert(&mut self, key: &u64) -> bool {
        self.0.insert(*key, 0).is_none()
    }

    fn remove(&mut self, key: &u64) -> bool {
        self.0.remove(key).is_some()
    }

    fn update(&mut self, key: &u64) -> bool {
        self.0.get_mut(key).map(|mut v| *v += 1).is_some()
    }
}

/// `papaya::HashMap`.
#[derive(Clone, Debug)]
pub struct PapayaTable(Arc<papaya::HashMap<u64, u64, FixedState>>);

impl Collection for PapayaTable {
    type Handle = Self;

    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(papaya::HashMap::builder().capacity(capacity).hasher(hasher()).build()))
    }

    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl CollectionHandle for PapayaTable {
    type Key = u64;

    fn get(&mut self, key: &u64) -> bool {
        self.0.pin().get(key).is_some()
    }

    fn insert(&mut self, key: &u64) -> bool {
        self.0.pin().insert(*key, 0).is_none()
    }

    fn remove(&mut self, key: &u64) -> bool {
        self.0.pin().remove(key).is_some()
    }

    fn update(&mut self, key: &u64) -> bool {
        self.0.pin().update(*key, |v| v + 1).is_some()
    }
}

/// `scc::HashMap`.
#[derive(Clone, Debug)]
pub struct SccTable(Arc<scc::HashMap<u64, u64, FixedState>>);

impl Collection for SccTable {
    type Handle = Self;

    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(scc::HashMap::with_capacity_and_hasher(capacity, hasher())))
    }

    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl CollectionHandle for SccTable {
    type Key = u64;

    fn get(&mut self, key: &u64) -> bool {
        self.0.read_sync(key, |_, _| ()).is_some()
    }

    fn insert(&mut self, key: &u64) -> bool {
        self.0.insert_sync(*key, 0).is_ok()
    }

    fn remove(&mut self, key: &u64) -> bool {
        self.0.remove_sync(key).is_some()
    }

    fn update(&mut self, key: &u64) -> bool {
        self.0.update_sync(key, |_, v| *v += 1).is_some()
    }
}

/// `flurry::HashMap`.
#[derive(Clone, Debug)]
pub struct FlurryTable(Arc<flurry::HashMap<u64, u64, FixedState>>);

impl Collection for FlurryTable {
    type Handle = Self;

    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(flurry::HashMap::with_capacity_and_hasher(capacity, hasher())))
    }

    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl CollectionHandle for FlurryTable {
    type Key = u64;

    fn get(&mut self, key: &u64) -> bool {
        self.0.pin().get(key).is_some()
    }

    fn insert(&mut self, key: &u64) -> bool {
        self.0.pin().insert(*key, 0).is_none()
    }

    fn remove(&mut self, key: &u64) -> bool {
        self.0.pin().remove(key).is_some()
    }

    fn update(&mut self, key: &u64) -> bool {
        self.0.pin().compute_if_present(key, |_, v| Some(v + 1)).is_some()
    }
}

/// `tophash::sync::HashMap`: `&self` methods, no guard to pin.
#[derive(Clone, Debug)]
pub struct TophashSyncTable(Arc<tophash::sync::HashMap<u64, u64, FixedState>>);

impl Collection for TophashSyncTable {
    type Handle = Self;

    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(tophash::sync::HashMap::with_capacity_and_hasher(capacity, hasher())))
    }

    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl CollectionHandle for TophashSyncTable {
    type Key = u64;

    fn get(&mut self, key: &u64) -> bool {
        self.0.contains_key(key)
    }

    fn insert(&mut self, key: &u64) -> bool {
        self.0.insert(*key, 0)
    }

    fn remove(&mut self, key: &u64) -> bool {
        self.0.remove(key)
    }

    fn update(&mut self, key: &u64) -> bool {
        self.0.update(key, |v| v + 1)
    }
}

/// Declares [`Peer`] from one line per map:
/// `Variant = "cli-name", "column label", CollectionType;`.
macro_rules! peers {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $label:literal, $table:ty;)+) => {
        /// A map the runner can measure; the `--maps` values are [`Peer::name`]s.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Peer {
            $($(#[$doc])* $variant,)+
        }

        impl Peer {
            /// Every map, in table order (the baseline first).
            pub const ALL: &'static [Peer] = &[$(Peer::$variant),+];

            /// The name on the command line and in the CSV/JSON.
            pub fn name(self) -> &'static str {
                match self {
                    $(Peer::$variant => $name,)+
                }
            }

            /// The column header: the map and its major version.
            pub fn label(self) -> &'static str {
                match self {
                    $(Peer::$variant => $label,)+
                }
            }

            /// Runs `job` once on a fresh map of this kind; a map that
            /// returns a wrong result fails bustle's checks and gives
            /// `Err` with bustle's message (see [`measure`]).
            pub fn run(self, job: &Job) -> Result<Timing, String> {
                match self {
                    $(Peer::$variant => measure::<$table>(job),)+
                }
            }
        }
    };
}

peers! {
    /// `std::sync::RwLock<hashbrown::HashMap>`, the baseline.
    RwLockHashbrown = "rwlock-hashbrown", "RwLock<hashbrown 0.17>", RwLockHashbrownTable;
    /// dashmap.
    DashMap = "dashmap", "dashmap 6", DashMapTable;
    /// papaya.
    Papaya = "papaya", "papaya 0.2", PapayaTable;
    /// scc's `HashMap`.
    Scc = "scc", "scc 3", SccTable;
    /// flurry.
    Flurry = "flurry", "flurry 0.5", FlurryTable;
    /// tophash's concurrent map.
    TophashSync = "tophash-sync", "tophash::sync", TophashSyncTable;
}

/// The map every ratio in the table divides by.
pub const BASELINE: Peer = Peer::RwLockHashbrown;

impl clap::ValueEnum for Peer {
    fn value_variants<'a>() -> &'a [Self] {
        Peer::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

impl serde::Serialize for Peer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
